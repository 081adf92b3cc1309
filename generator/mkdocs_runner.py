"""Running MkDocs over the generated pages, into a folder of the build's choosing."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from generator.errors import ProjectError


def run_mkdocs(config_file: Path, site_dir: Path, newest: dt.date | None,
               dirty: bool = False, modified: set[str] | None = None,
               generated: set[str] | None = None, view: Path | None = None) -> None:
    """`mkdocs build` of the project into site_dir; with `dirty`, over a copy of the
    previous site, rendering only the pages whose Markdown changed: the generated files
    in `modified` (paths in docs_dir) where the caller knows them, else those newer
    than their output. SOURCE_DATE_EPOCH
    comes from the data (the newest digest's date), so two builds of the same digests
    are byte-identical: MkDocs uses it for sitemap dates and gzip times.

    Given also every generated file (`generated`) and an empty folder (`view`), a dirty
    build is shown a view of docs_dir instead: hard links to the project's own files,
    the nav's pages and the modified generated files. MkDocs then neither lists nor
    makes a page of the tens of thousands of files that did not change (their outputs
    are in site_dir already), and the plugin lists those pages in the sitemap."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config = load_config(config_file=str(config_file), site_dir=str(site_dir))
    config.plugins.on_startup(command="build", dirty=dirty)
    plugin = config.plugins["paper-digest"]
    plugin.modified = modified
    if dirty and modified is not None and generated is not None and view is not None:
        _show_view(config, Path(config.docs_dir), view, modified, generated)
        plugin.sitemap_pages = {path for path in generated if path.endswith(".md")}
    quiet = _DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        with _source_date_epoch(newest):
            mkdocs_build(config, dirty=dirty)
    except MkDocsException as e:
        raise ProjectError(f"MkDocs failed: {e}") from None
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
        config.plugins.on_shutdown()


def _show_view(config, docs_dir: Path, view: Path, modified: set[str],
               generated: set[str]) -> None:
    from generator import store
    from generator.pages import generated_folders, generated_top_files
    from generator.plugin import DEFAULT_NAV

    shown = generated & (modified | _nav_pages(config.nav or DEFAULT_NAV))
    store.link_files(docs_dir, view, store.files_outside(
        docs_dir, generated_folders(), generated_top_files()) + sorted(shown))
    config.docs_dir = str(view)


def _nav_pages(nav) -> set[str]:
    """The Markdown files a nav configuration names, at any depth."""
    if isinstance(nav, str):
        return {nav} if nav.endswith(".md") else set()
    items = nav.values() if isinstance(nav, dict) else nav if isinstance(nav, list) else []
    return set().union(*map(_nav_pages, items))


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns that dirty builds may leave navigation stale. Ours cannot: the nav is
    a few fixed entries, every page that lists others is regenerated Markdown (so it is
    rebuilt), and anything else that changes forces a full build (the fingerprint)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


@contextmanager
def _source_date_epoch(day: dt.date | None):
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple())) if day \
        else "315532800"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
