"""Times, in one place: reading ISO 8601, refusing naive times, writing ISO 8601.

Every time incidentlog holds is timezone-aware; every time it writes out (JSON documents,
listings, history, CloudEvents) is UTC in one format, msgspec's: ``2025-11-28T23:58:00Z``,
with ``.ffffff`` only when there are microseconds. Reading Markdown dates and clocks is the
reader's job (:mod:`incidentlog.parse.when`); this module reads what people type as ISO.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec

EXAMPLE = "2025-10-23T14:30:00Z"
"""An ISO 8601 time as error messages show one."""


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def is_aware(value: object) -> bool:
    """True for a datetime that knows its UTC offset."""
    return isinstance(value, datetime) and value.utcoffset() is not None


def naive(value: object, what: str) -> str | None:
    """Why ``value`` is not an aware datetime (a sentence naming ``what``), or ``None``.

    Callers raise their own error type with it (an event, a command, an input)."""
    if not isinstance(value, datetime):
        return f"{what}: expected a datetime, got {type(value).__name__}"
    if value.utcoffset() is None:
        return (f"{what}: naive datetime {value.isoformat()} refused; give a timezone-aware "
                "time (e.g. datetime(..., tzinfo=UTC))")
    return None


def in_utc(value: datetime) -> datetime:
    """An aware time in UTC (the same object when it is at offset zero already)."""
    return value.astimezone(UTC) if value.utcoffset() else value


def parse(text: str) -> datetime:
    """An ISO 8601 time that must carry its UTC offset, in UTC; ValueError saying what is
    wrong (not ISO, no offset, out of range once in UTC)."""
    try:
        parsed = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not an ISO 8601 time ({EXAMPLE})") from None
    if parsed.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset: write {text}Z or {text}+01:00")
    try:
        return in_utc(parsed)
    except OverflowError:
        raise ValueError(f"{text!r}: out of range once in UTC") from None


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date; ValueError saying what is wrong."""
    try:
        return date.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date") from None


_encode = msgspec.json.Encoder().encode


def iso(value: datetime) -> str:
    """An aware time as ISO 8601 in UTC with ``Z``: the one format incidentlog writes."""
    return _encode(in_utc(value))[1:-1].decode()


def iso_or_none(value: datetime | None) -> str | None:
    """:func:`iso`, passing ``None`` through."""
    return None if value is None else iso(value)


def json_default(value: object) -> object:
    """For ``json.dumps(default=...)``: times in :func:`iso`, dates as ``YYYY-MM-DD``,
    anything else as text."""
    if isinstance(value, datetime):
        return iso(value) if is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
