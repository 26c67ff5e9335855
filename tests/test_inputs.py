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


def test_record_accepts_to_json_output() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    from incidentlog.changes import diff
    from incidentlog.render import to_json

    import seed_incidents

    source = IncidentLog()
    seed_incidents.record(source)
    for ident in source.ids():
        before = source.get(ident)
        after = IncidentLog().record(to_json(before), actor="@restore")
        # Figures from request counts and SLO numbers: the document states them but not
        # the numbers they come from, so the new record cannot derive them.
        changed = {c.path for c in diff(before, after)} - {
            "$.success_rate_pct", "$.error_budget_minutes", "$.error_budget_consumed_pct",
            "$.slo_breached"}
        assert changed == set(), ident
        assert after.status == before.status and after.sign_offs == before.sign_offs


def test_a_document_with_bad_fields_lists_every_problem() -> None:
    doc = {"schema_version": 1, "id": "INC-1", "title": 3, "severity": 5,
           "declared_at": "2025-10-23T14:00:00", "status": "whatever", "nonsense": 1}
    with pytest.raises(InputError) as caught:
        IncidentLog().record(doc, actor="@x")
    where = {w for w, _ in caught.value.problems}
    assert {"$.title", "$.severity", "$.declared_at"} <= where
    assert any("nonsense" in m for _, m in caught.value.problems)
