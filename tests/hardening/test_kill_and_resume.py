"""A batch killed midway leaves only complete files, and `--resume` finishes the job.

Files are written to a hidden temporary file and renamed, so a SIGKILL at any moment
leaves complete letters and, at most, hidden ``.*.part`` files; the next run removes
those of writers that are gone and writes what is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from tests.helpers import ROOT, SAMPLES

pytest.importorskip("priorauth.cli.batch", reason="`priorauth batch` is not in this checkout yet")
pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGKILL are POSIX"),
    pytest.mark.slow,  # `pytest -m "not slow"` leaves it out (docs/testing.md)
]

N_CASES = 40


def _cases(folder: Path) -> list[str]:
    """N_CASES ready cases with their own ids; returns the letters' file names."""
    folder.mkdir()
    seeds = [yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8")) for name in ("cigna-tms-ready.yaml", "cigna-spravato-ready.yaml")]
    names = []
    for i in range(N_CASES):
        data = seeds[i % 2]
        data["patient"]["id"] = f"KILL-{i:03d}"
        (folder / f"case{i:03d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        names.append(f"KILL-{i:03d}_cigna_{data['request']['treatment']}_letter.pdf")
    return names


def _batch(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PRIORAUTH_RULES_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "priorauth", "batch", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def _assert_complete(out: Path) -> list[Path]:
    """Every visible file is a complete PDF (or the summary); returns the hidden temporaries."""
    parts = []
    for path in out.iterdir():
        if path.name.startswith("."):
            assert path.name.endswith(".part"), path.name
            parts.append(path)
            continue
        if path.name in ("summary.csv", "summary.json"):
            continue
        assert path.suffix == ".pdf", path.name
        data = path.read_bytes()
        assert data.rstrip().endswith(b"%%EOF"), path.name
        assert len(PdfReader(path).pages) >= 1, path.name
    return parts


def test_kill_midway_then_resume(tmp_path: Path) -> None:
    expected = _cases(tmp_path / "cases")
    out = tmp_path / "out"
    proc = _batch(str(tmp_path / "cases"), "-o", str(out), "--letters", "pdf", "--jobs", "2")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and sum(1 for p in out.iterdir() if p.suffix == ".pdf") >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch ended before it could be killed: " + proc.stderr.read()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            assert stream is not None
            stream.close()
    assert proc.returncode == -signal.SIGKILL

    written_before = {p.name for p in out.iterdir() if p.suffix == ".pdf"}
    assert 3 <= len(written_before) < N_CASES
    assert not (out / "summary.json").exists()  # the summary is written last
    _assert_complete(out)
    # a temporary file of a writer killed mid-write, as the next run may find it
    (out / f".KILL-999_cigna_tms_letter.pdf.{_dead_pid()}-zz9xq1k2.part").write_bytes(b"%PDF-1.4\n% half a letter")

    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix == ".pdf"}
    resumed = _batch(str(tmp_path / "cases"), "-o", str(out), "--letters", "pdf", "--jobs", "2", "--resume")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr + stdout
    assert "Traceback" not in stderr + stdout
    assert _assert_complete(out) == []  # the stale temporary file was removed
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".pdf") == sorted(expected)
    assert {name: (out / name).stat().st_mtime_ns for name in before} == before  # kept, not rewritten
    assert (out / "summary.json").exists() and (out / "summary.csv").exists()


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(child.stdout)
