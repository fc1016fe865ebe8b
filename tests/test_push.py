"""push + remote named queries against a real Oxigraph server on loopback (not a mock)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from fazhi_graph import query as q
from fazhi_graph import store as st
from fazhi_graph.push import PushError, push, run_named_remote, run_remote

from test_store import normalise  # noqa: E402  (tests/ is on sys.path via rootdir conftest)

OXIGRAPH = shutil.which("oxigraph")
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` server binary is not installed (pip install oxigraph)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    port = _free_port()
    loc = tmp_path_factory.mktemp("oxigraph-db")
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(loc), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph", "--timeout-s", "30"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1)
                break
            except Exception:
                if proc.poll() is not None:
                    pytest.skip("oxigraph server exited at start-up")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def pushed(oxigraph_server, seed_build):
    rep = push(oxigraph_server + "/store", graph=seed_build.outputs["graph"])
    return rep


def test_push_uploads_one_graph_per_report(pushed, oxigraph_server, seed_build):
    assert pushed.graphs == 5 + 2  # reports + entities + taxonomy
    assert pushed.triples == len(seed_build.graph)
    res = run_remote(oxigraph_server + "/query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?r a fz:Report } }")
    assert sorted(str(r[0]) for r in res.rows) == sorted(
        st.report_graphs(_local_store(seed_build)))


def _local_store(seed_build):
    s = st.open_store()
    st.add_records(s, seed_build.records)
    return s


def test_push_again_replaces_not_duplicates(pushed, oxigraph_server, seed_build):
    push(oxigraph_server + "/store", graph=seed_build.outputs["graph"])
    res = run_remote(oxigraph_server + "/query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(res.rows[0][0]) == len(seed_build.graph)


def test_push_from_store_dir(oxigraph_server, seed_build, tmp_path):
    s = st.open_store(tmp_path / "store")
    st.add_records(s, seed_build.records)
    del s
    rep = push(oxigraph_server + "/store", store=tmp_path / "store")
    assert rep.graphs == 7 and rep.triples == len(seed_build.graph)


@pytest.mark.parametrize("name", sorted(q.named_queries()))
def test_remote_named_queries_match_local(name, pushed, oxigraph_server, seed_build):
    nq = q.named_queries()[name]
    remote = run_named_remote(oxigraph_server + "/query", name)
    local = st.run_named(_local_store(seed_build), name)
    assert remote.vars == local.vars
    assert normalise(remote.vars, remote.rows, nq.text) == normalise(local.vars, local.rows, nq.text)


def test_remote_parameters_are_terms_not_text(pushed, oxigraph_server):
    ok = run_named_remote(oxigraph_server + "/query", "bureaus-in-province", {"province": "山西省"})
    assert ok.rows and all(str(r[0]).endswith("局") for r in ok.rows)
    hostile = run_named_remote(oxigraph_server + "/query", "bureaus-in-province",
                               {"province": '山西省" ) } } ; DROP ALL #'})
    assert hostile.rows == []
    assert int(run_remote(oxigraph_server + "/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]) > 0


def test_unreachable_endpoint_is_a_clear_error(seed_build):
    with pytest.raises(PushError, match="127.0.0.1"):
        push(f"http://127.0.0.1:{_free_port()}/store", graph=seed_build.outputs["graph"], timeout=2)


def test_cli_query_endpoint_runs_named_queries_remotely(pushed, oxigraph_server):
    from typer.testing import CliRunner

    from fazhi_graph.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["query", "--endpoint", oxigraph_server + "/query", "--name", "bureaus-in-province",
                              "--param", "province=河南省", "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.strip().splitlines()) == 4  # header + the three 河南 bureaus
    res = runner.invoke(app, ["query", "--endpoint", oxigraph_server + "/query", "DROP ALL"])
    assert res.exit_code == 2 and "read-only" in res.stderr
