"""Topics: the taxonomy and the assignment of one to three topics per paper.

Assignment combines two kinds of evidence, from the title and abstract alone:

1. keyword phrases with weights (negative ones argue against a topic), title hits
   counting three times: fine-grained, but blind to context;
2. a statistical model (TF-IDF + logistic regression, trained by
   training/train_topics.py on real arXiv listings) that gives the probability of each
   arXiv category: coarse, but it knows a robot-SLAM paper from a linguistics one.

A topic's keyword score is scaled by how plausible its arXiv categories are, the best
topics close to the top are kept, and if none of them fits the most probable category,
the best topic that does is added (or the topic that is `fallback_for` it). Labels in
the input (arXiv categories, Daily Papers `ai_keywords`) count as extra evidence.
Deterministic: no randomness, ties broken by slug.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from generator.cache import key
from generator.errors import DigestError
from generator.model import Paper, Topic

MAX_TOPICS = 3
MIN_SCORE = 2.0  # below this a topic is noise (one weak word in the abstract)
RELATIVE = 0.45  # a second topic must reach this share of the best topic's score
TITLE_FACTOR = 3.0
MAX_HITS = 3  # repeated words in an abstract count up to this many times
PLAUSIBILITY_FLOOR = 0.15  # a topic whose categories are unlikely keeps this share
CROSS_CUTTING = 0.6  # the plausibility of a topic with no arXiv categories
RUNNER_UP = 0.3  # a second category this close to the most probable one gets a topic too


def parse_taxonomy(data: object, source: str) -> list[Topic]:
    """The `topics:` list of a taxonomy file -> Topics, with errors naming the entry."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise DigestError(source, "a taxonomy file needs a `topics:` list")
    topics = []
    for i, item in enumerate(data["topics"], 1):
        where = f"topic {i}"
        if not isinstance(item, dict):
            raise DigestError(source, f"{where}: expected a mapping with slug and name")
        slug = item.get("slug")
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            raise DigestError(source, f"{where}: slug must be lower-case letters, digits and "
                              f"hyphens, got {slug!r}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DigestError(source, f"{where} ({slug}): a name is required")
        keywords = item.get("keywords") or {}
        if not isinstance(keywords, dict):
            raise DigestError(source, f"{where} ({slug}): keywords must map phrase: weight")
        try:
            # Phrases are matched as word sequences, the way KeywordIndex splits text.
            weighted = tuple(sorted((" ".join(_TOKEN_RE.findall(str(k).lower())), float(v))
                                    for k, v in keywords.items()))
        except (TypeError, ValueError):
            raise DigestError(source, f"{where} ({slug}): every keyword weight must be a "
                              "number") from None
        topics.append(Topic(
            slug=slug,
            name=name.strip(),
            description=str(item.get("description") or "").strip(),
            arxiv=tuple(str(c) for c in item.get("arxiv") or ()),
            keywords=weighted,
            fallback_for=tuple(str(c) for c in item.get("fallback_for") or ()),
        ))
    slugs = [t.slug for t in topics]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise DigestError(source, f"topic slugs appear twice: {', '.join(duplicates)}")
    if not topics:
        raise DigestError(source, "the taxonomy has no topics")
    return topics


def merge_taxonomies(default: list[Topic], project: list[Topic] | None,
                     replace_default: bool) -> list[Topic]:
    """A project's topics replace same-slug defaults and add new ones before the general
    fallback topic; with `replace: true` they replace the default taxonomy whole."""
    if not project:
        return default
    if replace_default:
        return project
    own = {t.slug: t for t in project}
    merged = [own.pop(t.slug, t) for t in default[:-1]]
    return merged + list(own.values()) + [own.pop(default[-1].slug, default[-1])]


_TOKEN_RE = re.compile(r"\w+(?:-\w+)*")


class KeywordIndex:
    """Every keyword phrase of a taxonomy, indexed by its first word, so that scoring a
    text is one pass over its words with a dictionary look-up each."""

    def __init__(self, taxonomy: list[Topic]):
        self.starts: dict[str, list[tuple[tuple[str, ...], list[tuple[int, float]]]]] = {}
        phrases: dict[tuple[str, ...], list[tuple[int, float]]] = {}
        for index, topic in enumerate(taxonomy):
            for phrase, weight in topic.keywords:
                words = tuple(phrase.split())
                if words:
                    phrases.setdefault(words, []).append((index, weight))
        for words, uses in sorted(phrases.items()):
            self.starts.setdefault(words[0], []).append((words, uses))

    def hits(self, text: str) -> Counter[tuple[str, ...]]:
        """How often each phrase occurs in a text (lower-cased, hyphenated words whole)."""
        tokens = _TOKEN_RE.findall(text.lower())
        found: Counter[tuple[str, ...]] = Counter()
        for i, token in enumerate(tokens):
            for words, _ in self.starts.get(token, ()):
                if len(words) == 1 or tuple(tokens[i:i + len(words)]) == words:
                    found[words] += 1
        return found

    def scores(self, title: str, abstract: str, size: int) -> list[float]:
        """Per topic: weight x (3 x title hits + abstract hits, at most 3 of them)."""
        totals = [0.0] * size
        title_hits, abstract_hits = self.hits(title), self.hits(abstract)
        for words in title_hits.keys() | abstract_hits.keys():
            count = TITLE_FACTOR * title_hits[words] + min(MAX_HITS, abstract_hits[words])
            for index, weight in self._uses(words):
                totals[index] += weight * count
        return totals

    def _uses(self, words: tuple[str, ...]) -> list[tuple[int, float]]:
        for candidate, uses in self.starts[words[0]]:
            if candidate == words:
                return uses
        return []


class CategoryModel:
    """The shipped statistical component: P(arXiv category | title, abstract).

    The TF-IDF features are made here as scikit-learn's TfidfVectorizer makes them
    (lower case, the token pattern, English stop words dropped, word n-grams of the
    remaining tokens, 1 + log tf, times idf, unit length; a test compares the two):
    importing scikit-learn takes longer than a day's new papers take to classify."""

    def __init__(self, data: dict):
        import numpy as np

        self.classes: list[str] = data["classes"]
        self.vocabulary = {term: i for i, term in enumerate(data["vocabulary"])}
        self.idf = np.array(data["idf"])
        self.token_pattern = re.compile(data["token_pattern"])
        self.stop_words = frozenset(data["stop_words"])
        self.ngram_range: tuple[int, int] = tuple(data["ngram_range"])
        # Dense, terms by categories: a paper's scores are its few terms' rows summed.
        self.weights = np.zeros((len(self.vocabulary), len(self.classes)))
        for k, category in enumerate(self.classes):
            for index, weight in data["weights"][category].items():
                self.weights[int(index), k] = weight
        self.intercepts = np.array([data["intercepts"][c] for c in self.classes])

    def features(self, text: str):
        """(term indices in order, TF-IDF values of unit length) of one text."""
        import numpy as np

        tokens = [t for t in self.token_pattern.findall(text.lower())
                  if t not in self.stop_words]
        counts: Counter[int] = Counter()
        low, high = self.ngram_range
        for n in range(low, high + 1):
            for i in range(len(tokens) - n + 1):
                index = self.vocabulary.get(" ".join(tokens[i:i + n]))
                if index is not None:
                    counts[index] += 1
        indices = np.array(sorted(counts), dtype=np.int64)
        values = (np.log(np.array([counts[i] for i in indices], dtype=np.float64)) + 1.0
                  ) * self.idf[indices]
        norm = np.sqrt(np.dot(values, values))
        return indices, values / norm if norm else values

    def matrix(self, texts: list[str]):
        """The texts' features as a sparse matrix, a row each (what TfidfVectorizer's
        `transform` gives)."""
        import numpy as np
        from scipy.sparse import csr_matrix

        rows = [self.features(t) for t in texts]
        indptr = np.cumsum([0] + [len(indices) for indices, _ in rows])
        if not rows:
            return csr_matrix((0, len(self.vocabulary)))
        return csr_matrix((np.concatenate([v for _, v in rows]),
                           np.concatenate([i for i, _ in rows]), indptr),
                          shape=(len(rows), len(self.vocabulary)))

    def probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        import numpy as np

        out = []
        for text in texts:
            indices, values = self.features(text)
            scores = values @ self.weights[indices] + self.intercepts
            probs = 1.0 / (1.0 + np.exp(-scores))
            out.append(dict(zip(self.classes, probs.tolist(), strict=True)))
        return out


@lru_cache(maxsize=1)
def default_model() -> CategoryModel:
    path = resources.files("generator") / "defaults" / "topic_model.json.gz"
    return CategoryModel(json.loads(gzip.decompress(path.read_bytes())))


def model_text(title: str, abstract: str) -> str:
    return f"{title}. {title}. {abstract}"  # as in training: the title weighs double


def _plausibility(topic: Topic, probs: dict[str, float]) -> float:
    if not topic.arxiv:
        return CROSS_CUTTING
    return max(probs.get(c, 0.0) for c in topic.arxiv)


def assign(paper: Paper, taxonomy: list[Topic], probs: dict[str, float],
           index: KeywordIndex | None = None) -> tuple[str, ...]:
    """1-3 topic slugs for a paper, best first."""
    labels = set(paper.meta.categories)
    if labels:  # categories given by the source are evidence too
        probs = {c: max(p, 0.9 if c in labels else p * 0.5) for c, p in probs.items()}
        for c in labels:
            probs.setdefault(c, 0.9)
    keywords = " ".join(paper.meta.ai_keywords)
    index = index or KeywordIndex(taxonomy)
    raw_scores = index.scores(f"{paper.title} . {keywords}", paper.abstract, len(taxonomy))
    candidates = taxonomy[:-1]
    scored = []
    for topic, raw in zip(candidates, raw_scores, strict=False):
        if raw <= 0:
            continue
        scale = max(PLAUSIBILITY_FLOOR, _plausibility(topic, probs)) if probs else 1.0
        scored.append((raw * scale, raw, topic))
    scored.sort(key=lambda s: (-s[0], s[2].slug))
    best = scored[0][0] if scored else 0.0
    chosen = [t for value, raw, t in scored[:MAX_TOPICS]
              if raw >= MIN_SCORE and value >= RELATIVE * best]

    # The most probable category must be represented by at least one topic, and so must
    # a runner-up the model finds nearly as likely (cs.CL or cs.AI for an agents paper):
    # arXiv lists such papers under either, and one topic cannot hold both.
    ranked = sorted(probs, key=lambda c: (-probs[c], c))
    for place, category in enumerate(ranked[:2]):
        if place and probs[category] < RUNNER_UP * probs[ranked[0]]:
            break
        if any(category in t.arxiv for t in chosen):
            continue
        fitting = [t for _, raw, t in scored if category in t.arxiv and raw > 0]
        fitting += [t for t in candidates if category in t.fallback_for]
        if place == 0:
            fitting += [t for t in taxonomy if category in t.arxiv]
            if fitting:
                chosen = [fitting[0]] + [t for t in chosen if t is not fitting[0]]
                chosen = chosen[:MAX_TOPICS]
        elif fitting and len(chosen) < MAX_TOPICS:
            chosen.append(fitting[0])
    return tuple(t.slug for t in chosen) or (taxonomy[-1].slug,)


def classify(papers: list[Paper], taxonomy: list[Topic], use_model: bool = True,
             cache=None) -> list[Paper]:
    """Papers with their topics; without the model, keywords alone decide (a baseline).

    With a cache table (generator.cache.Table), a paper classified before with the same
    text, labels and taxonomy keeps its answer: a paper's topics depend on nothing else."""
    taxonomy_key = key(repr(taxonomy), str(use_model))
    keys = [key(taxonomy_key, p.title, p.abstract, "\x1f".join(p.meta.ai_keywords),
                "\x1f".join(p.meta.categories)) for p in papers] if cache else []
    known = [cache.get(k) for k in keys] if cache else [None] * len(papers)
    todo = [p for p, answer in zip(papers, known, strict=True) if answer is None]
    if use_model:
        probs = default_model().probabilities([model_text(p.title, p.abstract)
                                               for p in todo])
    else:
        probs = [{} for _ in todo]
    index = KeywordIndex(taxonomy)
    found = iter([assign(p, taxonomy, pr, index) for p, pr in zip(todo, probs, strict=True)])
    out = []
    for i, (paper, answer) in enumerate(zip(papers, known, strict=True)):
        if answer is None:
            answer = next(found)
            if cache:
                cache.put(keys[i], list(answer))
        out.append(replace(paper, topics=tuple(answer)))
    return out


# --- evaluation on real labels ----------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    papers: int
    agreement: float  # share with a topic whose arxiv list holds one of the paper's categories
    primary: float  # ... that holds the paper's primary category
    coverage: float  # share with a topic other than the general fallback
    largest: float  # share of papers in the largest topic
    largest_topic: str


def evaluate(papers: list[Paper], taxonomy: list[Topic], use_model: bool = True
             ) -> Evaluation:
    """Classify papers with their categories hidden and compare with those categories."""
    truth = [p.meta.categories for p in papers]
    hidden = [replace(p, meta=replace(p.meta, categories=())) for p in papers]
    assigned = classify(hidden, taxonomy, use_model)
    arxiv = {t.slug: set(t.arxiv) for t in taxonomy}
    n = len(papers) or 1
    agree = sum(1 for p, cats in zip(assigned, truth, strict=True)
                if any(arxiv[s] & set(cats) for s in p.topics))
    primary = sum(1 for p, cats in zip(assigned, truth, strict=True)
                  if cats and any(cats[0] in arxiv[s] for s in p.topics))
    general = taxonomy[-1].slug
    covered = sum(1 for p in assigned if any(s != general for s in p.topics))
    sizes = Counter(s for p in assigned for s in p.topics)
    largest_topic, largest = max(sorted(sizes.items()), key=lambda kv: kv[1],
                                 default=("", 0))
    return Evaluation(papers=len(papers), agreement=agree / n, primary=primary / n,
                      coverage=covered / n, largest=largest / n, largest_topic=largest_topic)


# --- the project's taxonomy -------------------------------------------------------------


def default_taxonomy() -> list[Topic]:
    import yaml

    default_file = resources.files("generator") / "defaults" / "topics.yml"
    return parse_taxonomy(yaml.safe_load(default_file.read_text("utf-8")),
                          "the default taxonomy")


def load_taxonomy(topics_file) -> list[Topic]:
    """The default taxonomy, extended (or with `replace: true` replaced) by the
    project's topics file when it has one."""
    from generator import store

    default = default_taxonomy()
    if not topics_file.is_file():
        return default
    data = store.read_yaml(topics_file)
    own = parse_taxonomy(data, str(topics_file))
    replace_default = isinstance(data, dict) and data.get("replace") is True
    return merge_taxonomies(default, own, replace_default)
