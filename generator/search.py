"""The search index: Pagefind over the search documents `generate` writes.

Pagefind splits its index into small fragments fetched on demand, so a query costs a few
hundred kilobytes whatever the size of the digest. It reads one small document per paper
(the page's article, at the page's URL; see render.search_document) rather than the
pages MkDocs writes, so indexing runs in its own process while MkDocs renders.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cbor2


class SearchIndexError(RuntimeError):
    pass


def start(corpus: Path, output: Path) -> subprocess.Popen | None:
    """Start indexing the search documents in `corpus` into `output` (the site's
    pagefind/ folder) in another process; finish() waits for it. None when there is
    nothing to index (a digest without papers has no search index)."""
    if not corpus.is_dir() or not any(corpus.rglob("*.html")):
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "pagefind", "--site", str(corpus), "--output-path",
         str(output.resolve()), "--silent"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen | None, output: Path) -> None:
    if process is None:
        return
    out, err = process.communicate()
    if process.returncode != 0:
        raise SearchIndexError(f"pagefind failed ({process.returncode}): "
                               f"{(err or out).strip()}")
    canonicalize(output)


def index(corpus: Path, output: Path) -> None:
    finish(start(corpus, output), output)


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
