"""Two builds of one release at once, and a disk that fills up during a build: each is refused in one line, exit 1,
and the previous release stays byte for byte what it was.

The full disk is real where the test may mount a small tmpfs (as root); a write that fails with ENOSPC,
injected into a build run in a child process, covers the same path everywhere else.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli, snapshot

from linkeddata.pipeline.build import BUILD_LOCK, releases_dir


def copy_release(release: Path, out: Path) -> None:
    """Give `out` a previous release: a copy of the session's release folder and a link to it, as a build leaves them."""
    target = release.resolve()
    copied = releases_dir(out) / target.name
    shutil.copytree(target, copied, symlinks=True)
    out.symlink_to(Path(copied.parent.name) / copied.name)


def release_state(out: Path) -> tuple[str, dict[str, str], list[str]]:
    """Return where `out` points, every file of that release with its digest, and the staging folders left."""
    store = releases_dir(out)
    return os.readlink(out), snapshot(out.resolve()), sorted(p.name for p in store.iterdir() if p.name.startswith(".staging-"))


# ---------------------------------------------------------------- one build at a time


def wait_for_lock_holder(lock: Path, pid: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if lock.exists() and f"build {pid} " in lock.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.02)
    raise AssertionError(f"build {pid} never took {lock}")


def test_a_second_build_of_the_same_release_exits_1_naming_the_first(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = subprocess.Popen([sys.executable, "-m", "linkeddata", "-q", "build", "--project", str(project_copy), "--out", str(out)],
                             cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = releases_dir(out) / BUILD_LOCK
        wait_for_lock_holder(lock, first.pid)
        second = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
        assert first.poll() is None, "the first build ended before the second one ran; the test proves nothing"
        assert second.returncode == 1, second.stderr
        assert second.stderr.startswith(f"linkeddata build: another build is writing {out}: build {first.pid} on "), second.stderr
        assert len(second.stderr.splitlines()) == 1, second.stderr
        _, errors = first.communicate(timeout=300)
        assert first.returncode == 0, errors
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    with lock.open("rb") as released:  # the kernel dropped the lock with its holder
        fcntl.flock(released, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert (out / "SHA256SUMS").is_file()


# ---------------------------------------------------------------- a full disk


@pytest.fixture()
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs mounted for this test; skips where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; test_an_enospc_write_during_build covers this path")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(folder: Path, leave_kib: int) -> None:
    """Take all but `leave_kib` KiB of the free space of the filesystem holding `folder`."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with (folder / "filler").open("wb") as filler:
        os.posix_fallocate(filler.fileno(), 0, free - leave_kib * 1024)


def test_a_full_disk_during_build_leaves_the_previous_release_whole_and_says_so(release: Path, project_copy: Path, small_filesystem: Path) -> None:
    out = small_filesystem / "dist"
    copy_release(release, out)
    fill_disk(small_filesystem, leave_kib=300)  # room to start: a release of the seeds takes megabytes
    before = release_state(out)
    result = run_cli("-q", "build", "--project", str(project_copy), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("linkeddata build: the disk is full ("), result.stderr
    assert result.stderr.rstrip().endswith(f"the unfinished release was removed and {out} still points at the previous release {release.resolve().name}")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert release_state(out) == before


INJECTED_ENOSPC = """
import errno, shutil, sys
from linkeddata.cli import main

def disk_full(source, destination, **options):
    raise OSError(errno.ENOSPC, "No space left on device", str(destination))

shutil.copyfile = disk_full  # the build copies the ontology and the articles with it, after writing the dumps
main(sys.argv[1:])
"""


def test_an_enospc_write_during_build_leaves_the_previous_release_whole_and_says_so(release: Path, project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    copy_release(release, out)
    before = release_state(out)
    result = subprocess.run([sys.executable, "-c", INJECTED_ENOSPC, "-q", "build", "--project", str(project_copy), "--out", str(out)],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("linkeddata build: the disk is full ([Errno 28] No space left on device: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert release_state(out) == before
