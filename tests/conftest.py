"""Fixtures: the same store contract runs on memory, SQLite and a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from incidentlog import IncidentLog

POSTGRES_ENV = "INCIDENTLOG_TEST_POSTGRES"
HOW_TO_POSTGRES = (
    f"set {POSTGRES_ENV}=postgresql://user:pw@127.0.0.1:5432/db to run the PostgreSQL tests "
    "(bash .ci/postgres.sh starts a throwaway server and prints the URL)"
)
SHARED = Path(__file__).resolve().parents[2] / "shared"


def assert_fixed_point(text: str) -> None:
    """A report imported, rendered in either template and imported again: the same
    incident (template B writes times to the second)."""
    from incidentlog.parse import import_markdown
    from incidentlog.parse.compare import differences
    from incidentlog.render import render_markdown

    first = import_markdown(text, source="report.md")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first.incident, template), source="r.md")
        assert differences(first.incident, again.incident, seconds=template == "b") == []


def timeline_header_lines(text: str) -> list[str]:
    """Header rows of the pipe tables that are timelines (a column names a time): a
    template writes its timeline's columns in its own words (``Timestamp`` becomes
    ``Time``), as it does a heading naming a role."""
    lines = text.splitlines()
    found = []
    for line, rule in itertools.pairwise(lines):
        if "|" in line and set(rule.strip()) <= set("|:- ") and "-" in rule:
            cells = [c.strip().lower() for c in line.strip().strip("|").split("|")]
            if any(c.split(" ")[0] in ("time", "timestamp", "date", "when") for c in cells):
                found.append(line)
    return found


class Clock:
    """A clock the tests move by hand: recorded_at becomes predictable."""

    def __init__(self, start: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {HOW_TO_POSTGRES}")
        pytest.skip(HOW_TO_POSTGRES)
    return url


@contextmanager
def fresh_schema(base: str) -> Iterator[str]:
    """A URL to a fresh schema on the PostgreSQL server at ``base``, dropped afterwards."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base.split("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a fresh schema on the test PostgreSQL server, dropped afterwards."""
    base = postgres_url()
    assert base
    with fresh_schema(base) as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """A database URL for each backend."""
    if request.param == "memory":
        yield None
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'incidents.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log(store_url: str | None, clock: Clock) -> Iterator[IncidentLog]:
    with IncidentLog(store_url, clock=clock) as opened:
        yield opened
