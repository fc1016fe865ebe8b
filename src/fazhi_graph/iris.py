"""Stable IRIs derived from normalised names.

The same bureau written with full-width brackets, stray spaces or a traditional
character gets the same IRI, and nothing random ever enters an IRI, so two builds
of the same inputs are byte-identical and IRIs can be cited in papers.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from rdflib import URIRef

from .namespaces import ID
from .textnorm import normalize

_UNSAFE = re.compile(r"[\s<>\"{}|\\^`#?%/]+")


def normalise_name(name: str) -> str:
    """Canonical form of a name for identity: NFKC, simplified, no whitespace or quotes."""
    s = unicodedata.normalize("NFKC", normalize(name))
    s = re.sub(r"\s+", "", s)
    return s.strip("《》“”\"'「」『』")


def slug(name: str) -> str:
    """An IRI-safe path segment that keeps Chinese characters readable."""
    s = _UNSAFE.sub("-", normalise_name(name)).strip("-")
    # Percent-encode only ASCII that IRIs forbid; Chinese stays readable (RFC 3987 ucschar).
    return "".join(ch if ord(ch) > 127 else quote(ch, safe="-_.~()·") for ch in s) or "_"


def bureau_iri(name: str) -> URIRef:
    return ID[f"bureau/{slug(name)}"]


def region_iri(adcode_or_name: str) -> URIRef:
    return ID[f"region/{slug(adcode_or_name)}"]


def report_key(bureau: str | None, year: int | None, sha256: str) -> str:
    if bureau and year:
        return f"{slug(bureau)}/{year}"
    return f"sha-{sha256[:16]}"


def report_iri(key: str) -> URIRef:
    return ID[f"report/{key}"]


def law_iri(name: str) -> URIRef:
    return ID[f"law/{slug(name)}"]


def candidate_iri(name: str) -> URIRef:
    return ID[f"candidate/{slug(name)}"]
