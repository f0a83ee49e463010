# Facts, continued: how the stance is stated (modality, condition), which publication reports it, the curator's note.
# Runs after 30-facts.ru and adds to the facts it wrote (each in its article's graph), so a fact the fact mapping
# did not publish gets nothing here either.
PREFIX rec:    <tag:linkeddata,2026:record#>
PREFIX ld:     <https://alliances.example.org/ontology#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX prov:   <http://www.w3.org/ns/prov#>

INSERT {
  GRAPH ?graph {
    ?fact ld:modality ?modality ;
          ld:condition ?condition ;
          ld:reportedBy ?source ;
          prov:wasAttributedTo ?source ;
          skos:editorialNote ?note .
  }
}
WHERE {
  GRAPH <tag:linkeddata,2026:records> {
    <tag:linkeddata,2026:config> rec:base ?base .
    ?record rec:type "fact" ; rec:article ?articleId ; rec:key ?key .
    ?articleRecord rec:type "article" ; rec:id ?articleId ; rec:language ?language .
    OPTIONAL { ?record rec:modality ?modalityKey }
    OPTIONAL { ?record rec:condition ?conditionText }
    OPTIONAL { ?record rec:source ?sourceKey }
    OPTIONAL { ?record rec:note ?noteText }
  }
  BIND(IRI(CONCAT(?base, "graph/", ?articleId)) AS ?graph)
  BIND(IRI(CONCAT(?base, "fact/", ?articleId, "/", ?key)) AS ?fact)
  GRAPH ?graph { ?fact a ld:StanceFact }
  # No modality in the seed means asserted; written explicitly, so that a query need not know the default.
  BIND(COALESCE(?modalityKey, "asserted") AS ?modalityNotation)
  GRAPH <tag:linkeddata,2026:ontology> { ?modality skos:notation ?modalityNotation ; skos:inScheme ld:Modalities . }
  BIND(STRLANG(?conditionText, ?language) AS ?condition)
  BIND(IRI(CONCAT(?base, "actor/", ?sourceKey)) AS ?source)
  BIND(STRLANG(?noteText, "en") AS ?note)
}
