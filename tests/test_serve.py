"""`paper-digest serve`: a live preview that picks up a new digest without a restart."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.build  # every test here builds a real site

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

from conftest import FIXTURES
from generator.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"{url} did not appear within {timeout} s")


def test_serve_rebuilds_when_a_digest_arrives(tmp_path):
    root = tmp_path / "project"
    assert main(["init", str(root)]) == 0
    shutil.copy(FIXTURES / "exports/header-byak.txt", root / "digests/2025-03-14.txt")
    port = _free_port()
    exe = shutil.which("paper-digest")
    server = subprocess.Popen([exe, "serve", "--project", str(root), "--dev-addr",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        home = _wait_for(f"{base}/")
        assert "2 papers from 1 day of digests" in home
        # A new digest lands in digests/: the preview regenerates and rebuilds by itself.
        shutil.copy(FIXTURES / "exports/hostile.txt", root / "digests/2025-03-15.txt")
        text = (root / "digests/2025-03-15.txt").read_text().replace("Mar 14", "Mar 15")
        (root / "digests/2025-03-15.txt").write_text(text)
        page = _wait_for(f"{base}/papers/no/")
        assert "costs $5 and $10" in page
        assert "4 papers from 2 days of digests" in _wait_for(f"{base}/")
        assert _wait_for(f"{base}/pagefind/pagefind.js")
        # One bundle, and the search page is told so (rather than fetching a 404).
        assert json.loads(_wait_for(f"{base}/search-index.json")) == {
            "bundles": ["pagefind/"], "recent": None, "hide": {}}
    finally:
        server.terminate()
        server.wait(timeout=20)
