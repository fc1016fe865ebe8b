"""Stable IRIs derived from normalised names.

The same bureau written with full-width brackets, stray spaces or a traditional
character gets the same IRI, and nothing random ever enters an IRI, so two builds
of the same inputs are byte-identical and IRIs can be cited in papers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

from rdflib import URIRef

from .namespaces import ID
from .textnorm import normalize

_UNSAFE = re.compile(r"[\s<>\"{}|\\^`#?%/]+")


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> str:
    """Canonical form of a name for identity: NFKC, simplified, no whitespace or quotes."""
    s = unicodedata.normalize("NFKC", normalize(name))
    s = re.sub(r"\s+", "", s)
    return s.strip("《》“”\"'「」『』")


@lru_cache(maxsize=1 << 16)
def slug(name: str) -> str:
    """An IRI-safe path segment that keeps Chinese characters readable."""
    s = _UNSAFE.sub("-", normalise_name(name)).strip("-")
    # Percent-encode only ASCII that IRIs forbid; Chinese stays readable (RFC 3987 ucschar).
    return "".join(ch if ord(ch) > 127 else quote(ch, safe="-_.~()·") for ch in s) or "_"


def qualified_bureau_name(name: str, province: str | None = None, city: str | None = None) -> str:
    """The bureau's name with its city (or province) in front when the name lacks it.

    Two bodies can share a name (朝阳区城市管理局 in 北京 and in 长春); identity must not
    merge them, so IRIs and report keys are built from the qualified name."""
    from .regions import lookup

    n = normalise_name(name)
    for region in (city, province):
        if region:
            r = normalise_name(region)
            shorts = {x.short for x in lookup(r) if x.name == r and x.short}
            if n.startswith(r) or any(n.startswith(sh) for sh in shorts):
                return n
    prefix = city or province
    return normalise_name(prefix) + n if prefix else n


def bureau_iri(name: str, province: str | None = None, city: str | None = None) -> URIRef:
    return ID[f"bureau/{slug(qualified_bureau_name(name, province, city))}"]


def region_iri(adcode_or_name: str) -> URIRef:
    return ID[f"region/{slug(adcode_or_name)}"]


def bureau_iri_of(meta) -> URIRef:
    """The bureau IRI of a report's ``ReportMeta``. When the place name fits several regions
    (朝阳区: 北京 or 长春?) the guessed region is not used, so the bureau is not merged
    with either namesake."""
    if getattr(meta, "region_ambiguous", False):
        return bureau_iri(meta.bureau)
    return bureau_iri(meta.bureau, meta.province, meta.city)


def report_key(meta, sha256: str) -> str:
    """``<qualified bureau>/<year>`` for a report (``ReportMeta``), or a content hash when
    either is unknown. A report whose region is ambiguous also carries its content hash:
    it is never taken for another bureau's report of the same year."""
    if meta.bureau and meta.year:
        key = f"{str(bureau_iri_of(meta)).rsplit('/', 1)[-1]}/{meta.year}"
        return f"{key}/sha-{sha256[:12]}" if getattr(meta, "region_ambiguous", False) else key
    return f"sha-{sha256[:16]}"


def report_iri(key: str) -> URIRef:
    return ID[f"report/{key}"]


def law_iri(name: str) -> URIRef:
    return ID[f"law/{slug(name)}"]


def candidate_iri(name: str) -> URIRef:
    return ID[f"candidate/{slug(name)}"]
