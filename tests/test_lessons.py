"""Lessons as teams write them: lists under "Lessons Learned", paragraphs under "What went
well" / "What didn't go so well?", short answers that are not lessons; each a fixed point."""

from __future__ import annotations

import pytest

from incidentlog.parse import import_markdown
from incidentlog.render import render_markdown

from conftest import assert_fixed_point

HEAD = ("# Database failover stalled\n\n## Summary\n\nThe primary database failed over "
        "slowly on 2025-04-02 and writes failed for twenty minutes.\n\n")

PROSE = HEAD + (
    "## What went well\n"
    "The on-call engineer noticed the stalled failover before any alert fired and paged "
    "the database owner at once.\n\n"
    "Backups were recent, so no data was at risk at any point.\n\n"
    "## What didn't go so well?\n"
    "The runbook for a manual failover was out of date and sent us to a removed script.\n\n"
    "Nobody on call that night had promoted a replica by hand before.\n\n"
    "There was no dashboard showing replication lag per replica.\n")

LISTED = HEAD + (
    "## Lessons Learned\n"
    "- Know which replica is promoted when the primary fails.\n"
    "- Rehearse a manual failover every quarter.\n\n"
    "### What went well\n"
    "The failover finished on its own once the stuck connection was killed.\n\n"
    "### Where we got lucky\n"
    "Not much.\n")


def _kinds(text: str) -> list[str]:
    return sorted(x.kind for x in import_markdown(text, source="report.md").incident.lessons)


def test_a_paragraph_under_a_lesson_heading_is_one_lesson_in_the_authors_words() -> None:
    lessons = import_markdown(PROSE, source="report.md").incident.lessons
    assert sorted(x.kind for x in lessons) == ["went_well"] * 2 + ["went_wrong"] * 3
    assert "Backups were recent, so no data was at risk at any point." in {
        x.title for x in lessons}


def test_a_list_under_lessons_learned_is_read_and_so_are_its_sub_headings() -> None:
    # "Not much." answers the heading: it is kept as written, not counted as a lesson.
    assert _kinds(LISTED) == ["lessons_learned", "lessons_learned", "went_well"]


def test_paragraphs_with_a_list_are_not_each_a_lesson() -> None:
    text = HEAD + ("## What went well\n\nThese went well, for example:\n\n"
                   "- Alerts fired within a minute\n- The rollback was scripted\n")
    assert _kinds(text) == ["went_well", "went_well"]


@pytest.mark.parametrize("text", [PROSE, LISTED], ids=["prose", "listed"])
def test_lessons_in_these_shapes_are_a_fixed_point(text: str) -> None:
    assert_fixed_point(text)


LABELLED = """# Database migration broke four indexes

**Date**: 2023-08-03

## Timeline

- 09:03 UTC: started the deployment
- 19:16 UTC: service back up

## Lessons Learned
**What went well?**

The rest of the migration went through except for those tables.

**What went wrong?**

* The way we deploy with a migration does not log its progress.
* We did not tell the build team about this migration in advance.

Where We Got Lucky:

- Only four tables ended up being affected.
"""


def test_one_line_labels_set_the_kind_of_the_lessons_under_them() -> None:
    from incidentlog.parse import import_markdown

    result = import_markdown(LABELLED)
    kinds = [lesson.kind for lesson in result.incident.lessons]
    assert kinds == ["went_well", "went_wrong", "went_wrong", "lucky"]
    assert result.incident.lessons[0].title.startswith("The rest of the migration")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(result.incident, template)).incident
        assert [(x.kind, x.title) for x in again.lessons] == \
            [(x.kind, x.title) for x in result.incident.lessons]
