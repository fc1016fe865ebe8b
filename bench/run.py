"""Benchmark: throughput, build time, memory, sizes, query and server latencies for N reports.

    PYTHONPATH=src python bench/run.py 100 1000 [--jobs 2] [--work /tmp/fz-bench]

Each build runs in a child process so its peak memory (ru_maxrss of the process and
its extraction workers) is its own. Prints a Markdown table per N.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) / 1e6 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return f"nproc={os.cpu_count()}, CPU={cpu}, RAM={mem:.1f} GB, Python {platform.python_version()}, {platform.platform()}"


def child_build(corpus: str, out: str, cache: str, store: str, jobs: int, html: bool = False) -> None:
    """One build in this (fresh) process: with a store unless ``store`` is "-" (then graph.ttl + reports.json)."""
    t = time.perf_counter()
    from fazhi_graph.cache import build_incremental

    stats: dict = {"t_import": time.perf_counter() - t}
    res = build_incremental([corpus], out, jobs=jobs, cache_dir=cache, store_dir=None if store == "-" else store,
                            html=html, stats=stats)
    stats["wall"] = time.perf_counter() - t
    stats["reports"] = len(res.reports)
    stats["errors"] = len(res.errors)
    stats["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats["maxrss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(stats))


def run_child(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def throughput(files: list[Path], budget_mb: float = 2.0) -> dict:
    """Single-core extraction vs jieba.lcut over the same sample of texts."""
    import jieba

    from fazhi_graph.ingest import read_document
    from fazhi_graph.pipeline import extract_document

    docs, size = [], 0
    for f in files:
        d = read_document(f)
        docs.append(d)
        size += len(d.text.encode("utf-8"))
        if size >= budget_mb * 1e6:
            break
    extract_document(docs[0])  # warm caches (ontology, regexes)
    jieba.lcut(docs[0].text)

    def timed(fn) -> float:
        t = time.perf_counter()
        for d in docs:
            fn(d)
        return time.perf_counter() - t

    t_ex, t_j = timed(extract_document), timed(lambda d: jieba.lcut(d.text))
    # As in a build's extraction workers (forked while the build pauses the cyclic collector);
    # jieba gets the same conditions so the ratio stays like for like.
    gc.disable()
    try:
        t_ex_nogc, t_j_nogc = timed(extract_document), timed(lambda d: jieba.lcut(d.text))
    finally:
        gc.enable()
    mb = size / 1e6
    return {"sample_mb": mb, "extract_mb_s": mb / t_ex, "jieba_mb_s": mb / t_j, "ratio": t_j / t_ex,
            "ratio_gc_paused": t_j_nogc / t_ex_nogc, "extract_mb_s_gc_paused": mb / t_ex_nogc}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def query_latencies(graph_ttl: Path, store_dir: Path, reps_rdflib: int, reps_ox: int, rdflib_timeout: float) -> dict:
    from fazhi_graph import query as q
    from fazhi_graph import store as st
    from fazhi_graph.serve import QueryTimeout, call_with_timeout

    out: dict = {}
    t = time.perf_counter()
    s = st.open_store(store_dir, read_only=True)
    out["ox_open_s"] = time.perf_counter() - t
    for name in sorted(q.named_queries()):
        lat = []
        for _ in range(reps_ox):
            t = time.perf_counter()
            n = len(st.run_named(s, name).rows)
            lat.append((time.perf_counter() - t) * 1000)
        out.setdefault("ox", {})[name] = (statistics.median(lat), pct(lat, 0.95), n)
    del s
    if not reps_rdflib:
        return out
    t = time.perf_counter()
    g = q.load_graph(graph_ttl)
    out["rdflib_parse_s"] = time.perf_counter() - t
    for name in sorted(q.named_queries()):
        lat = []
        n = None
        for _ in range(reps_rdflib):
            t = time.perf_counter()
            try:
                n = len(call_with_timeout(lambda: q.run_named(g, name), rdflib_timeout).rows)
            except QueryTimeout:
                lat.append(float("inf"))
                break
            lat.append((time.perf_counter() - t) * 1000)
        out.setdefault("rdflib", {})[name] = (statistics.median(lat), pct(lat, 0.95), n)
    return out


def server_load(store_dir: Path, clients: int = 50, per_client: int = 20) -> dict:
    from test_serve import load  # the same bounded load the test suite runs

    from fazhi_graph import query as q
    from fazhi_graph.serve import Engine, make_server

    srv = make_server(Engine.from_store(store_dir), "127.0.0.1", 0, timeout=30, max_rows=10_000, max_concurrent=8)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        queries = ["SELECT (COUNT(?r) AS ?n) WHERE { ?r a fz:Report }"] + [
            nq.text for _, nq in sorted(q.named_queries().items()) if not nq.params]
        t = time.perf_counter()
        stats = load(f"http://127.0.0.1:{srv.server_address[1]}", clients, per_client, queries, deadline_s=300)
        stats["wall_s"] = time.perf_counter() - t
        stats["errors"] = len(stats["errors"])
        return stats
    finally:
        srv.shutdown()
        srv.server_close()


def du(p: Path) -> float:
    if p.is_file():
        return p.stat().st_size / 1e6
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def bench(n: int, work: Path, jobs: int) -> dict:
    from generate import generate

    d = work / f"n{n}"
    shutil.rmtree(d, ignore_errors=True)
    corpus, out, cache, store = d / "corpus", d / "out", d / "cache", d / "store"
    files = generate(n, corpus)
    r: dict = {"n": n, "corpus_mb": du(corpus)}
    r["throughput"] = throughput(files)
    r["build"] = run_child(str(corpus), str(out), str(cache), str(store), str(jobs))
    victim = files[len(files) // 2]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n下一步，将继续深化行政执法三项制度。\n", encoding="utf-8")
    r["rebuild"] = run_child(str(corpus), str(out), str(cache), str(store), str(jobs))
    r["sizes_mb"] = {k: du(p) for k, p in (("store", store), ("cache", cache), ("reports.csv", out / "reports.csv"))}
    files_out = d / "out-files"
    if n <= 1000:  # the same corpus as graph.ttl + reports.json (from the warm cache), for rdflib and sizes
        r["files_build"] = run_child(str(corpus), str(files_out), str(cache), "-", str(jobs))
        r["sizes_mb"].update({k: du(files_out / k) for k in ("graph.ttl", "reports.json")})
    reps_rd = 5 if n <= 100 else 0  # rdflib needs seconds to minutes per query beyond 100 reports
    r["queries"] = query_latencies(files_out / "graph.ttl", store, reps_rd, 20 if n <= 1000 else 5, 60.0)
    r["server"] = server_load(store)
    return r


def report_md(r: dict) -> str:
    b, rb, tp = r["build"], r["rebuild"], r["throughput"]
    lines = [f"### N = {r['n']} ({r['corpus_mb']:.1f} MB of text, {b['reports']} reports, {b['triples']:,} triples)", "",
             "| measure | value |", "|---|---|",
             f"| extraction, 1 core | {tp['extract_mb_s']:.3f} MB/s (sample {tp['sample_mb']:.1f} MB) |",
             f"| jieba.lcut, 1 core, same text | {tp['jieba_mb_s']:.3f} MB/s |",
             f"| extraction / jieba throughput | {tp['ratio']:.2f}× (collector paused for both, as in build workers: "
             f"{tp['ratio_gc_paused']:.2f}×, {tp['extract_mb_s_gc_paused']:.3f} MB/s) |",
             f"| build into a new store, cold cache, --jobs 2 (of which extraction {b['t_extract']:.1f} s, store {b['t_store'] - b['t_graph']:.1f} s) | {b['wall']:.1f} s |",
             f"| peak RSS: main process / largest worker | {b['maxrss_self_mb']:.0f} MB / {b['maxrss_children_mb']:.0f} MB |",
             f"| rebuild after changing one report ({rb['extracted']} extracted, {rb['store_changed']} graph replaced) | {rb['wall']:.2f} s |",
             f"| rebuild peak RSS | {rb['maxrss_self_mb']:.0f} MB |",
             ] + [f"| size {k} | {v:.1f} MB |" for k, v in r["sizes_mb"].items()] + [
             f"| Oxigraph store open | {r['queries']['ox_open_s'] * 1000:.0f} ms |",
             f"| rdflib parse graph.ttl | {r['queries'].get('rdflib_parse_s', float('nan')):.1f} s |",
             f"| server 50 clients × 20 queries | p50 {r['server']['p50']:.1f} ms, p95 {r['server']['p95']:.1f} ms, "
             f"{r['server']['n']} ok, {r['server']['errors']} errors, {r['server']['wall_s']:.1f} s |",
             "", "| named query | rows | Oxigraph p50 / p95 ms | rdflib p50 / p95 ms |", "|---|---:|---:|---:|"]
    for name, (p50, p95, n) in r["queries"]["ox"].items():
        rp50, rp95, _ = r["queries"].get("rdflib", {}).get(name, (float("nan"), float("nan"), None))
        lines.append(f"| {name} | {n} | {p50:.1f} / {p95:.1f} | {rp50:.1f} / {rp95:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        corpus, out, cache, store, jobs = sys.argv[2:7]
        child_build(corpus, out, cache, store, int(jobs))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[100, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/fz-bench"))
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    print(f"machine: {machine()}\n", flush=True)
    results = []
    for n in a.sizes:
        r = bench(n, a.work, a.jobs)
        results.append(r)
        print(report_md(r), flush=True)
        if a.json:
            a.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
