"""Severity and status as reports state them outside a header line: a severity section, a
``**Severity:**`` line in another section, a declaration row that names the severity, and a
timeline that ends with the incident closed. Each a small report written for the rule."""

from __future__ import annotations

from incidentlog.parse import import_markdown

from conftest import assert_fixed_point as _fixed_point


def _severity(text: str) -> str | None:
    incident = import_markdown(text, source="report.md").incident
    return incident.severity


SEVERITY_SECTION = """\
# 12-01-2026 - Load balancer certificate expired

## Severity

**Critical** - Complete outage affecting customers in two regions.

## Timeline

- 2026-01-12 10:00 outage begins
- 2026-01-12 11:00 service fully restored
"""


def test_a_severity_section_opens_with_the_severity() -> None:
    assert _severity(SEVERITY_SECTION) == "Critical"
    _fixed_point(SEVERITY_SECTION)


def test_the_words_after_a_severity_stay_in_the_report() -> None:
    incident = import_markdown(SEVERITY_SECTION, source="report.md").incident
    assert any("Complete outage affecting" in s.markdown for s in incident.sections)


def test_a_severity_section_that_opens_with_prose_names_none() -> None:
    text = SEVERITY_SECTION.replace("**Critical** - Complete", "We think it was a complete")
    assert _severity(text) is None


def test_a_severity_line_inside_another_section_is_read() -> None:
    text = ("# SDK bug\n\n## Impact\n\n**Severity:** Major (High Impact, Service Degradation)\n\n"
            "**Affected customers:** 305 teams\n\n## Timeline\n\n"
            "- 2025-10-03 10:45 - SDK deployed\n- 2025-10-03 16:11 - Reverts deployed\n")
    assert _severity(text) == "Major"
    _fixed_point(text)


def test_a_severity_line_that_is_no_scale_names_none() -> None:
    text = ("# SDK bug\n\n## Impact\n\n**Severity:** we are still deciding\n\n## Timeline\n\n"
            "- 2025-10-03 10:45 - SDK deployed\n")
    assert _severity(text) is None


def test_a_header_severity_wins_over_one_stated_later() -> None:
    text = SEVERITY_SECTION.replace("\n\n## Severity", "\n\n**Severity**: P2\n\n## Severity")
    assert _severity(text) == "P2"


DECLARED = """\
# Incident Report: search down

| Time (UTC) | Event | Actor |
|---|---|---|
| 14:00 | Initial alert triggered | Prometheus |
| 14:02 | Incident declared P0 | @oncall |
| 14:45 | Incident resolved, monitoring phase | @ic |
"""


def test_a_declaration_row_that_names_a_severity_gives_it() -> None:
    text = "# Search down\n\n**Date**: 2024-11-19\n\n## Incident Timeline\n\n" + \
        DECLARED.split("\n\n", 1)[1]
    assert _severity(text) == "P0"
    _fixed_point(text)


def test_a_declaration_row_without_a_severity_gives_none() -> None:
    text = "# Search down\n\n**Date**: 2024-11-19\n\n## Incident Timeline\n\n" + \
        DECLARED.split("\n\n", 1)[1].replace("declared P0", "declared")
    assert _severity(text) is None


CLOSED = """\
# Surveys SDK bug

## Timeline

- 2025-10-03 10:45 - SDK deployed with a compatibility bug
- 2025-10-03 16:11 - Reverts deployed, issue mitigated
- 2025-10-03 22:28 - Incident closed, post-mortem phase begins
"""


def test_a_timeline_that_ends_with_the_incident_closed_is_resolved() -> None:
    incident = import_markdown(CLOSED, source="report.md").incident
    assert incident.status == "resolved"
    assert incident.resolved_at is not None and incident.resolved_at.hour == 22
    _fixed_point(CLOSED)


def test_a_stated_closed_status_stays_closed() -> None:
    text = CLOSED.replace("\n\n## Timeline", "\n\n**Status**: Closed\n\n## Timeline")
    assert import_markdown(text, source="report.md").incident.status == "closed"
    _fixed_point(text)


def test_a_closed_row_after_a_resolved_one_is_an_entry() -> None:
    text = CLOSED.replace("issue mitigated", "incident resolved")
    incident = import_markdown(text, source="report.md").incident
    assert incident.status == "resolved"
    assert incident.resolved_at is not None and incident.resolved_at.hour == 16
    assert len(incident.timeline) == 3
    _fixed_point(text)


STATUS_SECTION = """\
# 2023-12-04 Network merge

## Status

Most immediate remedies have been deployed on the testnet. Monitoring the situation.

## Summary

Two peer-to-peer networks were merged by mistake.

## Root cause

The protocol name filtering was removed.
"""


def test_a_status_section_that_names_one_status_states_it() -> None:
    incident = import_markdown(STATUS_SECTION, source="report.md").incident
    assert incident.status == "monitoring"
    _fixed_point(STATUS_SECTION)


def test_a_status_section_that_names_two_statuses_states_none() -> None:
    text = STATUS_SECTION.replace("Monitoring the situation.",
                                  "Resolved, though we keep monitoring it.")
    assert import_markdown(text, source="report.md").incident.status == "resolved"
