"""Audit: history, time travel, diff and blame, tamper evidence, the feed, metrics."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentlog import IncidentLog, audit, integrity
from incidentlog import events as ev
from incidentlog.changes import apply_changes, as_document, diff
from incidentlog.cli import main
from incidentlog.errors import IncidentNotFoundError
from incidentlog.incident import fold

from strategies import histories

ID = "INC-20251023-0001"
T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def recorded_incident(url: str | None = None) -> tuple[IncidentLog, Clock]:
    clock = Clock()
    log = IncidentLog(url, clock=clock, snapshot_interval=3)
    clock.now = at(6)
    log.declare(ev.IncidentDeclared(incident_id=ID, title="Transfers failing", severity="P2",
                                    occurred_at=at(5), actor="@oncall", detected_at=at(0)))
    clock.now = at(12)
    log.append(ID, ev.SeverityChanged(occurred_at=at(10), actor="@oncall", severity="P0",
                                      reason="all transfers failing"))
    clock.now = at(40)
    log.append(ID, ev.TimelineEntryAdded(occurred_at=at(20), actor="@sre", text="Rollback"),
               ev.Resolved(occurred_at=at(30), actor="@sre", summary="rolled back"))
    clock.now = at(60)
    log.append(ID, ev.Corrected(occurred_at=at(60), actor="@lead", field="title",
                                value="All transfers failing", reason="title understated"))
    return log, clock


def test_history_has_one_line_per_event() -> None:
    log, _ = recorded_incident()
    lines = audit.history(log, ID)
    assert [line.version for line in lines] == [1, 2, 3, 4, 5]
    assert lines[1].summary == "escalated P2 -> P0: all transfers failing"
    assert lines[1].actor == "@oncall" and lines[1].recorded_at == at(12)
    assert lines[4].summary.startswith("corrected title to 'All transfers failing'")


def test_time_travel_on_both_axes() -> None:
    log, _ = recorded_incident()
    # What did the record say at 14:35 (recorded time)? Escalated, not yet resolved.
    known = log.get(ID, as_of=at(35))
    assert (known.severity, known.resolved_at, known.title) == ("P0", None, "Transfers failing")
    # What had happened by 14:25, as we know it now? Escalated, rollback, the corrected title.
    happened = log.get(ID, occurred_by=at(25))
    assert happened.severity == "P0" and happened.title == "All transfers failing"
    assert [t.text for t in happened.timeline][-1] == "Rollback"
    assert happened.resolved_at is None
    assert log.get(ID, version=2).severity == "P0"
    with pytest.raises(ValueError, match="naive"):
        log.get(ID, as_of=datetime(2025, 10, 23, 14, 35))


@SETTINGS
@given(history=histories(max_size=20), data=st.data())
def test_version_n_is_the_fold_of_the_first_n_events(history: list[ev.Event],
                                                     data: st.DataObject) -> None:
    with IncidentLog(snapshot_interval=4) as log:
        log.append(ID, *history)
        n = data.draw(st.integers(1, len(history)))
        assert log.get(ID, version=n) == fold(log.events(ID)[:n])


def _sorted(doc: dict[str, object]) -> dict[str, object]:
    return {k: sorted(map(json.dumps, v)) if isinstance(v, list) else v for k, v in doc.items()}


@SETTINGS
@given(history=histories(max_size=20), data=st.data())
def test_diff_applied_to_a_gives_b(history: list[ev.Event], data: st.DataObject) -> None:
    a_n = data.draw(st.integers(1, len(history)))
    b_n = data.draw(st.integers(1, len(history)))
    a, b = fold(history[:a_n]), fold(history[:b_n])
    assert a is not None and b is not None
    changes = diff(a, b)
    applied = apply_changes(as_document(a), changes)
    assert _sorted(applied) == _sorted(as_document(b))
    assert (changes == []) == (as_document(a) == as_document(b))


def test_diff_between_versions_names_fields_and_items() -> None:
    log, _ = recorded_incident()
    changes = {c.path: c for c in diff(log.get(ID, version=2), log.get(ID))}
    assert changes["$.title"].before == "Transfers failing"
    assert changes["$.title"].after == "All transfers failing"
    assert changes["$.status"].kind == "changed"
    added = [c for c in changes.values() if c.kind == "added" and c.path.startswith("$.timeline")]
    assert {c.after["event"] for c in added} == {"Rollback", "Incident resolved"}


def test_blame_shows_who_last_set_each_field_and_corrections() -> None:
    log, _ = recorded_incident()
    rows = {b.field: b for b in audit.blame(log, ID)}
    assert (rows["$.title"].version, rows["$.title"].actor) == (5, "@lead")
    assert rows["$.title"].correction == "title understated"
    assert (rows["$.severity"].version, rows["$.severity"].type) == (2, "severity_changed")
    assert rows["$.resolved_at"].recorded_at == at(40)


def test_blame_names_each_list_item_and_its_fields_at_the_event_that_set_them() -> None:
    log, clock = recorded_incident()
    clock.now = at(70)
    log.append(ID, ev.ActionItemAdded(occurred_at=at(70), actor="@lead", item_id="OPS-1",
                                      title="Alert on transfer errors", owner="@sre"),
               ev.ActionItemAdded(occurred_at=at(70), actor="@lead", item_id="OPS-2",
                                  title="Canary deploys"),
               ev.SignedOff(occurred_at=at(70), actor="@vp", role="approver", name="@vp"))
    clock.now = at(80)
    log.append(ID, ev.ActionItemUpdated(occurred_at=at(80), actor="@sre", item_id="OPS-1",
                                        status="done"))
    rows = {b.field: b for b in audit.blame(log, ID)}
    assert rows["$.action_items[OPS-1]"].version == 9
    assert (rows["$.action_items[OPS-1].status"].version,
            rows["$.action_items[OPS-1].status"].actor) == (9, "@sre")
    assert rows["$.action_items[OPS-1].title"].version == 6
    assert rows["$.action_items[OPS-2]"].version == 7
    assert rows["$.sign_offs[approver].name"].actor == "@vp"
    rollback = rows["$.timeline[3]"]  # the entry added at version 3
    assert (rollback.version, rollback.actor) == (3, "@sre")
    assert "$.action_items" not in rows and "$.timeline" not in rows
    # A retracted item leaves the blame; the correction is blamed where it applies.
    log.append(ID, ev.Corrected(occurred_at=at(90), actor="@lead", field="retract", value=None,
                                target_version=7, reason="duplicate"))
    rows = {b.field: b for b in audit.blame(log, ID)}
    assert not any(path.startswith("$.action_items[OPS-2]") for path in rows)
    assert rows["$.action_items[OPS-1].status"].version == 9


def test_blame_of_no_incident_raises() -> None:
    log, _ = recorded_incident()
    with pytest.raises(IncidentNotFoundError):
        audit.blame(log, "NOPE-1")


def test_feed_in_any_page_size_yields_every_event_once_in_order() -> None:
    log, _ = recorded_incident()
    log.declare(ev.IncidentDeclared(incident_id="B-1", title="b", severity="P3",
                                    occurred_at=at(70), actor="@x"))
    everything = [(i.incident_id, i.version) for i in audit.feed(log)]
    assert len(everything) == 6 and len(set(everything)) == 6

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.integers(1, 4), min_size=1, max_size=10))
    def read_in_pages(sizes: list[int]) -> None:
        seen, position = [], 0
        for size in sizes * 6:
            page = list(audit.feed(log, after=position, page=size))[:size]
            if not page:
                break
            seen += [(i.incident_id, i.version) for i in page]
            position = page[-1].position
        assert seen == everything

    read_in_pages()


def test_cloudevents_export() -> None:
    log, _ = recorded_incident()
    item = next(iter(audit.feed(log)))
    event = audit.cloudevent(item)
    assert event["specversion"] == "1.0" and event["subject"] == ID
    assert event["type"] == "incidentlog.declared" and event["id"] == f"{ID}/1"


def test_stored_events_leave_out_defaults_but_exports_carry_every_field(tmp_path: Path
                                                                        ) -> None:
    path = tmp_path / "e.db"
    log, _ = recorded_incident(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE originator_version=1"
                                ).fetchone()
    stored = msgspec.json.decode(state)["event"]
    assert "source" not in stored and "commander" not in stored, "defaults are not stored"
    declared = log.events(ID)[0]
    assert isinstance(declared, ev.IncidentDeclared) and declared.source is None
    exported = audit.cloudevent(next(iter(audit.feed(log))))["data"]
    every = set(ev.IncidentDeclared.__struct_fields__) | {"type", "position", "version"}
    assert set(exported) == every and exported["source"] is None
    out = io.StringIO()
    assert main(["export", "--db", f"sqlite:///{path}"], out=out) == 0
    first = json.loads(out.getvalue().splitlines()[0])
    assert set(first["event"]) == set(ev.IncidentDeclared.__struct_fields__) | {"type"}
    assert integrity.verify(log).ok


def test_stats_name_what_they_cannot_count() -> None:
    log, _ = recorded_incident()
    log.declare(ev.IncidentDeclared(incident_id="B-1", title="b", severity="P3",
                                    occurred_at=at(70), actor="@x"))
    (group,) = audit.stats(log.list())
    assert group.incidents == 2
    assert group.mttr.count == 1 and group.mttr.median_minutes == 30
    assert group.mttr.missing == ("B-1",)
    by = {g.group: g for g in audit.stats(log.list(), by="severity")}
    assert set(by) == {"P0", "P3"}


# --------------------------------------------------------------------------- tampering


def sqlite_log(tmp_path: Path) -> tuple[IncidentLog, Path]:
    path = tmp_path / "t.db"
    log, _ = recorded_incident(f"sqlite:///{path}")
    return log, path


def tamper_sqlite(path: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql, args)


def test_untouched_store_verifies(tmp_path: Path) -> None:
    log, _ = sqlite_log(tmp_path)
    result = integrity.verify(log)
    assert result.ok and result.checked_events == 5 and len(result.heads[ID]) == 64


def test_sqlite_altered_payload_is_detected(tmp_path: Path) -> None:
    log, path = sqlite_log(tmp_path)
    with sqlite3.connect(path) as conn:
        state = conn.execute("SELECT state FROM stored_events WHERE originator_version=3"
                             ).fetchone()[0]
        conn.execute("UPDATE stored_events SET state=? WHERE originator_version=3",
                     (state.replace(b"Rollback", b"Rollout!"),))
    problem, = integrity.verify(log).problems
    assert (problem.incident_id, problem.version) == (ID, 3) and "altered" in problem.message


def test_sqlite_deleted_row_is_detected(tmp_path: Path) -> None:
    log, path = sqlite_log(tmp_path)
    tamper_sqlite(path, "DELETE FROM stored_events WHERE originator_version=2")
    problem, = integrity.verify(log, ID).problems
    assert problem.version == 2 and "missing" in problem.message


def test_sqlite_swapped_rows_are_detected(tmp_path: Path) -> None:
    log, path = sqlite_log(tmp_path)
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT originator_version, state FROM stored_events"))
        conn.execute("UPDATE stored_events SET state=? WHERE originator_version=2", (rows[3],))
        conn.execute("UPDATE stored_events SET state=? WHERE originator_version=3", (rows[2],))
    assert [p.version for p in integrity.verify(log).problems] == [2, 3]


def test_sqlite_altered_snapshot_is_detected(tmp_path: Path) -> None:
    log, path = sqlite_log(tmp_path)
    with sqlite3.connect(path) as conn:
        state = conn.execute("SELECT state FROM stored_snapshots").fetchone()[0]
        conn.execute("UPDATE stored_snapshots SET state=?",
                     (state.replace(b'"P0"', b'"P3"'),))
    problem, = integrity.verify(log).problems
    assert "snapshot" in problem.message


@pytest.mark.postgres
@pytest.mark.parametrize("tamper", ["update", "delete", "swap"])
def test_postgres_tampering_is_detected(pg_url: str, tamper: str) -> None:
    import psycopg

    log, _ = recorded_incident(pg_url)
    base, schema = pg_url.split("?schema=")
    table = f'"{schema}".incidentlog_events'
    with psycopg.connect(base, autocommit=True) as conn:
        if tamper == "update":
            conn.execute(f"UPDATE {table} SET state = convert_to(replace(convert_from(state, "
                         f"'UTF8'), 'Rollback', 'Rollout!'), 'UTF8') WHERE originator_version = 3")
        elif tamper == "delete":
            conn.execute(f"DELETE FROM {table} WHERE originator_version = 3")
        else:
            two, three = (conn.execute(f"SELECT state FROM {table} WHERE originator_version = "
                                       f"{v}").fetchone()[0] for v in (2, 3))
            conn.execute(f"UPDATE {table} SET state = %s WHERE originator_version = 2", (three,))
            conn.execute(f"UPDATE {table} SET state = %s WHERE originator_version = 3", (two,))
    problems = integrity.verify(log).problems
    assert [p.version for p in problems] == ([2, 3] if tamper == "swap" else [3])
    log.close()


def test_cli_audit_commands(tmp_path: Path) -> None:
    log, path = sqlite_log(tmp_path)
    log.close()
    db = f"sqlite:///{path}"

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main(["--db", db, *argv], out, io.StringIO()), out.getvalue()

    code, out = run("history", ID)
    assert code == 0 and "escalated P2 -> P0: all transfers failing" in out
    code, out = run("show", ID, "--version", "2", "--format", "json")
    assert json.loads(out)["severity"] == "P0" and json.loads(out)["version"] == 2
    code, out = run("show", ID, "--as-of", "2025-10-23T14:35:00Z", "--format", "json")
    assert json.loads(out)["resolved_at"] is None
    code, out = run("diff", ID, "2", "5")
    assert code == 0 and '~ $.title: "Transfers failing" -> "All transfers failing"' in out
    code, out = run("blame", ID)
    assert "corrected: title understated" in out
    code, out = run("export", "--after", "2")
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["version"] for x in lines] == [3, 4, 5]
    code, out = run("export", "--format", "cloudevents")
    assert all(json.loads(x)["specversion"] == "1.0" for x in out.splitlines())
    code, out = run("stats", "--json")
    assert json.loads(out)[0]["mttr"]["median_minutes"] == 30
    code, out = run("verify")
    assert code == 0 and "intact" in out
    tamper_sqlite(path, "DELETE FROM stored_events WHERE originator_version=4")
    code, out = run("verify")
    assert code == 1 and f"{ID}: version 4" in out
    code, _ = run("show", ID, "--as-of", "2025-10-23 14:35")
    assert code == 2


def test_feed_items_decode_to_known_types_only() -> None:
    log, _ = recorded_incident()
    for item in audit.feed(log):
        assert type(item.event) in ev.EVENT_TYPES
        msgspec.json.encode(item.event)
