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
# A table's section row: "II\tCác xã vùng III", "| A | Khối phường |".
_SECTION_ROW = regex.compile(r"[ \t|]*(?:[IVX]{1,4}|[A-ZĐ])[ \t]*[\t|]")
_DIGIT = regex.compile(r"\d")
_LABEL_GAP = regex.compile(r"\S {3,}\S")
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
        # Between two pipes or after a tab an empty cell keeps its column ("|  | Toàn tỉnh |
        # 1.528.795 |", "\tCộng\t257.025\t\t259.454").
        if b > a or (sep is _PIPE and 0 < i < len(marks) - 1) or (sep is _TAB and m is not None):
            out.append(Cell(a, max(a, b)))
        if m:
            pos = m.end()
    return tuple(out)


def _fit(cells: tuple[Cell, ...], width: int, start: int,
         first: tuple[int, tuple[Cell, ...]] | None) -> tuple[Cell, ...]:
    """A row's cells as many as its header's columns: a stray tab's empty cells dropped
    ("4\tGia Thụy\t\t17.160"); in a space-aligned table, the cells of a short row
    ("      Cộng     28.346") in the columns of the first row they stand under."""
    extra = len(cells) - width
    if extra > 0:
        empty = [i for i, c in enumerate(cells) if c.end == c.start][-extra:]
        if len(empty) == extra:
            cells = tuple(c for i, c in enumerate(cells) if i not in empty)
    elif extra < 0 and cells and first is not None and len(first[1]) == width:
        origin, columns = first
        out = [Cell(start, start)] * width
        for c in cells:
            a, b = c.start - start, c.end - start
            k = min(range(width), key=lambda k: (
                not (columns[k].start - origin < b and a < columns[k].end - origin),
                abs(columns[k].end - origin - b)))
            out[k] = c
        cells = tuple(out)
    return cells


# A row of a table pasted from a PDF, its cells one space apart: "2 Huyện Càng Long 141.320
# 137.905 31.047 91,38 97,58", "Tổng cộng 1.006.930 990.740".
_PASTED_ROW = regex.compile(r"(?:(?P<index>\d{1,3})[.)]?[ ]+)?(?P<name>\p{Lu}[^\d\n]{0,40}?)"
                            r"(?P<figures>(?:[ ]+[+\-–]?\d[\d.,]*%?){2,})[ ]*")
_PASTED_FIGURE = regex.compile(r"[+\-–]?\d[\d.,]*%?")
# Characters up to which a line may be one label of a pasted table's header.
PASTED_LABEL_CHARS = 40


def _pasted_cells(text: str, start: int, row: regex.Match) -> tuple[Cell, ...]:
    cells = [Cell(start + row.start(g), start + row.end(g)) for g in ("index", "name") if row.group(g)]
    cells += [Cell(start + row.start("figures") + m.start(), start + row.start("figures") + m.end())
              for m in _PASTED_FIGURE.finditer(row.group("figures"))]
    return tuple(cells)


def _stacked_labels(text: str, lines: list[tuple[int, int, int, int, tuple[int, int] | None]],
                    width: int) -> tuple[tuple[str, ...], tuple] | None:
    """The labels of `width` columns from the header lines above a pasted table, last first:
    a unit in brackets ("(%)") belongs to the line above, as does a line after one ending
    in a colon ("Trong đó:" over "hộ gia đình"). With them, the first line they use."""
    labels: list[str] = []
    i = len(lines) - 1
    while i >= 0 and len(labels) < width:
        j = i
        while j > 0 and (text[lines[j][1]] == "(" or text[lines[j - 1][2] - 1] == ":"):
            j -= 1
        labels.insert(0, " ".join(text[a:b] for _, a, b, _, _ in lines[j:i + 1]))
        i = j - 1
    return (tuple(labels), lines[i + 1]) if len(labels) == width else None


def _header(text: str, lines: list[tuple[int, int]], row: tuple[Cell, ...]) -> tuple[str, ...]:
    """The label of each column of a header over one or more lines, for the first row of
    figures under it. A tab's or pipe's cells keep their column; a space-aligned line's words
    go to the column they stand over. On the top line of two or more, a label over columns
    labelled below ("Số người tham gia BHYT" over "Tổng số | Trong đó: người DTTS") spans
    them up to the next label."""
    width = len(row)
    split = [_cells(text, a, b) for a, b in lines]
    # Where each column stands: in the header line that has them all, else in the row.
    grid = None if _TAB.search(text, *lines[0]) or _PIPE.search(text, *lines[0]) else next(
        ((a, cs) for (a, _), cs in zip(lines, split, strict=True) if len(cs) == width),
        (row[0].start if row else 0, row))
    placed: list[list[tuple[list[int], str]]] = []  # per line: (columns, words)
    for n, ((a, _), cs) in enumerate(zip(lines, split, strict=True)):
        if grid is None or len(cs) == width:
            placed.append([([k], text[c.start:c.end]) for k, c in enumerate(cs)])
            continue
        placed.append(_placed(text, a, cs, grid, whole=n == 0))
    labels: list[list[str]] = [[] for _ in range(width)]
    for n, line in enumerate(placed):
        below = {k for lower in placed[n + 1:] for ks, words in lower if words for k in ks}
        owns = [ks[0] for ks, words in line if words and ks and ks[0] < width]
        for ks, words in line:
            if not words or not ks or ks[0] >= width:
                continue
            span = ks
            if n == 0 and below and ks[0] in below:
                stop = min((k for k in owns if k > ks[0]), default=width)
                span = [ks[0], *(k for k in range(ks[0] + 1, stop) if k in below)]
            for k in span:
                if k < width and words not in labels[k]:
                    labels[k].append(words)
    return tuple(" ".join(ws) for ws in labels)


def _placed(text: str, line_start: int, cells: tuple[Cell, ...],
            grid: tuple[int, tuple[Cell, ...]], *, whole: bool) -> list[tuple[list[int], str]]:
    """The columns of a space-aligned header line's cells: the first each overlaps, else the
    nearest. Below the top line, a cell over several columns ("(người) có thẻ BHYT bao phủ
    (%)") is words wrapped in each, and each word goes to the column starting nearest it."""
    origin, columns = grid
    spans = [(c.start - origin, c.end - origin) for c in columns]

    def nearest(a: int) -> int:
        return min(range(len(spans)), key=lambda k: abs(spans[k][0] - a))

    out: list[tuple[list[int], str]] = []
    for c in cells:
        a, b = c.start - line_start, c.end - line_start
        over = [k for k, (s, e) in enumerate(spans) if s < b and a < e]
        if len(over) <= 1 or whole:
            out.append((over[:1] or [nearest(a)], text[c.start:c.end]))
            continue
        out.extend(([nearest(w.start() - line_start)], w.group(0))
                   for w in _WORD.finditer(text, c.start, c.end))
    return out


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
    head_lines: list[tuple[int, int]] = []  # a header's lines not yet followed by a row of figures
    # A line of two labels far apart, which may top a space-aligned header ("Kết quả vận
    # động 6 tháng đầu năm      Tỷ lệ bao phủ"): its number, span, and the state before it.
    labels_line: tuple[int, int, int, int, tuple[int, int] | None] | None = None
    first_row: tuple[int, tuple[Cell, ...]] | None = None  # a space-aligned table's, where it starts
    # A table pasted from a PDF: its header's short lines, one label each (with its unit
    # below: "Thực hiện" over "(người)"); its labels; the number of its last row.
    short_lines: list[tuple[int, int, int, int, tuple[int, int] | None]] = []
    pasted_labels: tuple[str, ...] | None = None
    pasted_at = -1
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
        if (header or head_lines) and _SECTION_ROW.match(line) and not _DIGIT.search(
                line, _SECTION_ROW.match(line).end()):
            continue  # "II\tCác xã vùng III": a section of the table, under the same header
        if _is_row(line):
            cells = _cells(text, start, end)
            if regex.fullmatch(r"[\s|:\-–]+", line):
                continue
            filled = [c for c in cells if c.end > c.start]
            figures = [text[c.start:c.end] for c in cells if _FIGURE_CELL.fullmatch(text[c.start:c.end])]
            if head_lines and filled and all(_YEAR.fullmatch(f.strip()) for f in figures) and (
                    len(filled) >= 2 or len(stripped.split()) <= HEADER_WORDS):
                # The second and third lines of a header ("\t\t(người)\tTổng số\tTrong đó:",
                # "BHYT | 2017 | hoạch (%)"): their words join the columns above them.
                head_lines.append((start, end))
                continue
            if len(filled) < 2:  # a caption spanning the table introduces it
                intro = (filled[0].start, filled[0].end) if filled else intro
                if filled and len(text[filled[0].start:filled[0].end].split()) >= CAPTION_PROSE:
                    # A photo's caption in a layout table: "Người dân xã A làm thủ tục cấp
                    # thẻ BHYT. Năm 2023, xã A có 96,3% dân số tham gia BHYT. Ảnh: N.M"
                    pieces.extend(Piece(a, b, number, "sentence", plan=plan)
                                  for a, b in sentences(text, filled[0].start, filled[0].end))
                continue
            if not figures or not (header or head_lines):
                head_lines = [(start, end)]
                if labels_line and labels_line[0] == number - 1 and not (
                        _TAB.search(line) or _PIPE.search(line)):
                    head_lines.insert(0, labels_line[1:3])
                    del pieces[labels_line[3]:]
                    intro = labels_line[4]
                continue
            if head_lines:
                first_row = None if _TAB.search(line) or _PIPE.search(line) else (start, cells)
                if first_row is None:  # a stray tab in the first row: "1\tĐịnh Công\t\t41.207"
                    cells = _fit(cells, max(len(_cells(text, *h)) for h in head_lines), start, None)
                header, head_lines = _header(text, head_lines, cells), []
            pieces.append(Piece(start, end, number, "row", intro,
                                _fit(cells, len(header), start, first_row), header, plan))
            continue
        spaced_head = bool(head_lines) and not (_TAB.search(text, *head_lines[0])
                                                or _PIPE.search(text, *head_lines[0]))
        if spaced_head and _RULE_LINE.fullmatch(stripped):
            continue  # "-------" under a space-aligned header
        if spaced_head and len(stripped.split()) <= HEADER_WORDS and not stripped.endswith(
                (".", ":")) and not _FIGURE_CELL.search(stripped[:1]):
            # A header wrapped onto a second line of a space-aligned table ("Số người" over
            # "có thẻ BHYT"): its words join the column they stand under.
            head_lines.append((start, end))
            continue
        pasted = None if spaced_head else _PASTED_ROW.fullmatch(stripped)
        if pasted:
            cells = _pasted_cells(text, start + len(line) - len(line.lstrip()), pasted)
            width = len(cells) - (2 if pasted.group("index") else 1)
            if not (pasted_labels and len(pasted_labels) == width and pasted_at == number - 1):
                stacked = _stacked_labels(text, short_lines, width) if short_lines and \
                    short_lines[-1][0] == number - 1 else None
                pasted_labels = None
                if stacked:
                    pasted_labels, (_, _, _, first_piece, intro) = stacked
                    del pieces[first_piece:]
            if pasted_labels:
                pieces.append(Piece(start, end, number, "row", intro, cells,
                                    ("",) * (len(cells) - width) + pasted_labels, plan))
                pasted_at, short_lines = number, []
                continue
        short_lines = [*short_lines[-20:], (number, start + len(line) - len(line.lstrip()), end - len(
            line) + len(line.rstrip()), len(pieces), intro)] if len(stripped) <= PASTED_LABEL_CHARS \
            and not stripped.endswith(".") else []
        header, head_lines = (), []
        labels_line = (number, start, end, len(pieces), intro) if _LABEL_GAP.search(
            stripped) and not stripped.endswith(".") else None
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
