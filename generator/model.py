"""The values that pass between stages. Frozen, so no stage changes another's data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    label: str  # "Code", "Hugging Face", "Project page", ...
    url: str  # always http(s)


@dataclass(frozen=True)
class Entry:
    """One paper as one digest lists it, already normalized for reading."""

    title: str
    abstract: str
    date: dt.date
    source: str  # the digest file's name
    line: int  # where the title stands in that file
    links: tuple[Link, ...] = ()


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
    authors: tuple[str, ...] = ()
    arxiv_id: str | None = None
    sources: tuple[str, ...] = field(default=(), compare=False)

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
