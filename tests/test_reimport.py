"""Re-import as a property: any sequence of versions of a report, each re-imported, with API
events added in between, leaves the store equal to importing the last version fresh plus
everything added through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.importer import import_file
from incidentlog.incident import fold
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences

from strategies import any_event

DAY = datetime(2025, 6, 2, tzinfo=UTC)
ROWS = ["Alert fired: PaymentLatencyHigh", "Alert acknowledged",
        "Config change identified as cause", "Pool size restored to 50", "Incident mitigated",
        "Customers told on the status page", "Incident resolved"]
ACTORS = ["@maya", "@tom", "Alertmanager"]
LESSONS = ["**Alerting**: the alert fired within two minutes",
           "**Runbook**: the rollback steps were current",
           "**Review**: config changes bypassed review"]


@st.composite
def versions(draw: st.DrawFn) -> str:
    """One version of a report: title, header, services, root cause, timeline, lessons and
    action items vary."""
    title = draw(st.sampled_from(["Payment API timeouts", "Payments slow after pool change"]))
    severity = draw(st.sampled_from(["P1", "P2", "P3"]))
    commander = draw(st.sampled_from(["@maya", "@sam"]))
    minutes = sorted(draw(st.sets(st.integers(0, 170), min_size=1, max_size=6)))
    texts = [draw(st.sampled_from(ROWS)) for _ in minutes]
    # Every version declares the incident in a row: a declaration's row that only a later
    # version writes has no event that could add it (see docs/import.md).
    texts[draw(st.integers(0, len(texts) - 1))] = "Incident declared"
    rows = [f"| {9 + m // 60:02d}:{m % 60:02d} | {text} | "
            f"{draw(st.sampled_from(ACTORS))} |" for m, text in zip(minutes, texts, strict=True)]
    well = draw(st.lists(st.sampled_from(LESSONS), unique=True, max_size=2))
    items = draw(st.lists(st.tuples(st.sampled_from(["INC-1", "INC-2", "INC-3", "INC-4"]),
                                    st.booleans(), st.sampled_from(["@maya", "@tom"]),
                                    st.sampled_from(["Add an alert", "Require review"])),
                          unique_by=lambda t: t[0], max_size=3))
    # Services and a root cause come and go: a version that drops one clears it.
    services = draw(st.lists(st.sampled_from(["payments-api", "checkout", "ledger"]),
                             unique=True, max_size=2))
    cause = draw(st.sampled_from(["", "Pool size lowered in a config change",
                                  "A config change skipped review"]))
    summary = ["## Executive Summary", ""]
    if services:
        summary += ["**Impact**:", f"- **Services impacted**: {', '.join(services)}", ""]
    if cause:
        summary += [f"**Root Cause**: {cause}", ""]
    lines = [f"# Incident Report: {title}", "", "**Incident ID**: INC-20250602-0001",
             "**Date**: 2025-06-02", f"**Severity**: {severity}", "**Status**: Resolved",
             f"**Incident Commander**: {commander}", "", "---", "",
             *((*summary, "---", "") if len(summary) > 2 else ()), "## Timeline", "",
             "All times in UTC.", "", "| Time | Event | Actor |", "|------|-------|-------|",
             *rows, "", "---", "", "## Lessons Learned", "", "### What Went Well", ""]
    lines += [f"✅ {x}" for x in well] or ["Nothing."]
    lines += ["", "---", "", "## Action Items", "", "### Immediate (< 24 hours)", ""]
    lines += [f"- [{'x' if done else ' '}] **{owner}**: {what} ({ident})"
              for ident, done, owner, what in items]
    return "\n".join(lines) + "\n"


@st.composite
def api_events(draw: st.DrawFn) -> list[ev.Event]:
    """What someone adds through the API between two imports."""
    n = draw(st.integers(0, 99))
    at = DAY + timedelta(hours=9, minutes=draw(st.integers(0, 200)))
    kinds = draw(st.lists(st.sampled_from(["entry", "item", "lesson", "update"]), max_size=3))
    out: list[ev.Event] = []
    for k, kind in enumerate(kinds):
        if kind == "entry":
            out.append(ev.TimelineEntryAdded(occurred_at=at, actor="@api",
                                             text=f"API note {n}-{k}"))
        elif kind == "item":
            out.append(ev.ActionItemAdded(occurred_at=at, actor="@api", item_id=f"API-{n}-{k}",
                                          title="From the API"))
        elif kind == "lesson":
            out.append(ev.LessonRecorded(occurred_at=at, actor="@api", kind="process",
                                         title=f"API lesson {n}-{k}"))
        else:
            out.append(ev.ActionItemUpdated(occurred_at=at, actor="@api", item_id="INC-2",
                                            status="done"))
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(versions(), api_events()), min_size=1, max_size=5))
def test_any_sequence_of_versions_reimports_to_the_last_plus_the_api(
        tmp_path: Path, steps: list[tuple[str, list[ev.Event]]]) -> None:
    path = tmp_path / "report.md"
    added: list[ev.Event] = []
    with IncidentLog() as log:
        for text, api in steps:
            path.write_text(text)
            outcome = import_file(log, path)
            assert outcome.status in ("imported", "updated", "skipped"), outcome.error
            fresh = import_markdown(text, source=str(path)).incident
            want = fold(added, fresh) or fresh
            assert differences(log.get(fresh.id), want) == []
            assert import_file(log, path).status == "skipped"
            for event in api:
                if isinstance(event, ev.ActionItemUpdated) and not \
                        log.get(fresh.id).action_item(event.item_id):
                    continue
                if isinstance(event, ev.ActionItemAdded):  # ids stay unique
                    event = msgspec.structs.replace(event, item_id=f"API-{len(added)}")
                log.append(fresh.id, event)
                added.append(event)


corrections = st.builds(
    ev.Corrected, field=st.sampled_from(["retract", "timeline.at", "timeline.text",
                                         "severity", "status", "declared_at", "title"]),
    value=st.one_of(st.none(), st.sampled_from(["P0", "resolved", "2025-06-02T10:00:00+00:00",
                                                "not a time", ""])),
    reason=st.just("noise"), target_version=st.one_of(st.none(), st.integers(-1, 60)),
    occurred_at=st.none(), actor=st.just("@api"))
noise = st.one_of(any_event, corrections, st.builds(
    lambda e, line: msgspec.structs.replace(e, source=ev.Source("elsewhere.md", line)),
    st.one_of(any_event, corrections), st.integers(0, 99)))
"""Whatever a stream may hold after an import: any event, aimed anywhere, from anywhere."""


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=versions(), second=versions(), added=st.lists(noise, max_size=8))
def test_reimport_is_total(tmp_path: Path, first: str, second: str,
                           added: list[ev.Event]) -> None:
    path = tmp_path / "report.md"
    path.write_text(first)
    with IncidentLog() as log:
        ident = import_file(log, path).incident_id
        assert ident is not None
        log.append(ident, *added, validate=False)  # history as any writer may have left it
        path.write_text(second)
        outcome = import_file(log, path)  # never raises
        assert outcome.status in ("updated", "skipped"), outcome.error
