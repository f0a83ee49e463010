"""Content negotiation: picks a format from an Accept header (with q-values) or an explicit `format` parameter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Negotiable(Protocol):
    key: str
    media_type: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    quality: float
    order: int

    def matches(self, media_type: str) -> int:
        """Return how specifically this range matches `media_type` (0 = no match)."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == kind and self.subtype == "*":
            return 2
        return 3 if (self.type, self.subtype) == (kind, sub) else 0


def quality_parameter(parameters: list[str]) -> float:
    """Return the q-value among a header entry's parameters (1 when absent, 0 when malformed), clamped to 0..1."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Return the media ranges of an Accept header; a missing or empty header accepts anything."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [field.strip() for field in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub:
            continue
        ranges.append(MediaRange(kind, sub, quality_parameter(fields[1:]), order))
    return ranges


def quality_of(media_type: str, ranges: list[MediaRange]) -> float:
    """Return the q-value the most specific matching range gives `media_type` (0 if none matches)."""
    best = max(ranges, key=lambda r: (r.matches(media_type), -r.order), default=None)
    if best is None or best.matches(media_type) == 0:
        return 0.0
    return best.quality


def negotiate(accept: str | None, candidates: Sequence[Negotiable], extra: Sequence[str] = ()) -> str | None:
    """Return the best acceptable key among candidates (or an `extra` media type such as text/html), None if none.

    Ties go to the client's order of preference, then to our order (the first candidate is the default).
    """
    ranges = parse_accept(accept)
    options: list[tuple[str, str]] = [(fmt.media_type, fmt.key) for fmt in candidates]
    options += [(alias, fmt.key) for fmt in candidates for alias in fmt.aliases if "/" in alias]
    options += [(media_type, media_type) for media_type in extra]
    scored = []
    for rank, (media_type, key) in enumerate(options):
        quality = quality_of(media_type, ranges)
        if quality > 0:
            explicit = max((r.matches(media_type) for r in ranges), default=0)
            scored.append((-quality, -explicit, rank, key))
    return min(scored)[3] if scored else None


def format_by_name(name: str, candidates: Sequence[Negotiable]) -> str | None:
    """Return the key of the format a `format=` parameter names (key, alias or media type), or None."""
    wanted = name.strip().lower()
    for fmt in candidates:
        if wanted in (fmt.key, fmt.media_type, *fmt.aliases):
            return fmt.key
    return None


def accepts_coding(header: str | None, coding: str) -> bool:
    """Return True when an Accept-Encoding header lets the server send `coding` (gzip, br, identity, ...).

    RFC 9110 §12.5.3: a coding listed with q=0 is refused; one not listed takes the q-value of `*`;
    identity is acceptable unless refused. With no header at all any coding would be allowed, but we
    answer identity, the one coding every client reads. `x-gzip` is `gzip` (RFC 9110 §8.4.1.3).
    """
    wanted = "gzip" if coding.lower() == "x-gzip" else coding.lower()
    if header is None:
        return wanted == "identity"
    qualities: dict[str, float] = {}
    for part in header.split(","):
        name, *parameters = [field.strip().lower() for field in part.split(";")]
        if not name:
            continue
        qualities["gzip" if name == "x-gzip" else name] = quality_parameter(parameters)
    if wanted in qualities:
        return qualities[wanted] > 0
    if "*" in qualities:
        return qualities["*"] > 0
    return wanted == "identity"
