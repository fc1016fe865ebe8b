"""Segmenter: heading systems, nesting inferred from order, section kinds, sentences."""

from __future__ import annotations

import pytest

from fazhi_graph.model import Document
from fazhi_graph.segment import classify_heading, cn_ordinal, segment
from fazhi_graph.textnorm import normalize


def seg(text: str):
    return segment(Document(source="t.txt", text=text, norm=normalize(text)))


def top(report):
    return [s for s in report.sections if s.level == 1]


@pytest.mark.parametrize(
    "title,kind",
    [
        ("一、2023年推进法治政府建设的主要举措和成效", "achievements"),
        ("存在的不足", "problems"),
        ("2024年推进法治政府建设存在的不足、原因和整改情况", "problems"),
        ("问题整改情况", "rectification"),
        ("原因分析", "causes"),
        ("下一步工作计划", "plans"),
        ("2026年度法治建设重点工作", "plans"),
        ("2024 年度法治政府建设工作计划", "plans"),
        ("对全市加强法治政府建设的意见建议", "suggestions"),
        ("党政主要负责人履行推进法治建设第一责任人职责情况", "responsibility"),
        ("其他需要报告的事项", "other"),
        ("存在問題及原因", "problems"),  # traditional characters
        ("深化习近平法治思想学习宣传", None),
    ],
)
def test_classify_heading(title, kind):
    assert classify_heading(title) == kind


@pytest.mark.parametrize("s,n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("7", 7)])
def test_cn_ordinal(s, n):
    assert cn_ordinal(s) == n


def test_standard_system_nests_and_kinds_inherit():
    text = (
        "某某区司法局2022年法治政府建设工作报告\n"
        "一、主要举措和成效\n（一）强化组织领导。成立领导小组。\n1.健全制度。制定办法。\n2.狠抓落实。\n"
        "（二）加强普法。开展宣传。\n"
        "二、存在的问题\n（一）执法力量不足。人员少。\n（二）普法形式单一。\n"
        "三、下一步工作安排\n（一）加强队伍建设。\n"
    )
    r = seg(text)
    kinds = [(s.marker, s.kind) for s in top(r)]
    assert kinds == [("一、", "achievements"), ("二、", "problems"), ("三、", "plans")]
    sub = [s for s in r.sections if s.parent == top(r)[0].id]
    assert [s.title for s in sub] == ["强化组织领导", "加强普法"]
    assert [s.title for s in r.sections if s.parent == sub[0].id] == ["健全制度", "狠抓落实"]
    # a subsection with no cue of its own inherits the kind
    assert r.kind_at(text.index("执法力量不足")) == "problems"
    assert r.kind_at(text.index("加强队伍建设")) == "plans"


def test_arabic_top_level_with_chinese_parens_below_and_mixed_siblings():
    # 1、 at top, （一） below, and a stray （6） among （五）/（七）.
    text = (
        "标题\n副标题\n\n"
        "1、 主要举措和成效\n（五）第五项。内容。\n（6） 第六项。内容。\n（七）第七项。内容。\n"
        "2、 存在的不足、原因和整改情况\n（1） 存在的不足\n一是人手少。二是培训少。\n（二）问题整改情况。一是补人。\n"
    )
    r = seg(text)
    assert [s.marker for s in top(r)] == ["1、", "2、"]
    first = top(r)[0]
    assert [s.marker for s in r.sections if s.parent == first.id] == ["(五)", "(6)", "(七)"]
    second = top(r)[1]
    kids = [s for s in r.sections if s.parent == second.id]
    assert [(s.marker, s.kind) for s in kids] == [("(1)", "problems"), ("(二)", "rectification")]
    assert r.kind_at(text.index("补人")) == "rectification"
    assert r.kind_at(text.index("人手少")) == "problems"


def test_markdown_and_bold_headings():
    text = (
        "# 某市城市管理局\n\n## 2023 年度法治政府建设工作报告\n\n"
        "### 一、2023 年度法治政府建设工作开展情况\n\n#### (一) 深入学习\n\n内容。\n\n"
        "1. **健全组织领导机制。**我局成立领导小组。\n\n"
        "## **二、法治政府建设工作中存在的问题**\n\n一是培训不够。二是人员不足。\n\n"
        "### 三、2024 年度法治政府建设工作计划\n\n内容。\n"
    )
    r = seg(text)
    assert [(s.marker, s.title, s.kind) for s in top(r)] == [
        ("一、", "2023 年度法治政府建设工作开展情况", "achievements"),
        ("二、", "法治政府建设工作中存在的问题", "problems"),
        ("三、", "2024 年度法治政府建设工作计划", "plans"),
    ]
    assert any(s.title == "健全组织领导机制" for s in r.sections)


def test_unnumbered_standalone_headings_from_a_web_copy():
    text = (
        "某某局\n\n2023年工作报告\n\n导语。\n\n一、主要举措和成效\n\n做了很多工作，取得明显成效，群众满意度不断提升，执法规范化水平持续提高，法治氛围日益浓厚。\n\n"
        "2024年推进法治政府建设的主要安排\n\n(一)加强普法。继续开展活动，持续深化普法宣传，推动法治宣传教育进社区、进企业、进学校、进工地。\n\n"
        "某某局\n\n20231227"
    )
    r = seg(text)
    titles = [(s.title, s.kind) for s in top(r)]
    assert ("2024年推进法治政府建设的主要安排", "plans") in titles
    assert all(t != "某某局" for t, _ in titles)  # the sign-off is not a heading


def test_inline_items_are_leaf_sections_in_problem_sections():
    text = "二、存在的问题\n一是理论学习不深入。学用结合不紧密。二是执法水平有待提高。三是社会认知度不高。\n三、下一步打算\n继续努力。"
    r = seg(text)
    items = [s for s in r.sections if s.marker.endswith("是")]
    assert [s.title for s in items] == ["理论学习不深入", "执法水平有待提高", "社会认知度不高"]
    assert all(s.kind == "problems" for s in items)
    assert text[items[0].start:items[0].end].startswith("一是")


def test_word_bookmark_residue_is_skipped_in_titles():
    text = "x\ny\nz\n3、 存在的不足\n（1） [bookmark: OLE_LINK26]存在的不足\n[bookmark: _GoBack]一是人少。二是钱少。\n"
    r = seg(text)
    assert any(s.title == "存在的不足" and s.marker == "(1)" for s in r.sections)
    assert [s.marker for s in r.sections if s.marker.endswith("是")] == ["一是", "二是"]


def test_sentences_quote_the_original_text_and_cover_it():
    text = "（一）全面推進。我局開展“城管進社區”活動！效果好？\n\n二、存在的問題\n執法力量不足；人員老化"
    r = seg(text)
    for s in r.sentences:
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip()
    assert [s.text for s in r.sentences][:3] == ["（一）全面推進。", "我局開展“城管進社區”活動！", "效果好？"]


def test_run_on_text_is_cut_into_bounded_sentences():
    text = "，".join(["内容很长没有句号"] * 500)
    r = seg(text)
    assert max(s.end - s.start for s in r.sentences) <= 400
    assert "".join(text[s.start:s.end] for s in r.sentences) == text


@pytest.mark.parametrize("text", ["", "   \n\n", "没有标题的一段话。", "一、", "（一）\n（二）"])
def test_degenerate_inputs_do_not_crash(text):
    r = seg(text)
    assert r.sections[0].id == "s0"
    for s in r.sentences:
        assert text[s.start:s.end] == s.text


def test_seed_sections(seed_files):
    """Every seed yields the sections a reviewer expects, with the right kinds."""
    expected = {
        "000": ["responsibility", "achievements", "problems", "plans"],
        "001": ["achievements", "problems", "plans"],
        "002": ["achievements", "problems", "responsibility", "achievements", "plans", "suggestions", "other"],
        "003": ["responsibility", "achievements", "problems", "plans"],
        "004": ["achievements", "problems", "plans"],
    }
    for f in seed_files:
        text = f.read_text(encoding="utf-8")
        r = seg(text)
        assert [s.kind for s in top(r)] == expected[f.name[:3]], f.name
