"""The audit: recompute what the reported figures imply and compare (spec/AUDIT.md).

Every reported figure stands for the interval of values that would be written
that way (its rounding, widened by its qualifier). Computations carry those
intervals, and a check is `inconsistent` only when the computed interval and
the reported one cannot meet: rounding never raises an alarm, while an error of
one unit in the last written digit still does. All arithmetic is on Fractions,
because a binary float cannot hold 93.125 or 72.485 and would misplace values
that sit exactly on a rounding half.

Precision of a figure:

- With `surface` (extracted facts), the unit of the last written digit is
  `value / (the written digits as one integer)`: `72,49%` -> 0.01, `18,6 nghìn`
  -> 100, `174.752` -> 1. A count whose last digit is worth 1 is written in full
  and is exact. Numbers in words (`chín mươi mốt phần trăm`) are exact to
  their unit: a percent to 1, a count to one person.
- Without `surface` (hand-annotated gold), a percent has the decimals its value
  shows (72.49 -> 0.01, 66 -> 1). A count of at least 1000 that is a multiple
  of 100 may have been written with a scale word (`93,6 triệu`, `27,6 nghìn`,
  `12 ngàn`), which always leaves two or more zeros, so its last non-zero digit
  is taken as its last written digit (93600000 -> 93.55 to 93.65 million). Any
  other count is exact (135680 is written `135.680`). This can only widen an
  interval, so it never raises an alarm that the written form would not.

Pairing: places match by gazetteer `code`, or by (unit, name key, province)
when the code is null. Two dates are the same when they end on the same day
(`2023-H1` and `2023-06-30`, `2022` and `2022-12-31`). An article whose facts
are exactly those of an earlier one (the same text under another source) is
audited once, under the source seen first.

A `change`/`change_pct` fact is measured against the `participants` figure at
its `baseline` date, from any article. With `baseline: null` (no baseline
stated) it is measured against the latest earlier figure quoted in the same
article, which is how these bulletins state the base (`so với năm 2019 (107.428
người)`), and is `unverifiable` when there is none. A fact with no `baseline`
key at all (gold facts do not annotate it) is measured against the latest
earlier figure of the place in any article, as the gold reads it.

Verdict `reported` and `computed` are short strings for a person (`72.49%`,
`72.488%`, `1300000 to 1500000`); the numbers themselves are in `explanation`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from itertools import groupby
from typing import TYPE_CHECKING

import regex

from . import gazetteer
from .normalize import name_key

if TYPE_CHECKING:  # only the type of audit_db's argument; the caller opens the database
    from sqlite_utils import Database

Interval = tuple[Fraction, Fraction]

PERCENT_METRICS = frozenset(
    {"coverage_rate", "target_rate", "participants_change_pct", "plan_completion"}
)
HUNDRED = Fraction(100)
# A population figure this far from the rate's date still describes the same place.
POPULATION_WINDOW = dt.timedelta(days=366)

_QUALIFIER_WORDS = {
    "approx": "about ",
    "more_than": "more than ",
    "less_than": "less than ",
    "at_least": "at least ",
}
# Digits of one written number: groups joined by `.` or `,`, or by a space before
# exactly three digits (`1 234 567`).
_NUMBER = regex.compile(r"\d+(?:[.,]\d+|\s\d{3}(?!\d))*")
_DATE = regex.compile(r"(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|H([12])))?")


@dataclass(frozen=True)
class Verdict:
    """One audit check of one reported figure; `facts` are the ids of the facts used."""

    source: str
    locality: str | None
    unit: str | None
    province: str | None
    code: str | None
    group: str | None
    date: str | None
    check: str
    status: str  # consistent | inconsistent | unverifiable | met | not_met
    reported: str
    computed: str
    explanation: str
    facts: tuple[str, ...] = ()
    # How far apart the computed and reported intervals are, in percent of the reported
    # value: 0 when they meet; what "figures that do not add up" are sorted by.
    off_by: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# ---- intervals ---------------------------------------------------------------------------


def interval(value, surface: str | None, qualifier: str, *, percent: bool) -> Interval:
    """The values the written figure stands for, both ends included.

    >>> interval(72.49, "72,49%", "exact", percent=True)
    (Fraction(14497, 200), Fraction(14499, 200))
    """
    v = Fraction(str(value))
    step = _step(v, surface, percent)
    lo, hi = (v, v) if step is None else (v - step / 2, v + step / 2)
    return _widen(v, lo, hi, qualifier, step if step is not None else _last_digit_unit(v))


def _step(v: Fraction, surface: str | None, percent: bool) -> Fraction | None:
    """The worth of the last written digit, or None for a count written in full (exact)."""
    step = _written_step(v, surface) if surface else None
    if step is None:
        step = _unwritten_step(v, percent)
    if not percent and step <= 1:
        return None
    return step


def _written_step(v: Fraction, surface: str) -> Fraction | None:
    match = _NUMBER.search(surface)
    if match is None:
        return Fraction(1)  # a number in words is exact to its unit
    digits = int(regex.sub(r"\D", "", match.group()))
    if digits == 0:
        # Zero has no ratio to read; its decimals are the digits after the separator (`0,00%`).
        parts = regex.split(r"[.,]", match.group())
        return Fraction(1, 10 ** len(parts[-1])) if len(parts) > 1 else Fraction(1)
    step = abs(v) / digits
    # A surface that does not spell the value (a range, a typo) says nothing about precision.
    return step if _is_power_of_ten(step) else None


def _unwritten_step(v: Fraction, percent: bool) -> Fraction:
    if percent:
        step = Fraction(1)
        while (v / step).denominator != 1:
            step /= 10
        return step
    if v.denominator == 1 and abs(v) >= 1000 and v % 100 == 0:
        return _last_digit_unit(v)
    return Fraction(1)


def _last_digit_unit(v: Fraction) -> Fraction:
    """The worth of the last non-zero digit of a whole number (12000 -> 1000)."""
    unit = Fraction(1)
    n = abs(v)
    while n and n.denominator == 1 and (n / (unit * 10)).denominator == 1:
        unit *= 10
    return unit


def _is_power_of_ten(x: Fraction) -> bool:
    while x > 1 and x.denominator == 1 and x % 10 == 0:
        x /= 10
    while x < 1 and x.numerator == 1 and x.denominator % 10 == 0:
        x *= 10
    return x == 1


def _widen(v: Fraction, lo: Fraction, hi: Fraction, qualifier: str, unit: Fraction) -> Interval:
    """Widen a rounding interval by the hedge word, as far as AUDIT.md allows and no more."""
    size = abs(v)
    if qualifier == "approx":
        return lo - size / 20, hi + size / 20
    if qualifier in ("more_than", "at_least", "less_than"):
        reach = max(unit, size / 10)
        # For a fall (negative value) `more than` speaks of its size, so it reaches downwards.
        upwards = (qualifier != "less_than") == (v >= 0)
        return (v, v + reach) if upwards else (v - reach, v)
    return lo, hi


def _meet(a: Interval, b: Interval) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _divide(a: Interval, b: Interval, scale: Fraction = Fraction(1)) -> Interval | None:
    """a / b for non-negative a and positive b (None when b may be zero: too vague)."""
    if b[0] <= 0 or a[0] < 0:
        return None
    return scale * a[0] / b[1], scale * a[1] / b[0]


# ---- dates -------------------------------------------------------------------------------


def _end(date: str | None) -> dt.date | None:
    """The last day a date or period covers: a figure `as of` a period is at its end."""
    match = _DATE.fullmatch(date or "")
    if match is None:
        return None
    year, month, day, quarter, half = match.groups()
    y = int(year)
    if day:
        return dt.date(y, int(month), int(day))
    m = int(month) if month else 3 * int(quarter) if quarter else 6 * int(half) if half else 12
    return dt.date(y, m, calendar.monthrange(y, m)[1])


# ---- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Figure:
    """A fact ready for the audit: its place key, its time, and the interval it stands for."""

    fact: dict
    source: str
    order: int
    place: tuple
    when: dt.date | str | None  # end of its period; the raw date when unreadable
    span: Interval

    @property
    def metric(self) -> str:
        return self.fact["metric"]

    @property
    def group(self) -> str | None:
        return self.fact.get("group")

    @property
    def percent(self) -> bool:
        return self.metric in PERCENT_METRICS

    @property
    def width(self) -> Fraction:
        return self.span[1] - self.span[0]


def _place(fact: dict) -> tuple:
    # A unit before 1 July 2025 and the merged unit after it are different places, even
    # where the new one kept the old one's name and code.
    era = gazetteer.era(fact.get("date"))
    if fact.get("code"):
        return ("code", fact["code"], era)
    return ("name", fact.get("unit"), name_key(fact.get("locality") or ""), fact.get("province"), era)


def _content(fact: dict) -> tuple:
    """What a fact says, apart from where it was read."""
    return (_place(fact), fact.get("date"), fact["metric"], Fraction(str(fact["value"])),
            fact.get("qualifier") or "exact", fact.get("group"))


def _figures(facts: Iterable[dict]) -> list[_Figure]:
    rows = [f for f in facts if _readable(f)]
    contents: dict[str, set] = defaultdict(set)
    for f in rows:
        contents[f.get("source") or ""].add(_content(f))
    # The same text under two sources is one report: map each source to the first of its copies.
    first: dict[frozenset, str] = {}
    canonical = {src: first.setdefault(frozenset(c), src) for src, c in contents.items()}
    seen: set = set()
    out = []
    for order, f in enumerate(rows):
        source = canonical[f.get("source") or ""]
        key = (source, _content(f))
        if key in seen:  # a headline repeating the body, or the copy's own fact
            continue
        seen.add(key)
        percent = f["metric"] in PERCENT_METRICS
        span = interval(f["value"], f.get("surface"), f.get("qualifier") or "exact",
                        percent=percent)
        when = _end(f.get("date")) or f.get("date")
        out.append(_Figure(f, source, order, _place(f), when, span))
    return out


def _readable(fact: dict) -> bool:
    try:
        Fraction(str(fact.get("value")))
    except ValueError:
        return False
    return bool(fact.get("metric"))


class _Index:
    """Figures by place, group and metric, for finding a check's other parts."""

    def __init__(self, figures: list[_Figure]) -> None:
        self._by: dict[tuple, list[_Figure]] = defaultdict(list)
        for fig in figures:
            self._by[(fig.place, fig.group, fig.metric)].append(fig)

    def find(self, fig: _Figure, metric: str, keep: Callable[[_Figure], bool]) -> list[_Figure]:
        return [c for c in self._by[(fig.place, fig.group, metric)] if keep(c)]

    def at(self, fig: _Figure, metric: str, *, same_source: bool) -> _Figure | None:
        """The best `metric` figure of the same place, group and date."""
        found = self.find(fig, metric, lambda c: c.when == fig.when
                          and (c.source == fig.source or not same_source))
        return _best(found, fig)


def _best(found: list[_Figure], fig: _Figure) -> _Figure | None:
    """Prefer the same article, then the most precise figure, then the first written."""
    return min(found, key=lambda c: (c.source != fig.source, c.width, c.order), default=None)


def _is_earlier(a: _Figure, b: _Figure) -> bool:
    return isinstance(a.when, dt.date) and isinstance(b.when, dt.date) and a.when < b.when


# ---- formatting --------------------------------------------------------------------------


def _decimals(x: Fraction) -> int:
    n = 0
    while (x * 10**n).denominator != 1 and n < 6:
        n += 1
    return n


def _fmt(x: Fraction, decimals: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 40
        d = Decimal(x.numerator) / Decimal(x.denominator)
    return str(d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _show(x: Fraction, percent: bool, decimals: int | None = None) -> str:
    if decimals is None:
        decimals = _decimals(x)
    return _fmt(x, decimals) + ("%" if percent else "")


def _show_span(span: Interval, percent: bool, decimals: int) -> str:
    if span[0] == span[1]:
        return _show(span[0], percent, decimals)
    return f"{_show(span[0], percent, decimals)} to {_show(span[1], percent, decimals)}"


def _reported(fig: _Figure) -> str:
    """The figure as the article wrote it, with its hedge word."""
    v = Fraction(str(fig.fact["value"]))
    written = fig.fact.get("surface") or _show(v, fig.percent)
    return _QUALIFIER_WORDS.get(fig.fact.get("qualifier") or "exact", "") + written


def _reading(fig: _Figure) -> str:
    """`72.49% (72.485% to 72.495%)`: the written figure and the interval it stands for."""
    if fig.span[0] == fig.span[1]:
        return _reported(fig)
    decimals = max(_decimals(fig.span[0]), _decimals(fig.span[1]))
    return f"{_reported(fig)} ({_show_span(fig.span, fig.percent, decimals)})"


def _cite(fig: _Figure, checked: _Figure) -> str:
    """A part of a computation: its value, and its date or article when they differ."""
    where = []
    if fig.when != checked.when:
        where.append(fig.fact.get("date") or "undated")
    if fig.source != checked.source:
        where.append(f"in {fig.source}")
    text = _reported(fig)
    return f"{text} ({', '.join(where)})" if where else text


def _result_decimals(reported: _Figure) -> int:
    # One digit more than the article shows, at least three for a percent (72.488%).
    shown = _decimals(Fraction(str(reported.fact["value"])))
    return max(3, shown + 1) if reported.percent else 0


# ---- verdicts ----------------------------------------------------------------------------


def _verdict(fig: _Figure, check: str, status: str, computed: str, explanation: str,
             used: Iterable[_Figure | None] = ()) -> Verdict:
    f = fig.fact
    ids = tuple(str(u.fact["id"]) for u in (fig, *used) if u is not None and "id" in u.fact)
    return Verdict(
        source=fig.source, locality=f.get("locality"), unit=f.get("unit"),
        province=f.get("province"), code=f.get("code"), group=f.get("group"),
        date=f.get("date"), check=check,
        status=status, reported=_reported(fig), computed=computed, explanation=explanation,
        facts=ids,
    )


def _compare(fig: _Figure, check: str, formula: str, computed: Interval | None,
             used: list[_Figure]) -> Verdict:
    """The verdict of a computed interval against the reported figure `fig`."""
    if computed is None:
        return _verdict(fig, check, "unverifiable", "",
                        f"{formula}: a divisor may be zero at the figures' precision, "
                        "too vague to decide", used)
    shown = _show_span(computed, fig.percent, _result_decimals(fig))
    exact = computed[0] == computed[1]
    if _meet(computed, fig.span):
        if exact and fig.width == 0:
            how = "agrees exactly"
        elif (fig.fact.get("qualifier") or "exact") != "exact":
            how = "agrees within the hedge word's reach"
        elif exact:
            how = "agrees at the reported precision"
        else:
            how = "agrees at the figures' precision"
        touch = computed[1] == fig.span[0] or computed[0] == fig.span[1]
        if touch and (fig.width or not exact):
            how += " (the intervals only touch: the value sits on a rounding half)"
        status = "consistent"
    else:
        how = "cannot agree at any reading of the figures: an error beyond rounding"
        status = "inconsistent"
    explanation = f"{formula} = {shown}, reported {_reading(fig)}: {how}"
    return replace(_verdict(fig, check, status, shown, explanation, used),
                   off_by=_off_by(computed, fig.span, fig.fact["value"]))


def _off_by(computed: Interval, reported: Interval, value) -> float:
    """The gap between two intervals in percent of the reported value (0 when they meet)."""
    gap = max(computed[0] - reported[1], reported[0] - computed[1], Fraction(0))
    scale = abs(Fraction(str(value))) or Fraction(1)
    return round(float(gap / scale * 100), 3)


def _missing(fig: _Figure, check: str, what: str, used: Iterable[_Figure | None] = ()) -> Verdict:
    return _verdict(fig, check, "unverifiable", "", f"{what}: cannot check", used)


def _check_ratio(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    # Within one article: a population from another article or date is implied_population.
    # A rate without both counts beside it claims no ratio: there is nothing to check.
    p = idx.at(fig, "participants", same_source=True)
    q = idx.at(fig, "population", same_source=True)
    if p is None or q is None:
        return
    formula = f"{_reported(p)} / {_reported(q)}"
    yield _compare(fig, "ratio", formula, _divide(p.span, q.span, HUNDRED), [p, q])


def _check_implied_population(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    p = idx.at(fig, "participants", same_source=True)
    if p is None or not isinstance(fig.when, dt.date):
        return
    when = fig.when
    found = idx.find(fig, "population", lambda c: isinstance(c.when, dt.date)
                     and abs(c.when - when) <= POPULATION_WINDOW
                     and not (c.source == fig.source and c.when == when))
    q = min(found, key=lambda c: (abs(c.when - when), c.source != fig.source, c.width, c.order),
            default=None)
    if q is None:
        return
    implied = _divide(p.span, fig.span, HUNDRED)
    formula = f"{_reported(p)} / {_reported(fig)}"
    if implied is None:
        yield _missing(fig, "implied_population", f"{formula}: the rate may be zero", [p, q])
        return
    # The verdict is the article's (participants and rate); the population is what it meets.
    shown = _show_span(implied, False, 0)
    ok = _meet(implied, q.span)
    how = ("agrees at the figures' precision" if ok
           else "cannot agree at any reading of the figures: an error beyond rounding")
    explanation = f"{formula} implies {shown} people, population {_cite(q, fig)}"
    if q.span[0] != q.span[1]:
        explanation += f" ({_show_span(q.span, False, 0)})"
    verdict = _verdict(fig, "implied_population", "consistent" if ok else "inconsistent",
                       shown, f"{explanation}: {how}", [p, q])
    yield replace(verdict, reported=_cite(q, fig), off_by=_off_by(implied, q.span, q.fact["value"]))


def _check_rate_range(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    lo, hi = fig.span
    value = Fraction(str(fig.fact["value"]))
    # Only a rate written at a bound raises the question (`trên 95%` reaches past 100% only
    # by the hedge word's allowance, which is no claim).
    if 0 < value < 100:
        return
    if lo > 100 or hi < 0:
        status, how = "inconsistent", "a coverage rate must lie between 0% and 100%"
    else:
        status, how = "consistent", "can lie between 0% and 100% at the reported precision"
    shown = _show_span(fig.span, True, _decimals(lo) or _decimals(hi))
    yield replace(_verdict(fig, "range", status, shown, f"reported {_reading(fig)}: {how}"),
                  off_by=_off_by((Fraction(0), HUNDRED), fig.span, value))


def _check_count_range(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    q = idx.at(fig, "population", same_source=True)
    if q is None or fig.span[1] < q.span[0]:
        return  # plainly fewer participants than people
    ok = fig.span[0] <= q.span[1]
    how = ("can be at most the population" if ok
           else "participants cannot outnumber the population")
    yield _verdict(fig, "range", "consistent" if ok else "inconsistent", _reported(q),
                   f"participants {_reading(fig)}, population {_reading(q)}: {how}", [q])


def _check_sum(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    new = idx.at(fig, "new_participants", same_source=True)
    renewed = idx.at(fig, "renewals", same_source=True)
    if new is None and renewed is None:
        return
    if new is None or renewed is None:
        lack = "new participants" if new is None else "renewals"
        yield _missing(fig, "sum", f"no {lack} figure of the same date", [new, renewed])
        return
    total = (new.span[0] + renewed.span[0], new.span[1] + renewed.span[1])
    yield _compare(fig, "sum", f"{_reported(new)} + {_reported(renewed)}", total, [new, renewed])


def _check_plan(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    p = idx.at(fig, "participants", same_source=False)
    year = (fig.fact.get("date") or "")[:4]
    # A target is dated by the year it is for; the completion may be dated within that year.
    targets = idx.find(fig, "target_participants",
                       lambda c: bool(year) and (c.fact.get("date") or "")[:4] == year)
    t = _best(targets, fig)
    if p is None and t is None:
        return
    if p is None or t is None:
        lack = "participants figure of the same date" if p is None else f"target for {year}"
        yield _missing(fig, "plan", f"no {lack}", [p, t])
        return
    formula = f"{_cite(p, fig)} / {_cite(t, fig)}"
    yield _compare(fig, "plan", formula, _divide(p.span, t.span, HUNDRED), [p, t])


def _baseline(fig: _Figure, idx: _Index) -> tuple[_Figure | None, str]:
    """The participants figure a change is measured from, or why there is none."""
    stated = fig.fact.get("baseline")
    if stated:
        when = _end(stated) or stated
        found = idx.find(fig, "participants", lambda c: c.when == when)
        return _best(found, fig), f"no participants figure at the baseline {stated}"
    if "baseline" in fig.fact:
        # None stated: an earlier figure quoted in the same article is what the change is
        # set against (`tăng 1.236 người so với cuối năm 2018 (102.182 người)`).
        why = "no baseline stated and no earlier participants figure in the article"
        found = idx.find(fig, "participants",
                         lambda c: c.source == fig.source and _is_earlier(c, fig))
    else:
        # Not annotated at all (gold facts): the latest earlier figure of the place in any
        # article, as the gold reads it.
        why = "no earlier participants figure"
        found = idx.find(fig, "participants", lambda c: _is_earlier(c, fig))
    latest = max((c.when for c in found), default=None)
    return _best([c for c in found if c.when == latest], fig), why


def _change_parts(fig: _Figure, idx: _Index, check: str):
    now = idx.at(fig, "participants", same_source=False)
    base, why = _baseline(fig, idx)
    if now is None:
        return None, _missing(fig, check, "no participants figure of the same date", [base])
    if base is None:
        return None, _missing(fig, check, why, [now])
    return (now, base), None


def _check_change(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    parts, missing = _change_parts(fig, idx, "change")
    if parts is None:
        yield missing
        return
    now, base = parts
    diff = (now.span[0] - base.span[1], now.span[1] - base.span[0])
    yield _compare(fig, "change", f"{_cite(now, fig)} − {_cite(base, fig)}", diff, [now, base])


def _check_change_pct(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    parts, missing = _change_parts(fig, idx, "change_pct")
    if parts is None:
        yield missing
        return
    now, base = parts
    ratio = _divide(now.span, base.span, HUNDRED)
    pct = None if ratio is None else (ratio[0] - HUNDRED, ratio[1] - HUNDRED)
    formula = f"({_cite(now, fig)} − {_cite(base, fig)}) / {_reported(base)}"
    yield _compare(fig, "change_pct", formula, pct, [now, base])


def _check_target(fig: _Figure, idx: _Index) -> Iterator[Verdict]:
    end = fig.when
    if not isinstance(end, dt.date):
        return
    found = idx.find(fig, "coverage_rate", lambda c: isinstance(c.when, dt.date)
                     and c.when.year == end.year and c.when <= end)
    latest = max((c.when for c in found), default=None)
    cov = _best([c for c in found if c.when == latest], fig)
    if cov is None:
        return
    goal = Fraction(str(fig.fact["value"]))
    strict = fig.fact.get("qualifier") == "more_than"
    lo, hi = cov.span
    if lo > goal or (lo == goal and not strict):
        status = "met"
    elif hi < goal or (hi == goal and strict):
        status = "not_met"
    else:
        status = "unverifiable"
    words = {"met": "met", "not_met": "not met", "unverifiable": "too close to tell"}[status]
    explanation = (f"coverage {_reading(cov)} as of {cov.fact.get('date')} against the target "
                   f"{_reported(fig)} for {fig.fact.get('date')}: {words}")
    if cov.source != fig.source:
        explanation += f" (coverage from {cov.source})"
    yield _verdict(fig, "target", status, _reported(cov), explanation, [cov])


# The checks each reported metric calls for, in the order they are listed.
_CHECKS: dict[str, tuple[Callable[[_Figure, _Index], Iterator[Verdict]], ...]] = {
    "coverage_rate": (_check_ratio, _check_rate_range, _check_implied_population),
    "participants": (_check_count_range,),
    "enrolled": (_check_sum,),
    "plan_completion": (_check_plan,),
    "participants_change": (_check_change,),
    "participants_change_pct": (_check_change_pct,),
    "target_rate": (_check_target,),
}


def audit(facts: Iterable[dict]) -> list[Verdict]:
    """Every check of AUDIT.md over the facts, within and across articles."""
    figures = _figures(facts)
    idx = _Index(figures)
    return [v for fig in figures for check in _CHECKS.get(fig.metric, ()) for v in check(fig, idx)]


@dataclass
class Summary:
    """What a person wants to know of many verdicts: counts by kind, and each inconsistency."""

    kinds: Counter = field(default_factory=Counter)
    inconsistent: list[Verdict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def add(self, verdicts: Iterable[Verdict]) -> Summary:
        for v in verdicts:
            self.kinds[v.check] += 1
            if v.status == "inconsistent":
                self.inconsistent.append(v)
        return self


def report(summary: Summary) -> str:
    """A short report for a person: checks by kind, then every inconsistency."""
    total, bad = summary.total, summary.inconsistent
    counts = ", ".join(f"{k} {n}" for k, n in sorted(summary.kinds.items()))
    lines = [f"{total} check{'' if total == 1 else 's'}: {counts}",
             f"{len(bad)} inconsistent"]
    for v in bad:
        place = f"{v.unit} {v.locality}" if v.unit else f"{v.locality}"
        if v.group:
            place += f" ({v.group})"
        lines.append(f"- {v.source}: {place}, {v.date}, {v.check}: {v.explanation}")
    return "\n".join(lines)


def checks_rows(verdicts: list[Verdict], first_id: int = 1) -> list[dict]:
    """Rows of the `checks` table: numbered in audit order, fact ids as a JSON list, and the
    place they are about (the key an incremental audit finds them by)."""
    return [{"id": n, **v.to_dict(), "facts": json.dumps(list(v.facts)),
             "place": place_id(v.to_dict())}
            for n, v in enumerate(verdicts, start=first_id)]


def place_id(fact: dict) -> str:
    """The place a fact or verdict is about, as stored in `checks.place`."""
    return json.dumps(_place(fact), ensure_ascii=False)


def audit_db(db: Database, places: set[str] | None = None) -> Summary:
    """Audit the `facts` table place by place and store the verdicts in `checks`, in one
    transaction. All checks are about one place, so one place's facts are in memory at a
    time. With `places` (`place_id`s), only those places' checks are redone: what an
    incremental build changed.
    """
    summary = Summary()
    with db.atomic():
        if not db["checks"].exists():
            db["checks"].create(_CHECKS_COLUMNS, pk="id")
        # alter: a checks table made by an older version gains the columns it lacks.
        db["checks"].add_missing_columns([_CHECKS_COLUMNS])
        for column in ("place", "source"):  # how an incremental build finds its checks
            db["checks"].create_index([column], if_not_exists=True)
        if places is None:
            db.execute("DELETE FROM checks")
        else:
            db.conn.executemany("DELETE FROM checks WHERE place = ?", [(p,) for p in places])
        next_id = (db.execute("SELECT max(id) FROM checks").fetchone()[0] or 0) + 1
        for key, group in _facts_by_place(db):
            if places is not None and key not in places:
                continue
            verdicts = audit(group)
            db["checks"].insert_all(checks_rows(verdicts, next_id), pk="id")
            next_id += len(verdicts)
            summary.add(verdicts)
    return summary


_AUDITED = ("id", "source", "locality", "unit", "province", "district", "code", "date", "metric",
            "value", "qualifier", "group", "surface", "baseline")


def _facts_by_place(db: Database) -> Iterator[tuple[str, list[dict]]]:
    if not db["facts"].exists():
        return
    # Only the columns the checks read: a much-reported place can hold a large share of
    # all facts, and the evidence sentences would be most of its memory.
    columns = [c for c in _AUDITED if c in db["facts"].columns_dict]
    # rowid last: an article's facts were stored together, so each source's rows of a
    # place come one after another.
    rows = db.query(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM facts "
                    "ORDER BY coalesce(code, ''), unit, locality, province, rowid")
    for key, group in groupby(rows, key=place_id):
        yield key, list(_without_copies(group))


def _without_copies(rows: Iterable[dict]) -> Iterator[dict]:
    """A place's rows, less the sources that only repeat an earlier source's figures: the
    audit counts such a copy once anyway (`_figures`), and a place reported by thousands
    of copies would otherwise hold them all in memory."""
    seen: set[frozenset] = set()
    for _, chunk in groupby(rows, key=lambda f: f.get("source") or ""):
        facts = list(chunk)
        contents = frozenset(_content(f) for f in facts if _readable(f))
        if contents not in seen:
            seen.add(contents)
            yield from facts


_CHECKS_COLUMNS = {"id": int, **{f.name: str for f in fields(Verdict)}, "off_by": float,
                   "place": str}
