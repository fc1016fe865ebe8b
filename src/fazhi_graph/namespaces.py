"""RDF namespaces of fazhi-graph.

``FZ`` is the vocabulary (classes and properties, declared in ontology/fazhi.ttl);
the others hold instances. IRIs are built from normalised names (see ``iris``), so
the same input always yields the same IRIs.
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/fazhi-graph/"
FZ = Namespace(BASE + "ns#")
PRACTICE = Namespace(BASE + "practice/")
PROBLEM = Namespace(BASE + "problem/")
LAW = Namespace(BASE + "law/")
INDICATOR = Namespace(BASE + "indicator/")
LEX = Namespace(BASE + "lexicon/")
ID = Namespace(BASE + "id/")
ORG = Namespace("http://www.w3.org/ns/org#")

#: Prefixes predeclared for every query and used when serialising.
PREFIXES: dict[str, Namespace] = {
    "fz": FZ,
    "fzp": PRACTICE,
    "fzq": PROBLEM,
    "fzl": LAW,
    "fzi": INDICATOR,
    "fzlex": LEX,
    "fzid": ID,
    "skos": SKOS,
    "rdfs": RDFS,
    "rdf": RDF,
    "xsd": XSD,
    "prov": PROV,
    "dcterms": DCTERMS,
    "org": ORG,
    "owl": OWL,
}

__all__ = ["BASE", "FZ", "PRACTICE", "PROBLEM", "LAW", "INDICATOR", "LEX", "ID", "ORG", "PREFIXES"]
