"""Tests for fazhi_graph.extract.concepts: practice / problem taxonomies and their matchers.

The hand-written cases use wording no seed uses (other bureaus, other years, traditional
characters); the seed test scores the matcher against the hand-made gold and prints the
misses and extras per report so a curator sees what to add to the taxonomy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fazhi_graph.extract.concepts import match_practices, match_problems
from fazhi_graph.model import Document, SegmentedReport, Section, Sentence
from fazhi_graph.namespaces import FZ
from fazhi_graph.ontology import concepts, lexicon_patterns, ontology_graph
from fazhi_graph.textnorm import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "eval" / "seeds_gold.json"
if not GOLD.exists():
    GOLD = Path("/work/shared/eval/seeds_gold.json")


# ---------------------------------------------------------------- helpers


def _doc(text: str, source: str = "t.txt") -> Document:
    return Document(source=source, text=text, norm=normalize(text))


def report_of(parts: list[tuple[str, str, str]]) -> SegmentedReport:
    """Build a SegmentedReport by hand: parts are (kind, heading, body) top-level sections.

    Sentences are cut at 。；！？ and line breaks, like the real segmenter."""
    text = ""
    spans = []
    for kind, heading, body in parts:
        start = len(text)
        text += heading + "\n"
        heading_end = len(text) - 1
        text += body + "\n"
        spans.append((kind, heading, start, heading_end, len(text)))
    doc = _doc(text)
    sections = [Section("s0", 0, "", "", "preamble", 0, len(text), 0)]
    for i, (kind, heading, start, hend, end) in enumerate(spans, 1):
        sections.append(Section(f"s{i}", 1, "", heading, kind, start, end, hend, parent="s0"))  # type: ignore[arg-type]
        sections[0].children.append(f"s{i}")
    sentences = []
    for m in re.finditer(r"[^。；！？\n]+[。；！？]?", text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            sec = max((s for s in sections if s.start <= a < s.end), key=lambda s: s.level)
            sentences.append(Sentence(a, b, text[a:b], sec.id))
    return SegmentedReport(doc, sections, sentences)


def labels(mentions) -> dict[str, str | None]:
    return {m.label: m.status for m in mentions}


def _check_evidence(rep: SegmentedReport, mentions) -> None:
    for m in mentions:
        assert m.evidence, m.label
        for e in m.evidence:
            assert rep.doc.text[e.start : e.end] == e.quote
            assert rep.doc.text[e.match_start : e.match_end] == e.match
            assert e.start <= e.match_start < e.match_end <= e.end


# ---------------------------------------------------------------- taxonomy data


def test_every_concept_has_zh_and_en_labels_and_valid_regexes():
    g = ontology_graph()
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF, SKOS

    for cls in (FZ.Practice, FZ.Problem):
        cs = concepts(str(cls))
        assert len(cs) >= (150 if cls == FZ.Practice else 20)
        iris = {c.iri for c in cs}
        for c in cs:
            langs = {x.language for x in g.objects(URIRef(c.iri), SKOS.prefLabel) if isinstance(x, Literal)}
            assert {"zh", "en"} <= langs, c.iri
            assert re.fullmatch(r"https://w3id.org/fazhi-graph/(practice|problem)/[a-z0-9-]+", c.iri)
            for p in c.cue_patterns + c.exclude_patterns:
                re.compile(p)
            for b in c.broader:
                assert (URIRef(b), RDF.type, SKOS.Concept) in g, (c.iri, b)
                assert b not in iris or b != c.iri
    for p in lexicon_patterns("plan-markers"):
        re.compile(p)


def test_mandated_core_of_national_framework():
    by_label = {c.label: c for c in concepts(str(FZ.Practice))}
    for name in ("行政执法三项制度", "行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度",
                 "谁执法谁普法", "法律顾问制度", "重大行政决策程序", "第一责任人职责", "合法性审查",
                 "行政执法责任制", "执法人员培训", "执法证件管理"):
        assert by_label[name].mandated, name
    three = by_label["行政执法三项制度"].iri
    for part in ("行政执法公示制度", "执法全过程记录制度", "重大执法决定法制审核制度"):
        assert three in by_label[part].broader
    assert by_label["轻微违法不罚"].iri in by_label["首违不罚"].broader
    assert by_label["包容审慎监管"].iri in by_label["轻微违法不罚"].broader


def test_no_label_is_shared_by_two_concepts():
    owner: dict[str, str] = {}
    for cls in (FZ.Practice, FZ.Problem):
        for c in concepts(str(cls)):
            for n in c.names:
                key = normalize(n)
                assert owner.setdefault(key, c.iri) == c.iri, (n, owner[key], c.iri)


# ---------------------------------------------------------------- practices

ACHIEVE = "一、2023年法治政府建设主要举措和成效"
PROBLEMS = "二、存在的问题"
PLANS = "三、2024年工作计划"


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("我局全面落实行政执法公示、执法全过程记录、重大执法决定法制审核制度。", {"执法全过程记录制度", "重大执法决定法制审核制度", "行政执法公示制度"}),
        ("严格执行重大行政执法决定法制审核制度，全年审核案件56件。", {"重大执法决定法制审核制度"}),
        ("全面推行“三项制度”，执法行为更加规范。", {"行政执法三项制度"}),
        ("坚持局长带头讲法，党组会会前学法12次。", {"负责人带头讲法", "会前学法"}),
        ("制定轻微违法行为免罚清单，对首次违法且危害后果轻微的当事人不予行政处罚。", {"免罚减罚轻罚清单", "首违不罚"}),
        ("聘请北京某律师事务所律师担任常年法律顾问。", {"法律顾问制度"}),
        ("推行城管执法“721”工作法，做到七分服务、二分管理、一分执法。", {"721工作法"}),
        ("组织开展“法律进企业、进社区”活动8场。", {"法律七进"}),
        ("深化“双随机、一公开”监管，抽查市场主体320户。", {"双随机一公开"}),
        ("落实证明事项告知承诺制，减少群众跑腿。", {"证明事项告知承诺制"}),
        ("行政机关负责人出庭应诉率达100%。", {"行政机关负责人出庭应诉"}),
        ("利用抖音、微信公众号发布普法短视频40余条。", {"新媒体普法"}),
    ],
)
def test_practices_varied_wording(sentence, expected):
    rep = report_of([("achievements", ACHIEVE, sentence)])
    practices, plans = match_practices(rep)
    found = set(labels(practices))
    assert expected <= found, found
    assert not plans
    _check_evidence(rep, practices)


def test_nested_names_are_not_double_counted():
    rep = report_of([("achievements", ACHIEVE, "严格落实行政执法公示制度，对执法信息及时公开。")])
    found = labels(match_practices(rep)[0])
    assert "行政执法公示制度" in found and "行政执法三项制度" not in found
    rep = report_of([("achievements", ACHIEVE, "严格执行重大执法决定法制审核制度。")])
    found = labels(match_practices(rep)[0])
    assert "重大执法决定法制审核制度" in found and "法制审核" not in found


def test_status_done_planned_both():
    rep = report_of(
        [
            ("achievements", ACHIEVE, "全面推行柔性执法，全年办理首违不罚案件12件。下一步，我局将探索推行非现场执法。"),
            ("problems", PROBLEMS, "一是行政执法公示不够及时，双随机抽查覆盖面窄。"),
            ("plans", PLANS, "（一）持续推行柔性执法，完善包容审慎监管机制。"),
        ]
    )
    practices, plans = match_practices(rep)
    got = labels(practices)
    assert got["柔性执法"] == "both"
    assert got["首违不罚"] == "done"
    assert got["非现场执法"] == "planned"  # future marker inside an achievements section
    assert got["包容审慎监管"] == "planned"
    assert "双随机一公开" not in got and "行政执法公示制度" not in got  # named inside a weakness
    assert {m.label for m in plans} == {"柔性执法", "非现场执法", "包容审慎监管"}
    assert all(e.section_kind in ("plans", "achievements") for m in plans for e in m.evidence)
    _check_evidence(rep, practices)


def test_traditional_characters_and_full_width():
    rep = report_of([("achievements", "一、主要舉措", "落實“誰執法誰普法”普法責任制，開展以案釋法活動，推行ＡＢ崗及首問負責制。")])
    practices, _ = match_practices(rep)
    got = labels(practices)
    assert {"谁执法谁普法", "以案释法", "首问负责制"} <= set(got)
    ev = next(m for m in practices if m.label == "谁执法谁普法").evidence[0]
    assert "誰執法誰普法" in ev.match  # quoted as written
    _check_evidence(rep, practices)


def test_exclusion_three_systems_quiz():
    rep = report_of([("achievements", ACHIEVE, "组织全市城管系统“三项制度”知识竞赛，获得三等奖。")])
    got = labels(match_practices(rep)[0])
    assert "法律知识竞赛" in got and "行政执法三项制度" not in got


# ---------------------------------------------------------------- problems


def test_problem_items_and_categories_unseen_wording():
    body = (
        "对照法治政府建设要求，我局工作还存在一些差距。\n"
        "（一）执法队伍结构不合理。现有执法人员中50岁以上占六成，年龄结构老化，人少事多，一人多岗现象突出。\n"
        "（二）法治宣传还不够深入。普法宣传手段较为陈旧，以发放宣传单为主，覆盖面较窄，部分商户对门前三包规定了解不够。\n"
        "（三）基层承接能力有限。赋权事项下放后，乡镇执法力量薄弱，执法装备和经费保障不足。"
    )
    rep = report_of([("achievements", ACHIEVE, "深入开展普法。"), ("problems", PROBLEMS, body)])
    cats, stmts = match_problems(rep)
    assert len(stmts) == 3
    assert all(rep.doc.text[s.start : s.end] == s.text for s in stmts)
    assert stmts[0].text.startswith("（一）执法队伍结构不合理")
    got = {c.label for c in cats}
    assert {"执法人员老龄化", "执法力量不足", "普法形式单一", "普法覆盖面不足", "基层执法薄弱", "执法装备经费不足"} <= got
    by_label = {c.label: c for c in cats}
    assert "年龄结构老化" in by_label["执法人员老龄化"].evidence[0].match
    _check_evidence(rep, cats)
    # the introduction is not a problem, the practice words inside problems are not practices
    assert "门前三包" not in labels(match_practices(rep)[0])


def test_problem_items_yishi_erbshi_and_traditional():
    body = "雖然取得一定成效，但仍存在不足：一是執法人員法治意識有待增強，依法行政能力不足；二是部門之間協同配合不夠，存在推諉扯皮現象；三是信息化建設滯後。"
    rep = report_of([("problems", PROBLEMS, body)])
    cats, stmts = match_problems(rep)
    assert [s.text[:2] for s in stmts] == ["一是", "二是", "三是"]
    got = {c.label for c in cats}
    assert {"法治素养不足", "部门协同不畅", "权责边界不清", "信息化水平不高"} <= got


def test_problem_paragraphs_without_numbering():
    body = "行政执法人员对新修订的行政处罚法掌握不够熟练。\n案卷制作不规范，文书瑕疵较多。"
    rep = report_of([("problems", "三、存在的不足", body)])
    cats, stmts = match_problems(rep)
    assert len(stmts) == 2
    assert {"法治素养不足", "案卷质量参差不齐"} <= {c.label for c in cats}


# ---------------------------------------------------------------- seeds vs gold


def _n(s: str) -> str:
    return re.sub(r"[“”\"'‘’《》\s]", "", normalize(s))


def score_seeds(verbose: bool = False) -> dict:
    from fazhi_graph.ingest import read_document
    from fazhi_graph.segment import segment

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    by_iri = {c.iri: c for cls in (FZ.Practice, FZ.Problem) for c in concepts(str(cls))}
    tot = dict(p_pred=0, p_pred_ok=0, p_gold=0, p_gold_ok=0, status_n=0, status_ok=0,
               st_gold=0, st_found=0, c_pred=0, c_gold=0, c_ok_p=0, c_ok_g=0)
    for g in gold:
        doc = read_document(str(ROOT / "seeds" / g["file"]))
        rep = segment(doc)
        practices, _plans = match_practices(rep)
        cats, stmts = match_problems(rep)

        def names(m) -> set[str]:
            c = by_iri[m.iri]
            return {_n(x) for x in c.names}

        def matches(m, gp) -> bool:
            if _n(gp["canonical"]) in names(m):
                return True
            texts = {_n(a) for a in m.aliases}
            surf = {_n(s) for s in gp["surface"]}
            return any(t and s and (t in s or s in t) for t in texts for s in surf)

        gps = g["practices"]
        extras = [m for m in practices if not any(matches(m, gp) for gp in gps)]
        misses = [gp for gp in gps if not any(matches(m, gp) for m in practices)]
        wrong_status = []
        for gp in gps:
            cands = [m for m in practices if _n(gp["canonical"]) in names(m)] or [m for m in practices if matches(m, gp)]
            if cands:
                tot["status_n"] += 1
                if cands[0].status == gp["status"]:
                    tot["status_ok"] += 1
                else:
                    wrong_status.append((gp["canonical"], gp["status"], cands[0].label, cands[0].status))
        tot["p_pred"] += len(practices)
        tot["p_pred_ok"] += len(practices) - len(extras)
        tot["p_gold"] += len(gps)
        tot["p_gold_ok"] += len(gps) - len(misses)

        # problem statements
        texts = sorted({p["text"] for p in g["problems"]})
        found = 0
        st_miss = []
        for t in texts:
            a = doc.text.find(t)
            if a < 0:
                a = normalize(doc.text).find(normalize(t))
            ok = False
            if a >= 0:
                b = a + len(t)
                ok = any(min(b, s.end) - max(a, s.start) >= 0.5 * len(t) for s in stmts)
            found += ok
            if not ok:
                st_miss.append(t[:40])
        tot["st_gold"] += len(texts)
        tot["st_found"] += found

        gold_cats = {p["canonical"] for p in g["problems"]}
        pred_ok = [m for m in cats if any(_n(gc) in names(m) for gc in gold_cats)]
        gold_ok = {gc for gc in gold_cats if any(_n(gc) in names(m) for m in cats)}
        tot["c_pred"] += len(cats)
        tot["c_ok_p"] += len(pred_ok)
        tot["c_gold"] += len(gold_cats)
        tot["c_ok_g"] += len(gold_ok)
        if verbose:
            print(f"===== {g['file']} practices {len(practices)} gold {len(gps)}")
            print("  MISS:", [(gp["canonical"], gp["surface"][:2]) for gp in misses])
            print("  EXTRA:", [(m.label, m.aliases[:3], m.status) for m in extras])
            print("  STATUS:", wrong_status)
            print("  STMT MISS:", st_miss, "ours:", [s.text[:30] for s in stmts])
            print("  CAT extra:", [m.label for m in cats if m not in pred_ok], "miss:", sorted(gold_cats - gold_ok))
    P = tot["p_pred_ok"] / max(1, tot["p_pred"])
    R = tot["p_gold_ok"] / max(1, tot["p_gold"])
    cp = tot["c_ok_p"] / max(1, tot["c_pred"])
    cr = tot["c_ok_g"] / max(1, tot["c_gold"])
    totals = dict(
        practice_precision=round(P, 3),
        practice_recall=round(R, 3),
        status_accuracy=round(tot["status_ok"] / max(1, tot["status_n"]), 3),
        statement_recall=round(tot["st_found"] / max(1, tot["st_gold"]), 3),
        category_precision=round(cp, 3),
        category_recall=round(cr, 3),
        category_f1=round(2 * cp * cr / max(1e-9, cp + cr), 3),
        counts=tot,
    )
    return {"totals": totals}


@pytest.mark.skipif(not GOLD.exists() or not (ROOT / "seeds").is_dir(), reason="seeds / gold not available")
def test_seeds_against_gold():
    t = score_seeds(verbose=True)["totals"]
    print(json.dumps(t, ensure_ascii=False))
    assert t["practice_precision"] >= 0.9
    assert t["practice_recall"] >= 0.8
    assert t["status_accuracy"] >= 0.9
    assert t["statement_recall"] >= 0.95
    assert t["category_f1"] >= 0.85


# ---------------------------------------------------------------- section facts of the problem splitter


def _facts_tree(name: str) -> list[Section]:
    def sec(sid, level, start, end, heading_end, parent, children=()):
        return Section(sid, level, "", sid, "other", start, end, heading_end, parent=parent, children=list(children))

    return {
        "siblings": [
            sec("s0", 0, 0, 90, 0, None, ["s1", "s2"]),
            sec("s1", 1, 5, 40, 12, "s0", ["s1.1"]),
            sec("s1.1", 2, 14, 40, 20, "s1"),
            sec("s2", 1, 40, 90, 48, "s0"),
        ],
        # two level-1 sections overlapping (a Markdown heading inside a numbered one):
        # the first in report order wins, as in the plain scan
        "overlapping-level-1": [
            sec("s0", 0, 0, 80, 0, None, ["s1", "s2"]),
            sec("s2", 1, 10, 60, 15, "s0", ["s2.1"]),
            sec("s1", 1, 5, 70, 9, "s0"),
            sec("s2.1", 2, 20, 30, 25, "s2"),
        ],
        "gap-and-same-start": [
            sec("s0", 0, 0, 60, 0, None, ["s1", "s2"]),
            sec("s1", 1, 10, 20, 20, "s0", ["s1.1"]),
            sec("s1.1", 2, 10, 20, 14, "s1"),
            sec("s2", 1, 30, 50, 35, "s0"),
        ],
        "only-deeper-levels": [
            sec("s0", 0, 0, 30, 0, None, ["s0.1"]),
            sec("s0.1", 2, 3, 25, 8, "s0"),
        ],
    }[name]


@pytest.mark.parametrize("name", ["siblings", "overlapping-level-1", "gap-and-same-start", "only-deeper-levels"])
def test_section_facts_answer_like_a_scan_of_every_section(name: str) -> None:
    from fazhi_graph.extract.concepts import _SectionFacts

    sections = _facts_tree(name)
    n = max(s.end for s in sections)
    report = SegmentedReport(_doc("字" * n), sections, [])
    facts = _SectionFacts(report)

    def top(off: int) -> str:  # the plain scan it replaces
        chain = sorted((s for s in sections if s.start <= off < s.end and s.level >= 1), key=lambda s: s.level)
        return chain[0].id if chain else ""

    for off in range(-2, n + 2):
        assert facts.top(off) == top(off), (name, off)
        assert (off in facts.starts) == any(s.start == off and s.level >= 1 for s in sections)
        for b in range(max(off, 0) + 1, n + 2, 3):  # items are non-empty spans of the text
            title_only = any(s.start == off and s.heading_end >= b and s.children for s in sections)
            assert (facts.title_only.get(off, -1) >= b) == title_only, (name, off, b)
    for lo in range(0, n, 4):
        for hi in range(lo, n + 4, 6):
            assert sorted(s.id for s in facts.in_range(lo, hi)) == sorted(s.id for s in sections if lo <= s.start < hi)


@pytest.mark.parametrize(
    "text",
    [
        "下一步，我局将继续深化行政执法三项制度，推进包容审慎监管。",
        "今年是八五普法收官之年，我局将开展普法宣传;全年办理行政复议案件12件!",
        "2024年将全面推行说理式执法。",
        "没有任何标点的句子也要能判断是否为计划",
        ",,;:开头就是标点。结尾也是。。",
    ],
)
def test_planned_at_with_document_clause_marks(text: str) -> None:
    """The clause marks of the whole text give the same clauses as a scan of the sentence."""
    from fazhi_graph.extract.concepts import _clause_marks, _planned_at

    from fazhi_graph.extract.concepts import planned_sentence

    def reference(norm: str, s_start: int, s_end: int, offset: int) -> bool:  # clauses cut from the sliced sentence
        sent = norm[s_start:s_end]
        rel = offset - s_start
        cuts = [m.end() for m in re.finditer(r"[,;:!?。]", sent)]
        lo = max([c for c in cuts if c <= rel], default=0)
        hi = min([c for c in cuts if c > rel], default=len(sent))
        return planned_sentence(sent[lo:hi]) or planned_sentence(sent[: cuts[0] if cuts else len(sent)])

    norm = normalize("前文。" + text + "后文将继续。")
    s_start, s_end = 3, 3 + len(text)
    marks = _clause_marks(norm)
    for offset in range(s_start - 1, s_end + 1):
        want = reference(norm, s_start, s_end, offset)
        assert _planned_at(norm, s_start, s_end, offset, {}, marks) == want, offset
        assert _planned_at(norm, s_start, s_end, offset) == want, offset
