"""The rows of the incident index: an incident and its follow-ups as listed and filtered.

What :mod:`incidentlog.readmodel` projects the event stream into, and what its views
(:mod:`incidentlog.persistence.views`) keep, in memory or in tables: value objects of the
domain and their stored text forms, no storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs

from incidentlog import figures as fg
from incidentlog.incident import Incident


@attrs.frozen
class IndexRow:
    """An incident as the index lists it."""

    id: str
    title: str
    severity: str | None
    status: str
    services: tuple[str, ...]
    started_at: datetime | None
    resolved_at: datetime | None
    duration_minutes: float | None
    version: int
    teams: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class ActionRow:
    """A follow-up as the index lists it across incidents, with its incident's context."""

    incident_id: str
    item_id: str
    title: str
    owner: str | None
    due: date | None
    status: str
    priority: str | None
    ticket: str | None
    horizon: str | None
    incident_title: str
    incident_status: str
    services: tuple[str, ...]

    def overdue(self, today: date) -> bool:
        """Not done and due before ``today``."""
        return self.status != "done" and self.due is not None and self.due < today


def actions_of(incident: Incident) -> list[ActionRow]:
    """The index rows of an incident's action items."""
    return [ActionRow(incident.id, a.id, a.title, a.owner, a.due, a.status, a.priority,
                      a.ticket, a.horizon, incident.title, incident.status, incident.services)
            for a in incident.action_items]


def row_of(incident: Incident) -> IndexRow:
    """The index row of an incident."""
    return IndexRow(incident.id, incident.title, incident.severity, incident.status,
                    incident.services, incident.started_at, incident.resolved_at,
                    fg.derive(incident).duration_minutes, incident.version,
                    tuple(sorted(incident.teams)), tuple(sorted(incident.tags)), incident.fields)


def labels_of(row: IndexRow) -> list[tuple[str, str, str]]:
    """``(kind, name, value)`` of each team, tag and custom field, as the index keeps them."""
    return [*(("team", t, "") for t in row.teams), *(("tag", t, "") for t in row.tags),
            *(("field", name, value) for name, value in row.fields)]


def iso(value: datetime | None) -> str | None:
    """A time as sortable text (UTC, fixed width), as a table keeps it."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f%z") if value else None


def _time(value: str | None) -> datetime | None:
    # fromisoformat reads iso()'s text (e.g. +0000 offsets) some fifty times faster than
    # strptime, which was most of the time of a query returning many rows.
    return datetime.fromisoformat(value) if value else None


def services_text(services: tuple[str, ...]) -> str:
    """Services as a table keeps them: ``|a|b|``, so a name is matched whole."""
    return "|" + "|".join(services) + "|"


def _services(text: object) -> tuple[str, ...]:
    return tuple(s for s in str(text or "").split("|") if s)


def service_pattern(service: str) -> str:
    """The LIKE pattern for one service name: its wildcards escaped, not stripped, so
    "payments_api" is a name, not a pattern (matched with ``ESCAPE '\\'``)."""
    escaped = service.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%|{escaped}|%"


def row_from_table(r: Mapping[str, Any]) -> IndexRow:
    """An index row from a table's row (a mapping of column to value)."""
    row = IndexRow(r["id"], r["title"], r["severity"], r["status"], _services(r["services"]),
                   _time(r["started_at"]), _time(r["resolved_at"]), r["duration"],
                   int(r["version"]))
    if "teams" in r:  # read with its labels
        row = attrs.evolve(row, teams=tuple(r["teams"]), tags=tuple(r["tags"]),
                           fields=tuple(tuple(f) for f in r["fields"]))
    return row


def parse_row(r: Mapping[str, Any]) -> IndexRow:
    """An index row from a stored one: a table's row, or an in-memory row's fields."""
    if "duration" not in r:  # kept in memory: already an IndexRow's fields
        return IndexRow(**r)
    return row_from_table(r)


def action_from_table(r: Mapping[str, Any]) -> ActionRow:
    """A follow-up row from a table's row."""
    return ActionRow(r["incident_id"], r["item_id"], r["title"], r["owner"],
                     date.fromisoformat(r["due"]) if r["due"] else None, r["status"],
                     r["priority"], r["ticket"], r["horizon"], r["incident_title"],
                     r["incident_status"], _services(r["services"]))


@attrs.frozen
class Query:
    """A query of the index: every filter given must hold (see
    :func:`incidentlog.readmodel.find`)."""

    severity: str | None = None
    status: str | None = None
    service: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None
    team: str | None = None
    tag: str | None = None
    field: tuple[str, str] | None = None

    def labels(self) -> list[tuple[str, str, str]]:
        """``(kind, name, value)`` of the team, tag and field wanted."""
        return [(kind, name, value) for kind, name, value in (
            ("team", self.team, ""), ("tag", self.tag, ""),
            ("field", *(self.field if self.field else (None, ""))))
            if name is not None]

    def matches(self, r: IndexRow) -> bool:
        """True when ``r`` passes every filter (the limit aside)."""
        return ((self.severity is None or r.severity == self.severity)
                and (self.status is None or r.status == self.status)
                and (self.service is None or self.service in r.services)
                and all(label in labels_of(r) for label in self.labels())
                and (self.since is None
                     or (r.started_at is not None and r.started_at >= self.since))
                and (self.until is None
                     or (r.started_at is not None and r.started_at < self.until)))


@attrs.frozen
class ActionQuery:
    """A query of the follow-ups (see :func:`incidentlog.readmodel.actions`)."""

    today: date
    open: bool = False
    overdue: bool = False
    owner: str | None = None
    ticket: str | None = None
    service: str | None = None
    incident: str | None = None

    def matches(self, a: ActionRow) -> bool:
        """True when ``a`` passes every filter."""
        return ((not self.open or a.status != "done")
                and (not self.overdue or a.overdue(self.today))
                and (self.owner is None or a.owner == self.owner)
                and (self.ticket is None or a.ticket == self.ticket)
                and (self.service is None or self.service in a.services)
                and (self.incident is None or a.incident_id == self.incident))


def newest_first(rows: list[IndexRow]) -> list[IndexRow]:
    """Rows by start, most recent first (no start last; ties by id, last first), as every
    view orders them."""
    return sorted(rows, key=lambda r: (r.started_at is not None, iso(r.started_at) or "",
                                       r.id), reverse=True)


def soonest_due(rows: list[ActionRow], today: date) -> list[ActionRow]:
    """Follow-ups by due date, soonest first (no due date last)."""
    return sorted(rows, key=lambda a: (a.due is None, a.due or today, a.incident_id,
                                       a.item_id))
