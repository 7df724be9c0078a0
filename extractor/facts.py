"""The pipeline: an article in, its BHYT facts out.

    segment -> time phrases -> numbers -> scheme check -> metric -> place -> date -> Fact

Each step is a function of the sentence and the article's context; only the "as of"
date (FACTS.md, Dates rule 2) carries from one sentence to the next.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import regex

from . import gazetteer
from .data import alternation, load
from .dates import (
    FoundPhrase,
    TimePhrase,
    a_year_before,
    date_phrases,
    filed_date,
    find_time_phrases,
    full_dates,
    granularity,
    parse_published,
    period_end,
    scan_time_phrases,
    shift_year,
    stale,
)
from .metrics import SchemeMention, classify, patterns, scheme_mentions
from .model import Article, Fact
from .numbers import Number, as_count, find_numbers, implied_percent, shares
from .places import (
    ArticlePlaces,
    Locality,
    Mention,
    names_institution,
    names_official,
    province_of_owner,
)
from .segment import Piece, headline_end, plan_words, segment

_RATIO = regex.compile(r"\s*/\s*$")
_CLAUSE_MARK = regex.compile(r"[,;:(]")
_YEAR = regex.compile(r"(?<![\d/.,-])(?:19|20)\d{2}(?![\d/.,-])")
CHANGE_METRICS = ("participants_change", "participants_change_pct")
# A result dated after the article was written is what it aims at.
_AIMED = {"coverage_rate": "target_rate", "participants": "target_participants"}
_CLAUSE_END = regex.compile(r"[;()]|[,.](?!\d)")  # a mark inside a number ends nothing


_UNIT_FRACTION = (r"\d+\s*/\s*\d+(?=\s*(?i:"
                  rf"{alternation(load('documents')['fraction_nouns'])})(?!\p{{L}}))")


_UNIT_FRACTION_BEFORE = regex.compile(_UNIT_FRACTION)


def _of_units(text: str, piece: Piece, n: Number, mentions: list[Mention]) -> bool:
    """Whether a rate is that of a count of units ("9/14 xã đạt trên 98%"), unless places
    are named between ("..., trong đó các xã Phì Nhừ, Xa Dung đạt 100%")."""
    fraction = next(reversed([f for f in _UNIT_FRACTION_BEFORE.finditer(
        text, _semicolon_clause(text, piece, n)[0], n.start) if _part_of_whole(f.group(0))]), None)
    return fraction is not None and not any(
        m.kind in ("named", "bare") and fraction.end() <= m.start < n.start for m in mentions)


def _part_of_whole(fraction: str) -> bool:
    """"9/14 xã" counts units; "đến 30/9 huyện đã đạt ..." is a date before a subject."""
    part, whole = (int(x) for x in fraction.split("/"))
    return part <= whole


_DIGIT = regex.compile(r"\d")


@lru_cache(maxsize=1)
def _codes() -> regex.Pattern:
    """Document numbers, phone numbers, year ranges, fractions of units: they look like
    figures and are none."""
    d = load("documents")
    return regex.compile(
        r"\d+(?:[./-]\d+)*\s*/\s*(?:\d{4}\s*/\s*)?[\p{Lu}Đ]{1,}[\p{Lu}Đ\-/]*"  # 146/2018/NĐ-CP
        r"|(?<![\d.,])0\d{2,4}[. ]?\d{3,4}[. ]?\d{3,4}(?![\d])"  # 0229.3865.126
        r"|(?<![\d.,])1[89]00[. ]?\d{4}(?:[. ]?\d{2,3})?(?![\d])"  # 1900.9068
        rf"|(?<!\p{{L}})(?i:{alternation(d['document_words'])})(?:\s+số)?\s+\d+"  # công văn 23
        r"|(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}"  # 2021 - 2026
        rf"|{_UNIT_FRACTION}"  # 9/9 xã
        rf"|(?<!\p{{L}})(?i:{alternation(d['ordinal_words'])})\s+\S+")


def _in_quote(text: str, piece: Piece, n: Number) -> bool:
    """Whether the number stands in quoted speech: a person's story, not a report, unless
    an official speaks (`patterns/documents.yml`)."""
    head = text[piece.start:n.start]
    opened = head.rfind("“") if head.count("“") > head.count("”") else (
        head.rfind('"') if head.count('"') % 2 == 1 else -1)
    if opened < 0:
        return False
    # A quote that opens its sentence has its speaker in the sentence before, in the same
    # paragraph ("Ông A, Phó Tổng Giám đốc BHXH Việt Nam, cho biết … “Năm 2020, chúng tôi …").
    speaker_from = text.rfind("\n", 0, piece.start) + 1 if not head[:opened].strip() else piece.start
    return not names_official(text, speaker_from, piece.start + opened)


@lru_cache(maxsize=1)
def _groups() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    """The groups, the words that end a group's reach, and the campaigns and causes that
    name a group without being about it (a word or more before it)."""
    g = load("groups")
    named = "|".join([alternation(g["groups"]), *g.get("group_patterns", [])])
    aside = alternation([*g["campaign_before"], *g["cause_before"]])
    return (regex.compile(rf"(?<!\p{{L}})(?:{named})(?!\p{{L}})", regex.IGNORECASE),
            regex.compile(rf"(?<!\p{{L}})(?:{alternation(g['stop_after'])})(?!\p{{L}})",
                          regex.IGNORECASE),
            regex.compile(rf"(?<!\p{{L}})(?:{aside})\s+\S[^,;:]*$", regex.IGNORECASE))


@lru_cache(maxsize=1)
def _clause_approx() -> regex.Pattern:
    words = load("qualifiers")["clause_approx"]
    return regex.compile(rf"[\s\-–•*+]*(?:{alternation(words)})(?!\p{{L}})", regex.IGNORECASE)


@dataclass
class Context:
    """What the whole article tells every sentence."""

    article: Article
    published: str | None
    fallback_year: int | None
    places: ArticlePlaces
    bhyt_article: bool
    phrases: list[TimePhrase] = field(default_factory=list)  # every time phrase, in order
    first_asof: str | None = None
    state: str | None = None  # the "as of" date in force
    target_year: str | None = None  # the year the article's aims were last dated to
    topic: dict[int, str] = field(default_factory=dict)  # paragraph -> scheme last named
    last_scheme: str | None = None  # the scheme the article named last; "several" after two
    previous_piece: tuple[int, int] | None = None  # the sentence before, for "nhóm này"
    previous_dates: list[str] = field(default_factory=list)  # the times the sentence before named


def extract(article: Article) -> list[Fact]:
    """Every BHYT statistic in the article, as facts with their provenance."""
    ctx = _context(article)
    found: list[tuple[Fact, str]] = []
    for piece in segment(article.text):
        # A later news item's headline restates its body, as the page's headline does.
        kind = "title" if ctx.places.heads_item(piece.start) else piece.kind
        found.extend((f, kind) for f in _read_piece(ctx, piece))
    return _dedupe(found)


def _dedupe(found: list[tuple[Fact, str]]) -> list[Fact]:
    """One fact per place, metric, value, group, date and hedge: a headline or a duplicated
    lead restating a body figure adds nothing. The body's wording is kept as evidence."""
    def key(f: Fact) -> tuple:
        return (f.locality, f.unit, f.metric, f.value, f.group, f.date, f.qualifier)

    # A headline restates a body figure, often at another date ("Năm 2019" over "31/12/2019").
    body = {key(f)[:5] for f, kind in found if kind != "title"}
    seen: set = set()
    out = []
    for f, kind in found:
        k = key(f)
        if k in seen or (kind == "title" and k[:5] in body):
            continue
        seen.add(k)
        out.append(f)
    return out


# ------------------------------------------------------------------ article context

_DATELINE_ABBREV = regex.compile(r"^\s*\(([\p{Lu}Đ][\p{L}.]{1,12})\)\s*[-–—:]", regex.MULTILINE)


def _context(article: Article) -> Context:
    text = article.text
    published = parse_published(article.published)
    # A page may print the day it was crawled where its own date should be.
    # One scan for every use below: the phrases' kinds do not depend on the date found.
    found = scan_time_phrases(text)
    dated = full_dates(date_phrases(found))
    crawled = published if published and article.form != "txt" and stale(
        published, dated, last_year_named=any(f.last_year for f in found)) \
        else None
    years = [int(y) for y in regex.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)
             if 1990 <= int(y) <= 2100 and not (crawled and y == crawled[:4])]
    # A year the headline names is what a yearless date means ("Năm 2017 ...": "31/12");
    # else the latest year written, though that may be a target's.
    headline_year = _headline_year(text)
    fallback_year = int(headline_year) if headline_year else max(years) if years else None
    published = ((None if crawled else published) or filed_date(
        _dateline(text, found, dated, int(headline_year) if headline_year else None), article.url)
                 or _event_date(found, fallback_year))
    hint = gazetteer.province_for_host(article.url) if article.url else None
    if hint is None:
        m = _DATELINE_ABBREV.search(text[:3000])
        if m:
            hint = gazetteer.province_for_dateline(m.group(1), article.url)
    if hint is None:
        hint = _paper_province(text[:600])
    date = published or (str(fallback_year) if fallback_year else None)
    if hint is None and article.site:
        hint = province_of_owner(article.site, date)
    places = ArticlePlaces(text, article.title, date, hint)
    head = (article.title or "") + text[:1500]
    bhyt = bool(patterns()["bhyt"].search(head))
    ctx = Context(article, published, fallback_year, places, bhyt,
                  state=None if published else headline_year,
                  phrases=date_phrases(found, published, fallback_year))
    asof = [p for p in ctx.phrases if p.kind == "asof" and p.value]
    ctx.first_asof = asof[0].value if asof else None
    return ctx


def _headline_year(text: str) -> str | None:
    """With no publication date, the year a headline names ("KẾT QUẢ ... NĂM 2017") dates
    what the article says without a time phrase."""
    m = _YEAR.search(text, 0, headline_end(text))
    return m.group(0) if m else None


def _dateline(text: str, found: list[FoundPhrase], dated: list[str], year: int | None,
              ) -> str | None:
    """The publication date printed near the top: a short line with a full date, or a
    day and month in the year the headline names ("... năm 2023" over "ngày 17/11").

    A site header may print today's date above the article; a candidate more than a
    year after every date the article itself mentions is such a stale header.
    """
    candidates = []
    at = 0
    for line in text.split("\n", 10)[:10]:
        start, at = at, at + len(line) + 1
        if len(line) > 140 or line.rstrip().endswith("."):
            continue  # a paragraph, not a dateline: "Thời điểm 30/6/2025, … đạt 89,6%."
        for p in date_phrases([f for f in found if start <= f.start < at], fallback_year=year):
            if p.value and len(p.value) == 10 and p.kind in ("point", "event", "opener"):
                candidates.append(p.value)
                break
    if not candidates:
        return None
    fresh = [c for c in candidates if not stale(c, dated)]
    # Several dates above the body: the one nearest the body is the article's own.
    return fresh[-1] if fresh else None


def _event_date(found: list[FoundPhrase], year: int | None) -> str | None:
    """For articles with no dateline: the day of the reported meeting ("Chiều ngày 12/1")
    near the top."""
    for p in date_phrases([f for f in found if f.end <= 1500], fallback_year=year):
        if p.kind == "event" and p.value:
            return p.value
    return None


def _paper_province(head: str) -> str | None:
    """A provincial paper named in the byline ("Báo Hà Giang", "Đồng Khởi Online")."""
    m = regex.search(r"(?<!\p{L})Báo\s+((?:\p{Lu}\p{Ll}*\s?){1,3})", head)
    if m:
        p = gazetteer.province(m.group(1).strip())
        if p:
            return p.name
    return None


# ------------------------------------------------------------------ one piece of text

@dataclass(frozen=True)
class Reading:
    """What one number is, before it becomes facts (one per place it is about)."""

    number: Number
    metric: str
    value: float | int
    qualifier: str
    group: str | None
    date: str | None
    baseline: str | None
    places: tuple[Locality, ...]


def _read_piece(ctx: Context, piece: Piece) -> list[Fact]:
    text = ctx.article.text
    phrases = _within(ctx.phrases, piece.start, piece.end)
    masked = [(p.start, p.end) for p in phrases if p.value]
    if _DIGIT.search(text, piece.start, piece.end):  # codes are looked for where numbers are
        masked += [m.span() for m in _codes().finditer(text, piece.start, piece.end)]
    numbers = shares(text, find_numbers(text, piece.start, piece.end, masked))
    if piece.kind == "row":
        readings = _read_row(ctx, piece, numbers, phrases)
    else:
        readings = _read_sentence(ctx, piece, numbers, phrases)
    _update_state(ctx, piece, phrases)
    evidence = text[piece.start:piece.end].strip()
    if piece.intro and piece.kind in ("item", "row"):
        evidence = text[piece.intro[0]:piece.intro[1]].strip() + " … " + evidence
    facts = []
    for r in readings:
        for loc in (ctx.places.at_date(p, r.date) for p in r.places):
            facts.append(Fact(
                source=ctx.article.source, locality=loc.locality, unit=loc.unit,
                province=loc.province, district=loc.district, date=r.date, metric=r.metric,
                value=r.value, qualifier=r.qualifier, group=_spelled_out(r.group), evidence=evidence,
                start=r.number.start, end=r.number.end, surface=r.number.surface,
                baseline=r.baseline, code=loc.code,
                extra={"lat": loc.lat, "lon": loc.lon} if loc.lat is not None else {}))
    return facts


@lru_cache(maxsize=256)
def _spelled_out(group: str | None) -> str | None:
    """A group's name with its abbreviations written out ("người DTTS")."""
    if group is None:
        return None
    words = load("groups")["abbreviations"]
    return regex.sub(rf"(?<!\p{{L}})(?:{'|'.join(words)})(?!\p{{L}})", lambda m: words[m.group()], group)


def _within(items: list, start: int, end: int) -> list:
    """The items (sorted by `.start`) that start inside [start, end)."""
    starts = [x.start for x in items]
    return items[bisect_left(starts, start):bisect_left(starts, end)]


_LOOK_BACK = regex.compile(rf"(?<!\p{{L}})(?:{alternation(load('dates')['look_back'])})(?!\p{{L}})",
                           regex.IGNORECASE)


def _update_state(ctx: Context, piece: Piece, phrases: list[TimePhrase]) -> None:
    text = ctx.article.text
    if piece.kind == "sentence":
        ctx.previous_dates = [p.value for p in phrases if p.value and p.kind in ("point", "opener", "asof")]
    for p in phrases:
        if p.kind == "asof_now" and ctx.published:
            ctx.state = ctx.published
            continue
        if piece.plan and p.value and p.kind not in ("baseline", "ignore"):
            ctx.target_year = p.value[:4]  # "III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024"
            continue
        if p.kind not in ("asof", "opener") or not p.value:
            continue
        heads_aim = p.kind == "opener" and patterns()["target"].search(
            text, p.end, min(piece.end, p.end + 40))
        if _target_cues(text, piece.start, p.start) or heads_aim:
            # "phấn đấu đến năm 2025", "Năm 2024 phấn đấu ...": the year aimed at, which
            # dates the targets after it that name no year of their own.
            ctx.target_year = p.value[:4]
            continue
        if piece.kind == "title":
            continue
        if ctx.state and (p.value[:4] < ctx.state[:4] or (
                p.kind == "opener" and p.value[:4] == ctx.state[:4]
                and granularity(ctx.state) > granularity(p.value)) or (
                _LOOK_BACK.search(text, max(piece.start, p.start - 25), p.start)
                and period_end(p.value) < period_end(ctx.state))):
            # "Năm 2025," after "hết tháng 9/2025" keeps the finer date; a look back at
            # "Năm 2024," or "Cuối năm 2024," in a 2025 report, or "Trước đó, hết 11 tháng"
            # after "31/12/2025", dates its own sentence only.
            continue
        ctx.state = p.value


def _scheme_for(ctx: Context, piece: Piece, n: Number, schemes) -> str | None:
    text = ctx.article.text
    right_end = _clause_end(text, n.end, piece.end)
    after = [s for s in schemes if n.end <= s.start < right_end and s.start - n.end < 45]
    if after:
        return after[0].scheme
    before = [s for s in schemes if s.end <= n.start]
    if before:
        return before[-1].scheme
    if schemes and all(s.scheme == "bhyt" for s in schemes):
        return "bhyt"  # the sentence names BHYT, after this figure, and no other scheme
    if piece.paragraph in ctx.topic:
        return ctx.topic[piece.paragraph]
    if piece.intro:
        intro = scheme_mentions(text, *piece.intro)
        if intro:
            return intro[-1].scheme
    if ctx.last_scheme == "bhyt" and (patterns()["parts_opener"].match(
            text, piece.intro[0] if piece.intro else piece.start) or piece.intro and patterns()[
            "parts_intro"].search(text, *piece.intro)):
        return "bhyt"  # "Trong đó: nhóm hộ gia đình có 48.265 người; …" after a BHYT total
    # "phường Buôn Ma Thuột đạt 96,35%" in a paragraph after the BHYT figures.
    named = [m for m in _within(ctx.places.mentions, piece.start, n.start)
             if m.kind in ("named", "bare")]
    # A count in brackets after a rate ("86,5% (7.204/8.329)") is that rate's.
    bracketed = regex.search(r"%\s*\(\s*(?:[\d.,]+\s*/\s*)?$",
                             text[max(piece.start, n.start - 24):n.start]) is not None
    # "Xã Yên Ninh: 8.412/9.006 người, đạt 93,4%": a place's counts beside its rate.
    beside_rate = "%" in text[n.end:piece.end]
    if named and (n.percent or bracketed or beside_rate) and (
            ctx.last_scheme == "bhyt"
            # "chính sách BHXH, BHYT" names all schemes, not one the rates could be
            or (ctx.last_scheme in (None, "several") and ctx.bhyt_article)):
        return "bhyt"
    return None


_IN_TURN = regex.compile(r"(?<!\p{L})lần\s+lượt(?:\s+là)?(?!\p{L})", regex.IGNORECASE)


def _schemes_in_turn(text: str, numbers: list[Number], schemes: list[SchemeMention],
                     ) -> dict[Number, tuple[str, int, int]]:
    """`... BHXH tự nguyện, ... BHTN và ... BHYT; số người tham gia tăng lần lượt 24,6%,
    2,8% và 1,9%`: each figure of the run is the scheme named in that turn. Maps each
    figure to (its scheme, start and end of the words that stand before the run)."""
    m = next(reversed(list(_IN_TURN.finditer(text, schemes[0].end if schemes else 0,
                                             numbers[-1].start if numbers else 0))), None)
    if m is None:
        return {}
    # BHYT named again ("bảo hiểm y tế (BHYT), đạt tỷ lệ bao phủ") is one turn; the other
    # schemes are told apart by name.
    named: list[SchemeMention] = []
    for s in (s for s in schemes if s.end <= m.start()):
        if not (named and named[-1].scheme == s.scheme == "bhyt"):
            named.append(s)
    run = [n for n in numbers if n.start >= m.end()][:len(named)]
    if len(named) < 2 or len(run) != len(named):
        return {}
    before = max([n.end for n in numbers if n.end <= m.start()] + [named[-1].end])
    return {n: (s.scheme, before, m.end()) for n, s in zip(run, named, strict=True)}


_RUN_JOIN = regex.compile(r"\s*(?:người|thẻ)?\s*(?:,|;|và|,\s*và)\s*")


def _turn_runs(text: str, piece: Piece, numbers: list[Number]) -> dict[Number, int]:
    """`lần lượt tăng 9.412 người, 7.865 người và 6.903 người`: each later figure of a run
    after "lần lượt" maps to the index of the run's first, whose words it shares."""
    out: dict[Number, int] = {}
    for m in _IN_TURN.finditer(text, piece.start, piece.end):
        first = next((i for i, n in enumerate(numbers) if n.start >= m.end()), None)
        if first is None:
            continue
        i = first
        while i + 1 < len(numbers) and _RUN_JOIN.fullmatch(text, numbers[i].end,
                                                            numbers[i + 1].start):
            i += 1
            out[numbers[i]] = first
    return out


def _clause_end(text: str, pos: int, limit: int) -> int:
    m = _CLAUSE_END.search(text, pos, limit)
    return m.start() if m else limit


def _read_sentence(ctx: Context, piece: Piece, numbers: list[Number],
                   phrases: list[TimePhrase]) -> list[Reading]:
    text = ctx.article.text
    schemes = scheme_mentions(text, piece.start, piece.end)
    if not numbers:
        _remember_sentence(ctx, piece, schemes)
        return []
    mentions = [m for m in _within(ctx.places.mentions, piece.start, piece.end)
                if m.kind != "locator"]
    intro_text = text[piece.intro[0]:piece.intro[1]] if piece.intro else ""
    readings: list[Reading] = []
    prev_end = piece.start
    previous: Reading | None = None
    prev_skipped = False
    cues = _without_places(text, piece, mentions)

    def cue_text(a: int, b: int) -> str:
        return cues[a - piece.start:b - piece.start]

    in_turn = _schemes_in_turn(text, numbers, schemes)
    runs = _turn_runs(text, piece, numbers)
    # The meaning of the figure just before, kept or not ("BHXH tự nguyện đạt 104,6%, BHYT
    # đạt 99,3%": the first is another scheme's, yet says what the second is).
    prv_metric: str | None = None
    prv_left_start = piece.start
    for i, n in enumerate(numbers):
        after, prv_metric = prv_metric, None
        nxt = numbers[i + 1] if i + 1 < len(numbers) else None
        prv = numbers[i - 1] if i else None
        lead = n.qualifier_start if n.qualifier_start is not None else n.start
        # The figures of a "lần lượt" run all read what stands before the run.
        if n in in_turn:
            left = cue_text(in_turn[n][1], in_turn[n][2])
        elif n in runs:
            head = numbers[runs[n]]
            left = cue_text(numbers[runs[n] - 1].end if runs[n] else piece.start,
                            head.qualifier_start if head.qualifier_start is not None
                            else head.start)
        elif prv is not None and _HOUSEHOLDS_WITH.fullmatch(text, prv.end, lead):
            # "vận động được 215 hộ với 612 người": the people take the cue before the homes
            left = cue_text(prv_left_start, prv.qualifier_start if prv.qualifier_start is not None
                            else prv.start)
        else:
            left = cue_text(prev_end, lead)
        prv_left_start = prev_end
        right = cue_text(n.end, min(piece.end, n.end + 80))
        clause = cue_text(_clause_start(text, piece.start, lead), lead)
        if not n.percent and _implied_percent(n, left, right):
            n = implied_percent(n)
        elif not n.percent and patterns()["people_after"].match(right):
            n = as_count(n)
        kind = "percent" if n.percent else "count"
        target = _target_mode(text, piece, n) or bool(
            (piece.plan or intro_text and patterns()["target"].search(intro_text))
            and not patterns()["result"].search(text, piece.start, piece.end))
        ratio_denominator = prv is not None and not prv.percent and _RATIO.match(
            text[prv.end:n.start]) is not None and not n.percent
        ratio_numerator = (nxt is not None and not n.percent and not nxt.percent
                           and _RATIO.match(text[n.end:nxt.start]) is not None)
        prev_end = n.end
        if kind == "count" and not (ratio_numerator or ratio_denominator
                                    or patterns()["people_after"].match(right)):
            continue
        if (kind == "count" and n.value < load("documents")["min_count"]) or _in_quote(text, piece, n):
            continue
        if ratio_denominator:
            metric = "population" if not target else None
        elif ratio_numerator:
            metric = "participants" if not target else "target_participants"
        elif prev_skipped and kind == "percent" and _continues_enumeration(left):
            metric = None  # "hỗ trợ thêm 30% mức đóng cho ..., 20% cho học sinh"
        else:
            metric = classify(kind, left, right, clause, target, after, n.qualifier)
        prv_metric = metric
        prev_skipped = kind == "percent" and metric is None
        if metric is None or (kind == "percent" and _of_units(text, piece, n, mentions)):
            continue  # "9/16 bản có tỷ lệ trên 95%": the rate of those units, not the place's
        scheme = in_turn[n][0] if n in in_turn else _scheme_for(ctx, piece, n, schemes)
        if scheme is None and ctx.bhyt_article and (
                _participation(text, piece, n, metric)
                or patterns()["participation_acts"].search(intro_text)):
            scheme = "bhyt"
            # The paragraph's later figures, group by group, need not say "tham gia" again.
            ctx.topic.setdefault(piece.paragraph, "bhyt")
        if scheme is None and ctx.bhyt_article and metric == "target_rate" and n.value >= 80:
            # "Chỉ tiêu HĐND huyện giao năm 2020 là 90%" in a BHYT article: a coverage
            # target (no other rate these articles aim at comes near 80%).
            scheme = "bhyt"
        if scheme != "bhyt" or names_institution(text, _semicolon_clause(text, piece, n)[0],
                                                 n.start):
            continue
        places = _places_for(ctx, piece, n, mentions, numbers)
        if not places:
            continue
        group = _group_for(text, piece, n, left, right, metric, previous,
                           clause if clause.strip() else _label(text, piece, lead, cue_text))
        if group:  # "- Người cao tuổi: …" heads its item; "dân tộc Dao" keeps its capital
            group = group[0].lower() + group[1:]
        if group is None and _THIS_GROUP.search(left) and ctx.previous_piece:
            # "Năm 2023, nhóm này có 359.470 người": the group the sentence before named.
            named = _last_group(text[slice(*ctx.previous_piece)])
            group = named.group(0) if named else None
        date = _date_for(ctx, piece, n, phrases, metric)
        now = ctx.published or ctx.state
        if metric in _AIMED and date and now and date[:4] > now[:4]:
            # "đến năm 2020 tỷ lệ bao phủ đạt 90%" written in 2018: no one reports the future.
            metric, date = _AIMED[metric], date[:4]
        baseline = _baseline_for(ctx, phrases, n, date, metric)
        qualifier = n.qualifier
        if qualifier == "exact" and i == 0 and _clause_approx().match(text, piece.start):
            qualifier = "approx"
        value = _value(n, metric, left)
        if (metric in CHANGE_METRICS and value > 0 and previous is not None
                and previous.number is prv and previous.metric in CHANGE_METRICS
                and previous.value < 0 and not regex.search(r"tăng", left)):
            value = -value  # "giảm 1.236 người, tương đương 0,76%": the same fall
        at_baseline = _baseline_parenthesis(text, piece, n, phrases)
        if at_baseline and metric not in CHANGE_METRICS:
            same = [p for p in phrases if p.kind == "baseline" and p.same_period]
            date = shift_year(date, int(at_baseline[:4])) if same and date else at_baseline
        elif (date and metric not in CHANGE_METRICS and not metric.startswith("target_")
              and a_year_before(text, piece.start, n.start)):
            date = shift_year(date, int(date[:4]) - 1)
        reading = Reading(n, metric, value, qualifier, group, date, baseline, tuple(places))
        readings.append(reading)
        previous = reading
    _remember_sentence(ctx, piece, schemes)
    return _enrolled_as_parts(readings)


def _enrolled_as_parts(readings: list[Reading]) -> list[Reading]:
    """"6.393 người đóng BHYT, trong đó 1.027 người tham gia mới và 5.366 người tái tục", "phát
    triển mới 2.105 người, tái tục 9.870 người, nâng tổng số lên 11.975 người": a count that
    is exactly the new and renewed enrolments after it (or else just before it) is
    enrolments, not holders."""
    out = list(readings)
    for i, r in enumerate(out):
        if r.metric != "participants" or r.qualifier != "exact":
            continue
        for parts in (out[i + 1:], out[i - 1::-1] if i else []):
            new = [x.value for x in parts if x.metric == "new_participants" and x.group == r.group]
            renewed = [x.value for x in parts if x.metric == "renewals" and x.group == r.group]
            if new and renewed and new[0] + renewed[0] == r.value:
                out[i] = replace(r, metric="enrolled")
                break
    return out


def _remember_sentence(ctx: Context, piece: Piece, schemes: list[SchemeMention]) -> None:
    """What later sentences read from this one: the scheme it names last, and itself."""
    if schemes:
        ctx.topic[piece.paragraph] = schemes[-1].scheme
        # "2.645 người tham gia BHYT hộ gia đình và 328 người tham gia BHXH tự nguyện": a
        # sentence of both schemes leaves no one scheme for the next paragraph's rates.
        one = len({s.scheme for s in schemes}) == 1
        ctx.last_scheme = schemes[-1].scheme if one else "several"
    ctx.previous_piece = (piece.start, piece.end)


def _implied_percent(n: Number, left: str, right: str) -> bool:
    """`đạt 97,45 kế hoạch`, `tỷ lệ bao phủ đạt được 88,12.`: a rate whose % sign fell off."""
    p = patterns()
    if n.scale != 1 or n.value > 200 or patterns()["people_after"].match(right):
        return False
    plan = regex.match(r"\s*(?:kế\s+hoạch|KH\b|chỉ\s+tiêu)", right, regex.IGNORECASE) and regex.search(
        r"(?<!\p{L})(?:đạt|bằng|đạt\s+được|hoàn\s+thành)\s*$", left, regex.IGNORECASE)
    decimal = regex.search(r"[.,]\d{1,2}$", n.surface) is not None
    return bool(plan) or (decimal and p["implied_percent_right"].match(right) is not None
                          and p["implied_percent_clause"].search(left) is not None)


def _without_places(text: str, piece: Piece, mentions: list[Mention]) -> str:
    """The piece with its place names blotted out (same length), so that cue words never
    match inside a name ("Rạch Giá" is no price, "Hòa Bình" no "bình quân")."""
    chars = list(text[piece.start:piece.end])
    for m in mentions:
        if m.kind in ("named", "bare", "locator"):
            for i in range(max(m.start, piece.start), min(m.end, piece.end)):
                chars[i - piece.start] = "·"
    return "".join(chars)


def _continues_enumeration(left: str) -> bool:
    """Whether a number only continues the list of the one before it: no new verb or subject."""
    return len(left) < 60 and not regex.search(
        r"(?<!\p{L})(?:đạt|tỷ\s+lệ|bao\s+phủ|có|là|tăng|giảm|toàn|chỉ\s+tiêu|kế\s+hoạch|mục\s+tiêu)"
        r"(?!\p{L})", left, regex.IGNORECASE)


def _participation(text: str, piece: Piece, n: Number, metric: str) -> bool:
    """Whether the number's clause speaks of taking part (patterns/metrics.yml); for a
    population, "dân số" before it is its own word."""
    start, end = _semicolon_clause(text, piece, n)
    return bool(patterns()["participation_acts"].search(text, start, end)
                or patterns()["participation"].search(
                    text, start if metric == "population" else n.end, end))


def _semicolon_clause(text: str, piece: Piece, n: Number) -> tuple[int, int]:
    """The part of the sentence between the semicolons around the number."""
    a = text.rfind(";", piece.start, n.start)
    b = text.find(";", n.end, piece.end)
    return (a + 1 if a >= 0 else piece.start), (b if b >= 0 else piece.end)


def _label(text: str, piece: Piece, lead: int, cue_text: Callable[[int, int], str]) -> str:
    """The label a figure stands right after: "- Trẻ em dưới 6 tuổi: 3.980 người", "Người
    cao tuổi (từ đủ 60 tuổi trở lên): 6.214" (its brackets and numbers included)."""
    colon = text.rfind(":", piece.start, lead)
    if colon < 0 or text[colon + 1:lead].strip():
        return ""
    start = max(text.rfind(c, piece.start, colon) for c in ",;")
    return cue_text(max(start + 1, piece.start), lead)


def _clause_start(text: str, start: int, end: int) -> int:
    """Where the clause holding text[end] begins; an aside in brackets before it ("Đồng bào
    dân tộc thiểu số (chiếm 27,4% dân số) có 53.120 người") does not begin one."""
    asides = [a.span() for a in _ASIDE.finditer(text, start, end)]
    last = start
    for m in _CLAUSE_MARK.finditer(text, start, end):
        if not any(a <= m.start() < b for a, b in asides):
            last = m.end()
    return last


# Between a figure and a year that is another figure's: "đạt trên 98,5% và đến năm 2025 …".
_NEXT_PART = regex.compile(r",|(?<!\p{L})và(?!\p{L})")
_COMPLETED = regex.compile(r"\d\s*%\s*(?:so\s+với\s+)?$")


@lru_cache(maxsize=1)
def _document_subject() -> regex.Pattern:
    d = load("documents")
    return regex.compile(rf"(?<!\p{{L}})(?i:{alternation(d['document_words'])})[^,;]{{0,120}}?"
                         rf"(?<!\p{{L}})(?:{alternation(d['subject_words'])})(?!\p{{L}})[^,;]*")


def _target_cues(text: str, start: int, end: int) -> list[regex.Match]:
    """The target cues in text[start:end], but those in a cited document's subject."""
    # "đạt 101,3% kế hoạch tỉnh giao": the plan a result completed, not an aim
    cues = [c for c in patterns()["target"].finditer(text, start, end)
            if not _COMPLETED.search(text, max(start, c.start() - 12), c.start())]
    if cues:
        subjects = [m.span() for m in _document_subject().finditer(text, start, end)]
        cues = [c for c in cues if not any(a <= c.start() < b for a, b in subjects)]
    return cues


def _target_mode(text: str, piece: Piece, n: Number) -> bool:
    """Whether a target cue governs the number: one before it in its sentence, with no
    clause reporting a result in between."""
    p = patterns()
    cues = _target_cues(text, piece.start, n.start)
    if not cues:
        return False
    between = text[cues[-1].end():n.start]
    if p["estimate"].search(between):
        return False  # "dự kiến đến cuối năm, tỷ lệ ... ước đạt 93,1%": a result, estimated
    tail = between.split(";", 1)[1] if ";" in between else ""
    return not (tail and p["target_breaker"].search(tail) and not p["target_keeper"].search(tail))


def _value(n: Number, metric: str, left: str) -> float | int:
    v: Decimal = n.value
    if metric in CHANGE_METRICS and regex.search(
            r"giảm(?:\s+đi)?\s*$", left, regex.IGNORECASE):
        v = -v
    if n.percent or metric.endswith(("_rate", "_pct")) or metric == "plan_completion":
        return float(v)
    return int(v) if v == v.to_integral() else float(v)


def _places_for(ctx: Context, piece: Piece, n: Number, mentions: list[Mention],
                numbers: list[Number]) -> list[Locality]:
    text = ctx.article.text
    # "cao của cả nước, với khoảng 770 nghìn": a place after "của" qualifies a noun; it is
    # the figure's place only right before it ("của huyện (92,8%)").
    before = [m for m in mentions if m.end <= n.start and not (
        m.kind in ("self", "country") and _GENITIVE.search(text, max(0, m.start - 20), m.start)
        and (n.start - m.end > 6 or "," in text[m.end:n.start]))
        and not _CLOSED_AFTER.match(text, m.end, n.start)]
    if before:
        nearest = before[-1]
        if nearest.kind == "unnamed":
            return []
        group = [nearest]
        for m in reversed(before[:-1]):
            gap = text[m.end:group[0].start]
            # "Ở Gia Lai, phường Pleiku đạt 96,1%": a wider unit before a comma sets the
            # scene; the places a figure shares are of one level.
            levels = {m.level, group[0].level} - {None}
            # "Trên địa bàn thành phố, phường Lộc Phát đạt 88,15%": the article's own place
            # by its unit word is no member of a list of names.
            selves = {m.kind == "self", group[0].kind == "self"}
            if _LIST_GAP.fullmatch(gap) and len(levels) < 2 and len(selves) == 1:
                group.insert(0, m)
            else:
                break
        out = [loc for loc in (ctx.places.resolve(m) for m in group) if loc is not None]
        respective = _respectively(text, group, n, numbers)
        if respective is not None and len(out) == len(group):
            return [out[respective]]
        if out or nearest.kind != "self":
            return out
        # "Theo báo cáo của xã Quảng Nhân, tỷ lệ ... của xã đạt 101,2%" in a district's
        # article: "xã" is the commune the sentence named.
        named = [m for m in before if m.kind == "named" and m.level == nearest.level
                 and m.start >= piece.start]
        if named and (loc := ctx.places.resolve(named[-1])) is not None:
            return [loc]
    after = [m for m in mentions if m.start >= n.end]
    if after:
        gap = text[n.end:after[0].start]
        # "đạt tỷ lệ trên 95%: thị trấn Phước An, xã Ea Kênh": the places are listed after it.
        if (regex.search(r"(?<!\p{L})(?:như|gồm|là)(?!\p{L})", gap)
                or regex.fullmatch(r"\s*:\s*", gap)) and not any(
                n.end < o.start < after[0].start for o in numbers):
            group = [after[0]]
            for m in after[1:]:
                if regex.fullmatch(r"\s*(?:,|và)\s*", text[group[-1].end:m.start]):
                    group.append(m)
                else:
                    break
            out = [ctx.places.resolve(m) for m in group]
            return [loc for loc in out if loc is not None]
    if piece.kind == "title":
        return []  # a headline names its place, or speaks of no place in particular
    default = ctx.places.default(n.start)
    return [default] if default else []


# "(tính chung ba tỉnh Phú Thọ, Vĩnh Phúc, Hòa Bình), ... tăng 58.914": a place inside
# brackets closed before the figure only explains; it is not the figure's place.
_CLOSED_AFTER = regex.compile(r"[^()]*\)")
# "toàn huyện", "toàn tỉnh" after a group: the figure is the whole place's again.
_WHOLE = regex.compile(r"(?<!\p{L})toàn\s+(?:huyện|tỉnh|xã|phường|thị\s+xã|thị\s+trấn|thành\s+phố|"
                       r"quận|dân)(?!\p{L})", regex.IGNORECASE)
_THIS_GROUP = regex.compile(r"(?<!\p{L})(?:nhóm|đối\s+tượng)\s+này(?!\p{L})", regex.IGNORECASE)
# "của huyện", "dẫn đầu toàn tỉnh", "cao nhất tỉnh": the place a figure is compared within.
_GENITIVE = regex.compile(r"(?<!\p{L})(?:của|dẫn\s+đầu|đứng\s+đầu|nhất)\s+(?:toàn\s+|cả\s+)?$",
                          regex.IGNORECASE)


def _respectively(text: str, group: list[Mention], n: Number, numbers: list[Number]) -> int | None:
    """`các xã A, B lần lượt là 74,8% và 76,1%`: the position of this number among the figures
    that follow "lần lượt", when there are as many as places."""
    if len(group) < 2:
        return None
    # The last "lần lượt" or "tương ứng với" before the number opens its run ("lần lượt đạt
    # 81,2% và 80,5%, tương ứng với 128.450/158.190 và 76.312/94.800 người").
    m = next(reversed(list(_IN_TURN_OR_MATCHING.finditer(text, group[-1].end, n.start))), None)
    start = m.end() if m else group[-1].end
    items: list[list[Number]] = []  # a ratio's two numbers are one item of the run
    for x in (x for x in numbers if x.start >= start):
        if items and _SLASH.fullmatch(text, items[-1][-1].end, x.start):
            items[-1].append(x)
        else:
            items.append([x])
    run = items[:len(group)]
    if len(run) != len(group) or not any(n in item for item in run):
        return None
    # Without "lần lượt", only figures written one after another pair up in order
    # ("các xã A, B chỉ đạt 86,42% và 87,9%").
    if m is None and not all(_JOINED.fullmatch(text[a[-1].end:b[0].start])
                             for a, b in itertools.pairwise(run)):
        return None
    return next(i for i, item in enumerate(run) if n in item)


_IN_TURN_OR_MATCHING = regex.compile(
    r"(?<!\p{L})(?:lần\s+lượt(?:\s+là)?|tương\s+ứng(?:\s+(?:với|là))?)(?!\p{L})", regex.IGNORECASE)
_SLASH = regex.compile(r"\s*/\s*")
_JOINED = regex.compile(r"\s*(?:,|;|và|,\s*và)?\s*")


# "Đối với đồng bào dân tộc thiểu số, tỷ lệ ... đạt 96,5%": a topic set before the comma;
# "tỷ lệ học sinh tham gia BHYT ở các huyện A, B đạt 100%": the rate is the group's;
# "Số người tham gia BHYT theo hộ gia đình còn thấp, chỉ khoảng 1.250 người" too.
_TOPIC_BEFORE = regex.compile(
    r"(?<!\p{L})(?:đối\s+với|riêng|với|trong\s+số|ở|BHYT|bảo\s+hiểm\s+y\s+tế|tỷ\s+lệ"
    r"|(?:tham\s+gia\s+)?(?:BHYT\s+|bảo\s+hiểm\s+y\s+tế\s+)?theo(?:\s+hình\s+thức)?)"
    r"(?:\s+(?:nhóm|đối\s+tượng))?\s*$",  # "Riêng nhóm học sinh, sinh viên, tỷ lệ … đạt 99,6%"
    regex.IGNORECASE)


_DESCRIBES_PLACE = regex.compile(r"(?<!\p{L})(?:(?:nơi|vùng|khu\s+vực|địa\s+bàn)\s+(?:có\s+)?"
                                 r"(?:đông|nhiều|phần\s+lớn)?|có\s+(?:đông|nhiều))\s*$",
                                 regex.IGNORECASE)


def _last_group(text: str) -> regex.Match | None:
    """The group named last in `text`, unless it only describes a place ("Xã Đamb'ri – nơi
    đông đồng bào dân tộc thiểu số – đạt 97,25%")."""
    m = next(reversed(list(_groups()[0].finditer(text))), None)
    return None if m is None or _DESCRIBES_PLACE.search(text[:m.start()]) else m


# Between two places of one list: "A, B", "A và xã B", "BHXH huyện A và BHXH huyện B".
_LIST_GAP = regex.compile(r"\s*(?:,|và|;|cùng)\s*(?:(?:BHXH|UBND|Bảo\s+hiểm\s+xã\s+hội)\s+)?"
                          r"(?:các\s+)?(?:(?:xã|phường|thị trấn|huyện|tỉnh|TT|TP)\s+)?", regex.IGNORECASE)
_RATIO_REST = regex.compile(r"^\s*/\s*[\d.,]+")
# "(lượt) người tham gia BHYT theo hình thức hộ gia đình": what stands between a count and
# its group.
_COUNTED_AS = regex.compile(r"^\s*(?:đối\s+với\s+)?(?:lượt\s+)?(?:người|số|thẻ)?\s*(?:thuộc)?\s*"
                            r"(?:tham gia)?\s*"
                            r"(?:BHYT|bảo hiểm y tế)?\s*(?:theo)?\s*(?:hình thức)?\s*",
                            regex.IGNORECASE)


_HOUSEHOLD_COUNT = regex.compile(r"^\s*\d[\d.,]*\s+(?=hộ(?!\p{L}))", regex.IGNORECASE)
_HOUSEHOLDS_WITH = regex.compile(r"\s*hộ\s*(?:,|với|gồm|có)\s*", regex.IGNORECASE)
_ASIDE = regex.compile(r"\([^()]*\)")  # "(chủ yếu là người M'nông, Ê Đê)"


# ... and a name in quotes: "ra quân “Tháng cao điểm vận động người dân tham gia BHYT hộ
# gia đình”; riêng trong tháng 9 đã phát triển mới 312 người" names no group of the 312.
_ASIDE_OR_QUOTED = regex.compile(r'\([^()]*\)|"[^"\n]*"|“[^”\n]*”')


def _without_asides(text: str) -> str:
    """`text` with its asides in brackets and its quoted names blanked, offsets kept."""
    return _ASIDE_OR_QUOTED.sub(lambda a: " " * len(a.group()), text)
# "học sinh ... đạt 96,8% với 331.512 em": the count that goes with the rate before it.
_WITH_COUNT = regex.compile(r"\s*,?\s*(?:với|tương\s+(?:ứng|đương)(?:\s+với)?)\s*$", regex.IGNORECASE)


def _group_for(text: str, piece: Piece, n: Number, left: str, right: str, metric: str,
               previous: Reading | None, clause_head: str | None = None) -> str | None:
    groups, stop, aside = _groups()
    head = _COUNTED_AS.sub("", right.split(",")[0].split(";")[0])
    head = _HOUSEHOLD_COUNT.sub("", head)  # "4.380 người thuộc 1.250 hộ cận nghèo"
    # "48.215/49.140 học sinh": the group stands after the ratio's second number.
    m = groups.match(_RATIO_REST.sub("", right).lstrip()) or groups.match(head)
    if m:
        return m.group(0)
    # "Đồng bào dân tộc thiểu số (chủ yếu là người M'nông, Ê Đê) có 29.870 người": an aside
    # in brackets neither names the group nor ends the subject.
    left = _without_asides(left)
    m = _last_group(left)
    # A group that opens the sentence is its subject, commas or not ("Học sinh các trường
    # Tiểu học, THCS trên địa bàn xã tham gia BHYT đạt 100%").
    # A group a campaign aims at ("vận động người dân tham gia BHYT hộ gia đình, phấn đấu …
    # đạt 97,5%") is no topic of the clause after it; one a cause names ("do phần lớn người
    # dân thuộc đối tượng được ngân sách nhà nước đóng BHYT: huyện A đạt 99,6%") none at all.
    named_aside = m is not None and bool(aside.search(left, max(0, m.start() - 60), m.start()))
    topic = m is not None and bool(_TOPIC_BEFORE.search(left[:m.start()])) and not named_aside
    if m is not None and (not regex.search(r"[,;]", left[m.end():]) or topic
                          or not (left[:m.start()].strip() or ";" in left[m.end():])) \
            and not (named_aside and regex.search(r"[,;:]", left[m.end():])) \
            and not stop.search(left[m.start():]) \
            and not _WHOLE.search(left, m.end()):
        return m.group(0)
    if clause_head is not None:  # "Trẻ em dưới 6 tuổi có 168.902 người": a number inside it
        clause_head = _without_asides(clause_head)
        m = _last_group(clause_head)
        if m is not None and not regex.search(r"[,;]", clause_head[m.end():]):
            return m.group(0)
    # "4.215 người ... hộ gia đình, gồm 1.038 người tham gia mới": the parts, the change and
    # the rate of a group's count are the group's too, unless a new subject comes between.
    if previous is not None and previous.group and len(left) < 70 and (metric in (
            "participants_change", "participants_change_pct", "new_participants", "renewals",
            "coverage_rate", "plan_completion") or _WITH_COUNT.match(left)) and not regex.search(
                r"(?<!\p{L})(?:toàn|chung|cả|số người|nhóm|tỷ lệ bao phủ chung)(?!\p{L})", left,
                regex.IGNORECASE):
        return previous.group
    return None


def _date_for(ctx: Context, piece: Piece, n: Number, phrases: list[TimePhrase],
              metric: str) -> str | None:
    usable = [p for p in phrases if p.kind not in ("baseline", "ignore", "event")]
    if not metric.startswith("target_"):
        # "Chỉ tiêu ... năm 2020 ... là 298.600 người; huyện đã đạt 95,96%": that year dates the aim.
        usable = [p for p in usable if not p.plan and not patterns()["target"].search(
            ctx.article.text, _clause_start(ctx.article.text, piece.start, p.start), p.start)
            or patterns()["estimate"].search(ctx.article.text, p.end, n.start)]
    before = [p for p in usable if p.end <= n.start]
    if metric.startswith("target_"):
        clause_start = _clause_start(ctx.article.text, piece.start, n.start)
        dated = [p for p in before if p.value]
        after = [p for p in usable if p.value and p.start >= n.end and p.start - n.end < 40
                 and ";" not in ctx.article.text[n.end:p.start]]
        # "…, tiến tới mục tiêu trên 95% dân số vào năm 2025": a year after the figure in its
        # own clause beats one of an earlier clause.
        own_after = [p for p in after if not _NEXT_PART.search(ctx.article.text, n.end, p.start)]
        pool = ([p for p in dated if p.start >= clause_start] or own_after or dated or after)
        if pool:
            # "phấn đấu đến ngày 31/12/2022": a day after the target cue is the day it is to
            # be reached by; else ("Tính đến 30/9, ... chỉ tiêu giao") the aim is the year's.
            value = pool[-1].value
            at = pool[-1].start
            by_day = granularity(value) == 4 and patterns()["target"].search(
                ctx.article.text, _clause_start(ctx.article.text, piece.start, at), at)
            return value if by_day else value[:4]
        base = ctx.target_year or ctx.state or ctx.published
        return base[:4] if base else None
    text = ctx.article.text
    right_after = [p for p in usable if p.value and n.end <= p.start <= n.end + 16
                   and regex.fullmatch(r"\s*(?:người|thẻ)?\s*\(?\s*(?:vào\s+|của\s+)?",
                                       text[n.end:p.start])]
    if right_after:
        return right_after[0].value
    if before:
        p = before[-1]
        if p.kind in ("now", "asof_now"):
            return ctx.published
        if p.kind == "this_year":
            year = ctx.state or ctx.published
            return year[:4] if year else None
        if p.value:
            return p.value
    if piece.kind == "title":
        return ctx.first_asof or ctx.published
    if ctx.previous_dates and _OUTCOME.match(text, piece.start):
        return ctx.previous_dates[-1]  # "Trong 6 tháng đầu năm 2019, …. Kết quả, …"
    return ctx.state or ctx.published


_OUTCOME = regex.compile(rf"(?:{alternation(load('dates')['outcome'])})\s*,", regex.IGNORECASE)


def _baseline_for(ctx: Context, phrases: list[TimePhrase], n: Number, date: str | None,
                  metric: str) -> str | None:
    if metric not in CHANGE_METRICS:
        return None
    base = [p for p in phrases if p.kind == "baseline"]
    if not base:
        # "so với cùng kỳ", "so với năm trước": a year before, stated without its year.
        sentence = ctx.article.text[max(0, n.start - 200):n.end + 120]
        if date and regex.search(r"cùng\s+kỳ|cùng\s+thời\s+điểm", sentence, regex.IGNORECASE):
            return shift_year(date, int(date[:4]) - 1)
        if date and regex.search(r"(?:so\s+với|hơn)\s+(?:cuối\s+)?năm\s+trước", sentence,
                                 regex.IGNORECASE):
            return str(int(date[:4]) - 1)
        return None
    p = min(base, key=lambda b: abs(b.start - n.start))
    if p.same_period and date:
        year = int(p.value[:4]) if p.value else int(date[:4]) - 1
        return shift_year(date, year)
    return p.value


# A bracket opened before a figure, with no figure or closing bracket between.
_OPEN_ASIDE = regex.compile(r"\([^()\d]*$")


def _baseline_parenthesis(text: str, piece: Piece, n: Number,
                          phrases: list[TimePhrase]) -> str | None:
    """`so với cuối năm 2018 (102.182 người)`, `so với ngày 1/7/2025 (khi phường mới thành
    lập, 56.795 người)`: the count in brackets is the figure at the baseline date."""
    opened = _OPEN_ASIDE.search(text, max(piece.start, n.start - 80), n.start)
    if opened is None:
        return None
    base = [p for p in phrases if p.kind == "baseline" and p.end <= opened.start()
            and opened.start() - p.end < 3]
    if not base or not base[-1].value:
        return None
    return base[-1].value


def _read_row(ctx: Context, piece: Piece, numbers: list[Number],
              phrases: list[TimePhrase]) -> list[Reading]:
    """A table row: the header of each column says what its numbers are."""
    text = ctx.article.text
    cells = piece.cells
    if len(cells) != len(piece.header):
        return []
    years = [_YEAR_CELL.fullmatch(h.strip()) for h in piece.header]
    name_cell = next((c for c in cells if regex.search(r"\p{L}{2,}", text[c.start:c.end])), None)
    labels_place = name_cell is not None and _names_place(ctx, name_cell)
    if sum(1 for y in years if y) >= 2 and not labels_place:
        return _read_sideways_row(ctx, piece, numbers, years, name_cell or piece.cells[0])
    if name_cell is None:
        return []
    across = None if labels_place else _places_across(ctx, piece, name_cell)
    if across is not None:
        # "Chỉ tiêu | Toàn huyện | TT Vũ Quang | Xã Ân Phú": an indicator a row, a place a column
        label = text[name_cell.start:name_cell.end]
        return _read_cells(ctx, piece, numbers, phrases, [label] * len(cells), across,
                           name_cell, None)
    header_text = " ".join(piece.header)
    name_header = piece.header[cells.index(name_cell)]
    total = _total_row(text[name_cell.start:name_cell.end])
    if _VILLAGE_COLUMN.search(name_header) and not total:
        return []  # "Thôn | Số nhân khẩu | …": villages' figures are no facts
    unit_hint = 3 if regex.search(r"(?i)xã|phường|thị trấn", header_text) else None
    mentions = _within(ctx.places.mentions, name_cell.start, name_cell.end)
    if total and piece.intro and _SOME_OF.search(text, *piece.intro):
        return []
    if total:
        # "Bảng 2. Số người có thẻ BHYT theo xóm, xã Phủ Lý": the total is of the place the
        # table's title names, else of the article's.
        titled = [m for m in _within(ctx.places.mentions, *piece.intro) if m.kind == "named"] \
            if piece.intro else []
        loc = (ctx.places.resolve(titled[-1]) if titled else None) or ctx.places.default(
            name_cell.start)
    elif mentions and not (mentions[0].end < name_cell.end and _NUMBERED_NAME.fullmatch(
            text, mentions[0].end, name_cell.end)):
        loc = ctx.places.resolve(mentions[0], prefer_level=unit_hint)
    else:  # a label of a name alone, or of a numbered one the mentions cut short ("P. Hà Giang 1")
        loc = ctx.places.resolve_name(text[name_cell.start:name_cell.end], unit_hint)
    group = None
    if loc is None and (named := _groups()[0].search(text, name_cell.start, name_cell.end)):
        # "Do tổ chức BHXH đóng | 3.904": a row of a population group, the article's place's
        loc, group = ctx.places.default(name_cell.start), named.group(0)
    if loc is None:
        return []
    return _read_cells(ctx, piece, numbers, phrases, list(piece.header), [loc] * len(cells),
                       name_cell, group)


_PART_COLUMN = regex.compile(r"\s*(?:trong\s+đó|trong\s+số\s+đó)(?!\p{L})", regex.IGNORECASE)
_SOME_OF = regex.compile(rf"(?<!\p{{L}})(?:{alternation(load('places')['some_of'])})(?!\p{{L}})",
                        regex.IGNORECASE)
_NUMBERED_NAME = regex.compile(r"\s+\d{1,2}")


def _places_across(ctx: Context, piece: Piece, name_cell) -> list[Locality | None] | None:
    """The place of each column when the header names places (two or more), for a row whose
    label names none: a table laid with its places across."""
    def whole(h: str) -> bool:  # "Toàn huyện", "Cộng"
        return _total_row(h) or bool(_WHOLE.fullmatch(h.strip()))

    columns = [ctx.places.default(name_cell.start) if whole(h)
               else ctx.places.resolve_name(h, None) if regex.search(r"\p{Lu}", h) else None
               for h in piece.header]
    named = sum(1 for h, c in zip(piece.header, columns, strict=True) if c and not whole(h))
    return columns if named >= 2 else None


def _read_cells(ctx: Context, piece: Piece, numbers: list[Number], phrases: list[TimePhrase],
                heads: list[str], places: list[Locality | None], name_cell,
                group: str | None) -> list[Reading]:
    """A row's figures, each read as the words over it (or beside it) say, for its place."""
    text = ctx.article.text
    cells = piece.cells
    if piece.intro:
        schemes = {m.scheme for m in scheme_mentions(text, *piece.intro)}
        if schemes and not schemes & {"bhyt", "several"}:
            return []  # "SỐ NGƯỜI THAM GIA BHXH TỰ NGUYỆN NĂM 2025" over the table
    # "Kết quả năm 2020 của các huyện như sau:": the line before a table dates its rows
    # (not "… VÀ CHỈ TIÊU NĂM 2026", the year its targets are for).
    titled = [p for p in ctx.phrases if piece.intro and p.value and p.kind not in (
        "baseline", "ignore") and piece.intro[0] <= p.start < piece.intro[1]]
    aimed = [p.value for p in titled
             if patterns()["target"].search(text, max(piece.intro[0], p.start - 20), p.start)]
    intro_dates = [p.value for p in titled if p.value not in aimed]
    if aimed and not intro_dates and plan_words()[1].search(text, *piece.intro):
        intro_dates = aimed  # "KẾT QUẢ THỰC HIỆN CHỈ TIÊU BHYT NĂM 2021": the results' year too
    # "KẾT QUẢ THỰC HIỆN CHỈ TIÊU … NĂM 2021" dates its "Chỉ tiêu giao" column too
    intro_aim = (aimed or intro_dates or [None])[-1]
    intro = text[piece.intro[0]:piece.intro[1]] if piece.intro else ""
    # A header's "6 tháng cuối năm" is of the year the table's introduction names.
    year_from = intro_dates[-1] if intro_dates else ctx.published
    head_year = int(year_from[:4]) if year_from else ctx.fallback_year
    readings = []
    for k, (cell, head, loc) in enumerate(zip(cells, heads, places, strict=True)):
        if cell is name_cell or loc is None:
            continue
        head_dates, named_group = _header_says(head, head_year)
        head_group = named_group if group is None else None
        nums = [n for n in numbers if cell.start <= n.start < cell.end]
        if len(nums) != 1:
            continue
        n = nums[0]
        metric = _column_metric(head, n)
        if metric is None and _YEAR_CELL.fullmatch(head.strip()):
            # "Năm 2017 | Năm 2018" under "Bảng 1. Tỷ lệ bao phủ BHYT các huyện … Đơn vị tính: %"
            metric = _column_metric(intro, n)
        if metric is None and _PART_COLUMN.match(head) and k > 0:
            metric = _column_metric(heads[k - 1], n)  # "Thực hiện (người) | Trong đó: hộ gia đình"
        if metric is None and not n.percent and _total_row(head) and {"new_participants", "renewals"} <= {
                _column_metric(h, n) for h in piece.header}:
            metric = "enrolled"  # "Tham gia mới | Tái tục | Tổng cộng"
        if metric is None:
            continue
        value = _cell_value(text, cell, n, metric)
        date = (head_dates[0] if head_dates  # "So sánh năm 2022 với năm 2021": the first
                else intro_dates[-1] if intro_dates and not phrases and not metric.startswith("target_")
                else intro_aim[:4] if intro_aim and not phrases and metric.startswith("target_")
                else _date_for(ctx, piece, n, phrases, metric))
        readings.append(Reading(n, metric, value, n.qualifier, head_group or group, date, None,
                                (loc,)))
    if any(r.metric == "coverage_rate" for r in readings):
        # "Tăng/giảm (%)" beside a rate may be points; "Tỷ lệ tăng, giảm (%)" is of people.
        readings = [r for r in readings if r.metric != "participants_change_pct"
                    or _RATE_OF_CHANGE.search(piece.header[_cell_index(cells, r.number)])]
    return readings


@lru_cache(maxsize=4096)
def _header_says(head: str, year: int | None) -> tuple[tuple[str, ...], str | None]:
    """The periods and the group a column's header names ("Vận động tham gia BHYT hộ gia
    đình 6 tháng đầu năm | Tham gia mới"); worked out once for all the rows under it."""
    dates = tuple(p.value for p in find_time_phrases(head, fallback_year=year)
                  if p.value and p.kind not in ("baseline", "ignore"))
    group = _groups()[0].search(head)
    return dates, group.group(0) if group else None


def _cell_value(text: str, cell, n: Number, metric: str) -> float | int:
    """A table cell's figure as `metric` holds it; "-58" in a column of changes is a fall."""
    value = _value(n, metric, "")
    if metric in CHANGE_METRICS and text[cell.start:n.start].strip() in ("-", "−", "–"):
        value = -value
    return value


def _names_place(ctx: Context, cell) -> bool:
    """Whether a row's label names a place (not a total, a group or an indicator)."""
    name = ctx.article.text[cell.start:cell.end]
    if _total_row(name):
        return False
    return bool(_within(ctx.places.mentions, cell.start, cell.end)) or \
        ctx.places.resolve_name(name, None) is not None


_VILLAGE_COLUMN = regex.compile(
    rf"^\s*(?:{alternation(load('places')['hamlet_words'])})(?:\s*[/,]\s*\S+)*\s*$", regex.IGNORECASE)
# A header cell that is a year: a table laid sideways, one indicator a row, one year a column.
_YEAR_CELL = regex.compile(r"(?:năm\s+)?((?:19|20)\d{2})", regex.IGNORECASE)


def _read_sideways_row(ctx: Context, piece: Piece, numbers: list[Number],
                       years: list[regex.Match | None], label) -> list[Reading]:
    """"Tỷ lệ bao phủ BHYT (%) | 87,18 | 89,71 | …" under "Chỉ tiêu | Năm 2019 | Năm 2020 | …":
    the row's label (with its unit, when a column gives it: "ĐVT | %") says what its numbers
    are, the column's year (or date: "Đến 30/9/2023") when; the place is the article's."""
    text = ctx.article.text
    label_text = text[label.start:label.end]
    units = [text[c.start:c.end] for c, h in zip(piece.cells, piece.header, strict=True)
             if _UNIT_COLUMN.fullmatch(h.strip()) and c.end > c.start]
    if units:  # "Chỉ tiêu tỉnh giao | % | 89,5": "Chỉ tiêu tỉnh giao (%)"
        label_text = f"{label_text} ({units[0]})"
    named = _groups()[0].search(label_text)
    if not named and any(m.scheme != "bhyt" for m in scheme_mentions(text, label.start, label.end)):
        return []  # "Số người tham gia BHXH tự nguyện (người)", but "Tổ chức BHXH đóng"
    loc = ctx.places.default(label.start)
    if loc is None:
        return []
    intro = text[piece.intro[0]:piece.intro[1]] if piece.intro else ""
    # "Nghị quyết giao chỉ tiêu … từng năm như sau:" over years to come gives targets, but
    # "Một số chỉ tiêu chủ yếu giai đoạn 2020 - 2023" over years gone by gives results.
    ahead = ctx.published is None or any(int(y.group(1)) > int(ctx.published[:4]) for y in years if y)
    aims = piece.plan or bool(_target_cues(intro, 0, len(intro))) and not plan_words()[1].search(
        intro) and ahead
    readings = []
    for cell, year, head in zip(piece.cells, years, piece.header, strict=True):
        nums = [n for n in numbers if cell.start <= n.start < cell.end]
        if cell is label or len(nums) != 1:
            continue
        change = year is None and _CHANGE_BETWEEN_YEARS.search(head)
        dates = () if year or change else _header_says(head, ctx.fallback_year)[0]
        if not (year or change or len(dates) == 1):
            continue
        n = nums[0]
        if change:  # "2024 so với 2023 | +5,94%"
            metric = "participants_change_pct" if n.percent else "participants_change"
        else:
            # A group's row ("1. Tổ chức BHXH đóng") or the total's is read as the table's
            # title says: "Số người tham gia BHYT theo nhóm đối tượng (Đơn vị: người)".
            metric = _column_metric(label_text, n) or (
                _column_metric(intro, n) if named or _total_row(label_text) else None)
        if metric is None:
            continue
        if aims:  # "Nghị quyết giao chỉ tiêu … từng năm như sau:"
            metric = _AIMED.get(metric, metric)
        value = _cell_value(text, cell, n, metric)
        date = change.group(1) if change else year.group(1) if year else dates[0]
        readings.append(Reading(n, metric, value, n.qualifier, named.group(0) if named else None,
                                date[:4] if metric.startswith("target_") else date, None, (loc,)))
    return readings


_UNIT_COLUMN = regex.compile(alternation(load("metrics")["unit_columns"]), regex.IGNORECASE)


# "2024 so với 2023", "Năm 2024 so với năm 2023 (%)": a column of changes, dated the first
# year ("2024/2023 (%)" is left alone: tables write a ratio so, 104,5).
_CHANGE_BETWEEN_YEARS = regex.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*so\s+với\s*(?:năm\s+)?(?:19|20)\d{2}(?!\d)", regex.IGNORECASE)


def _total_row(name: str) -> bool:
    return name.strip(" :.").casefold() in _total_words()


@lru_cache(maxsize=1)
def _total_words() -> frozenset[str]:
    return frozenset(w.casefold() for w in load("places")["total_rows"])


_RATE_OF_CHANGE = regex.compile(r"(?:tỷ|tỉ)\s+lệ\s+tăng|tốc\s+độ\s+tăng", regex.IGNORECASE)


def _cell_index(cells: list, n: Number) -> int:
    return next(i for i, c in enumerate(cells) if c.start <= n.start < c.end)


_OTHER_SCHEME_COLUMN = regex.compile(r"bhxh|bảo hiểm xã hội|bhtn|thất nghiệp")


def _column_metric(header: str, n: Number) -> str | None:
    h = header.casefold()
    if regex.search(r"tăng|giảm", h) and not regex.search(r"điểm|%", h) and not n.percent:
        return "participants_change"  # "Tăng, giảm so với 31/12/2017 (người)": +386, -58
    if regex.search(r"tăng|giảm", h) and "điểm" not in h:
        # "Tăng/giảm so với năm 2022 (%)": of people, unless the row has a rate (then points)
        return "participants_change_pct"
    if regex.search(r"điểm|so với(?!\s*(?:kế hoạch|kh|chỉ tiêu)(?!\p{L}))|chưa|stt|^tt$", h):
        return None  # but "So với chỉ tiêu (%)" is how much of the target was reached
    if _OTHER_SCHEME_COLUMN.search(h) and "bhyt" not in h and "y tế" not in h:
        return None  # "BHXH tự nguyện Số người tham gia" beside the BHYT columns
    if regex.search(r"kế hoạch|chỉ tiêu|(?<!\p{L})kh(?!\p{L})", h):
        # A target of at most 100 is a rate whose "%" the header left out ("Chỉ tiêu giao
        # năm 2021 | 91").
        if not ("%" in h or n.percent or regex.search(r"t[ỷỉ] lệ", h) or n.value <= 100):
            return "target_participants"
        # "Chỉ tiêu năm 2022 (%)", "Kế hoạch năm 2023 Tỷ lệ (%)" are the rate aimed at; "% kế
        # hoạch", "Đạt % KH", "đạt/hoàn thành kế hoạch (%)" how much of it was reached.
        aimed = regex.search(r"(?:chỉ tiêu|kế hoạch)[^%]*(?:\(%\)|(?<!\p{L})năm(?!\p{L}))", h) \
            and not regex.search(r"đạt|hoàn thành|thực hiện|so với|%\s*(?:so với\s*)?"
                                 r"(?:kế hoạch|(?<!\p{L})kh(?!\p{L})|chỉ tiêu)", h)
        return "target_rate" if aimed else "plan_completion"
    # "Vận động tham gia BHYT hộ gia đình": "Tham gia mới | Tái tục | Cộng"
    if regex.search(r"(?:tham gia|phát triển)\s+mới", h):
        return "new_participants"
    if regex.search(r"tái tục|gia hạn", h):
        return "renewals"
    if "vận động" in h and not n.percent:
        return "enrolled"
    if "thực hiện" in h and not n.percent:
        return "participants"  # "Chỉ tiêu giao | Thực hiện | Tỷ lệ hoàn thành kế hoạch"
    if "tỷ lệ" in h or "tỉ lệ" in h or "%" in h:
        return "coverage_rate"
    if "dân số" in h or "nhân khẩu" in h:
        return "population"
    if regex.search(r"tham gia|có thẻ|số người|số thẻ", h):
        return "participants"
    return None
