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
               dirty: bool = False, modified: set[str] | None = None) -> None:
    """`mkdocs build` of the project into site_dir; with `dirty`, over a copy of the
    previous site, rendering only the pages whose Markdown changed: the generated files
    in `modified` (paths in docs_dir) where the caller knows them, else those newer
    than their output. SOURCE_DATE_EPOCH
    comes from the data (the newest digest's date), so two builds of the same digests
    are byte-identical: MkDocs uses it for sitemap dates and gzip times."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config = load_config(config_file=str(config_file), site_dir=str(site_dir))
    config.plugins.on_startup(command="build", dirty=dirty)
    config.plugins["paper-digest"].modified = modified
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
