"""The reconciliation service, driven as OpenRefine drives it: manifest, batches of queries with types and properties, suggest, preview."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from conftest import seed_actors

# The shapes of the W3C Reconciliation Service API 0.2 (its JSON schemas, reduced to what a client relies on).
ENTITY = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"}}}
MANIFEST_SCHEMA = {
    "type": "object", "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"const": "0.2"}},
        "name": {"type": "string"}, "identifierSpace": {"type": "string", "format": "uri"}, "schemaSpace": {"type": "string", "format": "uri"},
        "defaultTypes": {"type": "array", "items": ENTITY},
        "view": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "pattern": r"\{\{id\}\}"}}},
        "preview": {"type": "object", "required": ["url", "width", "height"], "properties": {"url": {"type": "string", "pattern": r"\{\{id\}\}"},
                                                                                               "width": {"type": "integer"}, "height": {"type": "integer"}}},
        "suggest": {"type": "object", "properties": {kind: {"type": "object", "required": ["service_url", "service_path"]} for kind in ("entity", "type", "property")}},
    },
}
CANDIDATE = {"type": "object", "required": ["id", "name", "score", "match"],
             "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "score": {"type": "number"}, "match": {"type": "boolean"},
                            "type": {"type": "array", "items": ENTITY}, "description": {"type": "string"}}}
RESPONSE_SCHEMA = {"type": "object", "additionalProperties": {"type": "object", "required": ["result"], "properties": {"result": {"type": "array", "items": CANDIDATE}}}}
SUGGEST_SCHEMA = {"type": "object", "required": ["result"], "properties": {"result": {"type": "array", "items": ENTITY}}}


def reconcile(url: str, queries: dict[str, Any]) -> dict[str, Any]:
    """POST a batch as OpenRefine does (a form field `queries` holding JSON) and return the checked answer."""
    response = httpx.post(f"{url}/reconcile", data={"queries": json.dumps(queries)}, timeout=10)
    assert response.status_code == 200, response.text
    answer = response.json()
    jsonschema.validate(answer, RESPONSE_SCHEMA)
    assert set(answer) == set(queries)
    return answer


def top(answer: dict[str, Any], key: str) -> tuple[str, bool] | None:
    results = answer[key]["result"]
    return (results[0]["id"], results[0]["match"]) if results else None


def test_manifest(live_server: Any) -> None:
    response = httpx.get(f"{live_server.url}/reconcile", headers={"Origin": "http://127.0.0.1:3333"}, timeout=10)
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:3333")
    manifest = response.json()
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert {t["id"] for t in manifest["defaultTypes"]} == {actor["kind"] for actor in seed_actors()}
    assert manifest["view"]["url"].startswith(live_server.url)


def test_batch_with_types_properties_accents_and_case(live_server: Any) -> None:
    answer = reconcile(live_server.url, {
        "q0": {"query": "Orban"}, "q1": {"query": "viktor orban", "type": "person"}, "q2": {"query": "Türkiye", "type": "state"},
        "q3": {"query": "TURKIYE"}, "q4": {"query": "Serbia", "type": "organization"}, "q5": {"query": "", "properties": [{"pid": "wikidata", "v": "Q148"}]},
        "q6": {"query": "Some name", "properties": [{"pid": "wikidata", "v": "http://www.wikidata.org/entity/Q403"}]},
        "q7": {"query": "Kremlin", "limit": 1}, "q8": {"query": "Сербия"}, "q9": {"query": "USA"},
    })
    assert top(answer, "q0") == ("viktor-orban", False)  # a surname alone finds him, but is not an automatic match
    assert top(answer, "q1") == ("viktor-orban", True)  # his alias "Viktor Orban", accents and case aside
    assert top(answer, "q2") == ("turkey", True) and top(answer, "q3") == ("turkey", True)
    assert answer["q4"]["result"] == []  # Serbia is a state: the type filters it out
    assert top(answer, "q5") == ("china", True) and top(answer, "q6") == ("serbia", True)  # a column of Q-ids reconciles exactly
    assert top(answer, "q7") == ("russia", False) and len(answer["q7"]["result"]) == 1  # a mention: a candidate, never a match
    assert answer["q8"]["result"] == []  # no Cyrillic name is curated: nothing, not a guess
    assert top(answer, "q9") == ("united-states", True)
    assert answer["q2"]["result"][0]["type"] == [{"id": "state", "name": "state"}]


def test_get_with_queries_works_like_post(live_server: Any) -> None:
    response = httpx.get(f"{live_server.url}/reconcile", params={"queries": json.dumps({"q0": {"query": "China"}})}, timeout=10)
    assert response.status_code == 200 and response.json()["q0"]["result"][0]["id"] == "china"


@pytest.mark.parametrize("queries, code", [
    ("{}", "empty_batch"),
    ("not json", "bad_queries"),
    ("[1, 2]", "bad_queries"),
    (json.dumps({f"q{i}": {"query": "China"} for i in range(101)}), "batch_too_large"),
    (json.dumps({"q0": {"query": "China", "limit": 0}}), "bad_query"),
])
def test_bad_batches_are_a_clear_400(live_server: Any, queries: str, code: str) -> None:
    response = httpx.post(f"{live_server.url}/reconcile", data={"queries": queries}, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == code, response.text
    assert httpx.post(f"{live_server.url}/reconcile", data={}, timeout=10).status_code == 400


def test_suggest_and_preview(live_server: Any) -> None:
    url = live_server.url
    for path, prefix, expected in (("entity", "orb", "viktor-orban"), ("entity", "kath", "kathimerini"), ("type", "pol", "party"), ("property", "wiki", "wikidata")):
        answer = httpx.get(f"{url}/reconcile/suggest/{path}", params={"prefix": prefix}, timeout=10).json()
        jsonschema.validate(answer, SUGGEST_SCHEMA)
        assert expected in [item["id"] for item in answer["result"]], (path, prefix)
    preview = httpx.get(f"{url}/reconcile/preview", params={"id": "viktor-orban"}, timeout=10)
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("text/html") and "Viktor Orbán" in preview.text
    assert httpx.get(f"{url}/reconcile/preview", params={"id": "nobody"}, timeout=10).status_code == 404


def test_fact_negotiates_its_nanopublication(live_server: Any) -> None:
    from rdflib import Dataset

    fact = "/fact/000_73df04759b344adc/china-does-not-recognize-kosovo"
    redirect = httpx.get(live_server.url + fact, headers={"Accept": "application/trig"}, timeout=10)
    assert redirect.status_code == 303 and redirect.headers["location"] == fact + ".trig"
    document = httpx.get(live_server.url + fact + ".trig", timeout=10)
    assert document.status_code == 200 and document.headers["content-type"].startswith("application/trig")
    dataset = Dataset()
    dataset.parse(data=document.text, format="trig")
    assert len([g for g in dataset.graphs() if str(g.identifier).endswith(("#Head", "#assertion", "#provenance", "#pubinfo"))]) == 4
    assert httpx.get(live_server.url + fact, headers={"Accept": "text/turtle"}, timeout=10).status_code == 303  # pages unchanged
    assert httpx.get(live_server.url + "/fact/000_73df04759b344adc/nothing-here.trig", timeout=10).status_code == 404


def test_dumps_serve_tables_with_their_media_types(live_server: Any) -> None:
    for name, media_type in (("facts.csv", "text/csv"), ("facts.parquet", "application/vnd.apache.parquet"), ("csv-metadata.json", "application/json"),
                             ("nanopubs.trig", "application/trig")):
        response = httpx.get(f"{live_server.url}/dumps/{name}", timeout=10)
        assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media_type, name
