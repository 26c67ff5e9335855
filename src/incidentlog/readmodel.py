"""The incident index: a read model for listing and filtering, kept from the event stream.

One row per incident (id, title, severity, status, services, start, resolution, duration,
version), and one per follow-up (action item) with its incident's context, in tables
beside the events, with the notification-log position it has caught up
to. :meth:`IncidentIndex.catch_up` follows the log from that position and rewrites the rows
of the incidents that changed; :meth:`IncidentIndex.rebuild` starts again from nothing.
Queries never replay events, so their cost does not grow with how many events an incident
holds.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
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


_INDEXES: weakref.WeakKeyDictionary[IncidentLog, IncidentIndex] = weakref.WeakKeyDictionary()


def index_of(log: IncidentLog) -> IncidentIndex:
    """The index of a log (one per log object, kept while the log is), brought up to date."""
    index = _INDEXES.get(log)
    if index is None:
        index = _INDEXES[log] = IncidentIndex(log)
    index.catch_up()
    return index


def find(log: IncidentLog, **filters: Any) -> list[IndexRow]:
    """Index rows (:class:`IndexRow`: id, title, severity, status, services, times,
    duration) of the incidents matching every filter, newest first, from the index brought
    up to date first: ``severity=``, ``status=``, ``service=``, ``since=``, ``until=``,
    ``limit=``, ``team=``, ``tag=``, ``field=(name, value)``. Rows, not incidents: a query
    reads a table and folds nothing; ``log.get(row.id)`` gives the incident."""
    return index_of(log).find(**filters)


def actions(log: IncidentLog, *, open: bool = False, overdue: bool = False,
            owner: str | None = None, ticket: str | None = None, service: str | None = None,
            incident: str | None = None, today: date | None = None) -> list[ActionRow]:
    """Follow-ups across incidents from the index, brought up to date first (no replay per
    query): ``open`` (not done), ``overdue`` (not done, due before ``today``), ``owner``,
    ``ticket``, ``service`` (of the incident), ``incident``."""
    return index_of(log).actions(open=open, overdue=overdue, owner=owner, ticket=ticket,
                                 service=service, incident=incident, today=today)


class IncidentIndex:
    """Listing and filtering incidents from a table kept up to date from the event stream."""

    def __init__(self, log: IncidentLog, *, create: bool = True) -> None:
        self.log = log
        self._datastore = log.store.datastore()
        self._kind = log.store.backend
        if log.encrypted:  # no plaintext table beside encrypted events: kept in memory
            self._kind = "memory"
        if not log.store.writable:  # a read-only database: the index is kept in memory
            self._kind = "memory"
        self._rows: dict[str, IndexRow] = {}
        self._actions: dict[str, list[ActionRow]] = {}
        self._position = 0
        self._stale = False
        """True when a table was added to an index already caught up: rebuild it first."""
        if self._kind != "memory" and create:
            self._create()

    # ------------------------------------------------------------------ SQL plumbing

    def _table(self, name: str) -> str:
        return f'"{self._schema()}".{name}' if self._kind == "postgres" else name

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._kind == "postgres" else statement

    @contextmanager
    def _cursor(self, commit: bool) -> Iterator[Any]:
        assert self._datastore is not None
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _create(self) -> None:
        index, position = self._table("incident_index"), self._table("incident_index_position")
        with self.log.store.schema_lock(), self._cursor(commit=True) as c:
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
            if self._kind == "postgres":
                c.execute("SELECT COUNT(*) AS n FROM information_schema.tables WHERE "
                          "table_name IN ('action_index', 'incident_labels') AND "
                          "table_schema = %s", (self._schema(),))
            else:
                c.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND "
                          "name IN ('action_index', 'incident_labels')")
            had_tables = int(c.fetchone()["n"])
            c.execute(f"CREATE TABLE IF NOT EXISTS {self._table('incident_labels')} ("
                      "incident_id TEXT, kind TEXT, name TEXT, value TEXT, "
                      "PRIMARY KEY (incident_id, kind, name))")
            c.execute(f"CREATE INDEX IF NOT EXISTS incident_labels_name ON "
                      f"{self._table('incident_labels')} (kind, name, value)")
            c.execute(f"CREATE TABLE IF NOT EXISTS {self._table('action_index')} ("
                      "incident_id TEXT, item_id TEXT, title TEXT, owner TEXT, due TEXT, "
                      "status TEXT, priority TEXT, ticket TEXT, horizon TEXT, "
                      "incident_title TEXT, incident_status TEXT, services TEXT, "
                      "PRIMARY KEY (incident_id, item_id))")
            for column in ("owner", "ticket", "due"):
                c.execute(f"CREATE INDEX IF NOT EXISTS action_index_{column} ON "
                          f"{self._table('action_index')} ({column})")
        # An index kept before follow-ups and labels were indexed: its position says it is
        # up to date, but their tables are empty.
        self._stale = had_tables < 2

    def _schema(self) -> str:
        return str(getattr(self._datastore, "schema", "public") or "public")

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
        if self._stale:
            self._stale = False
            return self.rebuild()
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
                self._write([folding.state(i) for i in pending], last)
                pending.clear()
        if pending or last != start:
            self._write([folding.state(i) for i in pending], last)
        return changed

    def rebuild(self) -> int:
        """Forget every row and catch up from the start of the log."""
        self._stale = False
        if self._kind == "memory":
            self._rows.clear()
            self._actions.clear()
            self._position = 0
        else:
            with self._cursor(commit=True) as c:
                c.execute(f"DELETE FROM {self._table('incident_index')}")
                c.execute(f"DELETE FROM {self._table('action_index')}")
                c.execute(f"DELETE FROM {self._table('incident_labels')}")
                c.execute(f"DELETE FROM {self._table('incident_index_position')}")
        return self.catch_up()

    def _write(self, incidents: list[Incident], position: int) -> None:
        rows = [row_of(i) for i in incidents]
        if self._kind == "memory":
            self._rows.update({r.id: r for r in rows})
            self._actions.update({i.id: actions_of(i) for i in incidents})
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
            self._write_actions(c, incidents)
            self._write_labels(c, rows)
            c.execute(self._sql(f"INSERT INTO {pos} VALUES (1, ?) ON CONFLICT (one) DO UPDATE "
                                "SET position=excluded.position"), (position,))

    def _write_labels(self, c: Any, rows: list[IndexRow]) -> None:
        table = self._table("incident_labels")
        delete = self._sql(f"DELETE FROM {table} WHERE incident_id = ?")
        insert = self._sql(f"INSERT INTO {table} VALUES (?,?,?,?)")
        for r in rows:
            c.execute(delete, (r.id,))
            for kind, name, value in labels_of(r):
                c.execute(insert, (r.id, kind, name, value))

    def _write_actions(self, c: Any, incidents: list[Incident]) -> None:
        table = self._table("action_index")
        delete = self._sql(f"DELETE FROM {table} WHERE incident_id = ?")
        insert = self._sql(f"INSERT INTO {table} VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
        for incident in incidents:
            c.execute(delete, (incident.id,))
            for a in actions_of(incident):
                c.execute(insert, (a.incident_id, a.item_id, a.title, a.owner,
                                   a.due.isoformat() if a.due else None, a.status, a.priority,
                                   a.ticket, a.horizon, a.incident_title, a.incident_status,
                                   "|" + "|".join(a.services) + "|"))

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
        labels = self._stored_labels()
        if labels is not None:  # teams, tags and fields are part of what is checked
            for row in rows:
                found_labels = labels.get(str(row["id"]), [])
                row["teams"] = [n for k, n, _ in found_labels if k == "team"]
                row["tags"] = [n for k, n, _ in found_labels if k == "tag"]
                row["fields"] = [(n, v) for k, n, v in found_labels if k == "field"]
        return (int(found["position"]) if found else 0), rows

    def _stored_labels(self) -> dict[str, list[tuple[str, str, str]]] | None:
        try:
            with self._cursor(commit=False) as c:
                c.execute(f"SELECT * FROM {self._table('incident_labels')} "
                          "ORDER BY incident_id, kind, name")
                out: dict[str, list[tuple[str, str, str]]] = {}
                for r in c.fetchall():
                    out.setdefault(r["incident_id"], []).append((r["kind"], r["name"],
                                                                 r["value"]))
                return out
        except Exception:  # an index kept before labels were: nothing of them to check
            return None

    # ------------------------------------------------------------------ queries

    def find(self, *, severity: str | None = None, status: str | None = None,
             service: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None,
             team: str | None = None, tag: str | None = None,
             field: tuple[str, str] | None = None) -> list[IndexRow]:
        """Incidents matching every filter given, most recent start first.

        ``since``/``until`` bound when the incident started (detected, else declared);
        ``team``, ``tag``: one of the incident's; ``field``: ``(name, value)`` of a custom
        field.
        """
        if limit is not None and not 0 <= limit <= 2**63 - 1:
            raise ValueError(f"limit {limit}: out of range (0 to {2**63 - 1})")
        for name, when in (("since", since), ("until", until)):
            try:
                _iso(when)
            except (OverflowError, ValueError):
                raise ValueError(f"{name} {when}: out of range in UTC") from None
        wanted = [(kind, name, value) for kind, name, value in (
            ("team", team, ""), ("tag", tag, ""),
            ("field", *(field if field else (None, ""))))
            if name is not None]
        if self._kind == "memory":
            found = [r for r in self._rows.values() if
                     (severity is None or r.severity == severity)
                     and (status is None or r.status == status)
                     and (service is None or service in r.services)
                     and all(label in labels_of(r) for label in wanted)
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
            where.append(SERVICE_MATCH)
            params.append(_service_pattern(service))
        if since is not None:
            where.append("started_at >= ?")
            params.append(_iso(since))
        if until is not None:
            where.append("started_at < ?")
            params.append(_iso(until))
        labels = self._table("incident_labels")
        for kind, name, value in wanted:
            where.append(f"EXISTS (SELECT 1 FROM {labels} l WHERE l.incident_id = i.id AND "
                         "l.kind = ? AND l.name = ? AND l.value = ?)")
            params += [kind, name, value]
        sql = f"SELECT * FROM {self._table('incident_index')} i"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._cursor(commit=False) as c:
            c.execute(self._sql(sql), params)
            found = [_row(r) for r in c.fetchall()]
            return self._with_labels(c, found)

    def _with_labels(self, c: Any, rows: list[IndexRow]) -> list[IndexRow]:
        """The rows with their teams, tags and fields, read a page of incidents at a time."""
        by_id: dict[str, list[tuple[str, str, str]]] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            page = ids[start:start + 500]
            c.execute(self._sql(f"SELECT * FROM {self._table('incident_labels')} WHERE "
                                f"incident_id IN ({','.join('?' * len(page))}) "
                                "ORDER BY kind, name"), page)
            for r in c.fetchall():
                by_id.setdefault(r["incident_id"], []).append((r["kind"], r["name"],
                                                               r["value"]))
        if not by_id:
            return rows
        out = []
        for row in rows:
            found = by_id.get(row.id, [])
            out.append(attrs.evolve(
                row, teams=tuple(n for k, n, _ in found if k == "team"),
                tags=tuple(n for k, n, _ in found if k == "tag"),
                fields=tuple(sorted((n, v) for k, n, v in found if k == "field"))))
        return out


    def actions(self, *, open: bool = False, overdue: bool = False,
                owner: str | None = None, ticket: str | None = None,
                service: str | None = None, incident: str | None = None,
                today: date | None = None) -> list[ActionRow]:
        """Follow-ups across incidents matching every filter given, soonest due first
        (no due date last). ``open``: not done; ``overdue``: not done and due before
        ``today`` (default: today in UTC)."""
        today = today or datetime.now(UTC).date()
        if self._kind == "memory":
            found = [a for rows in self._actions.values() for a in rows
                     if (not open or a.status != "done")
                     and (not overdue or a.overdue(today))
                     and (owner is None or a.owner == owner)
                     and (ticket is None or a.ticket == ticket)
                     and (service is None or service in a.services)
                     and (incident is None or a.incident_id == incident)]
            found.sort(key=lambda a: (a.due is None, a.due or today, a.incident_id,
                                      a.item_id))
            return found
        where: list[str] = []
        params: list[str] = []
        if open or overdue:
            where.append("status <> 'done'")
        if overdue:
            where.append("due < ?")
            params.append(today.isoformat())
        for column, value in (("owner", owner), ("ticket", ticket), ("incident_id", incident)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if service is not None:
            where.append(SERVICE_MATCH)
            params.append(_service_pattern(service))
        sql = f"SELECT * FROM {self._table('action_index')}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY due IS NULL, due, incident_id, item_id"
        with self._cursor(commit=False) as c:
            c.execute(self._sql(sql), params)
            return [_action(r) for r in c.fetchall()]


def _action(r: Any) -> ActionRow:
    return ActionRow(r["incident_id"], r["item_id"], r["title"], r["owner"],
                     date.fromisoformat(r["due"]) if r["due"] else None, r["status"],
                     r["priority"], r["ticket"], r["horizon"], r["incident_title"],
                     r["incident_status"],
                     tuple(s for s in str(r["services"] or "").split("|") if s))


SERVICE_MATCH = "services LIKE ? ESCAPE '\\'"
"""Services are stored as ``|a|b|``; a name is matched whole with LIKE."""


def _service_pattern(service: str) -> str:
    """The LIKE pattern for one service name: its wildcards escaped, not stripped, so
    "payments_api" is a name, not a pattern."""
    escaped = service.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%|{escaped}|%"


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
    row = IndexRow(r["id"], r["title"], r["severity"], r["status"], services,
                   _time(r["started_at"]), _time(r["resolved_at"]), r["duration"],
                   int(r["version"]))
    if isinstance(r, dict) and "teams" in r:  # read with its labels (see stored())
        row = attrs.evolve(row, teams=tuple(r["teams"]), tags=tuple(r["tags"]),
                           fields=tuple(tuple(f) for f in r["fields"]))
    return row
