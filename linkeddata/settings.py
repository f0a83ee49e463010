"""One frozen dataclass of settings with their defaults; the CLI fills it from options and environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_BASE_IRI = "https://alliances.example.org/"


def _setting(default: object, help_text: str, **extra: object) -> object:
    if isinstance(default, tuple):
        return field(default_factory=lambda: default, metadata={"help": help_text, **extra})
    return field(default=default, metadata={"help": help_text, **extra})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `build` and `serve` can be told. Each served setting is an option of `serve` and a
    LINKEDDATA_<NAME> environment variable (see `linkeddata serve --help` and the README)."""

    project_dir: Path = Path(".")
    out_dir: Path = Path("dist")
    keep_releases: int = 5  # a build setting (`build --keep-releases`), not one of serve's
    base_iri: str = _setting(DEFAULT_BASE_IRI, "Base IRI every published IRI is minted under; pages map paths below it.")  # type: ignore[assignment]
    host: str = _setting("127.0.0.1", "Interface to listen on.")  # type: ignore[assignment]
    port: int = _setting(8000, "Port to listen on (0 picks a free one and prints it).")  # type: ignore[assignment]
    query_timeout_s: float = _setting(10.0, "Time limit per query, in seconds; the worker running it is then stopped.")  # type: ignore[assignment]
    max_result_rows: int = _setting(100_000, "Most rows (or triples) a query may return; more is an error, never a silent cut.")  # type: ignore[assignment]
    max_query_bytes: int = _setting(100_000, "Longest query text accepted, in bytes.")  # type: ignore[assignment]
    max_body_bytes: int = _setting(1_000_000, "Largest request body accepted, in bytes.")  # type: ignore[assignment]
    max_header_bytes: int = _setting(16_384, "Largest request head (request line and headers) accepted, in bytes.")  # type: ignore[assignment]
    max_nesting_depth: int = _setting(64, "Deepest nesting of braces, parentheses and brackets accepted in a query.")  # type: ignore[assignment]
    query_workers: int = _setting(4, "Most query worker processes (two are kept warm; more start while every query slot is taken).")  # type: ignore[assignment]
    queries_per_worker: int = _setting(4, "Queries one worker process runs at once, each on a thread (1: a process per query, the strictest isolation).")  # type: ignore[assignment]
    worker_memory_mb: int = _setting(512, "Private memory a query worker may keep after a query before it is replaced, in MiB.")  # type: ignore[assignment]
    query_memory_mb: int = _setting(1_024, "Memory the queries of one worker may grow it by, in MiB (address space beyond the shared store); a query refused while sharing runs again alone, past it alone it gets 422 or 503. 0: no cap.")  # type: ignore[assignment]
    max_answer_bytes: int = _setting(64 * 1024 * 1024, "Largest answer a query may return, in bytes, in any format; more is a 422, never a silent cut.")  # type: ignore[assignment]
    cache_entries: int = _setting(1_024, "Answers kept in the answer cache (0 turns the cache off).")  # type: ignore[assignment]
    cache_bytes: int = _setting(256 * 1024 * 1024, "Bytes the answer cache may hold (bodies and their gzip forms); an answer above 1/16 of it is never cached.")  # type: ignore[assignment]
    cors_origins: tuple[str, ...] = _setting(("*",), "Origins allowed by CORS on the read endpoints (repeat the option).", multiple=True)  # type: ignore[assignment]
    federation_allow_list: tuple[str, ...] = _setting((), "SPARQL endpoints SERVICE may reach (repeat the option); empty means no federation.", multiple=True)  # type: ignore[assignment]
    sparql_backend: str = _setting("", "SPARQL endpoint of an external store to send queries to (after `linkeddata publish --to` its Graph Store); empty: the embedded store.")  # type: ignore[assignment]
    store_mode: str = _setting("auto", "Where a release's queries run: memory (loaded at start, fastest queries), disk (the release's "
                               "on-disk store opened read-only: ready in a second at any size) or auto (memory up to 5,000,000 quads).",
                               choices=("auto", "memory", "disk"))  # type: ignore[assignment]
    union_default_graph: bool | None = _setting(None, "Query the union of all graphs as the default graph (default: on for a release, off for files).", flag=True)  # type: ignore[assignment]
    public_url: str = _setting("", "URL clients reach this server at, for the absolute URLs it writes (the service description's "
                               "endpoint); empty: http://HOST:PORT/ of the bound socket. Request headers (Host, X-Forwarded-Host) are never used.")  # type: ignore[assignment]
    header_timeout_s: float = _setting(10.0, "Time a client has to send a whole request head, in seconds; the connection is then closed.")  # type: ignore[assignment]
    body_timeout_s: float = _setting(30.0, "Time a client has to send a whole request body after its head, in seconds; the connection is then closed.")  # type: ignore[assignment]
    max_connections: int = _setting(1_000, "Most open connections; past it the longest-idle one is closed, or the new one gets 503 if none is idle.")  # type: ignore[assignment]


def served_settings() -> list[tuple[str, object, str, dict[str, object]]]:
    """Return (name, default, help, extra) of every setting `serve` exposes as an option."""
    result = []
    for item in fields(Settings):
        if "help" in item.metadata:
            default = item.default_factory() if callable(item.default_factory) else item.default  # type: ignore[misc]
            extra = {key: value for key, value in item.metadata.items() if key != "help"}
            result.append((item.name, default, str(item.metadata["help"]), extra))
    return result
