"""Report metadata: who reports, for which region, about which year, signed when.

Reports say who they are in several places of unequal trust, and this module reads them
in that order: the title lines (潢川县城市管理局 / 2024年法治政府建设工作报告), a web page's
来源/发布机构 field, the sign-off at the end (body name, then the signing date), and
the opening sentence (2023年,长治市城市管理局在市委…). A body name is a place prefix
resolved with the gazetteer (``fazhi_graph.regions``) followed by a name ending from
``ontology/lexicon/meta.ttl``; the province, city and county follow from the place.

The year covered comes from the title, else the opening paragraph, and only as a last
resort from the signing date (a report signed in March covers the year before). The
report date is the signing date at the end; a web page's 更新时间 is a publication time,
not a signing date, and is never used.

All matching runs on ``Document.norm`` (traditional → simplified, full → half width);
names are returned simplified but keep full-width brackets as written, and every
evidence quote is ``doc.text[start:end]``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import Literal
from rdflib.namespace import SKOS

from .. import regions as R
from ..model import ReportMeta, SegmentedReport
from ..namespaces import LEX
from ..ontology import lexicon, lexicon_patterns, ontology_graph
from ..textnorm import normalize

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PUNCT = set("，。；;：:、,!！?？“”\"'‘’《》<>()（）[]【】|/\\")
_LINE_MARKUP = "#*>•·-—=_ \t\u3000"
_MAX_BODY = 10  # characters between the place and the name ending
_LOOKBACK = 18  # how far before a name ending a place prefix may start


# ------------------------------------------------------------------ lexicon access

@dataclass(frozen=True)
class _Forms:
    endings: tuple[str, ...]  # every name ending usable for detection, longest first
    form_of: dict[str, str]  # ending or abbreviation -> org-form IRI
    abbreviations: tuple[str, ...]  # hidden labels: aliases only


@lru_cache(maxsize=1)
def _forms() -> _Forms:
    g = ontology_graph()
    form_of: dict[str, str] = {}
    endings: set[str] = set()
    abbrevs: set[str] = set()
    for s in sorted(set(g.subjects(SKOS.inScheme, LEX["org-forms"])), key=str):
        for prop, target in ((SKOS.prefLabel, endings), (SKOS.altLabel, endings), (SKOS.hiddenLabel, abbrevs)):
            for lab in g.objects(s, prop):
                if isinstance(lab, Literal) and (lab.language or "zh").startswith("zh"):
                    target.add(str(lab))
                    form_of.setdefault(str(lab), str(s))
    endings.update(lexicon("org-generic-suffixes"))
    key = lambda t: (-len(t), t)  # noqa: E731
    return _Forms(tuple(sorted(endings, key=key)), form_of, tuple(sorted(abbrevs, key=key)))


@lru_cache(maxsize=1)
def _ending_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in _forms().endings))


@lru_cache(maxsize=1)
def _body_exclude_re() -> re.Pattern[str] | None:
    pats = lexicon_patterns("org-body-excludes")
    return re.compile("|".join(pats)) if pats else None


@lru_cache(maxsize=1)
def _title_re() -> re.Pattern[str]:
    alts = [re.escape(t) for t in lexicon("report-title-cues")] + list(lexicon_patterns("report-title-cues"))
    return re.compile("|".join(f"(?:{a})" for a in alts))


@lru_cache(maxsize=1)
def _chrome_searches() -> tuple[re.Pattern[str], ...]:
    """The page-chrome cues as the alternation of their plain terms plus each pattern on its own:
    a line is chrome iff one of them is found. The terms alone let ``re`` skip to the characters
    a term can start with; one alternation of terms and patterns, one pattern opening with a
    class (a date), kept ``re`` from doing so: it tried all thirty alternatives at every character."""
    terms = [re.escape(t) for t in lexicon("page-chrome-cues")]
    out = [re.compile("|".join(f"(?:{t})" for t in terms))] if terms else []
    return tuple(out + [re.compile(p) for p in lexicon_patterns("page-chrome-cues")])


def _is_chrome(norm: str, s: int, e: int) -> bool:
    return any(rx.search(norm, s, e) for rx in _chrome_searches())


@lru_cache(maxsize=1)
def _source_field_re() -> re.Pattern[str]:
    names = "|".join(re.escape(t) for t in lexicon("page-source-fields"))
    return re.compile(rf"(?<!\S)(?:{names})\s*[:：]\s*(?P<v>[^\s:：|]+)")


@lru_cache(maxsize=1)
def _date_res() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in lexicon_patterns("signoff-date"))


@lru_cache(maxsize=1)
def _year_re() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in lexicon_patterns("report-year")))


@lru_cache(maxsize=1)
def _ending_rank() -> tuple[dict[str, tuple[int, str]], int]:
    """Ending or abbreviation -> (its place in the order ``form_of`` tries them: endings
    longest first, then abbreviations; its form), for those that have a form; and the
    longest such ending."""
    f = _forms()
    rank: dict[str, tuple[int, str]] = {}
    for i, ending in enumerate((*f.endings, *f.abbreviations)):
        if ending in f.form_of and ending not in rank:
            rank[ending] = (i, f.form_of[ending])
    return rank, max(map(len, rank), default=0)


def form_of(name: str) -> str | None:
    """The org-form IRI of a body name (by its longest known ending), or None.

    Looks up each ending of ``name`` (a handful) rather than testing every known ending."""
    rank, longest = _ending_rank()
    best = rank.get("")  # an empty label would end every name
    for k in range(1, min(len(name), longest) + 1):
        r = rank.get(name[-k:])
        if r is not None and (best is None or r[0] < best[0]):
            best = r
    return None if best is None else best[1]


# ------------------------------------------------------------------ numbers

def _cn_int(s: str) -> int | None:
    """'2024', '二〇二四', '十一', '三' → int (digit strings and 十-numerals up to 39)."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS for c in s):
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    if "十" in s and len(s) <= 3:
        head, _, tail = s.partition("十")
        if (head and head not in _CN_DIGITS) or (tail and tail not in _CN_DIGITS):
            return None
        return (_CN_DIGITS[head] if head else 1) * 10 + (_CN_DIGITS[tail] if tail else 0)
    return None


def _year_of(m: re.Match[str]) -> int | None:
    y = _cn_int(m.group("y"))
    return y if y is not None and 1990 <= y <= 2100 else None


# ------------------------------------------------------------------ lines

@dataclass(frozen=True)
class _Line:
    start: int  # stripped of whitespace and markdown markers
    end: int
    chrome: bool


def _lines(norm: str) -> list[_Line]:
    out = []
    pos = 0
    for raw in norm.split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        while s < e and (norm[s] in _LINE_MARKUP or norm[s].isspace()):
            s += 1
        while e > s and (norm[e - 1] in "#*" or norm[e - 1].isspace()):
            e -= 1
        if s < e:
            out.append(_Line(s, e, _is_chrome(norm, s, e)))
    return out


def _canon(text: str, norm: str, start: int, end: int) -> str:
    """Simplified characters, full-width punctuation as written, no whitespace."""
    out = []
    for t, n in zip(text[start:end], norm[start:end]):
        if n.isspace():
            continue
        out.append(t if 0xFF01 <= ord(t) <= 0xFF5E else n)
    return "".join(out)


# ------------------------------------------------------------------ body names

@dataclass
class _Org:
    start: int
    end: int
    name: str
    place: str  # the place prefix as written (normalised)
    candidates: tuple[R.Region, ...]
    form: str | None
    source: str = ""  # title, source-field, signoff, opening, text
    line: _Line | None = None
    full_place: bool = True  # place written with an official full name
    extra: dict = field(default_factory=dict)


def _find_orgs(text: str, norm: str, start: int, end: int) -> list[_Org]:
    """Body names (place prefix + name ending) in ``norm[start:end]``, left to right."""
    out: list[_Org] = []
    excl = _body_exclude_re()
    for m in _ending_re().finditer(norm, start, end):
        s = m.start()
        w0 = max(start, s - _LOOKBACK)
        for i in range(s - 1, w0 - 1, -1):  # never look across punctuation or spaces
            if norm[i] in _PUNCT or norm[i].isspace():
                w0 = i + 1
                break
        for p in range(w0, s):
            n, cands = R.match_place_prefix(norm[p:s])
            if not n:
                continue
            body = norm[p + n : s]
            if len(body) > _MAX_BODY or (excl is not None and excl.search(body)):
                continue
            place = norm[p : p + n]
            full = any(r.name in place for c in cands for r in (c, *R.ancestors(c)))
            out.append(
                _Org(p, m.end(), _canon(text, norm, p, m.end()), place, tuple(cands), form_of(m.group()),
                     full_place=full)
            )
            break
    # drop names nested inside a longer one found from an earlier ending
    out.sort(key=lambda o: (o.start, -o.end))
    kept: list[_Org] = []
    for o in out:
        if kept and o.start < kept[-1].end:
            continue
        kept.append(o)
    return kept


def _sentence_span(report: SegmentedReport, offset: int, line: _Line) -> tuple[int, int]:
    sent = report.sentence_at(offset)
    if sent is not None and sent.start <= offset < sent.end:
        return sent.start, sent.end
    return line.start, line.end


# ------------------------------------------------------------------ dates

def _date_in(norm: str, s: int, e: int) -> tuple[str, int, int] | None:
    """An ISO date if the line is a signing date (possibly after a body name or in brackets)."""
    for rx in _date_res():
        for m in rx.finditer(norm, s, e):
            rest = (norm[s : m.start()] + norm[m.end() : e]).strip(" ()（）[]【】")
            if rest and not _ending_re().search(rest):
                continue
            y, mo, d = _cn_int(m.group("y")), _cn_int(m.group("m")), _cn_int(m.group("d"))
            if y is None or mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31 and 1990 <= y <= 2100):
                continue
            return f"{y:04d}-{mo:02d}-{d:02d}", m.start(), m.end()
    return None


# ------------------------------------------------------------------ main

def extract_meta(report: SegmentedReport) -> ReportMeta:
    """Bureau, region, admin level, year covered and signing date of one report."""
    doc = report.doc
    text = doc.text
    norm = doc.norm or normalize(text)
    meta = ReportMeta()
    lines = _lines(norm)
    content = [ln for ln in lines if not ln.chrome]

    # -- title block: short lines before the first body paragraph
    title_block: list[_Line] = []
    opening: _Line | None = None
    for ln in content[:10]:
        seg = norm[ln.start : ln.end]
        if len(seg) > 60 or "。" in seg or seg.endswith((":", "：")):
            opening = ln
            break
        title_block.append(ln)
    title_line = next((ln for ln in title_block if _title_re().search(norm, ln.start, ln.end)), None)
    if title_line is None and opening is not None:
        # a web page whose title line sits among the chrome lines
        for ln in lines[: lines.index(opening)]:
            if not ln.chrome and _title_re().search(norm, ln.start, ln.end):
                title_line = ln
    if title_line is not None:
        meta.title = _canon(text, norm, title_line.start, title_line.end)

    # -- candidates for the reporting body, most trusted first
    cands: list[_Org] = []
    if title_line is not None:
        idx = title_block.index(title_line) if title_line in title_block else -1
        order = [title_line] + ([title_block[i] for i in range(idx - 1, -1, -1)] if idx >= 0 else [])
        order += [ln for ln in title_block if ln not in order]
    else:
        order = list(title_block)
    for ln in order:
        for o in _find_orgs(text, norm, ln.start, ln.end):
            o.source, o.line = "title", ln
            cands.append(o)

    bare: list[tuple[str, _Line, int, int]] = []  # 来源:市城管局
    for ln in lines:
        if opening is not None and ln.start > opening.start:
            break
        for m in _source_field_re().finditer(norm, ln.start, ln.end):
            v0, v1 = m.span("v")
            found = _find_orgs(text, norm, v0, v1)
            if found:
                for o in found:
                    o.source, o.line = "source-field", ln
                    cands.append(o)
            elif _ending_re().search(norm, v0, v1) or form_of(norm[v0:v1]):
                bare.append((_canon(text, norm, v0, v1), ln, v0, v1))

    signoff_date = None
    tail = content[-15:]
    for k in range(len(tail) - 1, -1, -1):
        ln = tail[k]
        if ln.start < len(norm) * 0.5:
            break
        d = _date_in(norm, ln.start, ln.end)
        if d is None:
            continue
        signoff_date = (d, ln)
        # the body name: on the date line itself, or on one of the two lines above
        for cand_line in [ln] + [tail[j] for j in range(k - 1, max(k - 3, -1), -1)]:
            found = _find_orgs(text, norm, cand_line.start, cand_line.end)
            whole = [o for o in found if norm[cand_line.start : o.start].strip() == ""]
            if whole:
                whole[0].source, whole[0].line = "signoff", cand_line
                cands.append(whole[0])
                break
        break

    if opening is not None:
        found = _find_orgs(text, norm, opening.start, opening.end)
        if found:
            found[0].source, found[0].line = "opening", opening
            cands.append(found[0])

    all_orgs = _find_orgs(text, norm, 0, len(norm))

    # -- choose the body
    chosen: _Org | None = None
    for o in cands:
        if o.candidates:
            chosen = o
            break
    if chosen is None and bare:
        name, ln, v0, v1 = bare[0]
        f = form_of(name)
        same = [o for o in all_orgs if f and o.form == f]
        if same:
            counts = Counter(o.name for o in same)
            best_name = sorted(counts, key=lambda n: (-counts[n], n))[0]
            chosen = next(o for o in same if o.name == best_name)
            chosen.source = "text"
            meta.warnings.append(f"bureau: only '{name}' is given as the publisher; expanded to {best_name} from the text")
        else:
            meta.bureau = name
            meta.evidence["bureau"] = report.evidence(v0, v1, ln.start, ln.end)
            meta.warnings.append(f"bureau: '{name}' has no place name; region unknown")
    if chosen is not None:
        # a title written with a short place (长治城市管理局): prefer the official form seen in the text
        if not chosen.full_place:
            same = [o for o in all_orgs if o.full_place and o.form == chosen.form
                    and set(o.candidates) & set(chosen.candidates)]
            if same:
                counts = Counter(o.name for o in same)
                best_name = sorted(counts, key=lambda n: (-counts[n], n))[0]
                better = next(o for o in same if o.name == best_name)
                better.source, better.line = chosen.source, chosen.line
                chosen = better
        meta.bureau = chosen.name
        ln = chosen.line
        if ln is not None:
            s, e = (ln.start, ln.end) if chosen.source != "opening" else _sentence_span(report, chosen.start, ln)
        else:
            s, e = _sentence_span(report, chosen.start, _Line(chosen.start, chosen.end, False))
        meta.evidence["bureau"] = report.evidence(chosen.start, chosen.end, s, e)
        others = [o for o in cands if o.candidates and o.source != chosen.source]
        for o in others:
            if o.form != chosen.form or not set(o.candidates) & set(chosen.candidates):
                meta.warnings.append(f"bureau: {o.source} names {o.name}, {chosen.source} names {chosen.name}")
                break

        # -- region
        res = R.resolve_place(chosen.place, norm)
        region = res.region
        if res.ambiguous:
            meta.region_ambiguous = True
            alts = ", ".join("/".join(x.name for x in R.chain(c) if x) for c in res.candidates)
            meta.warnings.append(f"region: '{chosen.place}' is ambiguous ({alts}); chose {region.adcode if region else None}")
        if region is not None:
            prov, city, county = R.chain(region)
            meta.province = prov.name if prov else None
            meta.city = city.name if city else None
            meta.county = county.name if county else None
            meta.adcode = region.adcode
            meta.admin_level = region.level
            ev = meta.evidence["bureau"]
            place_ev = report.evidence(chosen.start, chosen.start + len(chosen.place), ev.start, ev.end)
            for f_ in ("province", "city", "county", "admin_level"):
                if getattr(meta, f_):
                    meta.evidence[f_] = place_ev

        meta.bureau_aliases = _aliases(text, norm, chosen, all_orgs, bare, region)

    # -- year covered
    year_ev = None
    for ln in ([title_line] if title_line is not None else []) + title_block:
        m = _year_re().search(norm, ln.start, ln.end)
        if m and _year_of(m):
            meta.year = _year_of(m)
            year_ev = (ln.start, ln.end, m.start(), m.end())
            break
    if meta.year is None and opening is not None:
        counts: Counter[int] = Counter()
        first: dict[int, re.Match[str]] = {}
        for m in _year_re().finditer(norm, opening.start, opening.end):
            before = norm[max(opening.start, m.start() - 1) : m.start()]
            after = norm[m.end() : m.end() + 1]
            if before in ("-", "—", "–", "~", "至", "到") or after in ("-", "—", "–", "~", "至", "到"):
                continue  # a range such as 2021—2025年
            y = _year_of(m)
            if y:
                counts[y] += 1
                first.setdefault(y, m)
        if counts:
            y = sorted(counts, key=lambda v: (-counts[v], first[v].start()))[0]
            meta.year = y
            s, e = _sentence_span(report, first[y].start(), opening)
            year_ev = (s, e, first[y].start(), first[y].end())
    if meta.year is None and signoff_date is not None:
        (iso, ds, de), ln = signoff_date
        y, mo = int(iso[:4]), int(iso[5:7])
        meta.year = y - 1 if mo <= 6 else y
        year_ev = (ln.start, ln.end, ds, de)
        meta.warnings.append(f"year: not stated; inferred {meta.year} from the signing date {iso}")
    if year_ev:
        qs, qe, ms, me = year_ev
        meta.evidence["year"] = report.evidence(ms, me, qs, qe)
    if meta.year is None:
        meta.warnings.append("year: not found")

    # -- signing date
    if signoff_date is not None:
        (iso, ds, de), ln = signoff_date
        meta.report_date = iso
        meta.evidence["report_date"] = report.evidence(ds, de, ln.start, ln.end)

    if meta.bureau is None:
        meta.warnings.append("bureau: not found")
    return meta


def _body(norm: str, o: _Org) -> str:
    return "".join(norm[o.start + len(o.place) : o.end].split())


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _same_body(other: str, mine: str) -> bool:
    """Another way of writing the same body's name: an abbreviation (城管, 城管局 of 城市管理局)
    or a near-identical spelling (城市管理综合执法局 / 城市管理和综合执法局). A different
    body of the same trade (城市管理委员会, …综合行政执法局 beside 城市管理局) is not."""
    if not other or not mine:
        return False
    if _is_subsequence(other, mine):
        return True
    return difflib.SequenceMatcher(None, other, mine).ratio() >= 0.8


@lru_cache(maxsize=4096)
def _labels_like(form: str, mine: str) -> tuple[str, ...]:
    """Org-form labels of ``form`` that may name the same body as ``mine`` (difflib per label:
    asked once per distinct body, since a corpus has many reports of the same bureau)."""
    labels = [t for t, f in _forms().form_of.items() if f == form and _same_body(t, mine)]
    return tuple(sorted(labels, key=lambda t: (-len(t), t)))


def _alias_re(places: tuple[str, ...], labels: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        "(?:" + "|".join(re.escape(p) for p in places) + ")" + "(?:" + "|".join(re.escape(lb) for lb in labels) + ")"
    )


def _alias_spans(norm: str, places: tuple[str, ...], labels: tuple[str, ...]) -> list[tuple[int, int]]:
    """The spans ``_alias_re(places, labels).finditer(norm)`` gives, without compiling a regex
    per report (the places differ from bureau to bureau, so a compiled regex is rarely reused).

    Both alternatives are plain strings, so the regex can only match where a place starts;
    there it takes the first place, then the first label, in the given order that fit."""
    if not labels:
        labels = ("",)  # an empty alternation matches the empty string
    elif "" in labels or not places or "" in places:
        return [m.span() for m in _alias_re(places, labels).finditer(norm)]
    starts: set[int] = set()
    for place in places:
        i = norm.find(place)
        while i >= 0:
            starts.add(i)
            i = norm.find(place, i + 1)
    out: list[tuple[int, int]] = []
    cursor = 0
    for p in sorted(starts):
        if p < cursor:
            continue
        for place in places:
            if norm.startswith(place, p):
                q = p + len(place)
                label = next((lb for lb in labels if norm.startswith(lb, q)), None)
                if label is not None:
                    out.append((p, q + len(label)))
                    cursor = q + len(label)
                    break
    return out


def _aliases(text: str, norm: str, chosen: _Org, all_orgs: list[_Org], bare, region: R.Region | None) -> list[str]:
    """Other names of the chosen body in the text: same place and same org form, a bracketed
    second name (潢川县城市管理局（城市综合执法局）), a short place (长治城市管理局), a partial
    prefix (卧龙区城市管理局) or an abbreviation (洛阳城管, 市城管局 in a 来源 field)."""
    found: dict[str, int] = {}
    cset = set(chosen.candidates)

    mine = _body(norm, chosen)
    for o in all_orgs:
        if (o.name != chosen.name and o.form == chosen.form and o.form and (set(o.candidates) & cset)
                and _same_body(_body(norm, o), mine)):
            found.setdefault(o.name, o.start)
        if o.name == chosen.name and o.end < len(norm) and norm[o.end] in "(（":
            close = min((i for i in (norm.find(")", o.end), norm.find("）", o.end)) if i != -1), default=-1)
            if 0 < close - o.end <= 16 and _ending_re().search(norm, o.end + 1, close):
                found.setdefault(_canon(text, norm, o.start, close + 1), o.start)
    for name, _ln, v0, _v1 in bare:
        if chosen.form and form_of(name) == chosen.form and name != chosen.name:
            found.setdefault(name, v0)
    if region is not None and chosen.form:
        places = {region.name, region.short or ""}
        for a in R.ancestors(region):
            for n in (a.name, a.short):
                if n and a.level != "province":
                    places.add(n + region.name)
        places.discard("")
        spans = _alias_spans(norm, tuple(sorted(places, key=lambda t: (-len(t), t))), _labels_like(chosen.form, mine))
        covered = [(o.start, o.end) for o in all_orgs]  # inside a longer name already judged above
        for ms, me in spans:
            if any(s <= ms < e for s, e in covered):
                continue
            name = _canon(text, norm, ms, me)
            if name != chosen.name:
                found.setdefault(name, ms)
    return sorted(found, key=lambda n: (found[n], n))


__all__ = ["extract_meta", "form_of"]
