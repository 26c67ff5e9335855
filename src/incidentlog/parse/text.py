"""Reading the words of a report: times, dates, durations, numbers, labels, time zones.

Every pattern here is anchored or bounded so that no input can make it backtrack for long.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

ZONES: dict[str, tzinfo] = {
    "UTC": UTC, "GMT": UTC, "Z": UTC,
    "BST": timezone(timedelta(hours=1), "BST"),
    "CET": timezone(timedelta(hours=1), "CET"),
    "CEST": timezone(timedelta(hours=2), "CEST"),
    "EET": timezone(timedelta(hours=2), "EET"),
    "EEST": timezone(timedelta(hours=3), "EEST"),
    "IST": timezone(timedelta(hours=5, minutes=30), "IST"),
    "JST": timezone(timedelta(hours=9), "JST"),
    "EST": timezone(timedelta(hours=-5), "EST"),
    "EDT": timezone(timedelta(hours=-4), "EDT"),
    "CST": timezone(timedelta(hours=-6), "CST"),
    "CDT": timezone(timedelta(hours=-5), "CDT"),
    "MST": timezone(timedelta(hours=-7), "MST"),
    "MDT": timezone(timedelta(hours=-6), "MDT"),
    "PST": timezone(timedelta(hours=-8), "PST"),
    "PDT": timezone(timedelta(hours=-7), "PDT"),
}
_ZONE_NAMES = "|".join(sorted(ZONES, key=len, reverse=True))
# Matched against the lowercased text, at each "time" in it: far faster than searching
# the whole document with IGNORECASE.
_ZONE_STATEMENT = re.compile(
    rf"\btimes?\s+(?:are\s+|shown\s+|given\s+)?(?:in\s+)?\(?({_ZONE_NAMES.lower()})\b")
_ZONE_HEADER = re.compile(rf"\btime\s*\(\s*({_ZONE_NAMES.lower()})\s*\)")


def stated_zone(text: str) -> tzinfo | None:
    """The time zone a document names for its times ("All times in UTC", "Time (CET)")."""
    low = text[:200_000].lower()
    for pattern in (_ZONE_STATEMENT, _ZONE_HEADER):
        at = low.find("time")
        while at != -1:
            match = pattern.match(low, at)
            if match:
                return ZONES[match.group(1).upper()]
            at = low.find("time", at + 4)
    return None


_DATE = r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
_CLOCK = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?"
_STAMP = re.compile(
    rf"^(?:{_DATE}(?:[ T]+|,\s*))?{_CLOCK}(?:\s*(?P<z>{_ZONE_NAMES})\b)?(?:\s*(?:-|–|:)\s*)?",
    re.IGNORECASE)
_DATE_ONLY = re.compile(rf"^{_DATE}\b")
_UNKNOWN = re.compile(r"^(?:-{1,2}:-{1,2}(?::-{1,2})?|\?{1,2}(?::\?{1,2})*|xx:xx|tbd|unknown|n/?a)"
                      r"(?=\s|$|\|)", re.IGNORECASE)


class Stamp:
    """A time read from a document: when (or ``None`` if unknown), and how it was written."""

    __slots__ = ("at", "end", "has_date", "unknown")

    def __init__(self, at: datetime | None, end: int, has_date: bool, unknown: bool) -> None:
        self.at = at
        self.end = end
        self.has_date = has_date
        self.unknown = unknown


def read_stamp(text: str, *, day: date | None, zone: tzinfo) -> Stamp | None:
    """A time at the start of ``text``: ``2020-02-12 11:45``, ``14:23``, ``14:23:05 CET``,
    ``15.26``, or an unknown one (``--:--``, ``??``). Times without a date take ``day``.
    """
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    unknown = _UNKNOWN.match(stripped)
    if unknown:
        return Stamp(None, offset + unknown.end(), False, True)
    match = _STAMP.match(stripped)
    if not match:
        return None
    hours, minutes = int(match["h"]), int(match["mi"])
    seconds = int(match["s"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    if match["y"]:
        try:
            when = date(int(match["y"]), int(match["mo"]), int(match["d"]))
        except ValueError:
            return None
    elif day is not None:
        when = day
    else:
        return None
    tz = ZONES[match["z"].upper()] if match["z"] else zone
    at = datetime.combine(when, time(hours, minutes, seconds), tz).astimezone(UTC)
    return Stamp(at, offset + match.end(), bool(match["y"]), False)


def find_stamp(text: str, *, day: date | None, zone: tzinfo) -> tuple[Stamp, int] | None:
    """The first date-and-time anywhere in ``text`` (``Resolved 2020-02-12 12:07``)."""
    for match in re.finditer(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}|(?<![\d.:])\d{1,2}[:.]\d{2}\b", text):
        stamp = read_stamp(text[match.start():], day=day, zone=zone)
        if stamp is not None and (stamp.has_date or day is not None):
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
_HHMM = re.compile(r"^\s*~?\s*(\d{1,6}):(\d{2})(?::(\d{2}))?\b")


def read_duration(text: str) -> float | None:
    """Minutes in ``0h 16m``, ``27 minutes``, ``1 hour 5 min``, ``00:27``, ``~2 hours``."""
    head = text[:200]
    match = _HHMM.match(head)
    if match:
        return int(match[1]) * 60 + int(match[2]) + int(match[3] or 0) / 60
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
