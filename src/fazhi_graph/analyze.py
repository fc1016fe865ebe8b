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
"""

from __future__ import annotations

from collections import defaultdict
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
    """A report → concept edge with its first evidence sentence."""

    report: str
    bureau: str
    relation: str  # adopts | plans | reportsProblem
    concept: str
    year: int | None
    quote: Quote | None


@dataclass
class Facts:
    """The slice of the graph the analyses need, read once, keyed by IRI."""

    bureaus: dict[str, Bureau]
    reports: dict[str, Report]
    concepts: dict[str, ConceptInfo]
    mentions: list[Mention]

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

    def quote_for(self, bureau: str, concept: str, relations: tuple[str, ...]) -> Quote | None:
        """The first evidence of ``bureau`` for ``concept`` (earliest year, then earliest offset)."""
        return self._quote_index().get((bureau, concept, relations))

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

    def _quote_index(self) -> dict:
        idx = getattr(self, "_qidx", None)
        if idx is None:
            idx = {}
            ordered = sorted(
                (m for m in self.mentions if m.quote is not None),
                key=lambda m: (m.year or 0, m.quote.source, m.quote.start or 0, m.relation),
            )
            for m in ordered:
                for rels in (("adopts", "plans"), (m.relation,)):
                    if m.relation in rels:
                        idx.setdefault((m.bureau, m.concept, rels), m.quote)
            self._qidx = idx
        return idx


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
            mentions.append(
                Mention(str(r), rep.bureau, rel, str(c), rep.year, evidence.get((str(r), rel, str(c))))
            )
    mentions.sort(key=lambda m: (m.bureau, m.year or 0, m.report, m.relation, m.concept))
    return Facts(bureaus, reports, concepts, mentions)


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
    bureaus: list[BureauQuote]

    @property
    def count(self) -> int:
        return len(self.bureaus)


def _status(facts: Facts, bureau: str, concept: str) -> str:
    rels = {m.relation for m in facts.of(bureau, concept)}
    if {"adopts", "plans"} <= rels:
        return "both"
    return "done" if "adopts" in rels else "planned" if "plans" in rels else ""


def shared_concepts(g: Graph, facts: Facts, kind: str, k: int) -> list[SharedConcept]:
    """Practices (any status) or problem categories reported by at least ``k`` bureaus, every
    bureau with its first evidence sentence.

    The same concepts and counts as the named query ``pattern-shared-concepts`` (which returns
    one row per concept); the bureaus come from ``facts`` (``g`` is not read again)."""
    rels = set(_RELS[kind])
    members: dict[str, set[str]] = defaultdict(set)
    for m in facts.mentions:
        if m.bureau and m.relation in rels and facts.concepts[m.concept].kind == kind:
            members[m.concept].add(m.bureau)
    out = []
    for c, bureaus in members.items():
        if len(bureaus) < k:
            continue
        sc = SharedConcept(c, facts.concepts[c].label, kind, [])
        for b in bureaus:
            status = _status(facts, b, c) if kind == PRACTICE else ""
            sc.bureaus.append(BureauQuote(b, facts.label(b), facts.quote_for(b, c, _RELS[kind]), status))
        sc.bureaus.sort(key=lambda x: (x.label, x.bureau))
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

    @property
    def rate(self) -> float:
        n = len(self.covered) + len(self.missing)
        return len(self.covered) / n if n else 0.0


def mandated_coverage(g: Graph, facts: Facts) -> list[MandatedCoverage]:
    """For each fz:mandated practice: bureaus that mention it (a narrower practice counts) and those that never do.

    Per practice the same counts as the named query ``pattern-mandated-coverage`` (which
    returns only the counts); the bureaus, their evidence and the missing ones come from ``facts``."""
    vias: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # practice -> bureau -> concepts
    for c in facts.concepts.values():
        if not c.mandated:
            continue
        closure = {str(x) for x in g.transitive_subjects(SKOS.broader, URIRef(c.iri))}  # skos:broader* (c included)
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
        for b in sorted(covered.get(c.iri, {}), key=lambda b: (facts.label(b), b)):
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


def completeness(g: Graph) -> list[Completeness]:
    """Which required sections each report has or lacks, from the fz:sectionKind of its sections.

    Reads the sections by triple lookups (every section of every report is needed here); the
    named query ``pattern-missing-sections`` answers the same question for one kind."""
    required = required_sections()
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
                        sections.append((int(start), str(sec), str(title), str(kind)))
        by_report[str(r)] = {
            "bureau": str(label or ""),
            "year": int(year.toPython()) if year is not None else None,
            "source": str(source),
            "sections": sections,
        }
    out = []
    for r, d in by_report.items():
        secs = sorted(d["sections"])
        present: dict[str, str] = {}
        for req in required:
            for _, _, title, kind in secs:
                if kind not in req.kinds:
                    continue
                if req.heading_terms and not any(t in normalize(title) for t in req.heading_terms):
                    continue
                present[req.label] = title
                break
        missing = [req.label for req in required if req.label not in present]
        # top-level headings: sections whose id has no dot (s1, s2 …), preamble excluded
        top = [t for _, sid, t, k in secs if "." not in sid.rsplit("/", 1)[-1] and k != "preamble"]
        out.append(Completeness(r, d["bureau"], d["year"], d["source"], present, missing, top))
    out.sort(key=lambda c: (c.bureau, c.year or 0, c.source))
    return out


# ---------------------------------------------------------------- multi-year patterns


@dataclass
class RecurringProblem:
    bureau: str  # label
    problem: str  # label
    years: list[int]
    quotes: list[Quote]  # one per year, in year order


def recurring_problems(g: Graph, facts: Facts, min_years: int = 2) -> list[RecurringProblem]:
    """Problem categories a bureau lists again in a later year's report.

    Per problem, the number of such bureaus is the named query ``pattern-recurring-problems``."""
    years_of: dict[tuple[str, str], set[int]] = defaultdict(set)
    for m in facts.mentions:
        if m.relation == "reportsProblem" and m.bureau and m.year is not None:
            years_of[(m.bureau, m.concept)].add(m.year)
    out = []
    for (b, p), ys in years_of.items():
        if len(ys) < min_years:
            continue
        years = sorted(ys)
        quotes = []
        for y in years:
            ms = [m for m in facts.of(b, p) if m.year == y and m.quote]
            if ms:
                quotes.append(min(ms, key=lambda m: (m.quote.source, m.quote.start or 0)).quote)
        out.append(RecurringProblem(facts.label(b), facts.concepts[p].label, years, quotes))
    out.sort(key=lambda x: (x.bureau, x.problem))
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


def plan_followups(g: Graph, facts: Facts, gap: int = 1) -> list[PlanFollowup]:
    """For each practice a bureau planned in year N: does its year N+gap report carry it out?

    A plan counts as carried out if the later report carries out (fz:adopts) the practice or a
    narrower one (skos:broader*). Per practice, the counts are the named query
    ``pattern-plan-followup``."""
    reports_of: dict[tuple[str, int], list[Report]] = defaultdict(list)
    for r in facts.reports.values():
        if r.bureau and r.year is not None:
            reports_of[(r.bureau, r.year)].append(r)
    adopted: dict[str, set[str]] = defaultdict(set)  # report -> practices it carries out
    for m in facts.mentions:
        if m.relation == "adopts":
            adopted[m.report].add(m.concept)
    closures: dict[str, set[str]] = {}  # skos:broader* in the graph, as the named query reads it
    narrower_of: dict[str, list[str]] = {}
    out = []
    for m in facts.mentions:
        if m.relation != "plans" or not m.bureau or m.year is None:
            continue
        b, p, y1, y2 = m.bureau, m.concept, m.year, m.year + gap
        if p not in closures:
            closures[p] = {str(x) for x in g.transitive_subjects(SKOS.broader, URIRef(p))}
        for r2 in reports_of.get((b, y2), []):
            done = bool(adopted[r2.iri] & closures[p])
            plan_q = next(
                (x.quote for x in facts.of(b, p) if x.year == y1 and x.relation == "plans"),
                None,
            )
            if p not in narrower_of:
                narrower_of[p] = sorted(_narrower_closure(facts, p))
            later = [x for c in narrower_of[p] for x in facts.of(b, c) if x.year == y2]
            done_q = next((x.quote for x in later if x.relation == "adopts" and x.concept == p), None) or next(
                (x.quote for x in later if x.relation == "adopts"), None
            )
            again = any(x.relation == "plans" and x.concept == p for x in later)
            out.append(
                PlanFollowup(
                    facts.label(b), facts.concepts[p].label, y1, y2, done, plan_q,
                    done_q if done else None, again and not done,
                )
            )
    out.sort(key=lambda x: (x.bureau, x.plan_year, not x.carried_out, x.practice))
    return out


def _narrower_closure(facts: Facts, concept: str) -> set[str]:
    children: dict[str, set[str]] = defaultdict(set)
    for c in facts.concepts.values():
        for b in c.broader:
            children[b].add(c.iri)
    seen, stack = {concept}, [concept]
    while stack:
        for ch in children.get(stack.pop(), ()):
            if ch not in seen:
                seen.add(ch)
                stack.append(ch)
    return seen


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
    matrix: np.ndarray  # dense, symmetric, diagonal 1 for non-empty rows
    pairs: list[SimilarPair]  # top pairs, most similar first
    communities: list[list[str]]  # bureau labels, largest first
    threshold: float


def jaccard(m) -> np.ndarray:
    """Pairwise Jaccard of the rows of a binary sparse matrix: |A∩B| / |A∪B|.

    Intersections are one sparse product (M·Mᵀ); unions follow from row sizes, so
    2,000 bureaus cost one 2,000 × 2,000 dense result and no Python loop."""
    m = m.astype(np.float64)
    inter = np.asarray((m @ m.T).todense())
    size = np.asarray(m.sum(axis=1)).ravel()
    union = size[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
    return np.round(sim, 6)


def similarity(mat: Matrix, *, top: int = 20, threshold: float = 0.3) -> Similarity:
    """Jaccard similarity of bureaus, the most similar pairs, and Louvain communities.

    Communities: networkx ``louvain_communities(seed=42)`` on the graph whose edges are
    pairs with similarity ≥ ``threshold`` (nodes added in label order, so deterministic)."""
    import networkx as nx

    sim = jaccard(mat.data)
    n = len(mat.bureaus)
    iu, ju = np.triu_indices(n, k=1)
    vals = sim[iu, ju]
    order = sorted(
        (i for i in range(len(vals)) if vals[i] > 0),
        key=lambda i: (-vals[i], mat.bureau_labels[iu[i]], mat.bureau_labels[ju[i]]),
    )
    dense = mat.data.tocsr()
    pairs = []
    for i in order[:top]:
        a, b = iu[i], ju[i]
        shared = sorted(set(dense[a].indices) & set(dense[b].indices))
        pairs.append(
            SimilarPair(mat.bureau_labels[a], mat.bureau_labels[b], float(vals[i]), tuple(mat.concept_labels[j] for j in shared))
        )
    G = nx.Graph()
    G.add_nodes_from(mat.bureau_labels)
    for i in np.flatnonzero(vals >= threshold):
        G.add_edge(mat.bureau_labels[iu[i]], mat.bureau_labels[ju[i]], weight=float(vals[i]))
    comms = nx.community.louvain_communities(G, weight="weight", seed=42) if G.number_of_nodes() else []
    communities = sorted((sorted(c) for c in comms), key=lambda c: (-len(c), c))
    return Similarity(mat.kind, mat.bureau_labels, sim, pairs, communities, threshold)


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


def cooccurrence(practices: Matrix, problems: Matrix, *, min_both: int = 2) -> list[Cooccurrence]:
    """Practice × problem co-occurrence counts across bureaus, with lift."""
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
        rows = sorted(set(P[:, i].indices) & set(Q[:, j].indices))
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


def analyze(g: Graph, *, k: int = 3, threshold: float = 0.3, top_pairs: int = 20) -> Analysis:
    """Run every pattern over ``g`` (a graph built by ``fazhi_graph.pipeline.build``)."""
    facts = load_facts(g)
    pm, qm = incidence(facts, PRACTICE), incidence(facts, PROBLEM)
    return Analysis(
        k=k,
        facts=facts,
        shared_practices=shared_concepts(g, facts, PRACTICE, k),
        shared_problems=shared_concepts(g, facts, PROBLEM, k),
        practice_matrix=pm,
        problem_matrix=qm,
        mandated=mandated_coverage(g, facts),
        completeness=completeness(g),
        recurring=recurring_problems(g, facts),
        followups=plan_followups(g, facts),
        practice_similarity=similarity(pm, top=top_pairs, threshold=threshold),
        problem_similarity=similarity(qm, top=top_pairs, threshold=threshold),
        cooccurrence=cooccurrence(pm, qm, min_both=max(2, k)),
        breakdowns=breakdowns(facts),
    )
