"""`paper-digest init`: a new digest project that builds as it is."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from generator import store
from generator.errors import ProjectError
from generator.project import CONFIG_FILE


def default_site_name(directory: Path) -> str:
    return f"{directory.resolve().name} digest"


def init(directory: Path, site_name: str | None = None) -> list[Path]:
    """Scaffold a digest project in `directory`; returns the files created."""
    if (directory / CONFIG_FILE).exists():
        raise ProjectError(f"{directory} already has a {CONFIG_FILE}; not overwriting it")
    # Packaged without their leading dots (package data skips hidden files).
    created = store.copy_tree(resources.files("generator") / "defaults" / "project", directory,
                              rename={"gitignore": ".gitignore", "github": ".github"})
    name = site_name or default_site_name(directory)
    config = directory / CONFIG_FILE
    text = store.read_bytes(config).decode("utf-8").replace(
        "site_name: Paper digest", f"site_name: {yaml.safe_dump(name).strip().splitlines()[0]}", 1)
    store.atomic_write(config, text.encode("utf-8"))
    return created
