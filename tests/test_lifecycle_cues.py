"""Lifecycle times from what a report says, on small inline reports: each a general rule
about how people write postmortems, with a report that shows it and one that must not be
read that way (nothing inferred where nothing supports it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidentlog.incident import Incident
from incidentlog.parse import import_markdown
from test_timeline_shapes import _at, _fixed_point


def _read(text: str) -> Incident:
    return import_markdown(text, source="report.md").incident


BOTH = """\
# Website outage 2021-05-26

## Timeline (UTC)

- 16:49 The repository's default branch is renamed
- 16:52 Site is hard down, engineers respond to alarms and start troubleshooting
- 17:30 Further issues with the site are discovered
- 18:00 Site is fully recovered
"""


def test_a_row_that_says_it_began_and_was_seen_dates_both() -> None:
    i = _read(BOTH)
    assert i.began_at == _at("2021-05-26T16:52")
    assert i.detected_at == _at("2021-05-26T16:52")
    assert i.resolved_at == _at("2021-05-26T18:00")
    _fixed_point(BOTH)


def test_a_row_that_says_only_where_it_began_dates_no_detection() -> None:
    i = _read(BOTH.replace(", engineers respond to alarms and start troubleshooting", ""))
    assert i.began_at == _at("2021-05-26T16:52")
    assert i.detected_at == _at("2021-05-26T17:30")


OPENING = """\
# Wiki edit

## Issue Summary

At approximately 09:15:04 Monday May 10th (UTC), 2021, a user account edited the
installer page of the wiki to point the download link to a third-party host.

## Timeline (all times UTC) Monday May 10th, 2021

- 09:15:04 UTC an edit was made to the install page
- 09:30:00 UTC Reports of the change began to reach support
- 10:03:52 UTC the change was rolled back
"""


def test_the_summarys_opening_time_marks_where_it_began() -> None:
    i = _read(OPENING)
    assert i.began_at == _at("2021-05-10T09:15:04")
    assert i.detected_at == _at("2021-05-10T09:30")
    began = next(t for t in i.timeline if t.marks == "began")
    assert began.text.startswith("an edit was made")  # the timeline's own entry
    assert len(i.timeline) == 3
    _fixed_point(OPENING)


def test_an_opening_time_after_the_timelines_first_is_not_where_it_began() -> None:
    later = OPENING.replace("At approximately 09:15:04", "At approximately 09:30:00")
    assert _read(later).began_at is None


def test_an_opening_time_no_entry_shows_adds_no_row_to_a_timeline() -> None:
    other = OPENING.replace("At approximately 09:15:04", "At approximately 09:10:00")
    i = _read(other)
    assert i.began_at is None
    assert len(i.timeline) == 3


OPENING_SEEN = """\
# Suspected account compromise

## Issue Summary

__Initial Concerns__: On Sunday, October 31 2021 at 21:33 PT, a user discovered one coin
missing from his wallet.

## Timeline

| Date | Time (PT) | Event |
|------|-----------|-------|
| Oct 31 | 21:33 | The user posts in chat about the missing coin |
| Oct 31 | 22:59 | The employee notices commands run after shutdown |
| Nov 1 | 21:54 | The employee verified the security incident was a false positive |
"""


def test_an_opening_sentence_with_words_of_detection_dates_the_detection() -> None:
    i = _read(OPENING_SEEN)
    assert i.detected_at == _at("2021-11-01T04:33")  # 21:33 PDT
    assert i.began_at is None  # a discovery is not where it began
    assert i.resolved_at == _at("2021-11-02T04:54")  # the date column's day, not the report's


def test_a_table_dates_rows_by_its_date_column_not_the_weekday_column() -> None:
    table = OPENING_SEEN.replace("| Date | Time (PT) | Event |\n|------|",
                                 "| Day | Date (2021) | Time (PT) | Event |\n|-----|------|")
    for day, date in (("Sun", "Oct 31"), ("Sun", "Oct 31"), ("Mon", "Nov 1")):
        table = table.replace(f"\n| {date} |", f"\n| {day} | {date} |", 1)
    i = _read(table)
    assert [t.at for t in i.timeline if t.at] == [
        _at("2021-11-01T04:33"), _at("2021-11-01T05:59"), _at("2021-11-02T04:54")]


NO_TIMELINE = """\
# Chain stall

## Summary

On May 9th 2021 at 6:48AM PDT, the blockchain stopped creating blocks for about 45 minutes.

## Root Cause

A negative coin value was not rejected by the mempool.
"""


def test_an_opening_time_of_a_report_with_no_timeline_is_a_row_quoting_it() -> None:
    i = _read(NO_TIMELINE)
    assert i.began_at == _at("2021-05-09T13:48")
    row = next(t for t in i.timeline if t.marks == "began")
    assert row.text.startswith("On May 9th 2021 at 6:48AM PDT")
    assert row.source is not None and row.source.line == 5
    _fixed_point(NO_TIMELINE)


def test_a_date_alone_in_an_opening_sentence_dates_nothing() -> None:
    i = _read(NO_TIMELINE.replace(" at 6:48AM PDT", ""))
    assert i.began_at is None


def test_an_opening_sentence_about_the_fix_is_not_where_it_began() -> None:
    i = _read(NO_TIMELINE.replace("the blockchain stopped creating blocks for about 45 minutes",
                                  "the service was fully restored"))
    assert i.began_at is None


STAMP_LINES = """\
# Bank credentials

## Timeline

February 15, 2024: 7:56am UTC
An email about a login from a new device reaches the employee.

February 16, 2024: 7:20pm UTC
The bank confirms the access came from an integration: a false positive.
"""


def test_a_date_and_time_on_a_line_of_their_own_date_the_words_under_them() -> None:
    i = _read(STAMP_LINES)
    assert [(t.at, t.text.split()[0]) for t in i.timeline if t.at] == [
        (_at("2024-02-15T07:56"), "An"), (_at("2024-02-16T19:20"), "The")]
    assert i.resolved_at == _at("2024-02-16T19:20")


APPROX_HEADING = """\
# Builds saturate the CPU

## Timeline (UTC)

### 2018-07-30 ca. 11:20

We notice launches are not happening as expected.

### 2018-07-30 11:45

The pod is deleted.
"""


def test_an_approximate_time_after_a_date_is_read() -> None:
    i = _read(APPROX_HEADING)
    assert i.timeline[0].at == _at("2018-07-30T11:20")
    assert i.detected_at == _at("2018-07-30T11:20")


CUES = """\
# Launch failures

## Timeline (UTC)

- 2018-02-20 15:05 Launch success rate is at 0%. Something is wrong beyond load.
- 2018-02-20 15:40 The hub is restarted
- 2018-02-20 17:40 The attachment is confirmed clean
"""


def test_cue_words_for_seen_and_ended() -> None:
    i = _read(CUES)
    assert i.detected_at == _at("2018-02-20T15:05")
    assert i.began_at == _at("2018-02-20T15:05")
    assert i.resolved_at == _at("2018-02-20T17:40")
    plain = _read(CUES.replace("Something is wrong beyond load.", "")
                  .replace("is confirmed clean", "is scanned"))
    assert plain.detected_at is None
    assert plain.resolved_at is None


LASTING = """\
# Search outage

## Summary

> On November 19, 2024, the search service experienced a complete outage lasting 45
> minutes affecting all users.

## Timeline (UTC)

- 2024-11-19 14:00 Outage begins
- 2024-11-19 14:45 Service fully restored
"""


def _stated(text: str) -> dict[str, float]:
    return {s.figure: s.value for s in _read(text).stated}


def test_how_long_the_outage_lasted_is_a_stated_figure_even_in_a_quote() -> None:
    assert _stated(LASTING)["duration_minutes"] == 45
    _fixed_point(LASTING)


def test_a_duration_of_something_else_is_not_the_outages() -> None:
    other = LASTING.replace("a complete outage lasting 45\n> minutes", "a meeting lasting 45\n>"
                            " minutes and an outage")
    assert "duration_minutes" not in _stated(other)


BETWEEN = """\
# Suspected compromise

## Resolution and recovery

The time between the user reporting the incident until verifying it was a false positive
took approximately twenty-four hours.

## Timeline (UTC)

- 2021-11-01 04:33 A user reports a missing coin
- 2021-11-02 04:54 Verified it was a false positive
"""


def test_the_time_between_two_moments_is_a_stated_duration() -> None:
    assert _stated(BETWEEN)["duration_minutes"] == 1440
    assert "duration_minutes" not in _stated(BETWEEN.replace("The time between", "Between"))


LAST_FIX = """\
# Wiki edit

## Timeline (all times UTC) Monday May 10th, 2021

- 09:15:04 UTC an edit was made to the install page
- 09:30:00 UTC Reports of the change began to reach support
- 10:03:52 UTC Mariano reverted the malicious change.

## Root Cause

An unreviewed wiki edit.
"""


def test_a_finished_reports_timeline_that_ends_with_a_fix_is_resolved_there() -> None:
    i = _read(LAST_FIX)
    assert i.resolved_at == datetime(2021, 5, 10, 10, 3, 52, tzinfo=UTC)
    assert i.mitigated_at is None
    assert len(i.timeline) == 3
    _fixed_point(LAST_FIX)  # to the minute in template A, to the second in B


def test_a_timeline_that_ends_with_no_fix_has_no_resolution_time() -> None:
    i = _read(LAST_FIX.replace("Mariano reverted the malicious change.",
                               "The vendor replied that nothing was leaked."))
    assert i.resolved_at is None
    assert i.status == "resolved"


def test_an_open_report_that_ends_with_a_fix_is_not_resolved_by_it() -> None:
    i = _read(LAST_FIX.replace("# Wiki edit\n", "# Wiki edit\n\n**Status**: Investigating\n"))
    assert i.resolved_at is None


def test_a_fix_before_the_last_entry_is_not_the_resolution() -> None:
    later = LAST_FIX.replace("- 10:03:52 UTC Mariano reverted the malicious change.\n",
                             "- 10:03:52 UTC Mariano reverted the malicious change.\n"
                             "- 11:00:00 UTC Support keeps watching the wiki\n")
    assert _read(later).resolved_at is None


DROPS = """\
# Launch failures

## Timeline (UTC)

- 2018-03-31 23:47 Problem is identified: launch success rate drops quickly
- 2018-04-01 01:30 Launch rate goes back to normal
"""


def test_a_problem_seen_as_a_rate_that_drops_began_there_and_was_seen_there() -> None:
    i = _read(DROPS)
    assert i.began_at == _at("2018-03-31T23:47")
    assert i.detected_at == _at("2018-03-31T23:47")
    _fixed_point(DROPS)
    steady = _read(DROPS.replace("launch success rate drops quickly", "we look at the logs"))
    assert steady.began_at is None
    assert steady.detected_at == _at("2018-03-31T23:47")


def test_a_deploy_that_failed_or_a_service_not_available_is_where_it_began() -> None:
    for words in ("PR 254 failed to deploy to staging", "Prometheus was not available"):
        i = _read(DROPS.replace("Problem is identified: launch success rate drops quickly",
                                words))
        assert i.began_at == _at("2018-03-31T23:47"), words



def test_a_drop_in_errors_is_the_problem_easing_not_starting() -> None:
    for words in ("Error rate dropped to 0.8%", "CPU load begins to drop"):
        i = _read(DROPS.replace("Problem is identified: launch success rate drops quickly",
                                words))
        assert i.began_at is None, words
