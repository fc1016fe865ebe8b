"""CLI: the thin shell prints what the library computes, with the documented contracts."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fazhi_graph.cli import app

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_files):
    out = tmp_path_factory.mktemp("cli-build")
    res = runner.invoke(app, ["build", *map(str, seed_files), "-o", str(out), "--no-html"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_build_prints_summary_table(built):
    out, text = built
    assert (out / "graph.ttl").exists()
    for label in ("reports", "bureaus", "laws", "practices", "problems"):
        assert label in text
    assert "潢川县城市管理局" in text


def test_extract_json_contract(seed_files):
    res = runner.invoke(app, ["extract", str(seed_files[0]), "--format", "json"])
    assert res.exit_code == 0, res.output
    recs = json.loads(res.stdout)
    assert len(recs) == 1
    r = recs[0]
    for key in ("source", "bureau", "admin_level", "province", "city", "county", "year", "report_date",
                "laws", "practices", "problems", "sections", "metrics", "plans"):
        assert key in r
    law = r["laws"][0]
    assert {"label", "aliases", "kind", "evidence"} <= set(law)
    assert {"quote", "start", "end", "section"} <= set(law["evidence"][0])
    assert all(p["status"] in ("done", "planned", "both") for p in r["practices"])
    assert {"label", "aliases", "evidence"} <= set(r["problems"][0])
    assert {"kind", "title", "start", "end"} <= set(r["sections"][0])


def test_extract_bad_file_names_it_and_exits_nonzero(tmp_path, seed_files):
    bad = tmp_path / "空 文件.txt"
    bad.write_text("   \n", encoding="utf-8")
    res = runner.invoke(app, ["extract", str(seed_files[0]), str(bad)])
    assert res.exit_code == 1
    assert "空 文件.txt" in res.stderr
    assert len(json.loads(res.stdout)) == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_query_formats(built, fmt):
    out, _ = built
    res = runner.invoke(app, ["query", "SELECT ?b WHERE { ?b a fz:Bureau } ORDER BY ?b", "-g", str(out / "graph.ttl"), "-f", fmt])
    assert res.exit_code == 0, res.output
    if fmt == "json":
        assert len(json.loads(res.stdout)["results"]["bindings"]) == 5
    elif fmt in ("csv", "tsv"):
        assert len(res.stdout.strip().splitlines()) == 6


def test_named_query_with_parameter(built):
    out, _ = built
    res = runner.invoke(app, ["query", "--name", "bureaus-in-province", "--param", "province=河南省",
                              "-g", str(out / "graph.ttl"), "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert sorted(res.stdout.strip().splitlines()[1:])[0].startswith("南阳市卧龙区城市管理局")
    assert len(res.stdout.strip().splitlines()) == 4


def test_query_from_file_and_update_refused(built, tmp_path):
    out, _ = built
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?r a fz:Report }", encoding="utf-8")
    res = runner.invoke(app, ["query", "--file", str(rq), "-g", str(out / "graph.ttl")])
    assert res.exit_code == 0 and "true" in res.stdout
    res = runner.invoke(app, ["query", "DELETE WHERE { ?s ?p ?o }", "-g", str(out / "graph.ttl")])
    assert res.exit_code == 2
    assert "read-only" in res.stderr


def test_queries_lists_named_queries():
    res = runner.invoke(app, ["queries"])
    assert res.exit_code == 0
    assert "bureaus-with-practice" in res.stdout


def test_evaluate_prints_scores(seed_files):
    from conftest import GOLD

    if not GOLD.exists():
        pytest.skip("no gold")
    res = runner.invoke(app, ["evaluate", str(GOLD), *map(str, seed_files), "--json"])
    assert res.exit_code == 0, res.output
    scores = json.loads(res.stdout)
    assert set(scores) >= {"meta", "laws", "practices", "problem_statements", "problem_categories", "metrics"}


def test_help_is_helpful():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert "build" in res.stdout and "query" in res.stdout


def test_build_with_store_is_incremental_and_writes_the_same_graph(tmp_path, seed_files, built):
    plain_out, _ = built
    args = ["build", *map(str, seed_files), "-o", str(tmp_path / "out"), "--no-html",
            "--store", str(tmp_path / "store"), "--cache-dir", str(tmp_path / "cache"), "--files"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == (plain_out / "graph.ttl").read_bytes()
    assert any((tmp_path / "cache").iterdir()) and any((tmp_path / "store").iterdir())


@pytest.mark.parametrize("name", ["shared-practices", "laws-cited-by-k", "report-years"])
def test_query_on_a_store_prints_what_the_graph_file_prints(tmp_path, seed_files, built, name):
    plain_out, _ = built
    res = runner.invoke(app, ["build", *map(str, seed_files), "-o", str(tmp_path / "out"), "--no-html",
                              "--store", str(tmp_path / "store"), "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "out" / "graph.ttl").exists() and (tmp_path / "out" / "reports.csv").exists()
    from_store = runner.invoke(app, ["query", "--store", str(tmp_path / "store"), "--name", name, "--format", "csv"])
    from_file = runner.invoke(app, ["query", "--graph", str(plain_out / "graph.ttl"), "--name", name, "--format", "csv"])
    assert from_store.exit_code == 0, from_store.output
    assert from_store.stdout == from_file.stdout and from_store.stdout.count("\n") > 1


def test_query_on_a_missing_store_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["query", "--store", str(tmp_path / "nope"), "--name", "report-years"])
    assert res.exit_code == 2 and "nope" in res.output


def test_warnings_on_screen_are_capped_and_markup_free():
    from fazhi_graph.cli import warning_lines
    from fazhi_graph.pipeline import InputError

    ws = [InputError(f"[bold]r{i}.txt", "region: '[鼓楼区]' is ambiguous") for i in range(25)]
    lines = warning_lines(ws, limit=20)
    assert len(lines) == 21 and "5 more warnings" in lines[-1] and "reports.csv" in lines[-1]
    from rich.console import Console

    con = Console(record=True, width=200)
    con.print(lines[0])
    shown = con.export_text()
    assert "[bold]r0.txt" in shown and "'[鼓楼区]'" in shown  # as written, not taken for markup
    assert warning_lines(ws[:3]) == warning_lines(ws[:3], limit=3)


def test_reports_csv_holds_every_warning(built):
    import csv

    out, _ = built
    with open(out / "reports.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    data = json.loads((out / "reports.json").read_text(encoding="utf-8"))
    assert {r["source"]: r["warnings"] for r in rows} == {
        d["source"]: "; ".join(d["warnings"]) for d in data}


def test_an_error_whose_name_looks_like_markup_is_printed_as_written(tmp_path):
    bad = tmp_path / "[bold]菜谱[red].txt"
    bad.write_text("红烧肉做法：五花肉切块，冰糖炒色，加生抽老抽，小火炖一小时。", encoding="utf-8")
    res = runner.invoke(app, ["build", str(bad), "-o", str(tmp_path / "out"), "--no-html"])
    assert res.exit_code == 1 and "[bold]菜谱[red].txt" in res.output


def test_a_query_error_with_brackets_is_printed_as_written(tmp_path):
    missing = tmp_path / "[bold]none.ttl"
    res = runner.invoke(app, ["query", "--graph", str(missing), "--name", "report-years"])
    assert res.exit_code != 0 and "[bold]none.ttl" in res.output


def test_a_report_without_a_bureau_is_listed_by_its_file_name_as_written(tmp_path, seed_files):
    """The per-report table shows the file name when no bureau was found: rich must not take
    brackets in it for markup (a file named [bold]报告[red].txt was listed as 报告.txt)."""
    import re

    text = seed_files[0].read_text(encoding="utf-8")
    odd = tmp_path / "[bold]报告[red].txt"
    odd.write_text(re.sub(r"[^，。、\s]{0,8}局", "本单位", text), encoding="utf-8")  # no bureau named
    res = runner.invoke(app, ["build", str(odd), "-o", str(tmp_path / "out"), "--no-html"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "out" / "reports.json").read_text(encoding="utf-8"))[0]["bureau"] is None
    table = res.output[res.output.index("报告 reports ("):res.output.index("wrote ")]
    assert "[bold]报告[red].txt" in table, table
