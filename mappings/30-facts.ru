# Stance facts: the n-ary fact, its Web Annotation evidence, and (if affirmed) the direct triple.
PREFIX rec:    <tag:linkeddata,2026:record#>
PREFIX ld:     <https://alliances.example.org/ontology#>
PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX oa:     <http://www.w3.org/ns/oa#>
PREFIX schema: <https://schema.org/>

INSERT {
  GRAPH <tag:linkeddata,2026:origins> { ?fact rec:madeFrom ?record . }
  GRAPH ?graph {
    ?fact a ld:StanceFact ;
          rdfs:label ?factLabel ;
          schema:identifier ?key ;
          ld:holder ?holder ;
          ld:target ?target ;
          ld:stance ?stance ;
          ld:polarity ?polarity ;
          ld:claimType ?claimType ;
          ld:aspect ?aspect ;
          ld:date ?date ;
          ld:speaker ?speaker ;
          prov:wasAttributedTo ?speaker ;
          prov:wasDerivedFrom ?article ;
          ld:evidence ?evidence ;
          prov:invalidatedAtTime ?withdrawn ;
          ld:withdrawalReason ?withdrawalReason .
    ?evidence a ld:Evidence, oa:Annotation ;
          oa:motivatedBy oa:describing ;
          oa:hasBody ?fact ;
          oa:hasTarget ?span .
    ?span a oa:SpecificResource ;
          oa:hasSource ?archive ;
          oa:hasSelector ?quoteSelector, ?positionSelector .
    ?quoteSelector a oa:TextQuoteSelector ;
          oa:exact ?exact ;
          oa:prefix ?prefix ;
          oa:suffix ?suffix .
    ?positionSelector a oa:TextPositionSelector ;
          oa:start ?start ;
          oa:end ?end .
    ?holder ?liveProperty ?target .
  }
}
WHERE {
  GRAPH <tag:linkeddata,2026:records> {
    <tag:linkeddata,2026:config> rec:base ?base .
    ?record rec:type "fact" ; rec:article ?articleId ; rec:key ?key ;
            rec:holder ?holderKey ; rec:stance ?stanceKey ; rec:target ?targetKey ;
            rec:polarity ?polarityKey ; rec:claim ?claimKey ; rec:quote ?exact ;
            rec:quote_start ?start ; rec:quote_end ?end ;
            rec:quote_prefix ?prefix ; rec:quote_suffix ?suffix .
    ?articleRecord rec:type "article" ; rec:id ?articleId ; rec:language ?language .
    ?holderRecord rec:type "actor" ; rec:key ?holderKey ; rec:label ?holderName .
    ?targetRecord rec:type "actor" ; rec:key ?targetKey ; rec:label ?targetName .
    OPTIONAL { ?record rec:aspect ?aspectText }
    OPTIONAL { ?record rec:date ?dateText }
    OPTIONAL { ?record rec:speaker ?speakerKey }
    OPTIONAL { ?record rec:withdrawn ?withdrawnText ; rec:withdrawal_reason ?withdrawalText }
  }
  GRAPH <tag:linkeddata,2026:ontology> {
    ?stance skos:notation ?stanceKey ; skos:inScheme ld:Stances .
    ?polarity skos:notation ?polarityKey ; a ld:Polarity .
    ?claimType skos:notation ?claimKey ; a ld:ClaimType .
    ?stance ld:affirmedPhrase ?affirmedPhrase ; ld:negatedPhrase ?negatedPhrase .
    OPTIONAL { FILTER(?polarity = ld:Affirmed) ?stance ld:directProperty ?directProperty }
  }
  BIND(CONCAT(?base, "fact/", ?articleId, "/", ?key) AS ?factText)
  BIND(IRI(?factText) AS ?fact)
  BIND(IRI(CONCAT(?factText, "#evidence")) AS ?evidence)
  BIND(IRI(CONCAT(?factText, "#target")) AS ?span)
  BIND(IRI(CONCAT(?factText, "#quote")) AS ?quoteSelector)
  BIND(IRI(CONCAT(?factText, "#position")) AS ?positionSelector)
  BIND(IRI(CONCAT(?base, "actor/", ?holderKey)) AS ?holder)
  BIND(IRI(CONCAT(?base, "actor/", ?targetKey)) AS ?target)
  BIND(IRI(CONCAT(?base, "actor/", ?speakerKey)) AS ?speaker)
  BIND(IRI(CONCAT(?base, "article/", ?articleId)) AS ?article)
  BIND(IRI(CONCAT(?base, "text/", ?articleId)) AS ?archive)
  BIND(IRI(CONCAT(?base, "graph/", ?articleId)) AS ?graph)
  BIND(STRLANG(?aspectText, ?language) AS ?aspect)
  # A withdrawn fact stays as a tombstone with its evidence, and never yields the direct triple (?nothing is unbound).
  BIND(STRDT(CONCAT(?withdrawnText, "T00:00:00Z"), xsd:dateTime) AS ?withdrawn)
  BIND(STRLANG(?withdrawalText, "en") AS ?withdrawalReason)
  BIND(IF(BOUND(?withdrawnText), ?nothing, ?directProperty) AS ?liveProperty)
  BIND(IF(REGEX(?dateText, "^[0-9]{4}$"), STRDT(?dateText, xsd:gYear),
        IF(REGEX(?dateText, "^[0-9]{4}-[0-9]{2}$"), STRDT(?dateText, xsd:gYearMonth),
           STRDT(?dateText, xsd:date))) AS ?date)
  BIND(STRLANG(CONCAT(?holderName, " ",
        STR(IF(?polarity = ld:Affirmed, ?affirmedPhrase, ?negatedPhrase)), " ", ?targetName), "en") AS ?factLabel)
}
