"""Shows how far a long job got: a progress bar on a terminal, plain log lines anywhere else."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click

log = logging.getLogger("linkeddata")


class Progress:
    """Counts the named steps of a job; draws a bar on a TTY and logs each step otherwise."""

    def __init__(self, job: str, steps: int, *, enabled: bool = True) -> None:
        self.job = job
        self.steps = steps
        self.done = 0
        self.enabled = enabled
        self.started = time.perf_counter()
        self._bar = click.progressbar(length=steps, label=job, file=sys.stderr, show_eta=False) if enabled and sys.stderr.isatty() else None
        if self._bar is not None:
            self._bar.__enter__()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step, then advance the bar or log the step with its duration."""
        started = time.perf_counter()
        if self._bar is not None:
            self._bar.label = f"{self.job}: {name}"
            self._bar.render_progress()
        yield
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self.enabled:
            log.info("%s [%d/%d] %s (%.2f s)", self.job, self.done, self.steps, name, time.perf_counter() - started)

    def detail(self, done: int, total: int, unit: str) -> None:
        """Show how far the current step is: on the bar's label, or as a log line at every tenth of the way."""
        if self._bar is not None:
            self._bar.label = f"{self.job}: {done}/{total} {unit}"
            self._bar.render_progress()
        elif self.enabled and total >= 10 and done % (total // 10) == 0:
            log.info("%s: %d/%d %s", self.job, done, total, unit)

    def close(self) -> float:
        """Finish the bar and return the total seconds the job took."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        return time.perf_counter() - self.started
