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
from functools import lru_cache

import networkx as nx
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from . import iris
from .model import ConceptMention, Evidence, ReportRecord
from .namespaces import FZ, ID, PREFIXES
from .ontology import ontology_graph

ZH = "zh"
#: report edge → its bureau-level summary edge (see fz:bureauAdopts in ontology/fazhi.ttl)
BUREAU_LEVEL = {FZ[p]: FZ["bureau" + p[0].upper() + p[1:]] for p in ("adopts", "plans", "reportsProblem", "cites")}
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


def _lit_zh(text: str) -> Literal:
    return Literal(text, lang=ZH)


def _add_evidence(
    add: Callable[[Triple], None], report: URIRef, key: str, predicate: URIRef, obj: URIRef, ev: Evidence
) -> URIRef:
    local = str(predicate).rsplit("#", 1)[-1]
    node = ID[f"evidence/{key}/{local}/{ev.match_start}-{ev.match_end}/{iris.slug(str(obj).rsplit('/', 1)[-1])}"]
    add((node, RDF.type, FZ.Evidence))
    add((node, RDF.subject, report))
    add((node, RDF.predicate, predicate))
    add((node, RDF.object, obj))
    add((node, FZ.inReport, report))
    add((node, FZ.quote, Literal(ev.quote)))
    add((node, FZ.start, Literal(ev.start)))
    add((node, FZ.end, Literal(ev.end)))
    add((node, FZ.matchedText, Literal(ev.match)))
    add((node, FZ.matchStart, Literal(ev.match_start)))
    add((node, FZ.matchEnd, Literal(ev.match_end)))
    add((node, FZ.inSection, ID[f"section/{key}/{ev.section_id}"]))
    return node


def report_graph(rec: ReportRecord) -> tuple[URIRef, Graph]:
    """All triples about one report (its bureau description included), as an rdflib Graph."""
    report, triples = report_triples(rec)
    g = _bind(Graph())
    for t in triples:
        g.add(t)
    return report, g


def report_triples(rec: ReportRecord) -> tuple[URIRef, list[Triple]]:
    """All triples about one report as plain term tuples (no rdflib store: cheap to build,
    to ship between processes and to hand to another store or serialiser)."""
    triples: list[Triple] = []
    add = triples.append
    m = rec.meta
    key = iris.report_key(m, rec.sha256)
    report = iris.report_iri(key)
    add((report, RDF.type, FZ.Report))
    add((report, FZ.source, Literal(rec.source)))
    add((report, FZ.sha256, Literal(rec.sha256)))
    if m.title:
        add((report, DCTERMS.title, _lit_zh(m.title)))
    if m.year:
        add((report, FZ.year, Literal(m.year, datatype=XSD.integer)))
    if m.report_date:
        add((report, FZ.reportDate, Literal(m.report_date, datatype=XSD.date)))
    label = f"{m.bureau or rec.source} {m.year or ''}".strip()
    add((report, RDFS.label, _lit_zh(label)))

    bureau = iris.bureau_iri_of(m) if m.bureau else None
    if bureau is not None:
        add((report, FZ.issuedBy, bureau))
        add((bureau, RDF.type, FZ.Bureau))
        add((bureau, RDFS.label, _lit_zh(m.bureau)))
        for alias in m.bureau_aliases:
            add((bureau, SKOS.altLabel, _lit_zh(alias)))
        if m.admin_level:
            add((bureau, FZ.adminLevel, Literal(m.admin_level)))
        regions = () if m.region_ambiguous else ((FZ.province, m.province), (FZ.city, m.city), (FZ.county, m.county))
        for prop, name in regions:  # an ambiguous place is not asserted (see the record's warnings)
            if name:
                region = iris.region_iri(name if prop != FZ.county or not m.city else f"{m.city}{name}")
                add((bureau, prop, region))
                add((region, RDF.type, FZ.Region))
                add((region, RDFS.label, _lit_zh(name)))

    for s in rec.sections:
        sec = ID[f"section/{key}/{s.id}"]
        add((report, FZ.hasSection, sec))
        add((sec, RDF.type, FZ.Section))
        add((sec, RDFS.label, _lit_zh(s.title or s.id)))
        add((sec, FZ.sectionKind, Literal(s.kind)))
        add((sec, FZ.start, Literal(s.start)))
        add((sec, FZ.end, Literal(s.end)))

    for law in rec.laws:
        node = URIRef(law.iri) if law.iri else iris.law_iri(law.full_name or law.label)
        add((report, FZ.cites, node))
        if bureau is not None:
            add((bureau, FZ["bureauCites"], node))
        if not law.iri:  # gazetteer entries are described in the taxonomy graph
            add((node, RDF.type, FZ.Law))
            add((node, RDFS.label, _lit_zh(law.label)))
            if law.full_name and law.full_name != law.label:
                add((node, SKOS.altLabel, _lit_zh(law.full_name)))
            add((node, FZ.lawKind, Literal(law.kind)))
        for ev in law.evidence:
            e = _add_evidence(add, report, key, FZ.cites, node, ev)
            for flag in law.flags:
                add((e, FZ.flag, Literal(flag)))

    planned_evidence = {(c.iri, e.match_start, e.match_end) for c in rec.plans for e in c.evidence}

    def concept_edges(items: Iterable[ConceptMention], default_pred: URIRef) -> None:
        for c in items:
            obj = URIRef(c.iri)
            preds = [default_pred]
            if default_pred == FZ.adopts:
                preds = {"done": [FZ.adopts], "planned": [FZ.plans], "both": [FZ.adopts, FZ.plans]}[c.status or "done"]
            for p in preds:
                add((report, p, obj))
                if bureau is not None:
                    add((bureau, BUREAU_LEVEL[p], obj))
            for ev in c.evidence:
                pred = preds[0]
                if len(preds) == 2:  # each quote backs the edge it was read as: done or planned
                    pred = FZ.plans if (c.iri, ev.match_start, ev.match_end) in planned_evidence else FZ.adopts
                _add_evidence(add, report, key, pred, obj, ev)

    concept_edges(rec.practices, FZ.adopts)
    concept_edges(rec.problems, FZ.reportsProblem)

    for i, st in enumerate(rec.problem_statements, 1):
        node = ID[f"statement/{key}/{i}"]
        add((report, FZ.hasProblemStatement, node))
        add((node, RDF.type, FZ.ProblemStatement))
        add((node, FZ.quote, Literal(st.text)))
        add((node, FZ.start, Literal(st.start)))
        add((node, FZ.end, Literal(st.end)))
        for cat in st.categories:
            add((node, FZ.category, URIRef(cat)))

    for c in rec.candidates:
        node = iris.candidate_iri(c.label)
        add((report, FZ.mentionsCandidate, node))
        add((node, RDF.type, FZ.CandidatePractice))
        add((node, RDFS.label, _lit_zh(c.label)))
        for ev in c.evidence:
            _add_evidence(add, report, key, FZ.mentionsCandidate, node, ev)

    for i, x in enumerate(rec.metrics, 1):
        node = ID[f"observation/{key}/{i}"]
        add((report, FZ.observation, node))
        add((node, RDF.type, FZ.Observation))
        add((node, FZ.indicator, URIRef(_indicator_iri(x.indicator))))
        add((node, RDFS.label, _lit_zh(x.label)))
        value = int(x.value) if float(x.value).is_integer() else x.value
        add((node, FZ.value, Literal(value, datatype=XSD.integer if isinstance(value, int) else XSD.decimal)))
        add((node, FZ.unit, _lit_zh(x.unit)))
        add((node, FZ.approximate, Literal(bool(x.approx))))
        if x.qualifier:
            add((node, FZ.qualifier, Literal(x.qualifier)))
        if x.evidence:
            e = _add_evidence(add, report, key, FZ.observation, node, x.evidence)
            add((node, FZ.evidence, e))
    return report, list(dict.fromkeys(triples))  # a region can be both province and city (北京市)


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
