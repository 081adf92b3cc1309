"""The Daily Papers export parser: header variants, dates, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import FIXTURES
from generator.errors import DigestError
from generator.ingest import Dates, decode, read_export
from generator.ingest import parse_digest

EXPORTS = FIXTURES / "exports"
MAR14 = dt.date(2025, 3, 14)


def parse(name: str, *, given=None, name_date=None):
    text = decode((EXPORTS / name).read_bytes(), name)
    return read_export(text, name, Dates(given, name_date))


def test_header_byak_with_date_line():
    digest = parse("header-byak.txt", name_date=MAR14)
    assert digest.date == MAR14
    assert [e.title for e in digest.entries] == [
        "Efficient and robust approximate nearest neighbor search using Hierarchical "
        "Navigable Small World graphs",
        digest.entries[1].title,
    ]
    assert len(digest.entries) == 2
    assert digest.entries[0].line == 11
    assert digest.entries[0].abstract.startswith("We present a new approach")


def test_header_daily_papers_variant():
    digest = parse("header-daily-papers.txt", name_date=MAR14)
    assert len(digest.entries) == 2
    assert not any(e.title in ("Daily Papers", "by AK and the research community")
                   for e in digest.entries)


def test_no_date_line_takes_given_date():
    digest = parse("no-date-line.txt", given=dt.date(2025, 5, 2))
    assert digest.date == dt.date(2025, 5, 2)
    assert len(digest.entries) == 2
    assert digest.entries[0].title == parse("header-daily-papers.txt",
                                            name_date=MAR14).entries[1].title


def test_date_line_with_year_needs_nothing_else():
    text = "byAK and the research community\n\nMarch 14, 2025\n\nA title\n\nAn abstract.\n"
    assert read_export(text, "x.txt", Dates()).date == MAR14


def test_crlf_and_bom_are_read():
    digest = parse("crlf-bom.txt", name_date=MAR14)
    assert len(digest.entries) == 1
    assert "\r" not in digest.entries[0].abstract


def test_latin1_file_is_decoded():
    data = "new\n\nMar 14\n\nCaf\u00e9 models\n\nNa\u00efve abstract.\n".encode("cp1252")
    digest = read_export(decode(data, "l1.txt"), "l1.txt", Dates(from_name=MAR14))
    assert digest.entries[0].title == "Caf\u00e9 models"


@pytest.mark.parametrize("name, kwargs, message", [
    ("empty.txt", {"given": MAR14}, "empty.txt: the file is empty"),
    ("header-only.txt", {"given": MAR14},
     "header-only.txt:9: no papers found: a Daily Papers export lists titles and abstracts "
     "after its header"),
    ("truncated.txt", {"given": MAR14},
     "truncated.txt:15: the title 'Scaling Large Language Model Training on Frontier with Low-"
     "\u2026' has no abstract after it (is the file cut off?)"),
    ("no-date-line.txt", {},
     "no-date-line.txt: the export has no date line and no date was given: pass --date "
     "YYYY-MM-DD or put the date in the file name (e.g. 2025-03-11.txt)"),
    ("undated-no-year.txt", {},
     "undated-no-year.txt:9: the date line 'Mar 14' has no year: pass --date YYYY-MM-DD or "
     "put the date in the file name (e.g. 2025-03-11.txt)"),
    ("header-byak.txt", {"name_date": dt.date(2025, 3, 11)},
     "header-byak.txt:9: the date line 'Mar 14' contradicts the date 2025-03-11 from the "
     "file name"),
    ("header-byak.txt", {"given": dt.date(2025, 3, 15)},
     "header-byak.txt:9: the date line 'Mar 14' contradicts the date 2025-03-15 from --date"),
    ("header-byak.txt", {"given": dt.date(2025, 3, 15), "name_date": MAR14},
     "header-byak.txt: --date 2025-03-15 contradicts the date 2025-03-14 in the file name"),
])
def test_refusals_name_file_line_and_reason(name, kwargs, message):
    with pytest.raises(DigestError) as raised:
        parse(name, **kwargs)
    assert str(raised.value) == message


def test_slipped_pairing_is_refused():
    long = "word " * 150
    text = f"Mar 14\n\nTitle one\n\n{long}\n\n{long}\n\nshort\n"
    with pytest.raises(DigestError, match=r"^x.txt:7: expected a title, found a paragraph"):
        read_export(text, "x.txt", Dates(from_name=MAR14))


def test_binary_file_is_refused():
    with pytest.raises(DigestError, match="binary file"):
        decode(b"\x89PNG\x00\x00", "image.png")


def test_impossible_date_in_file_name():
    with pytest.raises(DigestError, match="impossible date 2025-02-30"):
        parse_digest(b"Feb 30\n\nT\n\nA\n", "2025-02-30.txt")


def test_parse_digest_normalizes_entries():
    digest = parse_digest((EXPORTS / "hostile.txt").read_bytes(), "2025-03-14-hostile.txt")
    first = digest.entries[0]
    assert first.title == "Attention: <script>alert(1)</script> & {{ 7*7 }} is *all* you need"
    assert "M\u00e9lange at 25\u201339% cost" in first.abstract
    assert "$5.18\\times$" in first.abstract
    assert [link.url for link in first.links] == ["https://github.com/example/hostile_repo"]
    assert digest.entries[1].title == "no"


@pytest.mark.parametrize("line", ["Mar 14", "March 14", "Mar. 14", "Fri, Mar 14", "14 Mar",
                                  "14 March 2025", "March 14th, 2025", "Published on Mar 14"])
def test_date_line_variants(line):
    text = f"Daily Papers\n\nby AK and the research community\n\n{line}\n\nA title\n\nAn abstract.\n"
    digest = read_export(text, "x.txt", Dates(from_name=MAR14))
    assert digest.date == MAR14 and [e.title for e in digest.entries] == ["A title"]
