"""Reads the ontology and shapes from `ontology/` and exposes the notations seed files may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from linkeddata.errors import InputError, InputErrors, SourceLocation
from linkeddata.namespaces import LD, RDF, RDFS, SKOS


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The ontology graph, the shapes graph and the notations they define."""

    ontology: Graph
    shapes: Graph
    ontology_turtle: str
    stances: dict[str, URIRef]
    polarities: dict[str, URIRef]
    claim_types: dict[str, URIRef]
    actor_kinds: dict[str, URIRef]
    claims_with_speaker: frozenset[str]
    modalities: dict[str, URIRef]
    source_kinds: frozenset[str]
    conditional_modalities: frozenset[str]


def parse_turtle(path: Path, relative: str) -> Graph:
    """Return the graph in one Turtle file; raises InputErrors naming the line of a syntax error."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as error:
        line = getattr(error, "lines", 0) + 1
        # error.message spans several lines and quotes bytes; the reason alone keeps one `path:line: message` line
        reason = getattr(error, "_why", None) or error.message
        raise InputErrors([InputError(SourceLocation(relative, line), " ".join(f"malformed Turtle: {reason}".split()))]) from None
    except Exception as error:  # noqa: BLE001 - rdflib raises several types for bad Turtle
        raise InputErrors([InputError(SourceLocation(relative, 0), " ".join(f"malformed Turtle: {error}".split()))]) from None
    return graph


def _notations(graph: Graph, rdf_type: URIRef) -> dict[str, URIRef]:
    return {str(notation): subject for subject in graph.subjects(RDF.type, rdf_type) for notation in graph.objects(subject, SKOS.notation)}


def read_vocabulary(project: Path) -> Vocabulary:
    """Return the project's vocabulary; raises InputErrors if a file is missing or malformed."""
    ontology, shapes, errors = Graph(), Graph(), []
    ontology_files = sorted(path for path in (project / "ontology").glob("*.ttl") if path.name != "shapes.ttl")
    if not ontology_files:
        errors.append(InputError(SourceLocation("ontology", 0), "no ontology Turtle file"))
    turtle_parts = []
    for path in ontology_files:
        try:
            ontology += parse_turtle(path, path.relative_to(project).as_posix())
            turtle_parts.append(path.read_text(encoding="utf-8"))
        except InputErrors as raised:
            errors += raised.errors
    shapes_path = project / "ontology" / "shapes.ttl"
    if not shapes_path.exists():
        errors.append(InputError(SourceLocation("ontology/shapes.ttl", 0), "SHACL shapes file is missing"))
    else:
        try:
            shapes = parse_turtle(shapes_path, "ontology/shapes.ttl")
        except InputErrors as raised:
            errors += raised.errors
    if errors:
        raise InputErrors(errors)
    stances = {str(n): s for s in ontology.subjects(SKOS.inScheme, LD.Stances) for n in ontology.objects(s, SKOS.notation)}
    kinds = {str(n): s for s in ontology.transitive_subjects(RDFS.subClassOf, LD.Actor) for n in ontology.objects(s, SKOS.notation)}
    claim_types = _notations(ontology, LD.ClaimType)
    return Vocabulary(
        ontology=ontology,
        shapes=shapes,
        ontology_turtle="\n".join(turtle_parts),
        stances=stances,
        polarities=_notations(ontology, LD.Polarity),
        claim_types=claim_types,
        actor_kinds=kinds,
        claims_with_speaker=frozenset(key for key, concept in claim_types.items() if concept != LD.AuthorClaim),
        modalities=(modalities := _notations(ontology, LD.Modality)),
        # Actor kinds a fact's `source` may name: the publications and outlets that report what others hold.
        source_kinds=frozenset(key for key, kind in kinds.items() if (kind, RDFS.subClassOf, LD.Publication) in ontology or kind == LD.Publication),
        conditional_modalities=frozenset(key for key, concept in modalities.items() if concept == LD.Conditional),
    )
