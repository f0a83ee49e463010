"""Fixtures for the server: a real `linkeddata serve` subprocess on 127.0.0.1 (port picked by the server), and a headless Chromium."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SERVING_LINE = re.compile(r"serving \d+ quads on (http://127\.0\.0\.1:\d+)/")


def child_pids(pid: int) -> set[int]:
    """Return the pids of a process's children, under every one of its threads (workers forked later come from executor threads)."""
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children.update(int(child) for child in (task / "children").read_text(encoding="ascii").split())
        except FileNotFoundError:  # the thread ended between listing and reading
            continue
    return children


@dataclass
class LiveServer:
    """A running server process and its base URL."""

    url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(args: list[str], log_path: Path, env: dict[str, str] | None = None, timeout_s: float = 60,
                 command: list[str] | None = None, cwd: Path = PROJECT) -> LiveServer:
    """Start `python -m linkeddata serve ARGS --host 127.0.0.1 --port 0` (or `command ARGS ...`) and wait until it answers /health."""
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "linkeddata", "serve"]), "--host", "127.0.0.1", "--port", "0", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, **(env or {})}, start_new_session=True,
    )
    deadline = time.monotonic() + timeout_s
    url = None
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {log_path.read_text()}")
            continue
        match = SERVING_LINE.search(line)
        if match:
            url = match.group(1)
            break
    if url is None:
        stop_server(process)
        raise RuntimeError(f"server did not report its URL: {log_path.read_text()}")
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return LiveServer(url, process, log_path)
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"server never became healthy: {log_path.read_text()}")


def stop_server(process: subprocess.Popen[str]) -> None:
    """Terminate the server's process group (it forks query workers), then kill what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def live_server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The project's release served by a real subprocess on 127.0.0.1 with a free port; short limits so tests run fast."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    server = start_server(["--project", str(PROJECT), "--release", str(release), "--query-timeout-s", "3", "--max-result-rows", "5000"], log_path)
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; .ci/run installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser: object, tmp_path: Path) -> Iterator[object]:
    """A fresh browser page; its screenshot is saved under test-artifacts/ when the test ends."""
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
