"""Content-hash cache of per-report extraction results, and the incremental build.

Why: at 10,000 reports a full build re-reads and re-extracts ~150 MB of text; after
fixing one report only that report should be redone. Each input file is keyed by
``sha256(version stamp, path, raw bytes)`` where the version stamp hashes the
ontology files and the package's own source, so changing a cue word, a regex or the
code invalidates every entry, and a changed report invalidates only its own.

An entry is written by the worker that extracted the file (so the big strings never
cross a process boundary) as two files in ``<cache>/<key[:2]>/``:

* ``<key>.pkl`` — the ``Entry`` head (summary, error, the report's shared-entity
  triples) followed by a second pickle holding the full ``ReportRecord``, so a build
  that only needs heads never unpickles records;
* ``<key>.nq.gz`` — the report's own triples as N-Quads in its named graph, ready to be
  streamed into Oxigraph's bulk loader or (graph name stripped) into ``graph.ttl``.
  Compressed (gzip level 1, ≈ 20× smaller, a few ms per report) because at 10,000
  reports the plain files are ≈ 19 GB and reading them back, not parsing, was the
  slowest part of a build on this machine's disk.

The record's JSON (``reports.json``) is made from the record when a build writes that
file, not in the worker: the indented ``json.dumps`` runs in pure Python and costs about
as much as extracting the report.

``build_incremental`` has two modes:

* **files** (no ``store_dir``): writes what ``pipeline.build`` writes. ``reports.json``
  and ``errors.json`` are byte-identical; ``graph.ttl`` too below
  ``rdflib_max_triples``; above it the same triples are written as the taxonomy, the
  shared entities and one Turtle block per report (serialised by Oxigraph), because
  rdflib needs minutes to serialise millions of triples.
* **store** (``store_dir``): the persistent Oxigraph store is the graph. A new store is
  bulk-loaded into a temporary folder and renamed into place; an existing one is
  updated report by report (only graphs of changed, new or removed reports are touched).
  A build index (``fazhi-index.pkl`` in the store folder) keeps every report's head, so a
  rebuild after one change reads one cache entry, not ten thousand. ``reports.csv``
  (one row per report) and ``errors.json`` are written; ``graph.ttl`` and
  ``reports.json`` only when ``files=True`` (at 10,000 reports they are gigabytes).
"""

from __future__ import annotations

import dataclasses
import gc
import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path

from .pipeline import (BuildResult, InputError, ReportSummary, atomic_open, dedupe, write_atomic, write_errors_json,
                       write_reports_csv)

DEFAULT_CACHE_DIR = Path(os.environ.get("FAZHI_CACHE", Path.home() / ".cache" / "fazhi-graph"))
CACHE_FORMAT = 3
INDEX_NAME = "fazhi-index.pkl"
RACY_NS = 2_000_000_000  # see BuildIndex.unchanged
STORE_PAGE = "fazhi-explorer.html"  # the explorer page of the store as it is, saved by `build --store --html`


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
    """The head of a cache entry: what a build needs of one input file without its record."""

    key: str
    path: str
    summary: ReportSummary | None = None
    error: InputError | None = None
    shared_nt: str | None = ""  # shared-entity triples (bureau, regions, non-gazetteer laws …), sorted N-Triples;
    # None in the build index, which keeps heads small and reads this from the cache when needed
    n_triples: int = 0

    @property
    def report_iri(self) -> str:
        return self.summary.iri if self.summary else ""


class Cache:
    """A folder of cache entries (see the module docstring), sharded by key prefix."""

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_CACHE_DIR) -> None:
        self.root = Path(root)

    def _path(self, key: str, suffix: str = ".pkl") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def get(self, key: str) -> Entry | None:
        """The head of an entry, or None when it is missing, incomplete or unreadable."""
        try:
            with open(self._path(key), "rb") as fh:
                head = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            return None
        if not isinstance(head, Entry) or head.key != key:
            return None
        if head.summary is not None and not self._path(key, ".nq.gz").exists():
            return None
        return head

    def has(self, head: Entry) -> bool:
        """Whether the entry of a head (from the build index) is still in the cache."""
        return self._path(head.key).exists() and (head.summary is None or self.quads_path(head.key).exists())

    def shared_of(self, head: Entry) -> str:
        """A head's shared-entity triples, from the cache when the head came from the build index."""
        if head.shared_nt is not None:
            return head.shared_nt
        full = self.get(head.key)
        if full is None or full.shared_nt is None:
            raise LookupError(f"cache entry {head.key} of {head.path} is gone")
        return full.shared_nt

    def record(self, key: str):
        """The full ``ReportRecord`` of an entry (the second pickle of ``<key>.pkl``)."""
        with open(self._path(key), "rb") as fh:
            pickle.load(fh)
            return pickle.load(fh)

    def quads_path(self, key: str) -> Path:
        """The gzip-compressed N-Quads of an entry."""
        return self._path(key, ".nq.gz")

    def quads(self, key: str) -> bytes:
        return gzip.decompress(self.quads_path(key).read_bytes())

    def put(self, head: Entry, record=None, quads: str = "") -> None:
        """Write an entry; the ``.pkl`` goes last, so a half-written entry is a miss."""
        if head.summary is not None:
            write_atomic(self.quads_path(head.key), gzip.compress(quads.encode("utf-8"), compresslevel=1, mtime=0))
        with atomic_open(self._path(head.key)) as fh:
            pickle.dump(head, fh, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)


_COLLECT_EVERY = 500  # reports between full collections in a worker forked while the build paused the collector
_made = 0


def make_entry(path: str, key: str, cache_root: str | os.PathLike[str] | None = None) -> Entry:
    """Extract one file and write its cache entry (runs in a worker process); returns the head."""
    global _made
    _made += 1
    if not gc.isenabled() and _made % _COLLECT_EVERY == 0:  # bound cyclic garbage on very large corpora
        gc.collect()
    from .graph import report_statements
    from .model import ReportRecord
    from .pipeline import _extract_or_error
    from .store import split_statements

    cache = Cache(cache_root if cache_root is not None else DEFAULT_CACHE_DIR)
    res = _extract_or_error(path)
    if not isinstance(res, ReportRecord):
        head = Entry(key, path, error=res)
        cache.put(head)
        return head
    report, statements = report_statements(res)
    quads, shared, n = split_statements(report, statements)
    head = Entry(key, path, ReportSummary.of(res), None, shared, n)
    cache.put(head, res, quads)
    return head


def _make_entry_args(args: tuple[str, str, str]) -> Entry:
    return make_entry(*args)


def records_json_from(records: Iterable, out: io.TextIOBase | None = None) -> str:
    """``pipeline.records_json`` written one record at a time (byte-identical).

    With ``out`` the text is streamed there and "" is returned (reports.json can be
    gigabytes)."""
    buf = out if out is not None else io.StringIO()
    first = True
    buf.write("[")
    for rec in records:
        text = json.dumps(rec.to_json(), ensure_ascii=False, indent=1)
        buf.write("\n" if first else ",\n")
        buf.write("\n".join(" " + line for line in text.split("\n")))
        first = False
    buf.write("]\n" if first else "\n]\n")
    return "" if out is not None else buf.getvalue()


@lru_cache(maxsize=2)
def _taxonomy_nt(stamp: str) -> tuple[str, int]:
    from .graph import taxonomy_graph
    from .store import ntriples

    return ntriples(taxonomy_graph()), len(taxonomy_graph())


def _turtle_block(triples_nt: str) -> str:
    """Compact Turtle (prefixed names) of some N-Triples, without the @prefix header."""
    import pyoxigraph as ox

    from .store import OX_PREFIXES

    data = ox.serialize(ox.parse(triples_nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                        prefixes=OX_PREFIXES).decode("utf-8")
    return "".join(line + "\n" for line in data.splitlines() if not line.startswith("@prefix"))


def _prefix_header() -> str:
    from .store import OX_PREFIXES

    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in OX_PREFIXES.items())


# --------------------------------------------------------------------------- build index


@dataclass
class BuildIndex:
    """What the last store build saw: the head of every input by path, and the version stamp.

    A rebuild takes unchanged heads from here instead of opening their cache entries."""

    stamp: str = ""
    heads: dict[str, Entry] = field(default_factory=dict)
    loaded: dict[str, str] = field(default_factory=dict)  # report IRI → cache key of the graph in the store
    shared_count: dict[bytes, int] = field(default_factory=dict)  # line_key(entities-graph line) → reports asserting it
    stats: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # path → (size, mtime, ctime, inode)
    scanned_ns: int = 0  # when those were taken

    @classmethod
    def read(cls, path: Path) -> "BuildIndex":
        try:
            with open(path, "rb") as fh:
                idx = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            return cls()
        if not isinstance(idx, cls):
            return cls()
        for f in dataclasses.fields(cls):  # an index written before a field was added
            if f.name not in idx.__dict__:
                setattr(idx, f.name, f.default_factory() if callable(f.default_factory) else f.default)
        return idx

    def unchanged(self, path: str, stat: tuple[int, int, int, int]) -> bool:
        """Whether a file is known unchanged from its stat alone (as git's index does), so a
        rebuild of 10,000 reports need not read them all (≈ 1.5 s from a cold disk).

        Same size, modification and change times and inode as last time, and its change time
        at least ``RACY_NS`` before that scan: a write within the clock's granularity of
        being scanned could leave every stat field equal, so such files are read again.
        The change time cannot be set back by a user (unlike the modification time)."""
        return self.stats.get(path) == stat and stat[2] < self.scanned_ns - RACY_NS

    def write(self, path: Path) -> None:
        write_atomic(path, pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))


# --------------------------------------------------------------------------- the build


def _gc_paused(fn):
    """Pause the cyclic garbage collector while ``fn`` runs (restored after, even on error).

    A build holds one small head per input; with 10,000 of them every young-generation
    collection re-walked them and doubled the time of a one-report rebuild. What a build
    allocates is freed by reference counting."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapper


def _collect_heads(names: Sequence[str], index: BuildIndex, cache: Cache, stamp: str, st: dict, *, jobs: int,
                   progress: Callable[[str], None] | None) -> tuple[dict[str, Entry], dict[str, tuple]]:
    """The head of every input (from the build index or the cache when its bytes are unchanged,
    else from a worker that extracts it) and the stat of every input, for the next build's index."""

    def got(head: Entry) -> None:
        heads[head.path] = head
        if progress:
            progress(head.path)

    heads: dict[str, Entry] = {}
    todo: list[tuple[str, str, str]] = []
    seen: dict[str, tuple[int, int, int, int]] = {}
    unread = 0
    for name in names:
        known = index.heads.get(name)
        try:
            s = os.stat(name)  # before reading: a write in between makes the next build read the file again
            seen[name] = stat = (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
            if known is not None and known.key and index.unchanged(name, stat) and cache.has(known):
                unread += 1
                got(known)
                continue
            data = Path(name).read_bytes()
        except OSError as exc:
            heads[name] = Entry("", name, error=InputError(name, str(exc)))
            continue
        key = file_key(name, data, stamp)
        hit = known if known is not None and known.key == key and cache.has(known) else cache.get(key)
        if hit is not None:
            got(hit)
        else:
            todo.append((name, key, str(cache.root)))
    st["cached"] = len(names) - len(todo)
    st["unread"] = unread  # known unchanged from their stat
    st["extracted"] = len(todo)
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunk = max(1, min(16, len(todo) // (jobs * 8) or 1))
            for head in pool.map(_make_entry_args, todo, chunksize=chunk):
                got(head)
    else:
        for args in todo:
            got(make_entry(*args))
    return heads, seen


@_gc_paused
def build_incremental(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "output",
    *,
    jobs: int = 1,
    store_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] = DEFAULT_CACHE_DIR,
    html: bool = False,
    files: bool | None = None,
    rdflib_max_triples: int = 200_000,
    progress: Callable[[str], None] | None = None,
    on_files: Callable[[int], None] | None = None,
    stats: dict | None = None,
) -> BuildResult:
    """``pipeline.build`` with a content-hash cache, parallel extraction and an optional store.

    ``files`` (default: True without a store, False with one) also writes ``graph.ttl``
    and ``reports.json``. ``on_files`` and ``progress`` as for ``pipeline.build`` (an input is
    done once its head is known, read from the cache or not). ``stats`` (if given) receives
    counters and phase timings:
    ``extracted``, ``cached``, ``graph_mode`` ('rdflib', 'blocks' or 'store'),
    ``store_changed``, ``store_mode`` ('bulk' or 'update'), ``t_scan``, ``t_extract``,
    ``t_store``, ``t_total`` …"""
    import time

    from .ingest import iter_input_files

    t0 = time.perf_counter()
    st: dict = stats if stats is not None else {}
    out = Path(out_dir)
    cache = Cache(cache_dir)
    stamp = version_stamp()
    write_files = (store_dir is None) if files is None else files
    index_path = Path(store_dir) / INDEX_NAME if store_dir is not None else None
    index = BuildIndex.read(index_path) if index_path is not None else BuildIndex()
    if index.stamp != stamp:
        index.heads = {}

    found, walk_errors = iter_input_files(inputs, exclude=[out])
    names = sorted(str(f) for f in found)
    if on_files:
        on_files(len(names))
    st["t_scan"] = time.perf_counter() - t0
    scanned_ns = time.time_ns()

    if store_dir is not None:
        _check_store_dir(store_dir)  # before any work: never replace a folder we did not make
    heads, stats = _collect_heads(names, index, cache, stamp, st, jobs=jobs, progress=progress)
    st["t_extract"] = time.perf_counter() - t0
    ordered = [heads[n] for n in names]
    good = [h for h in ordered if h.summary is not None]
    kept_summaries, dup_errors = dedupe([h.summary for h in good])
    by_source = {h.summary.source: h for h in good}
    kept = [by_source[s.source] for s in kept_summaries]
    tax_nt, tax_n = _taxonomy_nt(stamp)

    @lru_cache(maxsize=1)
    def shared_nt() -> str:  # the union of every kept report's shared lines (not needed by a store update)
        return "".join(sorted({line for h in kept for line in cache.shared_of(h).splitlines(keepends=True)}))

    errors = sorted([InputError(str(p), r) for p, r in walk_errors] + [h.error for h in ordered if h.error is not None]
                    + dup_errors, key=lambda e: e.path)
    result = BuildResult(records=[], errors=errors, reports=kept_summaries)
    total = tax_n + sum(h.n_triples for h in kept)

    out.mkdir(parents=True, exist_ok=True)
    marker = out / ".fazhi-graph-output"  # lets a later `build .` skip this folder
    if not marker.exists():
        write_atomic(marker, "This folder holds fazhi-graph outputs; input discovery skips it.\n")

    if write_files:
        if total <= rdflib_max_triples:
            from .graph import build_graph, serialize

            st["graph_mode"] = "rdflib"
            result.records = [cache.record(h.key) for h in kept]
            g = build_graph(result.records)
            result.graph = g
            result.outputs["graph"] = write_atomic(out / "graph.ttl", serialize(g))
        else:
            st["graph_mode"] = "blocks"
            result.outputs["graph"] = _write_blocks(out / "graph.ttl", tax_nt, shared_nt(), kept, cache)
        st["triples"] = total + shared_nt().count("\n")
        with atomic_open(out / "reports.json", "w") as fh:
            records_json_from(result.records or (cache.record(h.key) for h in kept), fh)
        result.outputs["reports"] = out / "reports.json"
    else:
        st["graph_mode"] = "store"
    st["t_graph"] = time.perf_counter() - t0
    result.outputs["table"] = write_reports_csv(out / "reports.csv", kept_summaries)
    result.outputs["errors"] = write_errors_json(out / "errors.json", errors)
    if store_dir is not None:
        st["store_changed"], st["store_mode"] = sync_store(store_dir, kept, shared_nt, tax_nt, stamp, cache, index)
        st["triples"] = total + len(index.shared_count)
        index.stamp = stamp
        index.heads = {p: dataclasses.replace(h, shared_nt=None) for p, h in heads.items()}
        index.stats, index.scanned_ns = stats, scanned_ns
        index.write(Path(store_dir) / INDEX_NAME)
        result.outputs["store"] = Path(store_dir)
    st["t_store"] = time.perf_counter() - t0
    page = out / "graph.html"
    if html:
        from .viz import render_explorer

        if result.graph is not None:
            render_explorer(result.graph, page)
        elif store_dir is not None:
            saved = Path(store_dir) / STORE_PAGE
            if st.get("store_changed") or not page.exists() or not saved.exists():
                from .store import open_store

                render_explorer(open_store(store_dir, read_only=True), page)  # from the bureau-level edges
                write_atomic(saved, page.read_bytes())  # `serve --store` shows it without drawing it again
        elif write_files:  # too big for rdflib: drawn from an in-memory Oxigraph store
            from .store import open_store

            mem = open_store(None)
            load_entries(mem, kept, shared_nt(), tax_nt, cache)
            render_explorer(mem, page)
            del mem
        else:  # neither files nor a store: nothing to draw
            html = False
    if html:
        result.outputs["html"] = page
    st["t_html"] = time.perf_counter() - t0
    st["t_total"] = time.perf_counter() - t0
    return result


def _strip_graph(quads: str, report_iri: str) -> str:
    """N-Quads of one graph → N-Triples (each line ends with `` <graph> .``; literals never
    hold a raw newline, so the suffix is found only at line ends)."""
    return quads.replace(f" <{report_iri}> .\n", " .\n")


def _write_blocks(path: Path, tax_nt: str, shared_nt: str, entries: Sequence[Entry], cache: Cache) -> Path:
    """Write a big graph.ttl block by block (atomic: temp file, rename): each report's cached
    N-Quads turned into compact Turtle by Oxigraph (≈ 10 ms and 3× smaller per report)."""
    with atomic_open(path, "w") as fh:
        fh.write(_prefix_header())
        fh.write("\n# taxonomy\n")
        fh.write(_turtle_block(tax_nt))
        fh.write("\n# shared entities (bureaus, regions, laws outside the gazetteer, candidates)\n")
        fh.write(_turtle_block(shared_nt) if shared_nt else "")
        for e in sorted(entries, key=lambda e: e.report_iri):
            fh.write(f"\n# report {e.report_iri}\n")
            fh.write(_turtle_block(_strip_graph(cache.quads(e.key).decode("utf-8"), e.report_iri)))
    return path


class _ChunkReader(io.RawIOBase):
    """A binary stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._buf:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def _check_store_dir(store_dir: str | os.PathLike[str]) -> None:
    sdir = Path(store_dir)
    if sdir.exists() and any(sdir.iterdir()) and not ((sdir / INDEX_NAME).exists() or (sdir / "fazhi-manifest.json").exists()):
        raise ValueError(f"{sdir}: not a fazhi-graph store (no {INDEX_NAME}); refusing to replace a folder we did not make")


def sync_store(store_dir: str | os.PathLike[str], entries: Sequence[Entry], shared_nt: Callable[[], str], tax_nt: str,
               stamp: str, cache: Cache, index: BuildIndex) -> tuple[int, str]:
    """Bring a persistent store in line with the build; returns (report graphs changed, 'bulk' or 'update').

    A new store (or one built by another version, or one where most reports changed) is
    bulk-loaded into a temporary folder that replaces the old one only when complete.
    Otherwise only graphs of changed, new or removed reports are replaced, each in its
    own transaction, and the shared-entities graph is patched with the difference, found
    from per-line counts of the reports asserting each line (so a rebuild's work grows
    with what changed, not with the corpus)."""
    sdir = Path(store_dir)  # build_incremental checked it is ours before extracting anything
    new_loaded = {e.report_iri: e.key for e in entries}
    old_loaded = index.loaded if index.stamp == stamp and (sdir / INDEX_NAME).exists() else {}
    changed = {iri for iri, key in new_loaded.items() if old_loaded.get(iri) != key} | (set(old_loaded) - set(new_loaded))
    old_heads = {h.summary.iri: h for h in index.heads.values()
                 if h.summary is not None and old_loaded.get(h.summary.iri) == h.key}
    old_shared: dict[str, str] = {}
    bulk = not old_loaded or len(changed) * 2 > max(1, len(new_loaded)) or not set(old_loaded) <= set(old_heads)
    if not bulk:
        try:
            old_shared = {iri: cache.shared_of(old_heads[iri]) for iri in changed if iri in old_heads}
        except LookupError:  # the cache was cleared: rebuild the store from scratch
            bulk = True
    if bulk:
        _bulk_build(sdir, entries, shared_nt(), tax_nt, cache)
        index.loaded = new_loaded
        index.shared_count = _line_counts(entries, cache)
        return len(new_loaded), "bulk"
    import pyoxigraph as ox

    from .store import ENTITIES_GRAPH, open_store, remove_report

    new_by_iri = {e.report_iri: e for e in entries}
    counts = dict(index.shared_count)
    touched: dict[bytes, str] = {}  # key → line, for the lines of the changed reports only
    for iri in changed:
        new = new_by_iri.get(iri)
        for text, step in ((old_shared.get(iri, ""), -1), (cache.shared_of(new) if new is not None else "", 1)):
            for line in text.splitlines(keepends=True):
                k = line_key(line)
                counts[k] = counts.get(k, 0) + step
                touched[k] = line
    was = index.shared_count
    gone = "".join(sorted(line for k, line in touched.items() if counts[k] <= 0 and was.get(k, 0) > 0))
    added = "".join(sorted(line for k, line in touched.items() if counts[k] > 0 and was.get(k, 0) <= 0))
    for k in touched:
        if counts[k] <= 0:
            del counts[k]
    if changed:  # before the first change: a build stopped half-way must not leave the old page being served
        (sdir / STORE_PAGE).unlink(missing_ok=True)
    store = open_store(sdir)
    try:
        for iri in sorted(set(old_loaded) - set(new_loaded)):
            remove_report(store, iri)
        for e in entries:
            if e.report_iri in changed:
                remove_report(store, e.report_iri)
                store.load(input=cache.quads(e.key), format=ox.RdfFormat.N_QUADS)
        graph = ox.NamedNode(ENTITIES_GRAPH)
        for t in ox.parse(gone, format=ox.RdfFormat.N_TRIPLES) if gone else ():
            store.remove(ox.Quad(t.subject, t.predicate, t.object, graph))
        if added:
            store.load(input=added, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        store.flush()
    finally:
        del store
    index.loaded = new_loaded
    index.shared_count = counts
    return len(changed), "update"


def line_key(line: str) -> bytes:
    """The key of an entities-graph line in ``BuildIndex.shared_count``: a 128-bit digest.

    The index keeps a count for every line of the shared-entities graph (≈ 300,000 lines of
    ≈ 160 characters at 10,000 reports); keyed by the lines themselves it was a 58 MB pickle
    read and written by every rebuild. The text of a line is only needed for the lines of
    the changed reports, which their cache entries hold."""
    return hashlib.blake2b(line.encode("utf-8"), digest_size=16).digest()


def _line_counts(entries: Sequence[Entry], cache: Cache) -> dict[bytes, int]:
    counts: dict[str, int] = {}
    for e in entries:
        for line in cache.shared_of(e).splitlines(keepends=True):
            counts[line] = counts.get(line, 0) + 1
    return {line_key(line): n for line, n in counts.items()}  # digests of the distinct lines only


def _gzip_chunks(paths: Iterable[Path], head: bytes = b"") -> Iterator[bytes]:
    """``head`` then the decompressed contents of gzip files, a megabyte at a time (feeds the
    bulk loader without writing a gigabyte-sized temporary file)."""
    if head:
        yield head
    for p in paths:
        with gzip.open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk


def _graph_heads(shared_nt: str, tax_nt: str) -> bytes:
    """The taxonomy and shared-entity triples as N-Quads in their own graphs."""
    from .store import ENTITIES_GRAPH, TAXONOMY_GRAPH, in_graph

    return (in_graph(tax_nt, TAXONOMY_GRAPH) + in_graph(shared_nt, ENTITIES_GRAPH)).encode("utf-8")


def load_entries(store, entries: Sequence[Entry], shared_nt: str, tax_nt: str, cache: Cache) -> None:
    """Bulk-load the taxonomy, the shared entities and every entry's graph into an Oxigraph store."""
    import pyoxigraph as ox

    paths = [cache.quads_path(e.key) for e in sorted(entries, key=lambda e: e.report_iri)]
    with _ChunkReader(_gzip_chunks(paths, _graph_heads(shared_nt, tax_nt))) as stream:
        store.bulk_load(io.BufferedReader(stream, 1 << 20), format=ox.RdfFormat.N_QUADS, lenient=True)


def _swap_in(tmp: Path, sdir: Path) -> None:
    """Replace ``sdir`` by the complete store ``tmp`` (the old one is restored if that fails)."""
    old = sdir.with_name(f".{sdir.name}.old-{os.getpid()}")
    BuildIndex().write(tmp / INDEX_NAME)  # ours even if we stop before the real index is written (it is rebuilt then)
    try:
        if sdir.exists():
            os.replace(sdir, old)
        os.replace(tmp, sdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not sdir.exists():
            os.replace(old, sdir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _bulk_build(sdir: Path, entries: Sequence[Entry], shared_nt: str, tax_nt: str, cache: Cache) -> None:
    """Load everything into a fresh store next to ``sdir``, then swap it in."""
    import pyoxigraph as ox

    sdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = sdir.with_name(f".{sdir.name}.building-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = ox.Store(str(tmp))
        load_entries(store, entries, shared_nt, tax_nt, cache)
        store.flush()  # no optimize(): the bulk loader writes sorted files already (compaction cost ~20 % more)
        del store
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap_in(tmp, sdir)
