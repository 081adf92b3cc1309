"""The search index: Pagefind over the search documents `generate` writes.

Pagefind splits its index into small fragments fetched on demand, so a query costs a few
hundred kilobytes whatever the size of the digest. It reads one small document per paper
(the page's article, at the page's URL; see render.search_document) rather than the
pages MkDocs writes, so the documents are written and indexed in a process of their own
while the build writes the pages and MkDocs renders them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import cbor2

from generator import store


class SearchIndexError(RuntimeError):
    pass


def _command(corpus: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(corpus), "--output-path",
            str(output.resolve()), "--silent"]


class Indexing:
    """The search documents being written and indexed in a second process, so that the
    build's own process goes on writing pages and running MkDocs meanwhile."""

    def __init__(self, documents: dict[str, str], corpus: Path, manifest: Path,
                 output: Path):
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_write_and_index, daemon=True,
                                       args=(documents, corpus, manifest, output, sender))
        self.process.start()
        sender.close()

    def wait(self) -> None:
        try:
            problem = self.receiver.recv()
        except EOFError:
            problem = f"the indexing process ended unexpectedly ({self.process.exitcode})"
        self.process.join()
        if problem:
            raise SearchIndexError(problem)

    def stop(self) -> None:
        """Stop the indexing and Pagefind with it (they are a process group of their own)."""
        if self.process.is_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.join()


def _write_and_index(documents, corpus, manifest, output, sender) -> None:
    os.setsid()  # its own process group, so that stop() reaches Pagefind too
    try:
        store.write_pages(corpus, documents, manifest)
        output.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(_command(corpus, output), capture_output=True, text=True)
        sender.send(None if result.returncode == 0 else
                    f"pagefind failed ({result.returncode}): "
                    f"{(result.stderr or result.stdout).strip()}")
    except Exception as e:  # reported by the build, which then fails
        sender.send(f"writing the search documents failed: {e}")


def start(documents: dict[str, str], corpus: Path, manifest: Path,
          output: Path) -> Indexing | None:
    """Write the search documents to `corpus` (unchanged ones are kept) and index them
    into `output` (the site's pagefind/ folder) in a second process; finish() waits for
    it. None when there is nothing to index (a digest without papers has no search)."""
    if not documents:
        return None
    return Indexing(documents, corpus, manifest, output)


def finish(indexing: Indexing | None, output: Path) -> None:
    if indexing is None:
        return
    indexing.wait()
    canonicalize(output)


def index(corpus: Path, output: Path) -> None:
    """Index the search documents already in `corpus` (what `serve` does after a build)."""
    if not corpus.is_dir() or not any(corpus.rglob("*.html")):
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(_command(corpus, output), capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed ({result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
    canonicalize(output)


# Pagefind 1.x files: gzip of b"pagefind_dcd" + CBOR.
_MAGIC = b"pagefind_dcd"


def _read(path: Path):
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_MAGIC):
        raise SearchIndexError(f"unexpected Pagefind file format: {path.name}")
    return cbor2.loads(data[len(_MAGIC):])


def _write(directory: Path, prefix: str, digits: int, suffix: str, value) -> str:
    payload = _MAGIC + cbor2.dumps(value)
    name = f"{prefix}{hashlib.sha256(payload).hexdigest()[:digits]}"
    (directory / f"{name}{suffix}").write_bytes(gzip.compress(payload, mtime=0))
    return name


def canonicalize(bundle: Path) -> None:
    """Make Pagefind's output the same for the same site.

    Pagefind writes its filter indexes in hash-map order, so two runs over identical
    pages give different filter and metadata files (upstream issue #638; the page
    fragments and word indexes are already stable). Sorting each filter's values and
    the metadata's filter list, and naming those files by their content, makes the
    bundle byte-identical across builds. The search script reads them as before.
    """
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text("utf-8"))
    filters_dir = bundle / "filter"
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_path)
        filters = []
        for name, file_hash in meta[3]:
            path = filters_dir / f"{file_hash}.pf_filter"
            filter_name, values = _read(path)
            path.unlink()
            values = sorted(values, key=lambda v: str(v[0]))
            new_hash = _write(filters_dir, f"{language}_", 7, ".pf_filter",
                              [filter_name, values])
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        meta_path.unlink()
        info["hash"] = _write(bundle, f"pagefind.{language}_", 10, ".pf_meta", meta
                              ).removeprefix("pagefind.")
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          "utf-8")
