"""The search index's bundles, driven directly: which shard a paper goes to, when a
shard is kept, what the recent bundle holds, and which shard results are hidden."""

from __future__ import annotations

import json

from generator import search, store
from generator.parallel import Tuning



def _document(i: int, word: str) -> str:
    return (f'<!doctype html><html lang="en"><head><title>P{i}</title></head><body>'
            f"<article data-pagefind-body><h1>Paper {i}</h1><p>{word} and some common "
            f"text</p></article></body></html>\n")


def test_shards_group_a_years_months_up_to_their_size():
    months = {f"d{i}": month for i, month in enumerate(
        ["2024-11"] * 2 + ["2024-12"] * 2 + ["2025-01"] * 3 + ["2025-02"] * 1 +
        ["2025-03"] * 2 + ["2025-04"] * 5)}
    shard = search.shards(months, size=4)
    # A year opens a shard (named by the year); a month that would pass 4 opens the next.
    assert [shard[f"d{i}"] for i in range(len(months))] == (
        ["2024"] * 4 + ["2025"] * 4 + ["2025-03"] * 2 + ["2025-04"] * 5)
    assert set(search.shards(months, size=100).values()) == {"2024", "2025"}


def test_a_small_site_is_one_shard_and_a_new_years_first_days_go_to_recent(tmp_path):
    docs = {f"papers/p{i}/index.html": _document(i, f"word{i}") for i in range(5)}
    months = {path: "2025-12" if i < 4 else "2026-01" for i, path in enumerate(docs)}
    store.write_pages(tmp_path / "corpus", docs, ("papers",), tmp_path / "corpus.json")
    hashes = {p: r[0] for p, r in store.read_json(tmp_path / "corpus.json").items()}

    def update(out, **tuning):
        search.update(tmp_path / "corpus", hashes, months, tmp_path / "base", out,
                      tuning=Tuning(search_rebuild_share=0.5, **tuning))
        return json.loads((out / search.INFO).read_text())

    assert update(tmp_path / "small", search_small=10) == {
        "bundles": ["pagefind-all/"], "recent": None, "hide": {}}
    # Large: 2026's one paper is fewer than the ballast of two, so it is searched in
    # the recent bundle beside two of 2025's, hidden in their shard.
    info = update(tmp_path / "large", search_small=0, search_ballast=2)
    assert info["bundles"] == ["pagefind-2025/"] and info["recent"] == "pagefind-recent/"
    recent = search.fragment_ids(tmp_path / "large/pagefind-recent")
    assert "/papers/p4/" in recent and len(recent) == 3
    shard = search.fragment_ids(tmp_path / "large/pagefind-2025")
    assert sorted(info["hide"]["pagefind-2025/"]) == sorted(
        shard[url] for url in recent if url != "/papers/p4/")
    assert not (tmp_path / "base/pagefind-all").exists()


def test_a_shard_is_kept_until_its_own_changes_pass_their_share(tmp_path):
    corpus, base = tmp_path / "corpus", tmp_path / "base"
    # p0-p5 from 2025, p6-p8 from 2026: two shards.
    docs = {f"papers/p{i}/index.html": _document(i, f"word{i}") for i in range(9)}
    months = {path: "2025-03" if i < 6 else "2026-01" for i, path in enumerate(docs)}
    runs = []

    def update():
        store.write_pages(corpus, docs, ("papers",), tmp_path / "corpus.json")
        hashes = {p: r[0] for p, r in store.read_json(tmp_path / "corpus.json").items()}
        out = tmp_path / f"out{len(runs)}"
        runs.append(out)
        # Any size counts as large; half of a shard may change; one unchanged document
        # as ballast.
        fresh = search.update(corpus, hashes, months, base, out, tuning=Tuning(
            search_small=0, search_rebuild_share=0.5, search_ballast=1))
        return fresh, out, json.loads((out / search.INFO).read_text())

    fresh, out, info = update()
    assert fresh == ["2025", "2026"]
    # One copy of Pagefind's WebAssembly serves both bundles: the first's.
    assert info == {"bundles": ["pagefind-2026/", "pagefind-2025/"], "recent": None,
                    "hide": {}, "wasm": "pagefind-2026/"}
    ids = search.fragment_ids(out / "pagefind-2025")
    assert set(ids) == {f"/papers/p{i}/" for i in range(6)}
    assert set(search.fragment_ids(out / "pagefind-2026")) == {"/papers/p6/", "/papers/p7/",
                                                               "/papers/p8/"}
    ids_2026 = search.fragment_ids(out / "pagefind-2026")

    docs["papers/p1/index.html"] = _document(1, "changed")
    del docs["papers/p2/index.html"]
    for i in (6, 7):  # two of 2026's three change: that shard alone is indexed again
        docs[f"papers/p{i}/index.html"] = _document(i, "newer")
    fresh, out, info = update()
    assert fresh == ["2026"] and info["recent"] == "pagefind-recent/"
    assert search.fragment_ids(out / "pagefind-2025") == ids  # 2025 as it was
    assert search.fragment_ids(out / "pagefind-2026") != ids_2026
    recent = search.fragment_ids(out / "pagefind-recent")
    ballast = set(recent) - {"/papers/p1/"}
    assert "/papers/p1/" in recent and len(ballast) == 1
    # Hidden in 2025: the changed paper's and the gone paper's old results, and the
    # ballast's; nothing in the 2026 shard, indexed as it is.
    assert info["hide"] == {"pagefind-2025/": sorted(
        {ids["/papers/p1/"], ids["/papers/p2/"], ids[ballast.pop()]})}

    for i in (0, 3, 4):  # with p1, four of five changed since 2025 was indexed
        docs[f"papers/p{i}/index.html"] = _document(i, "again")
    fresh, out, info = update()
    assert fresh == ["2025"] and info["recent"] is None and info["hide"] == {}
    assert set(search.fragment_ids(out / "pagefind-2025")) == {
        f"/papers/p{i}/" for i in (0, 1, 3, 4, 5)}

    for i in (6, 7, 8):  # 2026 is emptied: its shard goes, from the output and the base
        del docs[f"papers/p{i}/index.html"]
    fresh, out, info = update()
    assert fresh == [] and info["bundles"] == ["pagefind-2025/"]
    assert not (out / "pagefind-2026").exists() and not (base / "pagefind-2026").exists()
    assert sorted(p.name for p in base.iterdir()) == ["index.json", "pagefind-2025"]


def test_bundles_share_the_first_ones_webassembly_only_when_their_copies_are_the_same(tmp_path):
    for name in ("pagefind-2026", "pagefind-2025", "pagefind-recent"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "wasm.en.pagefind").write_bytes(b"module")
    bundles = ["pagefind-2026/", "pagefind-2025/", "pagefind-recent/"]
    assert search._shared_wasm(tmp_path, bundles) == "pagefind-2026/"
    assert search._shared_wasm(tmp_path, bundles[:1]) is None  # nothing to share
    # A language the first bundle lacks, or a copy that differs: each fetches its own.
    (tmp_path / "pagefind-recent/wasm.de.pagefind").write_bytes(b"module")
    assert search._shared_wasm(tmp_path, bundles) is None
    (tmp_path / "pagefind-recent/wasm.de.pagefind").unlink()
    (tmp_path / "pagefind-2025/wasm.en.pagefind").write_bytes(b"another version")
    assert search._shared_wasm(tmp_path, bundles) is None
