"""One vocabulary for event prose: the timeline's sentence, the history's summary and the
Document History's words come from incidentlog.prose, so they cannot disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidentlog import IncidentLog, audit, prose
from incidentlog import events as ev
from incidentlog.render.common import history_rows

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)


def _log() -> IncidentLog:
    log = IncidentLog(clock=lambda: T + timedelta(hours=2))
    log.declare(ev.IncidentDeclared(occurred_at=T, actor="@ic", incident_id="X-1", title="t",
                                    severity="P3"))
    return log


def test_history_and_timeline_say_a_severity_change_the_same_way() -> None:
    with _log() as log:
        log.append("X-1", ev.SeverityChanged(occurred_at=T + timedelta(minutes=5), actor="@ic",
                                             severity="Sev 1", reason="payments down"))
        entry = log.get("X-1").timeline[-1].text
        summary = audit.history(log, "X-1")[-1].summary
    assert entry == "Escalated P3 -> Sev 1: payments down", "ranked, not compared as text"
    assert summary == "escalated P3 -> Sev 1: payments down"


def test_history_and_timeline_say_a_reopening_the_same_way() -> None:
    with _log() as log:
        at = T + timedelta(minutes=10)
        log.append("X-1", ev.Resolved(occurred_at=at, actor="@ic"),
                   ev.Closed(occurred_at=at, actor="@ic"),
                   ev.Reopened(occurred_at=at, actor="@ic", reason="it came back"))
        assert log.get("X-1").timeline[-1].text == "Reopened: it came back"
        assert audit.history(log, "X-1")[-1].summary == "reopened: it came back"


def test_a_correction_to_none_says_none() -> None:
    fix = ev.Corrected(occurred_at=T, actor="@ic", field="root_cause", value=None,
                       reason="dropped")
    assert prose.describe(fix, None) == "corrected root_cause to none (dropped)"


def test_every_event_type_has_words_for_the_document_history() -> None:
    events = [ev.TimelineEntryAdded(occurred_at=T, actor="@a", text=str(n), recorded_at=T)
              for n in range(3)]
    assert history_rows(events) == [("2025-10-23", "@a", "Added 3 timeline entries")]
    assert set(prose.NOUNS) == set(ev.EVENT_TYPES_BY_TAG)
