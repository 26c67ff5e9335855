"""The incident index: kept from the event stream, rebuilt on demand, filters without replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidentlog import IncidentLog, readmodel
from incidentlog import events as ev
from incidentlog.readmodel import IncidentIndex, row_of

T = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)


def fill(log: IncidentLog) -> None:
    for n, (severity, service) in enumerate([("P1", "api"), ("P2", "db"), ("P1", "db"),
                                             ("P3", "web")]):
        ident = f"INC-2025020{n + 1}-0001"
        start = T + timedelta(days=n)
        log.declare(ev.IncidentDeclared(incident_id=ident, title=f"i{n}", severity=severity,
                                        services=(service,), occurred_at=start, actor="@a"))
        if n % 2 == 0:
            log.append(ident, ev.Resolved(occurred_at=start + timedelta(minutes=30 + n),
                                          actor="@a"))


def test_index_follows_the_stream_and_filters(log: IncidentLog) -> None:
    fill(log)
    index = IncidentIndex(log)
    assert index.catch_up() >= 4
    assert [r.id for r in index.find()] == [f"INC-2025020{n}-0001" for n in (4, 3, 2, 1)]
    assert {r.id for r in index.find(severity="P1")} == {"INC-20250201-0001",
                                                         "INC-20250203-0001"}
    assert {r.id for r in index.find(service="db")} == {"INC-20250202-0001",
                                                        "INC-20250203-0001"}
    assert [r.id for r in index.find(status="resolved", since=T + timedelta(days=1))] == [
        "INC-20250203-0001"]
    assert [r.id for r in index.find(until=T + timedelta(days=1))] == ["INC-20250201-0001"]
    assert index.find(severity="P1", status="resolved", service="api")[0].duration_minutes == 30
    assert len(index.find(limit=2)) == 2
    # New events show after the next catch-up, and only the changed incident is rewritten.
    log.append("INC-20250202-0001", ev.Resolved(occurred_at=T + timedelta(days=1, hours=1),
                                                actor="@a"))
    assert index.catch_up() == 1
    assert index.find(status="resolved", severity="P2")[0].id == "INC-20250202-0001"
    assert index.catch_up() == 0


def test_rebuild_gives_the_same_rows(log: IncidentLog) -> None:
    fill(log)
    index = IncidentIndex(log)
    index.catch_up()
    before = index.find()
    index.rebuild()
    assert index.find() == before
    assert before == sorted((row_of(i) for i in log.list()),
                            key=lambda r: r.started_at or T, reverse=True)


def test_log_find_is_always_up_to_date(log: IncidentLog) -> None:
    fill(log)
    assert len(readmodel.find(log, severity="P1")) == 2
    log.declare(ev.IncidentDeclared(incident_id="NEW-1", title="n", severity="P1",
                                    occurred_at=T, actor="@a"))
    assert len(readmodel.find(log, severity="P1")) == 3


def test_service_names_with_like_wildcards_are_names(log: IncidentLog) -> None:
    names = ["payments_api", "paymentsXapi", "pay%", "payroll", "a\\b", "ab"]
    for n, name in enumerate(names):
        log.declare(ev.IncidentDeclared(incident_id=f"SVC-{n}", title=name, severity="P2",
                                        services=(name,), occurred_at=T, actor="@a"))
    for n, name in enumerate(names):
        assert [r.id for r in readmodel.find(log, service=name)] == [f"SVC-{n}"], name
    assert readmodel.find(log, service="pay") == [] and readmodel.find(log, service="%") == []
