"""Parsing in worker processes: results in order, bounded, and a dead worker hangs nothing."""

from __future__ import annotations

import os
from pathlib import Path

from incidentlog import IncidentLog
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
    results = list(ordered_map(square, range(200), workers=2, chunk=3,
                               idle=lambda: idle.append(1)))
    assert [r for r, _ in results] == [n * n for n in range(200)]
    assert {pid for _, pid in results} - {os.getpid()}


def test_a_dead_worker_does_not_hang_the_run() -> None:
    assert list(ordered_map(die_in_a_worker, range(40), workers=2, chunk=2)) == list(range(40))


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
