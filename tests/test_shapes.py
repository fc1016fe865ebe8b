"""The built graph conforms to the SHACL shapes in ontology/shapes.ttl (and a broken one does not)."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from fazhi_graph.namespaces import FZ
from fazhi_graph.ontology import ontology_dir


def validate(g: Graph) -> tuple[bool, str]:
    from pyshacl import validate as shacl

    shapes = Graph().parse(ontology_dir() / "shapes.ttl")
    conforms, _, text = shacl(g, shacl_graph=shapes, inference="none")
    return conforms, text


def test_seed_graph_conforms(seed_build):
    ok, text = validate(seed_build.graph)
    assert ok, text[:3000]


def test_violations_are_caught():
    g = Graph()
    r = URIRef("urn:r")
    g.add((r, RDF.type, FZ.Report))
    g.add((r, FZ.year, Literal("二〇二三")))
    b = URIRef("urn:b")
    g.add((b, RDF.type, FZ.Bureau))
    g.add((b, FZ.adminLevel, Literal("town")))
    ok, text = validate(g)
    assert not ok
    assert "adminLevel" in text and "year" in text
