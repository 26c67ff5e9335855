"""Decode and fold: the read path's own cost, without a database.

Run: python benchmarks/fold.py [--events 20000] [--repeats 7]

Decodes ``--events`` stored rows (every event type in turn, as tests/fixtures/
stored-rows.jsonl holds them, most of them timeline entries and action items as real streams
are) through the store's mapper, and folds them into incidents of 100 events. Prints the
median of ``--repeats`` runs in CPU microseconds per event (process time, so other load on
a shared machine counts less than in wall time). Nothing is asserted; compare two
versions by running this file from each, back to back, on the same machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from incidentlog import events as ev
from incidentlog.codec import IncidentMapper, Recorded
from incidentlog.incident import fold

ROWS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "stored-rows.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = [json.loads(line) for line in ROWS.read_text().splitlines()]
    body = [r for r in rows[1:] if r["topic"] in ("timeline_entry", "action_item_added",
                                                  "action_item_updated", "lesson")] * 3
    body += [r for r in rows[1:] if r["topic"] not in ("closed", "reopened", "corrected")]
    stream = [rows[0], *(body * (99 // len(body) + 1))[:99]]
    batch = [(r["topic"], r["state"].encode()) for r in stream] * max(1, args.events // 100)
    mapper = IncidentMapper()
    decode_times, fold_times = [], []
    for _ in range(args.repeats):
        start = time.process_time()
        events: list[ev.Event] = []
        for n, (topic, state) in enumerate(batch):
            rec = mapper.decode("X", n % 100 + 1, topic, state)
            assert isinstance(rec, Recorded)
            events.append(rec.event)
        decode_times.append(time.process_time() - start)
        start = time.process_time()
        for i in range(0, len(events), 100):
            fold(events[i:i + 100])
        fold_times.append(time.process_time() - start)
    per = 1e6 / len(batch)
    decode, folded = statistics.median(decode_times), statistics.median(fold_times)
    print(f"decode {len(batch)} stored rows  {decode * per:6.2f} us/event")
    print(f"fold into {len(batch) // 100} incidents  {folded * per:6.2f} us/event")


if __name__ == "__main__":
    main()
