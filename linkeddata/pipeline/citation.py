"""How to cite a release: BibTeX and CSL-JSON written into it, from the seeds and the data only (never the clock).

A release's id is the digest of its SHA256SUMS, which lists these files, so they cannot name it; they name the
data instead: `version` is the first 16 hex digits of the N-Quads dump's SHA-256 (the same data gives the same
version), and the date is that of the newest article the release rests on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from linkeddata.file_digests import FileDigest
from linkeddata.project.seeds import SeedSummary
from linkeddata.release.files import BIBTEX_FILE, CSL_FILE
from linkeddata.release.files import DATASET_AUTHOR as AUTHOR
from linkeddata.release.files import DATASET_TITLE as TITLE


def release_date(published: Iterable[str]) -> str:
    """Return a release's date from its articles' publication dates (YYYY, YYYY-MM or YYYY-MM-DD), never the clock: the newest.

    The one rule for every part of a release that carries a date (its citation, its nanopublications); ISO dates of
    different precision compare correctly as text ("2023-06" < "2023-06-10" < "2023-07").
    """
    return max(published, default="")


def citation_files(seeds: SeedSummary, base_iri: str, data_digest: FileDigest, folder: Path) -> list[Path]:
    """Write citation.bib and citation.json for the release in `folder`; return their paths."""
    version = data_digest.sha256[:16]
    issued = release_date(article.published for article in seeds.articles)
    parts = [int(part) for part in issued.split("-")] if issued else []
    note = f"{seeds.facts} facts from {len(seeds.articles)} articles, each with its verbatim quote; data SHA-256 {data_digest.sha256}"
    bibtex = (f"@misc{{alliances_{version},\n"
              f"  title = {{{{{TITLE}}}}},\n"
              f"  author = {{{{{AUTHOR}}}}},\n"
              f"  year = {{{parts[0] if parts else ''}}},\n"
              f"  version = {{{version}}},\n"
              f"  howpublished = {{\\url{{{base_iri}dataset}}}},\n"
              f"  note = {{{note}}}\n}}\n")
    csl = [{"id": f"alliances-{version}", "type": "dataset", "title": TITLE, "author": [{"literal": AUTHOR}], "version": version,
            "issued": {"date-parts": [parts]} if parts else {}, "URL": f"{base_iri}dataset", "note": note}]
    (folder / BIBTEX_FILE).write_text(bibtex, encoding="utf-8")
    (folder / CSL_FILE).write_text(json.dumps(csl, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return [folder / BIBTEX_FILE, folder / CSL_FILE]
