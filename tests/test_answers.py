"""Answers: the questions the dataset exists for, asked in SPARQL over the built release (alliances.nq in pyoxigraph).

Expected answers are derived from the seed YAML (every article's curated facts), so they stay true as curators
add articles; what the first article itself states (China and Russia support Serbia, China did not recognize
Kosovo, the ambassador's four quotes) is also spelled out.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BASE, FIRST_ARTICLE, seed_actors, seed_facts, select

LABELS = {actor["key"]: actor["label"] for actor in seed_actors()}
PUBLISHED = [fact for fact in seed_facts() if fact.get("status") != "candidate"]


def holders(stance: str, target: str, polarity: str) -> set[str]:
    """Return the labels of the holders of seed facts with this stance, target and polarity."""
    return {LABELS[f["holder"]] for f in PUBLISHED if (f["stance"], f["target"], f["polarity"]) == (stance, target, polarity)}


def labels_of(rows: list[dict[str, Any]]) -> set[str]:
    labels = [row["label"] for row in rows]
    assert len(labels) == len(set(labels)), f"an answer is repeated: {labels}"
    return set(labels)


def ask(store: Any, query: str) -> bool:
    from conftest import SPARQL_PREFIXES

    return bool(store.query(SPARQL_PREFIXES + query, use_default_graph_as_union=True))


def test_who_supports_serbia(release_store: Any) -> None:
    rows = select(release_store, "SELECT DISTINCT ?label WHERE { ?who ld:supports actor:serbia ; rdfs:label ?label }")
    supporters = holders("supports", "serbia", "affirmed")
    assert labels_of(rows) == supporters
    assert {"China", "Russia"} <= supporters  # stated by the first article


def test_who_supports_kosovo(release_store: Any) -> None:
    rows = select(release_store, "SELECT DISTINCT ?label WHERE { ?who ld:supports actor:kosovo ; rdfs:label ?label }")
    supporters = holders("supports", "kosovo", "affirmed")
    assert labels_of(rows) == supporters
    assert {"United States", "European Union"} <= supporters  # stated by the first article


def test_who_does_not_recognize_kosovo(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT DISTINCT ?label WHERE {
          ?fact a ld:StanceFact ; ld:holder ?who ; ld:stance ld:Recognition ; ld:target actor:kosovo ; ld:polarity ld:Negated .
          ?who rdfs:label ?label .
        }""")
    non_recognizers = holders("recognizes", "kosovo", "negated")
    assert labels_of(rows) == non_recognizers
    assert "China" in non_recognizers  # the first article: "China did not recognize Kosovo’s independence in 2008"
    assert not ask(release_store, "ASK { actor:china ld:recognizes actor:kosovo }")
    # Only affirmed facts yield ld:recognizes: whoever is said only *not* to recognize Kosovo has no such triple.
    recognizers = labels_of(select(release_store, "SELECT DISTINCT ?label WHERE { ?who ld:recognizes actor:kosovo ; rdfs:label ?label }"))
    affirmed = holders("recognizes", "kosovo", "affirmed")
    assert recognizers == affirmed
    assert (non_recognizers - affirmed).isdisjoint(recognizers)


def test_what_alexander_botsan_kharchenko_stated_with_quotes(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?fact ?quote WHERE {
          ?speaker rdfs:label "Alexander Botsan-Kharchenko"@en .
          ?fact a ld:StanceFact ; ld:speaker ?speaker ; ld:evidence/oa:hasTarget/oa:hasSelector ?selector .
          ?selector a oa:TextQuoteSelector ; oa:exact ?quote .
        }""")
    spoken = [f for f in PUBLISHED if f.get("speaker") == "alexander-botsan-kharchenko"]
    expected = {f["quote"] for f in spoken}
    assert len({f["quote"] for f in spoken if f["article"] == FIRST_ARTICLE}) == 5  # his five sayings in the first article (the fifth: "It all depends on the situation")
    assert len(rows) == len(spoken)
    assert {row["quote"] for row in rows} == expected


def test_speaker_is_also_the_prov_attribution(release_store: Any) -> None:
    spoken = select(release_store, "SELECT ?fact WHERE { ?fact ld:speaker ?speaker }")
    assert len(spoken) == sum("speaker" in f for f in PUBLISHED) > 0, "no fact has a speaker, so the check below would prove nothing"
    rows = select(release_store, """
        SELECT ?fact WHERE { ?fact ld:speaker ?speaker . FILTER NOT EXISTS { ?fact prov:wasAttributedTo ?speaker } }""")
    assert rows == []


def test_every_negated_fact_has_no_direct_triple(release_store: Any) -> None:
    negated = select(release_store, "SELECT ?fact WHERE { ?fact ld:polarity ld:Negated }")
    assert len(negated) == sum(f["polarity"] == "negated" for f in PUBLISHED) > 0
    rows = select(release_store, """
        SELECT ?fact ?holder ?property ?target WHERE {
          ?fact ld:polarity ld:Negated ; ld:holder ?holder ; ld:stance ?stance ; ld:target ?target .
          ?stance ld:directProperty ?property .
          ?holder ?property ?target .
          FILTER NOT EXISTS { ?other ld:polarity ld:Affirmed ; ld:holder ?holder ; ld:stance ?stance ; ld:target ?target }
        }""")
    assert rows == []


def test_every_affirmed_fact_has_its_direct_triple(release_store: Any) -> None:
    direct = select(release_store, "SELECT ?holder ?property ?target WHERE { ?stance ld:directProperty ?property . ?holder ?property ?target }")
    assert len(direct) == len({(f["holder"], f["stance"], f["target"]) for f in PUBLISHED if f["polarity"] == "affirmed"}) > 0
    rows = select(release_store, """
        SELECT ?fact WHERE {
          ?fact ld:polarity ld:Affirmed ; ld:holder ?holder ; ld:stance ?stance ; ld:target ?target .
          ?stance ld:directProperty ?property .
          FILTER NOT EXISTS { ?holder ?property ?target }
        }""")
    assert rows == []


def test_every_direct_triple_has_an_affirmed_fact_behind_it(release_store: Any) -> None:
    assert select(release_store, "SELECT * WHERE { ?stance ld:directProperty ?property . ?holder ?property ?target } LIMIT 1"), "no direct triple to check"
    rows = select(release_store, """
        SELECT ?holder ?property ?target WHERE {
          ?stance ld:directProperty ?property .
          ?holder ?property ?target .
          FILTER NOT EXISTS { ?fact ld:polarity ld:Affirmed ; ld:holder ?holder ; ld:stance ?stance ; ld:target ?target }
        }""")
    assert rows == []


def test_every_published_seed_fact_is_in_the_release(release_store: Any) -> None:
    rows = select(release_store, "SELECT ?key WHERE { ?fact a ld:StanceFact ; schema:identifier ?key }")
    assert sorted(row["key"] for row in rows) == sorted(f["key"] for f in PUBLISHED)


@pytest.mark.parametrize(("selector", "count"), [("oa:TextQuoteSelector", 1), ("oa:TextPositionSelector", 1)])
def test_every_fact_has_exactly_one_evidence_with_each_selector(release_store: Any, selector: str, count: int) -> None:
    rows = select(release_store, f"""
        SELECT ?fact (COUNT(DISTINCT ?evidence) AS ?evidences) (COUNT(DISTINCT ?selector) AS ?selectors) WHERE {{
          ?fact a ld:StanceFact .
          OPTIONAL {{ ?fact ld:evidence ?evidence .
                     OPTIONAL {{ ?evidence oa:hasTarget/oa:hasSelector ?selector . ?selector a {selector} }} }}
        }} GROUP BY ?fact""")
    assert len(rows) == len(PUBLISHED)
    for row in rows:
        assert (row["evidences"], row["selectors"]) == (1, count), row["fact"]


def test_fact_labels_read_as_sentences(release_store: Any) -> None:
    rows = select(release_store, """
        SELECT ?key ?label WHERE { ?fact a ld:StanceFact ; schema:identifier ?key ; rdfs:label ?label . FILTER(LANG(?label) = "en") }""")
    labels = {row["key"]: row["label"] for row in rows}
    assert labels["china-does-not-recognize-kosovo"] == "China does not recognize Kosovo"
    assert labels["united-states-supports-kosovo"] == "United States supports Kosovo"


# ---------------------------------------------------------------- the extended stance model's questions, asked with the shipped example queries


def example(name: str) -> str:
    from conftest import PROJECT

    return (PROJECT / "linkeddata" / "queries" / "examples" / f"{name}.rq").read_text(encoding="utf-8")


def outlet_of(fact: dict[str, Any]) -> str:
    """The outlet behind a seed fact: the publication it is attributed to, else its article's publisher."""
    import yaml
    from conftest import PROJECT

    if "source" in fact:
        return LABELS[fact["source"]]
    metadata = yaml.safe_load((PROJECT / "seeds" / "articles" / f"{fact['article']}.yaml").read_text(encoding="utf-8"))
    return metadata["publisher"]


def test_who_refused_to_sanction_russia(release_store: Any) -> None:
    rows = select(release_store, example("07-who-refused-to-sanction-russia"))
    assert {row["name"] for row in rows} == holders("sanctions", "russia", "negated")
    assert "Serbia" in {row["name"] for row in rows}  # "has refused to join international sanctions against Moscow"
    assert not ask(release_store, "ASK { ?who ld:sanctions actor:russia }"), "a refused sanction must never become a direct triple"


def test_which_appeals_china_made_and_to_whom(release_store: Any) -> None:
    rows = select(release_store, example("08-appeals-china-made"))
    expected = {LABELS[f["target"]] for f in PUBLISHED if (f["holder"], f["stance"], f["polarity"]) == ("china", "appeals-to", "affirmed")}
    assert {row["name"] for row in rows} == expected and "NATO" in expected
    assert all(row["quote"] in {f["quote"] for f in PUBLISHED} for row in rows)


def test_which_stances_at_least_two_outlets_report(release_store: Any) -> None:
    outlets: dict[tuple[str, ...], set[str]] = {}
    reports: dict[tuple[str, ...], int] = {}
    for fact in PUBLISHED:
        key = (fact["holder"], fact["stance"], fact["polarity"], fact["target"])
        outlets.setdefault(key, set()).add(outlet_of(fact))
        reports[key] = reports.get(key, 0) + 1
    expected = {f"{BASE}position/{'-'.join(key)}": (reports[key], len(found)) for key, found in outlets.items() if len(found) >= 2}
    rows = select(release_store, example("09-stances-two-outlets-report"))
    assert {row["position"]: (row["reports"], row["outlets"]) for row in rows} == expected
    assert expected, "the seed release has a stance reported by two outlets (Greece's non-recognition)"


def test_position_counts_match_their_reports(release_store: Any) -> None:
    rows = select(release_store, """SELECT ?position ?reports ?articles ?speakers (COUNT(DISTINCT ?fact) AS ?facts)
        (COUNT(DISTINCT ?article) AS ?distinctArticles) (COUNT(DISTINCT ?speaker) AS ?distinctSpeakers) WHERE {
          ?position ld:reportCount ?reports ; ld:articleCount ?articles ; ld:speakerCount ?speakers .
          ?fact ld:reports ?position ; prov:wasDerivedFrom ?article . OPTIONAL { ?fact ld:speaker ?speaker } }
        GROUP BY ?position ?reports ?articles ?speakers""")
    assert len(rows) == len({(f["holder"], f["stance"], f["polarity"], f["target"]) for f in PUBLISHED})
    for row in rows:
        assert (row["reports"], row["articles"], row["speakers"]) == (row["facts"], row["distinctArticles"], row["distinctSpeakers"]), row


def test_no_reported_position_is_never_a_negation(release_store: Any) -> None:
    rows = select(release_store, example("10-no-reported-position-on-kosovo"))
    silent = {row["name"] for row in rows}
    stated = {LABELS[f["holder"]] for f in PUBLISHED if (f["stance"], f["target"]) == ("recognizes", "kosovo")}
    assert silent and not silent & stated
    for name in silent:
        assert not ask(release_store, f'ASK {{ ?fact ld:polarity ld:Negated ; ld:stance ld:Recognition ; ld:holder/rdfs:label "{name}"@en }}')
