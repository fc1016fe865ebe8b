"""The explorer page in a real headless Chromium, opened from disk with networking disabled.

Driven through the DevTools protocol (see tests/browser.py): real mouse clicks on the canvas,
a real ``change`` event on a filter, the ``#view=…&filter=…&select=…`` URL hash the page
honours (so a state can also be opened without scripting), console errors, network requests
and the hostile probes (they would set ``window.__pwned`` / ``document.title``).

Screenshots go to pytest's tmp dir, or to ``$FAZHI_SCREENSHOT_DIR`` when set (to look at them).
Chromium missing is a failure, not a skip; ``FAZHI_SKIP_BROWSER=1`` skips these tests.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

from browser import Browser, find_chromium
from fazhi_graph.namespaces import FZ, ID, LAW, PRACTICE, PROBLEM
from fazhi_graph.viz import render_explorer
from test_viz import FUTIAN, HOSTILE, HUANGCHUAN, PUBLICITY, XIHU, ZHENGZHOU, sample_builder

pytestmark = pytest.mark.browser

TITLE = "法治政府建设报告知识图谱"
READY = "document.documentElement.dataset.fzReady"
PROBES = "[window.__pwned === undefined, document.title]"


@pytest.fixture(scope="module")
def chromium() -> str:
    if os.environ.get("FAZHI_SKIP_BROWSER") == "1":
        pytest.skip("FAZHI_SKIP_BROWSER=1")
    exe = find_chromium()
    if exe is None:
        pytest.fail(
            "headless Chromium not found (looked for chromium, chromium-browser, google-chrome, $FAZHI_CHROMIUM). "
            "Install the packages in .ci/apt-packages.txt (apt-get install chromium fonts-noto-cjk) "
            "or set FAZHI_SKIP_BROWSER=1 to skip the browser tests.",
            pytrace=False,
        )
    return exe


@pytest.fixture
def shots(tmp_path) -> Path:
    d = Path(os.environ.get("FAZHI_SCREENSHOT_DIR") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    # the sample graph with every text field (labels, quotes, sections, sources) made hostile
    return render_explorer(sample_builder(HOSTILE).graph(), tmp_path_factory.mktemp("viz-browser") / "graph.html")


def _url(path: Path, hash_: str = "") -> str:
    return path.resolve().as_uri() + (("#" + hash_) if hash_ else "")


def _assert_clean(b: Browser) -> None:
    assert b.console_errors() == []
    assert [u for u in b.requested_urls() if not u.startswith(("file:", "data:", "blob:", "about:"))] == []
    assert b.evaluate(PROBES) == [True, TITLE], "a hostile probe executed"


def _node_xy(b: Browser, node_id: str) -> tuple[float, float]:
    """Viewport coordinates of a node's centre (canvas → DOM → page)."""
    x, y = b.evaluate(
        "(() => { const n = fzExplorer.network(); const p = n.canvasToDOM(n.getPosition(%s));"
        " const r = document.getElementById('fz-network').getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()" % _js(node_id)
    )
    return x, y


def _edge_point(b: Browser, a: str, z: str) -> tuple[float, float]:
    """A viewport point on the edge a–z that no node covers (so hovering it hovers the edge)."""
    edge_id = b.evaluate(
        "fzExplorer.network().body.data.edges.get({filter: e => e.from === %s && e.to === %s})[0].id" % (_js(a), _js(z))
    )
    (ax, ay), (zx, zy) = _node_xy(b, a), _node_xy(b, z)
    left, top = b.evaluate("(r => [r.left, r.top])(document.getElementById('fz-network').getBoundingClientRect())")
    for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        x, y = ax + f * (zx - ax), ay + f * (zy - ay)
        hit = b.evaluate(
            "(n => [n.getNodeAt({x: %f, y: %f}) || null, n.getEdgeAt({x: %f, y: %f}) || null])(fzExplorer.network())"
            % (x - left, y - top, x - left, y - top)
        )
        if hit == [None, edge_id]:
            return x, y
    raise AssertionError("every point of the edge is covered by a node")


def _js(s: str) -> str:
    import json

    return json.dumps(s)


def _canvas_ink(b: Browser) -> int:
    """How many sampled canvas pixels are not blank: proves the graph was actually drawn."""
    return b.evaluate(
        "(() => { const c = document.querySelector('#fz-network canvas'); const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4 * 7) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;"
        " return n; })()"
    )


def test_renders_offline_click_filter_and_probes(chromium, page, shots):
    with Browser(chromium) as b:
        b.goto(_url(page))
        assert b.wait_for(READY, timeout=60) == "bureau-practice"
        assert b.evaluate("!!document.querySelector('#fz-network canvas')")
        assert _canvas_ink(b) > 200
        assert b.evaluate("document.getElementById('fz-legend').textContent").count("(") >= 8
        b.screenshot(shots / "explorer-overview.png")

        # a real mouse click on 潢川县城市管理局 selects it and fills the side panel
        x, y = _node_xy(b, HUANGCHUAN)
        assert b.evaluate("fzExplorer.network().getNodeAt({x: %f, y: %f})" % (
            x - b.evaluate("document.getElementById('fz-network').getBoundingClientRect().left"),
            y - b.evaluate("document.getElementById('fz-network').getBoundingClientRect().top"),
        )) == HUANGCHUAN, "another node covers the target"
        b.click(x, y)
        assert b.wait_for("document.documentElement.dataset.fzSelected") == HUANGCHUAN
        panel = b.evaluate("document.getElementById('fz-panel').textContent")
        assert "潢川县城市管理局" in panel and "河南省 · 信阳市 · 潢川县" in panel
        assert "行政执法公示制度" in panel and "已开展·继续" in panel
        assert "全面推行行政执法公示制度，全年公示行政处罚决定1,204件。" in panel
        assert "潢川县城市管理局2023年法治政府建设情况报告.docx" in panel and "一、2023年法治政府建设主要举措和成效" in panel
        assert "郑州市市场监督管理局：共享 1 项" in panel  # what it shares with others
        # the hostile bureau shares 行政执法公示制度, so it stays lit; 福田 shares nothing: dimmed
        colour = "fzExplorer.network().body.data.nodes.get(%s).color.background"
        assert b.evaluate(colour % _js(FUTIAN)) == "#eeeeee"
        assert b.evaluate(colour % _js(ZHENGZHOU)) != "#eeeeee"
        assert b.evaluate(colour % _js(str(PRACTICE["lawyer-consultants"]))) == "#eeeeee"
        b.screenshot(shots / "explorer-selected.png")

        # the hostile bureau: its texts show up as text, nothing runs, no element is injected
        b.evaluate("fzExplorer.select(%s)" % _js(XIHU))
        panel_html_tags = b.evaluate("[...document.querySelectorAll('#fz-panel *')].map(e => e.tagName).join(',')")
        assert "IMG" not in panel_html_tags and "SCRIPT" not in panel_html_tags and "A," not in panel_html_tags + ","
        assert HOSTILE.replace("\u2028", "").replace("\u2029", "")[:60] in b.evaluate(
            "document.getElementById('fz-panel').textContent"
        ).replace("\u2028", "").replace("\u2029", "")
        # hover it: vis-network shows our DOM-element tooltip
        hx, hy = _node_xy(b, XIHU)
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": hx + 1, "y": hy + 1})
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": hx, "y": hy})
        tip = b.wait_for(
            "(() => { const t = document.querySelector('div.vis-tooltip'); "
            "return t && t.style.visibility !== 'hidden' && t.textContent; })()",
            timeout=10,
        )
        assert tip.startswith("杭州市西湖区司法局</script>")
        assert b.evaluate("document.querySelectorAll('div.vis-tooltip img, div.vis-tooltip script, div.vis-tooltip a').length") == 0
        b.screenshot(shots / "explorer-hostile.png")

        # hover an edge: its tooltip quotes the evidence with report and section
        b.evaluate("fzExplorer.select(null)")
        ex, ey = _edge_point(b, ZHENGZHOU, PUBLICITY)
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 5, "y": 5})
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": ex, "y": ey})
        tip = b.wait_for(
            "(() => { const t = document.querySelector('div.vis-tooltip'); "
            "return t && t.style.visibility !== 'hidden' && t.textContent.indexOf('执法公示率') >= 0 && t.textContent; })()",
            timeout=10,
        )
        assert "郑州市市场监督管理局 → 行政执法公示制度（已开展）" in tip
        assert "严格落实行政执法“三项制度”，执法公示率100%。" in tip and "郑州市市场监管局2023年度法治政府建设工作报告.pdf" in tip

        # a filter change through the real <select>: only 浙江省 bureaus and their concepts remain
        b.evaluate(
            "(() => { const s = document.getElementById('fz-province'); s.value = '浙江省';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        visible = b.evaluate(
            "fzExplorer.network().body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"
        )
        assert XIHU in visible and HUANGCHUAN not in visible and ZHENGZHOU not in visible
        assert set(visible) == {XIHU, PUBLICITY, str(PRACTICE["lawyer-consultants"])}
        assert b.evaluate("document.documentElement.dataset.fzVisibleNodes") == "3"
        _assert_clean(b)


def test_every_view_and_hash_state(chromium, page, shots):
    """Open each view in a given state through the URL hash, then switch views with the <select>."""
    with Browser(chromium) as b:
        h = "view=bureau-law&filter=province:%s,year:2023&select=%s" % (quote("河南省"), quote("潢川县城市管理局"))
        b.goto(_url(page, h))
        assert b.wait_for(READY, timeout=60) == "bureau-law"
        assert b.wait_for("document.documentElement.dataset.fzSelected") == HUANGCHUAN
        assert b.evaluate("document.getElementById('fz-province').value") == "河南省"
        panel = b.evaluate("document.getElementById('fz-panel').textContent")
        assert "行政处罚法" in panel and "深入学习贯彻新修订的《中华人民共和国行政处罚法》。" in panel
        visible = b.evaluate("fzExplorer.network().body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
        assert set(visible) == {HUANGCHUAN, str(ID["bureau/zhengzhou-scjgj"]), str(LAW["administrative-penalty-law"]),
                                str(LAW["optimising-business-environment"])}
        for name in ("bureau-problem", "bureau-similarity", "bureau-practice"):
            b.evaluate(
                "(() => { const s = document.getElementById('fz-view'); s.value = %s;"
                " s.dispatchEvent(new Event('change')); })()" % _js(name)
            )
            assert b.wait_for("%s === %s && %s" % (READY, _js(name), READY), timeout=60)
            assert _canvas_ink(b) > 100
        b.evaluate("fzExplorer.buildView('bureau-similarity')")
        b.wait_for("%s === 'bureau-similarity'" % READY)
        b.evaluate("location.hash = 'filter=&select=' + encodeURIComponent(%s)" % _js(FUTIAN))
        assert b.wait_for("document.documentElement.dataset.fzSelected") == FUTIAN
        assert "相似度 0.5" in b.evaluate("document.getElementById('fz-panel').textContent")
        b.screenshot(shots / "explorer-similarity.png")
        # search box: typing a concept keeps it and the bureaus that mention it
        b.evaluate("fzExplorer.buildView('bureau-problem')")
        b.wait_for("%s === 'bureau-problem'" % READY)
        b.evaluate(
            "(() => { const s = document.getElementById('fz-search'); s.value = '普法';"
            " s.dispatchEvent(new Event('input')); })()"
        )
        b.wait_for("document.documentElement.dataset.fzVisibleNodes === '2'", timeout=10)
        _assert_clean(b)


def big_graph(n_bureaus: int = 1000, n_practices: int = 420, per_bureau: int = 12, seed: int = 3) -> Graph:
    """A synthetic country: many bureaus, more practices than the default cap, evidence on each edge."""
    rnd = random.Random(seed)
    g = Graph()
    provinces = ["河南省", "浙江省", "广东省", "四川省", "江苏省", "山东省", "湖北省", "云南省"]
    levels = ["city", "county", "district", "county-level-city"]
    for i in range(n_practices):
        p = PRACTICE[f"p{i:03d}"]
        g.add((p, RDF.type, FZ.Practice))
        g.add((p, SKOS.prefLabel, Literal(f"举措{i:03d}号：推进严格规范公正文明执法", lang="zh")))
    for i in range(40):
        q = PROBLEM[f"q{i:02d}"]
        g.add((q, RDF.type, FZ.Problem))
        g.add((q, SKOS.prefLabel, Literal(f"问题类别{i:02d}", lang="zh")))
    weights = [1.0 / (1 + k) for k in range(n_practices)]  # a few practices are everywhere, most are rare
    ev = 0
    for i in range(n_bureaus):
        b = ID[f"bureau/b{i:04d}"]
        prov = provinces[i % len(provinces)]
        g.add((b, RDF.type, FZ.Bureau))
        g.add((b, RDFS.label, Literal(f"{prov[:2]}第{i:04d}号县司法局", lang="zh")))
        region = ID["region/" + prov]
        g.add((region, RDFS.label, Literal(prov, lang="zh")))
        g.add((b, FZ.province, region))
        g.add((b, FZ.adminLevel, Literal(levels[i % len(levels)])))
        r = ID[f"report/b{i:04d}"]
        year = 2019 + i % 7
        g.add((r, RDF.type, FZ.Report))
        g.add((r, FZ.issuedBy, b))
        g.add((r, FZ.year, Literal(year)))
        g.add((r, FZ.source, Literal(f"b{i:04d}-{year}.txt")))
        chosen = set()
        while len(chosen) < per_bureau:
            chosen.add(rnd.choices(range(n_practices), weights)[0])
        for k in sorted(chosen):
            pred = FZ.adopts if k % 5 else FZ.plans
            g.add((r, pred, PRACTICE[f"p{k:03d}"]))
            ev += 1
            e = ID[f"ev/{ev}"]
            g.add((e, RDF.type, FZ.Evidence))
            g.add((e, RDF.subject, r))
            g.add((e, RDF.predicate, pred))
            g.add((e, RDF.object, PRACTICE[f"p{k:03d}"]))
            g.add((e, FZ.quote, Literal(f"{year}年全面落实举措{k:03d}号，办理案件{k * 7}件。")))
        g.add((r, FZ.reportsProblem, PROBLEM[f"q{i % 40:02d}"]))
    return g


@pytest.mark.slow
def test_thousand_bureaus_drawn_bounded_and_frozen(chromium, tmp_path, shots):
    """1,000 bureaus (rdflib graph): the data holds all of them, the network the top 50 and what
    they share; physics is off once the bounded stabilisation is done. (Timings: bench/explorer.py.)"""
    path = render_explorer(big_graph(), tmp_path / "big.html")
    with Browser(chromium, timeout=120) as b:
        b.goto(_url(path))
        assert b.wait_for(READY, timeout=150) == "bureau-practice"
        assert b.evaluate("fzExplorer.network().physics.physicsEnabled") is False  # physics off after stabilising
        assert b.evaluate("fzExplorer.data.bureaus.length") == 1000
        note = b.evaluate("document.getElementById('fz-note').textContent")
        assert "符合条件的单位共 1000 个" in note and "前 50 个" in note
        limits = b.evaluate("fzExplorer.limits")
        n_nodes = b.evaluate("fzExplorer.network().body.data.nodes.length")
        assert 50 < n_nodes <= 50 + limits["maxConcepts"] + 1
        assert b.evaluate("fzExplorer.network().body.data.edges.length") <= limits["maxEdges"]
        assert _canvas_ink(b) > 200
        b.screenshot(shots / "explorer-1000.png")
        # a filter and a selection: only 四川省 bureaus are drawn; the panel reads all the data
        b.evaluate(
            "(() => { const s = document.getElementById('fz-province'); s.value = '四川省';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        b.wait_for(READY, timeout=60)
        shown = b.evaluate("fzExplorer.shown().nodes.filter(n => n.type === 'bureau').map(n => n.province)")
        assert shown and set(shown) == {"四川省"}
        first = b.evaluate("fzExplorer.shown().nodes[0].id")
        b.evaluate("fzExplorer.select(%s)" % _js(first))
        assert b.evaluate("document.documentElement.dataset.fzSelected") == first
        assert "共同点最多的单位" in b.evaluate("document.getElementById('fz-panel').textContent")
        b.screenshot(shots / "explorer-1000-selected.png")
        _assert_clean(b)
