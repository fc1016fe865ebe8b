"""Run SPARQL over a built graph: ad-hoc text, a ``.rq`` file, or a named query.

Named queries live in ``ontology/queries/NAME.rq``; a header of comment lines
documents them and declares their parameters::

    # title: 采用某项举措的单位 (bureaus reporting a practice)
    # param: practice = 721工作法   -- Chinese label or alias of a practice

Parameters are passed to the engine as variable bindings (``initBindings``), never
spliced into the query text, and only read-only query forms are accepted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery

from .namespaces import PREFIXES
from .ontology import queries_dir


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    title: str = ""
    params: dict[str, str] = field(default_factory=dict)  # name -> default value
    param_help: dict[str, str] = field(default_factory=dict)
    param_lang: dict[str, str] = field(default_factory=dict)  # name -> language tag its values carry
    #: The final ``ORDER BY`` as ((variable, descending), ...) and the text without it, when that clause
    #: only names projected variables (see ``split_order``); () and "" otherwise.
    order: tuple[tuple[str, bool], ...] = ()
    unordered: str = ""


_PARAM = re.compile(r"^#\s*param:\s*(\w+)\s*(?:=\s*(.*?))?\s*(?:--\s*(.*))?$")
_LANG = re.compile(r"^(.*)@([a-z]{2,3}(?:-[A-Za-z0-9]+)*)$")


def parse_named(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    title = ""
    params: dict[str, str] = {}
    helps: dict[str, str] = {}
    langs: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            continue
        if line.lower().startswith("# title:"):
            title = line.split(":", 1)[1].strip()
        m = _PARAM.match(line)
        if m:
            default = (m.group(2) or "").strip()
            lang = _LANG.match(default)
            if lang:  # "721工作法@zh": values are bound as Chinese-tagged literals, matched as terms
                default, langs[m.group(1)] = lang.group(1).strip(), lang.group(2)
            params[m.group(1)] = default
            helps[m.group(1)] = (m.group(3) or "").strip()
    unordered, order = split_order(text)
    return NamedQuery(path.stem, text, title, params, helps, langs, order, unordered if order else "")


_ORDER_KEY = re.compile(r"\?(\w+)|(ASC|DESC)\s*\(\s*\?(\w+)\s*\)", re.IGNORECASE)


def split_order(text: str) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """(``text`` without its final top-level ``ORDER BY``, its keys as (variable, descending)).

    Only a clause that ends the query (no LIMIT/OFFSET after it) and lists plain variables,
    ``ASC(?v)`` or ``DESC(?v)`` is split off; anything else gives ``(text, ())``. Why: Oxigraph
    compares strings for ORDER BY by reading both from its dictionary at every comparison, so
    sorting 1,000–2,000 rows by a Chinese label costs 50–110 ms at 10,000 reports, more than the
    rest of a query; ``store.run_named`` runs the unordered text and sorts the rows it has already
    read in Python (``sort_rows``, ≈ 5 ms for 2,000 rows). The text with the clause stays the query every other
    engine runs."""
    from .store import _mask

    masked = _mask(text)
    found = list(re.finditer(r"\bORDER\s+BY\b", masked, re.IGNORECASE))
    if not found:
        return text, ()
    m = found[-1]
    if masked.count("{", 0, m.start()) != masked.count("}", 0, m.start()):
        return text, ()  # inside a sub-select
    tail = masked[m.end():]
    keys: list[tuple[str, bool]] = []
    pos = 0
    for k in _ORDER_KEY.finditer(tail):
        if tail[pos:k.start()].strip():
            return text, ()
        keys.append((k.group(1), False) if k.group(1) else (k.group(3), k.group(2).upper() == "DESC"))
        pos = k.end()
    if not keys or tail[pos:].strip():
        return text, ()
    group = masked.find("{")  # the projection ends where the query's group starts (WHERE is optional)
    projection = masked[:group] if group >= 0 else ""
    if any(not re.search(rf"\?{v}\b", projection) for v, _ in keys):
        return text, ()
    return text[: m.start()].rstrip() + "\n" + text[m.end() + pos:].lstrip(), tuple(keys)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING, _XSD_INTEGER = _XSD + "string", _XSD + "integer"
_NUMERIC = {_XSD + t for t in ("integer", "decimal", "float", "double", "int", "long", "short", "byte",
                                "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
                                "unsignedByte")}


def order_key(term: object) -> tuple:
    """SPARQL ORDER BY rank of a term (pyoxigraph or rdflib): unbound < blank node < IRI <
    literal; numeric literals by value, booleans, strings by code point (then language tag),
    other literals by datatype and lexical form."""
    if term is None:
        return (0,)
    if type(term) is ox.Literal:
        lang = term.language
        if lang:
            return (3, 3, term.value, "@" + lang)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return (3, 3, term.value, "")
        return _typed_key(term.value, dt)
    if isinstance(term, ox.NamedNode):
        return (2, term.value)
    if isinstance(term, Literal):
        if term.language:
            return (3, 3, str(term), "@" + term.language)
        dt = str(term.datatype or _XSD_STRING)
        return (3, 3, str(term), "") if dt == _XSD_STRING else _typed_key(str(term), dt)
    if isinstance(term, URIRef):
        return (2, str(term))
    return (1, str(getattr(term, "value", term)))


_INF = Decimal("Infinity")


def _typed_key(value: str, datatype: str) -> tuple:
    if datatype == _XSD_INTEGER:
        try:
            return (3, 0, int(value), "")
        except ValueError:
            pass
    if datatype in _NUMERIC:
        try:
            number = Decimal(value)
        except InvalidOperation:
            pass
        else:  # NaN cannot be compared: after every number, INF included (as Oxigraph orders it)
            return (3, 0, _INF, "NaN") if number.is_nan() else (3, 0, number, "")
    if datatype == _XSD + "boolean":
        return (3, 1, value in ("true", "1"), "")
    return (3, 2, datatype, value)


def sort_rows(vars_: list[str], rows: list[list[object]], order: tuple[tuple[str, bool], ...]) -> list[list[object]]:
    """``rows`` in the order of an ``ORDER BY`` clause (``split_order``). Rows the clause does not
    order (equal keys) are ordered by all their cells, so the order is total and the same on every
    run (an engine may return such ties in any order)."""
    cols = [(vars_.index(v), desc) for v, desc in order]
    keyed = [([order_key(row[i]) for i, _ in cols], row) for row in rows]
    if not any(desc for _, desc in cols):
        keyed.sort(key=lambda kr: kr[0])
    else:  # stable sorts from the last key to the first, each in its own direction
        for j in reversed(range(len(cols))):
            keyed.sort(key=lambda kr: kr[0][j], reverse=cols[j][1])
    out: list[list[object]] = []
    i = 0
    while i < len(keyed):
        j = i + 1
        while j < len(keyed) and keyed[j][0] == keyed[i][0]:
            j += 1
        tied = keyed[i:j]
        if len(tied) > 1:
            tied.sort(key=lambda kr: [order_key(c) for c in kr[1]])
        out.extend(row for _, row in tied)
        i = j
    return out


@lru_cache(maxsize=1)
def named_queries() -> dict[str, NamedQuery]:
    return {p.stem: parse_named(p) for p in sorted(queries_dir().glob("*.rq"))}


def check_read_only(text: str) -> None:
    """Refuse SPARQL Update (INSERT/DELETE/LOAD/CLEAR/DROP …): queries never modify the graph."""
    try:
        parsed = parseQuery(text)
    except Exception as exc:
        from rdflib.plugins.sparql.parser import parseUpdate

        try:
            parseUpdate(text)
        except Exception:
            raise QueryError(f"invalid SPARQL: {exc}") from exc
        raise QueryError("SPARQL Update is not allowed: queries are read-only") from exc
    name = parsed[1].name if len(parsed) > 1 else ""
    if name not in ("SelectQuery", "ConstructQuery", "AskQuery", "DescribeQuery"):
        raise QueryError(f"unsupported query form {name!r}")


def _coerce(value: str) -> Literal | URIRef:
    if re.fullmatch(r"-?\d+", value):
        return Literal(int(value))
    if re.fullmatch(r"https?://\S+", value):
        return URIRef(value)
    return Literal(value)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Graph:
    g = Graph()
    g.parse(path, format="turtle" if path.endswith(".ttl") else None)
    return g


def load_graph(path: str | Path) -> Graph:
    p = Path(path)
    if not p.exists():
        raise QueryError(f"{p}: graph file not found (run `fazhi-graph build` first)")
    return _load_cached(str(p), p.stat().st_mtime)


@dataclass
class Result:
    vars: list[str]
    rows: list[list[object]]
    boolean: bool | None = None
    graph: Graph | None = None


def run(graph: Graph, text: str, params: dict[str, object] | None = None) -> Result:
    """Execute read-only SPARQL with the standard prefixes and bound parameters."""
    check_read_only(text)
    try:
        q = prepareQuery(text, initNs=PREFIXES)
    except Exception as exc:
        raise QueryError(f"invalid SPARQL: {exc}") from exc
    bindings = {k: v if isinstance(v, (Literal, URIRef)) else _coerce(str(v)) for k, v in (params or {}).items()}
    res = graph.query(q, initBindings=bindings)
    if res.type == "ASK":
        return Result([], [], boolean=bool(res.askAnswer))
    if res.type in ("CONSTRUCT", "DESCRIBE"):
        return Result([], [], graph=res.graph)
    vars_ = [str(v) for v in res.vars]
    rows = [[row[i] for i in range(len(vars_))] for row in res]
    return Result(vars_, rows)


def resolve_named(name: str, params: dict[str, str] | None = None) -> tuple[NamedQuery, dict[str, object]]:
    """The named query and its parameters with defaults filled in; unknown names are errors.

    Every engine (rdflib here, Oxigraph in ``store``, a remote endpoint in ``push``) runs
    named queries through this, so they all accept and refuse the same parameters."""
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"unknown query {name!r}; known: {', '.join(sorted(queries))}")
    nq = queries[name]
    unknown = set(params or {}) - set(nq.params)
    if unknown:
        raise QueryError(f"query {name!r} has no parameter {', '.join(sorted(unknown))}; it takes {', '.join(nq.params) or 'none'}")
    merged: dict[str, object] = {k: v for k, v in nq.params.items() if v != ""}
    merged.update(params or {})
    for k, lang in nq.param_lang.items():
        if k in merged:
            merged[k] = Literal(str(merged[k]), lang=lang)
    return nq, merged


def run_named(graph: Graph, name: str, params: dict[str, str] | None = None) -> Result:
    nq, merged = resolve_named(name, params)
    return run(graph, nq.text, merged)


def _cell(v: object) -> str:
    if v is None:
        return ""
    return str(v)


def to_csv(res: Result, delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    if res.boolean is not None:
        w.writerow(["boolean"])
        w.writerow([str(res.boolean).lower()])
    else:
        w.writerow(res.vars)
        for row in res.rows:
            w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def to_json(res: Result) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if res.boolean is not None:
        return json.dumps({"head": {}, "boolean": res.boolean})

    def term(v: object) -> dict[str, str] | None:
        if v is None:
            return None
        if isinstance(v, URIRef):
            return {"type": "uri", "value": str(v)}
        if isinstance(v, Literal):
            d = {"type": "literal", "value": str(v)}
            if v.language:
                d["xml:lang"] = v.language
            elif v.datatype:
                d["datatype"] = str(v.datatype)
            return d
        return {"type": "bnode", "value": str(v)}

    bindings = []
    for row in res.rows:
        b = {}
        for k, v in zip(res.vars, row):
            t = term(v)
            if t is not None:
                b[k] = t
        bindings.append(b)
    return json.dumps({"head": {"vars": res.vars}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)
