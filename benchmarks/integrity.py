"""How long verify and a checkpoint take on a store of many incidents.

    .venv/bin/python benchmarks/integrity.py [INCIDENTS]

SQLite, incidents of six events, the index built. Prints seconds (median of 3); asserts
nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from encrypted_index import fill

from incidentlog import IncidentLog, checkpoint, integrity, readmodel


def timed(fn: Callable[[], Any]) -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'i.db'}"
        with IncidentLog(url) as log:
            fill(log, n)
            readmodel.find(log)
            made, _ = checkpoint.make(log)
            rows = made.size
            print(f"{n} incidents, {rows} rows")
            print(f"  verify:                  {timed(lambda: integrity.verify(log)):.2f} s")
            print(f"  checkpoint:              {timed(lambda: checkpoint.make(log)):.2f} s")
            print(f"  verify --checkpoint:     "
                  f"{timed(lambda: checkpoint.verify(log, made)):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
