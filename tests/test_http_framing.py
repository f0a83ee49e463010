"""HTTP as a hostile client speaks it: ambiguous framing, HEAD, forged Host headers, Accept-Encoding q-values and
slow or idle connections, each against a real server on 127.0.0.1 and, where framing matters, over raw sockets.

The raw-socket helpers read until the server closes the connection or goes quiet, so a test can count the
responses a byte stream produced and see whether the server hung up.
"""

from __future__ import annotations

import gzip
import re
import resource
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from server_fixtures import PROJECT, LiveServer, start_server, stop_server

from linkeddata.serve.negotiation import accepts_coding

FIRST_ARTICLE = "000_73df04759b344adc"
FACT = f"/fact/{FIRST_ARTICLE}/china-does-not-recognize-kosovo"
STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) ")
SMUGGLED = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
ASK = "ASK { ?s ?p ?o }"


@dataclass
class Reply:
    """What a raw connection received, and whether the server closed it."""

    data: bytes
    closed: bool

    def statuses(self) -> list[int]:
        return [int(code) for code in STATUS_LINE.findall(self.data)]


def address(server: LiveServer) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def read_reply(sock: socket.socket, quiet_s: float = 2.0) -> Reply:
    """Read until the server closes the connection, or sends nothing for `quiet_s` seconds."""
    sock.settimeout(quiet_s)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        return Reply(data, closed=False)
    except ConnectionResetError:
        pass
    return Reply(data, closed=True)


def exchange(server: LiveServer, payload: bytes, quiet_s: float = 2.0) -> Reply:
    """Send `payload` in one write on a fresh connection and return everything that came back."""
    with socket.create_connection(address(server), timeout=5) as sock:
        sock.sendall(payload)
        return read_reply(sock, quiet_s)


def head_fields(data: bytes) -> dict[str, str]:
    """Return the header fields of the first response in `data`, lower-cased names."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head)}


# ---------------------------------------------------------------- 1. request smuggling (RFC 9112 §6.3)


def chunked_post(transfer_encoding: bytes, *, content_length: bool, length_first: bool = True) -> bytes:
    """A POST whose chunked body ends before SMUGGLED; its Content-Length (if any) covers SMUGGLED too, as a front end would read it."""
    body = b"5\r\nASK{}\r\n0\r\n\r\n"
    length = b"Content-Length: %d\r\n" % (len(body) + len(SMUGGLED))
    framing = [length, transfer_encoding + b"\r\n"] if length_first else [transfer_encoding + b"\r\n", length]
    if not content_length:
        framing = [transfer_encoding + b"\r\n"]
    return (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\n"
            + b"".join(framing) + b"\r\n" + body + SMUGGLED)


AMBIGUOUS = {
    "length-then-chunked": chunked_post(b"Transfer-Encoding: chunked", content_length=True),
    "chunked-then-length": chunked_post(b"Transfer-Encoding: chunked", content_length=True, length_first=False),
    "obs-folded-transfer-encoding": chunked_post(b"Transfer-Encoding:\r\n chunked", content_length=True),
    "odd-case-and-spaces": chunked_post(b"tRANSFER-eNCODING:   ChUnKeD  ", content_length=True),
    "tab-before-value": chunked_post(b"Transfer-Encoding:\tchunked", content_length=True),
}


def test_pipelined_chunked_request_and_a_second_request_get_two_responses(live_server: LiveServer) -> None:
    # The control: without Content-Length the same bytes are two honest requests, so counting responses can see one smuggled.
    reply = exchange(live_server, chunked_post(b"Transfer-Encoding: chunked", content_length=False))
    assert reply.statuses() == [200, 200], reply.data[:400]


@pytest.mark.parametrize("name", sorted(AMBIGUOUS))
def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(live_server: LiveServer, name: str) -> None:
    reply = exchange(live_server, AMBIGUOUS[name])
    assert reply.statuses() == [400], (name, reply.data[:400])
    assert head_fields(reply.data)["connection"].lower() == "close"
    assert b'"ambiguous_framing"' in reply.data
    assert b'"status":"ok"' not in reply.data, "the smuggled request was answered"
    assert reply.closed, "the server kept the connection open after an ambiguous request"


# ---------------------------------------------------------------- 2. HEAD (RFC 9110 §9.1)

GET_ROUTES = {
    "home": ("/", {}),
    "actor thing (303)": ("/actor/china", {}),
    "actor page": ("/actor/china.html", {}),
    "actor turtle": ("/actor/china.ttl", {}),
    "fact thing (303)": (FACT, {}),
    "fact page": (f"{FACT}.html", {}),
    "dataset (303)": ("/dataset", {}),
    "sparql editor": ("/sparql", {"Accept": "text/html"}),
    "service description": ("/sparql", {"Accept": "text/turtle"}),
    "sparql query": (f"/sparql?query={ASK}", {"Accept": "application/sparql-results+json"}),
    "ontology": ("/ontology", {"Accept": "text/turtle"}),
    "ontology html": ("/ontology.html", {}),
    "health": ("/health", {}),
    "dumps index": ("/dumps/", {}),
    "dumps redirect": ("/dumps", {}),
    "dump file": ("/dumps/alliances.ttl", {}),
    "void": ("/.well-known/void", {}),
    "network": ("/network.json", {}),
    "archived text": (f"/text/{FIRST_ARTICLE}", {}),
    "static file": ("/static/site/site.css", {}),
    "openapi": ("/openapi.json", {}),
    "unknown actor (404)": ("/actor/nobody.html", {}),
}
# Fields that may differ between two requests made a moment apart: the clock, and /health's counters.
CHANGING_FIELDS = {"date", "content-length"}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, follow_redirects=False) as session:
        yield session


@pytest.mark.parametrize("name", sorted(GET_ROUTES))
def test_head_answers_like_get_without_a_body(live_server: LiveServer, client: httpx.Client, name: str) -> None:
    # Identity, so that Content-Length compares bodies whose triples a worker may list in another order (same length).
    path, headers = GET_ROUTES[name]
    get = client.get(f"{live_server.url}{path}", headers={**headers, "Accept-Encoding": "identity"})
    head = client.head(f"{live_server.url}{path}", headers={**headers, "Accept-Encoding": "identity"})
    assert head.status_code == get.status_code, (name, head.status_code, get.status_code)
    assert head.headers.get("content-type") == get.headers.get("content-type")
    assert head.content == b""
    ignored = CHANGING_FIELDS if path == "/health" else {"date"}
    assert {k: v for k, v in head.headers.items() if k not in ignored} == {k: v for k, v in get.headers.items() if k not in ignored}


@pytest.mark.parametrize("path", ["/", "/dumps/alliances.ttl"])
def test_head_sends_no_body_bytes_on_a_kept_alive_connection(live_server: LiveServer, path: str) -> None:
    # A HEAD answered with body bytes would corrupt the next response on the connection; over a raw socket they would show.
    with socket.create_connection(address(live_server), timeout=5) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n".encode())
        reply = read_reply(sock, quiet_s=1.0)
        assert reply.statuses() == [200] and not reply.closed
        assert reply.data.endswith(b"\r\n\r\n"), reply.data[-200:]
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        after = read_reply(sock)
        assert after.statuses() == [200] and after.data.startswith(b"HTTP/1.1 200 ")


# ---------------------------------------------------------------- 3. forged Host and X-Forwarded-Host

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
FORGED_REQUESTS = [
    ("/sparql", {"Accept": "text/turtle"}), ("/sparql", {"Accept": "application/ld+json"}), ("/sparql", {"Accept": "text/html"}),
    ("/", {}), ("/actor/china", {}), ("/actor/china.html", {}), ("/actor/china.ttl", {}), (FACT, {}), ("/dataset", {}),
    ("/dumps", {}), ("/dumps/", {}), ("/.well-known/void", {}), ("/ontology", {}), ("/docs", {}), ("/openapi.json", {}),
    ("/actor/nobody.html", {"Accept": "text/html"}), ("/no/such/page", {}),
]


def test_forged_host_headers_never_reach_a_body_or_a_location(live_server: LiveServer, client: httpx.Client) -> None:
    for path, headers in FORGED_REQUESTS:
        response = client.get(f"{live_server.url}{path}", headers={**headers, **FORGED})
        assert "evil.example" not in response.headers.get("location", ""), (path, response.headers)
        assert b"evil.example" not in response.content, path


def test_service_description_names_the_bound_address_by_default(live_server: LiveServer, client: httpx.Client) -> None:
    description = client.get(f"{live_server.url}/sparql", headers={"Accept": "application/n-triples", **FORGED})
    assert description.status_code == 200
    assert f"<{live_server.url}/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint> <{live_server.url}/sparql>" in description.text


# ---------------------------------------------------------------- 4. content coding (RFC 9110 §12.5.3)

REFUSING_GZIP = ["gzip;q=0", "identity", "br", "", "*;q=0.5, gzip;q=0", "gzip;q=0.0, identity;q=1"]
ACCEPTING_GZIP = ["gzip", "gzip, deflate, br", "*", "br;q=1, gzip;q=0.1", "x-gzip", "GZIP;Q=1"]


@pytest.mark.parametrize("header,expected", [*((h, False) for h in REFUSING_GZIP), *((h, True) for h in ACCEPTING_GZIP), (None, False)])
def test_accepts_coding_reads_q_values(header: str | None, expected: bool) -> None:
    assert accepts_coding(header, "gzip") is expected


@pytest.mark.parametrize("path", ["/", "/ontology.ttl", "/dumps/alliances.ttl"])
@pytest.mark.parametrize("accept_encoding", REFUSING_GZIP)
def test_a_client_refusing_gzip_gets_identity(live_server: LiveServer, client: httpx.Client, path: str, accept_encoding: str) -> None:
    response = client.get(f"{live_server.url}{path}", headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers, (accept_encoding, response.headers)
    assert response.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize("path", ["/", "/ontology.ttl", "/dumps/alliances.ttl"])
@pytest.mark.parametrize("accept_encoding", ACCEPTING_GZIP)
def test_a_client_accepting_gzip_gets_gzip(live_server: LiveServer, path: str, accept_encoding: str) -> None:
    # A raw request, so that httpx does not decode the body before we look at it.
    with httpx.Client(timeout=30) as raw, raw.stream("GET", f"{live_server.url}{path}", headers={"Accept-Encoding": accept_encoding}) as response:
        body = b"".join(response.iter_raw())
    assert response.headers.get("content-encoding") == "gzip", (accept_encoding, response.headers)
    assert gzip.decompress(body)
    assert "accept-encoding" in response.headers["vary"].lower()


def test_gzip_and_identity_bodies_of_a_dump_do_not_share_a_strong_etag(live_server: LiveServer, client: httpx.Client) -> None:
    url = f"{live_server.url}/dumps/alliances.ttl"
    identity = client.get(url, headers={"Accept-Encoding": "identity"})
    compressed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert not identity.headers["etag"].startswith("W/") and compressed.headers["etag"].startswith("W/")
    assert compressed.headers["etag"] != identity.headers["etag"]
    revalidated = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": compressed.headers["etag"]})
    assert revalidated.status_code == 304


# ---------------------------------------------------------------- 5. slow and idle clients

CAP = 20


@pytest.fixture(scope="module")
def strict_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with one-second head and body deadlines, a cap of CAP connections, and a configured public URL."""
    log_path = tmp_path_factory.mktemp("strict") / "server.log"
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--header-timeout-s", "1", "--body-timeout-s", "2",
                           "--max-connections", str(CAP), "--public-url", "https://sparql.example.org/alliances"], log_path)
    try:
        yield server
    finally:
        stop_server(server.process)


def seconds_until_closed(sock: socket.socket, limit_s: float = 10) -> float:
    """Return how long the server took to close `sock` (inf if it did not within `limit_s`)."""
    started = time.monotonic()
    reply = read_reply(sock, quiet_s=limit_s)
    return time.monotonic() - started if reply.closed else float("inf")


@pytest.mark.parametrize("sent", [b"", b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"GET /hea"])
def test_a_request_head_not_finished_in_time_loses_its_connection(strict_server: LiveServer, sent: bytes) -> None:
    with socket.create_connection(address(strict_server), timeout=5) as sock:
        sock.sendall(sent)
        assert 0.8 < seconds_until_closed(sock) < 3


def test_slowloris_trickling_header_lines_is_closed_at_the_head_deadline(strict_server: LiveServer) -> None:
    with socket.create_connection(address(strict_server), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        try:
            for number in range(10):
                time.sleep(0.3)
                sock.sendall(b"X-Trickle-%d: x\r\n" % number)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert seconds_until_closed(sock) < 3 and time.monotonic() - started < 3


def test_the_next_head_on_a_kept_alive_connection_has_a_deadline_too(strict_server: LiveServer) -> None:
    with socket.create_connection(address(strict_server), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = read_reply(sock, quiet_s=0.5)
        assert first.statuses() == [200] and not first.closed
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        assert 0.8 < seconds_until_closed(sock) < 3


def test_a_request_body_not_finished_in_time_loses_its_connection(strict_server: LiveServer) -> None:
    with socket.create_connection(address(strict_server), timeout=5) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK")
        assert 1.8 < seconds_until_closed(sock) < 4
    assert "Traceback" not in strict_server.log()


def test_past_the_cap_the_longest_idle_connection_makes_room(strict_server: LiveServer) -> None:
    idle = []
    try:
        for _ in range(CAP):
            sock = socket.create_connection(address(strict_server), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_reply(sock, quiet_s=0.3).statuses() == [200]
            idle.append(sock)
        newcomer = exchange(strict_server, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert newcomer.statuses() == [200]
        assert seconds_until_closed(idle[0], limit_s=1) < 1, "the oldest idle connection was kept"
    finally:
        for sock in idle:
            sock.close()


def test_past_the_cap_with_every_connection_busy_a_newcomer_gets_503_at_once(strict_server: LiveServer) -> None:
    busy = []
    try:
        for _ in range(CAP):  # heads complete, bodies pending: each holds a request in flight until the body deadline
            sock = socket.create_connection(address(strict_server), timeout=5)
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK")
            busy.append(sock)
        time.sleep(0.3)
        started = time.monotonic()
        refused = exchange(strict_server, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert time.monotonic() - started < 1
        assert refused.statuses() == [503] and refused.closed
        assert head_fields(refused.data)["retry-after"] == "1"
    finally:
        for sock in busy:
            sock.close()


def test_configured_public_url_names_the_endpoint(strict_server: LiveServer) -> None:
    description = httpx.get(f"{strict_server.url}/sparql", headers={"Accept": "application/n-triples", **FORGED}, timeout=10)
    assert "<https://sparql.example.org/alliances/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint>" in description.text
    assert "evil.example" not in description.text and strict_server.url not in description.text


@pytest.fixture(scope="module")
def default_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the default deadlines and connection cap, for the flood: nothing else shares it."""
    log_path = tmp_path_factory.mktemp("flooded") / "server.log"
    server = start_server(["--project", str(PROJECT), "--release", str(release)], log_path)
    try:
        yield server
    finally:
        stop_server(server.process)


def open_files_allow(count: int) -> bool:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= count


def test_a_normal_client_is_answered_within_two_seconds_beside_slowloris_and_idle_sockets(default_server: LiveServer,
                                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    if not open_files_allow(1_400):
        pytest.fail("this test needs 1,400 open files; raise `ulimit -n`")
    held: list[socket.socket] = []
    try:
        for _ in range(200):  # slowloris: a head that never ends
            sock = socket.create_connection(address(default_server), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(sock)
        for _ in range(1_000):  # idle keep-alive: one request answered, then silence
            sock = socket.create_connection(address(default_server), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            held.append(sock)
        for sock in held[200:]:
            sock.settimeout(5)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        with httpx.Client(timeout=5) as normal:
            assert normal.get(f"{default_server.url}/health").status_code == 200
            answer = normal.get(f"{default_server.url}/sparql", params={"query": ASK}, headers={"Accept": "application/sparql-results+json"})
        elapsed = time.monotonic() - started
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert elapsed < 2, f"the normal client waited {elapsed:.2f} s"
        with capsys.disabled():
            print(f"\nnormal client beside 200 slowloris + 1,000 idle keep-alive sockets: /health and an ASK in {elapsed * 1000:.0f} ms")
    finally:
        for sock in held:
            sock.close()
