"""The defects of issue 16, one test each: what a new user tried, and what happens now."""

from __future__ import annotations

import io
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentlog import IncidentLog, InputError, InvalidEventError, StateNotFoundError
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.figures import format_duration

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
ID = "INC-1"


def declared(log: IncidentLog) -> IncidentLog:
    log.declare(ev.IncidentDeclared(incident_id=ID, title="t", severity="P1", occurred_at=T,
                                    actor="@a"))
    return log


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_append_of_a_list_says_how_to_pass_events() -> None:
    log = declared(IncidentLog())
    with pytest.raises(TypeError, match=r"append\(id, \*events\)"):
        log.append(ID, [ev.StatusChanged(occurred_at=T, actor="@a", status="identified")]
                   )  # type: ignore[arg-type]
    assert log.get(ID).version == 1


@pytest.mark.parametrize("version", [0, 2, 999, -1])
def test_a_version_that_does_not_exist_is_refused(version: int) -> None:
    log = declared(IncidentLog())
    with pytest.raises((StateNotFoundError, InputError), match="version"):
        log.get(ID, version=version)


def test_a_naive_time_is_an_input_error_saying_what_to_do() -> None:
    log = declared(IncidentLog())
    for name in ("as_of", "occurred_by"):
        with pytest.raises(InputError, match=f"{name}: naive datetime .* tzinfo=UTC"):
            log.get(ID, **{name: datetime(2025, 1, 1)})  # type: ignore[arg-type]


def test_enum_errors_list_the_allowed_values() -> None:
    log = declared(IncidentLog())
    with pytest.raises(InvalidEventError, match="allowed: investigating, identified, "
                                                "mitigating, monitoring"):
        log.append(ID, ev.StatusChanged(occurred_at=T, actor="@a", status="done"
                                        ))  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="allowed: open, in_progress, done"):
        log.append(ID, ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="1", title="t",
                                          status="closed"))  # type: ignore[arg-type]


def test_reading_services_are_typed() -> None:
    from incidentlog import audit, integrity, readmodel
    from incidentlog.audit import FeedItem, HistoryLine, Verification
    from incidentlog.readmodel import ActionRow, IndexRow

    services = {"find": readmodel.find, "history": audit.history, "feed": audit.feed,
                "verify": integrity.verify, "actions": readmodel.actions}
    hints = {name: typing.get_type_hints(fn)["return"] for name, fn in services.items()}
    assert hints["find"] == list[IndexRow]
    assert hints["history"] == list[HistoryLine]
    assert typing.get_args(hints["feed"]) == (FeedItem,)
    assert hints["verify"] is Verification
    assert hints["actions"] == list[ActionRow]


def test_durations_past_a_day_count_days() -> None:
    assert format_duration(27) == "00:27"
    assert format_duration(75 * 60 + 41) == "3d 03:41"
    assert format_duration(24 * 60) == "1d 00:00"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with IncidentLog(url) as log:
        declared(log)
        log.append(ID, ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="AI-1",
                                          title="Alert", owner="@ana"),
                   ev.Resolved(occurred_at=T + timedelta(hours=75, minutes=41), actor="@a"))
        log.append(ID, ev.ActionItemUpdated(occurred_at=T, actor="@a", item_id="AI-1",
                                            status="done"))
    return url


def test_list_prints_days_and_refuses_an_unknown_status(db: str) -> None:
    code, out, _ = run("--db", db, "list")
    assert code == 0 and "3d 03:41" in out
    code, out, err = run("--db", db, "list", "--status", "done")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "invalid choice: 'done'" in err and "'resolved'" in err


def test_stats_chart_is_a_flag_like_show_chart(db: str) -> None:
    code, flag, _ = run("--db", db, "stats", "--chart")
    assert code == 0 and "xychart" in flag
    assert run("--db", db, "stats", "--chart", "mermaid")[1] == flag


def test_diff_prints_json_values_and_only_what_changed(db: str) -> None:
    code, out, _ = run("--db", db, "diff", ID, "3", "4")
    assert code == 0
    assert out.splitlines()[0] == '~ $.action_items[AI-1].status: "open" -> "done"'
    assert "None" not in out and "'" not in out and "Alert" not in out
    code, out, _ = run("--db", db, "diff", ID, "1", "2")
    assert '"owner": "@ana"' in out and "null" in out
