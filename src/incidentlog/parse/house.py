"""Reports organised by headings: the two house templates, the SRE-book layout, and others.

The :class:`Reader` walks the sections of a document and hands each to the reader of its
role (:mod:`~incidentlog.parse.roles`): header, summary, timeline, impact, causes,
resolution, actions, lessons, sign-off, each in its own module. A block is taken only when
the renderer would write it back the same way; everything else under a heading is kept
verbatim, so nothing the author wrote is lost.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

import attrs

from incidentlog.parse import (
    actions,
    causes,
    header,
    labels,
    lessons,
    prose,
    resolution,
    roles,
    timeline_section,
)
from incidentlog.parse import timeline as tl
from incidentlog.parse.builder import Builder
from incidentlog.parse.lessons import LESSON_HEADINGS
from incidentlog.parse.source import Block, Document, Section
from incidentlog.parse.text import norm, split_label
from incidentlog.vocabulary import FIGURE_WORDS, heading_role

FIGURE_LABELS = FIGURE_WORDS




@attrs.define
class Reader:
    """Reads one headed document into a builder."""

    doc: Document
    b: Builder
    clock: tl.Clock
    has_timeline: bool = False
    timeline_section: bool = False
    """A timeline section was read (another one, "Follow-up timeline", is read too)."""
    pending_rows: dict[str, list[tl.RowText]] = attrs.Factory(dict)
    """Timeline rows held until the whole header is read (key events and a detailed
    timeline under another label, merged by :func:`incidentlog.parse.keyevents.finish`)."""
    deferred: list[tuple[Section, str, str | None]] = attrs.Factory(list)
    consumed: set[int] = attrs.Factory(set)
    """Lines of sub-headings a reader took whole (one timeline heading per event)."""
    kept_at: list[int] = attrs.Factory(list)
    """Lines (sorted) where a report's marked kept sections stood (blank now: they are kept
    already, see :mod:`incidentlog.render.marks`)."""
    rendered: bool = False
    """A report we rendered: its fields are in their places, nothing is inferred from prose."""

    # -------------------------------------------------------------- dispatch

    def read(self, root: Section, later: Sequence[Section] = ()) -> None:
        """Read every section under ``root`` (the document, or its title section), then
        the ``later`` ones (a document sectioned by H1 headings after its title's).

        The house templates' own headings are read first; sections that only name a role
        (``Issue Summary``, ``Corrective and Preventative Measures``) are read after them,
        in document order, so they fill only what the house sections leave empty.
        """
        previous = ""
        for section in [*root.children, *later]:
            self.section(section, previous, None)
            previous = section.heading or ""
        while self.deferred:
            pending, self.deferred = self.deferred, []
            for section, anchor, parent in pending:
                self.by_role(section, anchor, parent)
        if self.rendered:  # its fields are in their places: none is inferred
            return
        header.stated_elsewhere(self)
        units = causes.narrative(self)
        resolution.from_labels(self, units)
        labels.root_from_labels(self, units)
        prose.from_prose(self)
        resolution.from_timeline(self)
        causes.from_prose(self, units)

    def section(self, s: Section, anchor: str, parent: str | None) -> None:
        key = norm(s.heading or "")
        reader = roles.SECTIONS.get(key)
        role = heading_role(s.heading or "")
        if reader is None and (key in LESSON_HEADINGS or (
                parent in ("lessons", "detection") and role not in ("actions", "timeline"))):
            reader = lessons.section
        if reader is None and parent == "actions" and role in (None, "actions", "narrative",
                                                                "detection"):
            reader = actions.horizon
        if reader is None and parent == "resolution" and actions.is_status(s.heading or ""):
            reader = actions.horizon  # Remediation > Completed / In progress: action items
        if reader is None and role is not None and role in roles.BY_ROLE and \
                key not in roles.HOUSE_VERBATIM:
            # Keep its place among kept sections; read it once the house sections are read.
            self.b.reserve(("section", s.line))
            self.deferred.append((s, anchor, parent))
            return
        if reader is None and any(_read_by_role(c) for c in s.children):
            reader = roles.own_blocks  # its sub-sections that name a role are read as such
        if reader is None and role is None and timeline_section.continues(self, s):
            reader = timeline_section.continuation  # "## Feb 21, 13:00" after the timeline
        if reader is None and actions.has_labelled_list(self, s.blocks):
            reader = roles.own_blocks  # "Action Items" as a plain line over a list
        if reader is None:
            self.keep_all(s, anchor)
            return
        self.run(reader, s, anchor, key if key in roles.SECTIONS else role)

    def by_role(self, s: Section, anchor: str, parent: str | None) -> None:
        """A section read by the role its heading names."""
        role = heading_role(s.heading or "")
        if not s.blocks and not s.children:  # an empty heading stays, as written
            if self.holds_kept(s):
                return
            self.b.keep(s.heading or "", s.level, anchor, "", s.line, empty_ok=True,
                        key=("section", s.line))
            return
        self.run(roles.BY_ROLE[role or ""], s, anchor, role)

    def run(self, reader: roles.SectionReader, s: Section, anchor: str,
            key: str | None) -> None:
        leftover = actions.labelled_lists(self, reader(self, s))
        self.keep_blocks(s, leftover, anchor)
        if not self.b.keeps(("section", s.line)) and (
                reader is roles.own_blocks or not (s.blocks or s.children or self.holds_kept(s)
                                                   or norm(s.heading or "") in _HOUSE_HEADINGS)):
            # A heading of the author's over sections read by role, or with nothing under
            # it to read: it stays where it was, as written (a template's own heading is
            # written by the template when it has something to show).
            self.b.keep(s.heading or "", s.level, anchor, "", s.line, empty_ok=True,
                        key=("section", s.line))
        previous = s.heading or ""
        parent = roles.PARENT_ROLE.get(key or "", heading_role(key or ""))
        for child in s.children:
            if child.line in self.consumed:
                continue
            self.section(child, previous, parent)
            # A sub-section read whole leaves no heading to place the next one after.
            if self.b.keeps(("section", child.line)):
                previous = child.heading or ""

    def keep_all(self, s: Section, anchor: str) -> None:
        """Keep a whole section (sub-sections included) verbatim, even an empty one."""
        body = _strip_rules(self.doc.raw(s.start, s.end))
        if not body.strip() and self.holds_kept(s):
            return
        self.b.keep(s.heading or "", s.level, anchor, body, s.line, empty_ok=True,
                    key=("section", s.line))

    def keep_blocks(self, s: Section, blocks: list[Block], anchor: str) -> None:
        """Keep blocks verbatim; neighbours in the source stay together as written."""
        runs: list[list[Block]] = []
        first: dict[tuple[str, int, int], int] = {}
        for n, known in enumerate(s.blocks):
            first.setdefault((known.type, known.start, known.end), n)

        def index(block: Block) -> int:
            """``s.blocks.index(block)`` without comparing it with every block before."""
            n = first.get((block.type, block.start, block.end))
            return n if n is not None and s.blocks[n] == block else s.blocks.index(block)

        at = [index(block) for block in blocks] if len(blocks) > 1 else [0]
        for n, block in enumerate(blocks):
            if runs and at[n] == at[n - 1] + 1:
                runs[-1].append(block)
            else:
                runs.append([block])
        text = "\n\n".join(self.doc.raw(run[0].start, run[-1].end) for run in runs)
        text = _strip_rules(text)
        if text.strip():
            self.b.keep(s.heading or "", s.level, anchor, text, blocks[0].start,
                        key=("section", s.line))

    def holds_kept(self, s: Section) -> bool:
        """True when marked kept sections stood under this heading: it is the template's
        heading over them, not an empty heading of the author's."""
        n = bisect_left(self.kept_at, s.start)
        return n < len(self.kept_at) and not any(
            self.doc.lines[k].strip() for k in range(s.start, self.kept_at[n]))

    def raw(self, block: Block) -> str:
        return self.doc.raw(block.start, block.end)

    def label_before_list(self, blocks: list[Block], i: int) -> tuple[str, Block] | None:
        """``**Label**:`` alone in paragraph ``i`` with a list right after it: the label,
        folded for comparison, and the list block."""
        block = blocks[i]
        if block.type != "paragraph" or i + 1 >= len(blocks) or blocks[i + 1].type != "list":
            return None
        pair = split_label(self.raw(block))
        return (norm(pair[0]), blocks[i + 1]) if pair and not pair[1] else None


_HOUSE_HEADINGS = set(roles.SECTIONS) | set(LESSON_HEADINGS)
"""The house templates' own headings (folded)."""


def _read_by_role(s: Section) -> bool:
    """A section whose heading names a role read by role (not kept whole as written)."""
    key = norm(s.heading or "")
    return key not in roles.HOUSE_VERBATIM and (
        key in roles.SECTIONS or heading_role(s.heading or "") in roles.BY_ROLE)


def _strip_rules(text: str) -> str:
    lines = text.strip("\n").split("\n")
    while lines and re.fullmatch(r" {0,3}(-{3,}|\*{3,}|_{3,})\s*", lines[-1]):
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines)

