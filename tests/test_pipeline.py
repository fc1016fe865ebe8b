"""End to end: files in, graph and companions out; bad input isolated; determinism."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fazhi_graph.pipeline import build, dedupe, extract_file

META = ("bureau", "province", "city", "county", "admin_level", "year")


def test_all_five_seed_bureaus_have_the_right_metadata(seed_build, gold):
    by_file = {Path(r.source).name: r.meta for r in seed_build.records}
    assert len(by_file) == 5
    for gi in gold:
        m = by_file[gi["file"]]
        assert {f: getattr(m, f) for f in META} == {f: gi[f] for f in META}, gi["file"]


def test_outputs_written(seed_build):
    out = seed_build.outputs
    for key in ("graph", "reports", "errors", "html"):
        assert out[key].exists() and out[key].stat().st_size > 0
    records = json.loads(out["reports"].read_text(encoding="utf-8"))
    assert len(records) == 5
    assert json.loads(out["errors"].read_text(encoding="utf-8")) == []
    assert not list(out["graph"].parent.glob(".*.tmp")), "no temporary files left behind"


def test_summary_counts(seed_build):
    s = seed_build.summary()
    assert s["reports"] == 5 and s["bureaus"] == 5 and s["errors"] == 0
    assert s["laws"] >= 20 and s["practices"] >= 40 and s["problems"] >= 8


def test_every_evidence_quote_is_the_text_at_its_offsets(seed_build):
    from fazhi_graph.ingest import read_document

    from conftest import assert_offsets_hold

    for rec in seed_build.records:
        assert rec.laws and rec.practices and rec.problems and rec.metrics
        assert_offsets_hold(read_document(rec.source).text, rec)


def test_byte_identical_rebuild_in_other_order(tmp_path, seed_files):
    a = build(seed_files, tmp_path / "a", html=True)
    b = build(list(reversed(seed_files)), tmp_path / "b", html=True)
    for name in ("graph.ttl", "reports.json", "graph.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.summary() == b.summary()


def test_bad_file_is_reported_and_others_still_processed(tmp_path, seed_files):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(seed_files[0], src / "good.txt")
    (src / "empty.txt").write_text("", encoding="utf-8")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (src / "recipe.txt").write_text("红烧肉的做法：五花肉切块，焯水后加冰糖炒色，再加生抽老抽和水，小火炖一小时即可。" * 3, encoding="utf-8")
    res = build([src], tmp_path / "out", html=False)
    assert [Path(r.source).name for r in res.records] == ["good.txt"]
    errs = {Path(e.path).name: e.reason for e in res.errors}
    assert set(errs) == {"empty.txt", "binary.txt", "recipe.txt"}
    assert all(errs.values())
    written = json.loads((tmp_path / "out" / "errors.json").read_text(encoding="utf-8"))
    assert {Path(e["path"]).name for e in written} == set(errs)


def test_same_report_twice_is_counted_once(tmp_path, seed_files):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(seed_files[1], src / "a.txt")
    shutil.copy(seed_files[1], src / "copy of a.txt")
    res = build([src], tmp_path / "out", html=False)
    assert len(res.records) == 1
    assert any("duplicate" in e.reason for e in res.errors)


def test_dedupe_same_bureau_and_year_with_cosmetic_difference(seed_files):
    a = extract_file(seed_files[2])
    b = extract_file(seed_files[2])
    b.source = "zzz-copy.txt"
    b.sha256 = "0" * 64
    kept, errors = dedupe([b, a])
    assert [r.source for r in kept] == [a.source]
    assert "same bureau and year" in errors[0].reason


CHAOYANG = """{bureau}2023年法治政府建设工作报告

2023年，{bureau}在{context}的领导下，认真落实党政主要负责人履行推进法治建设第一责任人职责，推进依法行政，现将有关情况报告如下。

一、主要举措和成效
严格落实行政执法三项制度，推行“721”工作法，开展普法宣传活动12场次，全面提升执法规范化水平，依法行政能力不断增强。

二、存在的不足
执法力量不足，普法形式单一。

三、下一步工作计划
我局将继续推进执法规范化建设，加强执法人员培训。

{bureau}
2024年1月15日
"""


def test_same_short_name_in_two_cities_is_not_merged_and_ambiguity_is_reported(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "changchun.txt").write_text(CHAOYANG.format(bureau="朝阳区城市管理局", context="长春市委、市政府和吉林省住建厅"), encoding="utf-8")
    (src / "beijing.txt").write_text(CHAOYANG.format(bureau="朝阳区城市管理局", context="北京市委、市政府"), encoding="utf-8")
    (src / "unknown.txt").write_text(CHAOYANG.format(bureau="朝阳区城市管理局", context="区委、区政府"), encoding="utf-8")
    res = build([src], tmp_path / "out", html=False)
    cities = {Path(r.source).name: (r.meta.province, r.meta.city) for r in res.records}
    assert cities["changchun.txt"] == ("吉林省", "长春市")
    assert cities["beijing.txt"] == ("北京市", "北京市")
    # two bureaus, not one; the unresolved one is kept but flagged
    from fazhi_graph.namespaces import FZ
    from rdflib.namespace import RDF

    assert len(res.records) == 3
    assert len(set(res.graph.subjects(RDF.type, FZ.Bureau))) == 3  # 北京's, 长春's, and one of unknown region
    assert not [e for e in res.errors if "duplicate" in e.reason and "changchun" in e.path + e.reason and "beijing" in e.path + e.reason]
    assert any("unknown.txt" in w.path and "朝阳" in w.reason for w in res.warnings)


def test_interrupted_write_leaves_the_previous_output_intact(tmp_path):
    from fazhi_graph.pipeline import atomic_open, write_atomic

    target = tmp_path / "graph.ttl"
    write_atomic(target, "previous build\n")
    try:
        with atomic_open(target, "w") as fh:
            fh.write("half of a new gra")
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-write
    except KeyboardInterrupt:
        pass
    assert target.read_text(encoding="utf-8") == "previous build\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]  # no temporary file left behind


@pytest.mark.slow
def test_a_two_megabyte_single_line_report_is_extracted(tmp_path, seed_files):
    """No quadratic work: one 2 MB line (a web page saved without line breaks) goes through
    every stage. (Throughput is measured in bench/, not asserted here.)"""
    one_line = "".join(f.read_text(encoding="utf-8").replace("\n", "") for f in seed_files)
    big = tmp_path / "one line.txt"
    big.write_text(one_line * max(1, 2_000_000 // len(one_line)), encoding="utf-8")
    rec = extract_file(big)
    assert rec.meta.bureau and len(rec.practices) > 20 and len(rec.laws) > 10
    text = big.read_text(encoding="utf-8")
    for c in rec.practices[:20]:
        e = c.evidence[-1]
        assert text[e.start:e.end] == e.quote and e.end - e.start <= 2000
