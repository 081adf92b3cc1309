"""Digest sources for benchmarks: synthetic Daily Papers exports, or real papers.

Synthetic papers are made from the sentences and title words of the bundled sample, so
their length and vocabulary look like real abstracts; a seed makes them repeatable.
Real papers come from arXiv listing days (JSON lines), written out as exports.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def _export(day: dt.date, papers: list[tuple[str, str]]) -> str:
    body = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in papers)
    return f"{HEADER}{day:%b} {day.day}\n\n{body}\n"


def _sample_corpus(sample_dir: Path) -> tuple[list[str], list[str]]:
    titles, sentences = [], []
    for path in sorted(sample_dir.glob("*.txt")):
        blocks = [b.strip() for b in path.read_text("utf-8").split("\n\n") if b.strip()]
        body = blocks[5:]  # header lines and the date line
        for title, abstract in zip(body[0::2], body[1::2]):
            titles.append(title)
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", abstract) if len(s) > 30]
    return titles, sentences


def synthetic(out: Path, papers: int, per_day: int = 30, seed: int = 0,
              start: dt.date = dt.date(2024, 1, 1), sample_dir: Path | None = None) -> list[Path]:
    """Write `papers` synthetic papers as daily exports into `out`; returns the files."""
    sample_dir = sample_dir or Path(__file__).resolve().parent.parent / "digests"
    titles, sentences = _sample_corpus(sample_dir)
    words = sorted({w for t in titles for w in re.findall(r"[A-Za-z][\w-]+", t)})
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    files, number, day = [], 0, start
    while number < papers:
        batch = []
        for _ in range(min(per_day, papers - number)):
            number += 1
            name = "".join(rng.choice(words).capitalize() for _ in range(2))
            title = f"{name}: " + " ".join(rng.choice(words) for _ in range(rng.randint(5, 11)))
            abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9)))
            batch.append((f"{title} {number}", abstract))
        path = out / f"{day.isoformat()}.txt"
        path.write_text(_export(day, batch), "utf-8")
        files.append(path)
        day += dt.timedelta(days=1)
    return files


def real(out: Path, listings: Path, papers: int) -> list[Path]:
    """Write up to `papers` real papers from arXiv listing days (JSON lines) as exports."""
    out.mkdir(parents=True, exist_ok=True)
    files, seen = [], set()
    for path in sorted(listings.glob("*.jsonl")):
        day = dt.date.fromisoformat(path.stem)
        batch = []
        for line in path.read_text("utf-8").splitlines():
            item = json.loads(line)
            if item["id"] in seen or len(seen) >= papers:
                continue
            seen.add(item["id"])
            batch.append((" ".join(item["title"].split()), " ".join(item["summary"].split())))
        if batch:
            target = out / f"{day.isoformat()}.txt"
            target.write_text(_export(day, batch), "utf-8")
            files.append(target)
    return files
