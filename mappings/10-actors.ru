# Actors: typed by their kind, labelled in English, linked to Wikidata when curated.
PREFIX rec:    <tag:linkeddata,2026:record#>
PREFIX ld:     <https://alliances.example.org/ontology#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX owl:    <http://www.w3.org/2002/07/owl#>
PREFIX schema: <https://schema.org/>

INSERT {
  GRAPH <tag:linkeddata,2026:origins> { ?actor rec:madeFrom ?record . }
  ?actor a ld:Actor, ?class ;
         rdfs:label ?label ;
         skos:prefLabel ?label ;
         skos:altLabel ?alias ;
         schema:identifier ?key ;
         owl:sameAs ?wikidata .
}
WHERE {
  GRAPH <tag:linkeddata,2026:records> {
    <tag:linkeddata,2026:config> rec:base ?base .
    ?record rec:type "actor" ; rec:key ?key ; rec:label ?labelText ; rec:kind ?kind .
    OPTIONAL { ?record rec:wikidata ?qid }
    OPTIONAL { ?record rec:aliases ?aliasText }
  }
  GRAPH <tag:linkeddata,2026:ontology> { ?class skos:notation ?kind ; rdfs:subClassOf ld:Actor }
  BIND(IRI(CONCAT(?base, "actor/", ?key)) AS ?actor)
  BIND(STRLANG(?labelText, "en") AS ?label)
  BIND(STRLANG(?aliasText, "en") AS ?alias)
  BIND(IRI(CONCAT("http://www.wikidata.org/entity/", ?qid)) AS ?wikidata)
}
