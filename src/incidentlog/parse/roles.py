"""Sections read by role, whatever their heading: causes, resolution, actions, lessons.

A section whose heading names a role (see :mod:`incidentlog.vocabulary`) but is not one of
the house templates' own headings is read here, after the house sections, so a field the
house layout states is never overwritten by a section of the same role. Each reader takes
what it understands into a field, with the author's words kept verbatim, and leaves the rest
to be kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from incidentlog import events as ev
from incidentlog.parse import durations, moments, when
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import split_label
from incidentlog.vocabulary import (
    CAUSE_CUES,
    DURATION_PROSE,
    LESSON_ROLES,
    OUTAGE_WORDS,
    RESOLUTION_CUES,
    fold,
    heading_role,
    prose_minutes,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

_MARKER = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+")


def paragraph_text(reader: Reader, block: Block) -> str:
    """A paragraph's lines, each stripped, as the author wrote them."""
    return "\n".join(line.strip() for line in reader.doc.lines[block.start:block.end]
                     if line.strip())


def _first_paragraph(reader: Reader, s: Section) -> tuple[str, list[Block]] | None:
    """The first run of prose paragraphs of a section (not a run-in label alone), and the
    other blocks."""
    blocks = [b for b in s.blocks if b.type != "thematic_break"]
    for n, block in enumerate(blocks):
        if block.type == "paragraph":
            text = paragraph_text(reader, block)
            pair = split_label(text.split("\n", 1)[0])
            if pair and not pair[1]:
                continue
            taken = [text]
            end = n + 1
            while end < len(blocks) and blocks[end].type == "paragraph" and not text.endswith(
                    ":") and not split_label((more := paragraph_text(reader, blocks[end]))
                                             .split("\n", 1)[0]):
                taken.append(more)
                text = more
                end += 1
            return "\n\n".join(taken), blocks[:n] + blocks[end:]
    return None


def root_cause(reader: Reader, s: Section) -> list[Block]:
    """The first paragraph states the root cause (``**Root cause**: ...`` labels too)."""
    b = reader.b
    if b.root.get("summary"):
        return list(s.blocks)
    found = _first_paragraph(reader, s)
    if found is None:
        return list(s.blocks)
    text, rest = found
    pair = split_label(text)
    if pair and pair[1]:
        text = pair[1] + text[len(text.split("\n", 1)[0]):]
    b.set_root(s.line, summary=text.strip())
    return rest


def resolution(reader: Reader, s: Section) -> list[Block]:
    """The first paragraph says how it was resolved."""
    if reader.b.resolution is not None:
        return list(s.blocks)
    found = _first_paragraph(reader, s)
    if found is None:
        return list(s.blocks)
    text, rest = found
    reader.b.resolution = (text, s.line)
    return rest


def contributing(reader: Reader, s: Section) -> list[Block]:
    """Each item of the first list (one line each) is a contributing factor."""
    if reader.b.root.get("contributing_factors"):
        return list(s.blocks)
    leftover = []
    for block in s.blocks:
        lst = items(reader.doc, block) if block.type == "list" else []
        if lst and all(not x.body for x in lst) and \
                not reader.b.root.get("contributing_factors"):
            reader.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            continue
        leftover.append(block)
    return leftover


def actions(reader: Reader, s: Section) -> list[Block]:
    """Every list under the heading: one action item per top-level item."""
    return action_lists(reader, s.blocks, None)


def action_lists(reader: Reader, blocks: list[Block], horizon: str | None) -> list[Block]:
    """Action items from lists in any shape (plain, numbered, task lists) and tables."""
    leftover = []
    for block in blocks:
        if block.type == "list" and reader.task_items(items(reader.doc, block), horizon):
            continue
        if block.type == "table" and reader.action_table(block):
            continue
        if block.type == "list" and _plain_items(reader, items(reader.doc, block), horizon):
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


def action_category(reader: Reader, s: Section) -> list[Block]:
    """A sub-heading of an action items section: its name is the items' category."""
    return action_lists(reader, s.blocks, s.heading or None)


def _plain_items(reader: Reader, lst: list[Item], horizon: str | None) -> bool:
    """Items without checkboxes or ids: their text (nested details folded in) is the title."""
    if not lst:
        return False
    known = {e.item_id for e in reader.b.others if isinstance(e, ev.ActionItemAdded)}
    start = len(known) + 1
    for n, item in enumerate(lst):
        title = item.text
        if item.body:
            title += "\n" + "\n".join(_MARKER.sub("", line).strip()
                                      for line in item.body.splitlines() if line.strip())
        item_id = str(start + n)
        while item_id in known:
            item_id += "a"
        reader.b.add(ev.ActionItemAdded(
            occurred_at=None, actor=reader.b.actor, item_id=item_id, title=title.strip(),
            status="done" if item.checked else "open", horizon=horizon,
            source=reader.b.src(item.line)))
    return True


def lessons(reader: Reader, s: Section) -> list[Block]:
    """Items under a lessons heading (or one of its kinds), each a lesson of that kind."""
    role = heading_role(s.heading or "")
    kind = role if role in LESSON_ROLES else fold(s.heading or "lesson").replace(" ", "_")
    leftover = []
    for block in s.blocks:
        if not lesson_list(reader, block, kind):
            leftover.append(block)
    return leftover


def lesson_list(reader: Reader, block: Block, kind: str) -> bool:
    """Each item of a list is a lesson of ``kind``, its words as written."""
    lst = items(reader.doc, block) if block.type == "list" else []
    for item in lst:
        text = item.text + ("\n" + item.body if item.body else "")
        reader.b.add(ev.LessonRecorded(occurred_at=None, actor=reader.b.actor, kind=kind,
                                       title=text.strip(), source=reader.b.src(item.line)))
    return bool(lst)


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`*_\[])")


def from_prose(reader: Reader) -> None:
    """A root cause or resolution no section states, taken from the sentence of the summary
    that states it ("This was caused by ...", "... fixed by ...")."""
    b = reader.b
    texts = [str(b.declared.get("summary", ""))]
    if next(reader.doc.sections(), None) is None:  # no headings: all of it is the summary
        texts += [paragraph_text(reader, block) for block in reader.doc.root.blocks
                  if block.type == "paragraph"]
    for section in reader.doc.root.children:  # the opening paragraphs under the title
        if section.level == 1:
            texts += [paragraph_text(reader, block) for block in section.blocks
                      if block.type == "paragraph"]
            break
    for section in reader.doc.sections():
        if heading_role(section.heading or "") in ("summary", "impact"):
            texts += [text for block in section.blocks if block.type == "paragraph"
                      and not split_label((text := paragraph_text(reader, block)).split("\n")[0])]
    joined = "\n".join(texts)
    # Each cue is first looked for in the whole prose; sentences are split only for a hit.
    lazy: list[list[tuple[str, str]]] = []

    def sentences() -> list[tuple[str, str]]:
        if not lazy:
            lazy.append([(x.strip(), text) for text in texts if text
                         for x in _SENTENCE.split(" ".join(text.split()))])
        return lazy[0]

    if not b.root.get("summary"):
        cause = next((x for x, _ in sentences() if CAUSE_CUES.search(x)), None) \
            if CAUSE_CUES.search(joined) else None
        said = "\n".join([b.resolution[0]] if b.resolution else []) + "\n" + "\n".join(
            c for kept in b.kept for c in kept.chunks)
        if cause is None and _STRONG_CAUSE.search(said):
            # Stated with the resolution or in a labelled note ("The issue was caused by").
            cause = next((x.strip() for text in said.split("\n\n")
                          for x in _SENTENCE.split(" ".join(_MARKER.sub("", text).split()))
                          if _STRONG_CAUSE.search(x)), None)
        if cause is None and _ROOT_CAUSE.search(reader.doc.text):
            # Said outside the summary: "we believe the root cause is that ..."
            cause = next((x for block in _paragraphs(reader)
                          for x in _SENTENCE.split(" ".join(block.split()))
                          if _ROOT_CAUSE.search(x)), None)
        if cause:
            b.set_root(0, summary=cause.strip())
    if b.resolution is None and RESOLUTION_CUES.search(joined):
        fix = next((x for x, _ in sentences() if RESOLUTION_CUES.search(x)), None)
        if fix:
            b.resolution = (fix, 0)
    if _SPAN.search(joined) and not any(
            getattr(r, "marks", None) == "began" for r in b.timeline):
        # "The outage lasted from 16:58 to 18:46 UTC": when it began, and when it ended
        # unless a row of the timeline says so already.
        span = next((seen for x, _ in sentences() if (seen := _span(reader, x))), None)
        if span:
            began, ended, sentence = span
            line = _line_of(reader, sentence)
            at = next((i for i, r in enumerate(b.timeline) if isinstance(
                r, ev.TimelineEntryAdded) and r.occurred_at == began and r.marks is None), None)
            if at is not None:  # the timeline's entry at that minute is where it began
                b.timeline[at] = msgspec.structs.replace(b.timeline[at], marks="began")
            else:
                b.row(ev.TimelineEntryAdded(occurred_at=began, actor=b.actor, text=sentence,
                                            marks="began", source=b.src(line)))
            if not any(isinstance(r, ev.Resolved) and r.occurred_at for r in b.timeline):
                b.row(ev.Resolved(occurred_at=ended, actor=b.actor, note=sentence,
                                  source=b.src(line)))
    if DURATION_PROSE.search(joined):
        stated = next((found for x, _ in sentences() if (found := prose_minutes(x))), None)
        if stated and not any(f.label == "" and f.text == stated[1] for f in b.figures):
            minutes, words = stated
            b.figure("duration_minutes", minutes, words, "", _line_of(reader, words))
    prose = durations.prose(reader.doc)
    durations.stated_in_prose(b, prose)
    moments.stated_moments(b, reader.clock, prose)


_SPAN = re.compile(r"\bfrom\s+(?P<a>[^,;]{3,40}?)\s*(?:to|until|till|through|-|–)\s+"
                   r"(?P<b>[^,;]{3,60})", re.IGNORECASE)


_ROOT_CAUSE = re.compile(r"\broot cause\b", re.IGNORECASE)
_STRONG_CAUSE = re.compile(r"\b(?:root cause|caused by|was caused|were caused)\b", re.IGNORECASE)


def _paragraphs(reader: Reader) -> list[str]:
    """Every prose paragraph of the document that is not a run-in label."""
    return [text for section in reader.doc.root.walk() for block in section.blocks
            if block.type == "paragraph" and heading_role(section.heading or "") not in (
                "lessons", "went_well", "went_wrong", "lucky", "actions", "timeline")
            and (text := paragraph_text(reader, block))[:1].isalnum()]


def _span(reader: Reader, sentence: str) -> tuple[datetime, datetime, str] | None:
    """'The API was down from 16:58 to 18:46 UTC': when the outage began and ended."""
    if not OUTAGE_WORDS.search(sentence):
        return None
    clock = reader.clock
    for found in _SPAN.finditer(sentence):
        second = when.read_stamp(found["b"], day=clock.day, zone=clock.zone, order=clock.order)
        if second is None or second.at is None:
            continue
        # A zone written after the second time ("from 16:58 to 18:46 UTC") holds for both.
        zone = second.zone or clock.zone
        first = when.read_stamp(found["a"], day=clock.day, zone=zone, order=clock.order)
        if first is None or first.at is None or found["a"][first.end:].strip():
            continue
        if second.at >= first.at:
            return first.at, second.at, sentence
    return None


def _line_of(reader: Reader, words: str) -> int:
    at = reader.doc.text.find(words.split()[0] + " ")
    return reader.doc.text.count("\n", 0, at) if at >= 0 else 0


GENERIC: dict[str, Callable[[Reader, Section], list[Block]]] = {
    "root_cause": root_cause,
    "trigger": root_cause,
    "resolution": resolution,
    "contributing": contributing,
    "actions": actions,
    "lessons": lessons,
    "went_well": lessons,
    "went_wrong": lessons,
    "lucky": lessons,
}
"""Readers of sections by role, for headings the house templates do not use."""
