"""Typed corrections: each correctable field has a type, checked when a command appends a
correction (refused in one line, nothing written); clearing a field is a correction to none;
corrections stored before they were typed still replay as they did."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from incidentlog import IncidentLog, RuleViolation
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.corrections import CORRECTABLE, correction
from incidentlog.importer import import_file
from incidentlog.incident import fold
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown

import seed_incidents

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
ID = seed_incidents.A_ID


@pytest.fixture
def log() -> IncidentLog:
    log = IncidentLog()
    seed_incidents.record(log)
    return log


def fix(field: str, value: str | None, target: int | None = None) -> ev.Corrected:
    return ev.Corrected(occurred_at=T, actor="@ic", field=field, value=value, reason="why",
                        target_version=target)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("detected_at", "last tuesday", r"detected_at: 'last tuesday' is not an ISO 8601 time"),
    ("detected_at", "2025-10-23T14:00:00", r"detected_at: .* has no UTC offset"),
    ("severity", "purple", r"severity: 'purple' is not a severity"),
    ("status", "done", r"status: 'done' is not one of investigating"),
    ("title", None, r"title cannot be cleared"),
    ("title", "  ", r"title: give some text"),
    ("commander", "", r"commander: give some text \(None leaves no commander\)"),
    ("services", "checkout, search", r"services: .* is not a JSON array of names"),
    ("services", '["checkout", 3]', r"services: .*Expected `str`"),
    ("services", '["checkout", " "]', r"services: .* a name is blank"),
    ("mitigation", "gone", r"mitigation: takes no value"),
    ("retract", "x", r"retract: takes no value"),
    ("timeline.text", "x", r"timeline.text: give target_version"),
    ("declared", "x", r"'declared' cannot be corrected"),
])
def test_a_value_of_the_wrong_type_is_refused_and_nothing_written(
        log: IncidentLog, field: str, value: str | None, message: str) -> None:
    before = log.get(ID).version
    with pytest.raises(RuleViolation, match=message) as refused:
        log.append(ID, fix(field, value))
    assert "\n" not in str(refused.value)
    assert log.get(ID).version == before


def test_typed_corrections_are_stored_as_text_and_fold_typed(log: IncidentLog) -> None:
    detected = datetime(2025, 10, 23, 14, 21, tzinfo=UTC)
    log.append(ID, correction("detected_at", detected, reason="pager log", actor="@ic",
                              occurred_at=T),
               correction("services", ("gateway", "auth"), reason="scope", actor="@ic"),
               correction("severity", "P2", reason="less", actor="@ic"))
    state = log.get(ID)
    assert state.detected_at == detected and state.severity == "P2"
    assert state.services == ("gateway", "auth")
    stored = [e for e in log.events(ID) if isinstance(e, ev.Corrected)]
    assert [e.value for e in stored[-3:]] == ["2025-10-23T14:21:00Z", '["gateway","auth"]', "P2"]


def test_correction_refuses_a_wrong_type_before_any_event_exists() -> None:
    with pytest.raises(ValueError, match="severity: 'huge' is not a severity"):
        correction("severity", "huge", reason="r", actor="@a")


@pytest.mark.parametrize(("field", "cleared"), [
    ("root_cause", lambda s: s.root_cause is None),
    ("mitigation", lambda s: s.mitigation is None),
    ("services", lambda s: s.services == ()),
    ("commander", lambda s: s.commander is None),
    ("summary", lambda s: s.summary == ""),
])
def test_a_correction_to_none_clears_the_field(log: IncidentLog, field: str,
                                                cleared: object) -> None:
    state = log.get(ID)
    assert not cleared(state)  # type: ignore[operator]
    log.append(ID, fix(field, None))
    assert cleared(log.get(ID))  # type: ignore[operator]


def test_corrections_stored_before_they_were_typed_still_replay(log: IncidentLog) -> None:
    """What decide() now refuses may be in a store already: it folds as it always did."""
    state = log.get(ID)
    log.append(ID, fix("title", None), fix("detected_at", "last tuesday"),
               fix("severity", "purple"), fix("retract", "ignored", 10**6),
               fix("no_such_field", "x"), validate=False)
    after = log.get(ID)
    assert after.title == "" and after.detected_at == state.detected_at
    assert after.severity == state.severity and after.action_items == state.action_items


def test_every_stored_field_name_is_still_correctable() -> None:
    stored_before = ("title", "summary", "severity", "status", "commander", "began_at",
                     "detected_at", "declared_at", "acknowledged_at", "mitigated_at",
                     "resolved_at", "closed_at", "root_cause", "resolution", "timeline.at",
                     "timeline.text", "timeline.by", "mitigation.action",
                     "mitigation.commands", "mitigation.commands_language",
                     "mitigation.why_it_worked", "retract")
    assert set(stored_before) <= set(CORRECTABLE)


def test_the_command_line_refuses_a_wrong_type_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with IncidentLog(url) as log:
        seed_incidents.record(log)
        before = log.get(ID).version
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", url, "correct", ID, "detected_at", "yesterday", "--reason", "r",
                 "--actor", "@ic"], out, err)
    assert code != 0 and "detected_at: 'yesterday' is not an ISO 8601 time" in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
    with IncidentLog(url) as log:
        assert log.get(ID).version == before


def test_a_reimported_document_that_drops_services_root_cause_and_mitigation_clears_them(
        tmp_path: Path) -> None:
    events = seed_incidents.template_a_events()
    first = fold(events)
    assert first is not None and first.root_cause and first.mitigation and first.services
    declared = msgspec.structs.replace(events[0], services=())
    dropped = [declared, *(e for e in events[1:] if not isinstance(
        e, ev.RootCauseIdentified | ev.ImpactAssessed | ev.Mitigated))]
    second = fold(dropped)
    assert second is not None
    path = tmp_path / "report.md"
    path.write_text(render_markdown(first, "a"))
    with IncidentLog() as log:
        assert import_file(log, path).status == "imported"
        text = render_markdown(second, "a")
        path.write_text(text)
        assert import_file(log, path).status == "updated"
        state = log.get(ID)
        assert state.root_cause is None and state.services == ()
        assert state.mitigation is None
        assert differences(state, import_markdown(text, source=str(path)).incident) == []
