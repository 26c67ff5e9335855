"""Timelines in tables or bullets, read into rows and then into events."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import attrs

from incidentlog import events as ev
from incidentlog.parse import when
from incidentlog.parse.builder import Builder
from incidentlog.parse.lists import items
from incidentlog.parse.source import Block, Document, Section
from incidentlog.parse.text import Stamp, norm
from incidentlog.render.emit import unescape_cell
from incidentlog.render.rows import marker, split_marker
from incidentlog.vocabulary import names_moment

_PIPE = re.compile(r"(?<!\\)\|")
_SEVERITY = re.compile(r"\bP([0-3])\b")
_DECLARED_AS = re.compile(r"\bdeclared\s+(?:as\s+)?(?:an?\s+)?(P[0-5]|SEV[- ]?[0-5])\b", re.I)
"""The severity a declaration row names (``Incident declared P0``, ``declared as SEV-2``)."""


@attrs.frozen
class RowText:
    """A timeline row as written: its time, words, actor and 0-based line."""

    at: datetime | None
    text: str
    who: str
    line: int
    day: date | None = None
    """The day of an entry whose time is not known (a date heading over prose)."""


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


_RULE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$")


def looks_like_table(doc: Document, block: Block) -> bool:
    """A pipe table Markdown did not take for one (a row with a cell too many, say)."""
    lines = doc.lines[block.start:block.end]
    return len(lines) >= 3 and "|" in lines[0] and _RULE.match(lines[1]) is not None and \
        "-" in lines[1] and all("|" in line for line in lines[2:] if line.strip())


def column(header: list[str], *names: str) -> int | None:
    """The index of the first header cell whose words start with one of ``names``."""
    for i, cell in enumerate(header):
        words = norm(cell)
        if any(words == n or words.startswith(n + " ") for n in names):
            return i
    return None


class Clock:
    """Reads times in document order: a time without a date takes the day last set (by the
    report's date, a dated time, or a date line), and a time more than twelve hours earlier
    than the one before it rolls to the next day (a timeline past midnight). A date without
    its year takes the report's year (``anchor``), never that of the day last set, so one
    date read into the year before does not drag the rest with it."""

    def __init__(self, day: date | None, zone: tzinfo, order: when.DateOrder | None = None
                 ) -> None:
        self.day = day
        self.anchor = day
        self.zone = zone
        self.order = order
        self.last: datetime | None = None

    def read(self, text: str, *, whole: bool) -> Stamp | None:
        stamp = when.read_stamp(text, day=self.day, zone=self.zone, order=self.order,
                                year_of=self.anchor)
        if stamp is None:
            return None
        rest = text[stamp.end:].strip().strip("*_`)]").strip()
        if whole and rest:
            if stamp.at is None and not stamp.unknown and stamp.problem is None:
                return None
            word = rest.split()[0]
            problem = stamp.problem or (
                f"unknown time zone {word!r}" if re.fullmatch(r"[A-Za-z][A-Za-z/_]{1,30}", word)
                and len(rest.split()) == 1 else f"cannot read {text.strip()!r} as a time")
            return when.Stamp(None, len(text), stamp.has_date, False, problem)
        if stamp.at is None:
            return stamp
        if stamp.zone is not None:
            self.zone = stamp.zone  # the times after it follow the zone it names
        if stamp.has_date and stamp.problem is None:
            self.day = stamp.at.astimezone(self.zone).date()
        elif self.last is not None and self.last - stamp.at > timedelta(hours=12):
            stamp.at += timedelta(days=1)
            self.day = stamp.at.astimezone(self.zone).date()
        if stamp.problem is None:
            self.last = stamp.at
        return stamp

    def set_day(self, day: date) -> None:
        """A date line or heading: the times after it are on ``day``."""
        self.day = day
        self.last = None


def read_table(doc: Document, block: Block, clock: Clock,
               problems: list[tuple[int, str, str]] | None = None) -> list[RowText] | None:
    """A timeline table's rows, or ``None`` if it is not a timeline table.

    Any column order; a Date column beside a Time column; extra columns ignored. A row whose
    time cannot be read (or whose cells do not fit the header) degrades alone: it becomes
    an entry of unknown time, and ``problems`` gets its line and what was wrong.
    """
    header, body = table_rows(doc, block)
    when_col = column(header, "time", "when", "timestamp", "time utc", "datetime")
    date_col = column(header, "date")  # "Date (2021)" over a weekday column ("Day")
    date_col = column(header, "day") if date_col is None else date_col
    if when_col is None:
        when_col, date_col = date_col, None
    what = column(header, "event", "what", "description", "action", "activity", "details",
                  "update", "summary", "note", "notes", "message", "comment", "status")
    who = column(header, "actor", "who", "owner", "by", "person", "author", "responder")
    if when_col is None or what is None or not body:
        return None
    named = re.search(r"\(([^()]{1,40})\)", header[when_col])  # "Time (UTC)"
    if named and (zone := when.zone_named(named[1])) is not None:
        clock.zone = zone
    year_of = _header_year(header[date_col]) if date_col is not None else None
    rows = []
    bad: list[tuple[int, str, str]] = []
    for line, row in body:
        if len(row) != len(header):
            text = " ".join(c for i, c in enumerate(row) if i != when_col and c.strip())
            bad.append((line, "unreadable-row", f"a row of {len(row)} cells in a table of "
                        f"{len(header)} columns: {doc.lines[line].strip()!r}"))
            rows.append(RowText(None, text, "", line))
            continue
        if date_col is not None and row[date_col].strip():
            # A date without its year ("Oct 31") takes the header's ("Date (2021)"), else
            # the report's.
            dated = when.read_date(row[date_col].strip(), clock.order, year_of or clock.anchor)
            if dated:
                clock.set_day(dated[0])
        stamp = clock.read(row[when_col], whole=True)
        if stamp is None:
            bad.append((line, "unreadable-time",
                        f"cannot read {row[when_col].strip()!r} as a time"))
            rows.append(RowText(None, row[what], row[who] if who is not None else "", line))
            continue
        if stamp.problem and stamp.at is None:
            code = "unknown-zone" if "zone" in stamp.problem else "unreadable-time"
            bad.append((line, code, f"{stamp.problem} (in {row[when_col].strip()!r})"))
        rows.append(RowText(stamp.at, row[what], row[who] if who is not None else "", line))
    if len(bad) * 2 > len(rows):
        return None
    if problems is not None:
        problems += bad
    return rows


def _header_year(cell: str) -> date | None:
    """The year a Date column's header names (``Date (2021)``), as its last day."""
    found = re.search(r"\b(19|20)\d\d\b", cell)
    return date(int(found[0]), 12, 31) if found else None


_BULLET = re.compile(r"^(\s*)(?:[-+*]|\d{1,4}[.)])\s+(.*)$")
_SEP = re.compile(r"^\s*(?:[-–—:|]\s*)?")


def read_bullets(doc: Document, block: Block, clock: Clock) -> list[RowText] | None:
    """A bullet timeline (``- 14:51 Something happened``, ``* [08:47] ...``,
    ``- **11:12 AM**: ...``), or ``None`` if it is not one. Wrapped lines, nested bullets and
    code under an item belong to its entry; an item without a time is an entry of unknown
    time when most items have a time or a date (``**Feb 7** - Test data cleaned up`` is an
    entry of that day)."""
    found = items(doc, block)
    if not found:
        return None
    rows = []
    timed = 0
    for item in found:
        stamp = clock.read(item.text, whole=False)
        if stamp is None or (stamp.at is None and not stamp.unknown and stamp.problem
                             == "date only"):
            dated = when.read_date(item.text.strip("*_ "), clock.order,
                                   clock.anchor or clock.day)
            if stamp is not None and dated:
                clock.set_day(dated[0])
                text = _SEP.sub("", item.text[stamp.end:], count=1).strip()
                if not text and not item.body:
                    continue
                timed += 1
                rows.append(RowText(None, _join(text, item.body), "", item.line, dated[0]))
                continue
            rows.append(RowText(None, _join(item.text, item.body), "", item.line))
            continue
        timed += 1
        text = _SEP.sub("", item.text[stamp.end:], count=1).strip()
        rows.append(RowText(stamp.at, _join(text, item.body), "", item.line))
    if not rows or timed * 2 <= len(rows):
        return None
    return rows


def untimed_bullets(doc: Document, block: Block) -> list[RowText]:
    """A list under a heading that names the timeline (``# Events``) with no times at all:
    one entry of unknown time per item."""
    return [RowText(None, _join(item.text, item.body), "", item.line)
            for item in items(doc, block)]


def _join(text: str, body: str) -> str:
    return (text + "\n" + body).strip() if body.strip() else text


_BROKEN_DATE = re.compile(r"^[*_\s]*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?![\d/.:-])")


def read_lines(doc: Document, block: Block, clock: Clock,
               problems: list[tuple[int, str, str]] | None = None) -> list[RowText] | None:
    """A paragraph whose lines start with times (``11:12 AM: ...``, ``10/22/2022 - ...``):
    one entry per stamped line, later lines wrapped into it; ``None`` if it starts with
    none. A paragraph that is only a date (``_4/21/23_``) sets the day instead. When
    ``problems`` is given (the paragraph follows stamped entries), one that starts with a
    date that is no date (``11/03/202 - ...``) is an entry of unknown time, with a finding."""
    lines = [(n, doc.lines[n]) for n in range(block.start, block.end) if doc.lines[n].strip()]
    if not lines:
        return None
    broken = _BROKEN_DATE.match(lines[0][1])
    if problems is not None and broken and when.read_stamp(
            lines[0][1], day=clock.day, zone=clock.zone, order=clock.order) is None:
        problems.append((lines[0][0], "unreadable-time",
                         f"cannot read {broken[0].strip(' *_')!r} as a date"))
        return [RowText(None, "\n".join(line.strip() for _, line in lines), "", lines[0][0])]
    only = lines[0][1].strip().strip("*_ ").rstrip(":")
    if len(lines) == 1 and (dated := when.read_date(only, clock.order)) and \
            dated[1] == len(only):
        clock.set_day(dated[0])
        return []
    rows: list[RowText] = []
    for n, line in lines:
        stamp = when.read_stamp(line, day=clock.day, zone=clock.zone, order=clock.order,
                                year_of=clock.anchor)
        if stamp is not None and stamp.problem == "date only":
            found = when.read_date(line.strip().strip("*_[ "), clock.order)
            if found:
                clock.set_day(found[0])
            rest = line[stamp.end:].strip()
            if not rest or (rest.startswith("(") and rest.endswith(")")):
                continue  # a date line: sets the day, its words kept with the paragraph
            rows.append(RowText(None, line.strip(), "", n))
        elif stamp is not None and stamp.at is not None:
            stamp = clock.read(line, whole=False)
            assert stamp is not None
            rows.append(RowText(stamp.at, _SEP.sub("", line[stamp.end:], count=1).strip(), "",
                                n))
        elif rows:
            last = rows[-1]  # a stamp alone on its line: its words are on the next
            text = f"{last.text}\n{line.strip()}" if last.text else line.strip()
            rows[-1] = RowText(last.at, text, last.who, last.line, last.day)
        elif n > lines[0][0] and clock.day is not None and \
                when.read_date(only, clock.order) is not None:
            # A date line over what happened that day ("January 29, 2024" then words):
            # one entry of that day, its time not known.
            rows.append(RowText(None, "\n".join(x.strip() for _, x in lines), "", lines[0][0],
                                clock.day))
            break
        else:
            return None
    return rows


def day_entry(doc: Document, section: Section, day: date, rows: list[RowText]) -> bool:
    """A date heading over prose alone (``### 2018-01-15`` then what happened that day):
    one entry of that day whose time is not known, its words the heading's and the prose.
    Not for a heading with sub-headings of its own, or with tables or other blocks."""
    if section.children or not section.blocks or any(
            b.type not in ("paragraph", "list", "block_code", "block_quote")
            for b in section.blocks):
        return False
    body = doc.raw(section.blocks[0].start, section.blocks[-1].end).strip()
    rows.append(RowText(None, f"{section.heading or ''}\n\n{body}".strip(), "", section.line,
                        day))
    return True


def merge_key_events(key: list[RowText], detail: list[RowText]) -> list[RowText]:
    """Key events (``First detected: 14:05``) and a detailed timeline of the same incident
    as one timeline: the detailed one is the timeline; a key event at the minute of one of
    its entries marks that entry (its words added to it when the entry lacks them), and one
    at no entry's minute is an entry of its own, in time order. Entries whose words name a
    moment the key events state at another time stay plain entries, but a key event at no
    entry's minute marks the entry whose words name its moment (the report gives that
    moment two times; the detailed timeline's is taken, the key event's kept in words)."""
    if not detail:
        return list(key)
    rows: list[RowText | None] = list(detail)
    marks: dict[int, str] = {}
    extra: list[RowText] = []
    key_kinds = [split_marker(row.text)[1] for row in key]
    detail_kinds = [split_marker(r.text)[1] for r in detail]
    for row, kind in zip(key, key_kinds, strict=True):
        at = next((i for i, r in enumerate(detail) if row.at is not None and r.at == row.at
                   and i not in marks), None) if kind != "entry" else None
        said = row.text
        if at is None and kind != "entry" and row.at is not None:
            # No entry at its minute: the entry whose words name the same moment is the
            # one it sums up (the report gives two times for it); its time is the entry's.
            same = [i for i, k in enumerate(detail_kinds) if k == kind and i not in marks
                    and detail[i].at is not None]
            if same:
                at = same[-1] if kind in ("mitigated", "resolved", "closed") else same[0]
                said = f"{row.text} {row.at:%Y-%m-%d %H:%M}"
        if at is None:
            extra.append(row)
            continue
        target = detail[at]
        text = target.text
        if said not in text:
            text = f"{text} ({said})"
        if split_marker(text)[1] != kind:
            text = f"{text} {marker(kind)}"
        rows[at] = RowText(target.at, text, target.who, target.line)
        marks[at] = kind
    # The key events say when each moment was: an entry whose words alone would make it
    # another time of the same moment stays an entry.
    stated = set(key_kinds) - {"entry"}
    for i, r in enumerate(rows):
        if r is not None and i not in marks and stated and split_marker(r.text)[1] in stated:
            rows[i] = RowText(r.at, f"{r.text} {marker('entry')}", r.who, r.line)
    out = [r for r in rows if r is not None]
    for row in extra:
        later = next((i for i, r in enumerate(out) if row.at is not None and r.at is not None
                      and r.at > row.at), len(out))
        out.insert(later, row)
    return out


def both_moments(builder: Builder, at: datetime) -> None:
    """The incident detected at ``at`` (a row that says where it began and that it was
    seen), unless an earlier detection is stated."""
    known = builder.declared.get("detected_at")
    if known is None or at < known:
        builder.declared["detected_at"] = at


_MARKED = re.compile(r"\*\((?:detected)\)\*\s*$")


def emit(builder: Builder, rows: list[RowText]) -> None:
    """Turn rows into events: entries, marks and lifecycle events as their words say."""
    untimed_days: list[date] = []
    timed = False
    for row in rows:
        text, kind = split_marker(row.text)
        if row.at is None and row.day is not None:
            untimed_days.append(row.day)
        elif kind == "detected" and row.at is not None and not timed and \
                not _MARKED.search(row.text) and any(day < row.at.date() for day in untimed_days):
            # Only entries of earlier days, at times not known, came first: the first sign
            # of trouble may be among them, so these words alone do not date the detection.
            text, kind = f"{text} {marker('entry')}", "entry"
        timed = timed or row.at is not None
        source = builder.src(row.line)
        common: dict[str, Any] = {"occurred_at": row.at, "actor": builder.actor,
                                  "source": source}
        if kind == "declared" and not builder.declared_row:
            builder.declared.update(occurred_at=row.at, note=text, by=row.who, source=source)
            builder.declared_row = True
            if builder.stated_severity is None and (code := _DECLARED_AS.search(text)):
                builder.stated_severity = code[1]  # "Incident declared P0": the severity
        elif kind in ("began", "detected", "acknowledged"):
            if kind in ("began", "detected") and row.at is not None and \
                    names_moment(text, "began" if kind == "detected" else "detected"):
                # One row that says both: it began, and it was seen ("Site is hard down,
                # engineers respond to alarms"). It marks where it began; the declaration
                # carries the detection, from the same words (see :func:`both_moments`).
                kind = "began"
                both_moments(builder, row.at)
            builder.row(ev.TimelineEntryAdded(text=text, by=row.who,
                                              marks=kind,  # type: ignore[arg-type]
                                              **common))
        elif kind == "mitigated":
            builder.row(ev.Mitigated(note=text, by=row.who, **common))
        elif kind == "resolved":
            builder.row(ev.Resolved(note=text, by=row.who, **common))
        elif kind == "closed" and builder.stated_status is None:
            # "Incident closed" in the timeline of a report that states no status: a
            # finished retrospective is resolved (a stated status wins). The row says where
            # it ended, unless a row before it says so already: then it is an entry.
            if any(isinstance(r, ev.Resolved) for r in builder.timeline):
                builder.row(ev.TimelineEntryAdded(text=text, by=row.who, **common))
            else:
                builder.row(ev.Resolved(note=text, by=row.who, **common))
        elif kind == "closed":
            builder.row(ev.Closed(note=text, by=row.who, **common))
        elif kind == "reopened":
            reason = text.split(":", 1)[1].strip() if ":" in text else text
            builder.row(ev.Reopened(reason=reason, note=text, by=row.who, **common))
        elif kind == "severity" and (found := _SEVERITY.findall(text.split(":", 1)[0])):
            builder.row(ev.SeverityChanged(severity=f"P{found[-1]}", note=text,
                                           by=row.who, **common))
        elif kind.startswith("status:") and kind[7:] in ev.STATUSES:
            builder.row(ev.StatusChanged(status=kind[7:], note=text, by=row.who,  # type: ignore[arg-type]
                                         **common))
        else:
            builder.row(ev.TimelineEntryAdded(text=text, by=row.who, **common))
