"""The derived-data cache (.paper-digest-cache/): answers are reused by content hash,
a table from other code is ignored, and deleting the folder changes nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.build  # every test here builds a real site

import json
import shutil

from conftest import copy_sample_project
from generator.cli import main
from conftest import tree_digest

PAPER = "performance-scaling-via-optimal-transport-enabling-data-selection-from"


def _topics_of(project, slug):
    papers = json.loads((project / "site/papers.json").read_text())["papers"]
    return next(p["topics"] for p in papers if p["slug"] == slug)


def test_deleting_the_cache_changes_nothing(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    cache = project / ".paper-digest-cache"
    assert {"digests", "topics.json", "related.json"} <= {p.name for p in cache.iterdir()}
    before = tree_digest(project / "site")
    shutil.rmtree(cache)
    assert main(["build", "--project", str(project)]) == 0
    assert tree_digest(project / "site") == before


def test_cached_answers_are_used_until_the_code_changes(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    original = _topics_of(project, PAPER)
    assert original != ["robotics"]
    table_file = project / ".paper-digest-cache/topics.json"
    table = json.loads(table_file.read_text())
    table["entries"] = {key: ["robotics"] for key in table["entries"]}
    table_file.write_text(json.dumps(table))
    # --full: with no input changed, a plain build would leave the site as it is.
    assert main(["build", "--full", "--project", str(project)]) == 0
    assert _topics_of(project, PAPER) == ["robotics"]  # the cache was consulted
    # A table written by other code is ignored as a whole.
    table["code"] = "another version"
    table_file.write_text(json.dumps(table))
    assert main(["build", "--full", "--project", str(project)]) == 0
    assert _topics_of(project, PAPER) == original


def test_a_changed_digest_is_parsed_again(tmp_path):
    project = copy_sample_project(tmp_path / "p")
    assert main(["build", "--project", str(project)]) == 0
    for digest in (project / "digests").iterdir():  # the paper was featured on three days
        digest.write_text(digest.read_text().replace(
            "Performance Scaling via Optimal Transport",
            "Performance Scaling by Optimal Transport"))
    assert main(["build", "--project", str(project)]) == 0
    titles = [p["title"] for p in json.loads((project / "site/papers.json").read_text())["papers"]]
    assert any(t.startswith("Performance Scaling by Optimal Transport") for t in titles)
    assert not any(t.startswith("Performance Scaling via Optimal Transport") for t in titles)
