"""The Oxigraph store gives the same answers as the rdflib graph, and reports can be replaced alone."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal

from fazhi_graph import query as q
from fazhi_graph import store as st
from fazhi_graph.graph import build_graph
from fazhi_graph.serve import QueryTimeout, call_with_timeout

RDFLIB_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def seed_store(seed_build):
    s = st.open_store()
    st.add_records(s, seed_build.records)
    return s


def _special_columns(text: str) -> tuple[dict[str, str], set[str]]:
    """Columns whose value is engine-defined: GROUP_CONCAT order and SAMPLE choice."""
    concat = {m.group(2): m.group(1) for m in re.finditer(
        r'GROUP_CONCAT\((?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"(.*?)"\s*\)\s*AS\s*\?(\w+)', text, re.I)}
    sample = {m.group(1) for m in re.finditer(r"SAMPLE\(\s*\?\w+\s*\)\s*AS\s*\?(\w+)", text, re.I)}
    return concat, sample


def normalise(vars_: list[str], rows, text: str) -> list[tuple]:
    """Rows as engine-neutral tuples, sorted. GROUP_CONCAT parts are sorted and their
    language tag dropped (Oxigraph keeps a shared tag, rdflib returns a plain string);
    SAMPLE columns only count as bound/unbound (each engine may pick another row)."""
    concat, sample = _special_columns(text)
    out = []
    for row in rows:
        cells = []
        for v, t in zip(vars_, row):
            k = st.term_key(t)
            if k and v in concat:
                k = ("concat", concat[v].join(sorted(k[1].split(concat[v]))) if concat[v] else "".join(sorted(k[1])), "")
            elif v in sample:
                k = k is not None
            cells.append(k)
        out.append(tuple(cells))
    return sorted(out, key=repr)


def test_union_of_store_equals_rdflib_graph(seed_build, seed_store):
    rd = {tuple(st.term_key(x) for x in t) for t in seed_build.graph}
    ox_triples = [tuple(st.term_key(x) for x in (t.subject, t.predicate, t.object)) for t in st.union_triples(seed_store)]
    assert len(ox_triples) == len(set(ox_triples)), "a triple is stored in two graphs (union would double it)"
    assert set(ox_triples) == rd


def test_one_named_graph_per_report(seed_build, seed_store):
    reports = st.report_graphs(seed_store)
    assert len(reports) == len(seed_build.records) == 5
    for iri in reports:
        assert iri.startswith("https://w3id.org/fazhi-graph/id/report/")
    names = {g.value for g in seed_store.named_graphs()}
    assert st.TAXONOMY_GRAPH in names and st.ENTITIES_GRAPH in names


@pytest.mark.parametrize("name", sorted(q.named_queries()))
def test_named_query_same_rows_on_rdflib_and_oxigraph(name, seed_build, seed_store):
    nq = q.named_queries()[name]
    b = st.run_named(seed_store, name)
    try:
        a = call_with_timeout(lambda: q.run_named(seed_build.graph, name), RDFLIB_TIMEOUT)
    except QueryTimeout:
        pytest.xfail(f"rdflib did not answer {name} within {RDFLIB_TIMEOUT:g} s on 5 reports "
                     f"(Oxigraph: {len(b.rows)} rows); the query needs rewriting for rdflib")
    assert a.vars == b.vars
    assert normalise(a.vars, a.rows, nq.text) == normalise(b.vars, b.rows, nq.text)


@pytest.mark.parametrize("name,params", [
    ("bureaus-by-level", {"level": "city"}),
    ("bureaus-in-province", {"province": "山西省"}),
    ("laws-cited-by-k", {"k": "3"}),
    ("edge-evidence", {"bureau": "长治市城市管理局"}),
])
def test_parameters_bind_the_same_on_both(name, params, seed_build, seed_store):
    if name not in q.named_queries():
        pytest.skip(f"named query {name} not shipped")
    nq = q.named_queries()[name]
    a = call_with_timeout(lambda: q.run_named(seed_build.graph, name, params), RDFLIB_TIMEOUT)
    b = st.run_named(seed_store, name, params)
    assert normalise(a.vars, a.rows, nq.text) == normalise(b.vars, b.rows, nq.text)


@pytest.mark.parametrize("value", ['"} . ?s ?p ?o } #', "县\"城'管\\局\n", "<http://x> . DROP ALL", "${level}"])
def test_hostile_parameter_values_stay_one_literal(value, seed_store):
    text = st.bind_values(q.named_queries()["bureaus-by-level"].text, {"level": value})
    assert "DROP ALL" not in text.split("VALUES", 1)[0]
    assert st.run(seed_store, text).rows == []  # parsed, bound as a literal, matched nothing


def test_having_parameter_is_visible_after_grouping(seed_store):
    text = "SELECT ?b (COUNT(?r) AS ?n) WHERE { ?r fz:issuedBy ?b } GROUP BY ?b HAVING (COUNT(?r) >= ?k)"
    assert len(st.run(seed_store, text, {"k": "1"}).rows) == 5
    assert st.run(seed_store, text, {"k": "2"}).rows == []
    bound = st.bind_values(text, {"k": "1"})
    assert re.search(r"GROUP BY\s+\?k\s+\?b", bound)


def test_replace_and_remove_one_report(seed_build, tmp_path):
    s = st.open_store(tmp_path / "store")
    st.add_records(s, seed_build.records)
    first, *rest = sorted(seed_build.records, key=lambda r: r.source)
    before = len(s)
    iris = st.add_records(s, [first], taxonomy=False)  # replacing with the same content changes nothing
    assert len(s) == before
    assert st.remove_report(s, iris[0])
    assert not st.remove_report(s, iris[0])
    assert len(st.report_graphs(s)) == 4
    rows = st.run(s, "SELECT ?r WHERE { ?r a fz:Report }").rows
    assert len(rows) == 4
    assert iris[0] not in st.report_graphs(s)  # the removed report's graph is gone, the others stay
    del s
    ro = st.open_store(tmp_path / "store", read_only=True)  # persisted on disk
    assert len(st.report_graphs(ro)) == 4


def test_load_graph_file_splits_graph_ttl(seed_build, tmp_path):
    path = seed_build.outputs["graph"]
    s = st.open_store()
    n = st.load_graph_file(s, path)
    g = Graph().parse(path)
    assert n == len(g)
    assert len(st.report_graphs(s)) == 5
    triples = [tuple(st.term_key(x) for x in (t.subject, t.predicate, t.object)) for t in st.union_triples(s)]
    assert len(triples) == len(set(triples)) == len(g)
    for name in ("report-years", "edge-evidence"):
        assert len(st.run_named(s, name).rows) == len(q.run_named(seed_build.graph, name).rows)


def test_to_ox_round_trips_literals():
    for lit in (Literal("长治"), Literal("长治", lang="zh"), Literal(3), Literal("2024-01-01", datatype=Literal("x").datatype)):
        assert st.term_key(st.to_ox(lit)) == st.term_key(lit)
    assert isinstance(st.to_ox(Literal(3)), ox.Literal)


def test_build_graph_matches_store_triple_count(seed_build, seed_store):
    assert len(build_graph(seed_build.records)) == len(seed_store)


@pytest.mark.parametrize("name", sorted(q.named_queries()))
def test_named_query_rows_sorted_in_python_keep_the_engine_order(name, seed_store):
    """``run_named`` drops a final ORDER BY and sorts in Python (Oxigraph re-reads every compared
    string); the rows and their order must be those of the query as written."""
    nq = q.named_queries()[name]
    _, merged = q.resolve_named(name)
    engine = st.run(seed_store, nq.text, merged)
    ours = st.run_named(seed_store, name)
    assert ours.vars == engine.vars
    assert sorted(map(repr, ours.rows)) == sorted(map(repr, engine.rows))
    cols = [engine.vars.index(v) for v, _ in nq.order]
    assert [[st.term_key(r[i]) for i in cols] for r in ours.rows] == [[st.term_key(r[i]) for i in cols] for r in engine.rows]
