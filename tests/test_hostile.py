"""Hostile and broken input, in every input format: nothing runs, nothing breaks, nothing
is lost. The corpus is tests/fixtures/hostile/ (corpus.json lists its titles)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from urllib.parse import quote

import feedparser
import pytest

from conftest import FIXTURES, Server
from generator.cli import main
from generator.normalize import math_as_text, normalize

HOSTILE = FIXTURES / "hostile"
GOOD = sorted(p for p in HOSTILE.glob("2025-05-0[2-8]-*"))
BROKEN = sorted(HOSTILE.glob("2025-05-09-*"))
CORPUS = json.loads((HOSTILE / "corpus.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "project"
    assert main(["init", str(root)]) == 0
    assert main(["add", "--project", str(root), *map(str, GOOD)]) == 0
    assert main(["build", "--project", str(root)]) == 0
    server = Server(root / "site")
    papers = json.loads((root / "site/papers.json").read_text("utf-8"))["papers"]
    yield root, server.url, papers
    server.close()


def test_every_title_is_kept_and_near_duplicates_merge(hostile_site):
    _, _, papers = hostile_site
    titles = {p["title"] for p in papers}
    for title, _ in CORPUS:
        if "zqxnear" in title:
            continue
        assert normalize(title) in titles, title
    near = [p for p in papers if "zqxnear" in p["title"]]
    assert len(near) == 1 and near[0]["title"] == "Near Duplicate Title zqxnear"
    assert "Café naïve résumé zqxlatin" in titles  # the Windows-1252 file was decoded


def test_slugs_are_safe_unique_and_bounded(hostile_site):
    root, _, papers = hostile_site
    slugs = [p["slug"] for p in papers]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug.encode()) <= 100
        assert (root / "site/papers" / slug / "index.html").is_file()
    assert not (root / "etc").exists() and not (root.parent / "etc").exists()


def test_paper_pages_show_titles_and_abstracts_verbatim(page, hostile_site):
    _, url, papers = hostile_site
    for paper in papers:
        page.goto(f"{url}/papers/{paper['slug']}/")
        assert page.locator("h1").inner_text() == paper["title"]
        assert page.title().startswith(paper["title"])
        if paper["abstract"] and "$" not in paper["abstract"]:
            assert page.locator(".pd-paper__abstract").inner_text() == paper["abstract"]
    # the `page` fixture fails the test if any script from the data opened a dialog


def test_date_and_topic_pages_show_titles_verbatim(page, hostile_site):
    _, url, papers = hostile_site
    for day in sorted({d for p in papers for d in p["dates"]}):
        page.goto(f"{url}/dates/{day}/")
        shown = set(page.locator(".pd-item__title").all_inner_texts())
        assert shown == {p["title"] for p in papers if day in p["dates"]}
    for topic in sorted({t for p in papers for t in p["topics"]}):
        page.goto(f"{url}/topics/{topic}/")
        shown = set(page.locator(".pd-item__title").all_inner_texts())
        assert shown == {p["title"] for p in papers if topic in p["topics"]}


def test_search_results_show_titles_verbatim(page, hostile_site):
    _, url, papers = hostile_site
    for token in ("zqxscript", "zqximage", "zqxtemplate", "zqxmarkdown", "zqxcjk"):
        expected = {p["title"] for p in papers if token in p["title"]}
        page.goto(f"{url}/search/?q={quote(token)}")
        page.locator("#pd-search-results li").first.wait_for(timeout=10_000)
        shown = set(page.locator("#pd-search-results .pd-item__title").all_inner_texts())
        assert expected <= shown, token


def test_feeds_carry_text_as_text(hostile_site):
    root, _, papers = hostile_site
    # Feeds give math its plain reading (no KaTeX in a feed reader); the rest as it is.
    by_title = {math_as_text(p["title"]): p for p in papers}
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert not feed.bozo
    assert len(feed.entries) == len(papers)
    for entry in feed.entries:
        assert entry.title in by_title
        assert entry.get("summary", "") == math_as_text(by_title[entry.title]["abstract"])
    items = json.loads((root / "site/feed.json").read_text("utf-8"))["items"]
    assert {i["title"] for i in items} == set(by_title)


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("href", "src", "action", "formaction")
                      and v]


def test_no_javascript_urls_anywhere(hostile_site):
    root, _, _ = hostile_site
    for path in (root / "site").rglob("*.html"):
        parser = _Attributes()
        parser.feed(path.read_text("utf-8"))
        bad = [u for u in parser.urls if re.sub(r"[\s\x00-\x1f]", "", u).lower().startswith(
            ("javascript:", "data:text/html", "vbscript:"))]
        assert bad == [], path


def test_two_builds_are_identical(hostile_site, tmp_path):
    root, _, _ = hostile_site
    again = tmp_path / "again"
    shutil.copytree(root, again, ignore=shutil.ignore_patterns("site", ".site-*"))
    assert main(["build", "--project", str(again)]) == 0
    diff = subprocess.run(["diff", "-r", "-q", str(root / "site"),
                           str(again / "site")], capture_output=True, text=True)
    assert diff.stdout == ""


def test_fast_render_changes_nothing(hostile_site, tmp_path):
    """Generated pages skip Python-Markdown and share rendered sidebars (plugin option
    fast_render); with every page rendered the plain way, the site is the same byte for
    byte."""
    root, _, _ = hostile_site
    again = tmp_path / "markdown"
    shutil.copytree(root, again, ignore=shutil.ignore_patterns("site", ".site-*"))
    config = again / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert "\n  - paper-digest:\n" in text
    config.write_text(text.replace("\n  - paper-digest:\n",
                                   "\n  - paper-digest:\n      fast_render: false\n"))
    assert main(["build", "--project", str(again)]) == 0
    diff = subprocess.run(["diff", "-r", "-q", str(root / "site"),
                           str(again / "site")], capture_output=True, text=True)
    assert diff.stdout == ""


def test_passthrough_takes_only_a_page_that_is_one_element():
    from generator.plugin import single_html_block

    page = '<article class="x">\n<h1>T</h1>\n<p>a *b*</p>\n</article>\n'
    assert single_html_block(page) == page.strip()
    assert single_html_block(page + "\n## Notes\n\nMore *Markdown*\n") is None
    assert single_html_block("# Title\n" + page) is None
    assert single_html_block(page.replace("<p>", "<article><p>")) is None
    assert single_html_block(page.replace('class="x"', 'markdown="1"')) is None


def _frame(enabled):
    """A page frame with one shared piece (as theme/main.html uses pd_shared), and a
    count of how many times the piece was rendered."""
    import jinja2

    from generator.plugin import shared_fragments

    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": (
        '{% call pd_shared(name) %}<nav>{{ count() }}</nav>{% endcall %}{{ page.url }}')}))
    env.globals["pd_shared"] = shared_fragments(enabled)
    renders = []
    env.globals["count"] = lambda: renders.append(1) or len(renders)
    return env.get_template("page.html"), renders


def test_a_shared_piece_is_rendered_once_per_folder_and_depth():
    from types import SimpleNamespace as Page

    frame, renders = _frame(enabled=True)
    out = [frame.render(page=Page(url=url), base_url=base, name="nav")
           for url, base in [("papers/a/", "../.."), ("papers/b/", "../.."),
                             ("dates/2025/", "../.."), ("feeds/", ".."), ("search/", "..")]]
    # papers/b reuses papers/a's piece; dates/ is another folder; feeds/ and search/ share.
    assert out == ["<nav>1</nav>papers/a/", "<nav>1</nav>papers/b/",
                   "<nav>2</nav>dates/2025/", "<nav>3</nav>feeds/", "<nav>3</nav>search/"]
    # A piece named none depends on the page: rendered every time.
    frame.render(page=Page(url="papers/c/"), base_url="../..", name=None)
    assert len(renders) == 4


def test_without_fast_render_every_piece_is_rendered():
    from types import SimpleNamespace as Page

    frame, renders = _frame(enabled=False)
    for url in ("papers/a/", "papers/b/"):
        frame.render(page=Page(url=url), base_url="../..", name="nav")
    assert len(renders) == 2


def test_translations_are_materials_text():
    import jinja2

    from generator.plugin import translations

    env = jinja2.Environment(loader=jinja2.DictLoader({
        "de.html": '{% macro t(key) %}{{ {"top": "Nach oben"}[key] }}{% endmacro %}',
        "en.html": ('{% macro t(key) %}{{ {"top": "Back", "toc": "Contents"}[key] }}'
                    '{% endmacro %}')}))
    lang, fallback = (env.get_template(f"{name}.html").module for name in ("de", "en"))
    translate = translations()
    assert [translate("de", key, lang, fallback) for key in ("top", "toc", "nope")] == [
        "Nach oben", "Contents", "nope"]


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_broken_files_are_refused_without_a_traceback(tmp_path, path):
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    exe = shutil.which("paper-digest")
    run = subprocess.run([exe, "add", "--project", str(root), str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(f"error: {path}")
    assert not list((root / "digests").glob("2025*"))


def test_forcing_the_wrong_format_is_an_error_not_a_crash(tmp_path, capsys):
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    for fmt in ("hf-api", "arxiv-jsonl", "arxiv-atom", "simple"):
        code = main(["add", "--project", str(root), "--format", fmt,
                     str(HOSTILE / "2025-05-02-export.txt")])
        assert code == 1, fmt
        assert "2025-05-02-export.txt" in capsys.readouterr().err
