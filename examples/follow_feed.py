"""A tiny tool that embeds incidentlog: follow the feed, one line per new event.

Run: python examples/follow_feed.py sqlite:///incidents.db [--watch]
It only reads the database it follows. It remembers where it stopped (in FILE.position
next to an SQLite database, else .feed-position), so each run prints only what was
recorded since; --watch keeps polling every second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from incidentlog import Incident, IncidentLog, audit, evolve


def position_file(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///") + ".position")
    return Path(".feed-position")


def main(url: str = "sqlite:///incidents.db", *flags: str) -> None:
    with IncidentLog(url) as log:
        saved = position_file(url)
        after = int(saved.read_text()) if saved.exists() else 0
        # Each incident as it stood before the event being described, so "escalated P2 ->
        # P1" can be told from "set": the state before the first new event is read once.
        state: dict[str, Incident | None] = {}
        while True:
            for item in audit.feed(log, after=after):
                ident = item.incident_id
                if ident not in state:
                    state[ident] = (log.get(ident, version=item.version - 1)
                                    if item.version > 1 else None)
                before = state[ident]
                print(f"[{item.position}] {ident} v{item.version} {item.event.actor}: "
                      f"{audit.describe(item.event, before)}")
                state[ident] = evolve(before, item.event, item.version)
                after = item.position
                saved.write_text(str(after))
            if "--watch" not in flags:
                break
            time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
