"""Benchmarks of issue 16: follow-ups from the index, export and load, one write command.

Run: python benchmarks/followups.py [--incidents 2000] [--repeats 5] [--quick]

On an SQLite file of ``--incidents`` incidents, each with three action items:

- ``actions --overdue`` from the index (``IncidentLog.actions``, caught up) against folding
  every incident (``IncidentLog.list``) and filtering, the way one would without the index;
- ``export`` of every event and ``load`` of it into an empty SQLite file;
- one ``incidentlog note`` in a new process (what a chat bot calling the CLI pays).

Each figure is the median of ``--repeats`` runs. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from incidentlog import IncidentLog, readmodel
from incidentlog import events as ev
from incidentlog.restore import export, load

T = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
TODAY = date(2025, 6, 1)


def fill(log: IncidentLog, n: int) -> None:
    batch = []
    for i in range(n):
        ident = f"INC-{i:05d}"
        at = T + timedelta(hours=i)
        batch.append((ident, [
            ev.IncidentDeclared(incident_id=ident, title=f"Incident {i}", severity="P2",
                                occurred_at=at, actor="@bench"),
            ev.Resolved(occurred_at=at + timedelta(minutes=30), actor="@bench"),
            *(ev.ActionItemAdded(occurred_at=at + timedelta(hours=1), actor="@bench",
                                 item_id=f"AI-{k}", title=f"follow-up {k}", owner=f"@o{i % 7}",
                                 due=TODAY + timedelta(days=(i % 60) - 30 + k))
              for k in range(3)),
        ]))
        if len(batch) == 500:
            log.append_many(batch)
            batch = []
    if batch:
        log.append_many(batch)


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 incidents, 2 repeats")
    args = parser.parse_args()
    n, repeats = (200, 2) if args.quick else (args.incidents, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with IncidentLog(url) as log:
            fill(log, n)
            readmodel.actions(log)  # the index catches up once, as it would on the first query

            def by_replay() -> list[object]:
                return [(i.id, a.id) for i in log.list() for a in i.action_items
                        if a.status != "done" and a.due is not None and a.due < TODAY]

            overdue = readmodel.actions(log, overdue=True, today=TODAY)
            assert len(overdue) == len(by_replay())
            indexed = median_seconds(
                lambda: readmodel.actions(log, overdue=True, today=TODAY), repeats)
            replayed = median_seconds(by_replay, repeats)
            print(f"{n} incidents, {3 * n} action items, {len(overdue)} overdue (sqlite)")
            print(f"actions --overdue from the index: {indexed * 1000:9.1f} ms")
            print(f"the same by folding every incident: {replayed * 1000:7.1f} ms "
                  f"({replayed / indexed:.0f}x the index)")
            lines: list[str] = []
            exported = median_seconds(lambda: lines.__setitem__(slice(None),
                                                                list(export(log))), repeats)
        events = len(lines)
        print(f"export {events} events: {exported * 1000:.0f} ms "
              f"({events / exported:,.0f} events/s)")

        def restore() -> None:
            target = Path(tmp) / "restored.db"
            target.unlink(missing_ok=True)
            with IncidentLog(f"sqlite:///{target}") as restored:
                load(restored, lines)

        loaded = median_seconds(restore, repeats)
        print(f"load {events} events into an empty file: {loaded * 1000:.0f} ms "
              f"({events / loaded:,.0f} events/s)")
        env = {**os.environ, "INCIDENTLOG_DB": url, "INCIDENTLOG_ACTOR": "@bench"}
        cli = str(Path(sys.executable).parent / "incidentlog")
        note = median_seconds(lambda: subprocess.run(
            [cli, "note", "INC-00000", "a note"], env=env, check=True,
            capture_output=True), repeats)
        print(f"one 'incidentlog note' in a new process: {note * 1000:.0f} ms")


if __name__ == "__main__":
    main()
