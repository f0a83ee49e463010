"""How to cite one fact: BibTeX and CSL-JSON naming the fact in the release that published it.

A scholar cites the words a fact rests on and the exact data they read; so the citation's URL is the fact's
page inside its release (`/release/<id>/fact/…`, which keeps answering as that release did), its version and
date are those of the release's own citation (citation.json, written by `build` from the seeds, never the clock),
and its note carries the quote and the article it comes from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from linkeddata.release.files import CSL_FILE
from linkeddata.release.files import DATASET_AUTHOR as AUTHOR
from linkeddata.release.files import DATASET_TITLE as TITLE

BIBTEX_SPECIAL = re.compile(r"([{}\\&%$#_^~])")


def release_citation(release_dir: Path | None) -> dict[str, Any]:
    """Return the release's own CSL-JSON entry (version, issued), or {} for a release without one."""
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


def fact_csl(fact: dict[str, Any], fact_path: str, release_id: str, base_iri: str, release: dict[str, Any]) -> dict[str, Any]:
    """Return the CSL-JSON entry of one fact in one release."""
    version = str(release.get("version") or release_id)
    entry: dict[str, Any] = {"id": f"alliances-{version}-{fact_path.rsplit('/', 1)[-1]}", "type": "dataset", "title": fact["factLabel"],
                             "container-title": TITLE, "author": [{"literal": AUTHOR}], "version": version,
                             "URL": f"{base_iri}release/{release_id}/{fact_path}", "note": _note(fact)}
    if release.get("issued"):
        entry["issued"] = release["issued"]
    return entry


def fact_bibtex(fact: dict[str, Any], fact_path: str, release_id: str, base_iri: str, release: dict[str, Any]) -> str:
    """Return the BibTeX entry of one fact in one release."""
    csl = fact_csl(fact, fact_path, release_id, base_iri, release)
    parts = (csl.get("issued") or {}).get("date-parts", [[]])[0]
    key = re.sub(r"[^A-Za-z0-9_-]", "_", csl["id"].replace("-", "_"))
    return (f"@misc{{{key},\n"
            f"  title = {{{{{_bibtex_text(csl['title'])}}}}},\n"
            f"  author = {{{{{AUTHOR}}}}},\n"
            f"  year = {{{parts[0] if parts else ''}}},\n"
            f"  version = {{{csl['version']}}},\n"
            f"  howpublished = {{\\url{{{csl['URL']}}}}},\n"
            f"  note = {{{_bibtex_text(f'Fact in {TITLE}, release {release_id}. ' + csl['note'])}}}\n}}\n")
