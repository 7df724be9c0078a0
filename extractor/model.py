"""The records that flow through the pipeline: an article in, facts out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article, its text already normalized (NFC); every offset refers to `text`."""

    source: str  # the id of FACTS.md: file base name, JSONL url, FILE.jsonl#N or <stdin>
    text: str
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD or YYYY-MM, from the page or feed, when known
    url: str | None = None
    form: str = "txt"  # txt | html | jsonl
    # The page footer's line naming its publisher ("UBND xã Quảng Phú - huyện Quảng Điền -
    # tỉnh Thừa Thiên Huế"): where a commune's portal says which province it is in.
    site: str | None = None


@dataclass(frozen=True)
class ReadFailure:
    """An input that could not be read as an article; `error` is one line for a person."""

    source: str
    error: str
    stage: str = "read"


FACT_FIELDS = (
    "source", "locality", "unit", "province", "district", "date", "metric", "value",
    "qualifier", "group", "evidence", "start", "end", "surface", "baseline", "code",
)


@dataclass(frozen=True)
class Fact:
    """One number about one place at one date with one meaning (spec/FACTS.md)."""

    source: str
    locality: str | None
    unit: str | None
    province: str | None
    district: str | None
    date: str | None
    metric: str
    value: float | int
    qualifier: str
    group: str | None
    evidence: str
    start: int
    end: int
    surface: str
    baseline: str | None = None
    code: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        # Not dataclasses.asdict: its deep copy was a tenth of extraction time.
        return {**{k: getattr(self, k) for k in FACT_FIELDS}, **self.extra}
