"""The benchmarks at CI size (1,000 papers; 20 files to add), so they never rot. Their
timings are reported, not asserted: targets are shown by the full runs recorded in
BENCHMARKS.md."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.build  # every test here builds a real site

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import add_files  # noqa: E402
import run  # noqa: E402

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
REPO = Path(__file__).resolve().parent.parent


def test_benchmark_runs_at_ci_size(tmp_path):
    results = run.bench(1000, "synthetic-api", "retrieval", rounds=2)
    print(results)
    assert results["papers"] == 1000 and results["rounds"] == 2
    assert results["papers_after_extra_day"] == 1030
    assert results["author_pages"] > 0  # synthetic authors recur, as real ones do
    assert results["search_hits"] > 0
    assert results["page_kb_max"] < 25  # the paper page size target holds at any N
    for key in ("build_s", "build_cpu_s", "bare_mkdocs_s", "bare_cpu_s", "stock_mkdocs_s",
                "stock_cpu_s", "plus_one_day_s", "unchanged_s", "search_s", "search_kb",
                "peak_mb", "all_mb", "related_s"):
        assert results[key] > 0, key
    assert results["stock_ratio"] == results["build_s"] / results["stock_mkdocs_s"]
    assert results["unchanged_s"] < results["plus_one_day_s"]  # nothing is built again

    out = tmp_path / "BENCHMARKS.md"
    run.write(results, "python bench/run.py --papers 1000", out)
    text = out.read_text()
    assert "`python bench/run.py --papers 1000`" in text
    assert f"| 1000 (synthetic-api) | {results['author_pages']} | 2 |" in text


def test_benchmark_builds_a_folder_of_real_api_days(tmp_path):
    """The issue's other source: real Daily Papers API days as they are, added with
    `paper-digest add`; the last day is the one more day."""
    days = tmp_path / "daily-papers"
    days.mkdir()
    for name in ("2024-05-28", "2025-06-02", "2026-08-18"):
        shutil.copy(FORMATS / f"{name}-api.json", days / f"{name}.json")
    results = run.bench(10_000, str(days), "model", rounds=1)
    print(results)
    assert results["source"] == "real: daily-papers"
    assert results["papers"] == 4  # two days of two papers; the third is the extra day
    assert results["papers_after_extra_day"] == 6
    assert results["search_hits"] > 0 and results["page_kb_max"] < 25


def test_the_builds_without_the_bare_ones_run_at_ci_size(tmp_path):
    """`--build-only`, the large archives' run: the full build, one more day after it
    and in the daily workflow's state, nothing changed, the search."""
    results = run.build_only(600, "synthetic-api", "retrieval")
    print(results)
    assert results["papers"] == 630  # one more day of 30
    for key in ("build_s", "peak_mb", "all_mb", "plus_one_day_s", "plus_one_day_mb",
                "daily_s", "daily_mb", "unchanged_s", "search_s", "search_kb"):
        assert results[key] > 0, key
    assert results["unchanged_s"] < min(results["plus_one_day_s"], results["daily_s"])


def test_add_benchmark_runs_at_ci_size():
    result = add_files.measure(20)
    print(result)
    assert result["stored"] == 20 and result["seconds"] > 0 and result["peak_mb"] > 0


def test_the_period_pages_benchmark_runs_at_ci_size():
    """bench/periods.py: the build with and without the week, month and year pages."""
    result = subprocess.run([sys.executable, str(REPO / "bench/periods.py"), "--papers", "120",
                             "--rounds", "1"], capture_output=True, text=True, check=True,
                            timeout=600)
    counts = {name: int(pages) for name, pages in
              re.findall(r"round 1, (with\w* \w+(?: \w+)?): [\d.]+ s, (\d+) pages", result.stdout)}
    assert counts["with them"] > counts["without period pages"]  # the period pages are built
    assert re.search(r"\| growth \(median of the rounds\) \| [+-]\d+\.\d%", result.stdout)


def test_the_versions_compared_after_one_more_day_at_ci_size(tmp_path):
    """bench/compare.py --one-more-day, with one version given twice: each builds its own
    copy, then the day's build is timed, the order of the versions swapped by round."""
    bin_dir = str(Path(shutil.which("paper-digest")).parent)
    result = subprocess.run([sys.executable, str(REPO / "bench/compare.py"), "--papers", "120",
                             "--rounds", "2", "--one-more-day", bin_dir, bin_dir],
                            capture_output=True, text=True, check=True, timeout=600,
                            cwd=tmp_path)
    rounds = re.findall(r"round (\d), .*: ([\d.]+) s", result.stdout)
    assert [n for n, _ in rounds] == ["1", "1", "2", "2"]
    assert "| version | one more day (median) |" in result.stdout
