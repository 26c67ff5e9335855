"""Figures derived from events, never typed twice: durations, rates, error budget."""

from __future__ import annotations

from datetime import datetime

import attrs

from incidentlog.incident import Incident

MINUTES_PER_MONTH = 30.44 * 24 * 60
"""A month of 30.44 days, as SLO error budgets count it (99.9% gives 43.8 min/month)."""


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from ``start`` to ``end``, each read to its minute as reports write times
    (so a template that shows minutes derives the same figures), or ``None`` when either
    is unknown."""
    if start is None or end is None:
        return None
    return float(end.timestamp() // 60 - start.timestamp() // 60)


@attrs.frozen
class Figures:
    """Every derived figure of an incident; ``None`` where the events do not say."""

    duration_minutes: float | None
    """Detection (else declaration) to resolution: the timeline's total duration."""
    time_to_mitigate_minutes: float | None
    """Detection (else declaration) to mitigation."""
    time_to_detect_minutes: float | None
    """From when the fault began to its detection."""
    time_to_acknowledge_minutes: float | None
    time_to_declare_minutes: float | None
    success_rate_pct: float | None
    """Share of requests that succeeded, from failed and total."""
    error_budget_minutes: float | None
    """The month's budget of downtime the SLO target allows."""
    downtime_minutes: float | None
    """Downtime as assessed, else the duration."""
    error_budget_consumed_pct: float | None
    slo_breached: bool | None


def derive(incident: Incident) -> Figures:
    """Compute every figure from the incident's state."""
    start = incident.started_at
    duration = minutes_between(start, incident.resolved_at)
    impact = incident.impact
    success = None
    budget = consumed = downtime = None
    breached: bool | None = None
    if impact is not None:
        if impact.total_requests and impact.failed_requests is not None:
            success = 100 * (impact.total_requests - impact.failed_requests) / impact.total_requests
        if impact.slo_target is not None:
            budget = error_budget_minutes(impact.slo_target)
        downtime = impact.downtime_minutes if impact.downtime_minutes is not None else duration
        if budget and downtime is not None:
            consumed = 100 * downtime / budget
        if impact.slo_actual is not None and impact.slo_target is not None:
            breached = impact.slo_actual < impact.slo_target
        elif impact.downtime_minutes is not None and budget is not None:
            breached = impact.downtime_minutes > budget
    return Figures(
        duration_minutes=duration,
        time_to_mitigate_minutes=minutes_between(start, incident.mitigated_at),
        time_to_detect_minutes=minutes_between(incident.began_at, incident.detected_at),
        time_to_acknowledge_minutes=minutes_between(start, incident.acknowledged_at),
        time_to_declare_minutes=minutes_between(start, incident.declared_at),
        success_rate_pct=success,
        error_budget_minutes=budget,
        downtime_minutes=downtime,
        error_budget_consumed_pct=consumed,
        slo_breached=breached,
    )


def error_budget_minutes(slo_target_pct: float) -> float:
    """Minutes of downtime a month an availability target allows (99.9 -> 43.8)."""
    return (100 - slo_target_pct) / 100 * MINUTES_PER_MONTH


def repair_candidates(incident: Incident) -> dict[str, float]:
    """The spans a team may mean by "time to repair", each named by its ends."""
    return _spans(incident, ends=("mitigated_at",) if incident.mitigated_at else ("resolved_at",))


def resolve_candidates(incident: Incident) -> dict[str, float]:
    """The spans a team may mean by "time to resolve"."""
    return _spans(incident, ends=("resolved_at",))


def _spans(incident: Incident, ends: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for start in ("began_at", "detected_at", "declared_at"):
        for end in ends:
            minutes = minutes_between(getattr(incident, start), getattr(incident, end))
            if minutes is not None:
                label = f"{start.removesuffix('_at')} to {end.removesuffix('_at')}"
                out[label] = minutes
    return out


def format_minutes(minutes: float) -> str:
    """``27 minutes``, ``1 hour 5 minutes``, ``2 days 3 hours 10 minutes``."""
    total = round(minutes)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins or not parts:
        parts.append(f"{mins} minute{'s' if mins != 1 else ''}")
    return sign + " ".join(parts)


def format_hhmm(minutes: float) -> str:
    """``00:27``; hours past 24 keep counting (``26:05``)."""
    total = round(minutes)
    sign = "-" if total < 0 else ""
    hours, mins = divmod(abs(total), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def format_duration(minutes: float) -> str:
    """``00:27`` under a day; ``3d 03:41`` from a day on (``format_hhmm`` keeps counting
    hours, as reports write them)."""
    total = round(minutes)
    if abs(total) < 24 * 60:
        return format_hhmm(total)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 24 * 60)
    return f"{sign}{days}d {format_hhmm(rest)}"


def format_number(value: float, places: int = 1) -> str:
    """A number with at most ``places`` decimals and no trailing zeros (88, 43.8)."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"
