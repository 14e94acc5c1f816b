"""Checking rule files and example cases without running them: ``priorauth rules validate``.

Every file is checked and every finding kept, in the order found, so one broken file
never hides the others; versions of one rule set given together are then checked
against each other. The command only prints the result and exits with its
``exit_code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from priorauth.errors import PriorAuthError, RuleFileError, UsageError
from priorauth.loading import load_file
from priorauth.rules import load_rule_file
from priorauth.rules.describe import validity_text, version_conflicts
from priorauth.rules.examples import load_example
from priorauth.rules.model import RuleSet

__all__ = ["Valid", "Invalid", "ValidationResult", "validate_files"]


@dataclass(frozen=True)
class Valid:
    """A file that loads: ``what`` says what it is ("cigna/tms, effective 2026-03-15")."""

    file: str  # as given
    what: str


@dataclass(frozen=True)
class Invalid:
    """A file with a problem; the error names the file, line and key."""

    file: str
    error: PriorAuthError


@dataclass
class ValidationResult:
    """Every file checked: a finding per file, then one per version that overlaps another."""

    files: int = 0
    findings: list[Valid | Invalid] = field(default_factory=list)

    @property
    def invalid(self) -> set[str]:
        return {f.file for f in self.findings if isinstance(f, Invalid)}

    @property
    def valid(self) -> int:
        return self.files - len(self.invalid)

    @property
    def exit_code(self) -> int:
        """0 every file is valid; 2 at least one is not."""
        return 2 if self.invalid else 0


def _looks_like_example(path: Path) -> bool:
    try:
        data = load_file(path, "rule file", RuleFileError).data
    except PriorAuthError:
        return False
    return "rule_set" in data and "case" in data and "criteria" not in data


def _sibling_versions(rule_sets: Sequence[tuple[str, RuleSet]]) -> list[tuple[Path, RuleSet]]:
    """The other dated versions beside each given file (``<treatment>*.yaml`` in its folder),
    so that a version checked alone is still checked against the versions it sits with."""
    out: list[tuple[Path, RuleSet]] = []
    seen: set[Path] = set()
    for name, rs in rule_sets:
        for path in sorted(Path(name).parent.glob(f"{rs.treatment}*.yaml")):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            try:
                other = load_rule_file(path)
            except PriorAuthError:  # a broken sibling is reported when it is validated itself
                continue
            if other.id == rs.id:
                out.append((path, other))
    return out


def validate_files(files: Sequence[str]) -> ValidationResult:
    """Load each rule file or example case of ``files``; collect what each is, or its errors."""
    result = ValidationResult(files=len(files))
    rule_sets: list[tuple[str, RuleSet]] = []
    for name in files:
        path = Path(name)
        try:
            if _looks_like_example(path):
                ex = load_example(path)
                result.findings.append(Valid(name, f"example of {ex.rule_set}, expects {ex.expect.status}"))
                continue
            rs = load_rule_file(path)
        except PriorAuthError as exc:
            result.findings.append(Invalid(name, exc))
            continue
        rule_sets.append((name, rs))
        result.findings.append(Valid(name, f"{rs.id}, {validity_text(rs)}"))
    given = {Path(name).resolve() for name, _ in rule_sets}
    siblings = [(str(p), rs) for p, rs in _sibling_versions(rule_sets) if p.resolve() not in given]
    conflicts = version_conflicts(rule_sets)
    for name, rs in rule_sets:  # each given file against the versions beside it that were not given
        conflicts += [found for found in version_conflicts([*siblings, (name, rs)]) if found[0] == name]
    for name, message in conflicts:
        error = UsageError(f"{name}: {message} (give the older version an `ends` date before the newer one's `effective`)")
        result.findings.append(Invalid(name, error))
    return result
