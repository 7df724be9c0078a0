"""The scorer, on hand-made gold where the right answer is known, and the extractor on gold."""

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.evaluate import evaluate


def fact(metric, value, locality="Xuân Lộc", group=None, date="2017", **kw):
    return {"metric": metric, "value": value, "locality": locality, "group": group,
            "date": date, "unit": "huyện", "province": "Đồng Nai", "district": None,
            "qualifier": "exact", **kw}


GOLD = {"a.txt": {"facts": [
    fact("participants", 174752), fact("coverage_rate", 72.49),
    fact("coverage_rate", 66, "Lang Minh"), fact("population", 241077),
    fact("coverage_rate", 100, group="học sinh", optional=True),
], "checks": []}}


def test_perfect_extraction_scores_one():
    found = {"a.txt": [fact("participants", 174752), fact("coverage_rate", 72.494),
                       fact("coverage_rate", 66, "lang minh"), fact("population", 241077)]}
    r = evaluate(found, GOLD)
    assert (r.overall.hits, r.overall.false_finds, r.overall.misses) == (4, 0, 0)
    assert r.overall.f1 == 1.0


def test_pages_are_matched_by_their_whole_address():
    """Two sites may use one file name; a file source may be written with or without its
    suffix."""
    a = "https://hatinh.baohiemxahoi.gov.vn/tintuc/Pages/tin.aspx?ItemID=1"
    b = "https://hagiang.baohiemxahoi.gov.vn/tintuc/Pages/tin.aspx?ItemID=1"
    gold = {a: {"facts": [fact("participants", 100)], "checks": []},
            "c.txt": {"facts": [fact("participants", 300)], "checks": []}}
    r = evaluate({b: [fact("participants", 200)], "c": [fact("participants", 300)]}, gold)
    assert (r.articles, r.overall.hits, r.overall.false_finds) == (1, 1, 0)


def test_misses_false_finds_and_the_matching_rules():
    found = {"a.txt": [
        fact("participants", 174752), fact("participants", 174752),  # repeated: counts once
        fact("coverage_rate", 72.48),  # off by 0.01: no match
        fact("coverage_rate", 66, "Lang Minh", group="học sinh"),  # group set vs null: no match
        fact("coverage_rate", 100, group="học sinh sinh viên"),  # optional: neither
        fact("population", 241077, date="2018", qualifier="approx"),  # hit, wrong date/qualifier
    ], "other.txt": [fact("participants", 1)]}  # no gold: not scored
    r = evaluate(found, GOLD)
    assert (r.overall.hits, r.overall.false_finds, r.overall.misses) == (2, 2, 2)
    assert r.overall.precision == pytest.approx(0.5)
    assert r.overall.recall == pytest.approx(0.5)
    acc = r.attribute_accuracy()
    assert acc["date"] == pytest.approx(0.5) and acc["qualifier"] == pytest.approx(0.5)
    assert acc["unit"] == 1.0


def test_tone_mark_placement_and_case_do_not_matter():
    gold = {"a.txt": {"facts": [fact("coverage_rate", 62.6, "Xuân Hòa")], "checks": []}}
    r = evaluate({"a.txt": [fact("coverage_rate", 62.6, "XUÂN HOÀ")]}, gold)
    assert r.overall.hits == 1


def test_audit_verdicts_are_scored():
    gold = {"a.txt": {"facts": [], "checks": [
        {"locality": "Vị Thủy", "check": "ratio", "status": "inconsistent"},
        {"locality": "Xuân Lộc", "check": "ratio", "status": "consistent"}]}}
    verdicts = [{"source": "a.txt", "locality": "Vị Thủy", "check": "ratio", "status": "inconsistent"},
                {"source": "a.txt", "locality": "Xuân Lộc", "check": "ratio",
                 "status": "inconsistent"},
                {"source": "a.txt", "locality": "Neo", "check": "sum", "status": "inconsistent"}]
    r = evaluate({"a.txt": []}, gold, verdicts)
    assert r.checks["detected"] == 1 and r.checks["false_alarms"] == 1
    assert r.checks["unlisted_alarms"] == 1


def _eval(args):
    result = CliRunner().invoke(cli, ["eval", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_shared_gold_meets_the_bar(shared):
    report = _eval(["--gold", str(shared / "gold"), "--articles", str(shared / "articles")])
    assert report["articles"] == 25
    assert report["overall"]["f1"] >= 0.95 and report["overall"]["recall"] >= 0.95
    assert report["attributes"]["date"] >= 0.95
    for a in ("unit", "province", "district"):
        assert report["attributes"][a] >= 0.95
    assert report["checks"]["detected"] == report["checks"]["gold_inconsistent"]
    assert report["checks"]["false_alarms"] == 0


def test_written_test_articles_meet_the_bar():
    """tests/data: annotated articles written for this repository (real-web phenomena: mixed
    number conventions, JSON Lines with URLs, datelines, noise), scored like the shared gold."""
    from pathlib import Path

    data = Path(__file__).parent / "data"
    report = _eval(["--gold", str(data / "gold"), "--articles", str(data / "articles")])
    assert report["articles"] >= 16
    assert report["overall"]["f1"] >= 0.90 and report["overall"]["recall"] >= 0.90
    for a in ("date", "unit", "province", "district"):
        assert report["attributes"][a] >= 0.90
    # A false alarm here comes from a misread fact, or from two writers who invented other
    # figures for one district (a change or implied population across their articles), not
    # from the audit: the shared gold has none.
    checks = report["checks"]
    assert checks["false_alarms"] <= 0.015 * checks["gold_consistent"]
