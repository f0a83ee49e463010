"""Generates a synthetic seed project in linkeddata's own format: articles, facts whose quotes occur in the texts, actors.

    python benchmarks/gen_seeds.py --facts 100000 --out /tmp/seeds-100k [--actors 300] [--seed 42]

The same arguments give the same bytes. Every article holds ten facts; each fact's quote is a
sentence of its article, unique within it, so the evidence check really searches the text.
The project's ontology/ and mappings/ are copied beside the generated seeds/.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FACTS_PER_ARTICLE = 10
KINDS = ("state", "organization", "party", "person")
TEMPLATES = {
    ("supports", "affirmed"): "{h} expressed its support for {t} on {a} in statement {n}",
    ("supports", "negated"): "{h} did not support {t} on {a} in statement {n}",
    ("recognizes", "affirmed"): "{h} recognized the independence of {t} in decision {n}",
    ("recognizes", "negated"): "{h} did not recognize the independence of {t} in decision {n}",
    ("condemns", "affirmed"): "{h} condemned {t} over {a} in resolution {n}",
    ("condemns", "negated"): "{h} refused to condemn {t} over {a} in resolution {n}",
}
ASPECTS = ("sovereignty", "territorial integrity", "trade", "sanctions", "energy", "security", "elections", "minorities")


def actor_table(count: int) -> list[dict[str, str]]:
    """Return `count` synthetic actors; a fifth of them carry a (synthetic, clearly fake) Wikidata id."""
    actors = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        actor = {"key": f"actor-{index:04d}", "label": f"Actor {index:04d}", "kind": kind}
        actors.append(actor)
    return actors


def write_actors(folder: Path, actors: list[dict[str, str]]) -> None:
    lines = ["actors:\n"]
    for actor in actors:
        lines.append(f"  - key: {actor['key']}\n    label: {actor['label']}\n    kind: {actor['kind']}\n")
    (folder / "actors.yaml").write_text("".join(lines), encoding="utf-8")


def generate(facts: int, out: Path, actor_count: int, seed: int) -> None:
    """Write a whole synthetic project into `out`."""
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    seeds = out / "seeds"
    (seeds / "articles").mkdir(parents=True)
    (seeds / "facts").mkdir()
    for part in ("ontology", "mappings"):
        shutil.copytree(PROJECT / part, out / part)
    actors = actor_table(actor_count)
    write_actors(seeds, actors)
    weights = [1 / (rank + 1) for rank in range(actor_count)]  # Zipf-like: a few actors are in most stories
    keys = [a["key"] for a in actors]
    labels = {a["key"]: a["label"] for a in actors}
    articles = (facts + FACTS_PER_ARTICLE - 1) // FACTS_PER_ARTICLE
    written = 0
    for number in range(articles):
        article_id = f"a{number:07d}"
        sentences, records = [], []
        for slot in range(min(FACTS_PER_ARTICLE, facts - written)):
            holder, target = rng.choices(keys, weights, k=2)
            while target == holder:
                target = rng.choice(keys)
            stance = rng.choice(("supports", "supports", "recognizes", "condemns"))
            polarity = "negated" if rng.random() < 0.2 else "affirmed"
            aspect = rng.choice(ASPECTS)
            quote = TEMPLATES[(stance, polarity)].format(h=labels[holder], t=labels[target], a=aspect, n=f"{number}-{slot}")
            sentences.append(f"Reporters noted that {quote}.")
            record = [f"  - key: fact-{slot:02d}", f"    holder: {holder}", f"    stance: {stance}", f"    target: {target}",
                      f"    polarity: {polarity}", "    claim: author", f"    quote: \"{quote}\""]
            if stance != "recognizes":
                record.append(f"    aspect: {aspect}")
            if rng.random() < 0.5:
                record.append(f"    date: \"{rng.randint(1990, 2024)}\"")
            records.append("\n".join(record))
            written += 1
        text = "Synthetic article.\n" + "\n".join(sentences)
        data = text.encode("utf-8")
        (seeds / "articles" / f"{article_id}.txt").write_bytes(data)
        (seeds / "articles" / f"{article_id}.yaml").write_text(
            f"id: {article_id}\ntitle: Synthetic article {number}\nurl: https://news.example.org/{article_id}\n"
            f"published: 2024-01-01\nlanguage: en\nsha256: {hashlib.sha256(data).hexdigest()}\n", encoding="utf-8")
        (seeds / "facts" / f"{article_id}.yaml").write_text(f"article: {article_id}\nfacts:\n" + "\n".join(records) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--actors", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.facts, args.out, args.actors, args.seed)
    print(f"wrote {args.facts} facts, {args.actors} actors into {args.out}")


if __name__ == "__main__":
    main()
