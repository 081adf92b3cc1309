"""Read a digest: bytes -> text -> a Digest of raw entries, or a DigestError.

The input formats are one registry, `FORMATS` (at the end of this module): each reader
declares its name, the extension its digests are stored with, `detect()` and `read()`.
The command line's `--format` choices, the stored names and the detection order derive
from it. Adding a format: one reader here, a line in `FORMATS`, and fixtures.

A file is all or nothing: one bad entry refuses the whole file, with the entry named.

The Daily Papers page export is the text a browser copies from the page: a few header
lines, a date line without a year ("Mar 11"), then blocks separated by blank lines that
alternate title, abstract, title, abstract. Titles and abstracts are paired by that
blank-line structure, never by line length.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath

import yaml

from generator.cache import key
from generator.errors import DigestError
from generator.model import Digest, Entry, Link, Metadata, digest_from_data, digest_to_data
from generator.normalize import clean_text, extract_links, normalize
from generator.parallel import DEFAULT, Tuning, Worker

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
_MONTH = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_PREFIX = r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:published on\s+)?"
_DATE_LINE_RES = (  # "Mar 11", "March 11, 2025", "Tue, Mar 11", "11 March 2025"
    re.compile(_PREFIX + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$",
               re.I),
    re.compile(_PREFIX + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH
               + r"(?:,?\s+(?P<year>\d{4}))?$", re.I),
)


def _date_line(text: str) -> re.Match[str] | None:
    for pattern in _DATE_LINE_RES:
        m = pattern.match(text.strip())
        if m:
            return m
    return None
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


@dataclass(frozen=True)
class Dates:
    """The dates known for a digest before it is read: from --date and the file name."""

    given: dt.date | None = None
    from_name: dt.date | None = None

    def check(self, source: str) -> None:
        if self.given and self.from_name and self.given != self.from_name:
            raise DigestError(source, f"--date {self.given} contradicts the date "
                              f"{self.from_name} in the file name")

    def one(self, source: str) -> dt.date:
        """The digest's date, for formats that carry none of their own."""
        if (self.given or self.from_name) is None:
            raise DigestError(source, "no date was given: pass --date YYYY-MM-DD or put the "
                              "date in the file name (e.g. 2025-03-11.json)")
        return self.given or self.from_name


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


def read_export(text: str, source: str, dates: Dates) -> Digest:
    """Parse a Daily Papers page export into a Digest of raw entries.

    The date line in the file (month and day, rarely a year) must agree with the dates
    given (--date, the file name).
    """
    blocks = _blocks(text)
    if not blocks:
        raise DigestError(source, "the file is empty")

    # The header: known header lines, then an optional date line. A date line further
    # down (after header lines we have not seen before) still marks the header's end.
    body_start = 0
    date_block: _Block | None = None
    for i, block in enumerate(blocks[:10]):
        if _date_line(block.text):
            date_block, body_start = block, i + 1
            break
    if date_block is None:
        while body_start < len(blocks) and _is_header(blocks[body_start].text):
            body_start += 1

    date = _resolve_date(source, date_block, dates.given, dates.from_name)

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

    m = _date_line(date_block.text)
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


def _digest(source: str, date: dt.date, entries: list[Entry]) -> Digest:
    if not entries:
        raise DigestError(source, "no papers found in the file")
    return Digest(source=source, date=date, entries=tuple(entries))


def _kind(value: object) -> str:
    return {str: "string", list: "list", int: "number", float: "number", bool: "boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


# --- field helpers ----------------------------------------------------------------------

_ARXIV_ID_RE = re.compile(
    r"(?:arxiv[:/.\s]*|abs/|pdf/)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
    re.I)


def arxiv_id(value: object) -> str | None:
    """The arXiv identifier in a value (bare id, arXiv:..., an abs or pdf URL), version
    removed; None when there is none."""
    if not isinstance(value, str):
        return None
    m = _ARXIV_ID_RE.search(value.strip())
    return m.group(1) if m else None


def _literal(value: object) -> object:
    """Some archives store lists and mappings as Python reprs inside strings."""
    if isinstance(value, str) and value[:1] in "[{" and value[-1:] in "]}":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


def _text(value: object, what: str, source: str, entry: int, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise DigestError(source, f"entry {entry} has no {what}")
        return ""
    if not isinstance(value, str):
        raise DigestError(source, f"entry {entry}: {what} is a {_kind(value)}, not text")
    if required and not value.strip():
        raise DigestError(source, f"entry {entry} has an empty {what}")
    return value


def _names(value: object) -> tuple[str, ...]:
    value = _literal(value)
    if isinstance(value, str):
        items = re.split(r",| and ", value)
    elif isinstance(value, list):
        items = [item.get("name") if isinstance(item, dict) else item for item in value]
    else:
        return ()
    # A name has a letter or digit: listings split "Team X: A, B" into "Team X", ":", ...
    return tuple(name.strip() for name in items
                 if isinstance(name, str) and any(c.isalnum() for c in name))


def _int(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "", True, False) else None
    except (TypeError, ValueError):
        return None


def _url(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and re.match(r"https?://\S+$",
                                                                value.strip()) else None


def _strings(value: object) -> tuple[str, ...]:
    value = _literal(value)
    if isinstance(value, list):
        return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())
    return ()


# --- readers ----------------------------------------------------------------------------


def read_hf_api(text: str, source: str, dates: Dates) -> Digest:
    data = json.loads(text)
    items = data.get("papers") if isinstance(data, dict) else data
    date = dates.one(source)
    entries = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise DigestError(source, f"entry {i} is a {_kind(item)}, not an object: a Daily "
                              "Papers API response is a list of papers")
        inner = _literal(item.get("paper"))
        inner = inner if isinstance(inner, dict) else {}

        def get(key: str, inner=inner, item=item) -> object:
            # Newer schemas put some keys at the top level, older tools inside `paper`.
            value = inner.get(key)
            return item.get(key) if value in (None, "", [], {}) else value

        organization = _literal(get("organization"))
        if isinstance(organization, dict):
            organization = organization.get("fullname") or organization.get("name")
        entries.append(Entry(
            title=_text(get("title"), "title", source, i, required=True),
            abstract=_text(get("summary"), "summary", source, i),
            date=date, source=source, line=i,
            meta=Metadata(
                authors=_names(get("authors")),
                arxiv_id=arxiv_id(get("id")),
                upvotes=_int(get("upvotes")),
                github_repo=_url(get("githubRepo")),
                github_stars=_int(get("githubStars")),
                project_page=_url(get("projectPage")),
                ai_summary=_text(get("ai_summary"), "ai_summary", source, i) or None,
                ai_keywords=_strings(get("ai_keywords")),
                organization=organization if isinstance(organization, str) else None,
            ),
        ))
    return _digest(source, date, entries)


def read_arxiv_jsonl(text: str, source: str, dates: Dates) -> Digest:
    date = dates.one(source)
    entries, seen = [], set()
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise DigestError(source, f"not valid JSON: {e.msg}", line=number) from None
        if not isinstance(item, dict):
            raise DigestError(source, f"a {_kind(item)}, not an object", line=number)
        identifier = arxiv_id(item.get("id"))
        if identifier in seen:
            continue  # listings repeat cross-listed papers verbatim
        if identifier:
            seen.add(identifier)
        entries.append(Entry(
            title=_text(item.get("title"), "title", source, number, required=True),
            abstract=_text(item.get("summary") or item.get("abstract"), "summary", source,
                           number),
            date=date, source=source, line=number,
            meta=Metadata(authors=_names(item.get("authors")), arxiv_id=identifier,
                          categories=_strings(item.get("categories"))),
        ))
    return _digest(source, date, entries)


def read_arxiv_atom(text: str, source: str, dates: Dates) -> Digest:
    import feedparser

    feed = feedparser.parse(text)
    if feed.bozo and not feed.entries:
        raise DigestError(source, f"not a readable Atom feed: {feed.bozo_exception}")
    date = dates.one(source)
    entries = []
    for i, item in enumerate(feed.entries, 1):
        categories = [t.get("term") for t in item.get("tags", []) if t.get("term")]
        primary = (item.get("arxiv_primary_category") or {}).get("term")
        if primary in categories:
            categories.remove(primary)
        if primary:
            categories.insert(0, primary)
        entries.append(Entry(
            title=_text(item.get("title"), "title", source, i, required=True),
            abstract=_text(item.get("summary"), "summary", source, i),
            date=date, source=source, line=i,
            meta=Metadata(authors=_names([a.get("name") for a in item.get("authors", [])]),
                          arxiv_id=arxiv_id(item.get("id") or item.get("link")),
                          categories=tuple(categories)),
        ))
    return _digest(source, date, entries)


def read_simple(text: str, source: str, dates: Dates) -> Digest:
    date = dates.given or dates.from_name
    try:
        if text.lstrip()[:1] in "[{":
            data = json.loads(text)
        else:
            # BaseLoader keeps every scalar as written: a title `no`, `null`, `1e3` or
            # `2025-05-02` stays that text instead of turning into False, None or a date.
            data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 (no object tags)
    except json.JSONDecodeError as e:
        raise DigestError(source, f"not valid JSON: {e.msg} (line {e.lineno}, column "
                          f"{e.colno})", line=e.lineno) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise DigestError(source, f"not valid YAML or JSON: {getattr(e, 'problem', e)}",
                          line=mark.line + 1 if mark else None) from None
    if isinstance(data, dict):
        if date is None and data.get("date"):
            try:
                date = dt.date.fromisoformat(str(data["date"]))
            except ValueError:
                raise DigestError(source, f"date {data['date']!r} is not YYYY-MM-DD") from None
        data = data.get("papers")
    if not isinstance(data, list):
        raise DigestError(source, "a simple digest is a list of papers, each with a title "
                          "and an abstract")
    date = Dates(date).one(source)
    entries = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise DigestError(source, f"entry {i} is a {_kind(item)}, not a mapping with a "
                              "title and an abstract")
        url = _url(item.get("url"))
        entries.append(Entry(
            title=_text(item.get("title"), "title", source, i, required=True),
            abstract=_text(item.get("abstract"), "abstract", source, i),
            date=date, source=source, line=i,
            links=(Link("Paper", url),) if url else (),
            meta=Metadata(authors=_names(item.get("authors")),
                          arxiv_id=arxiv_id(item.get("arxiv_id"))),
        ))
    return _digest(source, date, entries)


# --- the registry of input formats ------------------------------------------------------


class Sniff:
    """What detection looks at: the text, its start, and (parsed once, when a reader
    asks) the JSON it holds."""

    _INVALID = object()

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        self.head = text.lstrip()
        self.json_error: json.JSONDecodeError | None = None
        self._json = None

    @property
    def json(self) -> object:
        """The parsed JSON, or Sniff._INVALID (json_error says why)."""
        if self._json is None:
            try:
                self._json = json.loads(self.text) if self.head[:1] in "[{" else self._INVALID
            except json.JSONDecodeError as e:
                self.json_error, self._json = e, self._INVALID
        return self._json

    def papers(self) -> list | None:
        """The JSON's list of papers (a top-level list, or a mapping's `papers`)."""
        data = self.json
        items = data.get("papers") if isinstance(data, dict) else data
        return items if isinstance(items, list) and items else None

    def first_paper(self) -> dict | None:
        items = self.papers()
        return items[0] if items and isinstance(items[0], dict) else None


@dataclass(frozen=True)
class Format:
    name: str  # as --format takes it
    extension: str  # stored digests get it (add names them DATE-HASH.EXT)
    detect: Callable[[Sniff], bool]  # tried in the registry's order
    read: Callable[[str, str, Dates], Digest]  # (text, source, dates) -> Digest
    description: str
    also: tuple[str, ...] = ()  # other extensions read from digests/


def _is_atom(s: Sniff) -> bool:
    return s.head.startswith("<") and re.search(r"<feed[\s>]", s.head[:2000]) is not None


def _is_hf_api(s: Sniff) -> bool:
    first = s.first_paper()
    return first is not None and ("paper" in first or "summary" in first)


def _is_jsonl(s: Sniff) -> bool:
    if not s.head.startswith("{"):
        return False
    if s.json is Sniff._INVALID:
        return "\n{" in s.head  # several objects, one per line
    # One line, one object: a listing day of one paper, named as JSON lines.
    return (s.source.lower().endswith(".jsonl") and isinstance(s.json, dict)
            and "papers" not in s.json and "title" in s.json)


def _is_simple(s: Sniff) -> bool:
    if s.head[:1] in "[{":
        return s.first_paper() is not None
    return re.match(r"(?:#[^\n]*\n|\s)*(?:- |date:|papers:)", s.text) is not None


def _is_export(s: Sniff) -> bool:
    return not s.head.startswith(("<", "[", "{"))


FORMATS: tuple[Format, ...] = (
    Format("arxiv-atom", ".xml", _is_atom, read_arxiv_atom,
           "an Atom feed from the arXiv API", also=(".atom",)),
    Format("hf-api", ".json", _is_hf_api, read_hf_api,
           "a Daily Papers API answer: a JSON list of featured papers (the 2024-2026 "
           "schemas: richer keys inside `paper` or at the top level)"),
    Format("arxiv-jsonl", ".jsonl", _is_jsonl, read_arxiv_jsonl,
           "arXiv listings as JSON lines (id, title, summary, authors, categories)"),
    Format("simple", ".yml", _is_simple, read_simple,
           "a hand-made JSON or YAML list of {title, abstract, authors?, url?, arxiv_id?} "
           "(or a mapping with `date` and `papers`)", also=(".yaml",)),
    Format("export", ".txt", _is_export, read_export,
           "the Daily Papers page as a browser copies it (text)"),
)
BY_NAME = {f.name: f for f in FORMATS}


def digest_suffixes() -> tuple[str, ...]:
    """The extensions of the files in digests/ that are read."""
    return tuple(dict.fromkeys(ext for f in FORMATS for ext in (f.extension, *f.also)))


def detect_format(text: str, source: str) -> str:
    """Which reader a text needs, judged by its content, not its file name: the first
    of FORMATS whose detect() accepts it."""
    sniff = Sniff(text, source)
    if not sniff.head:
        raise DigestError(source, "the file is empty")
    for fmt in FORMATS:
        if fmt.detect(sniff):
            return fmt.name
    raise DigestError(source, _why_unreadable(sniff), line=(
        sniff.json_error.lineno if sniff.json_error else None))


def _why_unreadable(s: Sniff) -> str:
    if s.head.startswith("<"):
        return "an XML or HTML file that is not an Atom feed"
    if s.json_error:
        e = s.json_error
        return f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno}); is the file cut off?"
    items = s.papers()
    if items is None:
        return "a JSON digest must be a non-empty list of papers"
    return (f"entry 1 is a {_kind(items[0])}, not an object: a digest is a list of papers "
            "with a title each")


def parse(text: str, source: str, *, fmt: str | None = None, dates: Dates = Dates()
          ) -> Digest:
    """Parse a digest of any format into a Digest of raw entries, or raise DigestError."""
    reader = BY_NAME[fmt or detect_format(text, source)]
    dates.check(source)
    try:
        return reader.read(text, source, dates)
    except DigestError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        # A file forced into the wrong format (or a shape no reader expects) is refused
        # like any other bad file, never with a traceback.
        raise DigestError(source, f"not a readable {reader.name} file ({type(e).__name__}: "
                          f"{e})") from None


# --- the read stage: stored files -> normalized digests ---------------------------------


def parse_digest(data: bytes, source: str, given_date: dt.date | None = None,
                 fmt: str | None = None) -> Digest:
    """Bytes of one digest file -> a Digest of normalized entries, or DigestError.

    `source` is the path as the user gave it (errors name it); the date may come from
    the file's name; the format from the content unless `fmt` forces one."""
    text = decode(data, source)
    dates = Dates(given_date, date_from_name(PurePath(source).name, source))
    digest = parse(text, source, fmt=fmt, dates=dates)
    return replace(digest, entries=tuple(_normalize_entry(e) for e in digest.entries))


def _normalize_entry(entry: Entry) -> Entry:
    title, abstract = normalize(entry.title), normalize(entry.abstract)
    if not title:
        raise DigestError(entry.source, f"entry {entry.line} has an empty title")
    meta = entry.meta
    meta = replace(
        meta,
        authors=tuple(a for a in (clean_text(n) for n in meta.authors) if a),
        ai_summary=normalize(meta.ai_summary) if meta.ai_summary else None,
        ai_keywords=tuple(k for k in (clean_text(w) for w in meta.ai_keywords) if k),
        organization=clean_text(meta.organization) if meta.organization else None,
    )
    return replace(entry, title=title, abstract=abstract, meta=meta,
                   links=entry.links + extract_links(abstract))


def digest_names(files: list[tuple[str, bytes]]) -> list[str]:
    """The name each digest file of (name, bytes) is cached under: its name and bytes."""
    return [key(name, data) for name, data in files]


def read_digests(files: list[tuple[str, bytes]], table=None, meanwhile=lambda: None,
                 tuning: Tuning = DEFAULT, names: list[str] | None = None,
                 skip: frozenset[str] = frozenset()
                 ) -> tuple[dict[str, Digest], list[DigestError]]:
    """Every digest of (name, bytes) that parses, by its digest_names; the others become
    errors, never a stop. With a cache table, a file parsed before (same name, same
    bytes) is not parsed again. Those whose names are in `skip` are not read at all
    (their merged papers are known) but kept in the table. `meanwhile()` is called
    while the files are parsed, which a forked worker does from
    `tuning.parse_apart_from` bytes on (a first build loads the topic model meanwhile)."""
    names = names or digest_names(files)
    wanted = [(name, file) for name, file in zip(names, files, strict=True) if name not in skip]
    for name in skip if table else ():
        table.keep(name)
    known = [table.get(name) if table else None for name, _ in wanted]
    todo = [file for (_, file), answer in zip(wanted, known, strict=True) if answer is None]
    if sum(len(data) for _, data in todo) >= tuning.parse_apart_from and tuning.apart:
        worker = Worker(tuning)
        _, results = worker.alongside(worker.submit(_parse_files, todo), meanwhile)
    else:
        results = _parse_files(todo)
        meanwhile()
    parsed = iter(results)
    digests, errors = {}, []
    for (name, _), answer in zip(wanted, known, strict=True):
        if answer is not None:
            digests[name] = digest_from_data(answer)
            continue
        digest = next(parsed)
        if isinstance(digest, DigestError):
            errors.append(digest)
            continue
        digests[name] = digest
        if table:
            table.put(name, digest_to_data(digest))
    return digests, errors


def _parse_files(files: list[tuple[str, bytes]]) -> list[Digest | DigestError]:
    """(name, bytes) of digest files -> for each, its Digest or what is wrong with it."""
    out: list[Digest | DigestError] = []
    for name, data in files:
        try:
            out.append(parse_digest(data, name))
        except DigestError as e:
            out.append(e)
    return out
