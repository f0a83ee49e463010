"""The extended stance model (issue 13): new stances, modality, a reporting publication and positions.

Bad input names `path:line: message`, exits 1 and leaves the previous release byte-identical; the seed release
holds the refused sanction, the appeal, the Kathimerini attribution, the intended non-recognition and one position
per fact. Everything runs through the CLI and the built release files, never through the package's modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIRST_ARTICLE, refused, seed_facts, select

KATHIMERINI_ARTICLE = "003_429f0990fcbfe484"
PUBLISHED = [fact for fact in seed_facts() if fact.get("status") != "candidate"]


# ---------------------------------------------------------------- helpers


def facts_path(project: Path, article: str = FIRST_ARTICLE) -> Path:
    return project / "seeds" / "facts" / f"{article}.yaml"


def fact_block(path: Path, key: str) -> str:
    """Return the text of one fact, from its `- key:` line to the next fact."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - key: {key}\n")
    end = text.find("\n  - key: ", start + 1)
    return text[start : end if end != -1 else len(text)]


def edit_fact(path: Path, key: str, old: str, new: str) -> int:
    """Replace `old` by `new` inside one fact's block; return the line `new` starts on in the edited file."""
    text = path.read_text(encoding="utf-8")
    block = fact_block(path, key)
    assert block.count(old) == 1, f"{old!r} occurs {block.count(old)} times in fact {key}"
    start = text.index(block)
    edited = block.replace(old, new)
    path.write_text(text.replace(block, edited, 1), encoding="utf-8")
    return text[: start + block.index(old)].count("\n") + 1


def assert_single_error(errors: list[str], path: Path, project: Path, line: int, *fragments: str) -> None:
    relative = path.relative_to(project).as_posix()
    assert len(errors) == 1, "\n".join(errors)
    assert errors[0].startswith(f"{relative}:{line}: "), f"expected {relative}:{line}:, got {errors[0]!r}"
    for fragment in fragments:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"


def ask(store: Any, query: str) -> bool:
    from conftest import SPARQL_PREFIXES

    return bool(store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True))


# ---------------------------------------------------------------- bad input


def test_unknown_stance_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy)
    line = edit_fact(path, "china-urges-nato-to-respect-sovereignty", "stance: appeals-to\n", "stance: pleads\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, 'fact "china-urges-nato-to-respect-sovereignty"', "unknown relation 'pleads'", "appeals-to")


def test_unknown_modality_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy)
    line = edit_fact(path, "russia-armed-support-depends-on-the-situation", "modality: hedged\n", "modality: maybe\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, "unknown modality 'maybe'", "intended")


def test_unknown_source_actor_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy, KATHIMERINI_ARTICLE)
    line = edit_fact(path, "spain-does-not-recognize-kosovo", "source: kathimerini\n", "source: kathimerini-daily\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, "unknown actor key 'kathimerini-daily' in 'source'")


def test_a_source_that_is_not_a_publication_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy, KATHIMERINI_ARTICLE)
    line = edit_fact(path, "spain-does-not-recognize-kosovo", "source: kathimerini\n", "source: greece\n")
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, "'source' must be a publication", "greece")


def test_a_conditional_whose_quote_lacks_the_condition_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy)
    key = "russia-support-fraternal-relations"
    old_quote = next(line for line in fact_block(path, key).splitlines() if line.startswith("    quote: "))
    edit_fact(path, key, old_quote, '    quote: "Serbia and the Serbian people can count on any support from Russia"')
    line = path.read_text(encoding="utf-8").splitlines().index('    condition: "When and if friendly and fraternal relations are at stake"') + 1
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, f'fact "{key}"', "the condition is not in the quote")


def test_a_condition_without_conditional_modality_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy)
    key = "russia-support-fraternal-relations"
    edit_fact(path, key, "    modality: conditional\n", "")
    line = path.read_text(encoding="utf-8").splitlines().index('    condition: "When and if friendly and fraternal relations are at stake"') + 1
    errors = refused(project_copy, published)
    assert_single_error(errors, path, project_copy, line, f'fact "{key}"', "'condition' is only for a conditional modality")


def test_a_source_on_an_authors_claim_is_refused(project_copy: Path, published: Path) -> None:
    path = facts_path(project_copy, KATHIMERINI_ARTICLE)
    line = edit_fact(path, "spain-does-not-recognize-kosovo", "claim: reported\n", "claim: author\n")
    errors = refused(project_copy, published)
    source_line = line + 1
    assert_single_error(errors, path, project_copy, source_line, "an author's claim has no 'source'")


# ---------------------------------------------------------------- the seed release


def test_refused_sanction_is_a_negated_fact_with_no_direct_triple(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key WHERE {
          ?fact a ld:StanceFact ; schema:identifier ?key ; ld:holder actor:serbia ; ld:stance ld:Sanction ;
                ld:target actor:russia ; ld:polarity ld:Negated .
        }""")
    assert [row["key"] for row in rows] == ["serbia-refuses-sanctions-against-russia"]
    assert not ask(release_store, "ASK { actor:serbia ld:sanctions actor:russia }")
    assert not ask(release_store, "ASK { ?anyone ld:sanctions ?anything }"), "no seed fact affirms a sanction"


def test_chinas_appeal_to_nato_has_its_direct_triple(release_store: Any) -> None:
    assert ask(release_store, "ASK { actor:china ld:appealsTo actor:nato }")
    rows = select(release_store, """
        SELECT ?quote WHERE {
          ?fact ld:holder actor:china ; ld:stance ld:Appeal ; ld:target actor:nato ; ld:polarity ld:Affirmed ;
                ld:claimType ld:DirectQuote ; ld:speaker actor:china ;
                ld:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
        }""")
    assert [row["quote"] for row in rows] == [
        ("We urge NATO to earnestly respect the sovereignty and territorial integrity of the countries concerned "
         "and truly do what is conducive to regional peace")]
    assert release_store.query(
        "PREFIX ld: <https://alliances.example.org/ontology#> ASK { ld:Appeal ld:cameoCode \"02\" ; ld:directProperty ld:appealsTo }",
        use_default_graph_as_union=True)


def test_the_corrected_china_statement_is_the_authors_claim(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?claim ?speaker WHERE {
          ?fact schema:identifier "china-statement-supports-serbia" ; ld:claimType ?claim .
          OPTIONAL { ?fact ld:speaker ?speaker }
        }""")
    assert rows == [{"claim": "https://alliances.example.org/ontology#AuthorClaim", "speaker": None}]


def test_traditional_allies_is_an_alliance_not_a_support(release_store: Any) -> None:
    assert ask(release_store, "ASK { actor:serbia ld:alliedWith actor:russia }")
    assert ask(release_store, """ASK { ?fact schema:identifier "serbia-traditional-ally-of-russia" ; ld:stance ld:Alliance }""")
    assert not ask(release_store, """ASK { ?fact schema:identifier "serbia-traditional-ally-of-russia" ; ld:stance ld:Support }""")


def test_kathimerini_facts_are_reported_by_the_publication(release_store: Any) -> None:
    expected = {f["key"] for f in PUBLISHED if f.get("source") == "kathimerini"}
    assert {"spain-does-not-recognize-kosovo", "slovakia-does-not-recognize-kosovo", "cyprus-does-not-recognize-kosovo"} <= expected
    rows = select(release_store, """
        SELECT ?key ?claim WHERE {
          ?fact schema:identifier ?key ; ld:reportedBy actor:kathimerini ; prov:wasAttributedTo actor:kathimerini ; ld:claimType ?claim .
        }""")
    assert {row["key"] for row in rows} == expected
    assert all(row["claim"] != "https://alliances.example.org/ontology#AuthorClaim" for row in rows)
    assert ask(release_store, "ASK { actor:kathimerini a ld:Publication , ld:Actor }")


def test_will_not_recognize_is_an_intended_negated_recognition(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key ?modality WHERE {
          ?fact schema:identifier ?key ; ld:holder actor:greece ; ld:stance ld:Recognition ; ld:target actor:kosovo ;
                ld:polarity ld:Negated ; ld:modality ?modality .
        }""")
    assert {row["key"]: row["modality"] for row in rows} == {
        "greece-will-not-recognize-kosovo": "https://alliances.example.org/ontology#Intended",
        "athens-will-not-recognize-kosovo-as-independent-state": "https://alliances.example.org/ontology#Intended",
    }
    # A past non-recognition stays distinguishable: asserted, not intended.
    assert ask(release_store, """ASK { ?fact schema:identifier "china-does-not-recognize-kosovo" ; ld:modality ld:Asserted }""")


def test_the_condition_and_the_hedge_are_published(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key ?modality ?condition WHERE {
          ?fact schema:identifier ?key ; ld:modality ?modality . FILTER(?modality != ld:Asserted && ?modality != ld:Intended)
          OPTIONAL { ?fact ld:condition ?condition }
        }""")
    assert {row["key"]: (row["modality"].rsplit("#", 1)[1], row["condition"]) for row in rows} == {
        "russia-support-fraternal-relations": ("Conditional", "When and if friendly and fraternal relations are at stake"),
        "russia-armed-support-depends-on-the-situation": ("Hedged", None),
    }


def test_every_fact_has_one_modality_asserted_by_default(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key (COUNT(?modality) AS ?modalities) (SAMPLE(?modality) AS ?one) WHERE {
          ?fact a ld:StanceFact ; schema:identifier ?key . OPTIONAL { ?fact ld:modality ?modality }
        } GROUP BY ?key""")
    assert len(rows) == len(PUBLISHED)
    seeded = {f["key"]: f.get("modality", "asserted") for f in PUBLISHED}
    for row in rows:
        assert row["modalities"] == 1, row
        assert row["one"].rsplit("#", 1)[1].lower() == seeded[row["key"]], row


def test_every_fact_reports_exactly_one_matching_position(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key (COUNT(DISTINCT ?position) AS ?positions) (SAMPLE(?position) AS ?one) WHERE {
          ?fact a ld:StanceFact ; schema:identifier ?key . OPTIONAL { ?fact ld:reports ?position }
        } GROUP BY ?key""")
    assert len(rows) == len(PUBLISHED)
    notation = {"supports": "supports", "recognizes": "recognizes", "condemns": "condemns",
                "appeals-to": "appeals-to", "sanctions": "sanctions", "allied-with": "allied-with"}
    for fact in PUBLISHED:
        (row,) = [r for r in rows if r["key"] == fact["key"]]
        assert row["positions"] == 1, row
        assert row["one"] == (f"https://alliances.example.org/position/"
                              f"{fact['holder']}-{notation[fact['stance']]}-{fact['polarity']}-{fact['target']}")
    mismatched = select(release_store, """
        SELECT ?fact WHERE {
          ?fact ld:reports ?position ; ld:holder ?holder ; ld:stance ?stance ; ld:polarity ?polarity ; ld:target ?target .
          FILTER NOT EXISTS { ?position a ld:Position ; ld:positionHolder ?holder ; ld:positionStance ?stance ;
                                        ld:positionPolarity ?polarity ; ld:positionTarget ?target }
        }""")
    assert mismatched == []


def test_one_stance_many_reports_share_a_position(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT (COUNT(DISTINCT ?fact) AS ?reports) WHERE { ?fact ld:reports <https://alliances.example.org/position/china-supports-affirmed-serbia> }""")
    expected = sum((f["holder"], f["stance"], f["polarity"], f["target"]) == ("china", "supports", "affirmed", "serbia") for f in PUBLISHED)
    assert rows == [{"reports": expected}] and expected >= 2


def test_positions_are_never_inferred_from_absence(release_store: Any) -> None:
    # Every negated position has a negated seed fact behind it: none is made up for an actor the texts are silent on.
    rows = select(release_store, """
        SELECT ?position WHERE {
          ?position a ld:Position ; ld:positionPolarity ld:Negated .
          FILTER NOT EXISTS { ?fact ld:reports ?position ; ld:polarity ld:Negated }
        }""")
    assert rows == []
    negated = {(f["holder"], f["stance"], f["target"]) for f in PUBLISHED if f["polarity"] == "negated"}
    count = select(release_store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a ld:Position ; ld:positionPolarity ld:Negated }")
    assert count == [{"n": len(negated)}]


def test_curators_notes_are_published_as_editorial_notes(release_store: Any) -> None:
    rows = select(release_store, """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?key ?note WHERE { ?fact a ld:StanceFact ; schema:identifier ?key ; skos:editorialNote ?note }""")
    assert {row["key"]: row["note"] for row in rows} == {f["key"]: f["note"] for f in PUBLISHED if "note" in f}


@pytest.mark.parametrize(("stance", "code"), [("Appeal", "02"), ("Sanction", "163"), ("Alliance", "05"),
                                                ("Support", "051"), ("Recognition", "054"), ("Condemnation", "111")])
def test_each_stance_has_its_cameo_code_and_direct_property(release_store: Any, stance: str, code: str) -> None:
    rows = select(release_store, f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?property WHERE {{ ld:{stance} skos:inScheme ld:Stances ; ld:cameoCode "{code}" ; ld:directProperty ?property ;
                                  skos:prefLabel ?pref ; skos:definition ?definition ; rdfs:label ?label }}""")
    assert len(rows) == 1
