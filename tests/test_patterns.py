"""The language data in patterns/: it loads, and every rule's example reads as the rule says."""

from pathlib import Path

import pytest

from extractor.data import PATTERNS, PatternError, load
from extractor.metrics import classify, patterns, rules
from extractor.numbers import find_numbers

RULES = [r for r in rules() if r.example]


@pytest.mark.parametrize("name", sorted(p.stem for p in PATTERNS.glob("*.yml")))
def test_patterns_load(name):
    assert load(name)


def test_duplicate_keys_are_refused(tmp_path, monkeypatch):
    (tmp_path / "dup.yml").write_text("a: 1\na: 2\n", encoding="utf-8")
    monkeypatch.setattr("extractor.data.PATTERNS", Path(tmp_path))
    load.cache_clear()
    try:
        with pytest.raises(PatternError, match="duplicate key 'a'"):
            load("dup")
    finally:
        load.cache_clear()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.metric}: {r.example}")
def test_rule_examples(rule):
    text = rule.example
    numbers = find_numbers(text)
    kind = "count" if rule.kind == "count" else "percent"
    n = [x for x in numbers if x.percent == (kind == "percent")][-1] if rule.kind != "any" \
        else numbers[0]
    prev = numbers[numbers.index(n) - 1] if numbers.index(n) else None
    lead = n.qualifier_start if n.qualifier_start is not None else n.start
    left = text[prev.end if prev else 0:lead]
    target = bool(patterns()["target"].search(text[:n.start]))
    # The metric of the figure before, as the pipeline passes it: the rule's own when it
    # names one ("tăng 6.806 người, tương đương 0,58%").
    after = rule.after or ("participants_change_pct" if prev and prev.percent else None)
    kind = "percent" if n.percent else "count"
    expected = None if rule.metric == "skip" else rule.metric
    clause = text[:lead].split(",")[-1]
    assert classify(kind, left, text[n.end:], clause, target, after, n.qualifier) == expected
