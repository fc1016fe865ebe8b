"""Shared fixtures: the seed reports, the gold file, and the built seed graph (built once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOLD = ROOT.parent / "shared" / "eval" / "seeds_gold.json"
QUESTIONS = ROOT.parent / "shared" / "eval" / "seeds_gold_questions.json"


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    if not GOLD.exists():
        pytest.skip(f"gold file not found at {GOLD}")
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def questions() -> list[dict]:
    if not QUESTIONS.exists():
        pytest.skip(f"questions file not found at {QUESTIONS}")
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory):
    """`build seeds/` once for the whole session (the library call the CLI makes)."""
    from fazhi_graph.pipeline import build

    out = tmp_path_factory.mktemp("seed-build")
    return build([SEEDS], out, html=True)


def assert_offsets_hold(text: str, rec) -> None:
    """Every quote and statement of ``rec`` is the text at its offsets, matches inside quotes."""
    for e in rec.all_evidence():
        assert text[e.start:e.end] == e.quote
        assert text[e.match_start:e.match_end] == e.match
        assert e.start <= e.match_start <= e.match_end <= e.end
    for st in rec.problem_statements:
        assert text[st.start:st.end] == st.text
