"""``fazhi-graph serve``: a read-only SPARQL 1.1 Protocol endpoint plus the explorer page.

Why a server: tools researchers already use (SPARQLWrapper, YASGUI, R's SPARQL
package, Excel via CSV) speak the SPARQL Protocol, and one loaded graph can then
answer many clients without each reparsing ``graph.ttl``.

* ``GET /sparql?query=…`` and ``POST /sparql`` (form field ``query`` or body of type
  ``application/sparql-query``); results as SPARQL JSON, XML, CSV or TSV chosen by
  ``Accept`` or ``?format=json|xml|csv|tsv``; CONSTRUCT/DESCRIBE as Turtle or
  N-Triples.
* Read-only: SPARQL Update (``update=`` form field or ``application/sparql-update``)
  is refused with 403; update text sent as a query fails to parse and gets 400. The
  data is an in-memory copy (``--graph``) or a store opened read-only (``--store``).
* Bounded: a per-query timeout (504) and a result-row cap (the first ``max_rows`` rows
  are returned with the header ``X-Fazhi-Truncated: true``), a limit on concurrently
  evaluating queries (503 when busy) and on request size (413).
* Bound to 127.0.0.1 by default: exposing it is the user's explicit choice.

The engine is Oxigraph for both ``--graph`` (loaded into memory: seconds instead of
rdflib's minutes at 10,000 reports) and ``--store``; queries see the union of all
named graphs (union-default-graph), so the named queries give the same rows as
``fazhi-graph query`` on graph.ttl (see tests/test_store.py).

Timeouts: a query runs in its own thread; when the deadline passes the client gets
504 at once and the thread is asked to stop with an asynchronous exception
(``PyThreadState_SetAsyncExc``), which takes effect the next time the thread runs
Python code — between result rows for streaming queries. A query blocked inside one
native aggregation step finishes that step first; the concurrency limit keeps such
stragglers from piling up. The exception is sent again every half second while the
thread runs, because Python drops one that lands in a garbage-collector callback.
"""

from __future__ import annotations

import ctypes
import csv
import io
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from .store import OX_PREFIXES, open_store

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

MIME = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
}
_ACCEPT_ALIASES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/javascript": "json",
    "application/javascript": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
}


class QueryTimeout(Exception):
    pass


class Busy(Exception):
    pass


# --------------------------------------------------------------------------- timeouts


def call_with_timeout(fn: Callable[[], Any], timeout: float, slots: threading.Semaphore | None = None) -> Any:
    """Run ``fn`` in a thread; raise ``QueryTimeout`` after ``timeout`` seconds and
    interrupt the thread (see module docstring). ``slots`` bounds concurrent runs and
    is released only when the thread really ends (by whoever sees it end, never inside
    the thread, where a late interrupt could skip the release)."""
    if slots is not None and not slots.acquire(timeout=min(timeout, 5.0)):
        raise Busy("too many queries running")
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # delivered to the caller below
            box["error"] = exc.with_traceback(None)  # frames hold engine objects of this thread

    t = threading.Thread(target=target, daemon=True, name="sparql-query")
    t.start()
    t.join(timeout)
    if t.is_alive():
        threading.Thread(target=_interrupt, args=(t, slots), daemon=True, name="sparql-query-interrupt").start()
        raise QueryTimeout(f"query exceeded {timeout:g} s")
    if slots is not None:
        slots.release()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _interrupt(t: threading.Thread, slots: threading.Semaphore | None, every: float = 0.5, tries: int = 20) -> None:
    """Raise ``QueryTimeout`` in ``t``, and again every ``every`` seconds while it still runs;
    release its slot once it has ended.

    An asynchronous exception that arrives while the thread runs a garbage-collector
    callback or a ``__del__`` is printed and dropped by Python, and the query would then
    run on to its end (seen once under load in the test suite)."""
    for _ in range(tries):
        if not t.is_alive():
            break
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident), ctypes.py_object(QueryTimeout))
        t.join(every)
    t.join()
    if slots is not None:
        slots.release()


# --------------------------------------------------------------------------- engine


class Engine:
    """A read-only pyoxigraph store queried with union-default-graph semantics."""

    def __init__(self, store: ox.Store, *, source: str = "", union: bool = True) -> None:
        self.store = store
        self.source = source
        self.union = union

    @classmethod
    def from_graph_file(cls, path: str | Path) -> "Engine":
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"{p}: graph file not found (run `fazhi-graph build` first)")
        store = ox.Store()
        store.bulk_load(path=str(p), format=ox.RdfFormat.TURTLE)
        return cls(store, source=str(p))

    @classmethod
    def from_store(cls, path: str | Path) -> "Engine":
        return cls(open_store(path, read_only=True), source=str(path))

    def execute(self, text: str, max_rows: int) -> tuple[str, Any, bool]:
        """Returns (kind, payload, truncated): kind is 'select', 'ask' or 'graph'."""
        res = self.store.query(text, prefixes=OX_PREFIXES, use_default_graph_as_union=self.union)
        try:
            return self._collect(res, max_rows)
        finally:
            del res  # pyoxigraph results are not thread-safe: release them in this thread

    @staticmethod
    def _collect(res: Any, max_rows: int) -> tuple[str, Any, bool]:
        if isinstance(res, ox.QueryBoolean):
            return "ask", bool(res), False
        if isinstance(res, ox.QuerySolutions):
            vars_ = [v.value for v in res.variables]
            rows = []
            for sol in res:
                if len(rows) >= max_rows:
                    return "select", (vars_, rows), True
                rows.append([sol[v] for v in vars_])
            return "select", (vars_, rows), False
        triples = []
        for t in res:
            if len(triples) >= max_rows:
                return "graph", triples, True
            triples.append(t)
        return "graph", triples, False


# --------------------------------------------------------------------------- result formats


def _json_term(t: Any) -> dict[str, str]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {"type": "triple", "value": str(t)}


def results_json(vars_: list[str], rows: list[list[Any]]) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(vars_, row) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": vars_}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()


def results_xml(vars_: list[str], rows: list[list[Any]]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f'<variable name="{v}"/>' for v in vars_]
    out.append("</head>\n<results>")
    for row in rows:
        out.append("<result>")
        for v, t in zip(vars_, row):
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                inner = f"<uri>{xml_escape(t.value)}</uri>"
            elif isinstance(t, ox.BlankNode):
                inner = f"<bnode>{xml_escape(t.value)}</bnode>"
            elif isinstance(t, ox.Literal):
                if t.language:
                    attr = f' xml:lang="{xml_escape(t.language)}"'
                elif t.datatype.value != XSD_STRING:
                    attr = f' datatype="{xml_escape(t.datatype.value)}"'
                else:
                    attr = ""
                inner = f"<literal{attr}>{xml_escape(t.value)}</literal>"
            else:
                inner = f"<literal>{xml_escape(str(t))}</literal>"
            out.append(f'<binding name="{v}">{inner}</binding>')
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "\n".join(out).encode()


def results_csv(vars_: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(vars_)
    for row in rows:
        w.writerow(["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else getattr(t, "value", str(t)))
                    for t in row])
    return buf.getvalue().encode()


def results_tsv(vars_: list[str], rows: list[list[Any]]) -> bytes:
    lines = ["\t".join("?" + v for v in vars_)]
    for row in rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return ("\n".join(lines) + "\n").encode()


def boolean_result(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{str(value).lower()}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return f"{str(value).lower()}\n".encode()
    return json.dumps({"head": {}, "boolean": value}).encode()


def negotiate(accept: str | None, fmt_param: str | None, kind: str) -> str:
    """Pick a result format from ``?format=`` (wins) or the Accept header (q-values honoured)."""
    graph = kind == "graph"
    allowed = ("turtle", "ntriples") if graph else ("json", "xml", "csv", "tsv")
    if fmt_param:
        f = fmt_param.strip().lower()
        f = _ACCEPT_ALIASES.get(f, {"nt": "ntriples", "ttl": "turtle", "n-triples": "ntriples"}.get(f, f))
        if f in allowed:
            return f
    prefs: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept or "").split(",")):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        prefs.append((-q, i, bits[0].lower()))
    for _, _, mime in sorted(prefs):
        f = _ACCEPT_ALIASES.get(mime)
        if f in allowed:
            return f
    return allowed[0]


# --------------------------------------------------------------------------- HTTP


class SparqlHandler(BaseHTTPRequestHandler):
    server_version = "fazhi-graph"
    protocol_version = "HTTP/1.1"
    # set on the subclass made by make_server
    engine: Engine
    timeout_s: float
    max_rows: int
    max_body: int
    slots: threading.Semaphore
    page: Path | None
    quiet: bool

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message + "\n").encode(), "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            return self._index()
        if url.path != "/sparql":
            return self._error(404, "not found: the endpoint is /sparql, the explorer is /")
        params = parse_qs(url.query, keep_blank_values=True)
        if "update" in params:
            return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if "query" not in params:
            return self._error(400, "missing 'query' parameter")
        self._query(params["query"][0], params)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            return self._error(404, "not found: the endpoint is /sparql")
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            return self._error(413, f"request body larger than {self.max_body} bytes")
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-update":
            return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if ctype == "application/sparql-query":
            return self._query(body, params)
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body, keep_blank_values=True)
            if "update" in form:
                return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
            if "query" not in form:
                return self._error(400, "missing 'query' form field")
            return self._query(form["query"][0], {**params, **form})
        return self._error(415, "use application/x-www-form-urlencoded or application/sparql-query")

    def _index(self) -> None:
        if self.page:
            try:
                return self._send(200, self.page.read_bytes(), "text/html; charset=utf-8")
            except OSError:  # not drawn yet (or removed by a build meanwhile)
                pass
        why = ("The explorer page is being drawn from the store (about 40 s for 10,000 bureaus); reload in a "
               "moment. 图谱浏览页面正在生成，请稍后刷新。" if self.page else "No explorer page (graph.html) next to the graph.")
        self._send(200, _notice_page(why), "text/html; charset=utf-8", {"Retry-After": "10"} if self.page else None)

    def _query(self, text: str, params: dict[str, list[str]]) -> None:
        if len(text) > self.max_body:
            return self._error(413, "query too long")
        fmt_param = next((params[k][0] for k in ("format", "output", "results") if k in params), None)
        t0 = time.perf_counter()
        try:
            kind, payload, truncated = call_with_timeout(
                lambda: self.engine.execute(text, self.max_rows), self.timeout_s, self.slots
            )
        except QueryTimeout as exc:
            return self._error(504, str(exc))
        except Busy as exc:
            return self._error(503, str(exc))
        except SyntaxError as exc:
            return self._error(400, f"invalid SPARQL query (updates are not accepted here): {exc}")
        except Exception as exc:  # evaluation errors are the client's query, not a crash
            return self._error(400, f"query failed: {exc}")
        fmt = negotiate(self.headers.get("Accept"), fmt_param, kind)
        if kind == "ask":
            body = boolean_result(payload, fmt)
        elif kind == "select":
            vars_, rows = payload
            body = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}[fmt](vars_, rows)
        else:
            body = ox.serialize(payload, format=ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES,
                                prefixes=OX_PREFIXES if fmt == "turtle" else None)
        extra = {"X-Fazhi-Query-Ms": f"{(time.perf_counter() - t0) * 1000:.1f}"}
        if truncated:
            extra["X-Fazhi-Truncated"] = "true"
        charset = "; charset=utf-8"
        self._send(200, body, MIME[fmt] + charset, extra)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 resets connections under a burst of clients


def make_server(
    engine: Engine,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    timeout: float = 10.0,
    max_rows: int = 10_000,
    max_concurrent: int = 8,
    max_body: int = 1_000_000,
    page: str | Path | None = None,
    quiet: bool = True,
) -> ThreadingHTTPServer:
    """A ready (not yet serving) threaded server; ``port=0`` picks a free port
    (read it from ``server.server_address``)."""
    handler = type("Handler", (SparqlHandler,), {
        "engine": engine, "timeout_s": timeout, "max_rows": max_rows, "max_body": max_body,
        "slots": threading.BoundedSemaphore(max_concurrent), "page": Path(page) if page else None, "quiet": quiet,
    })
    server = _Server((host, port), handler)
    return server


def open_engine(graph: str | Path | None = None, store: str | Path | None = None, *,
                background_page: bool = False) -> tuple[Engine, Path | None]:
    """Engine plus the explorer page to serve: graph.html next to the graph (if present), or
    for a store the page its last ``build --store --html`` saved in it, else one drawn now.

    ``background_page`` draws that page in a thread, so the endpoint answers at once (at
    10,000 bureaus drawing takes ~40 s); the returned path exists once it is done."""
    if (graph is None) == (store is None):
        raise ValueError("give exactly one of --graph FILE or --store DIR")
    if store is not None:
        engine = Engine.from_store(store)
        return engine, store_page(store, background=background_page)
    p = Path(graph)  # type: ignore[arg-type]
    page = p.with_name("graph.html")
    return Engine.from_graph_file(p), page if page.exists() else None


def store_page(store: str | Path, *, background: bool = False) -> Path:
    """The explorer page of a store: the one saved in it by the build that last changed it,
    or one drawn now into a temporary folder (the store is opened read-only, so a page drawn
    here cannot be saved in it)."""
    import atexit
    import shutil
    import tempfile

    from .cache import STORE_PAGE
    from .store import open_store
    from .viz import render_explorer

    saved = Path(store) / STORE_PAGE
    if saved.exists():
        return saved
    tmp = Path(tempfile.mkdtemp(prefix="fazhi-serve-"))
    atexit.register(shutil.rmtree, tmp, True)
    page = tmp / "graph.html"
    ro = open_store(store, read_only=True)
    if not background:
        return render_explorer(ro, page)
    threading.Thread(target=_draw_or_explain, args=(ro, page), name="fazhi-draw-explorer", daemon=True).start()
    return page


def _notice_page(message: str) -> bytes:
    """The page at / when there is no explorer page to show (the endpoint works regardless)."""
    import html

    return ("<!doctype html><meta charset=utf-8><title>fazhi-graph</title>"
            "<h1>fazhi-graph SPARQL endpoint</h1><p>Query at <code>/sparql?query=…</code> (ready now). "
            f"{html.escape(message)}</p>").encode()


def _draw_or_explain(store: ox.Store, page: Path) -> None:
    """Draw the page; if that fails, the page says why (instead of "being drawn" for ever)."""
    import sys

    from .pipeline import write_atomic
    from .viz import render_explorer

    try:
        render_explorer(store, page)
    except Exception as exc:  # the endpoint keeps working; the page reports the failure
        print(f"error: the explorer page could not be drawn: {exc}", file=sys.stderr)
        write_atomic(page, _notice_page(f"The explorer page could not be drawn: {exc}"))


def serve_forever(server: ThreadingHTTPServer) -> None:
    try:
        server.serve_forever()
    finally:
        server.server_close()
