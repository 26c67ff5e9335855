"""Shapes other teams give a whole report: a title under a template's label heading, parts
of the report as sub-headings of a heading that names no role."""

from __future__ import annotations

from datetime import date

import pytest

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown

from conftest import assert_fixed_point

LABELLED_TITLE = (
    "# Incident Title\n\nCertificate expiry\n\n## Summary\n\nThe signing certificate "
    "expired on 2021-03-31 and nobody could sign in.\n\n## Timeline\n\n| Time | Event |\n"
    "|---|---|\n| 2021-03-31 12:11 | Reports of failed sign-ins |\n"
    "| 2021-03-31 13:18 | Certificate rolled over, sign-in works again |\n")

NESTED = (
    "# Upgrade halted the chain\n\nThe upgrade at block 3341663 panicked on every node.\n\n"
    "## The upgrade\n\nNodes panicked at the upgrade height.\n\n"
    "### The Cause\n\nThe new binary checked a permission the old state never granted.\n\n"
    "### Resolving actions\n\n- Validators rolled back to the previous block\n"
    "- Consensus resumed on the old binary\n\n"
    "### Notes\n\nSee the chat log.\n\n"
    "## Follow-ups\n\n- Add an upgrade test against a copy of mainnet state\n")


def test_a_title_heading_that_is_only_a_label_names_the_incident_by_the_line_under_it() -> None:
    assert import_markdown(LABELLED_TITLE, source="r.md").incident.title == "Certificate expiry"


def test_sub_headings_that_name_a_role_are_read_under_a_heading_that_names_none() -> None:
    incident = import_markdown(NESTED, source="r.md").incident
    assert incident.root_cause is not None
    assert "permission the old state never granted" in incident.root_cause.summary + " ".join(
        incident.root_cause.causes)
    assert "rolled back to the previous block" in incident.resolution
    kept = {(s.heading, s.level) for s in incident.sections}
    assert ("The upgrade", 2) in kept and ("Notes", 3) in kept


@pytest.mark.parametrize("text", [LABELLED_TITLE, NESTED], ids=["title", "nested"])
def test_these_shapes_are_a_fixed_point(text: str) -> None:
    assert_fixed_point(text)


def test_an_action_table_headed_follow_up_is_read_row_by_row() -> None:
    text = (LABELLED_TITLE + "\n## Remediation\n\n### In Progress\n\n"
            "| Follow-up | Priority |\n|---|---|\n| Alert on queue backlog | High |\n"
            "| Deduplicate cache updates | Medium |\n")
    first = import_markdown(text, source="r.md")
    assert [(a.title, a.priority) for a in first.incident.action_items] == [
        ("Alert on queue backlog", "High"), ("Deduplicate cache updates", "Medium")]
    for template in ("a", "b"):  # a priority written as a word comes back as one
        again = import_markdown(render_markdown(first.incident, template), source="r.md")
        assert differences(first.incident, again.incident, seconds=template == "b") == []


TICKETS = (
    LABELLED_TITLE.replace("## Summary", "**Incident lead:** Dana\n\n## Summary") +
    "\n## Follow-ups\n\n"
    "| Task | Who | Ticket | Due | State | Notes |\n|---|---|---|---|---|---|\n"
    "| Add cache warm-up | @ana | OPS-12 | 2024-03-20 | TODO | |\n"
    "| Update runbook | @bo | [OPS-13](https://t.example/OPS-13) | TBD | FAILED | flaky |\n"
    "| Write docs | @cy | | Q3 2024 | ✅ |\n")


def test_one_unreadable_cell_of_an_action_table_degrades_alone_and_is_said() -> None:
    first = import_markdown(TICKETS, source="r.md")
    items = [(a.title, a.owner, a.ticket, a.due, a.status) for a in first.incident.action_items]
    assert items == [
        ("Add cache warm-up", "@ana", "OPS-12", date(2024, 3, 20), "open"),
        ("Update runbook (Notes: flaky; State: FAILED)", "@bo",
         "[OPS-13](https://t.example/OPS-13)", None, "open"),
        ("Write docs (Due: Q3 2024)", "@cy", None, None, "done")]
    said = {(f.code, f.source.line if f.source else None) for f in first.findings}
    assert {("action-status", 23), ("action-due", 24)} <= said  # "TBD" is no value, not a bad one
    assert first.incident.commander == "Dana"


@pytest.mark.parametrize("template", ["a", "b"])
def test_tickets_and_kept_cells_come_back_from_either_template(template: str) -> None:
    first = import_markdown(TICKETS, source="r.md")
    again = import_markdown(render_markdown(first.incident, template), source="rendered.md")
    assert differences(first.incident, again.incident, seconds=template == "b") == []
    assert [a.ticket for a in again.incident.action_items] == [
        "OPS-12", "[OPS-13](https://t.example/OPS-13)", None]


HEADER_SHAPES = {
    "plain lines": "Severity: SEV-1  \nDate: 2024-07-10\nIncident lead: Dana\n",
    "bullets": "- Severity: SEV-1\n- Date: 2024-07-10\n- Incident lead: Dana\n",
    "table": "| Field | Value |\n|---|---|\n| Severity | SEV-1 |\n| Incident lead | Dana |\n",
    "label row table": "| Severity | SEV-1 |\n|---|---|\n| Incident lead | Dana |\n",
}
TIMELINE = ("\n## Timeline\n\n- 2024-07-10 10:00 UTC Alert fired for db latency\n"
            "- 2024-07-10 10:30 UTC Service fully restored\n")


@pytest.mark.parametrize("shape", sorted(HEADER_SHAPES))
def test_header_fields_in_plain_lines_lists_and_key_value_tables(shape: str) -> None:
    text = f"# DB failover\n\n{HEADER_SHAPES[shape]}{TIMELINE}"
    first = import_markdown(text, source="r.md")
    assert (first.incident.severity, first.incident.commander) == ("SEV-1", "Dana")
    assert first.incident.sections == ()  # every line read: nothing left to keep
    assert_fixed_point(text)


def test_a_plain_label_that_names_no_header_field_is_kept_as_written() -> None:
    text = ("# DB failover\n\nNote: a draft\n\n| Field | Value |\n|---|---|\n"
            "| Severity | SEV-2 |\n| Root cause | a bad index |\n" + TIMELINE)
    incident = import_markdown(text, source="r.md").incident
    kept = "\n".join(s.markdown for s in incident.sections)
    assert "Note: a draft" in kept and "| Root cause | a bad index |" in kept
    assert incident.severity is None  # a table read whole or not at all
