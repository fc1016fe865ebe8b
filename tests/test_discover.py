"""Candidate practices: quoted terms and numeric slogans the taxonomy does not know."""

from __future__ import annotations

from typer.testing import CliRunner

from fazhi_graph.cli import app
from fazhi_graph.curation import list_candidates, turtle_stub
from fazhi_graph.extract.discover import find_candidates
from fazhi_graph.model import Document
from fazhi_graph.segment import segment
from fazhi_graph.textnorm import normalize


def cands(text: str) -> list[str]:
    from fazhi_graph.extract.concepts import match_practices

    report = segment(Document(source="t.txt", text=text, norm=normalize(text)))
    return [c.label for c in find_candidates(report, match_practices(report)[0])]


def test_quoted_mechanism_and_numeric_slogans_become_candidates():
    text = (
        "一、主要举措和成效\n我局创新推行“街长吹哨、部门报到”机制，建立“街巷管家”队伍，"
        "推行“六个一”工作机制和三会合一制度，落实“2411”工作法。"
    )
    got = cands(text)
    assert "街巷管家" in got
    assert "2411" in got
    assert "六个一" in got
    assert "三会合一" in got


def test_known_concepts_emphasis_words_and_law_titles_are_not_candidates():
    text = "我局坚持“721”工作法，群众“获得感”明显增强，执法有“温度”，学习《“十四五”规划》。"
    got = cands(text)
    assert "721" not in got  # a concept in the taxonomy
    assert "获得感" not in got and "温度" not in got


def test_candidate_evidence_quotes_the_original():
    text = "我局設立“街巷管家”隊伍，暢通訴求渠道。"
    doc = Document(source="t.txt", text=text, norm=normalize(text))
    (c,) = [c for c in find_candidates(segment(doc), []) if c.label == "街巷管家"]
    e = c.evidence[0]
    assert text[e.start:e.end] == e.quote and text[e.match_start:e.match_end] == "街巷管家"


def test_discover_lists_candidates_across_the_seed_corpus(seed_build):
    cs = list_candidates(seed_build.graph)
    assert cs and all(c.reports >= 1 and c.bureaus for c in cs)
    stub = turtle_stub(cs[0], 1)
    assert "skos:prefLabel" in stub and cs[0].label in stub


def test_discover_command(seed_build):
    res = CliRunner().invoke(app, ["discover", "-g", str(seed_build.outputs["graph"]), "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == "label,reports,bureaus,quote"
