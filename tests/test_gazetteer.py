"""Gazetteer: places at a date, history the package lacks, aliases, sites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import gazetteer as g
from extractor.normalize import name_key

# shared/ lies beside the main checkout, here and in CI.
GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold"

# Names shared by several communes of one province: the gold's district is needed to
# pick one (the extractor passes the article's district).
NEEDS_DISTRICT = {("Hòa Bình", "xã", "Lạng Sơn")}


def _gold_places() -> list[tuple]:
    seen: dict[tuple, str] = {}
    for path in sorted(GOLD.glob("*.json")):
        for fact in json.loads(path.read_text(encoding="utf-8"))["facts"]:
            if fact.get("unit") == "cả nước":
                continue
            key = (fact["locality"], fact["unit"], fact["province"], fact.get("district"),
                   fact["date"])
            seen.setdefault(key, path.name[:3])
    return [pytest.param(*k, id=f"{f}-{k[1]}-{k[0]}-{k[4]}") for k, f in seen.items()]


@pytest.mark.skipif(not GOLD.is_dir(), reason="shared/gold not available")
@pytest.mark.parametrize("locality, unit, province, district, date", _gold_places())
def test_gold_place_resolves(locality, unit, province, district, date):
    extra = {"district": district} if (locality, unit, province) in NEEDS_DISTRICT else {}
    found = g.find(locality, unit=unit, province=province, date=date, **extra)
    assert len(found) == 1, found
    assert found[0].district == district
    assert found[0].province == province


def test_ambiguous_gold_place_without_district():
    found = g.find("Hòa Bình", unit="xã", province="Lạng Sơn", date="2021")
    assert {p.district for p in found} >= {"Chi Lăng", "Hữu Lũng"}


@pytest.mark.parametrize("name, kwargs, expected", [
    pytest.param("Yên Dũng", {"unit": "huyện", "date": "2018"}, ("Bắc Giang", None),
                 id="history-yen-dung-2018"),
    pytest.param("Neo", {"unit": "TT", "date": "2018-01-12"}, ("Bắc Giang", "Yên Dũng"),
                 id="history-tt-neo-2018"),
    pytest.param("Mỹ Lộc", {"unit": "thị trấn", "date": "2023"}, ("Nam Định", "Mỹ Lộc"),
                 id="history-tt-my-loc"),
    pytest.param("Mỹ Tân", {"unit": "xã", "province": "Nam Định", "date": "2023"},
                 ("Nam Định", "Mỹ Lộc"), id="history-xa-my-tan"),
    pytest.param("Mỹ Phúc", {"unit": "xã", "province": "Nam Định", "date": "2022"},
                 ("Nam Định", "Mỹ Lộc"), id="history-xa-my-phuc"),
    pytest.param("Mỹ Thắng", {"unit": "xã", "province": "Nam Định", "date": "2024-06"},
                 ("Nam Định", "Mỹ Lộc"), id="history-xa-my-thang"),
    pytest.param("Mỹ Tân", {"unit": "xã", "province": "Nam Định", "date": "2025-03"},
                 ("Nam Định", "Nam Định"), id="after-merger-my-tan-in-tp-nam-dinh"),
    pytest.param("Hương Gián", {"date": "2025-02"}, ("Bắc Giang", "Bắc Giang"),
                 id="after-merger-phuong-huong-gian"),
    pytest.param("Hàm Yên", {"unit": "xã", "date": "2025-09"}, ("Tuyên Quang", None),
                 id="new-era-xa-ham-yen"),
    pytest.param("Phú Yên", {"unit": "phường", "date": "2025-11"}, ("Đắk Lắk", None),
                 id="new-era-phuong-phu-yen"),
    pytest.param("Phú Yên", {"level": 1, "date": "2020"}, ("Phú Yên", None),
                 id="legacy-province-phu-yen"),
    pytest.param("Đăk Hà", {"unit": "huyện", "province": "Kon Tum", "date": "2021"},
                 ("Kon Tum", None), id="spelling-dak-ha-gold"),
    pytest.param("Đắk Hà", {"unit": "huyện", "date": "2021"}, ("Kon Tum", None),
                 id="alias-dak-ha-press"),
    pytest.param("Thừa Thiên Huế", {"date": "2020"}, ("Huế", None), id="alias-tt-hue"),
    pytest.param("TP Sông Công", {"date": "2021"}, ("Thái Nguyên", None),
                 id="tp-prefix-in-name"),
    pytest.param("Gia Ray", {"unit": "TT", "date": "2017-04-05"}, ("Đồng Nai", "Xuân Lộc"),
                 id="tt-expansion"),
    pytest.param("Mỹ Tú", {"unit": "xã", "district": "Mỹ Tú", "date": "2022"},
                 ("Sóc Trăng", "Mỹ Tú"), id="nested-xa-named-like-district"),
    pytest.param("HOÀ BÌNH", {"unit": "xã", "district": "huyện Chi Lăng", "date": "2021"},
                 ("Lạng Sơn", "Chi Lăng"), id="case-tone-placement-district-word"),
])
def test_find_one(name, kwargs, expected):
    found = g.find(name, **kwargs)
    assert len(found) == 1, found
    assert (found[0].province, found[0].district) == expected


@pytest.mark.parametrize("name, kwargs", [
    pytest.param("Yên Dũng", {"unit": "huyện", "date": "2025-03"}, id="yen-dung-gone-2025"),
    pytest.param("Neo", {"unit": "thị trấn", "date": "2021"}, id="tt-neo-gone-2020"),
    pytest.param("Hàm Yên", {"unit": "xã", "date": "2024"}, id="xa-ham-yen-not-legacy"),
    pytest.param("Hà Giang", {"level": 1, "date": "2025-09"}, id="ha-giang-merged"),
    pytest.param("Xuân Lộc", {"unit": "nonsense"}, id="unknown-unit"),
    pytest.param("Đăk Hà", {"unit": "huyện", "province": "Gia Lai", "date": "2021"},
                 id="alias-respects-province"),
])
def test_find_none(name, kwargs):
    assert g.find(name, **kwargs) == []


@pytest.mark.parametrize("name", ["Hà Giang", "Kon Tum", "Hậu Giang", "Bạc Liêu",
                                  "Sóc Trăng", "Quảng Bình", "Yên Bái", "Bình Dương"])
def test_merged_provinces_only_legacy(name):
    assert g.province(name, "2024") is not None
    assert g.province(name, "2025-09") is None


@pytest.mark.parametrize("name, kwargs", [
    pytest.param("Đa Krông", {"unit": "huyện"}, id="package-spelling"),
    pytest.param("Đakrông", {"unit": "huyện"}, id="own-spelling"),
    pytest.param("Hướng Hiệp", {"unit": "xã", "date": "2022"}, id="its-commune"),
])
def test_unit_keeps_its_own_spelling(name, kwargs):
    """The package writes huyện "Đa Krông"; the district, its province and the press write
    "Đakrông", and facts must name it so, and so must its communes' district."""
    place = g.find(name, **kwargs)[0]
    assert "Đakrông" in (place.name, place.district)
    assert "Đa Krông" not in (place.name, place.district)


def test_province_counts_and_spelling():
    assert len(g.children(g.COUNTRY, "2024")) == 63
    assert len(g.children(g.COUNTRY, "2025-09")) == 34
    assert g.province("Dak Lak").name == "Đắk Lắk"
    assert g.province("tỉnh Đồng Nai").code == "75"


def test_bare_name_is_ambiguous():
    assert len(g.find("Tân Phú")) > 10
    assert g.infer_district(["Tân Phú"], date="2020") is None
    # Two communes of Bình Phước are called Tân Phú: one name cannot choose.
    assert g.infer_district(["Tân Phú"], province="Bình Phước", date="2020") is None


@pytest.mark.parametrize("names, province, date, expected", [
    pytest.param(["Hương Gián", "Trí Yên", "Thắng Cương", "thị trấn Neo", "Tân Dân"], None,
                 "2018-01-12", ("Yên Dũng", "Bắc Giang"), id="yen-dung"),
    pytest.param(["Châu Hòa", "Phong Nẫm", "Sơn Phú", "Lương Quới"], None, "2020-11-30",
                 ("Giồng Trôm", "Bến Tre"), id="giong-trom"),
    pytest.param(["Quy Mông"], "Yên Bái", "2024-09", ("Trấn Yên", "Yên Bái"),
                 id="quy-mong-with-province"),
    pytest.param(["Lang Minh", "Suối Cát", "Xuân Hưng"], "Đồng Nai", "2017",
                 ("Xuân Lộc", "Đồng Nai"), id="xuan-loc"),
])
def test_infer_district(names, province, date, expected):
    place = g.infer_district(names, province=province, date=date)
    assert place is not None and (place.name, place.province) == expected


def test_infer_district_none_in_new_era():
    assert g.infer_district(["Hàm Yên", "Bình Xa"], date="2025-09") is None


def test_children_legacy_and_new():
    yen_dung = g.find("Yên Dũng", unit="huyện", date="2018")[0]
    names = {p.name for p in g.children(yen_dung, "2018")}
    assert {"Hương Gián", "Trí Yên", "Thắng Cương", "Neo", "Tân Dân"} <= names
    assert "Nham Biền" not in names  # created 2020
    tuyen_quang = g.province("Tuyên Quang", "2025-09")
    assert any(p.name == "Hàm Yên" for p in g.children(tuyen_quang, "2025-09"))


@pytest.mark.parametrize("date, expected", [
    (None, "legacy"), ("2024", "legacy"), ("2025-H1", "legacy"), ("2025-06-30", "legacy"),
    ("2025-Q2", "legacy"), ("2025-07", "new"), ("2025-Q3", "new"), ("2025", "new"),
    ("2025-07-01", "new"), ("2026", "new"),
])
def test_era(date, expected):
    assert g.era(date) == expected


def test_period():
    assert g.period("2019-Q2") == ("2019-04-01", "2019-06-30")
    assert g.period("2022-H1") == ("2022-01-01", "2022-06-30")
    with pytest.raises(ValueError):
        g.period("30/6/2022")


@pytest.mark.parametrize("text, expected", [
    ("TT Gia Ray", ("thị trấn", "Gia Ray")), ("TP. Sông Công", ("thành phố", "Sông Công")),
    ("tx Ninh Hòa", ("thị xã", "Ninh Hòa")), ("Q. Ô Môn", ("quận", "Ô Môn")),
    ("huyện Xuân Lộc", ("huyện", "Xuân Lộc")), ("Phú Yên", (None, "Phú Yên")),
    ("P Mỹ Long", (None, "P Mỹ Long")),
])
def test_split_unit(text, expected):
    assert g.split_unit(text) == expected


@pytest.mark.parametrize("host, expected", [
    ("baobacninh.vn", "Bắc Ninh"), ("https://www.baoquangtri.vn/x/y.htm", "Quảng Trị"),
    ("baothainguyen.vn", "Thái Nguyên"), ("baogialai.com.vn", "Gia Lai"),
    ("baodongkhoi.vn", "Bến Tre"), ("m.baohagiang.vn", "Hà Giang"),
    ("baokiengiang.vn", "Kiên Giang"), ("baodaklak.vn", "Đắk Lắk"),
    ("xuanloc.dongnai.gov.vn", "Đồng Nai"), ("https://bacgiang.gov.vn/", "Bắc Giang"),
    ("baria-vungtau.gov.vn", "Bà Rịa - Vũng Tàu"), ("moh.gov.vn", None),
    ("vnexpress.net", None), ("", None),
])
def test_province_for_host(host, expected):
    assert g.province_for_host(host) == expected


@pytest.mark.parametrize("abbrev, host, expected", [
    ("(BN)", None, "Bắc Ninh"), ("QT", None, "Quảng Trị"), ("(TN)", None, "Thái Nguyên"),
    ("(GL)", "baogialai.com.vn", "Gia Lai"), ("(BGĐT)", None, "Bắc Giang"),
    ("(Baodaklak.vn)", None, "Đắk Lắk"), ("(XYZ)", None, None),
])
def test_province_for_dateline(abbrev, host, expected):
    assert g.province_for_dateline(abbrev, host) == expected


def test_all_names_era():
    legacy = g.all_names("2018")
    new = g.all_names("2025-09")
    assert any(p.district == "Yên Dũng" for p in legacy[name_key("Hương Gián")])
    assert all(p.district is None for p in new[name_key("Hàm Yên")])
    assert any(p.name == "Đăk Hà" for p in legacy[name_key("Đắk Hà")])


def test_the_provinces_each_of_the_34_was_formed_from():
    assert g.former_parts("Cần Thơ") == ["Cần Thơ", "Hậu Giang", "Sóc Trăng"]
    assert g.former_parts("Hà Nội") == ["Hà Nội"]
    assert g.former_parts("Sóc Trăng") == []  # no longer one of the 34
