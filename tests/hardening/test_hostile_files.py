"""Files too big, too deep, not files at all: refused quickly with a plain message.

These are made at test time (tens of megabytes do not belong in the repository). What
could hang or crash the interpreter (a FIFO, /dev/zero, nesting that overflows the C
stack) runs in a child process with a timeout.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.hardening.util import READY_TMS, assert_clean_error, assert_no_canary, subprocess_priorauth
from tests.helpers import invoke

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves these out (docs/testing.md)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


def _quick_error(*args: object) -> str:
    start = time.monotonic()
    result = invoke(*map(str, args))
    assert time.monotonic() - start < 5, "took too long"
    assert_clean_error(result)
    assert_no_canary(result.stderr)
    return result.stderr


def test_a_file_of_tens_of_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "export.yaml"
    with path.open("wb") as handle:
        handle.write(b"patient:\n  given_name: Zqxcanary\n")
        handle.truncate(30 * 1024 * 1024)
    assert _quick_error("check", path) == f"error: {path}: file is 30.0 MB; a case file may be at most 2 MB (is this really a case file?)\n"


def test_nesting_just_under_the_size_limit_does_not_crash(tmp_path: Path) -> None:
    # libyaml's composer recurses in C: without the depth check first, this is a segfault
    yaml_path = tmp_path / "deep.yaml"
    yaml_path.write_text("patient: " + "[" * 900_000 + "]" * 900_000 + "\n")
    block_path = tmp_path / "block.yaml"
    block_path.write_text("- " * 900_000 + "x\n")
    json_path = tmp_path / "deep.json"
    json_path.write_text("[" * 900_000 + "]" * 900_000)
    for path, line in ((yaml_path, ":1"), (block_path, ":1"), (json_path, "")):
        proc = subprocess_priorauth("check", path, timeout=60)
        assert (proc.returncode, proc.stdout) == (2, "")
        assert proc.stderr == f"error: {path}{line}: nested more than 40 levels deep\n"


def test_many_aliases_and_many_keys(tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("a: &a [Zqxcanary]\n" + "".join(f"k{i}: *a\n" for i in range(100_000)))
    assert _quick_error("check", aliases) == f"error: {aliases}:2: k0: YAML aliases (*name) are not allowed (write the value out in full)\n"
    keys = tmp_path / "keys.yaml"
    keys.write_text(READY_TMS.read_text(encoding="utf-8") + "".join(f"junk{i}: Zqxcanary\n" for i in range(50_000)))
    err = _quick_error("check", keys)
    assert err.startswith(f"error: {keys}: invalid case file (50000 problems)\n")
    assert err.endswith("  ... and 49975 more\n")


def test_a_very_long_line_and_long_strings(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(READY_TMS.read_text(encoding="utf-8").replace("given_name: José", "given_name: " + "Zqxcanary" * 200_000))
    assert _quick_error("check", path) == f"error: {path}:6: patient.given_name: string should have at most 200 characters\n"


def test_a_folder_given_as_a_case(tmp_path: Path) -> None:
    folder = tmp_path / "case.yaml"
    folder.mkdir()
    result = invoke("check", folder)
    assert result.exit_code == 2 and "is a folder, not a case file" in result.stderr and "Traceback" not in result.output
    from priorauth.case import load_case
    from priorauth.errors import CaseFileError

    with pytest.raises(CaseFileError) as info:  # the library says it too, without Click's check
        load_case(folder)
    assert info.value.render() == f"error: {folder}: is a folder, not a case file (give the path of a file)"


def test_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "case.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    assert _quick_error("check", link) == f"error: {link}: is a link to a file that does not exist (fix or remove the link)\n"


@posix_only
def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    for args in (["check", fifo], ["letter", fifo, "-o", tmp_path / "out"], ["rules", "validate", fifo]):
        proc = subprocess_priorauth(*args, timeout=20)
        what = "rule file" if args[0] == "rules" else "case file"
        assert (proc.returncode, proc.stdout if args[0] != "rules" else "") == (2, "")
        assert f"{fifo}: is not a regular file (a pipe, device or socket); a {what} must be a file (save it to a file first)" in proc.stdout + proc.stderr


@posix_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_does_not_hang(device: str, tmp_path: Path) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    link = tmp_path / "case.yaml"
    link.symlink_to(device)  # a link to a device is refused too
    for path in (device, link):
        proc = subprocess_priorauth("check", path, timeout=20)
        assert (proc.returncode, proc.stdout) == (2, "")
        assert proc.stderr == f"error: {path}: is not a regular file (a pipe, device or socket); a case file must be a file (save it to a file first)\n"


def test_a_clinic_profile_and_template_that_are_not_files(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("POSIX")
    os.mkfifo(tmp_path / "clinic.yaml")
    templates = tmp_path / "templates"
    templates.mkdir()
    os.mkfifo(templates / "letter-tms.md.j2")
    proc = subprocess_priorauth("letter", READY_TMS, "--clinic", tmp_path / "clinic.yaml", "-o", tmp_path / "out", timeout=20)
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr
    proc = subprocess_priorauth("letter", READY_TMS, "--templates-dir", templates, "-o", tmp_path / "out", timeout=20)
    assert (proc.returncode, proc.stderr) == (2, f"error: {templates / 'letter-tms.md.j2'}: is not a regular file\n  hint: a template is a *.md.j2 text file\n")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
