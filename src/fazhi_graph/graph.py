"""Build the RDF knowledge graph (and its NetworkX projection) from extracted records.

Every edge a user sees (report → practice, problem, law …) is also reified as an
``fz:Evidence`` node carrying the quoted sentence, its offsets and its section, so a
reviewer can go from any edge back to the words that justify it::

    SELECT ?quote ?start ?end WHERE {
      ?e a fz:Evidence ; rdf:subject ?report ; rdf:predicate fz:adopts ;
         rdf:object ?practice ; fz:quote ?quote ; fz:start ?start ; fz:end ?end .
    }

Each report's triples are built on their own (``report_graph``) so a report can be
stored in its own named graph and replaced or removed alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import json
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

import networkx as nx
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from . import iris
from .model import ConceptMention, Evidence, ReportRecord
from .namespaces import FZ, ID, PREFIXES
from .ontology import ontology_graph

ZH = "zh"
_json_str = json.encoder.encode_basestring  # C-accelerated; escapes only \\ " and control characters
#: report edge → its bureau-level summary edge (see fz:bureauAdopts in ontology/fazhi.ttl)
BUREAU_LEVEL = {str(FZ[p]): str(FZ["bureau" + p[0].upper() + p[1:]]) for p in ("adopts", "plans", "reportsProblem", "cites")}
Triple = tuple[URIRef, URIRef, URIRef | Literal]


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


@lru_cache(maxsize=1)
def taxonomy_graph() -> Graph:
    """Vocabulary + taxonomies + law gazetteer (not the cue-word lexicons).

    Shipping them inside graph.ttl makes the file self-contained: labels, hierarchy
    and 'mandated' flags are queryable next to the facts."""
    src = ontology_graph()
    g = _bind(Graph())
    keep_types = {FZ.Practice, FZ.Problem, FZ.Indicator, FZ.Law, SKOS.ConceptScheme}
    vocab = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology}
    skip_preds = {FZ.cuePattern, FZ.excludePattern, SKOS.hiddenLabel}
    subjects = set()
    for t in keep_types | vocab:
        subjects.update(src.subjects(RDF.type, t))
    for s in subjects:
        if (s, RDF.type, FZ.Lexicon) in src:
            continue
        for p, o in src.predicate_objects(s):
            if p not in skip_preds:
                g.add((s, p, o))
    return g


class Lit(NamedTuple):
    """A literal as plain strings: lexical form, language tag or datatype IRI (or neither)."""

    value: str
    lang: str | None = None
    datatype: str | None = None


#: A statement with plain-string terms: subject and predicate IRIs, object IRI (``str``) or ``Lit``.
Statement = tuple[str, str, "str | Lit"]

_F = str(FZ)
_RDF_TYPE, _RDF_SUBJECT, _RDF_PREDICATE, _RDF_OBJECT = (str(RDF[x]) for x in ("type", "subject", "predicate", "object"))
_LABEL, _ALT = str(RDFS.label), str(SKOS.altLabel)
_INT, _DEC, _BOOL, _DATE = (str(XSD[x]) for x in ("integer", "decimal", "boolean", "date"))
_ID = str(ID)
_TRUE, _FALSE = Lit("true", None, _BOOL), Lit("false", None, _BOOL)


def _zh(text: str) -> Lit:
    return Lit(text, ZH)


@lru_cache(maxsize=1 << 16)
def _int(n: int) -> Lit:
    """Offsets are most of a report's literals and the same few thousand values recur in
    every report: made once, not ≈ 800 times per report."""
    return Lit(str(int(n)), None, _INT)


def _decimal(x: float) -> Lit:
    """A valid xsd:decimal lexical form (never exponent notation such as 1e-07)."""
    return Lit(format(Decimal(repr(float(x))), "f"), None, _DEC)


_EVIDENCE, _IN_REPORT, _QUOTE, _START, _END, _MATCHED, _MATCH_START, _MATCH_END, _IN_SECTION = (
    _F + x for x in ("Evidence", "inReport", "quote", "start", "end", "matchedText", "matchStart", "matchEnd",
                     "inSection"))


def _add_evidence(add: Callable[[Statement], None], report: str, key: str, predicate: str, obj: str, ev: Evidence,
                  obj_slugs: dict[str, str]) -> str:
    local = predicate.rsplit("#", 1)[-1]
    obj_slug = obj_slugs.get(obj)
    if obj_slug is None:
        obj_slug = obj_slugs[obj] = iris.slug(obj.rsplit("/", 1)[-1])
    node = f"{_ID}evidence/{key}/{local}/{ev.match_start}-{ev.match_end}/{obj_slug}"
    add((node, _RDF_TYPE, _EVIDENCE))
    add((node, _RDF_SUBJECT, report))
    add((node, _RDF_PREDICATE, predicate))
    add((node, _RDF_OBJECT, obj))
    add((node, _IN_REPORT, report))
    add((node, _QUOTE, Lit(ev.quote)))
    add((node, _START, _int(ev.start)))
    add((node, _END, _int(ev.end)))
    add((node, _MATCHED, Lit(ev.match)))
    add((node, _MATCH_START, _int(ev.match_start)))
    add((node, _MATCH_END, _int(ev.match_end)))
    add((node, _IN_SECTION, f"{_ID}section/{key}/{ev.section_id}"))
    return node


def report_graph(rec: ReportRecord) -> tuple[URIRef, Graph]:
    """All triples about one report (its bureau description included), as an rdflib Graph."""
    report, triples = report_triples(rec)
    g = _bind(Graph())
    for t in triples:
        g.add(t)
    return report, g


def report_triples(rec: ReportRecord) -> tuple[URIRef, list[Triple]]:
    """All triples about one report as rdflib term tuples (``report_statements`` converted)."""
    report, statements = report_statements(rec)
    return URIRef(report), to_rdflib(statements)


def to_rdflib(statements: Iterable[Statement]) -> list[Triple]:
    """Plain-string statements → rdflib term tuples (IRIs converted once each)."""
    iri: dict[str, URIRef] = {}

    def u(x: str) -> URIRef:
        t = iri.get(x)
        if t is None:
            t = iri[x] = URIRef(x)
        return t

    out: list[Triple] = []
    for s, p, o in statements:
        if type(o) is Lit:
            obj = Literal(o.value, lang=o.lang, datatype=u(o.datatype) if o.datatype else None)
        else:
            obj = u(o)
        out.append((u(s), u(p), obj))
    return out


def render_term(term: "str | Lit") -> str:
    r"""A term as written in N-Triples. IRIs are built by ``iris`` (percent-encoded, no spaces
    or brackets); literals are escaped by ``json.encoder.encode_basestring``, whose escapes
    (\\ \" \n \r \t \b \f \uXXXX) are all valid N-Triples ECHAR/UCHAR escapes."""
    if type(term) is Lit:
        lex = _json_str(term.value)
        return f"{lex}@{term.lang}" if term.lang else (f"{lex}^^<{term.datatype}>" if term.datatype else lex)
    return f"<{term}>"


def nt_line(statement: Statement) -> str:
    """One N-Triples line."""
    s, p, o = statement
    return f"<{s}> <{p}> {render_term(o)} .\n"


def report_statements(rec: ReportRecord) -> tuple[str, list[Statement]]:
    """All triples about one report as plain-string statements, in a fixed order, no duplicates.

    The single definition of what the graph says about a report: ``report_triples``
    (rdflib, small corpora) and the N-Triples of the cache and the store are both made
    from it. Plain strings because building rdflib terms costs more than extracting
    the report."""
    out: list[Statement] = []
    add = out.append
    obj_slugs: dict[str, str] = {}
    m = rec.meta
    key = iris.report_key(m, rec.sha256)
    report = str(iris.report_iri(key))
    add((report, _RDF_TYPE, _F + "Report"))
    add((report, _F + "source", Lit(rec.source)))
    add((report, _F + "sha256", Lit(rec.sha256)))
    if m.title:
        add((report, str(DCTERMS.title), _zh(m.title)))
    if m.year:
        add((report, _F + "year", _int(m.year)))
    if m.report_date:
        add((report, _F + "reportDate", Lit(m.report_date, None, _DATE)))
    label = f"{m.bureau or rec.source} {m.year or ''}".strip()
    add((report, _LABEL, _zh(label)))

    bureau = str(iris.bureau_iri_of(m)) if m.bureau else None
    if bureau is not None:
        add((report, _F + "issuedBy", bureau))
        add((bureau, _RDF_TYPE, _F + "Bureau"))
        add((bureau, _LABEL, _zh(m.bureau)))
        for alias in m.bureau_aliases:
            add((bureau, _ALT, _zh(alias)))
        if m.admin_level:
            add((bureau, _F + "adminLevel", Lit(m.admin_level)))
        regions = () if m.region_ambiguous else (("province", m.province), ("city", m.city), ("county", m.county))
        for prop, name in regions:  # an ambiguous place is not asserted (see the record's warnings)
            if name:
                region = str(iris.region_iri(name if prop != "county" or not m.city else f"{m.city}{name}"))
                add((bureau, _F + prop, region))
                add((region, _RDF_TYPE, _F + "Region"))
                add((region, _LABEL, _zh(name)))

    for s in rec.sections:
        sec = f"{_ID}section/{key}/{s.id}"
        add((report, _F + "hasSection", sec))
        add((sec, _RDF_TYPE, _F + "Section"))
        add((sec, _LABEL, _zh(s.title or s.id)))
        add((sec, _F + "sectionKind", Lit(s.kind)))
        add((sec, _F + "start", _int(s.start)))
        add((sec, _F + "end", _int(s.end)))

    cites = _F + "cites"
    for law in rec.laws:
        node = law.iri or str(iris.law_iri(law.full_name or law.label))
        add((report, cites, node))
        if bureau is not None:
            add((bureau, _F + "bureauCites", node))
        if not law.iri:  # gazetteer entries are described in the taxonomy graph
            add((node, _RDF_TYPE, _F + "Law"))
            add((node, _LABEL, _zh(law.label)))
            if law.full_name and law.full_name != law.label:
                add((node, _ALT, _zh(law.full_name)))
            add((node, _F + "lawKind", Lit(law.kind)))
        for ev in law.evidence:
            e = _add_evidence(add, report, key, cites, node, ev, obj_slugs)
            for flag in law.flags:
                add((e, _F + "flag", Lit(flag)))

    planned_evidence = {(c.iri, e.match_start, e.match_end) for c in rec.plans for e in c.evidence}
    adopts, plans = _F + "adopts", _F + "plans"
    preds_by_status = {"done": [adopts], "planned": [plans], "both": [adopts, plans]}

    def concept_edges(items: Iterable[ConceptMention], default_pred: str) -> None:
        for c in items:
            obj = c.iri
            preds = preds_by_status[c.status or "done"] if default_pred == adopts else [default_pred]
            for p in preds:
                add((report, p, obj))
                if bureau is not None:
                    add((bureau, BUREAU_LEVEL[p], obj))
            for ev in c.evidence:
                pred = preds[0]
                if len(preds) == 2:  # each quote backs the edge it was read as: done or planned
                    pred = plans if (c.iri, ev.match_start, ev.match_end) in planned_evidence else adopts
                _add_evidence(add, report, key, pred, obj, ev, obj_slugs)

    concept_edges(rec.practices, adopts)
    concept_edges(rec.problems, _F + "reportsProblem")

    for i, st in enumerate(rec.problem_statements, 1):
        node = f"{_ID}statement/{key}/{i}"
        add((report, _F + "hasProblemStatement", node))
        add((node, _RDF_TYPE, _F + "ProblemStatement"))
        add((node, _F + "quote", Lit(st.text)))
        add((node, _F + "start", _int(st.start)))
        add((node, _F + "end", _int(st.end)))
        for cat in st.categories:
            add((node, _F + "category", cat))

    mentions = _F + "mentionsCandidate"
    for c in rec.candidates:
        node = str(iris.candidate_iri(c.label))
        add((report, mentions, node))
        add((node, _RDF_TYPE, _F + "CandidatePractice"))
        add((node, _LABEL, _zh(c.label)))
        for ev in c.evidence:
            _add_evidence(add, report, key, mentions, node, ev, obj_slugs)

    observation = _F + "observation"
    for i, x in enumerate(rec.metrics, 1):
        node = f"{_ID}observation/{key}/{i}"
        add((report, observation, node))
        add((node, _RDF_TYPE, _F + "Observation"))
        add((node, _F + "indicator", _indicator_iri(x.indicator)))
        add((node, _LABEL, _zh(x.label)))
        add((node, _F + "value", _int(x.value) if float(x.value).is_integer() else _decimal(x.value)))
        add((node, _F + "unit", _zh(x.unit)))
        add((node, _F + "approximate", _TRUE if x.approx else _FALSE))
        if x.qualifier:
            add((node, _F + "qualifier", Lit(x.qualifier)))
        if x.evidence:
            e = _add_evidence(add, report, key, observation, node, x.evidence, obj_slugs)
            add((node, _F + "evidence", e))
    return report, list(dict.fromkeys(out))  # a region can be both province and city (北京市)


@lru_cache(maxsize=1)
def _indicators_by_notation() -> dict[str, str]:
    src = ontology_graph()
    return {str(n): str(s) for s, n in src.subject_objects(SKOS.notation) if (s, RDF.type, FZ.Indicator) in src}


def _indicator_iri(notation: str) -> str:
    from .namespaces import INDICATOR

    return _indicators_by_notation().get(notation, str(INDICATOR[notation or "other"]))


def build_dataset(records: Iterable[ReportRecord]) -> Dataset:
    """One named graph per report (IRI = the report IRI) plus a taxonomy graph."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True)
    tax = ds.graph(ID["graph/taxonomy"])
    for t in taxonomy_graph():
        tax.add(t)
    for rec in records:
        report, triples = report_triples(rec)
        ng = ds.graph(report)
        for t in triples:
            ng.add(t)
    return ds


def build_graph(records: Iterable[ReportRecord], *, with_taxonomy: bool = True) -> Graph:
    """The union graph (what ``graph.ttl`` holds)."""
    g = _bind(Graph())
    if with_taxonomy:
        g += taxonomy_graph()
    for rec in records:
        for t in report_triples(rec)[1]:
            g.add(t)
    return g


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Bureau–practice / bureau–problem / bureau–law projection with Chinese labels.

    Nodes carry ``kind`` (bureau, practice, problem, law) and ``label``; edges carry
    ``relation`` (adopts, plans, reportsProblem, cites) and ``years``."""
    G = nx.MultiDiGraph()
    q = """
    SELECT ?bureau ?blabel ?rel ?obj ?olabel ?year WHERE {
      ?r fz:issuedBy ?bureau .
      ?bureau rdfs:label ?blabel .
      { ?r fz:adopts ?obj BIND(fz:adopts AS ?rel) } UNION { ?r fz:plans ?obj BIND(fz:plans AS ?rel) }
      UNION { ?r fz:reportsProblem ?obj BIND(fz:reportsProblem AS ?rel) } UNION { ?r fz:cites ?obj BIND(fz:cites AS ?rel) }
      OPTIONAL { ?r fz:year ?year }
      OPTIONAL { ?obj skos:prefLabel ?pl FILTER(lang(?pl) = "zh") }
      OPTIONAL { ?obj rdfs:label ?rl }
      BIND(COALESCE(?pl, ?rl, STR(?obj)) AS ?olabel)
    }"""
    kinds = {"adopts": "practice", "plans": "practice", "reportsProblem": "problem", "cites": "law"}
    edges: dict[tuple[str, str, str], set[int]] = {}
    for row in g.query(q, initNs=PREFIXES):
        b, obj = str(row.bureau), str(row.obj)
        rel = str(row.rel).rsplit("#", 1)[-1]
        G.add_node(b, kind="bureau", label=str(row.blabel))
        G.add_node(obj, kind=kinds[rel], label=str(row.olabel))
        edges.setdefault((b, obj, rel), set())
        if row.year is not None:
            edges[(b, obj, rel)].add(int(row.year))
    for (b, obj, rel), years in sorted(edges.items()):
        G.add_edge(b, obj, key=rel, relation=rel, years=sorted(years))
    return G


def serialize(g: Graph, fmt: str = "turtle") -> str:
    """Deterministic serialisation (sorted by rdflib's serializer; no blank nodes are used)."""
    return g.serialize(format=fmt)
