"""Timelines and lifecycle times in the shapes teams write them, on small inline reports.

Each test is one general rule about how people write postmortems (a date rule, a zone
rule, a timeline shape), tested on a report written here for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidentlog.parse import import_markdown
from incidentlog.parse.when import zone_named

from conftest import assert_fixed_point as _fixed_point


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


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


def test_a_zone_written_out_in_words_is_that_zone() -> None:
    from incidentlog.parse.text import stated_zone

    zone = stated_zone("All times in Central European Time (CET)")
    offset = zone.utcoffset(datetime(2019, 2, 20)) if zone is not None else None
    assert offset is not None and offset.total_seconds() == 3600


YEAR_SLIP = """\
# Incident on 2023-01-05 - Vendor security incident

- **Key events**
  - First detected 2023-01-04 09:00
  - Incident declared: 2022-01-05 08:56
  - Resolved 2023-02-01 10:30
"""


def test_a_key_event_typed_with_last_years_date_is_read_in_the_reports_year() -> None:
    result = import_markdown(YEAR_SLIP, source="report.md")
    assert result.incident.declared_at == _at("2023-01-05T08:56")
    assert any(f.code == "date-typo" and "2022-01-05" in f.message for f in result.findings)
    assert "2022-01-05" in " ".join(t.text for t in result.incident.timeline)
    _fixed_point(YEAR_SLIP)


KEY_BEATS_WORDS = """\
# Incident on 2023-01-11 - Image pulls failing

- **Key events**
  - First detected: 2023-01-11 14:22
  - Resolved 2023-01-11 15:51

- **Context**:
  - 2023-01-11 14:22: Team member observed failed logins
  - 2023-01-11 15:40: Password changed back; service is restored
  - 2023-01-11 15:51: Incident is resolved
  - 2023-01-11 16:50: Comms sent: everything is back to normal
"""


def test_key_events_say_when_a_moment_was_over_the_words_of_other_entries() -> None:
    i = import_markdown(KEY_BEATS_WORDS, source="report.md").incident
    assert i.resolved_at == _at("2023-01-11T15:51")
    assert len(i.timeline) == 4
    _fixed_point(KEY_BEATS_WORDS)


DAY_HEADINGS = """\
# 2018-01-11, Warning about an expiring certificate

## Timeline

All times in PST

### 2018-01-11

A team member received an email that our certificate was going to expire.

### 2018-01-18

Another team member checked the certificate: it seemed renewed.

### 2018-01-19 11:00

We received another email. We realized that the expiry date was three months after
the switch of domains.

## Action items

- Use a shared address for certificate emails
"""


def test_a_date_heading_over_prose_is_an_entry_of_that_day_and_not_a_time() -> None:
    i = import_markdown(DAY_HEADINGS, source="report.md").incident
    assert len(i.timeline) == 3
    assert [t.at for t in i.timeline] == [None, None, _at("2018-01-19T19:00")]
    assert "2018-01-11" in i.timeline[0].text
    # Earlier days came first, at times not known: "realized" does not date the detection.
    assert i.detected_at is None
    _fixed_point(DAY_HEADINGS)


def test_an_incident_declared_mitigated_is_mitigated_not_declared() -> None:
    from incidentlog.vocabulary import classify

    assert classify("Active incident declared mitigated by the shutdown") == "mitigated"
    assert classify("Incident declared as resolved") == "resolved"
    assert classify("Incident declared") == "declared"


CLUSTERED_DATES = """\
# 12-01-2026 - Instances unavailable

## Timeline

- **08-01-2026** - A webhook certificate expired
- **11-01-2026 10:00 UTC** - Webhook failures began impacting service availability
- **12-01-2026 09:52 UTC** - Issue reported by customers via support
- **12-01-2026 10:40 UTC** - Resolution deployed, services restored
"""


def test_numeric_dates_no_number_settles_are_read_in_the_order_that_clusters_them() -> None:
    # Month first they would span August to December; day first, five days of January.
    i = import_markdown(CLUSTERED_DATES, source="report.md").incident
    assert i.began_at == _at("2026-01-11T10:00")
    assert i.detected_at == _at("2026-01-12T09:52")
    assert i.resolved_at == _at("2026-01-12T10:40")


SPAN_UNDER_TITLE = """\
# Flags service outage - September 29, 2025

On September 29, 2025, the flags service experienced an outage lasting 1 hour and 48
minutes, from 16:58 to 18:46 UTC.

## Timeline

- **16:58 UTC** - Writer database saturated by ingestion
- **17:25 UTC** - Incident declared, rollback attempted
- **18:46 UTC** - Service fully restored
"""


def test_a_span_in_the_opening_prose_marks_the_entry_where_it_began() -> None:
    result = import_markdown(SPAN_UNDER_TITLE, source="report.md")
    i = result.incident
    assert i.began_at == _at("2025-09-29T16:58")
    assert i.resolved_at == _at("2025-09-29T18:46")
    assert len(i.timeline) == 3  # the entry at 16:58 is marked; no row is added
    assert any(s.figure == "duration_minutes" and s.value == 108 for s in result.stated)
    _fixed_point(SPAN_UNDER_TITLE)


def test_figures_in_a_plain_stats_list_are_stated_figures() -> None:
    text = """\
# Traefik rule blocked some inbound traffic

## Timeline

| Time             | Event |
| :--------------- | ----- |
| 2025-03-17 17:53 | Change applied |
| 2025-03-17 23:42 | Cloud engineer informed of ingress problem |
| 2025-03-18 00:42 | Customer confirmed issue resolved |

## Stats

- Time to detection: 371 minutes
- Time to recovery: 389 minutes
"""
    result = import_markdown(text, source="report.md")
    stated = {(s.figure, s.value) for s in result.stated}
    assert {("time_to_detect_minutes", 371), ("time_to_repair_minutes", 389)} <= stated
    assert result.incident.detected_at == _at("2025-03-17T23:42")
    _fixed_point(text)


DATED_BULLETS = """\
# Feature flags cache degradation

Date: 2026-02-06

## Timeline

All times in UTC.

- **Feb 2-5** - Intermittent OOM kills observed on workers; initially low-severity
- **Feb 6 20:31** - Incident declared as OOMs escalate
- **Feb 6 21:34** - Root cause identified
- **Feb 6 22:34** - **Stabilized**: OOMs reduced, backlog clearing
- **Feb 7** - Test automation moved to an isolated environment
- **Feb 8** - Stale test data cleaned up
"""


def test_bullets_with_a_date_alone_are_entries_of_that_day() -> None:
    i = import_markdown(DATED_BULLETS, source="report.md").incident
    assert len(i.timeline) == 6
    assert i.declared_at == _at("2026-02-06T20:31")
    assert i.mitigated_at == _at("2026-02-06T22:34")
    assert i.timeline[1].text.startswith("Intermittent OOM kills")  # "Feb 2-5": a range
    _fixed_point(DATED_BULLETS)


def test_a_list_alone_under_a_timeline_heading_is_its_entries() -> None:
    text = """\
# Builds failing after a base image upgrade

## Events:
  - Builds failed when built on the new docker image
  - Someone recommended replacing the docker image

## Follow-ups
 - use image digests
"""
    i = import_markdown(text, source="report.md").incident
    assert [t.at for t in i.timeline] == [None, None]
    assert i.detected_at is None and i.began_at is None


def test_a_moment_dated_in_running_text_is_an_inferred_row_quoting_it() -> None:
    text = """\
# Incident on 2022-11-15 - Prometheus down

## Summary

The instance was retired by AWS at 16:00, Prometheus went down approx 16:03.
Users were told at 16:25.

## Resolution

A new node was started.
"""
    result = import_markdown(text, source="report.md")
    i = result.incident
    assert i.began_at == _at("2022-11-15T16:03")
    row = next(t for t in i.timeline if t.at == _at("2022-11-15T16:03"))
    assert "went down approx 16:03" in row.text
    _fixed_point(text)


def test_a_paragraph_dated_with_a_typo_after_dated_entries_is_an_entry_with_a_finding() -> None:
    text = """\
# CLVM infinite recursion

## Timeline (all times PST) 10/14/2022 - 11/03/2022. All times approximations

10/14/2022 - A researcher submitted a bug report.

11/03/202 - Version 1.6.1 was released with the fix.

## Resolution and recovery

Version 1.6.1 fixed the recursion.
"""
    result = import_markdown(text, source="report.md")
    assert len(result.incident.timeline) == 2
    assert any(f.code == "unreadable-time" and "11/03/202" in f.message
               for f in result.findings)
    _fixed_point(text)


def test_a_duration_stated_in_prose_is_checked_against_the_timeline() -> None:
    text = """\
# 2021-05-10 Wiki edit

## Timeline

- 09:15 An edit was made to the wiki (outage begins)
- 09:30 Users reported the bad link
- 11:45 The change was reverted, service fully restored

## Resolution

The edit was reverted. Total time to resolution approximately 49 minutes.
"""
    result = import_markdown(text, source="report.md")
    assert [str(f) for f in result.findings if f.code == "duration-mismatch"] == [
        "report.md:11: duration-mismatch: stated time to resolve 49 minutes, timeline gives "
        "2 hours 30 minutes (began to resolved), 2 hours 15 minutes (detected to resolved)"]


def test_a_header_line_giving_the_incidents_date_and_time_says_when_it_began() -> None:
    from incidentlog.parse import import_markdown

    text = """# Chain halt

## Summary

**Date of Incident:** Wednesday 20th September 2023, 14:32 UTC (block 13263217)

**Status:** Resolved

**Root Cause:** a bug in the staking module.
"""
    incident = import_markdown(text).incident
    assert incident.began_at is not None
    assert incident.began_at.isoformat() == "2023-09-20T14:32:00+00:00"
    dated_only = text.replace(", 14:32 UTC", "")
    assert import_markdown(dated_only).incident.began_at is None  # a date alone says nothing


def test_the_first_recorded_error_is_not_when_someone_noticed() -> None:
    from incidentlog.parse import import_markdown

    text = """# Database indexes broke

**Date**: 2023-08-03

## Timeline (UTC)

- *09:03* Started the deployment with the migration
- *09:31* First recorded error in the index of the log table
- *17:16* All tables restored
"""
    assert import_markdown(text).incident.detected_at is None


KEY_AND_CONTEXT_TWO_TIMES = """\
# Incident on 2023-11-01 - Metrics restarts

- **Key events**
  - First detected 2023-11-01 10:15
  - Repaired 2023-11-01 15:55
  - Resolved 2023-11-01 16:30

- **Context**:
  - 2023-11-01 10:15: Pager alert: metrics healthcheck is DOWN
  - 2023-11-01 12:35: Team enabled debug logging
  - 2023-11-01 16:18: Incident repaired
  - 2023-11-01 16:30: Dashboards checked, all healthy
"""


def test_a_key_event_at_no_entrys_minute_marks_the_entry_naming_its_moment() -> None:
    i = import_markdown(KEY_AND_CONTEXT_TWO_TIMES, source="report.md").incident
    # The detailed timeline is the timeline: "Repaired 15:55" sums up "Incident repaired"
    # at 16:18 (the report gives two times), so it adds no row of its own.
    assert len(i.timeline) == 4
    assert i.mitigated_at == _at("2023-11-01T16:18")
    assert "Repaired 2023-11-01 15:55" in " ".join(t.text for t in i.timeline)
    _fixed_point(KEY_AND_CONTEXT_TWO_TIMES)


def test_a_key_event_no_entry_names_is_a_row_of_its_own() -> None:
    text = KEY_AND_CONTEXT_TWO_TIMES.replace("Incident repaired", "Memory limits raised")
    i = import_markdown(text, source="report.md").incident
    assert len(i.timeline) == 5
    assert i.mitigated_at == _at("2023-11-01T15:55")
    _fixed_point(text)


FOLLOW_UP_TIMELINE = """\
# Hub outage

## Summary

The hub's namespace was deleted by mistake on 2025-08-12.

## Timeline (times in UTC)

### 4:00 PM
Incident declared.

### 5:11 PM
Incident resolved.

## Follow-up timeline (times in UTC)

### 7:16 PM
A user reports trouble logging in.

### 7:20 PM
The engineer acknowledges the report.

## Action Items

- [ ] Write an incident report
"""


def test_a_follow_up_timeline_is_a_timeline_not_action_items() -> None:
    i = import_markdown(FOLLOW_UP_TIMELINE, source="report.md").incident
    assert len(i.timeline) == 4
    assert [a.title for a in i.action_items] == ["Write an incident report"]
    assert any(s.heading.startswith("Follow-up timeline") for s in i.sections)
    _fixed_point(FOLLOW_UP_TIMELINE)


def test_a_heading_that_only_starts_with_a_role_keeps_it() -> None:
    from incidentlog.vocabulary import heading_role
    assert heading_role("Follow-up timeline (times in BST)") == "timeline"
    assert heading_role("Follow-up actions") == "actions"
    assert heading_role("Recovery timeline") == "timeline"


MIS_LEVELLED = """\
# 2018-02-20, Launches swamped

## Summary

Launches failed after an announcement.

## Timeline

All times in UTC

### Feb 20 2018 14:17
The announcement goes out.

### 2X:XX (not sure exact time)
Launch failures come back.

### 22:52
Things look stable.

## Feb 21, 13:00
Failures again.

### 15:15
The hub is restarted.

## Conclusions

We need more capacity.
"""


def test_a_time_heading_not_known_is_an_entry_of_unknown_time() -> None:
    i = import_markdown(MIS_LEVELLED, source="report.md").incident
    unknown = [t for t in i.timeline if t.at is None]
    assert len(unknown) == 1 and "Launch failures come back" in unknown[0].text
    _fixed_point(MIS_LEVELLED)


def test_a_dated_time_heading_a_level_too_high_goes_on_with_the_timeline() -> None:
    i = import_markdown(MIS_LEVELLED, source="report.md").incident
    timed = [t.at for t in i.timeline if t.at is not None]
    assert timed == [_at("2018-02-20T14:17"), _at("2018-02-20T22:52"),
                     _at("2018-02-21T13:00"), _at("2018-02-21T15:15")]
    # A heading after the timeline that is no time stays a section of its own.
    assert any(s.heading == "Conclusions" for s in i.sections)


def test_a_dated_heading_with_no_timeline_before_it_is_no_entry() -> None:
    text = MIS_LEVELLED.replace("## Timeline\n", "## Notes\n") + \
        "\n## Action Items\n\n- Add capacity\n"
    i = import_markdown(text, source="report.md").incident
    assert not any(t.at == _at("2018-02-21T13:00") for t in i.timeline)


def test_a_day_written_with_a_dot_after_it_is_a_date() -> None:
    text = MIS_LEVELLED.replace("## Feb 21, 13:00", "### 21. February, 13:00")
    i = import_markdown(text, source="report.md").incident
    assert _at("2018-02-21T13:00") in [t.at for t in i.timeline]


DATE_COLON_TIME = """\
# Bank login incident

## Summary

A login from a new device was flagged by the bank.

## Timeline (all times UTC)

January 29, 2024
The finance team connected the bank to the admin tool.

February 15, 2024: 7:56am UTC
An employee received an email about a login from a new device.

February 15, 2024: 1:15pm UTC
The employee changed the passwords.

## Action Items

- Review the bank integrations
"""


def test_a_date_a_colon_and_a_time_is_a_stamp() -> None:
    i = import_markdown(DATE_COLON_TIME, source="report.md").incident
    timed = [t for t in i.timeline if t.at is not None]
    assert [t.at for t in timed] == [_at("2024-02-15T07:56"), _at("2024-02-15T13:15")]
    assert timed[0].text == "An employee received an email about a login from a new device."
    _fixed_point(DATE_COLON_TIME)


def test_a_date_line_over_words_is_an_entry_of_that_day() -> None:
    i = import_markdown(DATE_COLON_TIME, source="report.md").incident
    assert len(i.timeline) == 3
    first = i.timeline[0]
    assert first.at is None and "The finance team connected the bank" in first.text


def test_a_date_line_alone_sets_the_day_and_is_no_entry() -> None:
    text = DATE_COLON_TIME.replace(
        "January 29, 2024\nThe finance team connected the bank to the admin tool.",
        "February 15, 2024")
    i = import_markdown(text, source="report.md").incident
    assert len(i.timeline) == 2


PROSE_TIMELINE = """\
# 2023-12-04 Network merge

## Summary

Two peer-to-peer networks were merged by mistake.

## Timeline

The first debugging efforts began as soon as the degradation was found in late November.

Efforts were then taken to offload the synchronous uploads.

The first week of December the crawler team confirmed what we suspected.

## Root cause

The protocol name filtering was removed.
"""


def test_a_timeline_told_in_paragraphs_without_times_has_an_entry_each() -> None:
    i = import_markdown(PROSE_TIMELINE, source="report.md").incident
    assert len(i.timeline) == 3 and all(t.at is None for t in i.timeline)
    assert i.began_at is None and i.detected_at is None
    _fixed_point(PROSE_TIMELINE)


def test_a_timeline_of_one_paragraph_without_times_has_no_entry() -> None:
    text = PROSE_TIMELINE.replace(
        "\n\nEfforts were then taken to offload the synchronous uploads.", "").replace(
        "\n\nThe first week of December the crawler team confirmed what we suspected.", "")
    assert import_markdown(text, source="report.md").incident.timeline == ()


EVENT_HEADINGS = """\
# Post mortem covering 11 April to 23 April

Several outages affected the service in April 2026.

## Establishing the timeline

### Elevated error rates (Minor)

On 11 April 2026, we began seeing higher than normal error rates from the API.

### CDN errors (Major)

On 13 April 2026, a subset of CDN servers were given an experimental change.

The next day we tested again.

### What we learned

Testing needs more care.
"""


def test_event_headings_whose_words_open_with_their_day_are_entries_of_that_day() -> None:
    i = import_markdown(EVENT_HEADINGS, source="report.md").incident
    assert len(i.timeline) == 2 and all(t.at is None for t in i.timeline)
    assert i.timeline[1].text.startswith("CDN errors (Major)")
    assert len(i.lessons) == 1  # a sub-heading without a day is no entry
    _fixed_point(EVENT_HEADINGS)


def test_an_iso_offset_on_a_stamp_is_its_zone_not_a_range() -> None:
    text = ("# Queue stall\n\nAll times PT.\n\n## Timeline\n\n"
            "- 2020-02-20T21:17:00-05:00 queue alert fired\n"
            "- 2020-02-20T23:02:10Z consumers restarted\n"
            "- 2020-02-21T04:30+0530 service fully restored\n"
            "- 2020-02-20 14:05:00-14:20 a window written as a range\n")
    stamps = [e.at for e in import_markdown(text, source="r.md").incident.timeline]
    assert datetime(2020, 2, 21, 2, 17, tzinfo=UTC) in stamps  # -05:00, not PT, not 05:00
    assert datetime(2020, 2, 20, 23, 2, 10, tzinfo=UTC) in stamps  # Z wins over the PT line
    assert datetime(2020, 2, 20, 23, 0, tzinfo=UTC) in stamps
    assert datetime(2020, 2, 20, 22, 5, tzinfo=UTC) in stamps  # 14:05 PT; -14:20 no offset
