"""Help a curator grow the taxonomy: list candidate practices across the corpus.

Candidates are quoted terms and numeric slogans that matched no concept. Seeing how
many bureaus use one, and in which words, is what decides whether it deserves a
concept; ``turtle_stub`` prints the lines to paste into ontology/practices.ttl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph

from .namespaces import PREFIXES

_Q = """
SELECT ?label ?bureau ?source ?quote WHERE {
  ?c a fz:CandidatePractice ; rdfs:label ?label .
  ?r fz:mentionsCandidate ?c ; fz:source ?source .
  OPTIONAL { ?r fz:issuedBy/rdfs:label ?bureau }
  OPTIONAL { ?e rdf:subject ?r ; rdf:predicate fz:mentionsCandidate ; rdf:object ?c ; fz:quote ?quote }
}"""


@dataclass
class CandidateSummary:
    label: str
    reports: int = 0
    bureaus: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def list_candidates(graph: Graph, *, min_reports: int = 1) -> list[CandidateSummary]:
    """Candidates with the number of reports, the bureaus and sample quotes; most used first."""
    acc: dict[str, dict] = {}
    for row in graph.query(_Q, initNs=PREFIXES):
        a = acc.setdefault(str(row.label), {"sources": set(), "bureaus": set(), "quotes": set()})
        a["sources"].add(str(row.source))
        if row.bureau is not None:
            a["bureaus"].add(str(row.bureau))
        if row.quote is not None:
            a["quotes"].add(str(row.quote))
    out = [
        CandidateSummary(label, len(a["sources"]), sorted(a["bureaus"]), sorted(a["quotes"])[:3])
        for label, a in acc.items()
        if len(a["sources"]) >= min_reports
    ]
    return sorted(out, key=lambda c: (-c.reports, c.label))


def turtle_stub(c: CandidateSummary, index: int) -> str:
    """Lines a curator pastes into ontology/practices.ttl (then fills in the English label)."""
    quote = (c.quotes[0] if c.quotes else "").replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"# seen in {c.reports} report(s): {'、'.join(c.bureaus)}\n"
        f"# e.g. {quote[:80]}\n"
        f"fzp:candidate-{index:03d} a fz:Practice , skos:Concept ;\n"
        f"    skos:inScheme fzp:scheme ;\n"
        f'    skos:prefLabel "{c.label}"@zh , "TODO English label"@en .\n'
    )
