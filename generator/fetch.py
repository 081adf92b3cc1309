"""`paper-digest fetch`: the digest's sources, day by day, into digests/.

The sources are one registry, `SOURCES`: each declares its name (as mkdocs.yml and
`--source` name it), its options with their defaults, the input format its days are
stored in, and `fetch_day()`, which returns one day's papers as the text to store. Every
day of every source is one stored file, `digests/YYYY-MM-DD-SOURCE.EXT`: a newer
snapshot replaces the older one, and the same answer upstream changes nothing.

On the network: a timeout on every request; retries with backoff on connection errors,
429 and 5xx, honouring Retry-After; a pause between requests where a source asks for one
(arXiv: one request every 3 s); a User-Agent naming paper-digest; paging followed to the
end. A day whose answer is bad (not JSON, cut off, not a list of papers, an error that
lasts) is reported with the source, date, URL and status, and nothing of it is stored.

A record of every fetch, `fetches.json` beside mkdocs.yml, is committed with the
digests: for each source and day, when it was last fetched and how many papers came,
that it had none, or the error. The updates page shows it to readers. Only this module
touches the network; `build` and `serve` never do.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__, ingest, store
from generator.errors import DigestError, PaperDigestError

USER_AGENT = f"paper-digest/{__version__} (+https://pypi.org/project/paper-digest/)"
RECORD_FILE = "fetches.json"


class FetchError(PaperDigestError):
    """One day of one source could not be fetched; the message names source, day, URL
    and status."""


# --- HTTP -------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure worth another try: a connection error, 429 or 5xx."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Client:
    """One source's HTTP client: timeouts, retries with backoff, its pace."""

    def __init__(self, options: dict):
        import httpx

        self.options = options
        self.http = httpx.Client(timeout=options["timeout"], follow_redirects=True,
                                 headers={"User-Agent": USER_AGENT})
        self._last = 0.0

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, params: dict, where: str) -> tuple[str, str]:
        """(the answer's text, the URL asked) of a GET; FetchError when it fails after
        the retries, naming `where` (source and day)."""
        import httpx
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

        request = self.http.build_request("GET", url, params=params)
        shown = str(request.url)
        retrying = Retrying(stop=stop_after_attempt(self.options["retries"] + 1),
                            wait=self._wait, retry=retry_if_exception_type(_Transient),
                            reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    self._pace()
                    try:
                        response = self.http.send(request)
                    except httpx.TransportError as e:  # refused, reset, timed out
                        raise _Transient(f"{type(e).__name__}: {e or 'no answer'}") from None
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _Transient(f"HTTP {response.status_code}",
                                         _retry_after(response.headers.get("Retry-After")))
                    if response.status_code != 200:
                        raise FetchError(f"{where}: {shown}: HTTP {response.status_code}")
                    return response.text, shown
        except _Transient as e:
            raise FetchError(f"{where}: {shown}: {e} (after {self.options['retries'] + 1} "
                             "tries)") from None
        raise AssertionError("unreachable")

    def _wait(self, state) -> float:
        error = state.outcome.exception()
        backoff = self.options["backoff"] * 2 ** (state.attempt_number - 1)
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, self.options["max_wait"])
        return min(backoff, self.options["max_wait"])

    def _pace(self) -> None:
        """Wait until `delay` seconds have passed since this client's last request."""
        wait = self._last + self.options["delay"] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


# --- the sources ------------------------------------------------------------------------


def _hf_daily(client: Client, options: dict, day: dt.date, where: str) -> tuple[str, int]:
    """The Daily Papers API's papers featured on `day`, every page of them."""
    url = options["endpoint"].rstrip("/") + "/api/daily_papers"
    limit = options["limit"]
    papers, seen = [], set()
    for page in range(options["max_pages"]):
        text, shown = client.get(url, {"date": day.isoformat(), "limit": limit, "p": page},
                                 where)
        try:
            items = json.loads(text)
        except json.JSONDecodeError as e:
            what = "an HTML page" if text.lstrip()[:1] == "<" else f"cut-off JSON ({e.msg})"
            raise FetchError(f"{where}: {shown}: the answer is {what}, not a list of "
                             "papers") from None
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and isinstance(i.get("paper"), dict) for i in items):
            raise FetchError(f"{where}: {shown}: the answer is not a list of papers")
        for item in items:
            identity = item["paper"].get("id") or item["paper"].get("title")
            if identity not in seen:  # pages of a list that moved overlap
                seen.add(identity)
                papers.append(item)
        if len(items) < limit:
            break
    else:
        raise FetchError(f"{where}: more than {options['max_pages']} pages of papers")
    if not papers:
        return "", 0
    return json.dumps(papers, ensure_ascii=False, indent=1, sort_keys=True) + "\n", len(papers)


def _arxiv(client: Client, options: dict, day: dt.date, where: str) -> tuple[str, int]:
    """The papers first submitted to arXiv on `day` in the source's categories, from
    the arXiv API (Atom), stored as arXiv JSON lines."""
    import feedparser

    url = options["endpoint"].rstrip("/") + "/api/query"
    stamp = day.strftime("%Y%m%d")
    categories = " OR ".join(f"cat:{c}" for c in options["categories"])
    query = f"({categories}) AND submittedDate:[{stamp}0000 TO {stamp}2359]"
    size = options["page_size"]
    papers: dict[str, dict] = {}
    start, total = 0, None
    while total is None or start < total:
        text, shown = client.get(url, {"search_query": query, "start": start,
                                       "max_results": size, "sortBy": "submittedDate",
                                       "sortOrder": "ascending"}, where)
        feed = feedparser.parse(text)
        if feed.bozo and not feed.entries and "opensearch_totalresults" not in feed.feed:
            raise FetchError(f"{where}: {shown}: the answer is not an Atom feed")
        total = int(feed.feed.get("opensearch_totalresults", 0))
        if not feed.entries and start < total:
            raise FetchError(f"{where}: {shown}: a page came back empty before the "
                             f"{total} papers were all there")
        for entry in feed.entries:
            identifier = ingest.arxiv_id(entry.get("id"))
            if not identifier:
                continue
            tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
            primary = (entry.get("arxiv_primary_category") or {}).get("term")
            papers[identifier] = {
                "id": identifier, "title": " ".join(entry.get("title", "").split()),
                "summary": " ".join(entry.get("summary", "").split()),
                "authors": [a.get("name") for a in entry.get("authors", []) if a.get("name")],
                "categories": ([primary] if primary else []) + [t for t in tags if t != primary],
                "abs": f"https://arxiv.org/abs/{identifier}",
            }
        start += size
        if start > options["max_pages"] * size:
            raise FetchError(f"{where}: more than {options['max_pages']} pages of papers")
    text = "".join(json.dumps(papers[k], ensure_ascii=False, sort_keys=True) + "\n"
                   for k in sorted(papers))
    return text, len(papers)


@dataclass(frozen=True)
class Source:
    name: str
    fmt: str  # the ingest format its days are stored in
    fetch_day: Callable[[Client, dict, dt.date, str], tuple[str, int]]  # (text, papers)
    description: str
    options: dict = field(default_factory=dict)  # its own options and their defaults
    required: tuple[str, ...] = ()


# Options every source has.
COMMON = {"refresh_days": 7, "timeout": 30.0, "retries": 4, "backoff": 2.0,
          "max_wait": 120.0, "delay": 0.0, "max_pages": 50}

SOURCES: tuple[Source, ...] = (
    Source("hf-daily", "hf-api", _hf_daily,
           "the Hugging Face Daily Papers: the papers featured each day, with upvotes",
           {"endpoint": "https://huggingface.co", "limit": 100}),
    Source("arxiv", "arxiv-jsonl", _arxiv,
           "arXiv: the papers first submitted each day in the source's categories",
           {"endpoint": "https://export.arxiv.org", "categories": [], "page_size": 200,
            "delay": 3.0},  # arXiv asks for one request every 3 seconds
           required=("categories",)),
)
BY_NAME = {s.name: s for s in SOURCES}


def source_options(raw: object) -> dict[str, dict]:
    """The `sources` option of the plugin, checked: {name: options with defaults}.
    ValueError names the source and option that are wrong."""
    if not isinstance(raw, dict):
        raise ValueError("`sources` must map source names to their options")
    out = {}
    for name, given in raw.items():
        if name not in BY_NAME:
            raise ValueError(f"sources: unknown source {name!r} (known: "
                             f"{', '.join(BY_NAME)})")
        source = BY_NAME[name]
        given = {} if given is None else given
        if not isinstance(given, dict):
            raise ValueError(f"sources.{name}: its options must be a mapping")
        defaults = COMMON | source.options
        for key, value in given.items():
            if key not in defaults:
                raise ValueError(f"sources.{name}.{key}: no such option (options: "
                                 f"{', '.join(sorted(defaults))})")
            want = type(defaults[key])
            ok = isinstance(value, want) or (want is float and isinstance(value, int))
            if not ok or isinstance(value, bool) != isinstance(defaults[key], bool):
                raise ValueError(f"sources.{name}.{key}: expected {want.__name__}, got "
                                 f"{value!r}")
        options = defaults | given
        for key in source.required:
            if not options[key]:
                raise ValueError(f"sources.{name}.{key}: required")
        if name == "arxiv" and not all(isinstance(c, str) for c in options["categories"]):
            raise ValueError(f"sources.{name}.categories: a list of arXiv categories "
                             "such as cs.CL")
        if not str(options.get("endpoint", "http")).startswith(("http://", "https://")):
            raise ValueError(f"sources.{name}.endpoint: an http(s) URL")
        out[name] = options
    return out


# --- the record -------------------------------------------------------------------------


def load_record(root: Path) -> dict:
    """{source: {day: {"status": "ok" | "empty" | "error", "papers", "fetched",
    "error"}}} from fetches.json (empty when there is none)."""
    data = store.read_json(root / RECORD_FILE)
    return data if isinstance(data, dict) else {}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def days_to_fetch(record: dict, options: dict, today: dt.date) -> list[dt.date]:
    """Without dates: every day after the newest one fetched, up to today; the days of
    the last `refresh_days` that had papers (upvotes grow after a day is featured);
    the days that failed; and the days found empty before they were over, which may
    still fill. A day found empty later than that is a weekend or a holiday, and is not
    asked for again."""
    days = {dt.date.fromisoformat(d): r for d, r in record.items()}
    done = [d for d, r in days.items() if r.get("status") in ("ok", "empty")]
    start = max(done) + dt.timedelta(days=1) if done else today
    wanted = {start + dt.timedelta(days=i) for i in range((today - start).days + 1)}
    window = today - dt.timedelta(days=options["refresh_days"] - 1)
    for day, r in days.items():
        if r.get("error") or r.get("status") == "error":
            wanted.add(day)
        elif r.get("status") == "ok" and day >= window:
            wanted.add(day)
        elif r.get("status") == "empty" and day >= window and \
                r.get("fetched", "") < (day + dt.timedelta(days=2)).isoformat():
            wanted.add(day)
    return sorted(d for d in wanted if d <= today)


# --- fetching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    source: str
    day: dt.date
    papers: int  # 0: nothing published that day
    stored_as: Path | None  # None: nothing to store, or the same as stored
    changed: bool


def fetch(root: Path, digests_dir: Path, sources: dict[str, dict],
          days: list[dt.date] | None = None, only: str | None = None,
          today: dt.date | None = None, on_day=None) -> tuple[list[Fetched], list[FetchError]]:
    """Fetch the days of each configured source (`only`: one of them); `days` for a
    backfill, else days_to_fetch(). Each day is checked as `add` checks a file, then
    stored whole or not at all; the record is written after each day, so a run cut
    short keeps what it fetched."""
    if only is not None and only not in sources:
        raise FetchError(f"no source {only!r} in mkdocs.yml (configured: "
                         f"{', '.join(sources) or 'none'})")
    today = today or dt.datetime.now(dt.timezone.utc).date()
    record = load_record(root)
    results, errors = [], []
    for name, options in sources.items():
        if only and name != only:
            continue
        source = BY_NAME[name]
        mine = record.setdefault(name, {})
        client = Client(options)
        try:
            for day in days if days is not None else days_to_fetch(mine, options, today):
                where = f"{name} {day.isoformat()}"
                try:
                    result = _fetch_day(source, client, options, day, digests_dir, where)
                except (FetchError, DigestError) as e:
                    error = e if isinstance(e, FetchError) else FetchError(f"{where}: {e}")
                    errors.append(error)
                    entry = mine.get(day.isoformat(), {"status": "error"})
                    mine[day.isoformat()] = entry | {"error": str(error), "failed": _now()}
                else:
                    results.append(result)
                    mine[day.isoformat()] = {"status": "ok" if result.papers else "empty",
                                             "papers": result.papers, "fetched": _now()}
                store.write_json(root / RECORD_FILE, record, indent=1)
                if on_day:
                    on_day(name, day)
        finally:
            client.close()
    return results, errors


def _fetch_day(source: Source, client: Client, options: dict, day: dt.date,
               digests_dir: Path, where: str) -> Fetched:
    text, count = source.fetch_day(client, options, day, where)
    if not count:
        return Fetched(source.name, day, 0, None, False)
    name = f"{day.isoformat()}-{source.name}{ingest.BY_NAME[source.fmt].extension}"
    # The same checks as `add`: a day that would not build is not stored.
    ingest.parse_digest(text.encode("utf-8"), name, fmt=source.fmt)
    changed = store.replace_digest(digests_dir, name, text)
    return Fetched(source.name, day, count, digests_dir / name, changed)
