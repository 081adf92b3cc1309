"""Real builds of the bundled sample with MkDocs, Material and Pagefind."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.build  # every test here builds a real site

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE_DAYS, SAMPLE_PAPERS, copy_sample_project, tree_digest
from generator import pages, pipeline
from generator.cli import main
from generator.errors import SearchIndexError, TemplateFailure
from generator.parallel import Tuning
from generator.project import load_project

# The sample is small: these make it take the second processes large archives get.
APART = Tuning(parse_apart_from=0, render_apart_from=1, related_apart_from=0,
               related_block=16, related_join_from=1)


def test_sample_has_every_paper_and_date(sample_project):
    site = sample_project / "site"
    papers = [p for p in (site / "papers").iterdir() if (p / "index.html").is_file()]
    assert len(papers) == SAMPLE_PAPERS
    for day in SAMPLE_DAYS:
        assert (site / "dates" / day / "index.html").is_file()
    day_pages = [p for p in (site / "dates").iterdir()
                 if p.is_dir() and re.fullmatch(r"\d{4}-\d\d-\d\d", p.name)]
    assert len(day_pages) == len(SAMPLE_DAYS)
    for page in ("index.html", "dates/index.html", "topics/index.html", "search/index.html",
                 "about/index.html", "pagefind-all/pagefind.js"):
        assert (site / page).is_file(), page


def test_a_paper_featured_twice_lists_both_dates(sample_project):
    html = (sample_project / "site/papers/performance-scaling-via-optimal-transport-enabling-"
            "data-selection-from/index.html").read_text("utf-8")
    for day in ("2025-03-11", "2025-03-14", "2025-04-03"):
        assert f'href="../../dates/{day}/"' in html
    assert "&lt;projektor&gt;" in html and "<projektor>" not in html


def test_date_page_links_neighbours_and_papers(sample_project):
    html = (sample_project / "site/dates/2025-03-14/index.html").read_text("utf-8")
    assert 'rel="prev" href="../../dates/2025-03-11/"' in html
    assert 'rel="next" href="../../dates/2025-04-03/"' in html
    assert html.count('class="pd-item"') == len(SAMPLE_DAYS["2025-03-14"])


def test_the_calendar_groups_by_year_and_month(sample_project):
    html = (sample_project / "site/dates/index.html").read_text("utf-8")
    march = SAMPLE_DAYS["2025-03-11"] | SAMPLE_DAYS["2025-03-14"]  # some on both days
    assert (f'<caption><a href="../dates/2025-03/">March 2025</a> <span class="pd-muted">'
            f"{len(march)} papers</span></caption>") in html
    assert '<a href="../dates/2025-04/">April 2025</a>' in html
    for day, titles in SAMPLE_DAYS.items():
        assert f'href="../dates/{day}/">{int(day[-2:])}<span class="pd-sr-only">' in html
        assert f'<span class="pd-cal__n">{len(titles)}<span' in html


def test_every_paper_has_a_topic_and_topic_pages_exist(sample_project):
    site = sample_project / "site"
    for page in (site / "papers").glob("*/index.html"):
        assert 'class="pd-chip" href="../../topics/' in page.read_text("utf-8"), page
    assert len(list((site / "topics").glob("*/index.html"))) >= 20


def test_nav_is_fixed_and_never_lists_papers(sample_project):
    html = (sample_project / "site/papers/performance-scaling-via-optimal-transport-enabling-"
            "data-selection-from/index.html").read_text("utf-8")
    nav = html[html.index('<nav class="md-nav md-nav--primary"'):]
    nav = nav[: nav.index("</nav>")]
    labels = re.findall(r'<span class="md-ellipsis">\s*(.*?)\s*</span>', nav, re.S)
    assert [label for label in labels if label] == [
        "Home", "Dates", "Topics", "Authors", "Search", "Reading list", "About"]


def test_site_loads_nothing_from_the_internet(sample_project):
    loads = re.compile(r'<(?:script|img|iframe|source)\b[^>]*\bsrc="(https?:)?//'
                       r'|<link\b[^>]*\bhref="(https?:)?//[^"]*"[^>]*rel="(?:stylesheet|preconnect)'
                       r'|<link\b[^>]*rel="(?:stylesheet|preconnect)"[^>]*href="(https?:)?//'
                       r'|@import\s+url\(\s*["\']?https?:|url\(\s*["\']?https?://')
    for path in (sample_project / "site").rglob("*"):
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            text = path.read_text("utf-8", errors="replace")
            assert not loads.search(text), f"{path} loads from the internet"
    assert "fonts.googleapis" not in (sample_project / "site/index.html").read_text("utf-8")


def test_two_builds_are_byte_identical(sample_project, tmp_path):
    again = copy_sample_project(tmp_path / "again")
    assert main(["build", "--project", str(again)]) == 0
    first, second = tree_digest(sample_project / "site"), tree_digest(again / "site")
    assert first.keys() == second.keys()
    assert any(k.startswith("pagefind-all/filter/") for k in first)  # the index is compared too
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


@pytest.fixture(params=["one process", "second processes"])
def tuning(request) -> Tuning:
    """Runs a test as it is, and again with the parsing, the related papers and the
    paper pages handed to second processes, which large digests get."""
    return APART if request.param == "second processes" else Tuning()


def test_second_processes_build_the_same_site(sample_project, tmp_path):
    again = copy_sample_project(tmp_path / "again")
    assert main(["build", "--project", str(again)], tuning=APART) == 0
    assert tree_digest(again / "site") == tree_digest(sample_project / "site")
    # And so does the build's own process alone.
    alone = copy_sample_project(tmp_path / "alone")
    assert main(["build", "--project", str(alone)], tuning=Tuning(processes=False)) == 0
    assert tree_digest(alone / "site") == tree_digest(sample_project / "site")


def test_a_template_failing_in_the_second_process_is_reported(tmp_path):
    project = load_project(copy_sample_project(tmp_path / "p"))
    papers, taxonomy, _ = pipeline.collect(project)
    project.templates_dir.mkdir(exist_ok=True)
    (project.templates_dir / "paper.md.j2").write_text("{{ paper.no_such_field }}")
    # Two pages to render: the second process gets the second.
    renderer = pages.Renderer(papers[:2], taxonomy, project.settings, project.templates_dir,
                              tuning=Tuning(render_apart_from=1))
    with pytest.raises(TemplateFailure, match=r"paper\.md\.j2.*no_such_field"):
        renderer.render_papers(papers[:2])


def test_a_build_stopped_while_it_writes_pages_leaves_the_next_one_right(tmp_path):
    """Pages are written as they are rendered. A build stopped among them has written
    pages that its site does not have; the next build, which finds them as it would
    write them, must still let MkDocs render them."""
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    (project / "digests/2025-04-03.txt").unlink()  # every listing of that day changes
    state = pipeline.State(load_project(project))
    pipeline.read(state)
    pipeline.start_relating(state)
    pipeline.classify(state)
    pipeline.render_listings(state)  # and there it stops, its listings written
    for worker in state.workers:
        worker.stop()
    assert "2025-04-03" not in (project / "site_src/dates/2025.md").read_text()
    assert "2025-04-03" in (project / "site/dates/2025/index.html").read_text()
    assert main(["build", "--project", str(project)]) == 0
    fresh = copy_sample_project(tmp_path / "fresh")
    (fresh / "digests/2025-04-03.txt").unlink()
    assert main(["build", "--project", str(fresh)]) == 0
    assert tree_digest(project / "site") == tree_digest(fresh / "site")


def test_failed_build_keeps_the_previous_site(tmp_path, capsys, tuning):
    project = copy_sample_project(tmp_path / "p")
    shutil.rmtree(project / "digests")
    (project / "digests").mkdir()
    shutil.copy(Path(__file__).parent / "fixtures/exports/header-byak.txt",
                project / "digests/2025-03-14.txt")
    assert main(["build", "--project", str(project)], tuning=tuning) == 0
    before = tree_digest(project / "site")
    # A broken project template makes the next build fail part-way.
    (project / "templates").mkdir()
    (project / "templates/paper.md.j2").write_text("{{ paper.no_such_field }}")
    capsys.readouterr()
    assert main(["build", "--project", str(project)], tuning=tuning) == 1
    err = capsys.readouterr().err
    assert "build failed, the previous site is unchanged" in err
    assert "no_such_field" in err
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site-*"))  # no staging folder left behind


def test_build_reports_a_bad_digest_and_builds_the_rest(tmp_path, capsys, tuning):
    project = copy_sample_project(tmp_path / "p")
    (project / "digests/2025-05-01.txt").write_text("new\n\nMay 1\n\nA lone title\n")
    assert main(["build", "--project", str(project)], tuning=tuning) == 1
    err = capsys.readouterr().err
    assert "2025-05-01.txt:5: the title 'A lone title' has no abstract after it" in err
    assert len(list((project / "site/papers").iterdir())) == SAMPLE_PAPERS


@pytest.mark.parametrize("missing", ["mkdocs.yml"])
def test_not_a_project(tmp_path, capsys, missing):
    assert main(["build", "--project", str(tmp_path)]) == 1
    assert f"is not a paper-digest project: it has no {missing}" in capsys.readouterr().err


# The sample is small: index changes separately as a large digest would, and render in a
# second process (the paper pages; after one more day, the topics' pages too).
TWO_BUNDLES = Tuning(search_small=0, search_rebuild_share=0.5, search_ballast=50,
                     render_apart_from=1)


def _same_file(a: Path, b: Path) -> bool:
    return os.stat(a).st_ino == os.stat(b).st_ino


def test_incremental_build_equals_a_full_build(tmp_path, capsys, monkeypatch):
    """After one more day, a removed digest and a hidden paper, the site built over the
    previous one (only changed pages rendered; MkDocs shown only those) is identical to
    a full build, sitemap included, and search finds the same pages in it."""
    monkeypatch.setenv("SITE_URL", "https://example.org/digest/")  # a sitemap of pages
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)], tuning=TWO_BUNDLES) == 0
    # A generated file that is not a page is in the site as a hard link, not a copy.
    assert _same_file(project / "site/feed.xml", project / "site_src/feed.xml")
    shutil.copy(Path(__file__).parent / "fixtures/formats/2026-08-18-api.json",
                project / "digests")
    (project / "digests/2025-03-14.txt").unlink()
    (project / "notes").mkdir()
    (project / "notes/beir-pl-zero-shot-information-retrieval-benchmark-for-the-polish"
               "-language.md").write_text("---\nhidden: true\n---\n")
    # The incremental build hard-links most of the previous site: it must never write
    # into those files. A linked copy taken now must keep every byte.
    before = tree_digest(project / "site")
    shutil.copytree(project / "site", tmp_path / "linked", copy_function=os.link)
    capsys.readouterr()
    assert main(["build", "--project", str(project)], tuning=TWO_BUNDLES) == 0
    assert "dirty" not in capsys.readouterr().err
    assert tree_digest(tmp_path / "linked") == before
    incremental = tree_digest(project / "site")
    assert incremental != before
    assert _same_file(project / "site/feed.xml", project / "site_src/feed.xml")
    assert not (project / "site/dates/2025-03-14").exists()
    assert not (project / "site/papers/beir-pl-zero-shot-information-retrieval-benchmark-"
                          "for-the-polish-language").exists()
    sitemap = (project / "site/sitemap.xml").read_text()
    # Every page, those MkDocs was not shown too (the full build's is compared below).
    built = [p for p in (project / "site").rglob("*.html") if p.name != "404.html"
             and not p.relative_to(project / "site").parts[0].startswith("pagefind")]
    assert sitemap.count("<url>") == len(built) > 300
    # Search: 2025's shard of the first build, and in a recent bundle the changed papers
    # and the new day's (2026 has too few papers for a shard).
    info = json.loads((project / "site/search-index.json").read_text())
    assert info["bundles"] == ["pagefind-2025/"]
    assert info["recent"] == "pagefind-recent/" and list(info["hide"]) == ["pagefind-2025/"]
    # One more day, over the spare this time: the build does not look into the site's
    # folders the last one left alone (copy_site's unchanged_before).
    assert json.loads((project / ".paper-digest-cache/build.json").read_text()
                      )["unchanged_before"] > 0
    shutil.copy(Path(__file__).parent / "fixtures/formats/2025-06-02-api.json",
                project / "digests")
    assert main(["build", "--project", str(project)], tuning=TWO_BUNDLES) == 0
    incremental = tree_digest(project / "site")
    searchable = _searchable(project / "site")
    assert main(["build", "--full", "--project", str(project)], tuning=TWO_BUNDLES) == 0
    info = json.loads((project / "site/search-index.json").read_text())
    assert info["bundles"] == ["pagefind-2025/"] and info["recent"] == "pagefind-recent/"
    assert len(info["hide"]["pagefind-2025/"]) == 50  # the ballast's copies only
    assert _without_search(tree_digest(project / "site")) == _without_search(incremental)
    assert _searchable(project / "site") == searchable


def test_pages_written_before_a_build_are_rendered_by_it(tmp_path):
    """Pages that `generate` wrote, as a build that failed after writing would have, are
    rendered by the next build though it writes none of them again: the build keeps a
    record of what was written and deleted since the site was built, and MkDocs renders
    from it."""
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    shutil.copy(Path(__file__).parent / "fixtures/formats/2026-08-18-api.json",
                project / "digests")
    (project / "digests/2025-03-14.txt").unlink()
    assert main(["generate", "--project", str(project)]) == 0
    record = project / ".paper-digest-cache/unbuilt.json"
    assert "dates/2026-08-18.md" in json.loads(record.read_text())["written"]
    # And the pages it deleted, whose outputs the build removes from its copy of site/.
    assert "dates/2025-03-14.md" in json.loads(record.read_text())["deleted"]
    assert main(["build", "--project", str(project)]) == 0
    assert json.loads(record.read_text()) == {"written": [], "deleted": []}
    incremental = tree_digest(project / "site")
    assert "dates/2026-08-18/index.html" in incremental
    assert not (project / "site/dates/2025-03-14").exists()
    assert main(["build", "--full", "--project", str(project)]) == 0
    assert _without_search(tree_digest(project / "site")) == _without_search(incremental)


def test_a_rebuild_with_nothing_changed_leaves_the_site_as_it_was(tmp_path, capsys):
    """Nothing a build reads changed: site/ stays as it is, not a file touched. Each kind
    of input (a page of docs_dir, a digest, a note) makes the next build a real one, and
    a build that refused a digest says so again the next time."""
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    stamps = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")}
    capsys.readouterr()
    assert main(["build", "--project", str(project)]) == 0
    assert capsys.readouterr().out == (f"Nothing changed since the last build: site/ is up to "
                                       f"date ({SAMPLE_PAPERS} papers from 3 days).\n")
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")} == stamps

    about = project / "site_src/about.md"
    about.write_text(about.read_text() + "\nOne more line.\n")
    assert main(["build", "--project", str(project)]) == 0
    assert capsys.readouterr().out.startswith(f"Built {SAMPLE_PAPERS} papers")
    assert "One more line." in (project / "site/about/index.html").read_text()
    (project / "notes").mkdir()
    (project / "notes/no-such-paper.md").write_text("A note.\n")
    assert main(["build", "--project", str(project)]) == 1  # a note for no paper
    for _ in range(2):
        capsys.readouterr()
        assert main(["build", "--project", str(project)]) == 1
        assert "no-such-paper.md" in capsys.readouterr().err
    (project / "notes/no-such-paper.md").unlink()
    assert main(["build", "--project", str(project)]) == 0
    (project / "digests/2025-05-01.txt").write_text("new\n\nMay 1\n\nA lone title\n")
    for _ in range(2):
        capsys.readouterr()
        assert main(["build", "--project", str(project)]) == 1
        assert "2025-05-01.txt:5: the title 'A lone title' has no abstract" in (
            capsys.readouterr().err)


def _without_search(tree: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tree.items()
            if not k.startswith(("pagefind-", "search-index.json"))}


def _searchable(site: Path) -> dict[str, dict]:
    """What the search page can find: {URL: the indexed page} over the shards less the
    results search-index.json hides, and the recent bundle."""
    def fragments(bundle: Path) -> dict[str, tuple[str, dict]]:
        out = {}
        for path in (bundle / "fragment").glob("*.pf_fragment"):
            page = json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
            out[page["url"]] = (path.name.removesuffix(".pf_fragment"), page)
        return out

    info = json.loads((site / "search-index.json").read_text())
    found = {}
    for bundle in info["bundles"]:
        shard = {url: page for url, (name, page) in fragments(site / bundle).items()
                 if name not in info["hide"].get(bundle, [])}
        assert not shard.keys() & found.keys()  # a paper is in one shard
        found |= shard
    if info["recent"]:
        recent_pages = {url: page for url, (_, page) in fragments(site / info["recent"]).items()}
        assert not recent_pages.keys() & found.keys()  # every outdated copy is hidden
        found |= recent_pages
    return found


def test_a_configuration_change_rebuilds_every_page(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("site_name: Paper digest sample",
                                                 "site_name: Renamed digest"))
    assert main(["build", "--project", str(project)]) == 0
    for html in (project / "site/papers").glob("*/index.html"):
        assert "Renamed digest" in html.read_text("utf-8")


def test_a_failed_search_index_is_reported(tmp_path):
    from generator import search

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    documents = {"papers/a/index.html": "<html><body><h1>A</h1></body></html>"}
    indexing = search.start(documents, set(), {"papers/a/index.html": "2025-03"},
                            tmp_path / "corpus", tmp_path / "corpus.json", blocker / "base",
                            blocker / "out", ("papers",))
    with pytest.raises(SearchIndexError, match="writing the search index failed"):
        search.finish(indexing)
    assert (tmp_path / "corpus/papers/a/index.html").is_file()


def test_a_build_from_a_script_without_a_main_guard(tmp_path):
    """The search indexing runs in a new interpreter; it must not run the caller's own
    script again (multiprocessing's "spawn" would, and a script read from stdin cannot
    even be found)."""
    project = copy_sample_project(tmp_path / "p")
    script = f"from generator.cli import main\nmain(['build', '--project', {str(project)!r}])\n"
    result = subprocess.run([sys.executable, "-"], input=script, capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"Built {SAMPLE_PAPERS} papers") == 1  # the script ran once
    assert (project / "site/pagefind-all/pagefind-entry.json").is_file()
