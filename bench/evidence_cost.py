"""What the store build would cost under leaner evidence contracts: figures for a decision.

    PYTHONPATH=src python bench/evidence_cost.py CORPUS_DIR [--files 1000] [--jobs 2]

Issue 6 asks for a 10,000-report build in 120 s; the bulk load alone takes about 400 s
because each mention carries a 12-triple ``fz:Evidence`` node. Whether the graph may
hold less evidence is a product decision, so this script does not change the graph: it
takes the statements ``graph.report_statements`` makes for the first ``--files``
reports of a corpus, derives each variant from them, and bulk-loads each variant into a
fresh Oxigraph store exactly as ``build --store`` does (one named graph per report,
lenient N-Quads), printing triples per report and load time (wall and CPU).

Variants (each keeps every report edge, label, section and observation):

``mention``       today's graph: one 12-triple evidence node per mention;
``mention-lean``  per mention still, without the four derivable triples
                  (``a fz:Evidence``, ``fz:inReport`` = ``rdf:subject``,
                  ``fz:end`` = start + len(quote), ``fz:matchEnd`` = matchStart + len(matchedText));
``edge``          one evidence node per (report, predicate, object) edge: its first mention;
``none``          no evidence nodes at all: the lower bound of any contract;
``none-default``  ``none`` loaded into the default graph: without the named graphs
                  that let one report be replaced alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pyoxigraph as ox  # noqa: E402

from fazhi_graph.graph import report_statements  # noqa: E402
from fazhi_graph.namespaces import FZ, ID  # noqa: E402
from fazhi_graph.pipeline import extract_many  # noqa: E402
from fazhi_graph.cache import _strip_graph  # noqa: E402
from fazhi_graph.store import ENTITIES_GRAPH, in_graph, split_statements  # noqa: E402

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_EVIDENCE_PREFIX = f"{ID}evidence/"
_DERIVABLE = {_RDF + "type", str(FZ.inReport), str(FZ.end), str(FZ.matchEnd)}
_EVIDENCE_LINK = str(FZ.evidence)
VARIANTS = ("mention", "mention-lean", "edge", "none", "none-default")


def variant(statements: list, name: str) -> list:
    """The statements of one report under an evidence contract (see the module docstring)."""
    if name == "mention":
        return statements
    if name == "mention-lean":
        return [t for t in statements if not (t[0].startswith(_EVIDENCE_PREFIX) and t[1] in _DERIVABLE)]
    if name.startswith("none"):
        return [t for t in statements if not t[0].startswith(_EVIDENCE_PREFIX) and t[1] != _EVIDENCE_LINK]
    # edge: keep the first evidence node of each (subject, predicate, object)
    spo: dict[str, list] = {}
    for s, p, o in statements:
        if s.startswith(_EVIDENCE_PREFIX) and p in (_RDF + "subject", _RDF + "predicate", _RDF + "object"):
            spo.setdefault(s, []).append(o)
    seen: set[tuple] = set()
    keep: set[str] = set()
    for node, edge in spo.items():  # dict order = statement order = document order per kind
        if tuple(edge) not in seen:
            seen.add(tuple(edge))
            keep.add(node)
    return [t for t in statements
            if not (t[0].startswith(_EVIDENCE_PREFIX) and t[0] not in keep)
            and not (t[1] == _EVIDENCE_LINK and t[2] not in keep)]


def nquads(records, name: str) -> tuple[bytes, int]:
    own_parts: list[str] = []
    shared: set[str] = set()
    total = 0
    for rec in records:
        report, statements = report_statements(rec)
        own, shared_nt, n = split_statements(report, variant(statements, name))
        total += n
        own_parts.append(_strip_graph(own, report) if name.endswith("default") else own)
        shared.update(shared_nt.splitlines(keepends=True))
    entities = "".join(sorted(shared))
    if not name.endswith("default"):
        entities = in_graph(entities, ENTITIES_GRAPH)
    return ("".join(own_parts) + entities).encode("utf-8"), total


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load(data: bytes) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory(prefix="fz-evcost-") as tmp:
        src = Path(tmp) / "data.nq"
        src.write_bytes(data)
        store_dir = Path(tmp) / "store"
        t, c = time.perf_counter(), cpu()
        store = ox.Store(str(store_dir))
        store.bulk_load(path=str(src), format=ox.RdfFormat.N_QUADS, lenient=True)
        store.flush()
        wall, used = time.perf_counter() - t, cpu() - c
        quads = len(store)
        del store
        shutil.rmtree(store_dir, ignore_errors=True)
    return wall, used, quads


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    args = ap.parse_args()
    paths = sorted(args.corpus.rglob("*.txt"))[: args.files]
    t = time.perf_counter()
    records, errors = extract_many(paths, jobs=args.jobs)
    print(f"{len(records)} reports extracted in {time.perf_counter() - t:.1f} s ({len(errors)} errors)")
    print(f"{'variant':14} {'triples/report':>14} {'quads':>11} {'load wall s':>11} {'load cpu s':>10} {'µs cpu/quad':>11}")
    for name in args.variants.split(","):
        data, total = nquads(records, name)
        wall, used, quads = load(data)
        print(f"{name:14} {total / len(records):14.0f} {quads:11,} {wall:11.1f} {used:10.1f} {used / quads * 1e6:11.2f}",
              flush=True)


if __name__ == "__main__":
    main()
