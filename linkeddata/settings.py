"""One frozen dataclass of settings with their defaults; the CLI fills it from options and environment."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_BASE_IRI = "https://alliances.example.org/"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `build` and `serve` can be told; each field has an option and an environment variable."""

    project_dir: Path = Path(".")
    out_dir: Path = Path("dist")
    base_iri: str = DEFAULT_BASE_IRI
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout_s: float = 10.0
    max_result_rows: int = 100_000
    max_query_bytes: int = 100_000
    max_body_bytes: int = 1_000_000
    max_header_bytes: int = 16_384
    max_nesting_depth: int = 64
    query_workers: int = 2
    cache_entries: int = 1_024
    cors_origins: tuple[str, ...] = ("*",)
    federation_allow_list: tuple[str, ...] = field(default_factory=tuple)
    federation_timeout_s: float = 5.0
    union_default_graph: bool = False
    sparql_backend: str | None = None

    def describe(self) -> dict[str, object]:
        """Return the settings as a plain dict (for logs and the home page)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}
