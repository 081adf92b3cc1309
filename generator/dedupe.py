"""Merge digest entries into papers: one paper per arXiv id (version stripped) or, for
entries without one, per title key; every featured date is kept and the richest
metadata wins field by field.

The merge never depends on the order of its input: every choice below is a sort.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields

from generator.model import Entry, Link, Metadata, Paper
from generator.normalize import base_slug, short_hash, title_key


def group(entries: Iterable[Entry], title_key=title_key
          ) -> tuple[list[list[Entry]], list[str]]:
    """Entries grouped by paper, and the conflicts found (one id, different titles)."""
    by_id: dict[str, list[Entry]] = defaultdict(list)
    by_key: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.meta.arxiv_id:
            by_id[entry.meta.arxiv_id].append(entry)
        else:
            by_key[title_key(entry.title)].append(entry)

    # An entry without an id joins the paper with an id whose title it shares.
    id_of_key: dict[str, str] = {}
    for identifier in sorted(by_id):
        for entry in by_id[identifier]:
            id_of_key.setdefault(title_key(entry.title), identifier)
    for key in sorted(by_key):
        if key in id_of_key:
            by_id[id_of_key[key]] += by_key.pop(key)

    conflicts = []
    for identifier, members in sorted(by_id.items()):
        if len(members) == 1:
            continue
        titles = sorted({title_key(e.title): e for e in members}.values(), key=_order)
        if len(titles) > 1:
            shown = "; ".join(f"{e.title!r} in {e.source}" for e in titles)
            conflicts.append(f"arXiv {identifier} has {len(titles)} different titles: {shown}. "
                             f"The page shows the newest; its URL keeps the first.")
    return list(by_id.values()) + list(by_key.values()), conflicts


def _order(entry: Entry):
    return (entry.date, entry.source, entry.line)


def merge_metadata(metas: list[Metadata]) -> Metadata:
    """Field by field: the longest list, the latest number and text (metas come oldest
    first: a paper featured twice counts the upvotes of its newest snapshot)."""
    if len(metas) == 1 and "" not in vars(metas[0]).values():
        return metas[0]  # most papers are featured once: nothing to merge
    merged = {}
    for f in fields(Metadata):
        values = [getattr(m, f.name) for m in metas if getattr(m, f.name) not in (None, (), "")]
        if not values:
            continue
        if isinstance(values[0], tuple):
            merged[f.name] = max(values, key=len)  # first of the longest: max keeps the first
        else:
            merged[f.name] = values[-1]  # newer data is richer, and counts are current
    return Metadata(**merged)


def merge(entries: Iterable[Entry]) -> list[Paper]:
    """Papers sorted newest first (by last featured date), then by slug."""
    return merge_with_conflicts(entries)[0]


def merge_with_conflicts(entries: Iterable[Entry]) -> tuple[list[Paper], list[str]]:
    keys: dict[str, str] = {}

    def key_of(title: str) -> str:  # each title's key once: it is asked for several times
        found = keys.get(title)
        if found is None:
            found = keys[title] = title_key(title)
        return found

    groups, conflicts = group(entries, key_of)
    merged, named, newest_titles = [], [], []
    for members in groups:
        # The earliest listing names the paper (its key and URL); the newest gives the
        # title shown, as arXiv revises titles; the longest abstract is the richest.
        members.sort(key=_order)
        first = members[0]
        # A revision is another title; the same one in other case or punctuation is not.
        newest = members[-1].title
        newest_titles.append(newest if key_of(newest) != key_of(first.title)
                             else first.title)
        abstract = max((e.abstract for e in members), key=lambda a: (len(a), a))
        links: dict[str, Link] = {}
        for e in members:
            for link in e.links:
                links.setdefault(link.url, link)
        days = sorted({e.date for e in members})
        meta = merge_metadata([e.meta for e in members])
        key = key_of(first.title)
        merged.append(dict(
            key=key,
            abstract=abstract,
            dates=tuple(days),
            # members are sorted by (date, source, line): a day's first is its place.
            places=((first.source, first.line),) if len(members) == 1 else
            tuple(next((e.source, e.line) for e in members if e.date == day) for day in days),
            links=tuple(links.values()),
            meta=meta,
        ))
        named.append((first.title, days[0], key, meta.arxiv_id or key))
    papers = [Paper(**fields, slug=slug, title=newest)
              for fields, slug, newest in zip(merged, slugs(named), newest_titles, strict=True)]
    papers.sort(key=lambda p: (-p.last_date.toordinal(), p.slug))
    return papers, conflicts


def slugs(papers: list[tuple[str, dt.date, str, str]]) -> list[str]:
    """A unique slug for each paper, (its first title, first day, key, arXiv id or key),
    in the order given, that later digests never change.

    A slug is the title's readable part. Papers whose titles read the same (they differ
    only in punctuation or non-ASCII letters) share that part: the one featured first
    keeps it and the others add a short hash of their title key, so a newly arrived
    paper never takes the URL of one already published.
    """
    by_base: dict[str, list[int]] = defaultdict(list)
    for i, (title, _, _, _) in enumerate(papers):
        by_base[base_slug(title)].append(i)
    chosen: dict[int, str] = {}

    def order(i: int):
        return papers[i][1:]  # first featured, then key, then identity

    for base, members in by_base.items():
        for rank, i in enumerate(sorted(members, key=order)):
            chosen[i] = base if base and rank == 0 else \
                f"{base or 'paper'}-{short_hash(papers[i][2])}"
    # Same titles with different arXiv ids, or a hashed slug equal to another title's
    # readable one: lengthen with the identity's hash until unique.
    seen: set[str] = set()
    for i in sorted(range(len(papers)), key=order):
        if chosen[i] in seen:
            chosen[i] = f"{chosen[i]}-{short_hash(papers[i][3] + '#')}"
        seen.add(chosen[i])
    return [chosen[i] for i in range(len(papers))]
