"""Follow-ups across incidents: from the index, filtered, without replaying any incident."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from incidentlog import IncidentLog, readmodel
from incidentlog import events as ev
from incidentlog.cli import main

T = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2025, 4, 1)


def fill(log: IncidentLog) -> None:
    for n, service in enumerate(("api", "db")):
        ident = f"INC-{n}"
        log.declare(ev.IncidentDeclared(incident_id=ident, title=f"t{n}", severity="P2",
                                        services=(service,), occurred_at=T, actor="@a"))
        log.append(ident, *[
            ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="A1", title=f"{service} alert",
                               owner="@ana", due=date(2025, 3, 15), ticket=f"OPS-{n}"),
            ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="A2", title=f"{service} docs",
                               owner="@bo", due=date(2025, 5, 1)),
            ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="A3", title="someday"),
        ])
    log.append("INC-1", ev.ActionItemUpdated(occurred_at=T, actor="@a", item_id="A1",
                                             status="done"))


def ids(rows: list[object]) -> list[str]:
    return [f"{r.incident_id}/{r.item_id}" for r in rows]  # type: ignore[attr-defined]


def test_filters_across_incidents(log: IncidentLog) -> None:
    fill(log)
    assert ids(readmodel.actions(log, today=TODAY)) == [
        "INC-0/A1", "INC-1/A1", "INC-0/A2", "INC-1/A2", "INC-0/A3", "INC-1/A3"]
    assert ids(readmodel.actions(log, open=True, today=TODAY)) == [
        "INC-0/A1", "INC-0/A2", "INC-1/A2", "INC-0/A3", "INC-1/A3"]
    assert ids(readmodel.actions(log, overdue=True, today=TODAY)) == ["INC-0/A1"]
    assert ids(readmodel.actions(log, owner="@bo")) == ["INC-0/A2", "INC-1/A2"]
    assert ids(readmodel.actions(log, ticket="OPS-1")) == ["INC-1/A1"]
    assert ids(readmodel.actions(log, service="db", open=True)) == ["INC-1/A2", "INC-1/A3"]
    assert ids(readmodel.actions(log, incident="INC-0", owner="@ana")) == ["INC-0/A1"]
    row = readmodel.actions(log, ticket="OPS-0")[0]
    assert (row.title, row.due, row.status, row.incident_title, row.services) == (
        "api alert", date(2025, 3, 15), "open", "t0", ("api",))
    # A change shows at the next query; a retraction removes the item.
    log.append("INC-0", ev.ActionItemUpdated(occurred_at=T, actor="@a", item_id="A1",
                                             status="done", owner="@cy"))
    assert ids(readmodel.actions(log, overdue=True, today=TODAY)) == []
    assert ids(readmodel.actions(log, owner="@cy")) == ["INC-0/A1"]
    log.append("INC-0", ev.Corrected(occurred_at=T, actor="@a", field="retract", value=None,
                                     reason="dup", target_version=4))
    assert "INC-0/A3" not in ids(readmodel.actions(log))


def test_queries_read_the_index_not_the_events(log: IncidentLog,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fill(log)
    readmodel.actions(log)  # catch up

    def no_replay(*args: object, **kwargs: object) -> None:
        raise AssertionError("an incident was replayed for a query")

    monkeypatch.setattr(log, "records", no_replay)
    monkeypatch.setattr(log, "get", no_replay)
    monkeypatch.setattr(log, "_load", no_replay)
    assert len(readmodel.actions(log, open=True, today=TODAY)) == 5


def test_an_index_kept_before_follow_ups_were_indexed_fills_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with IncidentLog(f"sqlite:///{path}") as log:
        fill(log)
        readmodel.find(log)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE action_index")
    with IncidentLog(f"sqlite:///{path}") as log:
        assert len(readmodel.actions(log)) == 6


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with IncidentLog(url) as log:
        fill(log)
    code, out, _ = run("--db", url, "actions", "--open", "--today", "2025-04-01")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["INCIDENT", "ITEM", "STATUS", "DUE", "OWNER",
                                              "TICKET", "TITLE"]
    assert lines[1].split() == ["INC-0", "A1", "open", "2025-03-15!", "@ana", "OPS-0", "api",
                                "alert"]
    assert lines[-1] == "5 action item(s), 1 overdue (marked !) on 2025-04-01"
    code, out, _ = run("--db", url, "actions", "--overdue", "--today", "2025-04-01", "--json")
    assert code == 0 and [(r["incident"], r["id"], r["overdue"]) for r in json.loads(out)] == [
        ("INC-0", "A1", True)]
    code, _, err = run("--db", url, "actions", "--today", "tomorrow")
    assert code == 2 and err.count("\n") == 1 and "YYYY-MM-DD" in err
    code, out, _ = run("--db", url, "actions", "--owner", "@nobody", "--json")
    assert code == 0 and json.loads(out) == []
