"""Render the collection into Markdown pages (YAML frontmatter + body) with Jinja2.

Every page is returned as {path inside docs_dir: text}; nothing here touches the disk.

Text is text: templates autoescape, and data reaches them only as variables, so digest
text is never evaluated as a template. Bodies are HTML blocks, which Python-Markdown
passes through without reading Markdown syntax inside them: `a*b*c`, `<EOS>` and `{{ }}`
in an abstract are shown exactly as written. Frontmatter goes through python-frontmatter
(PyYAML's safe dumper), never through string formatting.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

import frontmatter
import jinja2
import yaml
from markupsafe import Markup

from generator.background import CAN_FORK, Background
from generator.cache import key
from generator.model import Paper, Topic
from generator.normalize import (base_slug, find_urls, math_as_text, short_hash, split_math,
                                 tex_as_text)


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
def text_html(text: str, links: bool = True) -> Markup:
    """Escaped text with math marked up for KaTeX and (optionally) URLs made links."""
    out: list[str] = []
    for kind, segment in split_math(text):
        if kind != "text":
            out.append(_math_html(kind, segment))
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


_BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_{}"} | {
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"})


def bibtex(paper: Paper, settings: Settings) -> str:
    """A BibTeX entry; special characters escaped so any title is a valid field."""
    def field(text: str) -> str:
        return text.translate(_BIBTEX_SPECIAL)

    key = paper.arxiv_id or paper.slug
    # Math as its plain reading: the TeX would come out escaped (\\$...\\$), and kept as
    # TeX it would run whatever commands a digest put in it when the paper is cited.
    fields = [("title", "{" + field(math_as_text(paper.title)) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(field(a) for a in paper.authors)))
    fields.append(("year", str(paper.first_date.year)))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    elif settings.site_url:
        fields.append(("url", f"{settings.site_url.rstrip('/')}/papers/{paper.slug}/"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


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


def trend_svg(counts: list[int], axis: list[dt.date], unit: str, name: str) -> Markup:
    """A bar chart of papers per week or month, with a text alternative."""
    width, height, gap = 640, 120, 2
    peak = max(counts, default=0) or 1
    bar = (width - gap * len(counts)) / max(1, len(counts))
    bars = []
    for i, (n, start) in enumerate(zip(counts, axis, strict=True)):
        h = round(n / peak * (height - 20), 1)
        x = round(i * (bar + gap), 1)
        bars.append(f'<rect x="{x}" y="{height - h}" width="{round(bar, 1)}" height="{h}">'
                    f"<title>{html.escape(_bucket_label(start, unit))}: {n}</title></rect>")
    summary = ", ".join(f"{_bucket_label(a, unit)}: {n}" for a, n in zip(axis, counts,
                                                                            strict=True))
    label = f"Papers on {name} per {unit}"
    # The bars have no axis: the caption says where it starts and ends.
    caption = label
    if axis:
        caption += (f", {'weeks of ' if unit == 'week' else ''}{_bucket_date(axis[0], unit)}"
                    f" to {_bucket_date(axis[-1], unit)}")
    return Markup(
        f'<figure class="pd-trend"><svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(label)}" preserveAspectRatio="none">{"".join(bars)}</svg>'
        f'<figcaption>{html.escape(caption)}. <span class="pd-sr-only">{html.escape(summary)}'
        f"</span></figcaption></figure>")


def sparkline_svg(counts: list[int], label: str) -> Markup:
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
                  f'stroke-width="1.5"/></svg>')


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- pages ------------------------------------------------------------------------------


def _root(page_path: str) -> str:
    """The relative prefix from a page's URL back to the site root (sub-path safe)."""
    parts = PurePosixPath(page_path).with_suffix("").parts
    depth = len(parts) - 1 if parts[-1] == "index" else len(parts)
    return "../" * depth


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
    return env


# libyaml's emitter when PyYAML has it (its wheels do): the same YAML, four times faster
# than the pure-Python one, which took a second per 10,000 pages. It writes characters
# beyond the Basic Multilingual Plane as escapes (\U0001F600); they read back the same.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class TemplateFailure(Exception):
    """A page template failed; the message names the template."""


# Below this many paper pages to render, a second process costs more than it saves.
PARALLEL_FROM = 2000


def _render_pages(renderer: Renderer, papers: list[Paper]
                  ) -> tuple[tuple[dict, dict] | None, str | None]:
    """In a fork of the build: ((pages, search documents), None) of these papers' pages,
    or (None, what failed)."""
    renderer.pages, renderer.corpus = {}, {}
    try:
        renderer._render_each(papers)
    except TemplateFailure as e:
        return None, str(e)
    return (renderer.pages, renderer.corpus), None


class Renderer:
    def __init__(self, papers: list[Paper], taxonomy: list[Topic], settings: Settings,
                 project_templates: Path | None = None, reusable: dict[str, str] | None = None):
        self.papers = papers  # newest first
        self.settings = settings
        self.env = template_env(project_templates)
        # Paper pages are the bulk of the work and mostly unchanged from one build to the
        # next: a page whose inputs hash to the key it had when it was last written (and
        # whose file is intact: `reusable`, {page path: key}) is not rendered again.
        self.reusable = reusable or {}
        self.keys: dict[str, str] = {}  # paper page path -> the key of its inputs
        self.kept: set[str] = set()  # paper pages left as they are
        self._fingerprints: dict[str, str] = {}
        self._context_key = key(repr(settings), repr(taxonomy), templates_fingerprint(self.env))
        self.topics = {t.slug: t for t in taxonomy}
        self.taxonomy = taxonomy
        self.by_date: dict[dt.date, list[Paper]] = defaultdict(list)
        self.by_topic: dict[str, list[Paper]] = defaultdict(list)
        for paper in papers:
            for day in paper.dates:
                self.by_date[day].append(paper)
            for slug in paper.topics:
                self.by_topic[slug].append(paper)
        for day, listing in self.by_date.items():
            listing.sort(key=lambda p: (p.place_on(day), p.slug))  # the digest's order
        self.days = sorted(self.by_date)  # oldest first
        self.by_slug = {p.slug: p for p in papers}
        self.unit, self.axis = time_axis(self.days)
        self.author_pages = author_slugs(papers, settings.author_min_papers)
        self.by_author: dict[str, list[Paper]] = defaultdict(list)
        for paper in papers:
            for name in paper.authors:
                if name in self.author_pages:
                    self.by_author[name].append(paper)
        self.pages: dict[str, str] = {}
        self.corpus: dict[str, str] = {}  # what the search index reads: one file per paper

    def render_listings(self) -> None:
        """Every page but the papers' own: none of them shows related papers."""
        self.home()
        self.search()
        self.dates_archive()
        for i, day in enumerate(self.days):
            prev_day = self.days[i - 1] if i > 0 else None
            next_day = self.days[i + 1] if i + 1 < len(self.days) else None
            self.date(day, prev_day, next_day)
        self.topics_index()
        for topic in self.taxonomy:
            self.topic(topic)
        self.authors_index()
        for name in self.author_pages:
            self.author(name)

    def render_papers(self, papers: list[Paper]) -> Rendered:
        """The paper pages, from `papers`: the papers given at the start with their
        related papers added."""
        self.papers = papers
        self.by_slug = {p.slug: p for p in papers}
        todo = [paper for paper in papers if self._changed(paper)]
        if len(todo) >= PARALLEL_FROM and CAN_FORK:
            # The other core is free here (the related papers are found, the search
            # index is not started yet): a fork renders the second half of the pages.
            half = len(todo) // 2
            job = Background(_render_pages, self, todo[half:])
            _, (done, error) = job.alongside(lambda: self._render_each(todo[:half]))
            if error:
                raise TemplateFailure(error)
            self.pages |= done[0]
            self.corpus |= done[1]
        else:
            self._render_each(todo)
        return Rendered(self.pages, self.corpus, self.keys, self.kept)

    def _render_each(self, papers: list[Paper]) -> None:
        for paper in papers:
            self.paper(paper)

    # Each page: its path in docs_dir, its frontmatter, its template and variables.
    # `page_body(body)` is what of the rendered body goes into the page (all of it unless
    # told); the body itself is returned.
    def _page(self, path: str, meta: dict, template: str, page_body=None, **variables) -> str:
        if path in self.pages:
            raise ValueError(f"two pages would be written to {path}")
        try:
            body = self.env.get_template(template).render(
                root=_root(path), settings=self.settings, topics=self.topics, **variables)
        except jinja2.TemplateError as e:
            where = f"{e.filename}:{e.lineno}" if getattr(e, "lineno", None) else template
            raise TemplateFailure(f"template {where}: {e.message or e}") from None
        shown = page_body(body) if page_body else body
        self.pages[path] = frontmatter.dumps(frontmatter.Post(shown, **meta),
                                             Dumper=_YAML_DUMPER) + "\n"
        return body

    def _topic_list(self, paper: Paper) -> list[Topic]:
        return [self.topics[s] for s in paper.topics if s in self.topics]

    def _fingerprint(self, paper: Paper) -> str:
        if paper.slug not in self._fingerprints:
            self._fingerprints[paper.slug] = key(repr(paper))
        return self._fingerprints[paper.slug]

    def paper_key(self, paper: Paper) -> str:
        """A hash of everything a paper page is made of: the paper, its related papers,
        which of its authors have pages, the settings, taxonomy and templates."""
        return key(self._context_key, self._fingerprint(paper),
                    *(self._fingerprint(self.by_slug[s]) for s in paper.related
                      if s in self.by_slug),
                    repr([self.author_pages.get(name) for name in paper.authors]))

    def _changed(self, paper: Paper) -> bool:
        """Records the key of the paper's page; False (and the page kept as it is) when
        the page was written from the same inputs before."""
        path = f"papers/{paper.slug}.md"
        inputs = self.keys[path] = self.paper_key(paper)
        if self.reusable.get(path) == inputs:
            self.kept.add(path)
            return False
        return True

    def paper(self, paper: Paper) -> None:
        path = f"papers/{paper.slug}.md"
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
        body = self._page(f"papers/{paper.slug}.md", meta, "paper.md.j2",
                          page_body=without_search_attributes, paper=paper,
                          paper_topics=self._topic_list(paper),
                          bibtex=bibtex(paper, self.settings),
                          links=links, author_pages=self.author_pages,
                          related=[self.by_slug[s] for s in paper.related
                                   if s in self.by_slug])
        self.corpus[search_path(path)] = search_document(meta["title"], body,
                                                           self.settings.language)

    def date(self, day: dt.date, prev_day: dt.date | None, next_day: dt.date | None) -> None:
        papers = self.by_date[day]
        meta = {"title": f"Papers of {long_date(day)}", "date": day.isoformat(),
                "papers": len(papers)}
        self._page(f"dates/{day.isoformat()}.md", meta, "date.md.j2", day=day,
                   papers=papers, prev_day=prev_day, next_day=next_day,
                   topics_of=self._topic_list)

    def dates_archive(self) -> None:
        years: dict[int, dict[int, list[tuple[dt.date, int]]]] = defaultdict(
            lambda: defaultdict(list))
        for day in reversed(self.days):
            years[day.year][day.month].append((day, len(self.by_date[day])))
        def unique_papers(days: list[tuple[dt.date, int]]) -> int:
            return len({p.key for day, _ in days for p in self.by_date[day]})

        archive = [
            (year, [(dt.date(year, month, 1), days, unique_papers(days))
                    for month, days in months.items()])
            for year, months in years.items()
        ]
        self._page("dates/index.md", {"title": "Dates"}, "dates.md.j2", archive=archive,
                   day_count=len(self.days))

    def _series(self, papers: list[Paper]) -> list[int]:
        """Papers per bucket of the time axis, by the day each was first featured."""
        per = Counter(bucket_of(p.first_date, self.unit) for p in papers)
        return [per.get(start, 0) for start in self.axis]

    def topics_index(self) -> None:
        counts = {t.slug: len(self.by_topic.get(t.slug, ())) for t in self.taxonomy}
        sparks = {t.slug: sparkline_svg(self._series(self.by_topic.get(t.slug, [])),
                                        f"{t.name}: papers per {self.unit}")
                  for t in self.taxonomy}
        self._page("topics/index.md", {"title": "Topics"}, "topics.md.j2",
                   taxonomy=self.taxonomy, counts=counts, sparks=sparks)

    def _paginated(self, base: str, items: list, per_page: int, meta: dict, template: str,
                   **variables) -> None:
        """base.md, then base/page/2.md, ...: no listing page grows with the data."""
        page_count = max(1, -(-len(items) // per_page))
        folder = base.removesuffix("/index")
        for number in range(1, page_count + 1):
            path = f"{base}.md" if number == 1 else f"{folder}/page/{number}.md"
            page_meta = dict(meta)
            if number > 1:
                page_meta["title"] = f"{meta['title']} (page {number})"
            self._page(path, page_meta, template, number=number, page_count=page_count,
                       items=items[(number - 1) * per_page: number * per_page], **variables)

    def topic(self, topic: Topic) -> None:
        papers = _newest_first(self.by_topic.get(topic.slug, ()))
        co = Counter(s for p in papers for s in p.topics if s != topic.slug)
        related = [self.topics[s] for s, _ in sorted(co.items(), key=lambda c: (-c[1], c[0]))
                   if s in self.topics][:5]
        chart = trend_svg(self._series(papers), self.axis, self.unit, topic.name)
        self._paginated(f"topics/{topic.slug}", papers, self.settings.per_page,
                        {"title": topic.name, "topic": topic.slug}, "topic.md.j2",
                        topic=topic, count=len(papers), related=related, chart=chart,
                        topics_of=self._topic_list)

    def author(self, name: str) -> None:
        papers = _newest_first(self.by_author[name])
        slug = self.author_pages[name]
        self._paginated(f"authors/{slug}", papers, self.settings.per_page,
                        {"title": name, "author": name}, "author.md.j2", name=name,
                        slug=slug, count=len(papers), topics_of=self._topic_list)

    def authors_index(self) -> None:
        authors = sorted(((name, slug, len(self.by_author[name]))
                          for name, slug in self.author_pages.items()),
                         key=lambda a: (-a[2], a[0].casefold(), a[1]))
        self._paginated("authors/index", authors, 200, {"title": "Authors"}, "authors.md.j2",
                        minimum=self.settings.author_min_papers)

    def home(self) -> None:
        newest = list(reversed(self.days))[: self.settings.home_days]
        counts = Counter(s for p in self.papers for s in p.topics)
        self._page("index.md", {"title": self.settings.site_name}, "home.md.j2",
                   newest=[(day, self.by_date[day]) for day in newest],
                   paper_count=len(self.papers), day_count=len(self.days),
                   taxonomy=self.taxonomy, counts=counts, topics_of=self._topic_list)

    def search(self) -> None:
        years = sorted({p.first_date.year for p in self.papers}, reverse=True)
        months = sorted({p.first_date.strftime("%Y-%m") for p in self.papers}, reverse=True)
        self._page("search.md", {"title": "Search", "hide": ["toc"]}, "search.md.j2",
                   taxonomy=self.taxonomy, years=years, months=months)


def _newest_first(papers) -> list[Paper]:
    return sorted(papers, key=lambda p: (-p.last_date.toordinal(), p.slug))


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
    found += [(link.label, link.url, "") for link in paper.links]
    seen: set[str] = set()
    out = []
    for label, url, note in found:
        if url.rstrip("/") not in seen:
            seen.add(url.rstrip("/"))
            out.append({"label": label, "url": url, "note": note})
    return out


# An element Pagefind is told to ignore, up to the first closing tag of its kind.
_IGNORED = re.compile(r"<(ul|ol|p|pre|div|section|span)\b[^>]*\bdata-pagefind-ignore\b[^>]*>"
                      r".*?</\1>", re.DOTALL)


def _drop_ignored(match: re.Match) -> str:
    # Kept when it holds an element of its own kind: the closing tag found may not be its.
    inner = match.group(0)[match.group(0).index(">") + 1:]
    return match.group(0) if f"<{match.group(1)}" in inner else ""


# A heading left with nothing under it once the ignored elements are gone: Pagefind
# would make it a section of the result with no text.
_EMPTY_SECTION = re.compile(r"<h2\b[^>]*>[^<]*</h2>\s*(?=<h2\b|</article>)")


# Pagefind reads the search documents, never the pages: its attributes (and the spans
# that carry only them) are left out of the pages, where a paper with a hundred authors
# would pay for them a hundred times.
_SEARCH_ONLY_SPAN = re.compile(r'<span hidden data-pagefind-[^>]*></span>')
_SEARCH_ATTRIBUTE = re.compile(r' data-pagefind-[a-z-]+(?:="[^"]*")?')
_BARE_SPAN = re.compile(r"<span>([^<>]*)</span>")


def without_search_attributes(body: str) -> str:
    """The paper page's body without them, in the article (a reader's note below it is
    left as its author wrote it)."""
    end = body.find("</article>")
    article, rest = (body[:end], body[end:]) if end >= 0 else (body, "")
    article = _SEARCH_ONLY_SPAN.sub("", article)
    return _BARE_SPAN.sub(r"\1", _SEARCH_ATTRIBUTE.sub("", article)) + rest


# The math spans _math_html writes.
_MATH_SPAN = re.compile(r'<span class="arithmatex[^"]*">\\[(\[](.*?)\\[)\]]</span>', re.DOTALL)


def _math_span_as_text(match: re.Match) -> str:
    return html.escape(tex_as_text(html.unescape(match.group(1))), quote=False)


def search_document(title: str, body: str, language: str) -> str:
    """The search index's copy of a paper page: the article alone, at the page's path.
    `title` is the page's title as text (math read plainly, as in the page's <title>).

    Pagefind reads these small files instead of the full pages MkDocs writes, so it can
    run while MkDocs renders, and parses a fraction of the HTML. What Pagefind ignores is
    left out: the related papers and the dates change when other papers arrive, and the
    search index reindexes only the documents that changed (generator/search.py)."""
    article = body[: body.index("</article>") + len("</article>")] if "</article>" in body \
        else body
    article = _EMPTY_SECTION.sub("", _IGNORED.sub(_drop_ignored, article))
    # Results show the document's text, where KaTeX does not run: math as plain text.
    article = _MATH_SPAN.sub(_math_span_as_text, article)
    return (f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>{article}</body></html>\n")


@dataclass
class Rendered:
    pages: dict[str, str]  # {page path in docs_dir: Markdown}
    corpus: dict[str, str]  # {path: search document}
    keys: dict[str, str]  # {paper page path: the key of its inputs}
    kept: set[str]  # paper pages not rendered: unchanged, like their search documents


def search_path(page_path: str) -> str:
    """papers/x.md -> papers/x/index.html: where a page's search document goes."""
    return page_path.removesuffix(".md") + "/index.html"


def templates_fingerprint(env: jinja2.Environment) -> str:
    """A hash of every template the environment can load (the project's and ours)."""
    parts = []
    for name in sorted(env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
        source, _, _ = env.loader.get_source(env, name)
        parts += [name, source]
    return key(*parts)


