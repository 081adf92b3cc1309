"""The search index's two bundles, driven directly: when the base is kept, what the
recent bundle holds, and which base results are hidden."""

from __future__ import annotations

import json

from generator import search, store
from generator.parallel import Tuning


def _document(i: int, word: str) -> str:
    return (f'<!doctype html><html lang="en"><head><title>P{i}</title></head><body>'
            f"<article data-pagefind-body><h1>Paper {i}</h1><p>{word} and some common "
            f"text</p></article></body></html>\n")


def test_the_base_is_kept_until_the_changes_pass_their_share(tmp_path):
    corpus, base = tmp_path / "corpus", tmp_path / "base"
    docs = {f"papers/p{i}/index.html": _document(i, f"word{i}") for i in range(6)}
    runs = []

    def update():
        store.write_pages(corpus, docs, ("papers",), tmp_path / "corpus.json")
        hashes = {p: r[0] for p, r in store.read_json(tmp_path / "corpus.json").items()}
        out = tmp_path / f"out{len(runs)}"
        runs.append(out)
        # Any size counts as large; half may change; one unchanged document as ballast.
        fresh = search.update(corpus, hashes, base, out, tuning=Tuning(
            search_small=0, search_rebuild_share=0.5, search_ballast=1))
        return fresh, out, json.loads((out / search.RECENT_INFO).read_text())

    fresh, out, info = update()
    assert fresh and info == {"bundle": None, "hide": []}
    ids = search.fragment_ids(out / "pagefind")
    assert set(ids) == {f"/papers/p{i}/" for i in range(6)}

    docs["papers/p1/index.html"] = _document(1, "changed")
    del docs["papers/p2/index.html"]
    fresh, out, info = update()
    assert not fresh and info["bundle"] == "pagefind-recent/"
    assert search.fragment_ids(out / "pagefind") == ids  # the base as it was
    recent = search.fragment_ids(out / "pagefind-recent")
    ballast = set(recent) - {"/papers/p1/"}
    assert "/papers/p1/" in recent and len(ballast) == 1
    # Hidden: the changed paper's and the gone paper's old results, and the ballast's.
    assert set(info["hide"]) == {ids["/papers/p1/"], ids["/papers/p2/"], ids[ballast.pop()]}

    for i in (0, 3, 4):  # with p1, four of five changed since the base: index afresh
        docs[f"papers/p{i}/index.html"] = _document(i, "again")
    fresh, out, info = update()
    assert fresh and info == {"bundle": None, "hide": []}
    assert set(search.fragment_ids(out / "pagefind")) == {
        f"/papers/p{i}/" for i in (0, 1, 3, 4, 5)}
