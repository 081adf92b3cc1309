"""Train the statistical part of topic assignment and write it into the package.

    python training/train_topics.py

Reads training/arxiv-train.jsonl.gz (1,492 papers of seven representative arXiv listing
days: id, title, abstract, categories), fits a TF-IDF + one-vs-rest logistic regression
that predicts which arXiv categories a paper is listed in from its title and abstract,
and writes generator/defaults/topic_model.json.gz: the vocabulary, IDF weights and
coefficients, plain JSON (no pickle), rounded, so the file is small and reviewable.
Deterministic: the same data gives the same file.

Held out for evaluation (never trained on): 2025-12-30, 2026-04-17, 2026-05-22, and the
unrepresentative 2025-03-18 and 2025-06-05 (see BENCHMARKS.md).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
DATA = HERE / "arxiv-train.jsonl.gz"
OUT = HERE.parent / "generator" / "defaults" / "topic_model.json.gz"
MIN_SUPPORT = 5  # categories listed on fewer training papers are not modelled
MAX_FEATURES = 12000


def main() -> None:
    rows = [json.loads(line) for line in gzip.open(DATA, "rt", encoding="utf-8")]
    texts = [f"{r['title']}. {r['title']}. {r['abstract']}" for r in rows]
    support = Counter(c for r in rows for c in set(r["categories"]))
    classes = sorted(c for c, n in support.items() if n >= MIN_SUPPORT)

    options = dict(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english",
                   token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b")
    vectorizer = TfidfVectorizer(vocabulary=_vocabulary(texts, options), **options)
    x = vectorizer.fit_transform(texts)
    coefficients, intercepts = [], []
    for category in classes:
        y = np.array([category in r["categories"] for r in rows])
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        model.fit(x, y)
        coefficients.append(model.coef_[0])
        intercepts.append(float(model.intercept_[0]))

    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    weights = {}
    for category, coef in zip(classes, coefficients, strict=True):
        # Sparse and rounded: weights below 0.05 change no decision.
        weights[category] = {str(i): round(float(w), 3) for i, w in enumerate(coef)
                             if abs(w) >= 0.05}
    model = {
        "about": "TF-IDF + logistic regression per arXiv category; made by "
                 "training/train_topics.py from training/arxiv-train.jsonl.gz",
        "token_pattern": vectorizer.token_pattern,
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


if __name__ == "__main__":
    main()
