"""Shared fixtures: real projects built with real MkDocs, served on 127.0.0.1, and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from serving import Server  # noqa: E402  (shared with the benchmarks)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def copy_sample_project(dest: Path) -> Path:
    """The repository is itself a digest project: copy what a build reads."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "digests", dest / "digests")
    (dest / "site_src").mkdir()
    shutil.copy(REPO / "site_src" / "about.md", dest / "site_src" / "about.md")
    return dest


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Path:
    """The bundled sample, built once per test session with `paper-digest build`."""
    from generator.cli import main

    project = copy_sample_project(tmp_path_factory.mktemp("sample") / "project")
    assert main(["build", "--project", str(project)]) == 0
    return project


@pytest.fixture(scope="session")
def sample_server(sample_project):
    server = Server(sample_project / "site")
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that fails the test on any dialog (a script ran) or request off this host."""
    context = browser.new_context()
    pg = context.new_page()
    pg.dialogs = []
    pg.external = []

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_request(request):
        if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            pg.external.append(request.url)

    pg.on("dialog", on_dialog)
    pg.on("request", on_request)
    yield pg
    context.close()
    assert pg.dialogs == [], f"a script ran: {pg.dialogs}"
    assert pg.external == [], f"requests left the machine: {pg.external}"
