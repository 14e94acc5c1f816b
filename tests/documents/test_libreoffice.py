"""The DOCX paginates like our PDF: every template, for every sample, converted by
LibreOffice (which, like Word, sets the DOCX's Times New Roman with the metrics of the
Liberation Serif our PDF embeds) has the same number of pages, and the signature lands on
the same page, with body text above it.

Skipped when LibreOffice (``soffice``) or Liberation Serif is not installed; with CI=true they
must be (.ci/run installs libreoffice-writer-nogui and fonts-liberation2), so the test fails
instead of skipping.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from tests.helpers import SAMPLES, invoke

pytestmark = pytest.mark.slow

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEMPLATES = ["auto", "letter-appeal", "letter-continuation", "checklist"]
DATE = "2026-12-01"


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; CI must run this test (.ci/run installs libreoffice-writer-nogui and fonts-liberation2)", pytrace=False)
    pytest.skip(f"{reason}: cannot check that the DOCX paginates like the PDF")


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        _missing("LibreOffice (soffice) is not installed")
    # LibreOffice sets Times New Roman in the metric-compatible Liberation Serif, when installed
    fc_match = shutil.which("fc-match")
    font = subprocess.run([fc_match, "Times New Roman"], capture_output=True, text=True).stdout if fc_match else ""
    if "Liberation Serif" not in font:
        _missing("the font Liberation Serif (Debian: fonts-liberation2) is not installed")
    return str(found)


def pages(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def write_all(out: Path) -> list[Path]:
    """Every template for every sample, PDF and DOCX; a case that is not ready gets drafts."""
    written: list[Path] = []
    for sample in sorted(SAMPLES.glob("*.yaml")):
        for template in TEMPLATES:
            folder = out / f"{sample.stem}-{template}"
            if template == "checklist":
                args = ["checklist", sample, "-o", folder]
            else:
                args = ["letter", sample, "-o", folder, "--template", template, "--date", DATE]
                if template == "letter-appeal":
                    args += ["--denial-ref", "PA-77", "--denial-date", "2026-11-25"]
            result = invoke(*args)
            if result.exit_code == 1:  # not ready for a letter: the draft
                result = invoke(*args, "--draft")
            assert result.exit_code == 0, result.output
            written += sorted(folder.glob("*.docx"))
    return written


def words_before_closing(page: str) -> int:
    """Words between the running header and "Sincerely,"."""
    before = page.split("Sincerely,")[0]
    return len(re.split(r"Patient ID DEMO-\d+(?: · Denial ref\. PA-77)?", before, maxsplit=1)[-1].split())


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    binary = soffice()
    out = tmp_path_factory.mktemp("docs")
    docx_files = write_all(out)
    lo_out = out / "lo"
    profile = (out / "lo-profile").as_uri()  # a profile of our own: never a running user's one
    pairs: list[tuple[Path, Path]] = []
    command = [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    by_folder: dict[Path, list[Path]] = {}
    for path in docx_files:
        by_folder.setdefault(path.parent, []).append(path)
    for folder, files in by_folder.items():  # file names repeat across folders: one run each
        target = lo_out / folder.name
        subprocess.run([*command, "--outdir", str(target), *map(str, files)], capture_output=True, timeout=600, check=True)
        pairs += [(path, target / (path.stem + ".pdf")) for path in files]
    return pairs


def test_every_template_and_sample_was_converted(converted: list[tuple[Path, Path]]) -> None:
    assert len(converted) == len(list(SAMPLES.glob("*.yaml"))) * len(TEMPLATES)
    assert all(lo.is_file() for _, lo in converted)


def test_docx_has_the_pages_of_the_pdf(converted: list[tuple[Path, Path]]) -> None:
    different = []
    for docx_path, lo_pdf in converted:
        ours = pages(docx_path.with_suffix(".pdf").read_bytes())
        theirs = pages(lo_pdf.read_bytes())
        if len(ours) != len(theirs):
            different.append(f"{docx_path.parent.name}/{docx_path.name}: PDF {len(ours)} pages, DOCX {len(theirs)}")
    assert different == []


def test_signature_lands_on_the_same_page_with_body_text(converted: list[tuple[Path, Path]]) -> None:
    checked = 0
    for docx_path, lo_pdf in converted:
        ours = pages(docx_path.with_suffix(".pdf").read_bytes())
        theirs = pages(lo_pdf.read_bytes())
        at = [i for i, page in enumerate(ours) if "Sincerely," in page]
        if not at:
            continue  # a checklist: no signature
        checked += 1
        assert [i for i, page in enumerate(theirs) if "Sincerely," in page] == at, docx_path.name
        for page in (ours[at[0]], theirs[at[0]]):
            # a paragraph of the letter above the closing, not only the page header
            assert words_before_closing(page) >= 8, (docx_path.name, page[:300])
    assert checked >= 8
