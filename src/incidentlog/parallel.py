"""Parsing many files on every core, the results coming back in order.

:func:`ordered_map` shares the items out between this process and forked worker processes
(dealt out in turn, this process taking a smaller share when it has other work): a worker
sends each result back through its own pipe as soon as it is made, and this process does
its own share in turn while it reads the pipes in the order of the items, so one writer
stores results in order while the workers parse ahead. On two cores that is one worker and
the writer, not two workers and a writer waiting for them: no core is left to a process
that mostly waits, and one fork fewer is paid. When the item the writer needs next is a
worker's and that worker has not started it (another process took its core), the writer
does it itself, and while a worker is busy with it the writer does one of the next items
no one has started (at most :data:`AHEAD` past it). The other way round, a worker done with
its own share goes on with the writer's items that the writer has not started, in order,
so neither waits for the other at the end whatever each was given of the machine. One byte
per item in shared memory says who started it, and each skips what another took (if two
start one at once, the second result is dropped). A pipe holds only so much (1 MiB where
the system allows it), so a worker that runs ahead of the writer waits: memory stays
bounded however many files there are (results read ahead of their turn are at most what a
pipe held, or :data:`AHEAD`). A worker that dies (killed for memory, say) does not hang
the run: what it had not sent back is done in this process. Workers end when this process
does, even by SIGKILL.

Plain ``fork`` and pipes, rather than a pool: a worker starts parsing within milliseconds,
which matters for a one-shot import of a few dozen files.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import mmap
import os
import pickle
import select
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 8
"""Fewer items than this are done in this process: starting workers would cost more."""
MAX_WORKERS = 64
"""However many are asked for (``--jobs 100000``), no more processes than this."""
PR_SET_PDEATHSIG = 1
PIPE_SIZE = 1 << 20
"""Bytes a worker may send ahead of the writer (asked of the kernel; its default is 64 KiB,
a few parsed files, too few to keep a worker busy while the writer parses its own)."""
AHEAD = 16
"""How far past the item it waits for the writer takes a worker's items while that worker
is slow (what it parses so is held until its turn: bounded)."""
WRITER = 255
"""What this process writes in an item's byte when it takes the item; a worker writes its
own number (1, 2, ...)."""
STALLED = 300.0
"""Seconds a worker may go without sending the result this process waits for before it is
killed and its items are done here (a file takes seconds at most, within the limits)."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Workers are forked on Linux; elsewhere everything is done in this process."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def workers_for(items: int, asked: int | None = None) -> int:
    """How many processes :func:`ordered_map` shares ``items`` items between, this one
    included (0: none is forked, everything is done in this process)."""
    workers = min(cores() if asked is None else asked, items, MAX_WORKERS)
    return workers if workers > 1 and items >= MIN_ITEMS and can_fork() else 0


def shares(items: int, workers: int, own: float = 1.0) -> list[int]:
    """Which process does each item: 0 is this one, doing ``own`` of a worker's share (it
    has other work too), the items dealt out in turn in that proportion."""
    weights = [max(own, 0.05)] + [1.0] * (workers - 1)
    done = [0] * workers
    owners = []
    for _ in range(items):
        k = min(range(workers), key=lambda k: (done[k] / weights[k], k))
        done[k] += 1
        owners.append(k)
    return owners


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int | None = None,
                idle: Callable[[], None] | None = None, own: float = 1.0) -> Iterator[R]:
    """``fn`` over ``items``, in ``workers`` processes (default: every core; this one
    included: ``workers - 1`` are forked), in order.

    With one worker, few items, or no ``fork``, it runs here. ``idle`` is called whenever
    the next result from a worker is not ready yet: the caller's own work (writing what it
    has) then overlaps the workers' instead of waiting for them. An exception ``fn`` raises
    in a worker is raised here, by doing that item again here. ``own``: the share of the
    items this process does, against a worker's 1 (less when it has other work).
    """
    workers = workers_for(len(items), workers)
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    owners = shares(len(items), workers, own)
    pids: list[int] = [os.getpid()]
    pipes: list[int | None] = [None]  # process 0 is this one: its share is done here
    # One byte per item, shared with the workers: set by whoever parses it first. A worker
    # that falls behind (another process took its core) skips what this one took from it.
    claims = mmap.mmap(-1, len(items))
    taken: dict[int, tuple[bool, Any]] = {}
    spare = [i for i, o in enumerate(owners) if o == 0]
    # Objects the workers inherit stay out of their garbage collections: a collection
    # writes to every object it scans, and each page written is copied into the worker.
    # Here they are unfrozen once the workers are forked, unless the caller froze them.
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        for k in range(1, workers):
            read, write = os.pipe()
            with contextlib.suppress(OSError, AttributeError):  # Linux; else the default
                fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(read)
                _work(fn, items, [i for i, o in enumerate(owners) if o == k], spare, k,
                      claims, write, os.getppid())
            os.close(write)
            pids.append(pid)
            pipes.append(read)
        if not outer:
            gc.unfreeze()
        for i, (item, k) in enumerate(zip(items, owners, strict=True)):
            if i in taken:
                ok, value = taken.pop(i)
                yield value if ok else fn(item)  # a failure there raises here, at its turn
                continue
            if k == 0 and not claims[i]:  # this process's share, which no worker took
                claims[i] = WRITER
                yield fn(item)
                continue
            waited = False
            while True:
                claim = claims[i]
                who = claim if claim and claim != WRITER else k  # who is doing it
                pipe = pipes[who] if who else None
                if pipe is None or claim == WRITER:  # its worker died (what it had not sent
                    yield fn(item)                   # is done here), or this one took it
                    break
                if not select.select([pipe], [], [], 0)[0]:
                    if not claims[i]:  # the worker has not come to it yet: done here
                        claims[i] = WRITER
                        yield fn(item)
                        break
                    if idle is not None and not waited:
                        idle()
                        waited = True
                        continue
                    if _take_ahead(fn, items, claims, taken, i):
                        continue
                    if not select.select([pipe], [], [], STALLED)[0]:
                        os.kill(pids[who], signal.SIGKILL)  # stuck: treated as dead
                sent = _receive(pipe)
                if sent is None:
                    pipes[who] = None
                    continue
                if sent[0] == i:
                    # A failure there is done again here: raises what it raised there.
                    yield sent[2] if sent[1] else fn(item)
                    break
                if sent[0] > i and sent[0] not in taken:  # sent before the one awaited
                    taken[sent[0]] = (sent[1], sent[2])
                # else: done here too (both started it at once): dropped
    finally:
        if not outer:
            gc.unfreeze()  # a no-op when done above
        for pid in pids[1:]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # finished ones are gone already
        for pipe in pipes:
            if pipe is not None:
                os.close(pipe)
        for pid in pids[1:]:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Within the block, what this process held before it is left out of garbage
    collections (:func:`gc.freeze`): a full collection then scans only what the block
    made, not every module, function and cached pattern loaded so far (a few milliseconds
    each, several times over a corpus). A no-op when objects are frozen already (the
    caller's own: not unfrozen here)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _take_ahead(fn: Callable[[T], R], items: Sequence[T], claims: mmap.mmap,
                taken: dict[int, tuple[bool, Any]], at: int) -> bool:
    """While the worker this process waits for is busy, do here the furthest item (within
    :data:`AHEAD` of ``at``) that no one has started; False when there is none."""
    for j in range(min(len(items), at + 1 + AHEAD) - 1, at, -1):
        if not claims[j] and j not in taken:
            claims[j] = WRITER
            with contextlib.suppress(Exception):  # done again at its turn, and raised then
                taken[j] = (True, fn(items[j]))
            return True
    return False


_HEADER = 8


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts = []
    while size:
        try:
            part = os.read(fd, min(size, 1 << 20))
        except OSError:
            return None
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _receive(fd: int) -> tuple[int, bool, Any] | None:
    """The next message from a worker, or ``None`` if it died before sending it whole."""
    header = _read_exactly(fd, _HEADER)
    if header is None:
        return None
    body = _read_exactly(fd, int.from_bytes(header, "big"))
    if body is None:
        return None
    try:
        sent: tuple[int, bool, Any] = pickle.loads(body)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return sent


def _send(fd: int, sent: tuple[int, bool, Any]) -> None:
    body = pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(len(body).to_bytes(_HEADER, "big") + body)
    while data:
        data = data[os.write(fd, data):]


def _work(fn: Callable[[T], R], items: Sequence[T], mine: list[int], spare: list[int],
          me: int, claims: mmap.mmap, write: int, parent: int) -> None:
    """A worker's life: its share of the items (but those the writer took), each result
    sent with its index as it is made; then, in order, those of the writer's share
    (``spare``) that no one has started yet, so that neither process waits for the other
    at the end."""
    code = 0
    try:
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before we asked
            os._exit(1)
        for i in (*mine, *spare):
            if claims[i]:  # the writer (or another worker) took it
                continue
            claims[i] = me
            try:
                sent: tuple[int, bool, Any] = (i, True, fn(items[i]))
            except Exception:
                sent = (i, False, None)
            _send(write, sent)
    except BaseException:  # the writer went away (a broken pipe), or anything at all
        code = 1
    finally:
        os._exit(code)  # no cleanup of the parent's state (its database connection!)
