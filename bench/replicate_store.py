"""Make an N × copies Oxigraph store from an existing one by renaming bureaus and reports.

    PYTHONPATH=src python bench/replicate_store.py SRC_STORE DST_STORE --copies 10 [--add-bureau-edges]

Building N = 10,000 reports with the pipeline takes ≈ 30 min on the bench machine; for
query latencies what matters is the shape of the store (quads per report, bureaus ×
years, taxonomy, evidence nodes), not that every report is freshly generated. So copy
``i`` of the source store gets its own bureaus and reports: every IRI under
``fzid:bureau/``, ``report/``, ``section/``, ``evidence/``, ``statement/``,
``observation/`` gets a ``c{i}-`` prefix after that path, bureau labels get ``·{i}``
and report sources ``c{i}/``. Copy 0 keeps the original names. Regions, laws, the
taxonomy and anything else shared is written once (identical lines are only emitted
for copy 0). 1,000 reports by 200 bureaus × 5 years give 10,000 reports by 2,000
bureaus × 5 years at ``--copies 10``.

``--add-bureau-edges`` first adds the bureau-level summary edges of commit 61205ed
(``fz:bureauAdopts`` …) to stores built before them, with one SPARQL UPDATE per edge.
The destination is written with ``Store.bulk_load`` from a temporary N-Quads file.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

BASE = "https://w3id.org/fazhi-graph/"
FZ = BASE + "ns#"
ENTITIES = BASE + "id/graph/entities"
SCOPED = ("bureau", "report", "section", "evidence", "statement", "observation")
BUREAU_EDGES = {"adopts": "bureauAdopts", "plans": "bureauPlans", "reportsProblem": "bureauReportsProblem", "cites": "bureauCites"}

_IRI = re.compile(r"<" + re.escape(BASE + "id/") + r"(" + "|".join(SCOPED) + r")/")
_LABEL = re.compile(r'^(<' + re.escape(BASE + "id/bureau/") + r'[^>]*> <http://www.w3.org/2000/01/rdf-schema#label> ")((?:[^"\\]|\\.)*)(")')
_SOURCE = re.compile(r'^(<[^>]*> <' + re.escape(FZ + "source") + r'> ")')


def add_bureau_edges(store: ox.Store) -> None:
    for rel, brel in BUREAU_EDGES.items():
        store.update(
            f"PREFIX fz: <{FZ}> INSERT {{ GRAPH <{ENTITIES}> {{ ?b fz:{brel} ?x }} }} "
            f"WHERE {{ GRAPH ?g {{ ?r fz:{rel} ?x ; fz:issuedBy ?b }} }}"
        )


def rename(line: str, i: int) -> str:
    out = _IRI.sub(lambda m: f"{m.group(0)}c{i}-", line)
    out = _LABEL.sub(lambda m: f"{m.group(1)}{m.group(2)}·{i}{m.group(3)}", out)
    out = _SOURCE.sub(lambda m: f"{m.group(1)}c{i}/", out)
    return out


def replicate(src: str, dst: str, copies: int, add_edges: bool) -> int:
    t = time.perf_counter()
    if add_edges:
        tmp_store = ox.Store(src)
        add_bureau_edges(tmp_store)
        tmp_store.flush()
        del tmp_store
    s = ox.Store.read_only(src)
    with tempfile.TemporaryDirectory(dir=str(Path(dst).parent)) as tmp:
        dump = Path(tmp) / "src.nq"
        s.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        print(f"dumped {dump.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out = Path(tmp) / "dst.nq"
        n = 0
        with dump.open(encoding="utf-8") as f, out.open("w", encoding="utf-8") as w:
            for line in f:
                w.write(line)
                n += 1
                for i in range(1, copies):
                    r = rename(line, i)
                    if r != line:
                        w.write(r)
                        n += 1
        print(f"wrote {n} quads in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        d = ox.Store(dst)
        d.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
        d.optimize()
        print(f"loaded {len(d)} quads in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        return len(d)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--add-bureau-edges", action="store_true", help="add fz:bureauAdopts … to SRC first (modifies SRC)")
    a = ap.parse_args()
    if Path(a.dst).exists() and any(Path(a.dst).iterdir()):
        sys.exit(f"{a.dst} is not empty")
    print(replicate(a.src, a.dst, a.copies, a.add_bureau_edges))


if __name__ == "__main__":
    main()
