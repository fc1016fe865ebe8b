"""Find taxonomy concepts in a segmented report: practices (with done/planned status) and problems.

Why it works this way:

* The taxonomies are data (``ontology/practices.ttl``, ``ontology/problems.ttl``). Every
  prefLabel / altLabel / hiddenLabel of a practice goes into one Aho-Corasick automaton (built
  once per process, shared with the cue regexes' anchors), so adding an alias never touches code; ``fz:cuePattern`` regexes catch the
  looser wordings an exact label cannot (落实……三项制度, 领导干部带头学法).
* Matching runs on ``Document.norm`` (same length as the text, simplified / half-width) and
  every offset is an offset into ``Document.text``: evidence quotes the report as written.
* Nested names: a name that lies inside a longer name of another concept is not a mention of
  its own (行政执法公示制度 is not also a bare 三项制度, 重大执法决定法制审核 is not a bare 法制审核).
  A regex match only swallows names that touch its edges, never names inside its gap.
* Status comes from where the mention is: plans / rectification sections and sentences with a
  plan marker (``fzlex:plan-markers``, e.g. 下一步, 2025年将) are *planned*, the rest *done*.
  A practice named inside a problems / causes section is not a practice (存在……执法公示不及时
  does not say the bureau publishes anything), so those mentions are ignored.
* Problems come only from problems / causes sections (and, when a sentence names a weakness,
  from suggestions sections, which often state the problem they address). Each listed item
  (一是…, （一）…, 1.…, or a paragraph) is kept as a ProblemStatement, whether or not a
  category recognises it, so nothing the bureau admitted is lost.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ..model import ConceptMention, Evidence, ProblemStatement, SegmentedReport, Section, Sentence
from ..namespaces import FZ
from ..ontology import Concept, concepts, lexicon, lexicon_patterns
from ..textnorm import normalize
from .scan import RegexSet, prefixed_search

__all__ = ["match_practices", "match_problems", "find_concept_spans", "planned_sentence"]

# Section kinds (model.SectionKind literals, structural, not domain words).
_SKIP_FOR_PRACTICES = ("problems", "causes", "suggestions")  # suggestions address the city, not the bureau
_PLANNED_KINDS = ("plans", "rectification")
_PROBLEM_KINDS = ("problems", "causes")
_CUE_ONLY_PROBLEM_KINDS = ("suggestions",)


class _Hit(NamedTuple):
    """A tuple, not a frozen dataclass: tens of thousands are made per report, and a
    frozen dataclass costs several times more to create and hash."""

    start: int
    end: int
    concept: int  # index into the concept tuple
    exact: bool  # True for a label, False for a cue regex


@dataclass(frozen=True)
class _Index:
    concepts: tuple[Concept, ...]
    cues: RegexSet  # keyed by concept index; its automaton also finds the labels
    excludes: tuple[tuple[re.Pattern[str], ...], ...]


def _build_index(rdf_class: str) -> _Index:
    cs = concepts(rdf_class)
    keys: dict[str, list[int]] = {}
    for i, c in enumerate(cs):
        for name in c.names:
            key = normalize(name.strip())
            if len(key) < 2:
                continue
            keys.setdefault(key, [])
            if i not in keys[key]:
                keys[key].append(i)
    # the labels are found in the cue regexes' anchor pass (``_raw_hits``): one pass, not two
    labels = [(key, (len(key), tuple(keys[key]))) for key in sorted(keys)]
    cues = RegexSet([(i, p) for i, c in enumerate(cs) for p in c.cue_patterns], words=labels)
    excludes = tuple(tuple(re.compile(p) for p in c.exclude_patterns) for c in cs)
    return _Index(cs, cues, excludes)


@lru_cache(maxsize=1)
def _practice_index() -> _Index:
    return _build_index(str(FZ.Practice))


@lru_cache(maxsize=1)
def _problem_index() -> _Index:
    return _build_index(str(FZ.Problem))


@lru_cache(maxsize=1)
def _plan_markers() -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    return lexicon("plan-markers"), tuple(re.compile(p) for p in lexicon_patterns("plan-markers"))


@lru_cache(maxsize=1)
def _done_markers() -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    try:
        terms = lexicon("done-markers")
    except KeyError:
        terms = ()
    return terms, tuple(re.compile(p) for p in lexicon_patterns("done-markers"))


def _has_marker(text: str, markers: tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]) -> bool:
    found = _marker_search(markers)
    if found is not None:
        return found(text)
    terms, pats = markers
    return any(t in text for t in terms) or any(p.search(text) for p in pats)


@lru_cache(maxsize=8)
def _marker_search(markers: tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]):
    """``_marker_re(markers).search(text) is not None`` as a function that first skips to a
    character a marker can start with (``scan.prefixed_search``); None without ``_marker_re``."""
    rx = _marker_re(markers)
    return None if rx is None else prefixed_search(rx)


@lru_cache(maxsize=8)
def _marker_re(markers: tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]) -> re.Pattern[str] | None:
    """Terms and patterns as one alternation: one search per sentence instead of one per
    marker. Some alternative matches somewhere iff some marker does, so the answer is the
    same; None (test them one by one) if a pattern cannot be embedded (back-references)."""
    terms, pats = markers
    if any(re.search(r"\\\d|\(\?P=", p.pattern) for p in pats):
        return None
    alts = [re.escape(t) for t in terms] + [f"(?:{p.pattern})" for p in pats]
    if not alts:
        return None
    try:
        return re.compile("|".join(alts))
    except re.error:
        return None


def planned_sentence(norm_sentence: str) -> bool:
    """True when a (normalised) sentence speaks about the future (下一步, 2025年将 …)."""
    return _has_marker(norm_sentence, _plan_markers())


_CLAUSE_END = re.compile(r"[,;:!?。]")


def _planned_at(
    norm: str,
    s_start: int,
    s_end: int,
    offset: int,
    memo: dict[tuple[int, int], bool] | None = None,
    cut_at: list[int] | None = None,
) -> bool:
    """Is the mention at ``offset`` in a future-marked clause?

    A marker scopes its own clause and, when it opens the sentence (下一步，我局将……), the
    whole sentence; a later clause of the sentence (今年是八五普法收官之年，我局将……) does
    not turn an earlier mention into a plan. ``memo`` (clause span → answer) lets the
    caller share the clause tests between mentions of one sentence; ``cut_at`` (offsets of
    every clause-ending mark of ``norm``, from ``_clause_marks``) spares a scan per mention."""
    if cut_at is None:
        cut_at = [m.start() for m in _CLAUSE_END.finditer(norm, s_start, s_end)]
    # clause marks of the sentence are cut_at[i0:i1]; a clause ends just after its mark
    i0 = bisect_left(cut_at, s_start)
    i1 = bisect_left(cut_at, s_end, i0)
    k = bisect_left(cut_at, offset, i0, i1)  # marks before the mention: cut_at[i0:k]
    lo = cut_at[k - 1] + 1 if k > i0 else s_start
    hi = cut_at[k] + 1 if k < i1 else s_end
    first_end = cut_at[i0] + 1 if i1 > i0 else s_end
    memo = {} if memo is None else memo
    # the mention's clause, then the sentence's opening clause (a marker there scopes it all)
    planned = memo.get((lo, hi))
    if planned is None:
        planned = memo[(lo, hi)] = planned_sentence(norm[lo:hi])
    if planned:
        return True
    planned = memo.get((s_start, first_end))
    if planned is None:
        planned = memo[(s_start, first_end)] = planned_sentence(norm[s_start:first_end])
    return planned


def _clause_marks(norm: str) -> list[int]:
    """Offsets of every clause-ending mark of the text (one pass, for ``_planned_at``)."""
    return [m.start() for m in _CLAUSE_END.finditer(norm)]


# ---------------------------------------------------------------- raw matching


_new_hit = tuple.__new__  # _Hit(...) without the generated Python __new__: one C call per hit


def _raw_hits(index: _Index, norm: str, lo: int = 0, hi: int | None = None) -> list[_Hit]:
    hi = len(norm) if hi is None else hi
    labels: list[tuple[int, tuple[int, tuple[int, ...]]]] = []  # filled by the cues' automaton pass
    cue_hits = [
        _new_hit(_Hit, (m.start(), m.end(), cid, False))
        for cid, m in index.cues.finditer(norm, lo, hi, labels)
        if m.end() > m.start()
    ]
    hits = [
        _new_hit(_Hit, (end_idx - length + 1, end_idx + 1, cid, True))
        for end_idx, (length, cids) in labels
        for cid in cids
    ]
    return hits + cue_hits  # type: ignore[return-value]


def _resolve(hits: list[_Hit], regex_swallows: bool = True) -> list[_Hit]:
    """Drop hits nested inside a longer hit of another concept; one hit per concept and span.

    A label swallows every hit it contains; a regex swallows only hits that touch its
    start or end (the words of the pattern), not names that happen to sit in its gap.
    Only overlapping hits can swallow one another, so clusters of overlapping hits are
    resolved one at a time: linear in the length of the report, not quadratic."""
    out: list[_Hit] = []
    cluster: list[_Hit] = []
    reach = -1
    # natural tuple order: (start, end, concept), then exact (a label and a regex of the same
    # concept on the same words: _resolve_cluster keeps one of them whatever their order)
    for h in sorted(set(hits)):
        if cluster and h.start >= reach:
            out += _resolve_cluster(cluster, regex_swallows)
            cluster = []
        cluster.append(h)
        reach = max(reach, h.end) if len(cluster) > 1 else h.end
    if cluster:
        out += _resolve_cluster(cluster, regex_swallows)
    return sorted(out, key=lambda h: (h.start, h.end, h.concept))


def _resolve_cluster(hits: list[_Hit], regex_swallows: bool) -> list[_Hit]:
    if len(hits) == 1:  # most hits overlap nothing: nothing to swallow, nothing to sort
        return hits
    order = sorted(hits, key=lambda h: (-(h.end - h.start), not h.exact, h.start, h.concept))
    kept: list[_Hit] = []
    for h in order:
        swallowed = False
        for k in kept:
            if not (k.start <= h.start and h.end <= k.end):
                continue
            if k.concept == h.concept:
                swallowed = True
            elif (k.start, k.end) == (h.start, h.end):
                continue  # the same words name two concepts: keep both
            elif k.exact or (regex_swallows and (h.start == k.start or h.end == k.end)):
                swallowed = True
            if swallowed:
                break
        if not swallowed:
            kept.append(h)
    return sorted(kept, key=lambda h: (h.start, h.end, h.concept))


def _book_title_spans(norm: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"《[^《》\n]{1,80}》", norm)]


def find_concept_spans(norm: str, rdf_class: str = str(FZ.Practice)) -> list[tuple[int, int, str]]:
    """(start, end, iri) of every concept mention in ``norm`` after nesting is resolved.

    Handy in a notebook; exclusions and sections are not applied."""
    index = _practice_index() if rdf_class == str(FZ.Practice) else _problem_index()
    return [(h.start, h.end, index.concepts[h.concept].iri) for h in _resolve(_raw_hits(index, norm))]


# ---------------------------------------------------------------- evidence helpers


def _norm_of(report: SegmentedReport) -> str:
    doc = report.doc
    return doc.norm if doc.norm and len(doc.norm) == len(doc.text) else normalize(doc.text)


def _sentence_span(report: SegmentedReport, offset: int) -> tuple[int, int]:
    s: Sentence | None = report.sentence_at(offset)
    if s is not None:
        return s.start, s.end
    text = report.doc.text
    lo = text.rfind("\n", 0, offset) + 1
    hi = text.find("\n", offset)
    hi = len(text) if hi < 0 else hi
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    if not (lo <= offset < hi):
        lo, hi = offset, offset + 1
    return lo, hi


# ---------------------------------------------------------------- practices


@lru_cache(maxsize=1)
def _parts_of() -> dict[int, tuple[int, ...]]:
    """Concept index → indexes of its narrower practices (only concepts with two or more)."""
    index = _practice_index()
    pos = {c.iri: i for i, c in enumerate(index.concepts)}
    parts: dict[int, list[int]] = {}
    for i, c in enumerate(index.concepts):
        for b in c.broader:
            if b in pos:
                parts.setdefault(pos[b], []).append(i)
    return {k: tuple(v) for k, v in parts.items() if len(v) >= 2}


@lru_cache(maxsize=1)
def _wholes_of() -> dict[int, tuple[int, ...]]:
    """Concept index → the wholes (of ``_parts_of``) it is a part of."""
    out: dict[int, list[int]] = {}
    for whole, parts in sorted(_parts_of().items()):
        for p in parts:
            out.setdefault(p, []).append(whole)
    return {k: tuple(v) for k, v in out.items()}


def _whole_from_parts(index: _Index, accepted, seen) -> list[tuple[_Hit, int, int]]:
    """A sentence that names every part of a practice names the practice.

    落实行政执法公示、执法全过程记录、重大执法决定法制审核制度 is the 三项制度 even though
    the words 三项制度 are not written; naming one part alone is not."""
    parts_of = _parts_of()
    wholes_of = _wholes_of()
    by_sentence: dict[int, dict[int, _Hit]] = {}  # sentence start -> part concept -> first hit
    ends: dict[int, int] = {}
    for h, s_start, s_end in accepted:
        if h.concept in wholes_of:  # only parts matter: most hits name no part of anything
            by_sentence.setdefault(s_start, {}).setdefault(h.concept, h)
            ends[s_start] = s_end
    out = []
    for s_start in sorted(by_sentence):
        found = by_sentence[s_start]
        # only wholes with a part in this sentence can have all of them
        for whole in sorted({w for c in found for w in wholes_of.get(c, ())}):
            parts = parts_of[whole]
            if (whole, s_start) in seen or not all(p in found for p in parts):
                continue
            lo = min(found[p].start for p in parts)
            hi = max(found[p].end for p in parts)
            seen.add((whole, s_start))
            out.append((_Hit(lo, hi, whole, False), s_start, ends[s_start]))
    return out


def match_practices(report: SegmentedReport) -> tuple[list[ConceptMention], list[ConceptMention]]:
    """Practices found in the report, and the subset that is planned.

    Returns ``(practices, plans)``: one ConceptMention per concept (status done / planned /
    both, evidence per sentence), and one per concept that has planned mentions (status
    'planned', evidence of the planned mentions only). Both lists are sorted by IRI."""
    index = _practice_index()
    norm = _norm_of(report)
    hits = _resolve(_raw_hits(index, norm))

    accepted: list[tuple[_Hit, int, int]] = []
    kinds: list[str] = []  # section kind at each accepted hit
    seen: set[tuple[int, int]] = set()  # (concept, sentence start)
    has_sections = bool(report.sections)
    starts = [h.start for h in hits]
    hit_kinds = report.kinds_at(starts) if has_sections else ["other"] * len(hits)
    all_excludes = index.excludes
    for h, kind, sent in zip(hits, hit_kinds, report.sentences_at(starts)):
        if kind in _SKIP_FOR_PRACTICES:
            continue
        s_start, s_end = (sent.start, sent.end) if sent is not None else _sentence_span(report, h.start)
        if (h.concept, s_start) in seen:
            continue
        excludes = all_excludes[h.concept]
        if excludes and any(rx.search(norm[s_start:s_end]) for rx in excludes):
            continue
        seen.add((h.concept, s_start))
        accepted.append((h, s_start, s_end))
        kinds.append(kind)
    wholes = _whole_from_parts(index, accepted, seen)
    accepted += wholes
    kinds += [report.kind_at(h.start) if has_sections else "other" for h, _, _ in wholes]

    per: dict[int, list[tuple[str, Evidence]]] = {}
    memo: dict[tuple[int, int], bool] = {}
    cut_at = _clause_marks(norm) if accepted else []
    make_evidence = report.evidence_maker()
    done_markers = _done_markers()
    for (h, s_start, s_end), kind in zip(accepted, kinds):
        if kind in _PLANNED_KINDS:
            status = "done" if _has_marker(norm[s_start:s_end], done_markers) else "planned"
        else:
            status = "planned" if _planned_at(norm, s_start, s_end, h.start, memo, cut_at) else "done"
        ev = make_evidence(h.start, h.end, s_start, s_end)
        item = per.get(h.concept)
        if item is None:
            per[h.concept] = [(status, ev)]
        else:
            item.append((status, ev))

    practices: list[ConceptMention] = []
    plans: list[ConceptMention] = []
    for cid in sorted(per, key=lambda i: index.concepts[i].iri):
        c = index.concepts[cid]
        items = sorted(per[cid], key=lambda x: (x[1].match_start, x[1].match_end))
        statuses = {s for s, _ in items}
        status = "both" if len(statuses) == 2 else next(iter(statuses))
        aliases = list(c.alt_labels)  # the taxonomy's other names (the words as written are in evidence)
        practices.append(
            ConceptMention(c.iri, c.label, c.label_en, aliases, status, [e for _, e in items])  # type: ignore[arg-type]
        )
        planned = [e for s, e in items if s == "planned"]
        if planned:
            plans.append(
                ConceptMention(c.iri, c.label, c.label_en, aliases, "planned", planned)
            )
    return practices, plans


# ---------------------------------------------------------------- problems

_ENUM = re.compile(
    r"(?:^|(?<=[。;:!?\n]))\s*(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十]|第[一二三四五六七八九十]+[,、]"
    r"|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、|\d{1,2}[.、](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])"
)


class _SectionFacts:
    """Whole-report answers to the section questions the problem splitter asks per item
    (does a section start here, is this only a region heading, which top-level section
    holds this offset), so each is a lookup instead of a pass over every section."""

    def __init__(self, report: SegmentedReport):
        secs = report.sections
        self.starts = frozenset(s.start for s in secs if s.level >= 1)
        self.title_only: dict[int, int] = {}  # start -> largest heading_end of a section with children there
        for sec in secs:
            if sec.children:
                self.title_only[sec.start] = max(self.title_only.get(sec.start, sec.heading_end), sec.heading_end)
        self.by_start = sorted(secs, key=lambda sec: sec.start)
        self.by_start_keys = [sec.start for sec in self.by_start]
        # per level >= 1: sections sorted by start; if they do not overlap, only the last one
        # starting at or before an offset can contain it
        self.levels: list[tuple[int, list[int], list[Section], bool]] = []
        for level in sorted({sec.level for sec in secs if sec.level >= 1}):
            same = sorted((sec for sec in secs if sec.level == level), key=lambda sec: sec.start)
            disjoint = all(a.end <= b.start for a, b in zip(same, same[1:]))
            self.levels.append((level, [sec.start for sec in same], same, disjoint))
        self.order = {id(sec): i for i, sec in enumerate(secs)}

    def top(self, off: int) -> str:
        """Id of the shallowest section (level >= 1) containing ``off``; among several of
        that level the first in ``report.sections``; "" if none."""
        for _level, starts, same, disjoint in self.levels:
            if disjoint:
                i = bisect_right(starts, off) - 1
                if i >= 0 and same[i].start <= off < same[i].end:
                    return same[i].id
                continue
            hits = [sec for sec in same if sec.start <= off < sec.end]
            if hits:
                return min(hits, key=lambda sec: self.order[id(sec)]).id
        return ""

    def in_range(self, lo: int, hi: int) -> list[Section]:
        """Sections starting in [lo, hi)."""
        return self.by_start[bisect_left(self.by_start_keys, lo) : bisect_left(self.by_start_keys, hi)]


def _problem_regions(report: SegmentedReport, kinds: tuple[str, ...], facts: _SectionFacts) -> list[tuple[int, int]]:
    """Maximal stretches of text whose section kind is one of ``kinds``, in sentence units."""
    regions: list[tuple[int, int]] = []
    sentences = report.sentences
    for s, kind in zip(sentences, report.kinds_at([s.start for s in sentences])):
        if kind not in kinds:
            continue
        if regions and not report.doc.text[regions[-1][1] : s.start].strip():
            regions[-1] = (regions[-1][0], s.end)
        elif regions and report.kind_at(regions[-1][1] - 1) in kinds and facts.top(regions[-1][0]) == facts.top(s.start):
            regions[-1] = (regions[-1][0], s.end)
        else:
            regions.append((s.start, s.end))
    return regions


def _split_items(report: SegmentedReport, norm: str, lo: int, hi: int, facts: _SectionFacts) -> list[tuple[int, int]]:
    """Split a problems region into listed items.

    Boundaries are section starts (（一）…, 一是… found by the segmenter), enumerators the
    segmenter did not see, and paragraph breaks when nothing is enumerated. A heading that
    merely names the whole region (存在的不足) is not an item; text before the first
    enumerator (虽然取得了一定成效，但……) is an introduction and is dropped when items follow."""
    text = report.doc.text
    cuts = {lo}
    skip: list[tuple[int, int]] = []
    for sec in facts.in_range(lo, hi):
        if sec.level < 1:
            continue
        cuts.add(sec.start)
        parent_kind = report.kind_at(sec.start - 1) if sec.start > 0 else "other"
        if sec.children or parent_kind not in _PROBLEM_KINDS:
            # the heading of the whole problems section, or of a group of items, is no item
            skip.append((sec.start, sec.heading_end))
            cuts.add(sec.heading_end)
    for m in _ENUM.finditer(norm, lo, hi):
        k = m.start()
        while k < hi and norm[k].isspace():
            k += 1
        cuts.add(k)
    enumerated = len(cuts - {sk[0] for sk in skip} - {sk[1] for sk in skip}) > 1
    if not enumerated:
        # nothing numbered: paragraphs are items, and so are the clauses of a paragraph
        # that lists weaknesses separated by semicolons (执法力量不足；普法形式单一；…)
        for m in re.finditer(r"\n\s*\n|\n|[；;]", norm[lo:hi]):
            cuts.add(lo + m.end())
    bounds = sorted(c for c in cuts if lo <= c < hi) + [hi]
    items: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:]):
        if any(x <= a and b <= y for x, y in skip):
            continue
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a < 4:
            continue
        items.append((a, b))
    # Merge an item that is only a heading (no sentence end, short) with the next one; drop
    # the introduction before the first enumerated item.
    merged: list[tuple[int, int]] = []
    for a, b in items:
        seg = norm[a:b]
        is_heading = (
            (_ENUM.match(norm, a) is not None or a in facts.starts)
            and "\n" not in seg.strip()
            and not re.search(r"[。;!?]", seg)
            and b - a <= 40
        )
        if merged and merged[-1][2]:  # previous was a bare heading: attach this body
            pa, _pb, _ = merged.pop()
            merged.append((pa, b, False))
            continue
        # continuation after a page break: text that does not start a new enumerated item
        if merged and enumerated and not _ENUM.match(norm, a) and not a in facts.starts:
            pa, _pb, ph = merged.pop()
            merged.append((pa, b, ph))
            continue
        merged.append((a, b, is_heading))
    out = [(a, b) for a, b, h in merged if not h or b - a > 0]
    if enumerated and len(out) > 1 and not _ENUM.match(norm, out[0][0]) and not out[0][0] in facts.starts:
        out = out[1:]
    # A region-level heading ("存在的不足及原因") alone is not a problem.
    return [(a, b) for a, b in out if re.search(r"[\u4e00-\u9fff]{6,}", norm[a:b]) and not facts.title_only.get(a, -1) >= b]


def _categorise(index: _Index, norm: str, lo: int, hi: int) -> list[_Hit]:
    # Weakness categories are not nested names: one clause may state two of them, so only
    # an exact label hides what it contains.
    return [h for h in _resolve(_raw_hits(index, norm, lo, hi), regex_swallows=False) if h.end <= hi]


def match_problems(report: SegmentedReport) -> tuple[list[ConceptMention], list[ProblemStatement]]:
    """Problem categories and the listed problem statements of the report.

    Every item of a problems / causes section becomes a ProblemStatement (text, offsets into
    ``doc.text``, section title, category IRIs). In suggestions sections only sentences that a
    category recognises are kept (they state the weakness a suggestion addresses). Returns
    ``(categories, statements)``; categories sorted by IRI, statements by offset."""
    index = _problem_index()
    norm = _norm_of(report)
    text = report.doc.text
    statements: list[ProblemStatement] = []
    per: dict[int, list[Evidence]] = {}
    seen: set[tuple[int, int]] = set()

    def add_hits(hits: list[_Hit], stmt: ProblemStatement) -> None:
        for h in hits:
            iri = index.concepts[h.concept].iri
            if any(rx.search(norm[stmt.start : stmt.end]) for rx in index.excludes[h.concept]):
                continue
            if iri not in stmt.categories:
                stmt.categories.append(iri)
            s_start, s_end = _sentence_span(report, h.start)
            if (h.concept, s_start) in seen:
                continue
            seen.add((h.concept, s_start))
            per.setdefault(h.concept, []).append(report.evidence(h.start, h.end, s_start, s_end))

    if report.sections:
        facts = _SectionFacts(report)
        for lo, hi in _problem_regions(report, _PROBLEM_KINDS, facts):
            for a, b in _split_items(report, norm, lo, hi, facts):
                sec = report.innermost_section_at(a)
                stmt = ProblemStatement(text=text[a:b], start=a, end=b, section=sec.title)
                add_hits(_categorise(index, norm, a, b), stmt)
                stmt.categories.sort()
                statements.append(stmt)
        sentences = report.sentences
        for s, kind in zip(sentences, report.kinds_at([s.start for s in sentences])):
            if kind not in _CUE_ONLY_PROBLEM_KINDS:
                continue
            hits = _categorise(index, norm, s.start, s.end)
            if not hits:
                continue
            sec = report.innermost_section_at(s.start)
            stmt = ProblemStatement(text=text[s.start : s.end], start=s.start, end=s.end, section=sec.title)
            add_hits(hits, stmt)
            stmt.categories.sort()
            if stmt.categories:
                statements.append(stmt)

    categories = []
    for cid in sorted(per, key=lambda i: index.concepts[i].iri):
        c = index.concepts[cid]
        ev = sorted(per[cid], key=lambda e: (e.match_start, e.match_end))
        categories.append(ConceptMention(c.iri, c.label, c.label_en, list(c.alt_labels), None, ev))
    statements.sort(key=lambda p: (p.start, p.end))
    return categories, statements
