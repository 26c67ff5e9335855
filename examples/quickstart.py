"""Declare an incident, record what happened, read it back: the first five minutes.

Run: python examples/quickstart.py [sqlite:///incidents.db]
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

from incidentlog import IncidentLog, RuleViolation
from incidentlog import events as ev


def t(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2025, 10, 23, hours, minutes, tzinfo=UTC)


def main(url: str = "sqlite:///incidents.db") -> None:
    incident_id = "INC-20251023-0001"
    with IncidentLog(url) as log:
        if not log.exists(incident_id):
            log.declare(ev.IncidentDeclared(
                incident_id=incident_id, title="Inference gateway errors after v1.2.3",
                severity="P1", commander="@oncall-engineer", detected_at=t("14:23"),
                services=("inference-gateway",), occurred_at=t("14:25"),
                actor="@oncall-engineer", note="Incident declared in #incidents"))
            log.append(
                incident_id,
                ev.TimelineEntryAdded(occurred_at=t("14:23"), actor="@oncall-engineer",
                                      text="Alert fired: HighErrorRate", by="Prometheus",
                                      marks="detected"),
                ev.TimelineEntryAdded(occurred_at=t("14:30"), actor="@oncall-engineer",
                                      text="Identified recent deployment as cause"),
                ev.Mitigated(occurred_at=t("14:35"), actor="@oncall-engineer",
                             note="Rollback completed", by="Kubernetes",
                             action="Rollback deployment from v1.2.3 to v1.2.2"),
                ev.Resolved(occurred_at=t("14:50"), actor="@oncall-engineer",
                            summary="Rolled back to v1.2.2"),
                ev.ActionItemAdded(occurred_at=t("14:55"), actor="@oncall-engineer",
                                   item_id="INC-001", title="Add null check to EXIF access",
                                   owner="@dev-lead", due=date(2025, 10, 24),
                                   horizon="immediate"),
            )
        try:  # The rules hold: nothing is written when one is broken.
            log.append(incident_id, ev.ActionItemAdded(
                occurred_at=t("15:00"), actor="@oncall-engineer", item_id="INC-001",
                title="duplicate"))
        except RuleViolation as refused:
            print(f"refused, as it should be: {refused}")
        state = log.get(incident_id)
        print(f"{state.id} {state.severity} {state.status}: {state.title}")
        for entry in sorted(state.timeline, key=lambda e: e.at or t("00:00")):
            at = entry.at.strftime("%H:%M") if entry.at else "--:--"
            print(f"  {at}  {entry.text}" + (f" ({entry.by})" if entry.by else ""))
        print(f"{len(log.events(incident_id))} events stored in {log.url}")


if __name__ == "__main__":
    main(*sys.argv[1:])
