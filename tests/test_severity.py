"""Severity scales as teams write them: kept as written, ranked on one scale."""

from __future__ import annotations

import pytest

from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown
from incidentlog.severity import rank


@pytest.mark.parametrize(("label", "expected"), [
    ("P0", 0), ("P1", 1), ("p3", 3), ("P5", 5), ("SEV0", 0), ("SEV-2", 2), ("Sev 1", 1),
    ("sev_4", 4), ("S1", 1), ("Severity 2", 2), ("Critical", 0), ("Major", 1), ("High", 1),
    ("Medium", 2), ("Minor", 3), ("Low", 3), ("P1-High", 1), ("SEV2 (Major)", 2),
    ("banana", None), ("P9", None), ("", None), (None, None),
])
def test_every_common_scale_ranks(label: str | None, expected: int | None) -> None:
    assert rank(label) == expected


@pytest.mark.parametrize("written", ["SEV-2", "Sev 1", "Critical", "P4", "Minor"])
@pytest.mark.parametrize("template", ["a", "b"])
def test_a_teams_severity_is_kept_as_written_through_a_round_trip(written: str,
                                                                   template: str) -> None:
    text = (f"# Checkout down\n\n**Severity**: {written}\n\n## Summary\n\nCheckout was down.\n\n"
            "## Timeline\n\n- 2024-05-01 10:00 Outage begins\n- 10:30 Outage ends\n")
    first = import_markdown(text).incident
    assert first.severity == written and first.severity_rank == rank(written)
    rendered = render_markdown(first, template)
    second = import_markdown(rendered).incident
    assert differences(first, second, seconds=template == "b") == []
