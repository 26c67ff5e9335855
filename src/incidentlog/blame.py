"""Blame: for each field of an incident, and each field of each list item, the event that
last set it. One pass over the stream: between events only what changed is looked at.

Paths name the incident's own fields: ``$.title``, ``$.root_cause.summary``,
``$.action_items[OPS-1].status``, ``$.timeline[7].text`` (a timeline entry, lesson,
section or stated figure by the version that added it; an action item by its id; a sign-off
by its role). An item has a row of its own (the last event that changed any of it) and one
per field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import attrs

from incidentlog import events as ev
from incidentlog.errors import IncidentNotFoundError
from incidentlog.incident import COLLECTIONS, Incident, Replay
from incidentlog.store import IncidentLog


@attrs.frozen
class Blame:
    """Who last set a field of the report, with which event, and when."""

    field: str
    version: int
    type: str
    actor: str
    recorded_at: datetime | None
    correction: str | None


ITEM_KEYS: dict[str, Callable[[Any], object]] = {
    "timeline": lambda item: item.version,
    "action_items": lambda item: item.id,
    "sign_offs": lambda item: item.role,
    "lessons": lambda item: item.version,
    "sections": lambda item: item.version,
    "stated": lambda item: item.version,
}
"""The list fields blamed item by item, and what names an item in a path."""

NOT_BLAMED = frozenset({"id", "version", "severity_changes", "status_history"})
"""Bookkeeping, not facts someone set: the id never changes, the rest is history itself."""

SCALARS = tuple(a.name for a in attrs.fields(Incident)
                if a.name not in COLLECTIONS and a.name not in NOT_BLAMED)


def parts(value: Any) -> Iterator[tuple[str, Any]]:
    """An attrs value's fields as ``(".name", value)``; anything else as itself."""
    if attrs.has(type(value)):
        for a in attrs.fields(type(value)):
            yield f".{a.name}", getattr(value, a.name)
    else:
        yield "", value


def blame(log: IncidentLog, incident_id: str) -> list[Blame]:
    """For each field of the report (and each list item and its fields), the event that
    last set it, sorted by path. Raises :class:`IncidentNotFoundError` for no such incident."""
    replay = Replay()
    last: dict[str, Blame] = {}
    scalars: dict[str, Any] = {}
    lists: dict[str, tuple[list[Any], int]] = {}  # the live list seen, and its length then
    items: dict[str, dict[object, Any]] = {name: {} for name in ITEM_KEYS}

    for rec in log.records(incident_id):
        event = rec.event
        replay.add(event, rec.originator_version)
        row = _row_maker(event, rec.originator_version)
        for name in SCALARS:
            value = replay.field(name)
            if name in scalars and scalars[name] is value:
                continue
            old = dict(parts(scalars.get(name))) if name in scalars else {}
            for suffix, part in parts(value):
                if suffix not in old or old[suffix] != part:
                    last[f"$.{name}{suffix}"] = row(f"$.{name}{suffix}")
            scalars[name] = value
        for name, key in ITEM_KEYS.items():
            live: list[Any] = replay.field(name)
            seen, length = lists.get(name, (None, 0))
            changed: list[Any] = live[length:] if live is seen else live  # appended, or rebuilt
            known = items[name]
            if live is not seen:  # rebuilt: items gone are forgotten, the rest compared
                keep = {key(item) for item in live}
                for gone in [k for k in known if k not in keep]:
                    del known[gone]
            for item in changed:
                k = key(item)
                before = known.get(k)
                if before is item:
                    continue
                path = f"$.{name}[{k}]"
                old = dict(parts(before)) if before is not None else {}
                touched = False
                for suffix, part in parts(item):
                    if suffix == ".version" or (suffix in old and old[suffix] == part):
                        continue
                    last[path + suffix] = row(path + suffix)
                    touched = True
                if touched or before is None:
                    last[path] = row(path)
                known[k] = item
            lists[name] = (live, len(live))

    if not lists:
        raise IncidentNotFoundError(incident_id, log.url)
    current = {f"$.{name}{suffix}" for name in SCALARS
               for suffix, _ in parts(scalars.get(name))}
    for name, known in items.items():
        for k, item in known.items():
            path = f"$.{name}[{k}]"
            current.add(path)
            current.update(path + suffix for suffix, _ in parts(item))
    return [b for path, b in sorted(last.items()) if path in current]


def _row_maker(event: ev.Event, version: int) -> Callable[[str], Blame]:
    reason = event.reason if isinstance(event, ev.Corrected) else None
    tag = ev.tag_of(event)

    def row(path: str) -> Blame:
        return Blame(path, version, tag, event.actor, event.recorded_at, reason)

    return row
