"""Front matter as a report's header: status-page entries, blog posts, TOML and YAML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.parse.frontmatter import split
from incidentlog.render import render_markdown

STATUS_PAGE = """---
title: Object storage is down
date: 2024-03-05T10:20:00.000Z
status: resolved
current_severity: ok
max_severity: down
resolved_on: 2024-03-05T11:45:10.100Z
affected:
  - Object storage
  - Backups
comments: true
---
Everything is back up and running."""


def test_a_status_page_entry_all_front_matter_is_a_report() -> None:
    incident = import_markdown(STATUS_PAGE, source="e.md").incident
    assert incident.title == "Object storage is down"
    assert incident.severity == "down"  # the peak, not the current level
    assert incident.began_at == datetime(2024, 3, 5, 10, 20, tzinfo=UTC)
    assert incident.resolved_at == datetime(2024, 3, 5, 11, 45, 10, 100000, tzinfo=UTC)
    assert incident.status == "resolved"


def test_an_entry_still_in_progress_has_no_end_even_with_a_form_default() -> None:
    text = STATUS_PAGE.replace("status: resolved", "status: in_progress").replace(
        "2024-03-05T11:45:10.100Z", "2024-03-05T10:20:00.030Z")
    incident = import_markdown(text, source="e.md").incident
    assert incident.status == "investigating"
    assert incident.resolved_at is None
    assert incident.began_at == datetime(2024, 3, 5, 10, 20, tzinfo=UTC)


def test_an_end_at_the_minute_of_the_start_is_not_a_resolution() -> None:
    text = STATUS_PAGE.replace("2024-03-05T11:45:10.100Z", "2024-03-05T10:20:00.030Z")
    assert import_markdown(text, source="e.md").incident.resolved_at is None


def test_a_post_written_after_the_night_it_tells_of_does_not_date_the_start() -> None:
    text = STATUS_PAGE.replace("Everything is back up", "A power cut hit the racks last "
                               "night. Everything is back up")
    assert import_markdown(text, source="e.md").incident.began_at is None


def test_front_matter_times_keep_their_offset() -> None:
    text = STATUS_PAGE.replace("2024-03-05T10:20:00.000Z", "2024-03-05T12:20:00+02:00")
    incident = import_markdown(text, source="e.md").incident
    assert incident.began_at == datetime(2024, 3, 5, 10, 20, tzinfo=UTC)


def test_keys_nobody_reads_are_kept_and_the_entry_is_a_fixed_point() -> None:
    first = import_markdown(STATUS_PAGE, source="e.md").incident
    for template in ("a", "b"):
        rendered = render_markdown(first, template)
        assert "comments: true" in rendered and "  - Backups" in rendered
        again = import_markdown(rendered, source="rendered.md").incident
        assert differences(first, again, seconds=template == "b") == []


BLOG = """+++
layout = "post"
date = 2023-02-08
title = "Package downloads failed on 2023-01-25"
author = "Sam"
+++

On 2023-01-25 at 09:15 UTC a deployment broke the DNS record of the download host, and
builds failed until 09:40 UTC when traffic returned to normal.

## What we changed

We now check DNS records before each deployment.
"""


def test_a_toml_blog_post_takes_its_title_from_front_matter() -> None:
    result = import_markdown(BLOG, source="post.md")
    assert result.incident.title == "Package downloads failed on 2023-01-25"
    assert "+++" not in result.incident.title


def test_a_posts_date_is_not_the_incident_day_nor_its_start() -> None:
    incident = import_markdown(BLOG, source="post.md").incident
    assert incident.began_at is None or incident.began_at.date().isoformat() == "2023-01-25"
    assert incident.id.startswith("2023-01-25")


def test_a_blog_post_with_a_post_date_only_states_no_times() -> None:
    text = ("---\nlayout: post\ntitle: Our consensus failure\ndate: 2019-03-26 10:50:00\n---\n"
            "\nThe chain halted: one validator rejected a block the other accepted, an error "
            "in a mapping. It never recovered.\n")
    incident = import_markdown(text, source="p.md").incident
    assert incident.title == "Our consensus failure"
    assert incident.began_at is None and incident.resolved_at is None


@pytest.mark.parametrize(("lines", "fields"), [
    (["---", "title: 'Quoted'", "tags:", "  - a", "  - b", "author:", "  name: x", "---"],
     {"title": "Quoted", "tags": "a, b", "author": ""}),
    (["---", "Notes: |", "  one", "  two", "---"], {"notes": "one\ntwo"}),
    (["+++", 'title = "T"', "date = 2020-01-02T03:04:05Z", 'tags = ["x", "y"]', "+++"],
     {"title": "T", "date": "2020-01-02T03:04:05+00:00", "tags": "x, y"}),
    (["+++", 'title = "unclosed', "+++"], {"title": '"unclosed'}),
])
def test_front_matter_keys_read_as_text(lines: list[str], fields: dict[str, str]) -> None:
    found = split([*lines, "", "body"])
    assert found.fields == fields and found.end == len(lines)


def test_an_unclosed_block_is_not_front_matter() -> None:
    assert split(["---", "title: x", "", "body"]).end == 0


@pytest.mark.parametrize("duration", ["45m", "1h 30m"])
def test_a_stated_duration_in_front_matter_is_a_stated_figure(duration: str) -> None:
    text = STATUS_PAGE.replace("comments: true", f"duration: {duration}")
    result = import_markdown(text, source="e.md")
    stated = {f.figure: f.value for f in result.stated}
    assert stated["duration_minutes"] == {"45m": 45, "1h 30m": 90}[duration]
    for template in ("a", "b"):
        again = import_markdown(render_markdown(result.incident, template), source="x.md")
        assert differences(result.incident, again.incident, seconds=template == "b") == []


def test_an_empty_duration_states_nothing() -> None:
    text = STATUS_PAGE.replace("comments: true", 'duration: ""')
    assert not import_markdown(text, source="e.md").stated
