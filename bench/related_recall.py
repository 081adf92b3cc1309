"""Related papers against the exact answer: time and recall at 5.

    python bench/related_recall.py --papers 10000 LISTINGS.jsonl.gz

LISTINGS is JSON lines (gzipped or not) with `id`, `title` and `summary` (or
`abstract`), such as arXiv listings. The first N papers are compared two ways over the
same vectors: `related.find` as the build runs it, and every similarity computed as a
dense product, a block of rows at a time (the exact answer). Prints the seconds of each
and the share of the exact five best that `find` gives (recall at 5), as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

from generator import related


def exact(items, count: int = related.COUNT, block: int = 1000) -> dict[str, list[str]]:
    """{identity: identities of its `count` most similar items}, from every similarity."""
    matrix = related._vectors(items)
    keys = [related.identity(*item) for item in items]
    out = {}
    for start in range(0, len(items), block):
        sims = (matrix[start:start + block] @ matrix.T).toarray()
        for r, row in enumerate(sims):
            row[start + r] = -1  # not itself
            best = np.argsort(-row, kind="stable")[:count]
            out[keys[start + r]] = [keys[j] for j in best if row[j] > 0]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("listings", type=Path)
    parser.add_argument("--papers", type=int, default=10000)
    args = parser.parse_args()
    opener = gzip.open if args.listings.suffix == ".gz" else open
    with opener(args.listings, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(args.papers), f)]
    items = [(r["id"], r["title"], r.get("summary") or r.get("abstract") or "") for r in rows]
    start = time.perf_counter()
    found = related.find(items, {})
    find_s = time.perf_counter() - start
    start = time.perf_counter()
    truth = exact(items)
    exact_s = time.perf_counter() - start
    hits = sum(len({k for k, _ in found.get(key, [])} & set(best)) for key, best in truth.items())
    total = sum(len(best) for best in truth.values())
    print(json.dumps({"papers": len(items), "find_s": round(find_s, 1),
                      "exact_s": round(exact_s, 1), "recall_at_5": round(hits / total, 5)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
