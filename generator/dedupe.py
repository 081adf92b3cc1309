"""Merge digest entries into papers: one paper per arXiv id (version stripped) or, for
entries without one, per title key; every featured date is kept and the richest
metadata wins field by field.

The merge never depends on the order of its input: every choice below is a sort.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

from generator.model import Entry, Link, Metadata, Paper, paper_from_data, paper_to_data
from generator.normalize import base_slug, short_hash, title_key


def group(entries: Iterable[Entry], title_key=title_key
          ) -> tuple[list[list[Entry]], list[tuple[str, str]]]:
    """Entries grouped by paper, and the conflicts found (one id, different titles) as
    (id, what is wrong), by id."""
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
            conflicts.append((identifier, f"arXiv {identifier} has {len(titles)} different titles: {shown}. "
                             f"The page shows the newest; its URL keeps the first."))
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
    return merge_all(entries).papers


def merge_with_conflicts(entries: Iterable[Entry]) -> tuple[list[Paper], list[str]]:
    merged = merge_all(entries)
    return merged.papers, merged.conflicts


@dataclass
class Merged:
    """Papers merged from entries, with what later entries could join or collide
    with, so that a build can merge one more day's entries alone (`extended`)."""

    papers: list[Paper]  # newest first, then by slug
    found: list[tuple[str, str]]  # (arXiv id, conflict), by id
    # Every entry's arXiv id and title key, and every slug and readable part of one
    # that the slugs' choice saw: an entry that shares none of them cannot join these
    # papers or change their slugs.
    claims: set[str]
    # Each readable part of a slug, with the paper that has it as its slug (its first
    # day, key and identity, as slugs_and_names orders them): a later paper that reads
    # the same gets the hashed slug it would get among all.
    firsts: dict[str, tuple[str, str, str]]
    # The papers as to_data gives them, where they were read so (from_data): an
    # archive's papers are made into records again only when they change.
    records: list[list] | None = None

    @property
    def conflicts(self) -> list[str]:
        return [text for _, text in self.found]

    def extended(self, entries: Iterable[Entry]) -> Merged | None:
        """These papers and those of `entries`, as merge_all of all their entries would
        make them, when the new entries claim nothing these do (but the readable part of
        a slug, from a paper featured later); else None (merge all)."""
        more = _merge(entries, self.firsts)
        if more is None or not more.claims.isdisjoint(self.claims):
            return None
        papers = self.papers + more.papers
        papers.sort(key=_newest)
        records = None if self.records is None else \
            self.records + [paper_to_data(p) for p in more.papers]
        return Merged(papers, sorted(self.found + more.found), self.claims | more.claims,
                      self.firsts | more.firsts, records)

    def to_data(self) -> dict:
        records = self.records
        if records is None:
            records = [paper_to_data(p) for p in self.papers]
        return {"papers": records, "found": self.found, "claims": list(self.claims),
                "firsts": self.firsts}

    @classmethod
    def from_data(cls, data: dict) -> Merged:
        records = data["papers"]
        papers = [paper_from_data(p) for p in records]
        papers.sort(key=_newest)  # the records are in the order they were added
        return cls(papers, [tuple(f) for f in data["found"]], set(data["claims"]),
                   {base: tuple(first) for base, first in data["firsts"].items()}, records)


def _newest(paper: Paper):
    return (-paper.last_date.toordinal(), paper.slug)


def merge_all(entries: Iterable[Entry]) -> Merged:
    return _merge(entries, {})


def _merge(entries: Iterable[Entry], before: dict[str, tuple[str, str, str]]) -> Merged | None:
    """merge_all, the slugs chosen after papers that hold the readable parts in
    `before` (Merged.firsts); None if one of these papers was featured before one of
    those."""
    keys: dict[str, str] = {}

    def key_of(title: str) -> str:  # each title's key once: it is asked for several times
        found = keys.get(title)
        if found is None:
            found = keys[title] = title_key(title)
        return found

    entries = list(entries)
    groups, found = group(entries, key_of)
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
    chosen = slugs_and_names(named, before)
    if chosen is None:
        return None
    chosen, names, firsts = chosen
    papers = [Paper(**fields, slug=slug, title=newest)
              for fields, slug, newest in zip(merged, chosen, newest_titles, strict=True)]
    papers.sort(key=_newest)
    claims = {f"id {e.meta.arxiv_id}" for e in entries if e.meta.arxiv_id}
    claims.update(f"key {key_of(e.title)}" for e in entries)
    claims.update(f"slug {name}" for name in names)
    return Merged(papers, found, claims, firsts)


def slugs(papers: list[tuple[str, dt.date, str, str]]) -> list[str]:
    return slugs_and_names(papers, {})[0]


def slugs_and_names(papers: list[tuple[str, dt.date, str, str]],
                    before: dict[str, tuple[str, str, str]]):
    """A unique slug for each paper, (its first title, first day, key, arXiv id or key),
    in the order given, that later digests never change.

    A slug is the title's readable part. Papers whose titles read the same (they differ
    only in punctuation or non-ASCII letters) share that part: the one featured first
    keeps it and the others add a short hash of their title key, so a newly arrived
    paper never takes the URL of one already published.

    Also the names: every readable part (but those of `before`) and slug chosen on the
    way (papers of other entries whose names are none of these get the slugs they
    would get among all), and
    the firsts: each readable part with (first day, key, identity) of the paper that has
    it. `before` holds the firsts of papers chosen earlier, which keep those parts: None
    if one of these papers is featured before the one that holds its part.
    """
    by_base: dict[str, list[int]] = defaultdict(list)
    for i, (title, _, _, _) in enumerate(papers):
        by_base[base_slug(title)].append(i)
    chosen: dict[int, str] = {}

    def order(i: int):
        return papers[i][1:]  # first featured, then key, then identity

    firsts = {}
    for base, members in by_base.items():
        members.sort(key=order)
        first = (papers[members[0]][1].isoformat(), *papers[members[0]][2:])
        taken = base in before
        if taken and first < before[base]:
            return None
        if not taken:
            firsts[base] = first
        for rank, i in enumerate(members, start=1 if taken else 0):
            chosen[i] = base if base and rank == 0 else \
                f"{base or 'paper'}-{short_hash(papers[i][2])}"
    names = {base for base in by_base if base not in before} | set(chosen.values())
    # Same titles with different arXiv ids, or a hashed slug equal to another title's
    # readable one: lengthen with the identity's hash until unique.
    seen: set[str] = set()
    for i in sorted(range(len(papers)), key=order):
        if chosen[i] in seen:
            chosen[i] = f"{chosen[i]}-{short_hash(papers[i][3] + '#')}"
        seen.add(chosen[i])
    return [chosen[i] for i in range(len(papers))], names | seen, firsts
