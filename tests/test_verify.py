"""`linkeddata verify`: a clean release verifies; tampering with an archived text or a dump is named, one line each, exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BASE, FIRST_ARTICLE, run_cli


@pytest.fixture()
def downloaded(release: Path, tmp_path: Path) -> Path:
    """A copy of the built release, as a reader would download it (the on-disk store left behind, as /dumps/ serves it)."""
    copy = tmp_path / "release"
    shutil.copytree(release.resolve(), copy, ignore=shutil.ignore_patterns("store"))
    return copy


def test_a_clean_release_verifies(downloaded: Path) -> None:
    result = run_cli("verify", str(downloaded))
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout and result.stderr == ""


def test_a_tampered_archived_text_is_named_with_every_fact_it_moves(downloaded: Path) -> None:
    text = downloaded / "articles" / f"{FIRST_ARTICLE}.txt"
    original = text.read_text(encoding="utf-8")
    assert "China did not recognize" in original
    text.write_text(original.replace("China did not recognize", "China did recognize", 1), encoding="utf-8")
    result = run_cli("verify", str(downloaded))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{text}: SHA-256 differs from SHA256SUMS: the file was changed or truncated" in lines
    assert any(line.startswith(f"{text}: SHA-256 differs from the schema:sha256") for line in lines)
    moved = [line for line in lines if line.startswith(f"{BASE}fact/{FIRST_ARTICLE}/")]
    assert f"{BASE}fact/{FIRST_ARTICLE}/china-does-not-recognize-kosovo: the quote is not at characters" in "\n".join(moved)
    assert all(": the quote" in line for line in moved)


def test_a_tampered_dump_is_named_by_its_checksum_and_its_count(downloaded: Path) -> None:
    dump = downloaded / "alliances.nt"
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    dump.write_text("".join(lines[:-1]), encoding="utf-8")
    result = run_cli("verify", str(downloaded))
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert f"{dump}: SHA-256 differs from SHA256SUMS: the file was changed or truncated" in errors
    assert f"{dump}: holds {len(lines) - 1} distinct triples; the VoID description says {len(lines)}" in errors
    assert not [line for line in errors if "alliances.nt" not in line], "only the tampered dump is named"


def test_a_file_slipped_into_the_release_is_named(downloaded: Path) -> None:
    (downloaded / "extra.txt").write_text("not from the build\n", encoding="utf-8")
    result = run_cli("verify", str(downloaded))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{downloaded / 'extra.txt'}: not listed in SHA256SUMS"]
