"""The `bhyt` command line: each command parses its arguments and calls one library function."""

from __future__ import annotations

import json
import sys

import click

from .parallel import default_workers
from .read import DEFAULT_MAX_BYTES


def hold_writer_lock(db_path: str) -> None:
    """Take the database's writer lock until the command ends, or refuse clearly."""
    from .store import DatabaseBusy, writer_lock

    try:
        click.get_current_context().with_resource(writer_lock(db_path))
    except DatabaseBusy as e:
        raise click.ClickException(str(e)) from None


workers_option = click.option(
    "--workers", type=click.IntRange(min=1), default=default_workers,
    show_default="number of cores", help="Processes that extract; output is in input order either way.")


@click.group()
@click.version_option(package_name="bhyt")
def cli() -> None:
    """Vietnamese health-insurance (BHYT) statistics: extract, evaluate, load, audit, serve."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
@workers_option
def extract(paths: tuple[str, ...], max_bytes: int, workers: int) -> None:
    """Print every BHYT fact in the articles as JSON Lines.

    PATHS are files, folders, globs, or - for standard input.

    Example: bhyt extract corpus/ > facts.jsonl
    """
    from .model import ReadFailure
    from .parallel import fact_lines, ordered_map
    from .read import read_inputs

    failed = 0
    for out in ordered_map(fact_lines, read_inputs(paths, max_bytes=max_bytes), workers):
        if isinstance(out, ReadFailure):
            failed += 1
            click.echo(f"error: {out.source}: {out.error}", err=True)
            continue
        sys.stdout.write(out)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", "db_path", required=True, help="SQLite file to build or update.")
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
@workers_option
def build(paths: tuple[str, ...], db_path: str, max_bytes: int, workers: int) -> None:
    """Extract the facts of every article and store both in SQLite.

    Run it again with more or changed articles: new ones are added, a changed
    article's facts are replaced, unchanged ones are not touched.

    Example: bhyt build corpus/ --db bhyt.db
    """
    from .audit import audit_db
    from .facts import extract as extract_facts
    from .read import expand_paths
    from .store import build as build_db
    from .store import checkpoint, open_db

    files = list(expand_paths(paths))
    failures = []  # printed after the bar, which would garble lines printed beside it
    hold_writer_lock(db_path)
    db = open_db(db_path)
    with click.progressbar(files, label="Building", file=sys.stderr) as bar:
        report = build_db(db, bar, extract=extract_facts, max_bytes=max_bytes,
                          on_failure=failures.append, workers=workers)
    for f in failures:
        click.echo(f"error: {f.source}: {f.stage}: {f.error}", err=True)
    if "checks" not in db.table_names():
        audit_db(db)
    elif report.changed_places:  # only the places whose facts changed are checked again
        audit_db(db, report.changed_places)
    checkpoint(db)
    total, bad = db.execute(
        "SELECT count(*), coalesce(sum(status = 'inconsistent'), 0) FROM checks").fetchone()
    audited = f"{total} checks, {bad} inconsistent"
    click.echo(f"{report.added} articles added, {report.replaced} replaced, "
               f"{report.unchanged} unchanged, {report.failed} failed; "
               f"{report.facts} facts stored; {audited}", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("facts_file", type=click.File(encoding="utf-8"))
@click.option("--db", "db_path", required=True, help="SQLite file to load into.")
def load(facts_file, db_path: str) -> None:
    """Load facts extracted elsewhere (JSON Lines); each source's facts replace its old ones.

    Example: bhyt extract corpus/ > facts.jsonl && bhyt load facts.jsonl --db bhyt.db
    """
    from .audit import audit_db
    from .store import FactFormatError, checkpoint, load_facts, open_db, read_facts_jsonl

    hold_writer_lock(db_path)
    try:
        db = open_db(db_path)
        n = load_facts(db, read_facts_jsonl(facts_file))
        audit_db(db)  # the checks name facts by id: replaced facts need their checks redone
        checkpoint(db)
    except FactFormatError as e:
        raise click.ClickException(f"{facts_file.name}: {e}") from None
    click.echo(f"{n} facts loaded", err=True)


@cli.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--get", "get_path", help="Print the response for this path and exit.")
def serve(db_path: str, host: str, port: int, get_path: str | None) -> None:
    """Publish the database with Datasette: metadata, canned queries, charts.

    Example: bhyt serve bhyt.db   (then open http://127.0.0.1:8001/)
    """
    from .site import run_datasette

    run_datasette(db_path, host=host, port=port, get=get_path)


@cli.command("audit")
@click.argument("path", required=False, type=click.File(encoding="utf-8"))
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False),
              help="Audit this database's facts and replace its checks table.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one JSON object per verdict.")
def audit_command(path, db_path: str | None, as_jsonl: bool) -> None:
    """Recompute what the reported figures imply and report what does not add up.

    PATH is a facts file (JSON Lines, - for standard input), or give --db.
    Inconsistencies are findings, not errors: the exit status is 0.

    Example: bhyt audit facts.jsonl --jsonl; bhyt audit --db bhyt.db
    """
    from .audit import Summary, audit, audit_db, report
    from .store import FactFormatError, checkpoint, read_facts_jsonl

    if (path is None) == (db_path is None):
        raise click.UsageError("give either PATH (a facts .jsonl file) or --db DB")
    if db_path:
        from sqlite_utils import Database

        db = Database(db_path)
        summary = audit_db(db)
        checkpoint(db)
        rows = (dict(r) for r in db.query("SELECT * FROM checks ORDER BY id"))
    else:
        try:
            verdicts = audit(read_facts_jsonl(path))
        except FactFormatError as e:
            raise click.ClickException(f"{path.name}: {e}") from None
        summary = Summary().add(verdicts)
        rows = (v.to_dict() for v in verdicts)
    if as_jsonl:
        for row in rows:
            row = {k: val for k, val in row.items() if k not in ("facts", "id", "place")}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        click.echo(report(summary))


@cli.command("eval")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of gold annotations (NAME.json, each with its `source`).")
@click.option("--articles", "article_paths", required=True, multiple=True,
              help="Articles: a folder, files, or a JSON Lines feed (repeat for several).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--brief", is_flag=True, help="Only the figures, not the lists of errors.")
def eval_command(gold_dir: str, article_paths: tuple[str, ...], as_json: bool,
                 brief: bool) -> None:
    """Score extraction against hand annotations (FACTS.md "Scoring").

    Example: bhyt eval --gold ../shared/gold --articles ../shared/articles
    """
    from .audit import audit
    from .evaluate import evaluate, format_report, load_gold
    from .facts import extract as extract_facts
    from .model import ReadFailure
    from .read import read_inputs

    gold = load_gold(gold_dir)
    found: dict[str, list[dict]] = {}
    for item in read_inputs(article_paths):
        if isinstance(item, ReadFailure):
            click.echo(f"error: {item.source}: {item.error}", err=True)
            continue
        found[item.source] = [f.to_dict() for f in extract_facts(item)]
    verdicts = [v.__dict__ for v in audit([f for fs in found.values() for f in fs])]
    report = evaluate(found, gold, verdicts)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        click.echo(format_report(report, details=not brief))


@cli.command()
@click.option("--sizes", default="1000,10000", show_default=True,
              help="Corpus sizes, comma-separated (100000 works; it takes about an hour).")
@click.option("--workers", type=click.IntRange(min=1), default=default_workers,
              show_default="number of cores", help="Workers of the parallel extract and of build.")
@click.option("--work", default="bench/work", show_default=True, help="Folder for generated corpora.")
@click.option("--out", "out_path", help="JSON results file [default: bench/results/DATE.json].")
@click.option("--articles", default="../shared/articles", show_default=True, help="Template articles.")
@click.option("--gold", "gold_dir", default="../shared/gold", show_default=True, help="Their gold.")
def bench(sizes: str, workers: int, work: str, out_path: str | None, articles: str, gold_dir: str) -> None:
    """Time extract (1 and N workers), build, re-builds and a read-only floor on generated
    corpora with known facts; print the table and write it as JSON.

    Example: bhyt bench --sizes 1000,10000,100000
    """
    from datetime import date
    from pathlib import Path

    from .bench import run, table

    results = run(tuple(int(s) for s in sizes.split(",")), work=Path(work), articles=Path(articles),
                  gold_dir=Path(gold_dir), workers=workers)
    out = Path(out_path or f"bench/results/{date.today().isoformat()}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(table(results))
    click.echo(f"written to {out}", err=True)
