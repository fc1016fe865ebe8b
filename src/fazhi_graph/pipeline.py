"""The pipeline as a library: file → Document → SegmentedReport → ReportRecord → graph.

``extract_file`` and ``build`` are what the CLI calls; a researcher can call them
from Jupyter just the same::

    from fazhi_graph import build, extract_file
    rec = extract_file("seeds/000_49c1d2bb6539c8af.txt")
    result = build(["seeds/"], "output/")

A bad file never stops the others: it lands in ``BuildResult.errors`` with its path
and the reason, and every output is written atomically (temporary file, then
rename), so an interrupted build leaves the previous outputs intact.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import iris
from .model import Document, ReportRecord
from .segment import segment


@dataclass(frozen=True)
class InputError:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class ReportSummary:
    """One kept report as the build table and the summary counts see it.

    Small on purpose: a store build over 10,000 reports keeps these instead of the full
    records (which stay in the cache, the store and ``reports.json``)."""

    source: str
    sha256: str
    key: str  # iris.report_key: identity for duplicates
    iri: str
    bureau: str | None
    qualified_bureau: str | None
    province: str | None
    city: str | None
    county: str | None
    admin_level: str | None
    year: int | None
    laws: tuple[str, ...]
    practices: tuple[str, ...]
    problems: tuple[str, ...]
    candidates: tuple[str, ...]
    n_statements: int
    n_figures: int
    warnings: tuple[str, ...]

    @classmethod
    def of(cls, rec: ReportRecord) -> "ReportSummary":
        m = rec.meta
        key = iris.report_key(m, rec.sha256)
        return cls(
            source=rec.source, sha256=rec.sha256, key=key, iri=str(iris.report_iri(key)), bureau=m.bureau,
            qualified_bureau=iris.qualified_bureau_name(m.bureau, m.province, m.city) if m.bureau else None,
            province=m.province, city=m.city, county=m.county, admin_level=m.admin_level, year=m.year,
            laws=tuple(dict.fromkeys(law.iri or law.label for law in rec.laws)),
            practices=tuple(dict.fromkeys(c.iri for c in rec.practices)),
            problems=tuple(dict.fromkeys(c.iri for c in rec.problems)),
            candidates=tuple(dict.fromkeys(c.label for c in rec.candidates)),
            n_statements=len(rec.problem_statements), n_figures=len(rec.metrics),
            warnings=tuple(rec.warnings + rec.meta.warnings),
        )

    def row(self) -> dict[str, object]:
        """The row of ``reports.csv`` and of the build table."""
        return {"source": self.source, "bureau": self.bureau or "", "province": self.province or "",
                "city": self.city or "", "county": self.county or "", "level": self.admin_level or "",
                "year": self.year or "", "practices": len(self.practices), "problems": len(self.problems),
                "laws": len(self.laws), "figures": self.n_figures, "report": self.iri,
                "warnings": "; ".join(self.warnings)}


@dataclass
class BuildResult:
    """What a build produced. ``records`` holds the full extraction records for builds that
    keep them in memory (``build``, file-based incremental builds); a store build keeps only
    ``reports`` (one ``ReportSummary`` per kept report) so 10,000 reports fit in memory."""

    records: list[ReportRecord]
    errors: list[InputError]
    outputs: dict[str, Path] = field(default_factory=dict)
    graph: object | None = None  # rdflib.Graph (kept untyped to keep import light)
    reports: list[ReportSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.reports and self.records:
            self.reports = [ReportSummary.of(r) for r in self.records]

    @property
    def warnings(self) -> list[InputError]:
        """Things a reviewer should check in files that did make it into the graph
        (an ambiguous place name, a year inferred from the signing date …)."""
        return [InputError(r.source, w) for r in self.reports for w in r.warnings]

    def summary(self) -> dict[str, int]:
        reps = self.reports
        return {
            "files": len(reps) + len(self.errors),
            "reports": len(reps),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "bureaus": len({r.qualified_bureau for r in reps if r.bureau}),
            "laws": len({x for r in reps for x in r.laws}),
            "practices": len({x for r in reps for x in r.practices}),
            "problems": len({x for r in reps for x in r.problems}),
            "problem_statements": sum(r.n_statements for r in reps),
            "figures": sum(r.n_figures for r in reps),
            "candidates": len({x for r in reps for x in r.candidates}),
        }


class NotAReportError(ValueError):
    pass


def extract_document(doc: Document) -> ReportRecord:
    """Run every extractor over one decoded document."""
    from .extract.concepts import match_practices, match_problems
    from .extract.laws import extract_laws
    from .extract.meta import extract_meta
    from .extract.metrics import extract_metrics

    report = segment(doc)
    meta = extract_meta(report)
    practices, plans = match_practices(report)
    problems, statements = match_problems(report)
    rec = ReportRecord(
        source=doc.source,
        sha256=doc.sha256,
        meta=meta,
        sections=report.sections,
        laws=extract_laws(report, meta.year),
        practices=practices,
        plans=plans,
        problems=problems,
        problem_statements=statements,
        metrics=extract_metrics(report),
    )
    try:
        from .extract.discover import find_candidates
    except ImportError:  # discovery is optional
        pass
    else:
        rec.candidates = find_candidates(report, practices)
    return rec


def extract_file(path: str | os.PathLike[str], *, check_report: bool = True) -> ReportRecord:
    """Read and extract one file; raises ``IngestError`` / ``NotAReportError`` on bad input."""
    from .ingest import looks_like_report, read_document

    doc = read_document(path)
    if check_report:
        ok, why = looks_like_report(doc)
        if not ok:
            raise NotAReportError(f"{path}: not a rule-of-law report ({why})")
    return extract_document(doc)


def _extract_or_error(path: str) -> ReportRecord | InputError:
    try:
        return extract_file(path)
    except Exception as exc:  # every failure is reported against its file, never fatal
        reason = getattr(exc, "reason", None) or str(exc)
        prefix = f"{path}: "
        if reason.startswith(prefix):
            reason = reason[len(prefix):]
        return InputError(str(path), reason or type(exc).__name__)


def extract_many(
    paths: Sequence[str | os.PathLike[str]],
    *,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[ReportRecord], list[InputError]]:
    """Extract files (in parallel with ``jobs`` > 1); results in input order."""
    names = [str(p) for p in paths]
    results: list[ReportRecord | InputError] = []
    if jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for name, res in zip(names, pool.map(_extract_or_error, names, chunksize=4)):
                results.append(res)
                if progress:
                    progress(name)
    else:
        for name in names:
            results.append(_extract_or_error(name))
            if progress:
                progress(name)
    records = [r for r in results if isinstance(r, ReportRecord)]
    errors = [r for r in results if isinstance(r, InputError)]
    return records, errors


def dedupe(records: list) -> tuple[list, list[InputError]]:
    """Keep one report per content hash and per (bureau, year); report the others.

    Takes ``ReportRecord`` or ``ReportSummary`` items. They are first sorted by source
    path so the kept one does not depend on the order the files were given in."""
    kept: list = []
    errors: list[InputError] = []
    by_sha: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for r in sorted(records, key=lambda r: r.source):
        if r.sha256 and r.sha256 in by_sha:
            errors.append(InputError(r.source, f"duplicate: identical to {by_sha[r.sha256]}"))
            continue
        if isinstance(r, ReportSummary):
            key, bureau, year = r.key, r.bureau, r.year
        else:
            key, bureau, year = iris.report_key(r.meta, r.sha256), r.meta.bureau, r.meta.year
        if key in by_key:
            errors.append(InputError(r.source, f"duplicate: same bureau and year as {by_key[key]} ({bureau}, {year})"))
            continue
        by_sha[r.sha256] = r.source
        by_key[key] = r.source
        kept.append(r)
    return kept, errors


@contextmanager
def atomic_open(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success it is renamed over ``path``,
    on any error (or Ctrl-C) it is removed, so readers never see a half-written output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write via a temporary file in the same folder, then rename over the target."""
    with atomic_open(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


REPORT_COLUMNS = ("source", "bureau", "province", "city", "county", "level", "year", "practices", "problems", "laws",
                  "figures", "report", "warnings")


def write_errors_json(path: Path, errors: Sequence[InputError]) -> Path:
    """Every input that did not make it into the graph, with the reason."""
    rows = [{"path": e.path, "reason": e.reason} for e in errors]
    return write_atomic(path, json.dumps(rows, ensure_ascii=False, indent=1) + "\n")


def write_reports_csv(path: Path, reports: Sequence[ReportSummary]) -> Path:
    """One row per kept report (UTF-8 with BOM so Excel shows the Chinese), sorted by source."""
    with atomic_open(path, "w") as fh:
        fh.write("\ufeff")
        w = csv.DictWriter(fh, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in sorted(reports, key=lambda r: r.source):
            w.writerow(r.row())
    return path


def records_json(records: Iterable[ReportRecord]) -> str:
    return json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def build(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "output",
    *,
    jobs: int = 1,
    html: bool = True,
    progress: Callable[[str], None] | None = None,
    on_files: Callable[[int], None] | None = None,
) -> BuildResult:
    """Extract every report under ``inputs`` and write the graph and its companions.

    Writes ``graph.ttl`` (union graph with taxonomies), ``graph.html`` (explorer),
    ``reports.json`` (the extract records) and ``errors.json`` into ``out_dir``.
    ``on_files`` is told how many input files were found, before any is read;
    ``progress`` is then called with each file's path once it is done."""
    from .graph import build_graph, serialize
    from .ingest import iter_input_files

    out = Path(out_dir)
    files, walk_errors = iter_input_files(inputs, exclude=[out])
    files = sorted(files, key=str)
    if on_files:
        on_files(len(files))
    records, errors = extract_many(files, jobs=jobs, progress=progress)
    records, dup_errors = dedupe(records)
    errors = sorted(
        [InputError(str(p), reason) for p, reason in walk_errors] + errors + dup_errors, key=lambda e: e.path
    )
    g = build_graph(records)
    result = BuildResult(records=records, errors=errors, graph=g)
    out.mkdir(parents=True, exist_ok=True)
    marker = out / ".fazhi-graph-output"  # lets a later `build .` skip this folder
    if not marker.exists():
        write_atomic(marker, "This folder holds fazhi-graph outputs; input discovery skips it.\n")
    result.outputs["graph"] = write_atomic(out / "graph.ttl", serialize(g))
    result.outputs["reports"] = write_atomic(out / "reports.json", records_json(records))
    result.outputs["table"] = write_reports_csv(out / "reports.csv", result.reports)
    result.outputs["errors"] = write_errors_json(out / "errors.json", errors)
    if html:
        from .viz import render_explorer

        result.outputs["html"] = render_explorer(g, out / "graph.html")
    return result
