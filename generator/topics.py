"""Topics: the taxonomy and the assignment of one to three topics per paper.

Assignment scores each topic by weighted keyword phrases found in the title (three
times) and the abstract, keeps the best topics close to the top score, and falls back to
the taxonomy's last topic (the general one) so that every paper has a topic.
"""

from __future__ import annotations

import re
from dataclasses import replace
from collections import Counter

from generator.errors import DigestError
from generator.model import Paper, Topic

MAX_TOPICS = 3
MIN_SCORE = 3.0  # below this a topic is noise (one weak word in the abstract)
RELATIVE = 0.45  # a second topic must reach this share of the best topic's score
TITLE_FACTOR = 3.0
MAX_HITS = 3  # repeated words in an abstract count up to this many times


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
            # Phrases are matched as word sequences, the way phrase_counts() splits text.
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
MAX_PHRASE_WORDS = 5


def phrase_counts(text: str) -> Counter[str]:
    """How often each run of 1-5 words occurs in a text (lower-cased, hyphenated words
    kept whole), so that every keyword phrase is one dictionary look-up."""
    tokens = _TOKEN_RE.findall(text.lower())
    counts: Counter[str] = Counter()
    for n in range(1, MAX_PHRASE_WORDS + 1):
        counts.update(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return counts


def score(topic: Topic, title: Counter[str], abstract: Counter[str]) -> float:
    total = 0.0
    for phrase, weight in topic.keywords:
        hits = TITLE_FACTOR * title.get(phrase, 0) + min(MAX_HITS, abstract.get(phrase, 0))
        total += weight * hits
    return total


def assign(paper: Paper, taxonomy: list[Topic]) -> tuple[str, ...]:
    title, abstract = phrase_counts(paper.title), phrase_counts(paper.abstract)
    scored = sorted(((score(t, title, abstract), t.slug) for t in taxonomy[:-1]),
                    key=lambda s: (-s[0], s[1]))
    best = scored[0][0] if scored else 0.0
    chosen = tuple(slug for value, slug in scored[:MAX_TOPICS]
                   if value >= MIN_SCORE and value >= RELATIVE * best)
    return chosen or (taxonomy[-1].slug,)


def classify(papers: list[Paper], taxonomy: list[Topic]) -> list[Paper]:
    return [replace(p, topics=assign(p, taxonomy)) for p in papers]
