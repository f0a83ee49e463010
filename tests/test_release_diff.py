"""`linkeddata diff` and `release_diff.diff_releases`/`write_diff`: facts added, removed and changed between two builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project, run_cli

from linkeddata.cli import main
from linkeddata.release.diff import diff_releases, write_diff

ARTICLE = "000_73df04759b344adc"
OLD_QUOTE = "Serbia is one of Russia’s traditional allies"
NEW_QUOTE = "Serbia is one of Russia’s traditional allies and has refused to join international sanctions against Moscow"
ADDED = """
  - key: serbia-refuses-sanctions-yet-condemns-russia
    holder: serbia
    stance: condemns
    target: russia
    polarity: affirmed
    claim: author
    quote: "despite supporting two UN resolutions condemning Russia"
"""


def build(project: Path, out: Path) -> Path:
    result = run_cli("-q", "build", "--project", str(project), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A release of the seeds, and one of a copy with a fact added, a quote changed and a fact removed."""
    area = tmp_path_factory.mktemp("diff")
    project = copy_project(area / "project")
    old = build(project, area / "old")
    facts = project / "seeds" / "facts" / f"{ARTICLE}.yaml"
    text = facts.read_text(encoding="utf-8")
    assert text.count(f'quote: "{OLD_QUOTE}"') == 1
    text = text.replace(f'quote: "{OLD_QUOTE}"', f'quote: "{NEW_QUOTE}"')
    removed_start = text.index("  - key: russia-assistance-effective-and-necessary\n")
    text = text[:removed_start].rstrip("\n") + "\n" + ADDED
    facts.write_text(text, encoding="utf-8")
    new = build(project, area / "new")
    return old, new


def test_diff_reports_the_added_fact_the_changed_quote_and_the_removed_fact(two_releases: tuple[Path, Path]) -> None:
    old, new = two_releases
    diff = diff_releases(old, new)
    added = f"fact/{ARTICLE}/serbia-refuses-sanctions-yet-condemns-russia"
    assert list(diff.added) == [added]
    assert diff.added[added] == {"holder": "serbia", "stance": "condemns", "target": "russia", "polarity": "affirmed", "claim": "author",
                                      "speaker": None, "date": None, "aspect": None, "quote": "despite supporting two UN resolutions condemning Russia",
                                      "withdrawn": None}
    assert list(diff.removed) == [f"fact/{ARTICLE}/russia-assistance-effective-and-necessary"]
    assert diff.removed[f"fact/{ARTICLE}/russia-assistance-effective-and-necessary"]["speaker"] == "alexander-botsan-kharchenko"
    assert diff.changed == {f"fact/{ARTICLE}/serbia-traditional-ally-of-russia": {"quote": (OLD_QUOTE, NEW_QUOTE)}}
    assert diff.new_facts == diff.old_facts
    assert diff.old_release == old.resolve().name and diff.new_release == new.resolve().name


def test_diff_command_prints_text_and_writes_json(two_releases: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = two_releases
    target = tmp_path / "diff.json"
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--json", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("1 added, 1 removed, 1 changed")
    assert f"+ fact/{ARTICLE}/serbia-refuses-sanctions-yet-condemns-russia: serbia condemns russia (affirmed); claim author" in lines
    assert f"- fact/{ARTICLE}/russia-assistance-effective-and-necessary: russia supports serbia (affirmed); claim quoted, speaker alexander-botsan-kharchenko" in lines
    assert f"~ fact/{ARTICLE}/serbia-traditional-ally-of-russia" in lines
    assert f"    quote: {json.dumps(OLD_QUOTE, ensure_ascii=False)} -> {json.dumps(NEW_QUOTE, ensure_ascii=False)}" in lines
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["summary"] == {"added": 1, "removed": 1, "changed": 1}
    assert data["changed"] == [{"fact": f"fact/{ARTICLE}/serbia-traditional-ally-of-russia", "fields": {"quote": {"old": OLD_QUOTE, "new": NEW_QUOTE}}}]


def test_write_diff_is_deterministic_and_a_release_equals_itself(two_releases: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = two_releases
    write_diff(diff_releases(old, new), tmp_path / "a")
    write_diff(diff_releases(old, new), tmp_path / "b")
    for name in ("diff.json", "diff.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    same = diff_releases(new, new)
    assert same.empty and same.old_facts == same.new_facts > 0
    first = diff_releases(None, new)
    assert first.old_release is None and first.old_facts == 0 and len(first.added) == first.new_facts and not first.removed


def test_diff_compares_releases_built_under_different_base_iris(two_releases: tuple[Path, Path], tmp_path: Path) -> None:
    old, _new = two_releases
    project = copy_project(tmp_path / "project")
    other = tmp_path / "other"
    result = run_cli("-q", "build", "--project", str(project), "--out", str(other), "--base-iri", "http://localhost:8000/")
    assert result.returncode == 0, result.stderr
    assert diff_releases(old, other).empty


def test_diff_refuses_a_folder_that_is_not_a_release(two_releases: tuple[Path, Path], tmp_path: Path) -> None:
    old, _new = two_releases
    result = CliRunner().invoke(main, ["diff", str(old), str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"{tmp_path}: not a release folder: it has no alliances.nq" in result.output
