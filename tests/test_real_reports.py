"""Postmortems as real teams write them: every archive beside the project, and their shapes.

The archives in ``../shared/archives`` and ``../shared/corpus`` are read when present (the
tests skip cleanly without them); the shapes they show are also tested on small documents
written here, so the reader is tested by meaning, not by file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentlog.errors import InputError
from incidentlog.parse import import_markdown
from incidentlog.vocabulary import heading_role

from conftest import SHARED

NOT_REPORTS = {"readme.md", "license.md", "contributing.md", "changelog.md"}
ARCHIVE_FILES = sorted(
    p for folder in (SHARED / "archives", SHARED / "corpus") if folder.is_dir()
    for p in folder.glob("*/*.md") if p.name.lower() not in NOT_REPORTS)


@pytest.mark.parametrize("path", ARCHIVE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_report_imports(path: Path) -> None:
    result = import_markdown(path.read_bytes(), source=path.name)
    assert result.incident.title


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
    with pytest.raises(InputError, match=r"^t.md: an empty report template") as caught:
        import_markdown(text, source="t.md")
    assert "\n" not in str(caught.value)
