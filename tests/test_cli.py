"""The paper-digest command end to end: init, add, generate, build, with exact messages
and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES
from generator.cli import main

EXPORTS = FIXTURES / "exports"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "digest"
    assert main(["init", str(root), "--name", "Lab reading list"]) == 0
    return root


def test_installed_command_runs():
    """`pip install .` put a `paper-digest` command on the PATH."""
    exe = shutil.which("paper-digest")
    assert exe, "paper-digest is not on PATH"
    out = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("init", "add", "generate", "build", "serve"):
        assert command in out.stdout


@pytest.mark.build
def test_init_scaffolds_a_project_that_builds(project, capsys):
    for path in ("mkdocs.yml", "digests", "site_src/about.md", "templates",
                 ".gitignore", ".github/workflows/publish.yml"):
        assert (project / path).exists(), path
    assert "site_name: Lab reading list" in (project / "mkdocs.yml").read_text()
    assert main(["build", "--project", str(project)]) == 0
    assert (project / "site/index.html").is_file()
    assert "No digests yet" in (project / "site/index.html").read_text("utf-8")
    # The about page says what the site is and where its feeds and updates are, not how
    # to edit it.
    about = (project / "site/about/index.html").read_text("utf-8")
    assert 'href="../feeds/"' in about and 'href="../updates/"' in about
    assert "site_src" not in about and "Edit this page" not in about


def test_init_asks_for_the_name_on_a_terminal(tmp_path):
    """Without --name, `init` on a terminal asks for the name; piped, it takes DIR's."""
    import os
    import pty
    import select

    exe = shutil.which("paper-digest")
    primary, secondary = pty.openpty()
    asked = subprocess.Popen([exe, "init", "lab"], cwd=tmp_path, stdin=secondary,
                             stdout=secondary, stderr=secondary)
    os.close(secondary)
    seen = b""
    while b"name" not in seen:
        assert select.select([primary], [], [], 30)[0], f"no prompt, only {seen!r}"
        seen += os.read(primary, 1024)
    assert b"[lab digest]" in seen  # the default it would take
    os.write(primary, "Our lab's reading\n".encode())
    assert asked.wait(timeout=30) == 0
    os.close(primary)
    assert "site_name: Our lab's reading\n" in (tmp_path / "lab/mkdocs.yml").read_text()

    piped = subprocess.run([exe, "init", "other"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
    assert piped.returncode == 0 and "The site's name" not in piped.stdout
    assert "site_name: other digest\n" in (tmp_path / "other/mkdocs.yml").read_text()


def test_init_refuses_an_existing_project(project, capsys):
    assert main(["init", str(project)]) == 1
    assert "already has a mkdocs.yml; not overwriting it" in capsys.readouterr().err


@pytest.mark.build
def test_add_unseen_exports_then_build(project, tmp_path, capsys):
    dated = tmp_path / "2025-03-14-export.txt"
    shutil.copy(EXPORTS / "header-daily-papers.txt", dated)
    assert main(["add", "--project", str(project), str(dated)]) == 0
    assert main(["add", "--project", str(project), "--date", "2025-05-02",
                 str(EXPORTS / "no-date-line.txt")]) == 0
    out = capsys.readouterr().out
    assert f"{dated}: 2 papers, 2 new (stored as digests/2025-03-14-" in out
    # One paper of the undated export was already in the first one.
    assert f"{EXPORTS / 'no-date-line.txt'}: 2 papers, 1 new (stored as digests/2025-05-02-" in out
    stored = sorted(p.name for p in (project / "digests").glob("*.txt"))
    assert [name[:10] for name in stored] == ["2025-03-14", "2025-05-02"]

    capsys.readouterr()
    assert main(["build", "--project", str(project), "--timings"]) == 0
    timings = capsys.readouterr().err.splitlines()
    # Wall and processor seconds per stage, then the sums.
    assert timings[0].split() == ["wall", "processor", "(this", "process)"]
    stages = [line.split(None, 4) for line in timings[1:]]
    assert [s[4] for s in stages] == ["read", "classify", "render listings", "relate",
                                      "render papers", "write", "mkdocs", "index", "swap",
                                      "in all"]
    for column in (0, 2):  # each figure is rounded to 0.01 s
        assert float(stages[-1][column]) == pytest.approx(
            sum(float(s[column]) for s in stages[:-1]), abs=0.01 * len(stages))
    site = project / "site"
    assert len(list((site / "papers").iterdir())) == 3
    assert (site / "dates/2025-03-14/index.html").is_file()
    assert (site / "dates/2025-05-02/index.html").is_file()


def test_add_is_idempotent(project, capsys):
    args = ["add", "--project", str(project), "--date", "2025-03-14",
            str(EXPORTS / "header-byak.txt")]
    assert main(args) == 0
    before = {p: p.read_bytes() for p in (project / "digests").iterdir()}
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().out == (
        f"{EXPORTS / 'header-byak.txt'}: 2 papers, 0 new (already stored, nothing changed)\n")
    assert {p: p.read_bytes() for p in (project / "digests").iterdir()} == before


def test_add_reads_the_stored_digests_as_the_last_build_cached_them(project, capsys):
    """An archive's digests take a minute to parse: add takes the papers it already
    has from the cache of parsed digests, where the last build left them."""
    from generator import pipeline
    from generator.project import load_project

    args = ["add", "--project", str(project), "--date", "2025-03-14",
            str(EXPORTS / "header-byak.txt")]
    assert main(args) == 0
    pipeline.collect(load_project(project))  # as a build leaves the cache
    [cached] = (project / ".paper-digest-cache/digests").glob("*/*.json")
    digest = json.loads(cached.read_text())
    for entry in digest["entries"]:  # the cache's answer, to tell it was used
        entry["title"], entry["meta"]["arxiv_id"] = f"Another {entry['line']}", None
    cached.write_text(json.dumps(digest))
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().out == (
        f"{EXPORTS / 'header-byak.txt'}: 2 papers, 2 new (already stored, nothing changed)\n")


def test_add_keeps_good_files_and_refuses_bad_ones(project, capsys):
    code = main(["add", "--project", str(project), "--date", "2025-03-14",
                 str(EXPORTS / "empty.txt"), str(EXPORTS / "header-byak.txt"),
                 str(EXPORTS / "truncated.txt"), str(EXPORTS / "missing.txt")])
    assert code == 1
    captured = capsys.readouterr()
    assert "header-byak.txt: 2 papers, 2 new" in captured.out
    err = captured.err.splitlines()
    assert err[0] == f"error: {EXPORTS / 'empty.txt'}: the file is empty"
    assert err[1].startswith(f"error: {EXPORTS / 'truncated.txt'}:15: the title ")
    assert err[2] == (f"error: {EXPORTS / 'missing.txt'}: cannot read the file: "
                      "No such file or directory")
    assert err[3] == "1 file added, 3 refused."
    assert len(list((project / "digests").glob("*.txt"))) == 1


def test_undated_export_without_date_is_refused(project, capsys):
    assert main(["add", "--project", str(project), str(EXPORTS / "no-date-line.txt")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        f"error: {EXPORTS / 'no-date-line.txt'}: the export has no date line and no date was "
        "given: pass --date YYYY-MM-DD or put the date in the file name (e.g. 2025-03-11.txt)")
    assert not list((project / "digests").glob("*.txt"))


def test_bad_date_option_is_a_usage_error(project, capsys):
    assert main(["add", "--project", str(project), "--date", "14/03/2025", "x.txt"]) == 2
    assert "--date '14/03/2025' is not a date of the form YYYY-MM-DD" in capsys.readouterr().err


def test_generate_writes_only_changed_pages(project, capsys):
    shutil.copy(EXPORTS / "header-byak.txt", project / "digests/2025-03-14.txt")
    assert main(["generate", "--project", str(project)]) == 0
    page = next((project / "site_src/papers").iterdir())
    mtime = page.stat().st_mtime_ns
    capsys.readouterr()
    assert main(["generate", "--project", str(project)]) == 0
    assert "0 pages written" in capsys.readouterr().out
    assert page.stat().st_mtime_ns == mtime


def test_generate_removes_pages_of_removed_digests(project, capsys):
    shutil.copy(EXPORTS / "header-byak.txt", project / "digests/2025-03-14.txt")
    assert main(["generate", "--project", str(project)]) == 0
    (project / "digests/2025-03-14.txt").unlink()
    assert main(["generate", "--project", str(project)]) == 0
    assert not (project / "site_src/papers").exists() or not list(
        (project / "site_src/papers").iterdir())
    assert not Path(project / "site_src/dates/2025-03-14.md").exists()
