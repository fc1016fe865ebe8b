"""``fazhi-graph`` command line: a thin shell over the library (pipeline, query, evaluate).

Every command's work is a library call a researcher can make from Jupyter; this
module only parses options, shows progress and prints tables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="把法治政府建设年度报告变成可查询、可追溯证据的知识图谱。\n\n"
    "Turn annual rule-of-law reports (法治政府建设工作报告) into an evidence-carrying knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True)

SUMMARY_LABELS = [
    ("files", "文件 files"),
    ("reports", "报告 reports"),
    ("errors", "出错 errors"),
    ("warnings", "提示 warnings"),
    ("bureaus", "单位 bureaus"),
    ("laws", "法律法规 laws"),
    ("practices", "举措 practices"),
    ("problems", "问题类别 problems"),
    ("problem_statements", "问题表述 statements"),
    ("figures", "数据 figures"),
    ("candidates", "候选举措 candidates"),
]


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _print_errors(errors) -> None:
    for e in errors:
        err.print(f"[red]error[/red] {escape(e.path)}: {escape(e.reason)}", markup=True, highlight=False, soft_wrap=True)


MAX_TABLE_ROWS = 50  # the per-report table on screen; reports.csv has them all
MAX_WARNINGS = 20  # warnings on screen; the `warnings` column of reports.csv has them all


def warning_lines(warnings: Sequence, limit: int = MAX_WARNINGS) -> list[str]:
    """Warnings to print (rich markup): the first ``limit``, then where the others are.
    A rebuild of 10,000 reports repeats every unchanged report's warnings; hundreds of
    lines would bury the summary table."""
    lines = [f"[yellow]warning[/yellow] {escape(w.path)}: {escape(w.reason)}" for w in warnings[:limit]]
    if len(warnings) > limit:
        lines.append(f"[yellow]… and {len(warnings) - limit} more warnings[/yellow] "
                     "(all of them: the warnings column of reports.csv)")
    return lines


@app.command()
def build(
    inputs: Annotated[list[Path], typer.Argument(help="Report files or folders (searched recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for graph.ttl, graph.html, reports.json, reports.csv, errors.json.")] = Path("output"),
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for extraction.")] = 1,
    html: Annotated[Optional[bool], typer.Option("--html/--no-html", help="Write the interactive explorer page (default: yes; with --store only when asked, as drawing it from a store of 10,000 bureaus takes ~40 s; `serve --store` draws it too).")] = None,
    incremental: Annotated[bool, typer.Option("--incremental", help="Reuse cached extractions of unchanged reports (content-hash cache).")] = False,
    store: Annotated[Optional[Path], typer.Option("--store", help="Put the graph in a persistent Oxigraph store in this folder, for thousands of reports (implies --incremental; see --files, --html).")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Cache folder (default $FAZHI_CACHE or ~/.cache/fazhi-graph).")] = None,
    write_files: Annotated[Optional[bool], typer.Option("--files/--no-files", help="Also write graph.ttl and reports.json (default: yes, or no with --store, where the store holds the graph).")] = None,
) -> None:
    """Extract every report and write the knowledge graph (graph.ttl) and the explorer page (graph.html).

    With --store DIR (for thousands of reports) the graph goes into a persistent Oxigraph store instead,
    reports.csv lists the reports, and a rebuild only redoes what changed."""
    from .pipeline import build as run_build

    with _progress() as progress:
        task = progress.add_task("抽取 extracting", total=None, current="")

        def found(n: int) -> None:
            progress.update(task, total=n)

        def tick(name: str) -> None:
            progress.update(task, advance=1, current=Path(name).name)

        if html is None:
            html = store is None
        if incremental or store or cache_dir:
            from .cache import DEFAULT_CACHE_DIR, build_incremental

            result = build_incremental(inputs, output, jobs=jobs, store_dir=store, html=html, files=write_files,
                                       cache_dir=cache_dir or DEFAULT_CACHE_DIR, progress=tick, on_files=found)
        else:
            result = run_build(inputs, output, jobs=jobs, html=html, progress=tick, on_files=found)

    _print_errors(result.errors)
    for line in warning_lines(result.warnings):
        err.print(line, markup=True, highlight=False, soft_wrap=True)
    table = Table(title="fazhi-graph build", show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("count", justify="right")
    summary = result.summary()
    for key, label in SUMMARY_LABELS:
        table.add_row(label, str(summary[key]))
    out.print(table)
    if result.reports:
        shown = sorted(result.reports, key=lambda r: (r.bureau or "", r.year or 0))
        more = len(shown) - MAX_TABLE_ROWS
        t = Table(show_header=True, header_style="bold",
                  title="报告 reports (单位 bureau · 省 province · 市 city · 县区 county · 层级 level · 年度 year)",
                  caption=f"… and {more} more: see reports.csv" if more > 0 else None)
        t.add_column("单位", no_wrap=True)
        for col in ("省", "市", "县区", "层级", "年度"):
            t.add_column(col, overflow="fold")
        for col in ("举措", "问题", "法规"):
            t.add_column(col, justify="right")
        for r in shown[:MAX_TABLE_ROWS]:
            # names come from the reports and file names: cells are rich markup, so escaped
            t.add_row(*(escape(x or "") for x in (r.bureau or r.source, r.province, r.city, r.county, r.admin_level)),
                      str(r.year or ""), str(len(r.practices)), str(len(r.problems)), str(len(r.laws)))
        out.print(t)
    for name, path in result.outputs.items():
        out.print(f"wrote {name}: {escape(str(path))}", highlight=False)
    if result.errors:
        raise typer.Exit(code=1)


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Report files.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or table.")] = "json",
) -> None:
    """Extract facts from reports and print them (JSON array, one record per report)."""
    from .pipeline import extract_many

    records, errors = extract_many(files)
    _print_errors(errors)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=1) + "\n")
    elif fmt == "table":
        for r in records:
            t = Table(title=f"{r.meta.bureau} {r.meta.year} ({r.source})", show_header=True)
            t.add_column("kind")
            t.add_column("label")
            t.add_column("status / kind")
            t.add_column("evidence")
            for law in r.laws:
                t.add_row("law", law.label, law.kind, law.evidence[0].quote[:60] if law.evidence else "")
            for c in r.practices:
                t.add_row("practice", c.label, c.status or "", c.evidence[0].quote[:60] if c.evidence else "")
            for c in r.problems:
                t.add_row("problem", c.label, "", c.evidence[0].quote[:60] if c.evidence else "")
            out.print(t)
    else:
        raise typer.BadParameter("format must be json or table", param_hint="--format")
    if errors:
        raise typer.Exit(code=1)


def _params(values: list[str] | None) -> dict[str, str]:
    params = {}
    for v in values or []:
        if "=" not in v:
            raise typer.BadParameter(f"expected NAME=VALUE, got {v!r}", param_hint="--param")
        k, _, val = v.partition("=")
        params[k.strip()] = val
    return params


@app.command()
def query(
    sparql: Annotated[Optional[str], typer.Argument(help="SPARQL text (prefixes fz:, skos:, rdfs:, rdf:, xsd:, prov:, dcterms:, org: are predeclared).")] = None,
    graph: Annotated[Path, typer.Option("--graph", "-g", help="Graph file written by build.")] = Path("output/graph.ttl"),
    file: Annotated[Optional[Path], typer.Option("--file", help="Read the query from a .rq file.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", "-n", help="Run a named query from ontology/queries (see `fazhi-graph queries`).")] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="NAME=VALUE for a named query's parameter (bound, never spliced).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv or json (SPARQL results JSON).")] = "table",
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help="Query a remote SPARQL endpoint (e.g. after `push`) instead of --graph.")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Query an Oxigraph store written by `build --store` instead of --graph.")] = None,
) -> None:
    """Run a read-only SPARQL query over the graph (or a store, or a remote endpoint)."""
    from . import query as q
    from .push import PushError, run_named_remote, run_remote

    try:
        text = file.read_text(encoding="utf-8") if file else sparql
        if not name and not text:
            raise q.QueryError("give a query, --file or --name")
        if endpoint:
            if name:
                res = run_named_remote(endpoint, name, _params(param))
            else:
                q.check_read_only(text)
                res = run_remote(endpoint, text)
        elif store:
            from . import store as st

            try:
                s = st.open_store(store, read_only=True)
            except (OSError, FileNotFoundError) as exc:
                raise q.QueryError(f"{store}: cannot open the store ({exc})") from exc
            if not name:
                q.check_read_only(text)
            res = st.to_result(st.run_named(s, name, _params(param)) if name else st.run(s, text, _params(param)))
        else:
            g = q.load_graph(graph)
            res = q.run_named(g, name, _params(param)) if name else q.run(g, text, _params(param))
    except (q.QueryError, PushError) as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=2)
    if res.graph is not None:
        sys.stdout.write(res.graph.serialize(format="turtle"))
    elif fmt == "json":
        sys.stdout.write(q.to_json(res) + "\n")
    elif fmt in ("csv", "tsv"):
        sys.stdout.write(q.to_csv(res, "," if fmt == "csv" else "\t"))
    else:
        if res.boolean is not None:
            out.print(str(res.boolean).lower())
            return
        t = Table(show_header=True, header_style="bold")
        for v in res.vars:
            t.add_column(v, overflow="fold")
        for row in res.rows:
            t.add_row(*("" if x is None else str(x) for x in row))
        out.print(t)
        out.print(f"{len(res.rows)} rows", style="dim")


@app.command()
def queries() -> None:
    """List the named queries and their parameters."""
    from .query import named_queries

    t = Table(show_header=True, header_style="bold")
    t.add_column("name")
    t.add_column("title")
    t.add_column("parameters")
    for nq in named_queries().values():
        t.add_row(nq.name, nq.title, ", ".join(f"{k}={v}" for k, v in nq.params.items()))
    out.print(t)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold file (format of shared/eval/seeds_gold.json).")],
    files: Annotated[list[Path], typer.Argument(help="The report files the gold describes.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every miss and extra.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score extraction against a gold file: precision / recall / F1 per kind."""
    from .evaluate import evaluate_records, load_gold
    from .ingest import read_document
    from .pipeline import extract_many

    records, errors = extract_many(files)
    _print_errors(errors)
    texts = {Path(r.source).name: read_document(r.source).text for r in records}
    ev = evaluate_records(load_gold(gold), [r.to_json() for r in records], texts)
    if as_json:
        sys.stdout.write(json.dumps(ev.as_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        t = Table(title="fazhi-graph evaluate", show_header=True, header_style="bold")
        for col in ("kind", "precision", "recall", "F1", "predicted", "gold"):
            t.add_column(col, justify="right" if col != "kind" else "left")
        for label, s in (("laws", ev.laws), ("practices", ev.practices), ("problem statements", ev.statements),
                         ("problem categories", ev.problem_categories), ("figures", ev.metrics)):
            t.add_row(label, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.n_pred), str(s.n_gold))
        out.print(t)
        m = Table(title="metadata", show_header=True, header_style="bold")
        m.add_column("field")
        m.add_column("correct", justify="right")
        for f, (c, n) in ev.meta.items():
            m.add_row(f, f"{c}/{n}")
        m.add_row("practice status", f"{ev.status_correct}/{ev.status_total} ({ev.status_accuracy:.1%})")
        out.print(m)
    if verbose:
        for title, items in (
            ("metadata errors", ev.meta_errors),
            ("law misses", ev.laws.misses), ("law extras", ev.laws.extras),
            ("practice misses", ev.practices.misses), ("practice extras", ev.practices.extras),
            ("status errors", ev.status_errors),
            ("statement misses", ev.statements.misses),
            ("problem category misses", ev.problem_categories.misses),
            ("problem category extras", ev.problem_categories.extras),
            ("figure misses", ev.metrics.misses),
        ):
            if items:
                out.print(f"[bold]{title}[/bold] ({len(items)})")
                for line in items:
                    out.print(f"  {line}", highlight=False, markup=False)
    if errors:
        raise typer.Exit(code=1)


@app.command()
def discover(
    graph: Annotated[Path, typer.Option("--graph", "-g", help="Graph file written by build.")] = Path("output/graph.ttl"),
    min_reports: Annotated[int, typer.Option("--min-reports", "-k", min=1, help="Only candidates seen in at least K reports.")] = 1,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or turtle (stubs to paste into ontology/practices.ttl).")] = "table",
) -> None:
    """List candidate practices (quoted terms and numeric slogans the taxonomy lacks) across the corpus."""
    import csv
    import io

    from .curation import list_candidates, turtle_stub
    from .query import QueryError, load_graph

    try:
        cands = list_candidates(load_graph(graph), min_reports=min_reports)
    except QueryError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=2)
    if fmt == "json":
        sys.stdout.write(json.dumps([c.__dict__ for c in cands], ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["label", "reports", "bureaus", "quote"])
        for c in cands:
            w.writerow([c.label, c.reports, "、".join(c.bureaus), c.quotes[0] if c.quotes else ""])
        sys.stdout.write(buf.getvalue())
    elif fmt == "turtle":
        sys.stdout.write("\n".join(turtle_stub(c, i) for i, c in enumerate(cands, 1)))
    else:
        t = Table(title="候选举措 candidate practices", show_header=True, header_style="bold")
        for col in ("候选 candidate", "报告数 reports", "单位 bureaus", "原文 quote"):
            t.add_column(col, overflow="fold")
        for c in cands:
            t.add_row(c.label, str(c.reports), "、".join(c.bureaus), (c.quotes[0] if c.quotes else "")[:80])
        out.print(t)


def _register_extensions() -> None:
    """Commands owned by other modules (patterns, serve, push …) register themselves."""
    from . import patterns_cli

    patterns_cli.register(app)
    try:
        from . import scale_cli
    except ImportError:  # pragma: no cover - optional while a store backend is missing
        return
    scale_cli.register(app)


_register_extensions()


def main() -> None:  # pragma: no cover
    app()
