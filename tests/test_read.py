"""Every input kind reads to the same normalized text; every bad input fails alone, clearly."""

import json
import unicodedata

import pytest
from click.testing import CliRunner

from extractor import extract
from extractor.cli import cli
from extractor.dates import parse_published
from extractor.model import ReadFailure
from extractor.read import read_inputs

TEXT = ("Huyện Yên Mô: kết quả BHYT\n\n09/07/2019\n\n"
        "Tính đến hết quý II/2019, toàn huyện Yên Mô có 103.418 người tham gia BHYT, "
        "đạt tỷ lệ bao phủ 90,99% dân số. Xã Hòa Bình đạt 91,2%.")


TONES = "\u0300\u0301\u0303\u0309\u0323"


def _windows_1258(text: str) -> bytes:
    """The legacy code page writes tone marks as combining characters after the letter."""
    out = []
    for c in text:
        nfd = unicodedata.normalize("NFD", c)
        tones = "".join(m for m in nfd if m in TONES)
        out.append(unicodedata.normalize("NFC", "".join(m for m in nfd if m not in TONES)) + tones)
    return "".join(out).encode("cp1258")


def _write(path, data: bytes):
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("name, encode", [
    ("utf8.txt", lambda t: t.encode("utf-8")),
    ("utf8bom.txt", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
    ("utf16.txt", lambda t: t.encode("utf-16")),
    ("utf16le-nobom.txt", lambda t: t.encode("utf-16-le")),
    ("cp1258.txt", lambda t: _windows_1258(t)),
    ("nfd.txt", lambda t: unicodedata.normalize("NFD", t).encode("utf-8")),
    ("crlf.txt", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
])
def test_text_encodings_read_to_nfc(tmp_path, name, encode):
    [article] = read_inputs([_write(tmp_path / name, encode(TEXT))])
    assert article.source == name
    assert article.text == TEXT
    assert unicodedata.is_normalized("NFC", article.text)


def test_html_keeps_the_article_and_drops_the_furniture(shared):
    [article] = read_inputs([str(next((shared / "articles").glob("d04_*.html")))])
    assert article.published == "2023-10-12"
    assert "89.645 người tham gia" in article.text
    assert "Mường Ảng" not in article.text  # sidebar
    assert "Điện thoại" not in article.text  # footer
    assert "Mã xác nhận" not in article.text  # comment form


PAGE = """<html><head><title>Huyện Ba Tơ: tỷ lệ bao phủ BHYT đạt 97%</title>
<meta property="article:published_time" content="{printed}"></head><body>
<div class="header">Thứ Hai, {printed}</div>
<h1>Huyện Ba Tơ: tỷ lệ bao phủ BHYT đạt 97%</h1>
<div class="news-body"><p>Tính đến ngày 30/6, toàn huyện Ba Tơ có 51.230 người tham gia bảo hiểm y
tế, đạt tỷ lệ bao phủ 97,1% dân số.</p><p>{body}</p><p>{body}</p></div>
<div class="footer">Cơ quan chủ quản: Báo Quảng Ngãi</div></body></html>"""
BODY = ("Kết quả trên có được nhờ huyện tập trung vận động người dân tham gia bảo hiểm y tế theo hộ "
        "gia đình, phối hợp với các đại lý thu ở từng thôn và rà soát người có thẻ sắp hết hạn.")


def test_html_keeps_the_lead_a_content_extractor_drops():
    """The lead (sapo) in its own block, which trafilatura leaves out of this page."""
    from pathlib import Path

    feed = Path(__file__).parent / "data" / "articles" / "x_feed.jsonl"
    [article] = [a for a in read_inputs([str(feed)]) if "danang" in a.source]
    assert "toàn quận có 183.915 người tham gia" in article.text
    title = "Quận Liên Chiểu: Nỗ lực hoàn thành chỉ tiêu BHYT năm 2019"
    assert article.text.count(title) == 1


def test_html_keeps_a_short_list_a_content_extractor_drops():
    """Commune rates in a <ul> under "… như sau:", which trafilatura's precise mode drops."""
    from pathlib import Path

    feed = Path(__file__).parent / "data" / "articles" / "s_feed.jsonl"
    [article] = [a for a in read_inputs([str(feed)]) if "soctrang" in a.source]
    intro = article.text.index("như sau:")
    assert "Xã Vĩnh Quới: 91,35%" in article.text[intro:intro + 200]


def test_a_crawl_date_the_address_contradicts_gives_way_to_it(tmp_path):
    """A page printing the day it was crawled: the CMS path says when it was filed."""
    line = {"url": "https://baoquangngai.vn/xa-hoi/2019/07/ba-to-bhyt-97.html",
            "html": PAGE.format(printed="2023-11-02", body=BODY)}
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False), "utf-8")
    [article] = read_inputs([str(path)])
    assert article.published == "2019-07"


def test_mojibake_in_a_page_is_mended_and_real_capitals_are_not(tmp_path):
    """A page whose UTF-8 was read as Windows-1252 somewhere upstream ("huyá»‡n", "â€“") is
    mended; an all-caps "XÃ" before a closing quote is Vietnamese and stays."""
    sentence = "Ea Kar – Theo BHXH huyện, toàn huyện đạt tỷ lệ 87,28%."
    records = [{"url": "https://eakar.example/a", "text": sentence.encode().decode("cp1252")},
               {"url": "https://eakar.example/b", "text": "Khẩu hiệu “XÃ” NÔNG THÔN MỚI."}]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    mended, untouched = read_inputs([str(path)])
    assert "huyá»‡n" in records[0]["text"] and mended.text == sentence
    assert untouched.text == records[1]["text"]


def test_a_feed_address_is_kept_exactly(tmp_path):
    """The source of a crawled page is its address, byte for byte: the scorer and a user's
    join on it ("….aspx?CateID=168" once lost to the mending of glued sentences)."""
    url = "https://baohiemxahoi.gov.vn/tintuc/Pages/linh-vuc.aspx?CateID=168&ItemID=8415"
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"url": url, "text": TEXT}, ensure_ascii=False), "utf-8")
    [article] = read_inputs([str(path)])
    assert article.source == url


def test_jsonl_feed_sources_and_fields(tmp_path):
    lines = [
        {"url": "https://baobacninh.vn/a.html", "title": "A", "published": "2020-04", "text": TEXT},
        {"text": TEXT},
        {"url": "https://example.vn/b.html", "html": f"<html><body><article><h1>B</h1><p>{TEXT}"
                                                     "</p></article></body></html>"},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    articles = list(read_inputs([str(path)]))
    assert [a.source for a in articles] == [
        "https://baobacninh.vn/a.html", "feed.jsonl#2", "https://example.vn/b.html"]
    assert articles[0].published == "2020-04"
    assert "103.418" in articles[2].text


BAD = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n ", "empty file"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    ("doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    ("nul.txt", b"abc\x00\x01\x02def" * 50 + b"\xff\xfe\xfd", "binary"),
    ("page.html", b"<html><head><title>x</title></head><body><nav>Menu</nav></body></html>",
     "no article text"),
]


@pytest.mark.parametrize("name, data, message", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_fail_alone_with_one_clear_line(tmp_path, name, data, message):
    good = _write(tmp_path / "good.txt", TEXT.encode("utf-8"))
    bad = _write(tmp_path / name, data)
    result = CliRunner().invoke(cli, ["extract", bad, good])
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and name in errors[0] and message in errors[0]
    facts = [json.loads(ln) for ln in result.stdout.splitlines()]
    assert {f["source"] for f in facts} == {"good.txt"}
    assert any(f["metric"] == "participants" and f["value"] == 103418 for f in facts)


def test_malformed_jsonl_line_fails_alone(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"url": "https://x.vn/1", "text": TEXT}, ensure_ascii=False)
                    + "\n{not json\n" + json.dumps({"text": TEXT}, ensure_ascii=False), "utf-8")
    items = list(read_inputs([str(path)]))
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert [f.source for f in failures] == ["feed.jsonl#2"]
    assert "not valid JSON" in failures[0].error
    assert len(items) == 3


def test_missing_file_and_size_limit(tmp_path):
    big = _write(tmp_path / "big.txt", TEXT.encode("utf-8") * 100)
    items = list(read_inputs([str(tmp_path / "gone.txt"), big], max_bytes=1000))
    assert all(isinstance(i, ReadFailure) for i in items)
    assert "cannot read" in items[0].error
    assert "over the limit" in items[1].error and "--max-bytes" in items[1].error


def test_folder_glob_and_stdin(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "a.txt", TEXT.encode("utf-8"))
    _write(tmp_path / "b.txt", TEXT.encode("utf-8"))
    _write(tmp_path / "notes.md", b"ignored")
    assert [a.source for a in read_inputs([str(tmp_path)])] == ["b.txt", "a.txt"]
    assert [a.source for a in read_inputs([str(tmp_path / "*.txt")])] == ["b.txt"]
    result = CliRunner().invoke(cli, ["extract", "-"], input=TEXT)
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["source"] == "<stdin>"


def test_a_list_of_other_articles_links_is_no_part_of_the_article():
    """"Các tin khác" in a plain div: trafilatura keeps its linked headlines, each with
    another place's figures, after the signature."""
    from pathlib import Path

    feed = Path(__file__).parent / "data" / "articles" / "e_feed2.jsonl"
    [article] = [a for a in read_inputs([str(feed)]) if "eakar" in a.source]
    assert article.text.endswith("73.920 lượt khám, chữa bệnh.\nHồng Vân")
    assert "Krông Pắc" not in article.text


def test_a_list_the_precise_extraction_ends_before_is_kept_links_and_all(tmp_path):
    """The precise extraction stops at "… như sau:" and drops the list under it; an item
    with a link in it is the article's own, not another article's headline."""
    page = PAGE.format(printed="2019-07-16", body=BODY).replace(
        '</div>\n<div class="footer">',
        '<p>Tỷ lệ bao phủ ở một số xã như sau:</p>'
        '<ul><li>Xã Ba Động đạt 98,2% (<a href="/ba-dong">xem chi tiết</a>)</li>'
        '<li>Xã Ba Thành đạt 96,4%</li></ul></div>\n<div class="footer">')
    path = tmp_path / "ba-to.html"
    path.write_text(page, "utf-8")
    [article] = read_inputs([str(path)])
    assert "như sau:\n- Xã Ba Động đạt 98,2% (xem chi tiết)\n- Xã Ba Thành" in article.text


def test_a_page_laid_out_in_a_table_reads_as_paragraphs():
    """An old portal puts headline, dateline and article in one table cell: read as a table
    row, the whole page was one sentence, its commune rates lost."""
    from pathlib import Path

    page = next((Path(__file__).parent / "data" / "articles").glob("i01_*.html"))
    [article] = read_inputs([str(page)])
    assert "|" not in article.text
    assert "\nThị trấn Chợ Chùa đạt 92,36%; các xã Hành Thịnh" in article.text


def test_a_related_articles_date_is_not_the_pages():
    """The date finder took "(30/12/2019)" from the "Tin cùng chuyên mục" list; the page's
    own "(Cập nhật ngày 28/12/2020)" is its date, so "cuối năm 2020" is no future target."""
    from pathlib import Path

    page = next((Path(__file__).parent / "data" / "articles").glob("i03_*.html"))
    [article] = read_inputs([str(page)])
    assert article.published == "2020-12-28"
    assert "Tổng kết công tác năm 2019" not in article.text


def test_feed_fields_under_the_names_crawlers_give_them(tmp_path):
    """A Scrapy or RSS export names the page `content` and its date `pubDate` (RFC 2822) or
    Unix time; WordPress's API wraps fields as {"rendered": …}. The page is read all the same,
    its address is its source and its date is the day in Vietnam."""
    page = f"<html><body><article><h1>B</h1><p>{TEXT}</p></article></body></html>"
    lines = [
        {"link": "https://a.example/1", "pubDate": "Mon, 15 Jan 2024 20:30:00 +0000",
         "content": TEXT},
        {"link": "https://a.example/2", "date": 1705339800, "raw_html": page},
        {"link": "https://a.example/3", "title": {"rendered": "Tiêu đề"},
         "date": "2024-01-15T08:30:00", "content": {"rendered": page}},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    first, second, third = read_inputs([str(path)])
    assert [a.source for a in (first, second, third)] == [
        "https://a.example/1", "https://a.example/2", "https://a.example/3"]
    assert all("103.418" in a.text for a in (first, second, third))
    assert third.title == "Tiêu đề"
    assert [parse_published(a.published) for a in (first, second, third)] == [
        "2024-01-16", "2024-01-16", "2024-01-15"]


def test_a_camel_case_lead_block_and_a_photo_caption_are_kept(tmp_path):
    """A lead in <div class="ArtSapo"> and a photo's <figcaption> carry figures that
    content extractors drop with the teaser and the image."""
    page = ("<html><head><title>Di Linh: BHYT</title></head><body><div class='ArticleDetail'>"
            "<h1>Di Linh: nâng tỷ lệ tham gia BHYT</h1>"
            "<div class='ArtSapo'><b>Tính đến ngày 30/6/2021, huyện Di Linh có 158.204 người tham "
            "gia bảo hiểm y tế, đạt 91,2% dân số, tăng 2.105 người so với đầu năm.</b></div>"
            "<div class='ArtContent'><figure><img src='a.jpg'><figcaption>Nhân viên đại lý thu xã "
            "Gia Hiệp tư vấn cho người dân. Hiện xã Gia Hiệp có 93,4% dân số tham gia BHYT"
            f"</figcaption></figure><p>{BODY}</p><p>{BODY}</p></div></div></body></html>")
    [article] = read_inputs([_write(tmp_path / "dilinh.html", page.encode("utf-8"))])
    assert "158.204 người" in article.text
    assert "Hiện xã Gia Hiệp có 93,4% dân số" in article.text


def test_a_table_laid_out_with_divs_is_read_as_a_table(tmp_path):
    """Rows of short cells built from <div>s, which content extractors drop."""
    rows = "".join(f"<div class='tr'><div class='td'>{name}</div><div class='td'>{n}</div>"
                   f"<div class='td'>{rate}</div></div>"
                   for name, n, rate in [("Xã Ân Phong", "9.210", "93,4"),
                                         ("Xã Ân Đức", "8.015", "91,8")])
    page = ("<html><head><title>Hoài Ân: BHYT</title></head><body><article>"
            "<h1>Hoài Ân: kết quả BHYT năm 2019</h1>"
            f"<p>{BODY}</p><p>Kết quả tại một số xã (số liệu đến 31/12/2019):</p>"
            "<div class='tbl'><div class='tr'><div class='td'>Đơn vị</div><div class='td'>"
            "Số người có thẻ BHYT</div><div class='td'>Tỷ lệ (%)</div></div>"
            f"{rows}</div><p>{BODY}</p></article></body></html>")
    [article] = read_inputs([_write(tmp_path / "hoaian.html", page.encode("utf-8"))])
    assert "Xã Ân Phong" in article.text and "93,4" in article.text


def test_a_portals_footer_says_which_province_its_commune_is_in(tmp_path):
    """Xã Phú Lương is a name in several provinces; only the footer's publisher line
    ("UBND xã … - huyện … - tỉnh …") says which one the page is about."""
    page = ("<html><head><title>Phú Lương: BHYT</title></head><body><div id='main'>"
            "<h1>Xã Phú Lương đạt 92,6% dân số tham gia BHYT</h1><p>Tính đến ngày 30/9/2023, "
            "toàn xã Phú Lương có 9.412 người tham gia BHYT, đạt 92,6% dân số.</p>"
            f"<p>{BODY}</p></div><div class='site-footer'><p>Trang thông tin điện tử</p>"
            "UBND xã Phú Lương - huyện Đông Hưng - tỉnh Thái Bình<br>Điện thoại: 0227.3851.116"
            "</div></body></html>")
    [article] = read_inputs([_write(tmp_path / "phuluong.html", page.encode("utf-8"))])
    assert article.site == "UBND xã Phú Lương - huyện Đông Hưng - tỉnh Thái Bình"
    places = {(f.locality, f.province, f.district) for f in extract(article)}
    assert places == {("Phú Lương", "Thái Bình", "Đông Hưng")}


def test_a_header_over_two_rows_and_a_caption_are_read_with_the_table(tmp_path):
    """Merged header cells (rowspan/colspan), a caption that dates the table, and a total
    row spanning two columns: each column is read as all of its header says."""
    page = ("<html><head><title>Mường Lát: BHYT</title></head><body><article>"
            "<h1>Quan Sơn duy trì tỷ lệ bao phủ BHYT</h1>"
            f"<p>{BODY}</p><table><caption>Kết quả các xã (Số liệu đến ngày 30/9/2023)</caption>"
            "<thead><tr><th rowspan='2'>STT</th><th rowspan='2'>Xã, thị trấn</th>"
            "<th colspan='2'>Người tham gia BHYT</th><th colspan='2'>Kế hoạch năm 2023</th></tr>"
            "<tr><th>Số người</th><th>Tỷ lệ (%)</th><th>Số người</th><th>Tỷ lệ (%)</th></tr>"
            "</thead><tbody><tr><td>1</td><td>Xã Trung Hạ</td><td>6.517</td><td>95,25</td>"
            "<td>6.610</td><td>96,6</td></tr><tr><td>2</td><td>Xã Sơn Thủy</td><td>5.089</td>"
            "<td>99,26</td><td>5.080</td><td>99,1</td></tr><tr><td colspan='2'>Toàn huyện</td>"
            "<td>36.412</td><td>98,45</td><td>36.620</td><td>98,7</td></tr></tbody></table>"
            f"<p>{BODY}</p><p>Tính đến ngày 30/9/2023, toàn huyện Quan Sơn có 36.412 người tham "
            "gia BHYT.</p></article></body></html>")
    [article] = read_inputs([_write(tmp_path / "quanson.html", page.encode("utf-8"))])
    assert "Kết quả các xã (Số liệu đến ngày 30/9/2023)\n|" in article.text
    assert "| Người tham gia BHYT Tỷ lệ (%) | Kế hoạch năm 2023 Số người |" in article.text
    facts = {(f.metric, f.value, f.locality, f.date) for f in extract(article)}
    assert {("coverage_rate", 95.25, "Trung Hạ", "2023-09-30"),
            ("target_participants", 6610, "Trung Hạ", "2023"),
            ("target_rate", 96.6, "Trung Hạ", "2023"),
            ("target_rate", 98.7, "Quan Sơn", "2023")} <= facts


def test_a_title_row_and_a_header_of_plain_cells_over_two_rows(tmp_path):
    """Portals write a table's title as a first row across it and its header in <td>s:
    the title becomes the line above (with its date) and the two header rows one."""
    page = ("<html><head><title>Hòa Vang: BHYT</title></head><body><article>"
            "<h1>Hòa Vang tăng số người tham gia BHYT</h1>"
            f"<p>{BODY}</p><table><tr><td colspan='4'><b>SỐ NGƯỜI THAM GIA BHYT CÁC XÃ NĂM "
            "2022 - 2023</b></td></tr><tr><td rowspan='2'>Xã</td><td colspan='2'>Số người tham "
            "gia BHYT (người)</td><td rowspan='2'>Tăng (+), giảm (-) so với năm 2022 (người)</td>"
            "</tr><tr><td>Năm 2022</td><td>Năm 2023</td></tr><tr><td>Hòa Bắc</td><td>4.612</td>"
            "<td>4.655</td><td>+43</td></tr><tr><td>Hòa Phú</td><td>5.734</td><td>5.691</td>"
            f"<td>-43</td></tr></table><p>{BODY}</p></article></body></html>")
    [article] = read_inputs([_write(tmp_path / "hoavang.html", page.encode("utf-8"))])
    assert "SỐ NGƯỜI THAM GIA BHYT CÁC XÃ NĂM 2022 - 2023\n|" in article.text
    assert "| Số người tham gia BHYT (người) Năm 2022 | Số người tham gia BHYT (người) Năm 2023 |" \
        in article.text
    facts = extract(article)
    assert {("participants", 4612, "Hòa Bắc", "2022"), ("participants", 5691, "Hòa Phú", "2023")} \
        <= {(f.metric, f.value, f.locality, f.date) for f in facts}
    assert ("participants_change", -43, "Hòa Phú") in {(f.metric, f.value, f.locality) for f in facts}
