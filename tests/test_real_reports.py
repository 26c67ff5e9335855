"""Postmortems as real teams write them: every archive beside the project, and their shapes.

The archives in ``../shared/archives`` and ``../shared/corpus`` are read when present (the
tests skip cleanly without them); the shapes they show are also tested on small documents
written here, so the reader is tested by meaning, not by file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from incidentlog.errors import InputError
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.parse.when import ABBREVIATIONS
from incidentlog.render import render_markdown
from incidentlog.vocabulary import heading_role

from conftest import SHARED, timeline_header_lines

STRUCTURAL = {"key", "events", "review", "actions", "incident", "report", "Key", "Incident",
              "Review", "Actions", "Events", "Report", "x"}
"""Labels of a legacy layout that a template writes in its own words (and a task box's x)."""
PLACEHOLDER = {"ISSUE", "NAME"}
"""A template's title left in place ("# ISSUE NAME"): not the author's words; the line under
it names the incident."""
NOT_REPORTS = {"readme.md", "license.md", "contributing.md", "changelog.md"}
ARCHIVE_FILES = sorted(
    p for folder in (SHARED / "archives", SHARED / "corpus") if folder.is_dir()
    for p in folder.glob("*/*.md") if p.name.lower() not in NOT_REPORTS)


@pytest.mark.parametrize("path", ARCHIVE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_report_imports(path: Path) -> None:
    result = import_markdown(path.read_bytes(), source=path.name)
    assert result.incident.title


STAMP_WORDS = re.compile(
    r"^(?:\d+(?:am|pm|st|nd|rd|th)?|am|pm|[ap]m|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|"
    r"oct|nov|dec|january|february|march|april|june|july|august|september|october|november|"
    r"december|day|tues|thur|thurs|weds|utc|gmt|pst|pdt|pt|cet|cest|est|edt|cst|cdt|bst|"
    r"z)$", re.IGNORECASE)
"""Words of times and dates: a report shows times in UTC, not as the source wrote them."""


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z0-9]+", text)
            if not STAMP_WORDS.match(w) and w.upper() not in ABBREVIATIONS}


def role_words(text: str) -> set[str]:
    """Words of headings and labels naming a role, which a template writes in its words."""
    found: set[str] = set()
    for line in text.splitlines():
        match = re.match(r"^\s*(?:#{1,6}\s+|[-*]\s+\*\*)(.+?)(?:\*\*.*)?$", line)
        if match and heading_role(match[1]) is not None:
            found |= words(match[1])
    for line in timeline_header_lines(text):
        found |= words(line)
    return found


@pytest.mark.parametrize("template", ["a", "b"])
@pytest.mark.parametrize("path", ARCHIVE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_report_is_a_fixed_point_that_keeps_its_words(path: Path, template: str
                                                                 ) -> None:
    source = path.read_text(encoding="utf-8")
    first = import_markdown(source, source=path.name)
    rendered = render_markdown(first.incident, template)
    lost = words(source) - words(rendered) - role_words(source) - STRUCTURAL - PLACEHOLDER
    assert lost == set(), f"words of the source missing from the report: {sorted(lost)}"
    second = import_markdown(rendered, source="rendered.md")
    assert differences(first.incident, second.incident, seconds=template == "b") == []
    assert render_markdown(second.incident, template) == rendered


def test_an_archive_readme_is_refused_with_one_line() -> None:
    readme = SHARED / "archives" / "README.md"
    if not readme.exists():
        pytest.skip(f"{readme} is not beside the project")
    with pytest.raises(InputError, match=r"^README.md: not an incident report") as caught:
        import_markdown(readme.read_bytes(), source="README.md")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("heading", "role"), [
    ("Issue Summary", "summary"),
    ("Timeline (all times PST) 01/16/2024 - 02/28/2024. All times approximations", "timeline"),
    ("Timeline (UTC) All Times Approximate", "timeline"),
    ("3. Root Causes:", "root_cause"),
    ("🔥 Root cause analysis", "root_cause"),
    ("Resolution and recovery", "resolution"),
    ("Corrective and Preventative Measures", "actions"),
    ("Follow-ups", "actions"),
    ("Next steps", "actions"),
    ("Lessons learnt", "lessons"),
    ("Key Takeaways", "lessons"),
    ("What went poorly", "went_wrong"),
    ("Where we got lucky", "lucky"),
    ("**Contributing Factors**", "contributing"),
    ("Installation", None),
    ("Usage", None),
])
def test_a_heading_names_its_role_whatever_its_decoration(heading: str, role: str | None
                                                          ) -> None:
    assert heading_role(heading) == role


GOOGLE_BLOG_STYLE = """\
# Website Outage 5-26-21

## Issue Summary

The default branch of the website was renamed and the site went down.

## Timeline (all times approximate)
- 04:49 PM UTC Branch renamed
- 06:00 PM UTC Site is fully recovered

## Root Cause

 A bug in the CI process stalled the deployment.
 Support continues to investigate.

## Resolution and recovery

Support engineers restarted the stalled CI job.

## Corrective and Preventative Measures

- Rebuild the site deployment process
- Add an uptime check
"""


def test_a_report_with_only_role_headings_is_read_by_role() -> None:
    i = import_markdown(GOOGLE_BLOG_STYLE, source="outage.md").incident
    assert i.title == "Website Outage 5-26-21"
    assert i.summary.startswith("The default branch")
    assert i.root_cause is not None
    assert i.root_cause.summary == ("A bug in the CI process stalled the deployment.\n"
                                    "Support continues to investigate.")
    assert [a.title for a in i.action_items] == ["Rebuild the site deployment process",
                                                 "Add an uptime check"]


@pytest.mark.parametrize("text", [
    "# Incident Report: [TITLE]\n\n**Incident ID**: INC-YYYYMMDD-####\n**Date**: YYYY-MM-DD\n\n"
    "## Summary\n\n[Summary]\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| HH:MM | [Event] |"
    "\n\n## Root Cause\n\n[Description]\n",
    "# Postmortem template\n\n## Summary\n\n## Impact\n\n## Root Cause\n\n## Action items\n",
])
def test_an_empty_template_is_refused_with_one_line(text: str) -> None:
    with pytest.raises(InputError, match=r"^t.md: a template: the title is a placeholder") \
            as caught:
        import_markdown(text, source="t.md")
    assert "\n" not in str(caught.value)


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "reports" / \
    "2025-06-02-payments-timeouts.md"
ROW = "| 09:31 | Config change identified as cause | @tom |"


@pytest.mark.parametrize(("row", "code", "shown"), [
    ("| 25:99 | Config change identified as cause | @tom |", "unreadable-time", "'25:99'"),
    ("| 24:00 | Config change identified as cause | @tom |", "unreadable-time", "'24:00'"),
    ("| 0931 | Config change identified as cause | @tom |", "unreadable-time", "'0931'"),
    ("| 09:31 XYZ | Config change identified as cause | @tom |", "unknown-zone", "'XYZ'"),
    ("| 09:31 | Config change identified as cause | @tom | extra |", "unreadable-row",
     "| 09:31 | Config change identified as cause | @tom | extra |"),
])
def test_one_unreadable_time_degrades_only_its_row(row: str, code: str, shown: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert ROW in text
    line = text.splitlines().index(ROW) + 1
    result = import_markdown(text.replace(ROW, row), source="payments.md")
    i = result.incident
    found = [str(f) for f in result.findings if f.code == code]
    assert found and found[0].startswith(f"payments.md:{line}: {code}: ") and shown in found[0]
    unknown = [t for t in i.timeline if t.at is None]
    assert len(unknown) == 1 and "Config change identified" in unknown[0].text
    assert len(i.timeline) == 6 and i.detected_at and i.resolved_at and i.declared_at
    assert str(i.detected_at.date()) == "2025-06-02"  # the header's date still holds
    assert i.action_items and i.lessons and i.root_cause is not None


def test_a_twelve_hour_time_is_read_and_an_out_of_order_one_is_a_finding() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(ROW, ROW.replace("09:31", "9:31 PM"))
    result = import_markdown(text, source="payments.md")
    times = {t.text: t.at for t in result.incident.timeline}
    assert times["Config change identified as cause"].isoformat() == "2025-06-02T21:31:00+00:00"
    assert result.incident.resolved_at.isoformat() == "2025-06-02T09:53:00+00:00"
    assert any(f.code == "timeline-order" for f in result.findings)


def test_a_zone_on_a_time_is_honoured() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(ROW, ROW.replace("09:31", "09:31 UTC+2"))
    times = {t.text: t.at for t in import_markdown(text).incident.timeline}
    assert times["Config change identified as cause"].isoformat() == "2025-06-02T07:31:00+00:00"


@pytest.mark.parametrize(("stamp", "utc"), [
    ("04:49 PM UTC", "2021-05-26T16:49"),
    ("[08:47]", "2021-05-26T08:47"),
    ("**11:12 AM**:", "2021-05-26T11:12"),
    ("~9:00", "2021-05-26T09:00"),
    ("12:26-12:??", "2021-05-26T12:26"),
    ("14:23 CEST", "2021-05-26T12:23"),
    ("14:23 Europe/Berlin", "2021-05-26T12:23"),
    ("09:00 Pacific", "2021-05-26T16:00"),
    ("09:00 PST", "2021-05-26T17:00"),
    ("10:00 UTC+5:30", "2021-05-26T04:30"),
    ("05/27/2021 01:00", "2021-05-27T01:00"),
    ("May 27, 2021 1:00 am", "2021-05-27T01:00"),
    ("27 May 2021 13:00", "2021-05-27T13:00"),
])
def test_times_as_people_write_them(stamp: str, utc: str) -> None:
    from datetime import UTC, date

    from incidentlog.parse.when import read_stamp

    found = read_stamp(f"{stamp} Something happened", day=date(2021, 5, 26), zone=UTC)
    assert found is not None and found.at is not None
    assert found.at.strftime("%Y-%m-%dT%H:%M") == utc


def test_day_and_month_order_is_settled_by_the_other_dates() -> None:
    from incidentlog.parse.when import DateOrder, read_date

    european = DateOrder("We met on 25/12/2020 and again on 03/04/2021.")
    assert european.settled and read_date("03/04/2021", european) is not None
    assert read_date("03/04/2021", european)[0].isoformat() == "2021-04-03"  # type: ignore[index]
    american = DateOrder("From 12/25/2020 to 03/04/2021.")
    assert read_date("03/04/2021", american)[0].isoformat() == "2021-03-04"  # type: ignore[index]


TIMELINE_SHAPES = {
    "headings": "## Timeline\n\nAll times in CEST.\n\n### 2018-03-26 10:34\n\nDisk fills up.\n\n"
                "### 10:50\n\nAlert fired for disk space.\n\n```\ndf -h\n```\n\n### 11:20\n\n"
                "Old images deleted, service back to normal.\n",
    "paragraphs": "## Timeline (all times PST)\n\n_3/26/18_\n\n12:34 AM: Disk fills up.\n"
                  "12:50 AM: Alert fired for disk space.\n1:20 AM: Old images deleted,\n"
                  "service back to normal.\n",
    "bullets": "## Timeline\n\n2018-03-26 (all times UTC)\n\n* [08:34] Disk fills up.\n"
               "* [08:50] Alert fired for disk space,\n  paging the on-call.\n"
               "* [09:20] Old images deleted. **Outage ends.**\n",
    "table": "## Timeline\n\n| Date | Time (UTC) | Who | What happened |\n|---|---|---|---|\n"
             "| 2018-03-26 | 08:34 | - | Disk fills up |\n| | 08:50 | bot | Alert fired |\n"
             "| | 09:20 | ops | Service fully restored |\n",
}


@pytest.mark.parametrize("shape", sorted(TIMELINE_SHAPES))
def test_timelines_in_every_common_shape(shape: str) -> None:
    text = "# Disk full on the hub\n\n## Summary\n\nThe disk filled up.\n\n" + \
        TIMELINE_SHAPES[shape]
    i = import_markdown(text, source=f"{shape}.md").incident
    assert len(i.timeline) == 3, [t.text for t in i.timeline]
    assert [t.at.strftime("%Y-%m-%d %H:%M") for t in i.timeline if t.at] == [
        "2018-03-26 08:34", "2018-03-26 08:50", "2018-03-26 09:20"]
    assert i.detected_at is not None and i.detected_at.strftime("%H:%M") == "08:50"
    assert i.resolved_at is not None and i.resolved_at.strftime("%H:%M") == "09:20"


def test_a_duration_stated_in_prose_is_a_stated_figure_checked_against_the_timeline() -> None:
    text = ("# Prow outage\n\n## Summary\n\nJobs could not start. The outage lasted for 47 "
            "minutes, during which 415 jobs were unable to start.\n\n## Timeline\n\n"
            "- 2019-02-05 08:47 Alert fired for stuck jobs\n- 09:17 Service fully restored\n")
    result = import_markdown(text, source="prow.md")
    stated = [s for s in result.incident.stated if s.figure == "duration_minutes"]
    assert [(s.value, s.text) for s in stated] == [(47, "for 47 minutes")]
    assert any(f.code == "duration-mismatch" and "47" in f.message for f in result.findings)


@pytest.mark.parametrize(("stamp", "utc"), [
    ("[12-05 16:21]", "2018-12-05T16:21"),  # no year: the report's, or the year before
    ("[03-26 23:04]", "2019-03-26T23:04"),
    ("13:06 PM:", "2019-03-26T13:06"),  # a 24-hour time with a stray PM
])
def test_dates_without_a_year_and_stray_meridiems(stamp: str, utc: str) -> None:
    from datetime import UTC, date

    from incidentlog.parse.when import read_stamp

    found = read_stamp(f"{stamp} Something happened", day=date(2019, 3, 26), zone=UTC)
    assert found is not None and found.at is not None
    assert found.at.strftime("%Y-%m-%dT%H:%M") == utc


def test_reverting_a_change_is_not_by_itself_a_mitigation() -> None:
    from incidentlog.vocabulary import classify

    assert classify("Mariano reverted the malicious change.") == "entry"
    assert classify("Deploy rolled back") == "mitigated"


def test_a_span_in_prose_gives_the_outage_its_start_and_end() -> None:
    text = ("# Checkout API outage\n\n## Summary\n\nOn 2024-05-01 the checkout API was down "
            "from 16:58 to 18:46 UTC after a bad deploy. It was fixed by rolling back.\n")
    i = import_markdown(text).incident
    assert i.began_at is not None and i.began_at.isoformat() == "2024-05-01T16:58:00+00:00"
    assert i.resolved_at is not None and i.resolved_at.isoformat() == "2024-05-01T18:46:00+00:00"
    assert i.resolution == "It was fixed by rolling back."
    for template in ("a", "b"):
        again = import_markdown(render_markdown(i, template)).incident
        assert differences(i, again, seconds=template == "b") == []


def test_a_report_without_headings_is_read_from_its_opening_line_and_times() -> None:
    text = ("Checkout API outage\n\nThe checkout API failed after a bad deploy.\n\n"
            "- 2024-05-01 16:58 Error rate alert fired\n- 17:30 Deploy rolled back\n"
            "- 18:46 Service fully restored\n")
    i = import_markdown(text, source="note.md").incident
    assert i.title == "Checkout API outage" and len(i.timeline) == 3
    assert i.detected_at and i.mitigated_at and i.resolved_at
    assert i.began_at is None  # nothing says when it began: nothing is invented


def test_a_date_written_after_the_time_sets_its_day() -> None:
    from datetime import UTC, date

    from incidentlog.parse.when import read_stamp

    found = read_stamp("12:45 PM PST Saturday Oct 30th: First wave begins",
                       day=date(2021, 10, 29), zone=UTC)
    assert found is not None and found.at is not None
    assert found.at.isoformat() == "2021-10-30T20:45:00+00:00"
    assert "12:45 PM PST Saturday Oct 30th: First wave begins"[found.end:] == "First wave begins"
