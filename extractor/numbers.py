"""Numbers as Vietnamese articles write them, with their spans, scale, percent sign and hedge.

`174.752` and `512,318 người` are counts; `72,49%`, `90.5%`, `1,927 triệu` carry decimals.
A lone mark followed by exactly three digits is a thousands separator unless a percent
sign or a scale word says it is a decimal: the locale alone cannot decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import regex

from .data import alternation, load


@dataclass(frozen=True)
class Number:
    value: Decimal
    start: int  # span of the number with its scale word and percent sign
    end: int
    surface: str
    percent: bool
    scale: int = 1
    qualifier: str = "exact"
    qualifier_start: int | None = None  # where the hedge word begins, when there is one

    @property
    def people(self) -> int | float:
        return int(self.value) if self.value == self.value.to_integral() else float(self.value)


_DIGITS = r"\d+(?:[.,]\d+)*"
_MARK = regex.compile(r"[.,]")
_MARK_DIGIT = regex.compile(r"[.,]\d")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, regex.Pattern]:
    nums = load("numbers")
    scale_alt = alternation(list(nums["scales"]))
    words = [*nums["digits"], *nums["tens_words"], nums["ten_word"], *nums["hundred_words"],
             *nums["decimal_words"], *nums["scales"]]
    word_alt = alternation(words)
    percent_alt = alternation(nums["percent_words"])
    return {
        "number": regex.compile(
            rf"(?<![\p{{L}}\d])({_DIGITS})(?:\s*({scale_alt})(?!\p{{L}}))?(?:\s*({percent_alt}))?",
            regex.IGNORECASE),
        # "1 triệu 187 nghìn", "162 nghìn 480": the rest of a number spoken in parts ("3
        # nghìn 2" is 3.200 said short, so a last part without a scale word has three digits)
        "rest": regex.compile(rf"\s+(?:(\d{{1,3}})\s*({scale_alt})(?!\p{{L}})"
                              rf"|(\d{{3}})(?![\d.,%]|\s*(?:{scale_alt})(?!\p{{L}})))",
                              regex.IGNORECASE),
        "words": regex.compile(
            rf"(?<!\p{{L}})(?<!(?:{alternation(nums['vague_before'])})\s+)"
            rf"((?:(?:{word_alt})\s+)*(?:{word_alt}))(?:\s+(phần\s+trăm)(?!\p{{L}})"
            rf"|(?=\s+(?:{alternation(nums['counted_words'])})(?!\p{{L}})))",
            regex.IGNORECASE),
    }


def parse_digits(digits: str, *, decimal_hint: bool) -> Decimal:
    """The value of `174.752`, `72,49`, `1.204.530`, `2.306,415`, `1,234.5`.

    With `decimal_hint` (a percent sign or scale word follows) a lone mark is decimal.
    """
    marks = _MARK.findall(digits)
    groups = _MARK.split(digits)
    if not marks:
        return Decimal(digits)
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
        whole = "".join(_MARK.split(digits[: digits.rfind(decimal_mark)]))
        return Decimal(f"{whole}.{groups[-1]}")
    if len(marks) > 1:  # the same mark repeated is always grouping
        return Decimal("".join(groups))
    head, tail = groups
    if len(tail) != 3 or decimal_hint:
        return Decimal(f"{head}.{tail}")
    return Decimal(head + tail)


def parse_number_words(words: str) -> Decimal | None:
    """`chín mươi mốt` → 91, `một trăm` → 100, `chín mươi lăm phẩy năm` → 95.5."""
    nums = load("numbers")
    digits = {k.casefold(): v for k, v in nums["digits"].items()}
    tokens = words.casefold().split()
    if any(t in nums["decimal_words"] for t in tokens):
        i = next(i for i, t in enumerate(tokens) if t in nums["decimal_words"])
        whole = parse_number_words(" ".join(tokens[:i]))
        frac = "".join(str(digits[t]) for t in tokens[i + 1:] if t in digits)
        return None if whole is None or not frac else Decimal(f"{whole}.{frac}")
    scales = {k.casefold(): v for k, v in nums["scales"].items()}
    if tokens and (tokens[0] in scales or tokens[0] in nums["hundred_words"]):
        return None  # "nghìn người", "trăm người": no number said
    # "mười ba nghìn hai trăm hai mươi sáu": whole thousands, then hundreds, then the rest
    total, hundreds, current = 0, 0, 0
    for t in tokens:
        if t in digits:
            current += digits[t]
        elif t == nums["ten_word"]:
            current += 10
        elif t in nums["tens_words"]:
            current = (current or 1) * 10
        elif t in nums["hundred_words"]:
            hundreds += (current or 1) * 100
            current = 0
        elif t in scales:
            total += (hundreds + current or 1) * scales[t]
            hundreds, current = 0, 0
        else:
            return None
    return Decimal(total + hundreds + current)


def find_numbers(text: str, start: int = 0, end: int | None = None,
                 masked: list[tuple[int, int]] = ()) -> list[Number]:
    """Every number in `text[start:end]` outside the masked spans (dates, codes, phones)."""
    end = len(text) if end is None else end
    pats = _patterns()
    scales = load("numbers")["scales"]
    found: list[Number] = []
    taken = start  # the end of the last number, which may have swallowed the next digits
    for m in pats["number"].finditer(text, start, end):
        if m.start() < taken or any(a < m.end(1) and m.start(1) < b for a, b in masked):
            continue
        digits, scale_word, percent = m.group(1), m.group(2), m.group(3)
        if _MARK_DIGIT.match(text, m.end(1)):
            continue  # a longer token (an IP, a version) the pattern cut short
        value = parse_digits(digits, decimal_hint=bool(scale_word or percent))
        scale = scales[scale_word.lower()] if scale_word else 1
        value, stop = value * scale, m.end()
        while scale > 1 and not percent and (rest := pats["rest"].match(text, stop, end)):
            # "1 triệu 187 nghìn", "162 nghìn 480": each part below the one before
            digits_part = int(rest.group(1) or rest.group(3))
            part = scales[rest.group(2).lower()] if rest.group(2) else 1
            if part >= scale or digits_part * part >= scale:
                break
            value, stop, scale = value + digits_part * part, rest.end(), part
        taken = stop
        found.append(Number(value=value, start=m.start(), end=stop, surface=text[m.start():stop],
                            percent=bool(percent),
                            scale=scales[scale_word.lower()] if scale_word else 1))
    least = load("numbers")["min_count_in_words"]
    for m in pats["words"].finditer(text, start, end):
        value = parse_number_words(m.group(1))
        if value is not None and (m.group(2) or value >= least) and not any(
                n.start < m.end() and m.start() < n.end for n in found):
            found.append(Number(value=value, start=m.start(), end=m.end(),
                                surface=m.group(0), percent=bool(m.group(2))))
    found.sort(key=lambda n: n.start)
    return [_with_qualifier(text, n, found) for n in found]


def implied_percent(n: Number) -> Number:
    """The number read as a percentage whose sign the writer left out (`đạt 97,45 kế hoạch`)."""
    digits = regex.match(_DIGITS, n.surface)
    value = parse_digits(digits.group(0), decimal_hint=True) if digits else n.value
    return _replace(n, value=value, percent=True)


def as_count(n: Number) -> Number:
    """A count of people is whole: `2.306,415 người` mixes two conventions for 2.306.415."""
    if n.scale != 1 or n.value == n.value.to_integral():
        return n
    digits = regex.match(_DIGITS, n.surface)
    groups = regex.split(r"[.,]", digits.group(0)) if digits else []
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
        return _replace(n, value=Decimal("".join(groups)))
    return n


@lru_cache(maxsize=1)
def _qualifier_patterns() -> dict[str, regex.Pattern]:
    q = load("qualifiers")
    before = {kind: regex.compile(rf"(?<!\p{{L}})({alternation(q[kind])})\s*(?:mức\s+)?$",
                                  regex.IGNORECASE)
              for kind in ("approx", "more_than", "less_than", "at_least")}
    before["range_from"] = regex.compile(rf"(?<!\p{{L}})({alternation(q['range_from'])})\s*$",
                                         regex.IGNORECASE)
    before["range_to"] = regex.compile(rf"^\s*({alternation(q['range_to'])})\s*$", regex.IGNORECASE)
    before["at_least_after"] = regex.compile(rf"\s*({alternation(q['at_least_after'])})(?!\p{{L}})",
                                             regex.IGNORECASE)
    return before


def _with_qualifier(text: str, n: Number, all_numbers: list[Number]) -> Number:
    pats = _qualifier_patterns()
    window = text[max(0, n.start - 30):n.start]
    # Longest hedge first across kinds: "không dưới" (at_least) must beat "dưới".
    best: tuple[int, str] | None = None
    for kind in ("at_least", "less_than", "more_than", "approx"):
        m = pats[kind].search(window)
        if m and (best is None or len(window) - m.start(1) > best[0]):
            best = (len(window) - m.start(1), kind)
    if best:
        return _replace(n, qualifier=best[1], qualifier_start=n.start - best[0])
    if pats["at_least_after"].match(text, n.end):
        return _replace(n, qualifier="at_least")
    m = pats["range_from"].search(window)
    if m and (partner := _range_partner(text, n, all_numbers)) is not None:
        # "từ 80 đến 82%": the low end shares the high end's percent sign
        percent = n.percent or (partner.percent and n.scale == 1 and n.value <= partner.value)
        n = implied_percent(n) if percent and not n.percent else n
        return _replace(n, qualifier="at_least", qualifier_start=n.start - (len(window) - m.start(1)))
    return n


def _range_partner(text: str, n: Number, all_numbers: list[Number]) -> Number | None:
    pats = _qualifier_patterns()
    following = [p for p in all_numbers if p.start >= n.end]
    if following and pats["range_to"].match(text[n.end:following[0].start]):
        return following[0]
    return None


def _replace(n: Number, **changes) -> Number:
    from dataclasses import replace

    return replace(n, **changes)


_SLASH = regex.compile(r"\s*/\s*")
_PEOPLE_AFTER = regex.compile(r"\s*(?:người|trong\s+số)", regex.IGNORECASE)


@lru_cache(maxsize=1)
def _share_of_other() -> regex.Pattern:
    words = alternation(load("numbers")["share_of_other"])
    return regex.compile(rf"(?<!\p{{L}})(?:{words})(?!\p{{L}})", regex.IGNORECASE)


@lru_cache(maxsize=1)
def _per() -> regex.Pattern:
    return regex.compile(rf"(?<!\p{{L}})(?:{alternation(load('numbers')['per_words'])})\s+$",
                         regex.IGNORECASE)


def shares(text: str, numbers: list[Number]) -> list[Number]:
    """Shares written per ten or per hundred read as percentages: "gần 9/10 người dân có thẻ"
    is 90%, "cứ 100 người dân thì có 92 người có thẻ" is 92%. The ten or hundred is dropped."""
    out: list[Number] = []
    skip: set[int] = set()
    for i, n in enumerate(numbers):
        if i in skip:
            continue
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        if not n.percent and _per().search(text, max(0, n.start - 16), n.start):
            # "cứ 100 người": a base to count against, never a figure itself.
            if n.value in (10, 100) and nxt is not None and not nxt.percent \
                    and nxt.value <= n.value and nxt.start - n.end < 60 \
                    and _PEOPLE_AFTER.match(text, nxt.end) \
                    and not _share_of_other().search(text, n.end, nxt.start):
                out.append(_replace(nxt, value=nxt.value * 100 / n.value, percent=True))
                skip.add(i + 1)
            continue
        if (nxt is not None and not n.percent and not nxt.percent and nxt.value in (10, 100)
                and n.value <= nxt.value and _SLASH.fullmatch(text, n.end, nxt.start)):
            out.append(_replace(n, value=n.value * 100 / nxt.value, percent=True))
            skip.add(i + 1)
            continue
        out.append(n)
    return out
