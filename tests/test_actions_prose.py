"""Action items written as prose: one per paragraph, or one per task line."""

from __future__ import annotations

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown

HEAD = "# Phone compromise\n\n## Issue Summary\n\nA phone was lost.\n\n"


def titles(text: str) -> list[str]:
    return [a.title for a in import_markdown(text).incident.action_items]


def test_task_lines_of_one_paragraph_are_items_each() -> None:
    found = titles(HEAD + "## Corrective and Preventative Measure\n\nDevelop better "
                   "questions for the end-user.\nHire a professional SecOps person.\nAdd a "
                   "warning to the GUI.\n")
    assert found == ["Develop better questions for the end-user.",
                     "Hire a professional SecOps person.", "Add a warning to the GUI."]


def test_a_paragraph_of_plans_is_one_item() -> None:
    found = titles(HEAD + "## Corrective and Preventative Measures\n\nGoing forward the team "
                   "is going to rebuild\nthe deployment process.\n\nAdditionally, the test "
                   "instances are planned for replacement.\n")
    assert found == ["Going forward the team is going to rebuild the deployment process.",
                     "Additionally, the test instances are planned for replacement."]


def test_an_introduction_above_sub_headed_lists_is_not_an_item() -> None:
    found = titles(HEAD + "## Action items\n\nThese are only sample subheadings.\n\n"
                   "### Technical improvements\n\n1. Update the SRE guide\n2. Make ingress "
                   "robust\n")
    assert found == ["Update the SRE guide", "Make ingress robust"]


def test_prose_review_actions_in_a_labelled_report_survive_render_and_import() -> None:
    report = ("# Incident on 2026-03-30\n\n- **Key events**\n  - Fault occurs 2026-03-30 09:00"
              "\n  - Resolved 2026-03-30 10:00\n\n- **Review actions**:\n  Should there be an "
              "update, teams will test first.\n")
    first = import_markdown(report).incident
    assert [a.title for a in first.action_items] == [
        "Should there be an update, teams will test first."]
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


def test_an_item_that_starts_with_a_bold_label_keeps_it_and_has_no_owner() -> None:
    report = HEAD + ("## Action items\n\n- **Circuit breaker**: add breakers with backoff.\n"
                     "- Write a runbook\n")
    first = import_markdown(report).incident
    assert [(a.title, a.owner) for a in first.action_items] == [
        ("**Circuit breaker**: add breakers with backoff.", None), ("Write a runbook", None)]
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


def test_status_sub_headings_of_a_remediation_section_are_items_with_that_status() -> None:
    found = import_markdown(HEAD + "## Remediation\n\nWe restarted the workers.\n\n"
                            "### Completed\n\n- Cleaned up stale data\n\n### In Progress\n\n"
                            "- Batch the cache updates\n").incident
    assert [(a.title, a.status) for a in found.action_items] == [
        ("Cleaned up stale data", "done"), ("Batch the cache updates", "in_progress")]
    assert found.resolution == "We restarted the workers."
