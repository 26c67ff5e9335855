"""Reading the words of a report: times, dates, durations, numbers, labels, time zones.

Every pattern here is anchored or bounded so that no input can make it backtrack for long.
"""

from __future__ import annotations

import re
from datetime import date, tzinfo

from incidentlog.parse import when

ZONES = when.ABBREVIATIONS
_STATED = re.compile(
    r"(?:timeline|timestamps?|times?|clocks?)\s*(?:are\s+|shown\s+|given\s+|listed\s+|"
    r"written\s+)?(?:is\s+)?(?:in\s+)?(?:the\s+)?(?:\(\s*(?:all\s+times?\s+)?(?:in\s+)?)?"
    r"(?P<zone>(?:UTC|GMT)\s?[+\u2212-]\s?\d{1,2}(?::?\d{2})?|[A-Z][a-z]+(?:_[A-Z][a-z]+)?/"
    r"[A-Z][A-Za-z_]+|(?:central|eastern|western)\s+european(?:\s+summer)?(?:\s+time\b)?|"
    r"(?:pacific|eastern|central|mountain|uk)(?:\s+time\b)?|[A-Za-z]{1,5}\b)",
    re.IGNORECASE)
_NOT_ZONES = {"are", "is", "in", "the", "of", "to", "and", "for", "were", "was", "a", "an",
              "all", "at", "on", "from", "we", "it", "this", "that", "be", "when", "will",
              "as", "with", "by", "time", "times", "line", "s"}


def stated_zone(text: str) -> tzinfo | None:
    """The time zone a document names for its times ("All times in UTC", "Time (CET)",
    "Timeline (all times PST)", "all times Europe/Berlin", "All times UTC+2")."""
    found = stated_zone_name(text)
    return when.zone_named(found) if found else None


def stated_zone_name(text: str) -> str | None:
    """The words naming the zone a document states for its times, known or not (an unknown
    one is a finding, never UTC)."""
    low = text[:200_000].lower()
    at = low.find("time")
    while at != -1:
        cheap_no = (at and low[at - 1].isalpha()) or low.startswith(("time to ", "time of "), at)
        match = None if cheap_no else _STATED.match(text, at)
        if match:
            name = match["zone"].strip()
            if when.zone_named(name) is not None:
                return name
            word = name.lower()
            plural = match[0].lower().startswith(("times", "timeline")) or "(" in match[0]
            if word not in _NOT_ZONES and name.isupper() and len(name) >= 2 and plural:
                return name
        at = low.find("time", at + 4)
    return None


Stamp = when.Stamp
_DATE_ONLY = re.compile(r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})\b")


def read_stamp(text: str, *, day: date | None, zone: tzinfo,
               order: when.DateOrder | None = None) -> Stamp | None:
    """A time at the start of ``text``: ``2020-02-12 11:45``, ``14:23``, ``14:23:05 CET``,
    ``9:31 PM``, ``[08:47]``, or an unknown one (``--:--``, ``??``). Times without a date take
    ``day``."""
    return when.read_stamp(text, day=day, zone=zone, order=order)


def find_stamp(text: str, *, day: date | None, zone: tzinfo,
               order: when.DateOrder | None = None) -> tuple[Stamp, int] | None:
    """The first date-and-time anywhere in ``text`` (``Resolved 2020-02-12 12:07``)."""
    for match in re.finditer(r"(?<![\d.:/-])\d{1,4}[-/.:]\d{1,2}", text):
        stamp = when.read_stamp(text[match.start():], day=day, zone=zone, order=order)
        if stamp is not None and stamp.at is not None:
            return stamp, match.start()
    return None


def read_date(text: str) -> date | None:
    """A ``YYYY-MM-DD`` date at the start of ``text``."""
    match = _DATE_ONLY.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["mo"]), int(match["d"]))
    except ValueError:
        return None


def find_date(text: str) -> date | None:
    """The first ``YYYY-MM-DD`` date anywhere in ``text``."""
    for match in re.finditer(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)", text[:10_000]):
        found = read_date(match.group(0))
        if found:
            return found
    return None


_UNITS = {
    "d": 1440, "day": 1440, "days": 1440,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|"
                            r"seconds?|secs?|s)\b", re.IGNORECASE)
_HHMM = re.compile(r"^\s*~?\s*(?:(\d{1,5})\s*d\s+)?(\d{1,6}):(\d{2})(?::(\d{2}))?\b")


def read_duration(text: str) -> float | None:
    """Minutes in ``0h 16m``, ``27 minutes``, ``1 hour 5 min``, ``00:27``, ``3d 03:41``,
    ``~2 hours``."""
    head = text[:200]
    match = _HHMM.match(head)
    if match:
        return (int(match[1] or 0) * 1440 + int(match[2]) * 60 + int(match[3])
                + int(match[4] or 0) / 60)
    total = 0.0
    found = False
    position = 0
    for part in _DURATION_PART.finditer(head):
        between = head[position:part.start()]
        if found and re.search(r"[^\s,and]", between):
            break
        total += float(part[1]) * _UNITS[part[2].lower()]
        found = True
        position = part.end()
    return total if found else None


_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def read_number(text: str) -> float | None:
    """The first number in ``text`` (``7,000`` -> 7000, ``99.72%`` -> 99.72)."""
    match = _NUMBER.search(text[:500])
    if not match:
        return None
    whole = match[1].replace(",", "")
    return float(f"{whole}.{match[2]}") if match[2] else float(whole)


_LABEL = re.compile(r"^\*\*(?P<label>[^*\n]{1,120}?)\*\*\s*:\s?(?P<rest>.*)$|"
                    r"^\*\*(?P<label2>[^*\n]{1,120}?):\*\*\s?(?P<rest2>.*)$")


def split_label(text: str) -> tuple[str, str] | None:
    """``**Label**: value`` (or ``**Label:** value``) as ``(label, value)``."""
    match = _LABEL.match(text.strip())
    if not match:
        return None
    label = match["label"] if match["label"] is not None else match["label2"]
    rest = match["rest"] if match["label"] is not None else match["rest2"]
    return label.strip(), (rest or "").strip()


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def norm(text: str) -> str:
    """A label or heading folded for comparison: lower case, words only."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def unparagraph(text: str) -> str:
    """Paragraph text as the renderer's ``paragraph()`` would give it back: escapes undone."""
    return "\n".join(re.sub(r"^( {0,3})\\(?=[#>+*\-=_`~<\d|\\])", r"\1", line)
                     for line in text.splitlines())
