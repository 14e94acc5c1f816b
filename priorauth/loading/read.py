"""Bounded reading of input files: regular files only, a size limit, UTF-8 text.

A FIFO would block forever and /dev/zero never ends, so anything that is not a regular
file is refused before it is read; the read itself is bounded in case the file grows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from priorauth.errors import InputFileError, Issue

MAX_FILE_BYTES = 2 * 1024 * 1024  # a real case file is a few kilobytes


def a_noun(what: str) -> str:
    """``what`` with its article: "a case file", "an example case"."""
    return ("an " if what[:1] in "aeiou" else "a ") + what


def read_bytes(path: Path, what: str, error: type[InputFileError], max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a small regular file or raise ``error`` with a plain message.

    Pipes, devices and sockets are refused before they are read: a FIFO would block
    forever and /dev/zero never ends. The read is bounded too, in case the file grows.
    """
    name = str(path)
    too_big = lambda size: error(  # noqa: E731
        name,
        Issue("", f"file is {size / 1048576:.1f} MB; {a_noun(what)} may be at most {max_bytes // 1048576} MB", hint=f"is this really {a_noun(what)}?"),
    )

    def check(st: os.stat_result) -> None:
        if stat.S_ISDIR(st.st_mode):
            raise error(name, Issue("", f"is a folder, not {a_noun(what)}", hint="give the path of a file"))
        if not stat.S_ISREG(st.st_mode):
            raise error(name, Issue("", f"is not a regular file (a pipe, device or socket); {a_noun(what)} must be a file", hint="save it to a file first"))
        if st.st_size > max_bytes:
            raise too_big(st.st_size)

    try:
        check(os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            raise error(name, Issue("", "is a link to a file that does not exist", hint="fix or remove the link")) from None
        raise error(name, Issue("", "file not found", hint="check the path")) from None
    except PermissionError:
        raise error(name, Issue("", "permission denied", hint="check the file's permissions")) from None
    except OSError as exc:
        raise error(name, Issue("", f"cannot read the file ({exc.strerror or type(exc).__name__})")) from None
    except ValueError:  # a NUL byte in the path
        raise error(name, Issue("", "is not a valid file name")) from None
    try:
        check(os.fstat(fd))  # the path may have been swapped since the stat above
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise too_big(total)
        return b"".join(chunks)
    except OSError as exc:
        raise error(name, Issue("", f"cannot read the file ({exc.strerror or type(exc).__name__})")) from None
    finally:
        os.close(fd)


def read_text(path: Path, what: str, error: type[InputFileError], max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a small UTF-8 text file or raise ``error`` with a plain message."""
    return decode_text(read_bytes(path, what, error, max_bytes), str(path), what, error)


def decode_text(raw: bytes, name: str, what: str, error: type[InputFileError]) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(name, Issue("", "the file is UTF-16 text, not UTF-8", hint="save it as UTF-8"))
    if b"\x00" in raw:
        raise error(name, Issue("", f"this is a binary file, not {a_noun(what)}", hint="give a YAML or JSON text file"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(name, Issue("", "the file is not UTF-8 text", line=line, hint="save it as UTF-8")) from None
    return text
