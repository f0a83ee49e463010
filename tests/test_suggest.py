"""`linkeddata suggest` proposes candidate facts with verbatim quotes; `build` leaves them unpublished until
`linkeddata review` (driven here through standard input) accepts them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from conftest import run_cli

from linkeddata.cli import main
from linkeddata.curate.candidates import generate
from linkeddata.curate.cues import read_lexicon
from linkeddata.project.evidence import locate_quote
from linkeddata.project.seeds import read_actors
from linkeddata.project.vocabulary import read_vocabulary

SEED_ARTICLE = "000_73df04759b344adc"
ORBAN_ARTICLE = "001_63094bf4bec460e1"
LD = "https://alliances.example.org/ontology#"


def facts_path(project: Path, article: str = SEED_ARTICLE) -> Path:
    return project / "seeds" / "facts" / f"{article}.yaml"


def facts_of(project: Path, article: str = SEED_ARTICLE) -> list[dict[str, Any]]:
    return yaml.safe_load(facts_path(project, article).read_text(encoding="utf-8"))["facts"]


def invoke(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture()
def emptied(project_copy: Path) -> Path:
    """A project copy whose seed article has no curated facts yet (a header comment only)."""
    facts_path(project_copy).write_text(f"# curated by hand below\narticle: {SEED_ARTICLE}\nfacts: []\n", encoding="utf-8")
    return project_copy


def suggest(project: Path, article: str = SEED_ARTICLE) -> Any:
    result = invoke("suggest", "--project", str(project), article)
    assert result.exit_code == 0, result.output
    return result


def published_fact_keys(release: Path, article: str = SEED_ARTICLE) -> set[str]:
    """Return the keys of the facts the release publishes from one article."""
    store = ox.Store()
    store.load(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    query = f"SELECT ?fact ?key WHERE {{ ?fact a <{LD}StanceFact> ; <https://schema.org/identifier> ?key }}"
    return {row["key"].value for row in store.query(query, use_default_graph_as_union=True) if f"/fact/{article}/" in row["fact"].value}


def has_direct_triple(release: Path, holder: str, prop: str, target: str) -> bool:
    store = ox.Store()
    store.load(path=str(release / "alliances.nq"), format=ox.RdfFormat.N_QUADS)
    base = "https://alliances.example.org/actor/"
    return bool(store.query(f"ASK {{ <{base}{holder}> <{LD}{prop}> <{base}{target}> }}", use_default_graph_as_union=True))


# ---------------------------------------------------------------- suggest


def test_suggest_finds_china_supports_serbia_and_a_negated_recognition_with_verbatim_quotes(emptied: Path) -> None:
    result = suggest(emptied)
    text = (emptied / "seeds" / "articles" / f"{SEED_ARTICLE}.txt").read_text(encoding="utf-8")
    facts = facts_of(emptied)
    assert facts and all(fact["status"] == "candidate" for fact in facts)
    for fact in facts:
        locate_quote(text, fact["quote"], int(fact["occurrence"]) if "occurrence" in fact else None)
    supports = [f for f in facts if (f["holder"], f["stance"], f["target"], f["polarity"]) == ("china", "supports", "serbia", "affirmed")]
    assert any(f["quote"] == "China expressed its support for Serbia’s efforts to maintain its sovereignty and territorial integrity"
               and f["claim"] == "reported" and f["speaker"] == "china" for f in supports), supports
    (negated,) = [f for f in facts if (f["holder"], f["stance"], f["target"]) == ("china", "recognizes", "kosovo")]
    assert negated["polarity"] == "negated"
    assert negated["quote"] == "China did not recognize Kosovo’s independence in 2008"
    assert negated["date"] == "2008"
    assert negated["key"] == "china-does-not-recognize-kosovo"
    quoted = [f for f in facts if f["claim"] == "quoted"]
    # The ambassador's quoted words, and China's quoted appeal to NATO ("We urge NATO ..."), each with its own speaker.
    assert quoted and all((f["speaker"], f["holder"]) in {("alexander-botsan-kharchenko", "russia"), ("china", "china")} for f in quoted), quoted
    assert f"appended {len(facts)} candidate(s)" in result.output
    assert facts_path(emptied).read_text(encoding="utf-8").startswith("# curated by hand below\n")


def test_suggest_adds_no_duplicates_of_facts_already_in_the_file(project_copy: Path) -> None:
    before_text = facts_path(project_copy).read_text(encoding="utf-8")
    curated = facts_of(project_copy)
    suggest(project_copy)
    after_text = facts_path(project_copy).read_text(encoding="utf-8")
    assert after_text.startswith(before_text), "the curated records and their comments must stay as they were"
    identity = lambda f: (f["holder"], f["stance"], f["target"], f["polarity"], f["quote"])
    added = facts_of(project_copy)[len(curated):]
    assert not {identity(f) for f in added} & {identity(f) for f in curated}
    assert len({f["key"] for f in facts_of(project_copy)}) == len(facts_of(project_copy))
    suggest(project_copy)
    assert facts_path(project_copy).read_text(encoding="utf-8") == after_text, "a second run must add nothing"


def test_suggest_lists_names_that_are_not_actors_without_writing_them(project_copy: Path) -> None:
    result = suggest(project_copy, ORBAN_ARTICLE)
    assert "names that are not actors" in result.output
    assert "  Aleksandar Vučić" in result.output
    assert "Vučić" not in facts_path(project_copy, ORBAN_ARTICLE).read_text(encoding="utf-8")


def test_suggest_dry_run_writes_nothing(emptied: Path) -> None:
    before = facts_path(emptied).read_bytes()
    result = invoke("suggest", "--project", str(emptied), "--dry-run", SEED_ARTICLE)
    assert result.exit_code == 0 and "would append" in result.output
    assert facts_path(emptied).read_bytes() == before


def test_suggest_refuses_an_unknown_article_and_a_bad_lexicon(project_copy: Path) -> None:
    result = invoke("suggest", "--project", str(project_copy), "999_nope")
    assert result.exit_code == 1 and "no article '999_nope'" in result.output
    lexicon = project_copy / "ontology" / "stance-lexicon.yaml"
    text = lexicon.read_text(encoding="utf-8")
    lexicon.write_text(text.replace("\n  condemns:\n", "\n  praises:\n"), encoding="utf-8")
    line = lexicon.read_text(encoding="utf-8").splitlines().index("  praises:") + 1
    result = invoke("suggest", "--project", str(project_copy), SEED_ARTICLE)
    assert result.exit_code == 1
    assert f"ontology/stance-lexicon.yaml:{line}: unknown stance 'praises'" in result.output


# ---------------------------------------------------------------- the rules on small texts


@pytest.fixture(scope="module")
def suggester() -> Any:
    """generate() over the project's actors and lexicon, returning each candidate's fields."""
    project = Path(__file__).resolve().parent.parent
    vocabulary = read_vocabulary(project)
    actors, errors = read_actors(project, vocabulary)
    assert not errors
    lexicon = read_lexicon(project, vocabulary)
    return lambda text: [c.fields for c in generate(text, actors, lexicon).candidates]


@pytest.fixture(scope="module")
def rules(suggester: Any) -> Any:
    """The suggester's candidates as (holder, stance, target, polarity, claim, speaker, quote)."""
    return lambda text: [(fields["holder"], fields["stance"], fields["target"], fields["polarity"], fields["claim"], fields.get("speaker"), fields["quote"])
                         for fields in suggester(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Greece did not recognize Kosovo, but Hungary supports Serbia.",
     {("greece", "recognizes", "kosovo", "negated"), ("hungary", "supports", "serbia", "affirmed")}),
    ("Romania has never recognised Kosovo.", {("romania", "recognizes", "kosovo", "negated")}),
    ("Spain refused to recognize Kosovo's independence.", {("spain", "recognizes", "kosovo", "negated")}),
    ("Madrid backs Belgrade.", {("spain", "supports", "serbia", "affirmed")}),
    ("Serbia is supported by Russia and China.", {("russia", "supports", "serbia", "affirmed"), ("china", "supports", "serbia", "affirmed")}),
    ("Kosovo is not recognized by Slovakia.", {("slovakia", "recognizes", "kosovo", "negated")}),
    ("The Kremlin condemned NATO.", {("russia", "condemns", "nato", "affirmed")}),
    # "Brussels" is no mention of the EU (it is Belgium's capital too), so it names no actor here.
    ("Athens criticized Washington and Brussels.", {("greece", "condemns", "united-states", "affirmed")}),
    ("Here are ten countries that are supporters of Serbia.", set()),
    ("Romania supports the dialogue mediated by the EU.", set()),
])
def test_rules_on_small_texts(rules: Any, text: str, expected: set[tuple[str, ...]]) -> None:
    assert {found[:4] for found in rules(text)} == expected


def test_attribution_gives_speaker_and_claim_type(rules: Any) -> None:
    (quoted,) = rules("“Hungary will always support Serbia and the Serbs,” said Orbán.")
    assert quoted[:6] == ("hungary", "supports", "serbia", "affirmed", "quoted", "viktor-orban")
    assert quoted[6] == "Hungary will always support Serbia and the Serbs"
    (reported,) = rules("Viktor Orbán said Hungary supports Serbia.")
    assert reported[4:] == ("reported", "viktor-orban", "Viktor Orbán said Hungary supports Serbia")
    (according,) = rules("Hungary supports Serbia, according to Orbán.")
    assert according == ("hungary", "supports", "serbia", "affirmed", "reported", "viktor-orban", "Hungary supports Serbia")
    (we,) = rules("“We do not recognize Kosovo,” the Hungarian Prime Minister told reporters.")
    assert we[:6] == ("hungary", "recognizes", "kosovo", "negated", "quoted", "viktor-orban")


# ---------------------------------------------------------------- candidates stay unpublished; review publishes


def test_build_does_not_publish_candidates(emptied: Path, tmp_path: Path) -> None:
    suggest(emptied)
    candidates = {f["key"] for f in facts_of(emptied)}
    out = tmp_path / "dist"
    result = run_cli("-q", "build", "--project", str(emptied), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert published_fact_keys(out) == set()
    assert published_fact_keys(out, ORBAN_ARTICLE), "the other articles' curated facts are published"
    assert not has_direct_triple(out, "china", "supports", "serbia")
    validated = run_cli("validate", "--project", str(emptied))
    assert f"{len(candidates)} candidate(s) awaiting review" in validated.stdout


def test_review_accepts_rejects_and_edits_through_stdin(emptied: Path, tmp_path: Path) -> None:
    suggest(emptied)
    before = facts_of(emptied)
    first, second, third, fourth = (f["key"] for f in before[:4])
    untouched = facts_path(emptied).read_text(encoding="utf-8")
    fourth_block = untouched[untouched.index(f"  - key: {fourth}\n"):]
    # accept the 1st, reject the 2nd, edit the 3rd (a bad edit first) then accept it, skip the 4th, then quit
    answers = "a\nr\ne holder=nobody\ne aspect=alliance\naccept\ns\nq\n"
    result = invoke("review", "--project", str(emptied), SEED_ARTICLE, stdin=answers)
    assert result.exit_code == 0, result.output
    assert "cannot edit: unknown actor key 'nobody'" in result.output
    assert "accepted 2, rejected 1, edited 1, skipped 1" in result.output
    after = {f["key"]: f for f in facts_of(emptied)}
    assert "status" not in after[first]
    assert second not in after
    assert after[third]["aspect"] == "alliance" and "status" not in after[third]
    assert after[fourth]["status"] == "candidate"
    assert facts_path(emptied).read_text(encoding="utf-8").endswith(fourth_block), "blocks after the decisions must be left as they were"
    out = tmp_path / "dist"
    built = run_cli("-q", "build", "--project", str(emptied), "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert published_fact_keys(out) == {first, third}


def test_review_will_not_accept_a_candidate_that_would_break_the_build(emptied: Path) -> None:
    path = facts_path(emptied)
    path.write_text(path.read_text(encoding="utf-8").replace("facts: []\n", "facts:\n"
                    "  - key: made-up\n    holder: china\n    stance: supports\n    target: serbia\n    polarity: affirmed\n"
                    "    claim: reported\n    quote: \"not in the article\"\n    status: candidate\n"), encoding="utf-8")
    result = invoke("review", "--project", str(emptied), SEED_ARTICLE, stdin="a\nr\n")
    assert result.exit_code == 0, result.output
    assert "cannot accept: fact \"made-up\": claim 'reported' needs a 'speaker'" in result.output
    assert "quote not found verbatim" in result.output
    assert facts_of(emptied) == []
    assert "facts: []" in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the extended stance model (issue 13)


@pytest.mark.parametrize(("text", "modality", "condition"), [
    ("Greece said it will not recognize Kosovo.", "intended", None),
    ("Hungary may recognize Kosovo.", "hedged", None),
    ("Russia will support Serbia if Belgrade asks for help.", "conditional", "if Belgrade asks for help"),
    ("“If Serbia asks, Russia will support Serbia,” said Botsan-Kharchenko.", "conditional", "If Serbia asks"),
    # after a reporting verb "could" is the backshifted "can": no hedge
    ("Orbán said Hungary could support Serbia.", None, None),
    ("Hungary supports Serbia.", None, None),
])
def test_modality_and_condition_from_the_lexicon(suggester: Any, text: str, modality: str | None, condition: str | None) -> None:
    (fact,) = suggester(text)
    assert fact.get("modality") == modality
    assert fact.get("condition") == condition
    if condition:
        assert condition in fact["quote"] and fact["quote"] in text


@pytest.mark.parametrize(("text", "quote"), [
    ("Greece will not recognize Kosovo, according to the Kathimerini newspaper.", "Greece will not recognize Kosovo"),
    ("Kathimerini wrote about it. The daily reiterated that Spain did not recognize Kosovo.", "The daily reiterated that Spain did not recognize Kosovo"),
    ("Kathimerini reported that Spain did not recognize Kosovo.", "Kathimerini reported that Spain did not recognize Kosovo"),
])
def test_a_publication_named_as_teller_is_the_source_never_speaker_or_holder(suggester: Any, text: str, quote: str) -> None:
    (fact,) = suggester(text)
    assert (fact["holder"], fact["stance"], fact["target"], fact["polarity"]) in {("greece", "recognizes", "kosovo", "negated"),
                                                                                  ("spain", "recognizes", "kosovo", "negated")}
    assert fact["claim"] == "reported" and fact["source"] == "kathimerini" and "speaker" not in fact
    assert fact["quote"] == quote
    assert suggester("Kathimerini supports Serbia.") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("The United States urged Greece to recognize Kosovo.", {("united-states", "appeals-to", "greece", "affirmed")}),
    ("China called on NATO to respect Serbia.", {("china", "appeals-to", "nato", "affirmed")}),
    ("Serbia refused to impose sanctions against Russia.", {("serbia", "sanctions", "russia", "negated")}),
    ("Serbia, alone among EU candidates, refused to impose sanctions against Russia.", {("serbia", "sanctions", "russia", "negated")}),
    ("Serbia is one of Russia’s traditional allies and has refused to join international sanctions against Moscow.",
     {("serbia", "allied-with", "russia", "affirmed"), ("serbia", "sanctions", "russia", "negated")}),
    ("The EU imposed sanctions on Russia.", {("european-union", "sanctions", "russia", "affirmed")}),
    ("In Belgrade thousands march in support of Russia.", set()),
])
def test_cues_for_appeals_sanctions_and_alliances(suggester: Any, text: str, expected: set[tuple[str, ...]]) -> None:
    assert {(f["holder"], f["stance"], f["target"], f["polarity"]) for f in suggester(text)} == expected


def test_every_suggested_candidate_once_accepted_passes_validate(project_copy: Path) -> None:
    """Suggest on every seed article with its curated facts removed, accept everything, and validate the project."""
    articles = sorted(path.stem for path in (project_copy / "seeds" / "articles").glob("*.yaml"))
    for article in articles:
        facts_path(project_copy, article).write_text(f"article: {article}\nfacts: []\n", encoding="utf-8")
        suggest(project_copy, article)
        path = facts_path(project_copy, article)
        path.write_text(path.read_text(encoding="utf-8").replace("    status: candidate\n", ""), encoding="utf-8")
    facts = [fact for article in articles for fact in facts_of(project_copy, article)]
    assert {fact.get("modality") for fact in facts} >= {"conditional", "intended"}
    assert any(fact.get("source") == "kathimerini" for fact in facts)
    validated = run_cli("validate", "--project", str(project_copy))
    assert validated.returncode == 0, validated.stdout + validated.stderr


# ---------------------------------------------------------------- issue 14: what a curator should not see twice


def test_a_rejected_candidate_is_remembered_and_not_proposed_again(emptied: Path) -> None:
    suggest(emptied)
    first = facts_of(emptied)[0]
    result = invoke("review", "--project", str(emptied), SEED_ARTICLE, stdin="r\nq\n")
    assert result.exit_code == 0 and "rejected 1" in result.output
    sidecar = yaml.safe_load((emptied / "seeds" / "rejected" / f"{SEED_ARTICLE}.yaml").read_text(encoding="utf-8"))
    assert sidecar["rejected"] == [{name: first[name] for name in ("holder", "stance", "target", "polarity", "quote")}]
    left = facts_path(emptied).read_text(encoding="utf-8")
    again = suggest(emptied)
    assert "appended 0 candidate(s)" in again.output
    assert facts_path(emptied).read_text(encoding="utf-8") == left, "the rejected candidate must not come back"
    assert run_cli("validate", "--project", str(emptied)).returncode == 0, "the sidecar must not disturb the build"


def test_the_headline_is_never_a_facts_only_evidence(suggester: Any) -> None:
    assert suggester("Hungary supports Serbia\nThe minister spoke in Budapest on Monday.") == []
    (body,) = suggester("Hungary supports Serbia\nHungary supports Serbia, the minister said again.")
    assert (body["quote"], body["occurrence"]) == ("Hungary supports Serbia", "2")


# ---------------------------------------------------------------- the score, development and held out


def test_suggest_score_prints_development_and_held_out_by_the_recorded_split(project_copy: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "suggest_score.py"
    run = lambda: subprocess.run([sys.executable, str(script), "--project", str(project_copy)],
                                 capture_output=True, text=True, timeout=300, check=True).stdout
    before = run()
    assert "development: 4 article(s)" in before and "held out: 0 articles" in before
    assert "speaker" in before and "claim" in before
    source = tmp_path / "new.txt"
    source.write_text("Headline\nSlovakia did not recognize Kosovo.\n", encoding="utf-8")
    added = invoke("add-article", "--project", str(project_copy), str(source), "--url", "https://example.org/a", "--published", "2024")
    article = added.output.split("added article ")[1].split(";")[0]
    held = article.split("_")[1][0] in "01234567"
    after = run()
    assert ("held out: 1 article(s)" in after) == held
    assert ("development: 5 article(s)" in after) == (not held)
