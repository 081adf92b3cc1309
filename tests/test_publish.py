"""Being found: feeds, papers.json, sitemap and scholar metadata, on a site hosted under a
sub-path (https://user.github.io/repo/), plus a crawl for broken internal links."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.build  # every test here builds a real site

import json
import re
import shutil
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest

from conftest import FIXTURES, Server
from generator.cli import main

SITE_URL = "https://user.github.io/repo/"
HOSTILE_TITLE = "Attention: <script>alert(1)</script> & {{ 7*7 }} is *all* you need"
HOSTILE_SLUG = "attention-script-alert-1-script-7-7-is-all-you-need"


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory):
    """A project with site_url under a sub-path, built, and served at /repo/."""
    root = tmp_path_factory.mktemp("subpath") / "project"
    assert main(["init", str(root), "--name", "Sub-path digest"]) == 0
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("site_url: !ENV SITE_URL",
                                                 f"site_url: {SITE_URL}"))
    for name in ("hostile.txt", "header-byak.txt", "header-daily-papers.txt"):
        shutil.copy(FIXTURES / "exports" / name, root / "digests" / f"2025-03-14-{name}")
    assert main(["build", "--project", str(root)]) == 0
    serve_root = root.parent / "www"
    serve_root.mkdir()
    shutil.copytree(root / "site", serve_root / "repo")
    server = Server(serve_root)
    yield root / "site", f"{server.url}/repo/"
    server.close()


def test_atom_feed_is_valid_and_links_to_paper_pages(subpath_site):
    site, _ = subpath_site
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Sub-path digest"
    assert len(feed.entries) == 5
    for entry in feed.entries:
        assert re.fullmatch(re.escape(SITE_URL) + r"papers/[a-z0-9-]+/", entry.link)
        assert (site / entry.link[len(SITE_URL):] / "index.html").is_file()
    hostile = next(e for e in feed.entries if e.link.endswith(f"/{HOSTILE_SLUG}/"))
    assert hostile.title == HOSTILE_TITLE
    assert hostile.summary.startswith("We study <EOS> tokens and <projektor> with a*b*c")
    assert "at 25–39% cost, 5.18× faster." in hostile.summary  # math as text
    assert feed.feed.links[0].href == f"{SITE_URL}feed.xml"


def test_every_topic_has_a_valid_feed(subpath_site):
    site, _ = subpath_site
    topics = [p.parent.name for p in (site / "topics").glob("*/index.html")
              if p.parent.name != "page"]
    assert topics
    for slug in topics:
        feed = feedparser.parse((site / "topics" / slug / "feed.xml").read_bytes())
        assert not feed.bozo, slug
        for entry in feed.entries:
            assert entry.link.startswith(f"{SITE_URL}papers/")


def test_json_feed(subpath_site):
    site, _ = subpath_site
    data = json.loads((site / "feed.json").read_text("utf-8"))
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == f"{SITE_URL}feed.json"
    titles = [item["title"] for item in data["items"]]
    assert HOSTILE_TITLE in titles
    for item in data["items"]:
        assert item["url"].startswith(f"{SITE_URL}papers/") and item["content_text"]


def test_papers_json_follows_the_contract(subpath_site):
    site, _ = subpath_site
    data = json.loads((site / "papers.json").read_text("utf-8"))
    assert len(data["papers"]) == 5
    for paper in data["papers"]:
        assert {"slug", "title", "url", "dates", "topics", "authors", "arxiv_id"} <= paper.keys()
        assert paper["url"] == f"{SITE_URL}papers/{paper['slug']}/"
        assert paper["topics"] and all(re.fullmatch(r"[a-z0-9-]+", t) for t in paper["topics"])
    topic_slugs = {t["slug"] for t in data["topics"]}
    assert all(set(p["topics"]) <= topic_slugs for p in data["papers"])
    assert all({"slug", "name", "arxiv"} <= t.keys() for t in data["topics"])
    assert HOSTILE_TITLE in {p["title"] for p in data["papers"]}


def test_sitemap_lists_every_paper_page(subpath_site):
    site, _ = subpath_site
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    for page in (site / "papers").iterdir():
        assert f"<loc>{SITE_URL}papers/{page.name}/</loc>" in sitemap


def test_paper_page_has_scholar_metadata_and_bibtex(subpath_site):
    site, _ = subpath_site
    html = (site / "papers" / HOSTILE_SLUG / "index.html").read_text("utf-8")
    escaped = "Attention: &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }} is *all* you need"
    assert f'<meta name="citation_title" content="{escaped}">' in html
    assert '<meta name="citation_publication_date" content="2025/03/14">' in html
    assert f'<meta property="og:url" content="{SITE_URL}papers/{HOSTILE_SLUG}/">' in html
    assert f'<link rel="canonical" href="{SITE_URL}papers/{HOSTILE_SLUG}/">' in html
    assert '<meta name="description" content="We study &lt;EOS&gt; tokens' in html
    assert "25–39% cost, 5.18× faster." in re.search(r'<meta name="description" content="([^"]*)"',
                                                     html).group(1)
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in ld  # nothing in it can close the script element
    data = json.loads(ld)
    assert data["@type"] == "ScholarlyArticle" and data["headline"] == HOSTILE_TITLE
    assert "@misc{" + HOSTILE_SLUG + "," in html
    assert f"url = {{{SITE_URL}papers/{HOSTILE_SLUG}/}}" in html
    assert html.count('rel="alternate feed" type="application/atom+xml"') == 1


def test_topic_pages_announce_their_feed(subpath_site):
    site, _ = subpath_site
    html = (site / "topics/llm-architecture/index.html").read_text("utf-8")
    assert '<link rel="alternate feed" type="application/atom+xml" title="Model architectures ' \
           '- Sub-path digest" href="feed.xml">' in html


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "href" or (name == "src" and tag != "iframe")):
                self.links.append(value)


def test_no_broken_internal_links_under_a_sub_path(subpath_site):
    """Crawl the served site from its home page; every internal link must resolve."""
    _, base = subpath_site
    seen, queue, broken = set(), [base], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            broken.append(f"{url} ({e.code})")
            continue
        if "text/html" not in kind:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.links:
            assert not link.lower().startswith("javascript:"), (url, link)
            target = urljoin(url, link).split("#")[0]
            if target.startswith(base):
                queue.append(target)
            elif urlsplit(target).netloc == urlsplit(base).netloc:
                broken.append(f"{url} -> {link} (outside the sub-path)")
    assert broken == []
    assert f"{base}papers/{HOSTILE_SLUG}/" in seen and f"{base}feed.xml" in seen
    assert len(seen) > 30


def test_search_works_under_a_sub_path(page, subpath_site):
    _, base = subpath_site
    page.goto(f"{base}search/?q=projektor")
    first = page.locator("#pd-search-results .pd-item__title").first
    first.wait_for(timeout=10_000)
    assert first.inner_text() == HOSTILE_TITLE
    first.click()
    page.wait_for_url(f"{base}papers/{HOSTILE_SLUG}/")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE


def test_site_url_comes_from_the_environment(tmp_path, monkeypatch):
    """The publish workflow passes GitHub Pages' address as SITE_URL."""
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    shutil.copy(FIXTURES / "exports/header-byak.txt", root / "digests/2025-03-14.txt")
    monkeypatch.setenv("SITE_URL", "https://lab.github.io/reading/")
    assert main(["build", "--project", str(root)]) == 0
    feed = feedparser.parse((root / "site/feed.xml").read_bytes())
    assert feed.entries[0].link.startswith("https://lab.github.io/reading/papers/")
    assert "<loc>https://lab.github.io/reading/papers/" in (root / "site/sitemap.xml").read_text()
