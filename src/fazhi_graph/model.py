"""Plain dataclasses passed between pipeline stages.

Each stage (ingest → segment → extract → graph) takes and returns these records
and nothing else, so a researcher can run one stage in a notebook, inspect the
result, and hand it to the next. Offsets always refer to ``Document.text`` (the
original decoded text), never to the normalised copy used for matching.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

SectionKind = Literal[
    "preamble",
    "achievements",
    "responsibility",  # 党政主要负责人履行第一责任人职责
    "problems",
    "causes",
    "rectification",
    "plans",
    "suggestions",
    "other",
]

Status = Literal["done", "planned", "both"]


@dataclass(frozen=True)
class Document:
    """A decoded input file: the text every offset refers to."""

    source: str  # path as given by the user (or a display name)
    text: str  # original text after decoding / HTML→text / docx→text
    encoding: str = "utf-8"
    media_type: str = "text/plain"  # text/plain, text/markdown, text/html, application/vnd...docx, application/pdf
    sha256: str = ""  # of the raw bytes
    norm: str = ""  # same length as ``text``: full→half width, traditional→simplified; for matching only

    def __post_init__(self) -> None:
        if self.norm and len(self.norm) != len(self.text):
            raise ValueError("Document.norm must be as long as Document.text")


@dataclass
class Section:
    """A heading and the text under it, up to the next heading of the same or higher level."""

    id: str  # "s1", "s1.2", … stable within a report
    level: int  # 1 for 一、, 2 for （一）, 3 for 1. …; 0 for the preamble
    marker: str  # the numbering as written: "一、", "（二）", "1.", "#", "一是" …
    title: str  # heading text without the marker (may be the first clause of a paragraph)
    kind: SectionKind
    start: int  # offset of the heading (or of the section's first character)
    end: int  # exclusive end of the section's text, children included
    heading_end: int  # end of the heading line / heading clause
    parent: str | None = None
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    section_id: str


@dataclass
class SegmentedReport:
    doc: Document
    sections: list[Section]
    sentences: list[Sentence]

    # Lookups are indexed (built once, on first use) because extractors ask them for
    # every match: a linear scan per call would make a 50 MB report quadratic. The
    # section tree is flattened into intervals: between two consecutive section
    # boundaries (starts and ends) the innermost section, and so its kind, cannot
    # change, so one bisect answers ``innermost_section_at``/``kind_at``. The index is
    # rebuilt when sections or sentences are added; sections are not expected to be
    # edited in place once looked up (segment() finishes them before building the report).
    def _index(self) -> "_Lookup":
        idx = self.__dict__.get("_idx")
        if idx is None or idx.n_sections != len(self.sections) or idx.n_sentences != len(self.sentences):
            idx = _Lookup(self.sections, self.sentences)
            self.__dict__["_idx"] = idx
        return idx

    def evidence_maker(self) -> "Callable[..., Evidence]":
        """``evidence`` as a plain function with the report's tables bound: extractors make
        one Evidence per match, and looking the tables up once per call costs as much as
        building the Evidence. Valid until sections or sentences are added."""
        idx = self._index()
        if idx.make is None or idx.make_doc is not self.doc:
            idx.make = _evidence_maker(self.doc, self.sentences, idx)
            idx.make_doc = self.doc
        return idx.make

    def section(self, section_id: str) -> Section:
        return self._index().by_id[section_id]

    def innermost_section_at(self, offset: int) -> Section:
        """The deepest section containing ``offset`` (sections nest like a tree)."""
        idx = self._index()
        return idx.secs[bisect_right(idx.bounds, offset)]

    def sentence_at(self, offset: int) -> Sentence | None:
        idx = self._index()
        i = bisect_right(idx.sent_starts, offset) - 1
        if i >= 0:
            s = self.sentences[i]
            if s.start <= offset < s.end:
                return s
        return None

    def sentences_at(self, offsets: "Sequence[int]") -> list[Sentence | None]:
        """``sentence_at`` of many offsets at once (a whole-report pass asks for every match)."""
        idx = self._index()
        sentences, sent_starts = self.sentences, idx.sent_starts
        out: list[Sentence | None] = []
        for o in offsets:
            i = bisect_right(sent_starts, o) - 1
            s = sentences[i] if i >= 0 else None
            out.append(s if s is not None and s.start <= o < s.end else None)
        return out

    def evidence(
        self, match_start: int, match_end: int, quote_start: int | None = None, quote_end: int | None = None
    ) -> "Evidence":
        """Evidence for the words at [match_start, match_end): the sentence(s) around them.

        The quote spans every sentence the match touches (a match may run across a
        line break a web copy inserted mid-sentence) and, if given, the span
        [quote_start, quote_end); so the match always lies inside the quote and
        ``doc.text[start:end] == quote``. Every extractor builds its evidence here."""
        return self.evidence_maker()(match_start, match_end, quote_start, quote_end)

    def kind_at(self, offset: int) -> SectionKind:
        """The kind of the innermost section at ``offset`` that is not 'other'.

        A subsection titled 加强队伍建设 inside 二、存在的问题 is still a problem."""
        idx = self._index()
        return idx.kinds[bisect_right(idx.bounds, offset)]

    def sections_at(self, offsets: "Sequence[int]") -> list[Section]:
        """``innermost_section_at`` of many offsets at once. Requires sections."""
        idx = self._index()
        secs, bounds = idx.secs, idx.bounds
        return [secs[bisect_right(bounds, o)] for o in offsets]

    def kinds_at(self, offsets: "Sequence[int]") -> list[SectionKind]:
        """``kind_at`` of many offsets at once (a whole-report pass asks for every sentence
        or every match): one table fetch instead of one per offset. Requires sections."""
        idx = self._index()
        kinds, bounds = idx.kinds, idx.bounds
        return [kinds[bisect_right(bounds, o)] for o in offsets]

    def _kind_of(self, first: Section) -> SectionKind:
        """``kind_at`` for a section already looked up."""
        return _resolved_kind(first, self._index().by_id)


def _resolved_kind(first: Section, by_id: dict[str, Section]) -> SectionKind:
    sec: Section | None = first
    while sec is not None:
        if sec.kind not in ("other", "preamble"):
            return sec.kind
        sec = by_id[sec.parent] if sec.parent else None
    return first.kind if first else "other"


class _Lookup:
    """Flat lookup tables of a SegmentedReport (see ``SegmentedReport._index``).

    ``secs[i]``/``kinds[i]`` hold for offsets in ``[bounds[i-1], bounds[i])``, i.e. at
    ``bisect_right(bounds, offset)``; they are computed with the tree walk below once per
    interval instead of once per lookup."""

    __slots__ = ("n_sections", "n_sentences", "by_id", "sent_starts", "bounds", "secs", "kinds", "make", "make_doc")

    def __init__(self, sections: list[Section], sentences: list[Sentence]) -> None:
        self.make: Callable[..., Evidence] | None = None  # SegmentedReport.evidence_maker
        self.make_doc: Document | None = None
        self.n_sections = len(sections)
        self.n_sentences = len(sentences)
        self.by_id = {s.id: s for s in sections}
        self.sent_starts = [s.start for s in sentences]
        self.bounds: list[int] = []
        self.secs: list[Section] = []
        self.kinds: list[SectionKind] = []
        if not sections:
            return
        ordered = sorted(sections, key=lambda s: (s.start, s.level))
        starts = [s.start for s in ordered]
        by_id = self.by_id
        bounds = sorted({s.start for s in sections} | {s.end for s in sections})

        def innermost(offset: int) -> Section:
            i = bisect_right(starts, offset) - 1
            sec = ordered[i] if i >= 0 else ordered[0]
            while not (sec.start <= offset < sec.end) and sec.parent is not None:
                sec = by_id[sec.parent]
            return sec

        # One representative offset per interval: below the first bound, then each bound.
        reps = [bounds[0] - 1] + bounds
        secs = [innermost(o) for o in reps]
        self.bounds = bounds
        self.secs = secs
        self.kinds = [_resolved_kind(s, by_id) for s in secs]


def _evidence_maker(doc: Document, sentences: list[Sentence], idx: _Lookup) -> "Callable[..., Evidence]":
    """``SegmentedReport.evidence`` with every table in a local variable (see ``evidence_maker``)."""
    text, source = doc.text, doc.source
    sent_starts = idx.sent_starts
    sent_ends = [s.end for s in sentences]
    # a sentence's own text where it is the text at its offsets (segment() makes it so), to be
    # shared by the quotes of every match in that sentence
    sent_texts = [
        s.text if len(s.text) == s.end - s.start and text.startswith(s.text, s.start) else None for s in sentences
    ]
    bounds = idx.bounds
    # per interval of ``bounds``: the innermost section's title and id, and the resolved kind
    titles = [sec.title for sec in idx.secs]
    ids = [sec.id for sec in idx.secs]
    kinds = idx.kinds
    has_sections = idx.n_sections > 0
    new, cls = object.__new__, Evidence

    def make(match_start: int, match_end: int, quote_start: int | None = None, quote_end: int | None = None) -> Evidence:
        start, end = match_start, match_end
        if quote_start is not None and quote_start < start:
            start = quote_start
        if quote_end is not None and quote_end > end:
            end = quote_end
        # the sentences at the first and at the last character of the match
        i = bisect_right(sent_starts, match_start) - 1
        if i >= 0 and sent_starts[i] <= match_start < sent_ends[i] and sent_starts[i] < start:
            start = sent_starts[i]
        last = match_end - 1 if match_end - 1 > match_start else match_start
        j = bisect_right(sent_starts, last) - 1
        if j >= 0 and sent_starts[j] <= last < sent_ends[j] and sent_ends[j] > end:
            end = sent_ends[j]
        # the quote is most often one whole sentence: share its text instead of a copy
        quote = sent_texts[i] if i >= 0 and start == sent_starts[i] and end == sent_ends[i] else None
        if quote is None:
            quote = text[start:end]
        if has_sections:
            i = bisect_right(bounds, match_start)
            title, sid, kind = titles[i], ids[i], kinds[i]
        else:
            title, sid, kind = "", "", "other"
        # Built without the frozen dataclass __init__ (one object.__setattr__ per field):
        # extractors make one Evidence per match. Same fields, same object.
        ev = new(cls)
        ev.__dict__.update(
            source=source,
            section=title,
            section_id=sid,
            section_kind=kind,
            start=start,
            end=end,
            quote=quote,
            match_start=match_start,
            match_end=match_end,
            match=text[match_start:match_end],
        )
        return ev

    return make


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from. ``doc.text[start:end] == quote`` always holds."""

    source: str
    section: str  # section title (innermost)
    section_id: str
    section_kind: str
    start: int  # offsets of the quoted sentence in the original text
    end: int
    quote: str
    match_start: int  # offsets of the words that triggered the fact
    match_end: int
    match: str

    def to_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "section": self.section,
            "section_kind": self.section_kind,
            "match": self.match,
            "match_start": self.match_start,
            "match_end": self.match_end,
        }


@dataclass
class LawCitation:
    label: str  # canonical short name, e.g. 行政处罚法
    full_name: str  # e.g. 中华人民共和国行政处罚法
    kind: str  # national-law, administrative-regulation, local-regulation, department-rule, local-rule,
    #            normative-document, internal-document, party-document, unknown
    iri: str | None = None  # gazetteer entry, None if unresolved
    aliases: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # "unresolved", "not-in-force", "broken-brackets"
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ConceptMention:
    """A taxonomy concept (practice or problem category) found in a report."""

    iri: str
    label: str  # Chinese prefLabel
    label_en: str = ""
    aliases: list[str] = field(default_factory=list)
    status: Status | None = None  # practices only
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ProblemStatement:
    """One listed weakness (一是…, （一）…, a bullet) from a problems section."""

    text: str
    start: int
    end: int
    section: str
    categories: list[str] = field(default_factory=list)  # concept IRIs


@dataclass
class Metric:
    indicator: str  # id from ontology/indicators.ttl, e.g. penalty_cases
    label: str  # Chinese label of the indicator
    value: float
    unit: str  # 件, 元, 人次, 次, % …
    approx: bool = False
    qualifier: str | None = None  # at_least, range, partial_year …
    evidence: Evidence | None = None


@dataclass
class Candidate:
    """A quoted term or numeric slogan that matches no concept: material for curators."""

    label: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ReportMeta:
    bureau: str | None = None
    bureau_aliases: list[str] = field(default_factory=list)
    admin_level: str | None = None  # province, city, district, county, county-level-city
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    year: int | None = None
    report_date: str | None = None  # ISO date
    title: str | None = None
    evidence: dict[str, Evidence] = field(default_factory=dict)  # field name -> where it was read
    warnings: list[str] = field(default_factory=list)
    region_ambiguous: bool = False  # the place name fits several regions and the text did not decide


@dataclass
class ReportRecord:
    """Everything extracted from one report; the unit the graph is built from."""

    source: str
    sha256: str
    meta: ReportMeta
    sections: list[Section]
    laws: list[LawCitation] = field(default_factory=list)
    practices: list[ConceptMention] = field(default_factory=list)
    problems: list[ConceptMention] = field(default_factory=list)
    problem_statements: list[ProblemStatement] = field(default_factory=list)
    plans: list[ConceptMention] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def all_evidence(self) -> list[Evidence]:
        """Every piece of evidence in the record (laws, concepts, figures, candidates, metadata)."""
        evs = [e for law in self.laws for e in law.evidence]
        evs += [e for c in self.practices + self.plans + self.problems for e in c.evidence]
        evs += [m.evidence for m in self.metrics if m.evidence]
        evs += [e for c in self.candidates for e in c.evidence]
        return evs + list(self.meta.evidence.values())

    def to_json(self) -> dict[str, Any]:
        """The public ``extract --format json`` record (see README, 'JSON record')."""
        m = self.meta

        def concept(c: ConceptMention, with_status: bool) -> dict[str, Any]:
            d: dict[str, Any] = {"label": c.label, "label_en": c.label_en, "iri": c.iri, "aliases": c.aliases}
            if with_status:
                d["status"] = c.status
            d["evidence"] = [e.to_json() for e in c.evidence]
            return d

        return {
            "source": self.source,
            "bureau": m.bureau,
            "bureau_aliases": m.bureau_aliases,
            "admin_level": m.admin_level,
            "province": m.province,
            "city": m.city,
            "county": m.county,
            "year": m.year,
            "report_date": m.report_date,
            "laws": [
                {
                    "label": law.label,
                    "full_name": law.full_name,
                    "aliases": law.aliases,
                    "kind": law.kind,
                    "iri": law.iri,
                    "flags": law.flags,
                    "evidence": [e.to_json() for e in law.evidence],
                }
                for law in self.laws
            ],
            "practices": [concept(c, True) for c in self.practices],
            "plans": [concept(c, False) for c in self.plans],
            "problems": [concept(c, False) for c in self.problems],
            "problem_statements": [asdict(p) for p in self.problem_statements],
            "metrics": [
                {
                    "indicator": x.indicator,
                    "label": x.label,
                    "value": x.value,
                    "unit": x.unit,
                    "approx": x.approx,
                    "qualifier": x.qualifier,
                    "quote": x.evidence.quote if x.evidence else None,
                    "evidence": x.evidence.to_json() if x.evidence else None,
                }
                for x in self.metrics
            ],
            "candidates": [
                {"label": c.label, "evidence": [e.to_json() for e in c.evidence]} for c in self.candidates
            ],
            "sections": [
                {"id": s.id, "kind": s.kind, "title": s.title, "level": s.level, "start": s.start, "end": s.end}
                for s in self.sections
            ],
            "warnings": self.warnings + m.warnings,
        }
