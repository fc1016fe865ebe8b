"""``fazhi-graph patterns``: the command-line shell over ``patterns.run_patterns``.

Kept in its own module with a ``register(app)`` hook so cli.py only has to call it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``patterns`` command to ``app``."""

    @app.command()
    def patterns(
        graph: Annotated[
            Path | None, typer.Option("--graph", "-g", help="graph.ttl written by `fazhi-graph build` [default: output/graph.ttl].")
        ] = None,
        store: Annotated[
            Path | None,
            typer.Option("--store", help="Analyse an Oxigraph store written by `build --store` instead of a graph file "
                                         "(for thousands of reports; opened read-only)."),
        ] = None,
        output: Annotated[Path, typer.Option("--output", "-o", help="Folder for patterns.md, CSV, xlsx and PNG files.")] = Path(
            "output/patterns"
        ),
        min_bureaus: Annotated[int, typer.Option("--min-bureaus", "-k", min=1, help="Shared = reported by at least K bureaus.")] = 3,
        threshold: Annotated[
            float, typer.Option("--threshold", min=0.0, max=1.0, help="Jaccard similarity that links two bureaus for communities.")
        ] = 0.3,
        plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write the PNG plots.")] = True,
        examples: Annotated[
            int,
            typer.Option("--examples", min=-1, help="Bureaus quoted per finding: -1 = all up to 200 bureaus, "
                                                    "then 20 spread over provinces (counts stay complete); 0 = all."),
        ] = -1,
    ) -> None:
        """跨单位模式分析：共有举措与问题、必备举措覆盖、报告完整性、多年度重复问题、相似度与共现。

        Cross-bureau patterns: writes patterns.md, CSV tables (UTF-8 with BOM), patterns.xlsx and PNG plots."""
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        from .patterns import run_patterns
        from .query import QueryError

        out, err = Console(), Console(stderr=True)
        if graph is not None and store is not None:
            err.print("[red]error[/red] give --graph or --store, not both", highlight=False)
            raise typer.Exit(2)
        try:
            res = run_patterns(None if store else (graph or Path("output/graph.ttl")), output, k=min_bureaus,
                               threshold=threshold, plots=plots, store=store, examples=examples)
        except QueryError as exc:
            err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from exc
        a = res.analysis
        t = Table(title=f"跨单位模式 patterns (k = {min_bureaus})", show_header=True)
        t.add_column("模式 pattern")
        t.add_column("结果 result")
        t.add_row("报告 / 单位 reports / bureaus", f"{len(a.facts.reports)} / {len(a.facts.bureau_list())}")
        t.add_row("共有举措 shared practices", "、".join(f"{s.label}({s.count})" for s in a.shared_practices[:8]) or "—")
        t.add_row("共有问题 shared problems", "、".join(f"{s.label}({s.count})" for s in a.shared_problems[:8]) or "—")
        gaps = [m for m in a.mandated if m.missing]
        t.add_row("必备举措缺口 mandated gaps", "、".join(f"{m.label}(缺{len(m.missing)})" for m in gaps[:6]) or "—")
        incomplete = [c for c in a.completeness if c.missing]
        t.add_row("不完整报告 incomplete reports", f"{len(incomplete)} / {len(a.completeness)}")
        t.add_row("重复问题 recurring problems", str(len(a.recurring)))
        done = sum(f.carried_out for f in a.followups)
        t.add_row("计划落实 plans carried out", f"{done} / {len(a.followups)}")
        if a.practice_similarity.pairs:
            p = a.practice_similarity.pairs[0]
            t.add_row("最相似 most similar", f"{p.a} ~ {p.b} ({p.jaccard:.2f})")
        out.print(t)
        out.print(f"written to {escape(str(output))}/: " + ", ".join(sorted(res.outputs)), highlight=False, soft_wrap=True)
