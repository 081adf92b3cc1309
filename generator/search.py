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
import subprocess
import sys
from pathlib import Path

import cbor2

from generator import store
from generator.errors import SearchIndexError
from generator.parallel import DEFAULT, Fresh, Tuning, give_back_memory


def _command(corpus: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(corpus), "--output-path",
            str(output.resolve()), "--silent"]


# The search index is two Pagefind bundles: the base, every document as it was when the
# base was last indexed (kept in the cache between builds), and the recent bundle, the
# documents new or changed since. A build indexes only the recent ones; the search page
# searches both and hides the base's outdated copies (RECENT_INFO lists them). The base
# is indexed afresh when the recent documents grow past a share of all of them
# (Tuning.search_rebuild_share), on a full build, when Pagefind's version changes, and
# always for small sites (below Tuning.search_small documents).
#
# Scores from two indexes are compared when results merge, and Pagefind scores a word
# by how rare it is in its own index: in a recent bundle of thirty papers every word is
# common, and new papers would rank below old ones. So the recent bundle also holds a
# fixed sample of unchanged documents (Tuning.search_ballast), whose base copies are
# hidden too, which gives its word statistics the base's proportions.
BASE = "pagefind"
RECENT = "pagefind-recent"
RECENT_INFO = "search-recent.json"  # {"bundle": "pagefind-recent/" or null, "hide": [ids]}


def _write_and_index(documents, kept, corpus, manifest, base, output, owned, rebuild,
                     tuning) -> None:
    """The second process's work (see start()). It empties `documents` once they are
    written: this process then waits on Pagefind, and need not hold them meanwhile."""
    _yield_to_the_build()
    try:
        store.write_pages(corpus, documents, owned, manifest, kept=kept)
        documents.clear()
        give_back_memory()
        hashes = {path: record[0] for path, record in store.read_json(manifest).items()}
        update(corpus, hashes, base, output, rebuild, tuning)
    except OSError as e:  # a full disk, a file in the way: the build fails and says so
        raise SearchIndexError(f"writing the search index failed: {e}") from None


def _yield_to_the_build() -> None:
    """Lower this process's priority (Pagefind inherits it). The index is only needed
    once MkDocs is done, and usually is ready before: at a lower priority it takes the
    processor time MkDocs leaves instead of slowing MkDocs, which the build waits for."""
    try:
        os.nice(10)
    except (AttributeError, OSError):  # no nice() on this system
        pass


def start(documents: dict[str, str], kept: set[str], corpus: Path, manifest: Path,
          base: Path, output: Path, owned: tuple[str, ...], rebuild: bool = False,
          tuning: Tuning = DEFAULT) -> Fresh | None:
    """Write the search documents to `corpus` (unchanged ones, and those in `kept`, are
    left as they are) and index them in a second process, so that the build's own
    process goes on writing pages and running MkDocs meanwhile: `output` receives the
    bundles and RECENT_INFO (see update()); finish() waits for it. None when there is
    nothing to index (a digest without papers has no search)."""
    if not documents and not kept:
        return None
    # A fresh interpreter, so that it does not hold a copy of the build's memory while
    # Pagefind runs; stopping it stops Pagefind too.
    return Fresh(_write_and_index, documents, kept, corpus, manifest, base, output, owned,
                 rebuild, tuning, tuning=tuning)


def finish(indexing: Fresh | None) -> None:
    if indexing is not None:
        indexing.result()


def update(corpus: Path, hashes: dict[str, str], base: Path, output: Path,
           rebuild: bool = False, tuning: Tuning = DEFAULT) -> bool:
    """Index the documents of `corpus` ({path: content hash} in `hashes`) into `output`:
    BASE (linked from the base kept in `base`), RECENT when documents changed since the
    base, and RECENT_INFO. True when the base was indexed afresh."""
    from importlib import metadata

    small, share, ballast_size = (tuning.search_small, tuning.search_rebuild_share,
                                  tuning.search_ballast)
    version = metadata.version("pagefind")
    state = store.read_json(base / "index.json")
    if not (isinstance(state, dict) and state.get("pagefind") == version
            and (base / BASE).is_dir()):
        state = None
    known = state["documents"] if state else {}
    changed = sorted(path for path, digest in hashes.items() if known.get(path) != digest)
    fresh = rebuild or state is None or len(hashes) < small or \
        len(changed) > share * len(hashes)
    if fresh:
        state = _index_base(corpus, hashes, base, version)
        changed = []
    known = state["documents"]
    outdated = [path for path, digest in known.items() if hashes.get(path) != digest]
    ballast = []
    if changed:
        unchanged = [path for path in known if hashes.get(path) == known[path]]
        ballast = sorted(unchanged, key=lambda p: hashlib.sha256(p.encode()).hexdigest()
                         )[:ballast_size]
    # Base results to hide: documents changed or gone since the base was indexed, and
    # those the recent bundle holds as ballast.
    hide = sorted(state["ids"][_url(path)] for path in outdated + ballast
                  if _url(path) in state["ids"])
    store.link_tree(base / BASE, output / BASE)
    info = {"bundle": None, "hide": hide}
    if changed:
        recent_corpus = base / "recent-corpus"
        store.remove_tree(recent_corpus)
        store.link_files(corpus, recent_corpus, sorted(changed + ballast))
        _pagefind(recent_corpus, output / RECENT)
        store.remove_tree(recent_corpus)
        info["bundle"] = RECENT + "/"
    store.write_json(output / RECENT_INFO, info)
    return fresh


def _url(path: str) -> str:
    """A document's URL as Pagefind records it: papers/x/index.html -> /papers/x/"""
    return "/" + path.removesuffix("index.html")


def _index_base(corpus: Path, hashes: dict[str, str], base: Path, version: str) -> dict:
    store.remove_abandoned(base / BASE)
    staging = store.temp_dir_beside(base / BASE)
    try:
        _pagefind(corpus, staging)
        ids = fragment_ids(staging)
    except BaseException:
        store.remove_tree(staging)
        raise
    # The old state goes first: if this stops half-way, the next build starts afresh
    # rather than pairing the new bundle with the old ids.
    store.remove_tree(base / "index.json")
    store.move(staging, base / BASE)
    state = {"pagefind": version, "documents": hashes, "ids": ids}
    store.write_json(base / "index.json", state)
    return state


def fragment_ids(bundle: Path) -> dict[str, str]:
    """{page URL: the id Pagefind gives its results} (the name of the page's fragment)."""
    ids = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(store.read_bytes(path))
        ids[json.loads(data[len(_MAGIC):])["url"]] = path.name.removesuffix(".pf_fragment")
    return ids


def _pagefind(corpus: Path, output: Path) -> None:
    store.make_dirs(output.parent)
    result = subprocess.run(_command(corpus, output), capture_output=True, text=True)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed ({result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
    canonicalize(output)


def index(corpus: Path, site: Path) -> None:
    """Index the search documents already in `corpus` into one bundle in `site`, and say
    in RECENT_INFO that there is no recent bundle (what `serve` does after a build)."""
    if not corpus.is_dir() or not any(corpus.rglob("*.html")):
        return
    _pagefind(corpus, site / BASE)
    store.write_json(site / RECENT_INFO, {"bundle": None, "hide": []})


# Pagefind 1.x files: gzip of b"pagefind_dcd" + CBOR.
_MAGIC = b"pagefind_dcd"


def _read(path: Path):
    data = gzip.decompress(store.read_bytes(path))
    if not data.startswith(_MAGIC):
        raise SearchIndexError(f"unexpected Pagefind file format: {path.name}")
    return cbor2.loads(data[len(_MAGIC):])


def _write(directory: Path, prefix: str, digits: int, suffix: str, value) -> str:
    payload = _MAGIC + cbor2.dumps(value)
    name = f"{prefix}{hashlib.sha256(payload).hexdigest()[:digits]}"
    store.atomic_write(directory / f"{name}{suffix}", gzip.compress(payload, mtime=0))
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
    entry = json.loads(store.read_bytes(entry_path))
    filters_dir = bundle / "filter"
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_path)
        filters = []
        for name, file_hash in meta[3]:
            path = filters_dir / f"{file_hash}.pf_filter"
            filter_name, values = _read(path)
            store.remove_tree(path)
            values = sorted(values, key=lambda v: str(v[0]))
            new_hash = _write(filters_dir, f"{language}_", 7, ".pf_filter",
                              [filter_name, values])
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        store.remove_tree(meta_path)
        info["hash"] = _write(bundle, f"pagefind.{language}_", 10, ".pf_meta", meta
                              ).removeprefix("pagefind.")
    store.atomic_write(entry_path, json.dumps(entry, ensure_ascii=False,
                                              separators=(",", ":")).encode("utf-8"))
