"""Concurrent writers and crashes: nothing accepted is lost, nothing refused is stored."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import workers
from incidentlog import IncidentLog, integrity
from incidentlog import events as ev
from incidentlog.importer import import_paths
from incidentlog.incident import fold
from incidentlog.parse import import_markdown

ID = "INC-20250701-0001"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "reports" / \
    "2025-06-02-payments-timeouts.md"


def declare(log: IncidentLog, ident: str = ID) -> None:
    log.declare(ev.IncidentDeclared(incident_id=ident, title="Hot incident", severity="P1",
                                    occurred_at=workers.T, actor="@ic"))


def check_consistent(log: IncidentLog, ident: str, accepted: int) -> None:
    events = log.events(ident)
    texts = [e.text for e in events[1:]]  # type: ignore[attr-defined]
    assert len(events) == 1 + accepted, "every accepted append stored, nothing else"
    assert len(set(texts)) == len(texts), "nothing stored twice"
    assert log.get(ident) == fold(events)
    assert integrity.verify(log, ident).ok, "the hash chain holds after the race"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hot.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.parametrize("worker", [workers.race, workers.retrying])
def test_threads_on_one_incident(url: str, worker: Callable[..., tuple[int, int]],
                                 record_property: Callable[[str, object], None]) -> None:
    with IncidentLog(url) as log:
        declare(log)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda w: worker(url, ID, w, 20, log), range(8)))
        accepted = sum(a for a, _ in results)
        refused = sum(r for _, r in results)
        record_property("accepted", accepted)
        record_property("refused", refused)
        print(f"{worker.__name__} threads: {accepted} accepted, {refused} refused")
        assert accepted + refused == 160
        if worker is workers.retrying:
            assert accepted == 160
        check_consistent(log, ID, accepted)


def test_threads_on_different_incidents(url: str) -> None:
    with IncidentLog(url) as log:
        for n in range(8):
            declare(log, f"{ID}-{n}")

        def work(n: int) -> tuple[int, int]:
            return workers.race(url, f"{ID}-{n}", n, 15, log)

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, range(8)))
        assert all(r == (15, 0) for r in results)
        for n in range(8):
            check_consistent(log, f"{ID}-{n}", 15)


@pytest.mark.parametrize("worker", [workers.race, workers.retrying])
def test_processes_on_one_incident(url: str, worker: Callable[..., tuple[int, int]],
                                   record_property: Callable[[str, object], None]) -> None:
    with IncidentLog(url) as log:
        declare(log)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(worker, [(url, ID, w, 15) for w in range(4)])
    accepted = sum(a for a, _ in results)
    refused = sum(r for _, r in results)
    record_property("accepted", accepted)
    record_property("refused", refused)
    print(f"{worker.__name__} processes: {accepted} accepted, {refused} refused")
    assert accepted + refused == 60
    if worker is workers.retrying:
        assert accepted == 60
    with IncidentLog(url) as log:
        check_consistent(log, ID, accepted)


def _run_until(args: list[str], lines: int) -> None:
    """Start a worker process and SIGKILL it once it has printed ``lines`` lines."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(Path(workers.__file__)), *args],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for seen, _ in enumerate(proc.stdout, 1):
        if seen >= lines:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the worker must have been killed midway"


def test_sigkill_during_bulk_import(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    template = EXAMPLE.read_text()
    for n in range(1, 151):
        (folder / f"r{n:03d}.md").write_text(template.replace("INC-20250602-0001",
                                                              f"INC-20250602-{n:04d}"))
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    _run_until(["import", url, str(folder)], 130)  # past the first batch of 100
    with IncidentLog(url) as log:
        assert integrity.verify(log).ok
        stored = list(log.ids())
        assert 0 < len(stored) < 150, "killed midway"
        full = len(import_markdown(template).events)
        for ident in stored:
            assert len(log.events(ident)) == full, f"{ident} is half-written"
        summary = import_paths(log, [folder])
        assert summary.count("failed") == 0
        assert summary.count("skipped") == len(stored)
        assert summary.count("imported") == 150 - len(stored)
        assert len(list(log.ids())) == 150 and integrity.verify(log).ok


def test_sigkill_during_batches_of_appends(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'batches.db'}"
    _run_until(["batches", url], 30)
    with IncidentLog(url) as log:
        assert integrity.verify(log).ok
        ids = list(log.ids())
        assert len(ids) % 10 == 0 and len(ids) >= 300, "batches land whole or not at all"
        assert all(len(log.events(i)) == 6 for i in ids)


def test_a_thread_killed_midway_leaves_no_trace() -> None:
    """An exception inside a batch (here: an invalid event) stores none of it."""
    log = IncidentLog()
    declare(log)
    bad = ev.TimelineEntryAdded(occurred_at=workers.T, actor="@a", text=7)  # type: ignore[arg-type]
    errors: list[Exception] = []

    def run() -> None:
        try:
            log.append(ID, workers.entry(0, 1), bad)
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors and len(log.events(ID)) == 1


def test_a_log_keeps_no_lock_for_incidents_nobody_is_writing() -> None:
    import gc
    from datetime import UTC, datetime

    T = datetime(2025, 7, 1, tzinfo=UTC)
    log = IncidentLog()
    for i in range(200):
        log.declare(ev.IncidentDeclared(incident_id=f"L-{i}", title="t", severity="P3",
                                        occurred_at=T, actor="@a"))
        log.update(f"L-{i}", lambda s: [ev.TimelineEntryAdded(occurred_at=T, actor="@a",
                                                               text="x")])
    gc.collect()
    assert len(log._locks) == 0
