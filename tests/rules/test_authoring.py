"""Rule authoring safety: no two versions of one rule set are in force on the same day,
whether the versions are validated together, one at a time, or shipped."""

from __future__ import annotations

from pathlib import Path

from priorauth.rules import Registry
from priorauth.rules.describe import version_conflicts
from tests.helpers import invoke, lines
from tests.rules.conftest import acme_rule, write


def test_no_two_shipped_versions_overlap() -> None:
    sources = Registry(use_env=False).sources()
    assert version_conflicts([(str(s.path), s.rule_set) for s in sources]) == []
    assert len({s.rule_set.id for s in sources}) < len(sources)  # there are dated versions to check


def test_a_version_validated_alone_is_checked_against_the_versions_beside_it(tmp_path: Path) -> None:
    old = write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01"))
    new = write(tmp_path / "acme" / "tms.yaml", acme_rule("2026-01-01"))
    result = invoke("rules", "validate", str(new))
    assert result.exit_code == 2
    assert lines(result) == [
        f"ok  {new}  (acme/tms, effective 2026-01-01)",
        f"error: {new}: acme/tms effective 2026-01-01 overlaps {old} (effective 2024-01-01): both in force on 2026-01-01 "
        "(give the older version an `ends` date before the newer one's `effective`)",
    ]
    write(old, acme_rule("2024-01-01", ends="2025-12-31"))
    assert lines(invoke("rules", "validate", str(new))) == [f"ok  {new}  (acme/tms, effective 2026-01-01)"]
