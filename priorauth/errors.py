"""The user-facing error family.

Every expected failure (a bad case file, a bad rule file, a template error, an output
file that already exists) is raised as a :class:`PriorAuthError`. The CLI turns them into
one message on stderr and exit status 2 in exactly one place.

Messages name a location and a requirement, never a value from the case: case files
hold protected health information, and error text ends up in terminals, logs and tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem at one place in an input file."""

    path: str  # field path such as ``medications[2].end``; "" for the whole file
    message: str  # what is wrong, without the offending value
    line: int | None = None
    hint: str | None = None  # how to fix it

    def render(self, file: str) -> str:
        where = file if self.line is None else f"{file}:{self.line}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        text = ": ".join(parts) + f": {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class PriorAuthError(Exception):
    """Base for every error a user can fix; exit status 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputFileError(PriorAuthError):
    """A file that could not be read or is invalid, with one or more issues."""

    what = "input file"
    MAX_SHOWN = 25

    def __init__(self, file: str, issues: list[Issue] | Issue, hint: str | None = None) -> None:
        self.file = file
        self.issues = [issues] if isinstance(issues, Issue) else list(issues)
        super().__init__(self._summary(), hint)

    def _summary(self) -> str:
        n = len(self.issues)
        head = f"{self.file}: invalid {self.what}" + (f" ({n} problems)" if n > 1 else "")
        return head

    def render(self) -> str:
        shown = self.issues[: self.MAX_SHOWN]
        lines = [f"error: {self.message}"] if len(self.issues) > 1 else []
        prefix = "  " if len(self.issues) > 1 else "error: "
        lines += [prefix + issue.render(self.file) for issue in shown]
        if len(self.issues) > len(shown):
            lines.append(f"  ... and {len(self.issues) - len(shown)} more")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class CaseFileError(InputFileError):
    what = "case file"


class RuleFileError(InputFileError):
    what = "rule file"


class ClinicFileError(InputFileError):
    what = "clinic profile"


class UsageError(PriorAuthError):
    """A command-line request that cannot be carried out (unknown payer, no rule set)."""


class TemplateError(PriorAuthError):
    """A template that does not parse or render."""


class OutputError(PriorAuthError):
    """An output file that cannot be written (exists without --force, unsafe name)."""


@dataclass
class Collected:
    """Accumulates issues so that one bad field never hides the next."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, path: str, message: str, hint: str | None = None) -> None:
        self.issues.append(Issue(path, message, hint=hint))

    def __bool__(self) -> bool:
        return bool(self.issues)
