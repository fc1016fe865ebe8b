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
