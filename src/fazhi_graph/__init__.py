"""fazhi-graph: annual rule-of-law reports (法治政府建设年度报告) → evidence-carrying knowledge graph.

Library API (the CLI is a thin shell over these)::

    from fazhi_graph import build, extract_file, load_graph, run_query

    rec = extract_file("seeds/000_49c1d2bb6539c8af.txt")   # ReportRecord
    rec.meta.bureau, [p.label for p in rec.practices]
    result = build(["seeds/"], "output/")                   # writes graph.ttl, graph.html …
    rows = run_query(result.graph, "SELECT ?b WHERE { ?b a fz:Bureau }").rows
"""

from .model import Document, ReportRecord
from .pipeline import BuildResult, build, extract_document, extract_file, extract_many


def load_graph(path):
    from .query import load_graph as _load

    return _load(path)


def run_query(graph, sparql, params=None):
    from .query import run

    return run(graph, sparql, params)


def to_networkx(graph):
    from .graph import to_networkx as _nx

    return _nx(graph)


__all__ = [
    "BuildResult",
    "Document",
    "ReportRecord",
    "build",
    "extract_document",
    "extract_file",
    "extract_many",
    "load_graph",
    "run_query",
    "to_networkx",
]
__version__ = "0.1.0"
