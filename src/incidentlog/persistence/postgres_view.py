"""The incident index's view in PostgreSQL (its own module: it needs psycopg)."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL

from incidentlog.persistence.views import NAME, TABLES, Tables


class PostgresIndexView(Tables, PostgresTrackingRecorder):
    """The index in tables of the PostgreSQL schema that holds the events."""

    mark = "%s"
    collate = ' COLLATE "C"'
    """Ordered by code point, as SQLite and Python order text."""
    order = 'started_at DESC NULLS LAST, id COLLATE "C" DESC'
    real = "DOUBLE PRECISION"
    """A duration as exact as SQLite's REAL and Python's float (PostgreSQL's REAL has
    four bytes)."""

    def __init__(self, datastore: PostgresDatastore, tracking_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        self.sql_create_statements += [SQL(statement) for statement in  # type: ignore[misc]
                                       self.ddl()]

    def table(self, name: str) -> str:
        return f'"{self.datastore.schema or "public"}".{name}'

    def _track(self, c: Any, tracking: Tracking) -> None:
        self._insert_tracking(c, tracking)

    def _untrack(self, c: Any) -> None:
        c.execute(f'DELETE FROM {self.table(self.tracking_table_name)} '
                  "WHERE application_name = %s", (NAME,))

    def missing_tables(self) -> int:
        with self._cursor(commit=False) as c:
            c.execute("SELECT COUNT(*) AS n FROM information_schema.tables WHERE "
                      "table_schema = %s AND table_name = ANY(%s)",
                      (self.datastore.schema or "public", list(TABLES)))
            return len(TABLES) - int(c.fetchone()["n"])
