# A mapping whose WHERE clause holds a stray token.
PREFIX rec: <tag:linkeddata,2026:record#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

INSERT { ?record rdfs:comment "never inserted" . }
WHERE {
  GRAPH <tag:linkeddata,2026:records> {
    ?record rec:type "actor" GARBAGE .
  }
}
