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
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from generator import store


def key(*parts: str | bytes) -> str:
    # Each part ends in a NUL: ("ab", "c") and ("a", "bc") are different inputs. Text
    # parts are joined and hashed at once: a build makes hundreds of thousands of keys
    # of a few short parts, where an update per part was most of each key's time.
    try:
        text = "\0".join(parts) + "\0" if parts else ""
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    except TypeError:  # a part is bytes
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part if isinstance(part, bytes)
                          else part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
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
    """One cached table: {key: JSON value}, read when first asked for (the build's
    process only writes the table of rendered pages' keys, megabytes in an archive)."""

    def __init__(self, path: Path):
        self.path = path
        self.used: dict = {}

    @cached_property
    def old(self) -> dict:
        data = store.read_json(self.path)
        valid = isinstance(data, dict) and data.get("code") == code_version() \
            and isinstance(data.get("entries"), dict)
        return data["entries"] if valid else {}

    def get(self, name: str):
        value = self.old.get(name)
        if value is not None:
            self.used[name] = value
        return value

    def put(self, name: str, value) -> None:
        self.used[name] = value

    def save(self) -> None:
        # A table never read is written without reading it first to compare.
        if "old" not in self.__dict__ or self.used != self.old:
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

    def keep(self, name: str) -> None:
        """Keep an entry this build did not need to read."""
        self.used.add(name)

    def save(self) -> None:
        for name, value in self.new.items():
            store.write_json(self.folder / f"{name}.json", value)
        self.new = {}
        store.keep_only(self.parent, {self.folder.name})
        store.keep_only(self.folder, {f"{name}.json" for name in self.used})
        store.remove_tree(self.parent.with_suffix(".json"))  # the one-file table of old


class Rows:
    """A cached sparse matrix, one row per key, as one uncompressed NumPy file: the
    related papers' vectors. Making a paper's vector (tokenizing its text) is most of
    what a day's related papers cost, and one depends on the paper's text alone. A file
    made by other code, or unreadable, is ignored; each save keeps only the rows asked
    for."""

    def __init__(self, path: Path):
        self.path = path

    def matrix(self, keys: list[str], make):
        """The rows of `keys` in order: cached ones where known, `make(positions)` (a
        matrix of the rows at those positions of `keys`) for the rest."""
        import numpy as np
        from scipy.sparse import vstack

        old_keys, old = self._load()
        if keys and old_keys == keys:
            return old
        at = {k: i for i, k in enumerate(old_keys)}
        known = [i for i, k in enumerate(keys) if k in at]
        missing = [i for i, k in enumerate(keys) if k not in at]
        parts = ([old[[at[keys[i]] for i in known]]] if known else []) + \
            ([make(missing)] if missing else [])
        stacked = vstack(parts, format="csr")  # `keys` is never empty: a part at least
        # Back into the order of `keys`: row j of `stacked` is position (known+missing)[j].
        result = stacked[np.argsort(np.array(known + missing, dtype=np.int64), kind="stable")]
        self._save(keys, result)
        return result

    def _load(self):
        import io
        import zipfile

        import numpy as np
        from scipy.sparse import csr_matrix

        try:
            with np.load(io.BytesIO(store.read_bytes(self.path)), allow_pickle=False) as f:
                if str(f["code"]) != code_version():
                    return [], None
                matrix = csr_matrix((f["data"], f["indices"], f["indptr"]),
                                    shape=tuple(f["shape"]))
                return f["keys"].tolist(), matrix
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            return [], None

    def _save(self, keys: list[str], matrix) -> None:
        import io

        import numpy as np

        out = io.BytesIO()
        np.savez(out, code=np.array(code_version()), keys=np.array(keys, dtype=str),
                 data=matrix.data, indices=matrix.indices, indptr=matrix.indptr,
                 shape=np.array(matrix.shape))
        store.atomic_write(self.path, out.getvalue())


def compiled_templates(env, folder: Path) -> None:
    """Keep `env`'s compiled templates in `folder` (Jinja's bytecode cache): compiling
    the theme's and the pages' templates again costs every build about half a second.
    Jinja finds a template by its file and the hash of its source; what else shapes the
    compiled code (Jinja's version, the environment's syntax options and extensions) names
    the subfolder, and other subfolders go."""
    import sys

    import jinja2

    if not isinstance(env.autoescape, bool):  # a function: no stable name for it
        return
    options = (jinja2.__version__, sys.version, sorted(env.extensions), env.autoescape,
               env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
               env.newline_sequence, env.optimized, env.block_start_string,
               env.block_end_string, env.variable_start_string, env.variable_end_string,
               env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
               env.line_comment_prefix)
    name = key(repr(options))
    store.make_dirs(folder / name)
    store.keep_only(folder, {name})
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder / name))
