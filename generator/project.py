"""A digest project: its mkdocs.yml, read and validated by MkDocs, and the paths and
settings the stages need from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import ProjectError
from generator.fetch import source_options
from generator.render import Settings

CONFIG_FILE = "mkdocs.yml"
CACHE_DIR = ".paper-digest-cache"  # derived data; safe to delete


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
    settings: Settings
    sources: dict  # {source name: its options}, for `fetch` (generator/fetch.py)


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
    try:
        sources = source_options(options.sources)
    except ValueError as e:
        raise ProjectError(f"{config_file}: plugins: paper-digest: {e}") from None
    return Project(
        root=root,
        config_file=config_file,
        docs_dir=Path(config.docs_dir),
        site_dir=Path(config.site_dir),
        digests_dir=root / options.digests_dir,
        templates_dir=root / options.templates_dir,
        topics_file=root / options.topics_file,
        notes_dir=root / options.notes_dir,
        cache_dir=root / CACHE_DIR,
        search_corpus=root / CACHE_DIR / "search-corpus",
        theme_dir=Path(config.theme.custom_dir) if config.theme.custom_dir else None,
        sources=sources,
        settings=Settings(site_name=config.site_name, site_url=config.site_url or None,
                          site_description=config.site_description or "",
                          per_page=options.per_page,
                          home_days=options.home_days,
                          excerpt_chars=options.excerpt_chars,
                          author_min_papers=options.author_min_papers,
                          language=config.theme["language"] or "en"),
    )
