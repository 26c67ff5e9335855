"""What keeping the incident index in memory costs an encrypted store.

    .venv/bin/python benchmarks/encrypted_index.py [INCIDENTS]

A fresh IncidentLog (as each CLI command is) runs ``find(limit=20)``: a plaintext store
reads its index table; an encrypted one rebuilds the index in memory from the whole log.
Prints milliseconds (median of 5); asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventsourcing.cipher import AESCipher

from incidentlog import IncidentLog, readmodel
from incidentlog import events as ev

T = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def fill(log: IncidentLog, n: int) -> None:
    batch = []
    for i in range(n):
        ident = f"INC-20250101-{i:05d}"
        at = T + timedelta(hours=i)
        batch.append((ident, [
            ev.IncidentDeclared(incident_id=ident, title=f"Incident {i}", severity="P2",
                                occurred_at=at, actor="@oncall", services=("api",)),
            *[ev.TimelineEntryAdded(occurred_at=at + timedelta(minutes=m), actor="@sre",
                                    text=f"step {m}") for m in range(4)],
            ev.Resolved(occurred_at=at + timedelta(minutes=30), actor="@sre"),
        ]))
    for start in range(0, n, 500):
        log.append_many(batch[start:start + 500])


def measure(url: str, key: str | None) -> float:
    runs = []
    for _ in range(5):
        with IncidentLog(url, cipher_key=key) as log:
            start = time.perf_counter()
            readmodel.find(log, limit=20)
            runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        key = AESCipher.create_key(num_bytes=32)
        for name, k in (("plaintext", None), ("encrypted", key)):
            url = f"sqlite:///{Path(folder) / name}.db"
            with IncidentLog(url, cipher_key=k) as log:
                fill(log, n)
                readmodel.find(log)  # the plaintext index is built once, as `list` would
            print(f"{name:>9}: find(limit=20) in a fresh process, {n} incidents: "
                  f"{measure(url, k):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
