"""Benchmark: the explorer page at N bureaus (synthetic store, see tests/test_viz_scale.py).

    PYTHONPATH=src python bench/explorer.py 1000 10000 [--out /tmp/fz-explorer] [--runs 3]

For each N: time to build the page from a pyoxigraph store (``render_explorer(store, path)``),
page size, and in headless Chromium (offline): time from navigation to a frozen layout
(``data-fz-ready``, physics off), the stabilisation time vis-network reports, and the time for a
filter change (province, concept, search, top-N, province aggregate) to be laid out again.
Prints a Markdown table. Timings are wall clock on a shared machine: take the median of --runs.
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
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser, find_chromium  # noqa: E402
from test_viz_scale import synthetic_store  # noqa: E402

from fazhi_graph.viz import render_explorer  # noqa: E402

READY = "document.documentElement.dataset.fzReady"


def _change(b: Browser, js: str) -> float:
    t = time.perf_counter()
    b.evaluate("delete document.documentElement.dataset.fzReady;" + js)
    b.wait_for(READY, timeout=300)
    return time.perf_counter() - t


def measure(n: int, out: Path, runs: int) -> dict:
    t = time.perf_counter()
    store = synthetic_store(n)
    t_store = time.perf_counter() - t
    page = out / f"graph-{n}.html"
    t = time.perf_counter()
    render_explorer(store, page)
    t_render = time.perf_counter() - t
    loads, stabs, changes = [], [], {}
    with Browser(find_chromium(), timeout=300) as b:
        for _ in range(runs):
            t = time.perf_counter()
            b.goto(page.resolve().as_uri())
            b.wait_for(READY, timeout=300)
            loads.append(time.perf_counter() - t)
            stabs.append(int(b.evaluate("document.documentElement.dataset.fzStabilizeMs")) / 1000)
            assert b.evaluate("fzExplorer.network().physics.physicsEnabled") is False
        shown = b.evaluate("[fzExplorer.network().body.data.nodes.length, fzExplorer.network().body.data.edges.length]")
        concept = b.evaluate("fzExplorer.data.views['bureau-practice'].concepts[0].id")
        steps = {
            "province": "location.hash = 'filter=province:' + encodeURIComponent('河南省')",
            "concept": "location.hash = 'filter=&concept=' + encodeURIComponent(%s)" % json.dumps(concept),
            "search": "location.hash = 'concept=&q=' + encodeURIComponent('司法局')",
            "top 300": "location.hash = 'q=&top=300'",
            "by province": "location.hash = 'top=50&mode=provinces'",
        }
        for name, js in steps.items():
            changes[name] = _change(b, js)
        errors = b.console_errors()
    return {
        "n": n, "store_s": t_store, "render_s": t_render, "size_mb": page.stat().st_size / 1e6,
        "load_s": statistics.median(loads), "stabilize_s": statistics.median(stabs), "shown": shown,
        "changes": changes, "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--out", default="/tmp/fz-explorer")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [measure(n, out, args.runs) for n in args.sizes]
    print("| bureaus | page build from store (s) | page size (MB) | open → frozen layout (s) | of which stabilisation (s) | drawn nodes / edges | filter change (s): " + ", ".join(rows[0]["changes"]) + " |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ch = " / ".join(f"{v:.2f}" for v in r["changes"].values())
        print(f"| {r['n']:,} | {r['render_s']:.1f} | {r['size_mb']:.1f} | {r['load_s']:.2f} | {r['stabilize_s']:.2f} | "
              f"{r['shown'][0]} / {r['shown'][1]} | {ch} |")
        if r["errors"]:
            print("console errors:", r["errors"])


if __name__ == "__main__":
    main()
