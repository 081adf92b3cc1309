"""Rough edges found by building real archives: a listing day of one paper, LaTeX macros
without their arguments, revised titles, the API's dropped backslashes, killed builds
and two builds at once."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, copy_sample_project, tree_digest
from generator import dedupe, ingest, store
from generator.cli import main
from generator.model import Entry, Metadata
from generator.normalize import normalize, tex_as_text

LISTING = FIXTURES / "formats" / "2025-04-26-listing.jsonl"


def test_a_listing_day_of_one_paper_is_read():
    line = LISTING.read_text("utf-8").splitlines()[0]
    digest = ingest.parse_digest((line + "\n").encode(), "2025-04-26.jsonl")
    assert len(digest.entries) == 1
    assert digest.entries[0].meta.arxiv_id == json.loads(line)["id"]
    # The same object named as JSON is still refused: it is no list of papers.
    with pytest.raises(Exception, match="non-empty list of papers"):
        ingest.parse_digest(line.encode(), "2025-04-26.json")


@pytest.mark.parametrize("tex", [r"\widehat", r"\underline", r"\frac"])
def test_a_macro_without_its_arguments_stays_readable_and_quiet(tex, caplog):
    caplog.set_level(logging.WARNING)
    text = normalize(f"the error {tex} x of the estimate")
    assert "%s" not in text and tex in text
    assert "%s" not in tex_as_text(tex)
    assert not [r for r in caplog.records if "failed its substitution" in r.getMessage()]


def test_add_prints_no_converter_warnings(tmp_path, capfd):
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    day = tmp_path / "2026-08-18.json"
    papers = json.loads((FIXTURES / "formats/2026-08-18-api.json").read_text("utf-8"))
    papers[0]["paper"]["summary"] = r"We bound \widehat x by \frac 12 with \underline noise."
    day.write_text(json.dumps(papers), "utf-8")
    capfd.readouterr()
    assert main(["add", "--project", str(root), str(day)]) == 0
    assert "WARNING" not in capfd.readouterr().err


def test_dropped_backslashes_before_times_are_repaired():
    text = normalize("achieves 1.14times to 1.66times end-to-end latency speedup, "
                     "3 times faster at times, $2\\times$")
    assert text == ("achieves 1.14\u00d7 to 1.66\u00d7 end-to-end latency speedup, "
                    "3 times faster at times, $2\\times$")


def test_the_newest_title_is_shown_and_the_url_stays():
    def entry(title: str, day: dt.date) -> Entry:
        return Entry(title=title, abstract="Knowledge editing.", date=day, source=f"{day}.jsonl",
                     line=1, meta=Metadata(arxiv_id="2508.01302"))

    first = entry("KEDAS: Knowledge Editing Alignment with Diverse Augmentation and "
                  "Self-adaptive Inference", dt.date(2025, 8, 4))
    later = entry("Aligning Language Models with Real-time Knowledge Editing",
                  dt.date(2025, 9, 1))
    before = dedupe.merge([first])[0]
    papers, conflicts = dedupe.merge_with_conflicts([later, first])
    assert len(papers) == 1
    assert papers[0].title == later.title
    assert papers[0].slug == before.slug == "kedas-knowledge-editing-alignment-with-diverse-" \
                                            "augmentation-and-self-adaptive"
    assert "shows the newest" in conflicts[0]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_abandoned_staging_folders_go_and_a_running_builds_stay(tmp_path):
    site = tmp_path / "site"
    abandoned = tmp_path / f".site-build-{_dead_pid()}-abc"
    running = tmp_path / f".site-build-{os.getpid()}-xyz"
    for folder in (abandoned, running):
        (folder / "papers").mkdir(parents=True)
    assert store.remove_abandoned(site) == 1
    assert not abandoned.exists() and running.exists()


@pytest.mark.build
def test_a_killed_build_leaves_nothing_after_the_next(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    before = tree_digest(project / "site")
    (project / "digests/2025-04-03.txt").unlink()  # something to do
    # Run from tmp_path: from the repository, `-m generator` would import the source
    # folder, not the installed package.
    build = subprocess.Popen([sys.executable, "-m", "generator", "build", "--project",
                              str(project), "--full"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=tmp_path)
    # Killed once MkDocs has written its first page into the staging folder: well into
    # the build, and before its end (the search index, the swap), however fast it is.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if list(project.glob(".site-build-*/papers/*/index.html")):
            break
        time.sleep(0.01)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert list(project.glob(".site-build-*")), "the killed build left no staging folder"
    assert tree_digest(project / "site") == before  # the site in place is whole
    assert main(["build", "--project", str(project)]) == 0
    assert not list(project.glob(".site-build-*"))


@pytest.mark.build
def test_a_second_build_at_once_says_so(tmp_path, capsys):
    project = copy_sample_project(tmp_path / "p")
    with store.exclusive(project / ".paper-digest-cache/build.lock", "build"):
        assert main(["build", "--project", str(project)]) == 1
        assert main(["generate", "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert err.count("another build of this project is running") == 2
    assert not (project / "site").exists()
    assert main(["build", "--project", str(project)]) == 0  # the lock went with its holder


@pytest.mark.build
def test_two_builds_started_together_leave_a_whole_site(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    command = [sys.executable, "-m", "generator", "build", "--project", str(project)]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tmp_path) for _ in range(2)]
    outcomes = [(b.wait(timeout=300), b.stderr.read()) for b in builds]
    assert sorted(code for code, _ in outcomes) in ([0, 0], [0, 1])
    for code, err in outcomes:
        assert code == 0 or "another build of this project is running" in err, err
    alone = copy_sample_project(tmp_path / "alone")
    assert main(["build", "--project", str(alone)]) == 0
    assert tree_digest(project / "site") == tree_digest(alone / "site")
