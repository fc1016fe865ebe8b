"""Query layer: read-only, parameters bound (never spliced), named-query headers."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from fazhi_graph.namespaces import FZ
from fazhi_graph.query import QueryError, named_queries, run, run_named


@pytest.fixture()
def small() -> Graph:
    g = Graph()
    b = URIRef("https://w3id.org/fazhi-graph/id/bureau/x")
    g.add((b, RDF.type, FZ.Bureau))
    g.add((b, RDFS.label, Literal("某局", lang="zh")))
    return g


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP DEFAULT",
        "LOAD <http://example.org/x.ttl>",
    ],
)
def test_updates_are_refused(small, update):
    before = len(small)
    with pytest.raises(QueryError, match="read-only"):
        run(small, update)
    assert len(small) == before


def test_parameter_is_bound_not_spliced(small):
    q = "SELECT ?b WHERE { ?b rdfs:label ?l FILTER(STR(?l) = STR(?name)) }"
    assert len(run(small, q, {"name": "某局"}).rows) == 1
    # an injection attempt is just a string that matches nothing
    evil = '某局") } ; DELETE WHERE { ?s ?p ?o } #'
    assert run(small, q, {"name": evil}).rows == []
    assert len(small) == 2


def test_named_queries_have_titles_and_parse():
    qs = named_queries()
    assert len(qs) >= 6
    for nq in qs.values():
        assert nq.title, nq.name


def test_unknown_named_query_and_parameter(small):
    with pytest.raises(QueryError, match="unknown query"):
        run_named(small, "no-such-query")
    with pytest.raises(QueryError, match="no parameter"):
        run_named(small, "bureaus-in-province", {"nope": "1"})


def test_invalid_sparql_is_a_clear_error(small):
    with pytest.raises(QueryError, match="invalid SPARQL"):
        run(small, "SELEKT nothing")


def test_every_named_query_runs_on_the_seed_graph(seed_build):
    for name in named_queries():
        res = run_named(seed_build.graph, name)
        assert res.vars or res.boolean is not None, name


@pytest.mark.parametrize(
    "text,order,rest",
    [
        ("SELECT ?a ?b WHERE { ?a ?p ?b }\nORDER BY ?a ?b\n", (("a", False), ("b", False)), "SELECT ?a ?b WHERE { ?a ?p ?b }"),
        ("SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a ORDER BY DESC(?n) asc( ?a )  # most first",
         (("n", True), ("a", False)), "SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a"),
        # not split: LIMIT after the clause, an expression key, an ORDER BY in a sub-select only,
        # a key that is not projected, "ORDER BY" inside a string or a comment
        ("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 5", (), None),
        ("SELECT ?a WHERE { ?a ?p ?b } ORDER BY STR(?a)", (), None),
        ("SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 1 } }", (), None),
        ("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?b", (), None),
        ('SELECT ?a WHERE { ?a ?p "ORDER BY ?a" }', (), None),
        ("SELECT ?a WHERE { ?a ?p ?b }  # ORDER BY ?a", (), None),
        # the projection ends at the group, whether or not WHERE is written (and WHERE may be
        # part of a variable's name)
        ("SELECT ?a { ?a ?p ?b } ORDER BY ?b", (), None),
        ("SELECT ?a { ?a ?p ?b } ORDER BY ?a", (("a", False),), "SELECT ?a { ?a ?p ?b }"),
        ("SELECT ?somewhere ?b WHERE { ?somewhere ?p ?b } ORDER BY ?b", (("b", False),),
         "SELECT ?somewhere ?b WHERE { ?somewhere ?p ?b }"),
    ],
)
def test_split_order(text, order, rest):
    from fazhi_graph.query import split_order

    unordered, keys = split_order(text)
    assert keys == order
    if order:
        assert unordered.split("#")[0].strip() == rest
    else:
        assert unordered == text


def test_sort_rows_follows_sparql_order_and_breaks_ties():
    import pyoxigraph as ox

    from fazhi_graph.query import sort_rows

    def zh(s):
        return ox.Literal(s, language="zh")

    def num(n):
        return ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    rows = [
        [zh("潢川县城市管理局"), num(10), ox.Literal("b")],
        [zh("长治市城市管理局"), num(9), ox.Literal("a")],
        [zh("潢川县城市管理局"), num(10), ox.Literal("a")],  # tie on both keys with the first row
        [None, num(2), ox.Literal("c")],
        [ox.NamedNode("https://x/1"), num(100), ox.Literal("d")],
    ]
    out = sort_rows(["l", "n", "q"], rows, (("n", True), ("l", False)))
    assert [r[1].value for r in out] == ["100", "10", "10", "9", "2"]  # numeric, not "9" > "100"
    assert [r[2].value for r in out[1:3]] == ["a", "b"]  # ties ordered by the whole row
    out = sort_rows(["l", "n", "q"], rows, (("l", False),))
    assert out[0][0] is None and isinstance(out[1][0], ox.NamedNode)  # unbound < IRI < literal
    assert [r[0].value for r in out[2:]] == sorted(r[0].value for r in rows[:3])  # code point order


def test_sort_rows_orders_nan_and_infinities_as_oxigraph_does():
    """A double's NaN cannot be compared as a Decimal (``InvalidOperation``): it sorts after
    every number, INF included, as Oxigraph's own ORDER BY puts it."""
    import pyoxigraph as ox

    from fazhi_graph.query import sort_rows

    double = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    store = ox.Store()
    p = ox.NamedNode("https://example.org/p")
    values = [("NaN", double), ("1.0E0", double), ("INF", double), ("-INF", double), ("2.5E0", double), ("7", integer)]
    for i, (v, dt) in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"https://example.org/{i}"), p, ox.Literal(v, datatype=dt)))
    text = "SELECT ?s ?v WHERE { ?s <https://example.org/p> ?v }"
    for desc in (False, True):
        engine = [[sol["s"], sol["v"]] for sol in store.query(text + (" ORDER BY DESC(?v)" if desc else " ORDER BY ?v"))]
        rows = [[sol["s"], sol["v"]] for sol in store.query(text)]
        assert [r[1].value for r in sort_rows(["s", "v"], rows, (("v", desc),))] == [r[1].value for r in engine]
