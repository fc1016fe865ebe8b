"""Reports that are not seeds: other departments, provinces, years, a web page, a traditional copy.

Hand-written realistic reports under tests/fixtures/reports with what a reviewer would
expect to be extracted from them. They guard against tuning to the five seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from fazhi_graph.pipeline import extract_file

FIX = Path(__file__).parent / "fixtures" / "reports"

CASES = {
    "xihu_sifaju_2021.txt": dict(
        meta=("杭州市西湖区司法局", "浙江省", "杭州市", "西湖区", "district", 2021, "2022-01-20"),
        laws={"行政复议法": "national-law", "法律援助法": "national-law", "浙江省法律援助条例": "local-regulation", "民法典": "national-law"},
        done={"行政执法三项制度", "法律顾问制度", "行政机关负责人出庭应诉", "八五普法", "理论学习中心组学法", "会前学法", "包容审慎监管"},
        planned={"首违不罚"},
        problems={"普法针对性不强", "执法力量不足", "法律专业人才缺乏", "法治素养不足"},
        figures={"reconsideration_cases": 56, "legal_aid_cases": 1200},
    ),
    "trad_chengguan_2020.txt": dict(
        meta=("龙泉市综合行政执法局", "浙江省", "丽水市", "龙泉市", "county-level-city", 2020, "2021-02-03"),
        laws={"行政处罚法": "national-law"},
        done={"行政执法三项制度", "错时执法", "非现场执法", "城管进社区", "谁执法谁普法", "法治建设领导小组"},
        planned={"首违不罚"},
        both={"721工作法"},
        problems={"执法力量不足", "执法人员老龄化", "普法形式单一"},
        figures={"penalty_cases": 312, "fines_total_cny": 865000, "body_cameras": 60},
    ),
    "jiangmen_scjgj_2022.html": dict(
        meta=("江门市市场监督管理局", "广东省", "江门市", None, "city", 2022, "2023-01-18"),
        laws={"行政处罚法": "national-law", "市场监督管理行政处罚程序规定": "department-rule"},
        done={"行政执法三项制度", "双随机一公开", "公平竞争审查", "包容审慎监管", "第一责任人职责"},
        planned={"谁执法谁普法", "执法人员培训"},
        problems={"执法力量不足", "案卷质量参差不齐"},
        figures={"penalty_cases": 1856, "fines_total_cny": 23000000},
    ),
    "changxing_gov_2019.txt": dict(
        meta=("长兴县人民政府", "浙江省", "湖州市", "长兴县", "county", 2019, "2020-01-10"),
        laws={"重大行政决策程序暂行条例": "administrative-regulation"},
        done={"行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度", "权责清单", "证明事项告知承诺制",
              "会前学法", "法律顾问制度", "案卷评查", "行政机关负责人出庭应诉", "放管服改革", "综合行政执法改革"},
        planned={"八五普法"},
        problems={"重视程度不够", "执法力量不足", "法治素养不足", "执法监督不到位"},
        figures={"reconsideration_cases": 27, "case_files_reviewed": 320},
    ),
}
CASES["trad_chengguan_2020_big5.txt"] = CASES["trad_chengguan_2020.txt"]


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    return request.param, extract_file(FIX / request.param), CASES[request.param]


def test_metadata(case):
    name, rec, exp = case
    m = rec.meta
    assert (m.bureau, m.province, m.city, m.county, m.admin_level, m.year, m.report_date) == exp["meta"], name


def test_laws(case):
    _, rec, exp = case
    got = {law.label: law.kind for law in rec.laws}
    for label, kind in exp["laws"].items():
        assert got.get(label) == kind, (label, got)


def test_practices_and_status(case):
    _, rec, exp = case
    status = {p.label: p.status for p in rec.practices}
    for label in exp["done"]:
        assert status.get(label) == "done", (label, status.get(label))
    for label in exp.get("planned", ()):
        assert status.get(label) == "planned", (label, status.get(label))
    for label in exp.get("both", ()):
        assert status.get(label) == "both", (label, status.get(label))


def test_problems(case):
    _, rec, exp = case
    assert exp["problems"] <= {p.label for p in rec.problems}
    assert rec.problem_statements, "every listed weakness is kept as a statement"
    for st in rec.problem_statements:
        assert st.categories


def test_figures(case):
    _, rec, exp = case
    got = {(m.indicator, m.value) for m in rec.metrics}
    for indicator, value in exp["figures"].items():
        assert (indicator, value) in got, (indicator, value)


def test_traditional_copy_quotes_the_traditional_text():
    rec = extract_file(FIX / "trad_chengguan_2020_big5.txt")
    (p,) = [p for p in rec.practices if p.label == "错时执法"]
    assert "錯時執法" in p.evidence[0].quote


def test_web_page_chrome_and_script_are_gone():
    from fazhi_graph.ingest import read_document

    text = read_document(FIX / "jiangmen_scjgj_2022.html").text
    for chrome in ("索引号", "ICP备", "网站地图", "分享到", "__pwned", "首页 >"):
        assert chrome not in text, chrome
    assert "江门市市场监督管理局2022年法治政府建设年度报告" in text
