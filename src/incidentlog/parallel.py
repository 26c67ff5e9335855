"""Parsing many files on every core, the results coming back in order.

:func:`ordered_map` runs a function over items in worker processes, a few chunks at a
time, and yields the results in the order of the items, so one writer can store them in
order while the workers parse ahead. At most ``ahead`` chunks per worker are in flight, so
memory stays bounded however many files there are and however slow the writer is. A worker
that dies (killed for memory, say) does not hang the run: what it had not given back is
done in this process instead.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 8
"""Fewer items than this are done in this process: starting workers would cost more."""
MAX_WORKERS = 64
"""However many are asked for (``--jobs 100000``), no more processes than this."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _die_with(parent: int) -> None:
    """In a worker: end when the parent does (killed, say), rather than wait forever on a
    queue no one writes to."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


PR_SET_PDEATHSIG = 1


def _chunk(fn: Callable[[T], R], items: list[T]) -> list[R]:
    return [fn(item) for item in items]


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int | None = None,
                chunk: int | None = None, ahead: int = 4,
                idle: Callable[[], None] | None = None) -> Iterator[R]:
    """``fn`` over ``items``, in ``workers`` processes (default: every core), in order.

    ``fn`` must be picklable (a module-level function, or a partial of one). With one
    worker, or few items, it runs here. Workers are forked where the platform allows it
    (they then start in milliseconds), else spawned. ``idle`` is called whenever the next
    result is not ready yet: the caller's own work (writing what it has) then overlaps the
    workers' instead of waiting for them.
    """
    workers = cores() if workers is None else workers
    if workers <= 1 or len(items) < MIN_ITEMS:
        for item in items:
            yield fn(item)
        return
    size = chunk or max(1, min(16, len(items) // (workers * 4)))
    chunks = deque(range(0, len(items), size))
    workers = min(workers, len(chunks), MAX_WORKERS)
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux")
                                          else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_die_with,
                               initargs=(os.getpid(),))
    pending: deque[tuple[int, Future[list[R]]]] = deque()
    try:
        while chunks or pending:
            while chunks and len(pending) < workers * ahead:
                start = chunks[0]
                pending.append((start, pool.submit(_chunk, fn, list(items[start:start + size]))))
                chunks.popleft()
            start, future = pending[0]
            if idle is not None and not future.done():
                idle()
            done = future.result()
            pending.popleft()
            yield from done
    except BrokenProcessPool:  # a worker died: what is left is done here
        pool.shutdown(wait=False, cancel_futures=True)
        for start in [s for s, _ in pending] + list(chunks):
            yield from _chunk(fn, list(items[start:start + size]))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
