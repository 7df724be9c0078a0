"""Time phrases and the article's own dates (FACTS.md, "Dates").

Each phrase gets a kind that says how it dates figures:
- `asof`   (tính đến 30/6/2022, hết tháng 9/2024, cuối năm 2020): its sentence, and later
           sentences that have no time phrase of their own;
- `opener` (Năm 2020, ... at the head of a clause): the same, unless a finer date of that
           same year is already in force;
- `point`  (any other date): its own sentence only; `now` (đến nay): the publication date;
- `baseline` (so với cuối năm 2022): what a change is measured from, never the figure's date;
- `event`  (Chiều ngày 12/1): the day of the reported meeting, the article's date when it
           has no dateline; `ignore`: a decree's date, the start of a range.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

import regex

from .data import alternation, load

Y = r"(?:19|20)\d{2}"
_SENTENCE_BREAK = regex.compile(r"\n|[.!?]\s")
# A dateline "(Baoquangngai.vn) - " ends a clause too: the sentence starts after it.
_CLAUSE_BREAK = regex.compile(r"[,;:.!?\n]|\)\s*[-–—]\s")
_WORDY = regex.compile(r"[^\s,:;.(–-]")


@dataclass(frozen=True)
class TimePhrase:
    start: int
    end: int
    value: str | None  # YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY; None for `now`
    kind: str  # asof | opener | point | now | asof_now | this_year | baseline | event | ignore
    same_period: bool = False  # "cùng kỳ năm 2021": the figure's own period, that year
    plan: bool = False  # "kế hoạch năm 2023": a plan's year, which dates only what it aims at
    yearless: bool = False


@lru_cache(maxsize=1)
def _pattern() -> regex.Pattern:
    roman = "|".join(sorted(load("dates")["roman"], key=len, reverse=True))
    return regex.compile(rf"""
        (?P<dmy>(?P<d1>\d{{1,2}})\s*(?P<sep>[/.\-])\s*(?P<m1>\d{{1,2}})\s*(?P=sep)\s*(?P<y1>{Y}))(?!\d)
      | (?P<wdmy>ngày\s+(?P<d2>\d{{1,2}})\s+tháng\s+(?P<m2>\d{{1,2}})(?![/\d])
                  (?:\s+năm\s+(?:(?P<y2>{Y})|nay|(?P<ago2>ngoái)))?)
      | (?P<iso>(?P<y3>{Y})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))(?!\d)
      | (?P<my>tháng\s+(?P<m4>\d{{1,2}})(?:\s*(?:/|-|\s+năm\s+)\s*(?P<y4>{Y})(?!\d)
                  |\s+năm\s+nay|\s+năm\s+(?P<ago4>ngoái)))
      | (?P<q>quý\s+(?P<qn>{roman}|[1-4])(?![\p{{L}}\d])(?:\s*(?:/|-|\s+năm\s+)\s*(?P<y5>{Y}))?)
      | (?P<h>(?P<hn>\d{{1,2}}|ba|sáu|chín)\s+tháng\s+(?:(?P<hp>đầu|cuối)\s+)?năm(?:\s+(?P<y6>{Y}))?)
      | (?P<dm>(?<![\d/.,])(?P<d7>\d{{1,2}})\s*/\s*(?P<m7>\d{{1,2}})(?![/\d])
                  (?:\s+năm\s+(?:nay|(?P<ago7>ngoái)))?)
      | (?P<mo>tháng\s+(?P<m8>\d{{1,2}})(?![/\d]))
      | (?P<yr>năm\s+(?P<y9>{Y})(?!\s*[-–]\s*\d))
      | (?P<ye>(?:(?:cuối|hết)\s+)?năm\s+nay|(?:cuối|hết)\s+năm(?!\s+(?:\d|học|trước|ngoái|qua|nay)))
    """, regex.VERBOSE | regex.IGNORECASE)


@lru_cache(maxsize=1)
def _words() -> dict[str, regex.Pattern]:
    d = load("dates")

    def ending(key: str) -> regex.Pattern:
        return regex.compile(rf"(?<!\p{{L}})(?:{alternation(d[key])})\s*$", regex.IGNORECASE)

    return {
        "asof": ending("as_of"),
        "period": ending("period"),
        "event": ending("event"),
        "modifier": ending("year_modifier_before"),
        "scheme_before": ending("year_scheme_before"),
        "plan": ending("plan_year_before"),
        "same_time": ending("same_time_before"),
        "aim": ending("document_aims"),
        "campaign": regex.compile(rf"(?<!\p{{L}})(?:{alternation(d['campaign_words'])})(?!\p{{L}})",
                                  regex.IGNORECASE),
        "same_period": regex.compile(rf"(?:{alternation(d['same_period'])})\s*$", regex.IGNORECASE),
        "baseline": regex.compile(rf"(?<!\p{{L}})(?:{alternation(d['baseline'])})(?!\p{{L}})[^,;:()]*$",
                                  regex.IGNORECASE),
        "now": regex.compile(
            rf"(?<!\p{{L}})(?:{alternation([w for w in d['now'] if w != 'hiện'])})(?!\p{{L}})"
            rf"|(?<=^|[,.:;]\s*|\s)hiện(?=\s+(?:{alternation(d['now_hien_before'])})(?!\p{{L}}))",
            regex.IGNORECASE),
        # "Trong năm, xã phát triển mới 214 người": the year reported on, unnamed.
        "this_year": regex.compile(
            rf"(?<!\p{{L}})(?:{alternation(d['this_year'])})(?=\s*[,;:]|\s+(?:qua|vừa\s+qua)[\s,])",
            regex.IGNORECASE),
        "year_ago": regex.compile(rf"(?<!\p{{L}})(?:{alternation(d['year_ago'])})(?!\p{{L}})",
                                  regex.IGNORECASE),
        "range_from": regex.compile(r"(?<!\p{L})từ(?:\s+ngày)?\s*$", regex.IGNORECASE),
        "tinh": regex.compile(r"(?<!\p{L})(?:tính|tinh)\s+(?:(?:đến|tới)(?:\s+thời\s+điểm)?)?\s*$",
                              regex.IGNORECASE),
        # A date after a document's name or number is the document's ("Nghị định 146/2018/NĐ-CP
        # ngày 17/10/2018"), not a figure's.
        "document": regex.compile(
            rf"(?:\d+/\d{{4}}/|/[\p{{Lu}}Đ]+-|\bsố\s+\d|(?<!\p{{L}})"
            rf"(?:{alternation(load('documents')['document_words'])}))[^,;:.()]{{0,40}}$",
            regex.IGNORECASE),
    }


def _valid(day: int | None, month: int) -> bool:
    return 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def _value(g: dict[str, str | None], year_for: int | None) -> tuple[str | None, bool]:
    """The ISO-like value of a matched date (its groups); yearless forms take `year_for`."""
    roman = load("dates")["roman"]
    if g["dmy"] or g["wdmy"] or g["iso"]:
        d, mo, y = (g[k] for k in (("d1", "m1", "y1") if g["dmy"] else
                                   ("d2", "m2", "y2") if g["wdmy"] else ("d3", "m3", "y3")))
        year = int(y) if y else year_for  # "ngày 31 tháng 5 (năm nay)": the article's year
        ok = year and _valid(int(d), int(mo))
        return (f"{year}-{int(mo):02d}-{int(d):02d}" if ok else None), not y
    if g["my"]:
        mo, year = int(g["m4"]), int(g["y4"]) if g["y4"] else year_for
        return (f"{year}-{mo:02d}" if year and _valid(None, mo) else None), not g["y4"]
    if g["q"]:
        n = roman.get(g["qn"].upper()) or int(g["qn"])
        y = int(g["y5"]) if g["y5"] else year_for
        return (f"{y}-Q{n}" if y else None), not g["y5"]
    if g["ye"]:  # "cuối năm", "năm nay": the year the article speaks in
        return (str(year_for) if year_for else None), True
    if g["h"]:
        y = int(g["y6"]) if g["y6"] else year_for
        months = {"ba": 3, "sáu": 6, "chín": 9}.get(g["hn"].lower()) or int(g["hn"])
        if (g["hp"] or "").lower() == "cuối":  # "6 tháng cuối năm": the second half
            value = f"{y}-H2" if months == 6 else None
        else:  # the first N months: a quarter or half when it is one, else as of month N
            value = {3: f"{y}-Q1", 6: f"{y}-H1", 12: f"{y}"}.get(months, f"{y}-{months:02d}")
        return (value if y and 1 <= months <= 12 else None), not g["y6"]
    if g["dm"]:
        d, mo = int(g["d7"]), int(g["m7"])
        return (f"{year_for}-{mo:02d}-{d:02d}" if year_for and _valid(d, mo) else None), True
    if g["mo"]:
        mo = int(g["m8"])
        return (f"{year_for}-{mo:02d}" if year_for and _valid(None, mo) else None), True
    return g["y9"], False


@dataclass(frozen=True)
class FoundPhrase:
    """A time phrase as written, before yearless forms are given a year."""

    start: int
    end: int
    groups: dict[str, str | None] | None  # the date pattern's groups; None for "now" words
    kind: str
    same_period: bool = False
    plan: bool = False

    @property
    def last_year(self) -> bool:
        """"ngày 31/12 năm ngoái", "tháng 8 năm ngoái": of the year before the publication's."""
        return bool(self.groups and (self.groups["ago2"] or self.groups["ago4"] or self.groups["ago7"]))

    def dated(self, published: str | None, fallback_year: int | None) -> TimePhrase | None:
        """The phrase with its value; None for a form that names no time without a year."""
        if self.groups is None:
            return TimePhrase(self.start, self.end, None, self.kind)
        g = self.groups
        year = _year_for(g, published, fallback_year)
        if year and self.last_year:
            year = (int(published[:4]) if published else year) - 1
        value, yearless = _value(g, year)
        if value is None and not (g["q"] or g["h"] or g["mo"] or g["dm"]):
            return None
        return TimePhrase(self.start, self.end, value, self.kind,
                          same_period=self.same_period, plan=self.plan, yearless=yearless)


def scan_time_phrases(text: str, start: int = 0, end: int | None = None) -> list[FoundPhrase]:
    """Time phrases in `text[start:end]`, with their kinds; one pass serves every
    publication date an article may turn out to have (see `date_phrases`)."""
    end = len(text) if end is None else end
    w = _words()
    out: list[FoundPhrase] = []
    for m in _pattern().finditer(text, start, end):
        # What stands before the date in its own sentence decides its kind.
        before = _SENTENCE_BREAK.split(text[max(start, m.start() - 60):m.start()])[-1]
        g = m.groupdict()
        if g["dm"] and not (w["asof"].search(before) or w["event"].search(before)
                            or w["period"].search(before) or w["range_from"].search(before)):
            continue  # "9/9 xã" is a ratio, not a date
        if g["yr"] and (w["modifier"].search(before) or (
                w["scheme_before"].search(before)
                and w["campaign"].search(_CLAUSE_BREAK.split(before)[-1]))):
            continue  # "BHYT năm 2018" names a campaign
        out.append(FoundPhrase(m.start(), m.end(), g, _kind(text, start, m, before),
                               same_period=bool(w["same_period"].search(before[-25:])),
                               plan=bool(w["plan"].search(before[-15:]))))
    for m in w["now"].finditer(text, start, end):
        if w["same_time"].search(text, max(start, m.start() - 12), m.start()):
            continue  # "Cũng đến thời điểm này": the time just stated, not today
        if not any(p.start <= m.start() < p.end for p in out):
            # "tính đến thời điểm hiện tại" states an "as of" like any date: later sentences
            # take it; a bare "đến nay" dates its own sentence only.
            as_of_now = w["tinh"].search(text, max(start, m.start() - 30), m.start())
            out.append(FoundPhrase(m.start(), m.end(), None, "asof_now" if as_of_now else "now"))
    for m in w["this_year"].finditer(text, start, end):
        out.append(FoundPhrase(m.start(), m.end(), None, "this_year"))
    out.sort(key=lambda p: p.start)
    return out


def date_phrases(found: list[FoundPhrase], published: str | None = None,
                 fallback_year: int | None = None) -> list[TimePhrase]:
    """The found phrases with their values, yearless ones completed from the publication
    date (or `fallback_year` without one)."""
    return [p for f in found if (p := f.dated(published, fallback_year)) is not None]


def find_time_phrases(text: str, start: int = 0, end: int | None = None,
                      published: str | None = None, fallback_year: int | None = None,
                      ) -> list[TimePhrase]:
    """Time phrases in `text[start:end]`, yearless ones completed from the publication date."""
    return date_phrases(scan_time_phrases(text, start, end), published, fallback_year)


def _kind(text: str, start: int, m: regex.Match, before: str) -> str:
    w = _words()
    g = m.groupdict()
    # A day after a document's name is its date; a year may be what it aims at.
    day = g["dmy"] or g["wdmy"] or g["iso"] or g["dm"]
    if w["document"].search(before) and (day or not w["aim"].search(before)):
        return "ignore"
    if w["baseline"].search(before):
        return "baseline"
    if w["range_from"].search(before[-12:]):
        return "ignore"
    if w["asof"].search(before):
        return "asof"
    if w["period"].search(before):
        return "point"
    head = text[start:m.start()]
    line_head = _SENTENCE_BREAK.split(head)[-1]
    clause_start = not _WORDY.search(_CLAUSE_BREAK.split(head)[-1]) if head else True
    if (g["dm"] or g["dmy"] or g["wdmy"]) and w["event"].search(before) and len(line_head) < 20:
        return "event"
    if clause_start and (g["yr"] or g["ye"] or g["q"] or g["my"] or g["h"]):
        return "opener"
    return "point"


def _year_for(g: dict[str, str | None], published: str | None, fallback_year: int | None,
              ) -> int | None:
    """The year of a yearless date: the publication's, or the one before when that is later."""
    if not published:
        return fallback_year
    pub_year = int(published[:4])
    month = int(g["m7"] or g["m8"] or 0)
    if month and len(published) >= 7 and month > int(published[5:7]) + 1:
        return pub_year - 1
    return pub_year


def shift_year(value: str, year: int) -> str:
    """The same period in another year: `cùng kỳ năm 2021` of 2022-06-30 is 2021-06-30
    (29 February becomes the 28th in a common year)."""
    shifted = f"{year}{value[4:]}"
    if shifted.endswith("-02-29") and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        shifted = f"{year}-02-28"
    return shifted


def granularity(value: str) -> int:
    """How fine a date is: a year 1, a half or quarter 2, a month 3, a day 4."""
    if len(value) == 4:
        return 1
    if value[5] in "QH":
        return 2
    return 3 if len(value) == 7 else 4


_URL_DATE = [
    regex.compile(r"[/_-](?P<y>20\d{2})[/_-]?(?P<m>0[1-9]|1[0-2])[/_-]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
    regex.compile(r"/(?P<y>20\d{2})/?(?P<m>0[1-9]|1[0-2])/"),
]


VIETNAM_TIME = timezone(timedelta(hours=7))


def parse_published(value: str | None) -> str | None:
    """A `published` field as YYYY-MM-DD or YYYY-MM, from ISO or Vietnamese day-first forms,
    the Unix time crawlers store, or the RFC 2822 form of RSS feeds."""
    if not value:
        return None
    value = str(value).strip()
    m = regex.fullmatch(r"(\d{10})(\d{3})?(?:\.\d+)?", value)  # seconds or milliseconds
    if m:
        return datetime.fromtimestamp(int(m[1]), VIETNAM_TIME).date().isoformat()
    m = regex.match(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", value)
    if m:
        y, mo, d = int(m[1]), int(m[2]), m[3]
        return f"{y}-{mo:02d}-{int(d):02d}" if d else f"{y}-{mo:02d}"
    m = regex.search(rf"(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-]({Y})", value)
    if m and _valid(int(m[1]), int(m[2])):
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    m = regex.search(rf"(\d{{1,2}})\s+tháng\s+(\d{{1,2}})\s*(?:,|năm)?\s*({Y})", value)
    if m and _valid(int(m[1]), int(m[2])):  # "Thứ Hai, ngày 15 tháng 01 năm 2024"
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    m = regex.match(rf"(\d{{1,2}})[/.\-]({Y})$", value)
    if m and _valid(None, int(m[1])):
        return f"{m[2]}-{int(m[1]):02d}"
    m = regex.match(rf"({Y})$", value)
    if m:
        return m[1]
    try:  # "Mon, 15 Jan 2024 08:30:00 +0700"
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (dt.astimezone(VIETNAM_TIME) if dt.tzinfo else dt).date().isoformat()


def date_from_url(url: str | None) -> str | None:
    """`.../202004/...` or `.../2020/04/...` or `...-20200415...` in a page's address."""
    if not url:
        return None
    for pat in _URL_DATE:
        m = pat.search(url)
        if m:
            d = m.groupdict().get("d")
            return f"{m['y']}-{m['m']}-{d}" if d else f"{m['y']}-{m['m']}"
    return None




def filed_date(printed: str | None, url: str | None) -> str | None:
    """The date a page was published: the one printed on it, unless the page's address
    (which a CMS writes when the article is filed) disagrees; then the page printed the
    day it was crawled, and the address is right."""
    filed = date_from_url(url)
    if printed and filed and not printed.startswith(filed):
        return filed
    return printed or filed


def a_year_before(text: str, start: int, at: int) -> bool:
    """Whether `text[start:at]` (a sentence up to a figure) dates the figure a year before
    its own time: "cùng kỳ năm trước là 282.173 người", "(cùng kỳ năm trước: 282.173)",
    "Cùng thời điểm này năm ngoái, tỷ lệ ... là 90,62%"; not "tăng so với cùng kỳ năm
    trước", where the figure is the change, nor a phrase with a date between it and the figure."""
    w = _words()
    last = next(reversed(list(w["year_ago"].finditer(text, start, at))), None)
    if last is None or _pattern().search(text, last.end(), at):
        return False
    between = text[last.end():at]
    if regex.match(r"\s*[(:]|\s*(?:là|đạt|có)\s*$", between):
        return True
    return not w["baseline"].search(text, max(start, last.start() - 20), last.start())


def full_dates(phrases: list[TimePhrase]) -> list[str]:
    """The dates written out with their year, what `stale` compares against."""
    return [p.value for p in phrases if p.value and not p.yearless and p.kind != "ignore"]


def stale(date: str, dated: list[str], *, last_year_named: bool = False) -> bool:
    """Whether `date` is more than a year after every other of the article's `full_dates`:
    a site header's or a crawler's today, not the article's date. An article that speaks of
    "năm ngoái" may be a year later still ("31/12 năm ngoái … so với cuối năm 2024")."""
    others = [d for d in dated if d != date]
    return bool(others) and int(date[:4]) > int(max(others)[:4]) + 1 + last_year_named


_DATE = regex.compile(r"(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|H([12])))?$")


def period_end(date: str | None) -> str | None:
    """The last day a FACTS.md date covers (`2019-Q2` → `2019-06-30`), for sorting and charts."""
    m = _DATE.match(date or "")
    if not m:
        return None
    year, month, day, quarter, half = m.groups()
    if day:
        return date
    if quarter:
        month = str(int(quarter) * 3)
    elif half:
        month = str(int(half) * 6)
    elif not month:
        month = "12"
    last = calendar.monthrange(int(year), int(month))[1]
    return f"{year}-{int(month):02d}-{last:02d}"
