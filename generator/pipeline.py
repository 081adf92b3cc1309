"""The stages in order. Read `build()` top to bottom to see how a site is made:

    stored digests --ingest--> entries --normalize--> --dedupe--> papers --topics-->
    --notes--> --related--> --render/feeds--> pages --store--> site_src/
    --MkDocs--> --Pagefind--> site/
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from generator import cache, dedupe, feeds, ingest, related, render, search, store, topics
from generator.background import CAN_FORK, Background, give_back_memory
from generator.errors import DigestError
from generator.model import Digest, Entry, Paper, Topic, digest_from_data, digest_to_data
from generator.normalize import clean_text, extract_links, normalize, title_key


CONFIG_FILE = "mkdocs.yml"


class ProjectError(Exception):
    """The project itself is unusable (no mkdocs.yml, bad configuration, failed build)."""


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path
    docs_dir: Path
    site_dir: Path
    digests_dir: Path
    templates_dir: Path
    topics_file: Path
    notes_dir: Path
    cache_dir: Path  # derived data; safe to delete
    search_corpus: Path  # the search index's documents (in the cache)
    theme_dir: Path | None  # the project's own theme overrides (theme.custom_dir)
    settings: render.Settings


@dataclass
class Report:
    errors: list[DigestError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    papers: int = 0
    days: int = 0
    written: int = 0
    deleted: int = 0
    newest: dt.date | None = None  # the newest digest date


def load_project(root: Path) -> Project:
    """Read a project's mkdocs.yml; MkDocs validates it and names any bad option."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    root = root.resolve()
    config_file = root / CONFIG_FILE
    if not config_file.is_file():
        raise ProjectError(f"{root} is not a paper-digest project: it has no {CONFIG_FILE} "
                           "(create one with `paper-digest init DIR`)")
    try:
        config = load_config(config_file=str(config_file))
    except ConfigurationError as e:
        raise ProjectError(f"{config_file}: {e}") from None
    plugin = config.plugins.get("paper-digest")
    if plugin is None:
        raise ProjectError(f"{config_file}: the `paper-digest` plugin is not enabled "
                           "(add it under `plugins:`)")
    options = plugin.config
    return Project(
        root=root,
        config_file=config_file,
        docs_dir=Path(config.docs_dir),
        site_dir=Path(config.site_dir),
        digests_dir=root / options.digests_dir,
        templates_dir=root / options.templates_dir,
        topics_file=root / options.topics_file,
        notes_dir=root / options.notes_dir,
        cache_dir=root / ".paper-digest-cache",
        search_corpus=root / ".paper-digest-cache" / "search-corpus",
        theme_dir=Path(config.theme.custom_dir) if config.theme.custom_dir else None,
        settings=render.Settings(site_name=config.site_name, site_url=config.site_url or None,
                                 site_description=config.site_description or "",
                                 per_page=options.per_page,
                                 home_days=options.home_days,
                                 excerpt_chars=options.excerpt_chars,
                                 language=config.theme["language"] or "en"),
    )


# --- reading ----------------------------------------------------------------------------


def parse_digest(data: bytes, source: str, given_date: dt.date | None = None,
                 fmt: str | None = None) -> Digest:
    """Bytes of one digest file -> a Digest of normalized entries, or DigestError.

    `source` is the path as the user gave it (errors name it); the date may come from
    the file's name; the format from the content unless `fmt` forces one."""
    text = ingest.decode(data, source)
    digest = ingest.parse(text, source, fmt=fmt, given_date=given_date,
                          name_date=ingest.date_from_name(Path(source).name, source))
    return replace(digest, entries=tuple(normalize_entry(e) for e in digest.entries))


def normalize_entry(entry: Entry) -> Entry:
    title, abstract = normalize(entry.title), normalize(entry.abstract)
    if not title:
        raise DigestError(entry.source, f"entry {entry.line} has an empty title")
    meta = entry.meta
    meta = replace(
        meta,
        authors=tuple(a for a in (clean_text(n) for n in meta.authors) if a),
        ai_summary=normalize(meta.ai_summary) if meta.ai_summary else None,
        ai_keywords=tuple(k for k in (clean_text(w) for w in meta.ai_keywords) if k),
        organization=clean_text(meta.organization) if meta.organization else None,
    )
    return replace(entry, title=title, abstract=abstract, meta=meta,
                   links=entry.links + extract_links(abstract))


# From this many bytes of digests to parse, a second process parses them while this one
# does something else (`meanwhile`); below it, the fork costs more than it saves.
PARSE_APART_FROM = 2_000_000


def _nothing() -> None:
    pass


def read_digests(project: Project, table: cache.Table | None = None, meanwhile=_nothing
                 ) -> tuple[list[Digest], list[DigestError]]:
    """Every stored digest that parses; the others become errors, never a stop. With a
    cache table, a file parsed before (same name, same bytes) is not parsed again.
    `meanwhile()` is called while the files are parsed, in a second process when there
    are many (a first build loads the topic model meanwhile)."""
    files = [(path.name, store.read_bytes(path))
             for path in store.list_digests(project.digests_dir)]
    names = [cache.key(name, data) for name, data in files]
    known = [table.get(name) if table else None for name in names]
    todo = [file for file, answer in zip(files, known, strict=True) if answer is None]
    if sum(len(data) for _, data in todo) >= PARSE_APART_FROM and CAN_FORK:
        _, results = Background(_parse_files, todo).alongside(meanwhile)
    else:
        results = _parse_files(todo)
        meanwhile()
    parsed = iter(results)
    digests, errors = [], []
    for name, answer in zip(names, known, strict=True):
        if answer is not None:
            digests.append(digest_from_data(answer))
            continue
        digest = next(parsed)
        if isinstance(digest, DigestError):
            errors.append(digest)
            continue
        digests.append(digest)
        if table:
            table.put(name, digest_to_data(digest))
    return digests, errors


def _parse_files(files: list[tuple[str, bytes]]) -> list[Digest | DigestError]:
    """(name, bytes) of digest files -> for each, its Digest or what is wrong with it."""
    out: list[Digest | DigestError] = []
    for name, data in files:
        try:
            out.append(parse_digest(data, name))
        except DigestError as e:
            out.append(e)
    return out


def default_taxonomy() -> list[Topic]:
    import yaml

    default_file = resources.files("generator") / "defaults" / "topics.yml"
    return topics.parse_taxonomy(yaml.safe_load(default_file.read_text("utf-8")),
                                 "the default taxonomy")


def load_taxonomy(project: Project) -> list[Topic]:
    default = default_taxonomy()
    if not project.topics_file.is_file():
        return default
    data = store.read_yaml(project.topics_file)
    own = topics.parse_taxonomy(data, str(project.topics_file))
    replace_default = isinstance(data, dict) and data.get("replace") is True
    return topics.merge_taxonomies(default, own, replace_default)


def load_notes(project: Project, papers: list[Paper]) -> tuple[dict, list[DigestError]]:
    """Reader notes (notes/<slug>.md) by slug. A note that cannot be read or names no
    paper is an error naming it, and is left out."""
    import frontmatter

    slugs = {p.slug for p in papers}
    notes, errors = {}, []
    for path in store.list_notes(project.notes_dir):
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


def _quiet(stage: str) -> None:
    pass


def collect(project: Project, with_related: bool = False, stage=_quiet
            ) -> tuple[list[Paper], list[Topic], Report]:
    """Everything the pages are made of: papers with topics, notes and (optionally)
    related papers, the taxonomy, and what went wrong on the way. `stage(name)` is told
    when each stage starts (the command shows progress with it)."""
    papers, taxonomy, report, pending = _collect(project, with_related, stage)
    if pending:
        stage("Finding related papers")
        papers = pending.apply(papers)
    return papers, taxonomy, report


def _collect(project: Project, with_related: bool, stage
             ) -> tuple[list[Paper], list[Topic], Report, related.Pending | None]:
    """collect(), with the related papers still being found (when asked for) in a
    second process: Pending.apply(papers) adds them."""
    stage("Reading digests")
    tables = {name: cache.Table(project.cache_dir / f"{name}.json")
              for name in ("digests", "topics")}
    # The topic model (topics and related papers need it) loads while digests are parsed.
    digests, errors = read_digests(project, tables["digests"], meanwhile=topics.default_model)
    papers, conflicts = dedupe.merge_with_conflicts(e for d in digests for e in d.entries)
    taxonomy = load_taxonomy(project)
    notes, note_errors = load_notes(project, papers)
    pending = None
    if with_related:
        # Related papers need only titles and abstracts: they are found in a second
        # process while this one assigns topics and renders the listings.
        hidden = {slug for slug, (_, post) in notes.items() if post.get("hidden") is True}
        pending = related.Pending([p for p in papers if p.slug not in hidden],
                                  cache.Table(project.cache_dir / "related.json"))
    stage("Assigning topics")
    papers = topics.classify(papers, taxonomy, cache=tables["topics"])
    papers, pin_errors = apply_notes(papers, notes, taxonomy)
    for table in tables.values():
        table.save()
    return papers, taxonomy, Report(errors=errors + note_errors + pin_errors,
                                    warnings=conflicts), pending


# --- the commands -----------------------------------------------------------------------


def generate(project: Project, stage=_quiet) -> Report:
    """Digests -> Markdown pages in docs_dir (only changed pages are rewritten), and the
    search documents in the cache."""
    report, rendered, keys = _render(project, False, stage)
    stage("Writing pages")
    _write(project, rendered, report)
    store.write_pages(project.search_corpus, rendered.corpus, _corpus_manifest(project),
                      kept=_kept_documents(rendered))
    keys.save()
    return report


def _render(project: Project, full: bool, stage
            ) -> tuple[Report, render.Rendered, cache.Table]:
    """(report, the rendered pages and search documents, the table of their input keys:
    saved once they are written). Unless `full`, unchanged paper pages are not rendered
    again."""
    papers, taxonomy, report, pending = _collect(project, True, stage)
    shown = [p for p in papers if not p.hidden]
    stage("Rendering listings")
    keys = cache.Table(project.cache_dir / "rendered.json")
    renderer = render.Renderer(shown, taxonomy, project.settings, project.templates_dir,
                               reusable={} if full else _reusable(project, keys.old))
    renderer.render_listings()  # what needs no related papers, while they are found
    stage("Finding related papers")
    shown = pending.apply(shown)
    stage("Rendering paper pages")
    rendered = renderer.render_papers(shown)
    rendered.pages |= feeds.render_exports(shown, taxonomy, project.settings,
                                           project.templates_dir)
    keys.used = dict(rendered.keys)
    days = {d for p in shown for d in p.dates}
    report.papers, report.days, report.newest = len(shown), len(days), max(days, default=None)
    return report, rendered, keys


def _reusable(project: Project, previous: dict[str, str]) -> dict[str, str]:
    """{paper page path: the key it was written with} for pages whose file and search
    document are as the last build wrote them."""
    pages = store.unchanged_files(project.docs_dir, project.cache_dir / "pages.json",
                                  list(previous))
    documents = store.unchanged_files(project.search_corpus, _corpus_manifest(project),
                                      [render.search_path(p) for p in pages])
    return {p: previous[p] for p in pages if render.search_path(p) in documents}


def _kept_documents(rendered: render.Rendered) -> set[str]:
    return {render.search_path(p) for p in rendered.kept}


def _write(project: Project, rendered: render.Rendered, report: Report) -> None:
    report.written, report.deleted = store.write_pages(
        project.docs_dir, rendered.pages, project.cache_dir / "pages.json",
        kept=rendered.kept)


def _corpus_manifest(project: Project) -> Path:
    return project.cache_dir / "search-corpus.json"


def build(project: Project, full: bool = False, stage=_quiet) -> Report:
    """generate, then MkDocs and Pagefind into a temporary folder that replaces site/
    only when everything succeeded: a failed build leaves the previous site in place.

    When only digests changed since the last build (same configuration, theme and
    versions), MkDocs renders just the pages whose Markdown changed: the previous site
    is copied into the temporary folder and built over with MkDocs' dirty mode."""
    fingerprint = build_fingerprint(project)
    state_file = project.cache_dir / "build.json"
    incremental = (not full and project.site_dir.is_dir()
                   and store.read_json(state_file) == {"fingerprint": fingerprint})
    staging = store.temp_dir_beside(project.site_dir)
    index_dir = store.temp_dir_beside(project.site_dir)
    # A second process copies the previous site while this one reads and renders.
    copying = Background(store.copy_site, project.site_dir, staging) if incremental else None
    indexing = None
    try:
        report, rendered, keys = _render(project, full, stage)
        # A second process writes the search documents and indexes those that changed
        # while this one writes the pages and MkDocs renders them. It indexes into a
        # folder of its own (MkDocs empties its output folder before a full build).
        indexing = search.start(rendered.corpus, _kept_documents(rendered),
                                project.search_corpus, _corpus_manifest(project),
                                project.cache_dir / "search-base", index_dir, rebuild=full)
        stage("Writing pages")
        _write(project, rendered, report)
        del rendered  # the other process has its copy of the documents
        give_back_memory()  # before MkDocs and Pagefind, the build's largest two, run
        if copying:
            stage("Copying the previous site")
            copying.wait()
        stage("Rendering the changed pages (MkDocs)" if incremental
              else "Rendering the site (MkDocs)")
        with _source_date_epoch(report.newest):
            run_mkdocs(project, staging, dirty=incremental)
        if incremental:
            store.remove_stale_outputs(staging, project.docs_dir)
        stage("Indexing for search (Pagefind)")
        search.finish(indexing)
        for item in sorted(index_dir.iterdir()):
            store.move(item, staging / item.name)
        keys.save()  # the pages and documents they describe are written
        stage("Replacing the previous site")
        store.swap_in(staging, project.site_dir)
    except BaseException:
        for worker in (copying, indexing):
            if worker:
                worker.stop()
        store.remove_tree(staging)
        raise
    finally:
        store.remove_tree(index_dir)
    store.write_json(state_file, {"fingerprint": fingerprint})
    return report


def build_fingerprint(project: Project) -> str:
    """What every page depends on besides its own Markdown: the MkDocs configuration
    (its file, and the settings read from it with the environment's `!ENV` values), the
    versions of paper-digest, MkDocs and Material, the packaged theme and assets,
    and the project's theme overrides. When it changes, every page is rebuilt."""
    from importlib import metadata

    digest = hashlib.sha256(project.config_file.read_bytes())
    digest.update(repr(project.settings).encode())  # settings may come from the environment
    digest.update(cache.code_version().encode())  # our own code, released or not
    for name in ("paper-digest", "mkdocs", "mkdocs-material", "pymdown-extensions"):
        digest.update(f"{name}={metadata.version(name)}".encode())
    folders = [Path(str(resources.files("generator") / name)) for name in ("theme", "assets")]
    folders += [project.theme_dir] if project.theme_dir else []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(store.read_bytes(path))
    return digest.hexdigest()


def run_mkdocs(project: Project, site_dir: Path, dirty: bool = False) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config = load_config(config_file=str(project.config_file), site_dir=str(site_dir))
    config.plugins.on_startup(command="build", dirty=dirty)
    quiet = _DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        mkdocs_build(config, dirty=dirty)
    except MkDocsException as e:
        raise ProjectError(f"MkDocs failed: {e}") from None
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
        config.plugins.on_shutdown()


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns that dirty builds may leave navigation stale. Ours cannot: the nav is
    a few fixed entries, every page that lists others is regenerated Markdown (so it is
    rebuilt), and anything else that changes forces a full build (build_fingerprint)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


class _source_date_epoch:
    """SOURCE_DATE_EPOCH from the data (the newest digest's date), so two builds of the
    same digests are byte-identical: MkDocs uses it for sitemap dates and gzip times."""

    def __init__(self, day: dt.date | None):
        self.value = str(calendar.timegm(day.timetuple())) if day else "315532800"

    def __enter__(self):
        self.saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = self.value

    def __exit__(self, *exc):
        if self.saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = self.saved


# --- add --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    source: str
    papers: int
    new: int
    stored_as: str | None  # None: the same digest was already stored


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Stored digests keep an extension that says what they are.
EXTENSIONS = {"export": ".txt", "hf-api": ".json", "arxiv-jsonl": ".jsonl",
              "arxiv-atom": ".xml", "simple": ".yml"}


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
    """Validate each file and store the good ones in digests/ under a dated name.

    All or nothing per file; idempotent: a digest whose text is already stored is not
    stored again. `on_file(path)` is called after each file (for progress)."""
    known: set[str] = set()
    stored_hashes = set()
    for path in store.list_digests(project.digests_dir):
        try:
            data = store.read_bytes(path)
            stored_hashes.add(content_hash(ingest.decode(data, path.name)))
            known |= _identities(parse_digest(data, path.name).entries)
        except DigestError:
            pass  # `build` reports stored files that do not parse

    results, errors = [], []
    for path in files:
        try:
            try:
                data = store.read_bytes(path)
            except OSError as e:
                raise DigestError(str(path), f"cannot read the file: {e.strerror}") from None
            text = ingest.decode(data, str(path))
            kind = fmt or ingest.detect_format(text, str(path))
            digest = parse_digest(data, str(path), given_date, kind)
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
            name = f"{digest.date.isoformat()}-{digest_hash[:8]}{EXTENSIONS[kind]}"
            stored_as = str(store.store_digest(project.digests_dir, name, text))
            stored_hashes.add(digest_hash)
        results.append(Added(source=str(path), papers=len(papers), new=new,
                             stored_as=stored_as))
        if on_file:
            on_file(path)
    return results, errors


# --- init -------------------------------------------------------------------------------


def init(directory: Path, site_name: str | None = None) -> list[Path]:
    """Scaffold a digest project that builds as it is."""
    if (directory / CONFIG_FILE).exists():
        raise ProjectError(f"{directory} already has a {CONFIG_FILE}; not overwriting it")
    directory.mkdir(parents=True, exist_ok=True)
    # Packaged without their leading dots (package data skips hidden files).
    created = store.copy_tree(resources.files("generator") / "defaults" / "project", directory,
                              rename={"gitignore": ".gitignore", "github": ".github"})
    name = site_name or f"{directory.resolve().name} digest"
    config = directory / CONFIG_FILE
    import yaml

    text = config.read_text("utf-8").replace(
        "site_name: Paper digest", f"site_name: {yaml.safe_dump(name).strip().splitlines()[0]}", 1)
    store.atomic_write(config, text.encode("utf-8"))
    return created
