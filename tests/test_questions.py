"""The users' questions about the seeds, answered with SPARQL over the built graph.ttl.

Each test runs the query a reviewer would write against ``graph.ttl`` (parsed back
from disk, as a user would) and asserts the gold answer from
``shared/eval/seeds_gold_questions.json``."""

from __future__ import annotations

import pytest
from rdflib import Graph

from fazhi_graph.namespaces import PREFIXES


@pytest.fixture(scope="module")
def g(seed_build) -> Graph:
    graph = Graph()
    graph.parse(seed_build.outputs["graph"], format="turtle")
    return graph


def answer(questions, start: str):
    for q in questions:
        if q["question"].startswith(start):
            return q["answer"]
    raise KeyError(start)


def bureaus_for(g: Graph, practice_label: str, rels=("fz:adopts", "fz:plans")) -> set[str]:
    q = f"""
    SELECT DISTINCT ?bureau WHERE {{
      ?p a fz:Practice . {{ ?p skos:prefLabel ?l }} UNION {{ ?p skos:altLabel ?l }}
      FILTER(STR(?l) = ?label)
      ?r {'|'.join(rels)} ?p ; fz:issuedBy/rdfs:label ?bureau .
    }}"""
    from rdflib import Literal

    return {str(r.bureau) for r in g.query(q, initNs=PREFIXES, initBindings={"label": Literal(practice_label)})}


def test_721_work_method(g, questions):
    assert bureaus_for(g, "721工作法") == set(answer(questions, "Which bureaus report using the 721"))


def test_721_quotes_are_the_reports_words(g):
    q = """
    SELECT ?bureau ?quote WHERE {
      ?p skos:prefLabel "721工作法"@zh .
      ?e rdf:subject ?r ; rdf:predicate fz:adopts ; rdf:object ?p ; fz:quote ?quote .
      ?r fz:issuedBy/rdfs:label ?bureau .
    }"""
    rows = list(g.query(q, initNs=PREFIXES))
    assert rows
    assert all("721" in str(r.quote) for r in rows)


def test_bureaus_in_henan(g, questions):
    q = """SELECT DISTINCT ?bureau WHERE { ?b fz:province/rdfs:label "河南省"@zh ; rdfs:label ?bureau }"""
    got = {str(r.bureau) for r in g.query(q, initNs=PREFIXES)}
    assert got == set(answer(questions, "Which bureaus are in 河南省"))


def test_chengguan_into_communities(g, questions):
    assert bureaus_for(g, "城管进社区") == set(answer(questions, "Which bureaus mention 城管进社区"))


def test_laws_cited_by_at_least_two_bureaus(g, questions):
    q = """
    SELECT ?law (GROUP_CONCAT(DISTINCT ?bureau; separator="|") AS ?bs) WHERE {
      ?r fz:cites ?l ; fz:issuedBy/rdfs:label ?bureau .
      { ?l fz:shortName ?law } UNION { FILTER NOT EXISTS { ?l fz:shortName ?x } ?l rdfs:label ?law }
    } GROUP BY ?law HAVING (COUNT(DISTINCT ?bureau) >= 2)"""
    got = {str(r.law): set(str(r.bs).split("|")) for r in g.query(q, initNs=PREFIXES)}
    for law, bureaus in answer(questions, "Which laws are cited by at least 2").items():
        assert got.get(law) == set(bureaus), law


def test_three_enforcement_systems_in_report_year(g, questions):
    got = bureaus_for(g, "行政执法三项制度", rels=("fz:adopts",))
    assert got == set(answer(questions, "Which bureaus report implementing the 行政执法三项制度"))


def test_years_covered(g, questions):
    q = """SELECT ?bureau ?year WHERE { ?r fz:issuedBy/rdfs:label ?bureau ; fz:year ?year }"""
    got: dict[str, set[str]] = {}
    for r in g.query(q, initNs=PREFIXES):
        got.setdefault(str(r.year), set()).add(str(r.bureau))
    assert got == {y: set(b) for y, b in answer(questions, "Which year does each report cover").items()}


def test_first_violation_status(g, questions):
    expected = answer(questions, "Which bureaus mention 首违不罚")
    done = bureaus_for(g, "首违不罚", rels=("fz:adopts",))
    planned = bureaus_for(g, "首违不罚", rels=("fz:plans",))
    got = {}
    for b in done | planned:
        got[b] = "both" if b in done and b in planned else ("done" if b in done else "planned")
    assert got == expected


def test_shared_problems_at_least_three(g, questions):
    q = """
    SELECT ?problem (GROUP_CONCAT(DISTINCT ?bureau; separator="|") AS ?bs) WHERE {
      ?r fz:reportsProblem ?c ; fz:issuedBy/rdfs:label ?bureau .
      ?c skos:prefLabel ?problem FILTER(lang(?problem) = "zh")
    } GROUP BY ?problem HAVING (COUNT(DISTINCT ?bureau) >= 3)"""
    got = {str(r.problem): set(str(r.bs).split("|")) for r in g.query(q, initNs=PREFIXES)}
    expected = {k: set(v) for k, v in answer(questions, "Which problems (from the shortcomings").items()}
    assert got == expected
