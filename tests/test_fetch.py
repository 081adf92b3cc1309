"""`paper-digest fetch` against a real HTTP server on 127.0.0.1 (pytest-httpserver) that
serves a recorded Daily Papers API day split into pages, arXiv API pages, and every
fault a real source gives."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from werkzeug.wrappers import Response

from conftest import FIXTURES
from generator import fetch
from generator.cli import main
from generator.errors import ProjectError
from generator.project import load_project

DAY = dt.date(2025, 6, 2)
RECORDED = json.loads((FIXTURES / "fetch/hf-daily-2025-06-02.json").read_text("utf-8"))
LISTING = [json.loads(line) for line in  # 25 papers of a recorded arXiv listing day
           (FIXTURES / "fetch/arxiv-2025-07-09.jsonl").read_text("utf-8").splitlines()]
FAST = {"backoff": 0.01, "retries": 2, "timeout": 2.0}  # a test waits in milliseconds


SCAFFOLD_SOURCES = "      sources:\n        hf-daily: {}"


def _project(tmp_path: Path, sources: str) -> Path:
    """A new project whose sources are `sources` (mkdocs.yml lines under `sources:`)."""
    root = tmp_path / "digest"
    assert main(["init", str(root)]) == 0
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert SCAFFOLD_SOURCES in text  # a new project fetches the Daily Papers
    config.write_text(text.replace(SCAFFOLD_SOURCES, "      sources:\n" + sources.rstrip("\n"),
                                   1), "utf-8")
    return root


def _hf_source(server, **options) -> str:
    lines = [f"        hf-daily:\n          endpoint: {server.url_for('/')}\n"]
    for key, value in ({"limit": 8} | FAST | options).items():
        lines.append(f"          {key}: {json.dumps(value)}\n")
    return "".join(lines)


class DailyPapers:
    """The Daily Papers API: `days` {date: papers}, answered `limit` papers a page;
    `faults` {date: a function of the request giving a Response} instead."""

    def __init__(self, days: dict[str, list], faults: dict | None = None):
        self.days, self.faults, self.requests = days, faults or {}, []

    def __call__(self, request):
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.requests.append((query, request.headers.get("User-Agent", "")))
        day = query["date"]
        if day in self.faults:
            answer = self.faults[day](request)
            if answer is not None:
                return answer
        limit, page = int(query.get("limit", 50)), int(query.get("p", 0))
        papers = self.days.get(day, [])[page * limit:(page + 1) * limit]
        return Response(json.dumps(papers), content_type="application/json")


def _serve(httpserver, api: DailyPapers) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_handler(api)


def _stored(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "digests").glob("*.json*"))}


def test_a_day_is_fetched_page_by_page_into_one_file(tmp_path, httpserver):
    api = DailyPapers({DAY.isoformat(): RECORDED})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    assert main(["fetch", "--project", str(root), "--date", DAY.isoformat()]) == 0
    stored = _stored(root)
    assert list(stored) == ["2025-06-02-hf-daily.json"]
    papers = json.loads(stored["2025-06-02-hf-daily.json"])
    assert [p["paper"]["id"] for p in papers] == [p["paper"]["id"] for p in RECORDED]
    pages = -(-len(RECORDED) // 8)  # 20 papers, 8 a page: 3 pages
    assert [q["p"] for q, _ in api.requests] == [str(n) for n in range(pages)]
    assert all(q["date"] == DAY.isoformat() and q["limit"] == "8" for q, _ in api.requests)
    assert all(agent.startswith("paper-digest/") and "+https://" in agent
               for _, agent in api.requests)
    record = fetch.load_record(root)["hf-daily"][DAY.isoformat()]
    assert record["status"] == "ok" and record["papers"] == len(RECORDED)


def test_fetching_again_changes_nothing_and_a_newer_snapshot_replaces_the_old(
        tmp_path, httpserver, capsys):
    papers = json.loads(json.dumps(RECORDED))
    api = DailyPapers({DAY.isoformat(): papers})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    args = ["fetch", "--project", str(root), "--date", DAY.isoformat()]
    assert main(args) == 0
    first = _stored(root)
    mtime = (root / "digests/2025-06-02-hf-daily.json").stat().st_mtime_ns
    capsys.readouterr()
    assert main(args) == 0
    assert "unchanged in digests/2025-06-02-hf-daily.json" in capsys.readouterr().out
    assert _stored(root) == first
    assert (root / "digests/2025-06-02-hf-daily.json").stat().st_mtime_ns == mtime
    papers[0]["paper"]["upvotes"] += 40  # upvotes grow after a day is featured
    assert main(args) == 0
    now = _stored(root)
    assert list(now) == list(first)  # replaced, not piled up beside
    assert json.loads(now["2025-06-02-hf-daily.json"])[0]["paper"]["upvotes"] == \
        RECORDED[0]["paper"]["upvotes"] + 40


def test_an_empty_day_is_recorded_as_such_and_not_asked_again(tmp_path, httpserver, capsys):
    api = DailyPapers({})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    saturday = dt.date(2025, 5, 31)
    assert main(["fetch", "--project", str(root), "--date", saturday.isoformat()]) == 0
    assert "no papers (nothing was published that day)" in capsys.readouterr().out
    assert _stored(root) == {}
    record = fetch.load_record(root)["hf-daily"]
    assert record[saturday.isoformat()]["status"] == "empty"
    # Fetched days after it was over: final. Without dates, the next runs ask for the
    # days after it, not for it.
    options = load_project(root).sources["hf-daily"]
    later = saturday + dt.timedelta(days=3)
    assert saturday not in fetch.days_to_fetch(record, options, later)


def test_days_to_fetch_without_dates():
    options = fetch.source_options({"hf-daily": {}})["hf-daily"]
    today = dt.date(2026, 8, 20)

    def r(status, fetched, **more):
        return {"status": status, "papers": 3 if status == "ok" else 0, "fetched": fetched,
                **more}

    record = {
        "2026-08-01": r("ok", "2026-08-02T06:00:00Z"),  # old: final
        "2026-08-02": r("ok", "2026-08-03T06:00:00Z", error="x", failed="2026-08-04"),
        "2026-08-15": r("ok", "2026-08-16T06:00:00Z"),  # in the window: refreshed
        "2026-08-16": r("empty", "2026-08-19T06:00:00Z"),  # found empty days later: final
        "2026-08-17": r("empty", "2026-08-17T06:00:00Z"),  # found empty that day: again
        "2026-08-18": r("ok", "2026-08-18T06:00:00Z"),
    }
    days = [d.isoformat() for d in fetch.days_to_fetch(record, options, today)]
    assert days == ["2026-08-02", "2026-08-15", "2026-08-17", "2026-08-18", "2026-08-19",
                    "2026-08-20"]
    assert fetch.days_to_fetch({}, options, today) == [today]  # a first run: today


def _html(request):
    return Response("<!doctype html><html><body>Sorry</body></html>", content_type="text/html")


def _cut_off(request):
    return Response(json.dumps(RECORDED)[:500], content_type="application/json")


def _strings(request):
    return Response(json.dumps([repr(p) for p in RECORDED[:3]]),
                    content_type="application/json")


def _not_found(request):
    return Response('{"error":"not found"}', status=404)


def _down(request):
    return Response("upstream down", status=500)


@pytest.mark.parametrize("fault, says", [
    (_html, "the answer is an HTML page, not a list of papers"),
    (_cut_off, "the answer is cut-off JSON"),
    (_strings, "the answer is not a list of papers"),
    (_not_found, "HTTP 404"),
    (_down, "HTTP 500 (after 3 tries)"),
])
def test_a_bad_answer_is_refused_by_date_and_the_other_days_are_kept(
        tmp_path, httpserver, capsys, fault, says):
    bad, good = "2025-06-03", DAY.isoformat()
    api = DailyPapers({good: RECORDED, bad: RECORDED}, faults={bad: fault})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    assert main(["fetch", "--project", str(root), "--since", good, "--until", bad]) == 1
    err = capsys.readouterr().err
    assert f"hf-daily {bad}: {httpserver.url_for('/api/daily_papers')}?date={bad}" in err
    assert says in err
    assert list(_stored(root)) == ["2025-06-02-hf-daily.json"]  # nothing partial
    record = fetch.load_record(root)["hf-daily"]
    assert record[good]["status"] == "ok"
    assert record[bad]["status"] == "error" and says in record[bad]["error"]
    # The next run without dates asks for that day again.
    options = load_project(root).sources["hf-daily"]
    assert dt.date.fromisoformat(bad) in fetch.days_to_fetch(record, options,
                                                             dt.date(2025, 6, 30))


def test_a_page_that_fails_leaves_the_whole_day_unstored(tmp_path, httpserver, capsys):
    api = DailyPapers({DAY.isoformat(): RECORDED},
                      faults={DAY.isoformat(): lambda r: _down(r) if b"p=2" in
                              r.query_string else None})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    assert main(["fetch", "--project", str(root), "--date", DAY.isoformat()]) == 1
    assert _stored(root) == {}


def test_429_and_5xx_are_retried_honouring_retry_after(tmp_path, httpserver):
    answers = iter([Response("slow down", status=429, headers={"Retry-After": "1"}),
                    Response("busy", status=503), None])
    api = DailyPapers({DAY.isoformat(): RECORDED},
                      faults={DAY.isoformat(): lambda r: next(answers, None)})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver, limit=100))
    start = time.monotonic()
    assert main(["fetch", "--project", str(root), "--date", DAY.isoformat()]) == 0
    assert time.monotonic() - start >= 1.0  # Retry-After: 1 was honoured
    assert len(api.requests) == 3
    assert list(_stored(root)) == ["2025-06-02-hf-daily.json"]


def test_a_request_that_never_answers_times_out(tmp_path, httpserver, capsys):
    import threading

    released = threading.Event()

    def hang(request):
        released.wait(5)  # never within the client's timeout
        return None

    api = DailyPapers({DAY.isoformat(): RECORDED}, faults={DAY.isoformat(): hang})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver, timeout=0.3, retries=1))
    start = time.monotonic()
    assert main(["fetch", "--project", str(root), "--date", DAY.isoformat()]) == 1
    assert time.monotonic() - start < 5
    assert "ReadTimeout" in capsys.readouterr().err
    released.set()  # the server answers one request at a time: free it for the next test


def test_a_source_that_refuses_connections_is_reported(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = _project(tmp_path, f"        hf-daily:\n          endpoint: http://127.0.0.1:{port}\n"
                              "          retries: 1\n          backoff: 0.01\n")
    assert main(["fetch", "--project", str(root), "--date", DAY.isoformat()]) == 1
    assert "ConnectError" in capsys.readouterr().err


# --- arXiv ------------------------------------------------------------------------------


def _atom(entries: list[dict], total: int) -> str:
    from xml.sax.saxutils import escape

    items = "".join(
        f"<entry><id>http://arxiv.org/abs/{e['id']}v1</id><title>{escape(e['title'])}</title>"
        f"<summary>{escape(e['summary'])}</summary>"
        + "".join(f"<author><name>{escape(a)}</name></author>" for a in e["authors"])
        + f'<arxiv:primary_category term="{e["categories"][0]}"/>'
        + "".join(f'<category term="{c}"/>' for c in e["categories"]) + "</entry>"
        for e in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>ArXiv Query</title>'
            f"<opensearch:totalResults>{total}</opensearch:totalResults>{items}</feed>")


def test_arxiv_pages_are_followed_at_the_source_pace(tmp_path, httpserver):
    rows = [r | {"summary": " ".join(r["summary"].split())} for r in LISTING]
    asked = []

    def api(request):
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        asked.append((time.monotonic(), query))
        start, size = int(query["start"]), int(query["max_results"])
        return Response(_atom(rows[start:start + size], len(rows)),
                        content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(api)
    root = _project(tmp_path, f"        arxiv:\n          endpoint: {httpserver.url_for('/')}\n"
                              "          categories: [cs.CV, cs.CL]\n          page_size: 10\n"
                              "          delay: 1.0\n")
    assert main(["fetch", "--project", str(root), "--date", "2025-07-09"]) == 0
    assert [q["start"] for _, q in asked] == ["0", "10", "20"]
    gaps = [b - a for (a, _), (b, _) in zip(asked, asked[1:])]
    # The pace: a second from one request's start to the next one's. The server sees
    # each one arrive a little later than it was sent, by as much as the machine is
    # busy, hence the margin (without the pace they would be milliseconds apart).
    assert all(g >= 0.8 for g in gaps), gaps
    query = asked[0][1]["search_query"]
    assert "cat:cs.CV OR cat:cs.CL" in query and "submittedDate:[202507090000 TO " \
                                                  "202507092359]" in query
    stored = (root / "digests/2025-07-09-arxiv.jsonl").read_text("utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in stored) == sorted(r["id"] for r in rows)
    assert json.loads(stored[0])["categories"][0] == \
        next(r for r in rows if r["id"] == json.loads(stored[0])["id"])["categories"][0]


# --- configuration and the command line ------------------------------------------------


@pytest.mark.parametrize("sources, says", [
    ("        nowhere: {}\n", "unknown source 'nowhere'"),
    ("        arxiv: {}\n", "sources.arxiv.categories: required"),
    ("        hf-daily:\n          limit: many\n", "sources.hf-daily.limit: expected int"),
    ("        hf-daily:\n          colour: red\n", "sources.hf-daily.colour: no such option"),
    ("        hf-daily:\n          endpoint: ftp://x\n", "sources.hf-daily.endpoint"),
])
def test_bad_source_options_are_named(tmp_path, sources, says):
    root = _project(tmp_path, sources)
    with pytest.raises(ProjectError, match=says.replace(".", r"\.").replace("(", r"\(")):
        load_project(root)


@pytest.mark.parametrize("args, says", [
    (["--date", "2025-06-02", "--since", "2025-06-01"], "--date goes alone"),
    (["--until", "2025-06-02"], "--until goes with --since"),
    (["--since", "June"], "--since 'June' is not a date"),
    (["--since", "2025-06-03", "--until", "2025-06-01"], "is before --since"),
])
def test_bad_dates_are_refused(tmp_path, capsys, args, says):
    root = _project(tmp_path, "        hf-daily: {}\n")
    assert main(["fetch", "--project", str(root), *args]) == 2
    assert says in capsys.readouterr().err


def test_a_project_without_sources_says_how_to_add_one(tmp_path, capsys):
    root = tmp_path / "digest"
    assert main(["init", str(root)]) == 0
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text().replace(
        SCAFFOLD_SOURCES, "      sources: {}"))
    assert main(["fetch", "--project", str(root)]) == 1
    assert "no sources to fetch" in capsys.readouterr().err


def test_an_unknown_source_name_is_refused(tmp_path, capsys, httpserver):
    root = _project(tmp_path, _hf_source(httpserver))
    assert main(["fetch", "--project", str(root), "--source", "arxiv"]) == 1
    assert "no source 'arxiv' in mkdocs.yml (configured: hf-daily)" in capsys.readouterr().err


@pytest.mark.build
def test_build_never_touches_the_network_and_shows_the_updates(tmp_path, httpserver):
    api = DailyPapers({DAY.isoformat(): RECORDED}, faults={"2025-06-03": _down})
    _serve(httpserver, api)
    root = _project(tmp_path, _hf_source(httpserver))
    assert main(["fetch", "--project", str(root), "--since", "2025-06-01",
                 "--until", "2025-06-03"]) == 1
    asked = len(api.requests)
    assert main(["build", "--project", str(root)]) == 0
    assert len(api.requests) == asked  # build and its search index asked nothing
    page = (root / "site/updates/index.html").read_text("utf-8")
    assert "No papers published" in page  # 2025-06-01, a Sunday
    assert "Fetch failed" in page and "HTTP 500" in page  # 2025-06-03
    assert f"{len(RECORDED)} papers" in page
    assert (root / f"site/dates/{DAY.isoformat()}/index.html").is_file()
