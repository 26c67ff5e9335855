"""Sign-off: who approved the postmortem, as lines or a table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse import timeline as tl
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    read_date,
)
from incidentlog.render.emit import unescape_inline

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def sign_off(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    for block in s.blocks:
        if block.type == "paragraph" and sign_lines(reader, block):
            continue
        if block.type == "table" and sign_table(reader, block):
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


_SIGN = re.compile(r"^\*\*(?P<role>[^*]+)\*\*: (?P<name>.+?) \((?P<verdict>approved|not "
                   r"approved)(?:, (?P<date>\d{4}-\d{2}-\d{2}))?\)$")


def sign_lines(reader: Reader, block: Block) -> bool:
    found = []
    for n in range(block.start, block.end):
        match = _SIGN.match(reader.doc.lines[n].strip())
        if not match:
            return False
        found.append(ev.SignedOff(
            occurred_at=_day(match["date"]), actor=reader.b.actor,
            role=unescape_inline(match["role"]), name=unescape_inline(match["name"]),
            approved=match["verdict"] == "approved",
            source=reader.b.src(n)))
    for event in found:
        reader.b.add(event)
    return bool(found)


def sign_table(reader: Reader, block: Block) -> bool:
    header, body = tl.table_rows(reader.doc, block)
    role, name = tl.column(header, "role"), tl.column(header, "name")
    verdict, when = tl.column(header, "sign off", "signoff", "approval", "status"), \
        tl.column(header, "date")
    if role is None or name is None or verdict is None:
        return False
    found = []
    for line, row in body:
        if len(row) != len(header):
            return False
        word = row[verdict].replace("✅", "").replace("❌", "").strip().lower()
        if word not in ("approved", "not approved"):
            return False
        date_text = row[when] if when is not None else ""
        if date_text and read_date(date_text) is None:
            return False
        found.append(ev.SignedOff(
            occurred_at=_day(date_text or None), actor=reader.b.actor, role=row[role],
            name=row[name], approved=word == "approved", source=reader.b.src(line)))
    for event in found:
        reader.b.add(event)
    return bool(found)


def _day(text: str | None) -> datetime | None:
    found = read_date(text) if text else None
    return datetime.combine(found, time(0), UTC) if found else None
