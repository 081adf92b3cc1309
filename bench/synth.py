"""Digest sources for benchmarks: synthetic days, or real papers.

Synthetic papers are made from the sentences and title words of the bundled sample, so
their length and vocabulary look like real abstracts; a seed makes them repeatable. They
come as Daily Papers exports (title and abstract only) or as Daily Papers API days with
what the real archive has: authors (a few prolific, most seen once, so that about one
in twenty-five has an author page), upvotes, keywords, machine summaries, code, project
pages and organizations. Real papers come from arXiv listing days (JSON lines), written
out as exports, or from a folder of real digest files taken as they are.
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


def _vocabulary(sample_dir: Path | None) -> tuple[list[str], list[str]]:
    """(title words, abstract sentences) of the bundled sample or of `sample_dir`."""
    titles, sentences = _sample_corpus(
        sample_dir or Path(__file__).resolve().parent.parent / "digests")
    return sorted({w for t in titles for w in re.findall(r"[A-Za-z][\w-]+", t)}), sentences


def _paper(rng: random.Random, words: list[str], sentences: list[str]) -> tuple[str, str, str]:
    """(a made-up method name, a title starting with it, an abstract)."""
    name = "".join(rng.choice(words).capitalize() for _ in range(2))
    title = f"{name}: " + " ".join(rng.choice(words) for _ in range(rng.randint(5, 11)))
    abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9)))
    return name, title, abstract


def synthetic(out: Path, papers: int, per_day: int = 30, seed: int = 0,
              start: dt.date = dt.date(2024, 1, 1), sample_dir: Path | None = None) -> list[Path]:
    """Write `papers` synthetic papers as daily exports into `out`; returns the files."""
    words, sentences = _vocabulary(sample_dir)
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for day, numbers in _days(papers, per_day, start):
        batch = []
        for number in numbers:
            _, title, abstract = _paper(rng, words, sentences)
            batch.append((f"{title} {number}", abstract))
        path = out / f"{day.isoformat()}.txt"
        path.write_text(_export(day, batch), "utf-8")
        files.append(path)
    return files


def _days(papers: int, per_day: int, start: dt.date):
    """(day, the numbers of its papers, from 1) for `papers` papers, `per_day` a day."""
    for first in range(0, papers, per_day):
        yield start + dt.timedelta(days=first // per_day), range(
            first + 1, min(first + per_day, papers) + 1)


FIRST_NAMES = ("Wei Jian Yang Hao Xin Li Yu Jun Ming Chen Anna Maria David Daniel Sarah "
               "Michael Laura Thomas Julia Ahmed Fatima Omar Priya Rahul Ananya Kenji Yuki "
               "Hiroshi Min-jun Seo-yeon Ji-ho Lucas Sofia Mateo Elena Ivan Olga Pierre Camille "
               "Jonas Lena Noah Emma Tomasz Zofia Ali Leila Kwame Amara Diego Valentina "
               "Samuel Grace Arjun Meera Mehmet Elif Nikos Eleni Sven Ingrid").split()
LAST_NAMES = ("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao "
              "Luo Zheng Liang Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan "
              "Kim Lee Park Choi Jung Kang Cho Tanaka Suzuki Sato Watanabe Ito Nakamura Smith "
              "Johnson Brown Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
              "Anderson Taylor Moore Jackson Martin Thompson White Harris Clark Lewis Walker "
              "Hall Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
              "Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart "
              "Sanchez Morris Rogers Reed Cook Morgan Bell Murphy Bailey Rivera Cooper "
              "Richardson Cox Howard Ward Peterson Gray Ramirez Watson Brooks Kelly Sanders "
              "Price Bennett Wood Barnes Ross Henderson Coleman Jenkins Perry Powell Long "
              "Patterson Hughes Flores Washington Butler Simmons Foster Gonzales Bryant "
              "Alexander Russell Griffin Diaz Hayes Myers Ford Hamilton Graham Sullivan Wallace "
              "Singh Kumar Sharma Gupta Patel Müller Schmidt Schneider Fischer Weber Meyer "
              "Wagner Becker Schulz Hoffmann Dubois Moreau Laurent Lefebvre Rossi Russo "
              "Ferrari Esposito Bianchi Romano Kowalski Nowak Ivanov Petrov Smirnov "
              "Yilmaz Kaya Demir Sahin Nguyen Tran Pham").split()
ORGANIZATIONS = ("Tencent", "Alibaba", "ByteDance Seed", "Google", "Meta AI", "NVIDIA",
                 "Microsoft", "Shanghai AI Laboratory", "Tsinghua University",
                 "Stanford University", "Allen Institute for AI", "Hugging Face")


def _author(number: int) -> str:
    """The author of a popularity rank: a first name, an initial and a last name."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    number //= len(FIRST_NAMES)
    last = LAST_NAMES[number % len(LAST_NAMES)]
    initial = chr(ord("A") + (number // len(LAST_NAMES)) % 26)
    return f"{first} {initial}. {last}"


def synthetic_api(out: Path, papers: int, per_day: int = 17, seed: int = 0,
                  start: dt.date = dt.date(2024, 5, 1), sample_dir: Path | None = None
                  ) -> list[Path]:
    """Write `papers` synthetic papers as Daily Papers API days into `out` (17 a day, as
    the archive since 2024 has: about 9,600 papers in 560 days); returns the files.

    Authors: about 7 a paper (a few reach 40), drawn from a pool of 16 names per paper
    where rank r is drawn with weight falling as r grows (r = pool * u**1.4), which
    gives, at 3,000 papers, about as many distinct authors and authors with three or
    more papers as the 2,995 papers of the arXiv days in ../shared/real-data have
    (16,271 and 644 in the files written, against 14,728 and 482)."""
    words, sentences = _vocabulary(sample_dir)
    rng = random.Random(seed)
    pool = 16 * papers
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for day, numbers in _days(papers, per_day, start):
        items = []
        for number in numbers:
            name, title, abstract = _paper(rng, words, sentences)
            title += f" {seed}-{number}"
            count = min(max(1, round(rng.lognormvariate(1.75, 0.6))), 40)
            authors: set[int] = set()
            while len(authors) < count:
                authors.add(int(pool * rng.random() ** 1.4))
            paper = {
                "id": f"{day:%y%m}.{seed * 50000 + number:05d}",
                "title": title,
                "summary": abstract,
                "authors": [{"name": _author(a)} for a in sorted(authors)],
                "publishedAt": f"{day.isoformat()}T00:00:00.000Z",
                "upvotes": int(rng.expovariate(1 / 15)),
            }
            if rng.random() < 0.7:
                paper["ai_summary"] = rng.choice(sentences)
                paper["ai_keywords"] = sorted({rng.choice(words) for _ in range(rng.randint(3, 9))})
            if rng.random() < 0.4:
                paper["githubRepo"] = f"https://github.com/{name.lower()}/{name}"
                paper["githubStars"] = int(rng.expovariate(1 / 80))
            if rng.random() < 0.2:
                paper["projectPage"] = f"https://{name.lower()}.github.io/"
            if rng.random() < 0.3:
                paper["organization"] = {"fullname": rng.choice(ORGANIZATIONS)}
            items.append({"paper": paper, "title": title, "numComments": rng.randint(0, 5),
                          "publishedAt": f"{day.isoformat()}T12:00:00.000Z"})
        items.sort(key=lambda item: -item["paper"]["upvotes"])  # as the API lists them
        path = out / f"{day.isoformat()}.json"
        path.write_text(json.dumps(items, ensure_ascii=False), "utf-8")
        files.append(path)
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


def folder(source: Path, papers: int) -> list[Path]:
    """Real digest files as they are (e.g. Daily Papers API days), in name order, as
    many as hold `papers` papers; files that would be refused are left out."""
    from generator.errors import DigestError
    from generator.ingest import parse_digest

    files, count = [], 0
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        if count >= papers:
            break
        try:
            count += len(parse_digest(path.read_bytes(), path.name).entries)
        except DigestError:
            continue
        files.append(path)
    if len(files) < 2:
        raise SystemExit(f"{source}: needs at least two digest files that can be read")
    return files
