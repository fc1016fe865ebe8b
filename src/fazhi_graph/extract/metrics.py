"""Quantitative figures (办理行政处罚案件814起, 罚款150余万元, 满意度98%以上).

Why this module exists: the figures are the only comparable facts across reports
(cases, fines, trainings, reviews …), but they are written in free prose with
Chinese numerals, 万/亿 magnitudes, approximation markers and ranges. We read
every number that carries a unit, outside problem sections, and link it to an
indicator of ``ontology/indicators.ttl`` by the cue nearest to it in the same
clause. A figure that matches no indicator is still returned (indicator
``"other"``) so nothing quantitative is silently lost.

Everything Chinese (units, magnitudes, markers, cue regexes) is read from the
ontology; this file only holds the structure of a number expression.

Pipeline per sentence (matching on ``Document.norm``, quoting ``Document.text``):

1. find ``[approx-before] number [range] [approx] [magnitude] [approx] unit [approx-after-unit]``;
2. drop non-figures: no unit, ordinals (第3次), rates (每2小时), numbers inside
   quotes or book titles (“十项禁令”, 《…第34号》), numeric slogans (一件事,
   三项制度), digit-by-digit Chinese numerals (二〇二四), unit false friends
   (3部门);
3. link to an indicator: cue patterns matched on the clause before the figure
   (nearest end wins; ties go to the narrower concept, then the longer match:
   不予处罚案件 beats 处罚案件 — so cue patterns avoid open wildcards right before
   their final word, or 办理….{0,10}案件 would swallow 法律援助案件),
   else post-cue patterns after the figure (nearest start wins), restricted to
   indicators whose unit fits the figure's unit;
4. small Chinese numerals (一名, 两个) are kept only when an indicator is found:
   unlinked they are overwhelmingly set phrases.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import gt, itemgetter
from typing import NamedTuple

import ahocorasick
import regex
from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from ..model import Metric, SegmentedReport, Sentence
from ..namespaces import FZ
from ..ontology import lexicon, lexicon_patterns, ontology_graph
from ..textnorm import normalize
from .scan import best_literals, first_chars, prefixed_search

OTHER = "other"

# Structural characters only: clause separators (ASCII forms are what the
# normalisation turns full-width punctuation into), quote pairs.
_CLAUSE_SEPARATORS = frozenset("，,；;。：:、！!？?\n")
_LABEL_COLONS = frozenset("：:")
_QUOTE_PAIRS = (("\u201c", "\u201d"), ("\u2018", "\u2019"), ("《", "》"), ("「", "」"), ("『", "』"), ("【", "】"))
_MAX_QUOTE_LEN = 40  # a longer "quote" is more likely an unbalanced mark than a slogan
_POST_WINDOW = 16  # characters after a figure searched for post-cues
_OTHER_LABEL_LEN = 8
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _alt(terms: tuple[str, ...]) -> str:
    return "|".join(re.escape(t) for t in sorted(terms, key=lambda t: (-len(t), t)))


@dataclass(frozen=True)
class _Indicator:
    notation: str
    label: str
    unit: str
    unit_class: str
    allowed: frozenset[str]
    pre: tuple[re.Pattern, ...]
    post: tuple[re.Pattern, ...]
    broader: frozenset[str]  # notations of all broader indicators (transitive)

    def fits(self, unit: str, unit_class: str) -> bool:
        if self.allowed:
            return unit in self.allowed
        return unit_class == self.unit_class


@dataclass(frozen=True)
class _Lexicon:
    figure: re.Pattern
    cn_digits: frozenset[str]
    magnitudes: frozenset[str]
    approx_before: frozenset[str]
    at_least: frozenset[str]
    nearly: frozenset[str]
    non_count_prefixes: tuple[str, ...]
    cn_word_prefixes: frozenset[str]
    false_friends: tuple[str, ...]
    slogans: tuple[str, ...]
    slogan_patterns: tuple[re.Pattern, ...]
    partial_year: tuple[re.Pattern, ...]
    unit_classes: dict[str, str]
    percent_unit: str


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    units = lexicon("number-units")
    cn = lexicon("number-cn-digits")
    mags = lexicon("number-magnitudes")
    percent_units = lexicon("number-percent-units")
    # Compiled with the ``regex`` module: every part before the number is optional, so ``re``
    # tries the whole pattern at every character of the text, which ``regex`` does about twice
    # as fast (same matches: the pattern uses only syntax both modules read alike).
    figure = regex.compile(
        rf"(?P<pre>{_alt(lexicon('number-approx-before'))})?"
        rf"(?P<pct>{_alt(lexicon('number-percent-prefix'))})?"
        rf"(?P<n1>{_ARABIC}|[{''.join(cn)}]+)"
        rf"(?:(?P<sep>{_alt(lexicon('number-range-separators'))})(?P<n2>{_ARABIC}|[{''.join(cn)}]+))?"
        rf"(?P<a1>{_alt(lexicon('number-approx-after'))})?"
        rf"(?P<mag>{_alt(mags)})?"
        rf"(?P<a2>{_alt(lexicon('number-approx-after'))})?"
        rf"(?P<unit>{_alt(units)})?"
        rf"(?P<post>{_alt(lexicon('number-approx-after-unit'))})?"
    )
    classes: dict[str, str] = {u: "count" for u in units}
    for name, cls in (
        ("number-money-units", "money"),
        ("number-percent-units", "percent"),
        ("number-duration-units", "duration"),
        ("number-area-units", "area"),
    ):
        for u in lexicon(name):
            classes[u] = cls
    # The canonical percent unit is the shortest percent term ("%").
    percent_unit = sorted(percent_units, key=lambda t: (len(t), t))[0]
    return _Lexicon(
        figure=figure,
        cn_digits=frozenset(cn),
        magnitudes=frozenset(mags),
        approx_before=frozenset(lexicon("number-approx-before")),
        at_least=frozenset(lexicon("number-at-least")),
        nearly=frozenset(lexicon("number-nearly")),
        non_count_prefixes=lexicon("number-non-count-prefixes"),
        cn_word_prefixes=frozenset(lexicon("number-cn-word-prefixes")),
        false_friends=lexicon("number-unit-false-friends"),
        slogans=lexicon("number-slogans"),
        slogan_patterns=tuple(re.compile(p) for p in lexicon_patterns("number-slogans")),
        partial_year=tuple(re.compile(p) for p in lexicon_patterns("number-partial-year")),
        unit_classes=classes,
        percent_unit=percent_unit,
    )


@lru_cache(maxsize=1)
def _indicators() -> tuple[_Indicator, ...]:
    """Indicators from the ontology, sorted by notation (deterministic tie-breaking)."""
    g = ontology_graph()
    lex = _lexicon()
    post_prop = FZ.postCuePattern
    allowed_prop = FZ.allowedUnit
    subjects = sorted(set(g.subjects(RDF.type, FZ.Indicator)), key=str)
    notation_of = {s: str(next(iter(sorted(g.objects(s, SKOS.notation))), str(s).rsplit("/", 1)[-1])) for s in subjects}

    def broader_closure(s: URIRef) -> frozenset[str]:
        seen: set[URIRef] = set()
        todo = [s]
        while todo:
            for b in g.objects(todo.pop(), SKOS.broader):
                if b not in seen and isinstance(b, URIRef):
                    seen.add(b)
                    todo.append(b)
        return frozenset(notation_of.get(b, str(b)) for b in seen)

    out = []
    for s in subjects:
        labels = [x for x in g.objects(s, SKOS.prefLabel) if getattr(x, "language", None) != "en"]
        unit = str(next(iter(sorted(g.objects(s, FZ.unit))), ""))
        out.append(
            _Indicator(
                notation=notation_of[s],
                label=str(sorted(labels)[0]) if labels else notation_of[s],
                unit=unit,
                unit_class=lex.unit_classes.get(unit, "count"),
                allowed=frozenset(str(x) for x in g.objects(s, allowed_prop)),
                pre=tuple(re.compile(str(p)) for p in sorted(g.objects(s, FZ.cuePattern), key=str)),
                post=tuple(re.compile(str(p)) for p in sorted(g.objects(s, post_prop), key=str)),
                broader=broader_closure(s),
            )
        )
    return tuple(sorted(out, key=lambda i: i.notation))


def indicator_ids() -> tuple[str, ...]:
    """All indicator notations known to the ontology (plus ``other``)."""
    return tuple(i.notation for i in _indicators()) + (OTHER,)


# ---------------------------------------------------------------- numbers


def _parse_number(text: str, lex: _Lexicon) -> Decimal | None:
    """Arabic (with thousands separators / decimals) or Chinese numeral → Decimal; None if not a count."""
    if text[0].isdigit():
        plain = text.replace(",", "")
        if len(plain) > 1 and plain[0] == "0" and "." not in plain:
            return None  # 0376…: area codes, serial numbers
        try:
            return Decimal(plain)
        except InvalidOperation:
            return None
    if text[0] in lex.magnitudes:
        return None  # 万家, 百姓: a magnitude cannot open a numeral
    if len(text) > 1 and not any(ch in lex.magnitudes or _is_ten(ch) for ch in text):
        return None  # 二〇二四, 一二: digit-by-digit readings (years, codes)
    try:
        import cn2an

        return Decimal(str(cn2an.cn2an(text, "smart")))
    except Exception:
        return None


def _is_ten(ch: str) -> bool:
    # "ten" is the only Chinese digit that is a positional word but not a magnitude of the lexicon;
    # recognise it by value rather than by spelling it here.
    return _cn_value(ch) == 10


@lru_cache(maxsize=64)
def _cn_value(ch: str) -> int | None:
    try:
        import cn2an

        return int(cn2an.cn2an(ch, "smart"))
    except Exception:
        return None


@lru_cache(maxsize=32)
def _multiplier(mag: str) -> Decimal:
    import cn2an

    return Decimal(str(cn2an.cn2an("1" + mag, "smart")))


@lru_cache(maxsize=1)
def _quote_regexes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(opening mark, regex) per quote pair, compiled once: this runs for every sentence."""
    return tuple(
        (open_, re.compile(re.escape(open_) + r"[^" + re.escape(open_ + close) + r"]{0,%d}" % _MAX_QUOTE_LEN + re.escape(close)))
        for open_, close in _QUOTE_PAIRS
    )


def _quoted_spans(norm: str, s0: int, s1: int) -> list[tuple[int, int]]:
    """Quotes of the sentence ``norm[s0:s1]`` (offsets in ``norm``)."""
    spans = []
    for open_, rx in _quote_regexes():
        if norm.find(open_, s0, s1) >= 0:  # most sentences quote nothing: skip the regex
            spans.extend(m.span() for m in rx.finditer(norm, s0, s1))
    return spans


# A regex run with ``pos``/``endpos`` on the whole text finds what it finds on the slice
# [pos:endpos] unless it looks at what lies before ``pos`` (^, \A, \b, \B, lookbehind).
_CONTEXT_SENSITIVE = re.compile(r"\\[AbB]|\^|\(\?<[=!]")


def _any_matcher(patterns: tuple[re.Pattern, ...]) -> tuple[re.Pattern | None, tuple[re.Pattern, ...]]:
    """One alternation that matches wherever any of ``patterns`` does, plus the patterns
    that must still run on their own on the sliced sentence: those that look before their
    start (an alternation run with ``pos`` on the whole text would see beyond the sentence)
    and those with group references (numbering changes inside an alternation)."""
    joint = [p for p in patterns if not _CONTEXT_SENSITIVE.search(p.pattern) and not _GROUP_REF.search(p.pattern)]
    alone = tuple(p for p in patterns if p not in joint)
    if not joint:
        return None, alone
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in joint)), alone
    except re.error:  # e.g. a group name used by two patterns, or an inline global flag
        return None, tuple(patterns)


_GROUP_REF = re.compile(r"\\\d|\(\?P=|\(\?\(")


@lru_cache(maxsize=1)
def _slogan_patterns() -> tuple[re.Pattern | None, tuple[re.Pattern, ...]]:
    return _any_matcher(_lexicon().slogan_patterns)


@lru_cache(maxsize=1)
def _slogan_first() -> frozenset[str] | None:
    """Characters a slogan-pattern match can start with (一二…十 for 三项制度), or None if
    unknown: a figure starting with anything else (every Arabic number) needs no ``match``."""
    joint, alone = _slogan_patterns()
    if alone or joint is None:
        return None
    return first_chars(joint.pattern)


@lru_cache(maxsize=1)
def _partial_year_patterns() -> tuple[re.Pattern | None, tuple[re.Pattern, ...]]:
    return _any_matcher(_lexicon().partial_year)


def _slogan_at(norm: str, s0: int, s1: int, ns: int, patterns) -> bool:
    joint, alone = patterns
    if joint is not None and joint.match(norm, ns, s1):
        return True
    return bool(alone) and any(p.match(norm[s0:s1], ns - s0) for p in alone)


@lru_cache(maxsize=1)
def _partial_year_search():
    joint, _alone = _partial_year_patterns()
    return None if joint is None else prefixed_search(joint)


def _partial_year(norm: str, s0: int, s1: int) -> bool:
    joint, alone = _partial_year_patterns()
    if joint is not None and _partial_year_search()(norm, s0, s1):
        return True
    return bool(alone) and any(p.search(norm[s0:s1]) for p in alone)


class _Figure(NamedTuple):
    start: int  # offsets in the document, the whole expression (markers included)
    end: int
    num_start: int
    value: Decimal
    unit: str
    unit_class: str
    approx: bool
    qualifier: str | None
    chinese: bool


@lru_cache(maxsize=4)
def _group_order(figure: re.Pattern) -> tuple[int, ...]:
    """Positions in ``m.groups()`` of pre, pct, n1, n2, a1, mag, a2, unit, post."""
    names = ("pre", "pct", "n1", "n2", "a1", "mag", "a2", "unit", "post")
    return tuple(figure.groupindex[n] - 1 for n in names)


def _figures(
    norm: str, s0: int, s1: int, matches: list[re.Match], lex: _Lexicon, quotes: list[int] | None = None
) -> list[_Figure]:
    """Number+unit expressions of the sentence ``norm[s0:s1]`` among the figure-regex ``matches``
    of that sentence; nothing outside [s0, s1) is looked at, as if the sentence were cut out.
    ``quotes``: sorted offsets of every opening quote mark of ``norm`` (``_quote_opens``), so
    that a sentence without one is not searched for quotes; None to search anyway."""
    quoted = None
    if quotes is not None:
        k = bisect_left(quotes, s0)
        if k == len(quotes) or quotes[k] >= s1:
            quoted = ()  # no opening mark in the sentence: nothing is quoted
    slogan_patterns = _slogan_patterns()
    slogan_first = _slogan_first()
    order = _group_order(lex.figure)
    pick = itemgetter(*order)
    n1_group, unit_group = order[2] + 1, order[7] + 1
    non_count, cn_word_prefixes, false_friends, slogans = (
        lex.non_count_prefixes, lex.cn_word_prefixes, lex.false_friends, lex.slogans
    )
    out = []
    for m in matches:
        groups = m.groups()  # one call: named look-ups cost more than the regex match itself
        pre, pct, n1, n2, a1, mag, a2, unit, post = pick(groups)
        has_unit = unit is not None
        if pct and not unit:
            unit = lex.percent_unit
        if not unit:
            continue
        ns = m.start(n1_group)
        # The text before the number (before its markers, if any); read in place, not sliced.
        lead = ns if not pre and not pct else m.start()
        last = norm[lead - 1] if lead > s0 else ""
        if non_count and norm.endswith(non_count, s0, lead):
            continue
        chinese = not n1[0].isdigit()
        if chinese and last and last in cn_word_prefixes:
            continue
        if not chinese and last and (last.isalnum() and last.isascii() or last in "./"):
            continue
        if has_unit and false_friends and norm.startswith(false_friends, m.start(unit_group), s1):
            continue
        if quoted is None:
            quoted = _quoted_spans(norm, s0, s1)
        if quoted and any(a <= ns < b for a, b in quoted):
            continue
        if slogans and norm.startswith(slogans, ns, s1):
            continue
        if (slogan_first is None or norm[ns] in slogan_first) and _slogan_at(norm, s0, s1, ns, slogan_patterns):
            continue
        if chinese and (a1 or a2) and len(n1) <= 2 and all(ch in lex.magnitudes for ch in n1):
            value = _multiplier(n1)  # 千余人次, 百余家, 万余件: "a thousand-odd"
        else:
            value = _parse_number(n1, lex)
        if value is None:
            continue
        if n2:
            if _parse_number(n2, lex) is None:
                continue
        if mag:
            value *= _multiplier(mag)
        unit_class = "percent" if pct else lex.unit_classes.get(unit, "count")
        qualifier = None
        if n2:
            qualifier = "range"
        approx = bool(pre or a1 or a2 or post)
        if approx and not n2:
            markers = [g for g in (pre, a1, a2, post) if g]
            if any(x in lex.at_least for x in markers):
                qualifier = "at_least"
            elif any(x in lex.nearly for x in markers):
                qualifier = "nearly"
        out.append(_Figure(m.start(), m.end(), ns, value, unit, unit_class, approx, qualifier, chinese))
    return out


# ---------------------------------------------------------------- linking


def _best(cands: list[tuple[tuple, _Indicator]]) -> _Indicator | None:
    """Best candidate by key[0]; among ties a narrower indicator beats its broader one, then key[1]."""
    if not cands:
        return None
    if len(cands) == 1:
        return cands[0][1]
    top = max(k[0] for k, _ in cands)
    tied = [(k, i) for k, i in cands if k[0] == top]
    names = {i.notation for _, i in tied}
    broader_of_others = set().union(*(i.broader for _, i in tied)) & names
    tied = [(k, i) for k, i in tied if i.notation not in broader_of_others]
    tied.sort(key=lambda ki: (-ki[0][1], ki[1].notation))
    return tied[0][1]


@lru_cache(maxsize=256)
def _fitting(unit: str, unit_class: str) -> tuple[_Indicator, ...]:
    """Indicators a figure with this unit may belong to (asked once per unit, not per figure)."""
    return tuple(i for i in _indicators() if i.fits(unit, unit_class))


@lru_cache(maxsize=256)
def _fitting_post(unit: str, unit_class: str) -> tuple[_Indicator, ...]:
    """The fitting indicators that have post-cues (most have none)."""
    return tuple(i for i in _fitting(unit, unit_class) if i.post)


@lru_cache(maxsize=256)
def _fitting_pre(unit: str, unit_class: str) -> dict[re.Pattern, tuple[_Indicator, ...]]:
    """Pre-cue regex → the fitting indicators that carry it (a regex string shared by two
    indicators compiles to one object, so it is run once for both)."""
    out: dict[re.Pattern, list[_Indicator]] = {}
    for ind in _fitting(unit, unit_class):
        for p in ind.pre:
            out.setdefault(p, []).append(ind)
    return {p: tuple(inds) for p, inds in out.items()}


@lru_cache(maxsize=256)
def _fitting_cues(unit: str, unit_class: str) -> tuple[object, frozenset[int], tuple[tuple[re.Pattern, tuple[_Indicator, ...]], ...]]:
    """The pre-cues of the indicators a unit fits (``_fitting_pre``), prefiltered: (automaton of
    the literals every match of a cue must contain -> cue numbers, cue numbers without such a
    literal, (regex, indicators) per number).

    A clause holds a handful of words while the indicators carry a hundred cue regexes: one
    automaton pass over the clause tells which cues can match at all, so the others are not
    run (the result is the same: a cue whose required words are absent finds nothing), and
    cues of indicators of another unit are not even looked at."""
    table = tuple(_fitting_pre(unit, unit_class).items())
    by_literal: dict[str, set[int]] = {}
    unanchored: set[int] = set()
    for k, (p, _inds) in enumerate(table):
        lits = best_literals(p.pattern)
        if lits is None:
            unanchored.add(k)
        for lit in lits or ():
            by_literal.setdefault(lit, set()).add(k)
    auto = None
    if by_literal:
        auto = ahocorasick.Automaton()
        for lit, ks in sorted(by_literal.items()):
            auto.add_word(lit, frozenset(ks))
        auto.make_automaton()
    return auto, frozenset(unanchored), table


def _link(prefix: str, postfix: str, fig: _Figure) -> _Indicator | None:
    auto, unanchored, table = _fitting_cues(fig.unit, fig.unit_class)
    found = unanchored
    if auto is not None and prefix:
        for _, ks in auto.iter(prefix):  # type: ignore[attr-defined]
            found = found | ks if found else ks  # frozensets: usually one hit, no copy
    best_of: dict[str, tuple[tuple, _Indicator]] = {}
    for k in found:
        p, inds = table[k]
        # nearest end, then the longest (most specific) cue: the matches of one regex do not
        # overlap, so the last non-empty one has the greatest end
        last = None
        for m in p.finditer(prefix):
            if m.end() > m.start():
                last = m
        if last is None:
            continue
        best = (last.end(), last.end() - last.start())
        for ind in inds:
            seen = best_of.get(ind.notation)
            if seen is None or best > seen[0]:
                best_of[ind.notation] = (best, ind)
    cands = list(best_of.values())
    if cands:
        return _best(cands)
    window = postfix[:_POST_WINDOW]
    for ind in _fitting_post(fig.unit, fig.unit_class):
        best = None
        for p in ind.post:
            m = p.search(window)
            if m and m.end() > m.start():
                key = (-m.start(), m.end() - m.start())
                if best is None or key > best:
                    best = key
        if best is not None:
            cands.append((best, ind))
    return _best(cands)


_CLAUSE_SEPARATOR_RE = re.compile("[" + re.escape("".join(sorted(_CLAUSE_SEPARATORS))) + "]")


def _other_label(prefix: str, postfix: str) -> str:
    label = prefix[-_OTHER_LABEL_LEN:].strip(" \t\"'“”‘’()（）[]《》")
    if not label:
        label = postfix[:_OTHER_LABEL_LEN].strip(" \t\"'“”‘’()（）[]《》")
    return label


def _sentence_metrics(
    report: SegmentedReport,
    norm: str,
    s0: int,
    s1: int,
    matches: list[re.Match],
    doc_seps: list[int] | None = None,
    quotes: list[int] | None = None,
    make_evidence=None,
) -> list[Metric]:
    """Metrics of the sentence ``norm[s0:s1]`` from its figure-regex ``matches``. A whole-report
    pass hands in what it computed once for the report: ``doc_seps`` (offsets of every clause
    separator of ``norm``), ``quotes`` (see ``_figures``) and ``report.evidence_maker()``."""
    lex = _lexicon()
    figures = _figures(norm, s0, s1, matches, lex, quotes)
    if not figures:
        return []
    partial = _partial_year(norm, s0, s1)
    if doc_seps is None:
        seps = [m.start() for m in _CLAUSE_SEPARATOR_RE.finditer(norm, s0, s1)]
    else:
        seps = doc_seps[bisect_left(doc_seps, s0) : bisect_left(doc_seps, s1)]
    n_seps = len(seps)
    evidence = make_evidence or report.evidence
    out = []
    prev_end = s0
    for fig in figures:
        start, end = fig.start, fig.end
        # the clause around the figure, inlined (it runs for every figure). A figure that opens its
        # clause right after a colon (累计罚款总额:227900元) belongs to the words before the colon.
        i = bisect_left(seps, start)  # separators before the figure: seps[:i]
        cs = seps[i - 1] + 1 if i > 0 else s0
        if cs > s0 and norm[cs - 1] in _LABEL_COLONS and not norm[cs:start].strip():
            cs = seps[i - 2] + 1 if i > 1 else s0
        j = bisect_left(seps, end, i)
        ce = seps[j] if j < n_seps else s1
        prefix, postfix = norm[cs:start], norm[end:ce]
        # Cues may reach over an earlier figure of the clause (法制审核…15次40余起),
        # the display label of an unlinked figure may not.
        own_start = cs if cs > prev_end else prev_end
        prev_end = end
        ind = _link(prefix, postfix, fig)
        if ind is None and fig.chinese and fig.value < 10:
            continue  # 一名, 两个 … without a cue: almost always a set phrase
        out.append(
            Metric(
                ind.notation if ind else OTHER,
                ind.label if ind else _other_label(norm[own_start:start], postfix),
                float(fig.value),
                fig.unit,
                fig.approx,
                fig.qualifier or ("partial_year" if partial else None),
                evidence(start, end, s0, s1),
            )
        )
    return out


def figures_in_sentence(report: SegmentedReport, sent: Sentence, norm_text: str | None = None) -> list[Metric]:
    """Metrics of one sentence (exposed for callers that iterate sentences themselves)."""
    doc = report.doc
    norm = norm_text if norm_text is not None else (doc.norm or normalize(doc.text))
    matches = list(_lexicon().figure.finditer(norm, sent.start, sent.end))
    return _sentence_metrics(report, norm, sent.start, sent.end, matches)


@lru_cache(maxsize=1)
def _quote_open_re() -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(o for o, _ in _QUOTE_PAIRS)) + "]")


def figure_matches_by_sentence(figure: re.Pattern, norm: str, sentences: list[Sentence]) -> list[list[re.Match]]:
    """``list(figure.finditer(norm, s.start, s.end))`` for every sentence, from one pass over the text.

    The figure regex looks neither behind its start nor at the end of the text, so a match
    that lies inside a sentence is the match the per-sentence scan finds there, and the scan
    of a sentence no match crosses into or out of sees the same matches as the whole-text
    scan (see tests/test_extract_metrics.py). Only sentences that a whole-text match crosses
    (a figure running over a cut that has no punctuation) are scanned again on their own.
    Sentences must be sorted and disjoint (as segment() makes them); otherwise every
    sentence is scanned on its own. The lists are to be read, not changed: sentences
    without a match may share one empty list."""
    n = len(sentences)
    starts = [s.start for s in sentences]
    ends = [s.end for s in sentences]
    if any(map(gt, ends[:-1], starts[1:])):  # some sentence ends after the next one starts
        return [list(figure.finditer(norm, s.start, s.end)) for s in sentences]
    # sentences without a figure share one empty list (read only): most sentences have none
    empty: list[re.Match] = []
    out: list[list[re.Match]] = [empty] * n
    dirty: set[int] = set()
    lo = 0
    for m in figure.finditer(norm):
        ms, me = m.span()
        i = bisect_right(starts, ms, lo) - 1
        if i >= 0:
            lo = i
        if i >= 0 and me <= ends[i] and ms < ends[i]:
            if out[i] is empty:
                out[i] = [m]
            else:
                out[i].append(m)
            continue
        # The match starts between sentences or runs past the end of its sentence:
        # every sentence it overlaps must be scanned on its own.
        j = i if i >= 0 and ms < ends[i] else i + 1
        while j < n and starts[j] < me:
            dirty.add(j)
            j += 1
    for j in dirty:
        s = sentences[j]
        out[j] = list(figure.finditer(norm, s.start, s.end))
    return out


def extract_metrics(report: SegmentedReport) -> list[Metric]:
    """Every figure with a unit in the report, outside problem sections, ordered by offset."""
    doc = report.doc
    norm = doc.norm or normalize(doc.text)
    sentences = report.sentences
    per_sentence = figure_matches_by_sentence(_lexicon().figure, norm, sentences)
    # Whole-report tables, one regex pass each, instead of one search per sentence.
    seps = [m.start() for m in _CLAUSE_SEPARATOR_RE.finditer(norm)]
    quotes = [m.start() for m in _quote_open_re().finditer(norm)]
    make_evidence = report.evidence_maker()
    out: list[Metric] = []
    kind_at = report.kind_at
    for sent, matches in zip(sentences, per_sentence):
        if not matches or kind_at(sent.start) == "problems":
            continue
        out.extend(
            _sentence_metrics(
                report, norm, sent.start, sent.end, matches, seps, quotes, make_evidence
            )
        )
    out.sort(key=lambda m: (m.evidence.match_start, m.evidence.match_end) if m.evidence else (0, 0))
    return out


__all__ = ["extract_metrics", "figures_in_sentence", "indicator_ids", "OTHER"]
