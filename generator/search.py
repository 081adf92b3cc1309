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
from collections import Counter
from pathlib import Path

import cbor2

from generator import store
from generator.errors import SearchIndexError
from generator.parallel import DEFAULT, Fresh, Tuning, die_with_parent, give_back_memory


def _command(corpus: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(corpus), "--output-path",
            str(output.resolve()), "--silent"]


# The search index is several Pagefind bundles: the base, kept in the cache between
# builds, in shards by the month of each paper's first day (a year's months in order, as
# many to a shard as fit in Tuning.search_shard documents), and the recent bundle, the
# documents new or changed since their shard was indexed. Pagefind holds every word of
# what it indexes in memory, so shards bound its memory, and they are indexed one after
# another; a shard is indexed again only when its own changes pass a share of it
# (Tuning.search_rebuild_share), so a past year's shards are left as they are while this
# year's grow. A build indexes only the recent documents otherwise. Every shard is
# indexed afresh on a full build, when Pagefind's version changes, and always for small
# sites (below Tuning.search_small documents). The search page searches every bundle
# and hides each shard's outdated copies (INFO lists the bundles and those copies).
#
# Scores from several indexes are compared when results merge, and Pagefind scores a
# word by how rare it is in its own index: in a recent bundle of thirty papers every
# word is common, and new papers would rank below old ones. So the recent bundle also
# holds a fixed sample of unchanged documents (Tuning.search_ballast), whose shard copies
# are hidden too, which gives its word statistics the base's proportions. The shards
# are large samples of the same kind of papers, with the same proportions.
SHARD = "pagefind-"  # a shard's bundle is pagefind-2025/, or pagefind-2025-07/ for a
# year of more than one shard
RECENT = "pagefind-recent"
# {"bundles": ["pagefind-2025/", ...], "recent": "pagefind-recent/" or null,
#  "hide": {"pagefind-2025/": [result ids], ...}, "wasm": "pagefind-2025/" or absent}
INFO = "search-index.json"


def _write_and_index(documents, kept, months, corpus, manifest, base, output, owned,
                     rebuild, tuning) -> None:
    """The second process's work (see start()). It empties `documents` once they are
    written: this process then waits on Pagefind, and need not hold them meanwhile."""
    _yield_to_the_build()
    try:
        store.write_pages(corpus, documents, owned, manifest, kept=kept)
        documents.clear()
        give_back_memory()
        hashes = {path: record[0] for path, record in store.read_json(manifest).items()}
        update(corpus, hashes, months, base, output, rebuild, tuning)
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


def start(documents: dict[str, bytes], kept: set[str], months: dict[str, str], corpus: Path,
          manifest: Path, base: Path, output: Path, owned: tuple[str, ...],
          rebuild: bool = False, tuning: Tuning = DEFAULT) -> Fresh | None:
    """Write the search documents to `corpus` (unchanged ones, and those in `kept`, are
    left as they are) and index them in a second process, so that the build's own
    process goes on writing pages and running MkDocs meanwhile: `output` receives the
    bundles and INFO (see update()); finish() waits for it. `months` is every
    document's month ("2025-07"), which picks its shard. None when there is nothing to
    index (a digest without papers has no search)."""
    if not documents and not kept:
        return None
    # A fresh interpreter, so that it does not hold a copy of the build's memory while
    # Pagefind runs; stopping it stops Pagefind too.
    return Fresh(_write_and_index, documents, kept, months, corpus, manifest, base, output,
                 owned, rebuild, tuning, tuning=tuning)


def finish(indexing: Fresh | None) -> None:
    if indexing is not None:
        indexing.result()


def shards(months: dict[str, str], size: int) -> dict[str, str]:
    """{document: its shard}: each year's months in order, as many to a shard as keep it
    at most `size` documents (a month larger than that is a shard alone). A shard is
    named by its year when it opens the year, else by its first month: 2025, 2025-07.
    New papers join the newest month, so only the newest shard grows."""
    per_month = Counter(months.values())
    shard_of: dict[str, str] = {}
    name, filled = "", 0
    for month in sorted(per_month):
        if not name or name[:4] != month[:4] or filled + per_month[month] > size:
            name, filled = (month[:4] if name[:4] != month[:4] else month), 0
        shard_of[month] = name
        filled += per_month[month]
    return {document: shard_of[month] for document, month in months.items()}


def update(corpus: Path, hashes: dict[str, str], months: dict[str, str], base: Path,
           output: Path, rebuild: bool = False, tuning: Tuning = DEFAULT) -> list[str]:
    """Index the documents of `corpus` ({path: content hash} in `hashes`, {path: month}
    in `months`) into `output`: every shard (linked from the shards kept in `base`),
    RECENT when documents changed since their shard was indexed, and INFO. Returns the
    shards indexed afresh."""
    from importlib import metadata

    version = metadata.version("pagefind")
    state = store.read_json(base / "index.json")
    if not (isinstance(state, dict) and state.get("pagefind") == version
            and isinstance(state.get("shards"), dict)):
        state = {"pagefind": version, "shards": {}}
    store.remove_abandoned(base / "shard")
    everything = rebuild or len(hashes) < tuning.search_small
    if len(hashes) < tuning.search_small:
        shard_of = dict.fromkeys(hashes, "all")  # a small site: one shard, pagefind-all/
    else:
        shard_of = shards({path: months.get(path, "0000-00") for path in hashes},
                          tuning.search_shard)
    wanted: dict[str, dict[str, str]] = {}
    for path, digest in hashes.items():
        wanted.setdefault(shard_of[path], {})[path] = digest
    # A shard of fewer documents than the recent bundle's ballast (a year in its first
    # days) would score its words as a tiny index does, every word common: its
    # documents go to the recent bundle, which has the ballast, until it is larger.
    small_shards = [n for n, docs in wanted.items()
                    if len(wanted) > 1 and len(docs) < tuning.search_ballast]
    for name in set(state["shards"]) - (set(wanted) - set(small_shards)):
        del state["shards"][name]  # no documents, or too few: not a shard
    _forget_other_bundles(base, state)
    fresh, changed, outdated = [], [], {}
    for name in small_shards:
        changed += list(wanted.pop(name))
    for name, documents in sorted(wanted.items()):
        known = state["shards"].get(name, {}).get("documents")
        if known is None or not (base / f"{SHARD}{name}").is_dir():
            known = {}
        new = [path for path, digest in documents.items() if known.get(path) != digest]
        gone = [path for path, digest in known.items() if documents.get(path) != digest]
        if everything or not known or len(set(new) | set(gone)) > \
                tuning.search_rebuild_share * len(documents):
            _index_shard(corpus, documents, base, name, state)
            fresh.append(name)
        else:
            changed += new
            outdated[name] = gone
    ballast: dict[str, list[str]] = {}
    if changed:
        unchanged = [(path, name) for name, shard in state["shards"].items()
                     for path, digest in shard["documents"].items()
                     if hashes.get(path) == digest and shard_of[path] == name]
        for path, name in sorted(unchanged, key=lambda u: hashlib.sha256(
                u[0].encode()).hexdigest())[:tuning.search_ballast]:
            ballast.setdefault(name, []).append(path)
    info = {"bundles": [], "recent": None, "hide": {}}
    for name in sorted(wanted, reverse=True):  # the newest first
        bundle = f"{SHARD}{name}"
        store.link_tree(base / bundle, output / bundle)
        info["bundles"].append(bundle + "/")
        ids = state["shards"][name]["ids"]
        # Results to hide: documents changed or gone since the shard was indexed, and
        # those the recent bundle holds as ballast.
        hide = sorted(ids[_url(path)] for path in outdated.get(name, []) +
                      ballast.get(name, []) if _url(path) in ids)
        if hide:
            info["hide"][bundle + "/"] = hide
    if changed:
        recent_corpus = base / "recent-corpus"
        store.remove_tree(recent_corpus)
        store.link_files(corpus, recent_corpus,
                         sorted(changed + [p for paths in ballast.values() for p in paths]))
        _pagefind(recent_corpus, output / RECENT)
        store.remove_tree(recent_corpus)
        info["recent"] = RECENT + "/"
    wasm = _shared_wasm(output, info["bundles"] + ([info["recent"]] if changed else []))
    if wasm:
        info["wasm"] = wasm
    store.write_json(output / INFO, info)
    return fresh


def _shared_wasm(output: Path, bundles: list[str]) -> str | None:
    """The first bundle, when every other bundle's WebAssembly files (wasm.<language>
    .pagefind) are copies of its own: the search page then fetches that one copy for all
    of them (about 70 KB a bundle, a fifth of a search's bytes at 75,000 papers). None
    when they differ or there is one bundle."""
    if len(bundles) < 2:
        return None
    first = {path.name: store.read_bytes(path)
             for path in (output / bundles[0]).glob("wasm.*.pagefind")}
    for bundle in bundles[1:]:
        for path in (output / bundle).glob("wasm.*.pagefind"):
            if first.get(path.name) != store.read_bytes(path):
                return None
    return bundles[0]


def _url(path: str) -> str:
    """A document's URL as Pagefind records it: papers/x/index.html -> /papers/x/"""
    return "/" + path.removesuffix("index.html")


def _forget_other_bundles(base: Path, state: dict) -> None:
    """Delete the bundles in `base` that no shard of `state` owns (a shard emptied, the
    single bundle of earlier versions), and record that."""
    store.write_json(base / "index.json", state)
    for item in base.glob(f"{SHARD[:-1]}*"):
        if item.name.removeprefix(SHARD) not in state["shards"]:
            store.remove_tree(item)


def _index_shard(corpus: Path, documents: dict[str, str], base: Path, name: str,
                 state: dict) -> None:
    """Index one shard's documents into base/pagefind-<name>, and record it in `state`
    (and base/index.json)."""
    # The old record goes first: if this stops half-way, the next build indexes the
    # shard afresh rather than pairing the new bundle with the old ids.
    state["shards"].pop(name, None)
    store.write_json(base / "index.json", state)
    staging = store.temp_dir_beside(base / "shard")
    try:
        shard_corpus = staging / "corpus"
        store.link_files(corpus, shard_corpus, sorted(documents))
        _pagefind(shard_corpus, staging / "bundle")
        ids = fragment_ids(staging / "bundle")
        store.remove_tree(base / f"{SHARD}{name}")
        store.move(staging / "bundle", base / f"{SHARD}{name}")
    finally:
        store.remove_tree(staging)
    state["shards"][name] = {"documents": documents, "ids": ids}
    store.write_json(base / "index.json", state)


def fragment_ids(bundle: Path) -> dict[str, str]:
    """{page URL: the id Pagefind gives its results} (the name of the page's fragment)."""
    ids = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(store.read_bytes(path))
        ids[json.loads(data[len(_MAGIC):])["url"]] = path.name.removesuffix(".pf_fragment")
    return ids


def _pagefind(corpus: Path, output: Path) -> None:
    store.make_dirs(output.parent)
    result = subprocess.run(_command(corpus, output), capture_output=True, text=True,
                            preexec_fn=die_with_parent)
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed ({result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()}")
    canonicalize(output)


def index(corpus: Path, site: Path) -> None:
    """Index the search documents already in `corpus` into one bundle in `site`, and
    name it in INFO (what `serve` does after a build)."""
    if not corpus.is_dir() or not any(corpus.rglob("*.html")):
        return
    _pagefind(corpus, site / "pagefind")
    store.write_json(site / INFO, {"bundles": ["pagefind/"], "recent": None, "hide": {}})


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
