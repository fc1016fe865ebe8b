"""Candidate practices: what the taxonomy does not know yet.

Drafters put the names of their mechanisms in quotation marks (“城管议事厅”,
“五个一”) or coin numeric slogans (721工作法, 三集中一规范). A quoted term or slogan
that matches no concept and lies outside every concept match is kept as a candidate
with its evidence, so a curator can promote it into ontology/practices.ttl with one
edit (see ``fazhi-graph discover``).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

import regex

from ..iris import normalise_name
from ..model import Candidate, ConceptMention, SegmentedReport
from ..namespaces import FZ
from ..ontology import concepts, lexicon, lexicon_patterns

_QUOTED = re.compile(r"[“\"「『]([^”\"」』\n]{2,20})[”\"」』]")


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    names = set()
    for cls in (FZ.Practice, FZ.Problem):
        for c in concepts(str(cls)):
            names.update(normalise_name(n) for n in c.names)
    return frozenset(names)


@lru_cache(maxsize=1)
def _long_names_automaton():
    """Aho-Corasick over concept names of 4+ characters: is a known name inside a phrase?"""
    import ahocorasick

    auto = ahocorasick.Automaton()
    for name in _known_names():
        if len(name) >= 4:
            auto.add_word(name, name)
    auto.make_automaton()
    return auto


@lru_cache(maxsize=1)
def _rules() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...], frozenset[str]]:
    bounds = re.compile("|".join(lexicon_patterns("candidate-bounds")))
    # ``regex`` rather than ``re``: these patterns open with a lookbehind, which keeps ``re``
    # from skipping ahead to a possible first character; ``regex`` scans the report 5-20x faster.
    slogans = tuple(regex.compile(p) for p in lexicon_patterns("slogan-patterns"))
    stop = frozenset(normalise_name(t) for t in lexicon("candidate-stopterms"))
    return bounds, slogans, stop


def find_candidates(report: SegmentedReport, practices: list[ConceptMention]) -> list[Candidate]:
    """Quoted terms and numeric slogans matching no concept, with evidence, sorted by label."""
    norm = report.doc.norm or report.doc.text
    bounds, slogans, stop = _rules()
    known = _known_names()
    covered = sorted({(e.match_start, e.match_end) for c in practices for e in c.evidence})
    covered_starts = [a for a, _ in covered]
    longest = max((b - a for a, b in covered), default=0)

    def inside_concept(s: int, e: int) -> bool:
        lo = bisect.bisect_left(covered_starts, s - longest)
        hi = bisect.bisect_right(covered_starts, e)
        return any(a <= s and e <= b or (s <= a and b <= e) for a, b in covered[lo:hi])

    found: dict[str, Candidate] = {}
    spans: list[tuple[int, int]] = []
    for m in _QUOTED.finditer(norm):
        spans.append((m.start(1), m.end(1)))
    for rx in slogans:
        for m in rx.finditer(norm):
            spans.append((m.start(), m.end()))
    for s, e in sorted(set(spans)):
        label = normalise_name(norm[s:e])
        if not bounds.search(label) or label in stop or label in known:
            continue
        if len(label) < 3 and not any(ch.isdigit() for ch in label):
            continue  # two-character words in quotes are emphasis (“温度”), not mechanisms
        if next(_long_names_automaton().iter(label), None) is not None:
            continue  # a longer phrase around a known concept (“深化三项制度改革”)
        before = norm[max(0, s - 40):s]
        if inside_concept(s, e) or before.rfind("《") > before.rfind("》"):
            continue  # part of a concept match or of a document title
        ev = report.evidence(s, e)
        cand = found.setdefault(label, Candidate(label=label))
        if all(x.match_start != s for x in cand.evidence):
            cand.evidence.append(ev)
    return [found[k] for k in sorted(found)]
