"""Instructions counted by valgrind (callgrind) for append and replay, incidentlog vs raw
eventsourcing, in memory: a ratio that does not move with the machine's speed.

Run: python benchmarks/instructions.py [--incidents 300]   (needs valgrind: apt install valgrind)

Wall-clock ratios from run.py drift on a shared machine; instruction counts repeat to the
last digit for the same code and input. They leave out what waits rather than computes
(a commit's fsync, a round trip), so they complement run.py and never replace it. Each
figure is the count for ``--incidents`` incidents of six events minus the count of a run
that only starts, imports and builds the same events, per incident. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
import run
from incidentlog import IncidentLog
from eventsourcing.application import Application
mode, n = sys.argv[2], int(sys.argv[3])
work = run.workload(n)
ids = [w[0].incident_id for w in work]
log = IncidentLog(None, cache_size=0)
app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
aggs = []
if mode == "none":
    pass
elif mode.startswith("ours"):
    for ident, events in zip(ids, work):
        log.append(ident, *events)
else:
    for events in work:
        agg = run.raw_aggregate(events)
        app.save(agg)
        aggs.append(agg.id)
if mode == "ours-replay":
    for ident in ids:
        log.get(ident)
elif mode == "raw-replay":
    for ident in aggs:
        app.repository.get(ident)
"""


def count(mode: str, n: int) -> int:
    """Instructions callgrind counts for one child run."""
    # A fixed hash seed: string hashing is otherwise salted per process, which moves the
    # count by a few hundred instructions per incident from run to run.
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         "-c", _CHILD, str(HERE), mode, str(n)],
        capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt install valgrind)")
    n = args.incidents
    base = count("none", n)  # start-up, imports and building the events
    per = {mode: (count(mode, n) - base) / n
           for mode in ("ours-append", "raw-append", "ours-replay", "raw-replay")}
    print(f"instructions per incident of 6 events, {n} incidents, in memory (callgrind)\n")
    print(f"{'':<10} {'incidentlog':>12} {'raw':>12} {'ratio':>7}")
    append = (per["ours-append"], per["raw-append"])
    replay = (per["ours-replay"] - per["ours-append"], per["raw-replay"] - per["raw-append"])
    for name, (ours, raw) in (("append", append), ("replay", replay)):
        print(f"{name:<10} {ours:>12,.0f} {raw:>12,.0f} {raw / ours:>6.2f}x")
    print("\nreplay: a cold read of each incident (no cache), its count after the appends.")


if __name__ == "__main__":
    main()
