"""Law and document citations: 《…》 titles and bare law names, resolved against the gazetteer.

Reports cite laws in three ways: a bracketed title (《中华人民共和国行政处罚法》), a bare name in a
list (行政处罚法、行政强制法等法律法规) and, less often, a bare title of the body's own rules
(制定了行政执法公示具体办法). Titles are often damaged by copy-editing (a missing 《 or 》, a
closing bracket lost inside (2024年版》) and hard line wraps run through them. This module finds all
three, resolves names against ``ontology/laws.ttl`` and classifies what it cannot resolve by issuer
and form using the cue words of ``ontology/lexicon/laws.ttl``. Matching runs on the normalised text
(simplified, half-width) so a traditional-character copy resolves too; evidence quotes the original.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import ahocorasick
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..model import LawCitation, SegmentedReport
from ..namespaces import FZ
from ..ontology import lexicon, lexicon_patterns, ontology_graph
from ..textnorm import normalize

__all__ = ["extract_laws", "gazetteer", "resolve_title", "LawEntry"]

PRC = "中华人民共和国"  # the state prefix of official titles; structural, like 《》
MAX_TITLE = 100  # longest plausible title, in characters
_OPEN = {"《": "》", "〈": "〉"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_HARD_STOP = "。；;"  # a title never runs across these
_CLAUSE_END = "，,；;。、：:！!？?"
_DASHES = str.maketrans({c: "-" for c in "—–－―‐-~～"})
_QUOTES = "“”\"'‘’「」『』"
_TRAIL_BRACKETS = re.compile(r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class LawEntry:
    """One gazetteer entry of ``ontology/laws.ttl``."""

    iri: str
    label: str  # fz:shortName, the display label
    full_name: str  # rdfs:label, the official title
    kind: str
    aliases: tuple[str, ...]  # skos:altLabel
    hidden: tuple[str, ...]  # skos:hiddenLabel (misnomers, typos)
    effective: date | None = None
    repealed: date | None = None
    replaced_by: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, self.full_name, *self.aliases, *self.hidden)


def _date(g, s, p) -> date | None:
    for o in g.objects(s, p):
        v = o.toPython() if isinstance(o, Literal) else None
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(o))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=1)
def gazetteer() -> tuple[LawEntry, ...]:
    """All fz:Law entries of the ontology, sorted by IRI."""
    g = ontology_graph()
    out = []
    for s in sorted(set(g.subjects(RDF.type, FZ.Law)), key=str):
        if not isinstance(s, URIRef):
            continue
        full = next((str(x) for x in g.objects(s, RDFS.label)), "")
        short = next((str(x) for x in g.objects(s, FZ.shortName)), "") or full
        full = full or short
        if not short:
            continue
        alts = sorted({str(x) for x in g.objects(s, SKOS.altLabel)} - {short, full})
        hidden = sorted({str(x) for x in g.objects(s, SKOS.hiddenLabel)} - {short, full} - set(alts))
        repl = next((str(x) for x in g.objects(s, FZ.replacedBy)), None)
        out.append(
            LawEntry(
                iri=str(s),
                label=short,
                full_name=full,
                kind=next((str(x) for x in g.objects(s, FZ.lawKind)), "unknown"),
                aliases=tuple(alts),
                hidden=tuple(hidden),
                effective=_date(g, s, FZ.effectiveDate),
                repealed=_date(g, s, FZ.repealedDate),
                replaced_by=repl,
            )
        )
    return tuple(out)


@lru_cache(maxsize=8192)
def _squash(s: str) -> str:
    """Normalised, whitespace-free form used for comparing titles."""
    return "".join(normalize(s).split()).translate(_DASHES)


@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    """Look-up key of a title: no whitespace, brackets, quotes, nor the state prefix.

    Cached: a report cites the same few dozen titles over and over."""
    k = _squash(name).strip("《》〈〉")
    k = "".join(ch for ch in k if ch not in _QUOTES)
    k = k.replace("〈", "").replace("〉", "").replace("《", "").replace("》", "")
    if k.startswith(PRC) and len(k) > len(PRC):
        k = k[len(PRC):]
    return k


@lru_cache(maxsize=1)
def _index() -> dict[str, LawEntry]:
    idx: dict[str, LawEntry] = {}
    # Entries sorted by IRI: the first entry claiming a key keeps it (deterministic).
    for e in gazetteer():
        for n in e.names:
            idx.setdefault(_key(n), e)
    return idx


@lru_cache(maxsize=1)
def _strip_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in lexicon_patterns("law-strip-trailing"))


def resolve_title(title: str) -> LawEntry | None:
    """The gazetteer entry a title names (with or without 中华人民共和国, 《》, revision notes)."""
    idx = _index()
    k = _key(title)
    if k in idx:
        return idx[k]
    for pat in _strip_patterns():
        k2 = pat.sub("", k)
        if k2 != k and k2 in idx:
            return idx[k2]
    return None


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton | None:
    """Aho-Corasick over every gazetteer name that may be matched without brackets."""
    stop = {_squash(t) for t in lexicon("law-bare-stoplist")}
    a = ahocorasick.Automaton()
    n = 0
    for e in gazetteer():
        for name in e.names:
            s = _squash(name)
            if len(s) < 2 or s in stop:
                continue
            a.add_word(s, (len(s), e.iri))
            n += 1
    if not n:
        return None
    a.make_automaton()
    return a


@lru_cache(maxsize=1)
def _by_iri() -> dict[str, LawEntry]:
    return {e.iri: e for e in gazetteer()}


# ---------------------------------------------------------------- lexicon helpers


def _ends_with_any(s: str, terms: tuple[str, ...]) -> str | None:
    for t in terms:  # longest first
        if s.endswith(t):
            return t
    return None


def _starts_with_any(s: str, terms: tuple[str, ...]) -> str | None:
    if not s.startswith(terms):  # one C call for the common answer
        return None
    for t in terms:
        if s.startswith(t):
            return t
    return None


@lru_cache(maxsize=1)
def _place_re() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in lexicon_patterns("law-local-place-pattern"))


def _place_prefix(title: str) -> str | None:
    """The place name a title starts with (洛阳市, 河南省), if any."""
    false = lexicon("law-local-place-false")
    for pat in _place_re():
        m = pat.match(title)
        if not m:
            continue
        place = m.group(0)
        if _is_known_place(place):  # 晋城市, 盐城市: real cities whose names contain 城市
            return place
        window = title[: m.end() + 1]
        if any(f in window for f in false):
            continue
        return place
    return None


@lru_cache(maxsize=4096)
def _is_known_place(name: str) -> bool:
    """True if ``name`` is a region in the administrative-division gazetteer."""
    from ..regions import lookup

    return any(r.name == name for r in lookup(name))


def _core(title_norm: str) -> str:
    """A title without trailing remarks ((试行), (2023版)) and quotes, for form tests."""
    t = title_norm.strip()
    while True:
        t2 = _TRAIL_BRACKETS.sub("", t).strip().strip(_QUOTES).strip()
        if t2 == t:
            return t
        t = t2


def _form(title_norm: str) -> str | None:
    """The document form a title ends with (条例, 办法 …), or None if it names no document."""
    core = _core(title_norm)
    suffix = _ends_with_any(core, lexicon("law-form-suffixes"))
    if suffix is None:
        return None
    if suffix == "法" or suffix.endswith("法"):
        if _ends_with_any(core, lexicon("law-fa-non-law-endings")):
            return None
    return suffix


# ---------------------------------------------------------------- title scanning


@dataclass
class _Mention:
    start: int  # span of the title words (without brackets) in the text
    end: int
    span_start: int  # span including brackets, for overlap tests and evidence
    span_end: int
    title: str  # as written, whitespace from line wraps removed
    broken: bool
    bare: bool = False
    entry: LawEntry | None = None


def _clean(text: str) -> str:
    """Join a title broken by hard line wraps; keep a deliberate single space."""
    t = re.sub(r"[ \t\u3000]*[\r\n]+[ \t\u3000]*", "", text)
    return t.strip()


def _repair_brackets(title: str) -> tuple[str, bool]:
    """Close a parenthesis left open at the end of a title ((2024年版》)."""
    pairs = (("(", ")"), ("（", "）"))
    for o, c in pairs:
        if title.count(o) > title.count(c) and title.rfind(o) > title.rfind(c):
            return title + c, True
    return title, False


def _trim_unclosed(norm: str, start: int, stop: int) -> int | None:
    """End of the title of an unclosed 《 starting at ``start`` (exclusive), or None."""
    cand = norm[start:stop]
    squeezed_map = [i for i, ch in enumerate(cand) if not ch.isspace()]
    sq = "".join(cand[i] for i in squeezed_map)
    if not sq:
        return None
    # 1. the longest gazetteer name the title starts with
    auto = _automaton()
    best = 0
    if auto is not None:
        for end, (length, _iri) in auto.iter(sq):
            if end - length + 1 == 0:
                best = max(best, end + 1)
    followers = lexicon("law-title-followers")
    veto = lexicon("law-bare-right-veto")
    suffixes = lexicon("law-form-suffixes")
    ends = [p for p in range(2, len(sq) + 1) if _ends_with_any(sq[:p], suffixes)]
    ends = [p for p in ends if not _starts_with_any(sq[p:], veto) and _form(sq[:p])]
    chosen = None
    for p in ends:
        if p == len(sq) or _starts_with_any(sq[p:], followers):
            chosen = p
            break
    if chosen is None and ends:
        chosen = ends[-1]
    if best and (chosen is None or best >= chosen or _starts_with_any(sq[best:], followers)):
        chosen = best
    if not chosen:
        return None
    return start + squeezed_map[chosen - 1] + 1


# The characters _scan_titles acts on; everything between them is skipped in one regex step
# instead of one Python iteration per character.
_TITLE_MARK = re.compile("[" + re.escape("".join(_OPEN)) + "》]")


def _scan_titles(text: str, norm: str) -> list[_Mention]:
    out: list[_Mention] = []
    n = len(norm)
    i = 0
    while i < n:
        nxt = _TITLE_MARK.search(norm, i)
        if nxt is None:
            break
        i = nxt.start()
        ch = norm[i]
        if ch in _OPEN:
            close = _OPEN[ch]
            depth, p, inner = 1, i + 1, []
            stack = [i]
            ok = False
            while p < n and p - i <= MAX_TITLE:
                c = norm[p]
                if c in _HARD_STOP or c == "\n" and (norm.startswith("\n\n", p) or norm.startswith("\n \n", p)):
                    break
                if c == ch:
                    depth += 1
                    stack.append(p)
                elif c == close:
                    depth -= 1
                    o = stack.pop()
                    if depth == 0:
                        ok = True
                        break
                    inner.append((o, p))
                elif ch == "《" and c == "〈":
                    q = norm.find("〉", p + 1, min(n, p + MAX_TITLE))
                    if q > 0:
                        inner.append((p, q))
                p += 1
            if ok:
                out.append(_Mention(i + 1, p, i, p + 1, _clean(text[i + 1 : p]), False))
                for o, c in inner:
                    out.append(_Mention(o + 1, c, o, c + 1, _clean(text[o + 1 : c]), False))
                i = p + 1
                continue
            if ch == "《":  # unclosed: the title runs to the end of the clause at most
                stop = i + 1
                while stop < n and stop - i <= MAX_TITLE and norm[stop] not in _CLAUSE_END:
                    if norm[stop] in "《〈" or norm[stop] == "\n" and norm.startswith("\n\n", stop):
                        break
                    stop += 1
                end = _trim_unclosed(norm, i + 1, stop)
                if end:
                    out.append(_Mention(i + 1, end, i, end, _clean(text[i + 1 : end]), True))
            i += 1
            continue
        if ch == "》":  # a closer without an opener: the title starts after the previous boundary
            b = i - 1
            while b >= 0 and i - b <= MAX_TITLE // 2:
                c = norm[b]
                if c in _CLAUSE_END or c in "《》〈〉" or c == "\n" and norm.startswith("\n\n", b - 1):
                    break
                b -= 1
            start = b + 1
            while start < i and norm[start].isspace():
                start += 1
            lead = lexicon("law-title-lead-words")
            while True:
                w = _starts_with_any(normalize(_clean(text[start:i])), lead)
                if not w:
                    break
                # skip the lead word in the original, allowing for wrapped lines
                k, taken = start, 0
                while k < i and taken < len(w):
                    if not norm[k].isspace():
                        taken += 1
                    k += 1
                start = k
                while start < i and norm[start].isspace():
                    start += 1
            title = _clean(text[start:i])
            if len(title) >= 4 and _form(normalize(title)):
                out.append(_Mention(start, i, start, i + 1, title, True))
        i += 1
    return out


# ---------------------------------------------------------------- bare names


def _squeeze(norm: str) -> tuple[str, list[int]]:
    """The text without whitespace (names broken by a hard wrap match again) and, for each of
    its characters, the offset in ``norm`` (built run by run, in C, not char by char)."""
    idx: list[int] = []
    parts: list[str] = []
    for m in re.finditer(r"\S+", norm):
        idx.extend(range(m.start(), m.end()))
        parts.append(m.group())
    return "".join(parts), idx


def _longest_non_overlapping(hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Longest match first, then leftmost; drop overlaps. Only hits in one cluster of
    overlapping spans compete, so this is linear in the number of clusters."""
    chosen: list[tuple[int, int, str]] = []
    cluster: list[tuple[int, int, str]] = []
    reach = -1

    def flush() -> None:
        kept: list[tuple[int, int, str]] = []
        for h in sorted(cluster, key=lambda h: (-(h[1] - h[0]), h[0])):
            if all(h[1] <= c[0] or h[0] >= c[1] for c in kept):
                kept.append(h)
        chosen.extend(sorted(kept))

    for h in sorted(hits):
        if cluster and h[0] >= reach:
            flush()
            cluster = []
        cluster.append(h)
        reach = max(reach, h[1]) if len(cluster) > 1 else h[1]
    if cluster:
        flush()
    return chosen


def _inside(spans: list[tuple[int, int]], starts: list[int], a: int, b: int) -> bool:
    k = bisect.bisect_right(starts, a) - 1
    for j in (k, k + 1):
        if 0 <= j < len(spans):
            s, e = spans[j]
            if a < e and b > s:
                return True
    return False


def _scan_bare(text: str, norm: str, taken: list[tuple[int, int]], squeezed: tuple[str, list[int]] | None = None) -> list[_Mention]:
    auto = _automaton()
    if auto is None:
        return []
    sq, idx = squeezed or _squeeze(norm)
    hits = [(end - length + 1, end + 1, iri) for end, (length, iri) in auto.iter(sq)]
    chosen = _longest_non_overlapping(hits)
    veto = lexicon("law-bare-right-veto")
    spans = sorted(taken)
    starts = [s for s, _ in spans]
    out = []
    by_iri = _by_iri()
    for s, e, iri in chosen:
        if veto and sq.startswith(veto, e):  # in place: slicing sq[e:] copies the rest of the report
            continue
        a, b = idx[s], idx[e - 1] + 1
        if _inside(spans, starts, a, b):
            continue
        out.append(_Mention(a, b, a, b, _clean(text[a:b]), False, bare=True, entry=by_iri[iri]))
    return out


@lru_cache(maxsize=1)
def _bare_title_re() -> re.Pattern[str]:
    verbs = "|".join(re.escape(v) for v in lexicon("law-bare-title-verbs"))
    return re.compile(rf"(?:{verbs})([\u4e00-\u9fff0-9]{{4,30}})(?=[，,。；;、)）\n]|$)")


def _scan_bare_titles(
    text: str, norm: str, taken: list[tuple[int, int]], squeezed: tuple[str, list[int]] | None = None
) -> list[_Mention]:
    """Un-bracketed titles after a drafting verb: 制定了行政执法公示具体办法，"""
    sq, idx = squeezed or _squeeze(norm)
    spans = sorted(taken)
    starts = [s for s, _ in spans]
    generic = lexicon("law-bare-title-generic")
    suffixes = lexicon("law-bare-title-suffixes")
    year = re.compile(r"^(?:19|20)\d\d年")
    out = []
    for m in _bare_title_re().finditer(sq):
        phrase = m.group(1)
        if _starts_with_any(phrase, generic):
            continue
        if year.match(phrase):
            if not _form(phrase):
                continue
        elif not (_ends_with_any(phrase, suffixes) and len(phrase) >= 6):
            continue
        a, b = idx[m.start(1)], idx[m.end(1) - 1] + 1
        if _inside(spans, starts, a, b):
            continue
        out.append(_Mention(a, b, a, b, _clean(text[a:b]), False, bare=True))
    return out


# ---------------------------------------------------------------- classification


def _context_before(norm: str, m: _Mention, report: SegmentedReport) -> str:
    sent = report.sentence_at(m.span_start)
    lo = sent.start if sent else max(0, m.span_start - 60)
    return norm[max(lo, m.span_start - 80) : m.span_start]


def _is_media(norm: str, m: _Mention) -> bool:
    """A programme, column or video title (开辟了《每周法条》, 《小管来了》微视频)."""
    after = norm[m.span_end : m.span_end + 40]
    # skip further titles of the same list: 《A》《B》、《C》等新闻稿件
    after = re.sub(r"^(?:[、,，\s]*(?:等)?[、,，\s]*《[^《》]{0,60}》)*", "", after)
    after = re.sub(r"^[\s、,，等一系列些多部个篇条]*", "", after)
    if _starts_with_any(after[:8], lexicon("law-media-after")):
        return True
    before = norm[max(0, m.span_start - 10) : m.span_start]
    return any(w in before for w in lexicon("law-media-before"))


def _classify(title_norm: str, context: str) -> tuple[str, bool]:
    """Kind of a title that is not in the gazetteer, and whether it looks like a national law
    or regulation (then it is flagged unresolved)."""
    core = _core(_key(title_norm))
    form = _form(core) or ""
    place = _place_prefix(core)
    rest = core[len(place):] if place else core
    organ = None
    for o in lexicon("law-organ-markers"):
        pos = rest.find(o)
        # an issuing body named before the document's own name (…执法局行政处罚自由裁量基准)
        if 0 < pos and pos + len(o) < len(rest) - len(form):
            organ = o
            break
    internal_ctx = any(w in context for w in lexicon("law-internal-context"))
    drafted = any(w in context[-30:] for w in lexicon("law-drafting-verbs"))
    normative_ctx = any(w in context for w in lexicon("law-normative-context"))
    gov_ctx = [w for w in lexicon("law-government-markers") if w in context]
    party_markers = lexicon("law-party-markers")
    party = any(w in core for w in party_markers)
    if party and ((not organ and not internal_ctx) or _starts_with_any(core, party_markers)):
        return "party-document", False
    national_form = form in lexicon("law-national-law-forms")  # 办法 also ends in 法
    if not place and not organ and not internal_ctx and not drafted:
        if national_form:
            return "national-law", True
        if _ends_with_any(core, lexicon("law-regulation-forms")):
            return "administrative-regulation", True
    if place and not organ:
        if _ends_with_any(core, lexicon("law-local-regulation-forms")) or national_form:
            return "local-regulation", False
        if _ends_with_any(core, lexicon("law-local-rule-forms")) and not (internal_ctx and drafted) and not normative_ctx:
            return "local-rule", False
    if gov_ctx and _ends_with_any(core, lexicon("law-local-rule-forms")):
        return ("local-rule" if place else "department-rule"), False
    if normative_ctx:
        return "normative-document", False
    internal_form = _ends_with_any(core, lexicon("law-internal-forms"))
    if (internal_ctx or drafted or organ) and internal_form:
        return "internal-document", False
    if internal_ctx and not place:
        return "internal-document", False
    if _ends_with_any(core, lexicon("law-normative-forms")):
        return "normative-document", False
    if internal_form:
        return "internal-document", False
    return "unknown", False


# ---------------------------------------------------------------- public API


def _in_force(e: LawEntry, year: int | None) -> bool:
    if year is None:
        return True
    if e.repealed and e.repealed <= date(year, 1, 1):
        return False
    if e.effective and e.effective > date(year, 12, 31):
        return False
    return True


def extract_laws(report: SegmentedReport, year: int | None = None) -> list[LawCitation]:
    """Every law or document the report cites, one citation per document, in order of first
    mention. ``year`` (the year the report covers) enables the "not-in-force" flag."""
    doc = report.doc
    text = doc.text
    norm = doc.norm or normalize(text)
    mentions: list[_Mention] = []
    for m in _scan_titles(text, norm):
        title, repaired = _repair_brackets(m.title)
        m.title, m.broken = title, m.broken or repaired
        m.entry = resolve_title(title)
        if m.entry is None:
            tn = normalize(title)
            if len(_key(tn)) < 2 or not _form(_key(tn)) or _is_media(norm, m):
                continue
        mentions.append(m)
    # a title inside a title (〈…〉 in 《…》) is counted; a bare name inside a title is not
    taken = [(m.span_start, m.span_end) for m in mentions]
    titled_spans = sorted(taken)
    squeezed = _squeeze(norm)  # both bare scans read the same squeezed text
    bare = _scan_bare(text, norm, titled_spans, squeezed)
    mentions += bare
    taken2 = sorted(titled_spans + [(m.start, m.end) for m in bare])
    mentions += _scan_bare_titles(text, norm, taken2, squeezed)

    mentions.sort(key=lambda m: (m.start, m.end))
    cites: dict[str, LawCitation] = {}
    make_evidence = report.evidence_maker()
    for m in mentions:
        e = m.entry
        if e is not None:
            key = e.iri
            if key not in cites:
                flags = [] if _in_force(e, year) else ["not-in-force"]
                cites[key] = LawCitation(
                    label=e.label,
                    full_name=e.full_name,
                    kind=e.kind,
                    iri=e.iri,
                    aliases=list(e.aliases),
                    flags=flags,
                )
        else:
            k = _key(m.title)
            key = "title:" + k
            if key not in cites:
                kind, unresolved = _classify(normalize(m.title), _context_before(norm, m, report))
                label = m.title
                if _squash(label).startswith(PRC) and len(_key(label)) >= 2:
                    # drop the state prefix from the display label, keep it in full_name
                    cut = label.find(PRC[-1]) + 1
                    label = label[cut:].strip()
                cites[key] = LawCitation(
                    label=label,
                    full_name=m.title,
                    kind=kind,
                    iri=None,
                    flags=["unresolved"] if unresolved else [],
                )
        c = cites[key]
        if m.broken and "broken-brackets" not in c.flags:
            c.flags.append("broken-brackets")
        c.evidence.append(make_evidence(m.start, m.end, m.span_start, m.span_end))
    for c in cites.values():
        c.flags.sort()
    return list(cites.values())
