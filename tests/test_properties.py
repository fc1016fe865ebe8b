"""Property tests: arbitrary Unicode never crashes segmentation or extraction, and every
offset we report points at the words we quote."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fazhi_graph.model import Document
from fazhi_graph.pipeline import extract_document
from fazhi_graph.segment import segment
from fazhi_graph.textnorm import normalize

# Fragments of the genre, so generated texts reach the interesting code paths.
FRAGMENTS = [
    "一、", "（一）", "(二)", "1.", "1、", "（1）", "一是", "二是", "# ", "**", "\n", "\n\n", "。", "，", "；", "：",
    "“", "”", "《", "》", "〈", "主要举措和成效", "存在的不足", "下一步工作计划", "整改情况", "原因",
    "行政处罚法", "《中华人民共和国行政强制法》", "民法典", "721工作法", "行政执法三项制度", "首违不罚",
    "执法力量不足", "普法形式单一", "2024年", "二〇二三年", "罚款150余万元", "办理案件34件", "截至11月",
    "潢川县城市管理局", "朝阳区", "我局将", "[bookmark: OLE_LINK1]", "\u3000", "\ufeff", "\u2028", "執法隊伍",
    "<script>alert(1)</script>", '"onerror=', "{{ }}", "`", "\x00", "\r\n",
]

texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)),
    max_size=60,
).map("".join)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def doc_of(text: str) -> Document:
    return Document(source="p.txt", text=text, norm=normalize(text))


@SETTINGS
@given(st.text())
def test_normalisation_preserves_length(text):
    assert len(normalize(text)) == len(text)


@SETTINGS
@given(texts)
def test_segmentation_never_crashes_and_offsets_hold(text):
    r = segment(doc_of(text))
    assert r.sections[0].start == 0 and r.sections[0].end == len(text)
    for s in r.sections:
        assert 0 <= s.start <= s.heading_end <= len(text) and s.start <= s.end <= len(text)
    for s in r.sentences:
        assert text[s.start:s.end] == s.text and s.text
    starts = [s.start for s in r.sentences]
    assert starts == sorted(starts)


@SETTINGS
@given(texts)
def test_extraction_never_crashes_and_every_quote_is_at_its_offsets(text):
    from conftest import assert_offsets_hold

    rec = extract_document(doc_of(text))
    assert_offsets_hold(text, rec)
    rec.to_json()  # serialisable
