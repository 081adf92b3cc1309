"""Property tests (Hypothesis): round trips, safe slugs, order-independent merging, and
parsers that fail only with the project's own error."""

from __future__ import annotations

import datetime as dt
import re

import frontmatter
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import render
from generator.dedupe import merge, merge_all
from generator.errors import DigestError
from generator.ingest import Dates, decode, read_export
from generator.model import Entry, Metadata, Paper, paper_to_data
from generator.normalize import clean_text, normalize
from generator.ingest import parse_digest

# Text as digests carry it: any printable Unicode, markup and YAML traps included.
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)
traps = st.sampled_from(["no", "null", "2025-05-02", "1e3", ": x", "- x", "# x", "|", "*",
                         "`x`", "{{ 7*7 }}", "{% x %}", "<script>", "&amp;", "\u202e", "'", '"'])
titles = st.one_of(text, traps, st.builds(lambda a, b: a + b, traps, text))


@given(titles)
def test_any_title_round_trips_through_frontmatter(title):
    title = clean_text(title)
    if not title:
        return
    post = frontmatter.loads(frontmatter.dumps(frontmatter.Post("body", title=title)))
    assert post["title"] == title


@given(titles)
def test_rendered_titles_never_carry_markup(title):
    html = str(render.text_html(normalize(title)))
    assert "<script" not in html and "<img" not in html
    assert not re.search(r"<(?!/?(span|a)\b)", html)  # only our own math spans and links


@given(st.lists(st.tuples(titles, st.integers(0, 5)), min_size=1, max_size=12))
@settings(max_examples=60)
def test_slugs_are_safe_unique_and_independent_of_order(items):
    entries = [Entry(title=normalize(t) or "x", abstract="a", date=dt.date(2025, 1, 1 + d),
                     source="s.txt", line=i) for i, (t, d) in enumerate(items)]
    forward = merge(entries)
    backward = merge(list(reversed(entries)))
    slugs = [p.slug for p in forward]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and len(slug.encode()) <= 100
    assert _papers(forward) == _papers(backward)


@given(st.lists(st.tuples(titles, st.integers(0, 5), st.sampled_from([None, "2501.1", "2501.2"])),
                min_size=1, max_size=12), st.integers(0, 12))
@settings(max_examples=150)
def test_a_days_entries_merged_alone_join_the_others_as_merging_all_does(items, cut):
    # extended() may decline (None: the build merges all), never give another answer.
    entries = [Entry(title=normalize(t) or "x", abstract=f"a{i}", date=dt.date(2025, 1, 1 + d),
                     source=f"{d}.txt", line=i, meta=Metadata(arxiv_id=aid))
               for i, (t, d, aid) in enumerate(items)]
    extended = merge_all(entries[:cut]).extended(entries[cut:])
    if extended is not None:
        whole = merge_all(entries)
        assert [paper_to_data(p) for p in extended.papers] == \
            [paper_to_data(p) for p in whole.papers]
        assert extended.conflicts == whole.conflicts
        assert (extended.claims, extended.firsts) == (whole.claims, whole.firsts)


def test_a_day_of_new_papers_is_merged_alone_and_one_of_known_papers_is_not():
    def entry(title, day, aid=None):
        return Entry(title=title, abstract="a", date=dt.date(2025, 1, day), source=f"{day}.txt",
                     line=1, meta=Metadata(arxiv_id=aid))
    old = [entry("Sparse Attention", 2, "2501.1"), entry("Dense Retrieval", 2)]
    known = merge_all(old)
    new = [entry("Graph Kernels", 3, "2501.3"), entry("Mixture Models", 3)]
    more = known.extended(new)
    assert [p.slug for p in more.papers] == ["graph-kernels", "mixture-models",
                                             "dense-retrieval", "sparse-attention"]
    # A later title that reads the same gets the hashed slug, as among all.
    same = [entry("Sparse-Attention", 3, "2501.9")]
    more = known.extended(same)
    assert more.papers[0].slug.startswith("sparse-attention-")
    assert [paper_to_data(p) for p in more.papers] == \
        [paper_to_data(p) for p in merge_all(old + same).papers]
    assert known.extended([entry("Sparse-Attention", 1, "2501.9")]) is None  # featured before
    assert known.extended([entry("Sparse Attention, Revised", 3, "2501.1")]) is None  # same id
    assert known.extended([entry("Dense retrieval!", 3)]) is None  # the same title key


def _papers(papers: list[Paper]) -> set:
    return {(p.key, p.slug, p.dates) for p in papers}


@given(st.binary(max_size=400))
def test_decode_and_parse_raise_only_digest_errors(data):
    try:
        parse_digest(data, "2025-03-14.txt")
    except DigestError:
        pass


@given(st.text(max_size=400))
def test_export_parser_raises_only_digest_errors(body):
    try:
        read_export(body, "x.txt", Dates(given=dt.date(2025, 3, 14)))
    except DigestError:
        pass


@given(st.binary(max_size=200))
def test_decode_gives_text_without_carriage_returns(data):
    try:
        assert "\r" not in decode(data, "x.txt")
    except DigestError:
        pass


@given(st.text(max_size=300), st.sampled_from(["export", "hf-api", "arxiv-jsonl",
                                               "arxiv-atom", "simple"]))
@settings(max_examples=150)
def test_every_reader_raises_only_digest_errors(body, fmt):
    try:
        parse_digest(body.encode("utf-8", "surrogatepass"), "2025-03-14.txt",
                     fmt=fmt)
    except DigestError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["paper", "title", "summary", "authors", "id",
                                       "abstract", "papers", "date", "upvotes"]),
                      children, max_size=5),
    max_leaves=20)


@given(json_values)
@settings(max_examples=150)
def test_json_shapes_raise_only_digest_errors(value):
    import json

    try:
        parse_digest(json.dumps(value).encode(), "2025-03-14.json")
    except DigestError:
        pass
