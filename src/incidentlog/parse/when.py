"""Dates, clock times and time zones as people write them in postmortems.

Dates: ISO (``2025-06-02``, ``2025/06/02``), numeric with the day/month order settled by
the document (``06/02/2025``, ``4/21/23``, ``02.06.2025``), written (``June 2, 2025``,
``2 June 2025``, ``Monday May 10th, 2021``). Clocks: ``14:23``, ``14:23:05``, ``9:31 PM``,
``9pm``, ``~9:00``, ``12:26-12:??`` (the start counts). Zones: abbreviations (a fixed
offset each: ``PST`` is UTC-8 even on a summer date, as written), ``UTC+2``, ``UTC+5:30``,
``+02:00``, IANA names through :mod:`zoneinfo` (``Europe/Berlin``), and the generic US zone
names (``Pacific``, ``PT``, ``ET``...), which follow daylight saving time. An unknown zone is
reported, never read as UTC.

Every pattern is anchored or bounded, so no input makes one backtrack for long.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_H = timedelta(hours=1)
ABBREVIATIONS: dict[str, tzinfo] = {
    "UTC": UTC, "GMT": UTC, "Z": UTC, "ZULU": UTC, "WET": UTC,
    **{name: timezone(hours * _H, name) for name, hours in {
        "BST": 1, "CET": 1, "WEST": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
        "IST": 5.5, "SGT": 8, "HKT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5,
        "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "AST": -4, "ADT": -3, "NST": -3.5,
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
        "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "BRT": -3, "ART": -3,
    }.items()},
}
"""Abbreviations: each its own fixed offset, as written (see the module's docstring)."""

GENERIC: dict[str, str] = {
    "PT": "America/Los_Angeles", "PACIFIC": "America/Los_Angeles",
    "PACIFIC TIME": "America/Los_Angeles", "ET": "America/New_York",
    "EASTERN": "America/New_York", "EASTERN TIME": "America/New_York",
    "CT": "America/Chicago", "CENTRAL": "America/Chicago", "MT": "America/Denver",
    "MOUNTAIN": "America/Denver", "CENTRAL EUROPEAN TIME": "Europe/Berlin",
    "CENTRAL EUROPEAN": "Europe/Berlin", "CENTRAL EUROPEAN SUMMER TIME": "Europe/Berlin",
    "CENTRAL TIME": "America/Chicago", "MOUNTAIN TIME": "America/Denver",
    "EASTERN EUROPEAN TIME": "Europe/Athens", "EASTERN EUROPEAN": "Europe/Athens",
    "WESTERN EUROPEAN TIME": "Europe/Lisbon", "WESTERN EUROPEAN": "Europe/Lisbon",
    "UK": "Europe/London", "UK TIME": "Europe/London", "LONDON": "Europe/London",
}
"""Names of a region's time, which follows its daylight saving time."""

_ABBR = "|".join(sorted((*ABBREVIATIONS, *GENERIC), key=len, reverse=True))
_OFFSET = r"(?:UTC|GMT)?\s?[+\u2212-]\s?\d{1,2}(?::?\d{2})?"
_IANA = r"[A-Z][a-z]+(?:_[A-Z][a-z]+)?/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?"
ZONE = rf"(?:\(\s*)?(?P<zone>{_OFFSET}|{_IANA}|(?:{_ABBR})(?![A-Za-z]))(?:\s*\))?"
_ZONE_RE = re.compile(rf"^{ZONE}", re.IGNORECASE)


def zone_named(text: str) -> tzinfo | None:
    """The zone ``text`` names (``CEST``, ``UTC+2``, ``Europe/Berlin``, ``Pacific``), or
    ``None`` when it names none this reader knows."""
    name = " ".join(text.strip().strip("()").split())
    upper = name.upper()
    if upper in ABBREVIATIONS:
        return ABBREVIATIONS[upper]
    if upper in GENERIC:
        return ZoneInfo(GENERIC[upper])
    offset = re.fullmatch(r"(?:UTC|GMT)?\s?([+\u2212-])\s?(\d{1,2})(?::?(\d{2}))?", upper)
    if offset:
        hours, minutes = int(offset[2]), int(offset[3] or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = -1 if offset[1] in "-\u2212" else 1
        return UTC if hours == minutes == 0 else timezone(
            sign * timedelta(hours=hours, minutes=minutes), f"UTC{name[-6:].strip()}")
    if "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            # "UC/Pacific", "US/Pacfic Time": a slip in the area; the region it names counts.
            region = upper.rsplit("/", 1)[1].replace("_", " ")
            return ZoneInfo(GENERIC[region]) if region in GENERIC else None
    return None


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" \
         r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s+)?"
_ORD = r"(?:st|nd|rd|th)?"
DATE = (rf"{_WEEKDAY}(?:(?P<y>\d{{4}})[-/.](?P<mo>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?![\d:])"
        rf"|(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<yy>\d{{4}}|\d{{2}})(?![\d:])"
        rf"|(?P<na>\d{{1,2}})(?P<nsep>[/-])(?P<nb>\d{{1,2}})(?=,?\s+\d{{1,2}}[:.]\d{{2}})"
        rf"|{_MONTH}\s+(?P<md>\d{{1,2}}){_ORD}(?!\d|:\d)(?:,?\s+(?P<my>\d{{4}})(?!\d))?"
        rf"|(?P<dm>\d{{1,2}})(?:{_ORD}|\.)\s+(?:of\s+)?{_MONTH.replace('month', 'month2')}"
        rf"(?:,?\s+(?P<dy>\d{{4}})(?!\d))?)")
_DATE_RE = re.compile(rf"^{DATE}", re.IGNORECASE)
CLOCK = (r"(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d{1,6})?)?"
         r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?")
_CLOCK_RE = re.compile(CLOCK, re.IGNORECASE)
_ISO_OFFSET = re.compile(r"(?:Z|[+\u2212-](?:0\d|1[0-4]):?(?:00|30|45))(?![\d:])",
                         re.IGNORECASE)
"""An ISO 8601 offset written onto a time with seconds or after ``T`` (``-05:00``, ``Z``)."""


class DateOrder:
    """How a document writes numeric dates: month first (``04/21/23``) or day first.

    Settled from the document's unambiguous dates (a first number over 12 means day first,
    a second one over 12 month first); ``ambiguous`` when it shows no such date, in which
    case ``/`` dates are read month first and ``.`` dates day first, with a finding.
    """

    _NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(?:\d{4}|\d{2})(?![\d/.])")

    def __init__(self, text: str) -> None:
        self.text = text
        self.guessed: list[str] = []
        self._votes: tuple[int, int] | None = None

    def _count(self) -> tuple[int, int]:
        """Month-first and day-first votes, counted once, when a date first needs them.

        With no date over 12 to tell, the order under which the document's dates lie
        closest together wins when the other spreads them over weeks more: one incident's
        dates cluster (``08-01-2026``, ``11-01-2026``, ``12-01-2026`` are days in January,
        not months from August to December)."""
        if self._votes is None:
            mdy = dmy = 0
            both: list[tuple[date, date]] = []
            for m in self._NUMERIC.finditer(self.text[:200_000]):
                a, b = int(m[1]), int(m[3])
                dmy += a > 12 >= b
                mdy += b > 12 >= a
                if a <= 12 and b <= 12 and len(both) < 200:
                    year = m[0].rsplit(m[2], 1)[1]
                    full = int(year) + (2000 if len(year) == 2 else 0)
                    with contextlib.suppress(ValueError):  # 0 as a month or a day
                        both.append((date(full, a, b), date(full, b, a)))
            if mdy == dmy and len({pair for pair in both if pair[0] != pair[1]}) >= 2:
                spans = [max(d[i] for d in both) - min(d[i] for d in both) for i in (0, 1)]
                if abs(spans[0] - spans[1]) > timedelta(days=21):
                    mdy, dmy = (1, 0) if spans[0] < spans[1] else (0, 1)
            self._votes = (mdy, dmy)
        return self._votes

    @property
    def settled(self) -> bool:
        """True when the document's unambiguous dates agree on an order."""
        mdy, dmy = self._count()
        return mdy != dmy

    @property
    def order(self) -> str:
        """``mdy`` or ``dmy``."""
        mdy, dmy = self._count()
        return "dmy" if dmy > mdy else "mdy"


def read_date(text: str, order: DateOrder | None = None, day: date | None = None
              ) -> tuple[date, int] | None:
    """A date at the start of ``text`` and where it ends, or ``None``. A date without its
    year (``12-05 16:21``) takes the year of ``day``."""
    match = _DATE_RE.match(text)  # anchored: "^" holds for text[0] only
    if not match:
        return None
    found = _date_of(match, order, day)
    return (found, match.end()) if found else None


def _date_of(m: re.Match[str], order: DateOrder | None, day: date | None = None
             ) -> date | None:
    try:
        if m["na"]:  # 12-05 16:21: month and day; the year is the report's (or the one before)
            if day is None:
                return None
            a, b = int(m["na"]), int(m["nb"])
            day_first = a > 12 or (b <= 12 and order is not None and order.settled
                                   and order.order == "dmy")
            month, mday = (b, a) if day_first else (a, b)
            found = date(day.year, month, mday)
            return date(day.year - 1, month, mday) if (found - day).days > 60 else found
        if m["y"]:
            return date(int(m["y"]), int(m["mo"]), int(m["d"]))
        if m["a"]:
            a, b, year = int(m["a"]), int(m["b"]), int(m["yy"])
            year += 2000 if year < 100 else 0
            if m["sep"] == "-" and a <= 12 and b <= 12 and order is None:
                return None
            day_first = a > 12 or (b <= 12 and (
                order.order == "dmy" if order and order.settled else m["sep"] == "."))
            if a <= 12 and b <= 12 and a != b and order is not None and not order.settled:
                order.guessed.append(m[0])
            return date(year, b, a) if day_first else date(year, a, b)
        written = str(m["month"] or m["month2"])
        index = next(i for i, name in enumerate(MONTHS, 1)
                     if name.startswith(written.lower()[:3]))
        mday = int(m["md"] or m["dm"])
        year_text = m["my"] or m["dy"]
        if not year_text:
            if day is None:
                return None
            # "Saturday Oct 30th": the report's year (or the one before, for a date months
            # after the report's).
            found = date(day.year, index, mday)
            return date(day.year - 1, index, mday) if (found - day).days > 60 else found
        return date(int(year_text), index, mday)
    except ValueError:
        return None


_CANDIDATE = re.compile(
    r"(?<![\w/.-])(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|"
    r"mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d|\d{1,2}(?:st|nd|rd|th)?\s+"
    r"(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))", re.IGNORECASE)
"""Where a date may start: one fast pass finds the places worth reading closely."""


def find_date(text: str, order: DateOrder | None = None, limit: int = 10_000
              ) -> tuple[date, int] | None:
    """The first date anywhere in ``text`` and where it starts."""
    for m in _CANDIDATE.finditer(text[:limit]):
        found = read_date(text[m.start():m.start() + 80], order)
        if found:
            return found[0], m.start()
    return None


class Stamp:
    """A time read from a document: when (``None`` if unknown), where it ends, whether it
    had a date, and what was wrong with it (for a finding)."""

    __slots__ = ("at", "end", "has_date", "problem", "unknown", "zone")

    def __init__(self, at: datetime | None, end: int, has_date: bool, unknown: bool,
                 problem: str | None = None, zone: tzinfo | None = None) -> None:
        self.at = at
        self.end = end
        self.has_date = has_date
        self.unknown = unknown
        self.problem = problem
        self.zone = zone
        """The zone the stamp itself names, if it names one."""


_DATE_AHEAD = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|"
                         r"sep|oct|nov|dec|\d{1,2}(?:st|nd|rd|th)?\s+[a-z])", re.IGNORECASE)
"""A cheap look at whether a date may follow a time, before the full pattern is tried."""
_LEAD = re.compile(r"^[\s\[(*_`~]*(?:(?:approx(?:imately|\.)?|about|around|ca\.?|circa)\s+)?"
                   r"[\[(*_`~]*", re.IGNORECASE)
_ABOUT = re.compile(r"(?:approx(?:imately|\.)?|about|around|ca\.?|circa|~)\s*(?=\d)",
                    re.IGNORECASE)
_UNKNOWN = re.compile(r"(?:-{1,2}:-{1,2}(?::-{1,2})?|\?{1,2}(?::\?{1,2})*|xx:xx|tbd|tbc|"
                      r"unknown|n/?a)(?=[\s|\]*_)]|$)", re.IGNORECASE)
_DAY_RANGE = re.compile(r"[-\u2013]\d{1,2}(?![\d:/.-])")
_AFTER_DATE = re.compile(r"(?:\s*(?:,|T|at|@|-|–|:(?=\s*\d))?\s*)", re.IGNORECASE)
_RANGE = re.compile(r"\s*(?:-|–|to)\s*(?:\d{1,2}(?:[:.](?:\d{2}|\?\?))?|\?\?(?::\?\?)?)"
                    r"(?:\s*[ap]\.?m\.?)?(?![\d:])", re.IGNORECASE)
_TAIL = re.compile(r"[\]*_`)]*(?:\s*[-–—:|])?[\]*_`)]*(?:\s+|$)")


def read_stamp(text: str, *, day: date | None, zone: tzinfo,
               order: DateOrder | None = None, bare_hour: bool = False,
               year_of: date | None = None) -> Stamp | None:
    """A date and/or time at the start of ``text`` (after ``**``, ``[``, ``~``...).

    Times without a date take ``day``; dates without a year (``12-05 16:21``) take the
    year of ``year_of`` (the report's day; ``day`` when not given), or the year before for
    a date months after it; a date alone (``10/22/2022 - ...``) is midnight of
    that day only when ``bare_hour`` allows it, else ``None``. ``end`` is where the words
    after the stamp (and its separator) begin.
    """
    lead = _LEAD.match(text)
    pos = lead.end() if lead else 0
    unknown = _UNKNOWN.match(text, pos)
    if unknown:
        tail = _TAIL.match(text, unknown.end())
        return Stamp(None, tail.end() if tail else unknown.end(), False, True)
    when: date | None = None
    dated = read_date(text[pos:], order, year_of or day)
    if dated:
        when = dated[0]
        pos += dated[1]
        days = _DAY_RANGE.match(text, pos)  # "Feb 2-5": the first day counts
        pos = days.end() if days else pos
        sep = _AFTER_DATE.match(text, pos)
        pos = sep.end() if sep else pos
        about = _ABOUT.match(text, pos)  # "2018-07-30 ca. 11:20"
        pos = about.end() if about else pos
    clock = _CLOCK_RE.match(text, pos)
    if not clock or (not clock["mi"] and not clock["ampm"]):
        if dated:
            tail = _TAIL.match(text, pos)
            if bare_hour:
                at = datetime.combine(when, time(0), UTC)  # type: ignore[arg-type]
                return Stamp(at, tail.end() if tail else pos, True, False, "date only")
            return Stamp(None, tail.end() if tail else pos, True, False, "date only")
        return None
    hours, minutes, seconds = int(clock["h"]), int(clock["mi"] or 0), int(clock["s"] or 0)
    end = clock.end()
    problem = None
    ampm = (clock["ampm"] or "").lower().replace(".", "")
    if ampm and 13 <= hours <= 23:
        pass  # "13:06 PM", "23:00 AM": a 24-hour time with a stray meridiem
    elif ampm:
        if not 1 <= hours <= 12:
            problem = f"{clock[0].strip()!r} is not a 12-hour time"
        hours = hours % 12 + (12 if ampm == "pm" else 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        problem = f"{clock[0].strip()!r} is not a time of day"
    tz = zone
    named: tzinfo | None = None
    iso = _ISO_OFFSET.match(text, end) if clock["s"] is not None or \
        text[clock.start() - 1:clock.start()] in ("T", "t") else None
    rng = None if iso else _RANGE.match(text, end)
    if rng:
        end = rng.end()
    zmatch = _ZONE_RE.match(text[end:].lstrip()) if not iso else None
    if iso:  # "2020-02-20T21:17:00-05:00": the offset, never a range to 05:00; the
        # stamp's own, so it does not carry on to the times after it as a named zone does
        offset = UTC if iso[0] in "Zz" else zone_named(iso[0])
        if offset is not None:
            tz, end = offset, iso.end()
    elif zmatch:
        named = zone_named(zmatch["zone"])
        if named is not None:
            tz = named
            end = len(text) - len(text[end:].lstrip()) + zmatch.end()
    if dated is None:  # "12:45 PM PST Saturday Oct 30th: ..." (the date after the time)
        after = len(text) - len(text[end:].lstrip())
        later = _DATE_RE.match(text[after:after + 60]) if _DATE_AHEAD.match(text, after) \
            else None
        found_later = _date_of(later, order, year_of or day) if later else None
        if later and found_later:
            when, end = found_later, after + later.end()
            dated = (found_later, later.end())
    tail = _TAIL.match(text, end)
    end = tail.end() if tail else end
    if when is None:
        when = day
    if problem:
        return Stamp(None, end, dated is not None, False, problem)
    if when is None:
        return Stamp(None, end, False, False, "no date for this time")
    at = datetime.combine(when, time(hours, minutes, seconds), tz).astimezone(UTC)
    return Stamp(at, end, dated is not None, False, zone=named)
