"""Articles and facts into SQLite, idempotently, one article per transaction.

An article's id is a hash of its source and its text, so a re-run finds an
unchanged article by id and skips it (no extraction, no write), while a
changed article has its old row, search entry and facts replaced in one
transaction. A build killed at any point leaves every article with all or
none of its facts.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path

from sqlite_utils import Database

from .dates import period_end
from .model import Article, Fact, ReadFailure
from .normalize import ascii_fold
from .parallel import ordered_map
from .read import expand_paths, read_inputs

# Columns of `facts` that come straight from a fact (FACTS.md); the rest are derived here.
FACT_COLUMNS = (
    "source", "locality", "unit", "province", "district", "date", "metric", "value",
    "qualifier", "group", "evidence", "start", "end", "surface", "baseline", "code",
    "lat", "lon",
)

SAVE_BATCH = 64  # articles per commit of a build

RATE_METRICS = ("coverage_rate", "target_rate", "participants_change_pct", "plan_completion")

# Hand-written DDL rather than sqlite-utils' create(): NUMERIC keeps 174752 an
# integer and 72.49 a real in one column, and the view and FTS table need SQL anyway.
SCHEMA = """
-- Input files whose every article is stored as read by this pipeline: a re-build skips
-- them without reading, while their size and modification time stay the same.
CREATE TABLE IF NOT EXISTS inputs (
    path TEXT PRIMARY KEY,
    size INTEGER,
    mtime_ns INTEGER,
    pipeline TEXT,
    sources TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT,
    published TEXT,
    url TEXT,
    form TEXT,
    site TEXT,
    text TEXT NOT NULL,
    chars INTEGER
);
-- Holds its own copy of the text (not external content) so the folded column
-- never shows in the articles table. rowid = articles.rowid.
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, text, folded, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS facts (
    id TEXT PRIMARY KEY,
    article_id TEXT REFERENCES articles(id),
    source TEXT NOT NULL,
    locality TEXT,
    unit TEXT,
    province TEXT,
    district TEXT,
    date TEXT,
    period_end TEXT,
    metric TEXT NOT NULL,
    value NUMERIC NOT NULL,
    qualifier TEXT,
    "group" TEXT,
    evidence TEXT,
    evidence_start INTEGER,
    start INTEGER,
    "end" INTEGER,
    surface TEXT,
    baseline TEXT,
    code TEXT,
    lat REAL,
    lon REAL,
    extra TEXT
);
CREATE INDEX IF NOT EXISTS facts_article ON facts(article_id);
CREATE INDEX IF NOT EXISTS facts_source ON facts(source);
CREATE INDEX IF NOT EXISTS facts_place ON facts(province, locality, unit);
CREATE INDEX IF NOT EXISTS facts_metric ON facts(metric, period_end);
CREATE TABLE IF NOT EXISTS failures (
    source TEXT NOT NULL,
    stage TEXT NOT NULL,
    error TEXT NOT NULL,
    time TEXT NOT NULL,
    PRIMARY KEY (source, stage)
);
-- One row per place and date with its figures side by side; group-specific
-- figures (học sinh, hộ gia đình) are not the place's own and stay out.
CREATE VIEW IF NOT EXISTS records AS
SELECT locality, unit, district, province, max(code) AS code, date,
       max(period_end) AS period_end,
       max(CASE WHEN metric = 'participants' THEN value END) AS participants,
       max(CASE WHEN metric = 'population' THEN value END) AS population,
       max(CASE WHEN metric = 'coverage_rate' THEN value END) AS coverage_rate,
       max(CASE WHEN metric = 'target_rate' THEN value END) AS target_rate,
       max(CASE WHEN metric = 'target_participants' THEN value END) AS target_participants,
       count(*) AS facts,
       group_concat(DISTINCT source) AS sources
FROM facts
WHERE "group" IS NULL
GROUP BY locality, unit, district, province, date;
CREATE VIEW IF NOT EXISTS localities AS
SELECT locality, unit, district, province, max(code) AS code,
       count(*) AS facts, count(DISTINCT source) AS articles,
       min(period_end) AS first_date, max(period_end) AS last_date
FROM facts
GROUP BY locality, unit, district, province;
"""


class FactFormatError(ValueError):
    """A fact record that cannot be loaded; the message names the line."""


@dataclass
class BuildReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    facts: int = 0
    failed: int = 0
    # The places whose facts this build added or removed (audit.place_id): only their checks
    # need doing again.
    changed_places: set[str] = field(default_factory=set)


def open_db(path: str) -> Database:
    """The database at `path`, created if new, in WAL mode so the site reads while we write."""
    db = Database(path)
    db.enable_wal()
    # In WAL mode NORMAL loses no committed transaction when the process dies (only, at
    # worst, the last ones on a power cut) and never corrupts; FULL syncs on every commit.
    db.execute("PRAGMA synchronous = NORMAL")
    db.conn.executescript(SCHEMA)
    if "site" not in db["articles"].columns_dict:  # a database built before the column
        db.execute("ALTER TABLE articles ADD COLUMN site TEXT")
    return db


def checkpoint(db: Database) -> None:
    """Copy the write-ahead log into the database file, so that the file alone holds every
    committed row (to copy or publish) even while a site keeps the database open; SQLite
    does it by itself only when the last connection closes. PASSIVE never waits for readers."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _hash(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def article_id(article: Article) -> str:
    """The article's identity: its source, text and publisher's line, as read by this version
    of the pipeline (a changed rule or pattern makes every article new again, so no stale fact
    survives)."""
    return _hash(article.source, article.text, article.site, pipeline())


@lru_cache(maxsize=1)
def pipeline() -> str:
    """A fingerprint of the code and language data that turn articles into facts."""
    root = Path(__file__).resolve().parent
    files = sorted([*root.glob("*.py"), *(root.parent / "patterns").rglob("*.yml")])
    digest = hashlib.sha1()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def fact_id(owner: str, fact: dict) -> str:
    """Stable across re-runs: the article, the number's span, what it means and where.

    Gold and hand-made facts have no span, so their value stands in for it.
    """
    span = (fact.get("start"), fact.get("end"))
    if span == (None, None):
        span = (fact.get("value"),)
    return _hash(owner, fact.get("metric"), *span, fact.get("locality"), fact.get("unit"),
                 fact.get("date"), fact.get("group"))


def _evidence_start(text: str | None, fact: dict) -> int | None:
    """Where the evidence sentence sits in the article: the occurrence holding the number."""
    evidence, start, end = fact.get("evidence"), fact.get("start"), fact.get("end")
    if not (text and evidence) or start is None or end is None:
        return None
    pos = text.rfind(evidence, 0, start + len(evidence))  # the last one starting by `start`
    return pos if pos >= 0 and pos + len(evidence) >= end else None


def fact_row(fact: dict, *, article: str | None, text: str | None) -> dict:
    """The `facts` row of one fact dict; fields outside the schema go to `extra` as JSON."""
    row = {k: fact.get(k) for k in FACT_COLUMNS}
    extra = {k: v for k, v in fact.items() if k not in FACT_COLUMNS and k != "optional"}
    row.update(
        id=fact_id(article or fact["source"], fact),
        article_id=article,
        period_end=period_end(fact.get("date")),
        evidence_start=_evidence_start(text, fact),
        extra=json.dumps(extra, ensure_ascii=False) if extra else None,
    )
    return row


def _stored(db: Database, source: str) -> tuple[str, int] | None:
    """The (id, rowid) of the article stored under `source`, if any."""
    return db.execute("SELECT id, rowid FROM articles WHERE source = ?", [source]).fetchone()


def _delete_source(db: Database, source: str) -> None:
    stored = _stored(db, source)
    db.execute("DELETE FROM facts WHERE source = ?", [source])
    if stored:
        db.execute("DELETE FROM articles_fts WHERE rowid = ?", [stored[1]])
        db.execute("DELETE FROM articles WHERE rowid = ?", [stored[1]])


_FACT_ROW = ("id", "article_id", *FACT_COLUMNS, "period_end", "evidence_start", "extra")
_INSERT_FACT = (f"INSERT OR REPLACE INTO facts ({', '.join(f'[{c}]' for c in _FACT_ROW)}) "
                f"VALUES ({', '.join('?' * len(_FACT_ROW))})")


def save_article(db: Database, article: Article, facts: Iterable[Fact],
                 stamp: Stamp | None = None) -> int:
    """Store one article and its facts in one transaction, replacing what `source` had.

    Returns the number of facts stored.
    """
    aid = article_id(article)
    rows = [fact_row(f.to_dict(), article=aid, text=article.text) for f in facts]
    with db.atomic():
        _delete_source(db, article.source)
        rowid = db.execute(
            "INSERT INTO articles (id, source, title, published, url, form, site, text, chars) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [aid, article.source, article.title, article.published, article.url, article.form,
             article.site, article.text, len(article.text)]).lastrowid
        folded = ascii_fold(f"{article.title or ''}\n{article.text}")
        db.execute("INSERT INTO articles_fts (rowid, title, text, folded) VALUES (?, ?, ?, ?)",
                   [rowid, article.title, article.text, folded])
        # Plain executemany, not insert_all: the schema is fixed, and this is the build's
        # hottest write.
        db.conn.executemany(_INSERT_FACT, [[r[c] for c in _FACT_ROW] for r in rows])
        db.execute("DELETE FROM failures WHERE source = ?", [article.source])
        if stamp is not None:
            remember_input(db, stamp, [article.source])
    return len(rows)


def record_failure(db: Database, failure: ReadFailure) -> None:
    """Keep the latest error of each source and stage; an unchanged error rewrites nothing."""
    with db.atomic():
        db.execute(
            "INSERT INTO failures (source, stage, error, time) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (source, stage) DO UPDATE SET error = excluded.error, "
            "time = excluded.time WHERE error != excluded.error",
            [failure.source, failure.stage, failure.error,
             datetime.now(UTC).isoformat(timespec="seconds")])


def build(db: Database, paths: Iterable[str], *,
          extract: Callable[[Article], list[Fact]], max_bytes: int,
          on_failure: Callable[[ReadFailure], None] = lambda f: None,
          workers: int = 1) -> BuildReport:
    """Read, extract and store every article in `paths`; unchanged articles are skipped.

    Reading and the content-hash check happen here, before any extraction; `workers`
    processes extract (an `extract` picklable, e.g. a module-level function), and this
    process alone writes, committing every `SAVE_BATCH` articles.
    """
    report = BuildReport()

    def fail(failure: ReadFailure) -> None:
        report.failed += 1
        record_failure(db, failure)
        on_failure(failure)

    jobs = _changed_articles(db, paths, max_bytes, report, fail)
    results = ordered_map(partial(_extract_job, extract), jobs, workers)
    # A commit per batch of articles, not per article: commits were a third of the
    # writing. Each article still lands whole or not at all.
    while batch := list(islice(results, SAVE_BATCH)):
        with db.atomic():
            for (article, replacing, stamp), facts, error in batch:
                if error is not None:
                    fail(ReadFailure(article.source, error, stage="extract"))
                    continue
                report.changed_places |= _places_of(db, article.source, facts)
                report.facts += save_article(db, article, facts, stamp)
                if replacing:
                    report.replaced += 1
                else:
                    report.added += 1
    return report


def _places_of(db: Database, source: str, facts: list[Fact]) -> set[str]:
    """The places of an article's new facts, and of the checks its old facts took part in."""
    from .audit import place_id

    places = {place_id(f.to_dict()) for f in facts}
    if db["checks"].exists() and "place" in db["checks"].columns_dict:
        places |= {r[0] for r in db.execute("SELECT DISTINCT place FROM checks WHERE source = ?",
                                            [source])}
    return places


@dataclass(frozen=True)
class Stamp:
    """What a re-build compares to skip an input file without reading it."""

    path: str  # a digest of the file's absolute path
    size: int
    mtime_ns: int


def _stamp(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None  # read_inputs names the problem
    # Only a digest of the path is kept: the database is published, the server's folders not.
    return Stamp(_hash(os.path.abspath(path)), st.st_size, st.st_mtime_ns)


def _untouched(db: Database, stamp: Stamp | None) -> list[str] | None:
    """The sources of a file that has not changed since all its articles were stored."""
    if stamp is None:
        return None
    row = db.execute("SELECT size, mtime_ns, pipeline, sources FROM inputs WHERE path = ?",
                     [stamp.path]).fetchone()
    if row is None or tuple(row[:3]) != (stamp.size, stamp.mtime_ns, pipeline()):
        return None
    sources = json.loads(row[3])
    stored = db.execute(f"SELECT count(*) FROM articles WHERE source IN ({','.join('?' * len(sources))})",
                        sources).fetchone()[0]
    return sources if stored == len(sources) else None


def remember_input(db: Database, stamp: Stamp, sources: list[str]) -> None:
    db.execute("INSERT OR REPLACE INTO inputs (path, size, mtime_ns, pipeline, sources) "
               "VALUES (?, ?, ?, ?, ?)", [stamp.path, stamp.size, stamp.mtime_ns, pipeline(),
                                          json.dumps(sources, ensure_ascii=False)])


def _changed_articles(db: Database, paths: Iterable[str], max_bytes: int, report: BuildReport,
                      fail: Callable[[ReadFailure], None],
                      ) -> Iterator[tuple[Article, bool, Stamp | None]]:
    """(article, whether it replaces a stored one, the stamp of its one-article file) for
    each new or changed article. A file unchanged since it was stored is not even read."""
    seen: set[str] = set()
    for path in expand_paths(paths):
        stamp = _stamp(path) if path != "-" else None
        known = _untouched(db, stamp)
        if known is not None:
            seen.update(known)
            report.unchanged += len(known)
            continue
        items = list(read_inputs([path], max_bytes=max_bytes))
        changed = []
        for item in items:
            if isinstance(item, Article) and item.source in seen:
                # Two inputs with one source would replace each other on every run.
                item = ReadFailure(item.source, "another input already has this source name")
            if isinstance(item, ReadFailure):
                fail(item)
                continue
            seen.add(item.source)
            stored = _stored(db, item.source)
            if stored and stored[0] == article_id(item):
                report.unchanged += 1
            else:
                changed.append((item, stored is not None))
        articles = [i.source for i in items if isinstance(i, Article)]
        whole = stamp is not None and len(articles) == len(items)
        if whole and not changed:
            remember_input(db, stamp, articles)
        for article, replacing in changed:
            # A one-article file is remembered with its article, in the same transaction.
            yield article, replacing, stamp if whole and len(items) == 1 else None


def _extract_job(extract: Callable[[Article], list[Fact]], job: tuple,
                 ) -> tuple[tuple, list[Fact] | None, str | None]:
    """Runs in a worker: the job with its facts, or with the error that stopped them."""
    try:
        return job, extract(job[0]), None
    except Exception as e:  # one article's bug must not stop the batch
        return job, None, f"{type(e).__name__}: {e}"


def read_facts_jsonl(lines: Iterable[str]) -> Iterator[dict]:
    """Fact dicts from JSON Lines, checked for the fields a row needs."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fact = json.loads(line)
        except json.JSONDecodeError as e:
            raise FactFormatError(f"line {n}: not valid JSON ({e.msg})") from None
        if not isinstance(fact, dict):
            raise FactFormatError(f"line {n}: not a JSON object")
        missing = [k for k in ("source", "metric", "value") if fact.get(k) is None]
        if missing:
            raise FactFormatError(f"line {n}: no {', '.join(missing)}")
        yield fact


def load_facts(db: Database, facts: Iterable[dict]) -> int:
    """Load facts made elsewhere: each source's facts replace what it had, in one transaction."""
    by_source: dict[str, list[dict]] = {}
    for fact in facts:
        by_source.setdefault(fact["source"], []).append(fact)
    for source, group in by_source.items():
        stored = db.execute("SELECT id, text FROM articles WHERE source = ?",
                            [source]).fetchone()
        aid, text = stored if stored else (None, None)
        rows = [fact_row(f, article=aid, text=text) for f in group]
        with db.atomic():
            # Facts loaded before with the same id are updated in place, so a re-load
            # of the same file leaves every row as it was.
            db.execute("DELETE FROM facts WHERE source = ? AND id NOT IN "
                       "(SELECT value FROM json_each(?))", [source, json.dumps(
                           [r["id"] for r in rows])])
            db["facts"].upsert_all(rows, pk="id")
    return sum(len(g) for g in by_source.values())


class DatabaseBusy(RuntimeError):
    """Another process holds the database's writer lock; the message says which file."""


@contextmanager
def writer_lock(db_path: str) -> Iterator[None]:
    """Hold `DB.lock`, beside the database, while writing; refuse at once if another writer has it.

    SQLite alone would interleave two builds' transactions (each article whole, but both
    runs extracting and replacing the same articles, and a long audit transaction could
    time one out), so writers take turns by this lock instead. flock is released by the
    kernel when the process ends, even by SIGKILL, so a killed build never leaves it held;
    the file itself stays (deleting it would let a third writer lock a different file).
    """
    lock_path = f"{db_path}.lock"
    with open(lock_path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusy(f"another build or load is writing to {db_path} "
                               f"(it holds {lock_path}); run this one when it has finished") from None
        yield
