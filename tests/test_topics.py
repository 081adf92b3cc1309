"""Topics: the default taxonomy, assignment measured on real held-out labels, a
project's own taxonomy, the shipped model's reproducibility, related papers, charts."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, REPO
from generator import dedupe, ingest, pipeline, related, topics
from generator.cli import main
from generator.model import Entry, Paper
from generator.parallel import Tuning
from generator.project import load_project

HELD_OUT = FIXTURES / "formats" / "2026-04-17-heldout.jsonl"  # a day never trained on


@pytest.fixture(scope="module")
def taxonomy():
    return topics.default_taxonomy()


def _papers(path):
    return dedupe.merge(ingest.parse_digest(path.read_bytes(), str(path)).entries)


def test_default_taxonomy_shape(taxonomy):
    assert 20 <= len(taxonomy) <= 60
    for topic in taxonomy:
        assert topic.name and topic.description, topic.slug
        assert len(topic.arxiv) <= 3, topic.slug
    assert taxonomy[-1].slug == "machine-learning"  # the general fallback is last


def test_held_out_day_meets_the_targets(taxonomy):
    result = topics.evaluate(_papers(HELD_OUT), taxonomy)
    assert result.papers == 145
    assert result.agreement >= 0.96
    assert result.primary >= 0.94
    assert result.coverage >= 0.95
    assert result.largest <= 0.35


def test_the_model_beats_keywords_alone(taxonomy):
    papers = _papers(HELD_OUT)
    combined = topics.evaluate(papers, taxonomy)
    keywords = topics.evaluate(papers, taxonomy, use_model=False)
    assert combined.agreement > keywords.agreement + 0.05
    assert combined.primary > keywords.primary + 0.05


def _paper(title, abstract, categories=()):
    from generator.model import Metadata

    return Paper(key=title.lower(), slug="x", title=title, abstract=abstract,
                 dates=(dt.date(2025, 1, 1),), meta=Metadata(categories=tuple(categories)))


def test_slam_in_linguistics_is_not_robot_slam(taxonomy):
    paper = _paper("SLAM: Structural Linguistic Activation Marking",
                   "We study how large language models encode syntactic structure. We mark "
                   "linguistic activations across layers and probe agreement, negation and "
                   "clause boundaries in English and German sentences, finding that "
                   "syntactic features are linearly decodable.")
    assigned = topics.classify([paper], taxonomy)[0].topics
    assert "robotics" not in assigned and "3d-vision" not in assigned
    assert {"nlp", "interpretability"} & set(assigned)


def test_input_labels_are_evidence(taxonomy):
    paper = _paper("A method", "We propose a method and evaluate it.", ["cs.RO"])
    assert topics.classify([paper], taxonomy)[0].topics[0] == "robotics"


def test_assignment_is_deterministic_and_bounded(taxonomy):
    papers = _papers(HELD_OUT)
    first = [p.topics for p in topics.classify(papers, taxonomy)]
    again = [p.topics for p in topics.classify(list(reversed(papers)), taxonomy)]
    assert first == list(reversed(again))
    assert all(1 <= len(t) <= 3 for t in first)


@pytest.mark.build  # training takes half a minute
def test_shipped_model_is_reproducible(tmp_path):
    """training/train_topics.py rebuilds the packaged model byte for byte."""
    model = REPO / "generator/defaults/topic_model.json.gz"
    before = model.read_bytes()
    try:
        subprocess.run([sys.executable, str(REPO / "training/train_topics.py")], check=True,
                       capture_output=True)
        assert model.read_bytes() == before
    finally:
        model.write_bytes(before)
    data = json.loads(gzip.decompress(before))
    assert {"cs.CV", "cs.CL", "cs.AI", "cs.LG"} <= set(data["classes"])
    assert len(before) <= 1024 * 1024  # small enough to review and ship


def test_the_models_features_are_scikit_learns():
    """The model makes its TF-IDF features without scikit-learn: on real papers they are
    TfidfVectorizer's (the one it was trained with), and so are the probabilities."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = topics.default_model()
    papers = _papers(HELD_OUT) + _papers(FIXTURES / "formats" / "2024-05-28-api.json")
    texts = [topics.model_text(p.title, p.abstract) for p in papers]
    texts += ["", "the of and", "SLAM slam SLAM-based e-mail x 3d-printing"]
    reference = TfidfVectorizer(sublinear_tf=True, ngram_range=model.ngram_range,
                                stop_words="english", token_pattern=model.token_pattern.pattern,
                                vocabulary=model.vocabulary)
    reference.idf_ = model.idf
    expected = reference.transform(texts)
    ours = model.matrix(texts)
    assert ours.shape == expected.shape and ours.nnz == expected.nnz > 10_000
    assert abs(ours - expected).max() < 1e-12
    scores = (expected @ model.weights) + model.intercepts
    probabilities = model.probabilities(texts)
    for row, found in zip(1.0 / (1.0 + np.exp(-scores)), probabilities, strict=True):
        assert np.allclose([found[c] for c in model.classes], row, rtol=0, atol=1e-12)


def test_classifying_does_not_load_scikit_learn():
    """A day's new papers are classified in less time than importing scikit-learn takes."""
    code = ("import sys; from generator import topics; "
            "topics.default_model().probabilities(['a robot arm grasps objects']); "
            "print('sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_training_sample_is_small_and_never_saw_the_judged_days():
    """The repository carries at most about 10 MB of training papers, none of them from
    the listing days the tests judge the model on."""
    sample = REPO / "training/arxiv-train.jsonl.gz"
    assert sample.stat().st_size <= 10 * 1024 * 1024
    trained = {json.loads(line)["id"] for line in gzip.open(sample, "rt", encoding="utf-8")}
    assert len(trained) >= 15000
    judged = {json.loads(line)["id"] for line in HELD_OUT.read_text("utf-8").splitlines()
              if line.strip()}
    assert judged and not trained & judged


def test_a_runner_up_category_gets_its_topic_too(taxonomy):
    """An agents paper the model finds about as likely cs.CL as cs.AI keeps a topic
    anchored in each, so arXiv's listing under either agrees with it."""
    paper = _paper("A method", "We propose a language agent and evaluate it.")
    index = topics.KeywordIndex(taxonomy)
    anchors = {t.slug: t.arxiv for t in taxonomy}
    both = topics.assign(paper, taxonomy, {"cs.AI": 0.8, "cs.CL": 0.7, "cs.CV": 0.01}, index)
    assert any("cs.AI" in anchors[s] for s in both) and any("cs.CL" in anchors[s] for s in both)
    one = topics.assign(paper, taxonomy, {"cs.AI": 0.8, "cs.CL": 0.1, "cs.CV": 0.01}, index)
    assert len(one) < len(both)


def test_project_taxonomy_extends_and_replaces(tmp_path, capsys):
    root = tmp_path / "p"
    assert main(["init", str(root)]) == 0
    shutil.copy(FIXTURES / "exports/header-byak.txt", root / "digests/2025-03-14.txt")
    (root / "topics.yml").write_text(
        "topics:\n"
        "  - slug: vector-search\n    name: Vector search\n    description: ANN indexes.\n"
        "    arxiv: [cs.DS]\n    keywords: {nearest neighbor: 5, hnsw: 5}\n"
        "  - slug: graphs\n    name: Graphs (ours)\n    description: Renamed.\n"
        "    arxiv: [cs.LG]\n    keywords: {graph: 1}\n")
    project = load_project(root)
    taxonomy = topics.load_taxonomy(project.topics_file)
    assert [t.slug for t in taxonomy][-2:] == ["vector-search", "machine-learning"]
    assert next(t for t in taxonomy if t.slug == "graphs").name == "Graphs (ours)"
    papers, _, _ = pipeline.collect(project)
    hnsw = next(p for p in papers if "Hierarchical Navigable" in p.title)
    assert "vector-search" in hnsw.topics
    capsys.readouterr()
    assert main(["topics", "--project", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 papers, 34 topics")
    assert "vector-search" in out and "Vector search [cs.DS]" in out

    (root / "topics.yml").write_text("replace: true\ntopics:\n  - slug: only\n    name: Only\n"
                                     "    keywords: {x: 1}\n  - slug: rest\n    name: Rest\n")
    assert [t.slug for t in topics.load_taxonomy(project.topics_file)] == ["only", "rest"]
    (root / "topics.yml").write_text("topics:\n  - slug: Bad Slug\n    name: X\n")
    with pytest.raises(Exception, match="topic 1: slug must be lower-case"):
        topics.load_taxonomy(project.topics_file)


def test_evaluate_command(capsys):
    assert main(["topics", "--evaluate", str(HELD_OUT)]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "2026-04-17-heldout.jsonl" and cells[1] == "145"
    assert float(cells[2]) >= 0.90 and float(cells[4]) >= 0.95


def test_related_papers_are_similar_and_order_independent():
    entries = [Entry(title=t, abstract=a, date=dt.date(2025, 1, 1), source="s", line=i)
               for i, (t, a) in enumerate([
                   ("Dense retrieval", "dense passage retrieval with dual encoders"),
                   ("Sparse retrieval", "sparse lexical retrieval with learned expansion"),
                   ("Robot grasping", "a robot arm learns grasping from demonstrations"),
                   ("Robot walking", "legged robot locomotion learned in simulation"),
                   ("Retrieval survey", "a survey of dense and sparse retrieval models"),
               ])]
    papers = dedupe.merge(entries)

    def most_similar(papers):
        items = [(p.slug, p.title, p.abstract) for p in papers]
        return related.by_slug(items, related.find(items, {}, count=2))

    found = most_similar(papers)
    assert found == most_similar(list(reversed(papers)))
    assert set(found["dense-retrieval"]) <= {"retrieval-survey", "sparse-retrieval"}
    assert found["robot-grasping"][0] == "robot-walking"


def test_related_papers_are_the_exact_best_of_real_listings():
    """The best five as every similarity computed densely gives them, on real arXiv
    listing papers: the product that keeps each row's best loses none."""
    import numpy as np

    sys.path.insert(0, str(REPO / "bench"))
    import related_recall as recall

    papers = []
    for name in ("2025-04-26-listing.jsonl", "2026-04-17-heldout.jsonl", "2024-05-28-api.json",
                 "2025-06-02-api.json", "2026-08-18-api.json"):
        papers += _papers(FIXTURES / "formats" / name)
    items = [(p.slug, p.title, p.abstract) for p in papers]
    assert len(items) > 150
    found = related.find(items, {}, count=5)
    truth = recall.exact(items, count=5, block=64)
    assert np.mean([len({k for k, _ in found[key]} & set(best)) / len(best)
                    for key, best in truth.items() if best]) >= 0.99


def test_related_vectors_kept_between_builds_equal_fresh_ones(tmp_path):
    """A day's related papers reuse the vectors of the papers already known (cache.Rows):
    the matrix is the one made afresh, row for row, and so is the answer; the file
    keeps only the rows of the papers it was last asked for."""
    from generator.cache import Rows

    papers = []
    for name in ("2025-04-26-listing.jsonl", "2026-04-17-heldout.jsonl", "2024-05-28-api.json"):
        papers += _papers(FIXTURES / "formats" / name)
    items = [(p.slug, p.title, p.abstract) for p in papers]
    rows = Rows(tmp_path / "vectors.npz")
    keys = [related.identity(*item) for item in items]
    made = []

    def vectors(asked):
        def make(at):  # the vectors of the keys at these positions of `asked`
            made.append(len(at))
            return related._vectors([items[keys.index(asked[i])] for i in at])
        return rows.matrix(asked, make)

    first = vectors(keys[:-30])  # an earlier build, without the last 30
    assert made == [len(items) - 30]
    # Reordered, 30 new, 10 gone: only the new are made.
    asked = keys[-30:] + keys[10:-30]
    later = vectors(asked)
    assert made[1:] == [30]
    fresh = related._vectors([items[keys.index(k)] for k in asked])
    for a, b in ((later, fresh), (first[10:], fresh[30:])):
        assert (a.indptr == b.indptr).all() and (a.indices == b.indices).all()
        assert (a.data == b.data).all()
    assert vectors(asked) is not None and made[2:] == []  # all from the file
    assert rows._load()[0] == asked
    comparison = related.Comparison(items, {}, vectors=rows)
    compared = {}
    for number in range(len(comparison.tasks)):
        compared |= comparison.block(number)
    assert rows._load()[0] == keys  # the 10 it lacked were added
    assert comparison.complete(compared) == related.find(items, {})


def _sample_items(sample_project):
    papers, _, _ = pipeline.collect(load_project(sample_project))
    return [(p.slug, p.title, p.abstract) for p in papers]


def test_related_papers_updated_from_a_previous_answer_equal_a_fresh_one(sample_project):
    items = _sample_items(sample_project)
    fresh = related.find(items, {})
    # An earlier answer without the last 20 papers and with two that are gone since,
    # plus one paper whose abstract has changed since.
    earlier = items[:-20] + [("gone-1", "Gone", "dense retrieval with dual encoders"),
                             ("gone-2", "Also gone", "robot grasping from demonstrations")]
    earlier[5] = (earlier[5][0], earlier[5][1], "an abstract that was later corrected")
    previous = related.find(earlier, {})
    assert any(n in {related.identity(*e) for e in earlier[-2:]}
               for found in previous.values() for n, _ in found)  # the gone ones were used
    assert related.find(items, previous) == fresh


def test_related_papers_shared_with_a_worker_equal_one_process(sample_project):
    """A forked worker takes blocks from the first and the build's own process, asking
    at once, takes those not started from the last: together they give the answer one
    process gives, in both kinds of block (new papers against all, and known papers
    against the new ones)."""
    items = _sample_items(sample_project)
    previous = related.find(items[:-40], {})

    class Cache:  # the previous answer, as a cache table holds it
        old = previous

        def put(self, key, value):
            pass

        def save(self):
            pass

    papers = [Paper(key=s, slug=s, title=t, abstract=a, dates=(dt.date(2025, 1, 1),))
              for s, t, a in items]
    tuning = Tuning(related_apart_from=0, related_block=16, related_join_from=1)
    pending = related.Pending(papers, Cache(), tuning)
    assert pending.worker is not None and len(pending.futures) > 4
    while not (pending.futures[0].running() or pending.futures[0].done()):
        time.sleep(0.01)  # the worker has its first block; the others wait
    shared = pending.apply(papers)
    taken_here = pending.joined
    assert 0 < taken_here < len(pending.futures)  # both processes compared blocks
    one = related.by_slug(items, related.find(items, previous))
    assert {p.slug: p.related for p in shared} == {s: one.get(s, ()) for s, _, _ in items}
    # Without a worker, the build's process compares every block itself.
    alone = related.Pending(papers, Cache(), Tuning(processes=False, related_block=16))
    assert alone.worker is None
    assert alone.apply(papers) == shared and alone.joined == len(alone.futures)


def test_sample_pages_show_related_papers_and_trends(sample_project):
    site = sample_project / "site"
    page = (site / "papers/performance-scaling-via-optimal-transport-enabling-data-selection-"
            "from/index.html").read_text("utf-8")
    related = page[page.index('id="related"'):page.index('id="cite"')]
    assert related.count('<li><a href="../../papers/') == 5
    topic = (site / "topics/retrieval-rag/index.html").read_text("utf-8")
    assert '<svg viewBox="0 0 480 150" role="img" aria-label="Papers on Retrieval and RAG per ' \
           'week"' in topic
    assert '<th scope="row">week of 10 Mar 2025</th>' in topic  # the numbers as a table
    # The sample's days, 11 March to 3 April 2025: weeks, named by their Mondays.
    assert "<figcaption>Papers on Retrieval and RAG per week, weeks of 10 Mar 2025 to " \
           "31 Mar 2025.</figcaption>" in topic
    # Every topic with papers, and only those: an empty topic appears nowhere.
    used = {t for p in json.loads((site / "papers.json").read_text())["papers"] for t in p["topics"]}
    assert len(used) < len(topics.default_taxonomy())  # the sample leaves some empty
    index = (site / "topics/index.html").read_text("utf-8")
    assert index.count('class="pd-spark"') == len(used)
    search = (site / "search/index.html").read_text("utf-8")
    topic_filter = re.search(r'<select id="pd-search-topic".*?</select>', search).group(0)
    assert topic_filter.count("<option value=") == len(used) + 1  # and "Any topic"
    for topic in topics.default_taxonomy():
        assert (site / f"topics/{topic.slug}/index.html").exists() == (topic.slug in used)


def test_trend_caption_names_the_first_and_last_month():
    import datetime as dt

    from generator.render import trend_svg

    months = [dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1)]
    chart = trend_svg([3, 0, 1], [6, 10, 20], months, "month", "Agents")
    assert "<figcaption>Papers on Agents per month, November 2024 to January 2025.<" in chart
    assert "December 2024: 0" in chart


def test_trend_charts_have_axes_a_share_view_and_a_table():
    """Counts and shares of each month's papers, each with a value axis (0, half, the
    peak) and month labels in the SVG; the numbers again as a table."""
    import datetime as dt

    from generator.render import trend_svg

    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    counts, totals = [m for m in range(1, 13)], [10 * m * m for m in range(1, 13)]
    chart = str(trend_svg(counts, totals, months, "month", "Agents"))
    raw, share, table = chart.split('<figure class="pd-trend">')[1], \
        chart.split('<figure class="pd-trend">')[2], chart[chart.index("<table>"):]
    for tick in ("0", "6", "12"):
        assert f'text-anchor="end">{tick}</text>' in raw
    assert 'text-anchor="end">10%</text>' in share  # January: 1 of 10, the peak share
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', raw)
    assert labels == ["Jan 2024", "Mar 2024", "May 2024", "Jul 2024", "Sep 2024", "Nov 2024"]
    assert 'aria-label="Share of all papers per month on Agents"' in share
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>([^<]+)</td></tr>", table)
    assert rows[0] == ("January 2024", "1", "10", "10%") and len(rows) == 12
    assert rows[11] == ("December 2024", "12", "1440", "1%")
