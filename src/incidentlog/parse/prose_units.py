"""The prose of a report as units: each paragraph or list item with the role of the heading
or run-in label it sits under, and its sentences. What the readers of causes and of the
resolution search for the sentence that says why, or how it ended."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import attrs

from incidentlog.parse.lists import items
from incidentlog.parse.prose import paragraph_text
from incidentlog.parse.source import Section
from incidentlog.parse.text import norm, split_label
from incidentlog.vocabulary import (
    CAUSE_LABELS,
    DETECTION_WORDS,
    FIGURE_WORDS,
    heading_role,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

NOT_NARRATIVE = frozenset({
    "timeline", "actions", "lessons", "went_well", "went_wrong", "lucky", "authors",
    "severity", "status", "date", "stats", "contributing", "references"})
"""Roles whose words are not the story of what went wrong (a timeline row that says
"caused by" is an event, an action item a plan)."""


STORY = ("summary", "narrative", "root_cause", "trigger", None)
"""Roles of the units that tell what happened (``None``: under no heading that names one)."""


@attrs.frozen
class Unit:
    """A piece of a report's prose: what names it (heading or label), its role, its text."""

    role: str | None
    name: str
    text: str
    line: int
    labelled: bool = False
    """Named by a run-in label (``**Resolution**: ...``), not by a heading."""


def narrative(reader: Reader) -> list[Unit]:
    """The prose of the report in document order, each paragraph or list item one unit,
    with the role of the heading or run-in label it sits under (inherited from parents)."""
    units: list[Unit] = []
    summary = str(reader.b.declared.get("summary") or "")
    if summary:
        units.append(Unit("summary", "summary", summary, 0))

    def visit(section: Section, inherited: str | None) -> None:
        role = heading_role(section.heading or "") or inherited
        if section.heading is not None and role in NOT_NARRATIVE:
            # Its own sub-headings may tell the story ("Action items > Investigation").
            for child in section.children:
                if heading_role(child.heading or "") in STORY[:-1]:
                    visit(child, None)
            return
        over: str | None = None  # the role a label alone gives the list after it
        blocks = section.blocks
        for i, block in enumerate(blocks):
            if block.type == "paragraph":
                text = paragraph_text(reader, block)
                pair = split_label(text.split("\n", 1)[0])
                over = None
                if text.endswith(":") and not pair and i + 1 < len(blocks) and \
                        blocks[i + 1].type == "list":
                    # "the following issues were the root cause:" and the list of them
                    units.append(Unit(role, section.heading or "", text + "\n" + "\n".join(
                        x.text for x in items(reader.doc, blocks[i + 1])), block.start))
                    over = "taken"
                    continue
                if text.endswith(":") and i + 1 < len(blocks) and \
                        blocks[i + 1].type == "block_quote":
                    # "... failed due to an error from AWS:" and the error, quoted
                    quoted = " ".join(line.strip().lstrip(">").strip() for line in
                                      reader.doc.lines[blocks[i + 1].start:blocks[i + 1].end])
                    text += " " + " ".join(quoted.split())
                if pair:
                    label_role = heading_role(pair[0])
                    if not pair[1] and "\n" not in text:
                        over = label_role or "label"
                    if label_role in NOT_NARRATIVE or norm(pair[0]) in FIGURE_WORDS:
                        continue
                    text = (pair[1] + text[len(text.split("\n", 1)[0]):]).strip()
                    units.append(Unit(label_role or role, pair[0], text, block.start, True))
                elif text != summary:
                    units.append(Unit(role, section.heading or "", text, block.start))
            elif block.type == "list" and over not in (*NOT_NARRATIVE, "taken"):
                for item in items(reader.doc, block):
                    pair = split_label(item.text) or label_alone(item.text)
                    label_role = heading_role(pair[0]) if pair else None
                    if label_role == "detection" and pair and pair[1] and \
                            not DETECTION_WORDS.search(pair[1]):
                        label_role = "narrative"  # what was identified, not how
                    if label_role in NOT_NARRATIVE or (pair and norm(pair[0]) in (
                            "key events", *FIGURE_WORDS)):
                        continue
                    first = pair[1] if pair else item.text
                    for n, text in enumerate([first, *bullets(item.body)]):
                        plain = _PLAIN_LABEL.match(text) if n else None
                        own = heading_role(plain[1]) if plain else None
                        if not text or own in NOT_NARRATIVE:
                            continue
                        if plain and own:  # "- **Resolution**: ..." nested under a label
                            units.append(Unit(own, plain[1], text[plain.end():].strip(),
                                              item.line + 1, True))
                            continue
                        units.append(Unit(label_role or role, pair[0] if pair else "", text,
                                          item.line + (n > 0), bool(pair)))
        for child in section.children:
            visit(child, role)

    visit(reader.doc.root, None)
    return [u for u in units if u.text]


_PLAIN_LABEL = re.compile(r"^\**([A-Za-z][A-Za-z /]{0,30}?)\**:\s")


def bullets(body: str) -> list[str]:
    """The nested bullets of a list item's body, each with its wrapped lines joined (code,
    tables and quotes left out)."""
    found: list[str] = []
    fence = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or not stripped or stripped.startswith(("|", ">", "<")):
            continue
        if _MARKER.match(line) or not found:
            found.append(_MARKER.sub("", line).strip())
        else:
            found[-1] += " " + stripped
    return found


_LABEL_ALONE = re.compile(r"^\*\*(?P<label>[^*\n]{1,80}?):?\*\*:?$")


def label_alone(text: str) -> tuple[str, str] | None:
    found = _LABEL_ALONE.match(text.strip())
    return (found["label"], "") if found else None


_MARKER = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`*_\[])")


@functools.lru_cache(maxsize=1024)
def sentences(text: str) -> tuple[str, ...]:
    """The sentences of a unit's text, white space collapsed, as written."""
    return tuple(s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip())


ASIDE_ROLES = frozenset({"timeline", "actions", "lessons", "went_well", "went_wrong", "lucky"})
"""Roles of the parts of a report that are not its story, where an author may still name the
cause outright: a timeline row, a note between the action items or lessons."""


def asides(reader: Reader) -> list[Unit]:
    """The prose of the parts of a report that are not its story: every row of a timeline,
    the paragraphs (not the items) of action items and lessons."""
    units: list[Unit] = []

    def visit(section: Section, inherited: str | None) -> None:
        role = heading_role(section.heading or "") or inherited
        if role in ASIDE_ROLES:
            for block in section.blocks:
                if block.type == "paragraph":
                    text = paragraph_text(reader, block)
                    pair = split_label(text.split("\n", 1)[0])
                    if pair and pair[1] and (norm(pair[0]) in CAUSE_LABELS or heading_role(
                            pair[0]) in ("root_cause", "trigger")):
                        # "**Problem**: ..." in a timeline row: the author names the cause
                        units.append(Unit("root_cause", pair[0], (pair[1] + text[len(
                            text.split("\n", 1)[0]):]).strip(), block.start, True))
                        continue
                    units.append(Unit(role, section.heading or "", text, block.start))
                elif block.type == "list" and role == "timeline":
                    units.extend(Unit(role, section.heading or "",
                                   " ".join([x.text, *bullets(x.body)]), x.line)
                                 for x in items(reader.doc, block))
        for child in section.children:
            visit(child, role)

    visit(reader.doc.root, None)
    return [u for u in units if u.text]
