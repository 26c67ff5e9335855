"""Header metadata as plain ``- Label: value`` bullets (no bold), as some teams type it."""

from __future__ import annotations

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.parse.labels import plain_label
from incidentlog.render import render_markdown

REPORT = """# Slow blocks

- Date: 2025-03-04
- Authors: Platform team
- Summary: Blocks took a minute each for two hours.
- Root Causes: A flood of large transactions overloaded block processing.
- Resolution: The sender stopped and the mempool drained.
- Detection: An alert for slow blocks fired.

## Timeline

- 10:00 UTC: Slow blocks alert fires.
- 12:00 UTC: Block times back to normal.
"""


def test_plain_labels_state_the_resolution_and_the_cause() -> None:
    incident = import_markdown(REPORT, source="r.md").incident
    assert incident.resolution == "The sender stopped and the mempool drained."
    assert incident.root_cause is not None
    assert "A flood of large transactions overloaded block processing." in \
        incident.root_cause.summary


def test_a_report_with_plain_labels_is_a_fixed_point() -> None:
    first = import_markdown(REPORT, source="r.md").incident
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template), source="x.md").incident
        assert differences(first, again, seconds=template == "b") == []


def test_only_a_label_naming_a_part_of_a_report_is_one() -> None:
    assert plain_label("Resolution: rolled back") == ("Resolution", "rolled back")
    assert plain_label("Root Causes: haste") == ("Root Causes", "haste")
    assert plain_label("Note: the dashboard lags") is None
    assert plain_label("Update: we are working on it") is None
    assert plain_label("The team said the following things: a, b") is None


def test_an_analysis_label_inside_a_cause_section_does_not_state_the_cause() -> None:
    report = ("# Outage\n\n## Root cause\n\nA bad deploy broke the API.\n\n### Why it was "
              "missed\n\n1. **No static analysis**: no lint rule caught it\n")
    incident = import_markdown(report, source="r.md").incident
    assert incident.root_cause is not None
    assert incident.root_cause.summary.startswith("A bad deploy broke the API.")
