"""What every page depends on besides its own Markdown. While it is unchanged, a build
renders only the pages whose Markdown changed, over a copy of the previous site; when
it changes, every page is rendered again. And what a build reads at all: while that is
unchanged too, the site is as a build would make it, and nothing is done."""

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


def inputs_fingerprint(project: Project, fingerprint: str) -> str:
    """Every file a build reads beside the build fingerprint's: the digests, the
    templates, the notes, the taxonomy, the record of fetches and the pages of docs_dir
    that are not generated, each by its path, size and modification time (reading them
    all would take seconds at 75,000 papers; an edit always moves the time)."""
    from generator import pages  # late: pages imports much that this module need not
    from generator.fetch import RECORD_FILE

    generated = frozenset(pages.generated_folders()) | frozenset(pages.generated_top_files())
    stamps = store.file_stamps([project.digests_dir, project.templates_dir, project.notes_dir],
                               [project.topics_file, project.root / RECORD_FILE])
    # The generated folders hold a file or more per paper: not walked at all.
    pages_stamps = store.file_stamps([project.docs_dir], [], skip=generated)
    return hashlib.sha256(f"{fingerprint}\n{stamps}\n{pages_stamps}".encode()).hexdigest()
