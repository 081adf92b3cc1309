"""The two registries (page kinds, input formats), the one disk module, the cache and the
one way to run work beside the build, tested directly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, REPO
from generator import cache, ingest, pages, store
from generator.cli import make_parser
from generator.errors import DigestError, PaperDigestError, ProjectError
from generator.model import Paper, Topic
from generator.parallel import Fresh, Tuning, Worker, WorkerFailed
from generator.plugin import not_in_nav, single_html_block
from generator.render import Settings

FORMATS = FIXTURES / "formats"

# --- page kinds -----------------------------------------------------------------------


def _site(papers: int = 3) -> tuple[list[Paper], list[Topic]]:
    taxonomy = [Topic("agents", "Agents", "Agents that act."),
                Topic("vision", "Vision", "Seeing.")]
    days = [dt.date(2026, 8, 17), dt.date(2026, 8, 18), dt.date(2026, 8, 24)]
    out = [Paper(key=f"p{i}", slug=f"paper-{i}", title=f"Paper {i}", abstract="An abstract.",
                 dates=(days[i % 3],), topics=("agents",)) for i in range(papers)]
    return out, taxonomy


def test_every_kind_is_rendered_and_one_element_where_it_says_so():
    papers, taxonomy = _site()
    renderer = pages.Renderer(papers, taxonomy, Settings(), tuning=Tuning(processes=False))
    renderer.render_listings()
    rendered = renderer.render_papers(papers)
    import frontmatter

    for kind in pages.KINDS:
        sources = [path for path in rendered.pages
                   if re.fullmatch(_source_pattern(kind.sources), path)]
        assert sources, f"{kind.name} made no page ({kind.sources})"
        if kind.template is None:
            continue
        for path in (s for s in sources if s.endswith(".md")):  # not its .bib or feed
            body = frontmatter.loads(rendered.pages[path].decode()).content
            if kind.single_element:
                assert single_html_block(body) is not None, f"{path} is not one element"


def _source_pattern(sources: tuple[str, ...]) -> str:
    """A kind's `sources` as a regular expression over docs_dir paths."""
    parts = []
    for one in sources:
        one = re.escape(one).replace("<slug>", "[a-z0-9-]+").replace("<ab>", "(?:[a-z0-9]{2}|_)")
        for placeholder, pattern in (("YYYY\\-MM\\-DD", r"\d{4}-\d{2}-\d{2}"),
                                     ("YYYY\\-Www", r"\d{4}-W\d{2}"),
                                     ("YYYY\\-MM", r"\d{4}-\d{2}"), ("YYYY", r"\d{4}")):
            one = one.replace(placeholder, pattern)
        parts.append(one)
    return "|".join(parts)


def test_generated_folders_come_from_the_kinds_and_stay_out_of_the_nav():
    folders = pages.generated_folders()
    assert folders == ("dates", "topics", "authors", "papers", "feeds", "api")
    spec = not_in_nav(None)
    assert all(spec.match_file(f"{folder}/x.md") for folder in folders)
    assert not spec.match_file("about.md") and not spec.match_file("index.md")
    # A project's own patterns are kept.
    from mkdocs.config import config_options as opt

    own = opt.PathSpec().run_validation("/drafts/")
    both = not_in_nav(own)
    assert both.match_file("drafts/a.md") and both.match_file("papers/a.md")


def test_the_url_contract_in_developers_md_is_the_registry():
    text = (REPO / "DEVELOPERS.md").read_text("utf-8")
    table = text[text.index("<!-- page kinds -->"):text.index("<!-- /page kinds -->")]
    assert table.strip().splitlines()[1:] == pages.kinds_table().splitlines()


def test_the_site_index_lists_periods_once_per_paper():
    day = dt.date(2026, 8, 17)  # a Monday: week 2026-W34
    twice = Paper(key="t", slug="twice", title="T", abstract="", topics=(),
                  dates=(day, day + dt.timedelta(days=6)))  # Monday and Sunday
    once = Paper(key="o", slug="once", title="O", abstract="", topics=(),
                 dates=(day + dt.timedelta(days=7),))
    site = pages.SiteIndex([once, twice], [], Settings())
    assert pages.iso_week(day) == "2026-W34"
    assert [p.slug for p in site.by_week["2026-W34"]] == ["twice"]
    assert [p.slug for p in site.by_week["2026-W35"]] == ["once"]
    assert sorted(p.slug for p in site.by_month["2026-08"]) == ["once", "twice"]  # once each
    assert list(site.by_year) == [2026]
    assert site.days == sorted({day, day + dt.timedelta(days=6), day + dt.timedelta(days=7)})


# --- input formats --------------------------------------------------------------------


FIXTURE_OF = {"arxiv-atom": FORMATS / "2025-04-26-arxiv.atom",
              "hf-api": FORMATS / "2026-08-18-api.json",
              "arxiv-jsonl": FORMATS / "2025-04-26-listing.jsonl",
              "simple": FORMATS / "simple.yml",
              "export": FIXTURES / "exports" / "header-byak.txt"}


@pytest.mark.parametrize("fmt", ingest.FORMATS, ids=lambda f: f.name)
def test_each_format_detects_its_fixture_and_reads_it(fmt):
    path = FIXTURE_OF[fmt.name]
    text = path.read_text("utf-8")
    assert ingest.detect_format(text, path.name) == fmt.name
    digest = fmt.read(text, path.name, ingest.Dates(given=dt.date(2025, 3, 14)))
    assert digest.entries and all(e.title for e in digest.entries)


def test_the_command_line_and_storage_derive_from_the_formats():
    names = [f.name for f in ingest.FORMATS]
    add = next(a for a in make_parser()._subparsers._group_actions[0].choices["add"]._actions
               if a.dest == "fmt")
    assert list(add.choices) == names
    assert set(ingest.digest_suffixes()) == {f.extension for f in ingest.FORMATS} | {
        ext for f in ingest.FORMATS for ext in f.also}
    assert len({f.extension for f in ingest.FORMATS}) == len(names)  # one per format


def test_every_expected_failure_has_one_root():
    for error in (DigestError("a.json", "bad"), ProjectError("no project")):
        assert isinstance(error, PaperDigestError)


# --- store ----------------------------------------------------------------------------


def test_paths_that_leave_their_root_are_refused(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    for bad in ("../out.md", "a/../../out.md", "/etc/passwd", "a//b.md", "./a.md"):
        with pytest.raises(store.UnsafePath):
            store.write_pages(root, {bad: "x"}, ("a",))
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "link")
    with pytest.raises(store.UnsafePath):
        store.inside(root, "link/x.md")  # resolved: the link leads out
    with pytest.raises(store.UnsafePath):
        store.inside(tmp_path / "do", "../docs-evil/x")  # a prefix is not a folder
    assert store.inside(root, "a/b.md") == root.resolve() / "a" / "b.md"
    assert not list(outside.iterdir())


def test_pages_are_written_once_and_stale_ones_pruned(tmp_path):
    root, manifest = tmp_path / "docs", tmp_path / "pages.json"
    assert store.write_pages(root, {"papers/a.md": "A", "papers/b.md": "B", "index.md": "I"},
                             ("papers",), manifest) == (["index.md", "papers/a.md",
                                                         "papers/b.md"], [])
    mtime = (root / "papers/a.md").stat().st_mtime_ns
    # Unchanged pages are not written again; a page no longer made is deleted, but only
    # in the folders generated pages own.
    (root / "about.md").write_text("mine")
    assert store.write_pages(root, {"papers/a.md": "A"}, ("papers",), manifest) == ([], ["papers/b.md"])
    assert (root / "papers/a.md").stat().st_mtime_ns == mtime
    assert not (root / "papers/b.md").exists()
    assert (root / "about.md").read_text() == "mine" and (root / "index.md").exists()
    assert not list(root.rglob(".*.tmp"))  # atomic writes leave nothing behind


def test_pruning_from_the_manifest_deletes_what_the_last_writes_made_alone(tmp_path):
    """Without the walk, the files of the last manifest that are not made again go, with
    the folders they leave empty, and a file the manifest never had stays; the outputs
    of the files deleted since a site was built go from it, those of kept ones stay."""
    root, manifest = tmp_path / "docs", tmp_path / "pages.json"
    store.write_pages(root, {"papers/a.md": "A", "papers/b/c.md": "C", "dates/d.md": "D"},
                      ("papers", "dates"), manifest)
    (root / "papers/stray.md").write_text("not made by a build")
    writer = store.PageWriter(root, ("papers", "dates"), manifest)
    writer.write({"papers/a.md": "A"})
    assert writer.finish({"papers/a.md"}, {"dates/d.md"}, walk=False) == (
        [], ["papers/b/c.md"])
    assert not (root / "papers/b").exists() and (root / "papers/stray.md").exists()
    assert (root / "dates/d.md").exists()
    site = tmp_path / "site"
    for output in ("papers/a/index.html", "papers/b/c/index.html", "dates/d/index.html",
                   "papers/older/index.html"):
        (site / output).parent.mkdir(parents=True, exist_ok=True)
        (site / output).write_text("page")
    assert store.remove_stale_outputs(site, {"papers/a.md", "dates/d.md"},
                                      ("papers", "dates"),
                                      removed={"papers/b/c.md", "dates/d.md"}) == 1
    assert not (site / "papers/b").exists()
    assert (site / "papers/a/index.html").exists() and (site / "dates/d/index.html").exists()
    assert (site / "papers/older/index.html").exists()  # not looked at: not in `removed`


def test_the_site_swap_replaces_the_whole_folder(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    new = store.temp_dir_beside(site)
    (new / "new.html").write_text("new")
    store.swap_in(new, site)
    assert [p.name for p in site.iterdir()] == ["new.html"]
    assert not new.exists()


def test_an_incremental_swap_keeps_the_old_site_as_the_next_start(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    new, from_spare = store.take_spare(site)  # none yet: an empty folder
    assert list(new.iterdir()) == [] and not from_spare
    (new / "new.html").write_text("new")
    store.swap_in(new, site, keep=True)
    spare = tmp_path / ".site-spare"
    assert [p.name for p in spare.iterdir()] == ["old.html"]
    start, from_spare = store.take_spare(site)
    assert start.name.startswith(".site-build-") and not spare.exists() and from_spare
    assert [p.name for p in start.iterdir()] == ["old.html"]
    store.swap_in(start, site)  # a full build's swap: the old site goes, nothing kept
    assert not spare.exists()
    assert [p.name for p in site.iterdir()] == ["old.html"]


def test_copying_a_site_over_an_older_copy_leaves_an_exact_copy(tmp_path):
    """copy_site over the spare: linked folders end as hard links of the site's files,
    the others as copies with their times; what the site has not, and the search
    index, go; what is already the same is not touched."""
    site, dest = tmp_path / "site", tmp_path / "dest"
    for path, text in {"index.html": "home", "papers/a/index.html": "a",
                       "papers/b/index.html": "b", "papers/c": "c is a file now",
                       "assets/app.css": "css", "pagefind/x.pf": "index"}.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    dest.mkdir()
    store.copy_site(site, dest, ("papers",))  # into an empty folder: a whole copy
    kept = (dest / "papers/a/index.html").stat().st_ino
    (dest / "papers/b/index.html").unlink()
    (dest / "papers/b/index.html").write_text("b, the day before")  # an older version
    (dest / "papers/gone/index.html").parent.mkdir()
    (dest / "papers/gone/index.html").write_text("a paper since hidden")
    (dest / "papers/c").unlink()
    (dest / "papers/c").mkdir()  # a folder where the site has a file
    (site / "papers/d").mkdir()
    (site / "papers/d/index.html").write_text("d")  # and a file where it has a folder
    (dest / "papers/d").write_text("d was a file")
    (dest / "assets/app.css").write_text("old css")
    (dest / "pagefind").mkdir()
    (dest / "pagefind/old.pf").write_text("old index")
    (dest / "stale.html").write_text("stale")
    store.copy_site(site, dest, ("papers",))
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert files == ["assets/app.css", "index.html", "papers/a/index.html",
                     "papers/b/index.html", "papers/c", "papers/d/index.html"]
    assert not (dest / "papers/gone").exists() and not (dest / "pagefind").exists()
    for path in ("papers/a/index.html", "papers/b/index.html", "papers/c",
                 "papers/d/index.html"):
        assert (dest / path).stat().st_ino == (site / path).stat().st_ino, path
    assert (dest / "papers/a/index.html").stat().st_ino == kept  # left as it was
    for path in ("index.html", "assets/app.css"):
        mine, theirs = (dest / path).stat(), (site / path).stat()
        assert mine.st_ino != theirs.st_ino and mine.st_mtime_ns == theirs.st_mtime_ns
        assert (dest / path).read_text() == (site / path).read_text()


def test_copying_a_site_skips_the_folders_its_build_did_not_change(tmp_path):
    """Over the spare, with the time the site's build started: a paper's folder that
    build left alone is not read (a stray file in the copy stays, to show it), one it
    wrote into is linked again, and a folder with subfolders is always read."""
    site, dest = tmp_path / "site", tmp_path / "dest"
    for path in ("papers/a/index.html", "papers/b/index.html", "authors/x/index.html",
                 "authors/x/page/2/index.html"):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(path)
    dest.mkdir()
    store.copy_site(site, dest, ("papers", "authors"))
    (dest / "papers/a/stray.html").write_text("not in the site")
    (dest / "authors/x/stray.html").write_text("not in the site")
    since = store.spare_since(time.time_ns()) + store.CLOCK_MARGIN_NS
    time.sleep(0.05)
    (site / "papers/b/index.html").unlink()  # as the build writes: a new file
    (site / "papers/b/index.html").write_text("b, today")
    (site / "papers/c/index.html").parent.mkdir()
    (site / "papers/c/index.html").write_text("c, new today")
    store.copy_site(site, dest, ("papers", "authors"), unchanged_before=since)
    assert (dest / "papers/a/stray.html").exists()  # left unread
    assert not (dest / "authors/x/stray.html").exists()  # it has a subfolder: read
    for path in ("papers/b/index.html", "papers/c/index.html", "authors/x/index.html"):
        assert (dest / path).stat().st_ino == (site / path).stat().st_ino, path
    store.copy_site(site, dest, ("papers", "authors"))  # no time: every folder read
    assert not (dest / "papers/a/stray.html").exists()


# --- cache ----------------------------------------------------------------------------


def test_a_cache_table_keeps_what_a_build_used(tmp_path):
    path = tmp_path / "t.json"
    table = cache.Table(path)
    assert table.get("a") is None
    table.put("a", [1])
    table.put("b", [2])
    table.save()
    again = cache.Table(path)
    assert again.get("a") == [1]
    again.save()  # only "a" was used: "b" is dropped
    assert cache.Table(path).old == {"a": [1]}
    written = cache.Table(path)  # never read: what it was given is saved as it is
    written.used = {"c": [3]}
    written.save()
    assert cache.Table(path).old == {"c": [3]}
    assert cache.key("ab", "c") != cache.key("a", "bc")
    # Text and bytes parts make one key: each part's UTF-8 then a NUL.
    assert cache.key("ab", "c") == cache.key(b"ab", "c") == hashlib.sha256(
        b"ab\0c\0").hexdigest()[:32]


def test_a_cache_table_of_other_code_is_ignored(tmp_path):
    path = tmp_path / "t.json"
    store.write_json(path, {"code": "another version", "entries": {"a": [1]}})
    assert cache.Table(path).get("a") is None


def test_a_cache_shelf_writes_only_new_entries_and_keeps_what_a_build_used(tmp_path):
    folder = tmp_path / "digests"
    (folder / "another-version").mkdir(parents=True)
    (tmp_path / "digests.json").write_text("{}")  # the one-file table of earlier versions
    shelf = cache.Shelf(folder)
    assert shelf.get("a") is None
    shelf.put("a", [1])
    shelf.put("b", [2])
    shelf.save()
    assert sorted(p.name for p in folder.iterdir()) == [cache.code_version()]
    assert not (tmp_path / "digests.json").exists()
    entry = folder / cache.code_version() / "a.json"
    stamp = entry.stat().st_mtime_ns
    again = cache.Shelf(folder)
    assert again.get("a") == [1]
    again.put("c", [3])
    again.save()  # "b" was not used: it goes; "a" is not written again
    assert sorted(p.name for p in (folder / cache.code_version()).iterdir()) == ["a.json",
                                                                               "c.json"]
    assert entry.stat().st_mtime_ns == stamp


def test_compiled_templates_are_kept_and_used_again(tmp_path):
    """A second environment with the same options loads the compiled template from the
    folder (it compiles nothing); one with other options gets a folder of its own, and
    the other folders go."""
    import jinja2

    (tmp_path / "t").mkdir()
    (tmp_path / "t/page.j2").write_text("{% for x in xs %}{{ x }} {% endfor %}")

    def env(**options):
        made = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path / "t")),
                                  **options)
        cache.compiled_templates(made, tmp_path / "compiled")
        return made

    assert env().get_template("page.j2").render(xs=[1, 2]) == "1 2 "
    [folder] = (tmp_path / "compiled").iterdir()
    assert len(list(folder.iterdir())) == 1
    again = env()

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    again.compile = refuse
    assert again.get_template("page.j2").render(xs=[3]) == "3 "
    other = env(trim_blocks=True)
    assert other.get_template("page.j2").render(xs=[4]) == "4 "
    assert [p.name for p in (tmp_path / "compiled").iterdir()] != [folder.name]
    assert len(list((tmp_path / "compiled").iterdir())) == 1


# --- the parallel runner --------------------------------------------------------------


def _double(state, x):
    return state["factor"] * x


def _fail(x):
    raise ValueError(f"bug {x}")


def _refuse(x):
    raise DigestError("a.json", f"refused {x}")


def _pid():
    return os.getpid()


@pytest.mark.parametrize("processes", [True, False])
def test_a_worker_shares_the_build_state_and_returns_results(processes):
    state = {"factor": 3, "unpicklable": lambda: None}  # inherited, never pickled
    worker = Worker(Tuning(processes=processes), state=state)
    futures = [worker.submit(_double, i) for i in range(5)]
    assert [f.result() for f in futures] == [0, 3, 6, 9, 12]
    worker.close()


def test_a_worker_runs_apart_only_when_told():
    apart, here = Worker(Tuning()), Worker(Tuning(processes=False))
    assert apart.submit(_pid).result() != os.getpid()
    assert here.submit(_pid).result() == os.getpid()
    apart.close()


def test_errors_come_back_from_a_worker_as_they_were():
    worker = Worker(Tuning())
    with pytest.raises(DigestError, match="refused 1"):
        worker.submit(_refuse, 1).result()
    with pytest.raises(ValueError, match="bug 2"):  # a bug keeps its type
        worker.submit(_fail, 2).result()
    worker.close()


def test_a_stopped_worker_ends(tmp_path):
    worker = Worker(Tuning())
    pid = worker._pid.result()
    worker.stop()
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            import time

            time.sleep(0.05)


def test_a_worker_ends_with_the_build_that_a_signal_stopped(tmp_path):
    # The build's process is stopped while its worker runs a task; nothing of it stays.
    script = ("import time; from generator.parallel import Worker, Tuning\n"
              "worker = Worker(Tuning())\n"
              "print(worker._pid.result(), flush=True)\n"
              "worker.submit(time.sleep, 600).result()\n")
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             text=True, cwd=tmp_path)
    pid = int(build.stdout.readline())
    build.terminate()
    build.wait()
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)


def test_a_fresh_interpreter_returns_results_and_errors():
    # Its functions must be importable there: the package's and the standard library's.
    assert Fresh(os.getpid).result() != os.getpid()
    with pytest.raises(DigestError, match="binary file"):  # expected: as it was
        Fresh(ingest.decode, b"\x00", "a.txt").result()
    with pytest.raises(WorkerFailed, match=r"(?s)Traceback.*ValueError: invalid literal"):
        Fresh(int, "four").result()  # a bug: its traceback comes along
    assert Fresh(os.getpid, tuning=Tuning(processes=False)).result() == os.getpid()


def test_work_for_later_runs_once_or_not_at_all():
    calls = []
    worker = Worker(Tuning(processes=False))
    first = worker.submit(calls.append, 1)
    second = worker.submit(calls.append, 2)
    assert second.cancel() and second.cancelled()
    assert first.result() is None and first.done()
    first.result()
    assert calls == [1]


def test_search_aids_file_names_and_words_however_they_are_typed():
    """api/authors/<ab>.json holds every author under each word of the name, case and
    accents folded the way search.js folds what a reader types; api/words/ the titles'
    words that appear twice at least."""
    from generator.model import Metadata

    assert pages.folded_words("José Müller-Ñúñez") == ["jose", "muller", "nunez"]
    day = dt.date(2026, 8, 17)
    papers = [Paper(key=str(i), slug=f"p{i}", title=f"Diffusion models {i}", abstract="",
                    dates=(day,), meta=Metadata(authors=("José Müller", f"Kai Chen{i % 2}")))
              for i in range(3)]
    aids = {path: json.loads(text) for path, text in
            pages.search_aids(pages.SiteIndex(papers, [], Settings())).items()}
    assert aids["api/authors/jo.json"]["names"] == [["José Müller", 3]]
    assert aids["api/authors/mu.json"]["names"] == [["José Müller", 3]]
    assert aids["api/authors/ch.json"]["names"] == [["Kai Chen0", 2], ["Kai Chen1", 1]]
    assert aids["api/words/di.json"]["words"] == [["diffusion", 3]]
    assert aids["api/words/mo.json"]["words"] == [["models", 3]]
    assert {p for p in aids if p.startswith("api/words/")} == {"api/words/di.json",
                                                               "api/words/mo.json"}
    # Names are folded and split all at once, a line each: a word of one letter, or
    # of letters beyond ASCII, and a name that holds a line break change none of that.
    for name in ("A Ørsted", "Ø. Li\nWang"):
        papers.append(Paper(key=name, slug=name[-4:].lower(), title="x", abstract="",
                            dates=(day,), meta=Metadata(authors=(name,))))
        aids = {path: json.loads(text) for path, text in
                pages.search_aids(pages.SiteIndex(papers, [], Settings())).items()}
        assert aids["api/authors/_.json"]["names"] == [["A Ørsted", 1]]
    assert aids["api/authors/li.json"]["names"] == [["Ø. Li\nWang", 1]]
    assert aids["api/authors/wa.json"]["names"] == [["Ø. Li\nWang", 1]]
    assert aids["api/authors/ch.json"]["names"] == [["Kai Chen0", 2], ["Kai Chen1", 1]]
