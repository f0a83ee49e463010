# Positions: one ld:Position per holder, stance, polarity and target, which every fact stating it ld:reports.
# Read from the facts 30-facts.ru wrote. The position's triples go into the graph of each reporting fact's article
# (mappings/README.md): two articles reporting one position each hold the same few triples, which the union merges.
# Counts over a position's reports (ld:reportCount, ...) span articles and shards, so no mapping writes them.
PREFIX rec:    <tag:linkeddata,2026:record#>
PREFIX ld:     <https://alliances.example.org/ontology#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>

INSERT {
  GRAPH ?graph {
    ?fact ld:reports ?position .
    ?position a ld:Position ;
              rdfs:label ?label ;
              ld:positionHolder ?holder ;
              ld:positionStance ?stance ;
              ld:positionPolarity ?polarity ;
              ld:positionTarget ?target .
  }
}
WHERE {
  GRAPH <tag:linkeddata,2026:records> { <tag:linkeddata,2026:config> rec:base ?base . }
  GRAPH ?graph {
    ?fact a ld:StanceFact ; rdfs:label ?label ;
          ld:holder ?holder ; ld:stance ?stance ; ld:polarity ?polarity ; ld:target ?target .
  }
  GRAPH <tag:linkeddata,2026:ontology> {
    ?stance skos:notation ?stanceKey .
    ?polarity skos:notation ?polarityKey .
  }
  ?holder schema:identifier ?holderKey .
  ?target schema:identifier ?targetKey .
  BIND(IRI(CONCAT(?base, "position/", ?holderKey, "-", ?stanceKey, "-", ?polarityKey, "-", ?targetKey)) AS ?position)
}
