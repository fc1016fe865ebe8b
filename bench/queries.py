"""Latency of every named query on an Oxigraph store (default parameters).

    PYTHONPATH=src python bench/queries.py STORE_DIR [STORE_DIR ...] [--runs 10] [--only NAME ...]
                                           [--param NAME:KEY=VALUE ...] [--json out.json] [--sparql-order]

Opens each store read-only (union default graph, as ``serve --store`` does), runs each
named query once to warm up and then ``--runs`` times, and prints a Markdown table of
rows, p50 and p95 milliseconds per query. Issue 6 target: p50 ≤ 200 ms at N = 10,000.
Rows include consuming every solution (``store.run_named`` materialises them), because a
caller that asked for the answer pays for reading it. ``store.run_named`` sorts the rows of a
final ``ORDER BY`` in Python (Oxigraph re-reads both strings at every comparison);
``--sparql-order`` times the query text as written instead, ORDER BY done by Oxigraph (what a
client of ``serve --store`` sending the same text gets).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TARGET_MS = 200.0


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def measure(store_dir: str, runs: int, only: list[str] | None = None,
            params: dict[str, dict[str, str]] | None = None, sparql_order: bool = False) -> dict[str, tuple[int, float, float]]:
    from fazhi_graph import query as q
    from fazhi_graph import store as st

    s = st.open_store(store_dir, read_only=True)
    out: dict[str, tuple[int, float, float]] = {}
    for name in sorted(q.named_queries()):
        if only and name not in only:
            continue
        p = (params or {}).get(name)
        if sparql_order:
            nq, merged = q.resolve_named(name, p)

            def call(text=nq.text, merged=merged):
                return st.run(s, text, merged)
        else:
            def call(name=name, p=p):
                return st.run_named(s, name, p)
        n = len(call().rows)  # warm-up (and row count)
        lat = []
        for _ in range(runs):
            t = time.perf_counter()
            call()
            lat.append((time.perf_counter() - t) * 1000)
        out[name] = (n, statistics.median(lat), pct(lat, 0.95))
        print(f"  {name}: {n} rows, p50 {out[name][1]:.1f} ms", file=sys.stderr, flush=True)
    return out


def table(results: dict[str, dict[str, tuple[int, float, float]]]) -> str:
    stores = list(results)
    head = "| named query | " + " | ".join(f"rows / p50 / p95 ms ({Path(s).name})" for s in stores) + " |"
    lines = [head, "|---|" + "---:|" * len(stores)]
    names = sorted({n for r in results.values() for n in r})
    for name in names:
        cells = []
        for s in stores:
            if name in results[s]:
                n, p50, p95 = results[s][name]
                flag = "" if p50 <= TARGET_MS else " ✗"
                cells.append(f"{n} / {p50:.0f} / {p95:.0f}{flag}")
            else:
                cells.append("")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stores", nargs="+", help="Oxigraph store directories")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", nargs="*", help="only these named queries")
    ap.add_argument("--param", action="append", default=[], help="NAME:KEY=VALUE, a non-default parameter")
    ap.add_argument("--json", help="also write the figures as JSON")
    ap.add_argument("--sparql-order", action="store_true", help="run the text as written (ORDER BY in Oxigraph)")
    a = ap.parse_args()
    params: dict[str, dict[str, str]] = {}
    for spec in a.param:
        name, kv = spec.split(":", 1)
        k, v = kv.split("=", 1)
        params.setdefault(name, {})[k] = v
    results = {}
    for sd in a.stores:
        print(f"{sd}:", file=sys.stderr)
        results[sd] = measure(sd, a.runs, a.only, params, a.sparql_order)
    print(table(results))
    if a.json:
        Path(a.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
