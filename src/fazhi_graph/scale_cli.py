"""CLI commands for large corpora: ``serve``, ``push`` (incremental builds: ``build --incremental/--store``; remote queries: ``query --endpoint``).

``register(app)`` adds them to the main typer app (``cli.py`` calls it), so the
scale features stay in their own module and the core CLI stays small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        graph: Annotated[Optional[Path], typer.Option("--graph", "-g", help="graph.ttl written by build (loaded into memory).")] = None,
        store: Annotated[Optional[Path], typer.Option("--store", help="Oxigraph store folder (opened read-only).")] = None,
        host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 exposes the endpoint to the network.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        timeout: Annotated[float, typer.Option(help="Per-query timeout in seconds.")] = 10.0,
        max_rows: Annotated[int, typer.Option(help="Result-row cap per query.")] = 10_000,
    ) -> None:
        """Serve the graph read-only over the SPARQL 1.1 Protocol (/sparql) with the explorer page (/)."""
        from .serve import make_server, open_engine, serve_forever

        if graph is None and store is None:
            graph = Path("output/graph.ttl")
        try:
            engine, page = open_engine(graph=graph if store is None else None, store=store, background_page=True)
        except (FileNotFoundError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2)
        server = make_server(engine, host, port, timeout=timeout, max_rows=max_rows, page=page, quiet=False)
        h, p = server.server_address[:2]
        typer.echo(f"SPARQL endpoint http://{h}:{p}/sparql  explorer http://{h}:{p}/  (Ctrl-C to stop)")
        if page is not None and not page.exists():
            typer.echo("the explorer page is being drawn from the store; / shows it when it is ready "
                       "(`build --store DIR --html` saves it in the store for the next start)")
        try:
            serve_forever(server)
        except KeyboardInterrupt:
            pass

    @app.command()
    def push(
        endpoint: Annotated[str, typer.Option("--endpoint", "-e", help="Graph Store Protocol URL, e.g. http://localhost:7878/store (Oxigraph), http://localhost:3030/ds/data (Fuseki).")],
        graph: Annotated[Optional[Path], typer.Option("--graph", "-g", help="graph.ttl written by build.")] = None,
        store: Annotated[Optional[Path], typer.Option("--store", help="Oxigraph store folder.")] = None,
    ) -> None:
        """Upload the graph to a triple store, one named graph per report (HTTP PUT ?graph=IRI)."""
        from .push import PushError, push as do_push

        if graph is None and store is None:
            graph = Path("output/graph.ttl")
        try:
            rep = do_push(endpoint, graph=graph if store is None else None, store=store)
        except (PushError, FileNotFoundError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1)
        typer.echo(f"pushed {rep.graphs} graphs, {rep.triples} triples ({rep.bytes / 1e6:.1f} MB) to {endpoint}")


    @app.command()
    def export(
        store: Annotated[Path, typer.Option("--store", help="Oxigraph store folder written by `build --store`.")],
        output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .nq (N-Quads) or .trig (TriG) keep one named graph per report; .nt / .ttl write the union graph.")] = Path("output/graph.nq"),
    ) -> None:
        """Dump the store to one file, for a triple store's own bulk loader (Fuseki tdb2.tdbloader, Virtuoso ld_dir, GraphDB ImportRDF …)."""
        from .store import export_store

        try:
            n = export_store(store, output)
        except (FileNotFoundError, ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2)
        typer.echo(f"wrote {n:,} quads to {output}")
