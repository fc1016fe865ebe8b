"""`fazhi-graph export`: the store as one file another triple store can bulk-load."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from fazhi_graph import store as st
from fazhi_graph.cache import build_incremental
from fazhi_graph.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory, seed_files):
    d = tmp_path_factory.mktemp("export")
    build_incremental(seed_files, d / "out", cache_dir=d / "cache", store_dir=d / "store")
    return d / "store"


def _quads(store):
    return {tuple(st.term_key(x) for x in (q.subject, q.predicate, q.object)) + (q.graph_name.value,) for q in store}


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_quad_formats_keep_every_named_graph(seed_store, tmp_path, suffix):
    out = tmp_path / f"graph{suffix}"
    res = runner.invoke(app, ["export", "--store", str(seed_store), "-o", str(out)])
    assert res.exit_code == 0, res.output
    back = ox.Store()
    back.load(path=str(out))
    original = st.open_store(seed_store, read_only=True)
    assert _quads(back) == _quads(original)
    assert len(st.report_graphs(back)) == 5


def test_turtle_export_is_the_union_graph_and_deterministic(seed_store, tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    for p in (a, b):
        assert runner.invoke(app, ["export", "--store", str(seed_store), "-o", str(p)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    triples = {tuple(st.term_key(x) for x in (t.subject, t.predicate, t.object)) for t in ox.parse(path=str(a))}
    assert triples == {k[:3] for k in _quads(st.open_store(seed_store, read_only=True))}


def test_bad_suffix_and_missing_store_are_clear_errors(seed_store, tmp_path):
    res = runner.invoke(app, ["export", "--store", str(seed_store), "-o", str(tmp_path / "g.xlsx")])
    assert res.exit_code == 2 and "unknown format" in res.output and not (tmp_path / "g.xlsx").exists()
    res = runner.invoke(app, ["export", "--store", str(tmp_path / "none"), "-o", str(tmp_path / "g.nq")])
    assert res.exit_code == 2 and "none" in res.output and not (tmp_path / "g.nq").exists()
