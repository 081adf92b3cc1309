"""Normalization of scraped text, dedupe keys, slugs and merging."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.dedupe import merge
from generator.model import Entry
from generator.normalize import (base_slug, extract_links, math_as_text, normalize,
                                 split_math, title_key)


@pytest.mark.parametrize("raw, shown", [
    (r"25--39\% of M\'elange and na\"ive", "25\u201339% of M\u00e9lange and na\u00efve"),
    (r"\textbf{Varco Arena} wins", "Varco Arena wins"),
    (r"at URL {\bf https://huggingface.co/clarin-knext}.", "at URL https://huggingface.co/clarin-knext."),
    (r"2.4\times faster \eg here", "2.4\u00d7 faster e.g. here"),
    (r"sim50\% less", "sim50% less"),
    (r"keeps $5.18\times$ math", r"keeps $5.18\times$ math"),
    ("50% of <EOS> & <projektor>, a*b*c {{ 7*7 }} {% x %}",
     "50% of <EOS> & <projektor>, a*b*c {{ 7*7 }} {% x %}"),
    ("(<600M MACs) <subject, relationship, object>", "(<600M MACs) <subject, relationship, object>"),
    ("Mr.~TyDi", "Mr. TyDi"),
    ("line\nbreaks\t and  spaces", "line breaks and spaces"),
    ("ctrl\x00\x07chars\u200b kept", "ctrlchars\u200b kept"),
    ("e\u0301 composed", "\u00e9 composed"),
    (r"an \unknownmacro stays", r"an \unknownmacro stays"),
    (r"see \url{https://x.org/a\_b}", "see https://x.org/a_b"),
    # \href: the label and the address, or the address once when the label is it; in
    # math too (arXiv shows $\href{...}{...}$ as a link, KaTeX only as an error).
    (r"code: \href{https://github.com/a/b}{here}.", "code: here (https://github.com/a/b)."),
    (r"at \href{https://github.com/a/b}{https://github.com/a/b}.", "at https://github.com/a/b."),
    (r"at \href{https://github.com/a/b} {https://github.com/a/b/}", "at https://github.com/a/b"),
    (r"at: $\href{https://a.io/x/}{\text{this https URL}}$.",
     "at: this https URL (https://a.io/x/)."),
    (r"here: \(\href{https://a.io/x/}{https://a.io/x/}\). $x^2$",
     "here: https://a.io/x/. $x^2$"),
    (r"code $\url{https://a.io/x}$", "code https://a.io/x"),
    (r"Biofouling$\unicode{x2013}$communities", "Biofouling\u2013communities"),
])
def test_normalize(raw, shown):
    assert normalize(raw) == shown


def test_smart_dollars_are_not_math():
    assert split_math("costs $5 and $10") == [("text", "costs $5 and $10")]
    assert split_math("from $5-$10 each") == [("text", "from $5-$10 each")]


def test_math_glued_to_words_is_math():
    """Abstracts write 3.7$\\times$ and $\\sim$9k: math that starts with a command."""
    text = r"of $\sim$9k samples, a 3.7$\times$ speedup, ($\cos(a, b) = 0.8$)."
    assert normalize(text) == text
    assert [s for kind, s in split_math(text) if kind == "inline"] == [
        r"\sim", r"\times", r"\cos(a, b) = 0.8"]
    assert split_math("a $x<y$ b $$z$$") == [
        ("text", "a "), ("inline", "x<y"), ("text", " b "), ("display", "z")]


def test_math_as_text_reads_math_plainly():
    assert math_as_text(r"up to 512$\times$512, $\mathcal{O}(n^2)$, $\frac{1}{2}$ and $\alpha$") \
        == "up to 512×512, O(n^2), 1/2 and α"
    assert math_as_text(r"solving $7 \times 6$ and $a \le b$") == "solving 7 × 6 and a ≤ b"
    assert math_as_text(r"$A^{3/2}$ and $B_{M-1}$ and $x^{2}$") == "A^(3/2) and B_(M-1) and x^2"
    assert math_as_text(r"with $\projectname$ and $5 and $10") == r"with \projectname and $5 and $10"


def test_links_are_extracted_and_labelled():
    links = extract_links("Code at https://github.com/a/b. Page: https://a.io/p (see "
                          "https://huggingface.co/x), again https://github.com/a/b")
    assert [(link.label, link.url) for link in links] == [
        ("Code", "https://github.com/a/b"),
        ("Project page", "https://a.io/p"),
        ("Hugging Face", "https://huggingface.co/x"),
    ]


def test_only_http_urls_are_links():
    assert extract_links("javascript:alert(1) and ftp://x.org/y and data:text/html,hi") == ()


def test_title_key_ignores_case_whitespace_and_final_punctuation():
    assert title_key("Attention Is All You Need.") == title_key("attention  is all you need")
    assert title_key("A?") != title_key("B?")


@pytest.mark.parametrize("title, slug", [
    ("BEIR-PL: Zero Shot Information Retrieval", "beir-pl-zero-shot-information-retrieval"),
    ("../../etc/passwd", "etc-passwd"),
    ("Caf\u00e9 \u00fcber Na\u00efve", "cafe-uber-naive"),
    ("\u65e5\u672c\u8a9e", ""),
])
def test_base_slug(title, slug):
    assert base_slug(title) == slug


def test_long_titles_cut_at_a_word():
    slug = base_slug("word " * 40)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.endswith("word")


def _entry(title, day, abstract="An abstract.", source="a.txt"):
    return Entry(title=title, abstract=abstract, date=day, source=source, line=1)


def test_merge_keeps_every_date_and_the_richest_abstract():
    d1, d2 = dt.date(2025, 3, 11), dt.date(2025, 3, 14)
    papers = merge([_entry("Same Paper", d2, "short"), _entry("same paper.", d1, "longer one"),
                    _entry("Other", d1)])
    same = next(p for p in papers if p.key == "same paper")
    assert same.dates == (d1, d2)
    assert same.title == "same paper."  # the first spelling: other case is no revision
    assert same.abstract == "longer one"
    assert [p.slug for p in papers] == ["same-paper", "other"]  # newest first


def test_slug_collisions_keep_the_first_paper_and_do_not_depend_on_order():
    d1, d2 = dt.date(2025, 3, 11), dt.date(2025, 3, 14)
    entries = [_entry("Foo: Bar", d1), _entry("Foo Bar", d2), _entry("\u65e5\u672c", d2)]
    forward = {p.key: p.slug for p in merge(entries)}
    backward = {p.key: p.slug for p in merge(list(reversed(entries)))}
    assert forward == backward
    assert forward["foo: bar"] == "foo-bar"
    assert forward["foo bar"].startswith("foo-bar-") and len(forward["foo bar"]) == 16
    assert forward["\u65e5\u672c"].startswith("paper-")
    # The first paper keeps its URL when the colliding one arrives later.
    assert {p.slug for p in merge(entries[:1])} == {"foo-bar"}
