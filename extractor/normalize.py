"""The one text every offset refers to: NFC, plain spaces, LF line ends.

Vietnamese sites mix precomposed (NFC) and decomposed (NFD) letters, the
Windows-1258 habit of combining tone marks, the Icelandic eth for Đ, and
non-breaking or zero-width spaces. All of it is folded here, before anything
reads the text, so that patterns only ever see one spelling.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

_REPLACE = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u3000": " ",
    "\u00d0": "Đ",  # Icelandic eth, typed for Đ on some keyboards
    "\u0189": "Đ",
    "\u00f0": "đ",
    "\r": "\n",
    "\u2028": "\n",
    "\u2029": "\n",
    "\u200b": None,  # zero-width space / joiners / BOM inside text
    "\u200c": None,
    "\u200d": None,
    "\ufeff": None,
    "\u00ad": None,  # soft hyphen
}
# Found with one regex pass: str.translate with a table of them costs more than the rest of
# normalizing, and most texts have none.
_ODD = regex.compile(f"[{''.join(regex.escape(c) for c in _REPLACE)}]")

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


# A crawl breaks lines inside sentences ("tỷ lệ học sinh, sinh viên\ntham gia BHYT đạt"):
# a single line break between a word, figure, comma or semicolon and a lower-case word (not
# a list mark "b)") is a space ("đạt 93,05%<br>dân số").
# Before a digit only when the line is long (a paragraph's, not a headline's above a dateline).
# The line break comes first in the pattern and the look-behinds last: tried at every
# position, the long look-behind made this the slowest step of reading.
def _broken_line(long_line: int) -> regex.Pattern:
    return regex.compile(r"[ \t]*\n(?:(?=[ \t]*\p{Ll}(?![).]))(?<=[\p{L}\d,;%)][ \t]*\n)"
                         rf"|(?=\d)(?<=^[^\n\t]{{{long_line},}}\p{{Ll}}[ \t]*\n))", regex.MULTILINE)


_BROKEN_LINE = _broken_line(80)
# Text pasted from a PDF wraps every line at some 75 characters, mid-sentence: there a
# shorter line before a figure ("… người tham gia BHYT/dân số\n203.518 người") is broken too.
_WRAPPED = _broken_line(50)
_WRAP_SIGN = regex.compile(r"\p{Ll},?\n\p{Ll}")
WRAPPED_LINES = 4  # lines broken mid-sentence that show a text was hard-wrapped
# "dân số.Toàn huyện": a sentence glued to the one before it.
_GLUED_SENTENCE = regex.compile(r"(?<=\p{Ll}{2}[.!?])(?=\p{Lu}\p{Ll})")


# "51. 236 người", "95, 2%": a space typed after the mark inside a number.
_SPLIT_GROUP = regex.compile(r"(?<![\d.,/])(\d{1,3})\. (\d{3})(?=\s*(?:\p{Ll}|%)|[.,]\d)")
_SPLIT_DECIMAL = regex.compile(r"(?<![\d.,/])(\d{1,3}), (\d{1,2})(?=\s*%)")
# "| 14 608 |": a table cell grouped with (non-breaking) spaces, which pages use as well as
# dots; only a cell of nothing else is read so ("năm 2022 có 45 người" stays as it is).
_SPACED_CELL = regex.compile(r"(\|[ \t]*)(\d{1,3}(?: \d{3})+)(?=[ \t]*\|)")
# "Long Hậu      2 418      396": the same in a column set off by tabs or runs of spaces.
_SPACED_COLUMN = regex.compile(r"(?:(?<=\t|  )|^)\d{1,3}(?: \d{3})+(?=\t|  |$)", regex.MULTILINE)
# "187 420 người", "14 230/15 874": a count grouped with (non-breaking) spaces in prose, read
# so only before a people word or a slash, or after a slash.
_SPACED_COUNT = regex.compile(
    r"(?<![\d.,])(?:(?<=/\s?)\d{1,3}(?: \d{3})+(?![\d.,])"
    r"|\d{1,3}(?: \d{3})+(?=\s*(?:/|người|thẻ|nhân\s+khẩu|dân(?!\p{L}))))")


# Vietnamese written in UTF-8 and read back as Windows-1252: "Ä‘" for "đ", "á»‡" for "ệ",
# "Æ°" for "ư", "Ã¡" for "á", "â€“" for "–". ("XÃ”", an all-caps word before a closing
# quote, is real text: a capital A with tilde is mojibake only before Latin-1 marks.)
_MOJIBAKE = regex.compile("Ä[\u0080-\u00bf\u2018]|á[»º]|Æ[°¡¯]|â€[\u0080-\u00bf\u0152-\u2122]"
                          "|Ã[\u00a0-\u00bf]")


# Words three spaces or a tab apart: a table's columns, whose header may wrap onto the next
# line ("Tỷ lệ hoàn" over "thành kế hoạch (%)"); such lines stay apart.
_COLUMN_GAP = regex.compile(r"\S {3,}\S|\t")


def _in_columns(text: str, m: regex.Match) -> bool:
    line = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
    return bool(_COLUMN_GAP.search(line))


def normalize_text(text: str) -> str:
    """NFC text with mojibake mended, Windows line ends, odd spaces and look-alike letters
    folded, lines broken inside a sentence joined, sentences glued together parted, and
    numbers split by a stray space (or grouped by spaces in a table cell) mended."""
    if _MOJIBAKE.search(text):
        import ftfy  # only for the rare page that needs it

        text = ftfy.fix_encoding(text)
    text = unicodedata.normalize("NFC", _ODD.sub(lambda m: _REPLACE[m.group()] or "",
                                                text.replace("\r\n", "\n")))
    wrapped = len(_WRAP_SIGN.findall(text)) >= WRAPPED_LINES
    text = _GLUED_SENTENCE.sub(" ", (_WRAPPED if wrapped else _BROKEN_LINE).sub(
        lambda m: m.group(0) if _in_columns(text, m) else " ", text))
    text = _SPLIT_GROUP.sub(r"\1.\2", text)
    text = _SPACED_CELL.sub(lambda m: m.group(1) + m.group(2).replace(" ", "."), text)
    text = _SPACED_COLUMN.sub(lambda m: m.group(0).replace(" ", "."), text)
    text = _SPACED_COUNT.sub(lambda m: m.group(0).replace(" ", "."), text)
    return _SPLIT_DECIMAL.sub(r"\1,\2", text)


_SYLLABLE_SPLIT = regex.compile(r"[\s\-]+")


@lru_cache(maxsize=200_000)  # the same few thousand names are keyed over and over
def name_key(name: str) -> str:
    """A key that equates spellings of one name: case, NFC/NFD and tone-mark placement.

    `Hoà` and `Hòa`, `Thuỵ` and `Thụy` get one key; `Hòa` and `Hóa` do not.
    Each syllable's tone mark is lifted off its vowel and written at its end.
    """
    out = []
    for syllable in _SYLLABLE_SPLIT.split(name.strip().casefold()):
        if not syllable:
            continue
        decomposed = unicodedata.normalize("NFD", syllable)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = "".join(c for c in decomposed if c not in _TONES)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(out)


_MARKS = regex.compile(r"\p{Mn}")  # the tone and vowel marks NFD splits off


def ascii_fold(text: str) -> str:
    """Text without Vietnamese marks (đ → d), for search and slugs."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _MARKS.sub("", decomposed)
