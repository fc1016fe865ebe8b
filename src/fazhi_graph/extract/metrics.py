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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import ahocorasick
from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from ..model import Metric, SegmentedReport, Sentence
from ..namespaces import FZ
from ..ontology import lexicon, lexicon_patterns, ontology_graph
from ..textnorm import normalize
from .scan import required_literals

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
    figure = re.compile(
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


def _quoted_spans(norm: str) -> list[tuple[int, int]]:
    spans = []
    for open_, rx in _quote_regexes():
        if open_ in norm:  # most sentences quote nothing: skip the regex
            spans.extend(m.span() for m in rx.finditer(norm))
    return spans


@dataclass(frozen=True)
class _Figure:
    start: int  # in sentence coordinates, the whole expression (markers included)
    end: int
    num_start: int
    value: Decimal
    unit: str
    unit_class: str
    approx: bool
    qualifier: str | None
    chinese: bool


def _figures(norm: str, lex: _Lexicon) -> list[_Figure]:
    """Number+unit expressions of one (normalised) sentence."""
    quoted = _quoted_spans(norm)
    out = []
    for m in lex.figure.finditer(norm):
        n1 = m.group("n1")
        unit = m.group("unit")
        if m.group("pct") and not unit:
            unit = lex.percent_unit
        if not unit:
            continue
        ns = m.start("n1")
        # The text before the number (before its markers, if any); read in place, not sliced.
        lead = ns if not m.group("pre") and not m.group("pct") else m.start()
        last = norm[lead - 1] if lead > 0 else ""
        if lex.non_count_prefixes and norm.endswith(lex.non_count_prefixes, 0, lead):
            continue
        chinese = not n1[0].isdigit()
        if chinese and last and last in lex.cn_word_prefixes:
            continue
        if not chinese and last and (last.isalnum() and last.isascii() or last in "./"):
            continue
        if m.group("unit") and lex.false_friends and norm.startswith(lex.false_friends, m.start("unit")):
            continue
        if any(a <= ns < b for a, b in quoted):
            continue
        if lex.slogans and norm.startswith(lex.slogans, ns):
            continue
        if any(p.match(norm, ns) for p in lex.slogan_patterns):
            continue
        if chinese and all(ch in lex.magnitudes for ch in n1) and (m.group("a1") or m.group("a2")) and len(n1) <= 2:
            value = _multiplier(n1)  # 千余人次, 百余家, 万余件: "a thousand-odd"
        else:
            value = _parse_number(n1, lex)
        if value is None:
            continue
        if m.group("n2"):
            if _parse_number(m.group("n2"), lex) is None:
                continue
        if m.group("mag"):
            value *= _multiplier(m.group("mag"))
        unit_class = "percent" if m.group("pct") else lex.unit_classes.get(unit, "count")
        markers = [g for g in (m.group("pre"), m.group("a1"), m.group("a2"), m.group("post")) if g]
        qualifier = None
        if m.group("n2"):
            qualifier = "range"
        elif any(x in lex.at_least for x in markers):
            qualifier = "at_least"
        elif any(x in lex.nearly for x in markers):
            qualifier = "nearly"
        out.append(
            _Figure(
                start=m.start(),
                end=m.end(),
                num_start=ns,
                value=value,
                unit=unit,
                unit_class=unit_class,
                approx=bool(markers),
                qualifier=qualifier,
                chinese=chinese,
            )
        )
    return out


# ---------------------------------------------------------------- linking


def _best(cands: list[tuple[tuple, _Indicator]]) -> _Indicator | None:
    """Best candidate by key[0]; among ties a narrower indicator beats its broader one, then key[1]."""
    if not cands:
        return None
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


@lru_cache(maxsize=1)
def _cue_anchors() -> tuple[object, frozenset[re.Pattern]]:
    """An automaton of the literals every pre-cue match must contain, and the cues without one.

    A clause holds a handful of words while the indicators carry a hundred cue regexes:
    one automaton pass over the clause tells which cues can match at all, so the others
    are not run (the result is the same: a cue whose required words are absent finds nothing)."""
    by_literal: dict[str, set[re.Pattern]] = {}
    unanchored: set[re.Pattern] = set()
    for ind in _indicators():
        for p in ind.pre:
            lits = required_literals(p.pattern)
            if lits is None:
                unanchored.add(p)
            for lit in lits or ():
                by_literal.setdefault(lit, set()).add(p)
    auto = ahocorasick.Automaton()
    for lit, pats in sorted(by_literal.items()):
        auto.add_word(lit, frozenset(pats))
    if by_literal:
        auto.make_automaton()
    return (auto if by_literal else None), frozenset(unanchored)


def _possible_cues(prefix: str) -> set[re.Pattern]:
    auto, unanchored = _cue_anchors()
    found = set(unanchored)
    if auto is not None and prefix:
        for _, pats in auto.iter(prefix):  # type: ignore[attr-defined]
            found |= pats
    return found


def _link(prefix: str, postfix: str, fig: _Figure) -> _Indicator | None:
    fitting = _fitting(fig.unit, fig.unit_class)
    possible = _possible_cues(prefix)
    cands: list[tuple[tuple, _Indicator]] = []
    for ind in fitting:
        best = None
        for p in ind.pre:
            if p not in possible:
                continue
            for m in p.finditer(prefix):
                key = (m.end(), m.end() - m.start())  # nearest end, then the longest (most specific) cue
                if m.end() > m.start() and (best is None or key > best):
                    best = key
        if best is not None:
            cands.append((best, ind))
    if cands:
        return _best(cands)
    window = postfix[:_POST_WINDOW]
    for ind in fitting:
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


def _clause_bounds(norm: str, start: int, end: int) -> tuple[int, int]:
    """The clause around a figure. A figure that opens its clause right after a colon
    (累计罚款总额:227900元) belongs to the words before the colon."""
    cs = start
    while cs > 0 and norm[cs - 1] not in _CLAUSE_SEPARATORS:
        cs -= 1
    if cs > 0 and norm[cs - 1] in _LABEL_COLONS and not norm[cs:start].strip():
        cs -= 1
        while cs > 0 and norm[cs - 1] not in _CLAUSE_SEPARATORS:
            cs -= 1
    ce = end
    while ce < len(norm) and norm[ce] not in _CLAUSE_SEPARATORS:
        ce += 1
    return cs, ce


def _other_label(prefix: str, postfix: str) -> str:
    label = prefix[-_OTHER_LABEL_LEN:].strip(" \t\"'“”‘’()（）[]《》")
    if not label:
        label = postfix[:_OTHER_LABEL_LEN].strip(" \t\"'“”‘’()（）[]《》")
    return label


def figures_in_sentence(report: SegmentedReport, sent: Sentence, norm_text: str | None = None) -> list[Metric]:
    """Metrics of one sentence (exposed for callers that iterate sentences themselves)."""
    lex = _lexicon()
    doc = report.doc
    full_norm = norm_text if norm_text is not None else (doc.norm or normalize(doc.text))
    norm = full_norm[sent.start : sent.end]
    figures = _figures(norm, lex)
    if not figures:
        return []
    partial = any(p.search(norm) for p in lex.partial_year)
    out = []
    prev_end = 0
    for fig in figures:
        cs, ce = _clause_bounds(norm, fig.start, fig.end)
        prefix, postfix = norm[cs : fig.start], norm[fig.end : ce]
        # Cues may reach over an earlier figure of the clause (法制审核…15次40余起),
        # the display label of an unlinked figure may not.
        own_prefix = norm[max(cs, prev_end) : fig.start]
        prev_end = fig.end
        ind = _link(prefix, postfix, fig)
        if ind is None and fig.chinese and fig.value < 10:
            continue  # 一名, 两个 … without a cue: almost always a set phrase
        qualifier = fig.qualifier or ("partial_year" if partial else None)
        ms, me = sent.start + fig.start, sent.start + fig.end
        ev = report.evidence(ms, me, sent.start, sent.end)
        out.append(
            Metric(
                indicator=ind.notation if ind else OTHER,
                label=ind.label if ind else _other_label(own_prefix, postfix),
                value=float(fig.value),
                unit=fig.unit,
                approx=fig.approx,
                qualifier=qualifier,
                evidence=ev,
            )
        )
    return out


def extract_metrics(report: SegmentedReport) -> list[Metric]:
    """Every figure with a unit in the report, outside problem sections, ordered by offset."""
    doc = report.doc
    norm = doc.norm or normalize(doc.text)
    out: list[Metric] = []
    for sent in report.sentences:
        if report.kind_at(sent.start) == "problems":
            continue
        out.extend(figures_in_sentence(report, sent, norm))
    out.sort(key=lambda m: (m.evidence.match_start, m.evidence.match_end) if m.evidence else (0, 0))
    return out


__all__ = ["extract_metrics", "figures_in_sentence", "indicator_ids", "OTHER"]
