"""Run many cue regexes over a long text without scanning it once per regex.

Taxonomies carry hundreds of ``fz:cuePattern`` regexes; running each over a 150 MB
corpus is hundreds of passes. Almost every cue contains a literal its matches must
include (``力量`` in ``执法(队伍)?力量.{0,6}?(不足|薄弱)``). One Aho-Corasick pass finds
those anchors; each regex then runs only in a window around its anchors, wide enough
for the longest match the regex can make (its width, from the regex parser). A regex
with no anchor or an unbounded width still runs over the whole text. Results are those
of ``finditer`` over the whole text, except that a match overlapping an earlier match
of the same regex may also be reported (callers resolve overlaps anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import ahocorasick

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re._constants import BRANCH, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import BRANCH, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN  # type: ignore

_MAX_WINDOW = 400
_MARGIN = 16  # room for lookbehind/lookahead at the window edges


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals (≥ 2 chars) such that every match of ``pattern`` contains at least one.

    A run of top-level literal characters is certain to be in every match; so is one of
    the alternatives of a required group (``(不足|薄弱)``). Anything optional or repeated
    zero times may be skipped and gives no anchor. None if no such set exists."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _anchors(parsed.data)
    return tuple(sorted(found)) if found else None


def _anchors(items) -> set[str] | None:
    best: set[str] | None = None
    run = ""

    def better(cand: set[str] | None) -> None:
        nonlocal best
        if cand and (best is None or min(map(len, cand)) > min(map(len, best))
                     or (min(map(len, cand)) == min(map(len, best)) and len(cand) < len(best))):
            best = cand

    for op, arg in items:
        if op is LITERAL:
            run += chr(arg)
            if len(run) >= 2:
                better({run})
            continue
        run = ""
        if op is SUBPATTERN:
            better(_anchors(arg[-1]))
        elif op is BRANCH:
            alts = [_anchors(alt) for alt in arg[1]]
            if all(alts):
                better(set().union(*alts))  # type: ignore[arg-type]
        elif op in (MAX_REPEAT, MIN_REPEAT) and arg[0] >= 1:
            better(_anchors(arg[2]))
    return best


def max_width(pattern: str) -> int | None:
    try:
        lo, hi = sre_parse.parse(pattern).getwidth()
    except re.error:
        return None
    return None if hi >= MAXREPEAT or hi > _MAX_WINDOW else hi


@dataclass(frozen=True)
class _Entry:
    key: object
    regex: re.Pattern[str]
    width: int | None


class RegexSet:
    """A set of keyed regexes scanned together: ``finditer(text)`` yields (key, match)."""

    def __init__(self, items: Sequence[tuple[object, str | re.Pattern[str]]]):
        self._entries: list[_Entry] = []
        self._unanchored: list[int] = []
        by_anchor: dict[str, list[int]] = {}
        for key, pat in items:
            rx = pat if isinstance(pat, re.Pattern) else re.compile(pat)
            idx = len(self._entries)
            anchors = required_literals(rx.pattern)
            width = max_width(rx.pattern)
            self._entries.append(_Entry(key, rx, width))
            if anchors is None or width is None:
                self._unanchored.append(idx)
            else:
                for anchor in anchors:
                    by_anchor.setdefault(anchor, []).append(idx)
        self._auto = None
        if by_anchor:
            auto = ahocorasick.Automaton()
            for anchor, idxs in sorted(by_anchor.items()):
                auto.add_word(anchor, (len(anchor), tuple(idxs)))
            auto.make_automaton()
            self._auto = auto

    def __len__(self) -> int:
        return len(self._entries)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[object, re.Match[str]]]:
        """Every match of every regex, as ``finditer`` over ``text[pos:endpos]`` would give it,
        grouped by regex in the order the regexes were given."""
        endpos = len(text) if endpos is None else endpos
        windows: dict[int, list[tuple[int, int]]] = {}
        if self._auto is not None:
            for end, (length, idxs) in self._auto.iter(text, pos, endpos):  # type: ignore[attr-defined]
                start = end - length + 1
                for i in idxs:
                    w = self._entries[i].width or 0
                    windows.setdefault(i, []).append(
                        (max(pos, end + 1 - w - _MARGIN), min(endpos, start + w + _MARGIN))
                    )
        for i in sorted([*windows, *self._unanchored]):
            entry = self._entries[i]
            if i in windows:
                seen_end = -1
                for lo, hi in _merge(windows[i]):
                    for m in entry.regex.finditer(text, lo, hi):
                        if m.start() >= seen_end or m.start() == m.end():
                            seen_end = m.end()
                            yield entry.key, m
            else:
                for m in entry.regex.finditer(text, pos, endpos):
                    yield entry.key, m


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
