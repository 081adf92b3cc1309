"""The search index: Pagefind run over the built site.

Pagefind splits its index into small fragments fetched on demand, so a query costs a few
hundred kilobytes whatever the size of the digest. Only paper pages carry
`data-pagefind-body`, so only they are indexed; navigation chrome never is.
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


def index(site_dir: Path) -> None:
    """Write the Pagefind bundle to site_dir/pagefind/."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir",
         "pagefind", "--silent"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SearchIndexError(
            f"pagefind failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")
    canonicalize(site_dir / "pagefind")


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
