"""Writing output files safely: confined names, atomic replace, owner-only permissions.

Letters hold protected health information. A file is written to a temporary file in the
same folder, flushed to disk, made readable by the owner only (0600) and renamed into
place, so a reader (or a crash) never sees half a letter. An existing file is kept unless
the caller asks to overwrite it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

from priorauth.errors import OutputError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Names Windows reserves whatever the extension; a letter named CON.pdf cannot be opened there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_PART = 60


def safe_part(text: str, fallback: str = "case") -> str:
    """One file-name component built from case data: no separators, no dots at the ends.

    When the cleaning loses the text (an id in another script) or cuts it short, a short
    digest of the original keeps two different ids from landing on one file name.
    """
    original = text
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("-", text).strip(".-_")
    text = re.sub(r"-{2,}", "-", text)
    cut = len(text) > MAX_PART
    text = text[:MAX_PART].strip(".-_")
    if cut or (not text and original.strip()):
        text = (text[: MAX_PART - 9] + "-" if text else "") + hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    # Windows reserves these names whatever follows the first dot ("CON.txt" too).
    if not text or text.split(".")[0].lower() in _RESERVED:
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
    remove_stale_parts(folder)
    return folder


# Temporary files are ".<name>.<pid>-<8 random>.part" (see write_atomic): the pid tells a
# later run whether the writer is gone (killed mid-write), so its leftover can be removed.
# Nothing else is ever touched: the default output folder is the user's current folder.
_PART = re.compile(r"^\..+\.(\d+)-[a-z0-9_]{8}\.part$")
_cleaned: set[tuple[int, str]] = set()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed writer whose parent died too stays a zombie until something reaps it
    (in a container, maybe never); it writes nothing more, so its files are stale."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat_line = handle.read()
    except OSError:
        return False
    # the state follows the parenthesised command name, which may itself hold spaces
    return stat_line[stat_line.rfind(b")") + 2 : stat_line.rfind(b")") + 3] == b"Z"


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove the temporary files that a killed run left in ``folder`` (once per process)."""
    key = (os.getpid(), str(folder.resolve()))
    if key in _cleaned:
        return []
    _cleaned.add(key)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        if match is None:
            continue
        try:
            if entry.is_file(follow_symlinks=False) and not _alive(int(match.group(1))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except (OSError, ValueError):
            continue  # another process removed it first, or it is not ours to touch
    return removed


def check_writable(path: Path, force: bool) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}", "check the path and its permissions") from None
    if not stat.S_ISREG(st.st_mode):
        # --force replaces files, never a folder, a device (/dev/null) or a link
        raise OutputError(f"{path} exists and is not a regular file", "choose another output name or folder")
    if not force:
        raise OutputError(f"{path} already exists", "use --force to overwrite it, or choose another output folder with -o")


def write_atomic(path: Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` (0600) via a temporary file and a rename.

    Without ``force`` the file is put in place with a hard link, which fails if the name
    was taken meanwhile, so a concurrent writer is never overwritten.
    """
    check_writable(path, force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}", "check that the folder exists and that you may write to it") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}", "check the free disk space and the folder's permissions") from None
    finally:
        try:
            os.unlink(tmp)
        except OSError:  # already renamed into place
            pass
    return path


def _link_new(tmp: str, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:  # another process won the race
        raise OutputError(f"{path} already exists", "use --force to overwrite it") from None
    except OSError:
        # A file system without hard links: check, then rename (a narrow race remains).
        if os.path.lexists(path):
            raise OutputError(f"{path} already exists", "use --force to overwrite it") from None
        os.replace(tmp, path)
