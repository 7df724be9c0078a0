"""Places in an article: mentions in the text, and what each one is in the gazetteer.

A mention is a unit word with a name (`huyện Xuân Lộc`, `TT Gia Ray`), a name in a list
that shares one unit word (`các xã Phong Nẫm, Châu Hòa`), a bare name the article's own
district or province contains (`Suối Cát đạt 89,83%`), a reference to the place the
article is about (`toàn huyện`, `của xã`), or the country (`cả nước`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

import regex

from . import gazetteer
from .data import alternation, load
from .gazetteer import Place
from .normalize import name_key
from .segment import headline_end

# A name: capitalized syllables joined by spaces ("Buôn Ma Thuột", "Ô Môn", "Ea Súp").
_SYLLABLE = r"\p{Lu}[\p{Ll}\p{M}]*(?:'\p{Lu}?[\p{Ll}\p{M}]+)?"
NAME = rf"{_SYLLABLE}(?:[ ]+{_SYLLABLE})*"
_WORD = regex.compile(r"\p{L}+")
_NUMBERED = r"\d{1,3}\p{L}?"  # "khu phố 3", "thôn 5A"
# A number that ends a name ("Đông Hải 1"), not a figure after it ("xã A 95%").
_NAME_JOINED = regex.compile(rf"[ ]*[-–][ ]*({NAME})")
_NAME_NUMBER = regex.compile(r"[ ]+(\d{1,2})(?![\d%]|[.,]\d|[ ]*(?:người|%))")
# A small word inside a name: "thị trấn Nông trường Lệ Ninh".
_NAME_WORDED = regex.compile(rf"[ ]+(\p{{Ll}}+[ ]+{NAME})")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: str  # named | bare | self | country | unnamed
    name: str | None = None
    unit: str | None = None  # canonical unit word; None when not written
    level: int | None = None  # for `self`: the level referred to


@dataclass(frozen=True)
class Locality:
    """What a fact says about its place (FACTS.md: locality, unit, province, district, code)."""

    locality: str
    unit: str | None
    province: str | None
    district: str | None
    code: str | None = None
    lat: float | None = None
    lon: float | None = None
    level: int | None = None


def shadow(text: str) -> str:
    """The text with ALL-CAPS lines title-cased (same length), so names in them are seen."""
    lines = text.split("\n")
    out = []
    for line in lines:
        # Most lines have too many small letters to be all caps; counting them is cheap
        # (str.islower over the characters, three times faster than a regex).
        if sum(map(str.islower, line)) * 5 >= len(line):
            out.append(line)
            continue
        letters = [c for c in line if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        if len(letters) >= 8 and upper > 0.8 * len(letters):
            titled = _WORD.sub(lambda m: m.group(0).capitalize(), line)
            # Unit words stay lower case, so "XÃ QUY MÔNG" reads as "xã Quy Mông".
            titled = _unit_words_lower(titled)
            line = titled if len(titled) == len(line) else line
        out.append(line)
    return "\n".join(out)


def _unit_words_lower(line: str) -> str:
    return _patterns()["unit_before_name"].sub(lambda m: m.group(0).lower(), line)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, regex.Pattern]:
    p = load("places")
    unit_full = alternation(p["unit_words"])
    unit_abbr = "|".join(regex.escape(a) for a in sorted(p["unit_abbreviations"], key=len,
                                                          reverse=True))
    numbered = alternation(p["numbered_units"])
    initials = "|".join(regex.escape(k) for k in sorted(p["city_initials"], key=len, reverse=True))
    return {
        "named": regex.compile(  # "TP.Vinh", "xã đảo Thạnh An"
            rf"(?<![\p{{L}}])(?P<unit>(?i:{unit_full})|{unit_abbr})(?:(?<=\.)[ ]*|(?![\p{{L}}])[ ]+)"
            rf"(?:(?:{alternation(p['unit_descriptors'])})[ ]+(?=\p{{Lu}}))?"
            rf"(?P<name>{NAME}(?![\p{{L}}])|(?<=(?i:{numbered})[ ]+)\d{{1,2}}(?!\d))"),
        "unit": regex.compile(rf"(?i:{unit_full})|{unit_abbr}"),
        "institution": regex.compile(
            rf"(?<!\p{{L}})(?i:{alternation(p['institution_words'])})\s*$"),
        # An institution named as a figure's subject: "Trường THPT Quỳnh Lưu 1 có 100% ...".
        "institution_named": regex.compile(
            rf"(?<!\p{{L}})(?i:{alternation(p['institution_subjects'])})\s+[\p{{Lu}}\d]"),
        "official": regex.compile(
            rf"(?<!\p{{L}})(?i:{alternation(load('documents')['official_titles'])})(?!\p{{L}})"),
        "unit_before_name": regex.compile(rf"(?<!\p{{L}})(?i:{unit_full})(?=[ ]+\p{{Lu}})"),
        "organ": regex.compile(rf"(?<![\p{{L}}])(?P<organ>(?i:{alternation(list(p['organs']))}))[ ]+"
                               rf"(?P<name>{NAME})"),
        "self": regex.compile(
            rf"(?<![\p{{L}}])(?i:{alternation(p['self_reference'])})[ ]+(?P<unit>(?i:{unit_full}))"
            rf"(?![\p{{L}}])(?![ ](?:\p{{Lu}}|\d))"),  # not "xã 3", but a column's gap may follow
        "plural": regex.compile(  # "các xã", "một số huyện", "4 tỉnh"
            rf"(?<![\p{{L}}\d.,/])(?:(?i:{alternation(p['plural'])})|\d{{1,2}})[ ]+(?P<units>(?i:{unit_full})"
            rf"(?:[ ]*,[ ]*(?i:{unit_full})(?![ ]+\p{{Lu}}))*)(?![\p{{L}}])"),
        "hamlet": regex.compile(
            rf"(?<![\p{{L}}])(?:(?i:{alternation(p['hamlet_words'])})[ ]+(?:{NAME}|{_NUMBERED})"
            rf"|(?i:{alternation(p['numbered_hamlet_words'])})[ ]+{_NUMBERED})(?![\p{{L}}\d])"),
        "initials": regex.compile(rf"(?<![\p{{L}}])(?:{initials})(?![\p{{L}}])"),
        "country": regex.compile(rf"(?<![\p{{L}}])(?i:{alternation(p['country'])})(?![\p{{L}}])"),
        "merged_with": regex.compile(  # "… sáp nhập với", "trên cơ sở nhập hai xã"
            rf"(?<![\p{{L}}])(?i:{alternation(p['merged_with'])})"
            rf"(?:[ ]+(?i:{alternation(p['plural'])}|\d{{1,2}})(?:[ ]+(?i:{unit_full}))?)?[ ]*$"),
        # "xã đã phối hợp với Bảo hiểm xã hội huyện Hồng Ngự vận động được 842 người": the
        # partner's unit is not the figure's place.
        "partner": regex.compile(rf"(?<![\p{{L}}])(?i:{alternation(p['partner_before'])})"
                                 rf"(?:[ ]+[^\s,;.]+){{0,4}}?[ ]*$"),
        "agency": regex.compile(rf"(?:{alternation(p['agency_before_country'])})[ ]*$"),
        "name": regex.compile(rf"(?<![\p{{L}}]){NAME}(?![\p{{L}}])"),
        "joiner": regex.compile(
            rf"[ ]*(?:,|;|(?<![\p{{L}}])(?:và|cùng)(?![\p{{L}}]))[ ]*(?:(?i:{unit_full}|{unit_abbr})[ ]+)?"
            rf"(?=\p{{Lu}})"),
        "intro": regex.compile(
            rf"[^.;:\n]{{0,40}}?(?<![\p{{L}}])(?:{alternation(p['list_intro'])})[ ]*:?[ ]+(?=\p{{Lu}})"),
        "unnamed": regex.compile(rf"^[ ]+(?:[^\s,;.]+[ ]+){{0,3}}?(?:{alternation(p['unnamed_set_verbs'])})"
                                 rf"(?![\p{{L}}])"),
    }


def _level_for(unit: str | None) -> int | None:
    if unit in ("xã", "phường", "thị trấn", "đặc khu"):
        return 3
    if unit in ("huyện", "quận", "thị xã"):
        return 2
    if unit == "tỉnh":
        return 1
    return None  # thành phố: either


def _exists(name: str, unit: str | None = None) -> bool:
    """Whether a unit of that name was ever in the gazetteer, before or after 1 July 2025."""
    return bool(gazetteer.find(name, unit=unit)
                or gazetteer.find(name, unit=unit, date=gazetteer.NEW_ERA_START))


def find_mentions(text: str) -> list[Mention]:
    """Every written mention of a place in `text` (use `shadow(text)` for all-caps lines)."""
    pats = _patterns()
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: Mention) -> None:
        out.append(m)
        taken.append((m.start, m.end))

    for m in pats["named"].finditer(text):
        if pats["organ"].match(text, m.start()):
            continue  # "HUYỆN ỦY TRẦN VĂN THỜI", shadowed "huyện Ủy Trần Văn Thời": an organ
        unit = gazetteer.canonical_unit(m.group("unit"))
        name, end = m.group("name"), m.end()
        if unit == "tỉnh" and not _exists(name, "tỉnh") and names_official(
                text, max(0, m.start() - 40), m.start()):
            continue  # "Giám đốc BHXH tỉnh Đặng Ngọc Dũng": a person, not a place
        name, end = _whole_name(text, name, end, unit)
        add(Mention(m.start(), end, "named", name, unit, _level_for(unit)))
        _continue_list(text, end, unit, add)
    organs = {k.casefold(): v for k, v in load("places")["organs"].items()}
    for m in pats["organ"].finditer(text):
        if not any(a <= m.start("name") < b for a, b in taken):
            unit = organs[m.group("organ").casefold()]
            if not _exists(m.group("name"), unit):
                continue  # "BHXH huyện Nguyễn Văn A": a person, not a place
            add(Mention(m.start("name"), m.end(), "named", m.group("name"), unit, _level_for(unit)))
    for m in pats["plural"].finditer(text):
        units = [gazetteer.canonical_unit(u.strip()) for u in m.group("units").split(",")]
        unit = units[0] if len(set(units)) == 1 else None
        rest = text[m.end():]
        intro = pats["intro"].match(rest)
        gap = intro.end() if intro else (1 if rest.startswith(" ") else None)
        names_at = m.end() + gap if gap is not None else None
        if names_at is not None and pats["name"].match(text, names_at) and not any(
                a <= names_at < b for a, b in taken):
            first = pats["name"].match(text, names_at)
            add(Mention(first.start(), first.end(), "named", first.group(0), unit,
                        _level_for(unit) or 3 if unit != "tỉnh" else 1))
            _continue_list(text, first.end(), unit, add)
        elif pats["unnamed"].match(rest):
            add(Mention(m.start(), m.end(), "unnamed", unit=unit, level=_level_for(unit)))
    initials = load("places")["city_initials"]
    for m in pats["initials"].finditer(text):  # "TP.HCM"
        if not any(a <= m.start() < b for a, b in taken):
            add(Mention(m.start(), m.end(), "named", initials[m.group(0)], "thành phố", 1))
    for m in pats["self"].finditer(text):
        if any(a <= m.start("unit") < b for a, b in taken):
            continue
        unit = gazetteer.canonical_unit(m.group("unit"))
        add(Mention(m.start("unit"), m.end(), "self", unit=unit, level=_level_for(unit)))
    for m in pats["hamlet"].finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            add(Mention(m.start(), m.end(), "unnamed", m.group(0)))
    for m in pats["country"].finditer(text):
        if m.group(0).casefold() == "việt nam" and (
                m.group(0) != "Việt Nam"  # a proper name is capitalized; spam often is not
                or pats["agency"].search(text, max(0, m.start() - 30), m.start())):
            continue
        if not any(a <= m.start() < b for a, b in taken):
            add(Mention(m.start(), m.end(), "country", "Việt Nam", "cả nước", 0))
    out.sort(key=lambda x: (x.start, -x.end))
    kept: list[Mention] = []
    for m in out:  # a list's continuation may find again a name the unit-word pattern found
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    return _mark_locators(text, kept)


def province_of_owner(line: str, date: str | None) -> str | None:
    """The province a publisher's line puts it in ("UBND xã Quảng Phú - huyện Quảng Điền -
    tỉnh Thừa Thiên Huế", "UBND huyện Lục Ngạn"): that of the widest unit named that the
    gazetteer knows in one province only."""
    named = [m for m in find_mentions(line) if m.kind in ("named", "locator")]
    for m in sorted(named, key=lambda m: m.level if m.level is not None else 1):
        # by level, not unit word: "tỉnh Thừa Thiên Huế" was the city of Huế by 2025
        provinces = {p.province for p in gazetteer.find(m.name, level=m.level, date=date)}
        if len(provinces) == 1:
            return provinces.pop()
    return None


# Between a place and the wider unit it lies in: "xã A, huyện B", "xã A (tỉnh B)", "huyện
# A (cũ) thuộc tỉnh B".
_LOCATOR_GAP = regex.compile(r"\s*(?:\((?:cũ|mới)\)\s*)?(?:[,(\-–]|,?\s*(?:thuộc|của))\s*")


_PROVINCE_IN_BRACKETS = regex.compile(
    rf"(?<=\p{{L}})[ ]*\([ ]*(?:(?i:tỉnh|thành phố|TP\.?)[ ]*)?(?P<name>{NAME})[ ]*\)")
HINT_VOTES = 3  # a province the site or the writer names outright, against 1-2 a mention
LOCATOR_REACH = 12  # characters between a place and the wider unit after it: " (", ", thuộc "


def _mark_locators(text: str, mentions: list[Mention]) -> list[Mention]:
    """`xã Hòa Bình, huyện Chi Lăng`, `xã Hàm Yên (tỉnh Tuyên Quang)`, `thôn Tân Khê của xã
    Quảng Khê`: a wider unit written right after a place says where that place lies; it is
    not what the figure is about."""
    out = list(mentions)
    for i in range(1, len(out)):
        a, b = out[i - 1], out[i]
        # A village (unnamed, no unit) lies in any unit: "thôn Tân Khê của xã Quảng Khê".
        # A thành phố (level unknown: a province or a district) is wider than any commune.
        b_level = b.level or (2 if b.unit == "thành phố" else None)
        lower = a.level and b_level and b_level < a.level or a.kind == "unnamed" and not a.unit
        if (a.kind in ("named", "unnamed") and b.kind in ("named", "bare") and lower
                and _LOCATOR_GAP.fullmatch(text[a.end:b.start])):
            out[i] = Mention(b.start, b.end, "locator", b.name, b.unit, b.level)
    merged, partner = _patterns()["merged_with"], _patterns()["partner"]
    in_run = False  # the units after "hợp nhất với", joined by "," or "và"
    for i, m in enumerate(out):
        in_run = m.kind in ("named", "bare") and bool(
            merged.search(text, max(0, m.start - 30), m.start)
            or partner.search(text, max(0, m.start - 60), m.start)
            or in_run and _MERGED_JOIN.fullmatch(text[out[i - 1].end:m.start]))
        if in_run:
            out[i] = Mention(m.start, m.end, "locator", m.name, m.unit, m.level)
    return out


_MERGED_JOIN = regex.compile(r"\s*(?:,|và)\s*")


def _whole_name(text: str, name: str, end: int, unit: str | None) -> tuple[str, int]:
    """The name written from `end` on, when more of it is a unit the gazetteer knows: a
    number ("phường Đông Hải 1"), a hyphen ("tỉnh Bà Rịa - Vũng Tàu") or a small word
    ("thị trấn Nông trường Lệ Ninh")."""
    numbered = _NAME_NUMBER.match(text, end)
    if numbered and _exists(f"{name} {numbered.group(1)}", unit):
        return f"{name} {numbered.group(1)}", numbered.end()
    joined = _NAME_JOINED.match(text, end)
    if joined and _exists(f"{name} - {joined.group(1)}"):
        return f"{name} - {joined.group(1)}", joined.end()
    worded = _NAME_WORDED.match(text, end)
    if worded and _exists(f"{name} {worded.group(1)}", unit):
        return f"{name} {worded.group(1)}", worded.end()
    return name, end


def _continue_list(text: str, pos: int, unit: str | None, add) -> None:
    """Names after `pos` joined by commas or `và` share the unit word before the first."""
    pats = _patterns()
    while True:
        j = pats["joiner"].match(text, pos)
        if not j:
            return
        n = pats["name"].match(text, j.end())
        if not n:
            return
        written = text[j.start():j.end()]
        own_unit = pats["unit"].search(written)
        this_unit = gazetteer.canonical_unit(own_unit.group(0)) if own_unit else unit
        name, end = _whole_name(text, n.group(0), n.end(), this_unit)
        add(Mention(n.start(), end, "named", name, this_unit, _level_for(this_unit)))
        unit, pos = this_unit, end


def _bare_level(known: dict[str, list[Place]], name: str | None) -> int | None:
    """The level of a bare name when every unit of the area that bears it has one level."""
    levels = {p.level for p in known.get(name_key(name or ""), [])}
    return levels.pop() if len(levels) == 1 else None


def names_institution(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` names a school, hospital, market ... : a figure about it is
    not about a place."""
    return bool(_patterns()["institution_named"].search(text, start, end))


def names_official(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` names an official ("Giám đốc", "Chủ tịch UBND"): whose
    words, or whose title before "tỉnh", are a person's."""
    return bool(_patterns()["official"].search(text, start, end))


def find_bare(text: str, known: dict[str, list[Place]], taken: list[Mention]) -> list[Mention]:
    """Names written without a unit word that the article's own area contains."""
    out = []
    # `taken` is in order and its spans do not overlap: the last one starting before a
    # name's end is the only one that can overlap it.
    starts = [m.start for m in taken]
    pats = _patterns()
    joined_end = 0
    for m in pats["name"].finditer(text):
        i = bisect_left(starts, m.end()) - 1
        if m.start() < joined_end or (i >= 0 and taken[i].end > m.start()) or pats[
                "institution"].search(text, max(0, m.start() - 25), m.start()):
            continue
        joined = _NAME_JOINED.match(text, m.end())
        if joined and name_key(f"{m.group(0)} - {joined.group(1)}") in known:
            # "Bà Rịa - Vũng Tàu đạt 88,1%": one name across the hyphen
            out.append(Mention(m.start(), joined.end(), "bare", f"{m.group(0)} - {joined.group(1)}"))
            joined_end = joined.end()
            continue
        words = m.group(0).split()
        # The longest run of words that is a known name wins ("Vĩnh Thuận Tây" over "Vĩnh").
        for i in range(len(words)):
            for j in range(len(words), i, -1):
                key = name_key(" ".join(words[i:j]))
                if key in known:
                    start = m.start() + len(" ".join(words[:i])) + (1 if i else 0)
                    name = " ".join(words[i:j])
                    out.append(Mention(start, start + len(name), "bare", name))
                    break
            else:
                continue
            break
    return out


@lru_cache(maxsize=1024)  # articles of one place and period share them
def _known_names(main: Place | None, date: str | None) -> dict[str, list[Place]]:
    """Units inside `main`'s own district and province, by name key; shared
    between articles, so read only."""
    areas: list[Place] = []
    if main is not None:
        areas.append(main)
        if main.level == 3 and main.district:
            areas += gazetteer.find(main.district, level=2, province=main.province,
                                    date=date)
        if main.level >= 2 and main.province:
            top = gazetteer.province(main.province, date)
            areas += [top] if top else []
    known: dict[str, list[Place]] = {}
    for area in areas:
        if area.level > 0:  # the article's own place and its province, named bare
            known.setdefault(name_key(area.name), []).append(area)
        for child in gazetteer.children(area, date):
            known.setdefault(name_key(child.name), []).append(child)
    # Provinces named bare ("Lạng Sơn 96,3%, Cao Bằng 98,7%" in a national round-up),
    # unless a unit of the article's own area has that name; after the 2025 merger, the
    # former ones too ("Hà Giang (98,47%)" at 30/6/2025, in a round-up written in July).
    eras = [date] + ([gazetteer.LAST_LEGACY_DAY] if gazetteer.era(date) == "new" else [])
    for day in eras:
        for province in gazetteer.children(gazetteer.COUNTRY, day):
            known.setdefault(name_key(province.name), [province])
    return known


# A later item's headline on a digest page: "Quỳnh Lưu: Số người ... tăng 1,73%" over a
# line with its date and time.
_ITEM_HEADLINE = regex.compile(rf"(?<=\n\n)[ ]*(?P<name>{NAME})[ ]*:[^\n]{{5,150}}(?<![.])\n"
                               rf"[ ]*\d{{1,2}}/\d{{1,2}}/\d{{4}}[^\n]{{0,20}}\n")
# A headline that opens with its place: "Yên Mô: Kết quả ...", "Gia Lai: Hơn 1,4 triệu ...".
_HEADLINE_PREFIX = regex.compile(rf"^[ ]*(?P<name>{NAME})[ ]*:", regex.MULTILINE)


# "toàn huyện Quảng Xương": a named place the article speaks of as a whole.
_WHOLE_OF = regex.compile(r"(?<!\p{L})toàn[ ]+$", regex.IGNORECASE)


class ArticlePlaces:
    """The places of one article, resolved together so each informs the others."""

    def __init__(self, text: str, title: str | None, date: str | None,
                 province_hint: str | None = None) -> None:
        self.date = date
        shadowed = shadow(text)
        self.text = shadowed
        self.mentions = find_mentions(shadowed)
        self.province_hint = province_hint
        self.want = self._wanted_level()
        self.main = self._main_place(shadowed, title)
        # A headline's place the gazetteer cannot settle (a name in two provinces, a unit it
        # lacks) still names what "toàn huyện" means, unresolved.
        head_end = headline_end(shadowed)
        named = [m for m in self.mentions if m.kind == "named" and m.unit]
        self.unresolved_main = None if self.main else next(
            (m for m in named if m.start < head_end), None) or next(
            (m for m in named if self._resolve_named(m, self.province, None) is None
             and m.level == self.want), None)
        self.known = _known_names(self.main, self.date)
        # A commune whose name opens with a village word ("Buôn Tría", "Bản Bo") is no village.
        self.mentions = [
            Mention(m.start, m.end, "bare", m.name, None, _bare_level(self.known, m.name))
            if m.kind == "unnamed" and m.name and name_key(m.name) in self.known else m
            for m in self.mentions]
        self.items = self._items(shadowed, head_end)
        bare = [Mention(m.start, m.end, m.kind, m.name, m.unit, _bare_level(self.known, m.name))
                for m in find_bare(shadowed, self.known, self.mentions)]
        self.mentions = _mark_locators(shadowed, sorted(self.mentions + bare, key=lambda m: m.start))
        self.starts = [m.start for m in self.mentions]

    # -- the article's own place

    def _candidates(self, m: Mention, province: str | None = None,
                    district: str | None = None) -> list[Place]:
        """Units the mention may be. A name written on into other capitalized words
        ("xã Tân Hòa Tây Ninh") falls back to its longest leading part that is a unit."""
        words = m.name.split()
        for n in range(len(words), 0 if m.unit else 1, -1):
            found = gazetteer.find(" ".join(words[:n]), unit=m.unit, province=province,
                                   district=district, date=self.date)
            if m.level is not None:
                found = [p for p in found if p.level == m.level] or found
            if found:
                return _one_per_code(found)
        return []

    def _province_context(self, text: str) -> str | None:
        votes: Counter[str] = Counter()
        # "Tam Nông (Đồng Tháp)": the writer saying which province, as a site's hint does.
        for m in _PROVINCE_IN_BRACKETS.finditer(text):
            found = gazetteer.find(m.group("name"), level=1, date=self.date)
            if len(found) == 1:
                votes[found[0].name] += HINT_VOTES
        for m in self.mentions:
            if m.kind not in ("named", "locator") or m.level == 3:
                continue
            found = self._candidates(m)
            provinces = {p.province for p in found if p.level in (1, 2)}
            if len(provinces) == 1:
                votes[provinces.pop()] += 2 if m.level == 1 or len(found) == 1 else 1
        if self.province_hint:
            votes[self.province_hint] += HINT_VOTES
        if votes:
            return votes.most_common(1)[0][0]
        # Every name is in several provinces ("huyện Tam Nông": Phú Thọ, Đồng Tháp): the
        # province holding most of the places named, communes included, when one does.
        shared: Counter[str] = Counter()
        for m in self.mentions:
            if m.kind == "named":
                shared.update({p.province for p in self._candidates(m) if p.province})
        ranked = shared.most_common(2)
        if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return ranked[0][0]
        return None

    def _main_place(self, text: str, title: str | None) -> Place | None:
        """The place the article is about: named in its headline, else the most named place
        of the level its `toàn huyện`/`toàn tỉnh` refer to, else the district holding the
        communes it names, else the province its site or dateline stands for."""
        self.province = self._province_context(text)
        want = self.want
        named = [m for m in self.mentions if m.kind in ("named", "locator") and m.name]
        resolved = self._resolve_all(named)
        head_end = headline_end(text)
        in_head = [(m, place) for m, place in resolved if m.start < head_end]
        # A place of the level "toàn huyện" speaks of first; else any the headline names
        # with its unit.
        for _, place in in_head:
            if want is None or place.level == want:
                return place
        prefix = _HEADLINE_PREFIX.search(text, 0, head_end)
        if prefix:
            name = prefix.group("name")
            found = (gazetteer.find(name, province=self.province, date=self.date)
                     or gazetteer.find(name, date=self.date))
            same_name = [(m, p) for m, p in resolved if name_key(p.name) == name_key(name)]
            found += [p for _, p in same_name]
            # The one the text speaks of as a whole ("toàn huyện Thiệu Hóa"), though a thị
            # trấn shares the name and a stray "của xã" asks for a commune.
            whole = {p.code for m, p in same_name
                     if m.kind == "named" and _WHOLE_OF.search(text, 0, m.start)}
            if len(whole) == 1:
                return next(p for p in found if p.code in whole)
            # One unit under two ranks ("thành phố"/"thị xã" Phú Mỹ, one code) is one place.
            at_level = set(_one_per_code([p for p in found if want is None or p.level == want]))
            if len(at_level) == 1:
                return at_level.pop()
            # A wider unit named alone in the headline ("Hà Nội: …") beats a level only a
            # passing "của huyện" asks for; "toàn huyện" would not be passing.
            if len(set(found)) == 1 and (want is None or found[0].level == want or (
                    found[0].level < want and want not in self._whole_levels())):
                return found[0]
            if not at_level and want is not None and any(
                    m.kind == "named" and m.level == want and name_key(m.name) == name_key(name)
                    for m in named):
                return None  # "huyện Hoành Bồ" in the text, a unit the gazetteer lacks
        # Else any the headline block names with its unit, though of another level (after
        # the headline's own "Ia Grai:", which a masthead's "tỉnh Gia Lai" must not beat).
        for m, place in in_head:
            if m.kind == "named":
                return place
        if want is None and any(m.kind == "country" for m in self.mentions):
            return gazetteer.COUNTRY
        pool = [p for _, p in resolved if want is None or p.level == want]
        if pool:
            return Counter(pool).most_common(1)[0][0]
        if want == 0:
            return gazetteer.COUNTRY
        if want == 1 and self.province:
            return gazetteer.province(self.province, self.date)
        communes = [m.name for m in self.mentions if m.kind == "named" and m.level == 3]
        communes += [m.group(0) for m in _patterns()["name"].finditer(text)]
        return gazetteer.infer_district([c for c in communes if c], province=self.province,
                                        date=self.date)

    def _whole_levels(self) -> set[int]:
        """The levels written as a whole ("toàn huyện", "toàn huyện Tân Châu")."""
        return {m.level for m in self.mentions if m.level and m.kind in ("self", "named")
                and _WHOLE_OF.search(self.text, max(0, m.start - 10), m.start)}

    def _wanted_level(self) -> int | None:
        """The level `toàn huyện`, `toàn xã` ... speak of most: the article's own. "toàn"
        ("toàn huyện", "toàn huyện Tân Châu") weighs more than "tại xã", "của huyện"."""
        levels: Counter[int] = Counter()
        for m in self.mentions:
            if m.level and (m.kind == "self" or m.kind == "named" and m.level > 1):
                whole = _WHOLE_OF.search(self.text, max(0, m.start - 10), m.start)
                if m.kind == "self" or whole:
                    levels[m.level] += 2 if whole else 1
        return levels.most_common(1)[0][0] if levels else None

    def _resolve_all(self, named: list[Mention]) -> list[tuple[Mention, Place]]:
        """Districts and provinces first; then communes inside the districts the article names
        ("Xã Hòa Bình (Chi Lăng)": four communes of Lạng Sơn share that name)."""
        resolved: list[tuple[Mention, Place]] = []
        pending: list[Mention] = []
        for m in named:
            place = self._resolve_named(m, self.province, None)
            if place:
                resolved.append((m, place))
            elif m.level != 1 and m.level != 2:
                pending.append(m)
        districts = {p for _, p in resolved if p.level == 2}
        for m in pending:
            found = {p for d in districts
                     for p in self._candidates(m, d.province, d.name) if p.level == 3}
            if len(found) == 1:
                resolved.append((m, found.pop()))
        resolved.sort(key=lambda mp: mp[0].start)
        return resolved

    # -- each mention

    def _resolve_named(self, m: Mention, province: str | None, district: str | None,
                       ) -> Place | None:
        for prov, dist in ((province, district), (province, None), (None, None)):
            found = self._candidates(m, prov, dist)
            if dist is not None and m.level == 3 and not any(
                    name_key(p.name) == name_key(m.name) for p in found):
                # "xã Phú Thứ" of huyện Kinh Môn in 2018, in the snapshot a phường of the
                # thị xã it became: the district's own unit of the whole name, at the
                # article's rank, before a part of the name ("xã Tam Quan Bắc", not "Tam Quan").
                found = [replace(p, unit=m.unit) for p in _one_per_code(gazetteer.find(
                    m.name, level=3, province=prov, district=dist, date=self.date))] or found
            if len(found) == 1:
                return found[0]
            if found and m.level == 1:
                return found[0]
            if len(found) > 1:
                return None
        if m.unit and m.level in (2, 3):
            # "huyện Mộc Châu" in 2016, a thị xã in the gazetteer's snapshot: a unit raised
            # in rank keeps its name and code, and the article's rank is the one of its time.
            for prov in (province, None):
                found = _one_per_code(gazetteer.find(m.name, level=m.level, province=prov,
                                                     date=self.date))
                if len(found) == 1:
                    return replace(found[0], unit=m.unit)
        return None

    def resolve_name(self, written: str, prefer_level: int | None = None) -> Locality | None:
        """A name written alone, as in a table's first column ("Nàng Mau", "Toàn huyện")."""
        unit, name = gazetteer.split_unit(written.strip())
        if not regex.fullmatch(rf"{NAME}(?: \d{{1,2}})?", name):  # "Đông Hải 1" too
            return None
        level = _level_for(unit) if unit else prefer_level
        return self.resolve(Mention(0, 0, "named" if unit else "bare", name, unit, level),
                            prefer_level=prefer_level)

    def resolve(self, m: Mention, prefer_level: int | None = None) -> Locality | None:
        """The locality a mention stands for in this article."""
        main = self.main
        if m.kind == "country":
            return Locality("Việt Nam", "cả nước", None, None, None, level=0)
        if m.kind == "unnamed":
            return None
        if m.kind == "self":
            return self._at_level(m.level, m.unit, m.start)
        district = None
        if main is not None:
            district = main.name if main.level == 2 else main.district
        province = main.province if main is not None else self.province
        if m.kind == "bare":
            cands = self.known.get(name_key(m.name), [])
            if prefer_level is not None:
                cands = [c for c in cands if c.level == prefer_level] or cands
            if main is not None and name_key(main.name) == name_key(m.name) and (
                    prefer_level is None or main.level == prefer_level):
                return _locality(main)
            if not cands and main is not None:
                cands = gazetteer.find(m.name, level=prefer_level, province=province,
                                       district=district if prefer_level == 3 else None,
                                       date=self.date)
            cands = _one_per_code(cands)
            if len(cands) == 1:
                return _locality(cands[0])
            place = None
        else:
            wider = self._locator_after(m)
            if wider is not None and m.level == 3:  # "phường 3 (TP Sóc Trăng)"
                if wider.level == 1:
                    province, district = wider.name, None
                else:
                    district = wider.name
            place = self._resolve_named(m, province, district if m.level != 2 else None)
            if place is None and m.level is None and m.unit == "thành phố":
                place = self._resolve_named(Mention(m.start, m.end, m.kind, m.name, m.unit, 1),
                                            province, None)
        if place is not None:
            return _locality(place)
        level = m.level or 3
        return Locality(m.name, m.unit, province,
                        gazetteer.plain_name(district)
                        if level == 3 and gazetteer.era(self.date) == "legacy" else None,
                        level=level)

    def _locator_after(self, m: Mention) -> Mention | None:
        """The wider unit written right after a place, saying where it lies."""
        i = bisect_left(self.starts, m.end)
        after = self.mentions[i] if i < len(self.mentions) else None
        return after if after is not None and after.kind == "locator" and (
            after.start - m.end <= LOCATOR_REACH) else None

    def _items(self, text: str, head_end: int) -> list[tuple[int, int, Place]]:
        """Later news items on one page (a digest of local news): where each begins, where
        its headline "Quỳnh Lưu: …" over a date line ends, and its place."""
        out = []
        for m in _ITEM_HEADLINE.finditer(text, head_end):
            found = _one_per_code(gazetteer.find(m.group("name"), date=self.date))
            at_level = [p for p in found if p.level == 2] or found
            if len(at_level) == 1:
                out.append((m.start(), m.end(), at_level[0]))
        return out

    def main_at(self, pos: int) -> Place | None:
        """The place the text at `pos` is about: its news item's, else the article's."""
        return next((place for start, _, place in reversed(self.items) if start <= pos),
                    self.main)

    def heads_item(self, pos: int) -> bool:
        """Whether `pos` lies in a later news item's headline."""
        return any(start <= pos < end for start, end, _ in self.items)

    def _at_level(self, level: int | None, unit: str | None,
                  pos: int = 0) -> Locality | None:
        main = self.main_at(pos)
        if main is None:
            if level == 1 and self.province:
                top = gazetteer.province(self.province, self.date)
                return _locality(top) if top else None
            unresolved = self._unresolved()
            return unresolved if unresolved and level in (None, unresolved.level) else None
        if level is None:  # "toàn thành phố": the main place if it is a city
            return _locality(main) if main.unit == "thành phố" or main.level <= 2 else None
        if main.level == level or (unit == main.unit):
            return _locality(main)
        if level == 1 and main.province:
            top = gazetteer.province(main.province, self.date)
            return _locality(top) if top else None
        if level == 2 and main.level == 3 and main.district:
            found = gazetteer.find(main.district, level=2, province=main.province, date=self.date)
            return _locality(found[0]) if len(found) == 1 else None
        return None

    def at_date(self, loc: Locality, date: str | None) -> Locality:
        """The place as it was at a figure's date, when that lies in another era than the
        article's (a 2025 article recalling the 2024 figures of communes since merged), or
        its province was named otherwise then (tỉnh Thừa Thiên Huế before 2025)."""
        if date is None or loc.level in (None, 0) or gazetteer.era(date) == gazetteer.era(self.date):
            return _as_named(loc, date or self.date)
        # "xã Mỹ Thuận (cũ)" in a page of the new Cần Thơ: the commune of Sóc Trăng, one of
        # the provinces Cần Thơ was formed from
        parts = gazetteer.former_parts(loc.province) if gazetteer.era(date) == "legacy" else []
        for provinces in ([loc.province], parts, [None]):
            found = [p for province in provinces for p in _one_per_code(gazetteer.find(
                loc.locality, unit=loc.unit, province=province, date=date))]
            if len(found) == 1:
                return _as_named(_locality(found[0]), date)
        return _as_named(loc, date)

    def default(self, pos: int = 0) -> Locality | None:
        main = self.main_at(pos)
        return _locality(main) if main is not None else self._unresolved()

    def _unresolved(self) -> Locality | None:
        m = self.unresolved_main
        return Locality(m.name, m.unit, self.province, None, level=m.level) if m else None


# A unit raised in rank keeps its code ("huyện Kim Bảng" became "thị xã Kim Bảng"); where
# the history dates the change only roughly, both answer. The lower rank is the older form.
_RANK = {"xã": 0, "thị trấn": 1, "phường": 2, "huyện": 0, "thị xã": 1, "quận": 2, "thành phố": 3}


def _one_per_code(places: list[Place]) -> list[Place]:
    by_code: dict[str | None, Place] = {}
    for p in places:
        held = by_code.get(p.code)
        if p.code is None or held is None or _RANK.get(p.unit, 9) < _RANK.get(held.unit, 9):
            by_code[p.code] = p
    return [p for p in places if p.code is None or by_code[p.code] is p]


def _as_named(loc: Locality, date: str | None) -> Locality:
    former = gazetteer.former_province(loc.province, date)
    if former is None:
        return loc
    name, unit = former
    if loc.level == 1:
        return replace(loc, locality=name, unit=unit, province=name)
    return replace(loc, province=name)


def _locality(p: Place) -> Locality:
    if p.level == 0:
        return Locality("Việt Nam", "cả nước", None, None, None, level=0)
    return Locality(gazetteer.plain_name(p.name), p.unit, p.province,
                    gazetteer.plain_name(p.district), p.code, p.lat, p.lon, p.level)
