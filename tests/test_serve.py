"""The SPARQL endpoint, driven by SPARQLWrapper (a client we did not write) and a loopback load."""

from __future__ import annotations

import csv
import io
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from fazhi_graph import query as q
from fazhi_graph.serve import Engine, QueryTimeout, call_with_timeout, make_server, negotiate, open_engine

COUNT = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a fz:Report }"


@pytest.fixture(scope="module")
def server(seed_build):
    engine, page = open_engine(graph=seed_build.outputs["graph"])
    srv = make_server(engine, "127.0.0.1", 0, timeout=5.0, max_rows=50, max_concurrent=8, page=page)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def client(url: str, query: str, fmt=JSON, method="GET") -> SPARQLWrapper:
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    sw.setTimeout(30)
    return sw


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_json_with_sparqlwrapper(server, method):
    res = client(server, "PREFIX fz: <https://w3id.org/fazhi-graph/ns#>\n" + COUNT, JSON, method).queryAndConvert()
    assert res["head"]["vars"] == ["n"]
    assert res["results"]["bindings"][0]["n"]["value"] == "5"


def test_xml_csv_tsv(server):
    query = "SELECT ?bureau ?year WHERE { ?r fz:issuedBy/rdfs:label ?bureau ; fz:year ?year } ORDER BY ?bureau"
    xml = client(server, query, XML).queryAndConvert()
    names = [n.firstChild.data for n in xml.getElementsByTagName("literal") if n.getAttribute("xml:lang") == "zh"]
    assert len(names) == 5 and "长治市城市管理局" in names
    rows = list(csv.reader(io.StringIO(client(server, query, CSV).queryAndConvert().decode())))
    assert rows[0] == ["bureau", "year"] and len(rows) == 6
    tsv = client(server, query, TSV).queryAndConvert().decode().splitlines()
    assert tsv[0] == "?bureau\t?year" and '"长治市城市管理局"@zh' in "\n".join(tsv)


def test_named_query_over_http_matches_library(server, seed_build):
    nq = q.named_queries()["report-years"]
    res = client(server, nq.text, JSON, "POST").queryAndConvert()
    local = q.run_named(seed_build.graph, "report-years")
    assert len(res["results"]["bindings"]) == len(local.rows)


def test_ask_and_construct(server):
    assert client(server, "ASK { ?r a fz:Report }", JSON).queryAndConvert()["boolean"] is True
    req = urllib.request.Request(server + "/sparql?query=" + urllib.request.quote(
        "CONSTRUCT { ?r a fz:Report } WHERE { ?r a fz:Report }"), headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req) as r:
        assert r.headers["Content-Type"].startswith("text/turtle")
        assert b"fz:Report" in r.read()


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://x> <http://y> <http://z> }",
    "DROP ALL",
])
def test_updates_refused(server, update):
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):  # SPARQLWrapper sends it as update=: 403
        client(server, update, JSON).queryAndConvert()
    with pytest.raises(urllib.error.HTTPError) as exc:  # sent as a query: does not parse
        urllib.request.urlopen(server + "/sparql?query=" + urllib.parse.quote(update))
    assert exc.value.code == 400
    data = urllib.parse.urlencode({"update": update}).encode()
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(urllib.request.Request(server + "/sparql", data=data))
    assert exc.value.code == 403
    req = urllib.request.Request(server + "/sparql", data=update.encode(), headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req)
    assert exc.value.code == 403
    assert client(server, COUNT).queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "5"


def test_row_cap_truncates_and_says_so(server):
    req = urllib.request.Request(server + "/sparql?format=json&query=" + urllib.request.quote("SELECT * WHERE { ?s ?p ?o }"))
    with urllib.request.urlopen(req) as r:
        assert r.headers["X-Fazhi-Truncated"] == "true"
        import json

        assert len(json.loads(r.read())["results"]["bindings"]) == 50


def test_bad_query_and_unknown_path(server):
    for url, code in ((server + "/sparql?query=SELEKT", 400), (server + "/nope", 404), (server + "/sparql", 400)):
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(url)
        assert exc.value.code == code


def test_index_serves_explorer_page(server, seed_build):
    with urllib.request.urlopen(server + "/") as r:
        body = r.read()
    assert r.headers["Content-Type"].startswith("text/html")
    if (seed_build.outputs["graph"].parent / "graph.html").exists():
        assert body == (seed_build.outputs["graph"].parent / "graph.html").read_bytes()


def test_a_swallowed_timeout_is_sent_again_and_the_slot_comes_back():
    """Python drops an asynchronous exception raised inside a GC callback or __del__; the
    query thread must still be stopped, or it holds one of the server's slots."""
    swallowed = []

    def stubborn():
        while True:
            try:
                while True:
                    sum(range(1000))
            except QueryTimeout:
                if swallowed:
                    raise
                swallowed.append(1)  # as if it had landed in a gc callback: lost, the query goes on

    slots = threading.BoundedSemaphore(1)
    with pytest.raises(QueryTimeout):
        call_with_timeout(stubborn, 0.2, slots)
    assert slots.acquire(timeout=10)  # released: the thread ended after the second interrupt
    assert swallowed == [1]


def test_timeout_interrupts_python_work():
    def spin():
        while True:
            sum(range(1000))

    t0 = time.perf_counter()
    with pytest.raises(QueryTimeout):
        call_with_timeout(spin, 0.2)
    assert time.perf_counter() - t0 < 5.0  # interrupted, not left spinning (generous under load)
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name == "sparql-query"]  # the worker stopped


def test_slow_query_gets_504(seed_build):
    engine = Engine.from_graph_file(seed_build.outputs["graph"])
    srv = make_server(engine, "127.0.0.1", 0, timeout=0.05, max_rows=10_000_000)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        heavy = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } "  # cross product of ~19k² rows, streamed
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}/sparql?query=" + urllib.request.quote(heavy))
        assert exc.value.code == 504
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("accept,param,kind,expected", [
    ("application/sparql-results+xml", None, "select", "xml"),
    ("text/csv;q=0.5, application/sparql-results+json", None, "select", "json"),
    ("*/*", None, "select", "json"),
    ("application/json", "tsv", "select", "tsv"),
    (None, "text/csv", "select", "csv"),
    ("application/n-triples", None, "graph", "ntriples"),
    ("application/sparql-results+json", None, "graph", "turtle"),
])
def test_negotiate(accept, param, kind, expected):
    assert negotiate(accept, param, kind) == expected


def load(url: str, clients: int, per_client: int, queries: list[str], deadline_s: float = 120.0) -> dict:
    """``clients`` threads × ``per_client`` queries each; returns latencies (ms) and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + deadline_s
    lock = threading.Lock()

    def one_client(i: int) -> None:
        for j in range(per_client):
            if time.monotonic() > stop:
                with lock:
                    errors.append("deadline")
                return
            text = queries[(i + j) % len(queries)]
            t0 = time.perf_counter()
            try:
                client(url, text, JSON, "POST").queryAndConvert()
            except Exception as exc:  # counted, reported by the test
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one_client, range(clients)))
    latencies.sort()
    return {
        "n": len(latencies),
        "errors": errors,
        "p50": statistics.median(latencies) if latencies else None,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
    }


def test_concurrent_load_50_clients_x_20_queries(server):
    named = [nq.text for name, nq in sorted(q.named_queries().items()) if not nq.params]
    queries = [COUNT, "SELECT ?b ?l WHERE { ?b a fz:Bureau ; rdfs:label ?l }"] + named
    stats = load(server, 50, 20, queries, deadline_s=120)
    print(f"\nload 50x20: n={stats['n']} p50={stats['p50']:.1f} ms p95={stats['p95']:.1f} ms errors={len(stats['errors'])}")
    assert stats["errors"] == []
    assert stats["n"] == 1000


def test_store_engine_serves_an_explorer_drawn_from_the_store(tmp_path, seed_files):
    from fazhi_graph.cache import build_incremental

    build_incremental(seed_files, tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    engine, page = open_engine(store=tmp_path / "store")
    assert page is not None and "潢川县城市管理局" in page.read_text(encoding="utf-8")
    srv = make_server(engine, "127.0.0.1", 0, timeout=5.0, max_rows=50, page=page)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}/") as r:
            assert r.read() == page.read_bytes()
    finally:
        srv.shutdown()
        srv.server_close()


def _get(srv, path="/"):
    with urllib.request.urlopen(f"http://127.0.0.1:{srv.server_address[1]}{path}") as r:
        return r.read().decode("utf-8")


def test_store_page_saved_by_the_build_is_served_and_dropped_when_stale(tmp_path, seed_files):
    from fazhi_graph.cache import STORE_PAGE, build_incremental

    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    build_incremental(seed_files[:4], tmp_path / "o", html=True, **kw)
    saved = tmp_path / "store" / STORE_PAGE
    assert saved.read_bytes() == (tmp_path / "o" / "graph.html").read_bytes()
    _, page = open_engine(store=tmp_path / "store")
    assert page == saved  # not drawn again at start-up
    build_incremental(seed_files, tmp_path / "o", **kw)  # one more report, no --html: the saved page is stale
    assert not saved.exists()
    _, page = open_engine(store=tmp_path / "store")
    assert page != saved and "潢川县城市管理局" in page.read_text(encoding="utf-8")


def test_store_page_drawn_in_the_background_while_the_endpoint_answers(tmp_path, seed_files):
    from fazhi_graph.cache import build_incremental

    build_incremental(seed_files, tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    missing = tmp_path / "not-yet.html"
    srv = make_server(Engine.from_store(tmp_path / "store"), "127.0.0.1", 0, timeout=5.0, max_rows=50, page=missing)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        assert "being drawn" in _get(srv) and "稍后刷新" in _get(srv)
        assert '"count"' in _get(srv, "/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?count) WHERE { ?s ?p ?o }"))
    finally:
        srv.shutdown()
        srv.server_close()
    engine, page = open_engine(store=tmp_path / "store", background_page=True)
    deadline = time.time() + 120
    while not page.exists() and time.time() < deadline:
        time.sleep(0.2)
    assert "潢川县城市管理局" in page.read_text(encoding="utf-8")


def test_a_page_that_cannot_be_drawn_says_so(tmp_path):
    from fazhi_graph.serve import _draw_or_explain

    page = tmp_path / "graph.html"
    _draw_or_explain(None, page)  # not a store: drawing fails
    text = page.read_text(encoding="utf-8")
    assert "could not be drawn" in text and "<script" not in text


def test_saved_page_is_dropped_before_the_store_changes(tmp_path, seed_files, monkeypatch):
    """A build stopped in the middle of updating the store must not leave the old page to be served."""
    import pyoxigraph as ox

    from fazhi_graph.cache import STORE_PAGE, build_incremental

    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    build_incremental(seed_files[:4], tmp_path / "o", html=True, **kw)
    assert (tmp_path / "store" / STORE_PAGE).exists()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ox.Store, "load", boom)
    with pytest.raises(KeyboardInterrupt):
        build_incremental(seed_files, tmp_path / "o", **kw)  # one new report: an update, stopped half-way
    assert not (tmp_path / "store" / STORE_PAGE).exists()
