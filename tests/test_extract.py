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
    for f in facts:
        assert article.text[f.start:f.end] == f.surface
        assert f.surface in f.evidence
    for name, (unit, province, district) in (case.get("places") or {}).items():
        found = [f for f in facts if f.locality == name]
        assert found, f"no fact about {name}: {shown}"
        assert (found[0].unit, found[0].province, found[0].district) == (unit, province, district)
