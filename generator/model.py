"""The values that pass between stages. Frozen, so no stage changes another's data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Link:
    label: str  # "Code", "Hugging Face", "Project page", ...
    url: str  # always http(s)


@dataclass(frozen=True)
class Metadata:
    """What a source may know about a paper beyond title and abstract."""

    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None  # without version suffix
    categories: tuple[str, ...] = ()  # arXiv categories, primary first
    upvotes: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None  # machine-written; always labelled as such
    ai_keywords: tuple[str, ...] = ()
    organization: str | None = None


@dataclass(frozen=True)
class Entry:
    """One paper as one digest lists it, already normalized for reading."""

    title: str
    abstract: str
    date: dt.date
    source: str  # the digest file's name
    line: int  # where the title stands in that file (or the entry's number)
    links: tuple[Link, ...] = ()
    meta: Metadata = Metadata()


@dataclass(frozen=True)
class Digest:
    """One parsed digest file: a day's entries."""

    source: str
    date: dt.date
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Paper:
    """One paper of the collection: every digest entry of it merged into one."""

    key: str  # the dedupe key: normalized title
    slug: str  # the URL segment; never changes once the paper exists
    title: str
    abstract: str
    dates: tuple[dt.date, ...]  # every day it was featured, oldest first
    topics: tuple[str, ...] = ()  # topic slugs, best first
    links: tuple[Link, ...] = ()
    meta: Metadata = Metadata()
    # For each of `dates`, where the paper stood in that day's digest: (file, line or
    # entry number). A day's page keeps the digest's order (Daily Papers: most upvoted
    # first; a newsletter: its editor's).
    places: tuple[tuple[str, int], ...] = field(default=(), compare=False)
    related: tuple[str, ...] = ()  # slugs of the most similar papers
    hidden: bool = False  # a reader note can hide a paper
    note: str = ""  # the reader note's Markdown

    def __hash__(self) -> int:
        # Papers key the citation caches and fill sets: the generated hash went through
        # every field, abstract and metadata included, each time. Equal papers have equal
        # keys; papers that differ in more than their key still compare unequal.
        return hash(self.key)

    @property
    def authors(self) -> tuple[str, ...]:
        return self.meta.authors

    @property
    def arxiv_id(self) -> str | None:
        return self.meta.arxiv_id

    def place_on(self, day: dt.date) -> tuple[str, int]:
        """Where the paper stood in `day`'s digest ("" and 0 when unknown)."""
        for d, place in zip(self.dates, self.places):
            if d == day:
                return place
        return ("", 0)

    @property
    def first_date(self) -> dt.date:
        return self.dates[0]

    @property
    def last_date(self) -> dt.date:
        return self.dates[-1]


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    arxiv: tuple[str, ...] = ()
    keywords: tuple[tuple[str, float], ...] = ()  # (phrase, weight); weight < 0 argues against
    fallback_for: tuple[str, ...] = ()  # arXiv categories whose papers default to it


# --- as JSON (the derived-data cache keeps parsed digests) ------------------------------


def digest_to_data(digest: Digest) -> dict:
    # Field by field rather than dataclasses.asdict, whose deep copies took half a second
    # per 10,000 entries; tuples become lists when the cache writes the JSON.
    return {"source": digest.source, "date": digest.date.isoformat(),
            "entries": [{**vars(e), "date": e.date.isoformat(), "meta": vars(e.meta),
                         "links": [vars(link) for link in e.links]}
                        for e in digest.entries]}


def digest_from_data(data: dict) -> Digest:
    def entry(item: dict) -> Entry:
        return Entry(title=item["title"], abstract=item["abstract"],
                     date=dt.date.fromisoformat(item["date"]), source=item["source"],
                     line=item["line"], links=tuple(Link(**link) for link in item["links"]),
                     meta=_meta_from_data(item["meta"]))

    return Digest(source=data["source"], date=dt.date.fromisoformat(data["date"]),
                  entries=tuple(entry(item) for item in data["entries"]))


_LISTS = tuple(f.name for f in fields(Metadata) if f.type.startswith("tuple"))


def _meta_from_data(data: dict) -> Metadata:
    for name in _LISTS:  # JSON has lists; a frozen value holds tuples
        if name in data:
            data[name] = tuple(data[name])
    return Metadata(**data)


# The merged papers (dedupe.Merged) are kept as lists of their fields in this order:
# they are read at every build, and 75,000 papers' names would be a tenth of the file.
def paper_to_data(paper: Paper) -> list:
    return [paper.key, paper.slug, paper.title, paper.abstract,
            [day.isoformat() for day in paper.dates], paper.places,
            [(link.label, link.url) for link in paper.links], vars(paper.meta)]


def paper_from_data(data: list) -> Paper:
    key, slug, title, abstract, dates, places, links, meta = data
    return Paper(key=key, slug=slug, title=title, abstract=abstract,
                 dates=tuple(map(dt.date.fromisoformat, dates)),
                 places=tuple(map(tuple, places)),
                 links=tuple(Link(label, url) for label, url in links),
                 meta=_meta_from_data(meta))
