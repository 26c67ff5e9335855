"""A small archive for the site's tests: the house examples, imported legacy reports, one
incident across midnight, one written by an attacker, and routine ones over months."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

import seed_incidents  # noqa: E402

TODAY = date(2026, 1, 15)
NIGHT_ID = "INC-20250301-0007"
EVIL_ID = "EVIL:1#x"
EVIL_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
EVIL_SERVICE = "../../etc/<b>passwd</b>"
EVIL_MARKDOWN = ('<script>alert("section")</script>\n\n<iframe src="https://evil.example">'
                 '</iframe>\n\n[click](javascript:alert(1)) [data](data:text/html,hi) '
                 "[web](https://example.com/runbook) ![pic](https://evil.example/x.png)")
ROUTINE = 24
"""Routine incidents, spread over a year of months and four severities."""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def across_midnight(log: IncidentLog) -> None:
    """Detected at 23:40, resolved at 01:05 the next day; says it lasted an hour."""
    t = _at("2025-03-01T23:40:00")
    log.declare(ev.IncidentDeclared(
        incident_id=NIGHT_ID, title="Queue backlog overnight", severity="P2",
        occurred_at=t + timedelta(minutes=5), detected_at=t, actor="@night",
        services=("queue",), summary="The consumer fleet **stalled** after a config push."))
    log.append(NIGHT_ID, *[
        ev.TimelineEntryAdded(occurred_at=t - timedelta(minutes=12), actor="@night",
                              text="Config push to consumers", marks="began"),
        ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=8), actor="@night",
                              text="Page acknowledged", marks="acknowledged"),
        ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=30), actor="@night",
                              text="Rolled the config back"),
        ev.Mitigated(occurred_at=t + timedelta(minutes=50), actor="@night",
                     action="Config rolled back"),
        ev.Resolved(occurred_at=t + timedelta(minutes=85), actor="@night",
                    summary="Backlog drained"),
        ev.ActionItemAdded(occurred_at=t + timedelta(minutes=90), actor="@night",
                           item_id="Q-1", title="Canary config pushes", owner="@queue-team",
                           due=date(2025, 4, 1), ticket="https://tracker.example/Q-1"),
        ev.ActionItemAdded(occurred_at=t + timedelta(minutes=90), actor="@night",
                           item_id="Q-2", title="Alert on consumer lag", owner="@queue-team",
                           due=date(2026, 6, 1), ticket="OPS-77"),
        ev.FigureStated(occurred_at=t + timedelta(minutes=95), actor="@night",
                        figure="duration_minutes", value=60, text="60 minutes",
                        label="Duration"),
    ])


def hostile(log: IncidentLog) -> None:
    """Every field a person types, written to break a page."""
    t = _at("2025-05-05T10:00:00")
    log.declare(ev.IncidentDeclared(
        incident_id=EVIL_ID, title=EVIL_TITLE, severity="P3", occurred_at=t, detected_at=t,
        actor="<b>mallory</b>", services=(EVIL_SERVICE,), summary=EVIL_MARKDOWN,
        commander='"><script>alert(2)</script>'))
    log.append(EVIL_ID, *[
        ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=3), actor="@m",
                              text="<img src=x onerror=alert(3)> $x$ & </svg>"),
        ev.SectionNoted(occurred_at=t, actor="@m", heading="Notes <b>bold</b>",
                        markdown=EVIL_MARKDOWN),
        ev.ActionItemAdded(occurred_at=t, actor="@m", item_id="X-1",
                           title="<script>alert(4)</script>", ticket="javascript:alert(5)"),
        ev.Resolved(occurred_at=t + timedelta(minutes=9), actor="@m",
                    summary="</script><script>alert(6)</script>"),
    ])


def routine(log: IncidentLog, count: int = ROUTINE) -> None:
    services = ("api", "db", "web", "auth")
    batch: list[tuple[str, list[ev.Event]]] = []
    for i in range(count):
        start = _at(f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}T{(i * 5) % 24:02d}:15:00")
        ident = f"R-{i:03d}"
        events: list[ev.Event] = [ev.IncidentDeclared(
            incident_id=ident, title=f"Routine incident number {i}",
            severity=("P0", "P1", "P2", "P3")[i % 4], occurred_at=start, detected_at=start,
            actor="@bench", services=(services[i % 4],))]
        if i % 5:
            events.append(ev.Mitigated(occurred_at=start + timedelta(minutes=10 + i),
                                       actor="@bench", action="restarted"))
            events.append(ev.Resolved(occurred_at=start + timedelta(minutes=20 + 2 * i),
                                      actor="@bench"))
        batch.append((ident, events))
    log.append_many(batch)


def record(log: IncidentLog) -> None:
    """The whole archive into ``log``."""
    seed_incidents.record(log)
    import_paths(log, [ROOT / "examples" / "reports"])
    across_midnight(log)
    hostile(log)
    routine(log)
