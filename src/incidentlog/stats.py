"""Metrics over many incidents: MTTD, MTTA, time to mitigate and MTTR by group."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

import attrs

from incidentlog import figures as fg
from incidentlog.incident import Incident


@attrs.frozen
class Metric:
    """A duration over many incidents: how many had it, median, p90, and who lacked it."""

    count: int
    median_minutes: float | None
    p90_minutes: float | None
    missing: tuple[str, ...]


@attrs.frozen
class GroupStats:
    """Metrics of one group of incidents (all, a severity, a service, a month)."""

    group: str
    incidents: int
    mttd: Metric
    mtta: Metric
    time_to_mitigate: Metric
    mttr: Metric


def _metric(values: dict[str, float | None]) -> Metric:
    known = sorted(v for v in values.values() if v is not None)
    missing = tuple(sorted(k for k, v in values.items() if v is None))
    if not known:
        return Metric(0, None, None, missing)
    p90 = known[min(len(known) - 1, max(0, round(0.9 * len(known) + 0.5) - 1))]
    return Metric(len(known), statistics.median(known), p90, missing)


def stats(incidents: Sequence[Incident], by: str | None = None) -> list[GroupStats]:
    """MTTD, MTTA, time to mitigate and MTTR (median and p90) by group, from events.

    ``by``: ``severity``, ``service``, ``team`` or ``tag`` (an incident counts in each of
    its services, teams or tags), ``field:NAME`` (a custom field's value) or ``month`` (of
    detection, else declaration). Incidents that lack a needed time are
    counted and named in each metric's ``missing``.
    """
    groups: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        for key in _groups(incident, by):
            groups[key].append(incident)
    out = []
    for key in sorted(groups):
        members = groups[key]
        figures = {i.id: fg.derive(i) for i in members}
        out.append(GroupStats(
            key, len(members),
            _metric({i: f.time_to_detect_minutes for i, f in figures.items()}),
            _metric({i: f.time_to_acknowledge_minutes for i, f in figures.items()}),
            _metric({i: f.time_to_mitigate_minutes for i, f in figures.items()}),
            _metric({i: f.duration_minutes for i, f in figures.items()}),
        ))
    return out


def _groups(incident: Incident, by: str | None) -> list[str]:
    if by is None:
        return ["all"]
    if by == "severity":
        return [incident.severity or "unrated"]
    if by == "service":
        return list(incident.services) or ["(none)"]
    if by == "team":
        return list(incident.teams) or ["(none)"]
    if by == "tag":
        return list(incident.tags) or ["(none)"]
    if by.startswith("field:"):
        return [incident.field(by.removeprefix("field:")) or "(unset)"]
    if by == "month":
        start = incident.began_at or incident.started_at
        return [start.strftime("%Y-%m") if start else "(unknown)"]
    raise ValueError(f"cannot group by {by!r}; use severity, service, team, tag, "
                     "field:NAME or month")
