"""Interactive explorer page (``output/graph.html``) for the report knowledge graph.

Three steps, all pure:

* :func:`explorer_data` reads an rdflib Graph or a pyoxigraph Store (union default graph, so the
  ``build --store`` layout with one named graph per report works as is) with a handful of SPARQL
  queries: bureaus with labels/province/level, reports (years, sources), the bureau-level summary
  edges ``fz:bureauAdopts``/``bureauPlans``/``bureauReportsProblem``/``bureauCites`` (one edge per
  bureau and concept, no join over reports), report edges only where they add something
  (``fz:mentionsCandidate``; bureaus with reports in several years), evidence quotes and concept
  labels. An rdflib Graph is loaded into an in-memory Oxigraph store first: one query engine.
  It returns JSON-able views: bureau→practice, bureau→problem, bureau→law and bureau↔bureau
  similarity. Reports are folded into their bureau because users compare *bureaus*; the years and
  sources stay on the edge and in the evidence.
* :func:`page_data` packs that into the compact form the page embeds (bureaus once, edges as index
  arrays; gzip + base64 above a few MB): 10,000 bureaus fit in a few MB.
* :func:`render_explorer` writes one self-contained HTML file (vis-network inlined from the pyvis
  package, data as an inert JSON block) that works from disk with networking disabled.

The page keeps all bureaus and edges for filtering and for the side panel, but the network only
ever draws a bounded subgraph (top-N bureaus by shared concepts, or one node per province, plus
the concepts they share), laid out with a bounded number of physics iterations and then frozen:
vis-network with thousands of nodes and physics on never settles.

Why not pyvis' own templates: pyvis 0.3.2 inserts ``heading`` as raw HTML and switches to an
HTML-rendering tooltip template as soon as a title contains a link, so report text (which we do
not control) would execute. Here all report text travels as JSON (with ``<``, ``>``, ``&``,
U+2028/9 escaped) and the page only ever puts it into the DOM with ``textContent``.

Output is deterministic (sorted keys and lists, no timestamps, gzip without mtime, seeded layout)
so the page can be diffed and cached: the same graph gives byte-identical HTML.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyoxigraph as ox
from rdflib import Graph, URIRef

from .namespaces import FZ
from .store import OX_PREFIXES

DEFAULT_TITLE = "法治政府建设报告知识图谱"
VIS_VERSION = "9.1.2"

#: view name -> (edge predicates, concept rdf:types, Chinese view label)
CONCEPT_VIEWS: dict[str, tuple[tuple[URIRef, ...], str]] = {
    "bureau-practice": ((FZ.adopts, FZ.plans, FZ.mentionsCandidate), "单位—举措 (practices)"),
    "bureau-problem": ((FZ.reportsProblem,), "单位—问题 (problems)"),
    "bureau-law": ((FZ.cites,), "单位—法规 (laws)"),
}
SIMILARITY_VIEW = "bureau-similarity"
VIEW_LABELS = {name: label for name, (_, label) in CONCEPT_VIEWS.items()}
VIEW_LABELS[SIMILARITY_VIEW] = "单位相似度 (similarity)"

#: node type -> (Chinese legend label, colour). Colours are colour-blind friendly (Okabe–Ito).
NODE_TYPES: dict[str, tuple[str, str]] = {
    "bureau": ("报告单位 (bureau)", "#0072B2"),
    "practice": ("举措 (practice)", "#009E73"),
    "candidate": ("候选举措 (candidate practice)", "#999999"),
    "problem": ("问题类别 (problem)", "#D55E00"),
    "law": ("法律法规 (law)", "#CC79A7"),
    "province": ("省份汇总 (province, aggregate)", "#56B4E9"),
}
EDGE_STATUS = {
    "done": "已开展 (done)",
    "planned": "计划开展 (planned)",
    "both": "已开展且继续计划 (both)",
}

_MAX_EVIDENCE = 3
_SMALL_PAIRS = 20_000
_MAX_SHARED_LABELS = 12


# ----------------------------------------------------------------------------- reading (SPARQL)
_BUREAU_PREDS = {
    "bureauAdopts": ("adopts", "practice"),
    "bureauPlans": ("plans", "practice"),
    "bureauReportsProblem": ("reportsProblem", "problem"),
    "bureauCites": ("cites", "law"),
}
_REPORT_PREDS = {"adopts": "practice", "plans": "practice", "reportsProblem": "problem", "cites": "law",
                 "mentionsCandidate": "candidate"}
#: view -> report-level predicate local names it shows
_VIEW_PREDS = {
    "bureau-practice": ("adopts", "plans", "mentionsCandidate"),
    "bureau-problem": ("reportsProblem",),
    "bureau-law": ("cites",),
}

_Q_BUREAUS = """SELECT DISTINCT ?b ?p ?o WHERE {
  ?b a fz:Bureau . VALUES ?p { rdfs:label fz:province fz:city fz:county fz:adminLevel } ?b ?p ?o }"""
_Q_REGIONS = """SELECT DISTINCT ?r ?l WHERE {
  ?b a fz:Bureau . VALUES ?q { fz:province fz:city fz:county } ?b ?q ?r . ?r rdfs:label ?l }"""
_Q_REPORTS = """SELECT ?r ?b ?y ?src WHERE {
  ?r a fz:Report ; fz:issuedBy ?b . OPTIONAL { ?r fz:year ?y } OPTIONAL { ?r fz:source ?src } }"""
_Q_BUREAU_EDGES = """SELECT ?b ?p ?x WHERE {
  VALUES ?p { fz:bureauAdopts fz:bureauPlans fz:bureauReportsProblem fz:bureauCites } ?b ?p ?x . FILTER(isIRI(?x)) }"""
_Q_REPORT_EDGES = """SELECT ?r ?p ?x WHERE { VALUES ?p { %s } ?r ?p ?x . FILTER(isIRI(?x)) }"""
_Q_EVIDENCE = """SELECT ?r ?p ?x ?q ?start ?s ?sl WHERE {
  ?ev a fz:Evidence ; rdf:predicate ?p ; rdf:subject ?r ; rdf:object ?x .
  FILTER(?p IN (fz:adopts, fz:plans, fz:reportsProblem, fz:cites, fz:mentionsCandidate))
  OPTIONAL { ?ev fz:quote ?q } OPTIONAL { ?ev fz:start ?start }
  OPTIONAL { ?ev fz:inSection ?s . OPTIONAL { ?s rdfs:label ?sl } } }"""
_LINKED = """{ SELECT DISTINCT ?c WHERE {
    VALUES ?e { fz:bureauAdopts fz:bureauPlans fz:bureauReportsProblem fz:bureauCites
                fz:adopts fz:plans fz:reportsProblem fz:cites fz:mentionsCandidate } ?s ?e ?c . FILTER(isIRI(?c)) } }"""
_Q_CONCEPTS = """SELECT ?c ?p ?o WHERE { %s
  VALUES ?p { skos:prefLabel rdfs:label fz:shortName fz:lawKind skos:broader } ?c ?p ?o }""" % _LINKED
_Q_BROADER = """SELECT DISTINCT ?br ?p ?o WHERE { %s
  ?c skos:broader ?br . VALUES ?p { skos:prefLabel rdfs:label } ?br ?p ?o }""" % _LINKED


def as_store(source: Any) -> ox.Store:
    """A pyoxigraph store to read the page data from: the store itself, or an rdflib Graph
    loaded into an in-memory store (one SPARQL engine for both; Oxigraph answers the joins
    below in milliseconds where rdflib's engine takes seconds)."""
    if isinstance(source, ox.Store):
        return source
    if isinstance(source, Graph):
        store = ox.Store()
        if len(source):
            store.bulk_load(source.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return store
    raise TypeError(f"explorer data comes from an rdflib Graph or a pyoxigraph Store, not {type(source).__name__}")


def _select(store: ox.Store, query: str) -> list[tuple]:
    res = store.query(query, prefixes=OX_PREFIXES, use_default_graph_as_union=True)
    rows = [tuple(sol) for sol in res]  # values in projection order (by-name look-ups cost a third more)
    del res
    return rows


def _lang(term: Any) -> str:
    return (getattr(term, "language", None) or "") if isinstance(term, ox.Literal) else ""


def _pick_label(cands: dict[str, list[tuple[str, str]]], props: tuple[str, ...], iri: str) -> str:
    """Chinese label if any, else an untagged one, else any (sorted, so deterministic)."""
    for prop in props:
        lits = cands.get(prop, ())
        for pref in ("zh", ""):
            vals = sorted(v for v, lang in lits if lang.split("-")[0] == pref)
            if vals:
                return vals[0]
        if lits:
            return sorted(v for v, _ in lits)[0]
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def _label_en(cands: dict[str, list[tuple[str, str]]]) -> str:
    for prop in ("prefLabel", "label"):
        vals = sorted(v for v, lang in cands.get(prop, ()) if lang == "en")
        if vals:
            return vals[0]
    return ""


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def _to_int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except (TypeError, ValueError):
        return None


class _Source:
    """Everything the page needs, read with a handful of SPARQL queries."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._read_bureaus()
        self._read_pairs()
        self._read_evidence()
        self._read_concepts()

    # bureaus and reports
    def _read_bureaus(self) -> None:
        region_labels: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        for r, lab in _select(self.store, _Q_REGIONS):
            region_labels[r.value]["label"].append((lab.value, _lang(lab)))
        props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for b, p, o in _select(self.store, _Q_BUREAUS):
            if isinstance(b, ox.NamedNode):
                props[b.value][_local(p.value)].append(o)
        self.reports: dict[str, tuple[str, int | None, str]] = {}
        for r, b, y, src in _select(self.store, _Q_REPORTS):
            if not isinstance(r, ox.NamedNode) or not isinstance(b, ox.NamedNode):
                continue
            year = _to_int(y)
            old = self.reports.get(r.value)
            if old is not None and (old[1] is None or (year is not None and year >= old[1])):
                continue  # several years on one report: keep the earliest, deterministically
            self.reports[r.value] = (b.value, year, src.value if src is not None else r.value)
            props.setdefault(b.value, defaultdict(list))
        self.bureaus: dict[str, dict[str, Any]] = {}
        for bid, pv in props.items():
            labels = {"label": [(o.value, _lang(o)) for o in pv.get("label", ()) if isinstance(o, ox.Literal)]}
            node: dict[str, Any] = {"id": bid, "type": "bureau", "label": _pick_label(labels, ("label",), bid)}
            for key in ("province", "city", "county"):
                vals = sorted(
                    _pick_label(region_labels.get(o.value, {}), ("label",), o.value) if isinstance(o, ox.NamedNode) else o.value
                    for o in pv.get(key, ())
                )
                node[key] = vals[0] if vals else ""
            levels = sorted(o.value for o in pv.get("adminLevel", ()))
            node["level"] = levels[0] if levels else ""
            node["years"], node["sources"] = [], []
            self.bureaus[bid] = node
        for bid, year, src in self.reports.values():
            node = self.bureaus[bid]
            if year is not None and year not in node["years"]:
                node["years"].append(year)
            if src not in node["sources"]:
                node["sources"].append(src)
        for node in self.bureaus.values():
            node["years"].sort()
            node["sources"].sort()

    # bureau -> concept pairs
    def _read_pairs(self) -> None:
        # (view, bureau, concept) -> {year or None: set(marks)}
        self.pairs: dict[tuple[str, str, str], dict[int | None, set[str]]] = {}
        self.ctype: dict[str, str] = {}
        by_bureau: dict[str, list[str]] = defaultdict(list)
        for rep, (bid, _y, _s) in self.reports.items():
            by_bureau[bid].append(rep)
        summary = _select(self.store, _Q_BUREAU_EDGES)
        # reports whose own edges are needed: candidates (no bureau-level edge) always, and every
        # edge of a bureau with reports in several years (the year filter and status per year)
        multi = sorted(r for b, reps in by_bureau.items() if len({self.reports[x][1] for x in reps}) > 1 for r in reps)
        if not summary:  # a graph written before the bureau-level edges: read the report edges
            rows = _select(self.store, _Q_REPORT_EDGES % " ".join("fz:" + p for p in _REPORT_PREDS))
        else:
            rows = _select(self.store, _Q_REPORT_EDGES % "fz:mentionsCandidate")
            if multi:  # one scan of the report edges, kept for those reports only (VALUES is slower)
                wanted = set(multi)
                rows += [
                    row for row in _select(self.store, _Q_REPORT_EDGES % "fz:adopts fz:plans fz:reportsProblem fz:cites")
                    if row[0].value in wanted
                ]
        multi_bureaus = {self.reports[r][0] for r in multi}
        for rep, p, x in rows:
            if rep.value not in self.reports:
                continue
            bid, year, _src = self.reports[rep.value]
            self._add(_local(p.value), bid, x.value, year)
        for b, p, x in summary:
            bid = b.value
            if bid not in self.bureaus or (bid in multi_bureaus):
                continue  # multi-year bureaus were read per report above
            pred = _BUREAU_PREDS[_local(p.value)][0]
            years = self.bureaus[bid]["years"]
            self._add(pred, bid, x.value, years[0] if len(years) == 1 else None)

    def _add(self, pred: str, bid: str, cid: str, year: int | None) -> None:
        ctype = _REPORT_PREDS[pred]
        if self.ctype.get(cid) != "practice":  # a concept typed both as practice and candidate is a practice
            self.ctype[cid] = ctype
        view = next(v for v, preds in _VIEW_PREDS.items() if pred in preds)
        marks = self.pairs.setdefault((view, bid, cid), {})
        marks.setdefault(year, set()).add("planned" if pred == "plans" else "done")

    # evidence: (view, bureau, concept) -> sorted evidence tuples
    def _read_evidence(self) -> None:
        self.evidence: dict[tuple[str, str, str], list[tuple]] = defaultdict(list)
        view_of = {p: v for v, preds in _VIEW_PREDS.items() for p in preds}
        for rep, p, x, q, start, sec, sec_label in _select(self.store, _Q_EVIDENCE):
            if rep is None or rep.value not in self.reports or x is None:
                continue
            bid, year, src = self.reports[rep.value]
            key = (view_of[_local(p.value)], bid, x.value)
            if key not in self.pairs:
                continue
            if sec_label is not None:
                section = sec_label.value
            elif isinstance(sec, ox.Literal):
                section = sec.value
            elif sec is not None:
                section = _pick_label({}, (), sec.value)
            else:
                section = ""
            st = _to_int(start)
            # newest report first, then reading order: the most recent wording is the most useful one
            self.evidence[key].append((-(year or 0), src, st if st is not None else -1, q.value if q is not None else "", year, section))
        for evs in self.evidence.values():
            evs.sort()

    # concept labels, English labels, broader concepts, law kinds
    def _read_concepts(self) -> None:
        meta: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        for c, p, o in _select(self.store, _Q_CONCEPTS):
            meta[c.value][_local(p.value)].append((o.value, _lang(o)))
        broader_labels: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
        for br, p, o in _select(self.store, _Q_BROADER):
            broader_labels[br.value][_local(p.value)].append((o.value, _lang(o)))
        self.concepts: dict[str, dict[str, Any]] = {}
        for cid, ctype in self.ctype.items():
            m = meta.get(cid, {})
            props = ("prefLabel", "label") if ctype in ("practice", "problem") else ("label", "shortName")
            node: dict[str, Any] = {"id": cid, "type": ctype, "label": _pick_label(m, props, cid)}
            en = _label_en(m)
            if en:
                node["label_en"] = en
            broader = sorted(_pick_label(broader_labels.get(b, {}), ("prefLabel", "label"), b) for b, _ in m.get("broader", ()))
            if broader:
                node["broader"] = broader
            if ctype == "law":
                kinds = sorted(v for v, _ in m.get("lawKind", ()))
                node["kind"] = kinds[0] if kinds else "unknown"
            self.concepts[cid] = node


# ----------------------------------------------------------------------------- views
def _status(marks: set[str]) -> str:
    if marks == {"done"}:
        return "done"
    if marks == {"planned"}:
        return "planned"
    return "both"


def _concept_view(src: _Source, name: str, max_concepts: int, max_evidence: int) -> dict[str, Any]:
    sharing: dict[str, int] = defaultdict(int)
    for view, _bid, cid in src.pairs:
        if view == name:
            sharing[cid] += 1
    concepts = [dict(src.concepts[cid], count=n) for cid, n in sharing.items()]
    # aggregation for big graphs: keep the concepts most bureaus share; candidates go last
    concepts.sort(key=lambda c: (c["type"] == "candidate", -c["count"], c["label"], c["id"]))
    total = len(concepts)
    kept = concepts[:max_concepts]
    kept_ids = {c["id"] for c in kept}
    kept.sort(key=lambda c: (c["type"], c["label"], c["id"]))
    edges = []
    for (view, bid, cid), marks in src.pairs.items():
        if view != name or cid not in kept_ids:
            continue
        practice = src.ctype[cid] == "practice"
        by_year = {str(y): _status(m) for y, m in marks.items() if y is not None}
        ev = src.evidence.get((view, bid, cid), [])
        edge: dict[str, Any] = {
            "from": bid,
            "to": cid,
            "status": _status(set().union(*marks.values())) if practice else None,
            "years": sorted(int(y) for y in by_year),
            "evidence": [{"quote": e[3], "source": e[1], "year": e[4], "section": e[5]} for e in ev[:max_evidence]],
            "n_evidence": len(ev),
        }
        if practice:
            edge["status_by_year"] = by_year
        edges.append(edge)
    edges.sort(key=lambda e: (e["from"], e["to"]))
    note = None
    if total > len(kept_ids):
        note = (
            f"共 {total} 个概念，仅保留被最多单位共享的前 {len(kept_ids)} 个；"
            f"其余 {total - len(kept_ids)} 个及其连线已省略 "
            f"(kept the {len(kept_ids)} most shared of {total} concepts)."
        )
    nodes = [dict(b) for b in sorted(src.bureaus.values(), key=lambda b: (b["label"], b["id"]))] + kept
    return {"nodes": nodes, "edges": edges, "note": note, "total_concepts": total, "shown_concepts": len(kept_ids)}


def _similarity_view(src: _Source, threshold: float, top_k: int, block: int = 512) -> dict[str, Any]:
    """Jaccard similarity of the practice sets (done or planned) of every pair of bureaus.

    A bureau × practice 0/1 matrix times its transpose gives all intersections at once, which
    stays fast at thousands of bureaus where a SPARQL self-join would not; it is computed in
    blocks of rows so 10,000 bureaus need megabytes, not a 10,000² matrix. Each bureau keeps at
    most ``top_k`` partners above ``threshold`` so the picture stays legible."""
    practices: dict[str, set[str]] = defaultdict(set)
    for view, bid, cid in src.pairs:
        if view == "bureau-practice" and src.ctype[cid] == "practice":
            practices[bid].add(cid)
    bureaus = src.bureaus
    ids = sorted(bureaus, key=lambda b: (bureaus[b]["label"], b))
    concept_ids = sorted({c for s in practices.values() for c in s})
    col = {c: i for i, c in enumerate(concept_ids)}
    m = np.zeros((len(ids), len(concept_ids)), dtype=np.float32)
    for i, bid in enumerate(ids):
        for c in practices.get(bid, ()):
            m[i, col[c]] = 1.0
    sizes = m.sum(axis=1)
    chosen: dict[tuple[int, int], float] = {}
    above = 0
    for lo in range(0, len(ids), block):
        hi = min(lo + block, len(ids))
        inter = m[lo:hi] @ m.T
        union = sizes[lo:hi, None] + sizes[None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        jac = np.round(jac.astype(np.float64), 3)
        rows = np.arange(hi - lo)
        jac[rows, rows + lo] = 0.0
        hit = jac >= threshold
        above += int(np.triu(hit, lo + 1).sum())  # pairs i < j only
        for r in range(hi - lo):
            i = lo + r
            cand = np.nonzero(hit[r])[0]
            if len(cand) > top_k:
                # top_k by weight, ties by index: a stable sort keeps it deterministic
                order = np.lexsort((cand, -jac[r, cand]))
                cand = cand[order[:top_k]]
            for j in cand.tolist():
                chosen[(min(i, j), max(i, j))] = float(jac[r, j])
    labels = {c: src.concepts[c]["label"] for c in concept_ids}
    edges = []
    for i, j in sorted(chosen):
        shared = sorted(labels[c] for c in practices.get(ids[i], set()) & practices.get(ids[j], set()))
        edges.append(
            {"from": ids[i], "to": ids[j], "weight": chosen[(i, j)], "n_shared": len(shared), "shared": shared[:_MAX_SHARED_LABELS]}
        )
    nodes = [dict(bureaus[bid], count=len(practices.get(bid, ()))) for bid in ids]
    note = None
    if above > len(edges):
        note = (
            f"相似度 ≥ {threshold} 的单位对共 {above} 对，每个单位仅保留最相似的 {top_k} 个 "
            f"(kept the top {top_k} partners per bureau: {len(edges)} of {above} pairs)."
        )
    return {"nodes": nodes, "edges": edges, "note": note, "threshold": threshold}


def explorer_data(
    source: Graph | ox.Store,
    *,
    max_concepts: int = 1000,
    similarity_threshold: float = 0.3,
    similarity_top_k: int = 8,
    max_evidence: int | None = None,
) -> dict[str, Any]:
    """JSON-able data behind the explorer page, from an rdflib Graph or a pyoxigraph Store.

    A store is read with its union default graph (one named graph per report is fine). Bureau →
    concept pairs come from the bureau-level edges (``fz:bureauAdopts``/``bureauPlans``/
    ``bureauReportsProblem``/``bureauCites``); report-level edges are read only where they add
    something: ``fz:mentionsCandidate`` (no bureau-level form) and bureaus with reports in several
    years (status per year). A graph without bureau-level edges is read from its report edges.

    Returns ``{"views": {name: {"nodes", "edges", "note", ...}}, "filters": {...}, "legend": {...}}``
    for the views ``bureau-practice``, ``bureau-problem``, ``bureau-law`` and ``bureau-similarity``.
    Bureau nodes carry ``province``/``city``/``county``/``level``/``years``/``sources``; concept
    nodes carry ``count`` (number of bureaus sharing it, drives the node size). A bureau→concept
    edge carries ``status`` (practices: done/planned/both across all years; ``None`` for problems,
    laws and candidates), ``status_by_year``, ``years`` and up to ``max_evidence`` ``evidence`` items
    ``{quote, source, year, section}`` (newest first) plus ``n_evidence``. ``max_evidence`` is 3 for
    graphs up to 20,000 bureau–concept pairs and 1 above (keeps the page small). Each view keeps at
    most ``max_concepts`` concept nodes (the most shared) and says in ``note`` what was cut.
    """
    src = _Source(as_store(source))
    if max_evidence is None:
        max_evidence = _MAX_EVIDENCE if len(src.pairs) <= _SMALL_PAIRS else 1
    views: dict[str, Any] = {}
    for name in CONCEPT_VIEWS:
        views[name] = _concept_view(src, name, max_concepts, max_evidence)
    views[SIMILARITY_VIEW] = _similarity_view(src, similarity_threshold, similarity_top_k)
    for name, view in views.items():
        view["label"] = VIEW_LABELS[name]
    bureaus = src.bureaus
    return {
        "views": views,
        "filters": {
            "provinces": sorted({b["province"] for b in bureaus.values() if b["province"]}),
            "levels": sorted({b["level"] for b in bureaus.values() if b["level"]}),
            "years": sorted({y for b in bureaus.values() for y in b["years"]}),
        },
        "legend": {
            "nodes": {k: {"label": v[0], "color": v[1]} for k, v in NODE_TYPES.items()},
            "edges": dict(EDGE_STATUS),
        },
    }


# ----------------------------------------------------------------------------- HTML
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def json_for_script(data: Any) -> str:
    """JSON that is inert inside ``<script type="application/json">``.

    ``<``/``>``/``&`` become ``\\u003c``/``\\u003e``/``\\u0026`` (so ``</script>`` and ``<!--``
    cannot end or confuse the block) and U+2028/9 are escaped; ``JSON.parse`` restores them all."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def _asset(name: str) -> str:
    return (resources.files("fazhi_graph") / "templates" / name).read_text(encoding="utf-8")


def vis_network_js() -> str:
    """The vis-network build bundled in the pyvis package (our declared dependency)."""
    try:
        lib = resources.files("pyvis") / "lib" / f"vis-{VIS_VERSION}" / "vis-network.min.js"
        js = lib.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - packaging error
        raise RuntimeError(f"pyvis with vis-network {VIS_VERSION} is required for the explorer page") from exc
    if re.search(r"</script|<!--", js, re.IGNORECASE):  # pragma: no cover - would break inlining
        raise RuntimeError("vis-network.min.js cannot be inlined safely")
    return js


def _csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


_SLOT_RE = re.compile(r"/\*@@(\w+)@@\*/")


_STATUS_CODE = {None: 0, "done": 1, "planned": 2, "both": 3}


def page_data(data: dict[str, Any], *, max_quote_chars: int | None = None) -> dict[str, Any]:
    """Compact form of :func:`explorer_data` for the page (what the embedded JSON holds).

    Bureaus are listed once (``[id, label, province index, city, county, level index, years,
    sources]``) and edges are arrays of indices, so 10,000 bureaus and ~200,000 edges stay a few
    megabytes: ``[bureau, concept, status 0–3, years, status code per year, n_evidence,
    [[quote, source index in the bureau's sources, year, section index], …]]``; similarity edges
    are ``[bureau, bureau, weight, n_shared, [shared label index, …]]``. Quotes longer than
    ``max_quote_chars`` are cut (with …); the full text is in the graph."""
    filters = data["filters"]
    prov_idx = {p: i for i, p in enumerate(filters["provinces"])}
    level_idx = {lv: i for i, lv in enumerate(filters["levels"])}
    first = data["views"]["bureau-practice"]["nodes"]
    bureaus = [n for n in first if n["type"] == "bureau"]
    b_idx = {b["id"]: i for i, b in enumerate(bureaus)}
    src_idx = [{s: j for j, s in enumerate(b["sources"])} for b in bureaus]
    sections: dict[str, int] = {}

    def quote(q: str) -> str:
        return q if max_quote_chars is None or len(q) <= max_quote_chars else q[: max_quote_chars - 1] + "…"

    views: dict[str, Any] = {}
    for name in CONCEPT_VIEWS:
        v = data["views"][name]
        concepts = [n for n in v["nodes"] if n["type"] != "bureau"]
        c_idx = {c["id"]: i for i, c in enumerate(concepts)}
        edges = []
        for e in v["edges"]:
            bi = b_idx[e["from"]]
            by_year = e.get("status_by_year") or {}
            evs = [
                [quote(x["quote"]), src_idx[bi].get(x["source"], -1), x["year"],
                 sections.setdefault(x["section"], len(sections))]
                for x in e["evidence"]
            ]
            edges.append([bi, c_idx[e["to"]], _STATUS_CODE[e["status"]], e["years"],
                          [_STATUS_CODE[by_year.get(str(y))] for y in e["years"]] if by_year else [],
                          e["n_evidence"], evs])
        views[name] = {k: v[k] for k in ("label", "note", "total_concepts", "shown_concepts")}
        views[name]["concepts"] = concepts
        views[name]["edges"] = edges
    sim = data["views"][SIMILARITY_VIEW]
    labels: dict[str, int] = {}
    sim_edges = [
        [b_idx[e["from"]], b_idx[e["to"]], e["weight"], e["n_shared"], [labels.setdefault(x, len(labels)) for x in e["shared"]]]
        for e in sim["edges"]
    ]
    counts = {n["id"]: n.get("count", 0) for n in sim["nodes"]}
    views[SIMILARITY_VIEW] = {
        "label": sim["label"], "note": sim["note"], "threshold": sim["threshold"],
        "counts": [counts.get(b["id"], 0) for b in bureaus], "labels": list(labels), "edges": sim_edges,
    }
    return {
        "version": 2,
        "bureaus": [
            [b["id"], b["label"], prov_idx.get(b["province"], -1), b["city"], b["county"],
             level_idx.get(b["level"], -1), b["years"], b["sources"]]
            for b in bureaus
        ],
        "sections": list(sections),
        "views": views,
        "filters": filters,
        "legend": data["legend"],
    }


#: characters of quoted evidence a big page may embed (~3 bytes each before compression); see quote_cap
QUOTE_BUDGET = 8_000_000


def quote_cap(lengths: list[int], budget: int, *, longest: int = 80, shortest: int = 24) -> int:
    """The largest cut-off ``c`` (between ``shortest`` and ``longest`` characters) such that the
    quotes cut at ``c`` total at most ``budget`` characters: with ~200,000 edges at 10,000 bureaus
    that keeps the page under 20 MB whatever the report text, while small pages cut nothing."""
    lo, hi = shortest, longest
    if sum(min(n, hi) for n in lengths) <= budget:
        return hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


#: embedded JSON above this size is gzip-compressed and base64-encoded (the page inflates it with
#: the browser's DecompressionStream): report text compresses about 4x, so 10,000 bureaus stay
#: well under 20 MB. Small pages keep plain JSON (readable, diffable).
COMPRESS_ABOVE = 4_000_000


def render_explorer(
    source: Graph | ox.Store,
    path: str | Path,
    *,
    title: str = DEFAULT_TITLE,
    max_concepts: int = 1000,
    similarity_threshold: float = 0.3,
    similarity_top_k: int = 8,
    max_evidence: int | None = None,
    max_quote_chars: int | None = None,
    compress: bool | None = None,
) -> Path:
    """Write the explorer page for ``source`` (an rdflib Graph or a pyoxigraph Store, read with its
    union default graph) to ``path`` and return it.

    One file, no external resource: the vis-network script, the CSS, the app script and the data
    are all inlined, so it works opened from disk with networking disabled. The page holds every
    bureau and edge for searching and filtering, but the network only ever draws a bounded
    subset (top-N bureaus, by province, by concept), lays it out with a bounded number of physics
    iterations and then freezes it. Big graphs (over 20,000 bureau–concept pairs) keep one quote
    per edge, cut so all quotes fit :data:`QUOTE_BUDGET` characters (at most 80, at least 24 per
    quote; see :func:`quote_cap`) unless ``max_evidence``/``max_quote_chars`` say otherwise;
    ``compress`` (default: above 4 MB) gzips the embedded data."""
    data = explorer_data(
        source,
        max_concepts=max_concepts,
        similarity_threshold=similarity_threshold,
        similarity_top_k=similarity_top_k,
        max_evidence=max_evidence,
    )
    n_pairs = sum(len(data["views"][v]["edges"]) for v in CONCEPT_VIEWS)
    if max_quote_chars is None and n_pairs > _SMALL_PAIRS:
        lengths = [len(x["quote"]) for v in CONCEPT_VIEWS for e in data["views"][v]["edges"] for x in e["evidence"]]
        max_quote_chars = quote_cap(lengths, QUOTE_BUDGET)
    packed = page_data(data, max_quote_chars=max_quote_chars)
    packed["title"] = title
    payload = json_for_script(packed)
    attrs = ""
    if compress or (compress is None and len(payload.encode("utf-8")) > COMPRESS_ABOVE):
        # mtime=0: the same data gives the same bytes (byte-identical pages)
        payload = base64.b64encode(gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")
        attrs = ' data-encoding="gzip+base64"'
    vis_js, app_js = vis_network_js(), _asset("explorer.js")
    slots = {
        "TITLE": html.escape(title, quote=True).replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;"),
        # CSP by hash: only our two scripts may run, no inline handler, no network at all
        "SCRIPT_HASHES": " ".join(f"'{_csp_hash(js)}'" for js in (vis_js, app_js)),
        "CSS": _asset("explorer.css"),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
        "DATA_ATTRS": attrs,
        "DATA": payload,
    }
    # one pass, so text inserted into one slot is never scanned for another slot's marker
    page = _SLOT_RE.sub(lambda m: slots[m.group(1)], _asset("explorer.html"))
    from .pipeline import write_atomic

    return write_atomic(Path(path), page)  # readers never see a half-written page


__all__ = ["explorer_data", "page_data", "render_explorer", "as_store", "json_for_script", "vis_network_js", "DEFAULT_TITLE"]
