"""The kinds of page the site has, in one registry, and the site index they are made from.

Each kind declares its URL, where its Markdown goes in docs_dir, its template, what it
lists and how it paginates, and the builder that makes its pages from the `SiteIndex`
(papers by day, ISO week, month, year, topic and author, built once per build). What
else knows about pages derives from `KINDS`: the folders `generate` owns and prunes
(`generated_folders`), the ones the incremental build hard-links, the folders the
plugin keeps out of the nav, and the URL table in DEVELOPERS.md (a test holds the two
together).

Adding a page kind: one builder here, one template in templates/, a line in `KINDS`,
and its tests.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import chain
from operator import itemgetter
from pathlib import Path

from generator import cite, feeds
from generator.cache import compiled_templates, key
from generator.model import Paper, Topic
from generator.normalize import math_as_text
from generator.parallel import DEFAULT, Tuning, Worker
from generator.render import (Output, Pager, Settings, author_slugs, bucket_of, excerpt,
                              long_date, paper_links, search_path, sparkline_svg,
                              template_env, templates_fingerprint, time_axis, trend_svg)

# --- the site index ---------------------------------------------------------------------


def iso_week(day: dt.date) -> str:
    """2026-W34: ISO weeks run Monday to Sunday, as the Daily Papers writes them."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class SiteIndex:
    """The papers shown, indexed every way a page lists them. Built once per build and
    handed to every page kind; listings within a key keep the order given here."""

    papers: list[Paper]  # newest first
    taxonomy: list[Topic]
    settings: Settings
    fetches: dict = field(default_factory=dict)  # the record of fetches (fetch.py)
    topics: dict[str, Topic] = field(init=False)
    by_slug: dict[str, Paper] = field(init=False)
    by_day: dict[dt.date, list[Paper]] = field(init=False)  # in each digest's order
    days: list[dt.date] = field(init=False)  # oldest first
    by_week: dict[str, list[Paper]] = field(init=False)  # "2026-W34"
    by_month: dict[str, list[Paper]] = field(init=False)  # "2026-08"
    by_year: dict[int, list[Paper]] = field(init=False)
    by_topic: dict[str, list[Paper]] = field(init=False)  # newest first
    author_pages: dict[str, str] = field(init=False)  # {name: slug} of authors with pages
    by_author: dict[str, list[Paper]] = field(init=False)  # newest first
    periods: dict[str, list[Period]] = field(init=False)  # {"year"|"month"|"week": oldest first}
    _period_by_key: dict = field(init=False, repr=False)
    _ranks: dict = field(init=False, repr=False)
    unit: str = field(init=False)  # the trend charts' buckets: "week" or "month"
    axis: list[dt.date] = field(init=False)

    def __post_init__(self):
        self.topics = {t.slug: t for t in self.taxonomy}
        self.by_slug = {p.slug: p for p in self.papers}
        self.by_day = defaultdict(list)
        self.by_topic = defaultdict(list)
        for paper in self.papers:
            for day in paper.dates:
                self.by_day[day].append(paper)
        for day, listing in self.by_day.items():
            listing.sort(key=lambda p: (p.place_on(day), p.slug))  # the digest's order
        self.days = sorted(self.by_day)
        # Each period's papers from its days' (its key once per day, not per paper and
        # day); a paper featured on several days of a period is in it once. Their order
        # is ranked()'s, in _periods.
        periods: dict[str, dict] = {"week": defaultdict(dict), "month": defaultdict(dict),
                                    "year": defaultdict(dict)}
        for day in self.days:
            for name, period in (("week", iso_week(day)), ("month", month_key(day)),
                                 ("year", day.year)):
                periods[name][period].update(dict.fromkeys(self.by_day[day]))
        self.by_week, self.by_month, self.by_year = (
            {period: list(papers) for period, papers in periods[name].items()}
            for name in ("week", "month", "year"))
        self.periods = {kind: self._periods(kind, index) for kind, index in (
            ("year", self.by_year), ("month", self.by_month), ("week", self.by_week))}
        self._period_by_key = {(p.kind, p.key): p for ps in self.periods.values() for p in ps}
        self._ranks: dict[tuple[str, str], dict[str, int]] = {}
        self.unit, self.axis = time_axis(self.days)
        self.author_pages = author_slugs(self.papers, self.settings.author_min_papers)
        self.by_author = defaultdict(list)
        # Sorted once here, not once per topic and author (tens of thousands of sorts).
        for paper in _newest_first(self.papers):
            for slug in paper.topics:
                self.by_topic[slug].append(paper)
            for name in paper.authors:
                if name in self.author_pages:
                    self.by_author[name].append(paper)

    def _periods(self, kind: str, index: dict) -> list[Period]:
        of = {"year": lambda d: d.year, "month": month_key, "week": iso_week}[kind]
        days: dict = defaultdict(list)
        for day in self.days:
            days[of(day)].append(day)
        return [Period(kind, str(key), tuple(days[key]), tuple(ranked(index[key], set(days[key]))))
                for key in sorted(days, key=lambda k: days[k][0])]

    def ranks(self, paper: Paper) -> list[tuple[str, str, int]]:
        """Where a paper with upvotes ranks in the day it was first featured, and in that
        day's week and month where it is among their top papers (the list their pages
        open with): [(label, page path from the root, rank)]; none without upvotes.

        Below the top, a week's or a month's rank would move with every paper the period
        gains, and so would the page of every paper below it, each day of the period."""
        if not paper.meta.upvotes:
            return []
        day = paper.first_date
        out = [(long_date(day), f"dates/{day.isoformat()}/",
                self._rank_in(("day", day.isoformat()), paper.slug))]
        for kind, name in (("week", iso_week(day)), ("month", month_key(day))):
            rank = self._rank_in((kind, name), paper.slug)
            if rank <= TOP_OF_PERIOD:
                label = self.period(kind, name).title if kind == "month" else f"week {name}"
                out.append((label, f"dates/{name}/", rank))
        return out

    def rank_key(self, paper: Paper) -> tuple[int, ...]:
        """What ranks() says of a paper beyond its first day (which its fingerprint
        has): its ranks, those below a period's top as 0. A key's input, made for every
        paper page each build without ranks()' labels."""
        if not paper.meta.upvotes:
            return ()
        day, week, month = self._keys_of_day[paper.first_date]
        in_week, in_month = (self._rank_in(where, paper.slug) for where in (week, month))
        return (self._rank_in(day, paper.slug), in_week if in_week <= TOP_OF_PERIOD else 0,
                in_month if in_month <= TOP_OF_PERIOD else 0)

    @cached_property
    def _keys_of_day(self) -> dict[dt.date, tuple[tuple[str, str], ...]]:
        """{day: where it is ranked in, for _rank_in: the day, its week, its month}."""
        return {day: (("day", day.isoformat()), ("week", iso_week(day)),
                      ("month", month_key(day))) for day in self.days}

    def _rank_in(self, where: tuple[str, str], slug: str) -> int:
        if where not in self._ranks:
            kind, key = where
            papers = ranked(self.by_day[dt.date.fromisoformat(key)]) if kind == "day" \
                else self.period(kind, key).papers
            self._ranks[where] = {p.slug: i for i, p in enumerate(papers, 1)}
        return self._ranks[where][slug]

    def period(self, kind: str, key: str) -> Period | None:
        return self._period_by_key.get((kind, key))

    def with_related(self, papers: list[Paper]) -> SiteIndex:
        """The same index over the papers as the related-papers stage gave them back
        (only their `related` differs), for the kinds that show related papers."""
        site = copy.copy(self)
        site.papers, site.by_slug = papers, {p.slug: p for p in papers}
        return site

    @cached_property
    def authors_by_papers(self) -> list[tuple[str, str, int]]:
        """(name, page slug, papers) of the authors with pages, most papers first (sorted
        once: /authors/, /feeds/ and feeds.opml each list them)."""
        return sorted(((name, slug, len(self.by_author[name]))
                       for name, slug in self.author_pages.items()),
                      key=lambda a: (-a[2], a[0].casefold(), a[1]))

    @property
    def shown_topics(self) -> list[Topic]:
        """The taxonomy's topics that have papers: an empty topic appears nowhere."""
        return [t for t in self.taxonomy if self.by_topic.get(t.slug)]

    def topics_of(self, paper: Paper) -> list[Topic]:
        return [self.topics[s] for s in paper.topics if s in self.topics]

    def series(self, papers: list[Paper]) -> list[int]:
        """Papers per bucket of the time axis, by the day each was first featured."""
        per = Counter(bucket_of(p.first_date, self.unit) for p in papers)
        return [per.get(start, 0) for start in self.axis]


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def ranked(papers, days=None) -> list[Paper]:
    """The top of a period: by upvotes where the digests have them (a paper featured
    twice counts its newest snapshot), then by days featured (within `days`, the
    period's), then newest."""
    def featured(p: Paper) -> int:
        if days is None or len(p.dates) == 1:  # a period's paper has a day in it
            return len(p.dates)
        return sum(1 for d in p.dates if d in days)

    return sorted(papers, key=lambda p: (-(p.meta.upvotes or 0), -featured(p),
                                         -p.last_date.toordinal(), p.slug))


@dataclass(frozen=True)
class Period:
    """A year, month or ISO week of the digest: its key ("2026", "2026-08", "2026-W34"),
    the days of it that have papers, and its papers (each once)."""

    kind: str  # "year", "month", "week"
    key: str
    days: tuple[dt.date, ...]  # oldest first
    papers: tuple[Paper, ...]

    @property
    def title(self) -> str:
        first = self.days[0]
        if self.kind == "year":
            return self.key
        if self.kind == "month":
            return f"{first:%B %Y}"
        return f"Week {self.key}"

    @property
    def ref(self) -> PeriodRef:
        """The period with its counts (a calendar's caption, the list of years)."""
        return PeriodRef(self.kind, self.key, self.title, len(self.papers), len(self.days))

    @property
    def link(self) -> PeriodRef:
        """The period as a link shows it: its name alone."""
        return PeriodRef(self.kind, self.key, self.title)

    @property
    def span(self) -> str:
        """The calendar days the period covers, in words."""
        first = self.days[0]
        if self.kind == "week":
            monday = first - dt.timedelta(days=first.weekday())
            sunday = monday + dt.timedelta(days=6)
            return f"{long_date(monday)} to {long_date(sunday)}"
        return ""


@dataclass(frozen=True)
class PeriodRef:
    """What a page shows of a period it links to: a page then depends on that alone, not
    on every paper of the period."""

    kind: str
    key: str
    title: str
    papers: int = 0  # counts, where the page shows them
    days: int = 0


def _newest_first(papers) -> list[Paper]:
    return sorted(papers, key=lambda p: (-p.last_date.toordinal(), p.slug))


# --- the builders: each makes the pages of one kind -------------------------------------


def home(out: Output, site: SiteIndex) -> None:
    newest = list(reversed(site.days))[: site.settings.home_days]
    counts = Counter(s for p in site.papers for s in p.topics)
    week = site.periods["week"][-1] if site.periods["week"] else None
    out.listing("index.md", {"title": site.settings.site_name}, "home.md.j2",
             newest=[(day, site.by_day[day]) for day in newest], week=week.link if week else None,
             week_top=list(week.papers[:TOP_OF_PERIOD]) if week else [],
             paper_count=len(site.papers), day_count=len(site.days),
             taxonomy=site.shown_topics, counts=counts, topics_of=site.topics_of)


def search(out: Output, site: SiteIndex) -> None:
    years = sorted({p.first_date.year for p in site.papers}, reverse=True)
    months = sorted({p.first_date.strftime("%Y-%m") for p in site.papers}, reverse=True)
    organizations = Counter(p.meta.organization for p in site.papers if p.meta.organization)
    out.listing("search.md", {"title": "Search", "hide": ["toc"]}, "search.md.j2",
             taxonomy=site.shown_topics, years=years, months=months,
             organizations=sorted(organizations, key=lambda o: (-organizations[o], o)),
             has_code=any(p.meta.github_repo for p in site.papers),
             upvoted=any(p.meta.upvotes for p in site.papers))


def folded_words(text: str) -> list[str]:
    """Words without case or accents ("José" -> "jose"), as search.js folds what a reader
    types: names and words match however they are typed."""
    if text.isascii():  # most names and titles: nothing to fold but case
        plain = text.lower()
    else:
        plain = unicodedata.normalize("NFKD", text)
        plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return _WORD.findall(plain)


_WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" parts words, as in search.js


def aid_key(word: str) -> str:
    """The file a word's entries are in: its first two letters (or "_"), a to z or 0
    to 9 (words are folded to lower case; a method of str per test, not a regex, as
    this is asked for each of an archive's hundreds of thousands of names' words)."""
    start = word[:2]
    return start if len(start) == 2 and start.isascii() and start.isalnum() else "_"


WORD_MIN_COUNT = 2  # a title word the typo help suggests appears in two titles at least


def search_aids(site: SiteIndex) -> dict[str, str]:
    """api/authors/<key>.json: every author's name with their papers, under the first
    two letters of each word of the name, so the author field finds "Kai Chen" from
    "kai chen" or "chen" and suggests names as they are typed. api/words/<key>.json:
    the titles' and keywords' words with their counts, for "did you mean".

    Made again whenever a paper arrives, from hundreds of thousands of names in an
    archive: the names are ranked once (not once in each file), and the ASCII names
    and titles (most) are folded and split in one call for all."""
    papers_of = Counter(chain.from_iterable(p.meta.authors for p in site.papers))
    ranked = sorted(papers_of.items())  # by name, then (a stable sort) by papers
    ranked.sort(key=itemgetter(1), reverse=True)
    titles = [f"{p.title} {' '.join(p.meta.ai_keywords)}" for p in site.papers]
    by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for word, count in Counter(_all_words(titles)).items():
        if count >= WORD_MIN_COUNT and len(word) >= 4 and not word.isdigit():
            by_key[aid_key(word)].append((word, count))
    aids = {f"api/authors/{k}.json": feeds.compact_json({"names": rows})
            for k, rows in _names_by_key(ranked).items()}
    for k, rows in by_key.items():
        aids[f"api/words/{k}.json"] = feeds.compact_json(
            {"words": sorted(rows, key=lambda r: (-r[1], r[0]))})
    return aids


def _all_words(texts: list[str]) -> list[str]:
    """folded_words of every text, in one list."""
    plain = " ".join(text for text in texts if text.isascii())
    words = _WORD.findall(plain.lower())
    for text in texts:
        if not text.isascii():
            words += folded_words(text)
    return words


# A word's aid_key where it has two letters or more (its first two: group 1), or the
# end of a name (group 2), in the names folded and joined a line each.
_KEY_OR_END = re.compile(r"(?<![^\W_])([^\W_]{2})[^\W_]*|(\n)")


def _names_by_key(ranked: list[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """{aid_key: the (name, papers) of `ranked` with a word of that key, in their order}."""
    text = "\n".join(name if name.isascii() else " ".join(folded_words(name))
                     for name, _ in ranked).lower() + "\n"
    found = _KEY_OR_END.findall(text)
    names: dict[str, list[tuple[str, int]]] = defaultdict(list)
    if sum(1 for _, end in found if end) != len(ranked):  # a name held a line break
        for row in ranked:
            for k in {aid_key(word) for word in folded_words(row[0]) if len(word) >= 2}:
                names[k].append(row)
        return names
    keys: set[str] = set()
    rows = iter(ranked)
    for start, end in found:
        if end:
            row = next(rows)
            for k in keys:
                names[k].append(row)
            keys.clear()
        else:  # aid_key: the word is letters and digits already
            keys.add(start if start.isascii() else "_")
    return names


CALENDAR_YEARS = 2  # the newest years /dates/ shows as calendars; older ones: year pages


def dates_index(out: Output, site: SiteIndex) -> None:
    """The calendar: month grids of the newest years, then every year with its count."""
    years = list(reversed(site.periods["year"]))
    out.listing("dates/index.md", {"title": "Dates"}, "dates.md.j2", day_count=len(site.days),
             calendars=[(y.ref, calendar(site, int(y.key))) for y in years[:CALENDAR_YEARS]],
             years=[y.ref for y in years])


@dataclass(frozen=True)
class CalendarMonth:
    period: PeriodRef | None  # the month's page, when it has papers
    first: dt.date  # its first day
    weeks: list[tuple[PeriodRef | None, list[tuple[dt.date | None, int, int]]]]
    # each week: (its page, or None) and Monday to Sunday: (day or None outside the
    # month, papers that day, shade 0-4)


def calendar(site: SiteIndex, year: int) -> list[CalendarMonth]:
    """The months of a year that have papers, newest first, as weeks Monday to Sunday."""
    import calendar as cal

    peak = max((len(site.by_day[d]) for d in site.days), default=1)
    months = []
    for month in range(12, 0, -1):
        period = site.period("month", f"{year}-{month:02d}")
        if period is None:
            continue
        weeks = []
        for week in cal.Calendar().monthdatescalendar(year, month):
            cells = []
            for day in week:
                count = len(site.by_day.get(day, ())) if day.month == month else 0
                shade = 0 if not count else min(4, 1 + (4 * count - 1) // peak)
                cells.append((day if day.month == month else None, count, shade))
            week_period = site.period("week", iso_week(week[0]))
            weeks.append((week_period.link if week_period else None, cells))
        months.append(CalendarMonth(period.ref, dt.date(year, month, 1), weeks))
    return months


def day_pages(out: Output, site: SiteIndex) -> None:
    for i, day in enumerate(site.days):
        papers = site.by_day[day]
        meta = {"title": f"Papers of {long_date(day)}", "date": day.isoformat(),
                "papers": len(papers)}
        out.listing(f"dates/{day.isoformat()}.md", meta, "date.md.j2", day=day, papers=papers,
                 prev_day=site.days[i - 1] if i > 0 else None,
                 next_day=site.days[i + 1] if i + 1 < len(site.days) else None,
                 day_list=_day_lists(out, site))
        _bibliography(out, f"dates/{day.isoformat()}/papers.bib", papers, site)


def _bibliography(out: Output, path: str, papers, site: SiteIndex) -> None:
    """The papers.bib beside a listing: every paper it lists, one entry each."""
    out.derived(path, lambda: cite.bibliography(list(papers), site.settings.site_url),
                out.fingerprints(papers))


TOP_OF_PERIOD = 10  # the papers a period page opens with
PERIOD_PER_PAGE = 200  # listed papers per page of a period, whole days at a time


class DayLists:
    """A day's listing as HTML, rendered once per depth of page and shared: the day's
    page has it in full, its week, month and year pages compact."""

    def __init__(self, out: Output, site: SiteIndex):
        macros = out.env.get_template("_macros.md.j2").module
        self.full, self.compact = macros.paper_list, macros.compact_list
        self.site, self.settings = site, out.settings
        self.done: dict[tuple[dt.date, str, bool], str] = {}

    def __call__(self, day: dt.date, root: str, compact: bool = False) -> str:
        """The day's listing as its page shows it, or `compact` as its periods do."""
        if (day, root, compact) not in self.done:
            papers = self.site.by_day[day]
            self.done[(day, root, compact)] = (
                self.compact(papers, root, self.settings) if compact
                else self.full(papers, root, self.site.topics_of, self.settings))
        return self.done[(day, root, compact)]


def _day_lists(out: Output, site: SiteIndex) -> DayLists:
    if "day_lists" not in out.memo:
        out.memo["day_lists"] = DayLists(out, site)
    return out.memo["day_lists"]


def period_pages(kind: str):
    """The builder of one kind of period page: the period's top papers, its leading
    topics and links to the periods beside it, then its papers day by day, in pages of
    whole days (an arXiv month holds some 20,000 papers)."""
    def build(out: Output, site: SiteIndex) -> None:
        periods = site.periods[kind]
        for i, period in enumerate(periods):
            counts = Counter(s for p in period.papers for s in p.topics)
            leading = [(site.topics[s], n) for s, n in
                       sorted(counts.items(), key=lambda c: (-c[1], c[0])) if s in site.topics][:5]
            pages = _whole_days(period, site)
            base = f"dates/{period.key}"
            meta = {"title": period.title, "period": period.key}
            if kind in PERIOD_FEEDS:
                meta["feed"] = PERIOD_FEEDS[kind][0]
            for pager, days in _day_pagers(pages):
                path = f"{base}.md" if pager.first else f"{base}/page/{pager.number}.md"
                page_meta = meta if pager.first else meta | {
                    "title": f"{period.title} ({pager.label})"}
                # What changes with every day of the period (its counts, its top and
                # leading topics) is on the first page alone, so the others are kept.
                first = pager.first
                out.listing(path, page_meta, "period.md.j2",
                         period=period.ref if first else period.link,
                         span=period.span, pager=pager,
                         calendar=calendar(site, int(period.key))
                         if kind == "year" and first else [],
                         days=days,
                         top=list(period.papers[:TOP_OF_PERIOD]) if first else [],
                         leading=leading if first else [],
                         upvoted=first and any(p.meta.upvotes for p in period.papers),
                         prev_period=periods[i - 1].link if i > 0 else None,
                         next_period=periods[i + 1].link if i + 1 < len(periods) else None,
                         within=[p.link for p in _within(site, period)],
                         topics_of=site.topics_of,
                         day_list=_day_lists(out, site))
            _bibliography(out, f"{base}/papers.bib", period.papers, site)
    return build


def _whole_days(period: Period, site: SiteIndex) -> list[list[tuple[dt.date, list[Paper]]]]:
    """The period's pages: its days, newest first, with their papers, about
    PERIOD_PER_PAGE papers a page (a day is never split).

    As `Output.paginated(stable=True)` cuts a topic: the pages after the first hold runs
    of days counted from the oldest, and the first page the newest run and the one
    before it, so a new day changes the first page alone until a run fills."""
    runs, current, size = [], [], 0
    for day in period.days:  # oldest first
        papers = site.by_day[day]
        if current and size + len(papers) > PERIOD_PER_PAGE:
            runs.append(current)
            current, size = [], 0
        current.append((day, papers))
        size += len(papers)
    if current:
        runs.append(current)
    if len(runs) > 1:
        runs[-2:] = [runs[-2] + runs[-1]]
    return [list(reversed(run)) for run in reversed(runs)] or [[]]


def _day_pagers(pages: list[list[tuple[dt.date, list[Paper]]]]):
    """(Pager, days) of a period's pages (_whole_days'): the older ones numbered from
    the oldest, as Output.paginated's stable listings, each named by its days."""
    older = len(pages) - 1
    yield Pager.from_oldest(0, older), pages[0]
    for n, days in zip(range(older, 0, -1), pages[1:], strict=True):
        oldest, newest = days[-1][0], days[0][0]
        label = long_date(oldest) if oldest == newest else \
            f"{long_date(oldest)} to {long_date(newest)}"
        yield Pager.from_oldest(n, older, label), days


def _within(site: SiteIndex, period: Period) -> list[Period]:
    """The larger periods a period belongs to (a week: its month and year)."""
    first = period.days[0]
    keys = {"week": [("month", month_key(first)), ("year", str(first.year))],
            "month": [("year", str(first.year))], "year": []}[period.kind]
    return [p for p in (site.period(kind, key) for kind, key in keys) if p]


def topics_index(out: Output, site: SiteIndex) -> None:
    counts = {t.slug: len(site.by_topic.get(t.slug, ())) for t in site.shown_topics}
    sparks = {t.slug: sparkline_svg(site.series(site.by_topic.get(t.slug, [])),
                                    f"{t.name}: papers per {site.unit}", site.unit)
              for t in site.shown_topics}
    out.listing("topics/index.md", {"title": "Topics"}, "topics.md.j2",
             taxonomy=site.shown_topics, counts=counts, sparks=sparks)


def topic_pages(out: Output, site: SiteIndex) -> None:
    totals = site.series(site.papers)
    for topic in site.shown_topics:
        papers = site.by_topic.get(topic.slug, [])
        co = Counter(s for p in papers for s in p.topics if s != topic.slug)
        related = [site.topics[s] for s, _ in sorted(co.items(), key=lambda c: (-c[1], c[0]))
                   if s in site.topics][:5]
        chart = trend_svg(site.series(papers), totals, site.axis, site.unit, topic.name)
        per_page = site.settings.per_page
        for order, listing, base, title in _orders(papers, f"topics/{topic.slug}", topic.name,
                                                   per_page):
            out.paginated(base, listing, per_page,
                          {"title": title, "topic": topic.slug}, "topic.md.j2",
                          stable=order == "newest",
                          # The count, chart and related topics change with every paper:
                          # on the newest page alone, the most upvoted stays as it is
                          # until its papers change.
                          front={"count": len(papers), "chart": chart, "related": related}
                          if order == "newest" else {},
                          topic=topic, topics_of=site.topics_of, order=order,
                          orders=_order_links(papers, f"topics/{topic.slug}/", per_page),
                          follow=partial(_in_page_ranks, papers, per_page),
                          # how many the most upvoted pages show, when not all:
                          more=len(listing) if len(listing) < len(papers) else 0)
        _bibliography(out, f"topics/{topic.slug}/papers.bib", papers, site)


def authors_index(out: Output, site: SiteIndex) -> None:
    """/authors/: the authors with the most papers, most first, in pages."""
    authors = site.authors_by_papers
    listed = authors[:AUTHORS_LISTED]
    out.paginated("authors/index", listed, AUTHORS_PER_PAGE, {"title": "Authors"},
                  "authors.md.j2", minimum=site.settings.author_min_papers,
                  listed=len(listed), total=len(authors))


AUTHORS_PER_PAGE = 200
# /authors/ and /feeds/ list this many authors, those with the most papers. Ranked by
# their counts, every page after a new paper's author moves each day: all of an arXiv
# archive's 70,000 authors would be 384 pages a day, each twice (the authors, their
# feeds). Every author page is linked from its papers and found by the search's author
# field, and feeds.opml holds every feed.
AUTHORS_LISTED = 1000


def author_pages(out: Output, site: SiteIndex) -> None:
    """Each author's pages and feed, a group (Output.group): the name, the page's slug
    and the papers are all they are made from (with the settings and templates)."""
    made = feeds.Feeds(site.settings, site.taxonomy, out.env)
    for name, slug in site.author_pages.items():
        papers = site.by_author[name]
        out.group(f"authors/{slug}",
                  partial(_author_pages, out, site, made, name, slug, papers),
                  name, slug, out.fingerprints(papers))


def _author_pages(out: Output, site: SiteIndex, made: feeds.Feeds, name: str, slug: str,
                  papers: list[Paper]) -> None:
    _atom(out, made, f"authors/{slug}/feed.xml", f"{name} \u2014 {site.settings.site_name}",
          papers, f"authors/{slug}/")
    per_page = site.settings.per_page
    for order, listing, base, title in _orders(papers, f"authors/{slug}", name, per_page):
        out.paginated(base, listing, per_page,
                      {"title": title, "author": name,
                       "author_feed": f"authors/{slug}/feed.xml"}, "author.md.j2",
                      stable=order == "newest",
                      front={"count": len(papers)} if order == "newest" else {}, name=name,
                      slug=slug, topics_of=site.topics_of, order=order,
                      orders=_order_links(papers, f"authors/{slug}/", per_page),
                      follow=partial(_in_page_ranks, papers, per_page),
                      more=len(listing) if len(listing) < len(papers) else 0)


# The most upvoted listing of a topic or an author stops after this many pages: a new
# paper moves every page after its place (each day, every topic's), and the search page
# ranks all of them (sort=upvotes), which the last page links.
TOP_PAGES = 1


def _one_page(papers: list[Paper], per_page: int) -> bool:
    """Whether a listing newest first fits on one page (Output.paginated, stable)."""
    return len(papers) < 2 * per_page


def _orders(papers: list[Paper], base: str, title: str, per_page: int):
    """A listing newest first at `base`, and where the digests have upvotes and the
    listing takes more than a page, the most upvoted (TOP_PAGES pages of them) at
    `base`/top: (order, papers, base, title). A listing of one page is sorted in the
    page itself (`_in_page_ranks`): most authors have a few papers, and a second page
    each would be thousands of pages more to build."""
    yield "newest", papers, base, title
    if any(p.meta.upvotes for p in papers) and not _one_page(papers, per_page):
        yield ("upvotes", ranked(papers)[:TOP_PAGES * per_page], f"{base}/top",
               f"{title}, most upvoted")


def _order_links(papers: list[Paper], folder: str, per_page: int
                 ) -> list[tuple[str, str, str | None]]:
    """(order, label, path from the root) of the listing's orders, for its sort links;
    no path: the order is the page's own, sorted in place (paper-digest.js)."""
    if not any(p.meta.upvotes for p in papers):
        return []
    if _one_page(papers, per_page):
        return [("newest", "Newest first", None), ("upvotes", "Most upvoted", None)]
    return [("newest", "Newest first", folder), ("upvotes", "Most upvoted", f"{folder}top/")]


def _in_page_ranks(papers: list[Paper], per_page: int) -> dict:
    """{"ranks": {slug: place by upvotes}} of a listing sorted in its page; empty for
    the others. A page's `follow` (Output.listing): that page lists all of `papers`,
    so they decide it, and its key has them (a sort per author page, most of a large
    archive's 80,000 listing pages, was seconds a build)."""
    if not any(p.meta.upvotes for p in papers) or not _one_page(papers, per_page):
        return {"ranks": {}}
    return {"ranks": {p.slug: place for place, p in enumerate(ranked(papers), 1)}}


UPDATES_DAYS = 60  # the record's newest days the updates page lists


def updates(out: Output, site: SiteIndex) -> None:
    """The record of fetches: the newest day, each source's last successful fetch, and
    the recent days, where "no papers" (a weekend, a holiday) reads differently from
    "the fetch failed"."""
    sources = []
    for name, days in sorted(site.fetches.items()):
        done = [r for r in days.values() if r.get("status") in ("ok", "empty")]
        sources.append({
            "name": name,
            "last_success": max((r["fetched"] for r in done), default=None),
            "newest_day": max((d for d, r in days.items() if r.get("status") == "ok"),
                              default=None),
            "failed": sum(1 for r in days.values() if r.get("error")),
        })
    recent = sorted({d for days in site.fetches.values() for d in days}, reverse=True)
    rows = [(day, [(name, site.fetches[name].get(day)) for name in sorted(site.fetches)])
            for day in recent[:UPDATES_DAYS]]
    out.listing("updates.md", {"title": "Updates"}, "updates.md.j2", sources=sources, rows=rows,
             newest=site.days[-1] if site.days else None, older=max(0, len(recent) - len(rows)))


PERIOD_FEEDS = {"week": ("dates/weekly.xml", "Top papers of each week"),
                "month": ("dates/monthly.xml", "Top papers of each month")}


def site_feeds(site: SiteIndex) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Every Atom feed of the site, grouped: [(group, [(title, feed path, page path)])].
    /feeds/ lists them and feeds.opml bundles them."""
    name = site.settings.site_name
    groups = [("The whole digest", [(name, "feed.xml", "")])]
    periods = [(f"{title} \u2014 {name}", path, "dates/")
               for kind, (path, title) in PERIOD_FEEDS.items() if site.periods[kind]]
    if periods:
        groups.append(("Each week and month", periods))
    groups.append(("Topics", [(f"{t.name} \u2014 {name}", f"topics/{t.slug}/feed.xml",
                               f"topics/{t.slug}/") for t in site.shown_topics]))
    if site.author_pages:
        groups.append(("Authors", [(f"{author} \u2014 {name}", f"authors/{slug}/feed.xml",
                                    f"authors/{slug}/")
                                   for author, slug, _ in site.authors_by_papers]))
    return groups


def exports(out: Output, site: SiteIndex) -> None:
    """The feeds (the authors' are made with their pages), feeds.opml and papers.json.
    A feed is made again only when the papers it holds changed."""
    made = feeds.Feeds(site.settings, site.taxonomy, out.env)
    newest = _newest_first(site.papers)
    name = site.settings.site_name
    _atom(out, made, "feed.xml", name, newest, "")
    for topic in site.shown_topics:
        _atom(out, made, f"topics/{topic.slug}/feed.xml", f"{topic.name} \u2014 {name}",
              site.by_topic.get(topic.slug, []), f"topics/{topic.slug}/")
    out.file("feed.json", made.json_feed(newest))
    out.file("papers.json", made.papers_json(newest, site.shown_topics))
    out.file("feeds.opml", made.opml(site_feeds(site)))
    for kind, (path, title) in PERIOD_FEEDS.items():
        if site.periods[kind]:
            out.file(path, made.period_feed(path, title, site.periods[kind]))


def _atom(out: Output, made: feeds.Feeds, path: str, title: str, papers: list[Paper],
          page: str) -> None:
    """An Atom feed of the newest of `papers`, made again only when those changed."""
    out.derived(path, lambda: made.atom(path, title, papers, page), title,
                out.fingerprints(papers[:feeds.FEED_SIZE]))


FEEDS_PER_PAGE = 200  # /feeds/: the site's, the periods' and topics' feeds, then authors'


def feed_list(out: Output, site: SiteIndex) -> None:
    """/feeds/: every feed with its address to copy, of the authors those with the most
    papers (AUTHORS_LISTED), in pages."""
    groups = site_feeds(site)
    authors = next((items for group, items in groups if group == "Authors"), [])
    others = [(group, items) for group, items in groups if group != "Authors"]
    listed = authors[:AUTHORS_LISTED]
    out.paginated("feeds/index", listed, FEEDS_PER_PAGE, {"title": "Feeds"}, "feeds.md.j2",
                  groups=others, listed=len(listed), total=len(authors),
                  site_url=(site.settings.site_url or "").rstrip("/"))


def reading_list(out: Output, site: SiteIndex) -> None:
    out.listing("reading-list.md", {"title": "Reading list", "hide": ["toc"]},
                "reading-list.md.j2")


def search_aid_files(out: Output, site: SiteIndex) -> None:
    """The search page's aids (search_aids): authors' names and the titles' words, each
    in files by how a word starts."""
    for path, text in search_aids(site).items():
        out.derived(path, lambda: text, text)


def api_data(out: Output, site: SiteIndex) -> None:
    """The static data API: /api/papers/<slug>.json, with related papers (so made once
    they are found), and /api/dates/YYYY-MM-DD.json."""
    made = feeds.Feeds(site.settings, site.taxonomy, out.env)
    for paper in site.papers:
        related = [site.by_slug[s] for s in paper.related if s in site.by_slug]
        out.derived(f"api/papers/{paper.slug}.json", lambda: made.api_paper(paper, related),
                    out.fingerprint(paper), *(f"{r.slug} {r.title}" for r in related))
    for day in site.days:
        papers = site.by_day[day]
        out.derived(f"api/dates/{day.isoformat()}.json", lambda: made.api_day(day, papers),
                    out.fingerprints(papers))


# --- paper pages: most are unchanged from one build to the next -------------------------


class PaperPages:
    """The paper pages and their search documents. One whose inputs are unchanged since
    it was last written is not rendered again (Output.unchanged); the others are
    rendered. From `render_apart_from` papers on, a forked worker takes every other
    paper: finding which changed is seconds in an archive of 75,000, and the new papers
    a day brings are the newest, all at the start."""

    def __init__(self, tuning: Tuning):
        self.tuning = tuning
        self.documents_made = False  # the search documents were made with the listings

    def __call__(self, out: Output, site: SiteIndex) -> None:
        papers = site.papers
        if len(papers) >= self.tuning.render_apart_from and self.tuning.apart:
            # The other core is free here: the related papers are found, and the search
            # index has not started (a full build) or has a day's few documents.
            worker = Worker(self.tuning, state=(out, site))
            share = worker.submit(_render_share, self)  # papers[1::2], there
            _, made = worker.alongside(share, lambda: self.make(out, site, papers[0::2]))
            out.add(made)
        else:
            self.make(out, site, papers)

    def make(self, out: Output, site: SiteIndex, papers: list[Paper]) -> None:
        """The pages and documents of `papers` whose inputs changed."""
        pages = [paper for paper in papers if self._changed(out, site, paper)]
        documents = [] if self.documents_made else self._changed_documents(out, site, papers)
        # A paper whose page and document are both made has its variables made once.
        both = {id(paper) for paper in documents} & {id(paper) for paper in pages}
        for paper in pages:
            (paper_files if id(paper) in both else paper_page)(out, site, paper)
        for paper in documents:
            if id(paper) not in both:
                paper_document(out, site, paper)

    def documents(self, out: Output, site: SiteIndex) -> None:
        """The search documents, made with the listings in a build that keeps most
        pages: the index is then made while the related papers are found and the pages
        rendered. (In a full build both cores are busy then: the documents are made
        with the paper pages, and indexed beside MkDocs.)"""
        for paper in self._changed_documents(out, site, site.papers):
            paper_document(out, site, paper)
        self.documents_made = True

    @staticmethod
    def _changed_documents(out: Output, site: SiteIndex, papers: list[Paper]) -> list[Paper]:
        """The papers whose search documents' inputs changed: the paper without its
        related papers (which documents leave out) and which of its authors have
        pages."""
        return [paper for paper in papers if not out.document_unchanged(
            search_path(paper_path(paper)), out.fingerprint_unrelated(paper),
            repr([site.author_pages.get(name) for name in paper.authors]))]

    @staticmethod
    def _changed(out: Output, site: SiteIndex, paper: Paper) -> bool:
        """Whether the page must be rendered: its inputs are the paper, its related
        papers (but theirs), which of its authors have pages and its ranks (rank_key;
        with the settings, taxonomy and templates of every page)."""
        return not out.unchanged(
            paper_path(paper), out.fingerprint(paper),
            *(out.fingerprint_unrelated(site.by_slug[s]) for s in paper.related
              if s in site.by_slug),
            repr([site.author_pages.get(name) for name in paper.authors]),
            repr(site.rank_key(paper)))


def paper_path(paper: Paper) -> str:
    return f"papers/{paper.slug}.md"


def _render_kinds(state: tuple[Output, SiteIndex], names: list[str]) -> tuple:
    """A forked worker's task: these kinds' files and search documents, with the keys
    of their inputs and the pages they kept (Output.add takes them)."""
    out, site = state
    out.forked()
    for kind in KINDS:
        if kind.name in names:
            kind.build(out, site)
    return out.share()


def _render_share(state: tuple[Output, SiteIndex], papers: PaperPages) -> tuple:
    """A forked worker's task: the pages and search documents whose inputs changed of
    every other paper from the second, with the keys of all (Output.add takes them).
    The fork has the papers: sent, they would be pickled."""
    out, site = state
    out.forked()
    papers.make(out, site, site.papers[1::2])
    return out.share()


def paper_page(out: Output, site: SiteIndex, paper: Paper, made=None) -> None:
    """`made`: the paper's _paper_variables, where the caller has them."""
    meta, variables = made or _paper_variables(site, paper)
    out.page(paper_path(paper), meta, "paper.md.j2",
             bibtex=cite.bibtex(paper, site.settings.site_url), **variables)


def paper_document(out: Output, site: SiteIndex, paper: Paper, made=None) -> None:
    """The paper's search document: its page's template without what changes as other
    papers arrive (related papers, dates, ranks), so it needs no related papers."""
    meta, variables = made or _paper_variables(site, paper)
    out.search_document(paper_path(paper), meta["title"], "paper.md.j2", bibtex="",
                        **variables)


def paper_files(out: Output, site: SiteIndex, paper: Paper) -> None:
    """The paper's page and search document."""
    made = _paper_variables(site, paper)
    paper_page(out, site, paper, made)
    paper_document(out, site, paper, made)


def _paper_variables(site: SiteIndex, paper: Paper) -> tuple[dict, dict]:
    """A paper page's frontmatter and its template's variables."""
    links = paper_links(paper)
    meta = {
        # The browser's title, link previews and scholar metadata: no KaTeX there.
        "title": math_as_text(paper.title),
        "description": excerpt(math_as_text(paper.abstract), 200),
        "slug": paper.slug,
        "dates": [d.isoformat() for d in paper.dates],
        "topics": list(paper.topics),
    }
    if paper.authors:
        meta["authors"] = list(paper.authors)
    if paper.arxiv_id:
        meta["arxiv_id"] = paper.arxiv_id
    if links:
        meta["links"] = [{"label": link["label"], "url": link["url"]} for link in links]
    variables = dict(paper=paper, paper_topics=site.topics_of(paper), links=links,
                     author_pages=site.author_pages, ranks=site.ranks(paper),
                     related=[site.by_slug[s] for s in paper.related if s in site.by_slug])
    return meta, variables


# --- the registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class PageKind:
    name: str
    url: str  # as the URL contract writes it
    sources: tuple[str, ...]  # where its files go in docs_dir
    template: str | None  # None: not a page (a feed or JSON file)
    lists: str  # what it shows, in words
    paginate: str  # "" for one page, else how its pages split
    build: Callable[[Output, SiteIndex], None] | None  # None: PaperPages
    needs_related: bool = False  # rendered once the related papers are found
    # Rendered in a forked worker while the build's process renders the other listings,
    # in a build that keeps most pages (Renderer.render_listings): the topics' pages and
    # the search aids are about half of the listings' time after one more day, the
    # build's process rendering the search documents too.
    beside: bool = False
    # fast_render: the template renders one HTML element, which skips Python-Markdown
    # (plugin.single_html_block; a test renders every kind and checks).
    single_element: bool = True

    @property
    def folders(self) -> tuple[str, ...]:
        """The docs_dir folders the kind's files live in (none for top-level files)."""
        return tuple(dict.fromkeys(s.split("/", 1)[0] for s in self.sources if "/" in s))


PERIOD_PAGES = (f"about {PERIOD_PER_PAGE} papers a page, whole days, the older pages numbered "
                "from the oldest (/page/N/)")
PER_PAGE = ("`per_page` papers a page, the first holding the newest per_page to twice that, "
            "the older ones fixed runs numbered from the oldest (/page/N/, /page/1/ the "
            "oldest); top/ the per_page most upvoted, made when the papers take more than "
            "one page")
KINDS: tuple[PageKind, ...] = (
    PageKind("home", "/", ("index.md",), "home.md.j2",
             "the newest days' papers and the topics", "", home),
    PageKind("search", "/search/?q=...", ("search.md",), "search.md.j2",
             "the search form; results come from the Pagefind index", "", search,
             single_element=False),
    PageKind("dates", "/dates/", ("dates/index.md",), "dates.md.j2",
             f"a calendar of the newest {CALENDAR_YEARS} years' days, weeks and months; "
             "every year", "", dates_index),
    PageKind("day", "/dates/YYYY-MM-DD/, /dates/YYYY-MM-DD/papers.bib",
             ("dates/YYYY-MM-DD.md", "dates/YYYY-MM-DD/papers.bib"), "date.md.j2",
             "the day's papers in the digest's order; their BibTeX", "", day_pages),
    PageKind("week", "/dates/YYYY-Www/, /dates/YYYY-Www/papers.bib",
             ("dates/YYYY-Www.md", "dates/YYYY-Www/papers.bib"), "period.md.j2",
             "the ISO week's top papers, then its papers by day; their BibTeX",
             PERIOD_PAGES,
             period_pages("week")),
    PageKind("month", "/dates/YYYY-MM/, /dates/YYYY-MM/papers.bib",
             ("dates/YYYY-MM.md", "dates/YYYY-MM/papers.bib"), "period.md.j2",
             "the month's top papers, then its papers by day; their BibTeX",
             PERIOD_PAGES,
             period_pages("month")),
    PageKind("year", "/dates/YYYY/, /dates/YYYY/papers.bib",
             ("dates/YYYY.md", "dates/YYYY/papers.bib"), "period.md.j2",
             "the year's top papers, then its papers by day; their BibTeX",
             PERIOD_PAGES,
             period_pages("year")),
    PageKind("topics", "/topics/", ("topics/index.md",), "topics.md.j2",
             "every topic with its count and trend", "", topics_index, beside=True),
    PageKind("topic", "/topics/<slug>/, /topics/<slug>/top/, /topics/<slug>/papers.bib",
             ("topics/<slug>.md", "topics/<slug>/top.md", "topics/<slug>/papers.bib"),
             "topic.md.j2", "the topic's papers, newest first, and the most upvoted "
             "(top/, or sorted in place on one page); their BibTeX", PER_PAGE,
             topic_pages, beside=True),
    PageKind("authors", "/authors/", ("authors/index.md",), "authors.md.j2",
             f"authors with {Settings.author_min_papers} papers or more, most papers first "
             f"(the first {AUTHORS_LISTED})",
             f"{AUTHORS_PER_PAGE} a page (/page/N/)", authors_index),
    PageKind("author", "/authors/<slug>/, /authors/<slug>/top/, /authors/<slug>/feed.xml",
             ("authors/<slug>.md", "authors/<slug>/top.md", "authors/<slug>/feed.xml"),
             "author.md.j2",
             "the author's papers, newest first, and the most upvoted (top/, or sorted in "
             f"place on one page); the Atom feed of the newest {feeds.FEED_SIZE}", PER_PAGE,
             author_pages),
    PageKind("paper", "/papers/<slug>/", ("papers/<slug>.md",), "paper.md.j2",
             "one paper: abstract, links, related papers, BibTeX", "", None,
             needs_related=True, single_element=False),
    PageKind("updates", "/updates/", ("updates.md",), "updates.md.j2",
             "the record of fetches: each source's last success, days failed or empty",
             f"the newest {UPDATES_DAYS} days", updates),
    PageKind("reading-list", "/reading-list/", ("reading-list.md",), "reading-list.md.j2",
             "the reader's saved papers, kept in the browser: notes, export, share, import",
             "", reading_list, single_element=False),
    PageKind("feed-list", "/feeds/", ("feeds/index.md",), "feeds.md.j2",
             f"every feed of the site with its address; authors' feeds in pages (of the "
             f"{AUTHORS_LISTED} authors with the most papers)",
             f"{FEEDS_PER_PAGE} author feeds a page (/page/N/)", feed_list),
    PageKind("feeds", "/feed.xml, /feed.json, /topics/<slug>/feed.xml, "
             "/dates/weekly.xml, /dates/monthly.xml, /feeds.opml, /papers.json",
             ("feed.xml", "feed.json", "topics/<slug>/feed.xml", "dates/weekly.xml",
              "dates/monthly.xml", "feeds.opml", "papers.json"), None,
             f"the newest {feeds.FEED_SIZE} papers (papers.json: all); the newest "
             f"{feeds.PERIOD_FEED_SIZE} weeks and months, each with its top "
             f"{feeds.PERIOD_TOP}; feeds.opml: every feed", "", exports),
    PageKind("api", "/api/papers/<slug>.json, /api/dates/YYYY-MM-DD.json",
             ("api/papers/<slug>.json", "api/dates/YYYY-MM-DD.json"), None,
             "a paper with its abstract, links, related papers, dates and citations; a "
             "day's papers (schemas/)", "", api_data, needs_related=True),
    PageKind("search-aids", "/api/authors/<ab>.json, /api/words/<ab>.json",
             ("api/authors/<ab>.json", "api/words/<ab>.json"), None,
             "for the search page, authors' names and titles' words by their first two "
             "letters", "", search_aid_files, beside=True),
)


def generated_folders() -> tuple[str, ...]:
    """The docs_dir folders that generated pages own: rewritten, and pruned of stale
    files, by every build; hard-linked by the incremental build; never in the nav."""
    return tuple(dict.fromkeys(folder for k in KINDS for folder in k.folders))


def generated_top_files() -> frozenset[str]:
    """The files generated pages own at the top of docs_dir (index.md, feed.xml, ...)."""
    return frozenset(s for kind in KINDS for s in kind.sources if "/" not in s)


def kinds_table() -> str:
    """The URL contract as a Markdown table (DEVELOPERS.md holds it; a test compares)."""
    rows = ["| kind | URL | lists | pages |", "|---|---|---|---|"]
    rows += [f"| {k.name} | `{k.url}` | {k.lists} | {k.paginate or 'one'} |" for k in KINDS]
    return "\n".join(rows)


# --- rendering --------------------------------------------------------------------------


@dataclass
class Rendered:
    made: set[str]  # every file made (page paths in docs_dir), written or in `pages`
    pages: dict[str, bytes]  # {page path: its Markdown, UTF-8}, those not written yet
    corpus: dict[str, bytes]  # {path: search document, UTF-8}
    keys: dict[str, str]  # {page path: the key of its inputs}
    kept: set[str]  # pages not rendered: unchanged
    kept_documents: set[str]  # search documents not rendered: unchanged


class Renderer:
    """Renders every kind: first those that do not need the related papers (while they
    are found), then the rest."""

    def __init__(self, papers: list[Paper], taxonomy: list[Topic], settings: Settings,
                 project_templates: Path | None = None, reusable: dict[str, str] | None = None,
                 tuning: Tuning = DEFAULT, fetches: dict | None = None,
                 compiled: Path | None = None, sink=None):
        """`compiled`: a folder to keep the compiled templates in between builds;
        `sink`: a store.PageWriter the pages are written with as they are made (else
        they are held in the Rendered's `pages`)."""
        self.site = SiteIndex(papers, taxonomy, settings, fetches or {})
        env = template_env(project_templates)
        if compiled:
            compiled_templates(env, compiled)
        self.out = Output(settings, env, reusable,
                          key(repr(settings), repr(taxonomy), templates_fingerprint(env)), sink)
        for paper in self.site.papers:  # here, before a fork renders kinds beside
            self.out.fingerprint(paper)
        self.papers = PaperPages(tuning)
        self.tuning = tuning

    def render_listings(self) -> None:
        """The kinds that need no related papers. In a build that keeps most pages, the
        other core is mostly free here (the related papers of a few new ones are soon
        found), so a fork renders the kinds marked `beside`, and the search documents
        are made here too (PaperPages.documents); in a full build it is finding the
        related papers of all."""
        listings = [kind for kind in KINDS if not kind.needs_related]
        apart = (self.tuning.apart and bool(self.out.reusable)
                 and len(self.site.papers) >= self.tuning.render_apart_from)
        beside = [kind.name for kind in listings if apart and kind.beside]
        here = [kind for kind in listings if kind.name not in beside]

        def render_here() -> None:
            for kind in here:
                kind.build(self.out, self.site)
            if self.out.reusable:
                self.papers.documents(self.out, self.site)

        if not beside:
            render_here()
            return
        worker = Worker(self.tuning, state=(self.out, self.site))
        share = worker.submit(_render_kinds, beside)
        _, theirs = worker.alongside(share, render_here)
        self.out.add(theirs)

    def render_papers(self, papers: list[Paper]) -> Rendered:
        """The kinds that need related papers, from `papers`: the papers given at the
        start with their related papers added."""
        for before, after in zip(self.site.papers, papers, strict=True):
            self.out.same_but_related(before, after)
        site = self.site.with_related(papers)
        for kind in KINDS:
            if kind.needs_related:
                (kind.build or self.papers)(self.out, site)
        return Rendered(self.out.made, self.out.pages, self.out.corpus, self.out.keys,
                        self.out.kept, self.out.kept_documents)
