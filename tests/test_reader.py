"""A reader's tools on a site of real Daily Papers days: the reading list (save, notes,
export, share and import, across a rebuild), citations for whole listings (papers.bib,
COinS), feeds for everything (authors, feeds.opml, /feeds/), the static data API with
its JSON Schemas, and the search filters for code and organization."""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs

import bibtexparser
import feedparser
import jsonschema
import pytest
from referencing import Registry, Resource

from conftest import FIXTURES, REPO, Server, axe_serious
from generator import cite
from generator.cli import main

DAY_ONE = FIXTURES / "fetch/hf-daily-2025-06-02.json"  # 20 papers, 12 with code
DAY_TWO = FIXTURES / "reader/2026-08-18-api.json"  # 29 papers, 23 with an organization


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory):
    """A project of one real Daily Papers day, built and served; `grow()` adds a second
    day and builds again (the reading list must survive it)."""
    root = tmp_path_factory.mktemp("reader") / "project"
    assert main(["init", str(root)]) == 0
    shutil.copy(DAY_ONE, root / "digests/2025-06-02-api.json")
    config = root / "mkdocs.yml"  # one day: every author gets a page (and a feed)
    config.write_text(config.read_text().replace(
        "  - paper-digest:\n", "  - paper-digest:\n      author_min_papers: 1\n", 1))
    assert "author_min_papers: 1" in config.read_text()
    assert main(["build", "--project", str(root)]) == 0
    server = Server(root / "site")

    def grow():
        shutil.copy(DAY_TWO, root / "digests")
        assert main(["build", "--project", str(root)]) == 0

    server.root, server.grow = root, grow
    yield server
    server.close()


def _site(server) -> Path:
    return server.root / "site"


def _papers(server) -> dict[str, dict]:
    return {p["slug"]: p for p in json.loads((_site(server) / "papers.json").read_text())["papers"]}


def _bib(text: str) -> list[dict]:
    return bibtexparser.loads(text, parser=bibtexparser.bparser.BibTexParser(
        common_strings=True)).entries


# --- citations for whole listings, feeds, the data API (built files) -------------------


@pytest.mark.build
def test_every_listing_has_its_papers_bib_and_links_it(reader_site):
    site = _site(reader_site)
    day = json.loads((site / "api/dates/2025-06-02.json").read_text())
    entries = _bib((site / "dates/2025-06-02/papers.bib").read_text("utf-8"))
    assert len(entries) == day["count"] == 20
    assert [e["eprint"] for e in entries] == [p["arxiv_id"] for p in day["papers"]]
    for listing in ("dates/2025-06-02", "dates/2025-W23", "dates/2025-06", "dates/2025"):
        text = (site / listing / "index.html").read_text("utf-8")
        assert 'href="papers.bib"' in text or f'{listing}/papers.bib"' in text, listing
        assert len(_bib((site / listing / "papers.bib").read_text("utf-8"))) == 20
    for topic in json.loads((site / "papers.json").read_text())["topics"]:
        members = [p for p in _papers(reader_site).values() if topic["slug"] in p["topics"]]
        entries = _bib((site / f"topics/{topic['slug']}/papers.bib").read_text("utf-8"))
        assert len(entries) == len(members) > 0


@pytest.mark.build
def test_listings_carry_one_coins_per_paper(reader_site):
    site = _site(reader_site)
    page = (site / "dates/2025-06-02/index.html").read_text("utf-8")
    spans = re.findall(r'<span class="Z3988" title="([^"]*)"></span>', page)
    assert len(spans) == 20
    first = parse_qs(html.unescape(spans[0]))
    day = json.loads((site / "api/dates/2025-06-02.json").read_text())
    assert first["rft_id"][0] == f"info:arxiv/{day['papers'][0]['arxiv_id']}"
    assert first["rft.au"] == day["papers"][0]["authors"][:cite.COINS_AUTHORS]
    # A week page lists its top papers again above its days: still one span per paper.
    week = (site / "dates/2025-W23/index.html").read_text("utf-8")
    assert week.count('class="Z3988"') == 20


@pytest.mark.build
def test_every_author_page_has_a_feed(reader_site):
    site = _site(reader_site)
    authors = [p for p in (site / "authors").iterdir() if (p / "index.html").is_file()]
    assert authors
    for folder in authors:
        feed = feedparser.parse((folder / "feed.xml").read_text("utf-8"))
        assert not feed.bozo, folder
        page = (folder / "index.html").read_text("utf-8")
        assert len(feed.entries) == len(re.findall(r'class="pd-item"', page))
        # Discoverable: a feed reader finds it from the page's head, a reader from its link.
        assert re.search(r'<link rel="alternate feed" type="application/atom\+xml" '
                         r'title="[^"]+" href="feed.xml">', page)
        assert f'href="../../authors/{folder.name}/feed.xml"' in page


@pytest.mark.build
def test_feeds_opml_bundles_every_feed_of_the_site(reader_site):
    site = _site(reader_site)
    outlines = ET.parse(site / "feeds.opml").getroot().iter("outline")
    urls = sorted(o.get("xmlUrl") for o in outlines if o.get("xmlUrl"))
    on_disk = sorted(str(p.relative_to(site)) for p in site.rglob("*.xml")
                     if p.name in ("feed.xml", "weekly.xml", "monthly.xml"))
    assert urls == on_disk
    page = (site / "feeds/index.html").read_text("utf-8")
    for url in urls:  # /feeds/ lists each, with its address to copy
        assert f'data-copy="../{url}"' in page, url


def _validators():
    schemas = {name: json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
               for name in ("paper", "day")}
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return {name: jsonschema.Draft202012Validator(s, registry=registry)
            for name, s in schemas.items()}


@pytest.mark.build
def test_the_data_api_follows_its_schemas(reader_site):
    site, validators = _site(reader_site), _validators()
    papers = _papers(reader_site)
    files = sorted((site / "api/papers").glob("*.json"))
    assert [f.stem for f in files] == sorted(papers)
    for file in files:
        data = json.loads(file.read_text())
        validators["paper"].validate(data)
        listed = papers[data["slug"]]
        assert {k: v for k, v in data.items() if k in listed} | {"url": listed["url"]} == listed
        assert (file.parent / data["url"]).resolve() == (site / f"papers/{data['slug']}").resolve()
        for other in data["related"]:
            assert other["slug"] in papers
    for file in (site / "api/dates").glob("*.json"):
        validators["day"].validate(json.loads(file.read_text()))
    # The schemas say something: a paper without its citations is refused.
    broken = json.loads(files[0].read_text())
    del broken["bibtex"]
    with pytest.raises(jsonschema.ValidationError):
        validators["paper"].validate(broken)


# --- the reading list in the browser ---------------------------------------------------


def _saved(page) -> list[str]:
    return page.evaluate("window.pdReadingList.all().map(e => e.slug)")


def _wait_saved(page, n: int) -> None:
    page.wait_for_function(
        f"window.pdReadingList.all().filter(e => e.data && e.data.bibtex).length === {n}")


def _download(page, button: str) -> str:
    with page.expect_download() as info:
        page.locator(f'button[data-export="{button}"]').click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text("utf-8")


def test_save_list_note_export_share_and_a_rebuild(browser, reader_site):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    external = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "blob:", "data:"))
            else external.append(r.url))
    try:
        url = reader_site.url
        # From a day's listing: the first two papers, by mouse and by keyboard.
        page.goto(f"{url}/dates/2025-06-02/")
        buttons = page.locator(".pd-item button[data-save]")
        first, second = buttons.nth(0), buttons.nth(1)
        slugs = [first.get_attribute("data-save"), second.get_attribute("data-save")]
        assert first.get_attribute("aria-pressed") == "false"
        first.click()
        second.focus()
        page.keyboard.press("Enter")
        assert first.get_attribute("aria-pressed") == "true"
        assert second.get_attribute("aria-pressed") == "true"
        box = first.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24
        _wait_saved(page, 2)
        # From a search result, and from a paper page.
        papers = _papers(reader_site)
        third = next(s for s in papers if s not in slugs)
        page.goto(f"{url}/search/?q={' '.join(papers[third]['title'].split()[:6])}")
        result = page.locator(f'#pd-search-results button[data-save="{third}"]')
        result.click()
        assert result.get_attribute("aria-pressed") == "true"
        # A saved paper's data (its BibTeX and all) is fetched once it is saved; leaving
        # the page before it arrives would leave the fetch to the reading list page.
        _wait_saved(page, 3)
        fourth = next(s for s in papers if s not in slugs + [third])
        page.goto(f"{url}/papers/{fourth}/")
        page.locator(f'.pd-paper button[data-save="{fourth}"]').click()
        _wait_saved(page, 4)
        assert _saved(page) == [fourth, third, *reversed(slugs)]  # newest first

        # The list page: titles, authors, dates, topics; a note that stays.
        page.goto(f"{url}/reading-list/")
        items = page.locator("#pd-reading-items > li")
        assert items.count() == 4
        titles = items.locator(".pd-item__title").all_inner_texts()
        assert titles == [papers[s]["title"] for s in [fourth, third, *reversed(slugs)]]
        first_item = items.first
        assert first_item.locator(".pd-item__authors").inner_text().startswith(
            papers[fourth]["authors"][0])
        assert "Featured on" in first_item.locator(".pd-item__date").inner_text()
        assert first_item.locator(".pd-chip").count() == len(papers[fourth]["topics"])
        page.get_by_label(re.compile(r"^Note on")).first.fill("Read the ablations first.")
        assert "4 papers saved" in page.locator("#pd-reading-status").inner_text()

        # Export: BibTeX, RIS and CSL-JSON, named for the site and the day.
        name, text = _download(page, "bibtex")
        assert re.fullmatch(r"project-digest-reading-list-\d{4}-\d{2}-\d{2}\.bib", name)
        entries = _bib(text)
        assert [e["eprint"] for e in entries] == [
            papers[s]["arxiv_id"] for s in [fourth, third, *reversed(slugs)]]
        name, text = _download(page, "ris")
        assert name.endswith(".ris")
        records = [r for r in text.split("ER  - \n") if r.strip()]
        assert len(records) == 4 and all(r.startswith("TY  - PREPRINT\n") for r in records)
        assert [re.search(r"^TI  - (.*)$", r, re.M).group(1) for r in records] == [
            e["title"].strip("{}") for e in entries]
        name, text = _download(page, "csl")
        assert name.endswith(".json")
        items_csl = json.loads(text)
        assert [i["id"] for i in items_csl] == [e["ID"] for e in entries]
        assert all(i["author"] and i["issued"]["date-parts"] for i in items_csl)

        # Share: the link lists the slugs; another browser opens it and imports.
        share = page.locator("#pd-reading-share").input_value()
        assert share.endswith("/reading-list/?papers=" + ",".join(
            [fourth, third, *reversed(slugs)]))

        # A rebuild with a new day: the list, its notes and every saved page survive.
        reader_site.grow()
        page.reload()
        assert page.locator("#pd-reading-items > li").count() == 4
        assert page.get_by_label(re.compile(r"^Note on")).first.input_value() == \
            "Read the ablations first."
        page.goto(f"{url}/dates/2025-06-02/")
        assert page.locator(f'button[data-save="{slugs[0]}"]').get_attribute("aria-pressed") == "true"
        # Offline (the papers' data cannot be fetched): the list shows what it kept.
        page.route("**/api/**", lambda route: route.abort())
        page.goto(f"{url}/reading-list/")
        assert page.locator("#pd-reading-items .pd-item__title").all_inner_texts() == titles
        page.unroute("**/api/**")

        other = browser.new_context()
        try:
            friend = other.new_page()
            friend.goto(share)
            shared = friend.locator("#pd-shared-items > li")
            shared.nth(3).wait_for()
            assert shared.locator(".pd-item__title").all_inner_texts() == titles
            assert "4 papers in this shared list" in friend.locator("#pd-shared-status").inner_text()
            assert friend.locator("#pd-reading-items > li").count() == 0
            friend.locator("#pd-shared-add").click()
            friend.wait_for_function("window.pdReadingList.all().length === 4")
            assert _saved(friend) == [fourth, third, *reversed(slugs)]
            assert friend.locator("#pd-reading-items > li").count() == 4
            assert friend.locator("#pd-shared-add").is_hidden()
        finally:
            other.close()

        # Remove one, then clear (after the reader confirms).
        page.goto(f"{url}/reading-list/")
        page.get_by_role("button", name=re.compile(r"^Remove .*from the reading list")).first.click()
        assert page.locator("#pd-reading-items > li").count() == 3
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#pd-reading-clear").click()
        assert page.locator("#pd-reading-items > li").count() == 0
        assert _saved(page) == []
        assert page.evaluate("document.cookie") == ""
        assert external == []
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_filled_reading_list_and_the_feeds_page_pass_axe(browser, reader_site, scheme):
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        slugs = sorted(_papers(reader_site))[:5]
        page.goto(f"{reader_site.url}/reading-list/?papers={','.join(slugs)}")
        page.locator("#pd-shared-items > li").nth(4).wait_for()
        page.locator("#pd-shared-add").click()
        page.wait_for_function("window.pdReadingList.all().length === 5")
        assert axe_serious(page) == []
        page.goto(f"{reader_site.url}/feeds/")
        assert axe_serious(page) == []
        page.goto(f"{reader_site.url}/dates/2025-06-02/")
        page.locator("button[data-save]").first.click()
        assert axe_serious(page) == []
    finally:
        context.close()


def test_search_filters_by_code_and_organization(page, reader_site):
    reader_site_papers = _papers(reader_site)
    if not any(p["organization"] for p in reader_site_papers.values()):
        reader_site.grow()  # the second day names organizations
        reader_site_papers = _papers(reader_site)
    with_code = sum(1 for p in reader_site_papers.values() if p["code"])
    page.goto(f"{reader_site.url}/search/?code=yes")
    status = page.locator("#pd-search-status")
    status.filter(has_text="found").wait_for()
    assert status.inner_text() == f"{with_code} papers found."
    assert page.locator("#pd-search-code").is_checked()
    orgs = {}
    for p in reader_site_papers.values():
        if p["organization"]:
            orgs[p["organization"]] = orgs.get(p["organization"], 0) + 1
    org, count = max(orgs.items(), key=lambda o: (o[1], o[0]))
    options = page.locator("#pd-search-orgs option").evaluate_all("os => os.map(o => o.value)")
    assert org in options and len(options) == len(orgs)
    page.goto(f"{reader_site.url}/search/?org={org}")
    status.filter(has_text="found").wait_for()
    assert status.inner_text() == f"{count} paper{'' if count == 1 else 's'} found."


# --- search as researchers use it, and long author lists ----------------------------


def _results(page) -> list[str]:
    """The titles of the first page of results, once they are all in."""
    page.locator("#pd-search-status").filter(has_text="found").wait_for()
    total = int(page.locator("#pd-search-status").inner_text().split()[0])
    page.locator("#pd-search-results .pd-item").nth(min(total, 20) - 1).wait_for()
    return page.locator("#pd-search-results .pd-item__title").all_inner_texts()


def test_an_arxiv_id_finds_its_paper_with_or_without_version_and_prefix(page, reader_site):
    papers = list(_papers(reader_site).values())
    paper = papers[len(papers) // 2]
    for query in (paper["arxiv_id"], f"arXiv:{paper['arxiv_id']}v2", f"{paper['arxiv_id']}v1"):
        page.goto(f"{reader_site.url}/search/?q={query}")
        assert _results(page)[0] == paper["title"], query


def test_sort_by_upvotes_and_the_months_of_the_chosen_year(page, reader_site):
    papers = _papers(reader_site)
    page.goto(f"{reader_site.url}/search/?q=model&sort=upvotes")
    titles = _results(page)
    upvotes = {p["title"]: p["upvotes"] for p in papers.values()}
    shown = [upvotes[t] for t in titles]
    assert len(shown) > 5 and shown == sorted(shown, reverse=True)
    if len({p["dates"][0][:4] for p in papers.values()}) > 1:
        page.select_option("#pd-search-year", "2025")
        months = page.locator("#pd-search-month option:not([hidden])").evaluate_all(
            "os => os.map(o => o.value)")
        assert months == ["", "2025-06"]


@pytest.mark.build
def test_a_long_author_list_is_collapsed_and_the_footer_names_no_theme(reader_site):
    site = _site(reader_site)
    paper = max(_papers(reader_site).values(), key=lambda p: len(p["authors"]))
    assert len(paper["authors"]) > 10
    text = (site / f"papers/{paper['slug']}/index.html").read_text("utf-8")
    shown, rest = re.search(r'<div class="pd-paper__authors"><p>(.*?)</p><details class='
                            r'"pd-paper__more"><summary>Show all (\d+) authors</summary>',
                            text).groups()
    assert shown.count(", ") == 10 and rest == str(len(paper["authors"]))
    assert all(name in text for name in paper["authors"])
    assert "Made with" not in text and "squidfunk" not in text


# --- the search page as a researcher meets it ----------------------------------------


def test_author_search_ignores_case_and_accents_and_suggests_names(page, reader_site):
    papers = list(_papers(reader_site).values())
    counts: dict[str, int] = {}
    for p in papers:
        for name in p["authors"]:
            counts[name] = counts.get(name, 0) + 1
    name = max((n for n in counts if " " in n and n.isascii()),
               key=lambda n: (counts[n], n))
    status = page.locator("#pd-search-status")
    first, last = name.split(" ", 1)
    accented = first[0] + {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü"}.get(
        first[1].lower(), first[1]) + first[2:]
    for typed in (name, name.lower(), f"{accented.upper()} {last.lower()}"):
        page.goto(f"{reader_site.url}/search/?author={typed}")
        status.filter(has_text="found").wait_for()
        assert status.inner_text() == (
            f"{counts[name]} paper{'' if counts[name] == 1 else 's'} found."), typed
    page.fill("#pd-search-author", "")
    page.locator("#pd-search-author").press_sequentially(last.lower()[:4])
    page.wait_for_function(
        "n => [...document.querySelectorAll('#pd-search-authors option')].some(o => o.value === n)",
        arg=name)
    suggested = page.locator("#pd-search-authors option").evaluate_all("os => os.map(o => o.value)")
    assert all(any(part.lower().startswith(last.lower()[:4]) for part in s.split()) for s in suggested)


def test_a_typo_is_offered_its_near_match(page, reader_site):
    """The most frequent long title word, one letter dropped ("difusion"), is offered
    back; the word itself is not questioned."""
    words = [w for f in (_site(reader_site) / "api/words").glob("*.json")
             for w in json.loads(f.read_text())["words"]]
    word = max((w for w, n in words if len(w) >= 7 and n >= 5), key=lambda w: (
        dict(words)[w], w))
    typo = word[:3] + word[4:]
    assert typo not in dict(words)
    page.goto(f"{reader_site.url}/search/?q={typo}")
    hint = page.locator(".pd-search__hint a")
    hint.wait_for()
    assert hint.inner_text() == word
    hint.click()
    assert f"q={word}" in page.url
    titles = _results(page)
    assert sum(word in t.lower() for t in titles) >= 5
    page.goto(f"{reader_site.url}/search/?q={word}")
    _results(page)
    page.wait_for_timeout(300)  # the check for typos runs after the results
    assert page.locator(".pd-search__hint").inner_text() == ""


def test_focus_moves_to_the_announced_summary_and_ties_go_by_upvotes(page, reader_site):
    page.goto(f"{reader_site.url}/search/")
    assert page.evaluate("document.activeElement.id") == "pd-search-q"
    page.fill("#pd-search-q", "model")
    page.press("#pd-search-q", "Enter")
    status = page.locator("#pd-search-status")
    status.filter(has_text="found").wait_for()
    assert page.evaluate("document.activeElement.id") == "pd-search-status"
    assert status.get_attribute("role") == "status"
    page.locator("#pd-search-results .pd-item").first.wait_for()  # results come after
    page.keyboard.press("Tab")  # the next stop is the first result, not the form again
    assert page.evaluate("document.activeElement.closest('#pd-search-results') !== null")
    # A topic alone ranks all its papers the same: the most upvoted come first.
    papers = _papers(reader_site)
    topic = max(json.loads((_site(reader_site) / "papers.json").read_text())["topics"],
                key=lambda t: sum(t["slug"] in p["topics"] for p in papers.values()))
    page.goto(f"{reader_site.url}/search/?topic={topic['name']}")
    upvotes = {p["title"]: p["upvotes"] or 0 for p in papers.values()}  # none given: 0
    shown = [upvotes[t] for t in _results(page)]
    assert len(shown) > 3 and shown == sorted(shown, reverse=True)


def test_the_search_page_does_not_shift_as_results_arrive(page, reader_site):
    page.add_init_script("""
        window.__cls = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
        }).observe({ type: "layout-shift", buffered: true });
    """)
    for query in ("model", "diffusion&sort=date", "agent&topic=none"):
        page.goto(f"{reader_site.url}/search/?q={query}")
        page.locator("#pd-search-status").filter(has_text="found").wait_for()
        page.wait_for_timeout(500)
        assert page.evaluate("window.__cls") <= 0.1, query


def test_every_page_kind_has_a_skip_link_and_named_landmarks(page, reader_site):
    site = _site(reader_site)
    slug = sorted(_papers(reader_site))[0]
    for path in ("", "search/", "dates/", "dates/2025-06-02/", "dates/2025-W23/", "dates/2025-06/",
                 "dates/2025/", "topics/", f"papers/{slug}/", "authors/", "feeds/",
                 "reading-list/", "updates/", "about/"):
        assert (site / path / "index.html").is_file(), path
        page.goto(f"{reader_site.url}/{path}")
        # From the top of the page (the search page puts the focus in its box).
        page.evaluate("document.body.tabIndex = -1; document.body.focus()")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert "md-skip" in focused, path
        target = page.evaluate("document.activeElement.getAttribute('href')")
        assert page.locator(target).count() == 1, path
        page.keyboard.press("Enter")
        assert page.evaluate(f"location.hash") == target, path
        unnamed = page.evaluate("""() => [...document.querySelectorAll('[role=search], form[role], nav, aside[role]')]
            .filter(e => !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unnamed == [], (path, unnamed)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_kind_passes_axe(browser, reader_site, scheme):
    """axe finds nothing serious or critical on a page of every kind, with real papers:
    the paper with the most authors, the topic and the author with the most papers, a
    search with results and a typo offered."""
    papers = _papers(reader_site)
    paper = max(papers.values(), key=lambda p: len(p["authors"]))
    topic = max({t for p in papers.values() for t in p["topics"]},
                key=lambda t: sum(t in p["topics"] for p in papers.values()))
    author = sorted((_site(reader_site) / "authors").glob("*/index.html"),
                    key=lambda f: -f.stat().st_size)[0].parent.name
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        for path in ("", "search/?q=model", "search/?q=difusion&author=a", "dates/",
                     "dates/2025-06-02/", "dates/2025-W23/", "dates/2025-06/", "dates/2025/",
                     "topics/", f"topics/{topic}/", f"papers/{paper['slug']}/", "authors/",
                     f"authors/{author}/", "feeds/", "reading-list/", "updates/", "about/"):
            page.goto(f"{reader_site.url}/{path}")
            if path.startswith("search/"):
                page.locator("#pd-search-status").filter(has_text="found").wait_for()
            assert axe_serious(page) == [], (scheme, path)
    finally:
        context.close()
