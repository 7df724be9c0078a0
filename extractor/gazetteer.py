"""Vietnamese administrative units at a date: lookup by name, history, sites.

Two eras: "legacy" (63 provinces, districts, communes; before 1 July 2025) and "new"
(34 provinces whose communes lie directly in them). Both come from the offline tables
of `vietnamadminunits` (read with SQL once; nothing here may touch the network), plus
the history that package lacks (its legacy table is a snapshot taken after the
2023-2025 arrangement): `patterns/gazetteer/history.yml` (curated, with resolutions)
and `history_generated.yml` (diff against an older snapshot). Names are matched with
`name_key`, so case and tone-mark placement never matter; other spelling variants go
through `patterns/gazetteer/aliases.yml`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import regex
import yaml

from extractor.dates import period_end
from extractor.normalize import ascii_fold, name_key

PATTERNS = Path(__file__).resolve().parent.parent / "patterns"
GAZETTEER = PATTERNS / "gazetteer"

NEW_ERA_START = "2025-07-01"
LAST_LEGACY_DAY = "2025-06-30"
# Bounds used when a generated history entry has no exact date (see history.yml).
DEFAULT_ABOLISHED = NEW_ERA_START
DEFAULT_CREATED = "2023-01-01"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Place:
    name: str
    unit: str
    level: int
    province: str | None
    district: str | None
    code: str | None
    lat: float | None = None
    lon: float | None = None


COUNTRY = Place("Việt Nam", "cả nước", 0, None, None, None)


@dataclass(frozen=True)
class _Entry:
    """A place with the days it existed: valid_from inclusive, valid_to exclusive."""

    place: Place
    valid_from: str | None = None
    valid_to: str | None = None


# ---------------------------------------------------------------- dates and eras


_DATE = regex.compile(r"(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|H([12])))?")
_MONTH_END = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}  # Feb 29 is harmless for comparison


@lru_cache(maxsize=4096)
def period(date: str) -> tuple[str, str]:
    """First and last ISO day of a fact date (YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY-MM-DD)."""
    m = _DATE.fullmatch(date.strip())
    if not m:
        raise ValueError(f"not a fact date: {date!r}")
    year, month, day, quarter, half = m.groups()
    if day:
        return f"{year}-{month}-{day}", f"{year}-{month}-{day}"
    if month:
        first_month = last_month = int(month)
    elif quarter:
        first_month, last_month = 3 * int(quarter) - 2, 3 * int(quarter)
    elif half:
        first_month, last_month = 6 * int(half) - 5, 6 * int(half)
    else:
        first_month, last_month = 1, 12
    last_day = _MONTH_END.get(last_month, 31)
    return f"{year}-{first_month:02d}-01", f"{year}-{last_month:02d}-{last_day:02d}"


def era(date: str | None) -> str:
    """"legacy" or "new": which units a figure dated `date` is named in.

    Decided by the LAST day of the period: a BHYT figure for a period is a state at
    its end (coverage at year end), and an article giving a 2025 year figure was
    written after 1 July 2025 and names the new units. So "2025", "2025-Q3" and
    "2025-07" are new; "2025-H1", "2025-06" and "2025-06-30" are legacy. None
    (undated) is legacy, where the corpus mostly lies.
    """
    if date is None:
        return "legacy"
    return "new" if period(date)[1] >= NEW_ERA_START else "legacy"


def _valid(entry: _Entry, span: tuple[str, str] | None) -> bool:
    """True when the entry existed on some day of the span (any day when span is None)."""
    if span is None:
        return True
    first, last = span
    if entry.valid_from and entry.valid_from > last:
        return False
    return not (entry.valid_to and entry.valid_to <= first)


def _span(date: str | None) -> tuple[str, str] | None:
    return None if date is None else period(date)


# ---------------------------------------------------------------- unit words


@lru_cache(maxsize=1)
def _units() -> dict:
    with open(GAZETTEER / "units.yml", encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def _abbrev_key(word: str) -> str:
    return regex.sub(r"[\s.]+", ".", word.strip().casefold()).strip(".")


def canonical_unit(word: str) -> str | None:
    """The fact format's unit word for `word` ("TP." -> "thành phố"), None if unknown."""
    data = _units()
    folded = unicodedata.normalize("NFC", " ".join(word.split()).casefold())
    if folded in data["words"]:
        return folded
    return data["abbreviations"].get(_abbrev_key(word))


@lru_cache(maxsize=1)
def _unit_prefix() -> regex.Pattern:
    data = _units()
    words = sorted(data["words"], key=len, reverse=True)
    # Multi-letter abbreviations may stand before a space; one-letter ones ("P.",
    # "Q.") only with their dot, or "P Mỹ Long" would lose a name's first letter.
    abbrevs = sorted(data["abbreviations"], key=len, reverse=True)
    long_ = [regex.escape(a) for a in abbrevs if len(a.replace(".", "")) > 1]
    short = [regex.escape(a) for a in abbrevs if len(a.replace(".", "")) == 1]
    alternatives = [
        rf"(?:{'|'.join(regex.escape(w) for w in words)})\s+",
        rf"(?:{'|'.join(long_)})(?:\.\s*|\s+)",
        rf"(?:{'|'.join(short)})\.\s*",
    ]
    return regex.compile(rf"^(?i:{'|'.join(alternatives)})(?=\S)")


def split_unit(text: str) -> tuple[str | None, str]:
    """("thị trấn", "Gia Ray") for "TT Gia Ray"; (None, text) when no unit word leads."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    m = _unit_prefix().match(text)
    if not m:
        return None, text
    return canonical_unit(m.group().strip()), text[m.end():]


# ---------------------------------------------------------------- loading


def _nfc(s: str | None) -> str | None:
    return None if s is None else unicodedata.normalize("NFC", s.strip())


def _query(sql: str) -> list[dict]:
    # Imported here so that importing this module (e.g. for `bhyt --help`) stays cheap.
    from vietnamadminunits.database import query

    return query(sql)


def _province_place(row: dict) -> Place:
    unit = "thành phố" if row["province"].startswith("Thành phố") else "tỉnh"
    name = _nfc(row["provinceShort"])
    return Place(name, unit, 1, name, None, row["provinceCode"],
                 row["provinceLat"], row["provinceLon"])


@lru_cache(maxsize=1)
def _history() -> dict:
    with open(GAZETTEER / "history.yml", encoding="utf-8") as f:
        curated = yaml.load(f, Loader=_Loader)
    with open(GAZETTEER / "history_generated.yml", encoding="utf-8") as f:
        generated = yaml.load(f, Loader=_Loader)
    return {"curated": curated, "generated": generated}


@lru_cache(maxsize=1)
def _renamed_provinces() -> dict[str, dict]:
    """The gazetteer's name of each province renamed since the corpus starts -> its row."""
    return {row["name"]: row for row in _history()["curated"].get("renamed_provinces") or []}


@lru_cache(maxsize=1)
def _spellings() -> dict[tuple[int, str], str]:
    """(level, code) -> the unit's own spelling, where the package writes it otherwise."""
    return {(row["level"], str(row["code"])): row["name"]
            for row in _history()["curated"].get("spellings") or []}


def former_province(name: str | None, date: str | None) -> tuple[str, str] | None:
    """(name, unit) of a province at a fact's `date` (its period's last day) when it was
    named otherwise then: Huế was tỉnh Thừa Thiên Huế until 1 January 2025. `name` is the
    gazetteer's."""
    row = _renamed_provinces().get(name or "")
    end = period_end(date) if row else None
    if end and end < str(row["until"]):
        return row["was"], row["was_unit"]
    return None


@lru_cache(maxsize=1)
def _successors() -> dict[str, str]:
    """Each province before 1 July 2025 -> the one of the 34 it became part of, found by the
    commune codes the new units kept (most communes of a former province answer alike)."""
    new_province = {e.place.code: e.place.province for e in _new_entries() if e.place.level == 3}
    votes: dict[str, Counter[str]] = {}
    for e in _legacy_entries():
        if e.place.level == 3 and e.place.code in new_province and e.place.province:
            votes.setdefault(e.place.province, Counter())[new_province[e.place.code]] += 1
    return {old: count.most_common(1)[0][0] for old, count in votes.items()}


def former_parts(province: str | None) -> list[str]:
    """The provinces before 1 July 2025 that one of the 34 was formed from (Cần Thơ: Cần
    Thơ, Sóc Trăng, Hậu Giang); empty for a name that is none of the 34."""
    return sorted(old for old, new in _successors().items() if new == province)


def _effective_dates() -> dict[str, str]:
    """Province name_key -> the day its 2023-2025 arrangement took effect (when known)."""
    rows = _history()["curated"].get("arrangements") or []
    return {name_key(r["province"]): str(r["effective"]) for r in rows}


def _level_of(unit: str) -> int:
    return 3 if 3 in _units()["words"][unit] else 2


def _history_place(row: dict) -> Place:
    unit = canonical_unit(row["unit"]) or row["unit"]
    code = row.get("code")
    return Place(_nfc(row["name"]), unit, row.get("level") or _level_of(unit),
                 _nfc(row["province"]), _nfc(row.get("district")),
                 None if code is None else str(code))


def _identity(p: Place) -> tuple:
    return (name_key(p.name), p.unit, name_key(p.province or ""), name_key(p.district or ""))


def _history_entries() -> list[_Entry]:
    """Abolished units for the legacy era; curated entries replace generated twins."""
    effective = _effective_dates()
    curated = []
    for row in _history()["curated"].get("units") or []:
        place = _history_place(row)
        curated.append(_Entry(place, _str(row.get("valid_from")), _str(row.get("valid_to"))))
    seen = {_identity(e.place) for e in curated}
    out = list(curated)
    for row in _history()["generated"].get("abolished") or []:
        place = _history_place(row)
        if _identity(place) in seen:
            continue
        valid_to = effective.get(name_key(place.province or ""), DEFAULT_ABOLISHED)
        out.append(_Entry(place, None, valid_to))
    return out


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _created_from() -> dict[tuple[int, str], str]:
    """(level, code) of snapshot units created in 2023-2025 -> their first day."""
    effective = _effective_dates()
    out = {}
    for row in _history()["generated"].get("created") or []:
        day = effective.get(name_key(row["province"]), DEFAULT_CREATED)
        out[(row["level"], str(row["code"]))] = day
    return out


@lru_cache(maxsize=1)
def _legacy_entries() -> tuple[_Entry, ...]:
    rows = _query(
        "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon,"
        " districtShort, districtType, districtCode, districtLat, districtLon,"
        " wardShort, wardType, wardCode, wardLat, wardLon FROM admin_units_legacy"
    )
    created = _created_from()
    spellings = _spellings()
    provinces: dict[str, Place] = {}
    districts: dict[str, Place] = {}
    wards: dict[str, Place] = {}
    for r in rows:
        prov = provinces.setdefault(r["provinceCode"], _province_place(r))
        if r["districtCode"] not in districts:
            districts[r["districtCode"]] = Place(
                spellings.get((2, str(r["districtCode"])), _nfc(r["districtShort"])),
                r["districtType"].lower(), 2, prov.name, None,
                r["districtCode"], r["districtLat"], r["districtLon"])
        district = districts[r["districtCode"]]
        if r["wardCode"]:  # island districts (Bạch Long Vĩ, Cồn Cỏ...) have no communes
            wards[r["wardCode"]] = Place(
                _nfc(r["wardShort"]), r["wardType"].lower(), 3, prov.name,
                district.name, r["wardCode"], r["wardLat"], r["wardLon"])
    out = [_Entry(COUNTRY)]
    out += [_Entry(p) for p in provinces.values()]
    out += [_Entry(p, created.get((p.level, p.code))) for p in districts.values()]
    out += [_Entry(p, created.get((p.level, p.code))) for p in wards.values()]
    # A code outlives a merger with the unit that kept it: its point is near enough.
    by_code = {(p.level, p.code): p for p in [*districts.values(), *wards.values()]}
    for entry in _history_entries():
        twin = by_code.get((entry.place.level, entry.place.code))
        if twin and entry.place.lat is None:
            entry = _Entry(replace(entry.place, lat=twin.lat, lon=twin.lon),
                           entry.valid_from, entry.valid_to)
        out.append(entry)
    return tuple(out)


@lru_cache(maxsize=1)
def _new_entries() -> tuple[_Entry, ...]:
    rows = _query(
        "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon,"
        " wardShort, wardType, wardCode, wardLat, wardLon FROM admin_units"
    )
    provinces: dict[str, Place] = {}
    out = [_Entry(COUNTRY)]
    for r in rows:
        if r["provinceCode"] not in provinces:
            provinces[r["provinceCode"]] = _province_place(r)
            out.append(_Entry(provinces[r["provinceCode"]], NEW_ERA_START))
        out.append(_Entry(Place(
            _nfc(r["wardShort"]), r["wardType"].lower(), 3, _nfc(r["provinceShort"]), None,
            r["wardCode"], r["wardLat"], r["wardLon"]), NEW_ERA_START))
    return tuple(out)


def _entries(era_name: str) -> tuple[_Entry, ...]:
    return _legacy_entries() if era_name == "legacy" else _new_entries()


@lru_cache(maxsize=2)
def _index(era_name: str) -> dict[str, list[_Entry]]:
    index: dict[str, list[_Entry]] = defaultdict(list)
    for entry in _entries(era_name):
        index[name_key(entry.place.name)].append(entry)
    return dict(index)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[dict]]:
    """name_key(variant) -> [{official, unit, province}] from aliases.yml."""
    with open(GAZETTEER / "aliases.yml", encoding="utf-8") as f:
        rows = yaml.load(f, Loader=_Loader)["aliases"]
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[name_key(row["variant"])].append(row)
    return dict(out)


def _name_keys(name: str) -> list[tuple[str, dict | None]]:
    """The keys to look up for a name: its own, then those of its aliases' officials."""
    key = name_key(name)
    return [(key, None)] + [(name_key(a["official"]), a) for a in _aliases().get(key, [])]


def _province_keys(name: str) -> set[str]:
    _, bare = split_unit(name)
    keys = {name_key(bare)}
    keys |= {name_key(a["official"]) for a in _aliases().get(name_key(bare), [])}
    return keys


# ---------------------------------------------------------------- lookups


def _alias_allows(alias: dict | None, place: Place) -> bool:
    if alias is None:
        return True
    if alias.get("unit") and canonical_unit(alias["unit"]) != place.unit:
        return False
    return not (alias.get("province")
                and name_key(alias["province"]) != name_key(place.province or ""))


# The package tells apart two units of one name in a province by their kind:
# "Long Mỹ (Huyện)" and "Long Mỹ (Thị xã)". Facts name them as written, kind apart.
_KIND_SUFFIX = regex.compile(r"\s+\((Huyện|Thị xã|Thành phố|Thị trấn|Xã|Phường)\)$")


def plain_name(name: str | None) -> str | None:
    """A unit's name without the package's kind suffix: "Long Mỹ (Huyện)" -> "Long Mỹ"."""
    return _KIND_SUFFIX.sub("", name) if name else name


def find(name: str, *, unit: str | None = None, level: int | None = None,
         province: str | None = None, district: str | None = None,
         date: str | None = None) -> list[Place]:
    """All units of the date's era named `name`, narrowed by the optional filters (see
    `_find`). Cached: an article asks for the same few names many times."""
    return list(_find(name, unit, level, province, district, date))


@lru_cache(maxsize=100_000)
def _find(name: str, unit: str | None, level: int | None, province: str | None,
          district: str | None, date: str | None) -> tuple[Place, ...]:
    """All units of the date's era named `name`, narrowed by the optional filters.

    `name` may carry its unit word ("TT Gia Ray", "huyện Xuân Lộc") when `unit` is not
    given. `unit` accepts abbreviations (TP, TT, TX, Q., P.); an unknown unit word
    matches nothing. `province` and `district` compare by name_key (and aliases:
    "Thừa Thiên Huế"). In the legacy era only units that existed on some day of the
    date's period are returned (any day when `date` is None).
    """
    if unit is None:
        unit, name = split_unit(name)
    elif (unit := canonical_unit(unit)) is None:
        return []
    era_name = era(date)
    span = _span(date)
    province_keys = _province_keys(province) if province else None
    district_key = name_key(split_unit(district)[1]) if district else None
    found: dict[_Entry, None] = {}
    for key, alias in _name_keys(name):
        for entry in _index(era_name).get(key, []):
            p = entry.place
            if unit is not None and p.unit != unit:
                continue
            if level is not None and p.level != level:
                continue
            if province_keys is not None and name_key(p.province or "") not in province_keys:
                continue
            if district_key is not None and _district_key(p.district)[0] != district_key:
                continue
            if _valid(entry, span) and _alias_allows(alias, p):
                found[entry] = None
    return tuple(sorted(_collapse(list(found), span), key=_sort_key))


def _collapse(entries: list[_Entry], span: tuple[str, str] | None) -> list[Place]:
    """One place per name, unit, province and district.

    A unit that absorbed a neighbour and kept its name often took a new code; where
    the change date is only bounded (generated history), both versions are valid in
    the window between the two snapshots. They are one place for the fact format, so
    keep the version that most recently began by the period's start (the older one
    when neither had).
    """
    start = span[0] if span else "9999"
    best: dict[tuple, _Entry] = {}
    for entry in entries:
        key = _identity(entry.place)
        held = best.get(key)
        if held is None or _began(entry, start) > _began(held, start):
            best[key] = entry
    return [e.place for e in best.values()]


def _began(entry: _Entry, start: str) -> str:
    """Sort key: the entry's start if it began by `start`, else the lowest rank."""
    began = entry.valid_from or "0000"
    return began if began <= start else ""


def _sort_key(p: Place) -> tuple:
    return (p.level, p.province or "", p.district or "", p.name, p.unit, p.code or "")


def _fold(name: str) -> str:
    return regex.sub(r"[^a-z0-9]", "", ascii_fold(name).casefold())


def province(name: str, date: str | None = None) -> Place | None:
    """The province (or centrally-run city) of that name in the date's era.

    Falls back to an ASCII-folded comparison ("Dak Lak", "Đắc Lắc" via aliases) since
    the 63/34 province names stay distinct without marks.
    """
    found = find(name, level=1, date=date)
    if len(found) == 1:
        return found[0]
    _, bare = split_unit(name)
    folded = _fold(bare)
    matches = [e.place for e in _entries(era(date))
               if e.place.level == 1 and _fold(e.place.name) == folded]
    return matches[0] if len(matches) == 1 else None


@lru_cache(maxsize=2)
def _by_parent(era_name: str) -> dict[tuple, list[_Entry]]:
    """(level, province key, district key, district kind) -> entries: who lies directly in
    whom. The kind is the package's suffix ("Long Mỹ (Huyện)"), None for most districts."""
    out: dict[tuple, list[_Entry]] = defaultdict(list)
    for entry in _entries(era_name):
        p = entry.place
        out[(p.level, name_key(p.province or ""), *_district_key(p.district))].append(entry)
    return dict(out)


def _district_key(district: str | None) -> tuple[str, str | None]:
    """(name key, kind) of a district as the package writes it: ("long mỹ", "huyện")."""
    district = district or ""
    m = _KIND_SUFFIX.search(district)
    return name_key(district[:m.start()] if m else district), m.group(1).lower() if m else None


def children(place: Place, date: str | None = None) -> list[Place]:
    """Units directly under `place` in the date's era (legacy: districts of a province,
    communes of a district; new: communes of a province; the country: provinces)."""
    return list(_children(place, _span(date), era(date)))


@lru_cache(maxsize=4096)  # every article asks for its province's units and the country's
def _children(place: Place, span: tuple[str, str] | None, era_name: str) -> tuple[Place, ...]:
    if place.level == 0:
        keys = [(1, k, "", None) for k in {name_key(e.place.name) for e in _entries(era_name)
                                           if e.place.level == 1}]
    elif place.level == 1:
        child_level = 2 if era_name == "legacy" else 3
        keys = [(child_level, name_key(place.name), "", None)]
    elif place.level == 2 and era_name == "legacy":
        name, kind = _district_key(place.name)
        keys = [(3, name_key(place.province or ""), name, kind or place.unit),
                (3, name_key(place.province or ""), name, None)]
    else:
        return ()
    entries = [e for k in keys for e in _by_parent(era_name).get(k, [])]
    return tuple(sorted({e.place: None for e in entries if _valid(e, span)}, key=_sort_key))


def infer_district(names: list[str], *, province: str | None = None,
                   date: str | None = None) -> Place | None:
    """The legacy district that holds the named communes, when the evidence is clear.

    A district wins when it holds strictly more of the names than any other district
    and either holds at least two of them or (with `province` given) is the only
    district of that province holding any. One name without a province is never
    enough: 42% of commune names are shared. New-era communes have no district: None.
    """
    if era(date) != "legacy":
        return None
    votes: Counter[tuple[str, str]] = Counter()
    for raw in {name_key(n): n for n in names}.values():
        unit, bare = split_unit(raw)
        homes = {(p.province, p.district)
                 for p in find(bare, unit=unit, level=3, province=province, date=date)}
        votes.update(homes)
    ranked = votes.most_common()
    if not ranked:
        return None
    (best, count) = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if count <= runner_up or not (count >= 2 or (province and runner_up == 0)):
        return None
    districts = find(best[1], level=2, province=best[0], date=date)
    return districts[0] if len(districts) == 1 else None


@lru_cache(maxsize=64)
def all_names(date: str | None = None) -> dict[str, list[Place]]:
    """name_key -> places of the date's era, for building a fast name matcher.

    Alias variants are keys too (mapped to their official places). Do not mutate:
    the dict is cached and shared.
    """
    span = _span(date)
    out: dict[str, list[Place]] = {}
    index = _index(era(date))
    for key, entries in index.items():
        places = [e.place for e in entries if _valid(e, span)]
        if places:
            out[key] = places
    for key, aliases in _aliases().items():
        for alias in aliases:
            places = [e.place for e in index.get(name_key(alias["official"]), [])
                      if _valid(e, span) and _alias_allows(alias, e.place)]
            if places:
                out.setdefault(key, [])
                out[key] = out[key] + [p for p in places if p not in out[key]]
    return out


# ---------------------------------------------------------------- sites


@lru_cache(maxsize=1)
def _sites() -> dict:
    with open(PATTERNS / "sites.yml", encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def _host(url_or_host: str) -> str:
    text = url_or_host.strip()
    if "://" not in text:
        text = "//" + text
    host = (urlsplit(text).hostname or "").casefold().rstrip(".")
    return host.removeprefix("www.")


def _site_for(host: str) -> dict | None:
    for site in _sites()["sites"]:
        if host == site["host"] or host.endswith("." + site["host"]):
            return site
    return None


@lru_cache(maxsize=1)
def _gov_slugs() -> dict[str, str]:
    """Portal slug -> legacy province name: the gazetteer's names folded, plus exceptions."""
    slugs = {_fold(e.place.name): e.place.name for e in _legacy_entries()
             if e.place.level == 1}
    slugs.update({_fold(k): v for k, v in (_sites().get("gov_slugs") or {}).items()})
    return slugs


def province_for_host(url_or_host: str) -> str | None:
    """The province a site reports on: a listed newspaper, or a <province>.gov.vn portal."""
    host = _host(url_or_host)
    if not host:
        return None
    site = _site_for(host)
    if site:
        return site["province"]
    suffix = "." + _sites()["gov_suffix"]
    if host.endswith(suffix):
        labels = host.removesuffix(suffix).split(".")
        return _gov_slugs().get(_fold(labels[-1]))
    return None


def province_for_dateline(abbrev: str, host: str | None = None) -> str | None:
    """The province a dateline abbreviation ("(BGĐT)", "QT") stands for.

    The host's own site decides first; otherwise only an abbreviation claimed by
    sites of a single province counts. "(Baodaklak.vn)"-style datelines are hosts.
    """
    text = unicodedata.normalize("NFC", abbrev.strip().strip("()[] -–—").strip())
    if not text:
        return None
    if "." in text:
        return province_for_host(text)
    wanted = text.casefold()
    site = _site_for(_host(host)) if host else None
    if site and wanted in {d.casefold() for d in site.get("datelines") or []}:
        return site["province"]
    provinces = {s["province"] for s in _sites()["sites"]
                 if wanted in {d.casefold() for d in s.get("datelines") or []}}
    return provinces.pop() if len(provinces) == 1 else None
