"""The article cut into the pieces facts are read from: sentences, list items, table rows.

Each piece keeps its span in the article's text. A list item remembers the line that
introduced its list ("Kết quả tại một số địa phương:"), a table row its header, so that
the cues of the introduction apply to every item.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from .data import alternation, load


@dataclass(frozen=True)
class Cell:
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    paragraph: int
    kind: str = "sentence"  # sentence | item | row | title
    intro: tuple[int, int] | None = None  # the line introducing a list or table
    cells: tuple[Cell, ...] = ()  # for rows
    header: tuple[str, ...] = ()  # for rows: the header cell of each column
    plan: bool = False  # under a report's plan heading ("III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2024")


_LIST_MARK = regex.compile(r"^[ \t]*(?:[-–—•+*▪●■►]|\d{1,2}[.)](?!\d))[ \t]+")
_SENTENCE_END = regex.compile(
    r"(?<=[.!?…])(?<!\b(?:TP|TT|TX|Q|P|Th|ThS|TS|BS|PGS|GS|St|Tp|TW|NĐ)\.)[\"”’)]*[ \t]+"
    r"(?=[\"“‘(]?[\p{Lu}\d])")

# Words from which a table's one-cell row is prose (a photo's caption), not a table title.
CAPTION_PROSE = 15
_WORD = regex.compile(r"\S+")
# Words up to which a line right under a table's header row (not a sentence, no leading
# figure) continues that header.
HEADER_WORDS = 12
_RULE_LINE = regex.compile(r"[-–—=_.\s]{3,}")
# A line this short without a final stop is a title: of a table, or of what follows.
TITLE_CHARS = 160
# A mark followed by a space: where underthesea's splitter could cut a line.
_INNER_MARK = regex.compile(r"[.!?…;:]\S*\s")


# A report's main heading ("III. PHƯƠNG HƯỚNG", "B. NHIỆM VỤ", "PHẦN II") and its numbered
# sub-heading ("1. Chỉ tiêu", "2.1. Về bảo hiểm y tế"), short and without a closing period.
_MAIN_HEADING = regex.compile(r"(?:[IVX]{1,4}|[A-ZĐ])[.)][ \t]+\S|PHẦN[ \t]+[IVX\d]+")
_SUB_HEADING = regex.compile(r"\d{1,2}(?:\.\d{1,2})*[.)][ \t]+\S")
HEADING_CHARS = 100


def _heading(line: str) -> str | None:
    """"main", "sub" or None: what heading a stripped line is."""
    if len(line) > HEADING_CHARS or line.endswith((".", ";", ",")):
        return None
    if _MAIN_HEADING.match(line) or (sum(map(str.isupper, line)) > 0.8 * sum(map(str.isalpha, line))
                                     and len(line.split()) >= 2):
        return "main"
    return "sub" if _SUB_HEADING.match(line) else None


@lru_cache(maxsize=1)
def plan_words() -> tuple[regex.Pattern, regex.Pattern]:
    """(plan heading words, result heading words) of `patterns/metrics.yml`."""
    m = load("metrics")
    return (regex.compile(rf"(?<!\p{{L}})(?:{alternation(m['plan_headings'])})(?!\p{{L}})",
                          regex.IGNORECASE),
            regex.compile(rf"(?<!\p{{L}})(?:{alternation(m['result_headings'])})(?!\p{{L}})",
                          regex.IGNORECASE))


@lru_cache(maxsize=1)
def _noise() -> dict[str, regex.Pattern]:
    n = load("noise")
    return {
        "end": regex.compile(rf"^[ \t]*(?:{alternation(n['end_markers'])})", regex.IGNORECASE),
        "not_end": regex.compile(rf"^[ \t]*(?:{'|'.join(n['not_end'])})", regex.IGNORECASE),
        "skip": regex.compile("|".join(n["skip_lines"]), regex.IGNORECASE),
    }


# Columns aligned with runs of spaces, as a table copied from a PDF or a plain-text page.
_SPACED = regex.compile(r"[ ]{2,}")
_TAB = regex.compile(r"\t")
# A cell holding a figure; a header cell may hold a year ("so với năm 2019") but not this.
_YEAR = regex.compile(r"(?:19|20)\d{2}")
_FIGURE_CELL = regex.compile(r"[+\-–]?\s*\d[\d.,]*\s*%?")
_PIPE = regex.compile(r"\|")


def _is_row(line: str) -> bool:
    if line.count("\t") >= 2 or (line.strip().startswith("|") and line.strip().endswith("|")) or (
            line.count(" | ") >= 2):  # "Chỉ tiêu | 2021 | 2022", a table pasted without borders
        # A page laid out in a table puts its article in cells: a sentence there is text.
        return not any(len(cell) > 200 or (len(cell) > 80 and cell.strip().endswith("."))
                       for cell in regex.split(r"[\t|]", line))
    cells = _SPACED.split(line.strip())
    return len(cells) >= 3 and all(len(c) <= 40 for c in cells) and not line.rstrip().endswith(".")


def _cells(text: str, start: int, end: int) -> tuple[Cell, ...]:
    line = text[start:end]
    sep = _TAB if "\t" in line else _PIPE if "|" in line else _SPACED
    marks = [*sep.finditer(text, start, end), None]
    out = []
    pos = start
    for i, m in enumerate(marks):
        stop = m.start() if m else end
        part = text[pos:stop]
        a, b = pos + len(part) - len(part.lstrip()), pos + len(part.rstrip())
        # Between two pipes an empty cell keeps its column ("|  | Toàn tỉnh | 1.528.795 |").
        if b > a or (sep is _PIPE and 0 < i < len(marks) - 1):
            out.append(Cell(a, max(a, b)))
        if m:
            pos = m.end()
    return tuple(out)


def headline_end(text: str) -> int:
    """Where the headline block ends: the first line that reads as body text (a full
    sentence ending in a period, a list's introduction, or a long line), within the first
    lines of the page."""
    pos = 0
    for n, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if n > 8 or (stripped and (stripped.endswith((".", ":")) or len(stripped) > 200)):
            return pos
        pos += len(line) + 1
    return pos


def segment(text: str) -> list[Piece]:
    """Pieces of the article in reading order; site furniture and trailing boilerplate dropped."""
    noise = _noise()
    pieces: list[Piece] = []
    pos = 0
    intro: tuple[int, int] | None = None
    header: tuple[str, ...] = ()
    body_chars = 0
    head_end = headline_end(text)
    plan = False
    plan_word, result_word = plan_words()
    header_at: tuple[int, tuple[Cell, ...]] | None = None  # a header row not yet followed by data
    for number, line in enumerate(text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        heading = _heading(stripped) if start >= head_end else None
        if heading:
            opens_plan = bool(plan_word.search(stripped)) and not result_word.search(stripped)
            if heading == "main" or opens_plan:
                plan = opens_plan
        if body_chars > 300 and noise["end"].match(line) and not noise["not_end"].match(line):
            break
        if len(stripped) < 120 and noise["skip"].search(line):
            continue
        if _is_row(line):
            cells = _cells(text, start, end)
            if regex.fullmatch(r"[\s|:\-–]+", line):
                continue
            filled = [c for c in cells if c.end > c.start]
            if len(filled) < 2:  # a caption spanning the table introduces it
                intro = (filled[0].start, filled[0].end) if filled else intro
                if filled and len(text[filled[0].start:filled[0].end].split()) >= CAPTION_PROSE:
                    # A photo's caption in a layout table: "Người dân xã A làm thủ tục cấp
                    # thẻ BHYT. Năm 2023, xã A có 96,3% dân số tham gia BHYT. Ảnh: N.M"
                    pieces.extend(Piece(a, b, number, "sentence", plan=plan)
                                  for a, b in sentences(text, filled[0].start, filled[0].end))
                continue
            figures = [text[c.start:c.end] for c in cells if _FIGURE_CELL.fullmatch(text[c.start:c.end])]
            if header_at and all(_YEAR.fullmatch(f.strip()) for f in figures):
                # The second and third lines of a space-aligned header ("tham gia | phủ (%)",
                # "BHYT | 2017 | hoạch (%)"): their words join the columns above them.
                header = _continued_header(text, header, *header_at, start, end)
                continue
            if not header or not figures:
                header = tuple(text[c.start:c.end] for c in cells)
                # Only a space-aligned header wraps onto a line of its own.
                header_at = None if _TAB.search(line) or _PIPE.search(line) else (start, cells)
                continue
            pieces.append(Piece(start, end, number, "row", intro, cells, header, plan))
            header_at = None
            continue
        if header_at and _RULE_LINE.fullmatch(stripped):
            continue  # "-------" under a space-aligned header
        if header_at and len(stripped.split()) <= HEADER_WORDS and not stripped.endswith(
                (".", ":")) and not _FIGURE_CELL.search(stripped[:1]):
            # A header wrapped onto a second line of a space-aligned table ("Số người" over
            # "có thẻ BHYT"): its words join the column they stand under.
            header = _continued_header(text, header, *header_at, start, end)
            continue
        header, header_at = (), None
        opens_list = stripped.endswith(":") or "như sau" in stripped
        spans = sentences(text, start, end)
        if _LIST_MARK.match(line):
            pieces.extend(Piece(a, b, number, "item", intro, plan=plan) for a, b in spans)
            if opens_list:  # "- Bảo hiểm y tế:" introduces the "+" items under it
                intro = _last(spans, start, end)
            continue
        # The sentence that ends with the colon introduces the list, not the whole line:
        # "… đạt 99,4% kế hoạch tỉnh giao. Cụ thể theo nhóm đối tượng:" sets no target.
        if opens_list:
            intro = _last(spans, start, end)
        elif len(stripped) <= TITLE_CHARS and not stripped.endswith((".", ";", "!", "?")):
            # A table's title and unit lines ("Biểu 01: Số người tham gia BHYT theo nhóm
            # đối tượng", "(Đơn vị: người)") say what its figures are, with the line
            # introducing them.
            follows = intro is not None and not text[intro[1]:start].strip()
            intro = (intro[0] if follows else start, end)
        else:
            intro = None
        kind = "title" if start < head_end else "sentence"
        body_chars += len(stripped) if kind == "sentence" else 0
        pieces.extend(Piece(a, b, number, kind, plan=plan) for a, b in spans)
    return pieces


def _continued_header(text: str, header: tuple[str, ...], header_start: int,
                      cells: tuple[Cell, ...], start: int, end: int) -> tuple[str, ...]:
    """`header` with the words of the line text[start:end] added to the column whose
    start, in the header row above, is nearest to each word's."""
    columns = [c.start - header_start for c in cells]
    out = list(header)
    for word in _WORD.finditer(text, start, end):
        offset = word.start() - start
        k = min(range(len(columns)), key=lambda i: abs(columns[i] - offset))
        out[k] = f"{out[k]} {word.group(0)}"
    return tuple(out)


def _last(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    return spans[-1] if spans else (start, end)


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of one line. underthesea's splitter knows Vietnamese abbreviations
    ("TP. Hồ Chí Minh", "Ảnh: K.T."); its sentences are found back in the line for offsets,
    and a line it rewrites is split at sentence-final marks instead."""
    if not _INNER_MARK.search(text, start, end):
        # Nothing a sentence could end at before the line's end: the line is one sentence
        # (a third of lines; the splitter is the slowest part of segmenting).
        line = text[start:end]
        return [(start + len(line) - len(line.lstrip()), end - len(line) + len(line.rstrip()))]
    from underthesea import sent_tokenize

    spans: list[tuple[int, int]] = []
    pos = start
    for sentence in sent_tokenize(text[start:end]):
        at = text.find(sentence, pos, end)
        if at < 0:
            return _split_at_marks(text, start, end)
        if spans and at == spans[-1][1]:
            # A cut with no space after the dot is inside a token ("shop.vn", "gov.vn").
            spans[-1] = (spans[-1][0], at + len(sentence))
        else:
            spans.append((at, at + len(sentence)))
        pos = at + len(sentence)
    return spans or [(start, end)]


def _split_at_marks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, s = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.append((s, m.start()))
        s = m.end()
    spans.append((s, end))
    return spans
