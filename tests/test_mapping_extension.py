"""Extending the vocabulary: a new stance needs an edit of ontology/ and seeds/ only, never of code or mappings."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import BASE, FIRST_ARTICLE, LD, PROJECT, run_cli, seed_facts, snapshot
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

INPUTS = Path(__file__).resolve().parent / "inputs"


def add_mediation(project: Path, *, phrases: bool = True) -> Path:
    """Append the `mediates` stance (tests/inputs/mediation.ttl) and a fact using it to the first article; return the fact file."""
    ontology = (INPUTS / "mediation.ttl").read_text(encoding="utf-8")
    if not phrases:
        ontology = "\n".join(line for line in ontology.splitlines() if "Phrase " not in line) + "\n"
    with (project / "ontology" / "linkeddata.ttl").open("a", encoding="utf-8") as turtle:
        turtle.write(ontology)
    facts_path = project / "seeds" / "facts" / f"{FIRST_ARTICLE}.yaml"  # the fixture's quote is text of the first article
    with facts_path.open("a", encoding="utf-8") as facts:
        facts.write((INPUTS / "mediation-fact.yaml").read_text(encoding="utf-8"))
    return facts_path


def test_new_relation_needs_only_an_ontology_edit_and_a_seed_fact(project_copy: Path, tmp_path: Path) -> None:
    before = snapshot(project_copy)
    facts_path = add_mediation(project_copy)
    after = snapshot(project_copy)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    # Only the ontology and one seed file change: no mapping, no code (the build runs the package as installed).
    assert changed == ["ontology/linkeddata.ttl", facts_path.relative_to(project_copy).as_posix()]
    assert snapshot(project_copy / "mappings") == snapshot(PROJECT / "mappings")

    out = tmp_path / "site"
    result = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert result.returncode == 0, result.stderr

    graph = Graph()
    graph.parse(out / "alliances.nt", format="nt")
    mediates = URIRef(f"{LD}mediates")
    assert list(graph.subject_objects(mediates)) == [(URIRef(f"{BASE}actor/nato"), URIRef(f"{BASE}actor/kosovo"))]
    fact = URIRef(f"{BASE}fact/{facts_path.stem}/nato-mediates-with-kosovo")
    assert (fact, RDF.type, URIRef(f"{LD}StanceFact")) in graph
    assert (fact, URIRef(f"{LD}stance"), URIRef(f"{LD}Mediation")) in graph
    assert (fact, RDFS.label, Literal("NATO mediates with Kosovo", lang="en")) in graph
    assert f"published {len(seed_facts()) + 1} facts" in result.stdout


def test_incomplete_new_stance_is_refused_instead_of_silently_dropping_its_facts(project_copy: Path) -> None:
    # Without ld:affirmedPhrase/ld:negatedPhrase the fact mapping matched nothing: the fact vanished
    # from the release while `build` still counted it as published.
    facts_path = add_mediation(project_copy, phrases=False)
    line = facts_path.read_text(encoding="utf-8").splitlines().index("  - key: nato-mediates-with-kosovo") + 1
    result = run_cli("-q", "validate", "--project", str(project_copy))
    assert result.returncode == 1
    errors = result.stderr.splitlines()[:-1]
    assert len(errors) == 1 and errors[0].startswith(f"seeds/facts/{facts_path.name}:{line}: ")
    assert "published nothing" in errors[0] and "ld:affirmedPhrase" in errors[0]


def test_direct_triple_of_a_new_relation_without_a_fact_is_refused(project_copy: Path) -> None:
    # The SHACL guard against unbacked direct triples covers a stance added to ontology/ too.
    add_mediation(project_copy)
    shutil.copyfile(INPUTS / "mapping-unbacked-mediation.ru", project_copy / "mappings" / "40-unbacked.ru")
    result = run_cli("-q", "validate", "--project", str(project_copy))
    assert result.returncode == 1, result.stderr
    errors = result.stderr.splitlines()[:-1]
    actors = (project_copy / "seeds" / "actors.yaml").read_text(encoding="utf-8").splitlines()
    line = actors.index("  - key: nato") + 1
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"seeds/actors.yaml:{line}: ") and f"{LD}mediates" in errors[0] and "no affirmed stance fact" in errors[0]
