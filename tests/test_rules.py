"""The rules a command must keep; each refusal names its rule and appends nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from incidentlog import IncidentLog, RuleViolation
from incidentlog import events as ev
from incidentlog.errors import InvalidEventError

ID = "INC-20251023-0001"
T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def declare(log: IncidentLog, **kw: object) -> None:
    fields: dict[str, object] = dict(incident_id=ID, title="Checkout errors", severity="P1",
                                     occurred_at=at(5), actor="@oncall", detected_at=at(0))
    fields.update(kw)
    log.declare(ev.IncidentDeclared(**fields))  # type: ignore[arg-type]


def resolve(log: IncidentLog, minutes: int = 30) -> None:
    log.append(ID, ev.Resolved(occurred_at=at(minutes), actor="@oncall", summary="rolled back"))


def refused(log: IncidentLog, rule: str, *events: ev.Event) -> RuleViolation:
    before = log.events(ID) if log.exists(ID) else []
    with pytest.raises(RuleViolation) as info:
        log.append(ID, *events)
    assert info.value.rule == rule
    assert rule in str(info.value) and ID in str(info.value)
    after = log.events(ID) if log.exists(ID) else []
    assert after == before, "a refused command must append nothing"
    return info.value


@pytest.fixture
def mem() -> IncidentLog:
    return IncidentLog()


def test_lifecycle_order_is_kept_whatever_the_recording_order(mem: IncidentLog) -> None:
    declare(mem)
    resolve(mem, 30)
    # Mitigation recorded after resolution, but said to happen after it too: refused.
    refused(mem, "lifecycle-order", ev.Mitigated(occurred_at=at(31), actor="@oncall"))
    # Recorded late but happened in order: accepted.
    mem.append(ID, ev.Mitigated(occurred_at=at(20), actor="@oncall"))
    assert mem.get(ID).mitigated_at == at(20)


def test_detected_after_declared_is_refused(mem: IncidentLog) -> None:
    with pytest.raises(RuleViolation, match="lifecycle-order"):
        declare(mem, detected_at=at(10))
    assert not mem.exists(ID)


def test_detection_marked_in_the_timeline_must_precede_declaration(mem: IncidentLog) -> None:
    declare(mem, detected_at=None)
    refused(mem, "lifecycle-order",
            ev.TimelineEntryAdded(occurred_at=at(6), actor="@a", text="alert", marks="detected"))


def test_close_before_resolution_is_refused(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "close-before-resolution", ev.Closed(occurred_at=at(40), actor="@oncall"))


def test_closed_before_resolved_time_is_refused(mem: IncidentLog) -> None:
    declare(mem)
    resolve(mem, 30)
    refused(mem, "lifecycle-order", ev.Closed(occurred_at=at(29), actor="@oncall"))


def test_sign_off_before_resolution_is_refused(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "sign-off-before-resolution",
            ev.SignedOff(occurred_at=at(40), actor="@a", role="SRE Lead", name="@sre"))
    resolve(mem, 30)
    refused(mem, "sign-off-before-resolution",
            ev.SignedOff(occurred_at=at(20), actor="@a", role="SRE Lead", name="@sre"))
    mem.append(ID, ev.SignedOff(occurred_at=at(60), actor="@a", role="SRE Lead", name="@sre"))


def test_severity_must_be_on_a_scale_teams_write(mem: IncidentLog) -> None:
    with pytest.raises((RuleViolation, InvalidEventError), match="P9"):
        declare(mem, severity="P9")
    assert not mem.exists(ID)
    declare(mem)
    with pytest.raises((RuleViolation, InvalidEventError), match="banana"):
        mem.append(ID, ev.SeverityChanged(occurred_at=at(7), actor="@a", severity="banana"))
    assert len(mem.events(ID)) == 1
    # A team on SEV1-5 keeps its own labels; they rank on one scale.
    mem.append(ID, ev.SeverityChanged(occurred_at=at(7), actor="@a", severity="SEV-1"))
    state = mem.get(ID)
    assert state.severity == "SEV-1" and state.severity_rank == 1
    assert state.severity_changes[-1].direction in ("escalated", "downgraded", "changed")


def test_escalation_to_the_same_severity_is_refused(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "severity-unchanged", ev.SeverityChanged(occurred_at=at(7), actor="@a",
                                                          severity="P1"))


def test_action_item_ids_are_unique(mem: IncidentLog) -> None:
    declare(mem)
    item = ev.ActionItemAdded(occurred_at=at(9), actor="@a", item_id="AI-1", title="Add check",
                              due=date(2025, 11, 1))
    mem.append(ID, item)
    refused(mem, "duplicate-action-item", item)
    refused(mem, "unknown-action-item",
            ev.ActionItemUpdated(occurred_at=at(9), actor="@a", item_id="AI-2", status="done"))


def test_reopen_must_follow_the_close_in_time(mem: IncidentLog) -> None:
    declare(mem)
    resolve(mem)
    mem.append(ID, ev.Closed(occurred_at=at(60), actor="@a"))
    refused(mem, "lifecycle-order", ev.Reopened(occurred_at=at(59), actor="@a", reason="x"))


def test_nothing_but_reopen_after_close(mem: IncidentLog) -> None:
    declare(mem)
    resolve(mem)
    mem.append(ID, ev.Closed(occurred_at=at(60), actor="@a"))
    refused(mem, "closed", ev.TimelineEntryAdded(occurred_at=at(61), actor="@a", text="late"))
    refused(mem, "closed", ev.Closed(occurred_at=at(62), actor="@a"))
    state = mem.append(ID, ev.Reopened(occurred_at=at(70), actor="@a", reason="recurred"))
    assert state.status == "investigating" and state.closed_at is None and state.reopened == 1
    mem.append(ID, ev.TimelineEntryAdded(occurred_at=at(71), actor="@a", text="again"))


def test_reopen_needs_a_closed_record(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "not-closed", ev.Reopened(occurred_at=at(9), actor="@a", reason="?"))


def test_first_event_must_declare(mem: IncidentLog) -> None:
    refused(mem, "not-declared", ev.TimelineEntryAdded(occurred_at=at(1), actor="@a", text="x"))


def test_declared_id_must_match_the_stream(mem: IncidentLog) -> None:
    with pytest.raises(RuleViolation, match="incident-id"):
        mem.append("OTHER-1", ev.IncidentDeclared(incident_id=ID, title="t", severity="P1",
                                                  occurred_at=at(1), actor="@a"))
    with pytest.raises(RuleViolation, match="incident-id"):
        mem.append("bad id", ev.IncidentDeclared(incident_id="bad id", title="t",
                                                 severity="P1", occurred_at=at(1), actor="@a"))


def test_lifecycle_events_need_a_time(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "missing-time", ev.Resolved(occurred_at=None, actor="@a"))


def test_a_batch_is_all_or_nothing(mem: IncidentLog) -> None:
    declare(mem)
    refused(mem, "close-before-resolution",
            ev.TimelineEntryAdded(occurred_at=at(8), actor="@a", text="fine"),
            ev.Closed(occurred_at=at(9), actor="@a"))


def test_corrections_are_new_events_and_are_checked(mem: IncidentLog) -> None:
    declare(mem)
    added = mem.append(ID, ev.TimelineEntryAdded(occurred_at=at(8), actor="@a", text="typo"))
    version = added.version
    fixed = mem.append(ID, ev.Corrected(occurred_at=at(9), actor="@b", field="timeline.text",
                                        value="fixed", reason="typo", target_version=version))
    assert [t.text for t in fixed.timeline if t.version == version] == ["fixed"]
    assert len(mem.events(ID)) == 3  # the original entry is still there
    refused(mem, "correction", ev.Corrected(occurred_at=at(9), actor="@b", field="timeline.at",
                                            value="2025-10-23T14:10:00", reason="tz",
                                            target_version=version))
    refused(mem, "correction", ev.Corrected(occurred_at=at(9), actor="@b", field="nope",
                                            value="x", reason="why"))
    refused(mem, "lifecycle-order", ev.Corrected(occurred_at=at(9), actor="@b",
                                                 field="detected_at",
                                                 value="2025-10-23T15:00:00+00:00",
                                                 reason="clock skew"))


def test_wrong_types_are_refused_even_though_constructors_accept_them(mem: IncidentLog) -> None:
    declare(mem)
    with pytest.raises(InvalidEventError, match="item_id"):
        mem.append(ID, ev.ActionItemAdded(occurred_at=at(9), actor="@a", item_id=7,  # type: ignore[arg-type]
                                          title="x"))
    assert len(mem.events(ID)) == 1


def test_imported_history_is_stored_as_stated(mem: IncidentLog) -> None:
    src = ev.Source("report.md", 12)
    history = [
        ev.IncidentDeclared(incident_id=ID, title="t", severity="P1", occurred_at=at(5),
                            actor="import", detected_at=at(10), source=src),
        ev.Closed(occurred_at=at(3), actor="import", source=src),
    ]
    state = mem.append(ID, *history, validate=False)
    assert state.status == "closed" and state.detected_at == at(10)
    assert all(e.imported for e in mem.events(ID))


def test_history_with_times_out_of_order_takes_commands_that_add_no_new_disorder(
        mem: IncidentLog) -> None:
    # Imported as the document states it: resolved before it was declared, and mitigated
    # before it was detected. The checker reports that; commands must still be possible.
    mem.append(ID, ev.IncidentDeclared(incident_id=ID, title="t", severity="P2",
                                       occurred_at=at(10), actor="@import", detected_at=at(5)),
               ev.Mitigated(occurred_at=at(1), actor="@import"),
               ev.Resolved(occurred_at=at(8), actor="@import"), validate=False)
    mem.append(ID, ev.ActionItemAdded(occurred_at=None, actor="@b", item_id="A1",
                                      title="add an alert"))
    # Fixing one problem is accepted although another remains ...
    mem.append(ID, ev.Corrected(occurred_at=None, actor="@b", field="resolved_at",
                                value=at(40).isoformat(), reason="typo in the report"))
    # Moving a time of a pair already out of order adds no new disorder either ...
    mem.append(ID, ev.Corrected(occurred_at=None, actor="@b", field="mitigated_at",
                                value=at(2).isoformat(), reason="the pager log says 14:02"))
    # ... and a command that puts another pair out of order is refused, naming it.
    refusal = refused(mem, "lifecycle-order",
                      ev.Corrected(occurred_at=None, actor="@b", field="closed_at",
                                   value=at(20).isoformat(), reason="x"))
    assert "closed at" in str(refusal) and "resolved at" in str(refusal)
