"""A report's title as its author wrote it, and none where the report states none."""

from __future__ import annotations

from incidentlog.parse import import_markdown
from incidentlog.render import render_markdown

TIMELINE = "\n\n## Timeline\n\n- 10:00 UTC: alert fired\n- 10:30 UTC: rolled back\n"


def test_another_teams_prefix_is_kept_and_survives_both_templates() -> None:
    result = import_markdown("# Incident Report: v4 upgrade halt\n\nDate: 2023-11-11" + TIMELINE)
    assert result.incident.title == "Incident Report: v4 upgrade halt"
    for template in ("a", "b"):
        again = import_markdown(render_markdown(result.incident, template))
        assert again.incident.title == "Incident Report: v4 upgrade halt"


def test_the_house_prefix_is_taken_off_a_house_report() -> None:
    text = "# Incident Report: Checkout errors\n\n**Incident ID**: INC-20251023-0001\n" + TIMELINE
    assert import_markdown(text).incident.title == "Checkout errors"


def test_a_heading_that_names_a_part_is_not_a_title() -> None:
    text = ("## Issue Summary\n\nOn 2021-05-10 the wiki was defaced." + TIMELINE
            + "\n## Root Cause\n\nA stolen password.\n")
    result = import_markdown(text, source="2021-05-10-wiki.md")
    assert result.incident.title == ""
    assert "no-title" in {f.code for f in result.findings}
    for template in ("a", "b"):
        assert import_markdown(render_markdown(result.incident, template)).incident.title == ""


def test_untitled_reports_of_one_day_stay_apart() -> None:
    text = "## Overview\n\nOn 2021-05-10 things broke." + TIMELINE
    one = import_markdown(text, source="a/postmortem-1.md").incident.id
    two = import_markdown(text, source="b/postmortem-2.md").incident.id
    assert one != two


def test_a_link_line_is_not_a_title() -> None:
    text = ("Internal post-mortem: https://example.org/pr/58\n\nOn 28 February 2024 flags went "
            "down for about 3 hours, from 15:30 to 18:10 UTC, because the database stalled.\n")
    assert import_markdown(text).incident.title == ""


def test_an_html_h1_opening_the_document_is_its_title() -> None:
    text = '<h1 align="center">Database <em>outage</em> &amp; recovery</h1>' + TIMELINE
    result = import_markdown(text)
    assert result.incident.title == "Database outage & recovery"
    for template in ("a", "b"):
        again = import_markdown(render_markdown(result.incident, template))
        assert again.incident.title == "Database outage & recovery"
        assert render_markdown(again.incident, template) == render_markdown(
            result.incident, template)
