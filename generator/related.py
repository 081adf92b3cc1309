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
    if len(papers) < 2:
        return papers
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{p.title}. {p.title}. {p.abstract}" for p in papers]
    # Terms in more than a fifth of the papers say little about likeness and cost the
    # most in the product (its cost grows with the square of a term's frequency).
    large = len(papers) >= 50  # the frequency cut-offs mean little for a handful of papers
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english",
                             min_df=2 if large else 1, max_df=0.2 if large else 1.0,
                             max_features=30000, dtype=np.float32).fit_transform(texts)
    slugs = [p.slug for p in papers]
    keep = min(count, len(papers) - 1)
    out = list(papers)
    for start in range(0, len(papers), BLOCK):
        sims = (matrix[start:start + BLOCK] @ matrix.T).toarray()
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -1.0  # never its own neighbour
        # The keep+1 best per row, found without sorting whole rows.
        top = np.argpartition(-sims, keep, axis=1)[:, : keep + 1]
        for row, candidates in enumerate(top):
            i = start + row
            # Sort by similarity, then slug, so ties never depend on input order.
            ranked = sorted((j for j in candidates.tolist() if sims[row, j] > 0),
                            key=lambda j: (-round(float(sims[row, j]), 5), slugs[j]))
            out[i] = replace(papers[i], related=tuple(slugs[j] for j in ranked[:keep]))
    return out
