"""The one exception type for bad input, and where in the project it was found; and the one for a command
that cannot complete for a reason outside its input.

    InputError          bad input a curator can fix; str() is `path:line: message`
    InputErrors         several InputErrors collected by one stage, raised together
    OperationFailed     the machine, not the input: a port in use, a build already running, a full disk; str() is one line
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """A file (relative to the project root) and a 1-based line; line 0 means the whole file."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True, order=True)
class InputError:
    """One problem in the input, located at the record that caused it."""

    location: SourceLocation
    message: str

    def __str__(self) -> str:
        # One error, one line: a line break inside a message (from a quoted value or a parser) is shown escaped.
        return f"{self.location}: {self.message}".replace("\r", "\\r").replace("\n", "\\n")


class InputErrors(Exception):
    """Raised by a stage that found bad input; carries every error it found, sorted."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(error) for error in self.errors))


class OperationFailed(Exception):
    """Raised when a command cannot complete for a reason outside its input; the CLI prints it as one line, exit 1."""
