"""Score extraction against a hand-made gold file (format of ``seeds_gold.json``).

Matching is by meaning, not by byte: a gold law matches a predicted law when any of
the gold names (canonical or surface, 《》 and the 中华人民共和国 prefix removed)
equals any predicted name; a gold practice matches a predicted concept when the gold
canonical is one of the concept's labels, or a gold surface and a predicted matched
span contain one another. Per-kind precision/recall/F1 are micro-averaged over
(report, item) pairs; ``misses`` and ``extras`` list what to fix next.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .iris import normalise_name

META_FIELDS = ("bureau", "province", "city", "county", "admin_level", "year", "report_date")


_DASHES = str.maketrans({c: "-" for c in "－—–‐‑‒―~～"})


def _n(s: str) -> str:
    s = normalise_name(s).translate(_DASHES)
    s = re.sub(r"^中华人民共和国", "", s)
    return s.strip("《》〈〉<>“”\"")


@dataclass
class Score:
    tp_pred: int = 0  # predicted items that match some gold item
    n_pred: int = 0
    tp_gold: int = 0  # gold items matched by some prediction
    n_gold: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 1.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "Score") -> None:
        self.tp_pred += other.tp_pred
        self.n_pred += other.n_pred
        self.tp_gold += other.tp_gold
        self.n_gold += other.n_gold
        self.misses += other.misses
        self.extras += other.extras

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "predicted": self.n_pred,
            "gold": self.n_gold,
        }


def _match_sets(gold_items, pred_items, match, label_g, label_p, where: str) -> Score:
    s = Score(n_pred=len(pred_items), n_gold=len(gold_items))
    matched_pred = set()
    for g in gold_items:
        hits = [i for i, p in enumerate(pred_items) if match(g, p)]
        if hits:
            s.tp_gold += 1
            matched_pred.update(hits)
        else:
            s.misses.append(f"{where}: {label_g(g)}")
    s.tp_pred = len(matched_pred)
    s.extras = [f"{where}: {label_p(p)}" for i, p in enumerate(pred_items) if i not in matched_pred]
    return s


def _law_match(g: dict, p: dict) -> bool:
    gn = {_n(g.get("canonical", "")), *(_n(x) for x in g.get("surface", []))} - {""}
    pn = {_n(p["label"]), _n(p.get("full_name") or p["label"]), *(_n(a) for a in p.get("aliases", []))}
    return bool(gn & pn)


def _concept_names(p: dict) -> set[str]:
    return {_n(p["label"]), *(_n(a) for a in p.get("aliases", []))}


def _spans(p: dict) -> list[str]:
    return [_n(e.get("match") or "") for e in p.get("evidence", []) if e.get("match")]


def _practice_match(g: dict, p: dict) -> bool:
    if _n(g.get("canonical", "")) in _concept_names(p):
        return True
    surfaces = [_n(x) for x in g.get("surface", []) if len(_n(x)) >= 2]
    for span in _spans(p):
        for sf in surfaces:
            if span and (span in sf or sf in span):
                return True
    return False


def _problem_cat_match(g: str, p: dict) -> bool:
    return _n(g) in _concept_names(p)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _find(text: str, needle: str) -> tuple[int, int] | None:
    i = text.find(needle)
    if i < 0:
        key = needle[:20]
        i = text.find(key) if key else -1
        if i < 0:
            return None
    return i, i + len(needle)


@dataclass
class Evaluation:
    meta: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> (correct, total)
    meta_errors: list[str] = field(default_factory=list)
    laws: Score = field(default_factory=Score)
    practices: Score = field(default_factory=Score)
    status_correct: int = 0
    status_total: int = 0
    status_errors: list[str] = field(default_factory=list)
    statements: Score = field(default_factory=Score)
    problem_categories: Score = field(default_factory=Score)
    metrics: Score = field(default_factory=Score)

    @property
    def status_accuracy(self) -> float:
        return self.status_correct / self.status_total if self.status_total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "meta": {k: {"correct": c, "total": t} for k, (c, t) in self.meta.items()},
            "laws": self.laws.as_dict(),
            "practices": self.practices.as_dict(),
            "practice_status_accuracy": round(self.status_accuracy, 4),
            "problem_statements": self.statements.as_dict(),
            "problem_categories": self.problem_categories.as_dict(),
            "metrics": self.metrics.as_dict(),
        }


def evaluate_records(gold: list[dict], predicted: list[dict], texts: dict[str, str] | None = None) -> Evaluation:
    """Compare gold entries to ``extract --format json`` records, paired by file name."""
    ev = Evaluation()
    by_name = {Path(p["source"]).name: p for p in predicted}
    for g in gold:
        name = Path(g.get("file") or g.get("source") or "").name
        p = by_name.get(name)
        if p is None:
            ev.meta_errors.append(f"{name}: no prediction (file missing or failed)")
            p = {"laws": [], "practices": [], "problems": [], "problem_statements": [], "metrics": []}
        for f in META_FIELDS:
            c, t = ev.meta.get(f, (0, 0))
            ok = p.get(f) == g.get(f)
            ev.meta[f] = (c + ok, t + 1)
            if not ok:
                ev.meta_errors.append(f"{name}: {f} expected {g.get(f)!r}, got {p.get(f)!r}")

        ev.laws.add(_match_sets(g.get("laws", []), p["laws"], _law_match, lambda x: x.get("canonical"), lambda x: x["label"], name))

        gp = g.get("practices", [])
        sc = _match_sets(gp, p["practices"], _practice_match, lambda x: x.get("canonical"), lambda x: x["label"], name)
        ev.practices.add(sc)
        for gi in gp:
            hits = [x for x in p["practices"] if _practice_match(gi, x)]
            if hits:
                ev.status_total += 1
                statuses = {h.get("status") for h in hits}
                if gi.get("status") in statuses:
                    ev.status_correct += 1
                else:
                    ev.status_errors.append(f"{name}: {gi.get('canonical')} expected {gi.get('status')}, got {sorted(map(str, statuses))}")

        # problem statements: overlap in the report text
        text = (texts or {}).get(name, "")
        stmts = p.get("problem_statements", [])
        s = Score(n_gold=len(g.get("problems", [])), n_pred=len(stmts))
        used = set()
        seen_texts = set()
        for gi in g.get("problems", []):
            gtext = gi.get("text") or gi.get("span") or ""
            span = _find(text, gtext) if text and gtext else None
            hit = None
            for i, st in enumerate(stmts):
                if span:
                    ov = _overlap(span[0], span[1], st["start"], st["end"])
                    if ov >= 0.5 * min(span[1] - span[0], st["end"] - st["start"]):
                        hit = i
                        break
                elif _n(gi.get("span", "")) and _n(gi.get("span", "")) in _n(st["text"]):
                    hit = i
                    break
            if hit is not None:
                s.tp_gold += 1
                used.add(hit)
            elif gtext not in seen_texts:
                s.misses.append(f"{name}: {gtext[:40]}")
            seen_texts.add(gtext)
        s.tp_pred = len(used)
        ev.statements.add(s)

        gold_cats = sorted({gi["canonical"] for gi in g.get("problems", []) if gi.get("canonical")})
        ev.problem_categories.add(
            _match_sets(gold_cats, p["problems"], _problem_cat_match, str, lambda x: x["label"], name)
        )

        gm = g.get("metrics", [])

        def metric_match(gi: dict, x: dict) -> bool:
            try:
                same = abs(float(x["value"]) - float(gi.get("value"))) < 1e-6 * max(1.0, abs(float(gi.get("value"))))
            except (TypeError, ValueError):
                return False
            if not same:
                return False
            quote = _n(x.get("quote") or "")
            gt = _n(gi.get("text", ""))
            m = _n((x.get("evidence") or {}).get("match") or "")
            if not gt or not quote:
                return False
            return gt in quote or bool(m and m in gt) or quote in gt

        ev.metrics.add(
            _match_sets(gm, p.get("metrics", []), metric_match, lambda x: f"{x.get('indicator')}={x.get('value')}",
                        lambda x: f"{x.get('indicator')}={x.get('value')}", name)
        )
    return ev


def load_gold(path: str | Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
