"""Reader notes: notes/<slug>.md, whose Markdown joins the paper's page and whose
frontmatter may pin `topics` or set `hidden: true`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator import store
from generator.errors import DigestError
from generator.model import Paper, Topic


def load_notes(notes_dir: Path, papers: list[Paper]) -> tuple[dict, list[DigestError]]:
    """Reader notes by slug: {slug: (path, post)}. A note that cannot be read or names
    no paper is an error naming it, and is left out."""
    import frontmatter

    slugs = {p.slug for p in papers}
    notes, errors = {}, []
    for path in store.list_notes(notes_dir):
        try:
            post = frontmatter.loads(store.read_bytes(path).decode("utf-8"))
        except Exception as e:  # YAML and decoding errors come in many types
            errors.append(DigestError(str(path), f"cannot read the note: {e}"))
            continue
        if path.stem not in slugs:
            errors.append(DigestError(str(path), f"no paper has the slug {path.stem!r}; a "
                                      "note is named after its paper's URL (papers/<slug>/)"))
            continue
        notes[path.stem] = (path, post)
    return notes, errors


def hidden(notes: dict) -> set[str]:
    """The slugs of the papers their notes hide."""
    return {slug for slug, (_, post) in notes.items() if post.get("hidden") is True}


def apply_notes(papers: list[Paper], notes: dict, taxonomy: list[Topic]
                ) -> tuple[list[Paper], list[DigestError]]:
    """A note's Markdown joins its paper's page; its frontmatter may pin `topics` or set
    `hidden: true`. An unknown topic is an error naming the note and the topic; the rest
    of the note still applies."""
    known_topics = {t.slug for t in taxonomy}
    errors, out = [], []
    for paper in papers:
        if paper.slug not in notes:
            out.append(paper)
            continue
        path, post = notes[paper.slug]
        pinned = post.get("topics")
        if pinned is not None:
            pinned = [pinned] if isinstance(pinned, str) else pinned
            unknown = [t for t in pinned if t not in known_topics] if isinstance(
                pinned, list) else [pinned]
            if unknown:
                errors.append(DigestError(str(path), "unknown topic " + ", ".join(
                    repr(t) for t in unknown) + " in `topics`; the topics are not pinned"))
            else:
                paper = replace(paper, topics=tuple(pinned))
        out.append(replace(paper, note=post.content.strip(), hidden=post.get("hidden") is True))
    return out, errors
