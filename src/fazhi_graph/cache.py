"""Content-hash cache of per-report extraction results, and the incremental build.

Why: at 10,000 reports a full build re-reads and re-extracts ~150 MB of text; after
fixing one report only that report should be redone. Each input file is keyed by
``sha256(version stamp, path, raw bytes)`` where the version stamp hashes the
ontology files and the package's own source, so changing a cue word, a regex or the
code invalidates every entry, and a changed report invalidates only its own.

An entry holds everything the outputs need for that file, computed once in the
worker process (so the slow rdflib work runs in parallel and is cached too): the
``ReportRecord`` (or the ``InputError``), its JSON record text, its report graph as
sorted N-Triples split into report-only and shared-entity triples (see ``store``),
and the report graph as compact Turtle for big ``graph.ttl`` files.

``build_incremental`` writes the same files as ``pipeline.build``:

* ``reports.json`` and ``errors.json`` — byte-identical;
* ``graph.ttl`` — byte-identical below ``rdflib_max_triples`` (written by rdflib like
  ``pipeline.build``); above it, the same set of triples written as the taxonomy,
  the shared entities and one Turtle block per report (sorted by report IRI) —
  deterministic, but laid out differently and with repeated subjects between
  blocks, because rdflib needs minutes to serialise millions of triples;
* ``graph.html`` only when asked and below the threshold (the page needs the
  rdflib graph);
* with ``store_dir``, a persistent Oxigraph store updated in place: only graphs of
  changed, new or removed reports are touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .pipeline import BuildResult, InputError, dedupe, write_atomic

DEFAULT_CACHE_DIR = Path(os.environ.get("FAZHI_CACHE", Path.home() / ".cache" / "fazhi-graph"))
CACHE_FORMAT = 1


@lru_cache(maxsize=1)
def version_stamp() -> str:
    """Hash of the ontology files, the package source and the package version."""
    from . import __version__
    from .ontology import ontology_dir

    h = hashlib.sha256(f"fazhi-graph {__version__} cache {CACHE_FORMAT}\n".encode())
    pkg = Path(__file__).resolve().parent
    for root in (ontology_dir(), pkg):
        for p in sorted(root.rglob("*")):
            if p.suffix in (".ttl", ".py", ".csv", ".json", ".txt") and p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def file_key(path: str, data: bytes, stamp: str | None = None) -> str:
    h = hashlib.sha256()
    h.update((stamp or version_stamp()).encode() + b"\0" + path.encode() + b"\0")
    h.update(data)
    return h.hexdigest()


@dataclass
class Entry:
    """Everything the outputs need from one input file."""

    key: str
    path: str
    record: object | None  # ReportRecord
    error: InputError | None
    report_iri: str = ""
    record_json: str = ""  # json.dumps(record.to_json(), indent=1, ensure_ascii=False)
    own_nt: str = ""  # report-scoped triples, sorted N-Triples
    shared_nt: str = ""  # shared-entity triples, sorted N-Triples
    turtle: str = ""  # all of the report's triples as Turtle without @prefix lines
    n_triples: int = 0


class Cache:
    """A folder of pickled ``Entry`` objects, sharded by key prefix."""

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_CACHE_DIR) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Entry | None:
        try:
            with open(self._path(key), "rb") as fh:
                return pickle.load(fh)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None

    def put(self, entry: Entry) -> None:
        write_atomic(self._path(entry.key), pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))


def _turtle_block(triples_nt: str) -> str:
    """Compact Turtle (prefixed names) for a report, without the @prefix header."""
    import pyoxigraph as ox

    from .store import OX_PREFIXES

    data = ox.serialize(ox.parse(triples_nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                        prefixes=OX_PREFIXES).decode("utf-8")
    return "".join(line + "\n" for line in data.splitlines() if not line.startswith("@prefix"))


def make_entry(path: str, key: str) -> Entry:
    """Extract one file and prepare its outputs (runs in a worker process)."""
    from .graph import report_triples
    from .model import ReportRecord
    from .pipeline import _extract_or_error
    from .store import split_ntriples

    res = _extract_or_error(path)
    if not isinstance(res, ReportRecord):
        return Entry(key, path, None, res)
    report, g = report_triples(res)
    own_nt, shared_nt = split_ntriples(g)
    return Entry(
        key, path, res, None, str(report),
        json.dumps(res.to_json(), ensure_ascii=False, indent=1),
        own_nt, shared_nt, _turtle_block(own_nt + shared_nt), len(g),
    )


def _make_entry_args(args: tuple[str, str]) -> Entry:
    return make_entry(*args)


def records_json_from(entries: Sequence[Entry]) -> str:
    """``pipeline.records_json`` rebuilt from cached per-record JSON (byte-identical)."""
    if not entries:
        return "[]\n"
    parts = ["\n".join(" " + line for line in e.record_json.split("\n")) for e in entries]
    return "[\n" + ",\n".join(parts) + "\n]\n"


@lru_cache(maxsize=2)
def _taxonomy_turtle(stamp: str) -> tuple[str, str, int]:
    from .graph import taxonomy_graph
    from .store import ntriples

    nt = ntriples(taxonomy_graph())
    return nt, _turtle_block(nt), len(taxonomy_graph())


def _prefix_header() -> str:
    from .store import OX_PREFIXES

    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in OX_PREFIXES.items())


def build_incremental(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "output",
    *,
    jobs: int = 1,
    store_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] = DEFAULT_CACHE_DIR,
    html: bool = False,
    rdflib_max_triples: int = 200_000,
    progress: Callable[[str], None] | None = None,
    stats: dict | None = None,
) -> BuildResult:
    """``pipeline.build`` with a content-hash cache, parallel extraction and an optional store.

    ``stats`` (if given) receives counters and phase timings: ``extracted``,
    ``cached``, ``graph_mode`` ('rdflib' or 'blocks'), ``store_changed`` …"""
    import time

    from .ingest import iter_input_files

    t0 = time.perf_counter()
    st: dict = stats if stats is not None else {}
    out = Path(out_dir)
    cache = Cache(cache_dir)
    stamp = version_stamp()
    files, walk_errors = iter_input_files(inputs)
    out_resolved = out.resolve()
    files = sorted((f for f in files if out_resolved not in Path(f).resolve().parents), key=lambda p: str(p))

    entries: dict[str, Entry] = {}
    todo: list[tuple[str, str]] = []
    order: list[str] = []
    for f in files:
        name = str(f)
        try:
            data = Path(f).read_bytes()
        except OSError as exc:
            entries[name] = Entry("", name, None, InputError(name, str(exc)))
            order.append(name)
            continue
        key = file_key(name, data, stamp)
        order.append(name)
        hit = cache.get(key)
        if hit is not None:
            entries[name] = hit
            if progress:
                progress(name)
        else:
            todo.append((name, key))
    st["cached"] = len(files) - len(todo)
    st["extracted"] = len(todo)
    st["t_scan"] = time.perf_counter() - t0

    if todo:
        if jobs > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for e in pool.map(_make_entry_args, todo, chunksize=max(1, min(16, len(todo) // (jobs * 8) or 1))):
                    entries[e.path] = e
                    cache.put(e)
                    if progress:
                        progress(e.path)
        else:
            for args in todo:
                e = make_entry(*args)
                entries[e.path] = e
                cache.put(e)
                if progress:
                    progress(e.path)
    st["t_extract"] = time.perf_counter() - t0

    ordered = [entries[n] for n in order]
    records = [e.record for e in ordered if e.record is not None]
    errors = [e.error for e in ordered if e.error is not None]
    kept, dup_errors = dedupe(records)
    errors = sorted([InputError(str(p), r) for p, r in walk_errors] + errors + dup_errors, key=lambda e: e.path)
    by_source = {e.record.source: e for e in ordered if e.record is not None}
    kept_entries = [by_source[r.source] for r in kept]

    result = BuildResult(records=kept, errors=errors)
    tax_nt, tax_ttl, tax_n = _taxonomy_turtle(stamp)
    total = tax_n + sum(e.n_triples for e in kept_entries)
    shared_lines = sorted({line for e in kept_entries for line in e.shared_nt.splitlines(keepends=True)})
    shared_nt = "".join(shared_lines)

    if total <= rdflib_max_triples:
        from .graph import build_graph, serialize

        st["graph_mode"] = "rdflib"
        g = build_graph(kept)
        result.graph = g
        result.outputs["graph"] = write_atomic(out / "graph.ttl", serialize(g))
    else:
        st["graph_mode"] = "blocks"
        result.outputs["graph"] = _write_blocks(out / "graph.ttl", tax_ttl, shared_nt, kept_entries)
    st["t_graph"] = time.perf_counter() - t0
    result.outputs["reports"] = write_atomic(out / "reports.json", records_json_from(kept_entries))
    result.outputs["errors"] = write_atomic(
        out / "errors.json",
        json.dumps([{"path": e.path, "reason": e.reason} for e in errors], ensure_ascii=False, indent=1) + "\n",
    )
    if html and result.graph is not None:
        from .viz import render_explorer

        tmp = out / ".graph.html.partial"
        render_explorer(result.graph, tmp)
        os.replace(tmp, out / "graph.html")
        result.outputs["html"] = out / "graph.html"
    if store_dir is not None:
        st["store_changed"] = sync_store(store_dir, kept_entries, shared_nt, tax_nt, stamp)
        result.outputs["store"] = Path(store_dir)
    st["t_total"] = time.perf_counter() - t0
    st["triples"] = total
    return result


def _write_blocks(path: Path, tax_ttl: str, shared_nt: str, entries: Sequence[Entry]) -> Path:
    """Write a big graph.ttl by streaming cached Turtle blocks (atomic: temp file, rename)."""
    from .pipeline import atomic_open

    with atomic_open(path, "w") as fh:
        fh.write(_prefix_header())
        fh.write("\n# taxonomy\n")
        fh.write(tax_ttl)
        fh.write("\n# shared entities (bureaus, regions, laws outside the gazetteer, candidates)\n")
        fh.write(_turtle_block(shared_nt) if shared_nt else "")
        for e in sorted(entries, key=lambda e: e.report_iri):
            fh.write(f"\n# report {e.report_iri}\n")
            fh.write(e.turtle)
    return path


def sync_store(store_dir: str | os.PathLike[str], entries: Sequence[Entry], shared_nt: str, tax_nt: str,
               stamp: str) -> int:
    """Bring a persistent store in line with the build; returns how many report graphs changed.

    A manifest (``fazhi-manifest.json`` in the store folder) maps each report graph to
    the cache key it was loaded from, so unchanged reports are not touched."""
    import pyoxigraph as ox

    from .store import ENTITIES_GRAPH, TAXONOMY_GRAPH, _load_nt, open_store, remove_report, replace_report, set_entities

    sdir = Path(store_dir)
    manifest_path = sdir / "fazhi-manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        manifest = {}
    old_reports: dict[str, str] = manifest.get("reports", {})
    store = open_store(sdir)
    changed = 0
    if manifest.get("taxonomy") != stamp:
        g = ox.NamedNode(TAXONOMY_GRAPH)
        if store.contains_named_graph(g):
            store.remove_graph(g)
        _load_nt(store, tax_nt, TAXONOMY_GRAPH)
    new_reports = {e.report_iri: e.key for e in entries}
    for iri in sorted(set(old_reports) - set(new_reports)):
        remove_report(store, iri)
        changed += 1
    for e in entries:
        if old_reports.get(e.report_iri) != e.key:
            replace_report(store, e.report_iri, e.own_nt)
            changed += 1
    shared_hash = hashlib.sha256(shared_nt.encode()).hexdigest()
    if changed or manifest.get("entities") != shared_hash or not store.contains_named_graph(ox.NamedNode(ENTITIES_GRAPH)):
        set_entities(store, shared_nt)
    store.flush()
    if changed and changed * 10 >= max(1, len(entries)):  # many graphs rewritten: compact RocksDB files
        store.optimize()
    del store
    write_atomic(manifest_path, json.dumps({"taxonomy": stamp, "entities": shared_hash, "reports": new_reports},
                                           ensure_ascii=False, indent=0, sort_keys=True))
    return changed
