"""`priorauth serve`: waitress on 127.0.0.1, one printed address that logs in once."""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import invoke


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org"])
def test_another_host_is_refused(host: str, tmp_path: Path) -> None:
    code, out, err = invoke("serve", "--host", host, "--db", str(tmp_path / "q.sqlite3"))
    assert code == 2
    assert out == ""
    assert err == (
        f"error: --host {host}: the web interface listens on this computer only (127.0.0.1) unless you add --allow-remote\n"
        "  hint: other computers may reach it only with accounts: add them with `priorauth users add NAME`, then give --host with --allow-remote\n"
    )
    assert not (tmp_path / "q.sqlite3").exists()


@pytest.mark.slow
def test_serve_prints_one_address_that_logs_in_once(tmp_path: Path) -> None:
    db = tmp_path / "queue.sqlite3"
    env = {**os.environ, "PRIORAUTH_USER": "front-desk"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "priorauth", "serve", "--port", "0", "--db", str(db), "--data-dir", str(tmp_path / "files")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first == "priorauth is running. Open this address in your browser (it logs you in once):\n"
        address = proc.stdout.readline().strip()
        assert address.startswith("http://127.0.0.1:") and "/login?token=" in address
        assert proc.stdout.readline() == "Press Ctrl-C to stop.\n"
        assert db.exists()  # the migrations ran: a fresh machine needs nothing else
        assert oct((tmp_path / "files").stat().st_mode & 0o777) == "0o700"
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(address, timeout=10) as answer:
            assert answer.status == 200
            assert answer.url == address.split("/login")[0] + "/queue"  # the token has left the address
            assert answer.headers["Server"] == "priorauth"  # waitress, not the development server
            assert "Signed in as front-desk" in answer.read().decode()
        with pytest.raises(urllib.error.HTTPError) as again:
            urllib.request.urlopen(address, timeout=10)  # another browser, the same address
        assert again.value.code == 403
        again.value.close()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert err == ""  # no access log: nothing about the requests, the token or a patient
