"""/changes: what each kept release added, changed, withdrew and removed, as an Atom feed (RFC 4287) and as JSON.

Every release carries diff.json, the facts it changed against the release it replaced; `build` keeps the
newest releases beside the current one (`--keep-releases`), so the feed has one entry per kept release,
newest first. A release folder's time is when `build` put it in place, so that is the entry's `updated`.
"""

from __future__ import annotations

import datetime
import functools
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from linkeddata.release.files import CHECKSUMS

ATOM = "http://www.w3.org/2005/Atom"
DIFF_FILE = "diff.json"


@dataclass(frozen=True, slots=True)
class ReleaseChanges:
    """One kept release and the facts it changed: fact ids (`fact/<article>/<key>`) by kind of change."""

    release: str
    updated: str
    added: list[str]
    changed: list[str]
    withdrawn: list[str]
    removed: list[str]

    def to_json(self, base_iri: str) -> dict[str, object]:
        iris = {kind: [base_iri + fact for fact in getattr(self, kind)] for kind in ("added", "changed", "withdrawn", "removed")}
        return {"release": self.release, "updated": self.updated, **iris}


def _withdrawn(entry: dict[str, object]) -> bool:
    fields = entry.get("fields", {})
    return isinstance(fields, dict) and isinstance(fields.get("withdrawn"), dict) and fields["withdrawn"].get("new") is not None


def release_changes(folder: Path) -> ReleaseChanges | None:
    """Return what one release folder changed, or None for a folder that is not a finished release."""
    try:
        diff = json.loads((folder / DIFF_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (folder / CHECKSUMS).is_file():
        return None
    changed = diff.get("changed", [])
    updated = datetime.datetime.fromtimestamp(folder.stat().st_mtime, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ReleaseChanges(
        release=folder.name, updated=updated,
        added=[entry["fact"] for entry in diff.get("added", [])],
        changed=[entry["fact"] for entry in changed if not _withdrawn(entry)],
        withdrawn=[entry["fact"] for entry in changed if _withdrawn(entry)],
        removed=[entry["fact"] for entry in diff.get("removed", [])],
    )


def kept_releases(current: Path) -> list[ReleaseChanges]:
    """Return the changes of every release kept beside `current` (its folder's siblings), newest first.

    Read once per served release: a release never changes while served, and a new one is a new `current`.
    """
    return _kept_releases(str(current.resolve()))


@functools.lru_cache(maxsize=4)
def _kept_releases(current: str) -> list[ReleaseChanges]:
    folder = Path(current)
    siblings = [path for path in folder.parent.iterdir() if path.is_dir() and not path.name.startswith(".")] if folder.parent.is_dir() else [folder]
    found = [changes for path in siblings if (changes := release_changes(path)) is not None]
    return sorted(found, key=lambda changes: (changes.updated, changes.release), reverse=True)


def _summary(changes: ReleaseChanges) -> str:
    counts = [(len(changes.added), "added"), (len(changes.changed), "changed"), (len(changes.withdrawn), "withdrawn"), (len(changes.removed), "removed")]
    return ", ".join(f"{count} {kind}" for count, kind in counts if count) or "no fact changed"


def atom_feed(releases: list[ReleaseChanges], base_iri: str, self_url: str) -> bytes:
    """Return the Atom feed of the kept releases' changes; links are the facts' IRIs (they dereference)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base_iri}changes"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "Alliance stances: facts added, changed and withdrawn"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = releases[0].updated if releases else "1970-01-01T00:00:00Z"
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "linkeddata"
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    for changes in releases:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{base_iri}release/{changes.release}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"Release {changes.release}: {_summary(changes)}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = changes.updated
        for kind in ("added", "changed", "withdrawn", "removed"):
            for fact in getattr(changes, kind):
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=base_iri + fact, title=f"{kind}: {fact}")
        lines = [f"{kind}: {fact}" for kind in ("added", "changed", "withdrawn", "removed") for fact in getattr(changes, kind)]
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = "\n".join(lines) or "no fact changed"
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
