"""Why it happened: root causes, the five whys, trigger and contributing factors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse.lists import Item, items
from incidentlog.parse.prose import first_paragraph
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
    unparagraph,
)
from incidentlog.render.emit import unescape_inline

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def five_whys(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    for block in s.blocks:
        if block.type == "list" and (found := whys(reader, items(reader.doc, block))):
            reader.b.set_root(block.start, whys=found)
            continue
        pair = split_label(reader.raw(block)) if block.type == "paragraph" else None
        if pair and norm(pair[0]) == "root cause" and "\n" not in reader.raw(block):
            reader.b.set_root(block.start, summary=unparagraph(pair[1]))
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


def whys(reader: Reader, lst: list[Item]) -> tuple[ev.Why, ...] | None:
    found = []
    for item in lst:
        question = re.fullmatch(r"\*\*(.+?)\*\*", item.text.strip())
        answer = re.fullmatch(r"[-*+]\s+(.+)", item.body.strip())
        if not item.ordered or not question or not answer:
            return None
        found.append(ev.Why(unescape_inline(question[1]), unescape_inline(answer[1])))
    return tuple(found)


def numbered_factors(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    for block in s.blocks:
        lst = items(reader.doc, block) if block.type == "list" else []
        if lst and all(x.ordered and not x.body for x in lst):
            reader.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


def why_it_happened(reader: Reader, s: Section) -> list[Block]:
    leftover: list[Block] = []
    blocks = s.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = reader.raw(block)
        pair = split_label(text) if block.type == "paragraph" and "\n" not in text else None
        key = norm(pair[0]) if pair else ""
        if key == "immediate cause" and pair and pair[1]:
            reader.b.set_root(block.start, immediate_cause=pair[1])
            if "summary" not in reader.b.root:
                reader.b.root["summary"] = pair[1]
            i += 1
            continue
        if key == "root cause" and pair and pair[1]:
            reader.b.set_root(block.start, summary=pair[1])
            i += 1
            continue
        first = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
        if first and "\n" in text and norm(first[0]) == "root cause" and first[1] and \
                not reader.b.root.get("summary"):
            reader.b.set_root(block.start, summary=unparagraph(
                (first[1] + "\n" + text.split("\n", 1)[1]).strip()))
            i += 1
            continue
        if block.type == "paragraph" and re.fullmatch(r"\*\*Root Causes\*\*:\n(\d+\. .*\n?)+",
                                                      text):
            causes = [line.split(". ", 1)[1] for line in text.splitlines()[1:]]
            reader.b.set_root(block.start, causes=tuple(causes))
            i += 1
            continue
        labelled = reader.label_before_list(blocks, i)
        if labelled:
            key, after = labelled
            lst = items(reader.doc, after)
            plain = all(x.ordered and not x.body for x in lst)
            field = {"root causes": "causes", "contributing factors": "contributing_factors"}
            if key in field and plain and field[key] not in reader.b.root:
                reader.b.set_root(block.start, **{field[key]: tuple(x.text for x in lst)})
                i += 2
                continue
            if key == "five whys" and (found := whys(reader, lst)) and "whys" not in reader.b.root:
                reader.b.set_root(block.start, whys=found)
                i += 2
                continue
        leftover.append(block)
        i += 1
    return leftover


def root_cause(reader: Reader, s: Section) -> list[Block]:
    """The first paragraph states the root cause (``**Root cause**: ...`` labels too)."""
    b = reader.b
    if b.root.get("summary"):
        return list(s.blocks)
    found = first_paragraph(reader, s)
    if found is None:
        return list(s.blocks)
    text, rest = found
    pair = split_label(text)
    if pair and pair[1]:
        text = pair[1] + text[len(text.split("\n", 1)[0]):]
    b.set_root(s.line, summary=text.strip())
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
