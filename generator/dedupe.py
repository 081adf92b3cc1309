"""Merge digest entries into papers: one paper per title key, every featured date kept.

The merge never depends on the order of its input: every choice below is a sort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from generator.model import Entry, Link, Paper
from generator.normalize import base_slug, short_hash, title_key


def merge(entries: Iterable[Entry]) -> list[Paper]:
    """Papers sorted newest first (by last featured date), then by slug."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[title_key(entry.title)].append(entry)

    merged = []
    for key, group in groups.items():
        # The earliest listing names the paper; the longest abstract is the richest.
        group.sort(key=lambda e: (e.date, e.source, e.line))
        first = group[0]
        abstract = max((e.abstract for e in group), key=lambda a: (len(a), a))
        links: dict[str, Link] = {}
        for e in group:
            for link in e.links:
                links.setdefault(link.url, link)
        merged.append(Paper(
            key=key,
            slug="",
            title=first.title,
            abstract=abstract,
            dates=tuple(sorted({e.date for e in group})),
            links=tuple(links.values()),
            sources=tuple(sorted({e.source for e in group})),
        ))
    papers = assign_slugs(merged)
    papers.sort(key=lambda p: (-p.last_date.toordinal(), p.slug))
    return papers


def assign_slugs(papers: list[Paper]) -> list[Paper]:
    """Give each paper a unique slug that later digests never change.

    A slug is the title's readable part. Papers whose titles read the same (they differ
    only in punctuation or non-ASCII letters) share that part: the one featured first
    keeps it and the others add a short hash of their key, so a newly arrived paper
    never takes the URL of one already published.
    """
    by_base: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        by_base[base_slug(paper.title)].append(paper)
    out = []
    for base, group in by_base.items():
        group.sort(key=lambda p: (p.first_date, p.key))
        for i, paper in enumerate(group):
            if base and i == 0:
                slug = base
            else:
                slug = f"{base or 'paper'}-{short_hash(paper.key)}"
            out.append(replace(paper, slug=slug))
    # A hashed slug could in theory equal another title's readable slug; lengthen it.
    seen: set[str] = set()
    for paper in sorted(out, key=lambda p: (p.first_date, p.key)):
        slug = paper.slug
        if slug in seen:
            slug = f"{paper.slug}-{short_hash(paper.key + '#')}"
            out[out.index(paper)] = replace(paper, slug=slug)
        seen.add(slug)
    return out
