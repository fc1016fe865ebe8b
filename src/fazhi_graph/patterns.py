"""Write the cross-bureau pattern report: patterns.md, CSV tables, an .xlsx workbook and PNG plots.

The analysis (``analyze.analyze``) is turned into named tables once (``tables``);
Markdown, CSV and Excel are three renderings of the same rows, so a figure in the
readable report is the same number a researcher filters in Excel. Every row that
states a finding carries its evidence (quote and ``source#start-end § section``).

Outputs are byte-identical across runs: rows are sorted, the xlsx zip entries get a
fixed timestamp and PNGs carry no creation date.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from .analyze import Analysis, Quote, analyze
from .pipeline import write_atomic

STATUS_ZH = {"done": "已开展", "planned": "计划", "both": "已开展+计划", "": ""}
LEVEL_ZH = {"province": "省级", "city": "地级市", "district": "市辖区", "county": "县", "county-level-city": "县级市"}
DIM_ZH = {"province": "省份", "admin_level": "行政层级", "year": "年度"}
MD_MATRIX_MAX = 40  # bureaus; larger matrices are only in CSV/xlsx/PNG
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class Table:
    name: str  # file stem and sheet name (ASCII)
    title: str  # Chinese heading
    headers: list[str]
    rows: list[list[object]]
    note: str = ""


@dataclass
class PatternsResult:
    analysis: Analysis
    tables: list[Table]
    outputs: dict[str, Path] = field(default_factory=dict)


def _q(q: Quote | None) -> tuple[str, str]:
    return (q.text, q.link()) if q else ("", "")


def _names(names: list[str] | tuple[str, ...], limit: int | None, total: int | None = None) -> str:
    """Names joined with 、, cut after ``limit`` with the total ("…（共 N 个）")."""
    total = len(names) if total is None else total
    shown = list(names) if limit is None else list(names)[:limit]
    return "、".join(shown) + (f"…（共 {total} 个）" if total > len(shown) else "")


def tables(a: Analysis) -> list[Table]:
    """Every pattern as a flat table (the rows written to CSV, xlsx and Markdown)."""
    out: list[Table] = []
    lim = a.limits
    cap = (f"单位较多（{len(a.facts.bureau_list())} 个），每项最多列出 {lim.examples} 个单位及其原文（按省份轮流选取）；"
           "“单位数”为全部单位数，完整名单见矩阵表 matrix_*.csv。") if lim.examples is not None else ""
    for kind, items, title in (
        ("practices", a.shared_practices, f"至少 {a.k} 个单位共有的举措"),
        ("problems", a.shared_problems, f"至少 {a.k} 个单位共有的问题"),
    ):
        rows = []
        for sc in items:
            for bq in sc.bureaus:
                rows.append([sc.label, sc.count, bq.label, STATUS_ZH.get(bq.status, bq.status), *_q(bq.quote)])
        out.append(
            Table(
                f"shared_{kind}",
                title,
                ["名称", "单位数", "单位", "状态", "原文", "出处"],
                rows,
                "举措含已开展与计划开展；问题为报告“存在的不足”部分列出的问题类别。" + cap,
            )
        )
    for mat, name, title in (
        (a.practice_matrix, "matrix_practices", "单位 × 举措矩阵（1 = 报告中提及，含计划）"),
        (a.problem_matrix, "matrix_problems", "单位 × 问题矩阵（1 = 报告中列出）"),
    ):
        dense = mat.dense()
        rows = [[lbl, *(int(v) for v in dense[i])] for i, lbl in enumerate(mat.bureau_labels)]
        out.append(Table(name, title, ["单位", *mat.concept_labels], rows))
    rows = []
    for m in a.mandated:
        for bq in m.covered:
            rows.append([m.label, f"{m.rate:.0%}", bq.label, "提及", bq.status, *_q(bq.quote)])
        for b in m.missing:
            rows.append([m.label, f"{m.rate:.0%}", b, "未提及", "", "（全部报告中均未出现）", ""])
    out.append(
        Table(
            "mandated_coverage",
            "法定必备举措覆盖情况（含下位举措）",
            ["必备举措", "覆盖率", "单位", "情况", "依据举措", "原文", "出处"],
            rows,
            "“未提及”是负面证据：该单位所有报告中均未找到该举措或其下位举措，可能是未开展，也可能是未写入报告。"
            + (f"每项最多列出 {lim.examples} 个提及的单位及其原文；未提及的单位全部列出。" if lim.examples is not None else ""),
        )
    )
    from .analyze import required_sections

    req = [r.label for r in required_sections()]
    rows = []
    for c in a.completeness:
        rows.append(
            [c.bureau, c.year or "", c.source, *("✓ " + c.present[r] if r in c.present else "✗ 缺" for r in req), len(c.missing)]
        )
    out.append(
        Table(
            "completeness",
            "报告完整性（必备章节）",
            ["单位", "年度", "报告", *req, "缺少数"],
            rows,
            "依据图谱中各章节的 fz:sectionKind；“✗ 缺”表示报告中没有该类型的章节。",
        )
    )
    rows = []
    for r in a.recurring:
        for q in r.quotes or [None]:  # rows past Limits.max_quoted carry no quote
            rows.append([r.bureau, r.problem, "、".join(map(str, r.years)), *_q(q)])
    quoted_note = (f"全部 {{n}} 行；前 {lim.max_quoted} 行附原文。" if lim.max_quoted is not None else "")
    out.append(Table("recurring_problems", "多年重复出现的问题", ["单位", "问题", "出现年度", "原文", "出处"], rows,
                     quoted_note.format(n=len(a.recurring))))
    rows = []
    for f in a.followups:
        state = "已开展" if f.carried_out else ("再次列入计划" if f.planned_again else "未报告开展")
        rows.append([f.bureau, f.practice, f.plan_year, f.later_year, state, *_q(f.plan_quote), *_q(f.done_quote)])
    out.append(
        Table(
            "plan_followups",
            "上一年度计划的落实情况",
            ["单位", "计划举措", "计划年度", "检查年度", "次年情况", "计划原文", "计划出处", "开展原文", "开展出处"],
            rows,
            "“未报告开展”指次年报告未写明开展该举措（或其下位举措），不等于确未开展。" + quoted_note.format(n=len(a.followups)),
        )
    )
    for sim, name, title in (
        (a.practice_similarity, "similar_practices", "举措最相似的单位对（Jaccard）"),
        (a.problem_similarity, "similar_problems", "问题最相似的单位对（Jaccard）"),
    ):
        rows = [[p.a, p.b, round(p.jaccard, 3), len(p.shared), "、".join(p.shared)] for p in sim.pairs]
        out.append(Table(name, title, ["单位A", "单位B", "Jaccard", "共有数", "共有项（证据）"], rows))
        rows = [[i + 1, len(c), _names(c, lim.max_names)] for i, c in enumerate(sim.communities)]
        out.append(
            Table(
                name.replace("similar", "communities"),
                title.replace("最相似的单位对（Jaccard）", f"相似单位社区（Louvain，阈值 {sim.threshold}）"),
                ["社区", "单位数", "单位"],
                rows,
            )
        )
    rows = [
        [c.practice, c.problem, c.both, c.practice_bureaus, c.problem_bureaus, c.total, c.lift, _names(c.bureaus, None, c.both)]
        for c in a.cooccurrence
    ]
    out.append(
        Table(
            "cooccurrence",
            "举措与问题的共现（关联，非因果）",
            ["举措", "问题", "共现单位数", "举措单位数", "问题单位数", "单位总数", "提升度 lift", "共现单位"],
            rows,
            "共现只说明同一批单位同时报告了该举措和该问题，是关联而不是因果；lift > 1 表示共现多于独立时的期望。",
        )
    )
    rows = []
    for gs in a.breakdowns:
        group = LEVEL_ZH.get(gs.group, gs.group) if gs.dimension == "admin_level" else gs.group
        rows.append(
            [
                DIM_ZH[gs.dimension], group, gs.reports, len(gs.bureaus), gs.avg_practices, gs.avg_problems,
                "、".join(f"{lbl}({n})" for lbl, n in gs.top_practices),
                "、".join(f"{lbl}({n})" for lbl, n in gs.top_problems),
                _names(gs.bureaus, lim.max_names),
            ]
        )
    out.append(
        Table(
            "breakdowns",
            "按省份、行政层级、年度分组",
            ["维度", "分组", "报告数", "单位数", "平均举措数", "平均问题数", "常见举措(单位数)", "常见问题(单位数)", "单位"],
            rows,
        )
    )
    return out


# ---------------------------------------------------------------- renderers


def to_csv(t: Table) -> bytes:
    """UTF-8 with BOM, so Excel opens the Chinese text correctly."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(t.headers)
    for row in t.rows:
        w.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _fix_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets 'modified' to now on save
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", body)
            dst.writestr(zi, body)
    return out.getvalue()


def to_xlsx(ts: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for t in ts:
        ws = wb.create_sheet(t.name[:31])
        ws.append([t.title])
        ws["A1"].font = Font(bold=True)
        ws.append(t.headers)
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=False)
        for row in t.rows:
            ws.append(["" if v is None else v for v in row])
        ws.freeze_panes = "B3"
    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "fazhi-graph"
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip(buf.getvalue())


def _md_cell(v: object) -> str:
    return str("" if v is None else v).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(map(_md_cell, headers)) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(v) for v in r) + " |" for r in rows]
    return lines


def _ev(q: Quote | None) -> str:
    if not q:
        return "（无原文）"
    return f"“{q.text.strip()}”（`{q.link()}`）"


def to_markdown(a: Analysis, plots: list[str]) -> str:
    """The readable report: one section per pattern, each figure followed by its evidence."""
    f = a.facts
    n_b = len(f.bureau_list())
    L: list[str] = ["# 跨单位模式分析 Cross-bureau patterns", ""]
    L.append(f"报告 {len(f.reports)} 份，单位 {n_b} 个，共有阈值 k = {a.k}。每个数字后附原文与出处（`文件#起-止 § 章节`）。")
    L.append("")
    lim = a.limits
    if lim.examples is not None:
        L.append(f"单位较多：每项发现最多列出 {lim.examples} 个单位的原文（按省份轮流选取），名单每处最多 {lim.max_names} 个，"
                 f"多年度表格前 {lim.max_quoted} 行附原文；计数均为全部单位。完整名单见 CSV / xlsx（矩阵表 matrix_*.csv）。")
        L.append("")

    for title, items in ((f"## 1. 至少 {a.k} 个单位共有的举措", a.shared_practices), (f"## 2. 至少 {a.k} 个单位共有的问题", a.shared_problems)):
        L += [title, ""]
        if not items:
            L += ["（无）", ""]
        for sc in items:
            more = f"，以下为其中 {len(sc.bureaus)} 个" if sc.count > len(sc.bureaus) else ""
            L.append(f"### {sc.label}（{sc.count} 个单位{more}）")
            for bq in sc.bureaus:
                st = f" [{STATUS_ZH.get(bq.status, bq.status)}]" if bq.status else ""
                L.append(f"- {bq.label}{st}：{_ev(bq.quote)}")
            L.append("")

    L += ["## 3. 单位 × 举措、单位 × 问题矩阵", ""]
    L.append("完整矩阵见 `matrix_practices.csv`、`matrix_problems.csv` 与 `patterns.xlsx`；图见 `matrix_practices.png`。")
    pm = a.problem_matrix
    if 0 < len(pm.bureaus) <= MD_MATRIX_MAX:
        L += ["", "单位 × 问题：", ""]
        dense = pm.dense()
        L += _md_table(["单位", *pm.concept_labels], [[b, *("●" if v else "" for v in dense[i])] for i, b in enumerate(pm.bureau_labels)])
    L.append("")

    L += ["## 4. 法定必备举措覆盖（负面证据）", ""]
    L.append("必备举措为本体中标注 `fz:mandated true` 的举措；提及其下位举措也计为覆盖。“从未提及”指该单位所有报告中均未出现。")
    L.append("")
    for m in a.mandated:
        L.append(f"- **{m.label}**：{m.covered_count}/{m.covered_count + len(m.missing)} 个单位提及（{m.rate:.0%}）。")
        if m.missing:
            srcs = [f"`{s}`" for s in m.missing_sources]
            L.append(f"  - 从未提及：{_names(m.missing, lim.max_names)}（检索的报告：{_names(srcs, lim.max_names)}）")
        if m.covered:
            bq = m.covered[0]
            via = f"（经由“{bq.status}”）" if bq.status and bq.status != m.label else ""
            L.append(f"  - 例：{bq.label}{via}：{_ev(bq.quote)}")
    L.append("")

    L += ["## 5. 报告完整性（必备章节）", ""]
    from .analyze import required_sections

    req = [r.label for r in required_sections()]
    shown = a.completeness if lim.max_quoted is None else a.completeness[: lim.max_quoted]
    if len(shown) < len(a.completeness):
        L.append(f"共 {len(a.completeness)} 份报告，以下为前 {len(shown)} 份，全部见 `completeness.csv`。各章节缺少的报告数：")
        L.append("")
        L += _md_table(["必备章节", "缺少的报告数"], [[r, sum(r in c.missing for c in a.completeness)] for r in req])
        L.append("")
    L += _md_table(
        ["单位", "年度", *req],
        [[c.bureau, c.year or "", *("✓" if r in c.present else "✗" for r in req)] for c in shown],
    )
    L.append("")
    for c in shown:
        if c.missing:
            L.append(f"- {c.bureau} {c.year or ''}（`{c.source}`）缺少：{'、'.join(c.missing)}。报告的一级标题：{'；'.join(c.headings) or '（无）'}")
    L.append("")

    L += ["## 6. 多年度：重复出现的问题与计划落实", ""]
    if not a.recurring and not a.followups:
        L += ["（没有同一单位多个年度的报告。）", ""]
    recurring = a.recurring if lim.max_quoted is None else a.recurring[: lim.max_quoted]
    if len(recurring) < len(a.recurring):
        L.append(f"重复出现的问题共 {len(a.recurring)} 项，以下为前 {len(recurring)} 项，全部见 `recurring_problems.csv`。")
    for r in recurring:
        L.append(f"- **{r.bureau}**：“{r.problem}”在 {'、'.join(map(str, r.years))} 年均被列为问题。")
        for q in r.quotes:
            L.append(f"  - {_ev(q)}")
    followups = a.followups if lim.max_quoted is None else a.followups[: lim.max_quoted]
    if a.followups:
        L.append("")
        if len(followups) < len(a.followups):
            done = sum(x.carried_out for x in a.followups)
            L.append(f"计划共 {len(a.followups)} 项，次年报告开展 {done} 项；以下为前 {len(followups)} 项，全部见 `plan_followups.csv`。")
            L.append("")
        L += _md_table(
            ["单位", "计划举措", "计划年度", "次年情况", "计划原文", "开展原文"],
            [
                [
                    x.bureau, x.practice, x.plan_year,
                    "已开展" if x.carried_out else ("再次列入计划" if x.planned_again else "未报告开展"),
                    _ev(x.plan_quote), _ev(x.done_quote) if x.carried_out else "",
                ]
                for x in followups
            ],
        )
    L.append("")

    L += ["## 7. 单位相似度（Jaccard）与社区", ""]
    for sim, name in ((a.practice_similarity, "举措"), (a.problem_similarity, "问题")):
        L.append(f"### 按{name}")
        L.append("")
        if sim.pairs:
            L += _md_table(
                ["单位A", "单位B", "Jaccard", "共有项（证据）"],
                [[p.a, p.b, f"{p.jaccard:.3f}", "、".join(p.shared)] for p in sim.pairs],
            )
        L.append("")
        L.append(f"社区（Louvain，seed=42，相似度 ≥ {sim.threshold} 连边）：")
        for i, c in enumerate(sim.communities, 1):
            L.append(f"{i}. {_names(c, lim.max_names)}")
        L.append("")

    L += ["## 8. 举措与问题的共现（关联，非因果）", ""]
    L.append("同一单位既报告某举措又列出某问题的次数，以及提升度 lift = P(二者) / (P(举措)·P(问题))。**这只是关联**：不能说举措导致问题，也不能说问题促成了举措。")
    L.append("")
    if a.cooccurrence:
        L += _md_table(
            ["举措", "问题", "共现单位数", "lift", "共现单位（证据）"],
            [[c.practice, c.problem, c.both, f"{c.lift:.2f}", _names(c.bureaus, None, c.both)] for c in a.cooccurrence[:30]],
        )
        if len(a.cooccurrence) > 30:
            L.append(f"\n（共 {len(a.cooccurrence)} 行，全部见 `cooccurrence.csv`。）")
    else:
        L.append("（无）")
    L.append("")

    L += ["## 9. 按省份、行政层级、年度", ""]
    for dim in ("province", "admin_level", "year"):
        rows = [x for x in a.breakdowns if x.dimension == dim]
        L.append(f"### {DIM_ZH[dim]}")
        L.append("")
        L += _md_table(
            ["分组", "报告数", "平均举措数", "平均问题数", "常见举措(单位数)", "常见问题(单位数)", "单位"],
            [
                [
                    LEVEL_ZH.get(x.group, x.group) if dim == "admin_level" else x.group, x.reports, x.avg_practices,
                    x.avg_problems, "、".join(f"{lbl}({n})" for lbl, n in x.top_practices),
                    "、".join(f"{lbl}({n})" for lbl, n in x.top_problems), _names(x.bureaus, lim.max_names),
                ]
                for x in rows
            ],
        )
        L.append("")

    if plots:
        L += ["## 图", ""]
        for p in plots:
            L.append(f"![{p}]({p})")
        L.append("")
    return "\n".join(L)


# ---------------------------------------------------------------- plots


def cjk_font() -> str | None:
    """Name of an installed CJK font matplotlib can use (Noto Sans CJK from Debian fonts-noto-cjk first)."""
    from matplotlib import font_manager

    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for pref in ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                 "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC"):
        if pref in names:
            return pref
    return next((n for n in names if "CJK" in n or "Hei" in n), None)


def _plot_png(draw) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    rc = {"axes.unicode_minus": False, "svg.hashsalt": "fazhi"}
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    with plt.rc_context(rc):
        fig = draw(plt)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def _top_rows(labels: list[str], weights, limit: int) -> list[int]:
    """Rows to draw when there are too many: the ``limit`` with most entries, in label order."""
    idx = sorted(range(len(labels)), key=lambda i: (-weights[i], labels[i]))[:limit]
    return sorted(idx, key=lambda i: labels[i])


def heatmap_png(a: Analysis, limit: int = 50) -> bytes:
    sim = a.practice_similarity
    pm = a.practice_matrix
    weights = [int(x) for x in pm.data.sum(axis=1).A1] if len(pm.bureaus) else []
    rows = _top_rows(sim.labels, weights, limit)
    from .analyze import jaccard

    m = jaccard(pm.data[rows]) if rows else np.zeros((0, 0))  # the full matrix may not exist (many bureaus)
    labels = [sim.labels[i] for i in rows]

    def draw(plt):
        n = max(len(labels), 1)
        fig, ax = plt.subplots(figsize=(3 + 0.35 * n, 2.5 + 0.35 * n))
        im = ax.imshow(m, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        if n <= 15:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if m[i, j] > 0.6 else "black")
        title = "单位举措相似度（Jaccard）"
        if len(labels) < len(sim.labels):
            title += f"（举措最多的 {len(labels)} 个单位）"
        ax.set_title(title, fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.7)
        return fig

    return _plot_png(draw)


def matrix_png(a: Analysis, limit_rows: int = 50, limit_cols: int = 60) -> bytes:
    pm = a.practice_matrix
    dense = pm.dense()
    rw = dense.sum(axis=1) if dense.size else []
    cw = dense.sum(axis=0) if dense.size else []
    rows = _top_rows(pm.bureau_labels, rw, limit_rows)
    cols = sorted(range(len(pm.concept_labels)), key=lambda j: (-cw[j], pm.concept_labels[j]))[:limit_cols]
    m = dense[rows][:, cols] if rows and cols else dense

    def draw(plt):
        fig, ax = plt.subplots(figsize=(2 + 0.22 * max(len(cols), 1), 1.5 + 0.3 * max(len(rows), 1)))
        ax.imshow(m, cmap="Greens", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(cols)), [pm.concept_labels[j] for j in cols], rotation=75, ha="right", fontsize=7)
        ax.set_yticks(range(len(rows)), [pm.bureau_labels[i] for i in rows], fontsize=8)
        title = "单位 × 举措矩阵（绿色 = 报告中提及）"
        if len(cols) < len(pm.concept_labels):
            title += f"，最常见的 {len(cols)} 项举措"
        ax.set_title(title, fontsize=10)
        return fig

    return _plot_png(draw)


# ---------------------------------------------------------------- entry point


def write_patterns(a: Analysis, out_dir: str | Path, *, plots: bool = True) -> PatternsResult:
    """Write patterns.md, one CSV per table, patterns.xlsx and the PNG plots into ``out_dir``."""
    out = Path(out_dir)
    ts = tables(a)
    res = PatternsResult(a, ts)
    for t in ts:
        res.outputs[f"{t.name}.csv"] = write_atomic(out / f"{t.name}.csv", to_csv(t))
    res.outputs["patterns.xlsx"] = write_atomic(out / "patterns.xlsx", to_xlsx(ts))
    pngs: list[str] = []
    if plots and a.facts.bureau_list():
        res.outputs["similarity_heatmap.png"] = write_atomic(out / "similarity_heatmap.png", heatmap_png(a))
        res.outputs["matrix_practices.png"] = write_atomic(out / "matrix_practices.png", matrix_png(a))
        pngs = ["similarity_heatmap.png", "matrix_practices.png"]
    res.outputs["patterns.md"] = write_atomic(out / "patterns.md", to_markdown(a, pngs))
    return res


def run_patterns(graph_path: str | Path | None, out_dir: str | Path, *, k: int = 3, threshold: float = 0.3,
                 plots: bool = True, store: str | Path | None = None, examples: int | None = -1) -> PatternsResult:
    """Analyse ``graph.ttl`` or an Oxigraph store folder (``store``, opened read-only) and write
    the report (what ``fazhi-graph patterns`` calls). The same reports give the same files either
    way. ``examples``: bureaus quoted per finding (-1: all up to ``analyze.ALL_UP_TO`` bureaus,
    then ``analyze.EXAMPLES``; 0: all)."""
    if (graph_path is None) == (store is None):
        raise ValueError("give either a graph file or a store folder")
    if store is not None:
        from .query import QueryError
        from .store import open_store

        try:
            source = open_store(store, read_only=True)
        except (FileNotFoundError, OSError) as exc:
            raise QueryError(f"{store}: cannot open the store ({exc}); build it with `fazhi-graph build --store`") from exc
    else:
        from .query import load_graph

        source = load_graph(graph_path)
    return write_patterns(analyze(source, k=k, threshold=threshold, examples=examples), out_dir, plots=plots)
