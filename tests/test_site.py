"""The published site: a real `bhyt serve` (Datasette) on a loopback port, through its JSON API.

The database is built from the shared articles and loaded with the gold facts,
so what these tests see does not depend on the extractor's current quality.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from test_store import BHYT, gold_facts, run, write_jsonl

from extractor.dates import period_end

XSS_SOURCE = "zz_xss.txt"
XSS_TEXT = ("Tin thử <script>alert('title')</script>\n"
            "Xã Thử Nghiệm <script>alert(1)</script> đạt tỷ lệ 88,5% dân số tham gia BHYT "
            "<img src=x onerror=\"window.pwned='img'\"> <a href=\"javascript:window.pwned='link'\">xem</a> "
            "<svg onload=\"window.pwned='svg'\"></svg>.\n")
XUAN_LOC = {"locality": "Xuân Lộc", "unit": "huyện", "province": "Đồng Nai"}


def with_evidence(fact: dict, text: str, surface: str) -> dict:
    """The fact with the evidence a real extraction gives: the line holding `surface`."""
    start = text.index(surface)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    return {**fact, "evidence": text[line_start:line_end if line_end >= 0 else None],
            "start": start, "end": start + len(surface), "surface": surface}


def build_site_db(shared: Path, folder: Path) -> Path:
    """The shared articles plus one hostile article; gold facts, two of them with evidence."""
    corpus = Path(shutil.copytree(shared / "articles", folder / "corpus"))
    (corpus / XSS_SOURCE).write_text(XSS_TEXT, encoding="utf-8")
    db = folder / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    texts = dict(sqlite3.connect(db).execute("SELECT source, text FROM articles"))
    facts = []
    for fact in gold_facts(shared):
        if (fact["source"].startswith("000_") and fact["metric"] == "coverage_rate"
                and fact["locality"] == "Xuân Lộc"):
            fact = with_evidence(fact, texts[fact["source"]], "72,49%")
        facts.append(fact)
    xss = {"source": XSS_SOURCE, "locality": "Thử <b>Nghiệm</b>", "unit": "xã",
           "province": "Đồng Nai", "district": None, "date": "2020", "metric": "coverage_rate",
           "value": 88.5, "qualifier": "exact", "group": None}
    facts.append(with_evidence(xss, XSS_TEXT, "88,5%"))
    run("load", str(write_jsonl(folder / "facts.jsonl", facts)), "--db", str(db))
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_site(db: Path, log: Path) -> Iterator[str]:
    """`bhyt serve DB` on a free loopback port; yields its base URL, stops it afterwards."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([*BHYT, "serve", str(db), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the site did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fetch(base: str, path: str, **params: str) -> tuple[int, str]:
    url = f"{base}{quote(path)}" + (f"?{urlencode(params)}" if params else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def get_json(base: str, path: str, **params: str):
    status, body = fetch(base, path, **params)
    assert status == 200, body[:500]
    return json.loads(body)


@pytest.fixture(scope="module")
def site_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site_db(shared, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def site(site_db: Path) -> Iterator[str]:
    with running_site(site_db, site_db.parent / "serve.log") as base:
        yield base


def fact_id(db: Path, source: str, metric: str, locality: str) -> tuple[str, str]:
    return sqlite3.connect(db).execute(
        "SELECT id, article_id FROM facts WHERE source = ? AND metric = ? AND locality = ?",
        [source, metric, locality]).fetchone()


def test_tables_views_and_queries_are_published(site: str) -> None:
    info = get_json(site, "/bhyt.json")
    tables = {t["name"]: t for t in info["tables"]}
    assert {"articles", "facts", "failures"} <= {n for n, t in tables.items() if not t["hidden"]}
    assert tables["articles_fts"]["hidden"]
    assert {v["name"] for v in info["views"]} == {"records", "localities"}
    assert {q["name"] for q in info["queries"]} == {
        "locality_history", "province_districts", "lowest_communes", "targets_vs_latest",
        "figures_that_do_not_add_up"}


def test_counts_match_what_was_loaded(site: str, shared: Path) -> None:
    articles = len(list((shared / "articles").iterdir())) + 1
    facts = len(gold_facts(shared)) + 1
    assert get_json(site, "/bhyt/articles.json", _size="0")["filtered_table_rows_count"] == \
        articles
    assert get_json(site, "/bhyt/facts.json", _size="0")["filtered_table_rows_count"] == facts


def test_metadata_describes_every_column(site: str, site_db: Path) -> None:
    metadata = get_json(site, "/-/metadata.json")
    tables = metadata["databases"]["bhyt"]["tables"]
    conn = sqlite3.connect(site_db)
    for name in ("articles", "facts", "records", "localities", "failures"):
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")]
        assert set(columns) <= set(tables[name]["columns"]), name
        assert tables[name]["description"]


@pytest.mark.parametrize(("query", "source_prefix"), [
    ("bao hiem y te", "d02_"),
    ("Bảo hiểm y tế", "d02_"),
    ("dak lak", "d11_"),
    ("Đắk Lắk", "d11_"),
    ("dong nai", "000_"),
])
def test_full_text_search_folds_marks_and_d(site: str, query: str, source_prefix: str) -> None:
    rows = get_json(site, "/bhyt/articles.json", _search=query, _shape="array",
                    _col="source", _size="100")
    assert any(r["source"].startswith(source_prefix) for r in rows), rows


def test_search_with_and_without_marks_finds_the_same_articles(site: str) -> None:
    def sources(q: str) -> set[str]:
        return {r["source"] for r in get_json(site, "/bhyt/articles.json", _search=q,
                                              _shape="array", _col="source", _size="100")}
    assert sources("dak lak") == sources("Đắk Lắk") != set()
    assert sources("bao hiem y te") == sources("Bảo hiểm y tế") != set()


def test_facts_are_faceted_by_province_unit_metric_qualifier(site: str, shared: Path) -> None:
    data = get_json(site, "/bhyt/facts.json", _size="0")
    facets = data["facet_results"]
    assert {"province", "unit", "metric", "qualifier"} <= set(facets)
    assert sum(r["count"] for r in facets["metric"]["results"]) == len(gold_facts(shared)) + 1
    dong_nai = next(r for r in facets["province"]["results"] if r["value"] == "Đồng Nai")
    filtered = get_json(site, "/bhyt/facts.json", province="Đồng Nai", _size="0")
    assert filtered["filtered_table_rows_count"] == dong_nai["count"]


def test_records_put_a_places_figures_side_by_side(site: str) -> None:
    rows = get_json(site, "/bhyt/records.json", _shape="array", date="2017-04-05", **XUAN_LOC)
    assert [(r["participants"], r["population"], r["coverage_rate"]) for r in rows] == \
        [(174752, 241077, 72.49)]


def test_localities_count_their_facts(site: str, shared: Path) -> None:
    rows = get_json(site, "/bhyt/localities.json", _shape="array", **XUAN_LOC)
    expected = sum(1 for f in gold_facts(shared)
                   if all(f.get(k) == v for k, v in XUAN_LOC.items()))
    assert [r["facts"] for r in rows] == [expected]


def test_canned_locality_history(site: str) -> None:
    rows = get_json(site, "/bhyt/locality_history.json", _shape="array",
                    locality="Mỹ Tú", province="")
    ends = [period_end(r["date"]) for r in rows if r["unit"] == "huyện"]
    assert len(ends) >= 2
    assert ends == sorted(ends)  # 2023-H1 before 2023: by the last day each date covers


def test_canned_latest_coverage_of_a_provinces_districts(site: str) -> None:
    rows = get_json(site, "/bhyt/province_districts.json", _shape="array",
                    province="Kiên Giang")
    assert rows and all(r["unit"] in ("huyện", "quận", "thị xã", "thành phố") for r in rows)
    assert len({r["locality"] for r in rows}) == len(rows)
    rates = [r["coverage_rate"] for r in rows]
    assert rates == sorted(rates)


def test_canned_lowest_coverage_communes(site: str) -> None:
    rows = get_json(site, "/bhyt/lowest_communes.json", _shape="array", province="")
    assert rows and all(r["unit"] in ("xã", "phường", "thị trấn") for r in rows)
    rates = [r["coverage_rate"] for r in rows]
    assert rates == sorted(rates)


def test_canned_targets_against_latest(site: str) -> None:
    rows = get_json(site, "/bhyt/targets_vs_latest.json", _shape="array", province="")
    assert rows
    for r in rows:
        if r["latest_rate"] is not None:
            assert r["gap"] == pytest.approx(r["target_rate"] - r["latest_rate"], abs=0.01)


def test_site_is_read_only_with_a_time_limit(site: str) -> None:
    assert get_json(site, "/-/settings.json")["sql_time_limit_ms"] == 2000
    status, _ = fetch(site, "/bhyt.json", sql="DELETE FROM facts")
    assert status == 400
    plugins = {p["name"] for p in get_json(site, "/-/plugins.json")}
    assert plugins == {"bhyt_site.py"}  # no write plugin (datasette-write, -insert, ...)
    queries = get_json(site, "/bhyt.json")["queries"]
    assert queries and not [q["name"] for q in queries if q.get("write")]


def test_fact_page_highlights_its_number_and_links_its_article(site: str,
                                                               site_db: Path) -> None:
    fid, article = fact_id(site_db, "000_d8bad9d0d0e49645.txt", "coverage_rate", "Xuân Lộc")
    status, html = fetch(site, f"/bhyt/facts/{fid}")
    assert status == 200
    assert "<mark>72,49%</mark>" in html
    assert f'href="/bhyt/articles/{article}"' in html


def test_article_text_is_never_unescaped(site: str, site_db: Path) -> None:
    fid, article = fact_id(site_db, XSS_SOURCE, "coverage_rate", "Thử <b>Nghiệm</b>")
    pages = [f"/bhyt/facts/{fid}", f"/bhyt/articles/{article}", "/bhyt/facts", "/bhyt/articles",
             "/bhyt/localities", "/bhyt/-/chart"]
    for page in pages:
        params = {"locality": "Thử <b>Nghiệm</b>"} if page.endswith("chart") else {}
        status, html = fetch(site, page, **params)
        assert status == 200, page
        assert "<script>alert" not in html and "<b>Nghiệm" not in html, page
    _, html = fetch(site, f"/bhyt/facts/{fid}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; đạt tỷ lệ <mark>88,5%</mark>" in html


def test_coverage_chart_of_a_locality(site: str) -> None:
    status, html = fetch(site, "/bhyt/-/chart", locality="Mỹ Tú", unit="huyện",
                         province="Sóc Trăng")
    assert status == 200
    assert '<svg class="bhyt-chart"' in html
    assert '<polyline class="coverage"' in html
    assert html.count('<circle class="coverage_rate"') >= 2
    _, localities = fetch(site, "/bhyt/localities")
    assert "/bhyt/-/chart?locality=M%E1%BB%B9+T%C3%BA" in localities


def test_figures_that_do_not_add_up_on_a_database_served_under_another_name(
        site_db: Path, tmp_path: Path) -> None:
    # `build` and `load` ran the audit; served under another file name, `serve` re-keys the
    # metadata.
    other = tmp_path / "other.db"
    shutil.copy(site_db, other)

    def get(path: str) -> str:
        result = subprocess.run([*BHYT, "serve", str(other), "--get", path],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    queries = {q["name"] for q in json.loads(get("/other.json"))["queries"]}
    assert {"figures_that_do_not_add_up", "locality_history"} <= queries
    rows = json.loads(get("/other/figures_that_do_not_add_up.json?_shape=array"))
    assert {"Vị Thủy", "Sông Công", "Kiên Giang", "Ninh Thượng"} <= {r["locality"] for r in rows}
    assert all(r["status"] == "inconsistent" and r["explanation"] for r in rows)
    gaps = [r["off_by"] for r in rows]
    assert gaps == sorted(gaps, reverse=True) and gaps[0] > 0  # the furthest off first
    page = get("/other/checks?status=inconsistent")
    first = json.loads(rows[0]["facts"])[0]
    assert f'href="/other/facts/{first}"' in page  # each verdict links to its facts
    assert 'href="/other/articles?source=' in page  # and to its article
    get(f"/other/facts/{first}")  # the verdict's facts exist: `load` redid the audit
    fid, _ = fact_id(other, "000_d8bad9d0d0e49645.txt", "coverage_rate", "Xuân Lộc")
    fact_page = get(f"/other/facts/{fid}")
    assert "<mark>" in fact_page  # the evidence card whatever the database's file is called
