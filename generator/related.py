"""Related papers: the most similar papers by cosine over TF-IDF vectors of title and
abstract.

The vectors use the shipped topic model's vocabulary and word weights (learnt from
arXiv listings), not ones fitted to the digest: a paper's vector then depends on its own
text alone, so when a day arrives only the new papers need comparing with the rest, and
the answer is the same as a fresh computation over everything. Words common in that
corpus (in more than about one paper in twenty) say little about likeness and cost the
most in the products, and are left out.

Similarities are computed a block of rows at a time, each row's best few kept as the
sparse product is made (sparse_dot_topn), so no row of all similarities is ever held
and the best are found without sorting one (BENCHMARKS.md: bench/related_recall.py). Two
processes can share the blocks: a forked worker takes them from the first, and the
build's own process, when it needs the answer before the worker is done, takes those not
started from the last.
"""

from __future__ import annotations

from dataclasses import replace

from generator.cache import key
from generator.model import Paper
from generator.parallel import DEFAULT, Tuning, Worker

COUNT = 5
COMMON_IDF = 4.0  # terms with a lower inverse document frequency are left out
# Kept beyond the best COUNT (and the paper itself) of each row: ties at the cut are
# then ranked by slug, as they are when all the similarities are known.
TIE_ROOM = 4


def identity(slug: str, title: str, abstract: str) -> str:
    return key(slug, title, abstract)


def _vectors(items):
    import numpy as np
    from scipy.sparse import diags

    from generator.topics import default_model, model_text

    model = default_model()
    matrix = model.matrix([model_text(title, abstract) for _, title, abstract in items])
    matrix = matrix[:, np.flatnonzero(model.idf >= COMMON_IDF)]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0  # a text with none of the terms stays all zeros
    vectors = (diags(1.0 / norms) @ matrix).astype(np.float32).tocsr()
    # One layout for a row however it was made (here or from the cache): the products'
    # sums then run in one order.
    vectors.sort_indices()
    return vectors


class Comparison:
    """The comparison of (slug, title, abstract) items, as numbered blocks of rows.

    `previous` is an earlier answer (over other items): a paper it covers whose listed
    neighbours are all still here only needs comparing with the papers it did not cover,
    since the best of (its old best, the new ones) are the best of all. The rest are
    compared with everything. Either way the answer equals a fresh one: a similarity is
    computed the same way (one row of the product) whichever block it falls in."""

    def __init__(self, items: list[tuple[str, str, str]], previous: dict[str, list],
                 count: int = COUNT, block: int = DEFAULT.related_block, vectors=None):
        """`vectors` (a generator.cache.Rows) keeps the items' vectors between builds."""
        self.items, self.previous, self.vectors = items, previous, vectors
        self.keys = [identity(*item) for item in items]
        self.slugs = {k: item[0] for k, item in zip(self.keys, items, strict=True)}
        self.position = {k: i for i, k in enumerate(self.keys)}
        added = [i for i, k in enumerate(self.keys) if k not in previous]
        # The rows whose previous answer holds: known, with all their neighbours here.
        kept = [i for i, k in enumerate(self.keys) if k in previous
                and all(n in self.position for n, _ in previous[k])]
        self.kept = {self.keys[i] for i in kept}
        kept_set = set(kept)
        everything = [i for i in range(len(self.keys)) if i not in kept_set]
        # (rows, the columns they are compared with: None for all) of each block.
        self.tasks = [] if len(items) < 2 else [
            (rows[start:start + block], columns)
            for rows, columns in ((everything, None), (kept, added))
            if rows and columns != []
            for start in range(0, len(rows), block)]
        self.keep = min(count, len(items) - 1)
        self.matrix = None
        self._against: dict[int, object] = {}  # the transposed columns, made once each

    def block(self, number: int) -> dict[str, list]:
        """{identity: [[identity, similarity], ...] best first} for one block's rows."""
        if self.matrix is None:
            self.matrix = _vectors(self.items) if self.vectors is None else \
                self.vectors.matrix(self.keys, lambda at: _vectors([self.items[i] for i in at]))
        rows, columns = self.tasks[number]
        from sparse_dot_topn import sp_matmul_topn

        top = sp_matmul_topn(self.matrix[rows], self._columns(columns),
                             top_n=self.keep + 1 + TIE_ROOM, n_threads=1)
        out = {}
        for r, row in enumerate(rows):
            found = slice(top.indptr[r], top.indptr[r + 1])
            pairs = zip(top.indices[found].tolist(), top.data[found].tolist(), strict=True)
            if columns is None:
                candidates = list(pairs)
            else:
                candidates = [(self.position[k], s) for k, s in self.previous[self.keys[row]]]
                candidates += [(columns[c], v) for c, v in pairs]
            out[self.keys[row]] = self._best(row, candidates)
        return out

    def _columns(self, columns):
        """The vectors compared with, transposed for the product (all, or the added)."""
        if id(columns) not in self._against:
            chosen = self.matrix if columns is None else self.matrix[columns]
            self._against[id(columns)] = chosen.T.tocsr()
        return self._against[id(columns)]

    def _best(self, row: int, candidates) -> list:
        """The `keep` best of (column, similarity) pairs: by similarity, then slug, so
        ties never depend on input order."""
        keys, slugs = self.keys, self.slugs
        ranked = sorted(((keys[j], s) for j, s in candidates if j != row and s > 0),
                        key=lambda c: (-round(c[1], 5), slugs[c[0]]))
        return [[k, s] for k, s in ranked[:self.keep]]

    def complete(self, compared: dict[str, list]) -> dict[str, list]:
        """The whole answer from the rows compared: the rows not compared keep their
        previous answer. In the items' order."""
        if len(self.items) < 2:
            return {}
        return {k: compared[k] if k in compared else self.previous[k] for k in self.keys
                if k in compared or k in self.kept}


def find(items: list[tuple[str, str, str]], previous: dict[str, list], count: int = COUNT
         ) -> dict[str, list]:
    """{identity: [[identity, similarity], ...] of its `count` most similar items, best
    first}, in this process."""
    comparison = Comparison(items, previous, count)
    compared = {}
    for number in range(len(comparison.tasks)):
        compared |= comparison.block(number)
    return comparison.complete(compared)


def by_slug(items, found: dict[str, list]) -> dict[str, tuple[str, ...]]:
    slug_of = {identity(*item): item[0] for item in items}
    return {slug_of[k]: tuple(slug_of[n] for n, _ in found[k]) for k in found}


def _block(comparison: Comparison, number: int) -> dict[str, list]:
    """A worker's task: one block of the comparison it inherited."""
    return comparison.block(number)


class Pending:
    """Related papers being found in a forked worker while the build goes on. When the
    build needs them before they are done, as with large archives, where comparing every
    paper with every other grows with the square of their number, its own process takes
    the blocks the worker has not started, from the last one back."""

    def __init__(self, papers: list[Paper], cache=None, tuning: Tuning = DEFAULT,
                 vectors=None):
        """With a cache table (generator.cache.Table), the previous answer is reused:
        only papers that are new (or whose text changed) are compared with everything.
        With `vectors` (generator.cache.Rows), only their vectors are made."""
        self.items = [(p.slug, p.title, p.abstract) for p in papers]
        self.cache = cache
        self.tuning = tuning
        self.comparison = Comparison(self.items, dict(cache.old) if cache else {}, COUNT,
                                     tuning.related_block, vectors)
        self.joined = 0  # blocks the build's own process compared
        self.worker = None
        if len(self.items) >= tuning.related_apart_from and tuning.apart:
            from generator.topics import default_model

            default_model()  # loaded once, before the fork: topics need it here too
            self.worker = Worker(tuning, state=self.comparison)
        work = self.worker or Worker(Tuning(processes=False), state=self.comparison)
        self.futures = [work.submit(_block, n) for n in range(len(self.comparison.tasks))]

    def apply(self, papers: list[Paper]) -> list[Paper]:
        try:
            compared = self._share()
            for future in self.futures:
                if not future.cancelled():
                    compared |= future.result()
        except BaseException:
            if self.worker:
                self.worker.stop()
            raise
        if self.worker:
            self.worker.close()
        found = self.comparison.complete(compared)
        if self.cache:
            for k, value in found.items():
                self.cache.put(k, value)
            self.cache.save()
        result = by_slug(self.items, found)
        return [replace(p, related=result.get(p.slug, ())) for p in papers]

    def _share(self) -> dict[str, list]:
        """This process's share: the blocks the worker has not started, when enough are
        left to repay making the vectors here (all of them without a worker)."""
        waiting = [n for n, f in enumerate(self.futures) if not (f.running() or f.done())]
        if self.worker and len(waiting) < self.tuning.related_join_from:
            return {}
        mine = {}
        for number in reversed(waiting):
            if self.futures[number].cancel():
                mine |= self.comparison.block(number)
                self.joined += 1
        return mine
