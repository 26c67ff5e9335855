"""The incident index: a read model for listing and filtering, kept from the event stream.

One row per incident (id, title, severity, status, services, start, resolution, duration,
version) in a table beside the events, with the notification-log position it has caught up
to. :meth:`IncidentIndex.catch_up` follows the log from that position and rewrites the rows
of the incidents that changed; :meth:`IncidentIndex.rebuild` starts again from nothing.
Queries never replay events, so their cost does not grow with how many events an incident
holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import attrs

from incidentlog import figures as fg
from incidentlog.incident import Folding, Incident
from incidentlog.store import IncidentLog

PAGE = 1000


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


def row_of(incident: Incident) -> IndexRow:
    """The index row of an incident."""
    return IndexRow(incident.id, incident.title, incident.severity, incident.status,
                    incident.services, incident.started_at, incident.resolved_at,
                    fg.derive(incident).duration_minutes, incident.version)


class IncidentIndex:
    """Listing and filtering incidents from a table kept up to date from the event stream."""

    def __init__(self, log: IncidentLog, *, create: bool = True) -> None:
        self.log = log
        recorder = log.recorder
        self._datastore = getattr(recorder, "datastore", None)
        module = type(recorder).__module__
        self._kind = "sqlite" if "sqlite" in module else "postgres" if "postgres" in module \
            else "memory"
        if log.encrypted:  # no plaintext table beside encrypted events: kept in memory
            self._kind = "memory"
        self._rows: dict[str, IndexRow] = {}
        self._position = 0
        if self._kind != "memory" and create:
            self._create()

    # ------------------------------------------------------------------ SQL plumbing

    def _table(self, name: str) -> str:
        if self._kind == "postgres":
            schema = getattr(self._datastore, "schema", "public") or "public"
            return f'"{schema}".{name}'
        return name

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._kind == "postgres" else statement

    @contextmanager
    def _cursor(self, commit: bool) -> Iterator[Any]:
        assert self._datastore is not None
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _create(self) -> None:
        index, position = self._table("incident_index"), self._table("incident_index_position")
        with self.log.schema_lock(), self._cursor(commit=True) as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {index} (id TEXT PRIMARY KEY, title TEXT, "
                      "severity TEXT, status TEXT, services TEXT, started_at TEXT, "
                      "resolved_at TEXT, duration REAL, version INTEGER)")
            for column in ("severity", "status"):
                c.execute(f"CREATE INDEX IF NOT EXISTS incident_index_{column} ON {index} "
                          f"({column}, started_at)")
            c.execute(f"CREATE INDEX IF NOT EXISTS incident_index_started_at ON {index} "
                      "(started_at)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {position} (one INTEGER PRIMARY KEY, "
                      "position BIGINT)")

    # ------------------------------------------------------------------ keeping up

    def position(self) -> int:
        """The notification-log position the index has caught up to."""
        if self._kind == "memory":
            return self._position
        with self._cursor(commit=False) as c:
            c.execute(f"SELECT position FROM {self._table('incident_index_position')}")
            row = c.fetchone()
        return int(row["position"] if row else 0)

    def catch_up(self) -> int:
        """Follow the log from the stored position; return how many incidents changed.

        Events are folded as they come, so rebuilding reads each event once; an incident
        met halfway through its stream starts from its stored state before that event.
        """
        folding = Folding()
        pending: set[str] = set()
        changed = 0
        last = start = self.position()
        for position, ident, version, event in self.log.changes(after=start, page=PAGE):
            if ident not in folding:
                changed += 1
                if version > 1:
                    folding.resume(self.log.get(ident, version=version - 1))
            folding.add(ident, event, version)
            pending.add(ident)
            last = position
            if len(pending) >= PAGE:
                self._write([row_of(folding.state(i)) for i in pending], last)
                pending.clear()
        if pending or last != start:
            self._write([row_of(folding.state(i)) for i in pending], last)
        return changed

    def rebuild(self) -> int:
        """Forget every row and catch up from the start of the log."""
        if self._kind == "memory":
            self._rows.clear()
            self._position = 0
        else:
            with self._cursor(commit=True) as c:
                c.execute(f"DELETE FROM {self._table('incident_index')}")
                c.execute(f"DELETE FROM {self._table('incident_index_position')}")
        return self.catch_up()

    def _write(self, rows: list[IndexRow], position: int) -> None:
        if self._kind == "memory":
            self._rows.update({r.id: r for r in rows})
            self._position = position
            return
        index, pos = self._table("incident_index"), self._table("incident_index_position")
        upsert = self._sql(
            f"INSERT INTO {index} VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
            "title=excluded.title, severity=excluded.severity, status=excluded.status, "
            "services=excluded.services, started_at=excluded.started_at, "
            "resolved_at=excluded.resolved_at, duration=excluded.duration, "
            "version=excluded.version")
        with self._cursor(commit=True) as c:
            # In id order, so writers catching up at once lock rows in the same order
            # (PostgreSQL found a deadlock when ten processes did in set order).
            for r in sorted(rows, key=lambda r: r.id):
                c.execute(upsert, (r.id, r.title, r.severity, r.status,
                                   "|" + "|".join(r.services) + "|", _iso(r.started_at),
                                   _iso(r.resolved_at), r.duration_minutes, r.version))
            c.execute(self._sql(f"INSERT INTO {pos} VALUES (1, ?) ON CONFLICT (one) DO UPDATE "
                                "SET position=excluded.position"), (position,))

    def stored(self) -> tuple[int, list[Any]] | None:
        """The position and the raw rows as stored, read without catching up (``None``: no
        index was ever built). For verifying the index against the events."""
        if self._kind == "memory":
            return (self._position, [attrs.asdict(r, retain_collection_types=True)
                                    for r in self._rows.values()]) \
                if self._position else None
        try:
            with self._cursor(commit=False) as c:
                c.execute(f"SELECT * FROM {self._table('incident_index')}")
                rows = [dict(r) for r in c.fetchall()]
                c.execute(f"SELECT position FROM {self._table('incident_index_position')}")
                found = c.fetchone()
        except Exception:  # no such table: the index was never built
            return None
        return (int(found["position"]) if found else 0), rows

    # ------------------------------------------------------------------ queries

    def find(self, *, severity: str | None = None, status: str | None = None,
             service: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None) -> list[IndexRow]:
        """Incidents matching every filter given, most recent start first.

        ``since``/``until`` bound when the incident started (detected, else declared).
        """
        if limit is not None and not 0 <= limit <= 2**63 - 1:
            raise ValueError(f"limit {limit}: out of range (0 to {2**63 - 1})")
        for name, when in (("since", since), ("until", until)):
            try:
                _iso(when)
            except (OverflowError, ValueError):
                raise ValueError(f"{name} {when}: out of range in UTC") from None
        if self._kind == "memory":
            found = [r for r in self._rows.values() if
                     (severity is None or r.severity == severity)
                     and (status is None or r.status == status)
                     and (service is None or service in r.services)
                     and (since is None or (r.started_at is not None and r.started_at >= since))
                     and (until is None or (r.started_at is not None and r.started_at < until))]
            found.sort(key=lambda r: r.started_at.timestamp() if r.started_at else float("-inf"),
                       reverse=True)
            return found[:limit] if limit else found
        where: list[str] = []
        params: list[str | None] = []
        for column, value in (("severity", severity), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if service is not None:
            # LIKE's wildcards in a name are escaped, not stripped: "payments_api" is a name.
            where.append("services LIKE ? ESCAPE '\\'")
            escaped = service.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%|{escaped}|%")
        if since is not None:
            where.append("started_at >= ?")
            params.append(_iso(since))
        if until is not None:
            where.append("started_at < ?")
            params.append(_iso(until))
        sql = f"SELECT * FROM {self._table('incident_index')}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._cursor(commit=False) as c:
            c.execute(self._sql(sql), params)
            return [_row(r) for r in c.fetchall()]


def _iso(value: datetime | None) -> str | None:
    """A time as sortable text (UTC, fixed width)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f%z") if value else None


def _time(value: str | None) -> datetime | None:
    # fromisoformat reads _iso's text (e.g. +0000 offsets) some fifty times faster than
    # strptime, which was most of the time of a query returning many rows.
    return datetime.fromisoformat(value) if value else None


def parse_row(r: Any) -> IndexRow:
    """An index row from a stored one (a mapping of column to value)."""
    if "duration" not in r:  # kept in memory: already an IndexRow's fields
        return IndexRow(**r)
    return _row(r)


def _row(r: Any) -> IndexRow:
    services = tuple(s for s in str(r["services"] or "").split("|") if s)
    return IndexRow(r["id"], r["title"], r["severity"], r["status"], services,
                    _time(r["started_at"]), _time(r["resolved_at"]), r["duration"],
                    int(r["version"]))
