"""Timelines and lifecycle times in the shapes teams write them, on small inline reports.

Each test is one general rule about how people write postmortems (a date rule, a zone
rule, a timeline shape), tested on a report written here for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.parse.when import zone_named
from incidentlog.render import render_markdown


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _fixed_point(text: str) -> None:
    first = import_markdown(text, source="report.md")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first.incident, template), source="r.md")
        assert differences(first.incident, again.incident, seconds=template == "b") == []


YEARLESS = """\
# March 26th, 2019 Queue outage

## Timeline

- [12-05 16:21] A bug is introduced
- [03-20 16:46] The spec is updated but the pod is not
- [03-26 02:50] The outage is reported on GitHub
- [03-26 08:10] A fixed build is deployed (**outage ends**)
"""


def test_a_date_without_its_year_takes_the_reports_year_not_the_last_rows() -> None:
    # "12-05" is months after the report: the year before. The rows after it are 2019's.
    i = import_markdown(YEARLESS, source="report.md").incident
    assert [t.at for t in i.timeline if t.at] == [
        _at("2018-12-05T16:21"), _at("2019-03-20T16:46"), _at("2019-03-26T02:50"),
        _at("2019-03-26T08:10")]
    assert i.detected_at == _at("2019-03-26T02:50")
    assert i.resolved_at == _at("2019-03-26T08:10")


def test_a_slip_in_a_zones_area_still_names_its_region() -> None:
    pacific = zone_named("US/Pacific")
    assert pacific is not None
    slip = zone_named("UC/Pacific")
    assert slip is not None
    assert slip.utcoffset(datetime(2020, 7, 9)) == pacific.utcoffset(datetime(2020, 7, 9))
    assert zone_named("Nowhere/Atlantis") is None


KEY_AND_CONTEXT = """\
# Incident on 2023-07-25 - Metrics down

- **Key events**
  - First detected: 2023-07-25 14:05
  - Incident declared: 2023-07-25 15:21
  - Repaired: 2023-07-25 15:55
  - Resolved 2023-07-25 16:18

- **Time to resolve**: 2h 13m

- **Context**:
  - 2023-07-25 14:05 - Pager alert: metrics healthcheck is DOWN. Team checked the server
  - 2023-07-25 14:09: The pod is in terminating state
  - 2023-07-25 15:21: Incident declared in the incident channel
  - 2023-07-25 15:31: Changed the instance size
  \u2013 2023-07-25 16:18: Memory limits raised, all healthy

- **Resolution**:
  - Raised the memory limits
"""


def test_a_detailed_timeline_under_any_label_is_the_timeline_and_key_events_mark_it() -> None:
    result = import_markdown(KEY_AND_CONTEXT, source="report.md")
    i = result.incident
    timed = [t for t in i.timeline if t.at is not None]
    # Five detailed entries (one typed with an en dash) plus the key event "Repaired"
    # at a minute no entry has; the other key events mark the entries at their minute.
    assert len(timed) == 6
    assert i.detected_at == _at("2023-07-25T14:05")
    assert i.declared_at == _at("2023-07-25T15:21")
    assert i.mitigated_at == _at("2023-07-25T15:55")
    assert i.resolved_at == _at("2023-07-25T16:18")
    texts = " ".join(t.text for t in i.timeline)
    assert "The pod is in terminating state" in texts and "Memory limits raised" in texts
    _fixed_point(KEY_AND_CONTEXT)


KEY_AND_TIMELINE_SECTION = """\
# Incident on 2026-03-30 - Ingress rollback

- **Key events**
  - First detected 2026-03-30 08:56
  - Resolved 2026-03-30 14:39

- **Impact**: some services returned errors.

## Timeline

| Timestamp | Note |
| --------: | :--- |
| 2026-03-30 08:30 | New ingress version deployed |
| 2026-03-30 08:56 | Teams report errors after the change |
| 2026-03-30 09:43 | Deployment rolled back |
| 2026-03-30 14:39 | Fixed version deployed |
"""


def test_key_events_mark_a_timeline_section_that_follows_them() -> None:
    i = import_markdown(KEY_AND_TIMELINE_SECTION, source="report.md").incident
    assert len(i.timeline) == 4
    assert i.detected_at == _at("2026-03-30T08:56")
    assert i.mitigated_at == _at("2026-03-30T09:43")
    assert i.resolved_at == _at("2026-03-30T14:39")
    _fixed_point(KEY_AND_TIMELINE_SECTION)


KEY_AND_LINES = """\
# Incident on 2025-07-23 - Secrets pushed to a public branch

- **Key events**
  - First detected 2025-07-23 16:08
  - Resolved 2025-07-24 12:34

- **Context**:

15:35 \u2013 Plan pushed to git branch

16:08 \u2013 Initial finding of secret leakage via human inspection

16:48 \u2013 Secrets rotated
"""


def test_lines_that_start_with_times_after_key_events_are_entries() -> None:
    i = import_markdown(KEY_AND_LINES, source="report.md").incident
    timed = [t for t in i.timeline if t.at is not None]
    assert [t.at for t in timed] == [_at("2025-07-23T15:35"), _at("2025-07-23T16:08"),
                                     _at("2025-07-23T16:48"), _at("2025-07-24T12:34")]
    assert i.detected_at == _at("2025-07-23T16:08")


PROSE_FIGURES = """\
# 2019-04-03, ingress outage

## Summary

During an upgrade all nodes running our ingress pods were cordoned. This went unnoticed
and caused 40min of total outage.

## Resolution

The pods were rescheduled. Total time to resolution approximately 49 minutes.

## Follow-ups

Reduce the time to detection: 5 minutes at most.
"""


def test_durations_stated_in_running_text_are_stated_figures() -> None:
    result = import_markdown(PROSE_FIGURES, source="report.md")
    stated = {(s.figure, s.value) for s in result.stated}
    assert ("duration_minutes", 40) in stated
    assert ("time_to_resolve_minutes", 49) in stated
    # A goal under the follow-ups is not a figure of the incident.
    assert not any(s.figure == "time_to_detect_minutes" for s in result.stated)
    _fixed_point(PROSE_FIGURES)


def test_a_row_that_explains_a_cause_is_not_a_detection() -> None:
    from incidentlog.vocabulary import classify
    assert classify("A team member noticed that this is because the account changed") \
        == "entry"
    assert classify("A team member noticed the site was down") == "detected"
