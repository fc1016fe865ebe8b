"""Report metadata: body, region, admin level, year covered, signing date."""

import json
from pathlib import Path

import pytest

from fazhi_graph.extract.meta import extract_meta
from fazhi_graph.model import Document, Section, SegmentedReport, Sentence
from fazhi_graph.segment import segment
from fazhi_graph.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "eval" / "seeds_gold.json"
FIELDS = ("bureau", "province", "city", "county", "admin_level", "year", "report_date")


def meta_of(text: str, source: str = "test.txt"):
    doc = Document(source=source, text=text, norm=normalize(text))
    meta = extract_meta(segment(doc))
    for field, ev in meta.evidence.items():
        assert ev.quote == text[ev.start : ev.end], field
        assert ev.match == text[ev.match_start : ev.match_end], field
        assert ev.start <= ev.match_start <= ev.match_end <= ev.end, field
    return meta


def _gold():
    if not GOLD.exists():
        return []
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.mark.parametrize("gold", _gold(), ids=lambda g: g["file"][:3])
def test_seeds_match_gold(gold):
    text = (ROOT / "seeds" / gold["file"]).read_text(encoding="utf-8")
    meta = meta_of(text, gold["file"])
    got = {f: getattr(meta, f) for f in FIELDS}
    assert got == {f: gold[f] for f in FIELDS}
    assert sorted(meta.bureau_aliases) == sorted(gold["bureau_aliases"])
    assert not any("ambiguous" in w for w in meta.warnings)


def test_hand_built_report_without_segmenter():
    text = "长治市城市管理局\n2023年法治政府建设工作报告\n\n2023年，我局坚持依法行政。\n\n长治市城市管理局\n20231227\n"
    doc = Document(source="x", text=text, norm=normalize(text))
    sections = [Section(id="s0", level=0, marker="", title="", kind="preamble", start=0, end=len(text), heading_end=0)]
    sentences = [Sentence(0, len(text), text, "s0")]
    meta = extract_meta(SegmentedReport(doc, sections, sentences))
    assert (meta.bureau, meta.city, meta.year, meta.report_date) == ("长治市城市管理局", "长治市", 2023, "2023-12-27")


BODY = (
    "一、主要工作成效\n"
    "（一）加强组织领导。严格落实党政主要负责人履行推进法治建设第一责任人职责，召开专题会议研究部署法治政府建设工作。\n"
    "（二）推进严格规范公正文明执法。全面落实行政执法三项制度，开展案卷评查，共办理行政处罚案件126件。\n"
    "二、存在的不足\n"
    "执法人员法治素养有待提高，执法装备保障不足。\n"
    "三、下一步工作打算\n"
    "持续深化法治政府建设，加强执法队伍建设，提升依法行政水平。\n"
)


CASES = [
    pytest.param(
        "上海市浦东新区司法局2023年法治政府建设情况报告\n\n"
        "2023年，上海市浦东新区司法局在区委、区政府的坚强领导下，深入学习贯彻习近平法治思想，现将有关情况报告如下：\n"
        + BODY + "\n上海市浦东新区司法局\n2024年1月18日\n",
        dict(bureau="上海市浦东新区司法局", province="上海市", city="上海市", county="浦东新区",
             admin_level="district", year=2023, report_date="2024-01-18"),
        id="municipality-district-justice",
    ),
    pytest.param(
        "信阳市市场监督管理局\n关于2022年度法治政府建设工作情况的报告\n\n"
        "2022年，在市委、市政府的正确领导下，我局坚持以习近平新时代中国特色社会主义思想为指导，现报告如下：\n"
        + BODY + "\n信阳市市场监督管理局\n2023年2月10日\n",
        dict(bureau="信阳市市场监督管理局", province="河南省", city="信阳市", county=None,
             admin_level="city", year=2022, report_date="2023-02-10"),
        id="prefecture-market-regulation",
    ),
    pytest.param(
        "准格尔旗人民政府\n2022年法治政府建设年度报告\n\n"
        "2022年，旗人民政府在旗委的坚强领导下，全面推进依法行政，现将有关情况报告如下：\n"
        + BODY + "\n准格尔旗人民政府\n2023年3月1日\n",
        dict(bureau="准格尔旗人民政府", province="内蒙古自治区", city="鄂尔多斯市", county="准格尔旗",
             admin_level="county", year=2022, report_date="2023-03-01"),
        id="county-government-banner",
    ),
    pytest.param(
        "平顺县人民政府关于2021年度法治政府建设情况的报告\n\n"
        "2021年，县政府坚持以习近平法治思想为指导，扎实推进法治政府建设，现报告如下：\n" + BODY,
        dict(bureau="平顺县人民政府", province="山西省", city="长治市", county="平顺县",
             admin_level="county", year=2021, report_date=None),
        id="county-government",
    ),
    pytest.param(
        "河南省住房和城乡建设厅2023年法治政府建设年度报告\n\n"
        "2023年，省住房城乡建设厅深入学习贯彻习近平法治思想，认真落实省委、省政府部署，现将有关情况报告如下：\n"
        + BODY + "\n河南省住房和城乡建设厅\n2024年2月28日\n",
        dict(bureau="河南省住房和城乡建设厅", province="河南省", city=None, county=None,
             admin_level="province", year=2023, report_date="2024-02-28"),
        id="province-department",
    ),
    pytest.param(
        "义乌市市场监督管理局2024年法治政府建设工作报告\n\n"
        "2024年，义乌市市场监督管理局在市委、市政府的坚强领导下，现将有关情况报告如下：\n"
        + BODY + "\n义乌市市场监督管理局\n2025年1月6日\n",
        dict(bureau="义乌市市场监督管理局", province="浙江省", city="金华市", county="义乌市",
             admin_level="county-level-city", year=2024, report_date="2025-01-06"),
        id="county-level-city",
    ),
    pytest.param(
        "朝阳区城市管理局\n2023年法治政府建设工作报告\n\n"
        "2023年，在长春市委、市政府和区委、区政府的坚强领导下，我局深入推进法治城管建设，现报告如下：\n"
        + BODY + "\n朝阳区城市管理局\n2024年1月12日\n",
        dict(bureau="朝阳区城市管理局", province="吉林省", city="长春市", county="朝阳区",
             admin_level="district", year=2023, report_date="2024-01-12"),
        id="chaoyang-changchun",
    ),
    pytest.param(
        "朝阳区司法局2022年法治政府建设工作报告\n\n"
        "2022年，在北京市委、市政府和区委、区政府的坚强领导下，我局紧紧围绕首都发展大局，现报告如下：\n" + BODY,
        dict(bureau="朝阳区司法局", province="北京市", city="北京市", county="朝阳区",
             admin_level="district", year=2022, report_date=None),
        id="chaoyang-beijing",
    ),
    pytest.param(
        "潢川縣城市管理局\n2024年法治政府建設工作報告\n\n"
        "2024年度潢川縣城市管理局認真貫徹落實黨中央關於全面推進依法治國的部署要求，現將工作情況報告如下：\n"
        "一、主要工作\n嚴格落實行政執法三項制度，規範執法行為。\n",
        dict(bureau="潢川县城市管理局", province="河南省", city="信阳市", county="潢川县",
             admin_level="county", year=2024, report_date=None),
        id="traditional-characters",
    ),
    pytest.param(
        "当前位置：首页 > 政府信息公开 > 法治政府建设年度报告\n"
        "宁乡市司法局2023年度法治政府建设工作报告\n"
        "发布时间：2024-02-05 10:21    来源：市司法局    浏览次数：326\n"
        "字号：[大 中 小]  打印  关闭窗口\n\n"
        "2023年，市司法局在市委、市政府的坚强领导下，深入学习贯彻习近平法治思想，现将有关情况报告如下：\n"
        + BODY + "\n宁乡市司法局\n2024年1月30日\n\n分享到：\n主办：宁乡市人民政府办公室  湘ICP备05005555号\n",
        dict(bureau="宁乡市司法局", province="湖南省", city="长沙市", county="宁乡市",
             admin_level="county-level-city", year=2023, report_date="2024-01-30"),
        id="web-page-chrome",
    ),
    pytest.param(
        "关于2022年法治政府建设工作情况的报告\n"
        "来源：南京市鼓楼区司法局    发布日期：2023-01-20\n\n"
        "2022年，我局坚持以习近平法治思想为指导，全面推进法治鼓楼建设，现将有关情况报告如下：\n" + BODY,
        dict(bureau="南京市鼓楼区司法局", province="江苏省", city="南京市", county="鼓楼区",
             admin_level="district", year=2022, report_date=None),
        id="source-field-full-name-page-date-ignored",
    ),
    pytest.param(
        "株洲市城市管理和综合执法局\n2021年法治政府建设工作报告\n\n"
        "2021年，市城管执法局在市委、市政府的坚强领导下，现将有关情况报告如下：\n"
        + BODY + "\n株洲市城市管理和综合执法局\n2022年1月20日\n",
        dict(bureau="株洲市城市管理和综合执法局", province="湖南省", city="株洲市", county=None,
             admin_level="city", year=2021, report_date="2022-01-20"),
        id="signed-next-january",
    ),
    pytest.param(
        "醴陵市城市管理和综合执法局\n二〇二三年法治政府建设工作报告\n\n"
        "二〇二三年，我局在市委、市政府的坚强领导下，现将有关情况报告如下：\n"
        + BODY + "\n醴陵市城市管理和综合执法局\n二〇二四年一月十五日\n",
        dict(bureau="醴陵市城市管理和综合执法局", province="湖南省", city="株洲市", county="醴陵市",
             admin_level="county-level-city", year=2023, report_date="2024-01-15"),
        id="chinese-numeral-years",
    ),
    pytest.param(
        "开封市城市管理局2023 年度法治政府建设工作报告\n\n"
        "2023 年，我局在市委市政府的正确领导下，现将有关情况汇报如下：\n"
        + BODY + "\n开封市城市管理局    2024 年 3 月 11 日\n",
        dict(bureau="开封市城市管理局", province="河南省", city="开封市", county=None,
             admin_level="city", year=2023, report_date="2024-03-11"),
        id="spaced-date-same-line",
    ),
    pytest.param(
        "2022年，昆明市五华区市场监督管理局在区委、区政府的坚强领导下，认真贯彻落实2022年法治政府建设各项任务，"
        "现将全年工作汇报如下：\n" + BODY + "\n昆明市五华区市场监督管理局\n2022年12月26日\n",
        dict(bureau="昆明市五华区市场监督管理局", province="云南省", city="昆明市", county="五华区",
             admin_level="district", year=2022, report_date="2022-12-26"),
        id="no-title-opening-sentence",
    ),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_realistic_reports(text, expected):
    meta = meta_of(text)
    assert {f: getattr(meta, f) for f in FIELDS} == expected
    assert not any("ambiguous" in w for w in meta.warnings)
    for f in ("bureau", "year"):
        assert f in meta.evidence


def test_ambiguous_place_is_flagged():
    text = "朝阳区司法局\n2022年法治政府建设工作报告\n\n2022年，我局坚持以习近平法治思想为指导，现报告如下：\n" + BODY
    meta = meta_of(text)
    assert meta.bureau == "朝阳区司法局" and meta.county == "朝阳区"
    assert any("ambiguous" in w and "朝阳区" in w for w in meta.warnings)


def test_traditional_title_quotes_original():
    text = "潢川縣城市管理局\n2024年法治政府建設工作報告\n\n2024年，我局認真貫徹落實黨中央部署，現將工作情況報告如下：\n"
    meta = meta_of(text)
    assert meta.bureau == "潢川县城市管理局"
    assert meta.evidence["bureau"].quote == "潢川縣城市管理局"
    assert meta.title == "2024年法治政府建设工作报告"


def test_web_page_source_field_is_an_alias():
    text = CASES[9].values[0]
    meta = meta_of(text)
    assert meta.bureau_aliases == ["市司法局"]


def test_bare_source_expanded_from_text():
    text = (
        "2023年法治政府建设工作报告\n来源：市城管局\n\n"
        "一年来，我局在市委、市政府的坚强领导下，扎实推进法治政府建设。现将有关情况报告如下：\n"
        "一、主要成效\n武冈市城市管理和综合执法局全面落实行政执法三项制度，制定武冈市城市管理和综合执法局权责清单。\n"
    )
    meta = meta_of(text)
    assert meta.bureau == "武冈市城市管理和综合执法局"
    assert meta.county == "武冈市" and meta.year == 2023
    assert "市城管局" in meta.bureau_aliases


def test_year_inferred_from_signing_date_with_warning():
    text = (
        "洛阳市城市管理局\n法治政府建设工作报告\n\n一年来，我局在市委市政府的正确领导下，全面推进依法行政。现报告如下：\n"
        + BODY + "\n洛阳市城市管理局\n2023年2月1日\n"
    )
    meta = meta_of(text)
    assert meta.year == 2022 and meta.report_date == "2023-02-01"
    assert any(w.startswith("year:") for w in meta.warnings)


def test_range_years_in_opening_are_not_the_year():
    text = (
        "2024年，我局全面贯彻《法治政府建设实施纲要（2021—2025年）》，在2024年取得新进展，"
        "南阳市宛城区城市管理局持续深化法治城管建设。现报告如下：\n" + BODY
    )
    meta = meta_of(text)
    assert meta.year == 2024
    assert meta.county == "宛城区"


def test_bracketed_second_name_is_alias():
    text = (
        "潢川县城市管理局\n2024年法治政府建设工作报告\n\n2024年，我局认真贯彻落实党中央部署。现报告如下：\n"
        "一、主要工作\n印发《潢川县城市管理局（城市综合执法局）行政处罚裁量基准》。\n"
    )
    meta = meta_of(text)
    assert meta.bureau_aliases == ["潢川县城市管理局（城市综合执法局）"]


def test_nothing_found():
    meta = meta_of("一、主要工作\n加强学习。\n")
    assert meta.bureau is None and meta.year is None and meta.report_date is None
    assert any("bureau" in w for w in meta.warnings)


@pytest.mark.parametrize(
    "name",
    ["洛阳市城市管理局", "西湖区司法局", "湖北省市场监督管理局", "九江市生态环境局", "岳阳县人民政府", "某某公司", "局", "", "城管局", "综合行政执法大队"],
)
def test_form_of_is_the_first_known_ending_in_order(name: str) -> None:
    """form_of looks up the endings of the name; the answer is that of trying every known ending in order."""
    from fazhi_graph.extract.meta import _forms, form_of

    f = _forms()
    want = next((f.form_of[e] for e in (*f.endings, *f.abbreviations) if name.endswith(e) and e in f.form_of), None)
    assert form_of(name) == want


@pytest.mark.parametrize("seed", range(40))
def test_alias_spans_equal_the_alias_regex(seed: int) -> None:
    """Aliases are found without compiling a regex per report; same spans as the regex on
    texts dense with overlapping places and labels (longer place first, backtracking to a
    shorter one when no label follows)."""
    import random

    from fazhi_graph.extract.meta import _alias_re, _alias_spans

    rnd = random.Random(seed)
    alphabet = "洛阳市城管局执法"
    places_pool = ["洛阳市", "洛阳", "阳市", "市", "城管"]
    labels_pool = ["城管局", "城管", "局", "执法局", "管局"]
    places = tuple(sorted(set(rnd.sample(places_pool, rnd.randint(1, 4))), key=lambda t: (-len(t), t)))
    labels = tuple(sorted(set(rnd.sample(labels_pool, rnd.randint(0, 4))), key=lambda t: (-len(t), t)))
    norm = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80)))
    assert _alias_spans(norm, places, labels) == [m.span() for m in _alias_re(places, labels).finditer(norm)]


@pytest.mark.parametrize(
    "line",
    [
        "首页 > 政务公开 > 法治政府建设",
        "发布时间：2024-03-15 10:30  来源：市司法局  浏览次数：128",
        "2024-03-15 10:30",
        "网站标识码4113000001 豫ICP备05004445号",
        "2023年，我局坚持以习近平法治思想为指导，全面推进依法行政。",
        "一、主要工作",
        "<br>",
        "",
    ],
)
def test_chrome_lines_as_the_joint_regex_says(line):
    """_is_chrome splits the chrome alternation so re can skip ahead; it must agree with the
    plain alternation of every term and pattern (what meta used before)."""
    import re

    from fazhi_graph.extract.meta import _is_chrome
    from fazhi_graph.ontology import lexicon, lexicon_patterns

    alts = [re.escape(t) for t in lexicon("page-chrome-cues")] + list(lexicon_patterns("page-chrome-cues"))
    joint = re.compile("|".join(f"(?:{a})" for a in alts))
    norm = "前文\n" + line + "\n后文"
    s, e = 3, 3 + len(line)
    assert _is_chrome(norm, s, e) == (joint.search(norm, s, e) is not None)
