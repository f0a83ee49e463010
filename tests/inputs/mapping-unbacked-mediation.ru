# A mapping that asserts a direct `mediates` triple no stance fact backs (used with mediation.ttl).
PREFIX ld: <https://alliances.example.org/ontology#>

INSERT DATA {
  GRAPH <https://alliances.example.org/graph/000_73df04759b344adc> {
    <https://alliances.example.org/actor/nato> ld:mediates <https://alliances.example.org/actor/serbia> .
  }
}
