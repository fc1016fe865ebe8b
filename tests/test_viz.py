"""Explorer page: data views, escaping of hostile report text, determinism, offline-ness.

The graphs here are built by hand with rdflib following the graph contract (reports folded into
bureaus, reified fz:Evidence per edge) so these tests do not depend on the extractor."""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from fazhi_graph.namespaces import FZ, ID, LAW, PRACTICE, PROBLEM
from fazhi_graph.viz import explorer_data, json_for_script, render_explorer, vis_network_js

#: report edge -> the bureau-level summary edge the build adds (ontology/fazhi.ttl, fz:bureauAdopts)
BUREAU_LEVEL = {FZ[p]: FZ["bureau" + p[0].upper() + p[1:]] for p in ("adopts", "plans", "reportsProblem", "cites")}

HOSTILE = (
    "</script><script>window.__pwned=1;document.title='PWNED'</script>"
    "<img src=x onerror=\"window.__pwned=2;document.title='PWNED'\">"
    " onerror= {{ 7*7 }} {% x %} `${window.__pwned=3}` \"双引号\" '单引号' <!-- -->"
    " <a href=\"https://evil.example/x\" onclick=\"window.__pwned=4\">链接</a> \u2028\u2029 & &amp;"
)

PRACTICES = {
    "administrative-enforcement-publicity": ("行政执法公示制度", "Enforcement publicity"),
    "legal-review-of-major-decisions": ("重大执法决定法制审核制度", "Legal review of major decisions"),
    "full-process-recording": ("执法全过程记录制度", "Full-process recording"),
    "inclusive-prudent-supervision": ("包容审慎监管", "Inclusive and prudent supervision"),
    "lawyer-consultants": ("政府法律顾问制度", "Government legal advisers"),
}
PROBLEMS = {
    "enforcement-staff-quality": "执法人员素质有待提高",
    "publicity-insufficient": "普法宣传针对性不强",
}
LAWS = {
    "administrative-penalty-law": ("行政处罚法", "national-law"),
    "optimising-business-environment": ("优化营商环境条例", "administrative-regulation"),
}


class GraphBuilder:
    """Adds triples the way the graph stage will: reports, bureaus, regions, concepts, evidence."""

    def __init__(self, bureau_level: bool = True) -> None:
        self.triples: list[tuple] = []
        self.n_ev = 0
        self.bureau_level = bureau_level  # the build's fz:bureauAdopts … summaries
        self.issuer: dict[URIRef, URIRef] = {}
        for slug, (zh, en) in PRACTICES.items():
            self._concept(PRACTICE[slug], FZ.Practice, zh, en)
        self.add(PRACTICE["full-process-recording"], SKOS.broader, PRACTICE["administrative-enforcement-publicity"])
        for slug, zh in PROBLEMS.items():
            self._concept(PROBLEM[slug], FZ.Problem, zh, "")
        for slug, (zh, kind) in LAWS.items():
            self.add(LAW[slug], RDF.type, FZ.Law)
            self.add(LAW[slug], RDFS.label, Literal(zh, lang="zh"))
            self.add(LAW[slug], FZ.lawKind, Literal(kind))

    def add(self, *t) -> None:
        self.triples.append(t)

    def _concept(self, iri, cls, zh, en) -> None:
        self.add(iri, RDF.type, cls)
        self.add(iri, SKOS.prefLabel, Literal(zh, lang="zh"))
        if en:
            self.add(iri, SKOS.prefLabel, Literal(en, lang="en"))

    def region(self, name: str) -> URIRef:
        r = ID["region/" + name]
        self.add(r, RDF.type, FZ.Region)
        self.add(r, RDFS.label, Literal(name, lang="zh"))
        return r

    def bureau(self, key: str, label: str, province: str, city: str, county: str | None, level: str) -> URIRef:
        b = ID["bureau/" + key]
        self.add(b, RDF.type, FZ.Bureau)
        self.add(b, RDFS.label, Literal(label, lang="zh"))
        self.add(b, FZ.province, self.region(province))
        self.add(b, FZ.city, self.region(city))
        if county:
            self.add(b, FZ.county, self.region(county))
        self.add(b, FZ.adminLevel, Literal(level))
        return b

    def report(self, bureau: URIRef, key: str, year: int, source: str) -> URIRef:
        r = ID["report/" + key]
        self.add(r, RDF.type, FZ.Report)
        self.add(r, FZ.issuedBy, bureau)
        self.issuer[r] = bureau
        self.add(r, FZ.year, Literal(year))
        self.add(r, FZ.source, Literal(source))
        return r

    def edge(self, report: URIRef, pred: URIRef, obj: URIRef, quotes=(), section="一、2023年法治政府建设主要举措和成效") -> None:
        self.add(report, pred, obj)
        summary = BUREAU_LEVEL.get(pred)
        if self.bureau_level and summary is not None:
            self.add(self.issuer[report], summary, obj)
        sec = URIRef(str(report) + "/section/" + str(abs(hash(section)) % 10**8))
        self.add(sec, RDF.type, FZ.Section)
        self.add(sec, RDFS.label, Literal(section, lang="zh"))
        for i, q in enumerate(quotes):
            self.n_ev += 1
            e = ID[f"evidence/{self.n_ev}"]
            for p, o in (
                (RDF.type, FZ.Evidence),
                (RDF.subject, report),
                (RDF.predicate, pred),
                (RDF.object, obj),
                (FZ.quote, Literal(q)),
                (FZ.start, Literal(100 * i)),
                (FZ.end, Literal(100 * i + len(q))),
                (FZ.inSection, sec),
                (FZ.inReport, report),
            ):
                self.add(e, p, o)

    def graph(self, shuffle_seed: int | None = None) -> Graph:
        triples = list(self.triples)
        if shuffle_seed is not None:
            random.Random(shuffle_seed).shuffle(triples)
        g = Graph()
        for t in triples:
            g.add(t)
        return g


def sample_builder(hostile: str | None = None, bureau_level: bool = True) -> GraphBuilder:
    """Four bureaus in three provinces; one of them (or every text field, with ``hostile``) is hostile."""
    gb = GraphBuilder(bureau_level)
    hx = hostile or ""
    huangchuan = gb.bureau("huangchuan-cgj", "潢川县城市管理局", "河南省", "信阳市", "潢川县", "county")
    zhengzhou = gb.bureau("zhengzhou-scjgj", "郑州市市场监督管理局", "河南省", "郑州市", None, "city")
    xihu = gb.bureau("xihu-sfj", "杭州市西湖区司法局" + hx, "浙江省", "杭州市", "西湖区", "district")
    futian = gb.bureau("futian-zf", "深圳市福田区人民政府", "广东省", "深圳市", "福田区", "district")

    r1 = gb.report(huangchuan, "hc-2022", 2022, "潢川县城市管理局2022年法治政府建设情况报告.txt")
    r2 = gb.report(huangchuan, "hc-2023", 2023, "潢川县城市管理局2023年法治政府建设情况报告.docx")
    gb.edge(r1, FZ.adopts, PRACTICE["administrative-enforcement-publicity"],
            ["2022年，我局严格落实行政执法公示制度，在政务网站公示执法信息326条。"])
    gb.edge(r2, FZ.adopts, PRACTICE["administrative-enforcement-publicity"],
            ["全面推行行政执法公示制度，全年公示行政处罚决定1,204件。",
             "执法人员信息、执法依据全部在门户网站公开。",
             "严格执行行政执法公示、执法全过程记录、重大执法决定法制审核制度。",
             "第四条依据，不应显示。"])
    gb.edge(r2, FZ.plans, PRACTICE["full-process-recording"],
            ["下一步，我局将进一步完善执法全过程记录制度，实现执法记录仪全覆盖。"],
            section="三、2024年工作打算")
    gb.edge(r1, FZ.plans, PRACTICE["administrative-enforcement-publicity"], ["2023年将继续深化行政执法公示。"],
            section="三、下一步工作安排")
    gb.edge(r2, FZ.reportsProblem, PROBLEM["enforcement-staff-quality"],
            ["一是执法人员法治素养有待进一步提高，执法不规范问题仍有发生。"], section="二、存在的不足")
    gb.edge(r2, FZ.cites, LAW["administrative-penalty-law"], ["深入学习贯彻新修订的《中华人民共和国行政处罚法》。"])
    cand = ID["candidate/城管进社区"]
    gb.add(cand, RDF.type, FZ.CandidatePractice)
    gb.add(cand, RDFS.label, Literal("“城管进社区”", lang="zh"))
    gb.edge(r2, FZ.mentionsCandidate, cand, ["开展“城管进社区”活动12场次。"])

    r3 = gb.report(zhengzhou, "zz-2023", 2023, "郑州市市场监管局2023年度法治政府建设工作报告.pdf")
    gb.edge(r3, FZ.adopts, PRACTICE["administrative-enforcement-publicity"], ["严格落实行政执法“三项制度”，执法公示率100%。"])
    gb.edge(r3, FZ.adopts, PRACTICE["inclusive-prudent-supervision"], ["推行包容审慎监管，对轻微违法行为依法不予处罚案件213件。"])
    gb.edge(r3, FZ.cites, LAW["optimising-business-environment"], ["贯彻落实《优化营商环境条例》。"])
    gb.edge(r3, FZ.reportsProblem, PROBLEM["enforcement-staff-quality"], ["基层执法队伍专业化水平不高。"])

    r4 = gb.report(xihu, "xh-2023", 2023, "西湖区司法局2023年法治政府建设年度报告.html" + hx)
    gb.edge(r4, FZ.adopts, PRACTICE["administrative-enforcement-publicity"],
            ["在区政府门户网站公开行政执法主体、人员、职责。" + hx], section="一、主要工作" + hx)
    gb.edge(r4, FZ.adopts, PRACTICE["lawyer-consultants"], ["全区各镇街实现法律顾问全覆盖。"])
    gb.edge(r4, FZ.cites, LAW["administrative-penalty-law"], ["组织行政处罚法专题培训3期。"])
    gb.edge(r4, FZ.reportsProblem, PROBLEM["publicity-insufficient"], ["普法宣传的针对性和实效性有待增强。" + hx])

    r5 = gb.report(futian, "ft-2024", 2024, "福田区2024年法治政府建设报告.txt")
    gb.edge(r5, FZ.adopts, PRACTICE["lawyer-consultants"], ["区政府常年法律顾问参与重大决策论证46次。"])
    if hostile:  # hostile concept label too
        gb.add(PRACTICE["lawyer-consultants"], SKOS.prefLabel, Literal("政府法律顾问" + hx, lang="zh"))
    return gb


HUANGCHUAN = str(ID["bureau/huangchuan-cgj"])
ZHENGZHOU = str(ID["bureau/zhengzhou-scjgj"])
XIHU = str(ID["bureau/xihu-sfj"])
FUTIAN = str(ID["bureau/futian-zf"])
PUBLICITY = str(PRACTICE["administrative-enforcement-publicity"])


@pytest.fixture(scope="module")
def data() -> dict:
    return explorer_data(sample_builder().graph())


def _edge(view: dict, src: str, dst: str) -> dict:
    [edge] = [e for e in view["edges"] if e["from"] == src and e["to"] == dst]
    return edge


def _node(view: dict, nid: str) -> dict:
    [node] = [n for n in view["nodes"] if n["id"] == nid]
    return node


def test_views_and_filters(data):
    assert sorted(data["views"]) == ["bureau-law", "bureau-practice", "bureau-problem", "bureau-similarity"]
    assert data["filters"] == {
        "provinces": ["广东省", "河南省", "浙江省"],
        "levels": ["city", "county", "district"],
        "years": [2022, 2023, 2024],
    }
    json.dumps(data)  # JSON-able


def test_bureau_attributes(data):
    b = _node(data["views"]["bureau-practice"], HUANGCHUAN)
    assert b["type"] == "bureau"
    assert b["label"] == "潢川县城市管理局"
    assert (b["province"], b["city"], b["county"], b["level"]) == ("河南省", "信阳市", "潢川县", "county")
    assert b["years"] == [2022, 2023]
    assert b["sources"] == sorted(["潢川县城市管理局2022年法治政府建设情况报告.txt", "潢川县城市管理局2023年法治政府建设情况报告.docx"])
    assert _node(data["views"]["bureau-practice"], ZHENGZHOU)["county"] == ""


def test_concept_nodes_sized_by_sharing(data):
    v = data["views"]["bureau-practice"]
    pub = _node(v, PUBLICITY)
    assert (pub["type"], pub["label"], pub["label_en"], pub["count"]) == ("practice", "行政执法公示制度", "Enforcement publicity", 3)
    assert _node(v, str(PRACTICE["full-process-recording"]))["broader"] == ["行政执法公示制度"]
    assert _node(v, str(ID["candidate/城管进社区"]))["type"] == "candidate"
    law = _node(data["views"]["bureau-law"], str(LAW["administrative-penalty-law"]))
    assert (law["type"], law["label"], law["kind"], law["count"]) == ("law", "行政处罚法", "national-law", 2)
    assert _node(data["views"]["bureau-problem"], str(PROBLEM["enforcement-staff-quality"]))["count"] == 2
    # every bureau is in every view (so it can be found and selected), concepts only where used
    for view in data["views"].values():
        assert {n["id"] for n in view["nodes"] if n["type"] == "bureau"} == {HUANGCHUAN, ZHENGZHOU, XIHU, FUTIAN}
    assert all(n["type"] == "law" for n in data["views"]["bureau-law"]["nodes"] if n["type"] != "bureau")


def test_edge_status_and_evidence(data):
    v = data["views"]["bureau-practice"]
    e = _edge(v, HUANGCHUAN, PUBLICITY)
    # adopted in 2022 and 2023, planned in the 2022 report → both; per year it differs
    assert e["status"] == "both"
    assert e["status_by_year"] == {"2022": "both", "2023": "done"}
    assert e["years"] == [2022, 2023]
    assert e["n_evidence"] == 6
    assert len(e["evidence"]) == 3
    first = e["evidence"][0]
    assert first == {
        "quote": "全面推行行政执法公示制度，全年公示行政处罚决定1,204件。",
        "source": "潢川县城市管理局2023年法治政府建设情况报告.docx",
        "year": 2023,
        "section": "一、2023年法治政府建设主要举措和成效",
    }
    assert [x["year"] for x in e["evidence"]] == [2023, 2023, 2023]  # newest first
    plan = _edge(v, HUANGCHUAN, str(PRACTICE["full-process-recording"]))
    assert plan["status"] == "planned"
    assert plan["evidence"][0]["section"] == "三、2024年工作打算"
    assert _edge(v, ZHENGZHOU, PUBLICITY)["status"] == "done"
    prob = _edge(data["views"]["bureau-problem"], HUANGCHUAN, str(PROBLEM["enforcement-staff-quality"]))
    assert prob["status"] is None and prob["evidence"][0]["section"] == "二、存在的不足"


def test_edge_without_evidence_is_kept():
    gb = GraphBuilder()
    b = gb.bureau("x", "某县司法局", "四川省", "成都市", "双流区", "district")
    r = gb.report(b, "x-2021", 2021, "a.txt")
    gb.add(r, FZ.adopts, PRACTICE["lawyer-consultants"])  # no fz:Evidence node
    e = _edge(explorer_data(gb.graph())["views"]["bureau-practice"], str(b), str(PRACTICE["lawyer-consultants"]))
    assert (e["status"], e["evidence"], e["n_evidence"]) == ("done", [], 0)


def test_similarity_is_jaccard_over_practices(data):
    sim = data["views"]["bureau-similarity"]
    assert {n["type"] for n in sim["nodes"]} == {"bureau"}
    # 潢川 {publicity, recording}; 郑州 {publicity, inclusive}; 西湖 {publicity, lawyers}; 福田 {lawyers}
    assert _edge_any(sim, HUANGCHUAN, ZHENGZHOU)["weight"] == pytest.approx(1 / 3, abs=1e-3)
    xf = _edge_any(sim, XIHU, FUTIAN)
    assert xf["weight"] == 0.5 and xf["shared"] == ["政府法律顾问制度"] and xf["n_shared"] == 1
    assert not [e for e in sim["edges"] if {e["from"], e["to"]} == {HUANGCHUAN, FUTIAN}]  # Jaccard 0
    strict = explorer_data(sample_builder().graph(), similarity_threshold=0.4)["views"]["bureau-similarity"]
    assert [(e["from"], e["to"]) for e in strict["edges"]] == [(xf["from"], xf["to"])]


def _edge_any(view: dict, a: str, b: str) -> dict:
    [edge] = [e for e in view["edges"] if {e["from"], e["to"]} == {a, b}]
    return edge


def test_concept_cap_keeps_most_shared_and_says_so():
    gb = sample_builder()
    v = explorer_data(gb.graph(), max_concepts=2)["views"]["bureau-practice"]
    concepts = [n for n in v["nodes"] if n["type"] != "bureau"]
    assert {n["id"] for n in concepts} == {PUBLICITY, str(PRACTICE["lawyer-consultants"])}  # shared by 3 and 2
    assert v["total_concepts"] == 5 and v["shown_concepts"] == 2
    assert "前 2 个" in v["note"] and "共 5 个" in v["note"]
    assert {e["to"] for e in v["edges"]} <= {n["id"] for n in concepts}
    assert explorer_data(gb.graph())["views"]["bureau-practice"]["note"] is None


def test_empty_graph(tmp_path):
    d = explorer_data(Graph())
    assert all(v["nodes"] == [] and v["edges"] == [] for v in d["views"].values())
    assert render_explorer(Graph(), tmp_path / "g.html").stat().st_size > 100_000


# ----------------------------------------------------------------------------- HTML safety
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _data_block(page: str) -> str:
    m = re.search(r'<script type="application/json" id="fz-data">(.*?)</script>', page, re.S)
    assert m, "data block missing"
    return m.group(1)


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory) -> tuple[Path, str]:
    path = render_explorer(sample_builder(HOSTILE).graph(), tmp_path_factory.mktemp("viz") / "graph.html", title="报告图谱" + HOSTILE)
    return path, path.read_text(encoding="utf-8")


def test_hostile_text_only_escaped(hostile_page):
    _, page = hostile_page
    vis = vis_network_js()
    assert page.count(vis) == 1
    rest = page.replace(vis, "")
    block = _data_block(rest)
    # markup-breaking sequences appear nowhere raw: not in the JSON block, not in the escaped title
    assert rest.count("</script") == 3  # our own three closing tags
    for raw in ("<script>window", "<img", "<!--", "<a href", "\u2028", "\u2029", "& &amp;"):
        assert raw not in rest, raw
    # handler-looking text survives only as inert data (JSON) or as escaped text (<title>, <h1>)
    markup = re.sub(r"<title>.*?</title>|<h1[^>]*>.*?</h1>", "", rest.replace(block, ""), flags=re.S)
    for raw in ("onerror=", "onclick=", "window.__pwned", "{{ 7*7 }}"):
        assert raw not in markup, raw
    # the markup is exactly ours: three scripts, no handlers, no injected elements
    parser = _Tags()
    parser.feed(rest)
    tags = [t for t, _ in parser.tags]
    assert tags.count("script") == 3
    assert not {"img", "a", "iframe", "object", "embed"} & set(tags)
    assert not [(t, a) for t, a in parser.tags for k in a if k.lower().startswith("on")]
    assert parser.title == "报告图谱" + HOSTILE  # title shown as text, unchanged


def test_hostile_text_round_trips_through_json(hostile_page):
    """The page embeds the compact form (page_data): bureaus once, edges as index arrays."""
    _, page = hostile_page
    data = json.loads(_data_block(page))
    assert data["title"] == "报告图谱" + HOSTILE
    [xihu] = [b for b in data["bureaus"] if b[0] == XIHU]
    assert xihu[1] == "杭州市西湖区司法局" + HOSTILE and xihu[7][0].endswith(HOSTILE)  # label, source
    v = data["views"]["bureau-practice"]
    ci = {c["id"]: i for i, c in enumerate(v["concepts"])}
    bi = data["bureaus"].index(xihu)
    [edge] = [e for e in v["edges"] if e[0] == bi and e[1] == ci[PUBLICITY]]
    quote, src, year, sec = edge[6][0]
    assert quote.endswith(HOSTILE) and data["sections"][sec].endswith(HOSTILE) and xihu[7][src].endswith(HOSTILE)
    assert v["concepts"][ci[str(PRACTICE["lawyer-consultants"])]]["label"] == "政府法律顾问" + HOSTILE


@pytest.mark.parametrize(
    "text",
    ["</script>", "</SCRIPT >", "<!--<script>", "a\u2028b\u2029c", "&lt;", "`${x}`", "{{ x }}", "\\u003c", "\"'"],
)
def test_json_for_script(text):
    out = json_for_script({"t": text})
    assert "<" not in out and ">" not in out and "&" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == {"t": text}


def test_script_content_is_pinned_by_csp(hostile_page):
    _, page = hostile_page
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert len(re.findall(r"'sha256-[A-Za-z0-9+/=]+'", csp)) == 2


# ----------------------------------------------------------------------------- determinism, offline
def test_byte_identical_output(tmp_path):
    a = render_explorer(sample_builder(HOSTILE).graph(), tmp_path / "a.html")
    b = render_explorer(sample_builder(HOSTILE).graph(shuffle_seed=7), tmp_path / "b.html")
    c = render_explorer(sample_builder(HOSTILE).graph(shuffle_seed=8), tmp_path / "c.html")
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    assert "randomSeed" in a.read_text(encoding="utf-8")


def test_no_remote_resources(hostile_page):
    _, page = hostile_page
    parser = _Tags()
    parser.feed(page.replace(_data_block(page), ""))
    for tag, attrs in parser.tags:
        for k in ("src", "href", "action", "data", "poster"):
            v = (attrs.get(k) or "").strip().lower()
            assert not v.startswith(("http:", "https:", "//")), (tag, attrs)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page.replace(_data_block(page), ""), re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I)  # CSS
    assert "<link" not in page.replace(_data_block(page), "").replace(vis_network_js(), "")
