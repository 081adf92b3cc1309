"""Render the collection into Markdown pages (YAML frontmatter + body) with Jinja2.

Every page is returned as {path inside docs_dir: text}; nothing here touches the disk.

Text is text: templates autoescape, and data reaches them only as variables, so digest
text is never evaluated as a template. Bodies are HTML blocks, which Python-Markdown
passes through without reading Markdown syntax inside them: `a*b*c`, `<EOS>` and `{{ }}`
in an abstract are shown exactly as written. Frontmatter goes through python-frontmatter
(PyYAML's safe dumper), never through string formatting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

import frontmatter
import jinja2
import orjson
import yaml
from markupsafe import Markup

from generator import cite
from generator.cache import key
from generator.errors import TemplateFailure
from generator.model import Paper
from generator.normalize import base_slug, find_urls, math_as_text, short_hash, split_math, tex_as_text


@dataclass(frozen=True)
class Settings:
    """What rendering needs from the project's configuration."""

    site_name: str = "Paper digest"
    site_url: str | None = None  # absolute URLs in feeds and metadata need it
    site_description: str = ""
    per_page: int = 50  # entries per page of a topic or author listing
    author_min_papers: int = 3  # authors with this many papers get a page
    home_days: int = 1  # newest days shown on the home page
    excerpt_chars: int = 280
    language: str = "en"  # the site's language, as Material writes it in <html lang>


# --- text to HTML -----------------------------------------------------------------------


def _math_html(kind: str, tex: str) -> str:
    # KaTeX (shipped with the site) renders these spans; the TeX stays escaped text.
    if kind == "display":
        return f'<span class="arithmatex pd-math-display">\\[{html.escape(tex)}\\]</span>'
    return f'<span class="arithmatex">\\({html.escape(tex)}\\)</span>'


@lru_cache(maxsize=65536)  # listings show each paper on several pages
def text_html(text: str, links: bool = True, plain_math: bool = False) -> Markup:
    """Escaped text with math marked up for KaTeX (or, with `plain_math`, read as text,
    for the search index, whose results KaTeX does not render) and, optionally, URLs
    made links."""
    out: list[str] = []
    for kind, segment in split_math(text):
        if kind != "text":
            out.append(html.escape(tex_as_text(segment), quote=False) if plain_math
                       else _math_html(kind, segment))
            continue
        pos = 0
        for start, end, url in (find_urls(segment) if links else ()):
            out.append(html.escape(segment[pos:start]))
            # find_urls only matches http(s) URLs, so no other scheme becomes a link.
            out.append(f'<a href="{html.escape(url)}" rel="nofollow">{html.escape(url)}</a>')
            pos = end
        out.append(html.escape(segment[pos:]))
    return Markup("".join(out))


@lru_cache(maxsize=65536)
def excerpt(text: str, limit: int) -> str:
    """The first `limit` characters, cut at a word; math is kept whole or left out."""
    out, used = [], 0
    for kind, segment in split_math(text):
        piece = segment if kind == "text" else ("$$%s$$" if kind == "display" else "$%s$") % segment
        if used + len(piece) <= limit:
            out.append(piece)
            used += len(piece)
            continue
        if kind == "text":
            cut = segment[: max(0, limit - used)].rsplit(" ", 1)[0]
            out.append(cut)
        return "".join(out).rstrip(" ,;:") + "\u2026"
    return "".join(out)


# --- charts (inline SVG, drawn at build time) ------------------------------------------

MAX_BUCKETS = 36


def time_axis(days: list[dt.date]) -> tuple[str, list[dt.date]]:
    """Buckets for trend charts: weeks for a digest younger than four months, months
    otherwise (the last three years at most)."""
    if not days:
        return "month", []
    first, last = min(days), max(days)
    if (last - first).days <= 16 * 7:
        start = first - dt.timedelta(days=first.weekday())
        weeks = (last - start).days // 7 + 1
        return "week", [start + dt.timedelta(weeks=i) for i in range(weeks)]
    months = []
    month = dt.date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return "month", months[-MAX_BUCKETS:]


def bucket_of(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return dt.date(day.year, day.month, 1)


def _bucket_date(start: dt.date, unit: str) -> str:
    return f"{start.day} {start:%b %Y}" if unit == "week" else f"{start:%B %Y}"


def _bucket_label(start: dt.date, unit: str) -> str:
    return ("week of " if unit == "week" else "") + _bucket_date(start, unit)


def _axis_label(start: dt.date) -> str:
    return f"{start:%b %Y}"


def _bar_chart(values: list[float], axis: list[dt.date], unit: str, label: str,
               fmt: Callable[[float], str]) -> str:
    """One bar chart with its axes in the SVG: the value axis at 0, half and the peak,
    and the time axis labelled at about six evenly spaced months."""
    width, height, left, bottom, top, gap = 480, 150, 44, 20, 8, 1
    plot_w, plot_h = width - left - 4, height - bottom - top
    peak = max(values, default=0) or 1
    bar = (plot_w - gap * len(values)) / max(1, len(values))
    parts = []
    for i, (v, start) in enumerate(zip(values, axis, strict=True)):
        h = round(v / peak * plot_h, 1)
        x = round(left + i * (bar + gap), 1)
        parts.append(f'<rect x="{x}" y="{round(top + plot_h - h, 1)}" width="{round(bar, 1)}" '
                     f'height="{h}"><title>{html.escape(_bucket_label(start, unit))}: '
                     f"{html.escape(fmt(v))}</title></rect>")
    ticks = []
    for v in (0, peak / 2, peak):
        y = round(top + plot_h - v / peak * plot_h, 1)
        ticks.append(f'<line x1="{left - 3}" x2="{width - 4}" y1="{y}" y2="{y}"/>'
                     f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">'
                     f"{html.escape(fmt(v))}</text>")
    # Months: a label at the first bucket of every k-th month, about six in all.
    firsts = [i for i, start in enumerate(axis)
              if i == 0 or (start.month, start.year) != (axis[i - 1].month, axis[i - 1].year)]
    step = max(1, -(-len(firsts) // 6))
    for i in firsts[::step]:
        x = round(left + i * (bar + gap) + bar / 2, 1)
        ticks.append(f'<text x="{x}" y="{height - 5}" text-anchor="middle">'
                     f"{_axis_label(axis[i])}</text>")
    return (f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(label)}">'
            f'<g class="pd-trend__axis">{"".join(ticks)}</g>'
            f'<g class="pd-trend__bars">{"".join(parts)}</g></svg>')


def trend_svg(counts: list[int], totals: list[int], axis: list[dt.date], unit: str,
              name: str) -> Markup:
    """A topic's papers per week or month twice, as counts and as a share of all the
    papers of each week or month (an archive that grows makes every count grow), with
    labelled axes, and the numbers as a table."""
    shares = [n / t if t else 0.0 for n, t in zip(counts, totals, strict=True)]
    label = f"Papers on {name} per {unit}"
    share_label = f"Share of all papers per {unit} on {name}"
    precise = max(shares, default=0) < 0.1

    def percent(v: float) -> str:
        return f"{v * 100:.1f}%" if precise else f"{v * 100:.0f}%"

    def count(v: float) -> str:
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"

    span = ""
    if axis:
        span = (f", {'weeks of ' if unit == 'week' else ''}{_bucket_date(axis[0], unit)}"
                f" to {_bucket_date(axis[-1], unit)}")
    rows = "".join(f"<tr><th scope=\"row\">{html.escape(_bucket_label(start, unit))}</th>"
                   f"<td>{n}</td><td>{t}</td><td>{percent(sh)}</td></tr>"
                   for start, n, t, sh in zip(axis, counts, totals, shares, strict=True))
    return Markup(
        f'<figure class="pd-trend">{_bar_chart(counts, axis, unit, label, count)}'
        f"<figcaption>{html.escape(label + span)}.</figcaption></figure>"
        f'<figure class="pd-trend">{_bar_chart(shares, axis, unit, share_label, percent)}'
        f"<figcaption>{html.escape(share_label)}: the topic's part of the archive, apart "
        f"from the archive's own growth.</figcaption></figure>"
        f'<details class="pd-trend__numbers"><summary>The numbers</summary>'
        f"<table><caption>{html.escape(label)}</caption><thead><tr>"
        f'<th scope="col">{unit.capitalize()}</th><th scope="col">Papers on {html.escape(name)}'
        f'</th><th scope="col">All papers</th><th scope="col">Share</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>")


def sparkline_svg(counts: list[int], label: str, unit: str) -> Markup:
    """A small line of a topic's papers per week or month, its peak said beside it."""
    width, height = 80, 18
    peak = max(counts, default=0) or 1
    step = width / max(1, len(counts) - 1)
    points = " ".join(f"{round(i * step, 1)},{round(height - 1 - n / peak * (height - 2), 1)}"
                      for i, n in enumerate(counts))
    if len(counts) == 1:
        points = f"0,{height - 1 - (height - 2) * (counts[0] > 0)} {width},{height - 1 - (height - 2) * (counts[0] > 0)}"
    return Markup(f'<svg class="pd-spark" viewBox="0 0 {width} {height}" width="{width}" '
                  f'height="{height}" role="img" aria-label="{html.escape(label)}">'
                  f'<polyline points="{points}" fill="none" stroke="currentColor" '
                  f'stroke-width="1.5"/></svg> <span class="pd-spark__scale">up to '
                  f"{max(counts, default=0)} a {unit}</span>")


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- pages ------------------------------------------------------------------------------


def template_env(project_templates: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if project_templates is not None and project_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(project_templates)))
    loaders.append(jinja2.FileSystemLoader(str(resources.files("generator.templates"))))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["text"] = text_html
    env.filters["excerpt"] = excerpt
    env.filters["longdate"] = long_date
    env.filters["slug"] = base_slug
    env.globals["coins"] = lambda paper, settings: cite.coins(paper, settings.site_url)
    env.globals["daily_papers_url"] = daily_papers_url
    return env


# libyaml's emitter when PyYAML has it (its wheels do): the same YAML, four times faster
# than the pure-Python one, which took a second per 10,000 pages. It writes characters
# beyond the Basic Multilingual Plane as escapes (\U0001F600); they read back the same.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _root(page_path: str) -> str:
    """The relative prefix from a page's URL back to the site root (sub-path safe)."""
    parts = PurePosixPath(page_path).with_suffix("").parts
    depth = len(parts) - 1 if parts[-1] == "index" else len(parts)
    return "../" * depth


class Output:
    """The pages of one build as they are made: {path in docs_dir: Markdown}, and the
    search documents, {path: HTML}. Page builders (generator/pages.py) add to it.

    Most pages are the same from one build to the next: a page whose inputs hash to the
    key it was last written with (`reusable`, {page path: key}, for pages whose file is
    intact) is not rendered again but `kept`."""

    def __init__(self, settings: Settings, env: jinja2.Environment,
                 reusable: dict[str, str] | None = None, context: str = "", sink=None):
        self.settings = settings
        self.env = env
        self.reusable = reusable or {}
        self.context = context  # what every page depends on: settings, taxonomy, templates
        # A store.PageWriter: each file is written as it is made (a large archive's
        # pages held until a write stage took gigabytes). None: they are held in
        # `pages`, as UTF-8 (a str with one character past Latin-1 takes two or four
        # bytes a character).
        self.sink = sink
        self.pages: dict[str, bytes] = {}
        self.made: set[str] = set()  # the paths of every file made, written or held
        self.corpus: dict[str, bytes] = {}  # what the search index reads: one file per paper
        self.keys: dict[str, str] = {}  # page path -> the key of its inputs
        self.kept: set[str] = set()  # pages left as they are
        self.kept_documents: set[str] = set()  # search documents left as they are
        self.memo: dict[str, object] = {}  # pieces the builders of one build share
        self._fingerprints: dict[int, tuple[Paper, str]] = {}
        self._unrelated: dict[int, str] = {}  # id(paper): its fingerprint before relate
        self._group: list[str] | None = None  # the paths of the group() being made

    def fingerprint(self, paper: Paper) -> str:
        """A hash of everything a paper is (kept with the paper: ids are not reused).
        Every field, as orjson encodes a dataclass: a third of the time of its repr,
        which was a second per 40,000 papers."""
        known = self._fingerprints.get(id(paper))
        if known is None:
            known = self._fingerprints[id(paper)] = (paper, key(orjson.dumps(paper)))
        return known[1]

    def fingerprints(self, papers) -> str:
        """The papers' fingerprints as one input of a key: a file per listing and per
        author lists up to hundreds, each a part of its own cost more to hash."""
        return " ".join(self.fingerprint(p) for p in papers)

    def same_but_related(self, before: Paper, after: Paper) -> None:
        """`after` is `before` with its related papers found: its fingerprint is made
        from before's, without encoding the whole paper again."""
        if before.slug != after.slug:
            raise ValueError(f"{after.slug} is not {before.slug} with its related papers")
        self._unrelated[id(after)] = self.fingerprint(before)
        self._fingerprints[id(after)] = (after, key(self.fingerprint(before),
                                                    repr(after.related)))

    def fingerprint_unrelated(self, paper: Paper) -> str:
        """The fingerprint of everything a paper is but its related papers: what a
        page listing it as another paper's related one depends on. (Every new day moves
        some papers' related papers; the pages naming them as related stay.)"""
        return self._unrelated.get(id(paper)) or self.fingerprint(paper)

    def unchanged(self, path: str, *inputs: str) -> bool:
        """Records the key of a page's inputs; True (and the page kept as it is) when it
        was written from the same inputs before."""
        return self._unchanged(path, inputs, self.kept)

    def document_unchanged(self, path: str, *inputs: str) -> bool:
        """unchanged() for a search document (`path` in the search corpus)."""
        return self._unchanged(path, inputs, self.kept_documents)

    def _unchanged(self, path: str, inputs: tuple[str, ...], kept: set[str]) -> bool:
        inputs_key = self.keys[path] = key(self.context, path, *inputs)
        if self._group is not None:
            self._group.append(path)
        if self.reusable.get(path) == inputs_key:
            kept.add(path)
            return True
        return False

    def group(self, name: str, make: Callable[[], None], *inputs: str) -> None:
        """Files made together from the same few inputs (an author's pages: the author
        and the papers): when `inputs` are those they were last made from and every one
        of them is as it was written, all are kept without `make`, which would have
        made each one's key (an archive has tens of thousands of authors, and a day
        touches a few hundred). Else `make()` makes them, each kept or rendered by its
        own key. The group's record is a key of `keys`: GROUP + name."""
        record = GROUP + name
        inputs_key = key(self.context, record, *inputs)
        last = self.reusable.get(record, "").split("\n")
        if last[0] == inputs_key and all(path in self.reusable for path in last[1:]):
            for path in last[1:]:
                self.keys[path] = self.reusable[path]
            self.kept.update(last[1:])
            self.keys[record] = self.reusable[record]
            return
        self._group = made = []
        try:
            make()
        finally:
            self._group = None
        self.keys[record] = "\n".join([inputs_key, *made])

    def derived(self, path: str, make: Callable[[], str], *inputs: str) -> None:
        """A file that is not a page (a feed, a .bib, JSON): made by `make` unless its
        inputs are those it was last made from."""
        if not self.unchanged(path, *inputs):
            self.file(path, make())

    def listing(self, path: str, meta: dict, template: str, follow=None, **variables) -> None:
        """A page that lists papers: rendered unless its inputs (the page's variables,
        papers by their fingerprints) are those it was last written from. `follow`:
        a function giving the variables that follow from those (the order of the
        papers listed, say), made only for a page that is rendered."""
        if not self.unchanged(path, repr(meta), repr(self._canonical(variables))):
            self.page(path, meta, template, **variables, **(follow() if follow else {}))

    def _canonical(self, value):
        """The page's variables as a value whose repr says all a template reads of them:
        papers by their fingerprints, functions left out (they depend on the site
        index, whose every input is in the variables or the context). Plain values,
        most of the tens of thousands seen per build, are told by their exact type."""
        if type(value) in _PLAIN:
            return value
        if isinstance(value, Paper):
            return self.fingerprint(value)
        if isinstance(value, dict):
            return [(repr(k), self._canonical(v)) for k, v in value.items()]
        if isinstance(value, (list, tuple)):  # most are lists of papers: told here
            return [self.fingerprint(v) if type(v) is Paper else self._canonical(v)
                    for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return [type(value).__name__] + [self._canonical(getattr(value, f.name))
                                             for f in dataclasses.fields(value)]
        if callable(value):
            return None
        return value

    def render(self, path: str, template: str, **variables) -> str:
        try:
            return self.env.get_template(template).render(
                root=_root(path), settings=self.settings, **variables)
        except jinja2.TemplateError as e:
            where = f"{e.filename}:{e.lineno}" if getattr(e, "lineno", None) else template
            raise TemplateFailure(f"template {where}: {e.message or e}") from None

    def page(self, path: str, meta: dict, template: str, **variables) -> None:
        """A Markdown page: frontmatter, then the template's HTML as its body."""
        self.file(path, frontmatter.dumps(
            frontmatter.Post(self.render(path, template, search=False, **variables), **meta),
            Dumper=_YAML_DUMPER) + "\n")

    def search_document(self, path: str, title: str, template: str, **variables) -> None:
        """The search index's copy of a page: its template rendered for search (with
        Pagefind's attributes, without what Pagefind ignores, math as text), at the
        page's path. `title` is the page's title as text, as in the page's <title>.

        Pagefind reads these small files instead of the full pages MkDocs writes, so it
        can run while MkDocs renders, and parses a fraction of the HTML. The parts that
        change when other papers arrive (related papers, dates) are not in them, so the
        index reindexes only the papers that changed (generator/search.py)."""
        body = self.render(path, template, search=True, **variables).strip()
        self.corpus[search_path(path)] = (
            f'<!doctype html><html lang="{html.escape(self.settings.language)}"><head>'
            f'<meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body>{body}</body></html>\n").encode("utf-8")

    def forked(self) -> None:
        """In a forked worker: start empty, so that share() hands back only its own."""
        self.pages, self.corpus, self.keys, self.made = {}, {}, {}, set()
        self.kept, self.kept_documents = set(), set()
        if self.sink:
            self.sink.taken()

    def share(self) -> tuple:
        """What this Output made since forked(), for add() in the build's process."""
        return (self.made, self.pages, self.corpus, self.keys, self.kept,
                self.kept_documents, self.sink.taken() if self.sink else None)

    def add(self, share: tuple) -> None:
        """What another Output of the same build made (a forked worker's share)."""
        made, pages, corpus, keys, kept, kept_documents, written = share
        twice = made & self.made
        if twice:
            raise ValueError(f"two pages would be written to {min(twice)}")
        self.made |= made
        self.pages |= pages
        self.corpus |= corpus
        self.keys |= keys
        self.kept |= kept
        self.kept_documents |= kept_documents
        if written:
            self.sink.add(written)

    def file(self, path: str, text: str) -> None:
        if path in self.made:
            raise ValueError(f"two pages would be written to {path}")
        self.made.add(path)
        if self.sink:
            self.sink.write({path: text})
        else:
            self.pages[path] = text.encode("utf-8")

    def paginated(self, base: str, items: list, per_page: int, meta: dict, template: str,
                  stable: bool = False, front: dict | None = None, follow=None,
                  **variables) -> None:
        """base.md, then base/page/N.md: no listing page grows with the data. Each page
        has its `pager` (Pager).

        `stable`, for listings newest first: the first page holds the newest per_page
        to twice that (less one), and the older pages runs of `per_page` numbered from
        the oldest (base/page/1.md holds the oldest), so a new paper changes the first
        page only, and a run that fills adds a page and changes the one before it (its
        link to the newer page). Otherwise page N holds the N-th run from the top.
        `front`: variables only the first page has (what changes with every paper, a
        count, a chart), so that the others are kept. `follow`: as listing()'s, for
        every page."""
        folder = base.removesuffix("/index")
        if stable:
            older = max(0, len(items) // per_page - 1)
            first = len(items) - older * per_page
            # Run n counted from the oldest holds the papers (n-1)*per_page+1 to n*per_page.
            runs = [(Pager.from_oldest(0, older), items[:first])] + [
                (Pager.from_oldest(n, older, f"papers {(n - 1) * per_page + 1} to {n * per_page}"),
                 items[len(items) - n * per_page: len(items) - (n - 1) * per_page])
                for n in range(older, 0, -1)]
        else:
            chunks = [items[i: i + per_page] for i in range(0, len(items), per_page)] or [[]]
            runs = [(Pager(n == 1, n, count=len(chunks)), chunk)
                    for n, chunk in enumerate(chunks, 1)]
        for pager, run in runs:
            path = f"{base}.md" if pager.first else f"{folder}/page/{pager.number}.md"
            page_meta = dict(meta)
            if not pager.first:
                page_meta["title"] = f"{meta['title']} ({pager.label or f'page {pager.number}'})"
            extra = (front or {}) if pager.first else {}
            self.listing(path, page_meta, template, follow, pager=pager, items=run, **extra,
                         **variables)


@dataclass(frozen=True)
class Pager:
    """Where a page is in a listing of several, for its heading and its links to the
    others (the `pages` macro). A listing newest first numbers its older pages from
    the oldest (Output.paginated's `stable`, the period pages): page/1/ keeps the
    oldest, no page says how many there are, and a new page changes only the newest
    two. Another numbers its pages from its first: page N of `count`."""

    first: bool  # the listing's own address; the others are page/N/
    number: int = 1  # N of page/N/ (1: the first page of a listing numbered from it)
    count: int = 0  # the pages of a listing numbered from its first; 0: from the oldest
    newer: int | None = None  # numbered from the oldest: the next newer page (0: the first)
    older: int | None = None  # numbered from the oldest: the next older page
    label: str = ""  # numbered from the oldest: what the page holds ("papers 1 to 50")

    @classmethod
    def from_oldest(cls, number: int, older: int, label: str = "") -> Pager:
        """Page `number` (0: the first page) of a listing newest first with `older`
        pages after its first, numbered from the oldest."""
        if number == 0:
            return cls(True, older=older or None)
        return cls(False, number, newer=number + 1 if number < older else 0,
                   older=number - 1 or None, label=label)

    @property
    def last(self) -> bool:
        return self.number == self.count if self.count else self.older is None


# A group's record in the keys of the files made (Output.group): not a file's path.
GROUP = "@"


_PLAIN = frozenset({str, int, float, bool, type(None), dt.date})


def author_slugs(papers: list[Paper], minimum: int) -> dict[str, str]:
    """{author name: page slug} for authors with at least `minimum` papers; slugs are
    unique, the name's readable part plus a short hash where two names read the same."""
    counts = Counter(name for p in papers for name in set(p.authors))
    names = sorted(name for name, n in counts.items() if n >= minimum)
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        slug = base_slug(name) or "author"
        if slug in taken:
            slug = f"{slug}-{short_hash(name)}"
        taken.add(slug)
        slugs[name] = slug
    return slugs


def daily_papers_url(paper: Paper) -> str | None:
    """The paper's page on the Hugging Face Daily Papers, where it came from there: only
    the Daily Papers give upvotes, and its pages are named by the arXiv id."""
    if paper.meta.upvotes is None or not paper.meta.arxiv_id:
        return None
    return f"https://huggingface.co/papers/{paper.meta.arxiv_id}"


def paper_links(paper: Paper) -> list[dict]:
    """The paper's links, best known first, each URL once."""
    meta = paper.meta
    found = []
    if meta.arxiv_id:
        found += [("arXiv", f"https://arxiv.org/abs/{meta.arxiv_id}", ""),
                  ("PDF", f"https://arxiv.org/pdf/{meta.arxiv_id}", "")]
    if meta.github_repo:
        stars = meta.github_stars
        found.append(("Code", meta.github_repo,
                      f"{stars} star{'' if stars == 1 else 's'}" if stars is not None else ""))
    if meta.project_page:
        found.append(("Project page", meta.project_page, ""))
    daily_papers = daily_papers_url(paper)
    if daily_papers:
        found.append(("Daily Papers", daily_papers, "discussion and upvotes"))
    found += [(link.label, link.url, "") for link in paper.links]
    seen: set[str] = set()
    out = []
    for label, url, note in found:
        if url.rstrip("/") not in seen:
            seen.add(url.rstrip("/"))
            out.append({"label": label, "url": url, "note": note})
    return out


def search_path(page_path: str) -> str:
    """papers/x.md -> papers/x/index.html: where a page's search document goes."""
    return page_path.removesuffix(".md") + "/index.html"


def is_search_path(path: str) -> bool:
    """Whether a path of the build's keys is a search document's (search_path), not a
    generated file's (no generated file is an index.html)."""
    return path.endswith("/index.html")


def templates_fingerprint(env: jinja2.Environment) -> str:
    """A hash of every template the environment can load (the project's and ours)."""
    parts = []
    for name in sorted(env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
        source, _, _ = env.loader.get_source(env, name)
        parts += [name, source]
    return key(*parts)


