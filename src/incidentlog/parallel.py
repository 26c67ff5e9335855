"""Parsing many files on every core, the results coming back in order.

:func:`ordered_map` runs a function over items in worker processes, a few chunks at a
time, and yields the results in the order of the items, so one writer can store them in
order while the workers parse ahead. At most ``ahead`` chunks are in flight, so memory stays
bounded however many files there are and however slow the writer is.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import AsyncResult
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 8
"""Fewer items than this are done in this process: starting workers would cost more."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _chunk(fn: Callable[[T], R], items: list[T]) -> list[R]:
    return [fn(item) for item in items]


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int | None = None,
                chunk: int | None = None, ahead: int = 4,
                idle: Callable[[], None] | None = None) -> Iterator[R]:
    """``fn`` over ``items``, in ``workers`` processes (default: every core), in order.

    ``idle`` is called whenever the next result is not ready yet: the caller's own work
    (writing what it has) then overlaps the workers' instead of waiting for it.

    ``fn`` must be picklable (a module-level function, or a partial of one). With one
    worker, or few items, it runs here. Workers are forked where the platform allows it
    (they then start in milliseconds), else spawned.
    """
    workers = cores() if workers is None else workers
    if workers <= 1 or len(items) < MIN_ITEMS:
        for item in items:
            yield fn(item)
        return
    size = chunk or max(1, min(16, len(items) // (workers * 4)))
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    pool = context.Pool(workers)
    try:
        pending: deque[AsyncResult[list[R]]] = deque()
        starts = iter(range(0, len(items), size))
        for start in starts:
            pending.append(pool.apply_async(_chunk, (fn, list(items[start:start + size]))))
            if len(pending) >= workers * ahead:
                break
        while pending:
            if idle is not None and not pending[0].ready():
                idle()
            done = pending.popleft().get()
            following = next(starts, None)
            if following is not None:
                pending.append(pool.apply_async(
                    _chunk, (fn, list(items[following:following + size]))))
            yield from done
    except BaseException:  # an error, an interrupt, or the consumer stopped early
        pool.terminate()
        raise
    else:
        pool.close()  # each worker ends when its queue is empty: quicker than terminate()
    finally:
        pool.join()
