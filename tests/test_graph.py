"""Graph builder: contract triples, evidence reification, stable IRIs, round trip, NetworkX projection."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS

from fazhi_graph import iris
from fazhi_graph.graph import build_dataset, build_graph, report_graph, to_networkx
from fazhi_graph.namespaces import FZ, PREFIXES


def test_turtle_round_trip_is_isomorphic(seed_build):
    parsed = Graph().parse(seed_build.outputs["graph"], format="turtle")
    assert isomorphic(parsed, seed_build.graph)


def test_rebuilding_from_records_gives_an_isomorphic_graph(seed_build):
    assert isomorphic(build_graph(seed_build.records), seed_build.graph)


def test_union_of_report_graphs_is_the_graph(seed_build):
    ds = build_dataset(seed_build.records)
    union = Graph()
    for ctx in ds.graphs():
        for t in ctx:
            union.add(t)
    assert isomorphic(union, seed_build.graph)
    assert len([c for c in ds.graphs() if (None, RDF.type, FZ.Report) in c]) == 5


def test_contract_properties_present(seed_build):
    g = seed_build.graph
    for p in (FZ.issuedBy, FZ.year, FZ.cites, FZ.adopts, FZ.plans, FZ.reportsProblem, FZ.province, FZ.city, FZ.adminLevel):
        assert next(g.triples((None, p, None)), None) is not None, p
    for b in g.subjects(RDF.type, FZ.Bureau):
        assert g.value(b, RDFS.label) is not None
        assert str(g.value(b, FZ.adminLevel)) in {"province", "city", "district", "county", "county-level-city"}
    for c in set(g.objects(None, FZ.adopts)):
        assert (c, RDF.type, FZ.Practice) in g
        assert any(l.language == "zh" for l in g.objects(c, SKOS.prefLabel))


def test_every_edge_has_evidence(seed_build):
    g = seed_build.graph
    for pred in (FZ.cites, FZ.adopts, FZ.plans, FZ.reportsProblem):
        for s, o in g.subject_objects(pred):
            q = "ASK { ?e rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; fz:quote ?q ; fz:start ?a ; fz:end ?b }"
            assert g.query(q, initNs=PREFIXES, initBindings={"s": s, "p": pred, "o": o}).askAnswer, (s, pred, o)


def test_iris_are_derived_from_normalised_names():
    assert iris.bureau_iri("潢川县城市管理局") == iris.bureau_iri(" 潢川縣城市管理局 ")
    assert iris.bureau_iri("潢川县城市管理局") != iris.bureau_iri("息县城市管理局")
    assert "潢川县城市管理局" in str(iris.bureau_iri("潢川县城市管理局"))
    assert " " not in str(iris.law_iri("关于 印发《X》的 通知"))


def test_report_graph_is_self_contained(seed_build):
    rec = seed_build.records[0]
    report, g = report_graph(rec)
    assert (report, RDF.type, FZ.Report) in g
    assert g.value(report, FZ.source) == Literal(rec.source)


def test_networkx_projection(seed_build):
    G = to_networkx(seed_build.graph)
    kinds = {d["kind"] for _, d in G.nodes(data=True)}
    assert kinds == {"bureau", "practice", "problem", "law"}
    bureaus = [n for n, d in G.nodes(data=True) if d["kind"] == "bureau"]
    assert len(bureaus) == 5
    assert all(G.out_degree(b) > 10 for b in bureaus)


def test_bureau_level_edges_summarise_exactly_the_report_edges(seed_build):
    """(b fz:bureauAdopts p) iff some report issued by b has (r fz:adopts p); same for plans,
    reportsProblem and cites."""
    g = seed_build.graph
    for rel in ("adopts", "plans", "reportsProblem", "cites"):
        summary = FZ["bureau" + rel[0].upper() + rel[1:]]
        from_reports = {(b, o) for r, o in g.subject_objects(FZ[rel]) for b in g.objects(r, FZ.issuedBy)}
        assert from_reports, rel
        assert set(g.subject_objects(summary)) == from_reports, rel


import pytest  # noqa: E402


@pytest.mark.parametrize("text", ['引号"与反斜杠\\', "换行\n回车\r制表\t", "控制\x01\x1f字符", "行分隔\u2028段分隔\u2029",
                                  "emoji 🚀 与繁體", "", "<not an iri> .", '"""'])
def test_nt_line_escapes_any_literal(text):
    """N-Triples written by nt_line parse back to the same literal in rdflib and Oxigraph."""
    import pyoxigraph as ox

    from fazhi_graph.graph import Lit, nt_line

    s = "https://w3id.org/fazhi-graph/id/x"
    for lit in (Lit(text), Lit(text, "zh")):
        line = nt_line((s, s, lit))
        (t,) = Graph().parse(data=line, format="nt")
        assert str(t[2]) == text and t[2].language == lit.lang
        (q,) = ox.parse(line, format=ox.RdfFormat.N_TRIPLES)
        assert q.object.value == text


def test_statements_written_as_ntriples_equal_the_rdflib_triples(seed_build):
    from fazhi_graph.graph import nt_line, report_statements, report_triples

    for rec in seed_build.records:
        _, statements = report_statements(rec)
        parsed = Graph().parse(data="".join(nt_line(st) for st in statements), format="nt")
        assert set(parsed) == set(report_triples(rec)[1])
