"""Cross-bureau pattern analysis over a built graph: pure functions → plain dataclasses.

What a researcher asks of hundreds of reports is comparative: which practices and
problems many bureaus share, which mandated practices a bureau never mentions, which
reports lack a required section, whether last year's problems and plans come back,
which bureaus look alike. Each answer here is a list of small records that carry the
evidence (quote, report source, section) so a figure can always be traced to words.

The named SPARQL queries ``ontology/queries/pattern-*.rq`` answer the same questions
in aggregate (one row per concept: how many bureaus, how many never, how many plans were
carried out) so they stay fast on a store of 10,000 reports; the row-per-bureau tables
with their quotes are computed here, from ``Facts`` read once by plain triple lookups,
and matrix work (similarity, co-occurrence) uses SciPy sparse matrices because SPARQL
self-joins and graph projections do not scale to thousands of bureaus. The tests check
that both give the same counts. Everything is sorted so two runs give identical output.

The same analysis runs over an rdflib Graph (``graph.ttl``) or an Oxigraph store (``build
--store``): only the loaders differ (``load_facts``/``report_sections`` by triple lookups,
``load_facts_store``/``store_sections`` by SPARQL scans), and the store's evidence sentences are
read on demand, for the rows that quote them. Above ``ALL_UP_TO`` bureaus the report quotes
examples (``Limits``) instead of every bureau: at 10,000 reports there are 200,000 bureau ×
concept pairs, and reading their 600,000 evidence nodes from disk alone took minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from .namespaces import FZ, LEX
from .ontology import lexicon, ontology_graph
from .textnorm import normalize

PRACTICE = "practice"
PROBLEM = "problem"
_TYPE = {PRACTICE: str(FZ.Practice), PROBLEM: str(FZ.Problem)}
_RELS = {PRACTICE: ("adopts", "plans"), PROBLEM: ("reportsProblem",)}

# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Quote:
    """One sentence that justifies a figure, and where it was read."""

    text: str
    source: str
    section: str = ""
    start: int | None = None
    end: int | None = None

    def link(self) -> str:
        """``source#start-end § section``: enough to open the file at the sentence."""
        pos = f"#{self.start}-{self.end}" if self.start is not None else ""
        sec = f" § {self.section}" if self.section else ""
        return f"{self.source}{pos}{sec}"


@dataclass(frozen=True)
class Bureau:
    iri: str
    label: str
    province: str = ""
    city: str = ""
    county: str = ""
    admin_level: str = ""


@dataclass(frozen=True)
class Report:
    iri: str
    bureau: str  # bureau IRI ("" if the bureau was not recognised)
    year: int | None
    source: str


@dataclass(frozen=True)
class ConceptInfo:
    iri: str
    label: str
    kind: str  # practice | problem
    broader: tuple[str, ...] = ()
    mandated: bool = False


@dataclass(frozen=True)
class Mention:
    """A report → concept edge (its evidence is looked up through ``Facts.quote``)."""

    report: str
    bureau: str
    relation: str  # adopts | plans | reportsProblem
    concept: str
    year: int | None


EvidenceKey = tuple[str, str, str]  # (report, relation, concept)


@dataclass
class Facts:
    """The slice of the graph the analyses need, read once, keyed by IRI.

    ``evidence`` maps (report, relation, concept) to the first quote of that edge (lowest start
    offset, then text). A graph file fills it whole; a store fills it on demand (``fetch``),
    because at 10,000 reports the 600,000 evidence sentences are not read for a report that
    cites a few thousand of them."""

    bureaus: dict[str, Bureau]
    reports: dict[str, Report]
    concepts: dict[str, ConceptInfo]
    mentions: list[Mention]
    evidence: dict[EvidenceKey, Quote | None] = field(default_factory=dict)
    fetch: Callable[[list[EvidenceKey]], dict[EvidenceKey, Quote]] | None = None

    def label(self, iri: str) -> str:
        if iri in self.bureaus:
            return self.bureaus[iri].label
        if iri in self.concepts:
            return self.concepts[iri].label
        return iri.rsplit("/", 1)[-1]

    def bureau_list(self) -> list[str]:
        """Bureaus that have at least one report, sorted by label (then IRI)."""
        used = {r.bureau for r in self.reports.values() if r.bureau}
        return sorted(used, key=lambda b: (self.bureaus[b].label, b))

    def prefetch(self, mentions: Iterable[Mention]) -> None:
        """Read the evidence of these mentions in one batch (a no-op for a graph file)."""
        if self.fetch is None:
            return
        keys = sorted({(m.report, m.relation, m.concept) for m in mentions} - self.evidence.keys())
        if keys:
            got = self.fetch(keys)
            for k in keys:
                self.evidence[k] = got.get(k)

    def quote(self, m: Mention) -> Quote | None:
        key = (m.report, m.relation, m.concept)
        if key not in self.evidence:
            self.prefetch([m])
        return self.evidence.get(key)

    def quote_for(self, bureau: str, concept: str, relations: tuple[str, ...]) -> Quote | None:
        """The first evidence of ``bureau`` for ``concept`` (earliest year, then source, offset, relation)."""
        for ms in self._by_report(bureau, concept, relations):
            self.prefetch(ms)
            best, best_key = None, None
            for m in ms:
                q = self.quote(m)
                if q is not None and (best_key is None or (q.start or 0, m.relation) < best_key):
                    best, best_key = q, (q.start or 0, m.relation)
            if best is not None:
                return best
        return None

    def first_mentions(self, bureau: str, concept: str, relations: tuple[str, ...]) -> list[Mention]:
        """The mentions ``quote_for`` reads first (those of the earliest report), for ``prefetch``."""
        groups = self._by_report(bureau, concept, relations)
        return groups[0] if groups else []

    def _by_report(self, bureau: str, concept: str, relations: tuple[str, ...]) -> list[list[Mention]]:
        groups: dict[tuple[int, str], list[Mention]] = defaultdict(list)
        for m in self.of(bureau, concept):
            if m.relation in relations:
                rep = self.reports.get(m.report)
                groups[(m.year or 0, rep.source if rep else "")].append(m)
        return [groups[k] for k in sorted(groups)]

    def of(self, bureau: str, concept: str) -> list[Mention]:
        """Mentions of ``concept`` by ``bureau`` (indexed once: analyses call this per row)."""
        idx = getattr(self, "_bcidx", None)
        if idx is None:
            idx = defaultdict(list)
            for m in self.mentions:
                idx[(m.bureau, m.concept)].append(m)
            self._bcidx = idx
        return idx.get((bureau, concept), [])

    def mentions_of(self, concept: str) -> list[Mention]:
        """Mentions of ``concept`` by any bureau (indexed once)."""
        idx = getattr(self, "_cidx", None)
        if idx is None:
            idx = defaultdict(list)
            for m in self.mentions:
                idx[m.concept].append(m)
            self._cidx = idx
        return idx.get(concept, [])

    def narrower_closure(self, concept: str) -> set[str]:
        """``concept`` and every concept narrower than it: the ?x of ``?x skos:broader* concept``,
        as the named queries read it (children indexed once from the taxonomy)."""
        children = getattr(self, "_children", None)
        if children is None:
            children = defaultdict(set)
            for c in self.concepts.values():
                for b in c.broader:
                    children[b].add(c.iri)
            self._children = children
        seen, stack = {concept}, [concept]
        while stack:
            for ch in children.get(stack.pop(), ()):
                if ch not in seen:
                    seen.add(ch)
                    stack.append(ch)
        return seen


def _zh_label(g: Graph, s: URIRef) -> str:
    labels = sorted(
        (str(o), o.language or "") for o in g.objects(s, SKOS.prefLabel) if isinstance(o, Literal)
    )
    zh = [t for t, lang in labels if lang.startswith("zh")]
    if zh:
        return zh[0]
    any_label = sorted(str(o) for o in g.objects(s, RDFS.label))
    return any_label[0] if any_label else str(s).rsplit("/", 1)[-1]


def _one(g: Graph, s, p) -> object | None:
    vals = sorted(g.objects(s, p), key=str)
    return vals[0] if vals else None


def load_facts(g: Graph) -> Facts:
    """Read bureaus, reports, concepts and evidence-carrying edges by plain triple lookups.

    Triple lookups instead of one big SPARQL join: at thousands of reports the
    evidence nodes dominate the graph and a Python pass over them is much faster."""
    bureaus: dict[str, Bureau] = {}
    for b in sorted(set(g.subjects(RDF.type, FZ.Bureau)), key=str):
        def region(p):
            r = _one(g, b, p)
            return str(_one(g, r, RDFS.label) or "") if r is not None else ""

        bureaus[str(b)] = Bureau(
            iri=str(b),
            label=str(_one(g, b, RDFS.label) or str(b).rsplit("/", 1)[-1]),
            province=region(FZ.province),
            city=region(FZ.city),
            county=region(FZ.county),
            admin_level=str(_one(g, b, FZ.adminLevel) or ""),
        )
    reports: dict[str, Report] = {}
    for r in sorted(set(g.subjects(RDF.type, FZ.Report)), key=str):
        b = _one(g, r, FZ.issuedBy)
        y = _one(g, r, FZ.year)
        reports[str(r)] = Report(
            iri=str(r),
            bureau=str(b) if b is not None else "",
            year=int(y.toPython()) if y is not None else None,
            source=str(_one(g, r, FZ.source) or ""),
        )
        if b is not None and str(b) not in bureaus:
            bureaus[str(b)] = Bureau(str(b), str(b).rsplit("/", 1)[-1])

    concepts: dict[str, ConceptInfo] = {}
    for kind, cls in ((PRACTICE, FZ.Practice), (PROBLEM, FZ.Problem)):
        for c in sorted(set(g.subjects(RDF.type, cls)), key=str):
            concepts[str(c)] = ConceptInfo(
                iri=str(c),
                label=_zh_label(g, c),
                kind=kind,
                broader=tuple(sorted(str(x) for x in g.objects(c, SKOS.broader))),
                mandated=any(str(x).lower() == "true" for x in g.objects(c, FZ.mandated)),
            )

    section_titles: dict[str, str] = {}
    evidence: dict[tuple[str, str, str], Quote] = {}
    rel_names = {FZ.adopts: "adopts", FZ.plans: "plans", FZ.reportsProblem: "reportsProblem"}
    for e in g.subjects(RDF.type, FZ.Evidence):
        pred = _one(g, e, RDF.predicate)
        if pred not in rel_names:
            continue
        rep, obj = _one(g, e, RDF.subject), _one(g, e, RDF.object)
        sec = _one(g, e, FZ.inSection)
        title = ""
        if sec is not None:
            if str(sec) not in section_titles:
                section_titles[str(sec)] = str(_one(g, sec, RDFS.label) or "")
            title = section_titles[str(sec)]
        start, end = _one(g, e, FZ.start), _one(g, e, FZ.end)
        q = Quote(
            text=str(_one(g, e, FZ.quote) or ""),
            source=reports.get(str(rep), Report("", "", None, "")).source,
            section=title,
            start=int(start) if start is not None else None,
            end=int(end) if end is not None else None,
        )
        key = (str(rep), rel_names[pred], str(obj))
        old = evidence.get(key)
        if old is None or (q.start or 0, q.text) < (old.start or 0, old.text):
            evidence[key] = q

    mentions: list[Mention] = []
    for pred, rel in sorted(rel_names.items(), key=lambda x: x[1]):
        for r, c in g.subject_objects(pred):
            rep = reports.get(str(r))
            if rep is None or str(c) not in concepts:
                continue
            mentions.append(Mention(str(r), rep.bureau, rel, str(c), rep.year))
    mentions.sort(key=lambda m: (m.bureau, m.year or 0, m.report, m.relation, m.concept))
    return Facts(bureaus, reports, concepts, mentions,
                 {(m.report, m.relation, m.concept): evidence.get((m.report, m.relation, m.concept)) for m in mentions})


# ---------------------------------------------------------------- facts from an Oxigraph store

_Q_BUREAUS = """SELECT ?b ?p ?o WHERE {
  { SELECT ?b WHERE { ?b a fz:Bureau } }
  VALUES ?p { rdfs:label fz:adminLevel fz:province fz:city fz:county }
  ?b ?p ?o
}"""
_Q_REGIONS = """SELECT ?g ?l WHERE {
  { SELECT DISTINCT ?g WHERE { ?b a fz:Bureau . VALUES ?p { fz:province fz:city fz:county } ?b ?p ?g } }
  ?g rdfs:label ?l
}"""
_Q_REPORTS = """SELECT ?r ?p ?o WHERE {
  { SELECT ?r WHERE { ?r a fz:Report } }
  VALUES ?p { fz:issuedBy fz:year fz:source }
  ?r ?p ?o
}"""
_Q_CONCEPTS = """SELECT ?c ?t ?p ?o WHERE {
  VALUES ?t { fz:Practice fz:Problem }
  ?c a ?t .
  VALUES ?p { skos:prefLabel rdfs:label skos:broader fz:mandated }
  ?c ?p ?o
}"""
_Q_MENTIONS = """SELECT ?r ?c WHERE { ?r fz:%s ?c }"""
# Sections: four scans hash-joined (one look-up per section and property took ≈ 20 s at 10,000 reports).
_Q_SECTIONS = """SELECT ?r ?start ?nested ?title ?kind WHERE {
  { SELECT ?r ?sec WHERE { ?r fz:hasSection ?sec } }
  { SELECT ?sec ?kind WHERE { ?sec fz:sectionKind ?kind } }
  { SELECT ?sec ?start WHERE { ?sec a fz:Section ; fz:start ?start } }
  { SELECT ?sec ?title WHERE { ?sec a fz:Section ; rdfs:label ?title } }
  BIND(CONTAINS(REPLACE(STR(?sec), "^.*/", ""), ".") AS ?nested)
}"""
# Evidence of chosen edges, read inside each report's named graph (the store keeps a report's
# evidence in the report's graph, see ``store``): one index seek per edge instead of a scan of
# every evidence node of the concept.
_Q_EVIDENCE = """SELECT ?r ?rel ?c ?q ?start ?end ?title WHERE {
  VALUES (?r ?rel ?c) { %s }
  GRAPH ?r { ?e rdf:object ?c . ?e rdf:predicate ?rel . ?e rdf:subject ?r . ?e fz:quote ?q .
             ?e fz:start ?start . ?e fz:end ?end . %s }
}"""
_EVIDENCE_BATCH = 2000


def _v(term) -> str:
    return "" if term is None else term.value


def _min_str(values: list[str]) -> str | None:
    return min(values) if values else None


Props = dict[str, dict[str, list[str]]]  # subject IRI -> property IRI -> values


def _store_props(store) -> tuple[Props, Props]:
    """The properties of every bureau (``_Q_BUREAUS``) and report (``_Q_REPORTS``): read once
    and given to both ``load_facts_store`` and ``store_sections``."""
    from . import store as st

    out: tuple[Props, Props] = (defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list)))
    for q, vals in zip((_Q_BUREAUS, _Q_REPORTS), out):
        for s, prop, o in st.run(store, q).rows:
            vals[s.value][prop.value].append(o.value)
    return out


def load_facts_store(store, props: tuple[Props, Props] | None = None) -> Facts:
    """``load_facts`` for an Oxigraph store (``fazhi-graph build --store``): the same Facts as
    from the ``graph.ttl`` of the same reports (tested), read with a few SPARQL scans; the
    evidence sentences are read on demand (``Facts.fetch``). ``props``: ``_store_props(store)``
    if already read."""
    from . import store as st

    FZS, RDFS_L = str(FZ), str(RDFS.label)
    vals, rvals = props or _store_props(store)
    region_label: dict[str, list[str]] = defaultdict(list)
    for g, lab in st.run(store, _Q_REGIONS).rows:
        region_label[g.value].append(lab.value)

    def region(b: str, prop: str) -> str:
        r = _min_str(vals[b][FZS + prop])
        return (_min_str(region_label.get(r, [])) or "") if r is not None else ""

    bureaus: dict[str, Bureau] = {}
    for b in sorted(vals):
        bureaus[b] = Bureau(
            iri=b,
            label=_min_str(vals[b][RDFS_L]) or b.rsplit("/", 1)[-1],
            province=region(b, "province"),
            city=region(b, "city"),
            county=region(b, "county"),
            admin_level=_min_str(vals[b][FZS + "adminLevel"]) or "",
        )
    reports: dict[str, Report] = {}
    for r in sorted(rvals):
        b = _min_str(rvals[r][FZS + "issuedBy"])
        y = _min_str(rvals[r][FZS + "year"])
        reports[r] = Report(iri=r, bureau=b or "", year=int(y) if y is not None else None,
                            source=_min_str(rvals[r][FZS + "source"]) or "")
        if b is not None and b not in bureaus:
            bureaus[b] = Bureau(b, b.rsplit("/", 1)[-1])

    cvals: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for c, t, prop, o in st.run(store, _Q_CONCEPTS).rows:
        kind = PRACTICE if t.value == str(FZ.Practice) else PROBLEM
        lang = getattr(o, "language", None) or ""
        cvals[(kind, c.value)][prop.value].append((o.value, lang))
    concepts: dict[str, ConceptInfo] = {}
    for kind in (PRACTICE, PROBLEM):
        for (k2, c) in sorted(x for x in cvals if x[0] == kind):
            d = cvals[(k2, c)]
            zh = [t for t, lang in sorted(d[str(SKOS.prefLabel)]) if lang.startswith("zh")]
            labels = sorted(t for t, _ in d[RDFS_L])
            concepts[c] = ConceptInfo(
                iri=c,
                label=zh[0] if zh else labels[0] if labels else c.rsplit("/", 1)[-1],
                kind=kind,
                broader=tuple(sorted(t for t, _ in d[str(SKOS.broader)])),
                mandated=any(t.lower() == "true" for t, _ in d[FZS + "mandated"]),
            )

    rel_names = {FZS + "adopts": "adopts", FZS + "plans": "plans", FZS + "reportsProblem": "reportsProblem"}
    mentions: list[Mention] = []
    for rel in ("adopts", "plans", "reportsProblem"):  # one scan each: the relation is not read 400,000 times
        for r, c in st.run(store, _Q_MENTIONS % rel).rows:
            rep = reports.get(r.value)
            if rep is None or c.value not in concepts:
                continue
            mentions.append(Mention(r.value, rep.bureau, rel, c.value, rep.year))
    mentions.sort(key=lambda m: (m.bureau, m.year or 0, m.report, m.relation, m.concept))
    rel_iris = {v: k for k, v in rel_names.items()}

    def fetch(keys: list[EvidenceKey]) -> dict[EvidenceKey, Quote]:
        out: dict[EvidenceKey, Quote] = {}
        for i in range(0, len(keys), _EVIDENCE_BATCH):
            batch = keys[i:i + _EVIDENCE_BATCH]
            rows = _evidence_rows(store, batch, rel_iris, with_section=True)
            seen = {(r, rel_names[rel], c) for r, rel, c, *_ in rows}
            rest = [k for k in batch if k not in seen]  # evidence without a section: title ""
            if rest:
                rows += _evidence_rows(store, rest, rel_iris, with_section=False)
            for r, rel, c, text, start, end, title in rows:
                q = Quote(text=text, source=reports[r].source if r in reports else "", section=title,
                          start=start, end=end)
                key = (r, rel_names[rel], c)
                old = out.get(key)
                if old is None or (q.start or 0, q.text) < (old.start or 0, old.text):
                    out[key] = q
        return out

    return Facts(bureaus, reports, concepts, mentions, {}, fetch)


def _evidence_rows(store, keys: list[EvidenceKey], rel_iris: dict[str, str], *, with_section: bool) -> list[tuple]:
    from . import store as st

    values = " ".join(f"(<{r}> <{rel_iris[rel]}> <{c}>)" for r, rel, c in keys)
    section = "?e fz:inSection ?s . ?s rdfs:label ?title ." if with_section else ""
    res = st.run(store, _Q_EVIDENCE % (values, section))
    out = []
    for r, rel, c, q, start, end, title in res.rows:
        out.append((r.value, rel.value, c.value, q.value, int(start.value), int(end.value), _v(title)))
    return out


def store_sections(store, props: tuple[Props, Props] | None = None) -> dict[str, dict]:
    """``report_sections`` for an Oxigraph store (``props``: ``_store_props(store)`` if already read)."""
    from . import store as st

    bvals, facts_reports = props or _store_props(store)
    sections: dict[str, list] = defaultdict(list)
    for r, start, nested, title, kind in st.run(store, _Q_SECTIONS).rows:
        sections[r.value].append((int(start.value), nested.value == "true", title.value, kind.value))
    by_report: dict[str, dict] = {}
    F = str(FZ)
    for r in sorted(facts_reports):
        d = facts_reports[r]
        source = _min_str(d[F + "source"])
        if source is None:
            continue
        b = _min_str(d[F + "issuedBy"])
        y = _min_str(d[F + "year"])
        by_report[r] = {
            "bureau": (_min_str(bvals[b][str(RDFS.label)] if b in bvals else []) or "") if b else "",
            "year": int(y) if y is not None else None,
            "source": source,
            "sections": sections.get(r, []),
        }
    return by_report


# ---------------------------------------------------------------- shared concepts


@dataclass(frozen=True)
class BureauQuote:
    bureau: str
    label: str
    quote: Quote | None
    status: str = ""  # practices: done | planned | both


@dataclass
class SharedConcept:
    iri: str
    label: str
    kind: str
    bureaus: list[BureauQuote]  # every bureau, or ``examples`` of them spread over provinces
    total: int = -1  # bureaus sharing the concept (-1: len(bureaus))

    @property
    def count(self) -> int:
        return self.total if self.total >= 0 else len(self.bureaus)


def examples(facts: Facts, bureaus: Iterable[str], n: int | None) -> list[str]:
    """``bureaus`` sorted by label, or ``n`` of them taken in turn from each province (in
    province order) when there are more: a report of thousands of bureaus cites a few per
    finding, from as many provinces as possible, and gives the complete membership as counts
    and matrices. Deterministic (no sampling)."""
    ordered = sorted(bureaus, key=lambda b: (facts.label(b), b))
    if n is None or len(ordered) <= n:
        return ordered
    by_province: dict[str, list[str]] = defaultdict(list)
    for b in ordered:
        by_province[facts.bureaus[b].province if b in facts.bureaus else ""].append(b)
    queues = [by_province[pv] for pv in sorted(by_province)]
    picked: list[str] = []
    i = 0
    while len(picked) < n:
        for q in queues:
            if i < len(q) and len(picked) < n:
                picked.append(q[i])
        i += 1
    return sorted(picked, key=lambda b: (facts.label(b), b))


def _status(facts: Facts, bureau: str, concept: str) -> str:
    rels = {m.relation for m in facts.of(bureau, concept)}
    if {"adopts", "plans"} <= rels:
        return "both"
    return "done" if "adopts" in rels else "planned" if "plans" in rels else ""


def shared_concepts(facts: Facts, kind: str, k: int, *, n_examples: int | None = None) -> list[SharedConcept]:
    """Practices (any status) or problem categories reported by at least ``k`` bureaus, every
    bureau (at most ``n_examples``, see ``examples``) with its first evidence sentence.

    The same concepts and counts as the named query ``pattern-shared-concepts`` (which returns
    one row per concept); the bureaus come from ``facts``."""
    rels = set(_RELS[kind])
    members: dict[str, set[str]] = defaultdict(set)
    for m in facts.mentions:
        if m.bureau and m.relation in rels and facts.concepts[m.concept].kind == kind:
            members[m.concept].add(m.bureau)
    out = []
    for c, bureaus in members.items():
        if len(bureaus) < k:
            continue
        sc = SharedConcept(c, facts.concepts[c].label, kind, [], len(bureaus))
        shown = examples(facts, bureaus, n_examples)
        facts.prefetch(m for b in shown for m in facts.first_mentions(b, c, _RELS[kind]))
        for b in shown:
            status = _status(facts, b, c) if kind == PRACTICE else ""
            sc.bureaus.append(BureauQuote(b, facts.label(b), facts.quote_for(b, c, _RELS[kind]), status))
        out.append(sc)
    out.sort(key=lambda s: (-s.count, s.label, s.iri))
    return out


# ---------------------------------------------------------------- matrices


@dataclass
class Matrix:
    """A binary bureau × concept incidence matrix (rows and columns sorted by label)."""

    kind: str
    bureaus: list[str]  # IRIs (rows)
    bureau_labels: list[str]
    concepts: list[str]  # IRIs (columns)
    concept_labels: list[str]
    data: object  # scipy.sparse.csr_matrix of int8, shape (bureaus, concepts)

    def dense(self) -> np.ndarray:
        return np.asarray(self.data.todense())


def incidence(facts: Facts, kind: str) -> Matrix:
    """Bureau × practice (carried out or planned, any year) or bureau × problem matrix."""
    from scipy import sparse

    rels = set(_RELS[kind])
    bureaus = facts.bureau_list()
    pairs = sorted({(m.bureau, m.concept) for m in facts.mentions if m.relation in rels and m.bureau})
    cols = sorted({c for _, c in pairs}, key=lambda c: (facts.label(c), c))
    bi = {b: i for i, b in enumerate(bureaus)}
    ci = {c: j for j, c in enumerate(cols)}
    rows = [bi[b] for b, _ in pairs if b in bi]
    colsx = [ci[c] for b, c in pairs if b in bi]
    data = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, colsx)), shape=(len(bureaus), len(cols)), dtype=np.int8
    )
    return Matrix(kind, bureaus, [facts.label(b) for b in bureaus], cols, [facts.label(c) for c in cols], data)


# ---------------------------------------------------------------- mandated practices


@dataclass
class MandatedCoverage:
    """A practice every enforcement body must carry out, and who never mentions it."""

    iri: str
    label: str
    covered: list[BureauQuote]  # bureaus mentioning it (or a narrower practice), with a quote
    missing: list[str]  # bureau labels with no mention in any report (negative evidence)
    missing_sources: list[str] = field(default_factory=list)  # the reports that were searched
    n_covered: int = -1  # bureaus mentioning it (``covered`` may list examples only); -1: len(covered)

    @property
    def covered_count(self) -> int:
        return self.n_covered if self.n_covered >= 0 else len(self.covered)

    @property
    def rate(self) -> float:
        n = self.covered_count + len(self.missing)
        return self.covered_count / n if n else 0.0


def mandated_coverage(facts: Facts, *, n_examples: int | None = None) -> list[MandatedCoverage]:
    """For each fz:mandated practice: bureaus that mention it (a narrower practice counts) and those that never do.

    Per practice the same counts as the named query ``pattern-mandated-coverage`` (which
    returns only the counts); the bureaus, their evidence and the missing ones come from ``facts``."""
    vias: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # practice -> bureau -> concepts
    for c in facts.concepts.values():
        if not c.mandated:
            continue
        closure = facts.narrower_closure(c.iri)
        for v in closure:
            for m in facts.mentions_of(v):
                if m.bureau and m.relation in _RELS[PRACTICE]:
                    vias[c.iri][m.bureau].add(v)
    covered = {
        p: {b: (p if p in vs else min(vs, key=lambda v: (facts.label(v), v))) for b, vs in d.items()}
        for p, d in vias.items()
    }
    bureaus = facts.bureau_list()
    sources: dict[str, list[str]] = defaultdict(list)
    for r in sorted(facts.reports.values(), key=lambda r: r.source):
        if r.bureau:
            sources[r.bureau].append(r.source)
    out = []
    mandated = sorted((c for c in facts.concepts.values() if c.mandated), key=lambda c: (c.label, c.iri))
    for c in mandated:
        cov = []
        shown = examples(facts, covered.get(c.iri, {}), n_examples)
        facts.prefetch(m for b in shown for m in facts.first_mentions(b, covered[c.iri][b], _RELS[PRACTICE]))
        for b in shown:
            via = covered[c.iri][b]
            cov.append(BureauQuote(b, facts.label(b), facts.quote_for(b, via, _RELS[PRACTICE]), facts.label(via)))
        missing = [b for b in bureaus if b not in covered.get(c.iri, {})]
        out.append(
            MandatedCoverage(
                c.iri,
                c.label,
                cov,
                [facts.label(b) for b in missing],
                [s for b in missing for s in sources[b]],
                len(covered.get(c.iri, {})),
            )
        )
    out.sort(key=lambda m: (m.rate, m.label))
    return out


# ---------------------------------------------------------------- report completeness


@dataclass(frozen=True)
class RequiredSection:
    iri: str
    label: str
    order: int
    kinds: tuple[str, ...]
    heading_terms: tuple[str, ...] = ()  # if set, the section title must contain one of them


@lru_cache(maxsize=1)
def required_sections() -> tuple[RequiredSection, ...]:
    """The required sections of an annual report, from ontology/lexicon/report-structure.ttl."""
    g = ontology_graph()
    out = []
    for s in set(g.subjects(RDF.type, FZ.RequiredSection)):
        lex = _one(g, s, FZ.headingLexicon)
        terms = lexicon(str(lex)[len(str(LEX)):]) if lex is not None else ()
        order = _one(g, s, FZ.order)
        out.append(
            RequiredSection(
                str(s),
                _zh_label(g, s),
                int(order) if order is not None else 99,
                tuple(sorted(str(k) for k in g.objects(s, FZ.sectionKind))),
                tuple(terms),
            )
        )
    return tuple(sorted(out, key=lambda r: (r.order, r.iri)))


@dataclass
class Completeness:
    report: str
    bureau: str  # label
    year: int | None
    source: str
    present: dict[str, str]  # required label -> title of the section that satisfies it
    missing: list[str]  # required labels with no matching section
    headings: list[str] = field(default_factory=list)  # top-level titles, the negative evidence


def report_sections(g: Graph) -> dict[str, dict]:
    """Per report (with a source): bureau label, year, source and its sections as
    (start, nested, title, kind), read by triple lookups from a graph file. ``nested``: the
    section id has a dot (s1.2), i.e. it is not a top-level heading."""
    by_report: dict[str, dict] = {}
    for r in sorted(set(g.subjects(RDF.type, FZ.Report)), key=str):
        source = _one(g, r, FZ.source)
        if source is None:
            continue
        b = _one(g, r, FZ.issuedBy)
        label = _one(g, b, RDFS.label) if b is not None else None
        year = _one(g, r, FZ.year)
        sections = []
        for sec in g.objects(r, FZ.hasSection):
            for start in g.objects(sec, FZ.start):
                for title in g.objects(sec, RDFS.label):
                    for kind in g.objects(sec, FZ.sectionKind):
                        sections.append((int(start), "." in str(sec).rsplit("/", 1)[-1], str(title), str(kind)))
        by_report[str(r)] = {
            "bureau": str(label or ""),
            "year": int(year.toPython()) if year is not None else None,
            "source": str(source),
            "sections": sections,
        }
    return by_report


def completeness(g: Graph | dict[str, dict]) -> list[Completeness]:
    """Which required sections each report has or lacks, from the fz:sectionKind of its sections.

    ``g`` is a graph file's Graph or the output of ``report_sections``/``store_sections``;
    the named query ``pattern-missing-sections`` answers the same question for one kind."""
    required = required_sections()
    by_report = g if isinstance(g, dict) else report_sections(g)
    norms: dict[str, str] = {}  # titles recur across reports: normalise each once
    out = []
    for r, d in by_report.items():
        secs = sorted(d["sections"])
        present: dict[str, str] = {}
        for req in required:
            for _, _, title, kind in secs:
                if kind not in req.kinds:
                    continue
                if req.heading_terms and not any(t in _norm(title, norms) for t in req.heading_terms):
                    continue
                present[req.label] = title
                break
        missing = [req.label for req in required if req.label not in present]
        # top-level headings: sections whose id has no dot (s1, s2 …), preamble excluded
        top = [t for _, nested, t, k in secs if not nested and k != "preamble"]
        out.append(Completeness(r, d["bureau"], d["year"], d["source"], present, missing, top))
    out.sort(key=lambda c: (c.bureau, c.year or 0, c.source))
    return out


def _norm(title: str, cache: dict[str, str]) -> str:
    n = cache.get(title)
    if n is None:
        n = cache[title] = normalize(title)
    return n


# ---------------------------------------------------------------- multi-year patterns


@dataclass
class RecurringProblem:
    bureau: str  # label
    problem: str  # label
    years: list[int]
    quotes: list[Quote]  # one per year, in year order


def recurring_problems(facts: Facts, min_years: int = 2, *, max_quoted: int | None = None) -> list[RecurringProblem]:
    """Problem categories a bureau lists again in a later year's report.

    Every such bureau × problem is listed; the first ``max_quoted`` (in output order) carry a quote
    per year (all of them when ``None``). Per problem, the number of such bureaus is the named
    query ``pattern-recurring-problems``."""
    years_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    for m in facts.mentions:
        if m.relation == "reportsProblem" and m.bureau and m.year is not None:
            years_of[(m.bureau, m.concept)].add(m.year)
    found = []
    for (b, p), ys in years_of.items():
        if len(ys) >= min_years:
            found.append((facts.label(b), facts.concepts[p].label, b, p, sorted(ys)))
    found.sort(key=lambda x: (x[0], x[1]))
    quoted = found if max_quoted is None else found[:max_quoted]
    facts.prefetch(m for _, _, b, p, _ in quoted for m in facts.of(b, p))
    out = []
    for i, (bl, pl, b, p, years) in enumerate(found):
        quotes = []
        if max_quoted is None or i < max_quoted:
            for y in years:
                qs = [q for m in facts.of(b, p) if m.year == y and (q := facts.quote(m))]
                if qs:
                    quotes.append(min(qs, key=lambda q: (q.source, q.start or 0)))
        out.append(RecurringProblem(bl, pl, years, quotes))
    return out


@dataclass
class PlanFollowup:
    bureau: str
    practice: str
    plan_year: int
    later_year: int
    carried_out: bool
    plan_quote: Quote | None
    done_quote: Quote | None  # evidence of carrying it out (None when not carried out)
    planned_again: bool = False  # not carried out but listed again in the later year's plans


def plan_followups(facts: Facts, gap: int = 1, *, max_quoted: int | None = None) -> list[PlanFollowup]:
    """For each practice a bureau planned in year N: does its year N+gap report carry it out?

    A plan counts as carried out if the later report carries out (fz:adopts) the practice or a
    narrower one (skos:broader*). Every plan is listed; the first ``max_quoted`` (in output order)
    carry the plan and done quotes (all when ``None``). Per practice, the counts are the named
    query ``pattern-plan-followup``."""
    reports_of: dict[tuple[str, int], list[Report]] = defaultdict(list)
    for r in facts.reports.values():
        if r.bureau and r.year is not None:
            reports_of[(r.bureau, r.year)].append(r)
    adopted: dict[str, set[str]] = defaultdict(set)  # report -> practices it carries out
    for m in facts.mentions:
        if m.relation == "adopts":
            adopted[m.report].add(m.concept)
    narrower_of: dict[str, list[str]] = {}
    rows = []
    for m in facts.mentions:
        if m.relation != "plans" or not m.bureau or m.year is None:
            continue
        b, p, y1, y2 = m.bureau, m.concept, m.year, m.year + gap
        if p not in narrower_of:
            narrower_of[p] = sorted(facts.narrower_closure(p))
        for r2 in reports_of.get((b, y2), []):
            done = bool(adopted[r2.iri].intersection(narrower_of[p]))
            plan_m = next((x for x in facts.of(b, p) if x.year == y1 and x.relation == "plans"), None)
            later = [x for c in narrower_of[p] for x in facts.of(b, c) if x.year == y2]
            done_ms = [x for x in later if x.relation == "adopts" and x.concept == p][:1] + [
                x for x in later if x.relation == "adopts"][:1]
            again = any(x.relation == "plans" and x.concept == p for x in later)
            key = (facts.label(b), y1, not done, facts.concepts[p].label)
            rows.append((key, b, p, y1, y2, done, plan_m, done_ms, again and not done))
    rows.sort(key=lambda x: x[0])
    quoted = rows if max_quoted is None else rows[:max_quoted]
    facts.prefetch([x for r in quoted for x in ([r[6]] if r[6] else []) + r[7]])
    out = []
    for i, (key, b, p, y1, y2, done, plan_m, done_ms, again) in enumerate(rows):
        with_quotes = max_quoted is None or i < max_quoted
        plan_q = facts.quote(plan_m) if with_quotes and plan_m else None
        done_q = None
        if with_quotes and done:
            for x in done_ms:  # the practice itself first, else the first narrower one
                done_q = facts.quote(x)
                if done_q:
                    break
        out.append(PlanFollowup(key[0], key[3], y1, y2, done, plan_q, done_q, again))
    return out


# ---------------------------------------------------------------- similarity


@dataclass(frozen=True)
class SimilarPair:
    a: str  # labels
    b: str
    jaccard: float
    shared: tuple[str, ...]  # labels of the shared concepts (the evidence)


@dataclass
class Similarity:
    kind: str
    labels: list[str]
    pairs: list[SimilarPair]  # top pairs, most similar first
    communities: list[list[str]]  # bureau labels, largest first
    threshold: float


#: Rows of the similarity matrix computed at a time.
BLOCK = 512
#: Each bureau links to at most this many most similar bureaus in the community graph. Louvain
#: on every pair above the threshold is a graph of millions of edges at thousands of bureaus
#: with similar reports; a k-nearest-neighbour graph is the usual remedy and is the same graph
#: whenever no bureau has more than NEIGHBOURS neighbours above the threshold (e.g. the seeds).
NEIGHBOURS = 15


def jaccard(m) -> np.ndarray:
    """Pairwise Jaccard of the rows of a binary sparse matrix: |A∩B| / |A∪B|.

    Intersections are one sparse product (M·Mᵀ); unions follow from row sizes, so
    2,000 bureaus cost one 2,000 × 2,000 dense result and no Python loop."""
    m = m.astype(np.float64)
    return _jaccard_rows(m, m, _row_sizes(m))


def _row_sizes(m) -> np.ndarray:
    return np.asarray(m.sum(axis=1)).ravel()


def _jaccard_rows(rows, m, size: np.ndarray) -> np.ndarray:
    """Jaccard of ``rows`` against every row of ``m`` (both float64; ``size``: the row sizes of
    ``m``, computed once by the caller rather than once per block)."""
    inter = np.asarray((rows @ m.T).todense())
    union = _row_sizes(rows)[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return np.round(sim, 6)


def similarity(mat: Matrix, *, top: int = 20, threshold: float = 0.3, neighbours: int = NEIGHBOURS) -> Similarity:
    """Jaccard similarity of bureaus, the most similar pairs, and Louvain communities.

    Computed in blocks of rows (memory O(BLOCK × bureaus)). Pairs: the ``top`` most similar,
    ties by label. Communities: networkx ``louvain_communities(seed=42)`` on the graph linking
    each bureau to its ``neighbours`` most similar bureaus with similarity ≥ ``threshold``
    (nodes added in label order, edges in row order, so deterministic)."""
    import networkx as nx

    n = len(mat.bureaus)
    data = mat.data.tocsr().astype(np.float64)  # once, not once per block
    size = _row_sizes(data)
    cand: list[tuple[float, int, int]] = []
    edges: dict[tuple[int, int], float] = {}
    for a in range(0, n, BLOCK):
        sim = _jaccard_rows(data[a:a + BLOCK], data, size)
        for r in range(sim.shape[0]):
            i = a + r
            row = sim[r]
            js = np.flatnonzero(row[i + 1:] > 0) + i + 1  # upper triangle, similarity > 0
            if len(js):
                vals = row[js]
                if len(js) > top:  # keep the top ones of this row (ties at the cut kept)
                    cut = np.partition(vals, len(vals) - top)[len(vals) - top]
                    keep = vals >= cut
                    js, vals = js[keep], vals[keep]
                cand.extend((float(v), i, int(j)) for v, j in zip(vals, js))
            near = np.flatnonzero(row >= threshold)
            near = near[near != i]
            if len(near) > neighbours:
                order = np.lexsort((near, -row[near]))[:neighbours]
                near = near[order]
            for j in near:
                edges[(min(i, int(j)), max(i, int(j)))] = float(row[j])
        cand.sort(key=lambda x: (-x[0], x[1], x[2]))
        del cand[top * 4:]  # enough to survive ties by label below
    cand.sort(key=lambda x: (-x[0], mat.bureau_labels[x[1]], mat.bureau_labels[x[2]], x[1], x[2]))
    pairs = []
    for v, a_, b_ in cand[:top]:
        shared = sorted(set(data[a_].indices) & set(data[b_].indices))
        pairs.append(SimilarPair(mat.bureau_labels[a_], mat.bureau_labels[b_], v, tuple(mat.concept_labels[j] for j in shared)))
    G = nx.Graph()
    G.add_nodes_from(mat.bureau_labels)
    for (i, j), w in sorted(edges.items()):
        G.add_edge(mat.bureau_labels[i], mat.bureau_labels[j], weight=w)
    comms = nx.community.louvain_communities(G, weight="weight", seed=42) if G.number_of_nodes() else []
    communities = sorted((sorted(c) for c in comms), key=lambda c: (-len(c), c))
    return Similarity(mat.kind, mat.bureau_labels, pairs, communities, threshold)


# ---------------------------------------------------------------- co-occurrence


@dataclass(frozen=True)
class Cooccurrence:
    """Practice and problem reported by the same bureaus: an association, not a cause."""

    practice: str
    problem: str
    both: int  # bureaus reporting both
    practice_bureaus: int
    problem_bureaus: int
    total: int  # bureaus analysed
    lift: float  # P(both) / (P(practice) P(problem)); 1 = independent
    bureaus: tuple[str, ...]


def cooccurrence(practices: Matrix, problems: Matrix, *, min_both: int = 2, max_names: int | None = None) -> list[Cooccurrence]:
    """Practice × problem co-occurrence counts across bureaus, with lift (``bureaus``: the first
    ``max_names`` of them by label; ``both`` counts them all)."""
    assert practices.bureaus == problems.bureaus
    n = len(practices.bureaus)
    P = practices.data.astype(np.int32).tocsc()
    Q = problems.data.astype(np.int32).tocsc()
    both = (P.T @ Q).tocoo()
    np_ = np.asarray(P.sum(axis=0)).ravel()
    nq = np.asarray(Q.sum(axis=0)).ravel()
    out = []
    for i, j, v in zip(both.row, both.col, both.data):
        if v < min_both:
            continue
        lift = (v * n) / (np_[i] * nq[j]) if np_[i] and nq[j] else 0.0
        rows = sorted(set(P[:, i].indices) & set(Q[:, j].indices))[:max_names]
        out.append(
            Cooccurrence(
                practices.concept_labels[i], problems.concept_labels[j], int(v), int(np_[i]), int(nq[j]), n,
                round(float(lift), 4), tuple(practices.bureau_labels[r] for r in rows),
            )
        )
    out.sort(key=lambda c: (-c.lift, -c.both, c.practice, c.problem))
    return out


# ---------------------------------------------------------------- breakdowns


@dataclass
class GroupStats:
    dimension: str  # province | admin_level | year
    group: str
    reports: int
    bureaus: list[str]  # labels (the evidence)
    avg_practices: float  # distinct practices per report
    avg_problems: float
    top_practices: list[tuple[str, int]]  # (label, bureaus in the group)
    top_problems: list[tuple[str, int]]


def breakdowns(facts: Facts, *, top: int = 5) -> list[GroupStats]:
    """Reports grouped by province, administrative level and year, with their most common concepts."""
    per_report: dict[str, dict[str, set[str]]] = defaultdict(lambda: {PRACTICE: set(), PROBLEM: set()})
    for m in facts.mentions:
        kind = PROBLEM if m.relation == "reportsProblem" else PRACTICE
        per_report[m.report][kind].add(m.concept)

    def key(dim: str, r: Report) -> str:
        b = facts.bureaus.get(r.bureau)
        if dim == "year":
            return str(r.year) if r.year else "未知"
        val = getattr(b, dim, "") if b else ""
        return val or "未知"

    out = []
    for dim in ("province", "admin_level", "year"):
        groups: dict[str, list[Report]] = defaultdict(list)
        for r in facts.reports.values():
            groups[key(dim, r)].append(r)
        for gname in sorted(groups):
            reps = sorted(groups[gname], key=lambda r: r.iri)
            blist = sorted({facts.label(r.bureau) for r in reps if r.bureau})
            tops = {}
            for kind in (PRACTICE, PROBLEM):
                counts: dict[str, set[str]] = defaultdict(set)
                for r in reps:
                    for c in per_report[r.iri][kind]:
                        counts[c].add(r.bureau or r.iri)
                ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), facts.label(kv[0])))
                tops[kind] = [(facts.label(c), len(bs)) for c, bs in ranked[:top]]
            out.append(
                GroupStats(
                    dim, gname, len(reps), blist,
                    round(sum(len(per_report[r.iri][PRACTICE]) for r in reps) / len(reps), 2),
                    round(sum(len(per_report[r.iri][PROBLEM]) for r in reps) / len(reps), 2),
                    tops[PRACTICE], tops[PROBLEM],
                )
            )
    return out


# ---------------------------------------------------------------- everything


@dataclass
class Analysis:
    k: int
    facts: Facts
    shared_practices: list[SharedConcept]
    shared_problems: list[SharedConcept]
    practice_matrix: Matrix
    problem_matrix: Matrix
    mandated: list[MandatedCoverage]
    completeness: list[Completeness]
    recurring: list[RecurringProblem]
    followups: list[PlanFollowup]
    practice_similarity: Similarity
    problem_similarity: Similarity
    cooccurrence: list[Cooccurrence]
    breakdowns: list[GroupStats]
    limits: Limits = field(default_factory=lambda: Limits())


#: Up to this many bureaus every finding lists every bureau with its quote; above, ``examples``
#: bureaus per finding (spread over provinces), quotes for the first ``MAX_QUOTED`` rows of the
#: multi-year tables and ``MAX_NAMES`` names per cell. Counts are always complete.
ALL_UP_TO = 200
EXAMPLES, MAX_QUOTED, MAX_NAMES = 20, 500, 100


@dataclass(frozen=True)
class Limits:
    examples: int | None = None  # bureaus with a quote per shared concept / mandated practice
    max_quoted: int | None = None  # rows of recurring problems / plan follow-ups with quotes
    max_names: int | None = None  # bureau names per table cell or list

    @classmethod
    def auto(cls, n_bureaus: int, examples: int | None = -1) -> Limits:
        """No limit up to ``ALL_UP_TO`` bureaus; the defaults above beyond. ``examples`` given
        (≥ 0; 0 = all) overrides the number of examples and, when 0, lifts every limit."""
        if examples == 0 or (examples == -1 and n_bureaus <= ALL_UP_TO):
            return cls()
        return cls(EXAMPLES if examples in (-1, None) else examples, MAX_QUOTED, MAX_NAMES)


def analyze(g, *, k: int = 3, threshold: float = 0.3, top_pairs: int = 20, examples: int | None = -1) -> Analysis:
    """Run every pattern over ``g``: an rdflib Graph built by ``fazhi_graph.pipeline.build`` (or
    read from ``graph.ttl``) or a pyoxigraph Store (``build --store``); both give the same
    analysis for the same reports. ``examples``: see ``Limits.auto`` (-1: automatic)."""
    if isinstance(g, Graph):
        facts, sections = load_facts(g), report_sections(g)
    else:
        props = _store_props(g)  # bureaus and reports: read once for both
        facts, sections = load_facts_store(g, props), store_sections(g, props)
    lim = Limits.auto(len(facts.bureau_list()), examples)
    pm, qm = incidence(facts, PRACTICE), incidence(facts, PROBLEM)
    return Analysis(
        k=k,
        facts=facts,
        shared_practices=shared_concepts(facts, PRACTICE, k, n_examples=lim.examples),
        shared_problems=shared_concepts(facts, PROBLEM, k, n_examples=lim.examples),
        practice_matrix=pm,
        problem_matrix=qm,
        mandated=mandated_coverage(facts, n_examples=lim.examples),
        completeness=completeness(sections),
        recurring=recurring_problems(facts, max_quoted=lim.max_quoted),
        followups=plan_followups(facts, max_quoted=lim.max_quoted),
        practice_similarity=similarity(pm, top=top_pairs, threshold=threshold),
        problem_similarity=similarity(qm, top=top_pairs, threshold=threshold),
        cooccurrence=cooccurrence(pm, qm, min_both=max(2, k), max_names=lim.max_names),
        breakdowns=breakdowns(facts),
        limits=lim,
    )
