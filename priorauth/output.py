"""Writing output files safely: confined names, atomic replace, owner-only permissions.

Letters hold protected health information. A file is written to a temporary file in the
same folder, flushed to disk, made readable by the owner only (0600) and renamed into
place, so a reader (or a crash) never sees half a letter. An existing file is kept unless
the caller asks to overwrite it.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from priorauth.errors import OutputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Names Windows reserves whatever the extension; a letter named CON.pdf cannot be opened there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_PART = 60


def safe_part(text: str, fallback: str = "case") -> str:
    """One file-name component built from case data: no separators, no dots at the ends."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("-", text).strip(".-_")
    text = re.sub(r"-{2,}", "-", text)[:MAX_PART].strip(".-_")
    if not text or text.lower() in _RESERVED:
        text = f"{fallback}-{text}" if text else fallback
    return text


def output_name(*parts: str, ext: str) -> str:
    """``MRN-004217_cigna_tms_letter.pdf`` from parts that may come from a case file."""
    return "_".join(safe_part(p) for p in parts if p) + "." + ext.lstrip(".")


def confined(folder: Path, name: str) -> Path:
    """``folder / name``, refusing anything that would land outside ``folder``."""
    if name != Path(name).name or name in ("", ".", ".."):
        raise OutputError(f"unsafe output file name: {name!r}")
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise OutputError("output file would be written outside the output folder")
    return target


def ensure_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {folder}: {exc.strerror}", "check the path and its permissions") from None
    if not folder.is_dir():
        raise OutputError(f"output path {folder} exists and is not a folder")
    return folder


def check_writable(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise OutputError(f"{path} already exists", "use --force to overwrite it, or choose another output folder with -o")


def write_atomic(path: Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` (0600) via a temporary file and a rename."""
    check_writable(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not force and path.exists():  # another process won the race
            raise OutputError(f"{path} already exists", "use --force to overwrite it")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
