"""Example cases of rule sets: finding them, loading them, and checking their expectations.

An example case (docs/examples-format.md) is a complete case file under ``case:`` plus
the status and gaps a rule set is expected to report for it. They live beside the rule
files, in ``<folder>/<payer>/examples/*.yaml`` of every registry folder, and
``priorauth rules test`` runs them. Every file is judged and every problem collected,
so one broken example never hides the result of the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError

from priorauth.case import Case, Date, DocumentKind, case_from_document
from priorauth.engine import evaluate
from priorauth.errors import CaseFileError, InputFileError, Issue, PriorAuthError, UsageError
from priorauth.loading import LoadedDocument, allowed_keys, did_you_mean, load_file, pydantic_issues
from priorauth.report import Overall, Report
from priorauth.rules import Registry, RuleSource
from priorauth.rules.model import Topic
from priorauth.scalars import FileModel

__all__ = [
    "ExampleFileError",
    "Expectation",
    "Example",
    "Mismatch",
    "ExampleResult",
    "ExampleRun",
    "load_example",
    "discover_examples",
    "example_files",
    "select_examples",
    "run_example",
    "run_examples",
]

EXAMPLES_FOLDER = "examples"


class ExampleFileError(InputFileError):
    what = "example case"


class _Strict(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    """What the rule set must report for the example's case."""

    status: Overall
    not_met: list[Topic] = Field(default_factory=list)  # exact set of topics (order ignored)
    unknown: list[Topic] = Field(default_factory=list)
    missing_documents: list[DocumentKind] | None = None  # None: not checked


class _ExampleFile(_Strict):
    # the case is validated separately so its errors keep the case's own field paths
    rule_set: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*/(tms|spravato)$")]
    description: str | None = None
    as_of: Date | None = None
    expect: Expectation
    case: dict[str, Any]


@dataclass(frozen=True)
class Example:
    path: Path
    rule_set: str
    description: str | None
    as_of: dt.date | None
    expect: Expectation
    case: Case
    line: int | None = None  # line of the rule_set key, for messages about it


def load_example(path: str | Path) -> Example:
    """Load one example file; raises :class:`ExampleFileError` naming file, line and field."""
    path = Path(path)
    doc = load_file(path, "example case", ExampleFileError)
    try:
        header = _ExampleFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ExampleFileError(doc.file, pydantic_issues(exc, doc, allowed_keys(_ExampleFile))) from None
    # The case keeps the example file's line numbers: only the "case" prefix is dropped.
    lines = {key[1:]: line for key, line in doc.lines.items() if key[:1] == ("case",)}
    try:
        case = case_from_document(LoadedDocument(doc.file, header.case, lines))
    except CaseFileError as exc:
        issues = [Issue("case" + ("." + i.path if i.path and not i.path.startswith("[") else i.path), i.message, i.line, i.hint) for i in exc.issues]
        raise ExampleFileError(doc.file, issues) from None
    return Example(path, header.rule_set, header.description, header.as_of, header.expect, case, doc.line_of(("rule_set",)))


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def discover_examples(registry: Registry) -> list[Path]:
    """Every ``<folder>/<payer>/examples/*.yaml`` of the registry's folders, user folders first."""
    out: list[Path] = []
    for folder, _origin in registry.dirs:
        if not folder.is_dir():
            continue
        for payer in sorted(p for p in folder.iterdir() if p.is_dir()):
            examples = payer / EXAMPLES_FOLDER
            if examples.is_dir():
                out += _yaml_files(examples)
    return out


def example_files(path: Path) -> list[Path]:
    """The example files of a file or a folder.

    A folder that contains ``examples/`` folders (a rules folder, a payer folder) gives
    the files inside those; any other folder (an ``examples/`` folder itself, a scratch
    folder) gives its own YAML files.
    """
    if not path.is_dir():
        return [path]
    nested = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml") and EXAMPLES_FOLDER in p.relative_to(path).parts[:-1])
    return nested or sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def _peek_rule_set(path: Path) -> str | None:
    """The ``rule_set`` of an example without validating the rest (None when unreadable)."""
    try:
        doc = load_file(path, "example case", ExampleFileError)
    except PriorAuthError:
        return None
    value = doc.data.get("rule_set")
    return value if isinstance(value, str) else None


def select_examples(registry: Registry, target: str | None = None) -> list[Path]:
    """The example files that ``rules test [ID|PATH]`` runs.

    ``target`` is a rule-set id known to the registry, an example file, or a folder; None
    means every example of every registry folder. For an id, files of other rule sets in
    the same payer folder are skipped, but an unreadable one is kept so that its error shows.
    """
    if target is None:
        return discover_examples(registry)
    if "/" in target and registry.versions(target):
        payer = target.split("/")[0]
        out = []
        for p in discover_examples(registry):
            found = _peek_rule_set(p)
            # an unreadable file in the payer's folder is kept so that its error shows
            if found == target or (found is None and p.parent.parent.name == payer):
                out.append(p)
        return out
    path = Path(target)
    if path.exists():
        return example_files(path)
    guess = did_you_mean(target, registry.ids())
    hint = f"did you mean '{guess}'? " if guess else ""
    raise UsageError(f"'{target}' is neither a rule-set id known here nor an example file or folder", f"{hint}see `priorauth rules list`")


@dataclass(frozen=True)
class Mismatch:
    """One expectation the report did not meet."""

    field: str  # status | not_met | unknown | missing_documents
    expected: str | list[str]
    got: str | list[str]


@dataclass
class ExampleResult:
    example: Example
    source: RuleSource
    report: Report
    mismatches: list[Mismatch]
    notes: list[str] = field(default_factory=list)  # e.g. no version in force on the date

    @property
    def passed(self) -> bool:
        return not self.mismatches


def _compare(expect: Expectation, report: Report) -> list[Mismatch]:
    out: list[Mismatch] = []
    if report.status != expect.status:
        out.append(Mismatch("status", expect.status, report.status))
    for name, expected in (("not_met", expect.not_met), ("unknown", expect.unknown)):
        got = sorted(report.topics(name))  # type: ignore[arg-type]  # name is one of the two statuses topics() takes
        if set(got) != set(expected):
            out.append(Mismatch(name, sorted(set(expected)), got))
    if expect.missing_documents is not None:
        got_docs = sorted({d.kind for d in report.missing_documents})
        if set(got_docs) != set(expect.missing_documents):
            out.append(Mismatch("missing_documents", sorted(set(expect.missing_documents)), got_docs))
    return out


def run_example(example: Example, registry: Registry) -> ExampleResult:
    """Evaluate one example against the version of its rule set in force on as_of or request.date."""
    if not registry.versions(example.rule_set):
        guess = did_you_mean(example.rule_set, registry.ids())
        hint = (f"did you mean '{guess}'? " if guess else "") + "pass --rules-dir for a rule set of your own"
        raise ExampleFileError(str(example.path), Issue("rule_set", f"no rule set '{example.rule_set}' is known here", example.line, hint))
    day = example.as_of or example.case.request.date
    source, warning = registry.resolve(example.rule_set, day)
    report = evaluate(example.case, source, notes=[warning] if warning else None, as_of=day)
    return ExampleResult(example, source, report, _compare(example.expect, report), [warning] if warning else [])


@dataclass
class ExampleRun:
    """Every example judged: results and the files that could not be read."""

    results: list[ExampleResult] = field(default_factory=list)
    errors: list[PriorAuthError] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    @property
    def exit_code(self) -> int:
        """0 all pass, 1 a mismatch, 2 an invalid example (bad input outranks a failure)."""
        if self.errors:
            return 2
        return 1 if self.failed else 0


def run_examples(paths: Sequence[Path], registry: Registry) -> ExampleRun:
    run = ExampleRun()
    for path in paths:
        try:
            run.results.append(run_example(load_example(path), registry))
        except PriorAuthError as exc:
            run.errors.append(exc)
    return run
