"""Merge digest entries into papers: one paper per arXiv id (version stripped) or, for
entries without one, per title key; every featured date is kept and the richest
metadata wins field by field.

The merge never depends on the order of its input: every choice below is a sort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields, replace

from generator.model import Entry, Link, Metadata, Paper
from generator.normalize import base_slug, short_hash, title_key


def group(entries: Iterable[Entry]) -> tuple[list[list[Entry]], list[str]]:
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
    groups, conflicts = group(entries)
    merged, newest_titles = [], []
    for members in groups:
        # The earliest listing names the paper (its key and URL); the newest gives the
        # title shown, as arXiv revises titles; the longest abstract is the richest.
        members.sort(key=_order)
        first = members[0]
        # A revision is another title; the same one in other case or punctuation is not.
        newest = members[-1].title
        newest_titles.append(newest if title_key(newest) != title_key(first.title)
                             else first.title)
        abstract = max((e.abstract for e in members), key=lambda a: (len(a), a))
        links: dict[str, Link] = {}
        for e in members:
            for link in e.links:
                links.setdefault(link.url, link)
        merged.append(Paper(
            key=title_key(first.title),
            slug="",
            title=first.title,
            abstract=abstract,
            dates=tuple(sorted({e.date for e in members})),
            # members are sorted by (date, source, line): a day's first is its place.
            places=tuple(next((e.source, e.line) for e in members if e.date == day)
                         for day in sorted({e.date for e in members})),
            links=tuple(links.values()),
            meta=merge_metadata([e.meta for e in members]),
        ))
    papers = [replace(p, title=newest) for p, newest in zip(assign_slugs(merged), newest_titles,
                                                           strict=True)]
    papers.sort(key=lambda p: (-p.last_date.toordinal(), p.slug))
    return papers, conflicts


def _identity(paper: Paper) -> str:
    return paper.arxiv_id or paper.key


def assign_slugs(papers: list[Paper]) -> list[Paper]:
    """Give each paper a unique slug that later digests never change.

    A slug is the title's readable part. Papers whose titles read the same (they differ
    only in punctuation or non-ASCII letters) share that part: the one featured first
    keeps it and the others add a short hash of their title key, so a newly arrived
    paper never takes the URL of one already published. Returns the papers in the
    order given, each with its slug.
    """
    by_base: dict[str, list[int]] = defaultdict(list)
    for i, paper in enumerate(papers):
        by_base[base_slug(paper.title)].append(i)
    slugs: dict[int, str] = {}

    def order(i: int):
        return (papers[i].first_date, papers[i].key, _identity(papers[i]))

    for base, members in by_base.items():
        for rank, i in enumerate(sorted(members, key=order)):
            slugs[i] = base if base and rank == 0 else \
                f"{base or 'paper'}-{short_hash(papers[i].key)}"
    # Same titles with different arXiv ids, or a hashed slug equal to another title's
    # readable one: lengthen with the identity's hash until unique.
    seen: set[str] = set()
    for i in sorted(range(len(papers)), key=order):
        if slugs[i] in seen:
            slugs[i] = f"{slugs[i]}-{short_hash(_identity(papers[i]) + '#')}"
        seen.add(slugs[i])
    return [replace(paper, slug=slugs[i]) for i, paper in enumerate(papers)]
