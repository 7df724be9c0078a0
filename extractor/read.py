"""Inputs to articles: files, folders, globs, stdin; txt, html and JSON Lines.

Each input yields either an `Article` (normalized text) or a `ReadFailure`
with one line saying what is wrong, so one bad file never stops a batch.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .dates import filed_date
from .model import Article, ReadFailure
from .normalize import normalize_text

if TYPE_CHECKING:
    from lxml.html import HtmlElement

ARTICLE_SUFFIXES = {".txt", ".html", ".htm", ".jsonl"}
DEFAULT_MAX_BYTES = 20_000_000
# A page whose main text has fewer words than this is a menu or an error page.
MIN_ARTICLE_WORDS = 12

_BINARY_MAGIC = {
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (docx/xlsx?)",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x1f\x8b": "a gzip archive",
}


class InputError(Exception):
    """An input that is not a readable article; the message is one line for a person."""


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files named, files under folders (sorted, article suffixes only), and glob matches."""
    for p in paths:
        if p == "-":
            yield p
        elif os.path.isdir(p):
            for f in sorted(Path(p).rglob("*")):
                # A dangling link is yielded too, so it fails by name instead of vanishing.
                dangling = f.is_symlink() and not f.exists()
                if (f.is_file() or dangling) and f.suffix.lower() in ARTICLE_SUFFIXES:
                    yield str(f)
        elif not os.path.exists(p) and glob.has_magic(p):
            yield from sorted(glob.glob(p, recursive=True))
        else:
            yield p


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # not \t \n \f \r


def decode_bytes(data: bytes) -> str:
    """Decode article bytes in whichever encoding a Vietnamese site used.

    BOMs first (UTF-8, UTF-16), then strict UTF-8, then BOM-less UTF-16,
    then Windows-1258, the legacy Vietnamese code page.
    """
    if not data.strip():
        raise InputError("empty file")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"binary file ({what}), not article text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        head = data[:4000]
        if head.count(b"\x00") > len(head) // 4:
            for enc in ("utf-16-le", "utf-16-be"):
                try:
                    return data.decode(enc)
                except UnicodeDecodeError:
                    continue
        if b"\x00" in head:
            raise InputError("binary file (NUL bytes), not article text")
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError as e:
            raise InputError(f"unreadable encoding ({e.reason})") from None
    controls = len(_CONTROL.findall(text, 0, 4000))
    if controls > max(8, len(text[:4000]) // 50):
        raise InputError("binary file (control bytes), not article text")
    return text


def looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)


def html_to_article(html: str, source: str, *, url: str | None = None,
                    title: str | None = None, published: str | None = None,
                    form: str = "html") -> Article:
    """The article's own text from a web page: menus, sidebars, footers and forms dropped."""
    import trafilatura

    tree = _page_tree(html)
    if tree is None:
        raise InputError("no article text found in the page")
    # trafilatura prunes the tree it is given: each reading gets its own copy.
    body = trafilatura.extract(deepcopy(tree), url=url, include_comments=False,
                               include_tables=True, favor_precision=True)
    if body and _DANGLING_INTRO.search(body):
        body = _with_lists(body, trafilatura.extract(deepcopy(tree), url=url,
                                                     include_comments=False,
                                                     include_tables=True, favor_recall=True))
    meta_title, meta_date = _title_and_date(tree, url)
    page_title = title or meta_title
    page_date = published or (filed_date(meta_date, url) if meta_date else None)
    if not body or len(body.split()) < MIN_ARTICLE_WORDS:
        raise InputError("no article text found in the page")
    parts = [page_title.strip()] if page_title else []
    if page_title:  # the headline again inside the body, above the text or a photo
        body = "\n".join(ln for ln in body.split("\n") if ln.strip() != page_title.strip())
    if page_date:
        parts.append(page_date)
    lead = _lead(tree, body)
    text = "\n\n".join([*parts, *([lead] if lead else []), body.strip()])
    return Article(source=source, text=normalize_text(text),
                   title=normalize_text(page_title) if page_title else None,
                   published=page_date, url=url, form=form, site=_site_owner(tree))


def _page_tree(html: str) -> HtmlElement | None:
    """The page parsed as trafilatura parses it, less two things that mislead it."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is not None:
        _unwrap_layout_tables(tree)
        _drop_link_items(tree)
        _captions_as_paragraphs(tree)
        _div_tables_as_tables(tree)
        for table in list(tree.iter("table")):
            _flatten_table(table)
    return tree


_NUMBER_CELL = re.compile(r"[\d.,%\s+\-–]+")
_YEAR_TEXT = re.compile(r"(?:19|20)\d{2}")
MAX_HEADER_ROWS = 3


def _is_title_row(row: HtmlElement) -> bool:
    cells = [c for c in row if c.tag in ("th", "td")]
    return len(cells) == 1 and _span(cells[0], "colspan") >= 2 and bool(cells[0].text_content().strip())


def _span(cell: HtmlElement, name: str) -> int:
    value = (cell.get(name) or "1").strip()
    return max(1, min(int(value), 50)) if value.isdigit() else 1


def _flatten_table(table: HtmlElement) -> None:
    """A header over two or more rows ("Người tham gia BHYT" spanning "Số người | Tỷ lệ
    (%)"), which content extractors write out row by row, becomes one row in which each
    column's cell says all of its header; a cell spanning columns in the body ("Toàn tỉnh"
    over STT and the name) is followed by empty cells, so the columns stay aligned; and the
    caption (its date: "Số liệu đến ngày 30/9/2023") becomes the line above the table."""
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    while rows and _is_title_row(rows[0]):
        # "KẾT QUẢ … NĂM 2021 (Đơn vị tính: người, %)" across the table: its title
        title = rows.pop(0)
        line = table.makeelement("p")
        line.text = " ".join(title.text_content().split())
        table.addprevious(line)
        title.getparent().remove(title)
    # The header: the rows above the first row of figures (a year is a header's word).
    head = []
    for row in rows[:MAX_HEADER_ROWS + 1]:
        texts = [" ".join(c.text_content().split()) for c in row if c.tag in ("th", "td")]
        if any(t and _NUMBER_CELL.fullmatch(t) and not _YEAR_TEXT.fullmatch(t) for t in texts):
            break
        head.append(row)
    else:
        head = []  # no row of figures below: no table of statistics to mend
    if 2 <= len(head) <= MAX_HEADER_ROWS:
        labels: dict[int, list[str]] = {}
        covered: set[tuple[int, int]] = set()  # (row, column) a cell above spans down into
        for r, row in enumerate(head):
            column = 0
            for cell in (c for c in row if c.tag in ("th", "td")):
                while (r, column) in covered:
                    column += 1
                text = " ".join(cell.text_content().split())
                for c in range(column, column + _span(cell, "colspan")):
                    if text and text not in labels.setdefault(c, []):
                        labels[c].append(text)
                    covered.update((below, c) for below in range(r + 1, r + _span(cell, "rowspan")))
                column += _span(cell, "colspan")
        first = head[0]
        for cell in list(first):
            first.remove(cell)
        for c in range(max(labels) + 1 if labels else 0):
            cell = first.makeelement("th")
            cell.text = " ".join(labels.get(c, []))
            first.append(cell)
        for row in head[1:]:
            row.getparent().remove(row)
    for cell in table.xpath(".//td[@colspan]|.//th[@colspan]"):
        for _ in range(_span(cell, "colspan") - 1):
            cell.addnext(cell.makeelement(cell.tag))
        del cell.attrib["colspan"]
    for caption in table.xpath("./caption"):
        caption.tag = "p"
        table.addprevious(caption)


# A cell of a table built from <div>s holds a short value, and no block of its own.
DIV_CELL_CHARS = 60
_BLOCKS = {"div", "p", "table", "ul", "ol", "section", "article"}


def _div_tables_as_tables(tree: HtmlElement) -> None:
    """`<div class="tr"><div class="td">Xã Ân Tín</div><div class="td">9.870</div>…`: rows of
    short cells laid out with <div>s, which content extractors drop, become a <table>."""
    for box in list(tree.iter("div")):
        rows = [r for r in box if isinstance(r.tag, str)]
        if len(rows) < 2 or any(r.tag != "div" for r in rows):
            continue
        cells = [[c for c in r if isinstance(c.tag, str)] for r in rows]
        widths = {len(cs) for cs in cells}
        if len(widths) != 1 or widths.pop() < 2 or not all(
                c.tag in ("div", "span") and not any(x.tag in _BLOCKS for x in c.iterdescendants())
                and len(c.text_content().strip()) <= DIV_CELL_CHARS for cs in cells for c in cs):
            continue
        box.tag = "table"
        for row, cs in zip(rows, cells, strict=True):
            row.tag = "tr"
            for cell in cs:
                cell.tag = "td"


def _captions_as_paragraphs(tree: HtmlElement) -> None:
    """A photo's caption is prose ("Hiện xã Lộc Châu có 91,3% dân số tham gia BHYT"), but
    content extractors drop figures with their images."""
    for caption in list(tree.iter("figcaption")):
        caption.tag = "p"
    for figure in list(tree.iter("figure")):
        figure.tag = "div"


# A table cell holding this many words is a page's layout, not a cell of figures.
LAYOUT_CELL_WORDS = 60


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Old portals lay pages out in tables: the headline, dateline and article in one cell
    would be read as one row of a table. Such a table's rows and cells become blocks."""
    for table in list(tree.iter("table")):
        cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
        if not any(len(c.text_content().split()) >= LAYOUT_CELL_WORDS for c in cells):
            continue
        for element in [table, *table.xpath("./thead|./tbody|./tfoot|./tr|./*/tr"), *cells]:
            element.tag = "div"


def _drop_link_items(tree: HtmlElement) -> None:
    """List items and paragraphs that are a link, such as "Các tin khác" lists of other
    articles' headlines and dates: content extractors keep them when the list's heading is
    no heading element, and date finders take their dates for the page's."""
    for element in list(tree.iter("li", "p")):
        linked = " ".join(a.text_content() for a in element.iter("a"))
        # Mostly link: the rest is a date or a bullet, not words of the article's own.
        if len(linked.split()) >= 4 and _letters(linked) >= 3 * _letters(element.text_content()) / 4:
            element.drop_tree()


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _title_and_date(tree: HtmlElement, url: str | None) -> tuple[str | None, str | None]:
    """The page's title and date, found as trafilatura's `extract_metadata` finds them,
    without the author, categories, tags, site name and licence it also looks for: those
    were half its time, and reading a page is the build's own work, not the workers'."""
    from trafilatura.metadata import (
        examine_meta,
        extract_meta_json,
        extract_title,
        extract_url,
        find_date,
        set_date_params,
    )

    meta = examine_meta(tree)
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # trafilatura guards it so too: its JSON-LD reader has bugs
        pass
    meta.title = meta.title or extract_title(tree)
    meta.date = find_date(tree, **{**set_date_params(True), "url": meta.url or extract_url(tree, url)})
    meta.clean_and_trim()
    return meta.title, meta.date


# A list item as trafilatura writes one out.
_ITEM = r"[ \t]*(?:[-•*+]|\d{1,2}[.)]) "
# A line that introduces a list, followed by a line that is no list item or by nothing:
# the precise extraction dropped the list ("Tỷ lệ ... tại các xã như sau:" then the next
# paragraph).
_DANGLING_INTRO = re.compile(rf":[ \t]*(?:\n(?!{_ITEM})|\Z)")


def _with_lists(body: str, fuller: str | None) -> str:
    """`body` with the list items a fuller extraction keeps under an introduction `body`
    has too: short lists of figures are what the precise extraction drops."""
    if not fuller:
        return body
    lines = body.split("\n")
    kept = set(lines)
    for intro, items in _lists(fuller.split("\n")):
        if intro in kept and not any(item in kept for item in items):
            at = lines.index(intro) + 1
            lines[at:at] = items
    return "\n".join(lines)


def _lists(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(introduction line, its items) of each list in `lines`."""
    for i, line in enumerate(lines):
        if line.rstrip().endswith(":"):
            items = []
            for nxt in lines[i + 1:]:
                if not re.match(_ITEM, nxt):
                    break
                items.append(nxt)
            if items:
                yield line, items


def _lead(tree: HtmlElement, body: str) -> str | None:
    """The article's lead (sapo) when the extracted body left it out: the first block
    whose class or id names a lead (`patterns/noise.yml`) and whose text is a sentence."""
    from .data import load

    words = {w.casefold() for w in load("noise")["lead_classes"]}
    folded_body = " ".join(body.split())
    for element in tree.iter("div", "p", "h2", "h3", "span", "section", "strong", "b", "td"):
        if not words.intersection(_name_parts(element)):
            continue
        lead = " ".join(element.text_content().split())
        if len(lead) >= 60 and lead not in folded_body and lead[:60] not in folded_body:
            return lead
    return None


def _name_parts(element: HtmlElement) -> set[str]:
    """The parts of an element's class and id: "article-sapo", "sapo_detail", "ArtSapo"
    (camel case too), folded."""
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return {p.casefold() for p in re.split(r"[\s_-]+|(?<=[a-z])(?=[A-Z])", names) if p}


@lru_cache(maxsize=1)
def _site_owner_line() -> re.Pattern:
    from .data import load

    cues = "|".join(re.escape(c) for c in load("noise")["site_owner_cues"])
    units = "|".join(re.escape(u) for u in load("places")["unit_words"])
    return re.compile(rf"(?i:{cues})\b.{{0,40}}?(?i:{units})\s+[^\W\d_]")


_LINE_BREAKS = ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6")
# A publisher's line, not the footer's whole text: addresses and phones follow it.
SITE_OWNER_CHARS = 160


def _site_owner(tree: HtmlElement) -> str | None:
    """The line of the page's footer that names its publisher and where it is ("UBND xã
    Quảng Phú - huyện Quảng Điền - tỉnh Thừa Thiên Huế")."""
    from .data import load

    classes = {c.casefold() for c in load("noise")["footer_classes"]}
    for element in tree.iter():
        if not isinstance(element.tag, str) or not (
                element.tag == "footer" or classes.intersection(_name_parts(element))):
            continue
        footer = deepcopy(element)
        for block in footer.iter(*_LINE_BREAKS):  # the lines as a reader sees them
            block.tail = "\n" + (block.tail or "")
        for line in footer.text_content().split("\n"):
            m = _site_owner_line().search(line)
            if m:
                return normalize_text(" ".join(line[m.start():].split())[:SITE_OWNER_CHARS])
    return None


def text_to_article(text: str, source: str, *, url: str | None = None,
                    title: str | None = None, published: str | None = None,
                    form: str = "txt") -> Article:
    text = normalize_text(text).strip("\n")
    if not text.strip():
        raise InputError("no text")
    first = title or next((ln.strip() for ln in text.split("\n") if ln.strip()), None)
    return Article(source=source, text=text, title=first, published=published, url=url, form=form)


# A feed line's fields, by the names crawlers give them (first present wins): Scrapy items,
# RSS exports and CMS dumps call the page `content`, `body` or `raw_html`, its date
# `date` or `pubDate`, its address `link`; WordPress's API wraps them as {"rendered": …}.
FEED_FIELDS = {
    "url": ("url", "link", "canonical_url", "source_url"),
    "title": ("title", "headline"),
    "published": ("published", "published_at", "publish_date", "pubDate", "date",
                  "datePublished", "date_published", "time"),
    "html": ("html", "raw_html", "html_content", "content_html"),
    "text": ("text", "content", "body", "article", "raw_text", "plain_text"),
}


def _field(record: dict, name: str) -> object:
    for key in FEED_FIELDS[name]:
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("rendered")
        if value not in (None, ""):
            return value
    return None


def _jsonl_articles(text: str, name: str) -> Iterator[Article | ReadFailure]:
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        fallback = f"{name}#{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            yield ReadFailure(fallback, f"line {n}: not valid JSON ({e.msg})")
            continue
        if not isinstance(record, dict):
            yield ReadFailure(fallback, f"line {n}: not a JSON object")
            continue
        url = _str_or_none(_field(record, "url"))
        source = url or fallback
        kw = {"url": url, "title": _str_or_none(_field(record, "title")),
              "published": _str_or_none(_field(record, "published"))}
        html, raw = _field(record, "html"), _field(record, "text")
        try:
            if isinstance(html, str) and html.strip():
                yield html_to_article(html, source, form="jsonl", **kw)
            elif isinstance(raw, str):
                if looks_like_html(raw):
                    yield html_to_article(raw, source, form="jsonl", **kw)
                else:
                    yield text_to_article(raw, source, form="jsonl", **kw)
            else:
                yield ReadFailure(source, f"line {n}: no 'text' or 'html' field")
        except InputError as e:
            yield ReadFailure(source, f"line {n}: {e}")


def _str_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def read_bytes(data: bytes, name: str) -> Iterator[Article | ReadFailure]:
    """Articles from one input's bytes; `name` is its base name (the source id)."""
    try:
        text = decode_bytes(data)
    except InputError as e:
        yield ReadFailure(name, str(e))
        return
    try:
        if name.lower().endswith(".jsonl"):
            # Each record's text is normalized as it is read: the whole line is not, or the
            # mending of glued sentences would put a space into "page.aspx?CateID=168".
            yield from _jsonl_articles(text, name)
        elif name.lower().endswith((".html", ".htm")) or looks_like_html(text):
            yield html_to_article(text, name)
        else:
            yield text_to_article(text, name)
    except InputError as e:
        yield ReadFailure(name, str(e))


def read_inputs(paths: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
                ) -> Iterator[Article | ReadFailure]:
    """Every article in the given paths, in order; failures are yielded, never raised."""
    for path in expand_paths(paths):
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)  # never more than the limit in memory
            if len(data) > max_bytes:
                yield ReadFailure("<stdin>", f"over the limit of {max_bytes:,} bytes "
                                             "(raise it with --max-bytes)")
            else:
                yield from read_bytes(data, "<stdin>")
            continue
        name = os.path.basename(path)
        try:
            size = os.path.getsize(path)
            if size > max_bytes:
                yield ReadFailure(name, f"{size:,} bytes is over the limit of {max_bytes:,} "
                                        "(raise it with --max-bytes)")
                continue
            with open(path, "rb") as fh:
                # Bounded too: a file may grow after the size check, or be a device or pipe.
                data = fh.read(max_bytes + 1)
        except OSError as e:
            yield ReadFailure(name, f"cannot read: {e.strerror or e}")
            continue
        if len(data) > max_bytes:
            yield ReadFailure(name, f"over the limit of {max_bytes:,} bytes "
                                    "(raise it with --max-bytes)")
            continue
        yield from read_bytes(data, name)
