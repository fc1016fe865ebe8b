"""Segment a report into a section tree and sentences.

Annual reports number their headings in whatever system the drafter liked:
一、/（一）/1./（1）, Markdown ``#``, ``**bold**`` lines, numbering lost in a web copy
(a short line standing alone), and inline lists (一是…二是…). The depth of a
numbering system is not fixed (one report starts with 1、 and nests （一） under it),
so nesting is inferred from the order in which systems appear, like an outliner:
a system already open closes back to that level; a new one opens a child level.

The kind of each section (achievements, problems, plans …) is read from its
heading with the cue words in ``ontology/lexicon/sections.ttl`` and inherited by
its subsections, because 加强队伍建设 under 存在的问题 is still a weakness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Literal
from rdflib.namespace import RDF, SKOS

from .model import Document, SegmentedReport, Section, Sentence
from .namespaces import FZ
from .ontology import lexicon, lexicon_patterns, ontology_graph
from .textnorm import normalize

CN_DIGITS = "零〇一二三四五六七八九十百"

# Numbering systems: (type id, regex on the normalised line start). Group 1 is the ordinal.
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("cn-dun", re.compile(r"[ \t]*([一二三四五六七八九十]{1,3})[、.，,][ \t]*")),
    ("paren-cn", re.compile(r"[ \t]*\(([一二三四五六七八九十]{1,3})\)[ \t]*")),
    ("paren-ar", re.compile(r"[ \t]*\((\d{1,2})\)[ \t]*")),
    ("ar-dun", re.compile(r"[ \t]*(\d{1,2})、[ \t]*")),
    ("ar-dot", re.compile(r"[ \t]*(\d{1,2})\.(?!\d)[ \t]*")),
    ("part", re.compile(r"[ \t]*第([一二三四五六七八九十]{1,3})(?:部分|章|节)[ \t、，,:：]*")),
]
# Systems that drafters use interchangeably at one level (（6） among （五）/（七）).
_SIBLINGS = {"paren-cn": "paren-ar", "paren-ar": "paren-cn", "ar-dun": "ar-dot", "ar-dot": "ar-dun"}

_MD = re.compile(r"[ \t]*(#{1,6})[ \t]*")
_BOLD_WRAP = re.compile(r"^\*\*(.+?)\*\*")
_WORD_RESIDUE = re.compile(r"\[bookmark: [^\]]*\]")  # Word export residue, e.g. [bookmark: OLE_LINK64]
_SENT_END = "。！？!?"
_MAX_SENTENCE = 400  # force a break in run-on "sentences" (tables, lists without stops)
_TITLE_MAX = 60


def cn_ordinal(s: str) -> int:
    """一 → 1, 十二 → 12, 7 → 7 (for continuity checks between numbering systems)."""
    if s.isdigit():
        return int(s)
    vals = {c: i for i, c in enumerate("零一二三四五六七八九")}
    vals["〇"] = 0
    if "十" in s:
        a, _, b = s.partition("十")
        return (vals.get(a, 1) if a else 1) * 10 + (vals.get(b, 0) if b else 0)
    n = 0
    for c in s:
        n = n * 10 + vals.get(c, 0)
    return n


@dataclass(frozen=True)
class _KindRule:
    kind: str
    priority: int
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _kind_rules() -> tuple[_KindRule, ...]:
    g = ontology_graph()
    rules = []
    for s in g.subjects(RDF.type, FZ.SectionKind):
        kind = str(g.value(s, SKOS.notation))
        prio = g.value(s, FZ.priority)
        terms = tuple(sorted({str(t) for t in g.objects(s, FZ["term"])}, key=lambda t: (-len(t), t)))
        pats = tuple(re.compile(str(p)) for p in sorted(g.objects(s, FZ.pattern), key=str))
        rules.append(_KindRule(kind, int(prio.toPython()) if isinstance(prio, Literal) else 99, terms, pats))
    return tuple(sorted(rules, key=lambda r: (r.priority, r.kind)))


@lru_cache(maxsize=8192)
def classify_heading(title: str) -> str | None:
    """The section kind a heading announces, or None if it says nothing.

    Cached: reports of a corpus reuse the same few hundred headings (一、主要工作, 存在的问题)."""
    t = normalize(title)
    for rule in _kind_rules():
        if any(term in t for term in rule.terms) or any(p.search(t) for p in rule.patterns):
            return rule.kind
    return None


@lru_cache(maxsize=1)
def _inline_re() -> re.Pattern[str]:
    pats = lexicon_patterns("inline-enumeration")
    return re.compile(r"(?:(?<=^)|(?<=[。；;！？!?\n\]]))[ \t]*(?:" + "|".join(pats) + ")")


@dataclass
class _Heading:
    type: str
    ordinal: int
    marker: str
    start: int  # heading (line) start
    title_start: int
    title_end: int
    line_end: int


def _title_span(norm: str, start: int, line_end: int) -> tuple[int, int]:
    """Heading text: the whole line if short, else up to the first full stop / colon."""
    line = norm[start:line_end]
    stripped = line.rstrip()
    if len(stripped) <= _TITLE_MAX and not re.search(r"[。：:]", stripped[:-1] or ""):
        return start, start + len(stripped.rstrip("。"))
    m = re.search(r"[。：:！？]", line)
    if m and m.start() <= 2 * _TITLE_MAX:
        return start, start + m.start()
    m = re.search(r"[，,；;]", line)
    end = start + (m.start() if m and m.start() <= _TITLE_MAX else min(len(stripped), _TITLE_MAX))
    return start, end


def _clean_prefix(norm: str, pos: int, line_end: int) -> int:
    """Skip Word residue and whitespace at the start of a line."""
    while True:
        m = _WORD_RESIDUE.match(norm, pos, line_end)
        if m:
            pos = m.end()
            continue
        if pos < line_end and norm[pos] in " \t":
            pos += 1
            continue
        return pos


def _find_headings(norm: str) -> list[_Heading]:
    heading_words = lexicon("heading-words")
    headings: list[_Heading] = []
    lines = []
    pos = 0
    for raw in norm.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    nonempty_seen = 0
    body_started = False  # a paragraph has been read: we are past the title lines
    for idx, (ls, le) in enumerate(lines):
        p = _clean_prefix(norm, ls, le)
        if p >= le:
            continue
        nonempty_seen += 1
        in_title_area = nonempty_seen <= 3 and not body_started
        body_started = body_started or bool(re.search(r"[。！？!?]\s*$", norm[p:le])) or le - p > 60
        md = _MD.match(norm, p, le)
        md_level = 0
        if md and md.group(1):
            md_level = len(md.group(1))
            p = md.end()
        bold = norm.startswith("**", p)
        q = p + 2 if bold else p
        found = None
        for typ, rx in _MARKERS:
            m = rx.match(norm, q, le)
            if m:
                found = (typ, cn_ordinal(m.group(1)), m)
                break
        if found:
            typ, ordinal, m = found
            ts = _clean_prefix(norm, m.end(), le)
            if norm.startswith("**", ts):
                ts += 2
            if ts >= le:
                continue
            title_start, title_end = _title_span(norm, ts, le)
            title_end = _strip_bold_end(norm, title_start, title_end)
            headings.append(_Heading(typ, ordinal, norm[m.start():m.end()].strip(), ls, title_start, title_end, le))
            continue
        text = norm[q:le].strip()
        if md_level and in_title_area:
            continue  # "# 洛阳市城市管理局" / "## 2023年度…报告": the document title, not a section
        if md_level:
            title_start, title_end = _title_span(norm, q, le)
            title_end = _strip_bold_end(norm, title_start, title_end)
            headings.append(_Heading(f"md{md_level}", 0, "#" * md_level, ls, title_start, title_end, le))
            continue
        core = text.strip("*").strip()
        standalone = (
            0 < len(core) <= 40
            and not re.search(r"[。；;，,：:！？!?]$", core)
            and not re.fullmatch(r"[\d\s年月日.\-/]+", core)
            and not in_title_area
            and any(w in core for w in heading_words)
            and (bold or _blank_or_edge(norm, lines, idx))
        )
        if standalone or (bold and text.endswith("**") and 0 < len(core) <= 40):
            ts = q + (len(norm[q:le]) - len(norm[q:le].lstrip()))
            title_end = _strip_bold_end(norm, ts, le if not bold else le)
            headings.append(_Heading("plain", 0, "", ls, ts, _rstrip_pos(norm, ts, title_end), le))
    return headings


def _rstrip_pos(norm: str, start: int, end: int) -> int:
    while end > start and norm[end - 1] in " \t*":
        end -= 1
    return end


def _strip_bold_end(norm: str, start: int, end: int) -> int:
    seg = norm[start:end]
    cut = seg.find("**")
    if cut >= 0:
        end = start + cut
    return _rstrip_pos(norm, start, end)


def _blank_or_edge(norm: str, lines: list[tuple[int, int]], idx: int) -> bool:
    """A short line counts as a heading only when it stands alone (blank line around) or the
    paragraph after it is long: a list of short items is not a run of headings."""
    before = idx == 0 or not norm[lines[idx - 1][0]:lines[idx - 1][1]].strip()
    after = idx + 1 >= len(lines) or not norm[lines[idx + 1][0]:lines[idx + 1][1]].strip()
    nxt = next((norm[s:e] for s, e in lines[idx + 1:] if norm[s:e].strip()), "")
    return (before and after) or len(nxt.strip()) > 60


def _build_tree(doc: Document, norm: str, headings: list[_Heading]) -> list[Section]:
    n = len(norm)
    root = Section(id="s0", level=0, marker="", title="", kind="preamble", start=0, end=n, heading_end=0)
    sections = [root]
    # stack of (type, ordinal, section)
    stack: list[tuple[str, int, Section]] = []
    counters: dict[str, int] = {"s0": 0}

    def close_to(depth: int, at: int) -> None:
        while len(stack) > depth:
            _, _, sec = stack.pop()
            sec.end = at

    for h in headings:
        typ = h.type
        if typ == "plain":
            close_to(0, h.start)
        else:
            types = [t for t, _, _ in stack]
            if typ not in types:
                alt = _SIBLINGS.get(typ)
                if alt in types:
                    i = types.index(alt)
                    if stack[i][1] == h.ordinal - 1:
                        typ = alt
            types = [t for t, _, _ in stack]
            if typ in types:
                close_to(types.index(typ), h.start)
            elif typ.startswith("md"):
                # a Markdown level closes deeper Markdown levels
                lvl = int(typ[2:])
                for i, (t, _, _) in enumerate(stack):
                    if t.startswith("md") and int(t[2:]) >= lvl:
                        close_to(i, h.start)
                        break
        parent = stack[-1][2] if stack else root
        counters[parent.id] = counters.get(parent.id, 0) + 1
        sid = f"s{counters[parent.id]}" if parent is root else f"{parent.id}.{counters[parent.id]}"
        title = doc.text[h.title_start:h.title_end].strip()
        sec = Section(
            id=sid,
            level=len(stack) + 1,
            marker=h.marker,
            title=title,
            kind="other",
            start=h.start,
            end=n,
            heading_end=h.title_end,
            parent=parent.id,
        )
        parent.children.append(sid)
        sections.append(sec)
        stack.append((typ, h.ordinal, sec))
    close_to(0, n)
    return sections


def _add_inline_items(doc: Document, norm: str, sections: list[Section]) -> list[Section]:
    """一是…二是… items become leaf sections closing at the end of their paragraph."""
    rx = _inline_re()
    by_id = {s.id: s for s in sections}
    tree = SegmentedReport(doc=doc, sections=sections, sentences=[])
    extra: list[Section] = []
    counters: dict[str, int] = {}
    for m in rx.finditer(norm):
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        para_end = norm.find("\n", start)
        para_end = len(norm) if para_end < 0 else para_end
        nxt = rx.search(norm, m.end(), para_end)
        end = nxt.start() if nxt else para_end
        parent = tree.innermost_section_at(start)
        if parent.heading_end > start:  # an enumeration inside a heading line is part of the title
            continue
        t_end = start + len(m.group(0).strip())
        stop = re.search(r"[。；;！？!?]", norm[t_end:end])
        title_end = t_end + stop.start() if stop else end
        counters[parent.id] = counters.get(parent.id, len(parent.children)) + 1
        sid = f"{parent.id}.{counters[parent.id]}" if parent.id != "s0" else f"s{counters[parent.id]}"
        item = Section(
            id=sid,
            level=parent.level + 1,
            marker=m.group(0).strip(),
            title=doc.text[t_end:title_end].strip(),
            kind="other",
            start=start,
            end=end,
            heading_end=title_end,
            parent=parent.id,
        )
        by_id[parent.id].children.append(sid)
        extra.append(item)
    return sections + extra


_STRONG = {"problems", "causes", "rectification"}


def _assign_kinds(sections: list[Section]) -> None:
    by_id = {s.id: s for s in sections}
    for s in sorted(sections, key=lambda s: (s.level, s.start)):
        if s.level == 0:
            continue
        parent = by_id[s.parent] if s.parent else None
        inline = s.marker.endswith("是") or s.marker.startswith("其")
        own = None if inline else classify_heading(s.title)
        pk = parent.kind if parent else "preamble"
        if pk in ("preamble", "other"):
            s.kind = own or "other"
        elif pk in _STRONG and own in _STRONG:
            s.kind = own
        else:
            s.kind = pk


def split_sentences(doc: Document, norm: str, sections: list[Section]) -> list[Sentence]:
    """Sentences end at 。！？ or a line break; run-on text is cut at ；/，after a bound.

    Offsets exclude surrounding whitespace, so ``doc.text[s.start:s.end] == s.text``."""
    text = doc.text
    tree = SegmentedReport(doc=doc, sections=sections, sentences=[])
    n = len(text)
    cut_points = re.finditer(r"[。！？!?]+[”’\"』」）)]*|\n", norm)
    bounds: list[int] = []
    last = 0
    for m in cut_points:
        end = m.end()
        # break over-long spans at the last ；or ，before the limit
        while end - last > _MAX_SENTENCE:
            window = norm[last:last + _MAX_SENTENCE]
            k = max(window.rfind("；"), window.rfind(";"), window.rfind("，"), window.rfind(","))
            cut = last + (k + 1 if k > 0 else _MAX_SENTENCE)
            bounds.append(cut)
            last = cut
        bounds.append(end)
        last = end
    while n - last > _MAX_SENTENCE:
        bounds.append(last + _MAX_SENTENCE)
        last += _MAX_SENTENCE
    bounds.append(n)
    spans: list[tuple[int, int]] = []
    prev = 0
    for b in bounds:
        s, e = prev, b
        prev = b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    secs = tree.sections_at([s for s, _ in spans])
    # Built without the frozen dataclass __init__ (one object.__setattr__ per field), as
    # SegmentedReport.evidence builds Evidence: a report has hundreds of sentences.
    new = object.__new__
    out = []
    for (s, e), sec in zip(spans, secs):
        sent = new(Sentence)
        sent.__dict__.update(start=s, end=e, text=text[s:e], section_id=sec.id)
        out.append(sent)
    return out


def segment(doc: Document) -> SegmentedReport:
    """Section tree (with kinds) and sentences of ``doc``."""
    norm = doc.norm or normalize(doc.text)
    headings = _find_headings(norm)
    sections = _build_tree(doc, norm, headings)
    sections = _add_inline_items(doc, norm, sections)
    _assign_kinds(sections)
    sections.sort(key=lambda s: (s.start, s.level))
    sentences = split_sentences(doc, norm, sections)
    return SegmentedReport(doc=doc, sections=sections, sentences=sentences)
