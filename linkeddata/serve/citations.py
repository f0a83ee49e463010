"""How to cite a kept release, or one fact in it: BibTeX and CSL-JSON naming its IRI under /release/<id>.

A scholar cites the exact data they read. The release's own citation.json cannot name the release (its id is the
digest of SHA256SUMS, which lists citation.json), so it names the dataset; served, a citation names the release's
IRI, `/release/<id>`, which keeps answering as that release did, and a fact's names the fact's page inside it.
Version and date are those of citation.json (written by `build` from the seeds, never the clock); a fact's note
carries the quote and the article it comes from.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from linkeddata.release.files import CSL_FILE
from linkeddata.release.files import DATASET_AUTHOR as AUTHOR
from linkeddata.release.files import DATASET_TITLE as TITLE

BIBTEX_SPECIAL = re.compile(r"([{}\\&%$#_^~])")


@functools.lru_cache(maxsize=16)
def release_citation(release_dir: Path | None) -> dict[str, Any]:
    """Return the release's own CSL-JSON entry (version, issued), or {} for a release without one.

    Read once per release folder, not at every fact page: a release never changes once written (its name is its digest).
    Callers copy before changing it.
    """
    if release_dir is None:
        return {}
    try:
        entries = json.loads((release_dir / CSL_FILE).read_text(encoding="utf-8"))
        return entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
    except (OSError, ValueError):
        return {}


def _bibtex_text(text: str) -> str:
    # Braces, backslashes and TeX's active characters would change or break the entry.
    return BIBTEX_SPECIAL.sub(lambda match: "\\textbackslash{}" if match.group(1) == "\\" else "\\" + match.group(1), text)


def _note(fact: dict[str, Any]) -> str:
    source = ", ".join(part for part in (fact.get("publisher"), fact.get("published")) if part)
    where = f"{fact.get('headline') or 'the article'}" + (f" ({source})" if source else "") + (f", {fact['url']}" if fact.get("url") else "")
    return f"Quote: “{fact['exact']}”, in {where}"


def release_csl(release_id: str, base_iri: str, release: dict[str, Any]) -> dict[str, Any]:
    """Return the CSL-JSON entry of one kept release."""
    entry = {**release, "id": f"alliances-{release.get('version') or release_id}", "URL": f"{base_iri}release/{release_id}"}
    entry.setdefault("type", "dataset")
    entry.setdefault("title", TITLE)
    entry.setdefault("author", [{"literal": AUTHOR}])
    entry["note"] = f"Release {release_id}" + (f"; {release['note']}" if release.get("note") else "")
    return entry


def fact_csl(fact: dict[str, Any], fact_path: str, release_id: str, base_iri: str, release: dict[str, Any]) -> dict[str, Any]:
    """Return the CSL-JSON entry of one fact in one release."""
    version = str(release.get("version") or release_id)
    entry: dict[str, Any] = {"id": f"alliances-{version}-{fact_path.rsplit('/', 1)[-1]}", "type": "dataset", "title": fact["factLabel"],
                             "container-title": TITLE, "author": [{"literal": AUTHOR}], "version": version,
                             "URL": f"{base_iri}release/{release_id}/{fact_path}",
                             "note": f"Fact in {TITLE}, release {release_id}. {_note(fact)}"}
    if release.get("issued"):
        entry["issued"] = release["issued"]
    return entry


def bibtex(csl: dict[str, Any]) -> str:
    """Return a CSL-JSON entry of ours as a BibTeX @misc entry (what LaTeX users paste)."""
    parts = (csl.get("issued") or {}).get("date-parts", [[]])[0]
    key = re.sub(r"[^A-Za-z0-9_]", "_", csl["id"])
    return (f"@misc{{{key},\n"
            f"  title = {{{{{_bibtex_text(csl['title'])}}}}},\n"
            f"  author = {{{{{AUTHOR}}}}},\n"
            f"  year = {{{parts[0] if parts else ''}}},\n"
            f"  version = {{{csl.get('version', '')}}},\n"
            f"  howpublished = {{\\url{{{csl['URL']}}}}},\n"
            f"  note = {{{_bibtex_text(csl['note'])}}}\n}}\n")


def fact_bibtex(fact: dict[str, Any], fact_path: str, release_id: str, base_iri: str, release: dict[str, Any]) -> str:
    """Return the BibTeX entry of one fact in one release."""
    return bibtex(fact_csl(fact, fact_path, release_id, base_iri, release))
