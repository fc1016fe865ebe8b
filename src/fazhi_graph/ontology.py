"""Load the domain knowledge that lives in ``ontology/`` as Turtle.

Knowledge is data: taxonomies (SKOS), the law gazetteer, lexicons of cue words and
named queries are edited by domain experts without touching Python. This module
only reads them. Everything is parsed once per process and cached.

Lookup order for the ontology folder: ``$FAZHI_ONTOLOGY`` if set, the copy shipped
inside the installed package (``fazhi_graph/ontology``), then the repository's
``ontology/`` (development checkouts).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .namespaces import FZ, LEX


def ontology_dir() -> Path:
    env = os.environ.get("FAZHI_ONTOLOGY")
    if env:
        return Path(env)
    shipped = Path(__file__).resolve().parent / "ontology"
    if shipped.is_dir():
        return shipped
    repo = Path(__file__).resolve().parents[2] / "ontology"
    if repo.is_dir():
        return repo
    raise FileNotFoundError("ontology/ folder not found (set FAZHI_ONTOLOGY)")


@lru_cache(maxsize=4)
def _load(directory: str) -> Graph:
    g = Graph()
    for path in sorted(Path(directory).rglob("*.ttl")):
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # a curator's typo must name the file
            raise ValueError(f"{path}: invalid Turtle: {exc}") from exc
    return g


def ontology_graph() -> Graph:
    """All Turtle files under the ontology folder, merged (cached)."""
    return _load(str(ontology_dir()))


def _zh(literals) -> list[str]:
    out = [str(x) for x in literals if isinstance(x, Literal) and (x.language or "zh").startswith("zh")]
    return sorted(set(out))


def _en(g: Graph, s: URIRef) -> str:
    for x in g.objects(s, SKOS.prefLabel):
        if isinstance(x, Literal) and x.language == "en":
            return str(x)
    return ""


@dataclass(frozen=True)
class Concept:
    """A SKOS concept (practice, problem category, indicator, section kind …)."""

    iri: str
    label: str  # Chinese prefLabel
    label_en: str
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()  # matched but never shown (typos, OCR variants)
    cue_patterns: tuple[str, ...] = ()  # regexes (Python syntax) for looser matching
    exclude_patterns: tuple[str, ...] = ()  # regexes that veto a match in the same sentence
    broader: tuple[str, ...] = ()
    mandated: bool = False
    notation: str = ""  # short machine id (skos:notation), e.g. penalty_cases
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.alt_labels, *self.hidden_labels)


@lru_cache(maxsize=16)
def concepts(rdf_class: str) -> tuple[Concept, ...]:
    """Every concept typed ``rdf_class`` (e.g. ``str(FZ.Practice)``), sorted by IRI."""
    g = ontology_graph()
    out = []
    for s in sorted(set(g.subjects(RDF.type, URIRef(rdf_class))), key=str):
        zh = [x for x in g.objects(s, SKOS.prefLabel) if isinstance(x, Literal) and x.language != "en"]
        label = str(zh[0]) if zh else str(s).rsplit("/", 1)[-1]
        out.append(
            Concept(
                iri=str(s),
                label=label,
                label_en=_en(g, s),
                alt_labels=tuple(x for x in _zh(g.objects(s, SKOS.altLabel)) if x != label),
                hidden_labels=tuple(_zh(g.objects(s, SKOS.hiddenLabel))),
                cue_patterns=tuple(sorted(str(x) for x in g.objects(s, FZ.cuePattern))),
                exclude_patterns=tuple(sorted(str(x) for x in g.objects(s, FZ.excludePattern))),
                broader=tuple(sorted(str(x) for x in g.objects(s, SKOS.broader))),
                mandated=any(bool(x.toPython()) for x in g.objects(s, FZ.mandated)),
                notation=next((str(x) for x in g.objects(s, SKOS.notation)), ""),
            )
        )
    for c in out:
        for p in c.cue_patterns + c.exclude_patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"ontology: bad regex {p!r} on {c.iri}: {exc}") from exc
    return tuple(out)


@lru_cache(maxsize=64)
def lexicon(name: str) -> tuple[str, ...]:
    """Terms of the lexicon ``fzlex:NAME`` (``fz:term`` literals), longest first.

    Lexicons are the small cue-word lists the pipeline needs (section-kind cues,
    plan markers, organisation suffixes …). They live in ontology/lexicon/*.ttl.
    """
    g = ontology_graph()
    terms = {str(x) for x in g.objects(LEX[name], FZ["term"])}
    if not terms and (LEX[name], RDF.type, FZ.Lexicon) not in g:
        raise KeyError(f"lexicon fzlex:{name} is not defined in {ontology_dir()}")
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


@lru_cache(maxsize=64)
def lexicon_patterns(name: str) -> tuple[str, ...]:
    """Regexes (``fz:pattern``) of the lexicon ``fzlex:NAME``, in sorted order."""
    g = ontology_graph()
    return tuple(sorted(str(x) for x in g.objects(LEX[name], FZ.pattern)))


def queries_dir() -> Path:
    return ontology_dir() / "queries"
