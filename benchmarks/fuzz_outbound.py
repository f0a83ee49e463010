"""Two hostile corpora for `benchmarks/fuzz.py`: SERVICE spellings mutated at random, and HTTP framing (smuggling) cases.

SERVICE: each mutation of a known spelling is first run on a bare Oxigraph store (does the engine itself
connect to a listener on 127.0.0.1?), then sent to `linkeddata serve`; the figure that matters is the number of
connections the listener saw from the server: it must be 0, whatever the guard made of the text.

Framing: each request is written raw to a socket; the server must answer once and close, or answer every
request it really received, never a request smuggled inside another's body.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox

KEYWORD_SEPARATORS = [" ", "", "\t", "\n", "\r", "  ", " # note\n", " # note\r"]
CONTEXTS = [
    "SELECT * WHERE {{ {service} }}",
    "SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ {service} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ {service} }} LIMIT 1 }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {service} }}",
    "ASK {{ {service} }}",
    "SELECT * WHERE {{ ?a ?b ?c .{service} }}",
    "SELECT * WHERE {{ ?a ?b true.{service} }}",
    'SELECT * WHERE {{ ?a ?b "x"@en.{service} }}',
    "SELECT * WHERE {{ ?a ?b ?c MINUS {{ {service} }} }}",
    "SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ {service} }} }}",
    "SELECT * WHERE {{ GRAPH ?g {{ {service} }} }}",
    "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ {service} }} }}",
    "SELECT*WHERE{{?a ?b ?c FILTER(true){service}}}",
]


@dataclass
class Listener:
    """Accepts and counts every connection on 127.0.0.1 (the place a smuggled SERVICE would call)."""

    sock: socket.socket = field(default_factory=lambda: socket.create_server(("127.0.0.1", 0)))
    connections: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock.settimeout(0.1)
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


def _flip_case(word: str, rng: random.Random) -> str:
    return "".join(letter.upper() if rng.random() < 0.5 else letter.lower() for letter in word)


def mutate_service(rng: random.Random, base: str) -> str:
    """Return one query that names the listener through SERVICE, spelled at random."""
    keyword = _flip_case("SERVICE", rng)
    silent = rng.choice(["", "", _flip_case("SILENT", rng) + rng.choice([" ", "\t", ""])])
    target_kind = rng.choice(["iri", "escaped-iri", "empty-prefix", "named-prefix", "keyword-prefix"])
    prologue = ""
    if target_kind == "iri":
        target = f"<{base}sparql>"
    elif target_kind == "escaped-iri":
        target = f"<{base}\\u0073parql>"
    elif target_kind == "empty-prefix":
        prologue, target = f"PREFIX : <{base}> ", ":sparql"
    elif target_kind == "named-prefix":
        prologue, target = f"PREFIX e: <{base}> ", "e:sparql"
    else:
        name = _flip_case(rng.choice(["service", "silent", "from", "x"]), rng)
        prologue, target = f"PREFIX {name}: <{base}> ", f"{name}:sparql"
    separator = rng.choice(KEYWORD_SEPARATORS)
    if separator == "" and silent == "" and target_kind in ("named-prefix", "keyword-prefix"):
        separator = " "  # `SERVICEe:sparql` is one prefixed name, not a SERVICE: no mutation worth sending
    service = f"{keyword}{separator}{silent}{target} {{ ?s ?p ?o }}"
    return prologue + rng.choice(CONTEXTS).format(service=service)


def _bare_store() -> ox.Store:
    store = ox.Store()
    subject, predicate = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    for value in (ox.NamedNode("urn:x:o"), ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
                  ox.Literal("x", language="en")):
        store.add(ox.Quad(subject, predicate, value))
    return store


def _connects_on_bare_engine(store: ox.Store, query: str, listener: Listener) -> bool:
    before = listener.connections
    try:
        result = store.query(query)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except Exception:  # noqa: BLE001, S110 - a parse error or the listener hanging up: either way, did it connect?
        pass
    time.sleep(0.02)
    return listener.connections > before


def fuzz_service(base_url: str, count: int, seed: int) -> dict[str, object]:
    """Send `count` mutated SERVICE spellings to the server; return what happened, with the listener's connection count."""
    rng = random.Random(seed)
    listener = Listener()
    store = _bare_store()
    statuses: Counter[str] = Counter()
    live = 0
    server_connections = 0
    examples_reaching_engine: list[str] = []
    try:
        with httpx.Client(timeout=30) as client:
            for _ in range(count):
                query = mutate_service(rng, listener.base)
                live += _connects_on_bare_engine(store, query, listener)
                before = listener.connections
                response = client.post(f"{base_url}/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query",
                                                                                               "Accept": "application/sparql-results+json"})
                time.sleep(0.02)
                server_connections += listener.connections - before
                code = response.json().get("error", "ok") if response.headers.get("content-type", "").startswith("application/json") else "ok"
                statuses[f"{response.status_code} {code}"] += 1
                if response.status_code == 200 and len(examples_reaching_engine) < 5:
                    examples_reaching_engine.append(query)
    finally:
        listener.close()
    return {"mutations": count, "live_on_bare_engine": live, "server_statuses": dict(statuses),
            "connections_from_server": server_connections, "answered_200": examples_reaching_engine}


# ---------------------------------------------------------------- framing

SMUGGLED_TAIL = b"GET /health?smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
FRAMING_CASES = {
    "cl-then-te": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "te-then-cl": b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "obs-fold-te": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "te-odd-case": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\ntRaNsFeR-eNcOdInG:  ChUnKeD \r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "te-tab": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "two-content-lengths": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n" + SMUGGLED_TAIL,
    "te-identity-and-chunked": b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SMUGGLED_TAIL,
    "cl-with-sign": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: +44\r\n\r\n" + SMUGGLED_TAIL,
}


def _responses(host: str, port: int, payload: bytes) -> tuple[int, bool]:
    """Return how many HTTP responses came back for `payload`, and whether the server closed the connection."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(payload)
        received, closed = b"", False
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                closed = True
                break
            received += chunk
            sock.settimeout(0.5)
    return received.count(b"HTTP/1.1 "), closed


def fuzz_framing(base_url: str) -> dict[str, dict[str, object]]:
    """Send each framing case raw; a smuggled request is one whose second response came back."""
    host, port = base_url.split("//", 1)[1].split(":")
    results = {}
    for name, payload in FRAMING_CASES.items():
        responses, closed = _responses(host, int(port), payload)
        results[name] = {"responses": responses, "closed": closed, "smuggled": responses > 1}
    return results
