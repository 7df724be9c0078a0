"""Number and date forms as Vietnamese articles write them."""

from pathlib import Path

import pytest
import yaml

from extractor.dates import date_from_url, find_time_phrases, parse_published
from extractor.numbers import find_numbers

CASES = Path(__file__).parent / "cases"


def _cases(name: str) -> list:
    return yaml.safe_load((CASES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _cases("numbers.yml"), ids=lambda c: c["text"])
def test_numbers(case):
    found = find_numbers(case["text"])
    got = [[float(n.value), n.percent, n.qualifier] for n in found]
    assert got == [[float(v), p, q] for v, p, q in case["expect"]]
    for n in found:
        assert case["text"][n.start:n.end] == n.surface


@pytest.mark.parametrize("case", _cases("dates.yml"), ids=lambda c: c["text"])
def test_time_phrases(case):
    found = find_time_phrases(case["text"], published=case.get("published"))
    assert [[p.value, p.kind] for p in found] == case["expect"]


@pytest.mark.parametrize("value, expected", [
    ("2023-10-12T08:30:00+07:00", "2023-10-12"),
    ("12/10/2023", "2023-10-12"),
    ("2020-04", "2020-04"),
    ("04/2020", "2020-04"),
    ("15/03/2020 09:12:05", "2020-03-15"),
    ("Thứ Hai, ngày 15 tháng 01 năm 2024 08:30", "2024-01-15"),
    ("Mon, 15 Jan 2024 20:30:00 +0000", "2024-01-16"),  # 03:30 in Vietnam
    ("1705339800", "2024-01-16"),
    ("1705339800000", "2024-01-16"),
    ("08:30", None),
    ("", None),
])
def test_parse_published(value, expected):
    assert parse_published(value) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://baobacninh.vn/tin-tuc/202004/bhyt-123.html", "2020-04"),
    ("https://example.vn/2021/06/bao-hiem.html", "2021-06"),
    ("https://baoquangtri.vn/bhyt-20200415-1234.htm", "2020-04-15"),
    ("https://example.vn/bao-hiem-y-te.html", None),
])
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected
