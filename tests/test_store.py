"""The SQLite store: build, load, idempotency, replacement, search, crash safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.dates import period_end
from extractor.model import Article, Fact
from extractor.read import read_inputs
from extractor.site import highlight
from extractor.store import open_db, save_article

BHYT = [sys.executable, "-c", "from extractor.cli import cli; cli()"]


def gold_facts(shared: Path) -> list[dict]:
    """Every gold fact with its source, as `bhyt extract` would print it."""
    facts = []
    for path in sorted((shared / "gold").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        facts += [{"source": gold["source"], **f} for f in gold["facts"]]
    return facts


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def run(*args: str, status: int = 0) -> str:
    """`bhyt ARGS` in a process of its own, as a user runs it; its stderr (the summary)."""
    result = subprocess.run([*BHYT, *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == status, result.stderr
    return result.stderr


def snapshot(db_path: Path) -> dict[str, list]:
    """Every row of every table, search index included, in a comparable form."""
    conn = sqlite3.connect(db_path)
    tables = ["articles", "facts", "failures", "articles_fts"]
    snap = {t: conn.execute(f"SELECT rowid, * FROM [{t}] ORDER BY rowid").fetchall()
            for t in tables}
    conn.close()
    return snap


def count(db_path: Path, sql: str, params: tuple = ()) -> int:
    conn = sqlite3.connect(db_path)
    n = conn.execute(sql, params).fetchone()[0]
    conn.close()
    return n


@pytest.fixture
def corpus(tmp_path: Path, shared: Path) -> Path:
    """A private copy of the shared articles, free to change."""
    return Path(shutil.copytree(shared / "articles", tmp_path / "corpus"))


def test_build_creates_schema_in_wal_mode(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    output = run("build", str(corpus), "--db", str(db))
    articles = len(list(corpus.iterdir()))
    assert f"{articles} articles added" in output
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "articles_fts", "facts", "failures", "records", "localities"} <= names
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == articles
    assert conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 0


def test_a_database_built_before_the_site_column_gains_it(tmp_path: Path) -> None:
    """A page's publisher line is stored with its article, in old databases too."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, "
                 "title TEXT, published TEXT, url TEXT, form TEXT, text TEXT NOT NULL, "
                 "chars INTEGER)")
    conn.close()
    page = tmp_path / "p.html"
    page.write_text("<html><body><article><h1>Xã Phú Lương: BHYT</h1><p>Tính đến ngày "
                    "30/9/2023, toàn xã Phú Lương có 9.412 người tham gia BHYT, đạt 92,6% dân "
                    "số; các thôn đều có đại lý thu và tổ tư vấn cho người dân.</p></article>"
                    "<footer>UBND xã Phú Lương - huyện Đông Hưng - tỉnh Thái Bình</footer>"
                    "</body></html>", "utf-8")
    run("build", str(page), "--db", str(db))
    conn = sqlite3.connect(db)
    found = conn.execute("SELECT DISTINCT site, province FROM articles JOIN facts "
                         "ON facts.source = articles.source").fetchall()
    conn.close()
    assert found == [("UBND xã Phú Lương - huyện Đông Hưng - tỉnh Thái Bình", "Thái Bình")]


def test_rebuild_of_the_same_corpus_changes_no_row(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    before = snapshot(db)
    output = run("build", str(corpus), "--db", str(db))
    assert "0 articles added, 0 replaced" in output
    assert snapshot(db) == before


def test_a_rebuild_skips_unchanged_files_unread_and_rereads_touched_ones(
        corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    n = count(db, "SELECT count(*) FROM articles")
    # Every one-article file was remembered with its article; none by its path in clear.
    assert count(db, "SELECT count(*) FROM inputs") == n
    assert count(db, "SELECT count(*) FROM inputs WHERE path LIKE ?", (f"%{corpus.name}%",)) == 0
    touched = corpus / "000_d8bad9d0d0e49645.txt"
    touched.write_bytes(touched.read_bytes())  # a new modification time, the same text
    output = run("build", str(corpus), "--db", str(db))
    assert f"0 articles added, 0 replaced, {n} unchanged" in output
    # A file whose stamp no longer matches is read again, and a changed text is replaced
    # even when its size stays the same.
    text = touched.read_text(encoding="utf-8")
    touched.write_text(text.replace("72,49%", "72,94%"), encoding="utf-8")
    output = run("build", str(corpus), "--db", str(db))
    assert "0 articles added, 1 replaced" in output
    assert count(db, "SELECT count(*) FROM facts WHERE value = 72.94") == 1


def test_changed_article_is_replaced_and_the_rest_untouched(corpus: Path,
                                                             tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    before = snapshot(db)
    changed = corpus / "000_d8bad9d0d0e49645.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nHuyện Xuân Lộc ngoạnmục.\n",
                       encoding="utf-8")
    (corpus / "zz_new.txt").write_text("Bài mới về bảo hiểm y tế.\n", encoding="utf-8")

    output = run("build", str(corpus), "--db", str(db))

    assert "1 articles added, 1 replaced" in output
    after = snapshot(db)
    source_of = {r[0]: r[2] for r in before["articles"]}  # rowid -> source
    kept = [r for r in before["articles"] if r[2] != changed.name]
    assert [r for r in after["articles"] if r[2] in {k[2] for k in kept}] == kept
    assert [r for r in after["facts"] if r[3] != changed.name] == \
        [r for r in before["facts"] if r[3] != changed.name]
    assert len(after["articles_fts"]) == len(after["articles"]) == len(source_of) + 1
    hits = count(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                 ('"ngoanmuc"',))
    assert hits == 1


def test_read_failure_is_recorded_and_cleared_when_fixed(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    bad = corpus / "zz_scan.txt"
    bad.write_bytes(b"%PDF-1.4 not an article")
    summary = run("build", str(corpus), "--db", str(db), status=1)  # the status says it failed
    assert "error: zz_scan.txt: read: binary file" in summary
    rows = sqlite3.connect(db).execute("SELECT source, stage, error FROM failures").fetchall()
    assert rows == [("zz_scan.txt", "read", "binary file (a PDF file), not article text")]
    before = snapshot(db)
    run("build", str(corpus), "--db", str(db), status=1)
    assert snapshot(db) == before  # the same failure again rewrites nothing
    bad.write_text("Bài viết đã sửa về BHYT.\n", encoding="utf-8")
    run("build", str(corpus), "--db", str(db))
    assert count(db, "SELECT count(*) FROM failures") == 0


def test_load_gold_facts_is_idempotent(shared: Path, corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    facts = gold_facts(shared)
    jsonl = write_jsonl(tmp_path / "gold.jsonl", facts)
    run("build", str(corpus), "--db", str(db))
    assert f"{len(facts)} facts loaded" in run("load", str(jsonl), "--db", str(db))
    before = snapshot(db)
    run("load", str(jsonl), "--db", str(db))
    assert snapshot(db) == before
    assert len(before["facts"]) == len(facts)
    # Every loaded fact is linked to the article of its source.
    assert count(db, "SELECT count(*) FROM facts f JOIN articles a ON a.id = f.article_id "
                     "AND a.source = f.source") == len(facts)


def test_load_replaces_only_the_facts_of_the_sources_it_has(shared: Path,
                                                             tmp_path: Path) -> None:
    db = tmp_path / "bhyt.db"
    facts = gold_facts(shared)
    run("load", str(write_jsonl(tmp_path / "all.jsonl", facts)), "--db", str(db))
    source = "000_d8bad9d0d0e49645.txt"
    one = [f for f in facts if f["source"] == source][:1]
    run("load", str(write_jsonl(tmp_path / "one.jsonl", one)), "--db", str(db))
    assert count(db, "SELECT count(*) FROM facts WHERE source = ?", (source,)) == 1
    others = sum(1 for f in facts if f["source"] != source)
    assert count(db, "SELECT count(*) FROM facts WHERE source != ?", (source,)) == others


def test_load_names_the_bad_line(tmp_path: Path) -> None:
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"source": "a", "metric": "participants", "value": 1}\n{"source": "a"}\n',
                     encoding="utf-8")
    result = subprocess.run([*BHYT, "load", str(jsonl), "--db", str(tmp_path / "x.db")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "line 2: no metric, value" in result.stderr


@pytest.mark.parametrize(("query", "source_prefix"), [
    ("Bảo hiểm y tế", "d02_"),
    ("bao hiem y te", "d02_"),
    ("Đắk Lắk", "d11_"),
    ("dak lak", "d11_"),
    ("DAK LAK", "d11_"),
    ("dong nai", "000_"),
    ("Đồng Nai", "000_"),
    ("xuan loc", "000_"),
])
def test_search_folds_diacritics_and_d(shared: Path, tmp_path: Path, query: str,
                                       source_prefix: str) -> None:
    db = tmp_path / "bhyt.db"
    run("build", str(shared / "articles"), "--db", str(db))
    match = " ".join(f'"{w}"' for w in query.split())  # as Datasette escapes a search
    sources = [r[0] for r in sqlite3.connect(db).execute(
        "SELECT source FROM articles WHERE rowid IN "
        "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", [match])]
    assert any(s.startswith(source_prefix) for s in sources), sources


@pytest.mark.parametrize(("date", "end"), [
    ("2017-04-05", "2017-04-05"),
    ("2024-09", "2024-09-30"),
    ("2024-02", "2024-02-29"),
    ("2019-Q2", "2019-06-30"),
    ("2021-Q3", "2021-09-30"),
    ("2022-H1", "2022-06-30"),
    ("2022-H2", "2022-12-31"),
    ("2020", "2020-12-31"),
    (None, None),
    ("sometime", None),
])
def test_period_end(date: str | None, end: str | None) -> None:
    assert period_end(date) == end


def test_evidence_is_located_and_highlighted_escaped(tmp_path: Path) -> None:
    text = ("Tin <script>alert(1)</script>\n"
            "Huyện Xuân Lộc có 174.752/241.077 người tham gia BHYT, đạt tỷ lệ 72,49% dân số.")
    evidence = text.split("\n")[1]
    start = text.index("72,49%")
    article = Article(source="x.txt", text=text, title="Tin <script>alert(1)</script>")
    fact = Fact(source="x.txt", locality="Xuân Lộc", unit="huyện", province="Đồng Nai",
                district=None, date="2017-04-05", metric="coverage_rate", value=72.49,
                qualifier="exact", group=None, evidence=evidence, start=start,
                end=start + 6, surface="72,49%", extra={"lat": 10.9, "note": "hand-made"})
    db = open_db(str(tmp_path / "bhyt.db"))
    assert save_article(db, article, [fact]) == 1
    row = next(db["facts"].rows)
    assert row["evidence_start"] == text.index(evidence)
    assert (row["lat"], json.loads(row["extra"])) == (10.9, {"note": "hand-made"})
    marked = highlight(row["evidence"], row["start"], row["end"], row["evidence_start"],
                       row["surface"])
    assert "đạt tỷ lệ <mark>72,49%</mark> dân số" in marked
    assert highlight("a <b>72%</b>", None, None, None, "72%") == \
        "a &lt;b&gt;<mark>72%</mark>&lt;/b&gt;"
    assert highlight("<i>x</i>", None, None, None, None) == "&lt;i&gt;x&lt;/i&gt;"


def make_corpus(shared: Path, folder: Path, n: int) -> Path:
    """n distinct articles made from the shared ones (a numbered headline each)."""
    texts = [a.text for a in read_inputs([str(shared / "articles")]) if isinstance(a, Article)]
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i:05d}.txt").write_text(f"Bài số {i}\n{texts[i % len(texts)]}",
                                              encoding="utf-8")
    return folder


def kill_when_started(args: list[str], db: Path, sql: str) -> None:
    """Start `bhyt ...`, SIGKILL it once `sql` counts a committed row, and wait for it."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if db.exists() and count(db, sql) > 0:
                    break
            except sqlite3.OperationalError:
                pass  # the schema is not there yet
            time.sleep(0.005)
        assert proc.poll() is None, "finished before it could be killed: make the input larger"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()


def assert_sound(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    return conn


def test_killed_build_leaves_each_article_with_all_or_none_of_its_facts(
        shared: Path, tmp_path: Path) -> None:
    corpus = make_corpus(shared, tmp_path / "corpus", 600)
    full, killed = tmp_path / "full.db", tmp_path / "killed.db"
    run("build", str(corpus), "--db", str(full))
    expected = dict(sqlite3.connect(full).execute(
        "SELECT a.source, count(f.id) FROM articles a LEFT JOIN facts f ON f.article_id = a.id "
        "GROUP BY a.source"))

    kill_when_started([*BHYT, "build", str(corpus), "--db", str(killed)], killed,
                      "SELECT count(*) FROM articles")

    conn = assert_sound(killed)
    got = dict(conn.execute(
        "SELECT a.source, count(f.id) FROM articles a LEFT JOIN facts f ON f.article_id = a.id "
        "GROUP BY a.source"))
    assert 0 < len(got) < len(expected)
    assert {s: expected[s] for s in got} == got
    assert conn.execute("SELECT count(*) FROM facts WHERE article_id IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == len(got)
    conn.close()
    # A new run picks up where the killed one stopped and ends where a clean run does.
    run("build", str(corpus), "--db", str(killed))
    assert snapshot(killed)["facts"] == snapshot(full)["facts"]
    assert len(snapshot(killed)["articles"]) == len(expected)


def test_killed_load_leaves_each_source_with_all_or_none_of_its_facts(tmp_path: Path) -> None:
    per_source, sources = 10, 4000
    facts = [{"source": f"s{s:05d}.txt", "locality": f"Xã {s}", "unit": "xã",
              "date": "2020", "metric": "coverage_rate", "value": 90 + i / 10,
              "start": i * 10, "end": i * 10 + 5}
             for s in range(sources) for i in range(per_source)]
    jsonl = write_jsonl(tmp_path / "facts.jsonl", facts)
    db = tmp_path / "bhyt.db"

    kill_when_started([*BHYT, "load", str(jsonl), "--db", str(db)], db,
                      "SELECT count(*) FROM facts")

    conn = assert_sound(db)
    counts = {n for (n,) in conn.execute("SELECT count(*) FROM facts GROUP BY source")}
    loaded = conn.execute("SELECT count(DISTINCT source) FROM facts").fetchone()[0]
    assert counts == {per_source}
    assert 0 < loaded < sources


def test_needs_extractor_build_finds_xuan_loc_coverage_72_49(shared: Path,
                                                             tmp_path: Path) -> None:
    """End to end; holds once the extractor reads article 000 (fails while it returns nothing)."""
    db = tmp_path / "bhyt.db"
    run("build", str(shared / "articles"), "--db", str(db))
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT f.*, a.text FROM facts f JOIN articles a ON a.id = f.article_id "
        "WHERE f.source = '000_d8bad9d0d0e49645.txt' AND metric = 'coverage_rate' "
        "AND locality = 'Xuân Lộc' AND abs(value - 72.49) < 0.005").fetchall()
    assert rows, "no coverage_rate 72.49 for Xuân Lộc in article 000"
    fact = rows[0]
    assert fact["text"][fact["start"]:fact["end"]] == fact["surface"]
    assert fact["evidence_start"] is not None
    assert "<mark>" in highlight(fact["evidence"], fact["start"], fact["end"],
                                 fact["evidence_start"], fact["surface"])


def test_the_database_file_alone_is_complete_after_a_build_while_a_site_reads_it(
        shared: Path, tmp_path: Path) -> None:
    """`datasette publish` and a plain copy take the .db file only, not its write-ahead log."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = sorted((shared / "articles").glob("d*.txt"))
    shutil.copy(articles[0], corpus)
    db = tmp_path / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    reader = sqlite3.connect(db)  # a site holding the database open
    reader.execute("SELECT count(*) FROM articles").fetchone()
    for path in articles[1:]:
        shutil.copy(path, corpus)
    run("build", str(corpus), "--db", str(db))
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    assert count(copy, "SELECT count(*) FROM articles") == len(articles)
    reader.close()


def test_load_redoes_the_checks_of_the_facts_it_replaces(shared: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = next((shared / "articles").glob("d16_*.txt"))  # Vị Thủy: a ratio that does not add up
    shutil.copy(source, corpus)
    db = tmp_path / "bhyt.db"
    run("build", str(corpus), "--db", str(db))
    facts = [f for f in gold_facts(shared) if f["source"] == source.name]
    run("load", str(write_jsonl(tmp_path / "facts.jsonl", facts)), "--db", str(db))
    conn = sqlite3.connect(db)
    named = {i for (ids,) in conn.execute("SELECT facts FROM checks") for i in json.loads(ids)}
    stored = {i for (i,) in conn.execute("SELECT id FROM facts")}
    assert named and named <= stored
    assert count(db, "SELECT count(*) FROM checks WHERE status = 'inconsistent'") >= 1
