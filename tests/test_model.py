"""Tests for the lookups of fazhi_graph.model.SegmentedReport.

The report answers "which section / kind / sentence is at this offset" from flat
interval tables (one bisect per lookup). These tests compare every offset against the
plain tree walk the tables are built from, on hand-made trees with the awkward cases
(gaps between siblings, a child ending after its parent, sections starting at the same
offset, an empty section, offsets outside every section) and on real segmented reports.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

import pytest

from fazhi_graph.ingest import read_document
from fazhi_graph.model import Document, Evidence, SegmentedReport, Section, Sentence
from fazhi_graph.segment import segment

ROOT = Path(__file__).resolve().parents[1]


def _walk_innermost(sections: list[Section], offset: int) -> Section:
    """The reference: bisect over starts, then climb until the section contains the offset."""
    ordered = sorted(sections, key=lambda s: (s.start, s.level))
    by_id = {s.id: s for s in sections}
    i = bisect_right([s.start for s in ordered], offset) - 1
    sec = ordered[i] if i >= 0 else ordered[0]
    while not (sec.start <= offset < sec.end) and sec.parent is not None:
        sec = by_id[sec.parent]
    return sec


def _walk_kind(sections: list[Section], offset: int) -> str:
    by_id = {s.id: s for s in sections}
    first = _walk_innermost(sections, offset)
    sec: Section | None = first
    while sec is not None:
        if sec.kind not in ("other", "preamble"):
            return sec.kind
        sec = by_id[sec.parent] if sec.parent else None
    return first.kind


def _sec(sid: str, level: int, kind: str, start: int, end: int, parent: str | None) -> Section:
    return Section(sid, level, "", sid, kind, start, end, start, parent=parent)  # type: ignore[arg-type]


TREES = {
    "flat": [
        _sec("s0", 0, "preamble", 0, 60, None),
        _sec("s1", 1, "achievements", 5, 30, "s0"),
        _sec("s2", 1, "problems", 30, 60, "s0"),
    ],
    "nested-other-under-problems": [
        _sec("s0", 0, "preamble", 0, 80, None),
        _sec("s1", 1, "problems", 10, 50, "s0"),
        _sec("s1.1", 2, "other", 12, 30, "s1"),
        _sec("s1.1.1", 3, "other", 15, 20, "s1.1"),
        _sec("s2", 1, "other", 50, 80, "s0"),
    ],
    "gap-between-siblings": [
        _sec("s0", 0, "preamble", 0, 100, None),
        _sec("s1", 1, "plans", 10, 20, "s0"),
        _sec("s1.1", 2, "other", 12, 15, "s1"),
        _sec("s2", 1, "other", 40, 60, "s0"),
    ],
    "child-ends-after-parent": [
        _sec("s0", 0, "preamble", 0, 50, None),
        _sec("s1", 1, "achievements", 5, 20, "s0"),
        _sec("s1.1", 2, "problems", 15, 35, "s1"),
        _sec("s2", 1, "other", 20, 50, "s0"),
    ],
    "same-start-and-empty": [
        _sec("s0", 0, "preamble", 0, 40, None),
        _sec("s1", 1, "causes", 10, 30, "s0"),
        _sec("s1.1", 2, "other", 10, 10, "s1"),
        _sec("s1.2", 2, "rectification", 10, 25, "s1"),
    ],
    "root-not-at-zero": [
        _sec("s0", 0, "other", 5, 30, None),
        _sec("s1", 1, "other", 8, 12, "s0"),
    ],
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_section_and_kind_lookups_match_the_tree_walk(name: str) -> None:
    sections = TREES[name]
    n = max(s.end for s in sections)
    doc = Document(source="t", text="字" * n)
    report = SegmentedReport(doc, list(sections), [])
    for offset in range(-3, n + 3):
        assert report.innermost_section_at(offset) is _walk_innermost(sections, offset), (name, offset)
        assert report.kind_at(offset) == _walk_kind(sections, offset), (name, offset)


def test_index_follows_appended_sections_and_sentences() -> None:
    doc = Document(source="t", text="甲" * 30)
    sections = [_sec("s0", 0, "preamble", 0, 30, None)]
    report = SegmentedReport(doc, sections, [])
    assert report.kind_at(12) == "preamble"
    assert report.sentence_at(12) is None
    sections.append(_sec("s1", 1, "problems", 10, 20, "s0"))
    report.sentences.append(Sentence(10, 15, "甲" * 5, "s1"))
    assert report.kind_at(12) == "problems"
    assert report.sentence_at(12) == report.sentences[0]
    assert report.sentence_at(15) is None


@pytest.mark.parametrize(
    "path", sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "fixtures" / "reports").glob("*.txt"))
)
def test_lookups_on_real_reports(path: Path) -> None:
    report = segment(read_document(path))
    sections = report.sections
    n = len(report.doc.text)
    for offset in range(0, n, 7):
        assert report.innermost_section_at(offset) is _walk_innermost(sections, offset)
        assert report.kind_at(offset) == _walk_kind(sections, offset)
        expected = next((s for s in report.sentences if s.start <= offset < s.end), None)
        assert report.sentence_at(offset) == expected
    for s in report.sentences[:: max(1, len(report.sentences) // 40)]:
        ev = report.evidence(s.start + 1, s.end, s.start, s.end)
        assert ev.quote == report.doc.text[ev.start : ev.end] == s.text
        assert ev.section_kind == _walk_kind(sections, s.start + 1)


def test_evidence_is_an_ordinary_evidence() -> None:
    """evidence() skips the frozen dataclass __init__; the object must not differ from one built by it."""
    text = "一、主要工作\n全年办理案件120件。下一步，我们将继续推进。\n"
    doc = Document(source="t.txt", text=text)
    sections = [_sec("s0", 0, "preamble", 0, len(text), None), _sec("s1", 1, "achievements", 0, len(text), "s0")]
    sentences = [Sentence(7, 18, text[7:18], "s1"), Sentence(18, 30, text[18:30], "s1")]
    report = SegmentedReport(doc, sections, sentences)
    ev = report.evidence(11, 15)
    built = Evidence(
        source="t.txt", section="s1", section_id="s1", section_kind="achievements", start=7, end=18,
        quote=text[7:18], match_start=11, match_end=15, match=text[11:15],
    )
    assert ev == built and hash(ev) == hash(built) and ev.to_json() == built.to_json()
    with pytest.raises(AttributeError):
        ev.start = 0  # type: ignore[misc]
    # a match running over the cut between two sentences quotes both
    assert report.evidence(16, 20).quote == text[7:30]


def test_evidence_maker_follows_the_report() -> None:
    """The bound maker gives evidence()'s result and is rebuilt when sentences are added."""
    text = "全年办理案件120件。下一步，我们将继续推进。"
    report = SegmentedReport(Document(source="t.txt", text=text), [], [])
    make = report.evidence_maker()
    assert make(2, 4) == report.evidence(2, 4)
    assert make(2, 4).quote == text[2:4] and make(2, 4).section_kind == "other"  # no sentences, no sections
    report.sentences.append(Sentence(0, 11, text[0:11], "s0"))
    assert report.evidence_maker() is not make
    assert report.evidence_maker()(2, 4).quote == text[0:11] == report.evidence(2, 4).quote
    assert report.evidence_maker() is report.evidence_maker()  # built once per index


def test_quotes_are_the_text_even_when_a_sentence_says_otherwise() -> None:
    """Quotes share a sentence's text only where that is the text at its offsets."""
    text = "全年办理案件120件。下一步将继续推进。"
    good = Sentence(0, 11, text[0:11], "s0")
    bad = Sentence(11, len(text), "别的文字" * 2 + "推", "s0")  # same length, other words
    report = SegmentedReport(Document(source="t", text=text), [], [good, bad])
    assert report.evidence(2, 4).quote is good.text
    ev = report.evidence(13, 15)
    assert ev.quote == text[11:] and ev.quote != bad.text


def test_sentences_at_is_sentence_at_of_each_offset() -> None:
    text = "一、工作\n全年办理案件120件。  下一步将继续推进。\n"
    sentences = [Sentence(5, 16, text[5:16], "s1"), Sentence(18, 27, text[18:27], "s1")]
    report = SegmentedReport(Document(source="t", text=text), [_sec("s0", 0, "preamble", 0, len(text), None)], sentences)
    offsets = list(range(-2, len(text) + 2)) + [20, 3, 16]  # gaps, edges, unsorted
    assert report.sentences_at(offsets) == [report.sentence_at(o) for o in offsets]
    assert report.sentences_at([]) == []


@pytest.mark.parametrize("name", sorted(TREES))
def test_kinds_at_is_kind_at_of_each_offset(name: str) -> None:
    sections = TREES[name]
    n = max(s.end for s in sections)
    report = SegmentedReport(Document(source="t", text="字" * n), list(sections), [])
    offsets = list(range(-2, n + 2)) + [n // 2, 0, n // 3]  # unsorted, repeated
    assert report.kinds_at(offsets) == [report.kind_at(o) for o in offsets]
    assert report.kinds_at([]) == []


@pytest.mark.parametrize("name", sorted(TREES))
def test_sections_at_is_innermost_section_at_of_each_offset(name: str) -> None:
    sections = TREES[name]
    n = max(s.end for s in sections)
    report = SegmentedReport(Document(source="t", text="字" * n), list(sections), [])
    offsets = list(range(-2, n + 2)) + [n // 2, 0]
    assert [s.id for s in report.sections_at(offsets)] == [report.innermost_section_at(o).id for o in offsets]
