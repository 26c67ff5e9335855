"""Untrusted data into incidents: strict, every problem at once, with its path."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from incidentlog import IncidentLog, RuleViolation
from incidentlog.errors import InputError

GOOD = {
    "id": "INC-20251023-0001", "title": "Checkout errors", "severity": "P1",
    "declared_at": "2025-10-23T14:25:00Z", "detected_at": "2025-10-23T14:23:00+00:00",
    "commander": "@oncall",
    "timeline": [{"at": "2025-10-23T14:30:00Z", "event": "Rollback started", "actor": "@a"}],
    "resolved_at": "2025-10-23T14:50:00Z", "resolution": "Rolled back",
    "action_items": [{"id": "AI-1", "title": "Add a test", "due": "2025-11-01"}],
}


def test_good_data_is_recorded_through_the_rules() -> None:
    log = IncidentLog()
    state = log.record(GOOD, actor="@form")
    assert state.resolved_at == datetime(2025, 10, 23, 14, 50, tzinfo=UTC)
    assert state.action_item("AI-1") is not None
    assert log.record(json.dumps({**GOOD, "id": "INC-2"}), actor="@form").id == "INC-2"


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    bad = {**GOOD, "severity": "P7", "commander": 42, "colour": "red",
           "timeline": [GOOD["timeline"][0], {"at": "2025-10-23 14:31", "event": "x"},
                        {"event": "no time"}, {"at": "yesterday", "event": "y"}],
           "action_items": [{"id": "AI-1", "title": "t", "due": "soon"}]}
    del bad["title"]
    with pytest.raises(InputError) as info:
        IncidentLog().record(bad, actor="@form")
    where = dict(info.value.problems)
    assert "$.title" in where and where["$.title"] == "required field missing"
    assert "$.severity" in where
    assert "expected text, got int" in where["$.commander"]
    assert "has no UTC offset" in where["$.timeline[1].at"]
    assert where["$.timeline[2].at"] == "required field missing"
    assert "not an ISO 8601 time" in where["$.timeline[3].at"]
    assert "not a YYYY-MM-DD date" in where["$.action_items[0].due"]
    assert any("colour" in message for message in where.values())
    assert "$.timeline[1].at" in str(info.value)


def test_rules_still_apply_and_nothing_is_stored() -> None:
    log = IncidentLog()
    with pytest.raises(RuleViolation, match="lifecycle-order"):
        log.record({**GOOD, "resolved_at": "2025-10-23T14:00:00Z"}, actor="@form")
    assert not log.exists(GOOD["id"])


def test_not_json() -> None:
    with pytest.raises(InputError, match="not JSON"):
        IncidentLog().record("{nope", actor="@form")
