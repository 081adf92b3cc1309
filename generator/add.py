"""`paper-digest add`: check digest files and store the good ones in digests/."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from generator import cache, ingest, store
from generator.errors import DigestError
from generator.normalize import title_key
from generator.project import Project


@dataclass(frozen=True)
class Added:
    source: str
    papers: int
    new: int
    stored_as: str | None  # None: the same digest was already stored


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _identities(entries) -> set[str]:
    """What makes a paper known: its arXiv id and its title key."""
    known = set()
    for e in entries:
        known.add("t:" + title_key(e.title))
        if e.meta.arxiv_id:
            known.add("a:" + e.meta.arxiv_id)
    return known


def add(project: Project, files: list[Path], given_date: dt.date | None = None,
        fmt: str | None = None, on_file=None) -> tuple[list[Added], list[DigestError]]:
    """Validate each file and store the good ones in digests/ under a dated name, with
    the extension of their format (ingest.FORMATS).

    All or nothing per file; idempotent: a digest whose text is already stored is not
    stored again. `on_file(path)` is called after each file (for progress)."""
    known: set[str] = set()
    stored_hashes = set()
    stored = [(path.name, store.read_bytes(path))
              for path in store.list_digests(project.digests_dir, ingest.digest_suffixes())]
    for name, data in stored:
        try:
            stored_hashes.add(content_hash(ingest.decode(data, name)))
        except DigestError:
            pass  # `build` reports stored files that do not parse
    # Parsed as the last build cached them (an archive's take a minute to parse again).
    digests, _ = ingest.read_digests(stored, cache.Shelf(project.cache_dir / "digests"))
    for digest in digests.values():
        known |= _identities(digest.entries)

    results, errors = [], []
    for path in files:
        try:
            try:
                data = store.read_bytes(path)
            except OSError as e:
                raise DigestError(str(path), f"cannot read the file: {e.strerror}") from None
            text = ingest.decode(data, str(path))
            kind = fmt or ingest.detect_format(text, str(path))
            digest = ingest.parse_digest(data, str(path), given_date, kind)
        except DigestError as e:
            errors.append(e)
            if on_file:
                on_file(path)
            continue
        papers = {title_key(e.title): e for e in digest.entries}
        new = sum(1 for e in papers.values() if not _identities([e]) & known)
        known |= _identities(digest.entries)
        digest_hash = content_hash(text)
        stored_as = None
        if digest_hash not in stored_hashes:
            name = f"{digest.date.isoformat()}-{digest_hash[:8]}{ingest.BY_NAME[kind].extension}"
            stored_as = str(store.store_digest(project.digests_dir, name, text))
            stored_hashes.add(digest_hash)
        results.append(Added(source=str(path), papers=len(papers), new=new,
                             stored_as=stored_as))
        if on_file:
            on_file(path)
    return results, errors
