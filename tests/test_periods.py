"""What mattered this week: week, month and year pages ranked by upvotes, the calendar,
the home page's week, a paper's rank, the weekly and monthly feeds, sorted listings."""

from __future__ import annotations

import datetime as dt
import json
import re

import frontmatter
import pytest

from conftest import Server, axe_serious
from generator import dedupe, pages
from generator.cli import main
from generator.model import Entry, Metadata, Paper, Topic
from generator.parallel import Tuning
from generator.render import Settings

import synth  # noqa: E402  (bench/, on the path by conftest)

TAXONOMY = [Topic("agents", "Agents", "Agents that act."), Topic("vision", "Vision", "Seeing.")]


def _paper(slug: str, days: list[dt.date], upvotes: int | None = None, topics=("agents",)):
    return Paper(key=slug, slug=slug, title=slug.title(), abstract="An abstract.",
                 dates=tuple(days), topics=topics, meta=Metadata(upvotes=upvotes))


def _render(papers: list[Paper]) -> dict[str, str]:
    renderer = pages.Renderer(papers, TAXONOMY, Settings(), tuning=Tuning(processes=False))
    renderer.render_listings()
    return {path: data.decode() for path, data in renderer.render_papers(papers).pages.items()}


def _listed(page: str, section: str) -> list[str]:
    """The paper slugs a page lists under one of its headings, in order."""
    body = frontmatter.loads(page).content
    part = body[body.index(f'id="{section}"'):]
    part = part[:part.index("</ol>")]
    return re.findall(r'href="[./]*papers/([a-z0-9-]+)/"', part)


def test_a_week_is_ranked_by_the_digests_upvotes():
    monday = dt.date(2026, 8, 17)  # 2026-W34
    papers = [_paper(f"p{i}", [monday + dt.timedelta(days=i % 7)], upvotes=u)
              for i, u in enumerate([5, 80, 13, 79, 2, 41, 0])]
    out = _render(papers)
    by_upvotes = sorted(papers, key=lambda p: (-p.meta.upvotes, p.slug))
    assert _listed(out["dates/2026-W34.md"], "top") == [p.slug for p in by_upvotes]
    assert _listed(out["dates/2026-08.md"], "top") == [p.slug for p in by_upvotes]
    assert _listed(out["dates/2026.md"], "top") == [p.slug for p in by_upvotes]
    # The home page opens with the newest week's top papers.
    assert _listed(out["index.md"], "week")[:3] == [p.slug for p in by_upvotes[:3]]
    # A paper page says where it ranks.
    page = out["papers/p1.md"]
    assert '#1 of <a href="../../dates/2026-08-18/">18 August 2026</a>' in page
    assert '#1 of <a href="../../dates/2026-W34/">week 2026-W34</a>' in page
    assert '#1 of <a href="../../dates/2026-08/">August 2026</a>' in page
    assert "#4 of" in out["papers/p2.md"]  # 80, 79, 41, then its 13 in the week
    featured = out["papers/p6.md"].split('class="pd-paper__dates"')[1].split("</p>")[0]
    assert "#" not in featured  # no upvotes, no rank


def test_a_paper_shows_its_week_and_month_rank_where_it_is_in_their_top():
    """Below a period's top ten its rank would move with each paper the period gains."""
    monday = dt.date(2026, 8, 17)
    papers = [_paper(f"p{i}", [monday + dt.timedelta(days=i % 2)], upvotes=100 - i)
              for i in range(12)]
    out = _render(papers)
    tenth, last = out["papers/p9.md"], out["papers/p11.md"]
    assert "#10 of <a" in tenth and "week 2026-W34" in tenth and ">August 2026<" in tenth
    assert '#6 of <a href="../../dates/2026-08-18/">' in last  # its day's rank stays
    assert "week 2026-W34" not in last and ">August 2026<" not in last


def test_without_upvotes_days_featured_rank_then_newest():
    d = dt.date(2025, 3, 10)
    papers = [_paper("once-old", [d]), _paper("twice", [d, d + dt.timedelta(days=2)]),
              _paper("once-new", [d + dt.timedelta(days=3)])]
    out = _render(papers)
    assert _listed(out["dates/2025-W11.md"], "top") == ["twice", "once-new", "once-old"]
    assert "#1 of" not in out["papers/twice.md"]  # ranks are shown where upvotes are


def test_a_paper_featured_twice_counts_its_newest_snapshot():
    def entry(day: dt.date, upvotes: int) -> Entry:
        return Entry(title="A paper", abstract="x", date=day, source=f"{day}.json", line=1,
                     meta=Metadata(arxiv_id="2608.00001", upvotes=upvotes))

    [paper] = dedupe.merge([entry(dt.date(2026, 8, 18), 120), entry(dt.date(2026, 8, 17), 7)])
    assert paper.meta.upvotes == 120
    [paper] = dedupe.merge([entry(dt.date(2026, 8, 18), 90), entry(dt.date(2026, 8, 17), 95)])
    assert paper.meta.upvotes == 90  # the newest snapshot, not the largest


def test_periods_link_their_neighbours_and_list_every_paper_by_day():
    monday = dt.date(2026, 8, 17)
    papers = [_paper(f"w{w}d{d}", [monday + dt.timedelta(weeks=w, days=d)], upvotes=w + d)
              for w in range(3) for d in range(7)]
    out = _render(papers)
    middle = frontmatter.loads(out["dates/2026-W35.md"]).content
    assert 'rel="prev" href="../../dates/2026-W34/"' in middle
    assert 'rel="next" href="../../dates/2026-W36/"' in middle
    assert 'href="../../dates/2026-08/">August 2026</a>' in middle  # its month
    listed = re.findall(r'href="../../papers/(w1d\d)/"', middle.split('id="days"')[1])
    assert sorted(listed) == [f"w1d{d}" for d in range(7)]
    assert "Leading topics:" in middle and "Agents" in middle


def test_a_large_period_is_paginated_by_whole_days():
    start = dt.date(2025, 7, 1)
    papers = [_paper(f"p{day}-{i}", [start + dt.timedelta(days=day)])
              for day in range(31) for i in range(30)]  # an arXiv-sized month
    out = _render(papers)
    pages_of_july = sorted(p for p in out if p == "dates/2025-07.md"
                           or p.startswith("dates/2025-07/page/"))
    # Whole days of 30 papers: 6 days (180 papers) a page counted from the oldest, and
    # the first page the newest day with the 6 before it: 5 pages.
    per_page = pages.PERIOD_PER_PAGE // 30
    assert len(pages_of_july) == 31 // per_page
    listed, days = [], []
    for path in pages_of_july:
        body = frontmatter.loads(out[path]).content
        listed += re.findall(r'href="[./]*papers/(p\d+-\d+)/"', body.split('id="days"')[1])
        days.append(len(re.findall(r"<h3 ", body)))
    assert days == [per_page + 1] + [per_page] * 4
    assert sorted(listed) == sorted(p.slug for p in papers)  # each once, every one


def test_one_more_day_keeps_the_older_pages_of_a_long_period():
    """A period's pages after the first hold fixed runs of days counted from the oldest,
    and what changes with each day (counts, top papers, leading topics) is on the first
    page alone: a new day renders the first page, not the others."""
    start = dt.date(2025, 7, 1)

    def day(n: int) -> list[Paper]:
        return [_paper(f"p{n}-{i}", [start + dt.timedelta(days=n)], upvotes=n + i,
                       topics=("agents",) if n < 28 else ("vision",)) for i in range(30)]

    def render(papers, reusable):
        renderer = pages.Renderer(papers, TAXONOMY, Settings(), reusable=reusable,
                                  tuning=Tuning(processes=False))
        renderer.render_listings()
        return renderer.render_papers(papers)

    papers = [p for n in range(29) for p in day(n)]
    first = render(papers, {})
    # Numbered from the oldest: page/1/ holds the first six days.
    older = [f"dates/2025-07/page/{n}.md" for n in (1, 2, 3)]
    assert set(older) <= set(first.pages) and "dates/2025-07/page/4.md" not in first.pages
    assert "(1 July 2025 to 6 July 2025)" in first.pages["dates/2025-07/page/1.md"].decode()
    assert "Leading topics" not in first.pages[older[0]].decode()
    again = render(papers + day(29), first.keys)
    assert "dates/2025-07.md" in again.pages
    assert "870 papers on 29 days" in first.pages["dates/2025-07.md"].decode()
    assert "900 papers on 30 days" in again.pages["dates/2025-07.md"].decode()
    for path in older:
        assert path in again.kept, path
    assert render(papers + day(29), {}).keys == again.keys


def test_the_calendar_of_ten_years_is_small_and_reaches_every_day_week_and_month():
    start = dt.date(2016, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(0, 3653, 2)]
    papers = [_paper(f"p{i}", [day]) for i, day in enumerate(days)]
    out = _render(papers)
    index = frontmatter.loads(out["dates/index.md"]).content
    assert len(index.encode()) < 180_000  # the page's chrome adds about 20 KB
    linked = set(re.findall(r'href="\.\./dates/([0-9W-]+)/"', index))
    for year in range(2016, 2026):
        year_page = frontmatter.loads(out[f"dates/{year}.md"]).content
        linked |= set(re.findall(r'href="\.\./\.\./dates/([0-9W-]+)/"', year_page))
    wanted = {p.removeprefix("dates/").removesuffix(".md") for p in out
              if p.startswith("dates/") and "/page/" not in p and p.endswith(".md")
              and p != "dates/index.md"}
    assert wanted - linked == set()
    # A real table with headers; counts in text, not colour alone.
    assert '<th scope="col"><abbr title="Monday">Mo</abbr></th>' in index
    last = days[-1]
    assert (f'{last.day}<span class="pd-sr-only"> {last:%B %Y}:</span> <span class="pd-cal__n">'
            '1<span class="pd-sr-only"> paper</span>') in index  # read aloud whole


def test_topic_and_author_pages_can_be_read_by_upvotes():
    """A listing of one page is sorted in place: each item carries its place by upvotes
    (paper-digest.js reorders by it), and no second page is made."""
    d = dt.date(2026, 8, 17)
    papers = [Paper(key=f"p{i}", slug=f"p{i}", title=f"P{i}", abstract="x",
                    dates=(d + dt.timedelta(days=i),), topics=("agents",),
                    meta=Metadata(upvotes=u, authors=("Ada Lovelace",)))
              for i, u in enumerate([3, 50, 9])]
    out = _render(papers)
    for page in ("topics/agents.md", "authors/ada-lovelace.md"):
        assert re.findall(r'data-rank="(\d)"><a class="pd-item__title" href="[./]*papers/'
                          r'(p\d)/', out[page]) == [("2", "p2"), ("1", "p1"), ("3", "p0")]
        assert ('<button type="button" class="pd-sort__button" data-sort="upvotes" '
                'aria-pressed="false">Most upvoted</button>') in out[page]
    assert not [path for path in out if "/top" in path]


def test_the_authors_and_feeds_pages_list_the_authors_with_the_most_papers(monkeypatch):
    """Ranked by counts, a long list of authors moves on every page each day: /authors/
    and /feeds/ stop at pages.AUTHORS_LISTED; feeds.opml holds every feed."""
    monkeypatch.setattr(pages, "AUTHORS_LISTED", 2)
    d = dt.date(2026, 8, 17)
    names = ["Ada", "Bo", "Cy"]  # 5, 4 and 3 papers: each has a page
    papers = [Paper(key=f"p{i}", slug=f"p{i}", title=f"P{i}", abstract="x",
                    dates=(d + dt.timedelta(days=i),), topics=("agents",),
                    meta=Metadata(authors=tuple(n for j, n in enumerate(names) if i < 5 - j)))
              for i in range(5)]
    out = _render(papers)
    index = out["authors/index.md"]
    assert re.findall(r'href="../authors/(\w+)/"', index) == ["ada", "bo"]
    assert "The 2 authors with the most papers of the 3 with 3 or more papers" in index
    feeds = out["feeds/index.md"]
    assert 'data-copy="../authors/bo/feed.xml"' in feeds
    assert "authors/cy/feed.xml" not in feeds and "of the 3 with a page" in feeds
    assert "authors/cy/feed.xml" in out["feeds.opml"]


def test_a_listing_of_several_pages_has_most_upvoted_pages():
    d = dt.date(2026, 8, 17)
    papers = [Paper(key=f"p{i}", slug=f"p{i:03d}", title=f"P{i}", abstract="x",
                    dates=(d + dt.timedelta(days=i),), topics=("agents",),
                    meta=Metadata(upvotes=(i * 37) % 101))
              for i in range(2 * Settings().per_page)]
    out = _render(papers)
    best = [p.slug for p in sorted(papers, key=lambda p: (-p.meta.upvotes, -p.last_date.toordinal()))]
    assert re.findall(r'papers/(p\d+)/', out["topics/agents/top.md"]) == best[:Settings().per_page]
    assert '<span aria-current="page">Most upvoted</span>' in out["topics/agents/top.md"]
    assert 'href="../../topics/agents/top/">Most upvoted</a>' in out["topics/agents.md"]
    assert "data-rank" not in out["topics/agents.md"]  # sorted by its pages, not in place


# --- a site of synthetic Daily Papers days, built -------------------------------------


@pytest.fixture(scope="module")
def weeks_site(tmp_path_factory):
    """Three weeks of Daily Papers API days (17 papers a day, with upvotes), built."""
    tmp = tmp_path_factory.mktemp("weeks")
    root = tmp / "project"
    assert main(["init", str(root)]) == 0
    files = synth.synthetic_api(tmp / "inbox", 17 * 21, start=dt.date(2026, 8, 3))
    assert main(["add", "--project", str(root), *map(str, files)]) == 0
    assert main(["build", "--project", str(root)]) == 0
    server = Server(root / "site")
    yield root, server
    server.close()


@pytest.mark.build
def test_week_pages_stay_small_and_feeds_list_the_top_ten(weeks_site):
    import feedparser

    root, _ = weeks_site
    site = root / "site"
    weeks = sorted(p.parent.name for p in (site / "dates").glob("2026-W*/index.html"))
    assert weeks == ["2026-W32", "2026-W33", "2026-W34"]
    for week in weeks:
        assert (site / f"dates/{week}/index.html").stat().st_size < 150_000
    papers = {p["slug"]: p for p in json.loads((site / "papers.json").read_text())["papers"]}
    weekly = feedparser.parse((site / "dates/weekly.xml").read_text("utf-8"))
    assert [e.title.split(":")[0] for e in weekly.entries] == [f"Week {w}" for w in
                                                               reversed(weeks)]
    assert weekly.entries[0].summary.count("\n") == 9  # its top ten, one a line
    monthly = feedparser.parse((site / "dates/monthly.xml").read_text("utf-8"))
    assert monthly.entries[0].title.startswith("August 2026")
    page = (site / "dates/2026-W34/index.html").read_text("utf-8")
    assert 'rel="alternate feed" type="application/atom+xml"' in page and "weekly.xml" in page
    assert len(papers) == 17 * 21


@pytest.mark.build
def test_ranks_on_paper_pages_follow_the_upvotes(weeks_site):
    root, _ = weeks_site
    digests = [json.loads(p.read_text()) for p in sorted((root / "digests").glob("*.json"))]
    day = digests[-1]
    best = max(day, key=lambda e: (e["paper"]["upvotes"], ))
    slug = next(p["slug"] for p in json.loads((root / "site/papers.json").read_text())["papers"]
                if p["arxiv_id"] == best["paper"]["id"])
    html = (root / f"site/papers/{slug}/index.html").read_text("utf-8")
    assert "#1 of <a" in html


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["dates/", "dates/2026-W34/", "dates/2026/"])
def test_the_calendar_and_periods_pass_axe(browser, weeks_site, scheme, path):
    _, server = weeks_site
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/{path}")
        assert axe_serious(page) == []
    finally:
        context.close()


def test_the_calendar_works_with_the_keyboard(page, weeks_site):
    _, server = weeks_site
    page.goto(f"{server.url}/dates/")
    first_day = page.locator("a.pd-cal__day").first
    box = first_day.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # tap targets
    # Tab through the page until a day of the calendar has the focus, then follow it.
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        if "pd-cal__day" in focused:
            break
    else:
        raise AssertionError("no day of the calendar took the focus")
    name = page.evaluate("document.activeElement.textContent")
    assert re.fullmatch(r"\d+ \w+ 2026: \d+ papers?", name)  # what a screen reader says
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dates/2026-\d\d-\d\d/$"))


def test_a_listing_of_one_page_sorts_by_upvotes_in_place(page, weeks_site):
    """An author's papers on one page: "Most upvoted" (reached with the keyboard)
    reorders them by upvotes, the address keeps the order, "Newest first" restores it."""
    root, server = weeks_site
    author = next(p.parent.name for p in sorted((root / "site/authors").glob("*/index.html"))
                  if 'data-sort="upvotes"' in p.read_text("utf-8"))
    page.goto(f"{server.url}/authors/{author}/")
    items = page.locator("ol.pd-list > li")

    def shown() -> list[tuple[str, int]]:
        return [(li.locator("a.pd-item__title").get_attribute("href"),
                 int(re.search(r"(\d+) upvotes?", li.inner_text()).group(1)))
                for li in items.all()]

    newest = shown()
    assert len(newest) >= 3
    button = page.get_by_role("button", name="Most upvoted")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    box = button.bounding_box()
    assert box["height"] >= 24
    button.focus()
    page.keyboard.press("Enter")
    by_upvotes = shown()
    assert sorted(by_upvotes) == sorted(newest)
    assert [u for _, u in by_upvotes] == sorted((u for _, u in newest), reverse=True)
    assert button.get_attribute("aria-pressed") == "true"
    assert "sort=upvotes" in page.url
    assert axe_serious(page) == []
    page.reload()
    assert shown() == by_upvotes
    page.get_by_role("button", name="Newest first").click()
    assert shown() == newest and "sort=" not in page.url


def test_one_more_day_renders_only_the_pages_it_touches():
    """The pages whose inputs did not change are not rendered again: one more day
    renders its own page, the day before it (its next link), its week, month and year,
    and the pages that list the newest papers, not the other weeks, months or days."""
    monday = dt.date(2026, 8, 3)
    papers = [_paper(f"p{d}-{i}", [monday + dt.timedelta(days=d)], upvotes=d * 10 + i)
              for d in range(21) for i in range(3)]

    def render(papers, reusable):
        renderer = pages.Renderer(papers, TAXONOMY, Settings(), reusable=reusable,
                                  tuning=Tuning(processes=False))
        renderer.render_listings()
        return renderer.render_papers(papers)

    first = render(papers, {})
    assert not first.kept
    new_day = monday + dt.timedelta(days=21)  # Monday of 2026-W35, still August
    more = papers + [_paper(f"new-{i}", [new_day], upvotes=i) for i in range(3)]
    again = render(more, first.keys)
    rendered = {p for p in again.pages if p.endswith(".md")}
    assert {"dates/2026-W35.md", "dates/2026-08.md", "dates/2026.md",
            f"dates/{new_day}.md", "dates/2026-08-23.md", "dates/index.md",
            "index.md"} <= rendered
    for untouched in ("dates/2026-W32.md", "dates/2026-W33.md", "dates/2026-08-10.md",
                      "papers/p0-0.md"):
        assert untouched not in rendered and untouched in again.kept, untouched
    # What is kept is what would be rendered: the keys are those of a fresh render.
    assert render(more, {}).keys == again.keys


def test_one_more_paper_renders_only_the_first_page_of_a_topic_or_author():
    """Newest first, the pages after the first hold fixed runs counted from the oldest
    paper: a new paper changes the first page, which shows the count and the chart, and
    the older pages are kept. The most upvoted stop after pages.TOP_PAGES pages and
    link the search, which ranks them all."""
    start = dt.date(2026, 8, 3)
    settings = Settings(per_page=5)

    def paper(i: int) -> Paper:
        # The newest paper brings a second topic: the topic's related topics change.
        return Paper(key=f"p{i}", slug=f"p{i}", title=f"P{i}", abstract="x",
                     dates=(start + dt.timedelta(days=i),),
                     topics=("agents",) if i < 23 else ("agents", "vision"),
                     meta=Metadata(upvotes=i % 7, authors=("Ada Lovelace",)))

    def render(papers, reusable):
        renderer = pages.Renderer(papers, TAXONOMY, settings, reusable=reusable,
                                  tuning=Tuning(processes=False))
        renderer.render_listings()
        return renderer.render_papers(papers)

    papers = [paper(i) for i in range(23)]
    first = render(papers, {})
    # 23 papers: the first page has the newest 8, then three pages of 5 numbered from
    # the oldest: page/1/ holds p0 to p4, newest first.
    assert re.findall(r'papers/(p\d+)/', first.pages["topics/agents.md"].decode())[:8] == [
        f"p{i}" for i in range(22, 14, -1)]
    oldest = first.pages["topics/agents/page/1.md"].decode()
    assert re.findall(r'papers/(p\d+)/', oldest) == [f"p{i}" for i in range(4, -1, -1)]
    assert "Papers 1 to 5, counted from the oldest" in oldest
    assert re.findall(r'<nav class="pd-pages".*?</nav>', oldest) == [
        '<nav class="pd-pages" aria-label="Pages"><a href="../../../../topics/agents/">Newest</a>'
        '<a href="../../../../topics/agents/page/2/">Newer</a></nav>']
    assert "topics/agents/page/4.md" not in first.pages
    assert "23 papers</p>" in first.pages["topics/agents.md"].decode()
    assert ('href="../../topics/agents/page/3/">Older</a>'
            '<a href="../../topics/agents/page/1/">Oldest') \
        in first.pages["topics/agents.md"].decode()
    top = sorted(p for p in first.pages if p.startswith("topics/agents/top"))
    assert len(top) == pages.TOP_PAGES
    shown = 5 * pages.TOP_PAGES
    search = "../" * (1 + top[-1].count("/")) + "search/?topic=Agents&amp;sort=upvotes"
    assert (f'These are the {shown} most upvoted. <a href="{search}">'
            in first.pages[top[-1]].decode())

    again = render(papers + [paper(23)], first.keys)
    for kind in ("topics/agents", "authors/ada-lovelace"):
        assert f"{kind}.md" in again.pages
        for n in (1, 2, 3):
            assert f"{kind}/page/{n}.md" in again.kept, (kind, n)
        # p23 has 2 upvotes, not among the top 5: the most upvoted page stays too.
        assert f"{kind}/top.md" in again.kept, kind
    assert "24 papers</p>" in again.pages["topics/agents.md"].decode()
    assert "Related topics" in again.pages["topics/agents.md"].decode()
    assert render(papers + [paper(23)], {}).keys == again.keys

    # A run that fills makes page/4/ of p15 to p19; of the older pages only page/3/
    # changes (its newer page is page/4/, no longer the first).
    filled = render(papers + [paper(23), paper(24)], again.keys)
    for kind in ("topics/agents", "authors/ada-lovelace"):
        assert {f"{kind}/page/1.md", f"{kind}/page/2.md"} <= filled.kept, kind
        assert f"{kind}/page/3.md" in filled.pages and f"{kind}/page/4.md" in filled.pages
    newest_older = filled.pages["topics/agents/page/4.md"].decode()
    assert re.findall(r'papers/(p\d+)/', newest_older) == [f"p{i}" for i in range(19, 14, -1)]
    assert 'href="../../../../topics/agents/page/1/">Oldest' in newest_older
    assert 'page/4/">Newer' in filled.pages["topics/agents/page/3.md"].decode()
    assert render(papers + [paper(23), paper(24)], {}).keys == filled.keys


def test_an_authors_pages_are_kept_as_a_group_while_the_author_and_papers_stay():
    """An author's pages are one group (Output.group): when the author's papers are
    those they were made from and every page is as written, they are kept with their
    keys, which are not made again (tens of thousands of authors a build); a page
    missing makes the author's pages again, each by its own key."""
    start = dt.date(2026, 8, 3)

    def paper(i: int, author: str) -> Paper:
        return Paper(key=f"{author}{i}", slug=f"{author}{i}", title=f"P {author} {i}",
                     abstract="x", dates=(start + dt.timedelta(days=i),), topics=("agents",),
                     meta=Metadata(upvotes=i, authors=(author,)))

    def render(papers, reusable):
        renderer = pages.Renderer(papers, TAXONOMY, Settings(per_page=5),
                                  reusable=reusable, tuning=Tuning(processes=False))
        renderer.render_listings()
        return renderer.render_papers(papers)

    papers = [paper(i, "Ada") for i in range(12)] + [paper(i, "Bea") for i in range(3)]
    first = render(papers, {})
    ada = sorted(p for p in first.keys if p.startswith("authors/ada") and p.endswith(".md"))
    assert ada == ["authors/ada.md", "authors/ada/page/1.md", "authors/ada/top.md"]
    # Keys as no render would make them: kept as they are, the group was not remade.
    marked = dict(first.keys) | {path: "kept as a group" for path in ada}
    again = render(papers + [paper(12, "Bea")], marked)
    assert all(again.keys[path] == "kept as a group" for path in ada)
    assert set(ada) <= again.kept
    assert "authors/bea.md" in again.pages  # Bea's papers changed
    # A page of the group not as written: the group is made again, by each page's key.
    del marked["authors/ada/page/1.md"]
    remade = render(papers + [paper(12, "Bea")], marked)
    assert "authors/ada/page/1.md" in remade.pages
    assert all(remade.keys[path] == first.keys[path] for path in ada)
    assert remade.keys == render(papers + [paper(12, "Bea")], {}).keys


def test_a_paper_page_stays_when_only_its_related_papers_own_related_papers_change():
    """A paper page names its related papers by title: a related paper that gains other
    related papers (every new day moves some) leaves the page as it was."""
    import dataclasses

    day = dt.date(2026, 8, 3)
    papers = [_paper(slug, [day]) for slug in ("a", "b", "c")]

    def render(related: dict[str, tuple[str, ...]], reusable):
        renderer = pages.Renderer(papers, TAXONOMY, Settings(), reusable=reusable,
                                  tuning=Tuning(processes=False))
        renderer.render_listings()
        return renderer.render_papers(
            [dataclasses.replace(p, related=related[p.slug]) for p in papers])

    first = render({"a": ("b",), "b": ("a",), "c": ()}, {})
    again = render({"a": ("b",), "b": ("c",), "c": ("b",)}, first.keys)
    assert "papers/a.md" in again.kept
    assert {"papers/b.md", "papers/c.md"} <= set(again.pages)
    assert 'papers/c/">C</a>' in again.pages["papers/b.md"].decode()
