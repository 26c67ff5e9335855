"""Which reader reads which section: the house templates' own headings, and every other
heading by the role it names (see :mod:`incidentlog.vocabulary`).

A section whose heading names a role but is not one of the house templates' own headings is
read after the house sections, so a field the house layout states is never overwritten by a
section of the same role. Each reader takes what it understands into a field, with the
author's words kept verbatim, and leaves the rest to be kept as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from incidentlog.parse import (
    actions,
    causes,
    header,
    impact,
    lessons,
    resolution,
    signoff,
    timeline_section,
)
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import norm
from incidentlog.render import template_a, template_b
from incidentlog.render.layout import verbatim_headings

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

SectionReader = Callable[["Reader", Section], list[Block]]
"""Reads what it understands of a section into the builder; returns the blocks it left."""


def container(reader: Reader, s: Section) -> list[Block]:
    """A heading whose content is its sub-headings (Detailed Description...)."""
    return [b for b in s.blocks if b.type != "thematic_break"]


def own_blocks(reader: Reader, s: Section) -> list[Block]:
    """A heading of no role over sub-headings that name one: its own words are kept."""
    return list(s.blocks)


SECTIONS: dict[str, SectionReader] = {
    "executive summary": header.executive_summary,
    "timeline": timeline_section.timeline,
    "incident timeline": timeline_section.timeline,
    "detailed description": container,
    "blast radius": impact.blast_radius,
    "impact assessment": container,
    "user impact": impact.part("user"),
    "business impact": impact.part("business"),
    "technical impact": impact.part("technical"),
    "root cause analysis": container,
    "the five whys": causes.five_whys,
    "five whys": causes.five_whys,
    "contributing factors": causes.contributing,
    "why it happened": causes.why_it_happened,
    "resolution": resolution.section,  # house A: a parent heading; elsewhere: how it ended
    "immediate mitigation": resolution.mitigation,
    "resolution steps taken": resolution.resolution_steps,
    "action items": actions.section,
    "immediate 24 hours": actions.horizon,
    "short term 1 week": actions.horizon,
    "long term 1 month": actions.horizon,
    "lessons learned": lessons.by_role,  # house: a parent heading; elsewhere: the lessons
    "detection and response": container,
    "sign off": signoff.sign_off,
}
"""Readers of the house templates' own headings (folded)."""

BY_ROLE: dict[str, SectionReader] = {
    "root_cause": causes.root_cause,
    "trigger": causes.root_cause,
    "resolution": resolution.section,
    "contributing": causes.contributing,
    "actions": actions.section,
    "lessons": lessons.by_role,
    "went_well": lessons.by_role,
    "went_wrong": lessons.by_role,
    "lucky": lessons.by_role,
    "summary": header.executive_summary,
    "timeline": timeline_section.timeline,
}
"""Readers of sections the house templates do not head, by the role their heading names."""

HOUSE_VERBATIM = {norm(h) for h in verbatim_headings(template_a.OUTLINE + template_b.OUTLINE)
                  } - set(SECTIONS)
"""Headings the house templates write only what the author wrote under (Follow-Up Actions,
Verification): kept as written, never read by role."""

PARENT_ROLE = {"lessons learned": "lessons", "detection and response": "detection",
               "action items": "actions"}
"""House headings whose sub-sections are read as parts of them."""
