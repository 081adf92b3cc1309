"""Generated Markdown compared with committed golden files.

Regenerate them after an intended change with: pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import shutil

import frontmatter
import pytest

from conftest import FIXTURES
from generator import pipeline
from generator.project import load_project
from generator.scaffold import init

GOLDEN = FIXTURES.parent / "golden"
PAGES = [
    "papers/attention-script-alert-1-script-7-7-is-all-you-need.md",
    "papers/no.md",
    "papers/efficient-and-robust-approximate-nearest-neighbor-search-using-hierarchical.md",
    "dates/2025-03-14.md",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden") / "project"
    init(root, "Golden digest")
    for name in ("hostile.txt", "header-byak.txt"):
        shutil.copy(FIXTURES / "exports" / name, root / "digests" / f"2025-03-14-{name}")
    project = load_project(root)
    report = pipeline.generate(project)
    assert report.errors == []
    return project.docs_dir


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_golden(generated, page, update_golden):
    produced = (generated / page).read_text("utf-8")
    golden = GOLDEN / page.replace("/", "__")
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, "utf-8")
    assert golden.is_file(), f"no golden file {golden.name}; run with --update-golden"
    assert produced == golden.read_text("utf-8")


def test_frontmatter_keeps_titles_exactly(generated):
    post = frontmatter.load(generated / PAGES[0])
    assert post["title"] == "Attention: <script>alert(1)</script> & {{ 7*7 }} is *all* you need"
    assert post["dates"] == ["2025-03-14"]
    assert frontmatter.load(generated / "papers/no.md")["title"] == "no"  # not False


def test_body_escapes_markup(generated):
    body = frontmatter.load(generated / PAGES[0]).content
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }} is *all* you need" in body
    assert "&lt;EOS&gt;" in body and "&lt;projektor&gt;" in body
