"""The incident index as a tracked projection: the same answers on every backend, and a
catch-up from many processes at once that is safe."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentlog import IncidentLog, readmodel
from incidentlog import events as ev
from incidentlog.readmodel import IncidentIndex

from conftest import POSTGRES_ENV, fresh_schema

T = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SERVICES = ["api", "db", "payments_api", "paymentsXapi", "pay%", "a\\b"]
TEAMS = ["payments", "search", "Search"]
OWNERS = ["@ana", "@bo", None]


@st.composite
def incident(draw: st.DrawFn) -> list[ev.Event]:
    """One incident's events: severity, services, start, maybe resolved, labels, follow-ups
    (the id is set when it is stored)."""
    start = T + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    events: list[ev.Event] = [ev.IncidentDeclared(
        incident_id="X", title=draw(st.sampled_from(["Checkout down", "Ünïcode", "b"])),
        severity=draw(st.sampled_from(["P1", "P2", "P3", None])),
        services=tuple(draw(st.lists(st.sampled_from(SERVICES), max_size=3, unique=True))),
        occurred_at=start, actor="@a",
        detected_at=start - timedelta(minutes=draw(st.integers(0, 90))))]
    teams = draw(st.lists(st.sampled_from(TEAMS), max_size=2, unique=True))
    if teams:
        events.append(ev.TeamsChanged(occurred_at=start, actor="@a", added=tuple(teams)))
    if draw(st.booleans()):
        events.append(ev.FieldSet(occurred_at=start, actor="@a", name="region",
                                  value=draw(st.sampled_from(["eu", "us"]))))
    for n in range(draw(st.integers(0, 3))):
        events.append(ev.ActionItemAdded(
            occurred_at=start, actor="@a", item_id=f"A{n}", title=f"fix {n}",
            owner=draw(st.sampled_from(OWNERS)),
            due=draw(st.none() | st.dates(date(2025, 3, 1), date(2025, 5, 1))),
            status=draw(st.sampled_from(["open", "in_progress", "done"]))))
    if draw(st.booleans()):
        events.append(ev.Resolved(
            occurred_at=start + timedelta(seconds=draw(st.integers(1, 10**6))), actor="@a"))
    return events


queries = st.fixed_dictionaries({}, optional={
    "severity": st.sampled_from(["P1", "P2", "P3"]),
    "status": st.sampled_from(["resolved", "investigating"]),
    "service": st.sampled_from([*SERVICES, "pay", "%", "_"]),
    "since": st.integers(0, 40).map(lambda d: T + timedelta(days=d)),
    "until": st.integers(0, 40).map(lambda d: T + timedelta(days=d)),
    "limit": st.integers(1, 5),
    "team": st.sampled_from(TEAMS),
    "field": st.sampled_from([("region", "eu"), ("region", "us")]),
})
action_queries = st.fixed_dictionaries({}, optional={
    "open": st.booleans(), "overdue": st.booleans(),
    "owner": st.sampled_from(["@ana", "@bo"]), "service": st.sampled_from(SERVICES),
    "today": st.dates(date(2025, 3, 1), date(2025, 5, 1)),
})


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A URL to a fresh schema when the PostgreSQL tests run, else ``None``."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        yield None
        return
    with fresh_schema(base) as url:
        yield url


def test_every_backend_answers_every_query_alike() -> None:
    """Hypothesis draws incidents and queries; memory, SQLite and PostgreSQL (when
    INCIDENTLOG_TEST_POSTGRES is set) hold the same incidents and must give the same rows.
    The stores live for the whole test (each example adds incidents with new ids), so a
    difference shows on data of every example drawn so far."""
    counter = itertools.count()
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as pg:
        urls: list[str | None] = [None, f"sqlite:///{tmp}/index.db", *([pg] if pg else [])]
        logs = [IncidentLog(url) for url in urls]

        @settings(max_examples=25 if pg else 40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(incidents=st.lists(incident(), min_size=1, max_size=4),
               finds=st.lists(queries, min_size=1, max_size=4),
               follow_ups=st.lists(action_queries, min_size=1, max_size=3))
        def same_answers(incidents: list[list[ev.Event]], finds: list[dict[str, object]],
                         follow_ups: list[dict[str, object]]) -> None:
            for events in incidents:
                ident = f"INC-{next(counter):05d}"
                first = events[0]
                assert isinstance(first, ev.IncidentDeclared)
                stored = [msgspec.structs.replace(first, incident_id=ident), *events[1:]]
                for log in logs:
                    log.append(ident, *stored, validate=False)  # unrated, as imported
            for query in [{}, *finds]:
                answers = [readmodel.find(log, **query) for log in logs]
                assert all(a == answers[0] for a in answers), (query, urls)
            for query in follow_ups:
                answers = [readmodel.actions(log, **query) for log in logs]
                assert all(a == answers[0] for a in answers), (query, urls)

        try:
            same_answers()
        finally:
            for log in logs:
                log.close()


def seed(url: str, n: int = 40) -> None:
    with IncidentLog(url) as log:
        batch = []
        for i in range(n):
            start = T + timedelta(hours=i)
            batch.append((f"C-{i:03d}", [ev.IncidentDeclared(
                incident_id=f"C-{i:03d}", title=f"incident {i}", severity="P2",
                services=("payments_api",), occurred_at=start, actor="@a")]))
        log.append_many(batch)


def lists_at_once(url: str, processes: int = 8) -> list[subprocess.CompletedProcess[str]]:
    """``incidentlog list`` from ``processes`` processes started together."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def one(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "incidentlog.cli", "--db", url, "list",
                               "--service", "payments_api"],
                              capture_output=True, text=True, env=env, timeout=120)

    with ThreadPoolExecutor(processes) as pool:
        return list(pool.map(one, range(processes)))


def check_same_answer(url: str, done: list[subprocess.CompletedProcess[str]]) -> None:
    assert all("Traceback" not in d.stderr for d in done), [d.stderr for d in done]
    assert [d.returncode for d in done] == [0] * len(done), [d.stderr for d in done]
    assert len({d.stdout for d in done}) == 1 and done[0].stdout.count("C-0") == 40
    with IncidentLog(url) as log:
        index = IncidentIndex(log)
        assert index.position() == log.store.max_position(), "the position is exact"
        assert index.catch_up() == 0


def test_eight_lists_at_once_on_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    seed(url)
    check_same_answer(url, lists_at_once(url))


@pytest.mark.postgres
def test_eight_lists_at_once_on_a_fresh_postgres_schema(pg_url: str) -> None:
    seed(pg_url)
    check_same_answer(pg_url, lists_at_once(pg_url))


def test_a_writer_behind_another_is_refused_and_the_position_never_goes_back(
        store_url: str | None) -> None:
    with IncidentLog(store_url) as log:
        seed_log = log
        for i in range(3):
            seed_log.declare(ev.IncidentDeclared(incident_id=f"W-{i}", title=f"w{i}",
                                                 severity="P3", occurred_at=T, actor="@a"))
        ahead, behind = IncidentIndex(log), IncidentIndex(log)
        if store_url is None:  # in memory, each index is its own view: share one
            behind.view = ahead.view
        ahead.catch_up()
        top = ahead.position()
        first = log.get("W-0")
        assert not behind.view.write([first], top - 1), "an older position is refused"
        assert ahead.position() == top
        assert behind.catch_up() == 0 and behind.position() == top


def test_the_index_kept_for_a_log_does_not_keep_the_log_alive() -> None:
    import gc
    import weakref

    log = IncidentLog()
    seed_one = ev.IncidentDeclared(incident_id="K-1", title="k", severity="P3",
                                   occurred_at=T, actor="@a")
    log.declare(seed_one)
    assert [r.id for r in readmodel.find(log)] == ["K-1"]
    gone = weakref.ref(log)
    del log
    gc.collect()
    assert gone() is None, "a closed log's index (and its connections) can go"
