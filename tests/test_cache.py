"""Incremental build: same outputs as pipeline.build, and only changed reports are redone."""

from __future__ import annotations

import re
import shutil

import pytest
from rdflib import Graph

from fazhi_graph.cache import Cache, build_incremental, file_key, records_json_from, version_stamp
from fazhi_graph.pipeline import records_json
from fazhi_graph import store as st


@pytest.fixture()
def corpus(tmp_path, seed_files):
    d = tmp_path / "in"
    d.mkdir()
    for f in seed_files:
        shutil.copy(f, d / f.name)
    return d


def test_outputs_identical_to_pipeline_build(seed_build, corpus, tmp_path, seed_files):
    # same paths as the seed build so `source` fields match
    stats: dict = {}
    res = build_incremental([seed_files[0].parent], tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache", stats=stats)
    assert stats["graph_mode"] == "rdflib"
    for name in ("graph.ttl", "reports.json", "errors.json", "reports.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (seed_build.outputs["graph"].parent / name).read_bytes(), name
    assert res.summary() == seed_build.summary()


def _store_triples(store_dir):
    ro = st.open_store(store_dir, read_only=True)
    return ro, {tuple(st.term_key(x) for x in (t.subject, t.predicate, t.object)) for t in st.union_triples(ro)}


def _graph_triples(path):
    return {tuple(st.term_key(x) for x in t) for t in Graph().parse(path)}


def test_second_build_uses_cache_and_one_change_reextracts_one(corpus, tmp_path):
    cache = tmp_path / "cache"
    s1: dict = {}
    build_incremental([corpus], tmp_path / "o", cache_dir=cache, store_dir=tmp_path / "store", files=True, stats=s1)
    assert s1["extracted"] == 5 and (s1["store_changed"], s1["store_mode"]) == (5, "bulk")
    ro, union = _store_triples(tmp_path / "store")
    assert union == _graph_triples(tmp_path / "o" / "graph.ttl")  # bulk-loaded store == graph.ttl
    del ro
    s2: dict = {}
    build_incremental([corpus], tmp_path / "o", cache_dir=cache, store_dir=tmp_path / "store", stats=s2)
    assert (s2["extracted"], s2["cached"], s2["store_changed"]) == (0, 5, 0)
    target = sorted(corpus.glob("*.txt"))[2]
    target.write_text(target.read_text(encoding="utf-8") + "\n下一步，我们将继续推进严格规范公正文明执法。\n", encoding="utf-8")
    s3: dict = {}
    res = build_incremental([corpus], tmp_path / "o", cache_dir=cache, store_dir=tmp_path / "store", files=True, stats=s3)
    assert (s3["extracted"], s3["cached"], s3["store_changed"], s3["store_mode"]) == (1, 4, 1, "update")
    ro, union = _store_triples(tmp_path / "store")
    assert union == _graph_triples(tmp_path / "o" / "graph.ttl")  # one graph replaced == a fresh graph.ttl
    del ro
    target.unlink()
    s4: dict = {}
    build_incremental([corpus], tmp_path / "o", cache_dir=cache, store_dir=tmp_path / "store", files=True, stats=s4)
    assert (s4["extracted"], s4["store_changed"]) == (0, 1)
    ro, union = _store_triples(tmp_path / "store")
    assert len(st.report_graphs(ro)) == 4
    assert union == _graph_triples(tmp_path / "o" / "graph.ttl")  # the removed report's bureau is gone too
    assert len(res.reports) == 5 and res.summary()["reports"] == 5


def test_store_build_writes_table_not_big_files(corpus, tmp_path):
    res = build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    names = sorted(p.name for p in (tmp_path / "o").iterdir() if not p.name.startswith("."))
    assert names == ["errors.json", "reports.csv"]
    rows = (tmp_path / "o" / "reports.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("source,bureau,province") and len(rows) == 6
    assert res.records == [] and len(res.reports) == 5  # a store build keeps summaries, not records


def test_store_build_refuses_a_foreign_folder(corpus, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(ValueError, match="not a fazhi-graph store"):
        build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_interrupted_bulk_load_keeps_the_old_store(corpus, tmp_path, monkeypatch):
    import pyoxigraph as ox

    two = sorted(corpus.glob("*.txt"))[:2]
    build_incremental(two, tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    before = _store_triples(tmp_path / "store")[1]

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ox.Store, "bulk_load", boom)
    with pytest.raises(KeyboardInterrupt):  # 2 → 5 reports: most changed, so a bulk rebuild
        build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    assert _store_triples(tmp_path / "store")[1] == before
    assert [p.name for p in tmp_path.iterdir() if ".building" in p.name] == []


def test_big_mode_writes_same_triples_deterministically(corpus, tmp_path):
    cache = tmp_path / "cache"
    build_incremental([corpus], tmp_path / "small", cache_dir=cache)
    build_incremental([corpus], tmp_path / "big1", cache_dir=cache, rdflib_max_triples=0)
    build_incremental([corpus], tmp_path / "big2", cache_dir=cache, rdflib_max_triples=0, jobs=2)
    a = (tmp_path / "big1" / "graph.ttl").read_bytes()
    assert a == (tmp_path / "big2" / "graph.ttl").read_bytes()
    small = Graph().parse(tmp_path / "small" / "graph.ttl")
    big = Graph().parse(tmp_path / "big1" / "graph.ttl")
    assert set(small) == set(big)
    assert (tmp_path / "small" / "reports.json").read_bytes() == (tmp_path / "big1" / "reports.json").read_bytes()


def test_errors_are_cached_like_records(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "recipe.txt").write_text("红烧肉做法：五花肉切块，冰糖炒色，加生抽老抽，小火炖一小时。", encoding="utf-8")
    s: dict = {}
    res = build_incremental([d], tmp_path / "o", cache_dir=tmp_path / "c", stats=s)
    assert len(res.errors) == 1 and s["extracted"] == 1
    s2: dict = {}
    res2 = build_incremental([d], tmp_path / "o", cache_dir=tmp_path / "c", stats=s2)
    assert s2["cached"] == 1 and [e.reason for e in res2.errors] == [e.reason for e in res.errors]


def test_key_depends_on_content_path_and_version():
    k = file_key("a.txt", b"x", "v1")
    assert k != file_key("a.txt", b"y", "v1") != file_key("b.txt", b"x", "v1")
    assert k != file_key("a.txt", b"x", "v2")
    assert len(version_stamp()) == 20


def test_records_json_streamed_is_byte_identical(seed_build):
    import io

    assert records_json_from(seed_build.records) == records_json(seed_build.records)
    buf = io.StringIO()
    assert records_json_from(iter(seed_build.records), buf) == "" and buf.getvalue() == records_json(seed_build.records)
    assert records_json_from([]) == records_json([])


def test_corrupt_cache_entry_is_a_miss(tmp_path):
    c = Cache(tmp_path)
    p = c._path("ab" * 32)
    p.parent.mkdir(parents=True)
    p.write_bytes(b"not a pickle")
    assert c.get("ab" * 32) is None


def test_store_update_keeps_a_bureau_another_year_still_describes(corpus, tmp_path):
    """Two years of one bureau share its description and bureau-level edges: dropping one
    year must keep what the other year still asserts, and drop only what it alone said."""
    seed = sorted(corpus.glob("*.txt"))[0]
    text = seed.read_text(encoding="utf-8")
    shifted = re.sub(r"20[12]\d", lambda m: str(int(m.group()) - 5), text)  # every date five years earlier
    other = corpus / "other-year.txt"
    other.write_text(shifted + "\n全面推行721工作法。\n", encoding="utf-8")
    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store", files=True)
    r1 = build_incremental([corpus], tmp_path / "o", **kw)
    assert len(r1.reports) == 6 and len({r.qualified_bureau for r in r1.reports}) == 5
    other.unlink()
    s: dict = {}
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert s["store_mode"] == "update"
    ro, union = _store_triples(tmp_path / "store")
    assert union == _graph_triples(tmp_path / "o" / "graph.ttl")


def test_store_build_draws_the_explorer_from_the_store(corpus, tmp_path):
    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store", html=True)
    res = build_incremental([corpus], tmp_path / "o", **kw)
    page = tmp_path / "o" / "graph.html"
    assert res.outputs["html"] == page and "长治市城市管理局" in page.read_text(encoding="utf-8")
    before = page.stat().st_mtime_ns
    s: dict = {}
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert s["store_changed"] == 0 and page.stat().st_mtime_ns == before  # nothing changed: page kept


def test_cleared_cache_falls_back_to_a_full_store_build(corpus, tmp_path):
    import gc

    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store", files=True)
    build_incremental([corpus], tmp_path / "o", **kw)
    shutil.rmtree(tmp_path / "c")
    target = sorted(corpus.glob("*.txt"))[1]
    target.write_text(target.read_text(encoding="utf-8") + "\n下一步，将继续推进721工作法。\n", encoding="utf-8")
    s: dict = {}
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert s["extracted"] == 5 and s["store_mode"] in ("bulk", "update")
    ro, union = _store_triples(tmp_path / "store")
    assert union == _graph_triples(tmp_path / "o" / "graph.ttl")
    assert gc.isenabled()  # the collector paused during the build is back on


def test_big_files_build_still_draws_the_explorer(corpus, tmp_path):
    """Above the rdflib threshold the page is drawn from an in-memory Oxigraph store: same bytes."""
    small = build_incremental([corpus], tmp_path / "small", cache_dir=tmp_path / "c", html=True)
    big = build_incremental([corpus], tmp_path / "big", cache_dir=tmp_path / "c", html=True, rdflib_max_triples=0)
    assert small.outputs["html"].read_bytes() == big.outputs["html"].read_bytes()


def _no_leftovers(tmp_path):
    assert [p.name for p in tmp_path.iterdir() if ".building" in p.name or ".old" in p.name] == []


def test_store_build_interrupted_during_extraction_leaves_nothing(corpus, tmp_path):
    seen = []

    def progress(path):
        seen.append(path)
        if len(seen) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the workers extract

    with pytest.raises(KeyboardInterrupt):
        build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store",
                          progress=progress)
    assert not (tmp_path / "store").exists()
    _no_leftovers(tmp_path)


def test_store_swapped_in_but_not_indexed_is_still_ours(corpus, tmp_path, monkeypatch):
    """Ctrl-C after the new store is in place but before the build index is written: the next
    build must recognise the folder as its own and rebuild it, not refuse it as foreign."""
    import os

    from fazhi_graph.cache import INDEX_NAME

    real = os.replace

    def power_cut(src, dst, *a, **k):  # the rename that would put the real index in place never happens
        if str(dst) == str(tmp_path / "store" / INDEX_NAME):
            raise KeyboardInterrupt
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(KeyboardInterrupt):
        build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    monkeypatch.setattr(os, "replace", real)
    assert (tmp_path / "store").is_dir()  # the new store is in place, with only the provisional index
    s: dict = {}
    build_incremental([corpus], tmp_path / "o", cache_dir=tmp_path / "c", store_dir=tmp_path / "store", files=True,
                      stats=s)
    assert s["store_mode"] == "bulk" and s["store_changed"] == 5
    assert _store_triples(tmp_path / "store")[1] == _graph_triples(tmp_path / "o" / "graph.ttl")


def test_rebuild_trusts_stat_only_for_files_untouched_since_well_before_the_last_scan(corpus, tmp_path, monkeypatch):
    import os

    import fazhi_graph.cache as cache_mod

    kw = dict(cache_dir=tmp_path / "c", store_dir=tmp_path / "store")
    build_incremental([corpus], tmp_path / "o", **kw)
    s: dict = {}
    # written just now: too recent to trust their stat (racy). A window far wider than the run,
    # so the answer does not depend on how long a loaded machine took between the copy and the scan.
    monkeypatch.setattr(cache_mod, "RACY_NS", 10**15)
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert s["unread"] == 0 and s["cached"] == 5
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)
    s = {}
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert s["unread"] == 5 and s["extracted"] == 0
    target = sorted(corpus.glob("*.txt"))[1]
    before = target.stat()
    text = target.read_text(encoding="utf-8")
    cut = text.rindex("。")
    target.write_text(text[:cut] + "！" + text[cut + 1:], encoding="utf-8")  # same size in UTF-8
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old modification time
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    s = {}
    build_incremental([corpus], tmp_path / "o", stats=s, **kw)
    assert (s["unread"], s["extracted"], s["store_changed"]) == (4, 1, 1)  # its change time gave it away


@pytest.mark.parametrize("incremental", [False, True], ids=["build", "build_incremental"])
def test_builds_announce_the_file_count_and_skip_their_output_inside_the_inputs(corpus, tmp_path, incremental):
    """``on_files`` gets the number of inputs before any is read (the CLI's progress bar total,
    without walking the folders a second time); every one of them is then reported done once;
    an output folder inside the inputs is not read back, even on the first build (no marker yet)."""
    from fazhi_graph.pipeline import build

    out = corpus / "out"
    totals: list[int] = []
    done: list[str] = []
    kw = dict(progress=done.append, on_files=totals.append, html=False)
    for _ in range(2):  # the second build finds the first one's outputs inside the inputs
        totals.clear(), done.clear()
        if incremental:
            res = build_incremental([corpus], out, cache_dir=tmp_path / "c", files=True, **kw)
        else:
            res = build([corpus], out, **kw)
        assert totals == [5]
        assert sorted(done) == sorted(str(p) for p in corpus.glob("*.txt"))
        assert res.summary()["reports"] == 5 and res.errors == []
