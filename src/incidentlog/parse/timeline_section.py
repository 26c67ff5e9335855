"""A timeline section in any common shape: a table, bullets, lines starting with times,
or one sub-heading per event; date lines and date sub-headings set the day."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from incidentlog.parse import figures, when
from incidentlog.parse import timeline as tl
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    stated_zone_name,
)
from incidentlog.vocabulary import heading_role

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def timeline(reader: Reader, s: Section) -> list[Block]:
    """A timeline in any common shape: a table, bullets, lines starting with times, or
    one sub-heading per event; date lines and date sub-headings set the day."""
    again = reader.timeline_section  # a second timeline section ("Follow-up timeline")
    if reader.has_timeline and not again:
        _keep_heading(reader, s, list(s.blocks))
        return list(s.blocks)
    # A zone the timeline's own heading or opening lines state holds for it.
    opening = "\n".join([s.heading or ""] + [reader.raw(b) for b in s.blocks[:2]
                                              if b.type == "paragraph"])
    if (name := stated_zone_name(opening)) and (zone := when.zone_named(name)):
        reader.clock.zone = zone
    rows: list[tl.RowText] = []
    leftover = timeline_blocks(reader, s.blocks, rows)
    timeline_headings(reader, s, rows)
    if not rows and [b.type for b in leftover] == ["list"] and not s.children:
        # A list alone under a timeline heading, with no times: its items are entries.
        rows, leftover = tl.untimed_bullets(reader.doc, leftover[0]), []
    elif not rows and len(leftover) > 1 and not s.children and not again and all(
            b.type == "paragraph" and not stated_zone_name(reader.raw(b)) for b in leftover) \
            and _only_timeline(reader, s):
        # A timeline told in prose, one phase a paragraph, with no times: each an entry.
        rows = [tl.RowText(None, reader.raw(b).strip(), "", b.start) for b in leftover]
        leftover = []
    if "key" in reader.pending_rows:  # key events in the header: this is their detail
        rows = tl.merge_key_events(reader.pending_rows.pop("key"), rows)
    if rows:
        tl.emit(reader.b, rows)
        reader.has_timeline = reader.timeline_section = True
    if rows and again and not leftover:
        # Its entries join the timeline; its heading stays where it was, as written.
        reader.b.keep(s.heading or "", s.level, None, "", s.line, empty_ok=True,
                      key=("section", s.line))
        return leftover
    _keep_heading(reader, s, leftover)
    return leftover


def _only_timeline(reader: Reader, s: Section) -> bool:
    """Whether ``s`` is the report's one timeline section (a rendered report keeps the words
    of its source's timeline section beside the timeline it writes)."""
    return not any(heading_role(x.heading or "") == "timeline" for x in reader.doc.sections()
                   if x is not s)


def _keep_heading(reader: Reader, s: Section, leftover: list[Block]) -> None:
    """A timeline heading with nothing of its own left to keep, over sub-sections that are
    kept (a report's "Causes" under its timeline), stays as written: they sit under it."""
    if not leftover and any(c.line not in reader.consumed for c in s.children):
        reader.b.keep(s.heading or "", s.level, None, "", s.line, empty_ok=True,
                      key=("section", s.line))


def timeline_blocks(reader: Reader, blocks: list[Block], rows: list[tl.RowText]) -> list[Block]:
    leftover = []
    from_list = False  # what follows a bullet timeline's item belongs to it
    for block in blocks:
        if block.type == "thematic_break":
            continue
        text = reader.raw(block)
        if block.type == "paragraph" and re.fullmatch(r"All times in [A-Z]{1,5}\.", text):
            continue
        if block.type == "block_code" and text.startswith("```mermaid\ngantt"):
            continue  # a chart the renderer draws from the timeline: drawn again
        found = None
        if block.type == "table" or (block.type == "paragraph" and
                                     tl.looks_like_table(reader.doc, block)):
            problems: list[tuple[int, str, str]] = []
            found = tl.read_table(reader.doc, block, reader.clock, problems)
            for line, code, message in problems:
                reader.b.problem(line, code, message)
        elif block.type == "list":
            found = tl.read_bullets(reader.doc, block, reader.clock)
        elif block.type == "paragraph" and not figures.figure_lines(reader, block):
            lines_problems: list[tuple[int, str, str]] | None = [] if rows else None
            found = tl.read_lines(reader.doc, block, reader.clock, lines_problems)
            for line, code, message in lines_problems or []:
                reader.b.problem(line, code, message)
        elif block.type == "paragraph":
            continue
        if found is not None:
            rows += found
            if found:
                from_list = block.type == "list"
                continue
            if not found and block.type == "paragraph":
                leftover.append(block)  # a date line: kept as written
                continue
        if rows and from_list and block.type in ("block_code", "list", "paragraph",
                                                 "block_quote") and not leftover \
                and not stated_zone_name(text):
            last = rows[-1]
            rows[-1] = tl.RowText(last.at, last.text + "\n\n" + text, last.who, last.line)
            continue
        leftover.append(block)
    return leftover


_UNKNOWN_TIME = re.compile(r"^[~*_\s]*(?:\d|[?X]){1,2}[:.][?X]{2}\b|^[~*_\s]*[?X]{1,2}[:.]"
                           r"(?:\d|[?X]){2}\b", re.I)
"""A time not known, written as one (``2X:XX``, ``??:??``, ``14:??``)."""


def continues(reader: Reader, s: Section) -> bool:
    """A heading after a timeline section that is a dated time (``## Feb 21, 13:00``, one
    level too high): the timeline goes on under it."""
    heading = s.heading or ""
    if not reader.timeline_section or not heading[:1].isalnum():
        return False
    stamp = when.read_stamp(heading, day=reader.clock.day, zone=reader.clock.zone,
                            order=reader.clock.order, year_of=reader.clock.anchor)
    return stamp is not None and stamp.at is not None and stamp.has_date and \
        not heading[stamp.end:].strip()


def continuation(reader: Reader, s: Section) -> list[Block]:
    """The entries of a heading :func:`continues` accepts: its own, then its sub-headings'."""
    stamp = reader.clock.read(s.heading or "", whole=False)
    assert stamp is not None
    body = reader.doc.raw(s.blocks[0].start, s.blocks[-1].end).strip() if s.blocks else ""
    rows = [tl.RowText(stamp.at, body, "", s.line)]
    timeline_headings(reader, s, rows)
    tl.emit(reader.b, rows)
    return []


_ON_DAY = re.compile(r"^(?:on|also on|from|by|early on|late on)\s+", re.I)


def _opening_day(reader: Reader, child: Section) -> date | None:
    """The day a section's first paragraph opens with (``On 13 April 2026, ...``), when it
    has no sub-sections of its own."""
    if child.children or not child.blocks or child.blocks[0].type != "paragraph":
        return None
    first = reader.doc.lines[child.blocks[0].start].strip()
    found = when.read_date(_ON_DAY.sub("", first, count=1), reader.clock.order,
                           reader.clock.anchor or reader.clock.day)
    return found[0] if found else None


_ABOUT = re.compile(r"(?<![\w.])(?:ca\.|circa|approx(?:imately|\.)?|about|around)\s*(?=\d)",
                    re.IGNORECASE)


def timeline_headings(reader: Reader, s: Section, rows: list[tl.RowText]) -> None:
    """Sub-headings that are times (one per event) or dates (a day's events); one whose time
    is not known (``2X:XX``) is an entry of unknown time."""
    for child in s.children:
        heading = child.heading or ""
        stamp = reader.clock.read(heading, whole=False)
        dated = when.read_date(heading.strip("*_ "), reader.clock.order)
        if stamp is None and dated is None and _UNKNOWN_TIME.match(heading):
            body = reader.doc.raw(child.start, child.end)
            rows.append(tl.RowText(None, (heading.strip() + "\n\n" + body).strip(), "",
                                   child.line))
            reader.consumed.add(child.line)
        elif stamp is not None and stamp.at is not None:
            words = heading[stamp.end:].strip()
            about = _ABOUT.search(heading, 0, stamp.end)  # "2018-07-30 ca. 11:20": kept
            words = f"{about[0].strip()} {words}".strip() if about else words
            body = reader.doc.raw(child.start, child.end)
            rows.append(tl.RowText(stamp.at, (words + "\n\n" + body).strip(), "",
                                   child.line))
            reader.consumed.add(child.line)
        elif dated is None and (day := _opening_day(reader, child)) is not None:
            # One sub-heading per event, its day in its first words ("On 13 April 2026,
            # ..."): an entry of that day whose time is not known.
            rows.append(tl.RowText(None, (heading.strip() + "\n\n" + reader.doc.raw(
                child.start, child.end)).strip(), "", child.line, day))
            reader.consumed.add(child.line)
        elif dated is not None:
            reader.clock.set_day(dated[0])
            inner: list[tl.RowText] = []
            left = timeline_blocks(reader, child.blocks, inner)
            if inner and not left:
                rows += inner
                timeline_headings(reader, child, rows)
                reader.consumed.add(child.line)
                # The day's heading stays, as written, with nothing under it.
                reader.b.keep(heading, child.level, s.heading or "", "", child.line,
                            empty_ok=True, key=("section", child.line))
            elif not inner and tl.day_entry(reader.doc, child, dated[0], rows):
                reader.consumed.add(child.line)
