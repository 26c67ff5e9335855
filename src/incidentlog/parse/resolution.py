"""How it ended: the resolution, the mitigation and the commands that made it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse import actions, figures
from incidentlog.parse.causes import Unit
from incidentlog.parse.lists import items
from incidentlog.parse.prose import paragraph_text
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
    unparagraph,
)
from incidentlog.vocabulary import FIX_WORDS, TASK_VERBS, heading_role

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
    """Every prose paragraph under a resolution heading says how it ended, as written (a
    paragraph that ends "... by:" with the list after it too); code and tables are kept."""
    if reader.b.resolution is not None:
        return list(s.blocks)
    if _only_tasks(reader, s.blocks):
        return []
    taken: list[str] = []
    rest: list[Block] = []
    blocks = [b for b in s.blocks if b.type != "thematic_break"]
    listed: set[int] = set()  # lists a "... by:" paragraph introduces
    for n, block in enumerate(blocks):
        if n in listed:
            taken.append("\n".join(item.text for item in items(reader.doc, block)))
            continue
        text = paragraph_text(reader, block) if block.type == "paragraph" else ""
        pair = split_label(text.split("\n", 1)[0]) if text else None
        if block.type == "list" and not any(b.type == "paragraph" for b in blocks) and \
                (steps := [x.text for x in items(reader.doc, block) if x.text.strip()]):
            taken.append("\n".join(steps))  # the steps that ended it, as a list
            continue
        if not text or (pair and not pair[1]):
            rest.append(block)
            continue
        taken.append(text)
        if text.endswith(":") and n + 1 < len(blocks) and blocks[n + 1].type == "list":
            listed.add(n + 1)
    if taken:
        reader.b.resolution = ("\n\n".join(taken), s.line)
    return rest


def _only_tasks(reader: Reader, blocks: list[Block]) -> bool:
    """A resolution heading over prose lines that are all tasks still to do ("Publish a
    document ...", "File a bug ..."), one per line: they are follow-ups, not how it ended,
    and are read as action items."""
    paragraphs = [[(line.strip(), n) for n, line in enumerate(
        reader.doc.lines[b.start:b.end], b.start) if line.strip()] for b in blocks
        if b.type != "thematic_break"]
    lines = [line for p in paragraphs for line, _ in p]
    if len(lines) < 2 or any(b.type not in ("paragraph", "thematic_break") for b in blocks) \
            or not all(TASK_VERBS.match(line) for line in lines):
        return False
    actions.prose_items(reader, paragraphs)
    return True


def from_labels(reader: Reader, units: list[Unit]) -> None:
    """A resolution no section states, from a run-in label anywhere (``**Resolution**:``
    nested under another bullet, or in a list that mixes labels with timeline rows)."""
    b = reader.b
    if b.resolution is not None:
        return
    said = [u for u in units if u.role == "resolution" and u.labelled
            and heading_role(u.name) == "resolution"]
    if said:
        first = said[0]
        text = "\n".join(u.text for u in said if u.name == first.name and u.line >= first.line)
        b.resolution = (text, first.line)


def from_timeline(reader: Reader) -> None:
    """A resolution no section, label or summary sentence states, from a timeline with no
    row that resolves it: the last row whose words say a fix was made (``Certificate rolled
    over and login confirmed working``), as written."""
    b = reader.b
    if b.resolution is not None or any(isinstance(r, ev.Resolved) and r.occurred_at
                                       for r in b.timeline):
        return  # the row that resolved it says how, if anything does
    for row in reversed(b.timeline):
        text = row.text if isinstance(row, ev.TimelineEntryAdded) else getattr(row, "note", "")
        if row.occurred_at is not None and text and FIX_WORDS.search(text):
            b.resolution = (text, row.source.line - 1 if row.source else 0)
            return


def after_label(reader: Reader, prev: Block, block: Block) -> bool:
    """A paragraph or list right after a list that closes with ``- **Resolution**:`` alone
    (a report told in labelled bullets): how it ended, as written."""
    if reader.b.resolution is not None or prev.type != "list" or \
            block.type not in ("paragraph", "list"):
        return False
    found = items(reader.doc, prev)
    pair = split_label(found[-1].text) if found and not found[-1].body.strip() else None
    if pair is None or pair[1] or heading_role(pair[0]) != "resolution":
        return False
    listed = items(reader.doc, block) if block.type == "list" else []
    if any(split_label(x.text) for x in listed):
        return False  # the next labelled bullets ("- **Review actions**: ..."), not steps
    text = paragraph_text(reader, block) if block.type == "paragraph" else "\n".join(
        x.text for x in listed if x.text.strip())
    if not text:
        return False
    reader.b.resolution = (text, block.start)
    return True
