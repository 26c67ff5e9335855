"""Sections by role whatever the heading's wording; empty templates refused."""

from __future__ import annotations

import pytest

from incidentlog.errors import InputError
from incidentlog.parse import import_markdown
from incidentlog.vocabulary import heading_role


@pytest.mark.parametrize(("heading", "role"), [
    ("The Cause", "root_cause"),
    ("Establishing the timeline", "timeline"),
    ("Resolving Actions", "resolution"),
    ("Proactive Measures", "actions"),
    ("What is being done about this?", "actions"),
    ("Why did all this happen in such a short time?", "root_cause"),
    ("Corrective and Preventative Measure", "actions"),
    ("Context", "narrative"),
    ("A long heading that only mentions a timeline", None),
])
def test_headings_name_roles_by_their_words(heading: str, role: str | None) -> None:
    assert heading_role(heading) == role


def test_a_report_headed_the_issue_the_cause_is_read() -> None:
    found = import_markdown("# Incident Report: Bad pubkeys\n\n## The Issue\n\nKeys were "
                            "derived wrongly.\n\n## The Cause\n\nA script used the wrong "
                            "prefix.\n\n## Resolving Actions\n\nKeys were derived again.\n")
    assert found.incident.root_cause is not None
    assert found.incident.root_cause.summary == "A script used the wrong prefix."


def test_a_template_of_prompts_is_refused() -> None:
    with pytest.raises(InputError, match="a template"):
        import_markdown("## Owner: <Your name goes here>\n\n# Overview\n\n<Short 1-2 sentences "
                        "summarizing the root cause, timeline, and impact.>\n\n# Root causes\n\n"
                        "<Include all the conditions that contributed to the issue.>\n\n"
                        "# Resolution\n\n<Include any short term fix to the problem here.>\n\n"
                        "# Notes to the owner\n\nAfter running the meeting, push this document "
                        "to the repository, schedule follow up meetings, and file issues for "
                        "all the corrective actions on the relevant repositories so that "
                        "nothing is forgotten by anyone who takes part in the review.\n")


def test_sub_headings_of_action_items_are_categories_and_empty_bullets_no_items() -> None:
    found = import_markdown("# Hub locked\n\n## Questions for follow up\n\n-\n\n## Summary\n\n"
                            "The hub was locked.\n\n## Action items\n\n### Process improvements"
                            "\n\n1. Add an alert\n\n### Investigation\n\nWhy did this start?\n")
    items = [(a.title, a.horizon) for a in found.incident.action_items]
    assert items == [("Add an alert", "Process improvements"),
                     ("Why did this start?", "Investigation")]
