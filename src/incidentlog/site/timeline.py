"""The timeline as a picture: where each phase and entry falls on a time axis.

Phases run between the lifecycle moments the record knows (began, detected, acknowledged,
mitigated, resolved); each timeline entry is a numbered marker. The axis is in UTC, its
ticks on round steps from midnight; every tick that starts a new day says which day, and
each midnight inside the span is drawn, so an incident across days reads as one.
Only geometry is computed here; the template draws it as SVG.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from incidentlog.incident import Incident
from incidentlog.render.rows import timeline_rows

WIDTH = 960
LEFT = RIGHT = 24
PHASE_Y, PHASE_H = 8, 26
LANE_Y, LANE_GAP, LANES = 56, 22, 4
MARKER_GAP = 16
"""Markers closer than this (pixels) go to the next lane down."""

_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 7 * 1440, 14 * 1440,
          30 * 1440, 91 * 1440, 365 * 1440)
"""Tick steps in minutes; the smallest giving at most :data:`_TICKS` ticks is used."""
_TICKS = 8

_PHASES = (("began", "detected", "undetected"), ("detected", "acknowledged", "acknowledging"),
           ("detected", "mitigated", "mitigating"), ("acknowledged", "mitigated", "mitigating"),
           ("mitigated", "resolved", "resolving"), ("detected", "resolved", "resolving"),
           ("acknowledged", "resolved", "resolving"), ("began", "acknowledged", "undetected"),
           ("began", "mitigated", "undetected"), ("began", "resolved", "undetected"))
_PHASE_NAMES = {(a, b): name for a, b, name in _PHASES}


@attrs.frozen
class Phase:
    name: str
    css: str
    span: str
    """From which moment to which: ``acknowledged → mitigated``."""
    x: float
    width: float
    start: datetime
    end: datetime

    @property
    def labelled(self) -> bool:
        """Wide enough to hold its name (about 7 pixels a letter at 12px)."""
        return self.width >= 7 * len(self.name) + 10


@attrs.frozen
class Marker:
    number: int
    x: float
    y: float
    kind: str
    at: datetime
    text: str


@attrs.frozen
class Tick:
    x: float
    label: str
    day: str | None
    """The day, on the first tick and on each tick of a new day."""


@attrs.frozen
class Midnight:
    x: float
    label: str


@attrs.frozen
class Picture:
    """Everything the template needs to draw one incident's timeline."""

    width: int
    height: int
    axis_y: int
    phases: tuple[Phase, ...]
    markers: tuple[Marker, ...]
    ticks: tuple[Tick, ...]
    midnights: tuple[Midnight, ...]
    start: datetime
    end: datetime


def _moments(incident: Incident) -> list[tuple[str, datetime]]:
    """Lifecycle moments in order, dropping one that would go back in time."""
    out: list[tuple[str, datetime]] = []
    for name, at in (("began", incident.began_at), ("detected", incident.started_at),
                     ("acknowledged", incident.acknowledged_at),
                     ("mitigated", incident.mitigated_at), ("resolved", incident.resolved_at)):
        if at is not None and (not out or at >= out[-1][1]):
            out.append((name, at))
    return out


def _step(span_minutes: float) -> int:
    return next((s for s in _STEPS if span_minutes / s <= _TICKS), _STEPS[-1])


def picture(incident: Incident) -> Picture | None:
    """The incident's timeline picture, or ``None`` when it has no known times."""
    rows = [r for r in timeline_rows(incident) if r.at is not None]
    moments = _moments(incident)
    times = [r.at for r in rows if r.at] + [at for _, at in moments]
    if not times:
        return None
    first, last = min(times), max(times)
    if last - first < timedelta(minutes=10):
        middle = first + (last - first) / 2
        first, last = middle - timedelta(minutes=5), middle + timedelta(minutes=5)
    pad = (last - first) * 0.03
    start, end = first - pad, last + pad
    span = (end - start).total_seconds()
    inner = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * inner, 1)

    phases = []
    for (a, at_a), (b, at_b) in itertools.pairwise(moments):
        name = _PHASE_NAMES[(a, b)]
        width = max(round(x(at_b) - x(at_a), 1), 1.0)
        phases.append(Phase(name, name, f"{a} → {b}", x(at_a), width, at_a, at_b))
    markers = []
    lanes_end = [float("-inf")] * LANES
    for number, r in enumerate(rows, 1):
        assert r.at is not None
        px = x(r.at)
        lane = next((i for i, e in enumerate(lanes_end) if px - e >= MARKER_GAP),
                    min(range(LANES), key=lambda i: lanes_end[i]))
        lanes_end[lane] = px
        markers.append(Marker(number, px, LANE_Y + lane * LANE_GAP, r.kind, r.at, r.text))
    used = max((int((m.y - LANE_Y) / LANE_GAP) for m in markers), default=0) + 1
    axis_y = LANE_Y + used * LANE_GAP
    ticks, midnights = _axis(start, end, x)
    return Picture(WIDTH, axis_y + 40, axis_y, tuple(phases), tuple(markers), ticks,
                   midnights, first, last)


def _axis(start: datetime, end: datetime, x: Callable[[datetime], float]
          ) -> tuple[tuple[Tick, ...], tuple[Midnight, ...]]:
    step = _step((end - start).total_seconds() / 60)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if step >= 1440:
        days = step // 1440
        tick = midnight + timedelta(days=-(-((start - midnight).days) // days) * days)
        if tick < start:
            tick += timedelta(days=days)
    else:
        elapsed = (start - midnight).total_seconds() / 60
        tick = midnight + timedelta(minutes=-(-elapsed // step) * step)
    ticks = []
    previous_day = None
    while tick <= end:
        day = tick.strftime("%b %-d")
        label = tick.strftime("%b %-d") if step >= 1440 else tick.strftime("%H:%M")
        new_day = day if day != previous_day and step < 1440 else None
        ticks.append(Tick(x(tick), label, new_day))
        previous_day = day
        tick += timedelta(minutes=step)
    midnights = []
    if step < 1440:
        night = midnight + timedelta(days=1)
        while night <= end:
            midnights.append(Midnight(x(night), night.strftime("%a %b %-d")))
            night += timedelta(days=1)
    return tuple(ticks), tuple(midnights)
