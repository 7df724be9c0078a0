"""Bad inputs through `bhyt build`: each fails alone, by name, into `failures`; nothing leaks out.

tests/test_read.py covers each bad kind at the reader; here one build meets them all at once,
as a crawl would, and the published site is checked for the paths it was given.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from test_read import TEXT
from test_site import fetch, running_site
from test_store import BHYT

from extractor.facts import extract
from extractor.model import Article
from extractor.read import DEFAULT_MAX_BYTES
from extractor.store import build, open_db

# A directory name that must never reach the published site (only base names may).
PRIVATE = "private-7c1e-newsroom"
GOOD = ["000_d8bad9d0d0e49645.txt",
        "d01_yen-mo-ket-qua-phat-trien-nguoi-tham-gia-bao-hiem-y-te-quy-ii-2019.txt",
        "d04_tuan-giao-ty-le-bao-phu-bao-hiem-y-te-dat-96-82.html"]
# Each bad input: the name stderr and `failures` give it, and what they must say about it.
BAD = {
    "empty.txt": "empty file",
    "photo.txt": "PNG image",
    "scan.pdf": "PDF file",
    "menu.html": "no article text",
    "feed.jsonl#2": "line 2: not valid JSON",
    "gone.txt": "cannot read: No such file or directory",
    "huge.txt": "over the limit of 20,000,000",
}
RSS_LIMIT_KB = 400_000


def hostile_corpus(shared: Path, root: Path) -> list[str]:
    """Good articles among every kind of bad input, under a private absolute path; the CLI args."""
    corpus = root / PRIVATE / "inbox"
    corpus.mkdir(parents=True)
    for name in GOOD:
        shutil.copy(shared / "articles" / name, corpus / name)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (corpus / "menu.html").write_text("<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>",
                                      encoding="utf-8")
    feed = [json.dumps({"url": "https://baoninhbinh.vn/a1.html", "text": TEXT}, ensure_ascii=False),
            '{"url": "https://baoninhbinh.vn/a2.html", "text": "cut off',
            json.dumps({"url": "https://baoninhbinh.vn/a3.html", "text": TEXT.replace("Yên Mô", "Kim Sơn")},
                       ensure_ascii=False)]
    (corpus / "feed.jsonl").write_text("\n".join(feed) + "\n", encoding="utf-8")
    (corpus / "gone.txt").symlink_to(corpus / "deleted-long-ago.txt")  # dangling
    # 50 MB of real text, past the 20 MB default: refused before it is read.
    line = ("Toàn huyện có 174.752 người tham gia BHYT, đạt tỷ lệ 72,49% dân số. " * 20 + "\n").encode()
    with open(corpus / "huge.txt", "wb") as fh:
        for _ in range(50_000_000 // len(line) + 1):
            fh.write(line)
    scan = root / PRIVATE / "scan.pdf"  # named on the command line: read whatever its suffix
    scan.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    return [str(corpus), str(scan)]


def run_measured(args: list[str]) -> tuple[int, str, int]:
    """Run `bhyt ARGS`; its exit status, stderr, and peak resident memory in KB."""
    with open(os.devnull, "wb") as out, subprocess.Popen(
            [*BHYT, *args], stdout=out, stderr=subprocess.PIPE) as proc:
        stderr = proc.stderr.read().decode("utf-8")
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in every earlier child).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, stderr, usage.ru_maxrss


@pytest.fixture(scope="module")
def hostile_build(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, int]:
    root = tmp_path_factory.mktemp("hostile")
    args = hostile_corpus(shared, root)
    db = root / f"{PRIVATE}-site" / "bhyt.db"
    db.parent.mkdir()
    status, stderr, rss = run_measured(["build", *args, "--db", str(db)])
    return db, status, stderr, rss


def test_each_bad_input_is_one_line_on_stderr_and_the_good_ones_are_stored(hostile_build) -> None:
    db, status, stderr, _ = hostile_build
    assert status == 1
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == len(BAD), stderr
    for name, why in BAD.items():
        [line] = [e for e in errors if e.startswith(f"error: {name}: ")]
        assert why in line, line
    sources = {s for (s,) in sqlite3.connect(db).execute("SELECT source FROM articles")}
    assert sources == {*GOOD, "https://baoninhbinh.vn/a1.html", "https://baoninhbinh.vn/a3.html"}
    assert f"5 articles added, 0 replaced, 0 unchanged, {len(BAD)} failed" in stderr


def test_a_50_mb_file_is_refused_in_bounded_memory(hostile_build) -> None:
    _, _, stderr, rss = hostile_build
    assert "error: huge.txt: read: 50,0" in stderr and "--max-bytes" in stderr
    assert rss < RSS_LIMIT_KB, f"peak RSS {rss // 1000} MB"


def test_failures_table_has_source_stage_error_time_and_is_published(hostile_build) -> None:
    db, *_ = hostile_build
    rows = sqlite3.connect(db).execute("SELECT source, stage, error, time FROM failures").fetchall()
    assert {r[0] for r in rows} == set(BAD)
    for source, stage, error, time in rows:
        assert stage == "read" and BAD[source] in error
        assert datetime.fromisoformat(time).tzinfo is not None
    result = subprocess.run([*BHYT, "serve", str(db), "--get", "/bhyt/failures.json?_shape=array"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert {r["source"]: r["error"] for r in json.loads(result.stdout)} == \
        {s: e for s, _, e, _ in rows}


def test_paths_given_to_the_cli_reach_the_site_only_as_base_names(hostile_build) -> None:
    db, *_ = hostile_build
    conn = sqlite3.connect(db)
    tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    for table in tables:
        for row in conn.execute(f"SELECT * FROM [{table}]"):
            assert not any(PRIVATE in v for v in row if isinstance(v, str)), (table, row)
    article = conn.execute("SELECT id FROM articles WHERE source = ?", [GOOD[0]]).fetchone()[0]
    pages = ["/", "/bhyt", "/bhyt.json", "/bhyt/articles", "/bhyt/articles.json", "/bhyt/facts",
             "/bhyt/failures", "/bhyt/failures.json", f"/bhyt/articles/{article}", "/bhyt/records",
             "/-/databases.json", "/-/metadata.json", "/-/settings.json", "/-/plugins.json",
             "/-/versions.json", "/bhyt/nothing-here"]
    with running_site(db, db.parent.parent / "serve.log") as base:
        for page in pages:
            status, body = fetch(base, page)
            assert status in (200, 404), page
            assert PRIVATE not in body, page
        status, body = fetch(base, "/-/databases.json")
        assert json.loads(body)[0]["path"] == "bhyt.db"


def test_a_file_deleted_mid_batch_fails_alone(tmp_path: Path) -> None:
    paths = []
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(TEXT.replace("Yên Mô", f"Yên Mô {name}"), encoding="utf-8")
        paths.append(str(tmp_path / name))

    def extract_then_delete_b(article: Article):
        # The batch reads lazily: b.txt vanishes after it was listed and before it is read.
        if (tmp_path / "b.txt").exists():
            (tmp_path / "b.txt").unlink()
        return extract(article)

    failures = []
    db = open_db(str(tmp_path / "bhyt.db"))
    report = build(db, paths, extract=extract_then_delete_b, max_bytes=DEFAULT_MAX_BYTES,
                   on_failure=failures.append)
    assert (report.added, report.failed) == (2, 1)
    assert [(f.source, f.error) for f in failures] == [("b.txt", "cannot read: No such file or directory")]
    assert {r["source"] for r in db["articles"].rows} == {"a.txt", "c.txt"}
    assert [r["source"] for r in db["failures"].rows] == ["b.txt"]


def test_stdin_over_the_limit_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([*BHYT, "extract", "-", "--max-bytes", "1000"], input=TEXT.encode() * 20,
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "error: <stdin>: over the limit of 1,000 bytes " \
                                             "(raise it with --max-bytes)"

