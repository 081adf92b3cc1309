"""Citations of a paper (generator/cite.py) as the tools that read them parse them:
bibtexparser for BibTeX, the RIS tags, CSL-JSON's names and dates, COinS' OpenURL."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import bibtexparser

from generator import cite
from generator.model import Metadata, Paper

LLAMA = Paper(key="llama", slug="the-llama-3-herd-of-models", title="The Llama 3 Herd of Models",
              abstract="We present $\\alpha$-scaled models with 50% & more {braces}.",
              dates=(dt.date(2024, 7, 31), dt.date(2024, 8, 1)),
              meta=Metadata(authors=("Abhimanyu Dubey", "Abhinav Jauhri", "Meta"),
                            arxiv_id="2407.21783"))
PLAIN = Paper(key="plain", slug="a-100-percent-title", title="A 100% {weird} title_with $x^2$",
              abstract="Short.", dates=(dt.date(2025, 3, 14),))


def _parse_bibtex(text: str) -> list[dict]:
    parser = bibtexparser.bparser.BibTexParser(common_strings=True)
    return bibtexparser.loads(text, parser=parser).entries


def test_bibtex_parses_with_its_fields():
    (entry,) = _parse_bibtex(cite.bibtex(LLAMA))
    assert entry["ID"] == "2407.21783"
    assert entry["ENTRYTYPE"] == "misc"
    assert entry["author"] == "Abhimanyu Dubey and Abhinav Jauhri and Meta"
    assert entry["eprint"] == "2407.21783" and entry["archiveprefix"] == "arXiv"
    assert entry["url"] == "https://arxiv.org/abs/2407.21783"
    assert entry["year"] == "2024"


def test_bibtex_escapes_what_would_break_it_and_gives_math_as_text():
    (entry,) = _parse_bibtex(cite.bibtex(PLAIN, "https://example.org/digest/"))
    assert entry["title"] == r"{A 100\% \{weird\} title\_with x^2}".replace("^", r"\textasciicircum{}")
    assert entry["url"] == "https://example.org/digest/papers/a-100-percent-title/"


def test_a_bibliography_has_one_entry_per_paper_with_distinct_keys():
    twin = Paper(key="twin", slug="llama-again", title="Llama again", abstract="",
                 dates=(dt.date(2024, 8, 2),), meta=Metadata(arxiv_id="2407.21783"))
    entries = _parse_bibtex(cite.bibliography([LLAMA, PLAIN, twin]))
    assert [e["ID"] for e in entries] == ["2407.21783", "a-100-percent-title",
                                          "2407.21783-llama-again"]
    assert cite.bibliography([]) == ""


def _ris_tags(text: str) -> list[tuple[str, str]]:
    lines = text.splitlines()
    assert all(len(line) >= 6 and line[2:6] == "  - " for line in lines), text
    return [(line[:2], line[6:]) for line in lines]


def test_ris_has_one_record_with_its_tags_in_order():
    tags = _ris_tags(cite.ris(LLAMA))
    assert tags[0] == ("TY", "PREPRINT") and tags[-1] == ("ER", "")
    assert [v for t, v in tags if t == "AU"] == ["Abhimanyu Dubey", "Abhinav Jauhri", "Meta"]
    found = dict(tags)
    assert found["TI"] == "The Llama 3 Herd of Models"
    assert found["PY"] == "2024" and found["DA"] == "2024/07/31"
    assert found["UR"] == "https://arxiv.org/abs/2407.21783"
    assert found["AB"] == "We present \u03b1-scaled models with 50% & more {braces}."  # math as text


def test_ris_keeps_each_field_on_one_line():
    paper = Paper(key="x", slug="x", title="Two\nlines", abstract="One\n\ntwo", dates=(dt.date(2025, 1, 2),))
    tags = _ris_tags(cite.ris(paper))
    assert dict(tags)["TI"] == "Two lines" and dict(tags)["AB"] == "One two"
    assert tags[0] == ("TY", "GEN")


def test_csl_names_dates_and_ids():
    item = cite.csl(LLAMA)
    assert item["id"] == "2407.21783" and item["type"] == "article"
    assert item["author"] == [{"family": "Dubey", "given": "Abhimanyu"},
                              {"family": "Jauhri", "given": "Abhinav"}, {"literal": "Meta"}]
    assert item["issued"] == {"date-parts": [[2024, 7, 31]]}
    assert item["DOI"] == "10.48550/arXiv.2407.21783"
    assert "URL" not in cite.csl(PLAIN)  # no arXiv id and no site_url: no address to give


def test_coins_is_an_openurl_context_object():
    fields = parse_qs(cite.coins(LLAMA))
    assert fields["ctx_ver"] == ["Z39.88-2004"]
    assert fields["rft.atitle"] == ["The Llama 3 Herd of Models"]
    assert fields["rft.au"] == ["Abhimanyu Dubey", "Abhinav Jauhri", "Meta"]
    assert fields["rft_id"] == ["info:arxiv/2407.21783"]
    assert parse_qs(cite.coins(PLAIN, "https://example.org/d/"))["rft_id"] == [
        "https://example.org/d/papers/a-100-percent-title/"]
    many = Paper(key="m", slug="m", title="M", abstract="", dates=(dt.date(2025, 1, 1),),
                 meta=Metadata(authors=tuple(f"Author {i}" for i in range(533))))
    assert len(parse_qs(cite.coins(many))["rft.au"]) == cite.COINS_AUTHORS
