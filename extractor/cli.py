"""The `bhyt` command line: each command parses its arguments and calls one library function."""

from __future__ import annotations

import json
import sys

import click

from .read import DEFAULT_MAX_BYTES


@click.group()
@click.version_option(package_name="bhyt")
def cli() -> None:
    """Vietnamese health-insurance (BHYT) statistics: extract, evaluate, load, audit, serve."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
def extract(paths: tuple[str, ...], max_bytes: int) -> None:
    """Print every BHYT fact in the articles as JSON Lines.

    PATHS are files, folders, globs, or - for standard input.

    Example: bhyt extract corpus/ > facts.jsonl
    """
    from .facts import extract as extract_facts
    from .model import ReadFailure
    from .read import read_inputs

    failed = 0
    for item in read_inputs(paths, max_bytes=max_bytes):
        if isinstance(item, ReadFailure):
            failed += 1
            click.echo(f"error: {item.source}: {item.error}", err=True)
            continue
        for fact in extract_facts(item):
            sys.stdout.write(json.dumps(fact.to_dict(), ensure_ascii=False) + "\n")
    if failed:
        sys.exit(1)
