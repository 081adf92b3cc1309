"""Read a digest: bytes -> text -> a Digest of raw entries, or a DigestError.

The Daily Papers page export is the text a browser copies from the page: a few header
lines, a date line without a year ("Mar 11"), then blocks separated by blank lines that
alternate title, abstract, title, abstract. Titles and abstracts are paired by that
blank-line structure, never by line length.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from generator.errors import DigestError
from generator.model import Digest, Entry

# --- bytes to text ----------------------------------------------------------------------


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 when it decodes cleanly; never a guess
    that could silently corrupt text. Line endings become \\n."""
    if b"\x00" in data:
        raise DigestError(source, "this is a binary file, not a text digest")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DigestError(
                source,
                f"not UTF-8 (invalid byte at offset {utf8_error.start}) and not Windows-1252 "
                "either; save the file as UTF-8",
            ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- dates ------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_DATE_LINE_RE = re.compile(
    r"^(?:published on\s+)?(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r"\s+(?P<day>\d{1,2})(?:(?:st|nd|rd|th)?,?\s+(?P<year>\d{4}))?$",
    re.I,
)
_NAME_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def date_from_name(name: str, source: str | None = None) -> dt.date | None:
    """The YYYY-MM-DD date in a file name, if there is one."""
    m = _NAME_DATE_RE.search(name)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise DigestError(source or name, f"the file name has an impossible date {m[0]}") from None


def parse_date_option(value: str) -> dt.date:
    """--date YYYY-MM-DD; ValueError with a readable message otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--date {value!r} is not a date of the form YYYY-MM-DD") from None


# --- the Daily Papers page export -------------------------------------------------------

# Header lines seen in real exports; compared lower-cased with whitespace folded.
HEADER_LINES = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "byak and the research community",
    "by ak and the research community",
    "daily papers",
}
# No real title is anywhere near this long; a longer "title" means the pairing slipped
# (an abstract is missing above it) and every following pair would be wrong.
MAX_TITLE_CHARS = 500


@dataclass(frozen=True)
class _Block:
    line: int  # 1-based line of the block's first line
    text: str  # the block's lines joined by spaces


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append(_Block(start, " ".join(current)))
            current = []
    if current:
        blocks.append(_Block(start, " ".join(current)))
    return blocks


def _is_header(text: str) -> bool:
    return " ".join(text.lower().split()) in HEADER_LINES


def parse_export(
    text: str, source: str, *, given_date: dt.date | None = None,
    name_date: dt.date | None = None,
) -> Digest:
    """Parse a Daily Papers page export into a Digest of raw entries.

    ``given_date`` comes from --date, ``name_date`` from the file name; the date line in
    the file (month and day, rarely a year) must agree with them.
    """
    blocks = _blocks(text)
    if not blocks:
        raise DigestError(source, "the file is empty")

    # The header: known header lines, then an optional date line. A date line further
    # down (after header lines we have not seen before) still marks the header's end.
    body_start = 0
    date_block: _Block | None = None
    for i, block in enumerate(blocks[:10]):
        if _DATE_LINE_RE.match(block.text):
            date_block, body_start = block, i + 1
            break
    if date_block is None:
        while body_start < len(blocks) and _is_header(blocks[body_start].text):
            body_start += 1

    date = _resolve_date(source, date_block, given_date, name_date)

    body = blocks[body_start:]
    if not body:
        raise DigestError(
            source, "no papers found: a Daily Papers export lists titles and abstracts "
            "after its header", line=blocks[-1].line)
    entries = []
    for i in range(0, len(body), 2):
        title = body[i]
        if len(title.text) > MAX_TITLE_CHARS:
            raise DigestError(
                source, f"expected a title, found a paragraph of {len(title.text)} characters; "
                "is an abstract or a blank line missing above it?", line=title.line)
        if i + 1 >= len(body):
            raise DigestError(
                source, f"the title {_short(title.text)!r} has no abstract after it "
                "(is the file cut off?)", line=title.line)
        entries.append(Entry(title=title.text, abstract=body[i + 1].text, date=date,
                             source=source, line=title.line))
    return Digest(source=source, date=date, entries=tuple(entries))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _resolve_date(source: str, date_block: _Block | None, given: dt.date | None,
                  from_name: dt.date | None) -> dt.date:
    if given and from_name and given != from_name:
        raise DigestError(source, f"--date {given} contradicts the date {from_name} in the "
                          "file name")
    known = given or from_name
    how = "--date" if given else "the file name"
    if date_block is None:
        if known is None:
            raise DigestError(source, "the export has no date line and no date was given: "
                              "pass --date YYYY-MM-DD or put the date in the file name "
                              "(e.g. 2025-03-11.txt)")
        return known

    m = _DATE_LINE_RE.match(date_block.text)
    assert m is not None
    month, day = _MONTHS[m["month"][:3].lower()], int(m["day"])
    year = int(m["year"]) if m["year"] else None
    if known is None:
        if year is None:
            raise DigestError(source, f"the date line {date_block.text!r} has no year: pass "
                              "--date YYYY-MM-DD or put the date in the file name "
                              "(e.g. 2025-03-11.txt)", line=date_block.line)
        known = _date(source, date_block, year, month, day)
        how = "the date line"
    if (known.month, known.day) != (month, day) or (year and year != known.year):
        raise DigestError(source, f"the date line {date_block.text!r} contradicts the date "
                          f"{known} from {how}", line=date_block.line)
    return known


def _date(source: str, block: _Block, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DigestError(source, f"the date line {block.text!r} is not a real date",
                          line=block.line) from None
