"""Hand the graph to an established triple store, and query it there.

``push`` uploads one named graph per report (graph IRI = report IRI) plus the
shared-entities and taxonomy graphs with the SPARQL 1.1 Graph Store HTTP Protocol
(``PUT <store-endpoint>?graph=IRI``, body N-Triples). PUT replaces the graph, so
pushing again after a rebuild updates changed reports and is idempotent. Endpoints:

* Oxigraph server: ``http://host:7878/store`` (queries at ``/query``; start it with
  ``--union-default-graph`` so the named queries see every graph);
* Apache Jena Fuseki: ``http://host:3030/DATASET/data`` (queries at ``/DATASET/sparql``;
  set ``tdb2:unionDefaultGraph true``);
* GraphDB: ``http://host:7200/repositories/REPO/rdf-graphs/service`` (its default
  graph is already the union);
* Virtuoso: ``http://host:8890/sparql-graph-crud-auth`` (queries without FROM see all graphs).

``run_named_remote`` runs a named query against any SPARQL 1.1 Protocol endpoint.
Why each shared triple lives in exactly one graph: see ``store`` (union default
graphs of some servers are multisets).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from .query import Result, resolve_named
from .store import ENTITIES_GRAPH, TAXONOMY_GRAPH, bind_values, load_graph_file, open_store


class PushError(RuntimeError):
    pass


@dataclass
class PushReport:
    graphs: int
    triples: int
    bytes: int


def _request(url: str, *, method: str, data: bytes | None, headers: dict[str, str], timeout: float) -> bytes:
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user-given endpoint
            return resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", errors="replace")
        raise PushError(f"{method} {url}: HTTP {exc.code} {exc.reason}: {detail}") from exc
    except urllib.error.URLError as exc:
        raise PushError(f"{method} {url}: {exc.reason}") from exc


def graphs_of_store(store: ox.Store) -> Iterator[tuple[str, bytes, int]]:
    """(graph IRI, N-Triples, triple count) for every named graph; taxonomy and entities first."""
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    first = [g for g in (TAXONOMY_GRAPH, ENTITIES_GRAPH) if g in names]
    for name in first + [g for g in names if g not in first]:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
        yield name, data, data.count(b"\n")


def push_graphs(endpoint: str, graphs: Iterable[tuple[str, bytes, int]], *, timeout: float = 60.0,
                headers: dict[str, str] | None = None) -> PushReport:
    """PUT each graph to a Graph Store Protocol endpoint."""
    n = triples = size = 0
    sep = "&" if "?" in endpoint else "?"
    for iri, data, count in graphs:
        url = f"{endpoint}{sep}graph={urllib.parse.quote(iri, safe='')}"
        _request(url, method="PUT", data=data,
                 headers={"Content-Type": "application/n-triples", **(headers or {})}, timeout=timeout)
        n += 1
        triples += count
        size += len(data)
    return PushReport(n, triples, size)


def push(endpoint: str, *, graph: str | Path | None = None, store: str | Path | None = None,
         timeout: float = 60.0, headers: dict[str, str] | None = None) -> PushReport:
    """Upload ``graph.ttl`` (split into per-report graphs) or a store folder."""
    if (graph is None) == (store is None):
        raise ValueError("give exactly one of graph= or store=")
    if store is not None:
        st = open_store(store, read_only=True)
    else:
        if not Path(graph).exists():  # type: ignore[arg-type]
            raise FileNotFoundError(f"{graph}: graph file not found")
        st = open_store()
        load_graph_file(st, graph)  # type: ignore[arg-type]
    return push_graphs(endpoint, graphs_of_store(st), timeout=timeout, headers=headers)


def _term(d: dict[str, str]) -> URIRef | Literal | BNode:
    t = d.get("type")
    if t == "uri":
        return URIRef(d["value"])
    if t == "bnode":
        return BNode(d["value"])
    if "xml:lang" in d:
        return Literal(d["value"], lang=d["xml:lang"])
    if d.get("datatype"):
        return Literal(d["value"], datatype=URIRef(d["datatype"]))
    return Literal(d["value"])


def run_remote(endpoint: str, text: str, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> Result:
    """POST a query (form-encoded, SPARQL 1.1 Protocol) and parse SPARQL JSON results."""
    from .namespaces import PREFIXES

    declared = {line.split()[1].rstrip(":") for line in text.splitlines() if line.strip().upper().startswith("PREFIX")}
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared)
    body = urllib.parse.urlencode({"query": prologue + text}).encode()
    raw = _request(endpoint, method="POST", data=body, timeout=timeout, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
        **(headers or {}),
    })
    data = json.loads(raw)
    if "boolean" in data:
        return Result([], [], boolean=bool(data["boolean"]))
    vars_ = list(data["head"].get("vars", []))
    rows = [[_term(b[v]) if v in b else None for v in vars_] for b in data["results"]["bindings"]]
    return Result(vars_, rows)


def run_named_remote(endpoint: str, name: str, params: dict[str, str] | None = None, *,
                     timeout: float = 60.0, headers: dict[str, str] | None = None) -> Result:
    """Run a named query (``ontology/queries/NAME.rq``) on a remote SPARQL endpoint.

    Parameters cannot travel as bindings over the SPARQL Protocol, and splicing user
    text into a query is an injection hole. So each value becomes an RDF term first
    (``query._coerce``: integer → ``"3"^^xsd:integer``, http(s) IRI → ``<…>``, anything
    else a string literal) and is serialised with rdflib's ``n3()``, which escapes
    quotes, backslashes and line breaks; the terms are then injected as a
    ``VALUES (?p …) { (term …) }`` block at the top of the query's WHERE group
    (``store.bind_values``; a *trailing* VALUES would be joined after the FILTERs that
    use the parameters and after GROUP BY/HAVING). The rewritten query is parsed with
    rdflib before it is sent. The server must expose the union of the named graphs
    as its default graph (see the module docstring)."""
    nq, merged = resolve_named(name, params)
    return run_remote(endpoint, bind_values(nq.text, merged), timeout=timeout, headers=headers)
