"""The incident index's views: eventsourcing tracking recorders, one per backend.

Each view keeps the index rows (:mod:`incidentlog.index_rows`) and the position in the
notification log they were projected up to, written in one transaction through
eventsourcing's tracking (:class:`~eventsourcing.persistence.Tracking`): a position only
moves forwards, so of two processes catching up at once the one that is behind has its
whole write refused (``write`` returns False) instead of putting older rows over newer.
SQLite and PostgreSQL (:mod:`incidentlog.persistence.postgres_view`, imported only for a
PostgreSQL store) keep tables beside the events; memory keeps dictionaries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from incidentlog.incident import Incident
from incidentlog.index_rows import (
    ActionQuery,
    ActionRow,
    IndexRow,
    Query,
    action_from_table,
    actions_of,
    iso,
    labels_of,
    newest_first,
    row_from_table,
    row_of,
    service_pattern,
    services_text,
    soonest_due,
)

NAME = "incident_index"
"""The index's name in the tracking table."""

TABLES = ("incident_index", "incident_labels", "action_index")

DDL = [
    "CREATE TABLE IF NOT EXISTS {incident_index} (id TEXT PRIMARY KEY, title TEXT, "
    "severity TEXT, status TEXT, services TEXT, started_at TEXT, resolved_at TEXT, "
    "duration {real}, version INTEGER)",
    # In the order queries list rows, so the newest (of a severity, of a status) are read
    # straight off an index, never sorted.
    "CREATE INDEX IF NOT EXISTS incident_index_by_start ON {incident_index} ({order})",
    "CREATE INDEX IF NOT EXISTS incident_index_severity_by_start ON {incident_index} "
    "(severity, {order})",
    "CREATE INDEX IF NOT EXISTS incident_index_status_by_start ON {incident_index} "
    "(status, {order})",
    "DROP INDEX IF EXISTS {incident_index_severity}",
    "DROP INDEX IF EXISTS {incident_index_status}",
    "DROP INDEX IF EXISTS {incident_index_started_at}",
    "CREATE TABLE IF NOT EXISTS {incident_labels} (incident_id TEXT, kind TEXT, name TEXT, "
    "value TEXT, PRIMARY KEY (incident_id, kind, name))",
    "CREATE INDEX IF NOT EXISTS incident_labels_name ON {incident_labels} (kind, name, value)",
    "CREATE TABLE IF NOT EXISTS {action_index} (incident_id TEXT, item_id TEXT, title TEXT, "
    "owner TEXT, due TEXT, status TEXT, priority TEXT, ticket TEXT, horizon TEXT, "
    "incident_title TEXT, incident_status TEXT, services TEXT, "
    "PRIMARY KEY (incident_id, item_id))",
    "CREATE INDEX IF NOT EXISTS action_index_owner ON {action_index} (owner)",
    "CREATE INDEX IF NOT EXISTS action_index_ticket ON {action_index} (ticket)",
    "CREATE INDEX IF NOT EXISTS action_index_due ON {action_index} (due)",
    # The position table of the index before it was a tracked projection.
    "DROP TABLE IF EXISTS {incident_index_position}",
]


class IndexView:
    """What every view of the index does (a tracking recorder of eventsourcing's)."""

    def position(self) -> int:
        """The notification-log position the rows were projected up to (0: none). A
        ``ValueError`` when the stored position is damaged."""
        raise NotImplementedError

    def write(self, incidents: Sequence[Incident], position: int) -> bool:
        """Put the rows of ``incidents`` (their latest states) and move the position to
        ``position``, in one transaction. False, and nothing written, when the view is
        already at or past ``position`` (another process caught up first)."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget every row and the position."""
        raise NotImplementedError

    def find(self, query: Query) -> list[IndexRow]:
        """Rows matching ``query``, newest start first."""
        raise NotImplementedError

    def actions(self, query: ActionQuery) -> list[ActionRow]:
        """Follow-ups matching ``query``, soonest due first."""
        raise NotImplementedError

    def stored(self) -> tuple[int, list[dict[str, Any]]] | None:
        """The position and the rows as stored, read as they are (``None``: no index was
        ever kept here). For checking the index against the events."""
        raise NotImplementedError


class MemoryIndexView(POPOTrackingRecorder, IndexView):
    """The index in dictionaries (an in-memory store, an encrypted one, a read-only file)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, IndexRow] = {}
        self._actions: dict[str, list[ActionRow]] = {}

    def position(self) -> int:
        return self.max_tracking_id(NAME) or 0

    def write(self, incidents: Sequence[Incident], position: int) -> bool:
        with self._database_lock:
            try:
                self._assert_tracking_uniqueness(Tracking(NAME, position))
            except IntegrityError:
                return False
            self._rows.update({i.id: row_of(i) for i in incidents})
            self._actions.update({i.id: actions_of(i) for i in incidents})
            self._insert_tracking(Tracking(NAME, position))
            return True

    def clear(self) -> None:
        with self._database_lock:
            self._rows.clear()
            self._actions.clear()
            self._max_tracking_ids.pop(NAME, None)

    def find(self, query: Query) -> list[IndexRow]:
        found = newest_first([r for r in self._rows.values() if query.matches(r)])
        return found[:query.limit] if query.limit else found

    def actions(self, query: ActionQuery) -> list[ActionRow]:
        return soonest_due([a for rows in self._actions.values() for a in rows
                            if query.matches(a)], query.today)

    def stored(self) -> tuple[int, list[dict[str, Any]]] | None:
        import attrs

        position = self.position()
        if not position:
            return None
        return position, [attrs.asdict(r, retain_collection_types=True)
                          for r in self._rows.values()]


class Tables(IndexView):
    """The index in tables, for both SQL backends: only the parameter mark, the table
    names and the tracking transaction differ, and each backend says its own."""

    mark = "?"
    collate = ""
    real = "REAL"
    order = "started_at DESC, id DESC"
    """Most recent start first, no start last (SQLite puts NULL lowest), ties by id."""
    datastore: Any

    def table(self, name: str) -> str:
        return name

    def ddl(self) -> list[str]:
        names = {t: self.table(t) for t in (*TABLES, "incident_index_position",
                                            "incident_index_severity", "incident_index_status",
                                            "incident_index_started_at")}
        return [statement.format(real=self.real, order=self.order, **names)
                for statement in DDL]

    @contextlib.contextmanager
    def _cursor(self, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _track(self, c: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def _untrack(self, c: Any) -> None:
        raise NotImplementedError

    def missing_tables(self) -> int:
        """How many of the index's tables are not there."""
        raise NotImplementedError

    def position(self) -> int:
        found = self.max_tracking_id(NAME)  # type: ignore[attr-defined]
        if found is None:
            return 0
        if isinstance(found, bool) or not isinstance(found, int):
            raise ValueError(f"the index's position is damaged ({found!r})")
        return found

    def write(self, incidents: Sequence[Incident], position: int) -> bool:
        m = self.mark
        index, labels, actions = (self.table(t) for t in TABLES)
        upsert = (f"INSERT INTO {index} VALUES ({','.join([m] * 9)}) ON CONFLICT (id) DO "
                  "UPDATE SET title=excluded.title, severity=excluded.severity, "
                  "status=excluded.status, services=excluded.services, "
                  "started_at=excluded.started_at, resolved_at=excluded.resolved_at, "
                  "duration=excluded.duration, version=excluded.version")
        # In id order, so writers catching up at once lock rows in the same order.
        ordered = sorted(incidents, key=lambda i: i.id)
        try:
            with self._cursor(commit=True) as c:
                # The position first: a writer that is behind waits here for the one
                # ahead, then is refused, before it has written a row.
                self._track(c, Tracking(NAME, position))
                for incident in ordered:
                    r = row_of(incident)
                    c.execute(upsert, (r.id, r.title, r.severity, r.status,
                                       services_text(r.services), iso(r.started_at),
                                       iso(r.resolved_at), r.duration_minutes, r.version))
                    c.execute(f"DELETE FROM {labels} WHERE incident_id = {m}", (r.id,))
                    for kind, name, value in labels_of(r):
                        c.execute(f"INSERT INTO {labels} VALUES ({m},{m},{m},{m})",
                                  (r.id, kind, name, value))
                    c.execute(f"DELETE FROM {actions} WHERE incident_id = {m}", (r.id,))
                    for a in actions_of(incident):
                        c.execute(f"INSERT INTO {actions} VALUES ({','.join([m] * 12)})",
                                  (a.incident_id, a.item_id, a.title, a.owner,
                                   a.due.isoformat() if a.due else None, a.status,
                                   a.priority, a.ticket, a.horizon, a.incident_title,
                                   a.incident_status, services_text(a.services)))
        except IntegrityError:
            return False
        return True

    def clear(self) -> None:
        with self._cursor(commit=True) as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {self.table(table)}")
            self._untrack(c)

    def _matching(self, equal: tuple[tuple[str, object], ...], service: str | None
                  ) -> tuple[list[str], list[object]]:
        """WHERE terms and their parameters: each column equal to its value (``None``: any
        value), and a service among the row's services."""
        where: list[str] = []
        params: list[object] = []
        for column, value in equal:
            if value is not None:
                where.append(f"{column} = {self.mark}")
                params.append(value)
        if service is not None:
            where.append(f"services LIKE {self.mark} ESCAPE '\\'")
            params.append(service_pattern(service))
        return where, params

    def find(self, query: Query) -> list[IndexRow]:
        m = self.mark
        where, params = self._matching(
            (("severity", query.severity), ("status", query.status)), query.service)
        if query.since is not None:
            where.append(f"started_at >= {m}")
            params.append(iso(query.since))
        if query.until is not None:
            where.append(f"started_at < {m}")
            params.append(iso(query.until))
        labels = self.table("incident_labels")
        for kind, name, value in query.labels():
            where.append(f"EXISTS (SELECT 1 FROM {labels} l WHERE l.incident_id = i.id AND "
                         f"l.kind = {m} AND l.name = {m} AND l.value = {m})")
            params += [kind, name, value]
        sql = f"SELECT * FROM {self.table('incident_index')} i"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {self.order}"
        if query.limit:
            sql += f" LIMIT {m}"
            params.append(int(query.limit))
        with self._cursor(commit=False) as c:
            c.execute(sql, params)
            found = [row_from_table(r) for r in c.fetchall()]
            return self._with_labels(c, found)

    def _with_labels(self, c: Any, rows: list[IndexRow]) -> list[IndexRow]:
        """The rows with their teams, tags and fields, read a page of incidents at a time."""
        import attrs

        by_id: dict[str, list[tuple[str, str, str]]] = {}
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            page = ids[start:start + 500]
            c.execute(f"SELECT * FROM {self.table('incident_labels')} WHERE incident_id IN "
                      f"({','.join([self.mark] * len(page))}) ORDER BY kind, name"
                      f"{self.collate}", page)
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

    def actions(self, query: ActionQuery) -> list[ActionRow]:
        where, params = self._matching(
            (("owner", query.owner), ("ticket", query.ticket), ("incident_id", query.incident)),
            query.service)
        if query.open or query.overdue:
            where.append("status <> 'done'")
        if query.overdue:
            where.append(f"due < {self.mark}")
            params.append(query.today.isoformat())
        sql = f"SELECT * FROM {self.table('action_index')}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += (f" ORDER BY due IS NULL, due, incident_id{self.collate}, "
                f"item_id{self.collate}")
        with self._cursor(commit=False) as c:
            c.execute(sql, params)
            return [action_from_table(r) for r in c.fetchall()]

    def stored(self) -> tuple[int, list[dict[str, Any]]] | None:
        try:
            with self._cursor(commit=False) as c:
                c.execute(f"SELECT * FROM {self.table('incident_index')}")
                rows = [dict(r) for r in c.fetchall()]
        except Exception:  # no such table: the index was never kept here
            return None
        try:
            position = self.position()
        except Exception:  # damaged: checked against the log as "beyond its end"
            position = 2**63 - 1
        labels = self._stored_labels()
        if labels is not None:  # teams, tags and fields are part of what is checked
            for row in rows:
                found_labels = labels.get(str(row["id"]), [])
                row["teams"] = [n for k, n, _ in found_labels if k == "team"]
                row["tags"] = [n for k, n, _ in found_labels if k == "tag"]
                row["fields"] = [(n, v) for k, n, v in found_labels if k == "field"]
        return position, rows

    def _stored_labels(self) -> dict[str, list[tuple[str, str, str]]] | None:
        try:
            with self._cursor(commit=False) as c:
                c.execute(f"SELECT * FROM {self.table('incident_labels')} "
                          "ORDER BY incident_id, kind, name")
                out: dict[str, list[tuple[str, str, str]]] = {}
                for r in c.fetchall():
                    out.setdefault(r["incident_id"], []).append((r["kind"], r["name"],
                                                                 r["value"]))
                return out
        except Exception:  # an index kept before labels were: nothing of them to check
            return None


class SQLiteIndexView(Tables, SQLiteTrackingRecorder):
    """The index in tables of the SQLite file that holds the events."""

    def __init__(self, datastore: SQLiteDatastore) -> None:
        super().__init__(datastore)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.ddl()]

    def _track(self, c: Any, tracking: Tracking) -> None:
        self._insert_tracking(c, tracking)

    def _untrack(self, c: Any) -> None:
        c.execute("DELETE FROM tracking WHERE application_name = ?", (NAME,))

    def missing_tables(self) -> int:
        with self._cursor(commit=False) as c:
            c.execute("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND "
                      f"name IN ({','.join('?' * len(TABLES))})", TABLES)
            return len(TABLES) - int(c.fetchone()["n"])


def create(view: IndexView) -> None:
    """Create the tables of a view (if not there), refilling an index whose position says
    it is up to date when one of its tables was missing (kept before that table was)."""
    if not isinstance(view, Tables):
        return
    missing = view.missing_tables()
    for attempt in range(5):
        try:
            view.create_table()  # type: ignore[attr-defined]
            break
        except (IntegrityError, OperationalError):
            # Another process created the tracking table at the same moment (its first
            # row collides): the tables are there now; check again.
            if attempt == 4:
                raise
    if missing and view.position():
        view.clear()
