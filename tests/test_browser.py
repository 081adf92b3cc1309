"""The built sites in Debian's Chromium (Playwright): text is shown literally, no
script from the data runs, math renders, and search works from a link and the header."""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, Server, copy_sample_project
from generator.cli import main
from generator.parallel import Tuning

PROJEKTOR = "papers/performance-scaling-via-optimal-transport-enabling-data-selection-from/"
HOSTILE_TITLE = "Attention: <script>alert(1)</script> & {{ 7*7 }} is *all* you need"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "project"
    assert main(["init", str(root)]) == 0
    for name in ("hostile.txt", "header-byak.txt"):
        shutil.copy(FIXTURES / "exports" / name, root / "digests" / f"2025-03-14-{name}")
    assert main(["build", "--project", str(root)]) == 0
    server = Server(root / "site")
    yield server
    server.close()


@pytest.fixture(scope="module")
def updated_server(tmp_path_factory):
    """The sample built, then built again after a new day, a note that pins a paper's
    topics and a note that hides one: the second build indexes only what changed, in a
    second search bundle beside the first."""
    root = copy_sample_project(tmp_path_factory.mktemp("updated") / "project")
    # The sample is small: index it as a large one.
    two_bundles = Tuning(search_small=0, search_ballast=100)
    assert main(["build", "--project", str(root)], tuning=two_bundles) == 0
    shutil.copy(FIXTURES / "formats/2026-08-18-api.json", root / "digests")
    (root / "notes").mkdir()
    (root / "notes" / (PROJEKTOR.split("/")[1] + ".md")).write_text(
        "---\ntopics: [robotics]\n---\n")
    (root / "notes/beir-pl-zero-shot-information-retrieval-benchmark-for-the-polish"
                  "-language.md").write_text("---\nhidden: true\n---\n")
    assert main(["build", "--project", str(root)], tuning=two_bundles) == 0
    assert (root / "site/pagefind-recent/pagefind.js").is_file()
    server = Server(root / "site")
    yield server
    server.close()


def test_search_covers_both_bundles_without_outdated_copies(page, updated_server):
    wasm = []
    page.on("request", lambda r: wasm.append(r.url) if ".pagefind" in r.url and "/wasm."
            in r.url else None)
    page.goto(f"{updated_server.url}/search/?q=projektor")
    assert _result_count(page) == 1  # the pinned paper, from the recent bundle only
    # Every bundle's instance runs the first bundle's copy of Pagefind's WebAssembly.
    info = page.request.get(f"{updated_server.url}/search-index.json").json()
    assert info["recent"] and info["wasm"] == info["bundles"][0]
    assert wasm and {url.split("/")[-2] + "/" for url in wasm} == {info["wasm"]}
    first = page.locator("#pd-search-results .pd-item").first
    first.wait_for()
    assert first.locator(".pd-item__title").inner_text().startswith("Performance Scaling")
    assert first.locator(".pd-chips").inner_text() == "Robotics and embodied AI"
    page.goto(f"{updated_server.url}/search/?q=VibeWorlding")  # a paper of the new day
    page.locator("#pd-search-results .pd-item").first.wait_for()
    assert "VibeWorlding" in page.locator("#pd-search-results .pd-item__title").first.inner_text()
    page.goto(f"{updated_server.url}/search/?q=BEIR-PL+Polish")  # hidden since
    _result_count(page)
    assert "BEIR-PL" not in " ".join(
        page.locator("#pd-search-results .pd-item__title").all_inner_texts())
    # Newest first across both bundles: the new day's papers lead, the rest follow.
    page.goto(f"{updated_server.url}/search/?q=model&sort=date")
    total = _result_count(page)
    assert total > 20
    page.locator("#pd-search-results li").nth(19).wait_for()
    dates = page.locator("#pd-search-results .pd-item__date").all_inner_texts()
    assert len(dates) == 20 and dates == sorted(dates, reverse=True)
    assert dates[0].strip() == "2026-08-18" and dates[-1].strip() < "2026-08-18"


def test_paper_page_shows_markup_like_text_literally(page, sample_server):
    page.goto(f"{sample_server.url}/{PROJEKTOR}")
    abstract = page.locator(".pd-paper__abstract").inner_text()
    assert "called <projektor>, which predicts" in abstract
    assert "*two-stage*" in abstract
    assert page.locator("h1").inner_text().startswith("Performance Scaling via Optimal")
    assert page.locator(".pd-paper__dates a").all_inner_texts() == [
        "11 March 2025", "14 March 2025", "3 April 2025"]


def test_hostile_paper_page(page, hostile_server):
    page.goto(f"{hostile_server.url}/papers/attention-script-alert-1-script-7-7-is-all-you-need/")
    assert page.title() == f"{HOSTILE_TITLE} - project digest"
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.locator(".md-header__topic").last.inner_text().strip() == HOSTILE_TITLE
    abstract = page.locator(".pd-paper__abstract").inner_text()
    assert "We study <EOS> tokens and <projektor> with a*b*c and {% raw %} & M\u00e9lange" in abstract
    assert page.locator(".pd-paper__abstract .katex").count() == 1  # $5.18\times$ rendered
    # Inline scripts hold no page data, except JSON-LD, which is data and never runs.
    assert page.locator('script:not([src]):not([type="application/ld+json"])').evaluate_all(
        "els => els.filter(e => e.textContent.includes('alert(1)')).length") == 0
    # the conftest `page` fixture fails the test if any dialog opened


def test_date_page_shows_titles_and_excerpts_literally(page, hostile_server):
    page.goto(f"{hostile_server.url}/dates/2025-03-14/")
    titles = page.locator(".pd-item__title").all_inner_texts()
    assert HOSTILE_TITLE in titles and "no" in titles
    excerpts = " ".join(page.locator(".pd-item__excerpt").all_inner_texts())
    assert "Our <kernel> runs at 50% of peak and costs $5 and $10." in excerpts
    page.get_by_role("link", name=HOSTILE_TITLE).click()
    page.wait_for_url("**/papers/attention-script-alert-1-script-7-7-is-all-you-need/")
    # The BibTeX entry is a code block with Material's copy button.
    page.locator(".pd-bibtex .md-code__button[data-md-type=copy]").wait_for()
    page.go_back()
    page.get_by_role("link", name=HOSTILE_TITLE).click()
    page.wait_for_url("**/papers/attention-script-alert-1-script-7-7-is-all-you-need/")


# Math reads as text in results (KaTeX renders pages, not results).
HOSTILE_ABSTRACT = ("We study <EOS> tokens and <projektor> with a*b*c and {% raw %} & Mélange "
                    "at 25–39% cost, 5.18× faster. Code: "
                    "https://github.com/example/hostile_repo.")


def test_search_excerpt_comes_from_the_abstract_as_text(page, hostile_server):
    # Found in the abstract: the abstract's words around the match, the match marked
    # (the title and topics are shown above it already).
    page.goto(f"{hostile_server.url}/search/?q=EOS")
    excerpt = page.locator("#pd-search-results .pd-item__excerpt").first
    excerpt.wait_for(timeout=10_000)
    assert excerpt.inner_text() == HOSTILE_ABSTRACT
    assert excerpt.locator("mark").all_inner_texts() == ["<EOS>"]
    # Found in the title only: the abstract's opening, up to the end of the abstract.
    page.goto(f"{hostile_server.url}/search/?q=attention")
    excerpt = page.locator("#pd-search-results .pd-item__excerpt").first
    excerpt.wait_for(timeout=10_000)
    assert excerpt.inner_text() == HOSTILE_ABSTRACT
    assert excerpt.locator("mark").count() == 0


def test_search_deep_link_finds_a_sample_paper(page, sample_server):
    page.goto(f"{sample_server.url}/search/?q=projektor")
    first = page.locator("#pd-search-results .pd-item__title").first
    first.wait_for(timeout=10_000)
    assert first.inner_text().startswith("Performance Scaling via Optimal Transport")
    assert page.locator("#pd-search-q").input_value() == "projektor"
    first.click()
    page.wait_for_url(f"**/{PROJEKTOR}")


def test_header_search_box_reaches_results(page, sample_server):
    page.goto(f"{sample_server.url}/{PROJEKTOR}")
    page.keyboard.press("/")
    box = page.locator("#pd-header-q")
    assert box.evaluate("el => el === document.activeElement")
    box.fill("BEIR-PL Polish")
    box.press("Enter")
    page.wait_for_url("**/search/?q=BEIR-PL+Polish")
    first = page.locator("#pd-search-results .pd-item__title").first
    first.wait_for(timeout=10_000)
    assert "BEIR-PL" in first.inner_text()


def _result_count(page) -> int:
    status = page.locator("#pd-search-status")
    page.wait_for_function(
        "() => /found/.test(document.getElementById('pd-search-status')?.textContent || '')")
    text = status.inner_text()
    return 0 if text.startswith("No") else int(text.split()[0])


def test_topic_filter_narrows_results_and_back_restores_them(page, sample_server):
    page.goto(f"{sample_server.url}/search/?q=retrieval")
    everything = _result_count(page)
    assert everything > 10
    page.select_option("#pd-search-topic", "Retrieval and RAG")
    page.wait_for_url("**/search/?q=retrieval&topic=Retrieval+and+RAG")
    page.wait_for_function(
        f"() => /found/.test(document.getElementById('pd-search-status')?.textContent || '') && "
        f"!document.getElementById('pd-search-status')?.textContent.startsWith('{everything} ')")
    narrowed = _result_count(page)
    assert 0 < narrowed < everything
    page.locator("#pd-search-results li").first.wait_for()
    for chips in page.locator("#pd-search-results .pd-item .pd-chips").all_inner_texts():
        assert "Retrieval and RAG" in chips
    page.go_back()
    page.wait_for_url("**/search/?q=retrieval")
    page.wait_for_function(
        f"() => document.getElementById('pd-search-status')?.textContent.startsWith('{everything} ')")
    assert page.locator("#pd-search-topic").input_value() == ""


def test_sort_by_date_and_year_filter(page, sample_server):
    page.goto(f"{sample_server.url}/search/?q=model&sort=date&year=2025")
    assert _result_count(page) > 0
    page.locator("#pd-search-results li").first.wait_for()
    dates = page.locator("#pd-search-results .pd-item__date").all_inner_texts()
    assert dates == sorted(dates, reverse=True)
    page.goto(f"{sample_server.url}/search/?q=model&year=1999")
    assert _result_count(page) == 0
    page.goto(f"{sample_server.url}/search/?q=retrieval&month=2025-04")
    april = _result_count(page)
    page.goto(f"{sample_server.url}/search/?q=retrieval&month=2025-03")
    assert april > 0 and _result_count(page) > 0
    assert page.locator("#pd-search-month").input_value() == "2025-03"


def test_markup_typed_or_linked_stays_text(page, sample_server):
    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    page.goto(f"{sample_server.url}/search/?q={hostile}")
    _result_count(page)
    assert page.locator("#pd-search-q").input_value() == hostile
    page.fill("#pd-header-q", '"><svg onload=alert(3)>')
    page.press("#pd-header-q", "Enter")
    _result_count(page)
    assert page.locator("#pd-search-results img, #pd-search-results svg[onload]").count() == 0
    # the `page` fixture fails the test if any dialog opened
