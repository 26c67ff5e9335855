"""Lessons: learned, what went well, wrong, where we got lucky, key takeaways."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
)
from incidentlog.render import template_a, template_b
from incidentlog.render.emit import unescape_inline
from incidentlog.vocabulary import LESSON_ROLES, fold, heading_role

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

LESSON_HEADINGS = {
    **{norm(h): k for k, (h, _) in template_a.LESSON_KINDS.items()},
    **{norm(h): k for k, h in template_b.RESPONSE_KINDS.items()},
    **{norm(h): k for k, h in template_b.LESSON_KINDS.items()},
    "what went well": "went_well", "what went wrong": "went_wrong",
    "where we got lucky": "lucky",
}
"""The house templates' lesson headings (folded), by the kind of lesson under them."""
MARKS = "✅❌🍀"
"""Marks that start a house lesson line."""


def section(reader: Reader, s: Section) -> list[Block]:
    role = heading_role(s.heading or "")
    kind = LESSON_HEADINGS.get(norm(s.heading or "")) or (
        role if role in LESSON_ROLES else norm(s.heading or "").replace(" ", "_"))
    leftover, labelled = [], False
    for block in s.blocks:
        if (label := kind_label(reader, block)) is not None:
            kind = label  # "What went well:" over its list: the kind of what follows
            labelled = True
            continue
        if labelled and block.type == "paragraph" and _paragraph_lesson(reader, block, kind):
            continue  # prose under a kind's label: a lesson per paragraph
        if block.type == "paragraph" and mark_lines(reader, block, kind):
            continue
        if block.type == "list" and lesson_items(reader, items(reader.doc, block), kind):
            continue
        if block.type == "list" and lesson_list(reader, block, kind):
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return _prose(reader, leftover, kind) if len(leftover) == _content(s) else leftover


def kind_label(reader: Reader, block: Block) -> str | None:
    """The kind of lesson a one-line label names, when a list follows it
    (``What Went Well:``, ``**Where we got lucky?**``), else ``None``."""
    if block.type != "paragraph" or block.end - block.start != 1:
        return None
    line = reader.doc.lines[block.start].strip()
    if not line.endswith((":", "?", "**", "__")) or len(line.split()) > _LABEL_WORDS or \
            line[:1] in MARKS:  # "✅ **What worked**" is a lesson, not a label
        return None
    role = heading_role(line.strip("*_ ").rstrip(":?").strip("*_ "))
    return role if role in LESSON_ROLES else None


_LABEL_WORDS = 8
"""Most words of a one-line label that names a kind of lesson."""


def _content(s: Section) -> int:
    return sum(b.type != "thematic_break" for b in s.blocks)


def _prose(reader: Reader, blocks: list[Block], kind: str) -> list[Block]:
    """A lesson per paragraph, when a lessons section is written only as paragraphs and
    the report lists no lessons of its kind elsewhere (lessons as prose); anything else is
    left as it was."""
    if not blocks or any(b.type != "paragraph" for b in blocks) or any(
            isinstance(e, ev.LessonRecorded) and e.kind == kind for e in reader.b.others):
        return blocks
    leftover = []
    for block in blocks:
        words = reader.raw(block).split()
        if len(words) < _LESSON_WORDS:
            leftover.append(block)  # "Not much.", "We didn't, really.": an answer, kept
            continue
        reader.b.add(ev.LessonRecorded(occurred_at=None, actor=reader.b.actor, kind=kind,
                                       title=" ".join(words), source=reader.b.src(block.start)))
    return leftover


def _paragraph_lesson(reader: Reader, block: Block, kind: str) -> bool:
    words = reader.raw(block).split()
    if len(words) < _LESSON_WORDS:
        return False
    reader.b.add(ev.LessonRecorded(occurred_at=None, actor=reader.b.actor, kind=kind,
                                   title=" ".join(words), source=reader.b.src(block.start)))
    return True


_LESSON_WORDS = 4
"""Fewest words of a paragraph read as a lesson: shorter ones answer the heading instead
("Not much.", "None.")."""


def mark_lines(reader: Reader, block: Block, kind: str) -> bool:
    """``✅ **title**: text`` lines, all of them or none."""
    lines = [(reader.doc.lines[n].strip(), n) for n in range(block.start, block.end)]
    if not all(line and line[0] in MARKS for line, _ in lines):
        return False
    return _all_or_none(reader, [
        lesson_text(reader, unescape_inline(line[1:].strip()), kind, n,
                    plain=line[1:].strip().startswith("\\*")) for line, n in lines])


def lesson_items(reader: Reader, lst: list[Item], kind: str) -> bool:
    """``**title**: text`` items, all of them or none."""
    return _all_or_none(reader, [lesson_text(reader, item.text, kind, item.line,
                                             plain=_ESCAPED_BOLD.match(reader.doc.lines[item.line])
                                             is not None)
                                 if not item.body else None for item in lst])


_ESCAPED_BOLD = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+\\\*")
"""An item whose leading ``*`` is escaped: its words are a title written plain, not a label."""


def _all_or_none(reader: Reader, found: list[ev.LessonRecorded | None]) -> bool:
    if not found or any(lesson is None for lesson in found):
        return False
    for lesson in found:
        assert lesson is not None
        reader.b.add(lesson)
    return True


def lesson_text(reader: Reader, text: str, kind: str, line: int, *, plain: bool = False
                ) -> ev.LessonRecorded | None:
    pair = None if plain else split_label(text)
    if plain:
        title, body = text, ""
    elif (m := re.fullmatch(r"\*\*([^*]+)\*\*", text)):
        title, body = unescape_inline(m[1]), ""
    elif pair:
        title, body = pair
    elif "*" in text and not text.startswith("**"):
        title, body = text, ""  # a title bold would not hold, written plain
    else:
        return None
    return ev.LessonRecorded(occurred_at=None, actor=reader.b.actor, kind=kind, title=title,
                             text=body, source=reader.b.src(line))


def by_role(reader: Reader, s: Section) -> list[Block]:
    """Items under a lessons heading (or one of its kinds), each a lesson of that kind."""
    role = heading_role(s.heading or "")
    kind = role if role in LESSON_ROLES else fold(s.heading or "lesson").replace(" ", "_")
    leftover, labelled = [], False
    for block in s.blocks:
        if (label := kind_label(reader, block)) is not None:
            kind = label
            labelled = True
            continue
        if labelled and block.type == "paragraph" and _paragraph_lesson(reader, block, kind):
            continue  # prose under a kind's label: a lesson per paragraph
        if block.type == "list" and lesson_items(reader, items(reader.doc, block), kind):
            continue  # as the templates write them: **title**: text
        if block.type != "thematic_break" and not lesson_list(reader, block, kind):
            leftover.append(block)
    return _prose(reader, leftover, kind) if len(leftover) == _content(s) else leftover


def lesson_list(reader: Reader, block: Block, kind: str) -> bool:
    """Each item of a list is a lesson of ``kind``, its words as written."""
    lst = items(reader.doc, block) if block.type == "list" else []
    for item in lst:
        text = item.text + ("\n" + item.body if item.body else "")
        reader.b.add(ev.LessonRecorded(occurred_at=None, actor=reader.b.actor, kind=kind,
                                       title=text.strip(), source=reader.b.src(item.line)))
    return bool(lst)
