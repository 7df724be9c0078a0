"""Run a function over a stream on worker processes, in input order, with bounded memory.

Pool.imap would do, but its feeder thread drains the input as fast as it can: the
whole corpus would queue up in memory whenever workers are slower than reading, and
the input generator would run in that thread (build's generator reads SQLite, whose
connection belongs to the main thread). Here the main thread takes one batch at a
time and keeps at most `AHEAD` batches in flight.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from .model import Article, ReadFailure

T = TypeVar("T")
R = TypeVar("R")

BATCH = 64  # items per batch: enough to amortize the pickling round trip
AHEAD = 3  # batches in flight: workers never wait for the parent between batches


def default_workers() -> int:
    return os.cpu_count() or 1


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int,
                *, batch: int = BATCH) -> Iterator[R]:
    """fn(item) for each item, in order; in this process when `workers` is 1.

    `fn` must be picklable (a module-level function or a partial of one).
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    # fork: workers start at once and share the parent's loaded modules and tables.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        it = iter(items)
        chunksize = max(1, batch // (workers * 4))
        while chunk := list(islice(it, batch)):
            pending.append(pool.map_async(fn, chunk, chunksize=chunksize))
            if len(pending) >= AHEAD:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def fact_lines(item: Article | ReadFailure) -> str | ReadFailure:
    """An article's facts as JSON Lines text (built in the worker, so the parent only
    writes); a read failure passes through to be reported in its place."""
    from .facts import extract

    if isinstance(item, ReadFailure):
        return item
    try:
        facts = extract(item)
    except Exception as e:  # one article's bug must not stop the batch
        return ReadFailure(item.source, f"{type(e).__name__}: {e}", stage="extract")
    return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in facts)
