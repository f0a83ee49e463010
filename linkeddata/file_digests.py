"""SHA-256, size and line count of a file or stream, read in chunks: dumps of a million facts are gigabytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True, slots=True)
class FileDigest:
    """What SHA256SUMS, the VoID distributions and the dumps' re-parse checks need to know of a file."""

    sha256: str
    size: int
    lines: int


def stream_digest(stream: BinaryIO) -> FileDigest:
    """Return the SHA-256, byte size and number of lines of everything left to read in a binary stream."""
    digest, size, lines = hashlib.sha256(), 0, 0
    while chunk := stream.read(1 << 22):
        digest.update(chunk)
        size += len(chunk)
        lines += chunk.count(b"\n")
    return FileDigest(digest.hexdigest(), size, lines)


def file_digest(path: Path) -> FileDigest:
    """Return the SHA-256, byte size and number of lines of a file."""
    with path.open("rb") as handle:
        return stream_digest(handle)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    return file_digest(path).sha256
