"""A tiny tool that embeds incidentlog: follow the feed, one line per new event.

Run: python examples/follow_feed.py sqlite:///incidents.db [--watch]
It remembers where it stopped (in FILE.position next to the database, or .feed-position),
so each run prints only what was recorded since; --watch keeps polling every second.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from incidentlog import IncidentLog, audit
from incidentlog import events as ev


def position_file(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///") + ".position")
    return Path(".feed-position")


def main(url: str = "sqlite:///incidents.db", *flags: str) -> None:
    with IncidentLog(url) as log:
        if not list(log.ids()):  # something to follow on a first run
            at = datetime(2025, 10, 23, 14, 25, tzinfo=UTC)
            log.declare(ev.IncidentDeclared(incident_id="INC-20251023-0001", title="Demo",
                                            severity="P2", occurred_at=at, actor="@demo"))
            log.append("INC-20251023-0001", ev.Resolved(occurred_at=at, actor="@demo"))
        saved = position_file(url)
        after = int(saved.read_text()) if saved.exists() else 0
        while True:
            state: dict[str, object] = {}
            for item in log.feed(after=after):
                before = state.get(item.incident_id)
                summary = audit.describe(item.event, before)  # type: ignore[arg-type]
                print(f"[{item.position}] {item.incident_id} v{item.version} "
                      f"{item.event.actor}: {summary}")
                after = item.position
                saved.write_text(str(after))
            if "--watch" not in flags:
                break
            time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
