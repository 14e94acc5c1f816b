"""A server killed mid-request loses nothing it had committed (issue 15, robustness).

`priorauth serve` runs as a real process on an SQLite queue; a client adds notes to a
request as fast as the server answers while the process is killed (SIGKILL: no clean-up
of any kind). Every note whose page came back as saved (the redirect after the POST) must
be in the database afterwards, whole; nothing half-written; the database passes
`priorauth db check`, and a new server starts on it.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import invoke
from tests.web.util import add_sample, request_row

pytestmark = pytest.mark.slow


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 303 itself is the answer we count


def _start(db: str, data: Path) -> tuple[subprocess.Popen[str], str]:
    """`priorauth serve` on a free port; the process and its login address."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "priorauth", "serve", "--db", db, "--port", "0", "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+/login\?token=\S+)", line)
        if found:
            return proc, found.group(1)
        assert time.monotonic() < deadline, "the server did not print its address"
    raise AssertionError(f"the server stopped before printing its address: {proc.stderr.read() if proc.stderr else ''}")


def test_a_killed_server_keeps_every_note_it_confirmed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    request_id = add_sample(db)
    proc, login = _start(db, tmp_path / "files")
    base = login.split("/login")[0]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    try:
        with pytest.raises(urllib.error.HTTPError) as first:  # the 303 that drops the token from the address
            opener.open(login, timeout=10)
        assert first.value.code == 303
        page = opener.open(f"{base}/requests/{request_id}", timeout=10).read().decode()
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert token, page[:300]
        confirmed: list[str] = []
        stop = threading.Event()

        def post_notes() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                text = f"called the payer, try {n}"
                body = urllib.parse.urlencode({"csrf_token": token.group(1), "text": text}).encode()
                try:
                    opener.open(f"{base}/requests/{request_id}/note", data=body, timeout=10)
                except urllib.error.HTTPError as answer:
                    if answer.code == 303:  # saved: the page redirects to the request
                        confirmed.append(text)
                        continue
                    raise
                except (urllib.error.URLError, ConnectionError, OSError):
                    return  # the server is gone

        client = threading.Thread(target=post_notes)
        client.start()
        deadline = time.monotonic() + 60
        while len(confirmed) < 15 and time.monotonic() < deadline and client.is_alive():
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)  # mid-stream: requests are in flight
        proc.wait(timeout=10)
        stop.set()
        client.join(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert len(confirmed) >= 15, "the client got too few answers before the kill"

    notes = [n["text"] for n in request_row(db, request_id)["notes"]]
    assert set(confirmed) <= set(notes)  # every confirmed note is there, whole
    assert all(re.fullmatch(r"called the payer, try \d+", n) for n in notes)
    assert len(notes) - len(confirmed) <= 8  # at most the requests in flight (8 threads) went in unconfirmed
    code, out, err = invoke("db", "check", "--db", db)
    assert code == 0, out + err

    again, login = _start(db, tmp_path / "files")  # and the queue opens again
    try:
        with urllib.request.urlopen(login.split("/login")[0] + "/health", timeout=10) as answer:
            assert answer.status == 200
    finally:
        again.terminate()
        again.communicate(timeout=10)
