"""A persistent Oxigraph store for corpora too big for an in-memory rdflib graph.

rdflib is the embedded default (files, small corpora). At thousands of reports it
needs minutes to parse or write ``graph.ttl`` and seconds per aggregate query,
while Oxigraph (pyoxigraph, Rust) loads and queries the same data one to two
orders of magnitude faster and keeps it on disk between runs.

Layout of the store (a quad store):

* ``<report IRI>`` — one named graph per report holding every triple whose subject
  belongs to that report alone (the report, its sections, evidence, problem
  statements, observations), so one report can be replaced or removed alone;
* ``fzid:graph/entities`` — descriptions of nodes several reports share (bureaus,
  regions, laws missing from the gazetteer, candidate practices);
* ``fzid:graph/taxonomy`` — vocabulary, taxonomies, law gazetteer.

Why shared descriptions are not copied into every report graph: Oxigraph's
"union default graph" is a multiset (a triple stored in two graphs is seen twice),
unlike the RDF merge that rdflib's single graph gives. Keeping each triple in exactly
one graph makes the union default graph equal to ``graph.ttl`` as a set, so the
named queries return the same rows on both engines (tested).

Named queries run with union-default-graph semantics. Parameters are bound, not
spliced: pyoxigraph's ``substitutions`` only accepts *projected* variables (it
raises "does not contain variable ?k in its SELECT projection" for our filter and
HAVING parameters), so each value is serialised as an RDF term and injected as a
``VALUES`` block at the top of the WHERE group (see ``bind_values``), the same
mechanism used against remote endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from .namespaces import ID, PREFIXES

TAXONOMY_GRAPH = str(ID["graph/taxonomy"])
ENTITIES_GRAPH = str(ID["graph/entities"])

#: IRIs under these paths belong to exactly one report (see graph.report_statements).
_REPORT_SCOPED = tuple(str(ID[p]) for p in ("report/", "section/", "evidence/", "statement/", "observation/"))

OX_PREFIXES = {k: str(v) for k, v in PREFIXES.items()}


# --------------------------------------------------------------------------- terms


def to_ox(term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """rdflib term → pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    return ox.BlankNode(str(term))


def is_report_scoped(subject: str) -> bool:
    return subject.startswith(_REPORT_SCOPED)


def ntriples(g: Graph) -> str:
    """N-Triples of an rdflib graph, one triple per line, sorted (deterministic)."""
    return "".join(sorted(_nt_lines(g)))


def _nt_lines(triples) -> list[str]:
    try:  # rdflib's own N-Triples row writer (escaping done right), without its per-call overhead
        from rdflib.plugins.serializers.nt import _nt_row
    except ImportError:  # pragma: no cover - older/newer rdflib
        g = Graph()
        for t in triples:
            g.add(t)
        return [line + "\n" for line in g.serialize(format="nt").splitlines() if line.strip()]
    return [_nt_row(t) for t in triples]


def in_graph(nt: str, graph: str) -> str:
    """N-Triples lines → the same triples as N-Quads in ``graph``."""
    suffix = f" <{graph}> .\n"
    return "".join(line[:-3] + suffix for line in nt.splitlines(keepends=True))


def split_statements(report_iri: str, statements) -> tuple[str, str, int]:
    """(own triples as N-Quads in the report's graph, shared-entity triples as sorted
    N-Triples, number of triples) of ``graph.report_statements``' output: the layout of
    the store (see the module docstring). Own lines keep the statements' fixed order.

    Lines are the same as ``graph.nt_line``'s, but each term is rendered once per report
    (an evidence node is the subject of twelve lines, a sentence quoted by several
    evidence nodes is escaped once): this runs for every report of a build and was
    costing almost as much as extracting it."""
    from .graph import render_term

    rendered: dict = {}
    own: list[str] = []
    shared: list[str] = []
    own_end = f" <{report_iri}> .\n"
    scoped = _REPORT_SCOPED
    for s, p, o in statements:
        rs = rendered.get(s)
        if rs is None:
            rs = rendered[s] = render_term(s)
        rp = rendered.get(p)
        if rp is None:
            rp = rendered[p] = render_term(p)
        ro = rendered.get(o)
        if ro is None:
            ro = rendered[o] = render_term(o)
        if s.startswith(scoped):
            own.append(f"{rs} {rp} {ro}{own_end}")
        else:
            shared.append(f"{rs} {rp} {ro} .\n")
    shared.sort()
    return "".join(own), "".join(shared), len(statements)


# --------------------------------------------------------------------------- store


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> ox.Store:
    """Open (or create) a store directory; ``None`` gives an in-memory store.

    Only one process may open a directory read-write; readers that must not block a
    writer (e.g. ``serve --store``) use ``read_only=True``."""
    if path is None:
        return ox.Store()
    p = Path(path)
    if read_only:
        if not p.is_dir():
            raise FileNotFoundError(f"{p}: store directory not found")
        return ox.Store.read_only(str(p))
    p.mkdir(parents=True, exist_ok=True)
    return ox.Store(str(p))


def _load_nt(store: ox.Store, nt: str | bytes, graph: str) -> None:
    if nt:
        store.load(input=nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


def load_taxonomy(store: ox.Store) -> None:
    """(Re)load the taxonomy graph from the ontology folder."""
    from .graph import taxonomy_graph

    store.clear_graph(ox.NamedNode(TAXONOMY_GRAPH)) if store.contains_named_graph(ox.NamedNode(TAXONOMY_GRAPH)) else None
    _load_nt(store, ntriples(taxonomy_graph()), TAXONOMY_GRAPH)


def remove_report(store: ox.Store, report_iri: str) -> bool:
    """Remove a report's named graph; returns whether it was there."""
    g = ox.NamedNode(report_iri)
    if not store.contains_named_graph(g):
        return False
    store.remove_graph(g)
    return True


def add_records(store: ox.Store, records: Iterable, *, taxonomy: bool = True) -> list[str]:
    """Load extracted records (one named graph each); returns the report IRIs."""
    from .graph import report_statements

    iris: list[str] = []
    if taxonomy:
        load_taxonomy(store)
    for rec in records:  # replaces each report's graph; the entities graph only grows here
        report, statements = report_statements(rec)
        own, shared, _ = split_statements(report, statements)
        remove_report(store, report)
        store.load(input=own, format=ox.RdfFormat.N_QUADS)
        _load_nt(store, shared, ENTITIES_GRAPH)
        iris.append(report)
    return iris


def load_graph_file(store: ox.Store, path: str | Path) -> int:
    """Load a ``graph.ttl`` (a union graph) and split it into the store's graphs.

    Taxonomy triples (subjects described by the ontology) go to the taxonomy graph,
    report-scoped ones to their report's graph (found through ``fz:inReport`` /
    ``fz:hasSection`` … links, i.e. by the report key in the IRI), the rest to the
    entities graph. Returns the number of triples loaded."""
    from .graph import taxonomy_graph

    tax_subjects = {str(s) for s in taxonomy_graph().subjects()}
    by_graph: dict[str, list[ox.Quad]] = {}
    report_by_key: dict[str, str] = {}
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    report_prefix = str(ID["report/"])
    for t in triples:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
        if s.startswith(report_prefix):
            report_by_key[s[len(report_prefix):]] = s
    keys = sorted(report_by_key, key=len, reverse=True)
    n = 0
    for t in triples:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
        if s in tax_subjects:
            graph = TAXONOMY_GRAPH
        elif is_report_scoped(s):
            graph = _owning_report(s, keys, report_by_key) or ENTITIES_GRAPH
        else:
            graph = ENTITIES_GRAPH
        by_graph.setdefault(graph, []).append(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)))
        n += 1
    for graph in sorted(by_graph):
        if store.contains_named_graph(ox.NamedNode(graph)):
            store.remove_graph(ox.NamedNode(graph))
        store.extend(by_graph[graph])
    return n


def _owning_report(subject: str, keys: list[str], report_by_key: dict[str, str]) -> str | None:
    for prefix in _REPORT_SCOPED:
        if subject.startswith(prefix):
            rest = subject[len(prefix):]
            for k in keys:  # longest key first: keys are "bureau/year" or "sha-…"
                if rest == k or rest.startswith(k + "/"):
                    return report_by_key[k]
    return None


def report_graphs(store: ox.Store) -> list[str]:
    """IRIs of the report graphs in the store, sorted."""
    special = {TAXONOMY_GRAPH, ENTITIES_GRAPH}
    return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in special)


def union_triples(store: ox.Store) -> Iterator[ox.Triple]:
    """Every triple of every graph (each triple lives in one graph, so no duplicates)."""
    for q in store.quads_for_pattern(None, None, None, None):
        yield q.triple


# --------------------------------------------------------------------------- queries


def _mask(text: str) -> str:
    """``text`` with comments, strings and IRIs blanked (same length) for keyword search."""
    out = list(text)
    i, n = 0, len(text)
    iri = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            q3 = text[i:i + 3]
            if q3 in ('"""', "'''"):
                j = text.find(q3, i + 3)
                j = n if j < 0 else j + 3
            else:
                j = i + 1
                while j < n and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                j = min(j + 1, n)
        elif c == "<" and (m := iri.match(text, i)):
            j = m.end()
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


def bind_values(text: str, params: dict[str, object]) -> str:
    """Bind query parameters by injecting ``VALUES (?a ?b) { (t1 t2) }`` at the top of
    the outermost WHERE group.

    Why VALUES and not string formatting: each value is first turned into an RDF term
    (``query._coerce``: integer → xsd:integer, http(s) IRI → IRI, else a string
    literal) and serialised with rdflib's ``n3()``, which escapes quotes, backslashes
    and newlines, so a value can only ever be one term — ``"} DROP ALL #`` stays a
    string literal. Why at the top and not appended after the query: a trailing
    VALUES clause is joined *after* the WHERE pattern and grouping, so FILTERs inside
    the pattern would see the parameter unbound. Parameters that HAVING refers to are
    not group keys; they are added to GROUP BY (constant within the query, so the
    groups are unchanged) to keep them visible there. Sub-SELECTs only see variables
    they bind themselves, so the block goes into the WHERE group of every SELECT/ASK/
    CONSTRUCT/DESCRIBE in the text (extra bindings of unused variables are harmless). The result is parsed with
    rdflib the first time a query is bound with parameters of these names and kinds, so a malformed
    injection fails loudly (and the engine's own parser checks every query anyway)."""
    from rdflib.plugins.sparql.parser import parseQuery

    from .query import QueryError, _coerce

    if not params:
        return text
    terms = {k: (v if isinstance(v, (URIRef, Literal)) else _coerce(str(v))) for k, v in params.items()}
    for k in terms:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
            raise QueryError(f"invalid parameter name {k!r}")
    names = sorted(terms)
    block = f" VALUES ({' '.join('?' + k for k in names)}) {{ ({' '.join(terms[k].n3() for k in names)}) }} "
    masked = _mask(text)
    edits: list[tuple[int, str]] = []  # (offset, text to insert), applied from the end
    for m in re.finditer(r"\b(SELECT|ASK|DESCRIBE|CONSTRUCT)\b", masked, re.IGNORECASE):
        start = m.end()
        if m.group(1).upper() == "CONSTRUCT":
            w = re.compile(r"\bWHERE\b", re.IGNORECASE).search(masked, start)
            start = w.end() if w else start
        brace = masked.find("{", start)
        if brace >= 0:
            edits.append((brace + 1, block))
    if not edits:
        raise QueryError("query has no WHERE group to bind parameters in")
    for gb in re.finditer(r"\bGROUP\s+BY\b", masked, re.IGNORECASE):
        used = [k for k in names if re.search(rf"[?$]{k}\b", masked[gb.end():])]
        if used:
            edits.append((gb.end(), " " + " ".join("?" + k for k in used)))
    out = text
    for at, ins in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:at] + ins + out[at:]
    shape = (text, tuple((k, type(terms[k]).__name__, getattr(terms[k], "language", None),
                          str(getattr(terms[k], "datatype", None) or "")) for k in names))
    if shape not in _PARSED_SHAPES:
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in OX_PREFIXES.items())
        try:
            parseQuery(prologue + out)
        except Exception as exc:  # pragma: no cover - defensive
            raise QueryError(f"could not bind parameters: {exc}") from exc
        if len(_PARSED_SHAPES) > 1024:
            _PARSED_SHAPES.clear()
        _PARSED_SHAPES.add(shape)
    return out


#: (query text, parameter names and term kinds) whose bound form rdflib has parsed once. Parsing
#: with rdflib costs 30–250 ms per call, more than most named queries take on Oxigraph; each value is
#: one ``n3()`` term, so another value of the same kind cannot change the parse.
_PARSED_SHAPES: set[tuple] = set()


@dataclass
class OxResult:
    vars: list[str]
    rows: list[list[object]]  # pyoxigraph terms or None
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None


def run(store: ox.Store, text: str, params: dict[str, object] | None = None, *, union: bool = True) -> OxResult:
    """Run read-only SPARQL on the store (standard prefixes predeclared, params bound)."""
    from .query import QueryError

    q = bind_values(text, params or {}) if params else text
    try:
        res = store.query(q, prefixes=OX_PREFIXES, use_default_graph_as_union=union)
    except SyntaxError as exc:
        raise QueryError(f"invalid or non-query SPARQL: {exc}") from exc
    try:
        if isinstance(res, ox.QueryBoolean):
            return OxResult([], [], boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            vars_ = [v.value for v in res.variables]
            return OxResult(vars_, [list(sol) for sol in res])  # values in the order of vars_
        return OxResult([], [], triples=list(res))
    finally:
        del res  # pyoxigraph results must be released by the thread that made them


def run_named(store: ox.Store, name: str, params: dict[str, str] | None = None, *, union: bool = True) -> OxResult:
    """Run a named query (``ontology/queries/NAME.rq``) with defaults filled in, like ``query.run_named``."""
    from .query import resolve_named, sort_rows

    nq, merged = resolve_named(name, params)  # type: ignore[arg-type]
    if nq.order:  # Oxigraph's ORDER BY reads every compared string again: sort the rows here
        res = run(store, nq.unordered, merged, union=union)
        if all(v in res.vars for v, _ in nq.order):
            res.rows = sort_rows(res.vars, res.rows, nq.order)
            return res
    return run(store, nq.text, merged, union=union)


def term_key(term: object) -> tuple[str, str, str] | None:
    """Engine-neutral form of a term (rdflib or pyoxigraph): (kind, value, lang-or-datatype).

    Plain literals and xsd:string are the same term in RDF 1.1."""
    if term is None:
        return None
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    if isinstance(term, (URIRef, ox.NamedNode)):
        return ("uri", str(term) if isinstance(term, URIRef) else term.value, "")
    if isinstance(term, Literal):
        extra = f"@{term.language}" if term.language else str(term.datatype or xsd_string)
        return ("literal", str(term), extra)
    if isinstance(term, ox.Literal):
        extra = f"@{term.language}" if term.language else term.datatype.value
        return ("literal", term.value, extra)
    return ("bnode", str(term), "")


def to_rdflib_term(term: object):
    """A pyoxigraph term as the rdflib term the CLI formatters and ``query.Result`` expect."""
    from rdflib import BNode

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt == "http://www.w3.org/2001/XMLSchema#string" else URIRef(dt))
    return BNode(str(term.value) if hasattr(term, "value") else str(term))


def to_result(res: OxResult):
    """An Oxigraph result as a ``query.Result`` (same printing, CSV and JSON as rdflib's)."""
    from .query import Result

    graph = None
    if res.triples is not None:
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True)
        for t in res.triples:
            graph.add(tuple(to_rdflib_term(x) for x in (t.subject, t.predicate, t.object)))
    return Result(res.vars, [[to_rdflib_term(x) for x in row] for row in res.rows], res.boolean, graph)


_EXPORT_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
                   ".ttl": ox.RdfFormat.TURTLE}


def export_store(store_dir: str | Path, path: str | Path) -> int:
    """Write the store to ``path`` (format from the suffix, see ``_EXPORT_FORMATS``), atomically.

    Quad formats keep one named graph per report; triple formats get the union graph
    (each triple lives in exactly one graph, so nothing is repeated). Returns the number
    of quads in the store."""
    from .pipeline import atomic_open

    out = Path(path)
    fmt = _EXPORT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"{out}: unknown format {out.suffix!r}; use one of {', '.join(_EXPORT_FORMATS)}")
    store = open_store(store_dir, read_only=True)
    with atomic_open(out) as fh:
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            store.dump(fh, format=fmt, prefixes=OX_PREFIXES if fmt == ox.RdfFormat.TRIG else None)
        else:
            union = (ox.Triple(q.subject, q.predicate, q.object) for q in store)
            ox.serialize(union, fh, format=fmt, prefixes=OX_PREFIXES if fmt == ox.RdfFormat.TURTLE else None)
    return len(store)
