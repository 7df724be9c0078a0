"""A number's meaning (FACTS.md metric) from the words around it, by the rules of
`patterns/metrics.yml`, and whether a sentence speaks of BHYT at all."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from .data import PatternError, alternation, load

FLAGS = regex.IGNORECASE | regex.VERSION1


@dataclass(frozen=True)
class Rule:
    metric: str
    kind: str
    left: tuple[regex.Pattern, ...]
    right: tuple[regex.Pattern, ...]
    clause: tuple[regex.Pattern, ...]
    target: bool | None
    after: str | None
    qualifiers: tuple[str, ...]
    example: str | None

    def holds(self, left: str, right: str, clause: str, target: bool,
              after: str | None = None, qualifier: str = "exact") -> bool:
        """Whether every condition of the rule holds (its kind is checked by `classify`).
        Plain loops: this runs some 400 times an article."""
        if self.qualifiers and qualifier not in self.qualifiers:
            return False
        if self.target is not None and self.target != target:
            return False
        if self.after is not None and self.after != after:
            return False
        if self.left and not any(p.search(left) for p in self.left):
            return False
        if self.right and not any(p.match(right) for p in self.right):
            return False
        return not self.clause or any(p.search(clause) for p in self.clause)


def _as_list(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _compile(value: str | list[str] | None, anchor_end: bool = False) -> tuple[regex.Pattern, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    try:
        return tuple(regex.compile(v, FLAGS) for v in items)
    except regex.error as e:
        raise PatternError(f"metrics.yml: bad regex {items!r}: {e}") from None


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    out = []
    for r in load("metrics")["rules"]:
        out.append(Rule(r["metric"], r["kind"], _compile(r.get("left")), _compile(r.get("right")),
                        _compile(r.get("clause")), r.get("target"), r.get("after"),
                        tuple(_as_list(r.get("qualifier"))), r.get("example")))
    return tuple(out)


@lru_cache(maxsize=2)
def _rules_for(kind: str) -> tuple[Rule, ...]:
    """The rules for one kind of number (`percent` or `count`), in order."""
    return tuple(r for r in rules() if r.kind in ("any", kind))


def classify(kind: str, left: str, right: str, clause: str, target: bool,
             after: str | None = None, qualifier: str = "exact") -> str | None:
    """The metric of a number (`kind` percent or count), or None when it is no fact.

    `after` is the metric of the number just before it in the sentence, if any.
    """
    for rule in _rules_for(kind):
        if rule.holds(left, right, clause, target, after, qualifier):
            return None if rule.metric == "skip" else rule.metric
    return None


@lru_cache(maxsize=1)
def patterns() -> dict[str, regex.Pattern]:
    m = load("metrics")
    s = m["schemes"]
    target_cues = "|".join([alternation(m["target_cues"]), *m.get("target_cue_patterns", [])])
    return {
        "people_after": regex.compile(m["people_after"], FLAGS),
        "implied_percent_right": regex.compile(m["implied_percent_right"], FLAGS),
        "implied_percent_clause": regex.compile(m["implied_percent_clause"], FLAGS),
        "target": regex.compile(rf"(?<!\p{{L}})(?:{target_cues})(?!\p{{L}})", FLAGS),
        "target_breaker": regex.compile("|".join(m["target_breakers"]), FLAGS),
        "target_keeper": regex.compile("|".join(m["target_keepers"]), FLAGS),
        "result": regex.compile("|".join(m["result_cues"]), FLAGS),
        "estimate": regex.compile(rf"(?<!\p{{L}})(?:{'|'.join(m['estimate_cues'])})(?!\p{{L}})", FLAGS),
        "bhyt": regex.compile(rf"(?<!\p{{L}})(?:{alternation(s['bhyt'])})(?!\p{{L}})", FLAGS),
        "other": regex.compile(rf"(?<!\p{{L}})(?:{alternation(s['other'])})(?!\p{{L}})", FLAGS),
        "agency_after": regex.compile(s["agency_after"], regex.VERSION1),
        "agency_before": regex.compile(s["agency_before"], FLAGS),
        "joiner": regex.compile(rf"^{s['joiner']}$", FLAGS),
        "participation": regex.compile(
            rf"(?<!\p{{L}})(?:{alternation(m['participation'])})(?!\p{{L}})", FLAGS),
        "participation_acts": regex.compile(
            rf"(?<!\p{{L}})(?:{alternation(m['participation_acts'])})(?!\p{{L}})", FLAGS),
        "parts_opener": regex.compile(
            rf"[\s\-–+*•]*(?:{alternation(m['parts_openers'])})(?!\p{{L}})", FLAGS),
        "parts_intro": regex.compile(  # "- Nhóm được ngân sách hỗ trợ: 31.505 người, trong đó:"
            rf"(?<!\p{{L}})(?:{alternation(m['parts_openers'])})\s*:?\s*$", FLAGS),
    }


@dataclass(frozen=True)
class SchemeMention:
    start: int
    end: int
    scheme: str  # bhyt | other | several


def scheme_mentions(text: str, start: int, end: int) -> list[SchemeMention]:
    """Where a sentence names an insurance scheme; the BHXH agency is not a scheme."""
    p = patterns()
    found: list[SchemeMention] = []
    for m in p["bhyt"].finditer(text, start, end):
        found.append(SchemeMention(m.start(), m.end(), "bhyt"))
    for m in p["other"].finditer(text, start, end):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        if text[max(0, m.start() - 1):m.start()] in ("-", "/"):
            continue  # part of a document's number: "Quyết định số 1584/QĐ-BHXH"
        word = m.group(0).casefold()
        is_plain_bhxh = word in ("bhxh", "bảo hiểm xã hội", "bh xã hội")
        if is_plain_bhxh and (p["agency_after"].match(text, m.end())
                              or p["agency_before"].search(text[max(0, m.start() - 30):m.start()])):
            continue
        found.append(SchemeMention(m.start(), m.end(), "other"))
    found.sort(key=lambda f: f.start)
    # Schemes listed together ("BHXH, BHYT, BHTN") name a total over all of them.
    merged: list[SchemeMention] = []
    for f in found:
        if merged and p["joiner"].match(text[merged[-1].end:f.start]) and (
                merged[-1].scheme != f.scheme or merged[-1].scheme == "several"):
            merged[-1] = SchemeMention(merged[-1].start, f.end, "several")
        else:
            merged.append(f)
    return merged
