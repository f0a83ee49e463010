"""Compares the stance facts of two releases: facts added, removed, and changed (which fields).

    diff_releases(old, new) -> ReleaseDiff     read both releases' facts (their stores, else alliances.nq) and compare them
    diff_facts(before, after) -> ReleaseDiff   compare facts already read (`build` reads the new ones from its store)
    write_diff(diff, folder)                   write diff.json and diff.txt into a folder (sorted, deterministic)

A fact is an ld:StanceFact, identified by its IRI path after the base (`fact/<article>/<key>`), so releases built
under different base IRIs still compare. Compared fields: holder, target, stance, polarity, quote (oa:exact of
the TextQuoteSelector reached by ld:evidence/oa:hasTarget/oa:hasSelector), speaker, date, aspect and claim type.
Actors are shown by key, stances, polarities and claim types by their skos:notation.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.release.files import CHECKSUMS, DATA_FILE, ONTOLOGY_FILE, STORE_DIR

FIELDS = ("holder", "stance", "target", "polarity", "claim", "speaker", "date", "aspect", "quote", "withdrawn")
QUERY = """
PREFIX ld: <https://alliances.example.org/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?fact ?holder ?stance ?target ?polarity ?claim ?speaker ?date ?aspect ?quote ?withdrawn WHERE {
  ?fact a ld:StanceFact .
  OPTIONAL { ?fact ld:holder ?holder }
  OPTIONAL { ?fact ld:stance ?stance }
  OPTIONAL { ?fact ld:target ?target }
  OPTIONAL { ?fact ld:polarity ?polarity }
  OPTIONAL { ?fact ld:claimType ?claim }
  OPTIONAL { ?fact ld:speaker ?speaker }
  OPTIONAL { ?fact ld:date ?date }
  OPTIONAL { ?fact ld:aspect ?aspect }
  OPTIONAL { ?fact prov:invalidatedAtTime ?withdrawn }
  OPTIONAL { ?fact ld:evidence/oa:hasTarget/oa:hasSelector ?selector . ?selector a oa:TextQuoteSelector ; oa:exact ?quote }
}
"""
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"

Fact = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """The facts of `new` that `old` lacks, those it lost, and those whose fields changed (field -> (old, new))."""

    old_release: str | None
    new_release: str | None
    old_facts: int
    new_facts: int
    added: dict[str, Fact]
    removed: dict[str, Fact]
    changed: dict[str, dict[str, tuple[str | None, str | None]]]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, object]:
        """Return the diff as plain JSON data, every list sorted by fact id."""
        return {
            "old": {"release": self.old_release, "facts": self.old_facts},
            "new": {"release": self.new_release, "facts": self.new_facts},
            "summary": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "added": [{"fact": fact, **self.added[fact]} for fact in sorted(self.added)],
            "removed": [{"fact": fact, **self.removed[fact]} for fact in sorted(self.removed)],
            "changed": [{"fact": fact, "fields": {name: {"old": old, "new": new} for name, (old, new) in sorted(self.changed[fact].items())}}
                        for fact in sorted(self.changed)],
        }

    def json_chunks(self) -> Iterator[str]:
        """Yield diff.json's text piece by piece (a million added facts make 390 MB, which json.dumps would join in memory)."""
        yield from _DIFF_ENCODER.iterencode(self.to_json())
        yield "\n"

    def to_text(self) -> str:
        """Return the diff as lines for people: a summary, then + added, - removed, ~ changed with each field."""
        return "".join(self.text_lines())

    def text_lines(self) -> Iterator[str]:
        """Yield to_text's lines one by one, each with its newline."""
        # A build's own diff names no release ids (they would make every rebuild a new release): it says what it compares in words.
        old = f"release {self.old_release}" if self.old_release else ("the previous release" if self.old_facts else "no earlier release")
        new = f"release {self.new_release}" if self.new_release else "this release"
        yield (f"changes from {old} to {new}: {self.old_facts} -> {self.new_facts} facts; "
               f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed\n")
        for sign, facts in (("+", self.added), ("-", self.removed)):
            for fact in sorted(facts):
                yield f"{sign} {fact}: {_statement(facts[fact])}\n"
                yield f"    quote: {_shown(facts[fact].get('quote'))}\n"
        for fact in sorted(self.changed):
            yield f"~ {fact}\n"
            for name, (old_value, new_value) in sorted(self.changed[fact].items()):
                yield f"    {name}: {_shown(old_value)} -> {_shown(new_value)}\n"


_DIFF_ENCODER = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False)


def _shown(value: str | None) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _statement(fact: Fact) -> str:
    extras = [f"{name} {fact[name]}" for name in ("claim", "speaker", "date", "aspect") if fact.get(name)]
    return f"{fact.get('holder')} {fact.get('stance')} {fact.get('target')} ({fact.get('polarity')})" + (f"; {', '.join(extras)}" if extras else "")


def release_id(folder: Path) -> str | None:
    """Return a release's id as `build` names its folder (16 hex digits of the SHA-256 of SHA256SUMS), or None."""
    checksums = folder / CHECKSUMS
    return hashlib.sha256(checksums.read_bytes()).hexdigest()[:16] if checksums.is_file() else None


def _after(iri: str, marker: str) -> str:
    index = iri.rfind(marker)
    return iri[index + len(marker) :] if index != -1 else iri


def _notations(store: ox.Store) -> dict[str, str]:
    """Return concept IRI -> skos:notation from the ontology in `store` (stances, polarities, claim types)."""
    return {quad.subject.value: quad.object.value for quad in store.quads_for_pattern(None, ox.NamedNode(NOTATION), None, None)
            if isinstance(quad.subject, ox.NamedNode)}


def _folder_notations(folder: Path) -> dict[str, str]:
    path = folder / ONTOLOGY_FILE
    if not path.is_file():
        return {}
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return _notations(store)


def read_release_facts(folder: Path) -> dict[str, Fact]:
    """Return every stance fact of a release folder, by id (`fact/<article>/<key>` after the base IRI); raises InputErrors.

    A release's on-disk store is read where it opens (no parse of gigabytes of N-Quads), else its alliances.nq.
    """
    shown = str(folder)
    if not folder.is_dir():
        raise InputErrors([InputError(SourceLocation(shown, 0), "not a release folder (no such directory)")])
    if (folder / STORE_DIR).is_dir():
        try:
            return facts_in_store(ox.Store.read_only(str(folder / STORE_DIR)), _folder_notations(folder))
        except OSError:
            pass  # a damaged store: the dump says the same
    data_path = folder / DATA_FILE
    try:
        if data_path.is_file():
            data = data_path.read_bytes()
        elif (folder / f"{DATA_FILE}.gz").is_file():
            data = gzip.decompress((folder / f"{DATA_FILE}.gz").read_bytes())
        else:
            raise InputErrors([InputError(SourceLocation(shown, 0), f"not a release folder: it has no {DATA_FILE}")])
    except (OSError, gzip.BadGzipFile, EOFError) as error:
        raise InputErrors([InputError(SourceLocation(str(data_path), 0), f"cannot read the release data: {error}")]) from None
    store = ox.Store()
    try:
        store.load(data, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as error:
        raise InputErrors([InputError(SourceLocation(str(data_path), 0), " ".join(f"malformed N-Quads: {error}".split()))]) from None
    return facts_in_store(store, _folder_notations(folder))


def facts_in_store(store: ox.Store, notations: dict[str, str] | None = None) -> dict[str, Fact]:
    """Return every stance fact in a store's graphs, by id; `notations` default to the ontology the store holds."""
    notations = _notations(store) if notations is None else notations

    def value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None, name: str) -> str | None:
        if term is None:
            return None
        if isinstance(term, ox.Literal):
            return term.value
        iri = term.value
        if name in ("holder", "target", "speaker"):
            return _after(iri, "/actor/")
        return notations.get(iri) or _after(iri, "#")

    collected: dict[str, dict[str, set[str]]] = {}
    for solution in store.query(QUERY, use_default_graph_as_union=True):
        fact_iri = solution["fact"].value
        fact_id = "fact/" + _after(fact_iri, "/fact/")
        fields = collected.setdefault(fact_id, {name: set() for name in FIELDS})
        for name in FIELDS:
            shown_value = value(solution[name], name)
            if shown_value is not None:
                fields[name].add(shown_value)
    return {fact: {name: _joined(name, values) for name, values in fields.items()} for fact, fields in collected.items()}


def _joined(name: str, values: set[str]) -> str | None:
    if not values:
        return None
    joined = " | ".join(sorted(values))
    # Actor keys, stances, polarities and dates recur in every fact: one copy each (a million facts are kept for diff.json).
    return joined if name == "quote" else sys.intern(joined)


def diff_facts(before: dict[str, Fact], after: dict[str, Fact]) -> ReleaseDiff:
    """Return the differences between two releases' facts (release ids left unset)."""
    added = {fact: after[fact] for fact in after.keys() - before.keys()}
    removed = {fact: before[fact] for fact in before.keys() - after.keys()}
    changed = {}
    for fact in before.keys() & after.keys():
        fields = {name: (before[fact][name], after[fact][name]) for name in FIELDS if before[fact][name] != after[fact][name]}
        if fields:
            changed[fact] = fields
    return ReleaseDiff(None, None, len(before), len(after), added, removed, changed)


def diff_releases(old: Path | None, new: Path) -> ReleaseDiff:
    """Return the differences between the facts of two release folders (a `dist` link is followed).

    `old` may be None (a first build, no previous release): every fact of `new` is then added.
    """
    new = new.resolve()
    old = old.resolve() if old is not None else None
    difference = diff_facts(read_release_facts(old) if old is not None else {}, read_release_facts(new))
    return dataclasses.replace(difference, old_release=release_id(old) if old is not None else None, new_release=release_id(new))


def write_diff(diff: ReleaseDiff, folder: Path) -> None:
    """Write `diff.json` and `diff.txt` into `folder`: the same diff gives the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, pieces in (("diff.json", diff.json_chunks()), ("diff.txt", diff.text_lines())):
        with (folder / name).open("w", encoding="utf-8") as out:
            out.writelines(pieces)
