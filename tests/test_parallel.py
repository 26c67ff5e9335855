"""Parsing in worker processes: results in order, bounded, and a dead worker hangs nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from incidentlog import IncidentLog, integrity
from incidentlog.importer import import_paths
from incidentlog.parallel import ordered_map

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
    results = list(ordered_map(square, range(200), workers=2,
                               idle=lambda: idle.append(1)))
    assert [r for r, _ in results] == [n * n for n in range(200)]
    assert {pid for _, pid in results} - {os.getpid()}


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
from incidentlog.parallel import ordered_map

def slow(n):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the workers share the pipe
    time.sleep(60)
    return n

if __name__ == "__main__":
    list(ordered_map(slow, range(40), workers=2))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_writer_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "orphans.py"
    script.write_text(_ORPHANS)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        workers = {int(proc.stdout.readline()), int(proc.stdout.readline())}
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
