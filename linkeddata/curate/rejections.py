"""Remembers the candidates a curator rejected in `linkeddata review`, so that `linkeddata suggest` never proposes
them again: one sidecar file per article, seeds/rejected/<article>.yaml (read by nothing that builds a release)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from linkeddata.curate.articles import atomic_write, yaml_scalar

REJECTED_DIR = Path("seeds") / "rejected"
IDENTITY = ("holder", "stance", "target", "polarity", "quote")

Identity = tuple[str, str, str, str, str]


def rejected_path(project: Path, article_id: str) -> Path:
    """Return the sidecar file holding an article's rejected candidates."""
    return project / REJECTED_DIR / f"{article_id}.yaml"


def identity_of(fields: dict[str, Any]) -> Identity:
    """Return holder, stance, target, polarity and quote: what makes two candidates the same."""
    holder, stance, target, polarity, quote = (str(fields.get(name)) for name in IDENTITY)
    return holder, stance, target, polarity, quote


def read_rejected(project: Path, article_id: str) -> set[Identity]:
    """Return the identities of an article's rejected candidates (none if the file does not exist)."""
    path = rejected_path(project, article_id)
    if not path.exists():
        return set()
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {identity_of(entry) for entry in document.get("rejected") or [] if isinstance(entry, dict)}


def remember_rejected(project: Path, article_id: str, fields: dict[str, Any]) -> None:
    """Add one rejected candidate to the article's sidecar file (written atomically), unless it is there already."""
    if identity_of(fields) in read_rejected(project, article_id):
        return
    path = rejected_path(project, article_id)
    text = path.read_text(encoding="utf-8") if path.exists() else (
        "# Candidates rejected in `linkeddata review`: `linkeddata suggest` does not propose them again.\n"
        "# Delete an entry to have it proposed again.\n"
        f"article: {article_id}\nrejected:\n")
    entry = [f"  - {IDENTITY[0]}: {yaml_scalar(str(fields[IDENTITY[0]]))}"]
    entry += [f"    {name}: {yaml_scalar(str(fields[name]), quoted=name == 'quote')}" for name in IDENTITY[1:]]
    atomic_write(path, (text + "\n".join(entry) + "\n").encode("utf-8"))
