"""SHA-256, size and line count of a file, read in chunks: dumps of a million facts are gigabytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileDigest:
    """What SHA256SUMS, the VoID distributions and the dumps' re-parse checks need to know of a file."""

    sha256: str
    size: int
    lines: int


def file_digest(path: Path) -> FileDigest:
    """Return the SHA-256, byte size and number of lines of a file."""
    digest, size, lines = hashlib.sha256(), 0, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return FileDigest(digest.hexdigest(), size, lines)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    return file_digest(path).sha256
