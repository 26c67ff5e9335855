"""The root cause as a careful reader finds it, in reports of many shapes, words verbatim."""

from __future__ import annotations

import pytest

from incidentlog.errors import InputError
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown


def root(text: str) -> str | None:
    found = import_markdown(text).incident.root_cause
    return found.summary if found else None


def test_every_paragraph_under_a_root_cause_heading_is_kept() -> None:
    text = root("# Prow down\n\n## Summary\n\nProw was down.\n\n## Root Cause\n\n"
                "The config agent crashed on start:\n\n```\nfatal: duplicated label\n```\n\n"
                "This is because the PR refactored some presets to use\na common label key.\n\n"
                "## Timeline\n\n- 2024-05-01 10:00 outage begins\n")
    assert text is not None
    assert "The config agent crashed on start:" in text
    assert "refactored some presets to use\na common label key." in text
    assert "fatal" not in text  # code stays where it was written


def test_the_summary_sentence_that_says_why_joins_a_stated_root_cause() -> None:
    text = root("# Flaky jobs\n\n## Summary\n\nJobs were flaky for a week. A spike in usage "
                "lead to hitting hard throttling limits.\n\n## Root Cause\n\nDisks are "
                "small.\n\n## Action items\n\n- Bigger disks\n")
    assert text == "A spike in usage lead to hitting hard throttling limits.\n\nDisks are small."


def test_a_cause_said_under_another_label_is_found() -> None:
    report = ("# Incident on 2020-02-18\n\n- **Identified**: Pingdom reported that Prometheus "
              "was down.\n- **Context**:\n  - Grafana was fine.\n  - Disk space was ruled out "
              "as the cause.\n- **Resolution**:\n    We suspect an external networking issue "
              "to be the cause of this outage.\n")
    text = root(report)
    assert text is not None
    assert text.startswith("We suspect an external networking issue to be the cause of this "
                           "outage.")
    assert "Pingdom" not in text  # how it was noticed is not why it happened


def test_this_caused_takes_the_sentence_before_it() -> None:
    text = root("# Services down\n\n## Context\n\nThe instance type was changed on Monday. "
                "When that happens the nodes are recycled all at a time. This caused the pods "
                "to be deleted at once.\n\n## Timeline\n\n- 2023-06-06 10:00 outage begins\n")
    assert text is not None
    assert "the nodes are recycled all at a time. This caused the pods" in text


@pytest.mark.parametrize("words", [
    "The root cause is still unknown.",
    "The source of the fraudulent charge is still unknown at this time.",
])
def test_a_cause_the_report_says_is_unknown_is_none(words: str) -> None:
    assert root(f"# Card misuse\n\n## Summary\n\nA card was charged. {words}\n\n"
                "## Timeline\n\n- 2022-01-27 10:00 charge seen\n") is None


def test_a_one_line_summary_is_not_a_cause() -> None:
    assert root("# Outage\n\n## Summary\n\nThe API was down for an hour.\n\n## Timeline\n\n"
                "- 2024-05-01 10:00 outage begins\n- 2024-05-01 11:00 outage ends\n") is None


def test_a_summary_that_tells_what_went_wrong_stands_for_the_cause() -> None:
    report = ("# Negative values allowed\n\n## Issue Summary\n\nOffers let peers swap assets."
              "\n\nThe code that creates outputs failed to check against negative values. A "
              "negative value runs the token's own code.\n\n## Resolution and recovery\n\n"
              "Fixed in 1.6.1 by asserting the value is positive.\n")
    text = root(report)
    assert text is not None
    assert "The code that creates outputs failed to check against negative values." in text


def test_found_causes_survive_render_and_import() -> None:
    report = ("# Incident on 2020-02-18\n\n- **Key events**\n  - Fault occurs 2020-02-18 14:13"
              "\n  - Resolved 2020-02-18 14:59\n- **Context**:\n  - Grafana was fine.\n  - "
              "Disk space was ruled out.\n  - The ingress was valid.\n- **Resolution**:\n    "
              "Restarted the pods.\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


def test_a_readme_with_context_and_links_is_not_a_report() -> None:
    with pytest.raises(InputError, match="not an incident report"):
        import_markdown("# Our tools\n\n## Context\n\nWe keep scripts here. They are small. "
                        "They are tested.\n\n## Links\n\n- https://example.org\n")


def test_the_following_were_the_root_cause_takes_the_list() -> None:
    text = root("# Slow blocks\n\n## Summary\n\nBlocks were slow for a day.\n\n## Details\n\n"
                "CNI determined the following issues were the root cause of the slow down:\n\n"
                "- a bug in the fast forward logic\n- a cache that was never cleared\n\n"
                "## Timeline\n\n- 2025-02-25 10:00 blocks slow down\n")
    assert text is not None
    assert "a bug in the fast forward logic" in text


def test_immediate_cause_and_root_causes_survive_either_template() -> None:
    report = ("# Search down\n\n## Why It Happened\n\n**Immediate Cause**: Index corruption\n\n"
              "**Root Causes**:\n1. Untested migration\n2. No validation step\n\n## Timeline\n\n"
              "- 2024-11-19 10:00 outage begins\n- 2024-11-19 10:45 service fully restored\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None and first.root_cause.causes == (
        "Untested migration", "No validation step")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []
