"""The header under the title (``**Severity**: P1`` lines) and the summary section."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog.parse import timeline as tl
from incidentlog.parse.labels import plain_pair
from incidentlog.parse.lists import items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    read_date,
    read_duration,
    split_label,
    unparagraph,
)
from incidentlog.render.common import SEVERITY_WORDS, STATUS_LABELS
from incidentlog.severity import rank
from incidentlog.vocabulary import COMMANDER_LABELS, heading_role

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

SEVERITY = re.compile(r"^\s*(P[0-3])(?:\s*-\s*(Critical|High|Medium|Low))?\s*$", re.I)


HEADER_LABELS = frozenset({"incident id", "date", "severity", "status", "duration",
                           *COMMANDER_LABELS})
"""Labels (folded) of the header's fields, which a plain ``Label: value`` line names too."""

_MARKER = re.compile(r"^\s{0,3}[-*+]\s+")
_KEY_COLUMN = frozenset({"field", "key", "property", "attribute", "item", "name"})


def header(reader: Reader, title_section: Section) -> None:
    """The title and the header fields under it: ``**Field**: value`` or ``Field: value``
    lines, a list of them, or a two-column table of them."""
    for block in title_section.blocks:
        if block.type == "thematic_break" or (block.type == "table" and
                                               _key_values(reader, block)):
            continue
        plain_items = block.type == "list" and all(
            _MARKER.match(line) for line in reader.doc.lines[block.start:block.end])
        kept: list[str] = []
        for n in range(block.start, block.end):
            line = reader.doc.lines[n]
            text = _MARKER.sub("", line, count=1) if plain_items else line
            if not (block.type == "paragraph" or plain_items) or \
                    not header_line(reader, text, n):
                kept.append(line)
        if any(k.strip() for k in kept):
            reader.b.keep("", 1, None, "\n".join(kept), block.start)


def labelled(line: str) -> tuple[str, str] | None:
    """``**Label**: value``, or ``Label: value`` where the label names a header field."""
    pair = split_label(line)
    if pair is not None:
        return pair
    plain = plain_pair(line)
    return plain if plain and norm(plain[0]) in HEADER_LABELS else None


def _key_values(reader: Reader, block: Block) -> bool:
    """A two-column table of header fields (``| Severity | SEV-1 |``), read whole: True
    when every row was a field read, else it is kept as written."""
    head, body = tl.table_rows(reader.doc, block)
    rows = [(block.start, head), *body]
    if rows and len(rows[0][1]) == 2 and norm(rows[0][1][0]) in _KEY_COLUMN:
        rows = rows[1:]
    if not rows or any(len(cells) != 2 or norm(cells[0]) not in HEADER_LABELS
                       for _, cells in rows):
        return False
    read = [header_line(reader, f"**{cells[0]}**: {cells[1]}", n) for n, cells in rows]
    return all(read)


def header_line(reader: Reader, line: str, n: int) -> bool:
    pair = labelled(line)
    if pair is None:
        return False
    label, value = norm(pair[0]), pair[1]
    d = reader.b.declared
    if label == "incident id" and value:
        return "incident_id" in d or bool(d.setdefault("incident_id", value.lstrip("#")))
    if label == "date":
        return read_date(value) is not None and value.strip() == str(read_date(value))
    if label == "severity":
        match = SEVERITY.match(value)
        if match and reader.b.stated_severity is None and (
                not match.group(2) or SEVERITY_WORDS[match.group(1).upper()].lower()
                == match.group(2).lower()):
            severity = match.group(1).upper()
            reader.b.stated_severity = severity
            return value == severity or value == f"{severity}-{SEVERITY_WORDS[severity]}"
        if reader.b.stated_severity is None and rank(value) is not None and len(value) <= 40 \
                and "*" not in value:
            reader.b.stated_severity = value  # the team's own scale, as written
            return True
        return False
    if label in COMMANDER_LABELS and value and "commander" not in d:
        d["commander"] = value
        return True
    if label == "status" and value.lower() in {v.lower() for v in STATUS_LABELS.values()} \
            and reader.b.stated_status is None:
        reader.b.stated_status = (value, n)
        return True
    if label == "duration" and value:
        minutes = read_duration(value)
        if minutes is None:
            return False
        reader.b.figure("duration_minutes", minutes, value, "Duration", n)
        return True
    return False


def executive_summary(reader: Reader, s: Section) -> list[Block]:
    leftover: list[Block] = []
    blocks = [b for b in s.blocks if b.type != "thematic_break"]
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = reader.raw(block)
        pair = split_label(text) if block.type == "paragraph" else None
        labelled = reader.label_before_list(blocks, i)
        if labelled and labelled[0] == "impact":
            leftover += impact_bullets(reader, labelled[1])
            i += 2
            continue
        first = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
        if first and norm(first[0]) == "one line summary" and \
                "summary" not in reader.b.declared:
            rest = text.split("\n", 1)[1] if "\n" in text else ""
            reader.b.declared["summary"] = unparagraph((first[1] + "\n" + rest).strip())
            i += 1
            continue
        if first and "\n" in text and norm(first[0]) in ("root cause", "resolution") and \
                first[1] and summary_label(reader, first[0], (  # it takes escapes off
                    first[1] + "\n" + text.split("\n", 1)[1]).strip(), block.start):
            i += 1
            continue
        if pair and "\n" not in text and summary_label(reader, pair[0], pair[1], block.start):
            i += 1
            continue
        if block.type == "paragraph" and not pair and not reader.b.declared.get("summary") \
                and not leftover:
            reader.b.declared["summary"] = unparagraph(text)
            i += 1
            continue
        leftover.append(block)
        i += 1
    return leftover


def summary_label(reader: Reader, label: str, value: str, line: int) -> bool:
    key = norm(label)
    if key == "one line summary" and "summary" not in reader.b.declared:
        reader.b.declared["summary"] = unparagraph(value)
        return True
    if key == "root cause" and value and "exec_root" not in reader.b.root:
        reader.b.set_root(line, summary=unparagraph(value), exec_root=unparagraph(value))
        return True
    if key == "resolution" and value and reader.b.resolution is None:
        reader.b.resolution = (unparagraph(value), line)
        return True
    return False


def impact_bullets(reader: Reader, block: Block) -> list[Block]:
    for item in items(reader.doc, block):
        pair = split_label(item.text) if not item.body else None
        if pair is None:
            reader.b.fact("summary", "", item.text, item.line)
            continue
        label, value = pair
        key = norm(label)
        if key == "users affected" and "users_affected" not in reader.b.impact:
            reader.b.set_impact(item.line, users_affected=value)
        elif key == "revenue impact" and "revenue" not in reader.b.impact:
            reader.b.set_impact(item.line, revenue=value)
        elif key == "duration" and (minutes := read_duration(value)) is not None:
            reader.b.figure("duration_minutes", minutes, value, "Impact Duration", item.line)
        elif key == "slo impact" and re.fullmatch(r"Error budget consumed: [\d.]+%", value):
            pass  # written from the figures, which give it again
        elif key == "services impacted" and not reader.b.declared.get("services") and (
                names := _names(value)):
            reader.b.declared["services"] = names
        else:
            reader.b.fact("summary", label, value, item.line)
    return []


def _names(value: str) -> tuple[str, ...] | None:
    """``a, b, c`` as names, when writing them back gives the same words."""
    names = tuple(value.split(", "))
    if all(n.strip() == n and n for n in names):
        return names
    return None


_SEVERITY_HEAD = re.compile(r"^[*_\s]*(?P<head>[A-Za-z][\w -]{0,18}?)[*_]*\s*(?:[–—:(,.;]|\s-\s|$)")
"""The words a severity statement opens with (``**Critical** – ...``, ``Major (High ...)``)."""


def severity_head(text: str) -> str | None:
    """The severity ``text`` opens with, as written, when it is one on a scale teams use
    (``Critical`` of ``**Critical** - Complete outage``); ``None`` otherwise."""
    match = _SEVERITY_HEAD.match(text)
    if match is None:
        return None
    head = match["head"].strip()
    return head if rank(head) is not None and head.lower() != "none" else None


def status_section(reader: Reader) -> None:
    """A status no header line states, from a section named for it whose words name one
    status (``## Status`` over ``... Monitoring the situation.``); its words stay."""
    if reader.b.stated_status is not None:
        return
    for s in reader.doc.sections():
        if heading_role(s.heading or "") != "status":
            continue
        block = next((b for b in s.blocks if b.type == "paragraph"), None)
        if block is None:
            return
        words = set(norm(reader.raw(block)).split())
        named = [label for label in STATUS_LABELS.values() if label.lower() in words]
        if len(named) == 1:
            reader.b.stated_status = (named[0], block.start)
        return


def stated_elsewhere(reader: Reader) -> None:
    """A status and a severity no header line states (:func:`status_section`); a severity
    from a section named for it (``## Severity`` over ``**Critical** - ...``) or a
    ``**Severity:** Major (...)`` line in another section: the severity word as written,
    its explanation left where it is."""
    status_section(reader)
    if reader.b.stated_severity is not None:
        return
    for s in reader.doc.sections():
        named = heading_role(s.heading or "") == "severity"
        for block in s.blocks:
            if block.type != "paragraph":
                continue
            first = reader.doc.lines[block.start]
            if named:
                found = severity_head(first)
            elif "everity" in first and (pair := split_label(first)) and \
                    heading_role(pair[0]) == "severity":
                found = severity_head(pair[1])
            else:
                continue
            if found is not None:
                reader.b.stated_severity = found
                return
            if named:
                break  # only the opening words of a severity section say it
