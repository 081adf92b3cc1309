"""Benchmark: build N papers and measure the build and the search.

    python bench/run.py --papers 1000                       # synthetic Daily Papers API days
    python bench/run.py --papers 10000 --rounds 3 --write BENCHMARKS.md
    python bench/run.py --papers 3000 --source real         # real arXiv papers from ../shared
    python bench/run.py --papers 10000 --source ~/daily-papers-api   # a folder of real days
    python bench/run.py --papers 75000 --per-day 300 --build-only   # a year of arXiv cs

Sources: `synthetic-api` (the default: Daily Papers API days with authors, upvotes,
keywords, code and organizations, 17 papers a day like the real archive), `synthetic`
(Daily Papers exports: titles and abstracts only, 30 a day, the workload of the runs
before 2026-11-30), `real` (the arXiv listing days of ../shared/real-data, as exports),
or a folder of real digest files in any format `add` reads, taken in name order. Every
day but the last is added with `paper-digest add`; the last is the "one more day".

Measures the full `paper-digest build` (time, processor time and peak memory); a bare
`mkdocs build` of the same generated pages twice: with the project's configuration as
it is (the plugin's fast_render on: generated pages skip Python-Markdown and share
their sidebars) and with fast_render off (MkDocs and Material's stock rendering of
every page, about 4 ms a page, the figure the scale issue starts from), and the full
build's ratio to each; a rebuild after one more day; the paper page size; and in
headless Chromium the time from opening /search/?q=... to the first result with the
bytes fetched. With --write, appends a table row set to BENCHMARKS.md.

The same work can take a fifth longer from one run to the next on a shared virtual
machine. With --rounds N the full build (each time from nothing, in a fresh copy of the
project) and the two bare builds alternate N times, and the medians are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402
from serving import Server  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LISTINGS = REPO.parent / "shared" / "real-data" / "arxiv-listings"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def timed(command: list[str], cwd: Path) -> tuple[float, float, float, float]:
    """Run a command; (seconds, peak RSS in MB, peak summed PSS in MB, processor seconds).

    The peak RSS is the largest resident size of the command or any child it waited for
    (wait4's ru_maxrss), not the sum of processes running side by side. The summed PSS
    is that sum, sampled every 0.2 s over the command and all its descendants: each
    process's proportional set size counts a page shared by n processes (a fork's) as
    1/n, so the sum is what the machine needs. The processor seconds (user and system)
    are those of the command and every child it waited for, on all cores.

    Writes still being flushed from an earlier step would slow this one: they are
    flushed first."""
    import threading

    os.sync()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    peak_sum = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak_sum[0] = max(peak_sum[0], sum(_pss_kb(pid) for pid in _tree(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, peak_sum[0] / 1024, cpu


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo += [int(child) for child in f.read().split()]
        except OSError:
            pass
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def make_project(root: Path, papers: int, source: str, per_day: int | None = None
                 ) -> list[Path]:
    """A project with every day but the last added; returns all the days' files.
    `per_day` papers a day for the synthetic sources (default: their own)."""
    exe = shutil.which("paper-digest")
    subprocess.run([exe, "init", str(root)], check=True, stdout=subprocess.DEVNULL)
    inbox = root.parent / "inbox"
    if source in ("synthetic", "synthetic-api"):
        write = synth.synthetic if source == "synthetic" else synth.synthetic_api
        files = write(inbox, papers, **({"per_day": per_day} if per_day else {}))
        extra_day = dt.date.fromisoformat(files[-1].stem) + dt.timedelta(days=1)
        files += write(inbox, 30, per_day=30, seed=1, start=extra_day)  # one day of 30
    elif source == "real":
        files = synth.real(inbox, LISTINGS, papers)
    else:
        files = synth.folder(Path(source), papers)
    # All days but the last go in now; the last is the "one more day" rebuild.
    add(root, files[:-1])
    return files


def add(root: Path, files: list[Path]) -> None:
    """`paper-digest add` as a user would; a refused file stops the benchmark."""
    result = subprocess.run([shutil.which("paper-digest"), "add", *map(str, files)], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"paper-digest add refused a file:\n{result.stderr}")


def source_label(source: str) -> str:
    return source if source in SOURCES else f"real: {Path(source).name}"


SOURCES = ("synthetic-api", "synthetic", "real")


FIRST_RESULT_PROBE = """
new MutationObserver((changes, observer) => {
  if (document.querySelector("#pd-search-results li")) {
    window.__pdFirstResult = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, childList: true });
"""


def search_timing(site: Path, query: str, runs: int = 5) -> tuple[float, int, int]:
    """(median seconds to first result, bytes fetched, results) for /search/?q=query."""
    from playwright.sync_api import sync_playwright

    server = Server(site)
    url = f"{server.url}/search/?q={query}"
    times, fetched, results = [], 0, 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(runs):
                context = browser.new_context()  # a cold cache each run
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                sizes: list[int] = []
                cdp.on("Network.loadingFinished", lambda e: sizes.append(e["encodedDataLength"]))
                # Timed inside the page: from navigation start to the first result in the
                # DOM, so Playwright's own polling does not count.
                page.add_init_script(FIRST_RESULT_PROBE)
                page.goto(url, wait_until="commit")
                page.wait_for_selector("#pd-search-results li", timeout=60_000)
                times.append(page.evaluate("window.__pdFirstResult") / 1000)
                page.wait_for_load_state("networkidle")
                fetched = sum(sizes)
                results = int(page.locator("#pd-search-status").inner_text().split()[0])
                context.close()
            browser.close()
    finally:
        server.close()
    return sorted(times)[len(times) // 2], fetched, results


def related_timing(root: Path) -> float:
    """Seconds to find the related papers of every paper (TF-IDF cosine), in-process."""
    from generator import pipeline, related
    from generator.project import load_project

    papers, _, _ = pipeline.collect(load_project(root))
    start = time.perf_counter()
    related.find([(p.slug, p.title, p.abstract) for p in papers], {})
    return time.perf_counter() - start


def build_only(papers: int, source: str, query: str, per_day: int | None = None) -> dict:
    """The builds without the bare MkDocs ones (for sizes where those take too long):
    the full build, one more day, a rebuild with nothing changed, and the search."""
    exe = shutil.which("paper-digest")
    with tempfile.TemporaryDirectory(prefix="pd-bench-") as tmp:
        root = Path(tmp) / "project"
        files = make_project(root, papers, source, per_day)
        build_s, build_mb, all_mb, _ = timed([exe, "build"], root)
        before = set((root / "digests").iterdir())
        add(root, files[-1:])
        [stored] = set((root / "digests").iterdir()) - before
        _wait_for_old_site_removal(root)
        day_s, _, day_mb, _ = timed([exe, "build"], root)
        # The publish workflow keeps the site before the last one (.site-spare), which
        # the next build starts from: the day taken out and built, then added again.
        stored.unlink()
        timed([exe, "build"], root)
        add(root, files[-1:])
        daily_s, _, daily_mb, _ = timed([exe, "build"], root)
        _wait_for_old_site_removal(root)
        unchanged_s, _, _, _ = timed([exe, "build"], root)
        built = len(list((root / "site_src/papers").glob("*.md")))
        sizes = [p.stat().st_size for p in (root / "site/papers").glob("*/index.html")]
        search_s, search_bytes, _ = search_timing(root / "site", query)
    return {"papers": built, "source": source_label(source), "build_s": build_s,
            "peak_mb": build_mb, "all_mb": all_mb, "plus_one_day_s": day_s,
            "plus_one_day_mb": day_mb, "daily_s": daily_s, "daily_mb": daily_mb,
            "unchanged_s": unchanged_s,
            "page_kb_max": max(sizes) / 1024, "search_s": search_s,
            "search_kb": search_bytes / 1024}


def bench(papers: int, source: str, query: str, rounds: int = 1, per_day: int | None = None
          ) -> dict:
    exe = shutil.which("paper-digest")
    with tempfile.TemporaryDirectory(prefix="pd-bench-") as tmp:
        pristine = Path(tmp) / "pristine"
        files = make_project(pristine, papers, source, per_day)
        full, bare, stock = [], [], []
        for n in range(rounds):
            # A full build from nothing each round: a fresh copy of the unbuilt project.
            root = Path(tmp) / f"project-{n}"
            shutil.copytree(pristine, root)
            full.append(timed([exe, "build"], root))
            bare.append(timed([sys.executable, "-m", "mkdocs", "build", "-q", "-d",
                               str(Path(tmp) / f"bare-{n}")], root))
            stock.append(timed([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                                str(_stock_config(root)), "-d", str(Path(tmp) / f"stock-{n}")],
                               root))
        first_build = len(list((root / "site_src/papers").glob("*.md")))
        authors = len([p for p in (root / "site_src/authors").glob("*.md")
                       if p.name != "index.md"])
        add(root, files[-1:])
        day_s, _, _, _ = timed([exe, "build"], root)
        _wait_for_old_site_removal(root)
        unchanged_s, _, _, _ = timed([exe, "build"], root)  # nothing changed since
        built = len(list((root / "site_src/papers").glob("*.md")))
        sizes = [p.stat().st_size for p in (root / "site/papers").glob("*/index.html")]
        search_s, search_bytes, hits = search_timing(root / "site", query)
        related_s = related_timing(root)
        build_s = median(r[0] for r in full)
        bare_s, stock_s = median(r[0] for r in bare), median(r[0] for r in stock)
        return {
            "papers": first_build, "papers_after_extra_day": built,
            "source": source_label(source), "author_pages": authors,
            "rounds": rounds, "build_s": build_s, "build_range": _range(r[0] for r in full),
            "build_cpu_s": median(r[3] for r in full),
            "peak_mb": max(r[1] for r in full), "all_mb": max(r[2] for r in full),
            "bare_mkdocs_s": bare_s, "bare_range": _range(r[0] for r in bare),
            "bare_cpu_s": median(r[3] for r in bare), "ratio": build_s / bare_s,
            "stock_mkdocs_s": stock_s, "stock_range": _range(r[0] for r in stock),
            "stock_cpu_s": median(r[3] for r in stock), "stock_ratio": build_s / stock_s,
            "plus_one_day_s": day_s, "unchanged_s": unchanged_s,
            "page_kb_mean": sum(sizes) / len(sizes) / 1024, "page_kb_max": max(sizes) / 1024,
            "search_s": search_s, "search_kb": search_bytes / 1024, "search_hits": hits,
            "related_s": related_s,
        }


def _stock_config(root: Path) -> Path:
    """The project's configuration with the plugin's fast_render off: MkDocs renders
    every page the stock way (Python-Markdown over each page, sidebars per page)."""
    path = root / "mkdocs-stock.yml"
    path.write_text("INHERIT: mkdocs.yml\nplugins:\n  - paper-digest:\n"
                    "      fast_render: false\n", "utf-8")
    return path


def _wait_for_old_site_removal(root: Path, limit: float = 300) -> None:
    """A build leaves the previous site to a process that deletes it after the build
    ends; it would compete with the search timing that follows."""
    deadline = time.monotonic() + limit
    while any(root.glob(".site-old-*")) and time.monotonic() < deadline:
        time.sleep(0.5)


def median(values) -> float:
    return statistics.median(list(values))


def _range(values) -> str:
    values = sorted(values)
    return f"{values[0]:.1f}–{values[-1]:.1f}" if len(values) > 1 else ""


def code_version() -> str:
    """The commit measured, so each section of BENCHMARKS.md says what it measured."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions() -> str:
    names = ["mkdocs", "mkdocs-material", "pagefind", "paper-digest"]
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def command_line() -> str:
    return "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])


def append_section(target: Path, heading: str, body: str, measured: bool = True,
                   command: str | None = None) -> None:
    """A section at the end of BENCHMARKS.md: its heading, the code it measured, the
    command that made it (by default this script's own command line) and its figures."""
    command = command or command_line()
    code = f"Measured on the code of {code_version()}.\n\n" if measured else ""
    with target.open("a", encoding="utf-8") as f:
        f.write(f"\n### {heading}\n\n{code}`{command}`\n\n{body}\n")


def write(results: dict, command: str, target: Path) -> None:
    cells = dict(results)
    for name in ("build", "bare", "stock"):  # the range over rounds, when there were several
        spread = results.get(f"{name}_range")
        cells[f"{name}_spread"] = f" ({spread})" if spread else ""
    row = ("| {papers} ({source}) | {author_pages} | {rounds} | {build_s:.1f} s{build_spread} "
           "| {build_cpu_s:.1f} s | {peak_mb:.0f} MB | {all_mb:.0f} MB "
           "| {stock_mkdocs_s:.1f} s{stock_spread} | {stock_cpu_s:.1f} s | {stock_ratio:.2f} "
           "| {bare_mkdocs_s:.1f} s{bare_spread} | {bare_cpu_s:.1f} s | {ratio:.2f} "
           "| {plus_one_day_s:.1f} s | {unchanged_s:.1f} s "
           "| {page_kb_mean:.1f} / {page_kb_max:.1f} KB "
           "| {search_s:.2f} s | {search_kb:.0f} KB | {related_s:.1f} s |").format(**cells)
    header = ("| papers | author pages | rounds | full build | its processor time | peak RSS "
              "| all processes (PSS) | bare mkdocs, stock rendering | its processor time "
              "| ratio | bare mkdocs, fast_render | its processor time | ratio "
              "| +1 day rebuild | unchanged rebuild | paper page mean / max "
              "| search: first result | search: bytes | related papers |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    append_section(target, f"{dt.date.today()} — {machine}", f"{versions()}\n\n{header}\n{row}",
                   command=command)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--source", default="synthetic-api", metavar="SOURCE",
                        help=f"{', '.join(SOURCES)}, or a folder of real digest files")
    parser.add_argument("--per-day", type=int, metavar="N",
                        help="papers a day for the synthetic sources (default: 17 for "
                        "synthetic-api, as Daily Papers; 30 for synthetic; arXiv's cs "
                        "listings have about 300)")
    parser.add_argument("--query", default="retrieval")
    parser.add_argument("--write", type=Path, metavar="BENCHMARKS.md")
    parser.add_argument("--rounds", type=int, default=1,
                        help="full and bare builds, alternated this many times (medians)")
    parser.add_argument("--build-only", action="store_true",
                        help="no bare MkDocs builds: the full build, one more day after it "
                        "and in the daily workflow's state, nothing changed, and the search")
    args = parser.parse_args()
    if args.build_only:
        results = build_only(args.papers, args.source, args.query, args.per_day)
        print(json.dumps(results, indent=2))
        if args.write:
            append_section(args.write, f"Builds without the bare ones, {dt.date.today()}",
                           "| papers | full build | peak RSS | all processes (PSS) "
                           "| +1 day rebuild | its PSS | +1 day, daily | its PSS "
                           "| unchanged rebuild "
                           "| paper page max | search: first result | search: bytes |\n"
                           "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
                           f"| {results['papers']} ({results['source']}) "
                           f"| {results['build_s']:.0f} s | {results['peak_mb']:.0f} MB "
                           f"| {results['all_mb']:.0f} MB | {results['plus_one_day_s']:.1f} s "
                           f"| {results['plus_one_day_mb']:.0f} MB "
                           f"| {results['daily_s']:.1f} s | {results['daily_mb']:.0f} MB "
                           f"| {results['unchanged_s']:.1f} s "
                           f"| {results['page_kb_max']:.1f} KB | {results['search_s']:.2f} s "
                           f"| {results['search_kb']:.0f} KB |")
        return 0
    results = bench(args.papers, args.source, args.query, args.rounds, args.per_day)
    print(json.dumps(results, indent=2))
    if args.write:
        write(results, command_line(), args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
