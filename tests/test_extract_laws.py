"""Law & document citations: bracket repair, bare names, gazetteer resolution, kinds, flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fazhi_graph.extract.laws import extract_laws, gazetteer, resolve_title
from fazhi_graph.model import Document
from fazhi_graph.segment import segment
from fazhi_graph.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "eval" / "seeds_gold.json"
KINDS = {
    "national-law",
    "administrative-regulation",
    "local-regulation",
    "department-rule",
    "local-rule",
    "normative-document",
    "internal-document",
    "party-document",
    "unknown",
}


def _report(text: str):
    return segment(Document(source="test.txt", text=text, norm=normalize(text)))


def _cites(text: str, year: int | None = 2023):
    rep = _report(text)
    out = extract_laws(rep, year)
    for c in out:  # evidence invariants hold for every citation
        assert c.kind in KINDS
        for e in c.evidence:
            assert rep.doc.text[e.start : e.end] == e.quote
            assert rep.doc.text[e.match_start : e.match_end] == e.match
            assert e.start <= e.match_start <= e.match_end <= e.end
    return out


def _by_label(text: str, year: int | None = 2023):
    return {c.label: c for c in _cites(text, year)}


# ---------------------------------------------------------------- gazetteer


def test_gazetteer_size_and_fields():
    entries = gazetteer()
    assert len(entries) >= 170
    iris = {e.iri for e in entries}
    for e in entries:
        assert e.label and e.full_name, e.iri
        assert e.kind in KINDS, e.iri
        if e.replaced_by:
            assert e.replaced_by in iris, e.iri
        if e.repealed and e.effective:
            assert e.repealed > e.effective, e.iri
    kinds = {e.kind for e in entries}
    assert {"national-law", "administrative-regulation", "department-rule"} <= kinds


@pytest.mark.parametrize(
    "title, label",
    [
        ("中华人民共和国行政处罚法", "行政处罚法"),
        ("行政处罚法", "行政处罚法"),
        ("《中华人民共和国行政处罚法(2021年修订)》", "行政处罚法"),
        ("中華人民共和國行政處罰法", "行政处罚法"),
        ("政务信息公开条例", "政府信息公开条例"),
        ("反诈骗法", "反电信网络诈骗法"),
        ("城市管理执法办法", "城市管理执法办法"),
        ("法治政府建设实施纲要（2021-2025年）", "法治政府建设实施纲要（2021—2025年）"),
    ],
)
def test_resolve_title(title, label):
    e = resolve_title(title)
    assert e is not None and e.label == label


def test_unknown_title_does_not_resolve():
    assert resolve_title("安全法") is None  # no PRC law has this name; not 安全生产法


# ---------------------------------------------------------------- brackets


@pytest.mark.parametrize(
    "text, label",
    [
        # closing 》 missing: the title runs to the end of the clause
        ("一是认真学习《中华人民共和国行政处罚法，严格规范执法行为。", "行政处罚法"),
        ("组织全体队员学习《城市市容和环境卫生管理条例等法规，提升执法水平。", "城市市容和环境卫生管理条例"),
        # opening 《 missing after another title
        (
            "制定了《执法全过程记录制度》城市管理行政执法辅助人员管理办法》，规范协管人员管理。",
            "城市管理行政执法辅助人员管理办法",
        ),
        # a parenthesis lost inside the brackets
        ("更新《某某区城市管理局权责清单(2023年版》，明确职责边界。", "某某区城市管理局权责清单(2023年版)"),
    ],
)
def test_broken_brackets(text, label):
    got = _by_label(text)
    assert label in got, list(got)
    assert "broken-brackets" in got[label].flags


def test_hard_wrapped_title_and_lists():
    text = (
        "局党组认真贯彻落实《中华人民共和国宪法》、《中华人民共和国城乡规划法》、《城市管\n"
        "理执法办法》等法律法规，严格执行《行政处罚法》《行政强制法》、《行政诉讼法》。"
    )
    got = _by_label(text)
    assert {"宪法", "城乡规划法", "城市管理执法办法", "行政处罚法", "行政强制法", "行政诉讼法"} <= set(got)
    assert got["城市管理执法办法"].kind == "department-rule"
    assert got["城市管理执法办法"].evidence[0].match == "城市管\n理执法办法"
    assert not got["城市管理执法办法"].flags


# ---------------------------------------------------------------- bare names


@pytest.mark.parametrize(
    "text, labels",
    [
        ("组织执法人员系统学习行政处罚法、行政强制法、行政许可法等法律法规。", {"行政处罚法", "行政强制法", "行政许可法"}),
        ("五月份集中学习民法典，开展“民法典宣传月”系列活动。", {"民法典"}),
        ("认真实施政务信息公开条例，健全信息公开制度。", {"政府信息公开条例"}),
        ("把宪法、法律、法规和党章、党规、党纪列入理论学习中心组学习内容。", {"宪法", "中国共产党章程"}),
        # a bare name that is part of another word is no citation
        ("加强劳动法律法规宣传，落实监察法规要求。", set()),
        ("严格执行行政复议法实施条例的规定。", {"行政复议法实施条例"}),
    ],
)
def test_bare_names(text, labels):
    assert set(_by_label(text)) == labels


def test_prefix_normalisation_merges_mentions():
    text = "依据《中华人民共和国行政许可法》办理审批。全体人员学习行政许可法。"
    got = _cites(text)
    assert len(got) == 1
    c = got[0]
    assert (c.label, c.full_name, c.kind) == ("行政许可法", "中华人民共和国行政许可法", "national-law")
    assert [e.match for e in c.evidence] == ["中华人民共和国行政许可法", "行政许可法"]
    assert c.iri and c.iri.endswith("administrative-licensing-law")


def test_bare_name_inside_title_not_double_counted():
    text = "制定下发《长治市城市管理局贯彻实施〈中华人民共和国行政处罚法〉任务清单》等文件。"
    got = _by_label(text)
    assert set(got) == {"长治市城市管理局贯彻实施〈中华人民共和国行政处罚法〉任务清单", "行政处罚法"}
    assert len(got["行政处罚法"].evidence) == 1
    assert got["长治市城市管理局贯彻实施〈中华人民共和国行政处罚法〉任务清单"].kind == "internal-document"


def test_bare_document_title_after_drafting_verb():
    got = _by_label("加强事后公开，制定了行政执法公示具体办法，明确了公示范围。")
    assert "行政执法公示具体办法" in got
    assert not _by_label("按照有关规定办理，制定了相关办法。")


# ---------------------------------------------------------------- kinds and flags


@pytest.mark.parametrize(
    "text, label, kind, flags",
    [
        ("先后组织学习《黄河保护法》《安全法》等法律。", "安全法", "national-law", ["unresolved"]),
        ("《洛阳市机动车停车管理条例》已被市人大常委会列入立法计划。", "洛阳市机动车停车管理条例", "local-regulation", []),
        ("严格遵守《中国共产党纪律处分条例》，强化纪律约束。", "中国共产党纪律处分条例", "party-document", []),
        (
            "根据《关于进一步规范涉企行政执法行为的通知》要求，开展专项整治。",
            "关于进一步规范涉企行政执法行为的通知",
            "normative-document",
            [],
        ),
        ("我局符合《河南省行政执法证件管理办法》的人员参加了考试。", "河南省行政执法证件管理办法", "local-rule", []),
        (
            "我局印发了《2023年度法治政府建设工作要点》，统筹推进各项工作。",
            "2023年度法治政府建设工作要点",
            "internal-document",
            [],
        ),
        ("印发了部门规范性文件《某某县市场监督管理局行政处罚裁量基准》。", "某某县市场监督管理局行政处罚裁量基准", "normative-document", []),
        ("严格落实《市场监督管理行政处罚程序规定》。", "市场监督管理行政处罚程序规定", "department-rule", []),
        (
            "认真落实《中共金水区委全面依法治区委员会2022年工作要点》。",
            "中共金水区委全面依法治区委员会2022年工作要点",
            "party-document",
            [],
        ),
        ("贯彻实施《河南省行政执法条例》，规范执法程序。", "河南省行政执法条例", "local-regulation", []),
    ],
)
def test_kinds(text, label, kind, flags):
    got = _by_label(text)
    assert label in got, list(got)
    assert got[label].kind == kind
    assert got[label].flags == flags


@pytest.mark.parametrize(
    "text, year, label, flagged",
    [
        ("依据《中华人民共和国合同法》审查合同。", 2023, "合同法", True),
        ("依据《中华人民共和国合同法》审查合同。", 2019, "合同法", False),
        ("依据环境噪声污染防治法查处夜间施工噪声。", 2023, "环境噪声污染防治法", True),
        ("依据环境噪声污染防治法查处夜间施工噪声。", 2021, "环境噪声污染防治法", False),
        ("认真贯彻《信访条例》，依法处理群众来信。", 2024, "信访条例", True),
        ("认真贯彻《信访工作条例》，依法处理群众来信。", 2024, "信访工作条例", False),
        ("学习《中华人民共和国民法典》。", 2019, "民法典", True),  # not yet in force
        ("学习《中华人民共和国民法典》。", None, "民法典", False),
    ],
)
def test_not_in_force(text, year, label, flagged):
    got = _by_label(text, year)
    assert ("not-in-force" in got[label].flags) == flagged


@pytest.mark.parametrize(
    "text",
    [
        "在微信公众号“美丽潢川”上开辟了《每周法条》广泛宣传相关法律法规。",
        "执法支队拍摄的《小管来了》微视频被评为三等奖。",
        "开设《城管普法指南》栏目，每周推送典型案例。",
        "推出了《城管来了就是服务来了，有困难，找城管》《接诉即办！城管直通车服务专线》等新闻稿件。",
        "邀请党校教授专题作《习近平法治思想学习辅导》专题培训，组织《以案释法》线上课堂。",
    ],
)
def test_programme_titles_are_not_laws(text):
    assert _cites(text) == []


def test_traditional_characters_resolve():
    text = "嚴格執行《中華人民共和國行政處罰法》，規範執法行為。"
    got = _cites(text)
    assert [c.label for c in got] == ["行政处罚法"]
    assert got[0].evidence[0].match == "中華人民共和國行政處罰法"


def test_deterministic_output():
    text = "学习宪法、民法典、行政处罚法，落实《优化营商环境条例》。"
    a = [(c.label, c.kind, c.flags) for c in _cites(text)]
    b = [(c.label, c.kind, c.flags) for c in _cites(text)]
    assert a == b and [x[0] for x in a] == ["宪法", "民法典", "行政处罚法", "优化营商环境条例"]


# ---------------------------------------------------------------- seeds against the gold


def _nk(s: str) -> str:
    s = "".join(normalize(s).split()).replace("《", "").replace("》", "")
    s = s.translate(str.maketrans({c: "-" for c in "—–－―‐"}))
    return s[len("中华人民共和国") :] if s.startswith("中华人民共和国") else s


@pytest.mark.skipif(not GOLD.exists(), reason="shared gold not available")
def test_seed_law_f1():
    from fazhi_graph.ingest import read_document

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    n_pred = n_pred_ok = n_gold = n_gold_ok = 0
    lines = []
    for rep in gold:
        path = ROOT / "seeds" / Path(rep["file"]).name
        cits = extract_laws(segment(read_document(path)), rep.get("year"))
        gk = [{_nk(g["canonical"])} | {_nk(s) for s in g["surface"]} for g in rep["laws"]]
        pk = [{_nk(c.label), _nk(c.full_name)} | {_nk(a) for a in c.aliases} for c in cits]
        ok_p = [any(p & g for g in gk) for p in pk]
        ok_g = [any(g & p for p in pk) for g in gk]
        n_pred += len(pk)
        n_pred_ok += sum(ok_p)
        n_gold += len(gk)
        n_gold_ok += sum(ok_g)
        lines += [f"{path.name} extra: {c.label}" for c, ok in zip(cits, ok_p) if not ok]
        lines += [f"{path.name} miss: {g['canonical']}" for g, ok in zip(rep["laws"], ok_g) if not ok]
    p, r = n_pred_ok / n_pred, n_gold_ok / n_gold
    f1 = 2 * p * r / (p + r)
    print(f"seed laws P={p:.3f} R={r:.3f} F1={f1:.3f}", *lines, sep="\n")
    assert f1 >= 0.95, lines


@pytest.mark.parametrize("title", ["《晋城市城市管理条例》", "《盐城市市容管理办法》"])
def test_cities_whose_names_contain_chengshi_are_still_places(title):
    from fazhi_graph.extract.laws import _place_prefix

    assert _place_prefix(title.strip("《》")) in ("晋城市", "盐城市")
