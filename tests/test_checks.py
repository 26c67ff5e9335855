"""Every finding code: one test that triggers it, one that shows it silent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from incidentlog import events as ev
from incidentlog.checks import CODES, Finding, check
from incidentlog.incident import Incident, fold

ID = "INC-20251023-0001"
T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
SRC = "report.md"


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def declared(**kw: object) -> ev.IncidentDeclared:
    fields: dict[str, object] = dict(incident_id=ID, title="Checkout errors", severity="P1",
                                     occurred_at=at(5), actor="@a", detected_at=at(0))
    fields.update(kw)
    return ev.IncidentDeclared(**fields)  # type: ignore[arg-type]


def stated(figure: str, value: float, text: str, line: int = 7) -> ev.FigureStated:
    return ev.FigureStated(occurred_at=None, actor="import", figure=figure, value=value,
                           text=text, source=ev.Source(SRC, line))


def incident(*events: ev.Event) -> Incident:
    state = fold([declared(), *events])
    assert state is not None
    return state


def codes(state: Incident) -> list[str]:
    return [f.code for f in check(state)]


def resolved(minutes: float) -> ev.Resolved:
    return ev.Resolved(occurred_at=at(minutes), actor="@a")


def test_every_code_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "reference" / "findings.md").read_text()
    for code in CODES:
        assert f"`{code}`" in doc


def test_duration_mismatch_with_the_source_line() -> None:
    state = incident(resolved(62), stated("duration_minutes", 45, "45 minutes", line=42))
    finding, = check(state)
    assert (finding.code, finding.level) == ("duration-mismatch", "error")
    assert str(finding) == ("report.md:42: duration-mismatch: stated duration 45 minutes, "
                            "timeline gives 1 hour 2 minutes (detection to resolution)")


def test_duration_silent_when_it_agrees() -> None:
    assert codes(incident(resolved(45), stated("duration_minutes", 45, "45 minutes"))) == []
    # Hours stated coarsely are read at their precision.
    assert codes(incident(resolved(130), stated("duration_minutes", 120, "~2 hours"))) == []


def test_time_to_repair_matches_any_usual_span() -> None:
    state = incident(resolved(16 + 5), stated("time_to_repair_minutes", 16, "0h 16m"))
    assert codes(state) == []  # declared (14:05) to resolved (14:21)
    wrong = incident(resolved(30), stated("time_to_repair_minutes", 16, "0h 16m"))
    assert codes(wrong) == ["duration-mismatch"]
    missing = incident(stated("time_to_resolve_minutes", 16, "0h 16m"))
    assert codes(missing) == ["missing-field"]


def test_timeline_order() -> None:
    def entry(minutes: int, line: int) -> ev.TimelineEntryAdded:
        return ev.TimelineEntryAdded(occurred_at=at(minutes), actor="import", text=f"t{minutes}",
                                     source=ev.Source(SRC, line))

    finding, = check(incident(entry(10, 5), entry(3, 6)))
    assert (finding.code, finding.level, finding.source) == ("timeline-order", "warning",
                                                             ev.Source(SRC, 6))
    assert codes(incident(entry(3, 5), entry(10, 6))) == []


def test_lifecycle_order() -> None:
    state = fold([declared(detected_at=at(10))])
    assert state is not None and codes(state) == ["lifecycle-order"]
    assert codes(incident(resolved(3))) == ["lifecycle-order"]
    assert codes(incident(resolved(30))) == []


def test_arithmetic_mismatch() -> None:
    def impact(failed: int, total: int) -> ev.ImpactAssessed:
        return ev.ImpactAssessed(occurred_at=at(1), actor="@a", failed_requests=failed,
                                 total_requests=total)

    finding, = check(incident(impact(840, 7000), stated("success_rate_pct", 80, "80%")))
    assert finding.code == "arithmetic-mismatch" and "gives 88%" in finding.message
    assert codes(incident(impact(840, 7000), stated("success_rate_pct", 88, "88%"))) == []
    # Counts stated in prose are used when no assessment gives them.
    assert codes(incident(stated("failed_requests", 840, "840"),
                          stated("total_requests", 7000, "7,000"),
                          stated("success_rate_pct", 88, "88%"))) == []


def test_error_budget() -> None:
    def impact(**kw: object) -> ev.ImpactAssessed:
        return ev.ImpactAssessed(occurred_at=at(1), actor="@a", **kw)  # type: ignore[arg-type]

    budget = incident(impact(slo_target=99.9, downtime_minutes=30),
                      stated("error_budget_minutes", 40, "40 min/month"))
    assert [(f.code, f.level) for f in check(budget)] == [("error-budget", "error")]
    breach = incident(impact(slo_target=99.9, downtime_minutes=45),
                      stated("error_budget_minutes", 43.8, "43.8 min/month"))
    finding, = check(breach)
    assert (finding.code, finding.level) == ("error-budget", "warning")
    assert "exceeds the monthly budget of 43.8 min" in finding.message
    denied = incident(impact(slo_target=99.5, slo_actual=99.2), stated("slo_breached", 0, "No"))
    assert [(f.code, f.level) for f in check(denied)] == [("error-budget", "error")]
    assert codes(incident(impact(slo_target=99.5, slo_actual=99.72),
                          stated("slo_breached", 0, "No SLO breach"))) == []
    assert codes(incident(impact(slo_target=99.9, downtime_minutes=30),
                          stated("error_budget_minutes", 43.8, "43.8"),
                          stated("error_budget_consumed_pct", 68.5, "68.5%"))) == []


def test_due_before_incident() -> None:
    item = ev.ActionItemAdded(occurred_at=at(1), actor="@a", item_id="1", title="x",
                              due=date(2025, 10, 1))
    finding, = check(incident(item))
    assert finding.code == "due-before-incident" and finding.field == "action_items.1"
    sign = ev.SignedOff(occurred_at=T - timedelta(days=2), actor="@a", role="SRE", name="x")
    assert codes(incident(resolved(30), sign)) == ["due-before-incident"]
    ok = ev.ActionItemAdded(occurred_at=at(1), actor="@a", item_id="1", title="x",
                            due=date(2025, 10, 30))
    assert codes(incident(ok)) == []


def test_missing_field_for_a_template() -> None:
    state = incident(resolved(30))
    found = {f.field for f in check(state, template="a") if f.code == "missing-field"}
    assert {"summary", "commander", "root_cause", "resolution"} <= found
    assert all(f.level == "warning" for f in check(state, template="a"))
    full = incident(
        resolved(30),
        ev.RootCauseIdentified(occurred_at=at(2), actor="@a", summary="x"),
        ev.Corrected(occurred_at=at(3), actor="@a", field="summary", value="s", reason="r"),
        ev.Corrected(occurred_at=at(3), actor="@a", field="commander", value="@c", reason="r"),
        ev.Corrected(occurred_at=at(3), actor="@a", field="resolution", value="fix", reason="r"),
    )
    assert check(full, template="a") == []
    b = [f for f in check(full, template="b") if f.field == "id"]
    assert b and "YYYY-MM-DD-NNN" in b[0].message


def test_finding_where() -> None:
    assert Finding("x", "error", "m", ev.Source(None, 3)).where("f.md") == "f.md:3"
    assert Finding("x", "error", "m", None, "title").where() == "title"
