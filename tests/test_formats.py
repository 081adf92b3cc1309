"""Real inputs: every Daily Papers API schema, arXiv JSON lines and Atom, the simple
format, one collection across them, broken files refused by name, notes and authors."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from conftest import FIXTURES
from generator import ingest
from generator.cli import main
from generator.errors import DigestError
from generator.ingest import arxiv_id, detect_format

FORMATS = FIXTURES / "formats"


def read(name: str, **kwargs):
    path = FORMATS / name
    return ingest.parse_digest(path.read_bytes(), str(path), **kwargs)


@pytest.mark.parametrize("name, kind", [
    ("2024-05-28-api.json", "hf-api"), ("2025-06-02-api.json", "hf-api"),
    ("2026-08-18-api.json", "hf-api"), ("2025-04-26-listing.jsonl", "arxiv-jsonl"),
    ("2025-04-26-arxiv.atom", "arxiv-atom"), ("simple.yml", "simple"),
    ("2025-06-04-simple.json", "simple"),
])
def test_format_is_detected_by_content(name, kind):
    assert detect_format((FORMATS / name).read_text("utf-8"), name) == kind


def test_api_2024_schema():
    digest = read("2024-05-28-api.json")
    assert digest.date == dt.date(2024, 5, 28)
    first = digest.entries[0]
    assert first.title == "An Introduction to Vision-Language Modeling"
    assert first.meta.arxiv_id == "2405.17247"
    assert first.meta.authors[:2] == ("Florian Bordes", "Richard Yuanzhe Pang")
    assert first.meta.upvotes and first.meta.ai_summary is None
    assert "\n" not in first.abstract  # hard line breaks folded


def test_api_2025_schema_has_machine_summary_and_keywords():
    first = read("2025-06-02-api.json").entries[0]
    assert first.meta.ai_summary.startswith("Prolonged reinforcement learning")
    assert "reinforcement learning" in first.meta.ai_keywords
    assert first.title == ("ProRL: Prolonged Reinforcement Learning Expands Reasoning "
                           "Boundaries in Large Language Models")


def test_api_2026_schema_has_code_project_and_organization():
    meta = read("2026-08-18-api.json").entries[0].meta
    assert meta.github_repo == "https://github.com/usail-hkust/VibeWorlding-Gym"
    assert meta.github_stars == 24
    assert meta.project_page == "https://huggingface.co/collections/usail-hkust/vibeworlder"
    assert meta.organization == "Tencent"


def test_keys_at_the_top_level_are_read_too():
    text = json.dumps([{"title": "Top level", "summary": "S.", "id": "2401.00001v3",
                        "authors": "[{'name': 'A B'}]", "githubStars": "7"}])
    digest = ingest.parse_digest(text.encode(), "2024-01-02.json")
    assert digest.entries[0].meta.arxiv_id == "2401.00001"
    assert digest.entries[0].meta.authors == ("A B",)
    assert digest.entries[0].meta.github_stars == 7


def test_an_author_is_a_name_not_punctuation():
    # arXiv lists "Xiaomi LLM-Core Team: Zihao Yue, ..." as three authors, one of them ":".
    line = json.dumps({"id": "2506.03569", "title": "MiMo-VL Technical Report",
                       "summary": "S.", "authors": ["Xiaomi LLM-Core Team", ":", " - ",
                                                    "Zihao Yue"], "categories": ["cs.CL"]})
    other = json.dumps({"id": "2506.00001", "title": "Other", "summary": "S.",
                        "authors": ["A B"], "categories": ["cs.CL"]})
    digest = ingest.parse_digest(f"{line}\n{other}\n".encode(), "2025-06-05.jsonl")
    assert digest.entries[0].meta.authors == ("Xiaomi LLM-Core Team", "Zihao Yue")


def test_arxiv_listing_keeps_categories_and_drops_repeats():
    digest = read("2025-04-26-listing.jsonl")
    assert len(digest.entries) == 3  # the fourth line repeats the first
    assert digest.entries[1].meta.categories == ("cs.CV", "cs.AI")
    assert digest.entries[1].meta.arxiv_id == "2504.17040"


def test_atom_feed():
    digest = read("2025-04-26-arxiv.atom")
    dymu, other = digest.entries
    assert dymu.title == "DyMU: Dynamic Merging and Virtual Unmerging for Efficient VLMs"
    assert dymu.meta.arxiv_id == "2504.17040" and dymu.meta.categories[0] == "cs.CV"
    assert other.title == "Atom & Friends: a <test> paper"


def test_simple_yaml_with_date_and_authors():
    digest = read("simple.yml")
    assert digest.date == dt.date(2025, 6, 3)
    assert [e.title for e in digest.entries][2] == "no"
    assert digest.entries[2].meta.authors == ("Ada Lovelace", "Charles Babbage")
    assert digest.entries[2].links[0].url == "https://example.org/papers/no"


@pytest.mark.parametrize("value, expected", [
    ("2405.17247", "2405.17247"), ("arXiv:2405.17247v3", "2405.17247"),
    ("http://arxiv.org/abs/2504.17040v2", "2504.17040"), ("https://arxiv.org/pdf/2401.00001",
                                                          "2401.00001"),
    ("hep-th/9901001v1", "hep-th/9901001"), ("not an id", None), (None, None),
])
def test_arxiv_ids(value, expected):
    assert arxiv_id(value) == expected


@pytest.mark.parametrize("name, message", [
    ("2025-06-05-list-of-strings.json",
     "2025-06-05-list-of-strings.json: entry 1 is a string, not an object: a digest is a "
     "list of papers with a title each"),
    ("2025-06-05-truncated.json", "2025-06-05-truncated.json:"),
    ("2025-06-05-no-title.json", "2025-06-05-no-title.json: entry 2 has no title"),
    ("2025-06-05-no-title.yml", "2025-06-05-no-title.yml: entry 2 has no title"),
    ("2025-13-01-bad-date.json", "2025-13-01-bad-date.json: the file name has an impossible "
                                 "date 2025-13-01"),
])
def test_broken_files_are_refused_by_name_and_reason(name, message):
    with pytest.raises(DigestError) as raised:
        read(name)
    assert str(raised.value).endswith(message) if not message.endswith(":") else \
        ("not valid JSON" in str(raised.value) and "is the file cut off?" in str(raised.value))
    assert str(FORMATS / name) in str(raised.value)


def test_json_without_date_needs_one():
    text = (FORMATS / "2025-06-04-simple.json").read_bytes()
    with pytest.raises(DigestError, match="no date was given: pass --date YYYY-MM-DD"):
        ingest.parse_digest(text, "simple.json")
    assert ingest.parse_digest(text, "simple.json", dt.date(2025, 1, 2)).date == \
        dt.date(2025, 1, 2)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "digest"
    assert main(["init", str(root)]) == 0
    return root


@pytest.mark.build
def test_one_collection_across_formats(project, capsys):
    files = [str(FORMATS / n) for n in (
        "2024-05-28-api.json", "2025-04-26-listing.jsonl", "2025-04-26-arxiv.atom",
        "simple.yml", "2025-06-05-list-of-strings.json", "2025-06-02-api.json")]
    assert main(["add", "--project", str(project), *files]) == 1  # one file refused
    out, err = capsys.readouterr()
    assert "2025-04-26-arxiv.atom: 2 papers, 1 new" in out  # DyMU is in the listing
    assert "simple.yml: 3 papers, 1 new" in out  # two known by id and by title
    assert "list-of-strings.json: entry 1 is a string" in err
    assert err.strip().endswith("5 files added, 1 refused.")
    stored = sorted(p.suffix for p in (project / "digests").iterdir() if p.suffix != ".md")
    assert stored == [".json", ".json", ".jsonl", ".xml", ".yml"]

    assert main(["build", "--project", str(project)]) == 0
    err = capsys.readouterr().err
    assert ("warning: arXiv 2405.17247 has 2 different titles: 'An Introduction to "
            "Vision-Language Modeling' in") in err
    papers = json.loads((project / "site/papers.json").read_text())["papers"]
    by_title = {p["title"]: p for p in papers}
    assert len(papers) == 2 + 3 + 1 + 1 + 2  # API 2024, listing, Atom extra, simple new, API 2025
    vlm = by_title["An Introduction to VLMs"]  # the newest title a digest gave
    assert vlm["dates"] == ["2024-05-28", "2025-06-03"] and vlm["arxiv_id"] == "2405.17247"
    arithmetic = by_title["Transformers Can Do Arithmetic with the Right Embeddings"]
    assert arithmetic["dates"] == ["2024-05-28", "2025-06-03"]
    dymu = by_title["DyMU: Dynamic Merging and Virtual Unmerging for Efficient VLMs"]
    assert dymu["dates"] == ["2025-04-26"] and dymu["authors"][:2] == [
        "Zhenhailong Wang", "Senthil Purushwalkam"]


@pytest.mark.build
def test_paper_page_shows_what_is_known(project):
    for name in ("2026-08-18-api.json", "2025-06-02-api.json"):
        shutil.copy(FORMATS / name, project / "digests" / name)
    assert main(["build", "--project", str(project)]) == 0
    html = (project / "site/papers/vibeworlding-can-multimodal-agents-construct-3d-open-worlds"
            "-end-to-end/index.html").read_text("utf-8")
    assert re.search(r'class="pd-paper__authors">[^\n]*\bYansong Ning\b', html)
    assert 'href="https://arxiv.org/abs/2608.15265"' in html
    assert 'href="https://arxiv.org/pdf/2608.15265"' in html
    assert 'https://github.com/usail-hkust/VibeWorlding-Gym</a> <span class="pd-muted">(24 ' \
           'stars)</span>' in html
    assert "Project page: " in html and "upvotes" in html and "Tencent" in html
    assert "Machine-written summary" in html and "Written by a language model" in html
    assert '<meta name="citation_author" content="Yansong Ning">' in html
    assert '<meta name="citation_arxiv_id" content="2608.15265">' in html
    assert "eprint = {2608.15265}" in html and "archivePrefix = {arXiv}" in html
    # Its search document holds what a reader searches for, not the addresses of its
    # links, nor the headings of the sections it leaves out.
    document = (project / ".paper-digest-cache/search-corpus/papers/vibeworlding-can-"
                "multimodal-agents-construct-3d-open-worlds-end-to-end/index.html"
                ).read_text("utf-8")
    assert "Yansong Ning" in document and "3D open world" in document
    assert "github.com" not in document and "arxiv.org" not in document
    assert re.findall(r"<h2 [^>]*>([^<]*)</h2>", document) == ["Abstract"]
    # Listings show the upvotes too: they explain a Daily Papers day's order.
    day = (project / "site/dates/2026-08-18/index.html").read_text("utf-8")
    assert re.search(r'vibeworlding-[^"]*/">VibeWorlding[^<]*</a> <span class="pd-item__date">'
                     r'\d+ upvotes</span>', day)


@pytest.mark.build
def test_math_in_titles(project):
    """Math in a title is rendered on the page (KaTeX) and read as text where no KaTeX
    runs: the browser's title, link previews, scholar metadata, BibTeX. $^K$ glued to
    a word is math (nothing else starts with ^)."""
    papers = [{"title": r"Strongly Solving $7 \times 6$ Connect-Four", "abstract": "A game."},
              {"title": r"GSBAK$^K$: $top$-$K$ Attack", "abstract": "An attack."}]
    (project / "digests/2025-01-02.json").write_text(json.dumps(papers))
    assert main(["build", "--project", str(project)]) == 0
    html = (project / "site/papers/strongly-solving-7-times-6-connect-four/index.html"
            ).read_text("utf-8")
    assert '<h1>Strongly Solving <span class="arithmatex">' \
           '\\(7 \\times 6\\)</span> Connect-Four</h1>' in html
    assert "<title>Strongly Solving 7 × 6 Connect-Four - " in html
    assert '<meta property="og:title" content="Strongly Solving 7 × 6 Connect-Four">' in html
    assert '<meta name="citation_title" content="Strongly Solving 7 × 6 Connect-Four">' in html
    assert "title = {{Strongly Solving 7 × 6 Connect-Four}}" in html
    html = (project / "site/papers/gsbak-k-top-k-attack/index.html").read_text("utf-8")
    assert '<h1>GSBAK<span class="arithmatex">\\(^K\\)</span>:' in html
    assert "<title>GSBAK^K: top-K Attack - " in html


@pytest.mark.build
def test_a_paper_with_75_authors_stays_under_25_kb(project):
    """Each author appears four times on a paper page (the author line, scholar tags,
    JSON-LD, BibTeX); a technical report's 75 authors must still fit the page budget."""
    first = ["Zihao", "Zhenru", "Yifan", "Weikun", "Shuhuai", "Shicheng", "Peidian", "Kainan"]
    last = ["Yue", "Lin", "Song", "Wang", "Ren", "Gu", "Li", "Zhao", "Bao", "Tian"]
    authors = [f"{first[i % 8]} {last[i % 10]}{i}" for i in range(75)]
    abstract = " ".join(["We present a vision-language model trained at scale."] * 35)
    (project / "digests/2025-06-05.json").write_text(json.dumps(
        [{"title": "A Technical Report", "abstract": abstract, "authors": authors,
          "arxiv_id": "2506.03569"}]))
    assert main(["build", "--project", str(project)]) == 0
    page = project / "site/papers/a-technical-report/index.html"
    assert all(name in page.read_text("utf-8") for name in authors)
    assert page.stat().st_size <= 25 * 1024


@pytest.mark.build
def test_a_day_lists_its_papers_in_the_digest_order(project):
    """Daily Papers lists the most upvoted first, a newsletter in its editor's order: a
    day's page and the home page keep that order, not the alphabet's."""
    titles = ["Zeta: the most upvoted", "Alpha: the second", "Mu: the third"]
    (project / "digests/2025-01-02.json").write_text(json.dumps(
        [{"title": t, "abstract": "About retrieval."} for t in titles]))
    # The same papers on a later day, in another order: each day keeps its own.
    (project / "digests/2025-01-03.json").write_text(json.dumps(
        [{"title": t, "abstract": "About retrieval."} for t in reversed(titles)]))
    assert main(["build", "--project", str(project)]) == 0

    def order(page: str, after: str = "") -> list[str]:
        html = (project / "site" / page).read_text("utf-8")
        html = html[html.index(after):]
        return sorted(titles, key=html.index)

    assert order("dates/2025-01-02/index.html") == titles
    assert order("dates/2025-01-03/index.html") == titles[::-1]
    # The home page: the newest day as its digest has it (after the week's top papers).
    assert order("index.html", after='id="latest-') == titles[::-1]


@pytest.mark.build
def test_authors_with_three_papers_get_pages(project):
    papers = [{"title": f"Paper {i}", "abstract": "About retrieval.",
               "authors": ["Ada Lovelace"] + (["Grace Hopper"] if i < 2 else [])}
              for i in range(4)]
    (project / "digests/2025-01-02.json").write_text(json.dumps(papers))
    assert main(["build", "--project", str(project)]) == 0
    site = project / "site"
    assert (site / "authors/ada-lovelace/index.html").is_file()
    assert not (site / "authors/grace-hopper").exists()  # two papers only
    index = (site / "authors/index.html").read_text("utf-8")
    assert 'href="../authors/ada-lovelace/">Ada Lovelace</a> <span class="pd-muted">4</span>' in index
    page = (site / "papers/paper-1/index.html").read_text("utf-8")
    assert 'href="../../authors/ada-lovelace/">Ada Lovelace</a>, Grace Hopper</p>' in page
    # Both are search filters: the search document (not the page) says so.
    document = (project / ".paper-digest-cache/search-corpus/papers/paper-1/index.html"
                ).read_text("utf-8")
    assert 'href="../../authors/ada-lovelace/" data-pagefind-filter="author">Ada Lovelace' \
        in document
    assert '<span data-pagefind-filter="author">Grace Hopper</span>' in document
    assert "data-pagefind" not in page


@pytest.mark.build
def test_notes_join_pages_pin_topics_and_hide_papers(project, capsys):
    shutil.copy(FORMATS / "2025-06-04-simple.json", project / "digests")
    notes = project / "notes"
    notes.mkdir()
    (notes / "a-json-hand-made-entry.md").write_text(
        "---\ntopics: [robotics, speech-audio]\n---\nRead this **first**.\n")
    (notes / "another-one.md").write_text("---\nhidden: true\n---\n")
    assert main(["build", "--project", str(project)]) == 0
    site = project / "site"
    html = (site / "papers/a-json-hand-made-entry/index.html").read_text("utf-8")
    assert "<strong>first</strong>" in html and 'id="notes"' in html
    assert 'href="../../topics/robotics/"' in html
    assert not (site / "papers/another-one").exists()
    # A second build with a new digest keeps the note.
    shutil.copy(FORMATS / "2024-05-28-api.json", project / "digests")
    assert main(["build", "--project", str(project)]) == 0
    assert "<strong>first</strong>" in (
        site / "papers/a-json-hand-made-entry/index.html").read_text("utf-8")

    (notes / "no-such-paper.md").write_text("Hello")
    (notes / "another-one.md").write_text("---\ntopics: [not-a-topic]\n---\n")
    capsys.readouterr()
    assert main(["build", "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert f"{notes / 'no-such-paper.md'}: no paper has the slug 'no-such-paper'" in err
    assert f"{notes / 'another-one.md'}: unknown topic 'not-a-topic' in `topics`" in err


def test_hundreds_of_files_in_one_add(project, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    start = dt.date(2024, 1, 1)
    for i in range(300):
        day = start + dt.timedelta(days=i)
        (inbox / f"{day}.json").write_text(json.dumps(
            [{"paper": {"id": f"24{i:02d}.{j:05d}", "title": f"Paper {i} {j}",
                        "summary": "Text.", "authors": [{"name": f"Author {j}"}]}}
             for j in range(3)]))
    assert main(["add", "--project", str(project), *map(str, sorted(inbox.iterdir()))]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 300
    assert len(list((project / "digests").glob("*.json"))) == 300


def test_authors_are_searchable_and_a_filter(project, page):
    from conftest import Server

    shutil.copy(FORMATS / "2026-08-18-api.json", project / "digests")
    assert main(["build", "--project", str(project)]) == 0
    server = Server(project / "site")
    try:
        page.goto(f"{server.url}/search/?q=Yansong")
        first = page.locator("#pd-search-results .pd-item__title").first
        first.wait_for(timeout=10_000)
        assert first.inner_text().startswith("VibeWorlding")
        # Each result names its first authors, and marks the one the search found.
        authors = page.locator("#pd-search-results .pd-item__authors").first
        assert authors.locator("mark").all_inner_texts() == ["Yansong Ning"]
        assert authors.inner_text() == ("Yansong Ning, Jingwen Ye, Zhongkai Wu, Yang Sun, "
                                        "Yiqin Zhu, Xingyi Li, et al.")
        # An author far down a long list is shown too, after the first six.
        page.goto(f"{server.url}/search/?author=Yueqi+Duan")
        authors = page.locator("#pd-search-results .pd-item__authors").first
        authors.wait_for(timeout=10_000)
        assert authors.inner_text() == ("Weiliang Chen, Haowen Sun, Jun Gao, Jiawei Chi, "
                                        "Hanyang Wang, Qiyu Dai, \u2026, Yueqi Duan, et al.")
        assert authors.locator("mark").all_inner_texts() == ["Yueqi Duan"]
        page.goto(f"{server.url}/search/?author=Yansong+Ning")
        page.locator("#pd-search-results li").first.wait_for(timeout=10_000)
        assert page.locator("#pd-search-status").inner_text() == "1 paper found."
        titles = page.locator("#pd-search-results .pd-item__title").all_inner_texts()
        assert len(titles) == 1 and titles[0].startswith("VibeWorlding")
        assert page.locator("#pd-search-author").input_value() == "Yansong Ning"
    finally:
        server.close()


def test_a_new_days_papers_join_the_last_builds_merge_as_a_fresh_read_makes_them(tmp_path):
    from conftest import copy_sample_project
    from generator import pipeline
    from generator.model import paper_to_data
    from generator.project import load_project

    project = copy_sample_project(tmp_path / "p")
    record = project / ".paper-digest-cache/merged.json"

    def read(fresh: bool = False) -> list:
        if fresh:
            record.unlink()
        state = pipeline.State(load_project(project))
        pipeline.read(state)
        return [paper_to_data(p) for p in state.papers]

    def marked() -> None:  # the record's answers are used where it is read
        data = json.loads(record.read_text())
        data["merged"]["papers"][-1][3] = "From the record."
        record.write_text(json.dumps(data))

    read()
    marked()
    (project / "digests/2025-06-03.yml").write_text(
        "date: 2025-06-03\npapers:\n  - title: A Paper Never Seen Before\n"
        "    abstract: New.\n    arxiv_id: 2506.99999\n")
    incremental = read()
    assert "From the record." in [p[3] for p in incremental]
    assert incremental[0][2] == "A Paper Never Seen Before"
    fresh = read(fresh=True)
    assert len(incremental) == len(fresh)
    unmarked = [p if p[3] != "From the record." else f for p, f in zip(incremental, fresh)]
    assert unmarked == fresh  # all but the marked answer, as a read of every digest
    # A day that features a paper again is merged with all the others.
    marked()
    (project / "digests/2025-06-04.yml").write_text(
        "date: 2025-06-04\npapers:\n  - title: A Paper Never Seen Before\n"
        "    abstract: Again.\n    arxiv_id: 2506.99999\n")
    again = read()
    assert "From the record." not in [p[3] for p in again]
    assert again == read(fresh=True)
