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
    # 一、/（一） headings, 困难和问题, 2024年工作思路; 说理式执法 and 轻微违法免罚 both done and planned
    "wuhou_zfj_2023.txt": dict(
        meta=("成都市武侯区综合行政执法局", "四川省", "成都市", "武侯区", "district", 2023, "2024-01-12"),
        laws={"行政处罚法": "national-law", "四川省城乡环境综合治理条例": "local-regulation",
              "成都市市容和环境卫生管理条例": "local-regulation"},
        done={"行政执法三项制度", "行政执法公示制度", "执法证件管理", "以案释法", "谁执法谁普法", "城管进社区",
              "721工作法", "第一责任人职责", "理论学习中心组学法"},
        planned={"非现场执法"},
        both={"说理式执法", "轻微违法不罚"},
        problems={"法律专业人才缺乏", "执法装备经费不足", "信息化水平不高"},
        figures={"penalty_cases": 1023, "fines_total_cny": 1568000, "penalty_waivers": 217, "publicity_events": 62,
                 "trainees": 860},
    ),
    # a provincial bureau (省直), 1./(1) headings, problems inline after a colon, 省局将 plans
    "hubei_scjgj_2021.txt": dict(
        meta=("湖北省市场监督管理局", "湖北省", None, None, "province", 2021, "2022-01-28"),
        laws={"行政处罚法": "national-law", "优化营商环境条例": "administrative-regulation",
              "市场监督管理行政处罚程序规定": "department-rule"},
        done={"重大行政决策程序", "公平竞争审查", "法律顾问制度", "公职律师制度", "包容审慎监管", "双随机一公开",
              "信用监管", "行政执法三项制度", "案卷评查"},
        planned={"证明事项告知承诺制", "放管服改革", "执法技能比武", "执法人员培训"},
        both={"行政执法监督"},
        problems={"部门协同不畅", "执法监督不到位", "执法力量不足", "基层执法薄弱"},
        figures={"penalty_waivers": 1265, "inspections": 42000, "penalty_cases": 23000, "fines_total_cny": 360000000,
                 "case_files_reviewed": 600, "reconsideration_cases": 41, "public_lawyers": 23},
    ),
    # a county 司法局: 一是…二是 inside sections, 下步工作打算, signing date in Chinese numerals
    "yueyang_sfj_2023.txt": dict(
        meta=("岳阳县司法局", "湖南省", "岳阳市", "岳阳县", "county", 2023, "2024-01-26"),
        laws={"法律援助法": "national-law"},
        done={"合法性审查", "法律顾问制度", "一村(社区)一法律顾问", "公职律师制度", "普法成效评估", "以案释法",
              "青少年法治教育", "人民调解", "法律援助", "行政复议体制改革"},
        planned={"提升行政执法质量三年行动", "新媒体普法"},
        both={"八五普法"},
        problems={"普法形式单一", "执法监督不到位", "法律专业人才缺乏"},
        figures={"normative_docs_legality_reviewed": 14, "major_decisions_reviewed": 9, "contracts_reviewed": 86,
                 "disputes_mediated": 2318, "legal_aid_cases": 426, "reconsideration_cases": 37, "public_lawyers": 21},
    ),
    # a city 住建局: unnumbered headings, 短板弱项 as one paragraph, 一要 plans, year only in the opening line
    "zunyi_zjj_2024.txt": dict(
        meta=("遵义市住房和城乡建设局", "贵州省", "遵义市", None, "city", 2024, "2025-02-10"),
        laws={"建筑法": "national-law", "建设工程质量管理条例": "administrative-regulation",
              "物业管理条例": "administrative-regulation", "贵州省物业管理条例": "local-regulation",
              "保障农民工工资支付条例": "administrative-regulation"},
        done={"第一责任人职责", "法治建设领导小组", "会前学法", "证照分离改革", "行政执法三项制度", "双公示",
              "双随机一公开", "案卷评查", "谁执法谁普法"},
        planned={"免罚减罚轻罚清单", "包容审慎监管", "执法技能比武"},
        problems={"法治素养不足", "权责边界不清", "部门协同不畅", "执法力量不足"},
        figures={"penalty_cases": 89, "fines_total_cny": 4865000, "inspections": 312, "case_files_reviewed": 120,
                 "publicity_events": 18, "leaflets_distributed": 5000},
    ),
    # a web page of a 生态环境局 with a 上年度问题整改落实情况 section (done, not planned)
    "jiujiang_sthjj_2022.html": dict(
        meta=("九江市生态环境局", "江西省", "九江市", None, "city", 2022, "2023-02-14"),
        laws={"环境保护法": "national-law", "大气污染防治法": "national-law", "固体废物污染环境防治法": "national-law"},
        done={"双随机一公开", "说理式执法", "免罚减罚轻罚清单", "处罚与教育相结合", "行政执法三项制度", "执法证件管理",
              "执法技能比武", "谁执法谁普法", "以案释法", "案卷评查"},
        planned={"执法人员培训", "新媒体普法", "行政执法与刑事司法衔接"},
        both={"非现场执法"},
        problems={"执法装备经费不足", "法律专业人才缺乏", "普法形式单一"},
        figures={"penalty_cases": 214, "fines_total_cny": 13860000, "inspections": 1120, "penalty_waivers": 37,
                 "case_files_reviewed": 160},
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


def test_a_law_title_is_not_a_practice():
    """《大气污染防治法》 is a citation, not the city-management practice 大气污染防治."""
    rec = extract_file(FIX / "jiujiang_sthjj_2022.html")
    assert "扬尘污染防治" not in {p.label for p in rec.practices}


def test_judicial_office_standardisation_is_not_enforcement_standardisation():
    rec = extract_file(FIX / "yueyang_sfj_2023.txt")
    assert "执法规范化建设" not in {p.label for p in rec.practices}


def test_first_unnumbered_heading_after_a_short_opening():
    rec = extract_file(FIX / "zunyi_zjj_2024.txt")
    assert "法治建设组织保障情况" in {s.title for s in rec.sections}
