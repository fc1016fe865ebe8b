"""Accuracy targets on the development gold (shared/eval/seeds_gold.json), scored by `evaluate`.

This test is the tripwire: it fails when a change to the taxonomies, lexicons or extractors
drops any figure below the issue's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from fazhi_graph.evaluate import evaluate_records

TARGETS = {
    "laws_f1": 0.95,
    "practices_precision": 0.90,
    "practices_recall": 0.80,
    "status_accuracy": 0.90,
    "statement_recall": 0.95,
    "problem_category_f1": 0.85,
    "metrics_recall": 0.80,
}


@pytest.fixture(scope="module")
def scores(seed_build, gold):
    from fazhi_graph.ingest import read_document

    texts = {Path(r.source).name: read_document(r.source).text for r in seed_build.records}
    return evaluate_records(gold, [r.to_json() for r in seed_build.records], texts)


def test_metadata_all_correct(scores):
    assert scores.meta_errors == []
    for field in ("bureau", "province", "city", "admin_level", "year"):
        correct, total = scores.meta[field]
        assert correct == total == 5, field


def test_targets_hold(scores):
    got = {
        "laws_f1": scores.laws.f1,
        "practices_precision": scores.practices.precision,
        "practices_recall": scores.practices.recall,
        "status_accuracy": scores.status_accuracy,
        "statement_recall": scores.statements.recall,
        "problem_category_f1": scores.problem_categories.f1,
        "metrics_recall": scores.metrics.recall,
    }
    below = {k: round(v, 3) for k, v in got.items() if v < TARGETS[k]}
    assert not below, f"below target: {below}; misses: {scores.practices.misses[:10]}"


def test_scorer_punishes_wrong_predictions(gold):
    """The scorer itself can fail: an empty prediction scores zero recall everywhere."""
    empty = [{"source": g["file"], "laws": [], "practices": [], "problems": [], "problem_statements": [],
              "metrics": []} for g in gold]
    ev = evaluate_records(gold, empty)
    assert ev.laws.recall == 0 and ev.practices.recall == 0 and ev.metrics.recall == 0
    assert ev.meta["bureau"] == (0, 5)


def test_law_matching_normalises_names():
    gold = [{"file": "x.txt", "bureau": None, "laws": [{"canonical": "行政处罚法", "surface": ["《中华人民共和国行政处罚法》"]}]}]
    pred = [{"source": "x.txt", "bureau": None, "laws": [{"label": "中华人民共和国行政处罚法", "aliases": []}],
             "practices": [], "problems": [], "problem_statements": [], "metrics": []}]
    ev = evaluate_records(gold, pred)
    assert ev.laws.f1 == 1.0
