"""Train the statistical part of topic assignment and write it into the package.

    python training/train_topics.py                      # rebuild the shipped model
    python training/train_topics.py sample SOURCE [LISTING ...]  # re-derive the sample
    python training/train_topics.py evaluate SOURCE      # judge it on the held-out days

SOURCE is a JSON-lines file (gzipped or not) of arXiv cs listings, one paper per line with
`id`, `date` (the listing day), `title`, `summary` and `categories` (primary first): the
65,206 papers of 283 listing days from 2025-03 to 2026-07 that the project's real-data set
holds (public listings of the dw-dengwei/daily-arXiv-ai-enhanced repository).

Every tenth listing day of SOURCE (the 6th, 16th, 26th, ...) is kept aside for judging and
never trained on, and so is every paper of the LISTING files given to `sample` (the arXiv
listing days the tests and BENCHMARKS.md judge the model on; SOURCE holds their papers
too). `sample` draws TRAIN_PAPERS papers of the other days, chosen by a hash
of their arXiv id, so the same SOURCE always gives the same sample, and writes them to
training/arxiv-train.jsonl.gz (about 9 MB: the repository carries the sample, not SOURCE).

Training fits a TF-IDF + one-vs-rest logistic regression that predicts which arXiv
categories a paper is listed in from its title and abstract, and writes
generator/defaults/topic_model.json.gz: the vocabulary, IDF weights and coefficients,
plain JSON (no pickle), rounded and pruned, so the file stays small and reviewable.
Deterministic: the same sample gives the same file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
DATA = HERE / "arxiv-train.jsonl.gz"
OUT = HERE.parent / "generator" / "defaults" / "topic_model.json.gz"
TRAIN_PAPERS = 18000  # about 9 MB gzipped; more papers gave no better topics
HELD_OUT_EVERY = 10  # every tenth listing day is kept aside for judging
MIN_SUPPORT = 30  # categories listed on fewer training papers are not modelled
MAX_FEATURES = 12000
MIN_WEIGHT = 0.4  # smaller coefficients are dropped: they change almost no decision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", default="train",
                        choices=["train", "sample", "evaluate"])
    parser.add_argument("source", nargs="?", type=Path,
                        help="the listings to sample from or judge on (sample, evaluate)")
    parser.add_argument("aside", nargs="*", type=Path, metavar="LISTING",
                        help="sample: listing days whose papers are never trained on")
    args = parser.parse_args(argv)
    if args.command == "train":
        train()
        return 0
    if args.source is None:
        parser.error(f"{args.command} needs the SOURCE listings file")
    rows = _read(args.source)
    if args.command == "sample":
        sample(rows, {r["id"] for path in args.aside for r in _read(path)})
    else:
        evaluate(rows)
    return 0


def _read(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def held_out_days(rows: list[dict]) -> set[str]:
    days = sorted({r["date"] for r in rows})
    return {d for i, d in enumerate(days) if i % HELD_OUT_EVERY == HELD_OUT_EVERY // 2}


def sample(rows: list[dict], aside: set[str]) -> None:
    held = held_out_days(rows)
    pool = [r for r in rows if r["date"] not in held and r["id"] not in aside]
    pool.sort(key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    chosen = sorted(pool[:TRAIN_PAPERS], key=lambda r: (r["date"], r["id"]))
    with gzip.GzipFile(DATA, "wb", mtime=0) as f:
        for r in chosen:
            line = {k: r[k] for k in ("id", "date", "title", "summary", "categories")}
            f.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"{len(chosen)} of {len(pool)} papers of {len({r['date'] for r in pool})} days "
          f"({len(held)} days and {len(aside)} papers kept aside) -> {DATA} ({DATA.stat().st_size // 1024} KB)")


def train() -> None:
    rows = _read(DATA)
    texts = [f"{r['title']}. {r['title']}. {r['summary']}" for r in rows]
    support = Counter(c for r in rows for c in set(r["categories"]))
    # Listings carry a few ACM classes (I.2.7) among the categories: not arXiv's.
    classes = sorted(c for c, n in support.items()
                     if n >= MIN_SUPPORT and re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", c))

    options = dict(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english",
                   token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b")
    vectorizer = TfidfVectorizer(vocabulary=_vocabulary(texts, options), **options)
    x = vectorizer.fit_transform(texts)
    coefficients, intercepts = [], []
    for category in classes:
        y = np.array([category in r["categories"] for r in rows])
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)
        model.fit(x, y)
        coefficients.append(model.coef_[0])
        intercepts.append(float(model.intercept_[0]))

    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    weights = {}
    for category, coef in zip(classes, coefficients, strict=True):
        weights[category] = {str(i): round(float(w), 3) for i, w in enumerate(coef)
                             if abs(w) >= MIN_WEIGHT}
    model = {
        "about": "TF-IDF + logistic regression per arXiv category; made by "
                 "training/train_topics.py from training/arxiv-train.jsonl.gz",
        "token_pattern": vectorizer.token_pattern,
        # The generator makes the features itself, without scikit-learn (topics.py).
        "stop_words": sorted(vectorizer.get_stop_words()),
        "ngram_range": list(vectorizer.ngram_range),
        "vocabulary": vocabulary,
        "idf": [round(float(v), 4) for v in vectorizer.idf_],
        "classes": classes,
        "intercepts": {c: round(b, 4) for c, b in zip(classes, intercepts, strict=True)},
        "weights": weights,
    }
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:
        f.write(json.dumps(model, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    print(f"{len(rows)} papers, {len(classes)} categories ({', '.join(classes)}), "
          f"{len(vocabulary)} terms -> {OUT} ({OUT.stat().st_size // 1024} KB)")


def _vocabulary(texts: list[str], options: dict) -> list[str]:
    """The MAX_FEATURES most frequent terms, ties broken by the term itself.

    scikit-learn's own `max_features` breaks ties by NumPy's unstable argsort, whose
    order depends on the processor's vector instructions: the same data gave another
    vocabulary on another machine. A stable order makes the model reproducible."""
    counts = CountVectorizer(**{k: v for k, v in options.items() if k != "sublinear_tf"})
    matrix = counts.fit_transform(texts)
    frequency = np.asarray(matrix.sum(axis=0)).ravel()
    terms = counts.get_feature_names_out()
    order = np.lexsort((terms, -frequency))  # by frequency, then term
    return sorted(terms[order[:MAX_FEATURES]].tolist())


def evaluate(rows: list[dict]) -> None:
    """The installed package's topics on each held-out day, categories hidden, as a
    Markdown table, and all of those days together."""
    from generator import dedupe, ingest, topics

    by_day = defaultdict(list)
    held = held_out_days(rows)
    for r in rows:
        if r["date"] in held:
            by_day[r["date"]].append(r)
    taxonomy = topics.default_taxonomy()
    print("| day | papers | agreement | primary | coverage | largest topic |")
    print("|---|---|---|---|---|---|")
    everything = []
    for day, day_rows in sorted(by_day.items()):
        text = "\n".join(json.dumps(r) for r in day_rows).encode("utf-8")
        papers = dedupe.merge(ingest.parse_digest(text, f"{day}.jsonl",
                                                  fmt="arxiv-jsonl").entries)
        everything += papers
        _row(day, topics.evaluate(papers, taxonomy))
    _row(f"**all {len(by_day)} days**", topics.evaluate(everything, taxonomy))


def _row(label: str, e) -> None:
    print(f"| {label} | {e.papers} | {e.agreement:.3f} | {e.primary:.3f} | "
          f"{e.coverage:.3f} | {e.largest:.3f} ({e.largest_topic}) |")


if __name__ == "__main__":
    sys.exit(main())
