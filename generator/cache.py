"""Derived data kept between builds, by content hash, in .paper-digest-cache/.

A table maps the hash of everything an answer depends on (a digest file's name and
bytes; a paper's title, abstract and labels with the taxonomy) to the answer: parsed
and normalized entries, topics, related papers. An entry whose inputs changed is simply
never looked up again; a table made by other code (another version of paper-digest) is
ignored as a whole. Each build keeps only the entries it used, so tables do not grow
without end. Deleting the folder costs one slower build, nothing else.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from generator import store


def key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")  # ("ab", "c") and ("a", "bc") are different inputs
    return digest.hexdigest()[:32]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code and shipped data that compute cached answers: any change to
    them (a new release, an edited module) starts every table afresh."""
    package = resources.files("generator")
    digest = hashlib.sha256()
    items = sorted((item for item in package.iterdir() if item.name.endswith(".py")),
                   key=lambda item: item.name)
    items += [package / "defaults" / "topic_model.json.gz", package / "defaults" / "topics.yml"]
    for item in items:
        digest.update(item.name.encode())
        digest.update(item.read_bytes())
    return digest.hexdigest()[:32]


class Table:
    """One cached table: {key: JSON value}."""

    def __init__(self, path: Path):
        self.path = path
        data = store.read_json(path)
        valid = isinstance(data, dict) and data.get("code") == code_version() \
            and isinstance(data.get("entries"), dict)
        self.old: dict = data["entries"] if valid else {}
        self.used: dict = {}

    def get(self, name: str):
        value = self.old.get(name)
        if value is not None:
            self.used[name] = value
        return value

    def put(self, name: str, value) -> None:
        self.used[name] = value

    def save(self) -> None:
        if self.used != self.old:
            store.write_json(self.path, {"code": code_version(), "entries": self.used})


class Shelf:
    """A table kept as a file per entry, in a folder of the code's version: for large
    entries that change a few at a time (the parsed digests: one more day adds one
    file, where one table would rewrite every digest's entries, 19 MB at 10,000
    papers). Entries the build did not use, and other code's folders, go on `save`."""

    def __init__(self, folder: Path):
        self.parent = folder
        self.folder = folder / code_version()
        self.used: set[str] = set()
        self.new: dict = {}

    def get(self, name: str):
        value = store.read_json(self.folder / f"{name}.json")
        if value is not None:
            self.used.add(name)
        return value

    def put(self, name: str, value) -> None:
        self.used.add(name)
        self.new[name] = value

    def save(self) -> None:
        for name, value in self.new.items():
            store.write_json(self.folder / f"{name}.json", value)
        self.new = {}
        store.keep_only(self.parent, {self.folder.name})
        store.keep_only(self.folder, {f"{name}.json" for name in self.used})
        store.remove_tree(self.parent.with_suffix(".json"))  # the one-file table of old
