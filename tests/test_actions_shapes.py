"""Action items in shapes where no heading names them: a plain line that names them over a
list, a labelled bullet that closes one list with the items in the next, a resolution
heading over tasks still to do; and items that hold no task. Small reports written here."""

from __future__ import annotations

from incidentlog.parse import import_markdown

from conftest import assert_fixed_point as _fixed_point


def _items(text: str) -> list[str]:
    return [a.title for a in import_markdown(text, source="report.md").incident.action_items]


PLAIN_LINE = """\
# Certificate expired

## Summary

The certificate of the build server expired on 2023-04-02.

## Detection

Detection was through people telling us it was not working.

Action Items
- Set up alerting to warn us of expiring certificates

- Host the instance on the team's own project

## Lessons Learned

- Know all your certificates.
"""


def test_a_plain_line_naming_action_items_over_a_list_gives_its_items() -> None:
    assert _items(PLAIN_LINE) == ["Set up alerting to warn us of expiring certificates",
                                  "Host the instance on the team's own project"]
    _fixed_point(PLAIN_LINE)


def test_the_prose_around_such_a_list_stays_as_written() -> None:
    incident = import_markdown(PLAIN_LINE, source="report.md").incident
    assert any("Detection was through people" in s.markdown for s in incident.sections)


def test_a_plain_line_of_another_kind_over_a_list_gives_no_items() -> None:
    assert _items(PLAIN_LINE.replace("Action Items\n", "Things we saw\n")) == []


def test_a_bold_next_steps_label_over_a_list_gives_its_items() -> None:
    text = PLAIN_LINE.replace("Action Items\n", "**Next steps:**\n")
    assert len(_items(text)) == 2
    _fixed_point(text)


LABELLED = """\
# Incident on 2025-07-23 - Secret leaked

- **Key events**
  - First detected 2025-07-23 15:35
  - Resolved 2025-07-24 12:34

- **Impact**: A token was public for a day.

The token was found by a scanner.

- **Review actions**:

1. Speak to the namespace owner
2. Find where the token was used
3. Review token usage across the platform
    1. Tokens in shared vaults
    2. Tokens in pipelines
"""


def test_a_labelled_bullet_that_closes_its_list_introduces_the_next_list() -> None:
    found = _items(LABELLED)
    assert len(found) == 3
    assert found[2].startswith("Review token usage across the platform")
    assert "Tokens in pipelines" in found[2]  # sub-items detail their task
    _fixed_point(LABELLED)


def test_a_list_after_a_closing_label_of_another_kind_is_no_action_items() -> None:
    assert _items(LABELLED.replace("**Review actions**", "**Context**")) == []


def test_an_action_item_that_says_not_applicable_is_none() -> None:
    text = LABELLED.split("\n\n1.", 1)[0].replace(
        "- **Review actions**:", "- **Review actions**:\n  - N/A") + "\n"
    assert _items(text) == []
    incident = import_markdown(text, source="report.md").incident
    assert any("N/A" in s.markdown for s in incident.sections)  # kept as written
    _fixed_point(text)


TASKS_UNDER_RESOLUTION = """\
# Channel permissions

## Issue Summary

A user converted a channel and created a sub-channel.

## Timeline

10/20/2022 - 15:38 - a user converted the channel
10/20/2022 - 16:00 - Permission updated for all users from writers to readers

## Resolution and recovery

Publish a document of rules for the admins of a public channel
File a bug report so that new members join as readers
"""


def test_a_resolution_heading_over_tasks_to_do_gives_action_items() -> None:
    assert _items(TASKS_UNDER_RESOLUTION) == [
        "Publish a document of rules for the admins of a public channel",
        "File a bug report so that new members join as readers"]
    incident = import_markdown(TASKS_UNDER_RESOLUTION, source="report.md").incident
    assert "Publish a document" not in incident.resolution
    _fixed_point(TASKS_UNDER_RESOLUTION)


def test_a_resolution_that_says_what_was_done_stays_the_resolution() -> None:
    text = TASKS_UNDER_RESOLUTION.replace(
        "Publish a document of rules for the admins of a public channel",
        "We changed every member to a reader")
    incident = import_markdown(text, source="report.md").incident
    assert incident.action_items == ()
    assert "We changed every member to a reader" in incident.resolution


POINTER = """\
# Migrations not included

## Summary

A release shipped without its database migrations.

## Corrective actions

Fix the manifest so that the migrations are packaged: remove the trailing slash.

See the full diff
[here](https://example.org/commit/7b414f4).
"""


def test_a_paragraph_that_only_points_elsewhere_is_no_action_item() -> None:
    assert _items(POINTER) == [
        "Fix the manifest so that the migrations are packaged: remove the trailing slash."]
    incident = import_markdown(POINTER, source="report.md").incident
    assert any("See the full diff" in s.markdown for s in incident.sections)
    _fixed_point(POINTER)


def test_a_task_that_starts_with_see_is_still_an_item() -> None:
    text = POINTER.replace("See the full diff\n[here](https://example.org/commit/7b414f4).",
                           "See that every release runs the migration check.")
    assert len(_items(text)) == 2
