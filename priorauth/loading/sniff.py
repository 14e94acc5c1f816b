"""Is a path a FHIR source (a Bundle JSON file, an NDJSON file, or a folder of either)?

Kept apart from :mod:`priorauth.fhir`, whose models and mapping take a while to import:
``check``, ``letter`` and the other commands ask this of every case argument, and a plain
case file should not pay for the FHIR importer.
"""

from __future__ import annotations

import re
from pathlib import Path

NDJSON_SUFFIX = ".ndjson"
_BUNDLE_HINT = re.compile(rb'"resourceType"\s*:\s*"Bundle"')


def is_fhir_source(path: Path) -> bool:
    """A Bundle JSON file, an NDJSON file, or a folder holding either."""
    if path.is_dir():
        try:
            return any(is_fhir_file(p) for p in sorted(path.iterdir()) if not p.name.startswith("."))
        except OSError:
            return False
    return is_fhir_file(path)


def is_fhir_file(path: Path) -> bool:
    """A Bundle JSON file (by its first 64 KB) or an NDJSON file (by its name)."""
    suffix = path.suffix.lower()
    if suffix == NDJSON_SUFFIX:
        return True
    if suffix != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return _BUNDLE_HINT.search(head) is not None
