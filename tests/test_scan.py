"""RegexSet: prefiltered multi-regex scanning gives the matches a plain scan gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fazhi_graph.extract.scan import RegexSet, max_width, required_literals

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
