"""Parsing in worker processes: results in order, bounded, and a dead worker hangs nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incidentlog import IncidentLog, integrity
from incidentlog import events as ev
from incidentlog.errors import IncidentExistsError, InvalidEventError
from incidentlog.importer import import_paths
from incidentlog.parallel import ordered_map, shares

MAIN = os.getpid()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "reports" / \
    "2025-06-02-payments-timeouts.md"


def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def die_in_a_worker(n: int) -> int:
    if n == 13 and os.getpid() != MAIN:
        os._exit(9)  # as the kernel's OOM killer would
    return n


def test_results_come_back_in_order_from_other_processes() -> None:
    idle: list[int] = []
    results = list(ordered_map(slow_square, range(200), workers=2,
                               idle=lambda: idle.append(1)))
    assert [r for r, _ in results] == [n * n for n in range(200)]
    assert {pid for _, pid in results} - {os.getpid()}


def test_this_process_does_its_share_and_forks_one_worker_fewer() -> None:
    results = list(ordered_map(slow_square, range(30), workers=3))
    pids = [pid for _, pid in results]
    assert [r for r, _ in results] == [n * n for n in range(30)]
    # Two workers forked; its share is its own but what a worker done with its own took.
    assert len(set(pids) - {os.getpid()}) in (1, 2)


def test_this_process_may_take_a_smaller_share() -> None:
    owners = shares(100, 2, own=0.8)
    assert owners[0] == 0 and owners.count(0) == 45  # 0.8 : 1
    assert shares(9, 3) == [0, 1, 2] * 3
    results = list(ordered_map(square, range(100), workers=2, own=0.8))
    assert [r for r, _ in results] == [n * n for n in range(100)]


def slow_here(n: int) -> tuple[int, int]:
    if os.getpid() == MAIN:
        time.sleep(0.02)  # this process's core is taken by other work
    return n * n, os.getpid()


def test_a_worker_done_with_its_own_share_takes_this_ones_unstarted_items() -> None:
    owners = shares(40, 2)
    results = list(ordered_map(slow_here, range(40), workers=2))
    assert [r for r, _ in results] == [n * n for n in range(40)]
    mine = [pid for (_, pid), o in zip(results, owners, strict=True) if o == 0]
    assert mine.count(os.getpid()) < 15  # of its 20: the worker took the rest


def slow_in_a_worker(n: int) -> tuple[int, int]:
    if os.getpid() != MAIN:
        time.sleep(0.05)  # a worker whose core another process took
    return n * n, os.getpid()


def slow_square(n: int) -> tuple[int, int]:
    time.sleep(0.002)
    return n * n, os.getpid()


def test_this_process_takes_over_from_a_slow_worker() -> None:
    done: list[int] = []

    def counted(n: int) -> tuple[int, int]:
        done.append(n)  # in this process only (a worker's list is its own copy)
        return slow_in_a_worker(n)

    start = time.monotonic()
    results = list(ordered_map(counted, range(40), workers=2))
    assert [r for r, _ in results] == [n * n for n in range(40)]
    assert len(done) == len(set(done))  # nothing done twice here
    assert len(done) > 30  # the worker, 50 ms an item, did few of its 20
    assert time.monotonic() - start < 0.05 * 20


def test_a_dead_worker_does_not_hang_the_run() -> None:
    assert list(ordered_map(die_in_a_worker, range(40), workers=2)) == list(range(40))


def test_a_parallel_import_stores_in_the_order_walked(tmp_path: Path) -> None:
    template = EXAMPLE.read_text()
    for n in range(30):
        (tmp_path / f"r{n:02d}.md").write_text(template.replace("INC-20250602-0001",
                                                                f"INC-20250602-{n:04d}"))
    with IncidentLog(f"sqlite:///{tmp_path / 'p.db'}") as log:
        summary = import_paths(log, [tmp_path], workers=2, batch=7)
        assert [o.path for o in summary.outcomes] == sorted(str(p) for p in tmp_path.glob("*.md"))
        assert summary.count("imported") == 30
        assert list(log.ids()) == [f"INC-20250602-{n:04d}" for n in range(30)]
        assert import_paths(log, [tmp_path], workers=2).count("skipped") == 30


_ORPHANS = """
import os, sys, time
from incidentlog.parallel import ordered_map, shares

def slow(n):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the workers share the pipe
    time.sleep(60)
    return n

if __name__ == "__main__":
    list(ordered_map(slow, range(40), workers=3))  # this process and two workers
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_writer_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphans.py"
    script.write_text(_ORPHANS)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        workers = {int(proc.stdout.readline()) for _ in range(3)} - {proc.pid}
        assert len(workers) == 2
    finally:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and
                                               "Z" not in _state(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and
                "Z" not in _state(pid)], "a worker outlived the killed writer"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    except OSError:
        return "Z"


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def test_an_error_in_a_worker_is_raised_here() -> None:
    results = ordered_map(fail_on_seven, range(20), workers=2)
    assert [next(results) for _ in range(7)] == list(range(7))
    with pytest.raises(ValueError, match="seven"):
        next(results)


def test_stopping_early_leaves_no_worker() -> None:
    results = ordered_map(square, range(100), workers=2)
    pids = {next(results)[1] for _ in range(4)}
    results.close()
    assert not [p for p in pids if p != os.getpid() and Path(f"/proc/{p}").exists()]


@pytest.mark.postgres
def test_a_parallel_import_into_postgresql(pg_url: str, tmp_path: Path) -> None:
    template = EXAMPLE.read_text()
    for n in range(20):
        (tmp_path / f"r{n:02d}.md").write_text(template.replace("INC-20250602-0001",
                                                                f"INC-20250602-{n:04d}"))
    with IncidentLog(pg_url) as log:
        log.exists("INC-20250602-0000")  # the connection is open before the workers fork
        summary = import_paths(log, [tmp_path], workers=2, batch=5)
        assert summary.count("imported") == 20 and integrity.verify(log).ok
        assert import_paths(log, [tmp_path], workers=2).count("skipped") == 20


def _events(ident: str, entries: int) -> list[ev.Event]:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    return [ev.IncidentDeclared(incident_id=ident, title="t", severity="P2", occurred_at=t,
                                actor="@a"),
            *(ev.TimelineEntryAdded(occurred_at=t, actor="@a", text=f"e{k}")
              for k in range(entries))]


def _rows(log: IncidentLog, ident: str) -> list[tuple[Any, ...]]:
    stream = log.store.stream_id(ident)
    found = [(r.originator_version, r.topic, r.state) for r in log.store.stream(stream)]
    return found + [(r.originator_version, r.topic, r.state)
                    for r in log.store.snapshot_rows() if r.originator_id == stream]


def test_prepared_rows_are_the_rows_an_append_stores(tmp_path: Path) -> None:
    clock = lambda: datetime(2026, 1, 1, tzinfo=UTC)  # noqa: E731
    with IncidentLog(f"sqlite:///{tmp_path / 'a.db'}", clock=clock) as appended, \
            IncidentLog(f"sqlite:///{tmp_path / 'b.db'}", clock=clock) as inserted:
        for ident, entries in (("A-1", 3), ("A-2", 150)):  # 151 events: a snapshot too
            appended.append(ident, *_events(ident, entries), validate=False)
        inserted.insert_prepared([inserted.prepare_new(i, _events(i, n))
                                  for i, n in (("A-1", 3), ("A-2", 150))])
        for ident in ("A-1", "A-2"):
            assert _rows(inserted, ident) == _rows(appended, ident)
        assert len(_rows(inserted, "A-2")) == 152 and integrity.verify(inserted).ok


def test_prepared_rows_refuse_what_an_append_refuses(tmp_path: Path) -> None:
    with IncidentLog(f"sqlite:///{tmp_path / 'a.db'}") as log:
        with pytest.raises(InvalidEventError):
            log.prepare_new("bad id!", _events("bad id!", 1))
        with pytest.raises(IncidentExistsError):
            log.prepare_new("A-1", [*_events("A-1", 1), *_events("A-1", 0)])
        log.append("A-1", *_events("A-1", 1))
        batch = [log.prepare_new(i, _events(i, 1)) for i in ("A-0", "A-1")]
        with pytest.raises(IncidentExistsError):
            log.insert_prepared(batch)  # all or nothing
        assert list(log.ids()) == ["A-1"]


def test_an_encrypted_store_imports_in_parallel(tmp_path: Path) -> None:
    from eventsourcing.cipher import AESCipher

    template = EXAMPLE.read_text()
    for n in range(12):
        (tmp_path / f"r{n:02d}.md").write_text(template.replace("INC-20250602-0001",
                                                                f"INC-20250602-{n:04d}"))
    key = AESCipher.create_key(num_bytes=32)
    with IncidentLog(f"sqlite:///{tmp_path / 'p.db'}", cipher_key=key) as log:
        assert import_paths(log, [tmp_path], workers=2).count("imported") == 12
        assert integrity.verify(log).ok and len(list(log.ids())) == 12
    assert b"INC-20250602" not in (tmp_path / "p.db").read_bytes()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_file_is_read_whole_whatever_size_it_reports(tmp_path: Path) -> None:
    from incidentlog.errors import InputError
    from incidentlog.files import read_bounded

    assert b"VmRSS" in read_bounded("/proc/self/status", 1_000_000)  # its size reads 0
    (tmp_path / "r.md").write_bytes(b"x" * 100)
    assert read_bounded(tmp_path / "r.md", 100) == b"x" * 100
    with pytest.raises(InputError, match="over the limit of 99"):
        read_bounded(tmp_path / "r.md", 99)
    with pytest.raises(InputError, match="over the limit of 9"):
        read_bounded("/proc/self/status", 9)


def fail_on_seven_slowly_there(n: int) -> int:
    if os.getpid() != MAIN:
        time.sleep(0.05)
    if n == 7:
        raise ValueError("seven")
    return n


def test_an_error_in_an_item_taken_ahead_is_raised_at_its_turn() -> None:
    results = ordered_map(fail_on_seven_slowly_there, range(20), workers=2)
    assert [next(results) for _ in range(7)] == list(range(7))
    with pytest.raises(ValueError, match="seven"):
        next(results)


def test_the_heap_is_frozen_within_the_block_and_the_callers_freeze_kept() -> None:
    import gc

    from incidentlog.parallel import frozen_heap

    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert [r for r, _ in ordered_map(square, range(20), workers=2)] == \
            [n * n for n in range(20)]
        assert gc.get_freeze_count() > 0  # the map's own freeze around the fork leaves it
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own (a server that forks, say)
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            pass
        list(ordered_map(square, range(20), workers=2))
        assert gc.get_freeze_count() >= frozen  # not unfrozen by either
    finally:
        gc.unfreeze()
