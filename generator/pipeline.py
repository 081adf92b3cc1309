"""The stages in order. Read `build()` top to bottom to see how a site is made:

    read      stored digests --ingest--> entries --dedupe--> papers, notes
    classify  papers --topics--> papers with topics; notes applied
    render    --pages--> the listings, into site_src/ as they are made (changed ones
              only; the related papers are found beside), and the search documents
    relate    --related--> the papers with their related papers
    render    --pages--> the paper pages, the same way
    write     --store--> stale pages deleted, the record of what was written
    mkdocs    site_src/ --MkDocs--> a staging folder
    index     search documents --Pagefind--> the search bundles (beside since `render`)
    swap      the staging folder replaces site/

Each stage is a function of the one `State` a build carries, and `Stages.run` times
each one (what `build --timings` prints). Work that runs beside the stages (copying
the previous site, finding the generated files still as the last build wrote them,
related papers, the search index) goes through generator/parallel.py, tuned by the
`Tuning` passed in.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from generator import (cache, dedupe, fetch, ingest, notes, pages, related, render, search,
                       store, topics)
from generator.errors import DigestError
from generator.fingerprint import build_fingerprint, inputs_fingerprint
from generator.mkdocs_runner import run_mkdocs
from generator.model import Paper, Topic
from generator.parallel import (DEFAULT, Fresh, Tuning, Worker, give_back_memory,
                                lasting_objects)
from generator.project import Project


@dataclass
class Report:
    errors: list[DigestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    papers: int = 0
    days: int = 0
    written: int = 0
    deleted: int = 0
    newest: dt.date | None = None  # the newest digest date
    unchanged: bool = False  # nothing a build reads changed: site/ was left as it was


class Stages:
    """Runs the named stages and times each: wall time, and the processor time of this
    process (what the build's other processes do meanwhile is not in it).
    `on_start(name)` is told as each starts (the command shows progress with it)."""

    def __init__(self, on_start=lambda name: None):
        self.on_start = on_start
        self.times: list[tuple[str, float, float]] = []  # (stage, seconds, processor s)

    def run(self, name: str, step, state: State) -> None:
        self.on_start(name)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            step(state)
        finally:
            self.times.append((name, time.perf_counter() - wall, time.process_time() - cpu))


@dataclass
class State:
    """What one build knows, stage by stage."""

    project: Project
    tuning: Tuning = DEFAULT
    full: bool = False  # render every page again
    report: Report = field(default_factory=Report)
    tables: dict[str, cache.Table | cache.Shelf] = field(default_factory=dict)
    papers: list[Paper] = field(default_factory=list)
    taxonomy: list[Topic] = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    fetches: dict = field(default_factory=dict)  # the record of fetches
    relating: related.Pending | None = None
    writer: store.PageWriter | None = None  # writes the pages as they are rendered
    renderer: pages.Renderer | None = None
    rendered: pages.Rendered | None = None
    # build() only:
    incremental: bool = False  # MkDocs renders only changed pages, over the old site
    staging: Path | None = None  # the new site, until it replaces site/
    index_dir: Path | None = None  # where the search bundles are made
    copying: Worker | None = None
    copied: object = None  # the copy's future
    checking: Worker | None = None  # finds the generated files left as they were
    checked: object = None  # its future
    indexing: Fresh | None = None
    sources: set[str] = field(default_factory=set)  # the generated files in docs_dir
    # The generated files written since the last site was built (None: not known), so
    # that MkDocs renders and copies those alone without checking every file's time,
    # and those deleted since (None with it), whose outputs alone are removed from the
    # copy of the site, and without a walk of docs_dir (PageWriter.finish).
    unbuilt: set[str] | None = None
    deleted: set[str] | None = None

    @property
    def workers(self) -> list:
        """What runs beside the stages, to stop when the build fails."""
        relating = self.relating.worker if self.relating else None
        return [w for w in (self.copying, self.checking, relating, self.indexing) if w]


# --- the stages -------------------------------------------------------------------------


def start_checking(state: State) -> None:
    """A fork finds the generated files and search documents that are as the last build
    wrote them (a stat of each, tens of thousands in an archive) while the digests are
    read: the listings need the answer."""
    if not state.full:
        state.checking = Worker(state.tuning)
        state.checked = state.checking.submit(_reusable, state.project)


def read(state: State) -> None:
    """Digests (parsed unless cached), deduplicated into papers; notes; the related
    papers start beside, as they need only titles and abstracts.

    The last build's papers are kept with the digests they were merged from: when
    those are all still there, only the new digests are read, and their entries are
    merged alone, unless they are of papers already there (dedupe.Merged.extended)."""
    project = state.project
    state.tables = {name: cache.Table(project.cache_dir / f"{name}.json")
                    for name in ("topics", "related", "rendered")}
    shelf = state.tables["digests"] = cache.Shelf(project.cache_dir / "digests")
    files = [(path.name, store.read_bytes(path))
             for path in store.list_digests(project.digests_dir, ingest.digest_suffixes())]
    names = ingest.digest_names(files)
    last_names, last = _last_merge(project)
    known = last_names if last_names <= set(names) else frozenset()
    # The topic model (topics and related papers need it) loads while digests are parsed.
    digests, errors = ingest.read_digests(files, shelf, meanwhile=topics.default_model,
                                          tuning=state.tuning, names=names, skip=known)
    merged = last if known and not digests else None
    if known and digests:
        merged = last.extended(e for d in digests.values() for e in d.entries)
    if merged is None:  # digests changed or went, or the new ones have papers already there
        if known:
            older = [(name, file) for name, file in zip(names, files, strict=True)
                     if name in known]
            digests |= ingest.read_digests([f for _, f in older], shelf,
                                           names=[n for n, _ in older])[0]
        merged = dedupe.merge_all(e for d in digests.values() for e in d.entries)
    if merged is not last:
        _keep_merge(project, known | digests.keys(), merged)
    state.papers, state.report.warnings = merged.papers, merged.conflicts
    state.report.errors += errors
    state.taxonomy = topics.load_taxonomy(project.topics_file)
    state.notes, note_errors = notes.load_notes(project.notes_dir, state.papers)
    state.report.errors += note_errors
    state.fetches = fetch.load_record(project.root)


def start_relating(state: State) -> None:
    hidden = notes.hidden(state.notes)
    state.relating = related.Pending([p for p in state.papers if p.slug not in hidden],
                                     state.tables["related"], state.tuning,
                                     cache.Rows(state.project.cache_dir / "related-vectors.npz"))


def classify(state: State) -> None:
    state.papers = topics.classify(state.papers, state.taxonomy, cache=state.tables["topics"])
    state.papers, pin_errors = notes.apply_notes(state.papers, state.notes, state.taxonomy)
    state.report.errors += pin_errors
    for name in ("digests", "topics"):
        state.tables[name].save()


def render_listings(state: State) -> None:
    """Every kind of page that needs no related papers, while they are found. Papers
    their notes hide are left out from here on."""
    state.papers = [p for p in state.papers if not p.hidden]
    days = {d for p in state.papers for d in p.dates}
    state.report.papers, state.report.days = len(state.papers), len(days)
    state.report.newest = max(days, default=None)
    project = state.project
    state.writer = store.PageWriter(project.docs_dir, pages.generated_folders(),
                                    _pages_manifest(project))
    reusable = {}
    if state.checking:
        reusable = state.checked.result()
        state.checking.close()
    state.unbuilt, state.deleted = _read_unbuilt(project)
    if state.unbuilt is not None:
        # Which files differ from site/ is not known while pages are written: after a
        # build killed meanwhile, MkDocs compares file times (write() records them), and
        # the stale files are found by walking the folders.
        store.write_json(_unbuilt_file(project), None)
    state.renderer = pages.Renderer(state.papers, state.taxonomy, project.settings,
                                    project.templates_dir, reusable, state.tuning,
                                    state.fetches, project.cache_dir / "templates" / "pages",
                                    sink=state.writer)
    state.renderer.render_listings()


def relate(state: State) -> None:
    state.papers = state.relating.apply(state.papers)


def render_papers(state: State) -> None:
    state.rendered = state.renderer.render_papers(state.papers)
    state.tables["rendered"].used = dict(state.rendered.keys)


def write(state: State) -> None:
    """The pages are in docs_dir, written as they were rendered (those still held
    written now); the stale ones go, and the record of the files written since the
    last site was built is brought up to date."""
    rendered = state.rendered
    state.sources = rendered.made | rendered.kept
    state.writer.write(rendered.pages)
    written, deleted = state.writer.finish(rendered.made, rendered.kept,
                                           walk=state.full or state.unbuilt is None)
    state.report.written, state.report.deleted = len(written), len(deleted)
    if state.unbuilt is not None:
        state.unbuilt |= set(written)
        state.deleted |= set(deleted)
        _write_unbuilt(state.project, state.unbuilt, state.deleted)


def write_search_documents(state: State) -> None:
    """The search documents into the cache (`generate`; `build` hands them to `index`)."""
    project, rendered = state.project, state.rendered
    store.write_pages(project.search_corpus, rendered.corpus, pages.generated_folders(),
                      _corpus_manifest(project), kept=rendered.kept_documents)


def start_indexing(state: State) -> None:
    """A fresh interpreter writes the search documents and indexes those that changed
    while this process goes on (after one more day: finds the related papers, renders
    and writes the paper pages) and MkDocs renders the pages. It indexes into a folder
    of its own (MkDocs empties its output folder before a full build)."""
    project, out = state.project, state.renderer.out
    # The month of a paper's first day picks its shard of the index (search.shards).
    months = {render.search_path(pages.paper_path(p)): min(p.dates).strftime("%Y-%m")
              for p in state.papers}
    state.indexing = search.start(out.corpus, out.kept_documents, months,
                                  project.search_corpus, _corpus_manifest(project),
                                  project.cache_dir / "search-base", state.index_dir,
                                  pages.generated_folders(), rebuild=state.full,
                                  tuning=state.tuning)
    # The indexing has its copy of the documents (a large archive's take gigabytes).
    out.corpus = {}


def mkdocs(state: State) -> None:
    # The pages are written and the indexing process has its copy of the documents:
    # what made them goes before MkDocs and Pagefind, the build's largest two, run.
    state.rendered = state.renderer = state.relating = state.writer = None
    state.papers, state.notes = [], {}
    if not state.incremental:  # the process holds little after one more day
        give_back_memory()
    if state.copying:
        state.copied.result()
        state.copying.close()
    # MkDocs is shown only the files that changed (mkdocs_runner) where they are known.
    view = (store.temp_dir_beside(state.project.site_dir)
            if state.incremental and state.unbuilt is not None else None)
    try:
        run_mkdocs(state.project.config_file, state.staging, state.report.newest,
                   dirty=state.incremental, modified=state.unbuilt, generated=state.sources,
                   view=view)
    finally:
        if view:
            store.remove_tree(view)
    if state.incremental:
        store.remove_stale_outputs(state.staging, state.sources, pages.generated_folders(),
                                   removed=state.deleted)


def index(state: State) -> None:
    search.finish(state.indexing)
    for item in sorted(state.index_dir.iterdir()):
        store.move(item, state.staging / item.name)
    state.tables["rendered"].save()  # the pages and documents it describes are written


def swap(state: State) -> None:
    # After an incremental build the old site is kept as the next one's start; after a
    # full build, which shares no file with it, it goes (an archive's site is gigabytes).
    store.swap_in(state.staging, state.project.site_dir, keep=state.incremental)
    _write_unbuilt(state.project, set(), set())  # site/ has every page written


# --- the commands -----------------------------------------------------------------------


def collect(project: Project, tuning: Tuning = DEFAULT) -> tuple[list[Paper], list[Topic],
                                                                  Report]:
    """The papers with their topics and notes (hidden ones left out), the taxonomy, and
    what went wrong on the way: what `topics` reports on."""
    state = State(project, tuning)
    read(state)
    classify(state)
    return state.papers, state.taxonomy, state.report


def make_pages(state: State, stages: Stages, then=lambda state: None) -> None:
    """The stages `generate` and `build` share: digests to rendered pages; `then` runs
    as soon as the search documents are made (`build` starts the index): with the
    listings in a build that keeps most pages, with the paper pages in a full one."""
    start_checking(state)
    with lasting_objects() as made:
        stages.run("read", read, state)
        start_relating(state)
        stages.run("classify", classify, state)
        made()  # the papers
        stages.run("render listings", render_listings, state)
        documents_made = state.renderer.papers.documents_made
        if documents_made:
            then(state)
        stages.run("relate", relate, state)
        stages.run("render papers", render_papers, state)
        if not documents_made:
            then(state)


def generate(project: Project, full: bool = False, tuning: Tuning = DEFAULT,
             stages: Stages | None = None, wait: bool = False) -> Report:
    """Digests -> Markdown pages in docs_dir (only changed pages are rewritten), and the
    search documents in the cache. One build or generate of a project runs at a time:
    another one running raises ProjectError, or with `wait` is waited for."""
    with store.exclusive(_lock_file(project), "build", wait):
        return _generate(project, full, tuning, stages or Stages())


def _generate(project: Project, full: bool, tuning: Tuning, stages: Stages) -> Report:
    state = State(project, tuning, full)
    try:
        make_pages(state, stages)
    except BaseException:
        for worker in state.workers:
            worker.stop()
        raise
    stages.run("write", write, state)
    write_search_documents(state)
    state.tables["rendered"].save()
    return state.report


def build(project: Project, full: bool = False, tuning: Tuning = DEFAULT,
          stages: Stages | None = None) -> Report:
    """generate, then MkDocs and Pagefind into site/; one build of a project at a time
    (another one running raises ProjectError)."""
    with store.exclusive(_lock_file(project), "build"):
        return _build(project, full, tuning, stages or Stages())


def _build(project: Project, full: bool, tuning: Tuning, stages: Stages) -> Report:
    """generate, then MkDocs and Pagefind into a staging folder that replaces site/
    only when everything succeeded: a failed build leaves the previous site in place.

    When only digests changed since the last build (the fingerprint: configuration,
    theme, versions, code), MkDocs renders just the pages whose Markdown changed: the
    previous site is copied into the staging folder, beside the first stages, and built
    over with MkDocs' dirty mode. What builds killed mid-way left beside site/ goes."""
    state = State(project, tuning, full)
    store.remove_abandoned(project.site_dir)
    fingerprint = build_fingerprint(project)
    inputs = inputs_fingerprint(project, fingerprint)
    state_file = project.cache_dir / "build.json"
    last = store.read_json(state_file)
    last = last if isinstance(last, dict) else {}
    if not full and project.site_dir.is_dir() and last.get("inputs") == inputs:
        # Nothing a build reads changed since the last one, which refused nothing: its
        # site is what this one would make.
        return Report(papers=last["papers"], days=last["days"], unchanged=True,
                      newest=dt.date.fromisoformat(last["newest"]) if last["newest"] else None)
    state.incremental = (not full and project.site_dir.is_dir()
                         and last.get("fingerprint") == fingerprint)
    started = time.time_ns()
    # An incremental build starts from the site the last one replaced, if it is there:
    # copy_site then links only the files that differ from site/, and does not look
    # into the folders that last build did not change.
    unchanged_before = None
    if state.incremental:
        state.staging, from_spare = store.take_spare(project.site_dir)
        unchanged_before = last.get("unchanged_before") if from_spare else None
    else:
        state.staging = store.temp_dir_beside(project.site_dir)
    state.index_dir = store.temp_dir_beside(project.site_dir)
    try:
        if state.incremental:
            state.copying = Worker(tuning)
            state.copied = state.copying.submit(store.copy_site, project.site_dir,
                                                state.staging, pages.generated_folders(),
                                                store.SITE_SKIP, unchanged_before)
        make_pages(state, stages, then=start_indexing)
        stages.run("write", write, state)
        stages.run("mkdocs", mkdocs, state)
        stages.run("index", index, state)
        stages.run("swap", swap, state)
    except BaseException:
        for worker in state.workers:
            worker.stop()
        store.remove_tree(state.staging)
        raise
    finally:
        store.remove_tree(state.index_dir)
    report = state.report
    done = {"fingerprint": fingerprint}
    if state.incremental:  # the site it replaced is the spare, and the next build's start
        done["unchanged_before"] = store.spare_since(started)
    # Kept when the build refused nothing (to be told again the next time) and no input
    # changed while it ran.
    if not report.errors and not report.warnings and inputs_fingerprint(
            project, fingerprint) == inputs:
        done |= {"inputs": inputs, "papers": report.papers, "days": report.days,
                 "newest": report.newest.isoformat() if report.newest else None}
    store.write_json(state_file, done)
    return report


# --- helpers of the render and write stages ---------------------------------------------


def _reusable(project: Project) -> dict[str, str]:
    """{path: the key it was written with} for the generated files and search
    documents that are as the last build wrote them, and the records of the groups
    of files (Output.group)."""
    previous = cache.Table(project.cache_dir / "rendered.json").old
    groups = {name for name in previous if name.startswith(render.GROUP)}  # not files
    documents = [path for path in previous if render.is_search_path(path)]
    files = [path for path in previous
             if not render.is_search_path(path) and path not in groups]
    unchanged = (store.unchanged_files(project.docs_dir, _pages_manifest(project), files)
                 | store.unchanged_files(project.search_corpus, _corpus_manifest(project),
                                         documents) | groups)
    return {path: previous[path] for path in unchanged}


def _merged_file(project: Project) -> Path:
    return project.cache_dir / "merged.json"


def _last_merge(project: Project) -> tuple[frozenset[str], dedupe.Merged | None]:
    """The papers the last build merged, and the names of the digests they came from
    (ingest.digest_names); nothing when they were made by other code or are unreadable."""
    record = store.read_json(_merged_file(project))
    try:
        if record["code"] == cache.code_version():
            return frozenset(record["digests"]), dedupe.Merged.from_data(record["merged"])
    except (TypeError, KeyError, ValueError, AttributeError):  # not a record of these
        pass
    return frozenset(), None


def _keep_merge(project: Project, names, merged: dedupe.Merged) -> None:
    store.write_json(_merged_file(project), {"code": cache.code_version(),
                                             "digests": sorted(names),
                                             "merged": merged.to_data()})


def _unbuilt_file(project: Project) -> Path:
    return project.cache_dir / "unbuilt.json"


def _read_unbuilt(project: Project) -> tuple[set[str], set[str]] | tuple[None, None]:
    """(The generated files written since site/ was built, those deleted since), or
    Nones where that is not known (no build has recorded it yet)."""
    record = store.read_json(_unbuilt_file(project))
    if isinstance(record, dict) and isinstance(record.get("written"), list) \
            and isinstance(record.get("deleted"), list):
        return set(record["written"]), set(record["deleted"])
    return None, None


def _write_unbuilt(project: Project, written: set[str], deleted: set[str]) -> None:
    store.write_json(_unbuilt_file(project),
                     {"written": sorted(written), "deleted": sorted(deleted)})


def _lock_file(project: Project) -> Path:
    return project.cache_dir / "build.lock"


def _pages_manifest(project: Project) -> Path:
    return project.cache_dir / "pages.json"


def _corpus_manifest(project: Project) -> Path:
    return project.cache_dir / "search-corpus.json"
