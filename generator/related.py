"""Related papers: the most similar papers by TF-IDF cosine over title and abstract.

Similarities are computed a block of rows at a time, so memory stays bounded (a block
of 1,000 rows against 10,000 papers is 80 MB) while the whole job is a few sparse
matrix products: seconds for ten thousand papers.
"""

from __future__ import annotations

from dataclasses import replace

from generator.model import Paper

COUNT = 5
BLOCK = 1000


def add_related(papers: list[Paper], count: int = COUNT) -> list[Paper]:
    """Papers with `related` set to the slugs of their `count` most similar papers."""
    found = neighbours([(p.slug, p.title, p.abstract) for p in papers], count)
    return [replace(p, related=found.get(p.slug, ())) for p in papers]


def neighbours(items: list[tuple[str, str, str]], count: int = COUNT
               ) -> dict[str, tuple[str, ...]]:
    """{slug: the slugs of its `count` most similar papers} for (slug, title, abstract)."""
    if len(items) < 2:
        return {}
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{title}. {title}. {abstract}" for _, title, abstract in items]
    large = len(items) >= 50  # the frequency cut-offs mean little for a handful of papers
    # Terms in more than a fifth of the papers say little about likeness and cost the
    # most in the product (its cost grows with the square of a term's frequency).
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                             min_df=2 if large else 1, max_df=0.2 if large else 1.0,
                             max_features=30000, dtype=np.float32).fit_transform(texts)
    slugs = [slug for slug, _, _ in items]
    keep = min(count, len(items) - 1)
    out: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(items), BLOCK):
        sims = (matrix[start:start + BLOCK] @ matrix.T).toarray()
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -1.0  # never its own neighbour
        # The keep+1 best per row, found without sorting whole rows.
        top = np.argpartition(-sims, keep, axis=1)[:, : keep + 1]
        for row, candidates in enumerate(top):
            # Sort by similarity, then slug, so ties never depend on input order.
            ranked = sorted((j for j in candidates.tolist() if sims[row, j] > 0),
                            key=lambda j: (-round(float(sims[row, j]), 5), slugs[j]))
            out[slugs[start + row]] = tuple(slugs[j] for j in ranked[:keep])
    return out


# Below this many papers a second process costs more than it saves.
BACKGROUND_FROM = 500


class Pending:
    """Related papers being found in a second process (both cores at work)."""

    def __init__(self, papers: list[Paper]):
        items = [(p.slug, p.title, p.abstract) for p in papers]
        self.pool = self.future = None
        self.result: dict[str, tuple[str, ...]] | None = None
        if len(items) < BACKGROUND_FROM:
            self.result = neighbours(items)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self.future = self.pool.submit(neighbours, items)

    def apply(self, papers: list[Paper]) -> list[Paper]:
        if self.result is None:
            try:
                self.result = self.future.result()
            finally:
                self.pool.shutdown()
        return [replace(p, related=self.result.get(p.slug, ())) for p in papers]
