"""Related papers: the most similar papers by cosine over TF-IDF vectors of title and
abstract.

The vectors use the shipped topic model's vocabulary and word weights (learnt from
arXiv listings), not ones fitted to the digest: a paper's vector then depends on its own
text alone, so when a day arrives only the new papers need comparing with the rest, and
the answer is the same as a fresh computation over everything. Words common in that
corpus (in more than about one paper in twenty) say little about likeness and cost the
most in the products, and are left out.

Similarities are computed a block of rows at a time, so memory stays bounded (a block
of 1,000 rows against 10,000 papers is 40 MB), and two processes can share the blocks.
"""

from __future__ import annotations

from dataclasses import replace

from generator.cache import key
from generator.model import Paper

COUNT = 5
BLOCK = 1000
COMMON_IDF = 4.0  # terms with a lower inverse document frequency are left out


def add_related(papers: list[Paper], count: int = COUNT) -> list[Paper]:
    """Papers with `related` set to the slugs of their `count` most similar papers."""
    found = neighbours([(p.slug, p.title, p.abstract) for p in papers], count)
    return [replace(p, related=found.get(p.slug, ())) for p in papers]


def neighbours(items: list[tuple[str, str, str]], count: int = COUNT
               ) -> dict[str, tuple[str, ...]]:
    """{slug: the slugs of its `count` most similar papers} for (slug, title, abstract)."""
    return by_slug(items, find(items, {}, count))


def identity(slug: str, title: str, abstract: str) -> str:
    return key(slug, title, abstract)


def by_slug(items, found: dict[str, list]) -> dict[str, tuple[str, ...]]:
    slug_of = {identity(*item): item[0] for item in items}
    return {slug_of[k]: tuple(slug_of[n] for n, _ in found[k]) for k in found}


def _vectors(items):
    import numpy as np
    from sklearn.preprocessing import normalize

    from generator.topics import default_model, model_text

    vectorizer = default_model().vectorizer
    matrix = vectorizer.transform([model_text(title, abstract) for _, title, abstract in items])
    keep = np.flatnonzero(vectorizer.idf_ >= COMMON_IDF)
    return normalize(matrix[:, keep]).astype(np.float32).tocsr()


def find(items: list[tuple[str, str, str]], previous: dict[str, list], count: int = COUNT
         ) -> dict[str, list]:
    """{identity: [[identity, similarity], ...] of its `count` most similar items, best
    first} for (slug, title, abstract) items.

    `previous` is an earlier answer (over other items): a paper it covers whose listed
    neighbours are all still here only needs comparing with the papers it did not cover,
    since the best of (its old best, the new ones) are the best of all. The rest are
    compared with everything. Either way the answer equals a fresh one: a similarity is
    computed the same way (one row of the product) whichever block it falls in."""
    return complete(items, previous, compare(items, previous, count))


def compare(items: list[tuple[str, str, str]], previous: dict[str, list],
            count: int = COUNT, blocks: Blocks | None = None, join_from: int = 0
            ) -> dict[str, list]:
    """The part of find()'s answer that needs computing: the rows compared, a block of
    rows at a time. With `blocks`, a counter shared with another process, only the
    blocks it hands out, so that two processes split the work; none at all when fewer
    than `join_from` are left (the product's vectors would cost more than they save)."""
    if len(items) < 2:
        return {}
    keys = [identity(*item) for item in items]
    slugs = {k: item[0] for k, item in zip(keys, items, strict=True)}
    position = {k: i for i, k in enumerate(keys)}
    added = [i for i, k in enumerate(keys) if k not in previous]
    kept = _kept(keys, previous, position)
    kept_set = set(kept)
    everything = [i for i in range(len(keys)) if i not in kept_set]
    # (rows, the columns they are compared with: None for all) of each block.
    tasks = [(rows[start:start + BLOCK], columns)
             for rows, columns in ((everything, None), (kept, added))
             if rows and columns != []
             for start in range(0, len(rows), BLOCK)]
    if blocks is not None and blocks.left(len(tasks)) < join_from:
        return {}
    keep = min(count, len(items) - 1)

    def best(row: int, candidates) -> list:
        """The `keep` best of (column, similarity) pairs: by similarity, then slug, so
        ties never depend on input order."""
        ranked = sorted(((keys[j], s) for j, s in candidates if j != row and s > 0),
                        key=lambda c: (-round(c[1], 5), slugs[c[0]]))
        return [[k, s] for k, s in ranked[:keep]]

    out: dict[str, list] = {}
    matrix = None
    for number in (range(len(tasks)) if blocks is None else blocks.numbers(len(tasks))):
        if matrix is None:
            matrix = _vectors(items)
        block, columns = tasks[number]
        other = matrix if columns is None else matrix[columns]
        sims = (matrix[block] @ other.T).toarray()
        for r, row in enumerate(block):
            if columns is None:
                candidates = _top(sims[r], row, keep)
            else:
                candidates = [(position[k], s) for k, s in previous[keys[row]]]
                candidates += [(columns[c], float(v)) for c, v in enumerate(sims[r])]
            out[keys[row]] = best(row, candidates)
    return out


def _kept(keys: list[str], previous: dict[str, list], position: dict[str, int]) -> list[int]:
    """The rows whose previous answer holds: known, with all their neighbours still here."""
    return [i for i, k in enumerate(keys) if k in previous
            and all(n in position for n, _ in previous[k])]


def complete(items: list[tuple[str, str, str]], previous: dict[str, list],
             compared: dict[str, list]) -> dict[str, list]:
    """find()'s answer from the rows compared (by one process or joined from two): the
    rows not compared keep their previous answer. In the items' order."""
    if len(items) < 2:
        return {}
    keys = [identity(*item) for item in items]
    position = {k: i for i, k in enumerate(keys)}
    kept = {keys[i] for i in _kept(keys, previous, position)}
    return {k: compared[k] if k in compared else previous[k] for k in keys
            if k in compared or k in kept}


class Blocks:
    """Block numbers handed out once each, to this process and its fork (the counter is
    shared memory, inherited by the fork)."""

    def __init__(self):
        import multiprocessing

        self.next = multiprocessing.get_context("fork").Value("i", 0)

    def numbers(self, total: int):
        while True:
            with self.next.get_lock():
                number = self.next.value
                self.next.value += 1
            if number >= total:
                return
            yield number

    def left(self, total: int) -> int:
        return max(0, total - self.next.value)


def _top(sims, row: int, keep: int) -> list[tuple[int, float]]:
    """At least the keep+1 largest of a row (one may be the row itself), found without
    sorting the whole row. Everything within rounding of the cut is kept too: `best`
    ranks by similarity rounded to 5 places, then slug."""
    import numpy as np

    if len(sims) <= keep + 1:
        return [(j, float(s)) for j, s in enumerate(sims)]
    cut = np.partition(sims, len(sims) - keep - 1)[len(sims) - keep - 1]
    return [(int(j), float(sims[j])) for j in np.flatnonzero(sims >= cut - 1e-5)]


# Below this many papers a second process costs more than it saves.
BACKGROUND_FROM = 500
# The build's own process joins the comparison when it needs the answer and at least
# this many blocks are left: it first makes the vectors itself (a fifth of the work at
# 20,000 papers), which a block or two would not repay.
JOIN_FROM = 4


class Pending:
    """Related papers being found in a second process (both cores at work). When the
    build needs them before they are done, as with large archives, where comparing every
    paper with every other grows with the square of their number, its own process takes
    a share of the blocks left."""

    def __init__(self, papers: list[Paper], cache=None):
        """With a cache table (generator.cache.Table), the previous answer is reused:
        only papers that are new (or whose text changed) are compared with everything."""
        self.items = [(p.slug, p.title, p.abstract) for p in papers]
        self.cache = cache
        self.previous = dict(cache.old) if cache else {}
        self.job = None
        self.blocks = None
        self.found: dict[str, list] | None = None
        if len(self.items) < BACKGROUND_FROM:
            self.found = find(self.items, self.previous)
            return
        from generator.background import CAN_FORK, Background
        from generator.topics import default_model

        default_model()  # loaded once, before the fork: topics need it here too
        # A shared counter needs a fork; a fresh interpreter does all the blocks.
        self.blocks = Blocks() if CAN_FORK else None
        self.job = Background(compare, self.items, self.previous, COUNT, self.blocks)

    def apply(self, papers: list[Paper]) -> list[Paper]:
        if self.found is None:
            mine, theirs = self.job.alongside(self._share)
            self.found = complete(self.items, self.previous, theirs | mine)
        if self.cache:
            for k, value in self.found.items():
                self.cache.put(k, value)
            self.cache.save()
        result = by_slug(self.items, self.found)
        return [replace(p, related=result.get(p.slug, ())) for p in papers]

    def _share(self) -> dict[str, list]:
        """This process's share of the blocks left (none without a shared counter)."""
        if self.blocks is None:
            return {}
        return compare(self.items, self.previous, COUNT, self.blocks, JOIN_FROM)
