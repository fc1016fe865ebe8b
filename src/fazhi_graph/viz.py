"""Interactive explorer page (``output/graph.html``) for the report knowledge graph.

Two steps, both pure:

* :func:`explorer_data` reads the RDF graph (contract: ``fz:Report fz:issuedBy fz:Bureau``,
  ``fz:adopts``/``fz:plans``/``fz:reportsProblem``/``fz:cites``/``fz:mentionsCandidate`` from a
  report to a concept, reified ``fz:Evidence`` nodes for each edge) and returns JSON-able views:
  bureau→practice, bureau→problem, bureau→law and bureau↔bureau similarity. Reports are folded
  into their bureau because users compare *bureaus*; the years and sources stay on the edge and
  in the evidence so nothing is lost.
* :func:`render_explorer` writes one self-contained HTML file (vis-network inlined from the pyvis
  package, data as an inert JSON block) that works from disk with networking disabled.

Why not pyvis' own templates: pyvis 0.3.2 inserts ``heading`` as raw HTML and switches to an
HTML-rendering tooltip template as soon as a title contains a link, so report text (which we do
not control) would execute. Here all report text travels as JSON (with ``<``, ``>``, ``&``,
U+2028/9 escaped) and the page only ever puts it into the DOM with ``textContent``.

Output is deterministic (sorted keys and lists, no timestamps, seeded layout) so the page can be
diffed and cached: the same graph gives byte-identical HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from .namespaces import FZ

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
}
EDGE_STATUS = {
    "done": "已开展 (done)",
    "planned": "计划开展 (planned)",
    "both": "已开展且继续计划 (both)",
}

_PREDICATE_TYPE = {
    FZ.adopts: "practice",
    FZ.plans: "practice",
    FZ.mentionsCandidate: "candidate",
    FZ.reportsProblem: "problem",
    FZ.cites: "law",
}
_MAX_EVIDENCE = 3
_MAX_SHARED_LABELS = 12


# ----------------------------------------------------------------------------- graph reading
def _label(g: Graph, node: URIRef, *props: URIRef) -> str:
    """Chinese label if any, else an untagged one, else any (sorted, so deterministic)."""
    for prop in props or (RDFS.label,):
        lits = [o for o in g.objects(node, prop) if isinstance(o, Literal)]
        for pref in ("zh", ""):
            cands = sorted(str(x) for x in lits if (x.language or "").split("-")[0] == pref)
            if cands:
                return cands[0]
        if lits:
            return sorted(str(x) for x in lits)[0]
    text = str(node)
    return re.split(r"[/#]", text.rstrip("/#"))[-1] or text


def _label_en(g: Graph, node: URIRef) -> str:
    for prop in (SKOS.prefLabel, RDFS.label):
        cands = sorted(str(o) for o in g.objects(node, prop) if isinstance(o, Literal) and o.language == "en")
        if cands:
            return cands[0]
    return ""


def _int(value: Any) -> int | None:
    try:
        return int(value.toPython() if isinstance(value, Literal) else value)
    except (TypeError, ValueError):
        return None


def _concept_node(g: Graph, iri: URIRef, ctype: str) -> dict[str, Any]:
    props = (SKOS.prefLabel, RDFS.label) if ctype in ("practice", "problem") else (RDFS.label, FZ.shortName)
    node: dict[str, Any] = {"id": str(iri), "type": ctype, "label": _label(g, iri, *props)}
    en = _label_en(g, iri)
    if en:
        node["label_en"] = en
    broader = sorted(_label(g, b, SKOS.prefLabel, RDFS.label) for b in g.objects(iri, SKOS.broader))
    if broader:
        node["broader"] = broader
    if ctype == "law":
        kind = g.value(iri, FZ.lawKind)
        node["kind"] = str(kind) if kind is not None else "unknown"
    return node


def _bureaus(g: Graph) -> tuple[dict[str, dict[str, Any]], dict[URIRef, tuple[str, int | None, str]]]:
    """Bureau nodes and report -> (bureau id, year, source)."""
    reports: dict[URIRef, tuple[str, int | None, str]] = {}
    bureau_iris = {b for b in g.subjects(RDF.type, FZ.Bureau) if isinstance(b, URIRef)}
    for rep in g.subjects(RDF.type, FZ.Report):
        bureau = g.value(rep, FZ.issuedBy)
        if not isinstance(rep, URIRef) or not isinstance(bureau, URIRef):
            continue
        bureau_iris.add(bureau)
        src = g.value(rep, FZ.source)
        reports[rep] = (str(bureau), _int(g.value(rep, FZ.year)), str(src) if src is not None else str(rep))
    bureaus: dict[str, dict[str, Any]] = {}
    for b in bureau_iris:
        node: dict[str, Any] = {"id": str(b), "type": "bureau", "label": _label(g, b)}
        for prop, key in ((FZ.province, "province"), (FZ.city, "city"), (FZ.county, "county")):
            region = g.value(b, prop)
            node[key] = _label(g, region) if isinstance(region, URIRef) else (str(region) if region else "")
        level = g.value(b, FZ.adminLevel)
        node["level"] = str(level) if level is not None else ""
        node["years"] = []
        node["sources"] = []
        bureaus[str(b)] = node
    for bid, year, src in reports.values():
        node = bureaus[bid]
        if year is not None and year not in node["years"]:
            node["years"].append(year)
        if src not in node["sources"]:
            node["sources"].append(src)
    for node in bureaus.values():
        node["years"].sort()
        node["sources"].sort()
    return bureaus, reports


def _evidence_index(g: Graph, reports: dict[URIRef, tuple[str, int | None, str]]) -> dict[tuple, list[dict]]:
    """(report, predicate, object) -> evidence items, read by traversal (fast on big graphs)."""
    index: dict[tuple, list[dict]] = defaultdict(list)
    section_labels: dict[Any, str] = {}
    for ev in g.subjects(RDF.type, FZ.Evidence):
        rep, pred, obj = g.value(ev, RDF.subject), g.value(ev, RDF.predicate), g.value(ev, RDF.object)
        if pred not in _PREDICATE_TYPE or rep not in reports:
            continue
        quote = g.value(ev, FZ.quote)
        sec = g.value(ev, FZ.inSection)
        if sec is not None and sec not in section_labels:
            section_labels[sec] = _label(g, sec) if isinstance(sec, URIRef) else str(sec)
        _, year, src = reports[rep]
        index[(rep, pred, obj)].append(
            {
                "quote": str(quote) if quote is not None else "",
                "source": src,
                "year": year,
                "section": section_labels.get(sec, ""),
                "start": _int(g.value(ev, FZ.start)),
            }
        )
    return index


def _evidence_key(e: dict) -> tuple:
    # newest report first, then reading order: the most recent wording is the most useful one
    return (-(e["year"] or 0), e["source"], e["start"] if e["start"] is not None else -1, e["quote"])


# ----------------------------------------------------------------------------- views
def _concept_view(
    g: Graph,
    predicates: Iterable[URIRef],
    bureaus: dict[str, dict[str, Any]],
    reports: dict[URIRef, tuple[str, int | None, str]],
    evidence: dict[tuple, list[dict]],
    max_concepts: int,
) -> tuple[dict[str, Any], dict[str, set[str]]]:
    # (bureau, concept) -> {"status_by_year": {year: set(statuses)}, "evidence": [...]}
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    concept_types: dict[str, str] = {}
    for pred in predicates:
        ctype = _PREDICATE_TYPE[pred]
        for rep, obj in g.subject_objects(pred):
            if rep not in reports or not isinstance(obj, URIRef):
                continue
            bid, year, _src = reports[rep]
            cid = str(obj)
            # a concept typed both as practice and candidate is shown as practice
            if concept_types.get(cid) != "practice":
                concept_types[cid] = ctype
            pair = pairs.setdefault((bid, cid), {"marks": defaultdict(set), "evidence": []})
            mark = "planned" if pred == FZ.plans else "done"
            pair["marks"][year].add(mark)
            pair["evidence"].extend(evidence.get((rep, pred, obj), ()))

    sharing: dict[str, set[str]] = defaultdict(set)
    for bid, cid in pairs:
        sharing[cid].add(bid)
    concepts = [_concept_node(g, URIRef(cid), concept_types[cid]) for cid in sharing]
    for c in concepts:
        c["count"] = len(sharing[c["id"]])
    # aggregation for big graphs: keep the concepts most bureaus share; candidates go last
    concepts.sort(key=lambda c: (c["type"] == "candidate", -c["count"], c["label"], c["id"]))
    total = len(concepts)
    kept = concepts[:max_concepts]
    kept_ids = {c["id"] for c in kept}
    kept.sort(key=lambda c: (c["type"], c["label"], c["id"]))

    edges = []
    for (bid, cid), pair in pairs.items():
        if cid not in kept_ids:
            continue
        by_year: dict[str, str] = {}
        all_marks: set[str] = set()
        for year, marks in pair["marks"].items():
            all_marks |= marks
            if year is not None:
                by_year[str(year)] = _status(marks)
        ev = sorted(pair["evidence"], key=_evidence_key)
        edge: dict[str, Any] = {
            "from": bid,
            "to": cid,
            "status": _status(all_marks) if concept_types[cid] == "practice" else None,
            "years": sorted(int(y) for y in by_year),
            "evidence": [{k: e[k] for k in ("quote", "source", "year", "section")} for e in ev[:_MAX_EVIDENCE]],
            "n_evidence": len(ev),
        }
        if concept_types[cid] == "practice":
            edge["status_by_year"] = by_year
        edges.append(edge)
    edges.sort(key=lambda e: (e["from"], e["to"]))

    note = None
    if total > len(kept_ids):
        note = (
            f"共 {total} 个概念，仅显示被最多单位共享的前 {len(kept_ids)} 个；"
            f"其余 {total - len(kept_ids)} 个及其连线已省略 "
            f"(showing the {len(kept_ids)} most shared of {total} concepts)."
        )
    nodes = [dict(b) for b in sorted(bureaus.values(), key=lambda b: (b["label"], b["id"]))] + kept
    view = {"nodes": nodes, "edges": edges, "note": note, "total_concepts": total, "shown_concepts": len(kept_ids)}
    per_bureau: dict[str, set[str]] = defaultdict(set)
    for bid, cid in pairs:
        if concept_types[cid] == "practice":
            per_bureau[bid].add(cid)
    return view, per_bureau


def _status(marks: set[str]) -> str:
    if marks == {"done"}:
        return "done"
    if marks == {"planned"}:
        return "planned"
    return "both"


def _similarity_view(
    g: Graph,
    bureaus: dict[str, dict[str, Any]],
    practices: dict[str, set[str]],
    threshold: float,
    top_k: int,
) -> dict[str, Any]:
    """Jaccard similarity of the practice sets (done or planned) of every pair of bureaus.

    A bureau × practice 0/1 matrix times its transpose gives all intersections at once, which
    stays fast at thousands of bureaus where a SPARQL self-join would not. Each bureau keeps at
    most ``top_k`` partners above ``threshold`` so the picture stays legible."""
    ids = sorted(bureaus, key=lambda b: (bureaus[b]["label"], b))
    concept_ids = sorted({c for s in practices.values() for c in s})
    col = {c: i for i, c in enumerate(concept_ids)}
    m = np.zeros((len(ids), len(concept_ids)), dtype=np.float32)
    for i, bid in enumerate(ids):
        for c in practices.get(bid, ()):
            m[i, col[c]] = 1.0
    inter = m @ m.T
    sizes = m.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    np.fill_diagonal(jac, 0.0)
    jac = np.round(jac.astype(np.float64), 3)

    chosen: set[tuple[int, int]] = set()
    for i in range(len(ids)):
        cand = [j for j in np.nonzero(jac[i] >= threshold)[0].tolist() if j != i]
        cand.sort(key=lambda j: (-jac[i, j], j))
        for j in cand[:top_k]:
            chosen.add((min(i, j), max(i, j)))
    labels = {c: _label(g, URIRef(c), SKOS.prefLabel, RDFS.label) for c in concept_ids}
    above = int((np.triu(jac, 1) >= threshold).sum()) if len(ids) else 0
    edges = []
    for i, j in sorted(chosen):
        shared = sorted(labels[c] for c in practices.get(ids[i], set()) & practices.get(ids[j], set()))
        edges.append(
            {
                "from": ids[i],
                "to": ids[j],
                "weight": float(jac[i, j]),
                "n_shared": len(shared),
                "shared": shared[:_MAX_SHARED_LABELS],
            }
        )
    nodes = []
    for bid in ids:
        node = dict(bureaus[bid])
        node["count"] = len(practices.get(bid, ()))
        nodes.append(node)
    note = None
    if above > len(edges):
        note = (
            f"相似度 ≥ {threshold} 的单位对共 {above} 对，每个单位仅保留最相似的 {top_k} 个 "
            f"(kept the top {top_k} partners per bureau: {len(edges)} of {above} pairs)."
        )
    return {"nodes": nodes, "edges": edges, "note": note, "threshold": threshold}


def explorer_data(
    graph: Graph,
    *,
    max_concepts: int = 300,
    similarity_threshold: float = 0.3,
    similarity_top_k: int = 8,
) -> dict[str, Any]:
    """JSON-able data behind the explorer page.

    Returns ``{"views": {name: {"nodes", "edges", "note", ...}}, "filters": {...}, "legend": {...}}``
    for the views ``bureau-practice``, ``bureau-problem``, ``bureau-law`` and ``bureau-similarity``.
    Bureau nodes carry ``province``/``city``/``county``/``level``/``years``/``sources``; concept
    nodes carry ``count`` (number of bureaus sharing it, drives the node size). A bureau→concept
    edge carries ``status`` (practices: done/planned/both across all years; ``None`` for problems,
    laws and candidates), ``status_by_year``, ``years`` and up to 3 ``evidence`` items
    ``{quote, source, year, section}`` (newest first) plus ``n_evidence``. Each view keeps at most
    ``max_concepts`` concept nodes (the most shared) and says in ``note`` what was cut.
    """
    bureaus, reports = _bureaus(graph)
    evidence = _evidence_index(graph, reports)
    views: dict[str, Any] = {}
    practices: dict[str, set[str]] = {}
    for name, (preds, _label_) in CONCEPT_VIEWS.items():
        views[name], per_bureau = _concept_view(graph, preds, bureaus, reports, evidence, max_concepts)
        if name == "bureau-practice":
            practices = per_bureau
    views[SIMILARITY_VIEW] = _similarity_view(graph, bureaus, practices, similarity_threshold, similarity_top_k)
    for name, view in views.items():
        view["label"] = VIEW_LABELS[name]
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


def render_explorer(
    graph: Graph,
    path: str | Path,
    *,
    title: str = DEFAULT_TITLE,
    max_concepts: int = 300,
    similarity_threshold: float = 0.3,
    similarity_top_k: int = 8,
) -> Path:
    """Write the explorer page to ``path`` and return it.

    One file, no external resource: the vis-network script, the CSS, the app script and the data
    are all inlined, so it works opened from disk with networking disabled."""
    data = explorer_data(
        graph,
        max_concepts=max_concepts,
        similarity_threshold=similarity_threshold,
        similarity_top_k=similarity_top_k,
    )
    data["title"] = title
    vis_js, app_js = vis_network_js(), _asset("explorer.js")
    slots = {
        "TITLE": html.escape(title, quote=True).replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;"),
        # CSP by hash: only our two scripts may run, no inline handler, no network at all
        "SCRIPT_HASHES": " ".join(f"'{_csp_hash(js)}'" for js in (vis_js, app_js)),
        "CSS": _asset("explorer.css"),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
        "DATA": json_for_script(data),
    }
    # one pass, so text inserted into one slot is never scanned for another slot's marker
    page = _SLOT_RE.sub(lambda m: slots[m.group(1)], _asset("explorer.html"))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(page.encode("utf-8"))
    return out


__all__ = ["explorer_data", "render_explorer", "json_for_script", "vis_network_js", "DEFAULT_TITLE"]
