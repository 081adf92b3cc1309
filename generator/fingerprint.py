"""What every page depends on besides its own Markdown. While it is unchanged, a build
renders only the pages whose Markdown changed, over a copy of the previous site; when
it changes, every page is rendered again."""

from __future__ import annotations

import hashlib
from importlib import metadata, resources
from pathlib import Path

from generator import cache, store
from generator.project import Project


def build_fingerprint(project: Project) -> str:
    """The MkDocs configuration (its file, and the settings read from it with the
    environment's `!ENV` values), the versions of paper-digest, MkDocs and Material, the
    packaged theme and assets, and the project's theme overrides."""
    digest = hashlib.sha256(store.read_bytes(project.config_file))
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
