"""The pattern report files: formats, evidence, Chinese rendering, determinism, CLI command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fazhi_graph.analyze import analyze
from fazhi_graph.patterns import cjk_font, tables, write_patterns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from fazhi_graph.pipeline import build

    out = tmp_path_factory.mktemp("build")
    res = build([ROOT / "seeds", ROOT / "tests" / "fixtures" / "multiyear"], out, html=False)
    assert not res.errors, res.errors
    return res


@pytest.fixture(scope="module")
def report(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("patterns")
    return write_patterns(analyze(built.graph, k=3), out), out


def test_all_outputs_written(report):
    res, out = report
    names = {p.name for p in out.iterdir()}
    assert {"patterns.md", "patterns.xlsx", "similarity_heatmap.png", "matrix_practices.png"} <= names
    for t in res.tables:
        assert f"{t.name}.csv" in names


def test_csv_has_bom_and_chinese_headers(report):
    _, out = report
    raw = (out / "shared_problems.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "单位数", "单位", "状态", "原文", "出处"]
    body = {(r[0], r[2]) for r in rows[1:]}
    assert ("执法力量不足", "长治市城市管理局") in body
    assert all(r[4] and "§" in r[5] for r in rows[1:])  # every row: quote + source § section


def test_xlsx_has_one_sheet_per_table(report):
    from openpyxl import load_workbook

    res, out = report
    wb = load_workbook(out / "patterns.xlsx", read_only=True)
    assert wb.sheetnames == [t.name for t in res.tables]
    ws = wb["completeness"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "报告完整性（必备章节）" and rows[1][0] == "单位"
    youxian = next(r for r in rows[2:] if r[0] == "攸县市场监督管理局")
    assert youxian[-1] == 3


def test_markdown_has_every_pattern_with_evidence(report):
    _, out = report
    md = (out / "patterns.md").read_text(encoding="utf-8")
    for heading in ("共有的举措", "共有的问题", "法定必备举措覆盖", "报告完整性", "重复出现的问题", "单位相似度", "关联，非因果", "按省份"):
        assert heading in md
    assert "“执法力量不足”在 2022、2023 年均被列为问题" in md
    assert "城管驿站" in md and "未报告开展" in md
    block = md[md.index("- **谁执法谁普法**") :].split("\n- **", 1)[0]
    assert "从未提及：攸县市场监督管理局、潢川县城市管理局" in block  # negative evidence
    assert "zhuzhou_cgj_2022.txt#" in md
    assert "![similarity_heatmap.png](similarity_heatmap.png)" in md


def test_two_runs_write_identical_files(built, report, tmp_path):
    _, first = report
    write_patterns(analyze(built.graph, k=3), tmp_path)
    for p in sorted(first.iterdir()):
        assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_min_bureaus_changes_shared_tables(built):
    t2 = {t.name: t for t in tables(analyze(built.graph, k=2))}
    t5 = {t.name: t for t in tables(analyze(built.graph, k=5))}
    assert len(t2["shared_problems"].rows) > len(t5["shared_problems"].rows)


def test_a_cjk_font_is_available():
    assert cjk_font() is not None, "install a CJK font (Debian: fonts-noto-cjk) or plots show tofu boxes"


def test_cli_command(built, tmp_path):
    from fazhi_graph.patterns_cli import register

    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    out = tmp_path / "p"
    res = CliRunner().invoke(
        app, ["patterns", "--graph", str(built.outputs["graph"]), "-o", str(out), "--min-bureaus", "4", "--no-plots"]
    )
    assert res.exit_code == 0, res.output
    assert "法治素养不足" in res.output
    assert (out / "patterns.md").exists() and not (out / "similarity_heatmap.png").exists()
    missing = CliRunner().invoke(app, ["patterns", "--graph", str(tmp_path / "nope.ttl"), "-o", str(out)])
    assert missing.exit_code == 2
    # the folder written to is printed as written, not taken for rich markup
    odd = tmp_path / "[bold]p"
    res = CliRunner().invoke(app, ["patterns", "--graph", str(built.outputs["graph"]), "-o", str(odd), "--no-plots"])
    assert res.exit_code == 0, res.output
    assert f"written to {odd}/" in " ".join(res.output.split()), res.output


def test_store_gives_the_same_files_as_graph_ttl(built, tmp_path):
    """`patterns --store` on a store built from the same reports writes the same bytes as
    `patterns --graph graph.ttl` (md, every CSV, the xlsx, the PNGs)."""
    from fazhi_graph.cli import app
    from fazhi_graph.patterns import run_patterns

    store = tmp_path / "store"
    res = CliRunner().invoke(app, ["build", str(ROOT / "seeds"), str(ROOT / "tests" / "fixtures" / "multiyear"),
                                   "-o", str(tmp_path / "out"), "--store", str(store), "--cache-dir", str(tmp_path / "cache")])
    assert res.exit_code == 0, res.output
    from_ttl = run_patterns(built.outputs["graph"], tmp_path / "ttl", k=3)
    from_store = run_patterns(None, tmp_path / "store-report", k=3, store=store)
    assert sorted(from_ttl.outputs) == sorted(from_store.outputs)
    assert len(from_ttl.outputs) >= 18
    for name in sorted(from_ttl.outputs):
        assert (tmp_path / "store-report" / name).read_bytes() == (tmp_path / "ttl" / name).read_bytes(), name
    a, b = from_ttl.analysis, from_store.analysis
    assert a.facts.mentions == b.facts.mentions and a.facts.bureaus == b.facts.bureaus


def test_cli_store_option(built, tmp_path):
    from fazhi_graph.cli import app

    store = tmp_path / "store"
    CliRunner().invoke(app, ["build", str(ROOT / "seeds"), "-o", str(tmp_path / "out"), "--store", str(store),
                             "--cache-dir", str(tmp_path / "cache")])
    res = CliRunner().invoke(app, ["patterns", "--store", str(store), "-o", str(tmp_path / "p"), "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "执法力量不足" in (tmp_path / "p" / "patterns.md").read_text(encoding="utf-8")
    both = CliRunner().invoke(app, ["patterns", "--store", str(store), "--graph", str(built.outputs["graph"]),
                                    "-o", str(tmp_path / "q")])
    assert both.exit_code == 2 and "not both" in both.output
    missing = CliRunner().invoke(app, ["patterns", "--store", str(tmp_path / "nope"), "-o", str(tmp_path / "q")])
    assert missing.exit_code == 2


def test_many_bureaus_are_cited_by_examples_with_complete_counts(built):
    """Above ``ALL_UP_TO`` bureaus a finding quotes ``examples`` bureaus spread over provinces;
    forcing that on the fixture (examples=2) keeps every count and the membership matrices whole."""
    full = analyze(built.graph, k=3)
    small = analyze(built.graph, k=3, examples=2)
    assert small.limits.examples == 2 and full.limits.examples is None
    for a, b in zip(full.shared_problems, small.shared_problems):
        assert (a.label, a.count) == (b.label, b.count)
        assert len(b.bureaus) == min(2, a.count) and all(bq.quote for bq in b.bureaus)
        if a.count > 2:  # two provinces at least among the examples when the concept spans them
            provinces = {small.facts.bureaus[bq.bureau].province for bq in b.bureaus}
            all_provinces = {full.facts.bureaus[bq.bureau].province for bq in a.bureaus}
            assert len(provinces) == min(2, len(all_provinces))
    for a, b in zip(full.mandated, small.mandated):
        assert (a.covered_count, a.missing, a.rate) == (b.covered_count, b.missing, b.rate)
    assert (full.practice_matrix.dense() == small.practice_matrix.dense()).all()
    md_rows = {t.name: t for t in tables(small)}
    assert "每项最多列出 2 个单位" in md_rows["shared_problems"].note
