"""Auditing a log: history, time travel, diffs, blame, a feed, metrics.

Everything here reads the event streams; nothing writes.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog import figures as fg
from incidentlog import integrity, times
from incidentlog.blame import Blame as Blame  # blame has its own module; importable here too
from incidentlog.blame import blame as blame
from incidentlog.codec import Recorded
from incidentlog.errors import StateNotFoundError
from incidentlog.incident import Folding, Incident, fold
from incidentlog.prose import describe as describe  # the words are prose's
from incidentlog.render.json import document
from incidentlog.store import IncidentLog

# --------------------------------------------------------------------------- history


@attrs.frozen
class HistoryLine:
    """One event of an incident's history, with a sentence saying what it did."""

    version: int
    type: str
    occurred_at: datetime | None
    recorded_at: datetime | None
    actor: str
    summary: str
    source: str | None


def history(log: IncidentLog, incident_id: str) -> list[HistoryLine]:
    """Every event of an incident in order, each summarised in one line."""
    out = []
    state: Incident | None = None
    for rec in log.records(incident_id):
        e = rec.event
        out.append(HistoryLine(
            rec.originator_version, ev.tag_of(e), e.occurred_at, e.recorded_at, e.actor,
            describe(e, state), f"{e.source.file}:{e.source.line}" if e.source else None))
        state = fold([e], state) if state else fold([e])
    return out


# --------------------------------------------------------------------------- time travel


def as_of(log: IncidentLog, incident_id: str, when: datetime) -> Incident:
    """The incident as the record stood at ``when`` (recorded time): "what did we know?"."""
    return _fold_kept(log, incident_id, as_of_records(log, incident_id, when), when)


def as_of_records(log: IncidentLog, incident_id: str, when: datetime) -> list[Recorded]:
    """The stored records of an incident that were recorded by ``when``."""
    return [r for r in log.records(incident_id)
            if r.event.recorded_at and r.event.recorded_at <= when]


def occurred_by(log: IncidentLog, incident_id: str, when: datetime) -> Incident:
    """What had happened by ``when`` (world time), as we know it now.

    Takes the declaration, every correction, and the events that happened by ``when``;
    events of unknown time are left out. Each keeps its stored version, so a correction
    still finds the entry it names.
    """
    return _fold_kept(log, incident_id, occurred_by_records(log, incident_id, when), when)


def occurred_by_records(log: IncidentLog, incident_id: str, when: datetime
                        ) -> list[Recorded]:
    """The stored records :func:`occurred_by` folds: the declaration, every correction and
    what happened by ``when``."""
    return [r for r in log.records(incident_id)
            if isinstance(r.event, ev.IncidentDeclared | ev.Corrected)
            or (r.event.occurred_at is not None and r.event.occurred_at <= when)]


def _fold_kept(log: IncidentLog, incident_id: str, kept: list[Recorded], when: datetime
               ) -> Incident:
    if not kept or not isinstance(kept[0].event, ev.IncidentDeclared):
        first = log.records(incident_id)[0].event.recorded_at
        raise StateNotFoundError(
            f"{incident_id} has nothing recorded by {times.iso(when)} in {log.url}: its "
            f"first event was recorded at {times.iso(first) if first else 'an unknown time'}")
    folding = Folding()
    for r in kept:
        folding.add(incident_id, r.event, r.originator_version)
    return folding.state(incident_id)


# --------------------------------------------------------------------------- diff


ChangeKind = Literal["added", "removed", "changed"]


@attrs.frozen
class Change:
    """One difference between two states of a report, at a JSON path."""

    path: str
    kind: ChangeKind
    before: Any
    after: Any


KEYS = {"timeline": "version", "action_items": "id", "sign_offs": "role", "lessons": None,
        "sections": None, "five_whys": None, "stated_figures": None}
"""How list items are matched between two states: by a key, or (None) by their content."""


def as_document(incident: Incident) -> dict[str, Any]:
    """The incident's JSON document as plain data."""
    data: dict[str, Any] = msgspec.to_builtins(document(incident))
    return data


def diff(a: Incident, b: Incident) -> list[Change]:
    """Field by field, and item by item in lists, what changed from ``a`` to ``b``."""
    return diff_documents(as_document(a), as_document(b))


def diff_documents(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    """The changes that take document ``a`` to document ``b``."""
    out: list[Change] = []
    for field in sorted(set(a) | set(b)):
        before, after = a.get(field), b.get(field)
        if before == after:
            continue
        if isinstance(before, list) and isinstance(after, list) and field in KEYS:
            out += _diff_list(field, before, after, KEYS[field])
        else:
            out.append(Change(f"$.{field}", "changed", before, after))
    return out


def _item_key(item: Any, key: str | None) -> str:
    if key is not None and isinstance(item, dict):
        return str(item.get(key))
    return msgspec.json.encode(item).decode()


def _keyed(items: list[Any], key: str | None) -> dict[str, Any]:
    """Items by key; a repeated key gets ``#2``, ``#3``... so equal items stay distinct."""
    out: dict[str, Any] = {}
    for item in items:
        base = k = _item_key(item, key)
        n = 1
        while k in out:
            n += 1
            k = f"{base}#{n}"
        out[k] = item
    return out


def _diff_list(field: str, before: list[Any], after: list[Any], key: str | None
               ) -> list[Change]:
    old = _keyed(before, key)
    new = _keyed(after, key)
    out = [Change(f"$.{field}[{k}]", "removed", v, None) for k, v in old.items() if k not in new]
    for k, v in new.items():
        if k not in old:
            out.append(Change(f"$.{field}[{k}]", "added", None, v))
        elif old[k] != v:
            out.append(Change(f"$.{field}[{k}]", "changed", old[k], v))
    return out


def apply_changes(a: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """Document ``a`` with ``changes`` applied (list order: that of ``b`` where known)."""
    out = dict(a)
    by_field: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        field = change.path[2:].split("[", 1)[0]
        if "[" in change.path:
            by_field[field].append(change)
        else:
            out[field] = change.after
    for field, items in by_field.items():
        key = KEYS[field]
        current = _keyed(out.get(field) or [], key)
        for change in items:
            item_key = change.path[len(field) + 3:-1]
            if change.kind == "removed":
                current.pop(item_key, None)
            else:
                current[item_key] = change.after
        out[field] = list(current.values())
    return out


# --------------------------------------------------------------------------- verify

# Verifying lives in :mod:`incidentlog.integrity` (and checkpoints in
# :mod:`incidentlog.checkpoint`); these names stay here for callers of ``audit.verify``.
Problem = integrity.Problem
Verification = integrity.Verification
verify = integrity.verify


# --------------------------------------------------------------------------- feed


@attrs.frozen
class FeedItem:
    """One event of the whole log, at its position in the order recorded."""

    position: int
    incident_id: str
    version: int
    event: ev.Event


def feed(log: IncidentLog, *, after: int = 0, page: int = 500) -> Iterator[FeedItem]:
    """Every event of every incident in the order recorded, after ``position``."""
    for rec in log.notifications(after=after, page=page):
        assert rec.position is not None
        yield FeedItem(rec.position, rec.originator_id, rec.originator_version, rec.event)


def cloudevent(item: FeedItem) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode JSON object for a feed item."""
    e = item.event
    return {
        "specversion": "1.0",
        "id": f"{item.incident_id}/{item.version}",
        "source": "incidentlog",
        "type": f"incidentlog.{ev.tag_of(e)}",
        "subject": item.incident_id,
        "time": times.iso(e.recorded_at or e.occurred_at or datetime.min.replace(tzinfo=UTC)),
        "datacontenttype": "application/json",
        "data": e.as_dict() | {"position": item.position, "version": item.version},
    }


# --------------------------------------------------------------------------- stats


@attrs.frozen
class Metric:
    """A duration over many incidents: how many had it, median, p90, and who lacked it."""

    count: int
    median_minutes: float | None
    p90_minutes: float | None
    missing: tuple[str, ...]


@attrs.frozen
class GroupStats:
    """Metrics of one group of incidents (all, a severity, a service, a month)."""

    group: str
    incidents: int
    mttd: Metric
    mtta: Metric
    time_to_mitigate: Metric
    mttr: Metric


def _metric(values: dict[str, float | None]) -> Metric:
    known = sorted(v for v in values.values() if v is not None)
    missing = tuple(sorted(k for k, v in values.items() if v is None))
    if not known:
        return Metric(0, None, None, missing)
    p90 = known[min(len(known) - 1, max(0, round(0.9 * len(known) + 0.5) - 1))]
    return Metric(len(known), statistics.median(known), p90, missing)


def stats(incidents: Sequence[Incident], by: str | None = None) -> list[GroupStats]:
    """MTTD, MTTA, time to mitigate and MTTR (median and p90) by group, from events.

    ``by``: ``severity``, ``service``, ``team`` or ``tag`` (an incident counts in each of
    its services, teams or tags), ``field:NAME`` (a custom field's value) or ``month`` (of
    detection, else declaration). Incidents that lack a needed time are
    counted and named in each metric's ``missing``.
    """
    groups: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        for key in _groups(incident, by):
            groups[key].append(incident)
    out = []
    for key in sorted(groups):
        members = groups[key]
        figures = {i.id: fg.derive(i) for i in members}
        out.append(GroupStats(
            key, len(members),
            _metric({i: f.time_to_detect_minutes for i, f in figures.items()}),
            _metric({i: f.time_to_acknowledge_minutes for i, f in figures.items()}),
            _metric({i: f.time_to_mitigate_minutes for i, f in figures.items()}),
            _metric({i: f.duration_minutes for i, f in figures.items()}),
        ))
    return out


def _groups(incident: Incident, by: str | None) -> list[str]:
    if by is None:
        return ["all"]
    if by == "severity":
        return [incident.severity or "unrated"]
    if by == "service":
        return list(incident.services) or ["(none)"]
    if by == "team":
        return list(incident.teams) or ["(none)"]
    if by == "tag":
        return list(incident.tags) or ["(none)"]
    if by.startswith("field:"):
        return [incident.field(by.removeprefix("field:")) or "(unset)"]
    if by == "month":
        start = incident.began_at or incident.started_at
        return [start.strftime("%Y-%m") if start else "(unknown)"]
    raise ValueError(f"cannot group by {by!r}; use severity, service, team, tag, "
                     "field:NAME or month")
