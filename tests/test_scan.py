"""RegexSet: prefiltered multi-regex scanning gives the matches a plain scan gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi_graph.extract.scan import (
    _MARGIN, RegexSet, anchor_choices, best_literals, first_chars, max_width, required_literals,
)

PATTERNS = [
    "执法(队伍|人员)?力量[^。;,]{0,6}?(不足|薄弱|紧张)",
    "首(次)?违(法)?(不罚|免罚)",
    "行政应诉|应诉工作",
    "(执法|业务|法治)[^。;,、]{0,6}?(培训班|轮训|培训)",
    "年龄(偏大|结构老化)|老龄化",
    r"\d+件",  # no literal anchor: scanned in full
    "a.*b",  # unbounded: scanned in full
]


@pytest.mark.parametrize(
    "pattern,anchors",
    [
        ("执法(队伍|人员)?力量[^。]{0,6}?(不足|薄弱)", ("执法",)),
        ("首(次)?违(法)?(不罚|免罚)", ("不罚", "免罚")),
        ("行政应诉|应诉工作", ("应诉工作", "行政应诉")),
        ("a?b", None),
        ("(?i)abc", None),
    ],
)
def test_required_literals(pattern, anchors):
    assert required_literals(pattern) == anchors


@pytest.mark.parametrize(
    "pattern,best",
    [
        # fixed parts next to each other are spelled out together: rarer than 执法 alone
        ("执法(证件|资格)[^。]{0,4}?(管理|审核)", ("执法证件", "执法资格")),
        ("执法(协调)?监督", ("执法协调监督", "执法监督")),
        ("(网络|线上|云)普法", ("云普法", "线上普法", "网络普法")),
        ("执法(队伍|人员)?力量[^。]{0,6}?(不足|薄弱)", ("执法人员力量", "执法力量", "执法队伍力量")),
        # equally long: the first (the run of literal characters)
        ("执法[^。]{0,4}?考核(评价)?", ("执法",)),
        ("[一二三]个(确立|维护)", ("一个确立", "一个维护", "三个确立", "三个维护", "二个确立", "二个维护")),
        ("行政应诉|应诉工作", ("应诉工作", "行政应诉")),
        ("(?i:ab)cd", ("cd",)),  # nothing case-insensitive is spelled out
        ("a?b", None),
    ],
)
def test_best_literals(pattern, best):
    assert best_literals(pattern) == best


def test_choices_drop_strings_holding_another():
    # 考核评价 contains 考核: every match holding the first holds the second
    assert anchor_choices("执法[^。]{0,4}?考核(评价)?") == (("执法",), ("考核",))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAG_CHOICES := ["执法", "证件", "资格", "协调", "监督", "网络", "线上", "云", "普法",
                                                  "考核", "评价", "一", "二", "个", "确立", "维护", "。", "x"]),
                max_size=40).map("".join))
def test_every_match_holds_a_string_of_every_choice(text):
    for pattern in ("执法(证件|资格)[^。]{0,4}?(考核|监督)", "执法(协调)?监督", "(网络|线上|云)普法",
                    "执法[^。]{0,4}?考核(评价)?", "[一二]个(确立|维护)", "首(次)?违(法)?(不罚|免罚)"):
        for m in re.finditer(pattern, text):
            for choice in anchor_choices(pattern):
                assert any(a in m.group() for a in choice), (pattern, choice, m.group())


@pytest.mark.parametrize(
    "pattern,chars",
    [
        ("[一二三]项(制度|禁令)|跑一次", frozenset("一二三跑")),
        ("(?:首次)?违法", frozenset("首违")),  # an optional start: the next item may start the match
        ("(?<=。)执法|(?=执)执法", frozenset("执")),  # assertions take no character
        (r"\d+件", None),  # a class: unknown
        ("(?i)ab", None),
        ("(执法)?", None),  # may match the empty string
    ],
)
def test_first_chars(pattern, chars):
    assert first_chars(pattern) == chars
    if chars:
        for text in ("首次违法", "违法", "三项制度", "跑一次", "。执法", "执法"):
            for start in range(len(text)):
                if re.compile(pattern).match(text, start):
                    assert text[start] in chars


# Regexes whose matches start at a fixed distance before their anchor: tried with ``match``
# at each anchor occurrence instead of scanned through windows; must give exactly finditer's matches.
OFFSET_PATTERNS = [
    "执法(证件|资格)[^。]{0,4}?(考核|监督)",
    "(?<=。)执法(协调)?监督",  # looks behind its start
    "(网络|线上)?普法(宣传)?",  # the anchor may start the match or not
    "执法执法",  # overlapping occurrences of its own anchor
    "[^。]{2}执法(?!监督)",  # fixed width before the anchor, looks ahead after it
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["执法", "证件", "资格", "协调", "监督", "考核", "网络", "线上", "普法", "宣传",
                                 "。", "x", "\n"]), max_size=40).map("".join),
       st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=6))
def test_offset_regexes_give_exactly_finditer(text, cut_lo, cut_hi):
    rs = RegexSet(list(enumerate(OFFSET_PATTERNS)))
    assert set(rs._offset_of) == set(range(len(OFFSET_PATTERNS)))
    pos, endpos = min(cut_lo, len(text)), max(min(cut_lo, len(text)), len(text) - cut_hi)
    got = [(k, m.span()) for k, m in rs.finditer(text, pos, endpos)]
    want = [(k, m.span()) for k, p in enumerate(OFFSET_PATTERNS) for m in re.compile(p).finditer(text, pos, endpos)]
    assert got == want


def test_width_bounds():
    assert max_width("首(次)?违") == 3
    assert max_width("a.*b") is None


def plain(text: str) -> set[tuple[int, int, int]]:
    return {(i, m.start(), m.end()) for i, p in enumerate(PATTERNS) for m in re.finditer(p, text)}


FRAG = ["执法", "队伍", "力量", "不足", "薄弱", "首次", "违法", "不罚", "免罚", "应诉工作", "行政应诉", "业务",
        "培训班", "轮训", "年龄偏大", "老龄化", "，", "。", "12件", "a", "b", "x", "\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAG), max_size=80).map("".join))
def test_same_matches_as_plain_finditer(text):
    got = {(k, m.start(), m.end()) for k, m in RegexSet(list(enumerate(PATTERNS))).finditer(text)}
    assert plain(text) <= got
    # anything extra is still a real match of that regex at that place
    for k, s, e in got - plain(text):
        assert re.fullmatch(PATTERNS[k], text[s:e])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=80),
    st.integers(min_value=0, max_value=120),
    st.integers(min_value=150, max_value=320),
)
def test_windows_are_the_merged_sorted_windows(raw_ends, pos, endpos):
    """Every window path (one occurrence, one anchor, several anchors, numpy) gives the
    windows of the plain definition: one per occurrence, clipped, sorted, overlaps joined."""
    rs = RegexSet([(0, "执法[^。]{0,6}?(不足|薄弱)")])
    (aid,) = rs._anchors_of[0]
    w = rs._entries[0].width
    ends = {aid: sorted(raw_ends)}

    m = _MARGIN
    spans = sorted((max(pos, e + 1 - w - m), min(endpos, e - rs._anchor_len[aid] + 1 + w + m)) for e in ends[aid])
    want: list[tuple[int, int]] = []
    for lo, hi in spans:
        if want and lo <= want[-1][1]:
            want[-1] = (want[-1][0], max(want[-1][1], hi))
        else:
            want.append((lo, hi))
    assert rs._windows(0, ends, {}, pos, endpos) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAG), max_size=60).map("".join), st.integers(min_value=0, max_value=5))
def test_words_found_in_the_anchor_pass(text, cut):
    """Words handed to RegexSet come back with every occurrence (overlapping ones, words that
    are also anchors: 执法, 力量), and the regex matches are those of a set without words."""
    words = [("执法", "A"), ("执法队伍", "B"), ("队伍力量", "C"), ("力量", "D"), ("老龄化", "E")]
    with_words = RegexSet(list(enumerate(PATTERNS)), words=words)
    hits: list[tuple[int, object]] = []
    got = [(k, m.span()) for k, m in with_words.finditer(text, cut, None, hits)]
    assert got == [(k, m.span()) for k, m in RegexSet(list(enumerate(PATTERNS))).finditer(text, cut)]
    want = sorted((i + len(w) - 1, p) for w, p in words for i in range(cut, len(text)) if text.startswith(w, i))
    assert sorted(hits) == want


MARKER_PATTERNS = [
    "下一步|(?:(我局|本局)(还)?(拟|将于))|(?:20\\d\\d年(度)?[,，]?(我局)?(将|要))",
    "(?<=。)将|^拟",  # looks behind the position it is searched from
    "a?b",  # an optional first item: b may start the match
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["下一步", "我局", "本局", "还", "拟", "将于", "2024年", "度", "，", "将", "要",
                                 "。", "a", "b", "x", "\n"]), max_size=30).map("".join))
def test_prefixed_search_answers_as_search(text):
    from fazhi_graph.extract.scan import prefixed_search

    for p in MARKER_PATTERNS:
        rx = re.compile(p)
        found = prefixed_search(rx)
        assert found(text) == (rx.search(text) is not None), (p, text)
        for pos, endpos in ((1, len(text)), (2, len(text) - 2), (0, 3)):
            assert found(text, pos, endpos) == (rx.search(text, pos, endpos) is not None), (p, text, pos, endpos)
