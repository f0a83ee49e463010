"""Citing: the project's CITATION.cff, and each release's BibTeX and CSL-JSON, which name the data they describe."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml
from conftest import PROJECT, seed_facts


def test_the_project_has_a_citation_file_in_the_cff_format() -> None:
    citation = yaml.safe_load((PROJECT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["title"] and citation["authors"] and citation["message"] and citation["license"] == "MIT"


def test_a_release_cites_itself_by_its_data(release: Path) -> None:
    data_sha = hashlib.sha256((release / "alliances.nq").read_bytes()).hexdigest()
    bibtex = (release / "citation.bib").read_text(encoding="utf-8")
    entry = re.fullmatch(r"@misc\{(\w+),\n((?:  \w+ = \{.*\},?\n)+)\}\n", bibtex)
    assert entry, bibtex
    fields = dict(re.findall(r"  (\w+) = \{(.*)\},?\n", entry.group(2)))
    assert fields["version"] == data_sha[:16] and data_sha in fields["note"]
    assert f"{len([f for f in seed_facts() if f.get('status') != 'candidate'])} facts" in fields["note"]
    (csl,) = json.loads((release / "citation.json").read_text(encoding="utf-8"))
    assert csl["type"] == "dataset" and csl["version"] == data_sha[:16] and csl["issued"]["date-parts"][0][0] == int(fields["year"])
    listed = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  citation.bib\n" in listed and "  citation.json\n" in listed
