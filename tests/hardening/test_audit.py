"""The audit trail: every letter and checklist says its date, which rule set (id and
effective date), which priorauth and which exact case file (SHA-256 of its bytes)
produced it, in the file's metadata, and all but the tool's version in the footer line of
every page, in both formats (the version is for the record, not for the reviewer)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

from priorauth.resources import version
from tests.hardening.util import READY_TMS
from tests.helpers import invoke


DATE = "2026-11-27"  # the date the documents bear (--date)


def _audit(digest: str) -> tuple[str, str]:
    v = version()
    keywords = f"date={DATE}, rule-set=cigna/tms, effective=2026-03-15, priorauth={v}, case-sha256={digest}"
    line = f"dated {DATE} · rule set cigna/tms effective 2026-03-15 · case SHA-256 {digest}"
    return keywords, line


def _assert_audited(pdf: Path, docx_path: Path, digest: str) -> None:
    keywords, line = _audit(digest)
    reader = PdfReader(pdf)
    assert reader.metadata is not None and reader.metadata.get("/Keywords") == keywords
    for page in reader.pages:
        text = page.extract_text() or ""
        assert line in text.splitlines()
        assert f"priorauth {version()}" not in text
    document = docx.Document(str(docx_path))
    assert document.core_properties.keywords == keywords
    for section in document.sections:
        footer = [p.text for p in section.footer.paragraphs]
        assert line in footer
        assert not any(version() in text for text in footer + [p.text for p in section.header.paragraphs])


@pytest.mark.parametrize("kind", ["letter", "checklist"])
def test_yaml_case(kind: str, tmp_path: Path) -> None:
    result = invoke(kind, READY_TMS, "-o", tmp_path, "--date", DATE)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(READY_TMS.read_bytes()).hexdigest()
    _assert_audited(tmp_path / f"DEMO-1001_cigna_tms_{kind}.pdf", tmp_path / f"DEMO-1001_cigna_tms_{kind}.docx", digest)


def test_json_case_digest_is_of_the_file_as_given(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(yaml.safe_load(READY_TMS.read_text(encoding="utf-8")), default=str, indent=1), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("letter", case, "-o", out, "--date", DATE).exit_code == 0
    _assert_audited(out / "DEMO-1001_cigna_tms_letter.pdf", out / "DEMO-1001_cigna_tms_letter.docx", hashlib.sha256(case.read_bytes()).hexdigest())


def test_batch_letters_carry_the_same_trail(tmp_path: Path) -> None:
    pytest.importorskip("priorauth.cli.batch")
    out = tmp_path / "out"
    result = invoke("batch", READY_TMS, "-o", out, "--letters", "both", "--jobs", "1", "--date", DATE)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(READY_TMS.read_bytes()).hexdigest()
    _assert_audited(out / "DEMO-1001_cigna_tms_letter.pdf", out / "DEMO-1001_cigna_tms_letter.docx", digest)
