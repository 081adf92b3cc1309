"""Machine-readable outputs: Atom and JSON feeds (site-wide, per topic, per author, per
week and month), feeds.opml, papers.json and the static data API (/api/).

They are written into the docs folder next to the Markdown, and MkDocs copies them into
the site unchanged. Links are absolute when `site_url` is set; without it they are
relative to the file, and entry ids use a `tag:` URI so they stay valid and stable.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from urllib.parse import urlsplit

import orjson

from generator import cite
from generator.model import Paper, Topic
from generator.normalize import math_as_text
from generator.render import Settings

FEED_SIZE = 50  # entries in each feed: the newest papers


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def compact_json(data: object) -> str:
    """JSON without indentation, for papers.json and the data API's file per paper and
    per day: orjson's, the same bytes as json's compact encoder in a third of its time
    (papers.json is 18 MB at 10,000 papers, made again whenever one arrives)."""
    return orjson.dumps(data).decode("utf-8") + "\n"


class Links:
    """Paper and page URLs as feeds need them, absolute when the site's URL is known."""

    def __init__(self, settings: Settings):
        self.base = settings.site_url.rstrip("/") + "/" if settings.site_url else ""
        host = urlsplit(self.base).netloc or "paper-digest.invalid"
        self.tag_base = f"tag:{host},2024:"

    def url(self, path: str, from_dir: str = "") -> str:
        if self.base:
            return self.base + path
        return "../" * from_dir.count("/") + path or "./"

    def entry_id(self, paper: Paper) -> str:
        return self.url(f"papers/{paper.slug}/") if self.base else f"{self.tag_base}{paper.slug}"


def _updated(papers: list[Paper]) -> str:
    newest = max((p.last_date for p in papers), default=dt.date(2024, 1, 1))
    return f"{newest.isoformat()}T00:00:00Z"


PERIOD_FEED_SIZE = 20  # entries in the weekly and monthly feeds: the newest periods
PERIOD_TOP = 10  # papers each entry lists


class _NoPaper:
    authors: tuple[str, ...] = ()  # a period's entry is the site's own


class Feeds:
    """Each machine-readable file of the site, one method per kind of file. `env`: the
    Jinja2 environment of the page templates (the project's own first)."""

    def __init__(self, settings: Settings, taxonomy: list[Topic], env):
        self.settings, self.links = settings, Links(settings)
        self.atom_template = env.get_template("feed.xml.j2")
        self.names = {t.slug: t.name for t in taxonomy}

    def _render(self, path: str, title: str, updated: str, page: str, entries: list) -> str:
        links, from_dir = self.links, _dir_of(path)
        return self.atom_template.render(
            title=title, subtitle=self.settings.site_description, updated=updated,
            feed_id=links.url(path) if links.base else links.tag_base + path,
            self_url=links.url(path, from_dir), page_url=links.url(page, from_dir),
            entries=entries)

    def atom(self, path: str, title: str, items: list[Paper], page: str) -> str:
        """An Atom feed of the newest FEED_SIZE of `items` (newest first)."""
        links, from_dir = self.links, _dir_of(path)
        return self._render(path, title, _updated(items), page, [{
                # Feed readers show text as it is: math gets its plain reading.
                "paper": p, "id": links.entry_id(p),
                "title": math_as_text(p.title), "summary": math_as_text(p.abstract),
                "url": links.url(f"papers/{p.slug}/", from_dir),
                "topics": [self.names[s] for s in p.topics if s in self.names],
                "published": f"{p.first_date.isoformat()}T00:00:00Z",
                "updated": f"{p.last_date.isoformat()}T00:00:00Z",
            } for p in items[:FEED_SIZE]])

    def period_feed(self, path: str, title: str, periods) -> str:
        """An Atom feed of periods (weeks or months), newest first: one entry per
        period, listing its top ten papers and linking its page."""
        links, from_dir = self.links, _dir_of(path)
        entries = []
        for period in reversed(periods[-PERIOD_FEED_SIZE:]):
            top = period.papers[:PERIOD_TOP]
            lines = [f"{i}. {math_as_text(p.title)}"
                     + (f" ({p.meta.upvotes} upvotes)" if p.meta.upvotes else "")
                     for i, p in enumerate(top, 1)]
            stamp = f"{period.days[-1].isoformat()}T00:00:00Z"
            entries.append({
                "paper": _NoPaper, "id": links.url(f"dates/{period.key}/") if links.base
                else f"{links.tag_base}dates/{period.key}",
                "title": f"{period.title}: the top {len(top)} of {len(period.papers)} papers",
                "summary": "\n".join(lines), "url": links.url(f"dates/{period.key}/", from_dir),
                "topics": [], "published": stamp, "updated": stamp,
            })
        newest = periods[-1].days[-1] if periods else dt.date(2024, 1, 1)
        return self._render(path, f"{title} \u2014 {self.settings.site_name}",
                            f"{newest.isoformat()}T00:00:00Z", "dates/", entries)

    def json_feed(self, newest: list[Paper]) -> str:
        links = self.links
        return _json({
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.settings.site_name,
            "home_page_url": links.url(""),
            "feed_url": links.url("feed.json"),
            "description": self.settings.site_description,
            "items": [{
                "id": links.entry_id(p),
                "url": links.url(f"papers/{p.slug}/"),
                "title": math_as_text(p.title),
                "content_text": math_as_text(p.abstract),
                "date_published": f"{p.first_date.isoformat()}T00:00:00Z",
                "date_modified": f"{p.last_date.isoformat()}T00:00:00Z",
                "tags": [self.names[s] for s in p.topics if s in self.names],
            } for p in newest[:FEED_SIZE]],
        })

    def record(self, p: Paper, from_dir: str = "") -> dict:
        """A paper as papers.json lists it (schemas/paper.schema.json)."""
        meta = p.meta
        return {
            "slug": p.slug,
            "title": p.title,
            "url": self.links.url(f"papers/{p.slug}/", from_dir),
            "dates": [d.isoformat() for d in p.dates],
            "topics": list(p.topics),
            "authors": list(p.authors),
            "arxiv_id": p.arxiv_id,
            "abstract": p.abstract,
            "links": [{"label": link.label, "url": link.url} for link in p.links],
            "upvotes": meta.upvotes,
            "code": meta.github_repo,
            "stars": meta.github_stars,
            "organization": meta.organization,
        }

    def papers_json(self, newest: list[Paper], topics: list[Topic]) -> str:
        # Every paper, made again whenever one arrives: json's C encoder (compact), as
        # the indenting one takes half a second more at 10,000 papers.
        return compact_json({
            "papers": [self.record(p) for p in newest],
            "topics": [{"slug": t.slug, "name": t.name, "description": t.description,
                        "arxiv": list(t.arxiv)} for t in topics],
        })

    def api_paper(self, p: Paper, related: list[Paper]) -> str:
        """/api/papers/<slug>.json: the paper as papers.json has it, with its related
        papers, its topics' names and its citations (the reading list exports these)."""
        from_dir, site_url = "api/papers/", self.settings.site_url
        return compact_json(self.record(p, from_dir) | {
            "first_date": p.first_date.isoformat(),
            "last_date": p.last_date.isoformat(),
            "topic_names": [self.names[s] for s in p.topics if s in self.names],
            "related": [{"slug": r.slug, "title": r.title,
                         "url": self.links.url(f"papers/{r.slug}/", from_dir)} for r in related],
            "bibtex": cite.bibtex(p, site_url),
            "ris": cite.ris(p, site_url),
            "csl": cite.csl(p, site_url),
        })

    def api_day(self, day: dt.date, papers: list[Paper]) -> str:
        """/api/dates/YYYY-MM-DD.json: the day's papers in the digest's order."""
        from_dir = "api/dates/"
        return compact_json({
            "date": day.isoformat(),
            "url": self.links.url(f"dates/{day.isoformat()}/", from_dir),
            "count": len(papers),
            "papers": [self.record(p, from_dir) | {
                "api": self.links.url(f"api/papers/{p.slug}.json", from_dir)} for p in papers],
        })

    def opml(self, groups: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
        """feeds.opml: every feed of the site, in groups [(group, [(title, feed path,
        page path)])], for a feed reader to subscribe to at once."""
        def outline(title: str, path: str, page: str) -> str:
            return (f'      <outline type="rss" text="{_attr(title)}" title="{_attr(title)}" '
                    f'xmlUrl="{_attr(self.links.url(path))}" '
                    f'htmlUrl="{_attr(self.links.url(page))}"/>')

        body = []
        for group, items in groups:
            body.append(f'    <outline text="{_attr(group)}" title="{_attr(group)}">')
            body += [outline(*item) for item in items]
            body.append("    </outline>")
        return ('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">\n  <head>\n'
                f"    <title>{html.escape(self.settings.site_name)}</title>\n  </head>\n"
                "  <body>\n" + "\n".join(body) + "\n  </body>\n</opml>\n")


def _dir_of(path: str) -> str:
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def _attr(text: str) -> str:
    return html.escape(text, quote=True)
