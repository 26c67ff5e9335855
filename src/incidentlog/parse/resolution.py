"""How it ended: the resolution, the mitigation and the commands that made it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse import figures
from incidentlog.parse.prose import first_paragraph
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
    unparagraph,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def mitigation(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    m = reader.b.mitigation
    for block in s.blocks:
        text = reader.raw(block)
        pair = split_label(text) if block.type == "paragraph" and "\n" not in text else None
        key = norm(pair[0]) if pair else ""
        if key == "action taken" and pair and "action" not in m:
            m.update(action=pair[1], line=block.start)
        elif key == "why it worked" and pair and "why_it_worked" not in m:
            m["why_it_worked"] = pair[1]
        elif key == "time to mitigation" and pair and figures.figure_lines(reader, block):
            pass
        elif block.type == "block_code" and "commands" not in m and text.startswith("```"):
            m["commands"] = str(block.token.get("raw", "")).rstrip("\n")
            m["commands_language"] = str((block.token.get("attrs") or {}).get("info") or "")
        elif block.type != "thematic_break":
            leftover.append(block)
    return leftover


def resolution_steps(reader: Reader, s: Section) -> list[Block]:
    """Template B's Resolution Steps Taken, in the shape the renderer writes it."""
    leftover = []
    m = reader.b.mitigation
    mitigated = any(isinstance(r, ev.Mitigated) for r in reader.b.timeline)
    for i, block in enumerate(s.blocks):
        text = reader.raw(block)
        pair = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
        key = norm(pair[0]) if pair else ""
        rest = text.split("\n", 1)[1] if pair and "\n" in text else ""
        value = unparagraph(((pair[1] if pair else "") + "\n" + rest).strip())
        if key == "resolution" and pair and reader.b.resolution is None:
            reader.b.resolution = (value, block.start)
        elif key == "why it worked" and pair and mitigated and "why_it_worked" not in m:
            m["why_it_worked"] = value
        elif block.type == "paragraph" and not pair and i == 0 and mitigated:
            m.update(action=unparagraph(text), line=block.start)
        elif block.type == "block_code" and mitigated and "commands" not in m and \
                text.startswith("```"):
            m["commands"] = str(block.token.get("raw", "")).rstrip("\n")
            m["commands_language"] = str((block.token.get("attrs") or {}).get("info") or "")
        elif block.type != "thematic_break":
            leftover.append(block)
    return leftover


def section(reader: Reader, s: Section) -> list[Block]:
    """The first paragraph says how it was resolved."""
    if reader.b.resolution is not None:
        return list(s.blocks)
    found = first_paragraph(reader, s)
    if found is None:
        return list(s.blocks)
    text, rest = found
    reader.b.resolution = (text, s.line)
    return rest
