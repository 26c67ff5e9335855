"""What the index shows of each incident: one row of plain values, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import attrs

from incidentlog import figures as fg
from incidentlog.incident import ActionItem, Incident
from incidentlog.site import paths


def short_minutes(minutes: float | None) -> str:
    """``27m``, ``1h 05m``, ``2d 3h``; ``-`` when unknown."""
    if minutes is None:
        return "-"
    total = round(minutes)
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    return f"{sign}{hours}h {mins:02d}m" if hours else f"{sign}{mins}m"


def team_of(incident: Incident) -> str | None:
    """The team that owns the incident, when the record names one."""
    team = getattr(incident, "team", None)
    if not team:
        teams = getattr(incident, "teams", None)
        team = teams[0] if teams else None
    return str(team) if team else None


def is_overdue(item: ActionItem, today: date) -> bool:
    """An action item not done whose due date has passed."""
    return item.status != "done" and item.due is not None and item.due < today


@attrs.frozen
class Row:
    """One incident in a list of incidents."""

    id: str
    title: str
    started_at: datetime | None
    severity: str | None
    status: str
    duration_minutes: float | None
    services: tuple[str, ...]
    team: str | None
    page: str
    open_items: int
    overdue_items: int

    @property
    def date(self) -> str:
        """The day it started (UTC), or ``-``."""
        return self.started_at.strftime("%Y-%m-%d") if self.started_at else "-"

    @property
    def year(self) -> str:
        """The year it started, or ``unknown``."""
        return str(self.started_at.year) if self.started_at else "unknown"

    @property
    def duration(self) -> str:
        """Detection to resolution as ``1h 05m``, or ``-``."""
        return short_minutes(self.duration_minutes)

    @property
    def search_text(self) -> str:
        """Everything a text search matches, lower case."""
        return " ".join([self.id, self.title, self.severity or "", self.status,
                         *self.services, self.team or ""]).lower()


def row(incident: Incident, today: date) -> Row:
    """The index row of an incident."""
    start = incident.began_at or incident.started_at
    items = incident.action_items
    return Row(
        id=incident.id, title=incident.title, started_at=start, severity=incident.severity,
        status=incident.status,
        duration_minutes=fg.minutes_between(incident.started_at, incident.resolved_at),
        services=incident.services, team=team_of(incident),
        page=paths.incident_page(incident.id),
        open_items=sum(a.status != "done" for a in items),
        overdue_items=sum(is_overdue(a, today) for a in items),
    )


def newest_first(rows: Iterable[Row]) -> list[Row]:
    """Rows by start time, newest first; those of unknown time last, by id."""
    known = sorted((r for r in rows if r.started_at), key=lambda r: (r.started_at, r.id),
                   reverse=True)
    unknown = sorted((r for r in rows if not r.started_at), key=lambda r: r.id)
    return known + unknown


def pages(rows: list[Row], size: int) -> list[list[Row]]:
    """``rows`` cut into pages of ``size`` (at least one page, maybe empty)."""
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
