"""What the prose of a report says when no section states it: the cause, the fix, the
outage's span and its stated duration, from the sentences that say them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

import msgspec

from incidentlog import events as ev
from incidentlog.parse import durations, moments, when
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    split_label,
)
from incidentlog.vocabulary import (
    DURATION_PROSE,
    OUTAGE_WORDS,
    RESOLUTION_CUES,
    folded_pattern,
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


def first_paragraph(reader: Reader, s: Section) -> tuple[str, list[Block]] | None:
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

    if b.resolution is None and folded_pattern(RESOLUTION_CUES).search(joined.lower()):
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
    moments.stated_start(b, reader.clock, prose)
    moments.stated_opening(b, reader.clock, reader.doc)
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
