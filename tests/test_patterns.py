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
