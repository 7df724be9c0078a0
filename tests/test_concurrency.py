"""Writers and readers at once: the site answers while `build` writes; two writers never mix."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from test_site import fetch, running_site
from test_store import BHYT, assert_sound, count, make_corpus, run

from extractor.store import open_db

# JSON endpoints a visitor's page loads hit: tables, a view, full-text search, SQL.
ENDPOINTS = [
    ("/bhyt/facts.json", {"_size": "5", "_facet": "province"}),
    ("/bhyt/articles.json", {"_search": "bảo hiểm y tế", "_size": "5"}),
    ("/bhyt/records.json", {"_size": "5"}),
    ("/bhyt/localities.json", {"_size": "5"}),
    ("/bhyt.json", {"sql": "SELECT count(*) AS n FROM articles"}),
]
MAX_REQUESTS, MAX_SECONDS = 3000, 120


def wait_for_first_article(proc: subprocess.Popen, db: Path) -> None:
    """Return once `proc` has committed an article (so it holds the database), or fail."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if count(db, "SELECT count(*) FROM articles") > 0:
                return
        except sqlite3.OperationalError:
            pass  # the schema is not there yet
        time.sleep(0.01)
    raise AssertionError("the build ended or stalled before its first article: make the input larger")


def test_site_answers_every_request_while_build_writes(shared: Path, tmp_path: Path) -> None:
    corpus = make_corpus(shared, tmp_path / "corpus", 300)
    db = tmp_path / "bhyt.db"
    open_db(str(db)).conn.close()  # an empty site goes up first, as on a new deployment
    with running_site(db, tmp_path / "serve.log") as base:
        build = subprocess.Popen([*BHYT, "build", str(corpus), "--db", str(db)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        answers: list[tuple[str, int, str]] = []
        seen_counts: set[int] = set()
        start = time.monotonic()
        while build.poll() is None and len(answers) < MAX_REQUESTS \
                and time.monotonic() - start < MAX_SECONDS:
            path, params = ENDPOINTS[len(answers) % len(ENDPOINTS)]
            status, body = fetch(base, path, **params)
            answers.append((path, status, body[:300]))
            if status == 200 and path == "/bhyt.json":
                seen_counts.add(int(body.split('"rows": [[')[1].split("]")[0]))
        _, stderr = build.communicate(timeout=MAX_SECONDS)
        assert build.returncode == 0, stderr.decode()
        final_status, _ = fetch(base, "/bhyt/facts.json")
    failed = [a for a in answers if a[1] != 200]
    assert not failed, failed[:3]
    assert final_status == 200
    # The requests really overlapped the writing: they saw the table part-filled.
    assert len(answers) >= 20
    assert any(0 < n < 300 for n in seen_counts), sorted(seen_counts)


def test_a_second_build_on_the_same_database_refuses_and_the_first_completes(
        shared: Path, tmp_path: Path) -> None:
    corpus = make_corpus(shared, tmp_path / "corpus", 200)
    db = tmp_path / "bhyt.db"
    # One worker: slow enough that the others surely start while it writes.
    first = subprocess.Popen([*BHYT, "build", str(corpus), "--db", str(db), "--workers", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_first_article(first, db)
        others = [subprocess.Popen([*BHYT, *args, "--db", str(db)], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                  for args in (["build", str(corpus)], ["load", "-"])]
        refusals = [(p.wait(120), p.stderr.read()) for p in others]
        assert first.poll() is None, "the first build ended too soon to test: make the input larger"
    finally:
        _, stderr = first.communicate(timeout=MAX_SECONDS)
    assert first.returncode == 0, stderr.decode()
    assert "200 articles added" in stderr.decode()
    for status, message in refusals:
        assert status == 1
        assert message.strip() == (
            f"Error: another build or load is writing to {db} (it holds {db}.lock); "
            "run this one when it has finished")
    conn = assert_sound(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 200
    assert conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 0
    conn.close()
    # The lock went with the first build: the next one runs, and finds nothing to do.
    assert "0 articles added, 0 replaced, 200 unchanged" in run("build", str(corpus), "--db", str(db))
