"""Front matter as a report's header: severity, status, day and lifecycle times.

A status page keeps a whole incident in its front matter (``date``, ``resolved_on``,
``status: in_progress``, ``max_severity: down``); a blog post keeps only its title and the
day it was posted. Which key means what is :data:`~incidentlog.vocabulary.FRONT_MATTER_KEYS`;
times are read as :mod:`~incidentlog.parse.when` reads any other. The block itself is kept
verbatim by the reader, so keys nobody reads are not lost.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from incidentlog import events as ev
from incidentlog.parse import when
from incidentlog.parse.frontmatter import FrontMatter
from incidentlog.parse.text import read_duration
from incidentlog.severity import rank
from incidentlog.vocabulary import (
    EARLIER_THAN_POSTED,
    FRONT_MATTER_KEYS,
    STATUS_LABELS,
    status_of,
)

if TYPE_CHECKING:
    from incidentlog.parse.builder import Builder

LIFECYCLE = ("began", "detected", "mitigated", "resolved")
_TEXT = {"began": "Fault began", "detected": "Incident detected",
         "mitigated": "Incident mitigated", "resolved": "Incident resolved"}
"""A row's words for a time only the front matter gives (the renderer's own words, so the
row reads back as the same moment)."""


def value(fm: FrontMatter, role: str) -> tuple[str, int] | None:
    """The first non-empty value of a key stating ``role``, and its 0-based line."""
    if not fm.fields:
        return None
    for name in FRONT_MATTER_KEYS[role]:
        key = fm.folded.get(name)
        if key is not None and fm.fields[key].strip():
            return fm.fields[key].strip(), fm.lines.get(key, 0)
    return None


def severity(fm: FrontMatter) -> str | None:
    found = value(fm, "severity")
    return found[0] if found and rank(found[0]) is not None and len(found[0]) <= 40 else None


def status(fm: FrontMatter) -> str | None:
    """The status the front matter states (``in_progress``: investigating), or ``None``."""
    found = value(fm, "status")
    return status_of(found[0]) if found else None


def describes_incident(fm: FrontMatter) -> bool:
    """Whether the front matter is an incident's header (a status page's entry), not only a
    post's: it states a severity, a status or a lifecycle time."""
    return bool(severity(fm) or status(fm) or any(value(fm, r) for r in LIFECYCLE))


def day(fm: FrontMatter, order: when.DateOrder) -> date | None:
    """The incident's day when the front matter describes the incident (a post's ``date``
    is the day it was posted, often days later)."""
    found = value(fm, "date") or value(fm, "began")
    if found is None or not describes_incident(fm):
        return None
    dated = when.find_date(found[0], order, 200)
    return dated[0] if dated else None


def header(b: Builder, fm: FrontMatter) -> None:
    """Severity, status and a stated duration, where the body states none (a header line
    under the title says it as well, and is read first)."""
    stated = severity(fm)
    if stated and b.stated_severity is None:
        b.stated_severity = stated
    duration = value(fm, "duration")
    minutes = read_duration(duration[0]) if duration else None
    if duration and minutes is not None and not any(
            f.figure == "duration_minutes" for f in b.figures):
        b.figure("duration_minutes", minutes, duration[0], "Duration", duration[1])
    meant = status(fm)
    found = value(fm, "status")
    if meant and found and b.stated_status is None:
        b.stated_status = (STATUS_LABELS[meant], found[1])


def times(b: Builder, fm: FrontMatter, body: str, order: when.DateOrder,
          zone: tzinfo) -> None:
    """Lifecycle times the front matter states and the body's rows do not give.

    The ``date`` of an incident's front matter is when it began, unless the body says the
    trouble started earlier ("last night"); an end at the very minute of the start is a
    form's default, not a resolution; nothing ends while a stated status says it goes on.
    """
    if not describes_incident(fm):
        return
    found: dict[str, tuple[datetime, int]] = {}
    for role in LIFECYCLE:
        stated = value(fm, role)
        at = _time(stated[0], order, zone) if stated else None
        if stated and at:
            found[role] = (at, stated[1])
    dated = value(fm, "date")
    if "began" not in found and dated and not EARLIER_THAN_POSTED.search(body.lower()):
        at = _time(dated[0], order, zone)
        if at is not None:
            found["began"] = (at, dated[1])
    ongoing = b.stated_status is not None and status_of(b.stated_status[0]) not in (
        "resolved", "closed")
    start = found.get("began")
    for role in ("mitigated", "resolved"):
        end = found.get(role)
        if end and (ongoing or (start and abs(end[0] - start[0]) < timedelta(minutes=1))
                    or (start and end[0] < start[0])):
            del found[role]
    rows: list[ev.Event] = []
    for role, (at, line) in found.items():
        if _given(b, role):
            continue
        common: dict[str, Any] = {"occurred_at": at, "actor": b.actor, "source": b.src(line)}
        if role == "resolved":
            rows.append(ev.Resolved(note=_TEXT[role], **common))
        elif role == "mitigated":
            rows.append(ev.Mitigated(note=_TEXT[role], **common))
        else:
            rows.append(ev.TimelineEntryAdded(text=_TEXT[role], marks=role,  # type: ignore[arg-type]
                                              **common))
    b.timeline[:0] = rows


def _given(b: Builder, role: str) -> bool:
    """Whether the body's rows give the moment a time already."""
    for row in b.timeline:
        if row.occurred_at is None:
            continue
        if role == "resolved" and isinstance(row, ev.Resolved | ev.Closed):
            return True
        if role == "mitigated" and isinstance(row, ev.Mitigated):
            return True
        if isinstance(row, ev.TimelineEntryAdded) and row.marks == role:
            return True
    return False


def _time(text: str, order: when.DateOrder, zone: tzinfo) -> datetime | None:
    """A date and time: ISO 8601 with its offset exactly, else as the report's times are
    read (its zone when none is written); a date alone is no time."""
    try:
        at = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else "")
    except ValueError:
        at = None
    if at is not None and at.utcoffset() is not None:
        return at.astimezone(UTC)
    stamp = when.read_stamp(text, day=None, zone=zone, order=order)
    return stamp.at if stamp is not None else None
