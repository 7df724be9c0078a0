"""The audit (spec/AUDIT.md): intervals, every check kind, both verdicts, the gold."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlite_utils import Database

from extractor.audit import audit, audit_db, interval
from extractor.cli import cli

PLACE = {"locality": "Xuân Lộc", "unit": "huyện", "province": "Đồng Nai", "code": None}


def fact(metric: str, value, *, source: str = "a.txt", date: str = "2017-04-05", **kw) -> dict:
    return {**PLACE, "source": source, "date": date, "metric": metric, "value": value,
            "qualifier": "exact", "group": None, **kw}


def only(verdicts, check: str):
    found = [v for v in verdicts if v.check == check]
    assert len(found) == 1, found
    return found[0]


# ---- intervals -----------------------------------------------------------------------------

INTERVALS = [
    # value, surface, qualifier, percent, low, high
    (72.49, "72,49%", "exact", True, F("72.485"), F("72.495")),
    (66, "66%", "exact", True, F("65.5"), F("66.5")),
    (90.5, "90.5%", "exact", True, F("90.45"), F("90.55")),
    (93.125, "93,125%", "exact", True, F("93.1245"), F("93.1255")),
    (91, "chín mươi mốt phần trăm", "exact", True, F("90.5"), F("91.5")),
    (18600, "18,6 nghìn", "exact", False, 18550, 18650),
    (1200000, "1,2 triệu", "exact", False, 1150000, 1250000),
    (12000, "12 ngàn", "exact", False, 11500, 12500),
    (174752, "174.752", "exact", False, 174752, 174752),
    (12000, "12.000", "exact", False, 12000, 12000),  # full digits are exact
    (12000, "12.000", "approx", False, 11400, 12600),
    (143000, "143.000", "more_than", False, 143000, 157300),  # 10% beats one unit (1000)
    (93, "93%", "less_than", True, F("83.7"), 93),
    (96, "96%", "at_least", True, 96, F("105.6")),
    (-3100, "3.100", "more_than", False, -3410, -3100),  # a fall of more than 3.100
    # No surface (gold facts): a percent by its decimals, a round count by its last digit.
    (72.49, None, "exact", True, F("72.485"), F("72.495")),
    (100, None, "exact", True, F("99.5"), F("100.5")),
    (93600000, None, "exact", False, 93550000, 93650000),
    (135680, None, "exact", False, 135680, 135680),
    (12000, None, "approx", False, 10900, 13100),
    # A surface that does not spell the value says nothing: the value decides.
    (72.49, "72-73%", "exact", True, F("72.485"), F("72.495")),
]


@pytest.mark.parametrize("value, surface, qualifier, percent, lo, hi", INTERVALS,
                         ids=[f"{c[1] or c[0]}-{c[2]}" for c in INTERVALS])
def test_interval(value, surface, qualifier, percent, lo, hi):
    assert interval(value, surface, qualifier, percent=percent) == (lo, hi)


# ---- each check, both verdicts -------------------------------------------------------------


@pytest.mark.parametrize("rate, status", [("72,49%", "consistent"), ("72,48%", "inconsistent"),
                                          ("72,5%", "consistent"), ("72%", "consistent"),
                                          ("73%", "inconsistent")])
def test_ratio(rate, status):
    value = float(rate.rstrip("%").replace(",", "."))
    v = only(audit([fact("participants", 174752, surface="174.752"),
                    fact("population", 241077, surface="241.077"),
                    fact("coverage_rate", value, surface=rate)]), "ratio")
    assert v.status == status
    if status == "consistent":
        assert v.explanation.startswith("174.752 / 241.077 = 72.488%, reported")


def test_ratio_explanation_reads_like_the_spec():
    v = only(audit([fact("participants", 174752), fact("population", 241077),
                    fact("coverage_rate", 72.49)]), "ratio")
    assert v.explanation == ("174752 / 241077 = 72.488%, reported 72.49% (72.485% to 72.495%): "
                             "agrees at the reported precision")
    assert (v.reported, v.computed) == ("72.49%", "72.488%")


@pytest.mark.parametrize("rate, status", [(93.13, "consistent"), (93.12, "consistent"),
                                          (93.14, "inconsistent"), (93.11, "inconsistent")])
def test_ratio_on_a_rounding_half(rate, status):
    # 126352 / 135680 is exactly 93.125%: 93.13 (half up) and 93.12 (half down) both write it.
    v = only(audit([fact("participants", 126352), fact("population", 135680),
                    fact("coverage_rate", rate)]), "ratio")
    assert v.status == status


def test_ratio_needs_both_counts_and_the_same_group():
    verdicts = audit([fact("participants", 9845), fact("coverage_rate", 91.2),
                      fact("population", 5000, group="học sinh")])
    assert not [v for v in verdicts if v.check == "ratio"]


@pytest.mark.parametrize("enrolled, status", [(23162, "consistent"), (23163, "inconsistent")])
def test_sum(enrolled, status):
    v = only(audit([fact("enrolled", enrolled), fact("new_participants", 2948),
                    fact("renewals", 20214)]), "sum")
    assert v.status == status


def test_sum_with_a_part_missing_is_unverifiable():
    v = only(audit([fact("enrolled", 23162), fact("new_participants", 2948)]), "sum")
    assert v.status == "unverifiable"


@pytest.mark.parametrize("done, status", [(96.84, "consistent"), (96.48, "inconsistent")])
def test_plan_takes_the_target_of_its_year(done, status):
    v = only(audit([fact("participants", 1598214, date="2023"),
                    fact("plan_completion", done, date="2023"),
                    fact("target_participants", 1650380, date="2023"),
                    fact("target_participants", 1627500, date="2024")]), "plan")
    assert v.status == status


@pytest.mark.parametrize("change, qualifier, status", [
    (1236, "exact", "consistent"), (1263, "exact", "inconsistent"),
    (12000, "approx", "inconsistent"), (1200, "approx", "consistent"),
])
def test_change_against_the_earlier_figure_in_the_article(change, qualifier, status):
    v = only(audit([fact("participants", 103418, date="2019-Q2"),
                    fact("participants", 102182, date="2018"),
                    fact("participants", 99000, date="2017"),
                    fact("participants_change", change, date="2019-Q2", qualifier=qualifier,
                         baseline=None)]), "change")
    assert v.status == status


@pytest.mark.parametrize("pct, status", [(1.21, "consistent"), (1.22, "inconsistent")])
def test_change_pct(pct, status):
    # (103418 - 102182) / 102182 = 1.2096%
    v = only(audit([fact("participants", 103418, date="2019-Q2"),
                    fact("participants", 102182, date="2018"),
                    fact("participants_change_pct", pct, date="2019-Q2",
                         baseline="2018")]), "change_pct")
    assert v.status == status


def test_change_uses_the_stated_baseline_not_the_latest_figure():
    facts = [fact("participants", 97140, date="2023-06-30"),
             fact("participants", 96000, date="2023-03-31"),
             fact("participants", 95812, date="2022-12-31"),
             fact("participants_change", 1328, date="2023-06-30", baseline="2022")]
    assert only(audit(facts), "change").status == "consistent"


def test_change_with_no_baseline_and_no_earlier_figure_is_unverifiable():
    v = only(audit([fact("participants", 174752),
                    fact("participants", 160000, source="other.txt", date="2016-11-30"),
                    fact("participants_change", 12000, qualifier="approx", baseline=None)]),
             "change")
    assert v.status == "unverifiable"


@pytest.mark.parametrize("rate, status", [(100, "consistent"), (100.6, "inconsistent")])
def test_range_of_a_rate(rate, status):
    assert only(audit([fact("coverage_rate", rate)]), "range").status == status


def test_range_asks_nothing_of_an_ordinary_rate_or_a_plan_above_100():
    verdicts = audit([fact("coverage_rate", 95, qualifier="more_than"),
                      fact("plan_completion", 100.2)])
    assert not [v for v in verdicts if v.check == "range"]


@pytest.mark.parametrize("participants, status", [(17246, "consistent"),
                                                  (17300, "inconsistent")])
def test_range_of_participants_against_population(participants, status):
    v = only(audit([fact("participants", participants), fact("population", 17246)]), "range")
    assert v.status == status


@pytest.mark.parametrize("population, status", [(92590, "consistent"),
                                                (95290, "inconsistent")])
def test_implied_population_from_another_date(population, status):
    # 89645 / 96.82% implies about 92589.
    v = only(audit([fact("participants", 89645, date="2023-09-30"),
                    fact("coverage_rate", 96.82, date="2023-09-30"),
                    fact("population", population, date="2023")]), "implied_population")
    assert v.status == status


def test_implied_population_ignores_a_population_over_a_year_away():
    verdicts = audit([fact("participants", 89645, date="2023-09-30"),
                      fact("coverage_rate", 96.82, date="2023-09-30"),
                      fact("population", 80000, date="2021")])
    assert not [v for v in verdicts if v.check == "implied_population"]


@pytest.mark.parametrize("rate, status", [(93.63, "met"), (93.2, "not_met"),
                                          (93.5, "unverifiable")])  # 93.5 may be 93.46
def test_target_takes_the_latest_coverage_of_its_year(rate, status):
    v = only(audit([fact("coverage_rate", 90.1, date="2023-03-31"),
                    fact("coverage_rate", rate, date="2023-06-30"),
                    fact("target_rate", 93.5, date="2023")]), "target")
    assert v.status == status


# ---- across articles -----------------------------------------------------------------------


def test_change_and_implied_population_across_articles():
    first = [fact("participants", 95812, source="d12", date="2022"),
             fact("population", 103748, source="d12", date="2022"),
             fact("coverage_rate", 92.35, source="d12", date="2022")]
    second = [fact("participants", 97140, source="d13", date="2023-06-30"),
              fact("coverage_rate", 93.63, source="d13", date="2023-06-30"),
              fact("participants_change", 1328, source="d13", date="2023-06-30",
                   baseline="2022"),
              fact("participants_change_pct", 1.39, source="d13", date="2023-06-30",
                   baseline="2022")]
    verdicts = [v for v in audit(first + second) if v.source == "d13"]
    assert {v.check: v.status for v in verdicts if v.check != "target"} == {
        "change": "consistent", "change_pct": "consistent", "implied_population": "consistent"}
    assert "in d12" in only(verdicts, "change").explanation


def test_places_match_by_code_not_by_spelling():
    coded = {"code": "731", "locality": "Xuan Loc"}
    verdicts = audit([fact("participants", 97140, source="b", date="2023", **coded),
                      fact("participants", 95812, source="a", date="2022", code="731"),
                      fact("participants_change", 2000, source="b", date="2023",
                           baseline="2022", **coded)])
    assert only(verdicts, "change").status == "inconsistent"


def test_places_without_code_match_by_unit_name_key_and_province():
    hoa = {"locality": "Xuân Hoà"}  # old-style tone placement of Xuân Hòa
    verdicts = audit([fact("participants", 1100, source="b", date="2023", **hoa),
                      fact("participants", 1000, source="a", date="2022", locality="Xuân Hòa"),
                      fact("participants", 900, source="c", date="2022", locality="Xuân Hòa",
                           unit="xã"),
                      fact("participants_change", 100, source="b", date="2023",
                           baseline="2022", **hoa)])
    assert only(verdicts, "change").status == "consistent"


def test_a_copy_under_another_source_is_one_report():
    article = [fact("participants", 68930, date="2021-11-30"),
               fact("participants", 57150, date="2020-11-30"),
               fact("participants_change", 12000, qualifier="approx", date="2021-11-30",
                    baseline=None),
               fact("enrolled", 6512, date="2021-11-30"),
               fact("new_participants", 1204, date="2021-11-30"),
               fact("renewals", 5218, date="2021-11-30")]
    copy = [{**f, "source": "copy.txt"} for f in article]
    verdicts = audit(article + copy)
    assert {v.source for v in verdicts} == {"a.txt"}
    assert [v.check for v in verdicts] == ["change", "sum"]


# ---- properties ----------------------------------------------------------------------------


def _written(rate: F, decimals: int) -> Decimal:
    exact = Decimal(rate.numerator) / Decimal(rate.denominator)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _ratio_status(participants: int, population: int, written: Decimal) -> str:
    # Counts in full digits (`2.500.000`): without a surface a round count would be read
    # as written with a scale word, which is wider.
    def full(n: int) -> str:
        return f"{n:,}".replace(",", ".")

    surface = f"{written}%".replace(".", ",")
    return only(audit([fact("participants", participants, surface=full(participants)),
                       fact("population", population, surface=full(population)),
                       fact("coverage_rate", float(written), surface=surface)]),
                "ratio").status


counts = st.integers(min_value=1, max_value=10_000_000).flatmap(
    lambda pop: st.tuples(st.integers(min_value=0, max_value=pop), st.just(pop)))


@given(counts, st.integers(min_value=0, max_value=4))
def test_a_correctly_rounded_rate_is_never_flagged(pair, decimals):
    participants, population = pair
    written = _written(F(100 * participants, population), decimals)
    assert _ratio_status(participants, population, written) == "consistent"


@given(counts, st.integers(min_value=0, max_value=4), st.sampled_from([-1, 1]))
def test_a_rate_off_by_one_unit_beyond_rounding_is_flagged(pair, decimals, sign):
    participants, population = pair
    rate = F(100 * participants, population)
    unit = Decimal(1).scaleb(-decimals)
    wrong = _written(rate, decimals) + sign * unit
    if wrong < 0:
        return
    # Beyond rounding: the true rate lies more than half a unit from the written one.
    beyond = abs(F(wrong) - rate) > F(unit) / 2
    status = _ratio_status(participants, population, wrong)
    assert status == ("inconsistent" if beyond else "consistent")


# ---- the gold ------------------------------------------------------------------------------


def _gold(shared):
    facts, checks = [], []
    for path in sorted((shared / "gold").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        facts += [{**f, "source": doc["source"]} for f in doc["facts"] if not f.get("optional")]
        checks += [{**c, "source": doc["source"]} for c in doc.get("checks", [])]
    return facts, checks


def _matches(verdict, check: dict) -> bool:
    return (verdict.source == check["source"] and verdict.locality == check["locality"]
            and verdict.check == check["check"]
            and check.get("unit", verdict.unit) == verdict.unit)


def test_every_gold_check_gets_the_gold_verdict(shared):
    facts, checks = _gold(shared)
    verdicts = audit(facts)
    wrong = []
    for check in checks:
        got = [v.status for v in verdicts if _matches(v, check)]
        if got != [check["status"]]:
            wrong.append((check["source"], check["locality"], check["check"],
                          check["status"], got))
    assert not wrong
    # Gold lists only decidable checks, so an unlisted alarm is to be read, and there is none.
    unlisted = [v.explanation for v in verdicts if v.status == "inconsistent"
                and not any(_matches(v, c) for c in checks)]
    assert not unlisted


# ---- command line --------------------------------------------------------------------------


def _facts_file(tmp_path):
    path = tmp_path / "facts.jsonl"
    rows = [fact("participants", 91214), fact("population", 97420),
            fact("coverage_rate", 93.36, surface="93,36%")]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path, rows


def test_cli_prints_verdicts_as_json_lines(tmp_path):
    path, _ = _facts_file(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(path), "--jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["check"], r["status"]) for r in rows] == [("ratio", "inconsistent")]
    assert {"source", "locality", "unit", "province", "code", "date", "check", "status",
            "reported", "computed", "explanation"} <= set(rows[0])


def test_cli_report_counts_and_explains_each_inconsistency(tmp_path):
    path, _ = _facts_file(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(path)])
    assert result.exit_code == 0  # findings, not errors
    assert result.output.splitlines()[:2] == ["1 check: ratio 1", "1 inconsistent"]
    assert "a.txt: huyện Xuân Lộc, 2017-04-05, ratio: 91214 / 97420 = 93.630%" in result.output


def test_cli_fills_the_checks_table_of_a_database(tmp_path):
    _, rows = _facts_file(tmp_path)
    db_path = tmp_path / "bhyt.db"
    db = Database(db_path)
    db["facts"].insert_all([{**r, "id": f"f{n}"} for n, r in enumerate(rows)], pk="id")
    db["checks"].insert({"id": 99, "check": "stale"}, pk="id")
    for _ in range(2):  # a second run replaces, never adds
        result = CliRunner().invoke(cli, ["audit", "--db", str(db_path)])
        assert result.exit_code == 0, result.output
    checks = list(Database(db_path)["checks"].rows)
    assert [(c["id"], c["check"], c["status"]) for c in checks] == [(1, "ratio", "inconsistent")]
    assert json.loads(checks[0]["facts"]) == ["f2", "f0", "f1"]


def test_audit_db_without_facts_leaves_an_empty_checks_table():
    db = Database(memory=True)
    assert audit_db(db).total == 0
    assert db["checks"].exists() and db["checks"].count == 0


def test_an_incremental_build_redoes_only_the_checks_of_changed_places(tmp_path, shared):
    """Re-building after one article changed re-checks its places and keeps the rest as they were."""
    import shutil
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    shutil.copytree(shared / "articles", corpus)
    db_path = tmp_path / "bhyt.db"
    bhyt = [sys.executable, "-c", "from extractor.cli import cli; cli()"]
    subprocess.run([*bhyt, "build", str(corpus), "--db", str(db_path)], check=True,
                   capture_output=True)
    before = {(r["source"], r["locality"], r["check"], r["status"])
              for r in Database(db_path)["checks"].rows}
    # d16's planted error fixed in the text: its ratio check must turn consistent.
    d16 = next(corpus.glob("d16_*"))
    d16.write_text(d16.read_text("utf-8").replace("đạt tỷ lệ 93,36%", "đạt tỷ lệ 93,63%"), "utf-8")
    subprocess.run([*bhyt, "build", str(corpus), "--db", str(db_path)], check=True,
                   capture_output=True)
    after = {(r["source"], r["locality"], r["check"], r["status"])
             for r in Database(db_path)["checks"].rows}
    assert (d16.name, "Vị Thủy", "ratio", "inconsistent") in before
    assert (d16.name, "Vị Thủy", "ratio", "consistent") in after
    assert {c for c in before if c[0] != d16.name} == {c for c in after if c[0] != d16.name}
    fresh = tmp_path / "fresh.db"
    subprocess.run([*bhyt, "build", str(corpus), "--db", str(fresh)], check=True,
                   capture_output=True)
    assert after == {(r["source"], r["locality"], r["check"], r["status"])
                     for r in Database(fresh)["checks"].rows}
