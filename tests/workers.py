"""Code the concurrency and crash tests run in other processes."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from incidentlog import ConflictError, IncidentLog, readmodel
from incidentlog import events as ev

T = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def entry(worker: int, n: int) -> ev.TimelineEntryAdded:
    return ev.TimelineEntryAdded(occurred_at=T + timedelta(seconds=n), actor=f"w{worker}",
                                 text=f"w{worker}-{n}")


def race(url: str | None, incident_id: str, worker: int, attempts: int, log: IncidentLog | None
         = None) -> tuple[int, int]:
    """Append with optimistic concurrency, no retry: (accepted, refused with ConflictError)."""
    own = log is None
    log = log or IncidentLog(url)
    accepted = refused = 0
    for n in range(attempts):
        version = log.get(incident_id).version
        try:
            log.append(incident_id, entry(worker, n), expected_version=version)
            accepted += 1
        except ConflictError:
            refused += 1
    if own:
        log.close()
    return accepted, refused


def retrying(url: str | None, incident_id: str, worker: int, attempts: int,
             log: IncidentLog | None = None) -> tuple[int, int]:
    """Append through update(), which re-reads and retries: (accepted, 0)."""
    own = log is None
    log = log or IncidentLog(url)
    for n in range(attempts):
        log.update(incident_id, lambda state, n=n: [entry(worker, n)], retries=200)
    if own:
        log.close()
    return attempts, 0


def import_forever(url: str, folder: str) -> None:
    """Import a folder, printing each file as it starts: the crash test kills us midway."""
    from incidentlog.importer import import_paths

    with IncidentLog(url) as log:
        import_paths(log, [folder], progress=lambda n, path: print(n, flush=True))


def batches_forever(url: str) -> None:
    """Append batches of ten new incidents, six events each, one transaction per batch."""
    with IncidentLog(url) as log:
        n = 0
        while True:
            batch = []
            for _ in range(10):
                n += 1
                ident = f"B-{n:05d}"
                declared = ev.IncidentDeclared(incident_id=ident, title="batch", severity="P3",
                                               occurred_at=T, actor="w")
                batch.append((ident, [declared, *(entry(0, k) for k in range(5))]))
            log.append_many(batch)
            print(n, flush=True)


if __name__ == "__main__":
    {"import": import_forever, "batches": batches_forever}[sys.argv[1]](*sys.argv[2:])


def first_open(url: str, worker: int, start_at: float) -> str:
    """Open a fresh database at the same moment as the others, declare an incident and
    build the index: what opening for the first time must survive. Returns "ok" or the
    error's type and message."""
    import time

    time.sleep(max(0.0, start_at - time.time()))
    try:
        with IncidentLog(url) as log:
            log.declare(ev.IncidentDeclared(incident_id=f"INC-{worker:04d}", title="t",
                                            severity="P3", occurred_at=T, actor="@a"))
            readmodel.find(log)
    except Exception as exc:  # reported to the test, which names it
        return f"{type(exc).__name__}: {exc}"
    return "ok"
