"""Timelines in tables or bullets, read into rows and then into events."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import attrs

from incidentlog import events as ev
from incidentlog.parse.builder import Builder
from incidentlog.parse.source import Block, Document
from incidentlog.parse.text import Stamp, norm, read_stamp
from incidentlog.render.emit import unescape_cell
from incidentlog.render.rows import split_marker

_PIPE = re.compile(r"(?<!\\)\|")
_SEVERITY = re.compile(r"\bP([0-3])\b")


@attrs.frozen
class RowText:
    """A timeline row as written: its time, words, actor and 0-based line."""

    at: datetime | None
    text: str
    who: str
    line: int


def cells(line: str) -> list[str]:
    """The cells of a pipe-table row, unescaped."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [unescape_cell(c) for c in _PIPE.split(body)]


def table_rows(doc: Document, block: Block) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A table's header cells and its body rows with their 0-based lines."""
    lines = doc.lines[block.start:block.end]
    header = cells(lines[0]) if lines else []
    body = [(block.start + i, cells(line)) for i, line in enumerate(lines[2:], 2)
            if line.strip()]
    return header, body


def column(header: list[str], *names: str) -> int | None:
    """The index of the first header cell whose words start with one of ``names``."""
    for i, cell in enumerate(header):
        words = norm(cell)
        if any(words == n or words.startswith(n + " ") for n in names):
            return i
    return None


class Clock:
    """Reads times in document order: a time without a date takes the report's day, and a
    time earlier than the one before it rolls to the next day (a timeline past midnight)."""

    def __init__(self, day: date | None, zone: tzinfo) -> None:
        self.day = day
        self.zone = zone
        self.last: datetime | None = None

    def read(self, text: str, *, whole: bool) -> Stamp | None:
        stamp = read_stamp(text, day=self.day, zone=self.zone)
        if stamp is None:
            return None
        if whole and text[stamp.end:].strip():
            return None
        if stamp.at is None:
            return stamp
        if stamp.has_date:
            self.day = stamp.at.astimezone(self.zone).date()
        elif self.last is not None and stamp.at < self.last:
            stamp.at += timedelta(days=1)
            self.day = stamp.at.astimezone(self.zone).date()
        self.last = stamp.at
        return stamp


def read_table(doc: Document, block: Block, clock: Clock) -> list[RowText] | None:
    """A timeline table's rows, or ``None`` if it is not a timeline table."""
    header, body = table_rows(doc, block)
    when = column(header, "time", "when", "date", "timestamp")
    what = column(header, "event", "what", "description", "action", "activity", "details")
    who = column(header, "actor", "who", "owner", "by", "person")
    if when is None or what is None or not body:
        return None
    rows = []
    for line, row in body:
        if len(row) != len(header):
            return None
        stamp = clock.read(row[when], whole=True)
        if stamp is None:
            return None
        rows.append(RowText(stamp.at, row[what], row[who] if who is not None else "", line))
    return rows


_BULLET = re.compile(r"^(\s*)(?:[-+*]|\d{1,4}[.)])\s+(.*)$")
_SEP = re.compile(r"^\s*(?:[-–—:|]\s*)?")


def read_bullets(doc: Document, block: Block, clock: Clock) -> list[RowText] | None:
    """A bullet timeline (``- 14:51 Something happened``), or ``None`` if it is not one."""
    rows = []
    for n in range(block.start, block.end):
        line = doc.lines[n]
        match = _BULLET.match(line)
        if not match:
            if line.strip():
                return None
            continue
        if match.group(1):
            return None
        item = match.group(2).replace("**", "", 2) if match.group(2).startswith("**") else \
            match.group(2)
        stamp = clock.read(item, whole=False)
        if stamp is None:
            return None
        text = _SEP.sub("", item[stamp.end:], count=1).strip()
        rows.append(RowText(stamp.at, text, "", n))
    return rows or None


def emit(builder: Builder, rows: list[RowText]) -> None:
    """Turn rows into events: entries, marks and lifecycle events as their words say."""
    for row in rows:
        text, kind = split_marker(row.text)
        source = builder.src(row.line)
        common: dict[str, Any] = {"occurred_at": row.at, "actor": builder.actor,
                                  "source": source}
        if kind == "declared" and not builder.declared_row:
            builder.declared.update(occurred_at=row.at, note=text, by=row.who, source=source)
            builder.declared_row = True
        elif kind in ("began", "detected", "acknowledged"):
            builder.row(ev.TimelineEntryAdded(text=text, by=row.who,
                                              marks=kind,  # type: ignore[arg-type]
                                              **common))
        elif kind == "mitigated":
            builder.row(ev.Mitigated(note=text, by=row.who, **common))
        elif kind == "resolved":
            builder.row(ev.Resolved(note=text, by=row.who, **common))
        elif kind == "closed":
            builder.row(ev.Closed(note=text, by=row.who, **common))
        elif kind == "reopened":
            reason = text.split(":", 1)[1].strip() if ":" in text else text
            builder.row(ev.Reopened(reason=reason, note=text, by=row.who, **common))
        elif kind == "severity" and (found := _SEVERITY.findall(text.split(":", 1)[0])):
            builder.row(ev.SeverityChanged(severity=f"P{found[-1]}", note=text,  # type: ignore[arg-type]
                                           by=row.who, **common))
        elif kind.startswith("status:") and kind[7:] in ev.STATUSES:
            builder.row(ev.StatusChanged(status=kind[7:], note=text, by=row.who,  # type: ignore[arg-type]
                                         **common))
        else:
            builder.row(ev.TimelineEntryAdded(text=text, by=row.who, **common))
