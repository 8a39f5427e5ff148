"""The errors a user of the advisor can meet, and the data they carry.

Every error is a sentence that says what to do. Errors about input files carry
the file, the line and the key path, so an editor or a CI log can point at the
exact place; a playbook with several mistakes reports all of them at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One mistake found in an input file."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: tuple[str | int, ...] = ()
    code: str = "invalid"

    @property
    def where(self) -> str:
        """The place as ``file:line:column``, as far as it is known."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    @property
    def dotted_path(self) -> str:
        return ".".join(str(part) for part in self.path)

    def __str__(self) -> str:
        field_part = f" (at {self.dotted_path})" if self.path else ""
        return f"{self.where}: {self.message}{field_part}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.dotted_path,
            "code": self.code,
            "message": self.message,
        }


class AdvisorError(Exception):
    """The root of every error the advisor raises on purpose."""

    exit_code = 1


class InputError(AdvisorError):
    """An input file (a deal, entries, a playbook) is not what it must be.

    ``problems`` lists every mistake found, each with file, line and key path.
    """

    kind = "input"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the {self.kind}:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


class DealError(InputError):
    """A deal file, or the entries given with it, does not validate."""

    kind = "deal"


class PlaybookError(InputError):
    """A playbook, or a rule module it includes, does not validate."""

    kind = "playbook"
    exit_code = 2


class EngineError(AdvisorError):
    """The rule engine could not finish a consultation.

    This points at a fault in the advisor, not in the user's files; the
    message says which rule was running so it can be reported.
    """


class SessionError(AdvisorError):
    """A live-session operation cannot be done as asked.

    The session does not exist, or an entry is not one the advisor can
    record; nothing was written.
    """


class StoreError(AdvisorError):
    """The record store cannot be opened or used.

    The message names the file and what to do; the record itself is never
    changed when this is raised.
    """


@dataclass
class ProblemList:
    """Collects problems while a file is checked, to report them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or listing the choices."""
    options = sorted(set(choices))
    swapped = [option for option in options if sorted(option) == sorted(value)]
    close = swapped or difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    shown = ", ".join(options[:30])
    return f"expected one of: {shown}" + (", ..." if len(options) > 30 else "")
