# Articles: a schema:NewsArticle per seed article, archived verbatim as a text resource.
PREFIX rec:    <tag:linkeddata,2026:record#>
PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>

INSERT {
  GRAPH <tag:linkeddata,2026:origins> { ?article rec:madeFrom ?record . ?archive rec:madeFrom ?record . }
  GRAPH ?graph {
    ?article a schema:NewsArticle, prov:Entity ;
             rdfs:label ?headline ;
             schema:headline ?headline ;
             schema:url ?url ;
             schema:datePublished ?published ;
             schema:inLanguage ?language ;
             schema:publisher ?publisher ;
             schema:identifier ?id ;
             schema:archivedAt ?archive ;
             schema:description ?note .
    ?archive a schema:MediaObject, prov:Entity ;
             rdfs:label ?archiveLabel ;
             schema:encodingFormat "text/plain; charset=utf-8" ;
             schema:inLanguage ?language ;
             schema:sha256 ?sha256 ;
             schema:contentSize ?size ;
             schema:text ?text ;
             prov:wasDerivedFrom ?url .
    # A web archive's snapshot of the original page, when the curator recorded one (add-article --archived).
    ?article schema:archivedAt ?snapshot .
    ?snapshot a schema:WebPage, prov:Entity ;
              rdfs:label ?snapshotLabel ;
              schema:dateCreated ?snapshotDate ;
              prov:wasDerivedFrom ?url .
  }
}
WHERE {
  GRAPH <tag:linkeddata,2026:records> {
    <tag:linkeddata,2026:config> rec:base ?base .
    ?record rec:type "article" ; rec:id ?id ; rec:title ?title ; rec:url ?urlText ;
            rec:published ?publishedText ; rec:language ?language ; rec:sha256 ?sha256 ;
            rec:text ?text ; rec:text_characters ?size .
    OPTIONAL { ?record rec:publisher ?publisher }
    OPTIONAL { ?record rec:note ?noteText }
    OPTIONAL { ?record rec:archived ?snapshotText ; rec:archived_date ?snapshotDateText }
  }
  BIND(IRI(CONCAT(?base, "article/", ?id)) AS ?article)
  BIND(IRI(CONCAT(?base, "text/", ?id)) AS ?archive)
  BIND(IRI(CONCAT(?base, "graph/", ?id)) AS ?graph)
  BIND(IRI(?urlText) AS ?url)
  BIND(IRI(?snapshotText) AS ?snapshot)
  BIND(STRDT(?snapshotDateText, xsd:date) AS ?snapshotDate)
  BIND(STRLANG(CONCAT("Web archive snapshot of ", ?snapshotDateText), "en") AS ?snapshotLabel)
  BIND(STRLANG(?title, ?language) AS ?headline)
  BIND(STRLANG(?noteText, "en") AS ?note)
  BIND(STRLANG(CONCAT("Archived text of “", ?title, "”"), "en") AS ?archiveLabel)
  BIND(IF(REGEX(?publishedText, "^[0-9]{4}$"), STRDT(?publishedText, xsd:gYear),
        IF(REGEX(?publishedText, "^[0-9]{4}-[0-9]{2}$"), STRDT(?publishedText, xsd:gYearMonth),
           STRDT(?publishedText, xsd:date))) AS ?published)
}
