"""Run many cue regexes over a long text without scanning it once per regex.

Taxonomies carry hundreds of ``fz:cuePattern`` regexes; running each over a 150 MB
corpus is hundreds of passes. Almost every cue contains a literal its matches must
include, and most contain one of a few fixed strings (执法力量 or 执法队伍力量 in
``执法(队伍)?力量.{0,6}?(不足|薄弱)``); the set whose shortest string is longest is used, longer
words being rarer (fewer windows to scan). One Aho-Corasick pass finds those anchors. A regex
whose matches all start at a fixed distance before its anchor is tried with ``match`` at each
anchor occurrence only; any other regex runs in a window around its anchors, wide enough
for the longest match the regex can make (its width, from the regex parser). A regex
with no anchor or an unbounded width still runs over the whole text. Results are those
of ``finditer`` over the whole text, except that a match overlapping an earlier match
of the same regex may also be reported (callers resolve overlaps anyway).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import ahocorasick
import numpy as np

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re._constants import (  # type: ignore
        ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN,
    )
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]
    from sre_constants import (  # type: ignore
        ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, SUBPATTERN,
    )
try:
    from re._constants import POSSESSIVE_REPEAT  # type: ignore
except ImportError:  # pragma: no cover
    POSSESSIVE_REPEAT = MAX_REPEAT

_MAX_WINDOW = 400
_MARGIN = 16  # room for lookbehind/lookahead at the window edges
_NUMPY_MIN = 64  # fewer anchor occurrences than this: merge windows in plain Python


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals (≥ 2 chars) such that every match of ``pattern`` contains at least one.

    A run of top-level literal characters is certain to be in every match; so is one of
    the alternatives of a required group (``(不足|薄弱)``). Anything optional or repeated
    zero times may be skipped and gives no anchor. None if no such set exists."""
    parsed = _parse_cased(pattern)
    if parsed is None:
        return None
    found = _anchors(parsed.data)
    return tuple(sorted(found)) if found else None


def _parse_cased(pattern: str):
    """The parsed ``pattern``, or None if it does not parse or ignores case throughout (its
    literals then stand for other strings too)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    return None if parsed.state.flags & re.IGNORECASE else parsed


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
            if not arg[1] & re.IGNORECASE:  # (?i:ab) also matches AB: no anchor
                better(_anchors(arg[-1]))
        elif op is BRANCH:
            alts = [_anchors(alt) for alt in arg[1]]
            if all(alts):
                better(set().union(*alts))  # type: ignore[arg-type]
        elif op in (MAX_REPEAT, MIN_REPEAT) and arg[0] >= 1:
            better(_anchors(arg[2]))
    return best


_EXACT_CAP = 64  # most strings an exactly-known part of a regex may stand for
_CLASS_CAP = 16  # most characters of a [...] class spelled out


def anchor_choices(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Several literal sets, each such that every match of ``pattern`` contains one of its
    strings; the first is ``required_literals(pattern)``. Empty if there is none.

    Besides single runs of literal characters, consecutive parts that match one of a few
    fixed strings are spelled out together: ``执法(证件|资格)`` gives 执法证件 / 执法资格, far
    rarer than 执法 alone."""
    return _choice_table(pattern)[0]


def _choice_table(pattern: str) -> tuple[tuple[tuple[str, ...], ...], list[tuple[set[str], int | None]]]:
    """``anchor_choices(pattern)`` and the ``_choices`` (with offsets) it comes from, from one
    parse and one ``_choices`` pass (``anchor_plan`` needs both)."""
    parsed = _parse_cased(pattern)
    found = None if parsed is None else _anchors(parsed.data)
    if not found:
        return (), []
    raw = _choices(parsed.data, parsed.state)  # the sets do not depend on ``state``, only offsets
    out = [tuple(sorted(found))]  # required_literals(pattern)
    for cand, _off in raw:
        t = _minimal(cand)
        if t not in out:
            out.append(t)
    return tuple(out), raw


def best_literals(pattern: str) -> tuple[str, ...] | None:
    """The set of ``anchor_choices`` likely to occur least often in a text: the one whose
    shortest string is longest (执法证件/执法资格 rather than 执法), then the smallest.
    Longer words are rarer words; an anchor found less often means fewer windows to scan
    and fewer automaton hits to collect."""
    return _best_of(anchor_choices(pattern))


def _best_of(choices: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    if not choices:
        return None
    return max(choices, key=lambda c: (min(map(len, c)), -len(c)))  # first of equals: max keeps it


def _exact(items) -> set[str] | None:
    """The strings a sequence of regex items can match, if they are few and fixed."""
    out = {""}
    for op, arg in items:
        e = _exact_item(op, arg)
        if e is None:
            return None
        out = {a + b for a in out for b in e}
        if len(out) > _EXACT_CAP:
            return None
    return out


def _exact_item(op, arg) -> set[str] | None:
    if op is LITERAL:
        return {chr(arg)}
    if op is IN:
        if len(arg) <= _CLASS_CAP and all(o is LITERAL for o, _ in arg):
            return {chr(a) for _, a in arg}
        return None
    if op is SUBPATTERN:
        if arg[1] & re.IGNORECASE:
            return None
        return _exact(arg[-1])
    if op is BRANCH:
        union: set[str] = set()
        for alt in arg[1]:
            e = _exact(alt)
            if e is None:
                return None
            union |= e
            if len(union) > _EXACT_CAP:
                return None
        return union
    if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
        lo, hi, sub = arg
        if hi > 3:
            return None
        e = _exact(sub)
        if e is None:
            return None
        union, power = set(), {""}
        for k in range(hi + 1):
            if k >= lo:
                union |= power
            power = {a + b for a in power for b in e}
            if len(union) > _EXACT_CAP or len(power) > _EXACT_CAP:
                return None
        return union
    if op in (AT, ASSERT, ASSERT_NOT):
        return {""}  # zero width: adds nothing to the matched string
    return None


def _choices(items, state=None) -> list[tuple[set[str], int | None]]:
    """Literal sets of a regex sequence (see ``anchor_choices``): the product of every maximal
    run of exactly-known items, and the sets of required sub-sequences. Each comes with the
    distance from the start of every match to its strings when that is fixed (a run at the
    top level, ``state`` given, after items of fixed width only), else None."""
    out: list[tuple[set[str], int | None]] = []
    run: set[str] = {""}
    off: int | None = 0  # width of the items before the current one, while it is fixed
    run_off: int | None = 0  # where the current run starts

    def flush() -> None:
        if run and min(map(len, run)) >= 2:
            out.append((run, run_off if state is not None else None))

    for op, arg in items:
        e = _exact_item(op, arg)
        if e is not None:
            nxt = {a + b for a in run for b in e}
            if len(nxt) <= _EXACT_CAP:
                run = nxt
            else:
                flush()
                run, run_off = e, off
        else:
            flush()
            run = {""}
            if op is SUBPATTERN and not arg[1] & re.IGNORECASE:
                out += _choices(arg[-1])
            elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT) and arg[0] >= 1:
                out += _choices(arg[2])
            elif op is BRANCH:
                alts = [[c for c, _ in _choices(alt)] for alt in arg[1]]
                if all(alts):
                    # one set per alternative: the one with the longest shortest string
                    out.append(
                        (set().union(*(max(a, key=lambda c: (min(map(len, c)), -len(c), sorted(c))) for a in alts)), None)
                    )
        if off is not None and state is not None:
            lo, hi = sre_parse.SubPattern(state, [(op, arg)]).getwidth()
            off = off + lo if lo == hi else None
        if e is None:
            run_off = off  # the next run starts after this item
    flush()
    return out


def anchor_plan(pattern: str) -> tuple[tuple[str, ...], int | None] | None:
    """``best_literals(pattern)`` and, if every match of ``pattern`` starts at a fixed distance
    before the string of the set it contains, that distance (0 for ``执法(证件|资格)…``).

    With a distance, the only places a match can start are the anchor occurrences minus it, so
    the regex is tried there with ``match`` instead of scanned through a window. The set may
    then keep strings that extend another one elsewhere than at its end (法治宣传 beside 宣传):
    dropping them would lose the start they give."""
    choices, raw = _choice_table(pattern)
    best = _best_of(choices)
    if best is None:
        return None
    for cand, off in raw:
        if off is not None and _minimal(cand) == best:
            # only a string that merely extends another at its end adds nothing here
            return tuple(sorted(a for a in cand if not any(b != a and a.startswith(b) for b in cand))), off
    return best, None


def _minimal(cand: set[str]) -> tuple[str, ...]:
    """A literal set without the strings that contain another of its strings (their
    occurrences contain one of those)."""
    return tuple(sorted(a for a in cand if not any(b != a and b in a for b in cand)))


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters every match of ``pattern`` starts with, or None if that is not a small
    known set (a class such as ``\\d`` or ``.``, a possibly empty match, case folding).

    A cheap test before ``match`` at a position: most positions start with none of them."""
    parsed = _parse_cased(pattern)
    if parsed is None:
        return None
    chars, nullable = _first_seq(parsed.data)
    return None if chars is None or nullable else frozenset(chars)


def _first_seq(items) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, arg in items:
        chars, nullable = _first_item(op, arg)
        if chars is None:
            return None, False
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _first_item(op, arg) -> tuple[set[str] | None, bool]:
    if op is LITERAL:
        return {chr(arg)}, False
    if op is IN:
        if all(o is LITERAL for o, _ in arg):
            return {chr(a) for _, a in arg}, False
        return None, False
    if op in (AT, ASSERT, ASSERT_NOT):
        return set(), True  # zero width: the next item starts the match
    if op is SUBPATTERN:
        if arg[1] & re.IGNORECASE:
            return None, False
        return _first_seq(arg[-1])
    if op is BRANCH:
        out: set[str] = set()
        nullable = False
        for alt in arg[1]:
            chars, n = _first_seq(alt)
            if chars is None:
                return None, False
            out |= chars
            nullable = nullable or n
        return out, nullable
    if op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
        lo, _hi, sub = arg
        chars, n = _first_seq(sub)
        if chars is None:
            return None, False
        return chars, lo == 0 or n
    return None, False


def prefixed_search(rx: re.Pattern[str]) -> Callable[..., bool]:
    """``lambda text, pos=0, endpos=None: rx.search(text, pos, endpos) is not None``, first
    skipping to a character a match can
    start with (``first_chars``) with a one-class regex ``re`` scans fast: an alternation whose
    alternatives open with groups (``(我局|本局)(拟|将于)``) makes ``re`` try every alternative
    at every character. Same answer: no match can start before that character, and a search
    from a position still sees the text before it (lookbehind, ``^``)."""
    chars = first_chars(rx.pattern) if not rx.flags & re.IGNORECASE else None
    search = rx.search
    if not chars:
        return lambda text, pos=0, endpos=_END: search(text, pos, endpos) is not None
    first = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]").search

    def found(text: str, pos: int = 0, endpos: int = _END) -> bool:
        m = first(text, pos, endpos)
        return m is not None and search(text, m.start(), endpos) is not None

    return found


_END = sys.maxsize  # the ``endpos`` of a search to the end of the text


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

    def __init__(
        self, items: Sequence[tuple[object, str | re.Pattern[str]]], words: Sequence[tuple[str, object]] = ()
    ):
        """``words``: (word, payload) pairs to find in the same automaton pass as the anchors
        (``finditer(…, word_hits=…)``): a taxonomy's labels cost no second pass over the text."""
        self._entries: list[_Entry] = []
        self._unanchored: list[int] = []
        self._anchors_of: dict[int, tuple[int, ...]] = {}  # regex index -> anchor ids
        self._offset_of: dict[int, int] = {}  # regex index -> distance from a match's start to its anchor
        anchor_ids: dict[str, int] = {}
        for key, pat in items:
            rx = pat if isinstance(pat, re.Pattern) else re.compile(pat)
            idx = len(self._entries)
            # The rarest-looking literal set (执法证件/执法资格 rather than 执法): fewer windows.
            # (Also requiring the regex's other literal sets to occur, before scanning it,
            # was measured: the extra automaton hits cost more than the scans it saved.)
            plan = anchor_plan(rx.pattern)
            width = max_width(rx.pattern)
            self._entries.append(_Entry(key, rx, width))
            if plan is None or width is None:
                self._unanchored.append(idx)
            else:
                anchors, offset = plan
                self._anchors_of[idx] = tuple(anchor_ids.setdefault(a, len(anchor_ids)) for a in anchors)
                if offset is not None:
                    self._offset_of[idx] = offset
        self._anchor_len = [0] * len(anchor_ids)
        regexes_of: dict[int, list[int]] = {}  # anchor id -> regexes it anchors
        for idx, aids in self._anchors_of.items():
            for aid in aids:
                regexes_of.setdefault(aid, []).append(idx)
        self._regexes_of = {aid: tuple(v) for aid, v in regexes_of.items()}
        self._auto = None
        # automaton values: the anchor id (an int) for a word that is only an anchor, else
        # (anchor id or -1, payload)
        values: dict[str, object] = {}
        for anchor, aid in anchor_ids.items():
            self._anchor_len[aid] = len(anchor)
            values[anchor] = aid
        for word, payload in words:
            aid = anchor_ids.get(word, -1)
            values[word] = (aid, payload)
        if values:
            auto = ahocorasick.Automaton()
            for word, value in sorted(values.items(), key=lambda kv: kv[0]):
                auto.add_word(word, value)
            auto.make_automaton()
            self._auto = auto

    def __len__(self) -> int:
        return len(self._entries)

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None, word_hits: list[tuple[int, object]] | None = None
    ) -> Iterator[tuple[object, re.Match[str]]]:
        """Every match of every regex, as ``finditer`` over ``text[pos:endpos]`` would give it,
        grouped by regex in the order the regexes were given. ``word_hits``, if given, receives
        (index of the last character, payload) of every occurrence of the ``words`` in
        ``text[pos:endpos]``, overlapping ones included, before the first match is yielded."""
        endpos = len(text) if endpos is None else endpos
        # One automaton pass; occurrences are kept per anchor word (not per regex), so an
        # anchor shared by fifty regexes costs one list, and each regex's windows are
        # computed from those lists in numpy.
        ends: dict[int, list[int]] = {}
        if self._auto is not None:
            for end, aid in self._auto.iter(text, pos, endpos):  # type: ignore[attr-defined]
                if aid.__class__ is tuple:  # a word (and perhaps an anchor too)
                    aid, payload = aid
                    if word_hits is not None:
                        word_hits.append((end, payload))
                    if aid < 0:
                        continue
                e = ends.get(aid)
                if e is None:
                    ends[aid] = [end]
                else:
                    e.append(end)
        windowed: set[int] = set()
        regexes_of = self._regexes_of
        for aid in ends:
            windowed.update(regexes_of[aid])
        ends_np: dict[int, np.ndarray] = {}  # numpy copies, made only for regexes with many occurrences
        entries = self._entries
        offset_of = self._offset_of
        anchor_len = self._anchor_len
        for i in sorted(windowed.union(self._unanchored)):
            entry = entries[i]
            off = offset_of.get(i)
            if off is not None:
                # A match can only start where an anchor occurrence puts it: try the regex
                # there (with the caller's end, as finditer would) instead of scanning windows.
                # Tried in text order, skipping starts inside the previous match, as finditer does.
                aids = [a for a in self._anchors_of[i] if a in ends]
                if len(aids) == 1:
                    back = anchor_len[aids[0]] - 1 + off
                    starts = [e - back for e in ends[aids[0]]]  # already in text order
                else:
                    starts = sorted({e - anchor_len[a] + 1 - off for a in aids for e in ends[a]})
                rx_match = entry.regex.match
                seen_end = pos
                for st in starts:
                    if st >= seen_end:
                        m = rx_match(text, st, endpos)
                        if m is not None:
                            seen_end = m.end()
                            yield entry.key, m
            elif i in windowed:
                seen_end = -1
                for lo, hi in self._windows(i, ends, ends_np, pos, endpos):
                    for m in entry.regex.finditer(text, lo, hi):
                        if m.start() >= seen_end or m.start() == m.end():
                            seen_end = m.end()
                            yield entry.key, m
            else:
                for m in entry.regex.finditer(text, pos, endpos):
                    yield entry.key, m

    def _windows(
        self,
        i: int,
        ends: dict[int, list[int]],
        ends_np: dict[int, np.ndarray],
        pos: int,
        endpos: int,
    ) -> list[tuple[int, int]]:
        """Merged windows of regex ``i``: around each anchor occurrence, as wide as the regex
        can match plus a margin, clipped to [pos, endpos]; overlapping or touching windows
        are joined; vectorised, because common anchors (执法) occur tens of thousands of times."""
        w = self._entries[i].width or 0
        aids = [a for a in self._anchors_of[i] if a in ends]
        if len(aids) == 1 and len(ends[aids[0]]) == 1:  # the common case in a sentence or a short report
            aid = aids[0]
            end = ends[aid][0]
            return [(max(pos, end + 1 - w - _MARGIN), min(endpos, end - self._anchor_len[aid] + 1 + w + _MARGIN))]
        if sum(len(ends[a]) for a in aids) < _NUMPY_MIN:
            return self._windows_small(i, aids, ends, pos, endpos)
        los, his = [], []
        for aid in aids:
            e = ends_np.get(aid)
            if e is None:
                e = ends_np[aid] = np.array(ends[aid], dtype=np.int64)
            los.append(np.maximum(pos, e + 1 - w - _MARGIN))
            his.append(np.minimum(endpos, e - self._anchor_len[aid] + 1 + w + _MARGIN))
        lo, hi = (los[0], his[0]) if len(los) == 1 else (np.concatenate(los), np.concatenate(his))
        if len(los) > 1:
            order = np.lexsort((hi, lo))
            lo, hi = lo[order], hi[order]
        reach = np.maximum.accumulate(hi)
        # a window opens where it starts beyond everything before it
        first = np.flatnonzero(np.concatenate(([True], lo[1:] > reach[:-1])))
        last = np.concatenate((first[1:] - 1, [len(lo) - 1]))
        return list(zip(lo[first].tolist(), reach[last].tolist()))

    def _windows_small(
        self, i: int, aids: list[int], ends: dict[int, list[int]], pos: int, endpos: int
    ) -> list[tuple[int, int]]:
        """``_windows`` for a few occurrences (a sentence, a problem item), where numpy's
        per-call overhead would cost more than a plain loop. Same windows."""
        w = self._entries[i].width or 0
        left = 1 - w - _MARGIN
        out: list[tuple[int, int]] = []
        if len(aids) == 1:
            # one anchor: its occurrences come in text order, so the windows already are
            right = 1 - self._anchor_len[aids[0]] + w + _MARGIN
            for end in ends[aids[0]]:
                lo, hi = end + left, end + right
                if lo < pos:
                    lo = pos
                if hi > endpos:
                    hi = endpos
                if out and lo <= out[-1][1]:
                    if hi > out[-1][1]:
                        out[-1] = (out[-1][0], hi)
                else:
                    out.append((lo, hi))
            return out
        spans = sorted(
            (max(pos, end + left), min(endpos, end + right))
            for aid in aids
            for right in (1 - self._anchor_len[aid] + w + _MARGIN,)
            for end in ends[aid]
        )
        for lo, hi in spans:
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out
