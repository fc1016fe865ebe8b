"""Generate a synthetic corpus of N rule-of-law reports for benchmarking.

Reports recombine hand-written template sentences (achievements, problems, plans,
figures, law citations) with practice and problem labels from the ontology, for
bureaus built from real prefectures and counties (``fazhi_graph.regions``) and
several departments, each reporting for several years. Seeded, so a given N always
yields the same corpus. Not product code: the Chinese here is test text.

    python bench/generate.py 1000 /tmp/corpus-1000
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

DEPARTMENTS = ["人民政府", "司法局", "市场监督管理局", "城市管理局", "生态环境局", "自然资源局", "交通运输局",
               "应急管理局", "卫生健康委员会", "教育局", "公安局", "住房和城乡建设局", "农业农村局", "税务局"]
LAWS = ["《中华人民共和国行政处罚法》", "《中华人民共和国行政许可法》", "《中华人民共和国行政复议法》",
        "《中华人民共和国行政诉讼法》", "《中华人民共和国民法典》", "《中华人民共和国宪法》", "《优化营商环境条例》",
        "《重大行政决策程序暂行条例》", "《法治政府建设实施纲要（2021－2025年）》", "《中华人民共和国安全生产法》",
        "《中华人民共和国食品安全法》", "《中华人民共和国土地管理法》", "《城市市容和环境卫生管理条例》",
        "《中华人民共和国政府信息公开条例》", "《中华人民共和国环境保护法》"]
OPENING = ("{year}年，{bureau}在{upper}的坚强领导下，坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
           "全面落实法治政府建设实施纲要，扎实推进依法行政各项工作。现将有关情况报告如下：")
DONE = [
    "全面推行{p}，制定实施方案，明确责任分工，确保各项措施落到实处。",
    "深入推进{p}，全年共开展专项行动{n}次，取得明显成效。",
    "认真落实{p}，建立健全工作台账，做到件件有回应、事事有着落。",
    "持续深化{p}，进一步规范执法行为，提升执法公信力。",
    "严格执行{law}，组织开展专题学习{n}场次，参训干部职工{m}人次。",
    "围绕{law}的贯彻实施，开展执法案卷评查，评查案卷{n}卷，整改问题{k}个。",
    "全年办理行政处罚案件{n}件，罚没款{m}万元，行政复议案件{k}件，无一被纠错。",
    "共受理群众投诉举报{n}件，办结率100%，群众满意度达到{pct}%以上。",
    "组织开展普法宣传活动{n}场次，发放宣传资料{m}余份，营造了尊法学法守法用法的良好氛围。",
]
PROBLEMS = [
    "一是{q}问题仍然存在，个别执法人员依法行政意识有待进一步增强。",
    "二是{q}方面还有差距，执法队伍专业化水平不高。",
    "三是{q}，基层执法力量相对薄弱，与新形势新要求还不相适应。",
]
PLANS = [
    "下一步，我们将继续深化{p}，不断提升法治政府建设水平。",
    "{year1}年，将进一步推进{p}，健全完善长效机制。",
    "持续加大{law}宣传贯彻力度，推动依法行政工作再上新台阶。",
]


def _labels():
    from fazhi_graph.namespaces import FZ
    from fazhi_graph.ontology import concepts

    practices = sorted(c.label for c in concepts(str(FZ.Practice)) if c.label)
    problems = sorted(c.label for c in concepts(str(FZ.Problem)) if c.label)
    return practices, problems


def bureaus(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(bureau, upper body) pairs over real prefectures and counties."""
    from fazhi_graph.regions import all_regions, get

    regions = [r for r in all_regions() if r.level in ("city", "county", "district", "county-level-city")]
    out = []
    for i in range(n):
        r = regions[rng.randrange(len(regions))]
        dept = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        parent = get(r.parent) if r.parent else None
        upper = f"{r.name}委、{r.name}政府" if dept != "人民政府" else f"{parent.name if parent else ''}委、{parent.name if parent else ''}政府"
        out.append((f"{r.name}{dept}", upper))
    return out


def report(rng: random.Random, bureau: str, upper: str, year: int, practices, problems) -> str:
    def fill(t: str) -> str:
        return t.format(p=rng.choice(practices), q=rng.choice(problems), law=rng.choice(LAWS), n=rng.randint(3, 900),
                        m=rng.randint(100, 90000), k=rng.randint(1, 60), pct=rng.randint(90, 99), year1=year + 1)

    parts = [f"{bureau}{year}年法治政府建设工作情况报告", "", OPENING.format(year=year, bureau=bureau, upper=upper), "",
             "一、主要工作及成效", ""]
    heads = ["（一）加强组织领导，压实法治建设责任", "（二）深化行政执法改革，推进严格规范公正文明执法",
             "（三）强化权力制约监督，规范行政权力运行", "（四）加强法治宣传教育，营造良好法治氛围",
             "（五）依法化解矛盾纠纷，维护社会和谐稳定"]
    for h in rng.sample(heads, k=rng.randint(4, 5)):
        parts += [h, ""]
        parts.append("".join(fill(rng.choice(DONE)) for _ in range(rng.randint(12, 20))))
        parts.append("")
    parts += ["二、存在的问题和不足", "", "".join(fill(t) for t in PROBLEMS), "",
              "三、下一步工作打算", "", "".join(fill(rng.choice(PLANS)) for _ in range(rng.randint(3, 6))), "",
              bureau, f"{year + 1}年{rng.randint(1, 3)}月{rng.randint(1, 28)}日", ""]
    return "\n".join(parts)


def generate(n: int, out: str | Path, *, seed: int = 20240101, years_per_bureau: int = 5) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    practices, problems = _labels()
    pairs = bureaus(rng, max(1, n // years_per_bureau + 1))
    seen: set[tuple[str, int]] = set()
    paths = []
    i = 0
    while len(paths) < n:
        bureau, upper = pairs[i % len(pairs)]
        year = 2019 + (i // len(pairs)) % 7
        i += 1
        if (bureau, year) in seen:
            continue
        seen.add((bureau, year))
        p = out / f"{len(paths):05d}.txt"
        p.write_text(report(rng, bureau, upper, year, practices, problems), encoding="utf-8")
        paths.append(p)
    return paths


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    n = int(sys.argv[1])
    paths = generate(n, sys.argv[2])
    print(f"wrote {len(paths)} reports ({sum(p.stat().st_size for p in paths) / 1e6:.1f} MB) to {sys.argv[2]}")
