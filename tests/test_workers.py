"""Worker processes change how fast, never what: output equal to one worker's, in input order."""

import sqlite3
import subprocess
import sys
from pathlib import Path

from extractor.parallel import ordered_map

BHYT = [sys.executable, "-c", "from extractor.cli import cli; cli()"]


def _extract(articles: Path, workers: int) -> str:
    result = subprocess.run([*BHYT, "extract", str(articles), "--workers", str(workers)],
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_extract_two_workers_equals_one(shared: Path) -> None:
    one = _extract(shared / "articles", 1)
    assert one.count("\n") > 200
    assert _extract(shared / "articles", 2) == one


def _facts_table(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM facts ORDER BY id").fetchall()


def test_build_two_workers_equals_one(shared: Path, tmp_path: Path) -> None:
    tables = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        subprocess.run([*BHYT, "build", str(shared / "articles"), "--db", str(db),
                        "--workers", str(workers)], capture_output=True, check=True)
        tables.append(_facts_table(db))
    assert len(tables[0]) > 200
    assert tables[1] == tables[0]


def test_ordered_map_keeps_order_across_batches() -> None:
    assert list(ordered_map(abs, range(-500, 0), 2, batch=7)) == list(range(500, 0, -1))
