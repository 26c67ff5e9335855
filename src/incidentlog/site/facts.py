"""The facts an incident page shows first, each with the findings that concern it.

A finding names a field (``duration_minutes``, ``action_items.INC-001``, ``lifecycle``...);
it is shown beside the fact of that field, and a lifecycle finding beside the moment it
says is out of order. Findings that concern no fact shown are listed on their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from incidentlog import figures as fg
from incidentlog.checks import Finding
from incidentlog.incident import Incident
from incidentlog.site.listing import team_of


@attrs.frozen
class Fact:
    """A labelled value with the findings about it."""

    label: str
    value: str
    fields: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    links: tuple[str, ...] = ()
    """For services and team: the names to link to their pages."""


def _time(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""


def _minutes(value: float | None) -> str:
    return fg.format_minutes(value) if value is not None else ""


def facts(incident: Incident) -> list[Fact]:
    """The facts of an incident that it has, in reading order, without findings yet."""
    f = fg.derive(incident)
    impact = incident.impact
    team = team_of(incident)
    return [
        Fact("Severity", incident.severity or "unrated", ("severity",)),
        Fact("Status", incident.status, ("status",)),
        Fact("Services", ", ".join(incident.services), ("services",),
             links=incident.services),
        Fact("Team", team or "", ("team",), links=(team,) if team else ()),
        Fact("Commander", incident.commander or "", ("commander",)),
        Fact("Began", _time(incident.began_at), ("began_at", "began")),
        Fact("Detected", _time(incident.detected_at), ("detected_at", "detected")),
        Fact("Declared", _time(incident.declared_at), ("declared_at", "declared")),
        Fact("Acknowledged", _time(incident.acknowledged_at),
             ("acknowledged_at", "acknowledged")),
        Fact("Mitigated", _time(incident.mitigated_at), ("mitigated_at", "mitigated")),
        Fact("Resolved", _time(incident.resolved_at), ("resolved_at", "resolved")),
        Fact("Closed", _time(incident.closed_at), ("closed_at", "closed")),
        Fact("Duration", _minutes(f.duration_minutes),
             ("duration_minutes", "time_to_resolve_minutes")),
        Fact("Time to detect", _minutes(f.time_to_detect_minutes), ("time_to_detect_minutes",)),
        Fact("Time to acknowledge", _minutes(f.time_to_acknowledge_minutes),
             ("time_to_acknowledge_minutes",)),
        Fact("Time to mitigate", _minutes(f.time_to_mitigate_minutes),
             ("time_to_mitigate_minutes", "time_to_repair_minutes")),
        Fact("Users affected", (impact.users_affected or "") if impact else "",
             ("users_affected",)),
        Fact("Success rate", f"{fg.format_number(f.success_rate_pct, 2)}%"
             if f.success_rate_pct is not None else "",
             ("success_rate_pct", "failed_requests", "total_requests")),
        Fact("SLO", _slo(incident, f), ("impact", "slo_breached", "error_budget_minutes",
                                        "error_budget_consumed_pct")),
    ]


def _slo(incident: Incident, f: fg.Figures) -> str:
    impact = incident.impact
    if impact is None or impact.slo_target is None:
        return ""
    parts = [f"target {fg.format_number(impact.slo_target, 3)}%"]
    if impact.slo_actual is not None:
        parts.append(f"actual {fg.format_number(impact.slo_actual, 3)}%")
    if f.error_budget_consumed_pct is not None:
        parts.append(f"{fg.format_number(f.error_budget_consumed_pct)}% of the monthly budget")
    if f.slo_breached is not None:
        parts.append("breached" if f.slo_breached else "not breached")
    return ", ".join(parts)


def _key(finding: Finding) -> str:
    """The field a finding concerns; for the lifecycle, the moment it says is out of order."""
    if finding.field == "lifecycle":
        return finding.message.split(" at ", 1)[0]
    return finding.field or ""


def place(rows: Sequence[Fact], findings: Sequence[Finding], *, extra: Sequence[str] = ()
          ) -> tuple[list[Fact], dict[str, list[Finding]], list[Finding]]:
    """Findings put beside their facts. Returns the facts to show (those with a value or a
    finding), the findings by other field named in ``extra`` (or by prefix, for
    ``action_items.ID``), and the rest."""
    remaining = list(findings)
    shown = []
    for fact in rows:
        mine = tuple(x for x in remaining if _key(x) in fact.fields)
        remaining = [x for x in remaining if x not in mine]
        if fact.value or mine:
            shown.append(attrs.evolve(fact, findings=mine))
    by_field: dict[str, list[Finding]] = {}
    rest = []
    for x in remaining:
        key = _key(x)
        if key in extra or key.split(".", 1)[0] in extra:
            by_field.setdefault(key, []).append(x)
        else:
            rest.append(x)
    return shown, by_field, rest
