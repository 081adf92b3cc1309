"""Machine-readable outputs: Atom and JSON feeds (site-wide and per topic) and papers.json.

They are written into the docs folder next to the Markdown, and MkDocs copies them into
the site unchanged. Links are absolute when `site_url` is set; without it they are
relative to the file, and entry ids use a `tag:` URI so they stay valid and stable.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

from generator.model import Paper, Topic
from generator.normalize import math_as_text
from generator.render import Settings

FEED_SIZE = 50  # entries in each feed: the newest papers


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


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


def render_period_feed(path: str, title: str, periods, settings: Settings, env) -> str:
    """An Atom feed of periods (weeks or months), newest first: one entry per period,
    listing its top ten papers and linking its page."""
    links = Links(settings)
    from_dir = path.rsplit("/", 1)[0] + "/"
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
    return env.get_template("feed.xml.j2").render(
        title=f"{title} \u2014 {settings.site_name}", subtitle=settings.site_description,
        updated=f"{newest.isoformat()}T00:00:00Z",
        feed_id=links.url(path) if links.base else links.tag_base + path,
        self_url=links.url(path, from_dir), page_url=links.url("dates/", from_dir),
        entries=entries)


class _NoPaper:
    authors: tuple[str, ...] = ()  # a period's entry is the site's own


def render_exports(papers: list[Paper], taxonomy: list[Topic], settings: Settings,
                   env) -> dict[str, str]:
    """{path in docs_dir: text} for feed.xml, feed.json, topics/<slug>/feed.xml, papers.json.
    `env`: the Jinja2 environment of the page templates (the project's own first)."""
    links = Links(settings)
    atom = env.get_template("feed.xml.j2")
    names = {t.slug: t.name for t in taxonomy}
    newest = sorted(papers, key=lambda p: (-p.last_date.toordinal(), p.slug))
    out: dict[str, str] = {}

    def feed(path: str, title: str, items: list[Paper], page: str) -> None:
        from_dir = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        out[path] = atom.render(
            title=title, subtitle=settings.site_description, updated=_updated(items),
            feed_id=links.url(path) if links.base else links.tag_base + path,
            self_url=links.url(path, from_dir), page_url=links.url(page, from_dir),
            entries=[{
                # Feed readers show text as it is: math gets its plain reading.
                "paper": p, "id": links.entry_id(p),
                "title": math_as_text(p.title), "summary": math_as_text(p.abstract),
                "url": links.url(f"papers/{p.slug}/", from_dir),
                "topics": [names[s] for s in p.topics if s in names],
                "published": f"{p.first_date.isoformat()}T00:00:00Z",
                "updated": f"{p.last_date.isoformat()}T00:00:00Z",
            } for p in items[:FEED_SIZE]],
        )

    feed("feed.xml", settings.site_name, newest, "")
    for topic in taxonomy:
        items = [p for p in newest if topic.slug in p.topics]
        feed(f"topics/{topic.slug}/feed.xml", f"{topic.name} \u2014 {settings.site_name}",
             items, f"topics/{topic.slug}/")

    out["feed.json"] = _json({
        "version": "https://jsonfeed.org/version/1.1",
        "title": settings.site_name,
        "home_page_url": links.url(""),
        "feed_url": links.url("feed.json"),
        "description": settings.site_description,
        "items": [{
            "id": links.entry_id(p),
            "url": links.url(f"papers/{p.slug}/"),
            "title": math_as_text(p.title),
            "content_text": math_as_text(p.abstract),
            "date_published": f"{p.first_date.isoformat()}T00:00:00Z",
            "date_modified": f"{p.last_date.isoformat()}T00:00:00Z",
            "tags": [names[s] for s in p.topics if s in names],
        } for p in newest[:FEED_SIZE]],
    })

    out["papers.json"] = _json({
        "papers": [{
            "slug": p.slug,
            "title": p.title,
            "url": links.url(f"papers/{p.slug}/"),
            "dates": [d.isoformat() for d in p.dates],
            "topics": list(p.topics),
            "authors": list(p.authors),
            "arxiv_id": p.arxiv_id,
            "abstract": p.abstract,
            "links": [{"label": link.label, "url": link.url} for link in p.links],
        } for p in newest],
        "topics": [{"slug": t.slug, "name": t.name, "description": t.description,
                    "arxiv": list(t.arxiv)} for t in taxonomy],
    })
    return out
