"""Scores `linkeddata suggest` against the curated facts of every article in seeds/.

    python benchmarks/suggest_score.py [--project DIR] [--json FILE]

Candidates are generated in memory (nothing is written) and compared with each article's published facts
(status: candidate records are left out of the gold standard). A fact is matched on holder + stance + target +
polarity, compared as sets per article (five quotes of "Russia supports Serbia" are one statement). Printed:
precision, recall and F1 per stance and overall, polarity accuracy on the pairs matched on holder + stance +
target, and how many matched facts got one of the curated quotes exactly.

Development and held-out articles come from seeds/split.yaml: the articles it lists, and its rule for every later
one. Held-out articles are curated by hand and never used to write a rule; their table is the honest score. Speaker
and claim-type accuracy are measured on the matched statements (a statement counts as right if one of its suggested
facts has the speaker, or claim type, of one of its curated facts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from linkeddata.curate.cues import read_lexicon
from linkeddata.curate.suggest import suggest_candidates
from linkeddata.project.seeds import CANDIDATE_STATUS, iter_article_metadata, read_facts
from linkeddata.project.vocabulary import read_vocabulary

SPLIT = "seeds/split.yaml"


def held_out_articles(project: Path, articles: list[str]) -> set[str]:
    """Return the held-out articles: those seeds/split.yaml lists as held out, and by its rule the unlisted ones."""
    split = yaml.safe_load((project / SPLIT).read_text(encoding="utf-8"))
    listed_dev, listed_held = set(split.get("development") or []), set(split.get("held_out") or [])
    rule = split["rule"]
    held = set()
    for article in articles:
        number, _, digest = article.partition("_")
        by_rule = int(number) >= rule["from_number"] and digest[:1] in rule["held_out_first_hex_digits"]
        if article in listed_held or (article not in listed_dev and by_rule):
            held.add(article)
    return held


@dataclass
class Tally:
    """Counts for one group of articles and one stance (or all stances)."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    pairs: int = 0
    polarity_right: int = 0
    quote_exact: int = 0
    speaker_right: int = 0
    claim_right: int = 0

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def scores(self) -> dict[str, float | None]:
        precision = self.matched / self.predicted if self.predicted else None
        recall = self.matched / self.gold if self.gold else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if precision is not None and recall is not None else None)
        return {"precision": precision, "recall": recall, "f1": f1,
                "polarity_accuracy": self.polarity_right / self.pairs if self.pairs else None,
                "quote_exact": self.quote_exact / self.matched if self.matched else None,
                "speaker_accuracy": self.speaker_right / self.matched if self.matched else None,
                "claim_accuracy": self.claim_right / self.matched if self.matched else None}


@dataclass
class ArticleScore:
    """One article's tallies by stance, and the facts missed and proposed wrongly."""

    article: str
    by_stance: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    missed: list[tuple[str, ...]] = field(default_factory=list)
    wrong: list[tuple[str, ...]] = field(default_factory=list)


def score_article(project: Path, article_id: str, vocabulary, lexicon) -> ArticleScore:  # type: ignore[no-untyped-def]
    records, errors = read_facts(project, project / "seeds" / "facts" / f"{article_id}.yaml", vocabulary)
    if errors:
        raise SystemExit("\n".join(str(error) for error in errors))
    gold_facts = [r.fields for r in records if r.fields.get("status") != CANDIDATE_STATUS]
    predicted_facts = [c.fields for c in suggest_candidates(project, article_id, vocabulary, lexicon).candidates]

    def keyed(facts: list[dict]) -> set[tuple[str, str, str, str]]:  # type: ignore[type-arg]
        return {(f["holder"], f["stance"], f["target"], f["polarity"]) for f in facts}

    gold, predicted = keyed(gold_facts), keyed(predicted_facts)
    result = ArticleScore(article_id)
    for stance in sorted({key[1] for key in gold | predicted} | set(vocabulary.stances)):
        tally = result.by_stance[stance]
        g = {key for key in gold if key[1] == stance}
        p = {key for key in predicted if key[1] == stance}
        tally.gold, tally.predicted, tally.matched = len(g), len(p), len(g & p)
        for key in g & p:
            gold_quotes = {f["quote"] for f in gold_facts if keyed([f]) == {key}}
            predicted_quotes = {f["quote"] for f in predicted_facts if keyed([f]) == {key}}
            tally.quote_exact += bool(gold_quotes & predicted_quotes)
            gold_of = [f for f in gold_facts if keyed([f]) == {key}]
            predicted_of = [f for f in predicted_facts if keyed([f]) == {key}]
            tally.speaker_right += bool({f.get("speaker") for f in gold_of} & {f.get("speaker") for f in predicted_of})
            tally.claim_right += bool({f["claim"] for f in gold_of} & {f["claim"] for f in predicted_of})
        gold_triples: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        predicted_triples: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for key in g:
            gold_triples[key[:3]].add(key[3])
        for key in p:
            predicted_triples[key[:3]].add(key[3])
        for triple in gold_triples.keys() & predicted_triples.keys():
            tally.pairs += 1
            tally.polarity_right += gold_triples[triple] == predicted_triples[triple]
    result.missed = sorted(gold - predicted)
    result.wrong = sorted(predicted - gold)
    return result


def _cell(value: float | None) -> str:
    return "   -" if value is None else f"{value:5.2f}"


def table(title: str, scores: list[ArticleScore], stances: list[str]) -> tuple[str, dict[str, dict[str, float | int | None]]]:
    lines = [title, f"  {'stance':<12} {'gold':>5} {'pred':>5} {'match':>5} {'P':>6} {'R':>6} {'F1':>6} {'pol.acc':>8} {'quote=':>7} {'speaker':>8} {'claim':>6}"]
    machine: dict[str, dict[str, float | int | None]] = {}
    overall = Tally()
    for stance in [*stances, "overall"]:
        tally = Tally()
        if stance == "overall":
            tally = overall
        else:
            for score in scores:
                tally.add(score.by_stance.get(stance, Tally()))
            overall.add(tally)
        s = tally.scores()
        lines.append(f"  {stance:<12} {tally.gold:>5} {tally.predicted:>5} {tally.matched:>5} {_cell(s['precision']):>6} {_cell(s['recall']):>6} "
                     f"{_cell(s['f1']):>6} {_cell(s['polarity_accuracy']):>8} {_cell(s['quote_exact']):>7} {_cell(s['speaker_accuracy']):>8} "
                     f"{_cell(s['claim_accuracy']):>6}")
        machine[stance] = {"gold": tally.gold, "predicted": tally.predicted, "matched": tally.matched, **s}
    return "\n".join(lines), machine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--json", type=Path, default=None, help="also write the scores as JSON")
    args = parser.parse_args(argv)
    project = args.project
    vocabulary = read_vocabulary(project)
    lexicon = read_lexicon(project, vocabulary)
    articles = [path.stem for path in iter_article_metadata(project)]
    scores = {article: score_article(project, article, vocabulary, lexicon) for article in articles}
    stances = sorted(vocabulary.stances)
    held = held_out_articles(project, articles)
    development = [scores[a] for a in articles if a not in held]
    held_out = [scores[a] for a in articles if a in held]
    report: dict[str, object] = {}
    text, report["development"] = table(f"development: {len(development)} article(s) ({', '.join(s.article for s in development)})", development, stances)
    print(text)
    print()
    if held_out:
        text, report["held_out"] = table(f"held out: {len(held_out)} article(s) ({', '.join(s.article for s in held_out)})", held_out, stances)
    else:
        text, report["held_out"] = (f"held out: 0 articles. No honest score yet: every article in seeds/ was read while writing "
                                    f"the rules; {SPLIT} assigns the articles added from now on."), {}
    print(text)
    print()
    print("per article (facts matched on holder+stance+target+polarity):")
    for article in articles:
        score = scores[article]
        tally = Tally()
        for stance_tally in score.by_stance.values():
            tally.add(stance_tally)
        s = tally.scores()
        mark = " (held out)" if article in held else ""
        print(f"  {article}{mark}: gold {tally.gold}, predicted {tally.predicted}, matched {tally.matched}, "
              f"P {_cell(s['precision']).strip()}, R {_cell(s['recall']).strip()}")
        for key in score.missed:
            print(f"      missed: {' '.join(key)}")
        for key in score.wrong:
            print(f"      wrong:  {' '.join(key)}")
    if args.json:
        report["articles"] = {a: {"missed": [list(k) for k in scores[a].missed], "wrong": [list(k) for k in scores[a].wrong]} for a in articles}
        report["held_out_ids"] = sorted(held)
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
