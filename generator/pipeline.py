"""The stages in order. Read `build()` top to bottom to see how a site is made:

    stored digests --ingest--> entries --normalize--> --dedupe--> papers --topics-->
    --render--> Markdown pages --store--> site_src/ --MkDocs--> --Pagefind--> site/
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

from generator import dedupe, feeds, ingest, render, search, store, topics
from generator.errors import DigestError
from generator.model import Digest, Entry, Paper, Topic
from generator.normalize import extract_links, normalize, title_key

log = logging.getLogger("paper_digest")

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
    settings: render.Settings


@dataclass
class Report:
    errors: list[DigestError] = field(default_factory=list)
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
        settings=render.Settings(site_name=config.site_name, site_url=config.site_url or None,
                                 site_description=config.site_description or "",
                                 per_page=options.per_page,
                                 home_days=options.home_days,
                                 excerpt_chars=options.excerpt_chars),
    )


# --- reading ----------------------------------------------------------------------------


def parse_digest(data: bytes, source: str, given_date: dt.date | None = None) -> Digest:
    """Bytes of one digest file -> a Digest of normalized entries, or DigestError.

    `source` is the path as the user gave it (errors name it); the date may come from
    the file's name."""
    text = ingest.decode(data, source)
    digest = ingest.parse_export(text, source, given_date=given_date,
                                 name_date=ingest.date_from_name(Path(source).name, source))
    return replace(digest, entries=tuple(normalize_entry(e) for e in digest.entries))


def normalize_entry(entry: Entry) -> Entry:
    title, abstract = normalize(entry.title), normalize(entry.abstract)
    if not title:
        raise DigestError(entry.source, "an entry has an empty title", line=entry.line)
    return replace(entry, title=title, abstract=abstract, links=extract_links(abstract))


def read_digests(project: Project) -> tuple[list[Digest], list[DigestError]]:
    """Every stored digest that parses; the others become errors, never a stop."""
    digests, errors = [], []
    for path in store.list_digests(project.digests_dir):
        try:
            digests.append(parse_digest(store.read_bytes(path), path.name))
        except DigestError as e:
            errors.append(e)
    return digests, errors


def load_taxonomy(project: Project) -> list[Topic]:
    default_file = resources.files("generator") / "defaults" / "topics.yml"
    import yaml

    default = topics.parse_taxonomy(yaml.safe_load(default_file.read_text("utf-8")),
                                    "the default taxonomy")
    if not project.topics_file.is_file():
        return default
    data = store.read_yaml(project.topics_file)
    own = topics.parse_taxonomy(data, str(project.topics_file))
    replace_default = isinstance(data, dict) and data.get("replace") is True
    return topics.merge_taxonomies(default, own, replace_default)


def collect(project: Project) -> tuple[list[Paper], list[Topic], list[DigestError]]:
    digests, errors = read_digests(project)
    papers = dedupe.merge(e for d in digests for e in d.entries)
    taxonomy = load_taxonomy(project)
    return topics.classify(papers, taxonomy), taxonomy, errors


# --- the commands -----------------------------------------------------------------------


def generate(project: Project) -> Report:
    """Digests -> Markdown pages in docs_dir (only changed pages are rewritten)."""
    papers, taxonomy, errors = collect(project)
    pages = render.render_site(papers, taxonomy, project.settings, project.templates_dir)
    pages |= feeds.render_exports(papers, taxonomy, project.settings, project.templates_dir)
    written, deleted = store.write_pages(project.docs_dir, pages)
    days = {d for p in papers for d in p.dates}
    return Report(errors=errors, papers=len(papers), days=len(days), written=written,
                  deleted=deleted, newest=max(days, default=None))


def build(project: Project) -> Report:
    """generate, then MkDocs and Pagefind into a temporary folder that replaces site/
    only when everything succeeded: a failed build leaves the previous site in place."""
    report = generate(project)
    staging = store.temp_dir_beside(project.site_dir)
    try:
        with _source_date_epoch(report.newest):
            run_mkdocs(project, staging)
        search.index(staging)
        store.swap_in(staging, project.site_dir)
    except BaseException:
        store.remove_tree(staging)
        raise
    return report


def run_mkdocs(project: Project, site_dir: Path) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config = load_config(config_file=str(project.config_file), site_dir=str(site_dir))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    except MkDocsException as e:
        raise ProjectError(f"MkDocs failed: {e}") from None
    finally:
        config.plugins.on_shutdown()


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


def add(project: Project, files: list[Path], given_date: dt.date | None = None
        ) -> tuple[list[Added], list[DigestError]]:
    """Validate each file and store the good ones in digests/ under a dated name.

    Idempotent: a digest whose text is already stored is not stored again."""
    stored, _ = read_digests(project)
    known = {title_key(e.title) for d in stored for e in d.entries}
    stored_hashes = set()
    for path in store.list_digests(project.digests_dir):
        try:
            stored_hashes.add(content_hash(ingest.decode(store.read_bytes(path), path.name)))
        except DigestError:
            pass

    results, errors = [], []
    for path in files:
        try:
            try:
                data = store.read_bytes(path)
            except OSError as e:
                raise DigestError(str(path), f"cannot read the file: {e.strerror}") from None
            digest = parse_digest(data, str(path), given_date)
            text = ingest.decode(data, str(path))
        except DigestError as e:
            errors.append(e)
            continue
        keys = {title_key(e.title) for e in digest.entries}
        new = len(keys - known)
        known |= keys
        digest_hash = content_hash(text)
        stored_as = None
        if digest_hash not in stored_hashes:
            target_name = f"{digest.date.isoformat()}-{digest_hash[:8]}.txt"
            stored_as = str(store.store_digest(project.digests_dir, target_name, text))
            stored_hashes.add(digest_hash)
        results.append(Added(source=str(path), papers=len(keys), new=new, stored_as=stored_as))
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
