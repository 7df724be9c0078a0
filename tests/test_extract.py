"""Extraction of every metric, place, date and distractor, from miniature articles."""

from pathlib import Path

import pytest
import yaml

from extractor import extract
from extractor.normalize import name_key
from extractor.read import text_to_article

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "extract.yml").read_text("utf-8"))


def _matches(fact, want) -> bool:
    metric, value, locality, date, *rest = want
    ok = (fact.metric == metric and abs(float(fact.value) - float(value)) < 1e-9
          and name_key(fact.locality or "") == name_key(locality) and fact.date == date)
    if rest:
        ok = ok and fact.qualifier == rest[0]
    if len(rest) > 1:
        ok = ok and fact.group == rest[1]
    return ok


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_extract(case):
    article = text_to_article(case["text"], "case.txt", url=case.get("url"))
    facts = extract(article)
    shown = [(f.metric, f.value, f.locality, f.date, f.qualifier, f.group) for f in facts]
    for want in case["expect"]:
        assert any(_matches(f, want) for f in facts), f"{want} not in {shown}"
    if case.get("only"):
        assert len(facts) == len(case["expect"]), shown
    for unwanted in case.get("absent") or []:
        assert not any(_matches(f, unwanted) for f in facts), f"{unwanted} in {shown}"
    for f in facts:
        assert article.text[f.start:f.end] == f.surface
        assert f.surface in f.evidence
    for name, (unit, province, district) in (case.get("places") or {}).items():
        found = [f for f in facts if f.locality == name]
        assert found, f"no fact about {name}: {shown}"
        assert (found[0].unit, found[0].province, found[0].district) == (unit, province, district)


def test_a_crawl_date_in_the_page_metadata_does_not_date_the_figures():
    """A page's metadata carries the day it was crawled, years after the article."""
    from extractor.read import html_to_article

    page = ("<html><head><title>Phù Mỹ: tỷ lệ bao phủ BHYT đạt 84,1%</title>"
            '<meta property="article:published_time" content="2025-11-20"></head><body>'
            "<article><h1>Phù Mỹ: tỷ lệ bao phủ BHYT đạt 84,1%</h1><p>Theo báo cáo của BHXH "
            "huyện Phù Mỹ, tính đến ngày 30/9, toàn huyện có 140.112 người tham gia BHYT, đạt "
            "tỷ lệ 84,1% dân số. Năm 2017, huyện phấn đấu đạt 85%.</p>"
            "<p>Các xã ven biển còn nhiều lao động tự do chưa tham gia bảo hiểm y tế, nên "
            "huyện sẽ tăng cường tuyên truyền trong những tháng cuối năm.</p></article>"
            "</body></html>")
    article = html_to_article(page, "https://phumy.binhdinh.gov.vn/tin-tuc/phu-my-bhyt.html",
                              url="https://phumy.binhdinh.gov.vn/tin-tuc/phu-my-bhyt.html",
                              form="jsonl")
    dates = {f.metric: f.date for f in extract(article) if f.locality == "Phù Mỹ"}
    assert dates["participants"] == "2017-09-30"
