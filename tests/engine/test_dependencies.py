"""The package's layers: which priorauth modules may import which.

Read from the source with ``ast`` (every import, at module level or inside a function),
so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "priorauth"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The priorauth modules ``path`` imports (``from priorauth import catalog`` -> priorauth.catalog)."""
    out: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("priorauth"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("priorauth"):
                out.add(base)
                out.update(f"{base}.{a.name}" for a in node.names)
    return out


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _offenders(importer: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{mod} imports {dep}"
        for mod, deps in MODULES.items()
        if _in(mod, importer) and mod not in allowed
        for dep in deps
        if any(_in(dep, f) for f in forbidden) and not _in(dep, importer)
    )


def test_the_reader_sees_the_imports() -> None:
    # guards the test itself: a parser that found nothing would pass every rule below
    assert "priorauth.vocabulary" in MODULES["priorauth.reporters"]
    assert "priorauth.engine" in MODULES["priorauth.api"]


def test_vocabulary_imports_nothing_of_priorauth() -> None:
    assert MODULES["priorauth.vocabulary"] == set()


@pytest.mark.parametrize("table", ["FLAG_LABELS", "SHORT_FLAG_LABELS", "SPECIALTY_LABELS", "TREATMENT_NAMES", "MODALITY_WORDS", "MODALITIES", "ECT_WORDS", "DOSE_WORDS", "DOSE_PHRASES", "OUTCOME_WORDS", "DOCUMENT_LABELS", "MARK", "DOC_MARK", "STATUS_MARK", "STATUS_MARKS", "VALIDATED_SCALES"])
def test_each_word_table_is_defined_once_in_the_vocabulary(table: str) -> None:
    defined = sorted(
        _module_name(p)
        for p in PACKAGE.rglob("*.py")
        for node in ast.parse(p.read_text(encoding="utf-8")).body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(isinstance(t, ast.Name) and t.id == table for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
    )
    assert defined in ([], ["priorauth.vocabulary"])


def test_kinds_import_neither_rules_nor_engine() -> None:
    # rules builds its model from the kinds and engine runs them: the arrows point down only
    assert _offenders("priorauth.kinds", ("priorauth.rules", "priorauth.engine", "priorauth.letters", "priorauth.cli", "priorauth.api")) == []


def test_rules_does_not_import_the_engine() -> None:
    # rules.examples runs a rule set's example cases through the engine, so it sits above
    # both (a command's library half); nothing else in rules may reach the engine
    assert _offenders("priorauth.rules", ("priorauth.engine", "priorauth.letters", "priorauth.cli"), allowed=("priorauth.rules.examples",)) == []


def test_the_engine_does_not_import_documents_or_commands() -> None:
    assert _offenders("priorauth.engine", ("priorauth.letters", "priorauth.cli", "priorauth.api", "priorauth.documents")) == []


def test_the_offender_check_finds_an_offence() -> None:
    # guards the check itself with an import that exists: letters reads the kinds
    assert _offenders("priorauth.letters", ("priorauth.kinds",)) != []
