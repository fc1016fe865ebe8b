"""The explorer at 10,000 bureaus: data straight from a pyoxigraph store, bounded network, filters.

The store is written directly as N-Quads (one named graph per report, like ``build --store``),
with real practice/problem/law labels from the ontology so the page looks like a real one.
``synthetic_store`` is also used by ``bench/explorer.py``. No timing assertions here."""

from __future__ import annotations

import base64
import gzip
import json
import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.namespace import RDFS

from browser import Browser
from fazhi_graph.namespaces import FZ, ID, LAW
from fazhi_graph.ontology import concepts, ontology_graph
from fazhi_graph.viz import DEFAULT_TITLE, explorer_data, quote_cap, render_explorer
from test_viz import HOSTILE, sample_builder
from test_viz_browser import _assert_clean, _canvas_ink, _node_xy, chromium, shots  # noqa: F401 (fixtures)

PROVINCES = {
    "河南省": ["郑州市", "洛阳市", "信阳市", "南阳市"], "浙江省": ["杭州市", "宁波市", "温州市"],
    "广东省": ["广州市", "深圳市", "佛山市", "东莞市"], "四川省": ["成都市", "绵阳市", "宜宾市"],
    "江苏省": ["南京市", "苏州市", "盐城市"], "山东省": ["济南市", "青岛市", "潍坊市"],
    "湖北省": ["武汉市", "宜昌市", "襄阳市"], "云南省": ["昆明市", "曲靖市"], "山西省": ["太原市", "长治市", "晋城市"],
    "湖南省": ["长沙市", "岳阳市"], "贵州省": ["贵阳市", "遵义市"], "江西省": ["南昌市", "九江市"],
    "河北省": ["石家庄市", "保定市"], "安徽省": ["合肥市", "芜湖市"], "福建省": ["福州市", "厦门市"],
    "陕西省": ["西安市", "宝鸡市"], "辽宁省": ["沈阳市", "大连市"], "吉林省": ["长春市"],
    "黑龙江省": ["哈尔滨市"], "甘肃省": ["兰州市"], "广西壮族自治区": ["南宁市", "柳州市"],
    "内蒙古自治区": ["呼和浩特市"], "新疆维吾尔自治区": ["乌鲁木齐市"], "海南省": ["海口市"],
    "青海省": ["西宁市"], "宁夏回族自治区": ["银川市"], "西藏自治区": ["拉萨市"],
    "北京市": ["北京市"], "上海市": ["上海市"], "天津市": ["天津市"], "重庆市": ["重庆市"],
}
COUNTY_PARTS = ("安", "平", "清", "河", "永", "宁", "东", "阳", "新", "丰", "兴", "和", "长", "乐", "源", "山")
DEPARTMENTS = ("司法局", "市场监督管理局", "城市管理局", "人民政府", "生态环境局", "住房和城乡建设局",
               "自然资源局", "交通运输局", "应急管理局", "税务局", "卫生健康委员会", "农业农村局")
LEVELS = ("county", "district", "county-level-city", "city")
SECTIONS = ("一、{y}年法治政府建设主要举措和成效", "二、存在的不足和原因", "三、{n}年工作打算")


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _zh(s: str) -> str:
    return _lit(s) + "@zh"


def _int(n: int) -> str:
    return f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer>'


def synthetic_store(n_bureaus: int = 10_000, seed: int = 7) -> ox.Store:
    """An in-memory store shaped like ``build --store`` output for ``n_bureaus`` bureaus.

    Every bureau has one report (every 9th a second one, a year later), ~12 practices drawn with a
    long tail (a few everywhere, most rare), 3 problems, 4 laws, sometimes a candidate practice,
    one evidence quote per report edge (a sentence of a seed report), and the bureau-level
    summary edges."""
    rnd = random.Random(seed)
    # real report sentences as quote text, so the page compresses like a real one (template text
    # would compress ten times better and hide the page size)
    seeds = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    sentences = sorted({
        x.strip() for f in seeds for x in re.split(r"(?<=[。；])", f.read_text(encoding="utf-8"))
        if 20 <= len(x.strip()) <= 200 and "\n" not in x.strip()
    })
    assert len(sentences) > 200
    practices = [(c.iri, c.label) for c in concepts(str(FZ.Practice))]
    problems = [(c.iri, c.label) for c in concepts(str(FZ.Problem))]
    og = ontology_graph()
    laws = sorted(
        (str(s), str(o)) for s, o in og.subject_objects(RDFS.label)
        if str(s).startswith(str(LAW)) and getattr(o, "language", None) == "zh"
    )[:300]
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    pref = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
    fz = lambda n: f"<{FZ[n]}>"  # noqa: E731
    rdf = lambda n: f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#{n}>"  # noqa: E731
    out: list[str] = []
    tax = f"<{ID['graph/taxonomy']}>"
    for iri, lab in practices:
        out.append(f"<{iri}> {rdf_type} {fz('Practice')} {tax} .\n<{iri}> {pref} {_zh(lab)} {tax} .\n")
    for iri, lab in problems:
        out.append(f"<{iri}> {rdf_type} {fz('Problem')} {tax} .\n<{iri}> {pref} {_zh(lab)} {tax} .\n")
    for iri, lab in laws:
        out.append(f"<{iri}> {rdf_type} {fz('Law')} {tax} .\n<{iri}> {label} {_zh(lab)} {tax} .\n")
    ent = f"<{ID['graph/entities']}>"
    pw = [1.0 / (1 + k) ** 0.9 for k in range(len(practices))]
    qw = [1.0 / (1 + k) for k in range(len(problems))]
    lw = [1.0 / (1 + k) ** 1.2 for k in range(len(laws))]
    provinces = sorted(PROVINCES)
    pweights = [3 + sum(map(ord, p)) % 7 for p in provinces]
    seen_regions: set[str] = set()
    for i in range(n_bureaus):
        prov = rnd.choices(provinces, pweights)[0]
        city = rnd.choice(PROVINCES[prov])
        county = rnd.choice(COUNTY_PARTS) + rnd.choice(COUNTY_PARTS) + rnd.choice("县区")
        level = LEVELS[i % len(LEVELS)]
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        name = (city if level == "city" else city + county) + dept
        b = f"<{ID[f'bureau/b{i:05d}']}>"
        out.append(f"{b} {rdf_type} {fz('Bureau')} {ent} .\n{b} {label} {_zh(name)} {ent} .\n"
                   f"{b} {fz('adminLevel')} {_lit(level)} {ent} .\n")
        for key, reg in (("province", prov), ("city", city)) + ((("county", county),) if level != "city" else ()):
            r = f"<{ID['region/' + (reg if key != 'county' else city + reg)]}>"
            out.append(f"{b} {fz(key)} {r} {ent} .\n")
            if r not in seen_regions:
                seen_regions.add(r)
                out.append(f"{r} {label} {_zh(reg)} {ent} .\n")
        n_rep = 2 if i % 9 == 0 else 1
        year0 = 2019 + rnd.randrange(6)
        chosen = sorted({rnd.choices(range(len(practices)), pw)[0] for _ in range(14)})
        for k in range(n_rep):
            year = year0 + k
            rid = ID[f"report/b{i:05d}-{year}"]
            r, g = f"<{rid}>", f"<{rid}>"
            src = f"{name}{year}年法治政府建设情况报告.{('txt', 'docx', 'pdf')[i % 3]}"
            out.append(f"{r} {rdf_type} {fz('Report')} {g} .\n{r} {fz('issuedBy')} {b} {g} .\n"
                       f"{r} {fz('year')} {_int(year)} {g} .\n{r} {fz('source')} {_lit(src)} {g} .\n")
            secs = []
            for s_i, tmpl in enumerate(SECTIONS):
                s = f"<{rid}/section/{s_i}>"
                out.append(f"{s} {rdf_type} {fz('Section')} {g} .\n{s} {label} {_zh(tmpl.format(y=year, n=year + 1))} {g} .\n")
                secs.append(s)
            edges = []
            for j in chosen if k == 0 else chosen[: len(chosen) // 2]:
                iri, lab = practices[j]
                pred = "plans" if (j + i + k) % 6 == 0 else "adopts"
                edges.append((pred, iri, f"{year}年，深入推进{lab}。" + rnd.choice(sentences), secs[2 if pred == "plans" else 0]))
            for j in sorted({rnd.choices(range(len(problems)), qw)[0] for _ in range(3)}):
                iri, lab = problems[j]
                edges.append(("reportsProblem", iri, f"一是{lab}。" + rnd.choice(sentences), secs[1]))
            for j in sorted({rnd.choices(range(len(laws)), lw)[0] for _ in range(4)}):
                iri, lab = laws[j]
                edges.append(("cites", iri, f"认真学习贯彻《{lab}》。" + rnd.choice(sentences), secs[0]))
            if i % 5 == 0:
                c = f"{ID['candidate/' + dept + '进社区']}"
                out.append(f"<{c}> {rdf_type} {fz('CandidatePractice')} {ent} .\n<{c}> {label} {_zh('“' + dept[:2] + '进社区”')} {ent} .\n")
                edges.append(("mentionsCandidate", c, f"开展“{dept[:2]}进社区”活动{i % 30 + 3}场次。", secs[0]))
            for n, (pred, obj, quote, sec) in enumerate(edges):
                ev = f"<{rid}/evidence/{n}>"
                out.append(
                    f"{r} {fz(pred)} <{obj}> {g} .\n"
                    f"{ev} {rdf_type} {fz('Evidence')} {g} .\n{ev} {rdf('subject')} {r} {g} .\n"
                    f"{ev} {rdf('predicate')} {fz(pred)} {g} .\n{ev} {rdf('object')} <{obj}> {g} .\n"
                    f"{ev} {fz('quote')} {_lit(quote)} {g} .\n{ev} {fz('start')} {_int(100 * n)} {g} .\n"
                    f"{ev} {fz('inSection')} {sec} {g} .\n"
                )
                if pred != "mentionsCandidate":
                    summary = "bureau" + pred[0].upper() + pred[1:]
                    out.append(f"{b} {fz(summary)} <{obj}> {ent} .\n")
    store = ox.Store()
    store.bulk_load("".join(out).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    return store


# ----------------------------------------------------------------------------- store vs rdflib
def _store_of(g, per_report: bool = True) -> ox.Store:
    """The rdflib graph in a pyoxigraph store, one named graph per report (as ``build --store``)."""
    from fazhi_graph.store import to_ox

    store = ox.Store()
    quads = []
    for s, p, o in g:
        key = str(s).split("/section/")[0]
        graph = ox.NamedNode(key) if per_report and "/report/" in key else ox.NamedNode(str(ID["graph/entities"]))
        quads.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))
    store.extend(quads)
    return store


def test_store_and_rdflib_graph_give_the_same_page_data():
    g = sample_builder(HOSTILE).graph()
    from_graph = explorer_data(g)
    assert explorer_data(_store_of(g)) == from_graph
    # a graph written before the bureau-level summary edges is read from its report edges
    assert explorer_data(sample_builder(HOSTILE, bureau_level=False).graph()) == from_graph


def test_render_accepts_a_store_and_is_byte_identical(tmp_path):
    g = sample_builder(HOSTILE).graph()
    a = render_explorer(g, tmp_path / "a.html")
    b = render_explorer(_store_of(g), tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    with pytest.raises(TypeError):
        render_explorer({"not": "a graph"}, tmp_path / "c.html")


def test_compressed_page_is_deterministic_and_round_trips(tmp_path):
    g = sample_builder(HOSTILE).graph()
    a = render_explorer(g, tmp_path / "a.html", compress=True)
    b = render_explorer(sample_builder(HOSTILE).graph(shuffle_seed=3), tmp_path / "b.html", compress=True)
    assert a.read_bytes() == b.read_bytes()
    page = a.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="fz-data" data-encoding="gzip\+base64">([A-Za-z0-9+/=]+)</script>', page)
    assert m, "compressed data block"
    data = json.loads(gzip.decompress(base64.b64decode(m.group(1))))
    assert data["title"] == DEFAULT_TITLE
    assert any(b[1] == "杭州市西湖区司法局" + HOSTILE for b in data["bureaus"])


# ----------------------------------------------------------------------------- 10,000 bureaus
N = 10_000


@pytest.fixture(scope="module")
def store10k() -> ox.Store:
    return synthetic_store(N)


@pytest.fixture(scope="module")
def data10k(store10k) -> dict:
    return explorer_data(store10k)


@pytest.fixture(scope="module")
def page10k(store10k, tmp_path_factory) -> Path:
    return render_explorer(store10k, tmp_path_factory.mktemp("viz-10k") / "graph.html")


@pytest.mark.slow
def test_10k_data_read_from_the_store(data10k, store10k):
    views = data10k["views"]
    for name in ("bureau-practice", "bureau-problem", "bureau-law", "bureau-similarity"):
        assert sum(1 for n in views[name]["nodes"] if n["type"] == "bureau") == N
    practice = views["bureau-practice"]
    # one pair per bureau-level edge (plus candidates), against the store itself
    expected = {
        (r[0].value, r[1].value)
        for r in store10k.query(
            "SELECT ?b ?x WHERE { VALUES ?p { <%s> <%s> } ?b ?p ?x }" % (FZ["bureauAdopts"], FZ["bureauPlans"]),
            use_default_graph_as_union=True,
        )
    }
    got = {(e["from"], e["to"]) for e in practice["edges"] if not e["to"].startswith(str(ID["candidate/"]))}
    assert got == expected
    # big graph: one (newest) quote per edge
    assert max(len(e["evidence"]) for e in practice["edges"]) == 1
    assert all(e["n_evidence"] >= 1 for e in practice["edges"])
    # a bureau with reports in two years keeps the status per year
    two = [e for e in practice["edges"] if len(e["years"]) == 2 and "status_by_year" in e]
    assert two and all(set(e["status_by_year"]) == {str(y) for y in e["years"]} for e in two)
    assert len(data10k["filters"]["provinces"]) == len(PROVINCES)
    sim = views["bureau-similarity"]
    assert sim["edges"] and all(e["weight"] >= 0.3 for e in sim["edges"])
    assert sim["note"] and "每个单位仅保留最相似的 8 个" in sim["note"]


@pytest.mark.slow
def test_10k_page_size(page10k):
    size = page10k.stat().st_size
    assert size < 20_000_000, f"{size / 1e6:.1f} MB"
    assert 'id="fz-data" data-encoding="gzip+base64"' in page10k.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- in the browser
READY = "document.documentElement.dataset.fzReady"


def _shown(b: Browser) -> dict:
    return b.evaluate(
        "(() => { const n = fzExplorer.network().body.data; return {"
        " nodes: n.nodes.get().map(x => x.id), edges: n.edges.length,"
        " types: fzExplorer.shown().nodes.map(x => x.type), physics: fzExplorer.network().physics.physicsEnabled }; })()"
    )


def _set(b: Browser, select_id: str, value: str) -> None:
    b.evaluate(
        "(() => { delete document.documentElement.dataset.fzReady; const s = document.getElementById(%s); s.value = %s;"
        " s.dispatchEvent(new Event('change')); })()" % (json.dumps(select_id), json.dumps(value))
    )
    b.wait_for(READY, timeout=120)


@pytest.mark.slow
@pytest.mark.browser
def test_10k_page_is_bounded_filters_and_freezes(chromium, page10k, data10k, shots):
    bureaus = {n["id"]: n for n in data10k["views"]["bureau-practice"]["nodes"] if n["type"] == "bureau"}
    with Browser(chromium, timeout=300) as b:
        b.goto(page10k.resolve().as_uri())
        assert b.wait_for(READY, timeout=300) == "bureau-practice"
        limits = b.evaluate("fzExplorer.limits")
        top = b.evaluate("fzExplorer.state.top")
        s = _shown(b)
        # the network holds the top-N bureaus and the concepts they share, never the whole data
        assert s["physics"] is False  # stabilised, then frozen
        assert s["types"].count("bureau") == top == 50
        assert len(s["nodes"]) <= top + limits["maxConcepts"] + 1
        assert 0 < s["edges"] <= limits["maxEdges"]
        note = b.evaluate("document.getElementById('fz-note').textContent")
        assert "符合条件的单位共 10000 个" in note and "前 50 个" in note
        assert _canvas_ink(b) > 200
        b.screenshot(shots / "explorer-10k.png")

        # top N: 200 bureaus
        _set(b, "fz-top", "200")
        s = _shown(b)
        assert s["types"].count("bureau") == 200 and s["physics"] is False
        assert len(s["nodes"]) <= 200 + limits["maxConcepts"] + 1 and s["edges"] <= limits["maxEdges"]
        _set(b, "fz-top", "50")

        # province filter: only that province's bureaus
        _set(b, "fz-province", "浙江省")
        s = _shown(b)
        shown_bureaus = [n for n in s["nodes"] if n in bureaus]
        assert shown_bureaus and {bureaus[n]["province"] for n in shown_bureaus} == {"浙江省"}

        # concept filter: only bureaus linked to that concept (the least shared one, then the top N of a common one)
        _set(b, "fz-province", "")
        v = data10k["views"]["bureau-practice"]
        linked: dict[str, set[str]] = {}
        for e in v["edges"]:
            linked.setdefault(e["to"], set()).add(e["from"])
        by_sharing = sorted(linked, key=lambda c: (len(linked[c]), c))
        for concept in (by_sharing[0], by_sharing[-1]):
            _set(b, "fz-concept", concept)
            s = _shown(b)
            drawn = {n for n in s["nodes"] if n in bureaus}
            assert drawn <= linked[concept] and len(drawn) == min(50, len(linked[concept]))
            assert concept in s["nodes"] and s["edges"] >= len(drawn)
            if len(linked[concept]) > 50:
                assert f"符合条件的单位共 {len(linked[concept])} 个" in b.evaluate("document.getElementById('fz-note').textContent")
        _set(b, "fz-concept", "")

        # bureau search: the bureau shows up with its concepts
        target = sorted(bureaus)[1234]
        label = bureaus[target]["label"]
        b.evaluate("delete document.documentElement.dataset.fzReady; location.hash = 'q=' + encodeURIComponent(%s)" % json.dumps(label))
        b.wait_for(READY, timeout=120)
        s = _shown(b)
        assert target in s["nodes"] and all(bureaus[n]["label"].find(label) >= 0 for n in s["nodes"] if n in bureaus)
        b.evaluate("fzExplorer.select(%s)" % json.dumps(target))
        panel = b.evaluate("document.getElementById('fz-panel').textContent")
        assert label in panel and "共同点最多的单位" in panel and "法治政府建设情况报告" in panel

        # a link to a bureau that is not drawn: the page searches for it and selects it
        other = sorted(bureaus)[4321]
        b.evaluate("delete document.documentElement.dataset.fzReady; location.hash = 'q=&select=' + encodeURIComponent(%s)" % json.dumps(other))
        b.wait_for("document.documentElement.dataset.fzSelected === %s" % json.dumps(other), timeout=120)
        assert b.evaluate("document.getElementById('fz-search').value") == bureaus[other]["label"]

        # aggregate view: one node per province
        b.evaluate("delete document.documentElement.dataset.fzReady; location.hash = 'q=&mode=provinces'")
        b.wait_for(READY, timeout=120)
        s = _shown(b)
        assert s["types"].count("province") == len(PROVINCES) and "bureau" not in s["types"]
        assert s["physics"] is False
        b.screenshot(shots / "explorer-10k-provinces.png")
        # a click on a province opens its bureaus
        b.evaluate("delete document.documentElement.dataset.fzReady")
        x, y = _node_xy(b, "province:河南省")
        b.click(x, y)
        b.wait_for(READY, timeout=120)
        assert b.evaluate("document.getElementById('fz-province').value") == "河南省"
        s = _shown(b)
        assert {bureaus[n]["province"] for n in s["nodes"] if n in bureaus} == {"河南省"}

        # every view stays bounded
        for name in ("bureau-problem", "bureau-law", "bureau-similarity"):
            _set(b, "fz-view", name)
            s = _shown(b)
            assert 0 < s["types"].count("bureau") <= 50 and s["edges"] <= limits["maxEdges"] and s["physics"] is False
        _assert_clean(b)


@pytest.mark.parametrize(
    ("lengths", "budget", "cap"),
    [([10, 20, 30], 1000, 80), ([100] * 10, 500, 50), ([100] * 10, 10, 24), ([30, 200, 200], 130, 50), ([], 0, 80)],
)
def test_quote_cap_fits_the_budget(lengths, budget, cap):
    assert quote_cap(lengths, budget) == cap


@pytest.mark.browser
def test_compressed_hostile_page_in_the_browser(chromium, tmp_path):
    """The gzip+base64 path (used for big pages) decodes in the page and still inserts text as text."""
    from test_viz import XIHU

    page = render_explorer(sample_builder(HOSTILE).graph(), tmp_path / "g.html", compress=True)
    with Browser(chromium) as b:
        b.goto(page.resolve().as_uri())
        assert b.wait_for(READY, timeout=60) == "bureau-practice"
        b.evaluate("fzExplorer.select(%s)" % json.dumps(XIHU))
        panel = b.evaluate("document.getElementById('fz-panel').textContent")
        assert "杭州市西湖区司法局</script><script>" in panel
        assert b.evaluate("document.querySelectorAll('#fz-panel img, #fz-panel script, #fz-panel a').length") == 0
        _assert_clean(b)
