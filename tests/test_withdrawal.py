"""A fact never silently disappears: withdrawn facts stay as tombstones with their evidence and reason; a fact deleted from a
kept article's file is refused against the release it would replace; a withdrawal needs its date and reason."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from conftest import BASE, FIRST_ARTICLE, run_cli, snapshot

FACTS = "seeds/facts/{}.yaml"
KEY = "china-does-not-recognize-kosovo"
WITHDRAWAL = '    withdrawn: "2026-11-30"\n    withdrawal_reason: "The article retracted the sentence."\n'


def facts_file(project: Path) -> Path:
    return project / FACTS.format(FIRST_ARTICLE)


def fact_block(text: str, key: str) -> str:
    start = text.index(f"  - key: {key}\n")
    end = text.find("\n  - key: ", start + 1)
    return text[start:] if end < 0 else text[start:end + 1]


def build(project: Path) -> None:
    result = run_cli("-q", "build", "--project", str(project))
    assert result.returncode == 0, result.stderr


def quads(project: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(project / "dist" / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def test_a_deleted_fact_is_refused_and_the_release_stays(project_copy: Path) -> None:
    build(project_copy)
    before = snapshot(project_copy / "dist")
    path = facts_file(project_copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(fact_block(text, KEY), ""), encoding="utf-8")
    result = run_cli("build", "--project", str(project_copy))
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("seeds/")]
    assert line.startswith(f"{FACTS.format(FIRST_ARTICLE)}: fact \"{KEY}\" was published in the release this build replaces")
    assert "withdrawn: YYYY-MM-DD" in line
    assert snapshot(project_copy / "dist") == before


def test_a_withdrawn_fact_is_a_tombstone_with_its_evidence_and_no_direct_triple(project_copy: Path) -> None:
    build(project_copy)
    path = facts_file(project_copy)
    text = path.read_text(encoding="utf-8")
    block = fact_block(text, KEY)
    path.write_text(text.replace(block, block.rstrip("\n") + "\n" + WITHDRAWAL + ("\n" if block.endswith("\n\n") else "")), encoding="utf-8")
    build(project_copy)
    store = quads(project_copy)
    fact = f"<{BASE}fact/{FIRST_ARTICLE}/{KEY}>"
    rows = list(store.query(f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX ld: <https://alliances.example.org/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?when ?why ?quote WHERE {{ GRAPH ?g {{ {fact} prov:invalidatedAtTime ?when ; ld:withdrawalReason ?why ;
          ld:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote }} }}"""))
    assert [(r["when"].value, r["why"].value, r["quote"].value) for r in rows] == [
        ("2026-11-30T00:00:00Z", "The article retracted the sentence.", "China did not recognize Kosovo’s independence in 2008")]
    diff = (project_copy / "dist" / "diff.txt").read_text(encoding="utf-8")
    assert KEY in diff and "withdrawn" in diff
    assert run_cli("verify", str(project_copy / "dist")).returncode == 0


def test_an_affirmed_withdrawn_fact_loses_its_direct_triple_and_its_report(project_copy: Path) -> None:
    key = "communist-party-of-china-criticizes-nato"
    path = facts_file(project_copy)
    text = path.read_text(encoding="utf-8")
    block = fact_block(text, key)
    path.write_text(text.replace(block, block.rstrip("\n") + "\n" + WITHDRAWAL + "\n"), encoding="utf-8")
    build(project_copy)
    store = quads(project_copy)
    direct = f"<{BASE}actor/communist-party-of-china> <https://alliances.example.org/ontology#condemns> <{BASE}actor/nato>"
    assert not store.query(f"ASK {{ GRAPH ?g {{ {direct} }} }}")
    counted = list(store.query(f"""PREFIX ld: <https://alliances.example.org/ontology#>
        SELECT ?n WHERE {{ GRAPH ?g {{ <{BASE}position/communist-party-of-china-condemns-affirmed-nato> ld:reportCount ?n }} }}"""))
    assert counted == [], "a tombstone is no report"


def test_a_withdrawal_needs_both_its_date_and_its_reason(project_copy: Path) -> None:
    path = facts_file(project_copy)
    text = path.read_text(encoding="utf-8")
    block = fact_block(text, KEY)
    path.write_text(text.replace(block, block.rstrip("\n") + '\n    withdrawn: "2026-11-30"\n\n'), encoding="utf-8")
    result = run_cli("build", "--project", str(project_copy))
    assert result.returncode == 1
    assert "a withdrawal needs both 'withdrawn' (its date) and 'withdrawal_reason'" in result.stderr
