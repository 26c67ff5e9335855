"""Auditing a log: history and time travel (blame, the feed, metrics and verifying have
modules of their own, re-exported here; diffs are :mod:`incidentlog.changes`).

Everything here reads the event streams; nothing writes.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from incidentlog import events as ev
from incidentlog import feed as feed_module
from incidentlog import integrity, timetravel
from incidentlog import stats as stats_module
from incidentlog.blame import Blame as Blame  # blame has its own module; importable here too
from incidentlog.blame import blame as blame
from incidentlog.codec import Recorded
from incidentlog.incident import Incident, fold
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


def describe(e: ev.Event, before: Incident | None) -> str:
    """A one-line, human summary of what an event did to the incident before it."""
    if isinstance(e, ev.IncidentDeclared):
        return f"declared {e.severity or 'unrated'}: {e.title}"
    if isinstance(e, ev.SeverityChanged):
        old = before.severity if before else None
        verb = "set" if old is None else ("escalated" if e.severity < old else "downgraded")
        text = f"{verb} {old} -> {e.severity}" if old else f"severity set to {e.severity}"
        return text + (f": {e.reason}" if e.reason else "")
    if isinstance(e, ev.StatusChanged):
        return f"status {e.status}" + (f": {e.note}" if e.note else "")
    if isinstance(e, ev.TimelineEntryAdded):
        mark = f" ({e.marks})" if e.marks else ""
        return f"timeline{mark}: {e.text}"
    if isinstance(e, ev.ImpactAssessed):
        return "impact assessed"
    if isinstance(e, ev.Mitigated):
        return "mitigated" + (f": {e.action or e.note}" if e.action or e.note else "")
    if isinstance(e, ev.RootCauseIdentified):
        return f"root cause: {e.summary}"
    if isinstance(e, ev.Resolved):
        return "resolved" + (f": {e.summary}" if e.summary else "")
    if isinstance(e, ev.ActionItemAdded):
        return f"action item {e.item_id} added: {e.title}"
    if isinstance(e, ev.ActionItemUpdated):
        fields = [f"{f} {getattr(e, f)}" for f in ("status", "owner", "due", "title",
                                                  "priority") if getattr(e, f) is not None]
        return f"action item {e.item_id} updated: {', '.join(fields) or e.note}"
    if isinstance(e, ev.LessonRecorded):
        return f"lesson ({e.kind}): {e.title}"
    if isinstance(e, ev.SignedOff):
        return f"{'signed off' if e.approved else 'declined'} by {e.name} ({e.role})"
    if isinstance(e, ev.Closed):
        return "closed"
    if isinstance(e, ev.Reopened):
        return f"reopened: {e.reason}"
    if isinstance(e, ev.Corrected):
        what = f"version {e.target_version}" if e.field == "retract" else e.field
        verb = "withdrew" if e.field == "retract" else f"corrected {what} to {e.value!r}"
        return (f"withdrew what {what} added" if e.field == "retract" else verb) + \
            f" ({e.reason})"
    if isinstance(e, ev.SectionNoted):
        return f"section noted: {e.heading or '(untitled)'}"
    if isinstance(e, ev.TeamsChanged | ev.TagsChanged):
        kind = "team" if isinstance(e, ev.TeamsChanged) else "tag"
        return "; ".join([*(f"{kind} {x} added" for x in e.added),
                          *(f"{kind} {x} removed" for x in e.removed)])
    if isinstance(e, ev.FieldSet):
        return f"field {e.name} " + ("unset" if e.value is None else f"set to {e.value}")
    if isinstance(e, ev.RoleAssigned):
        return f"{e.role}: {e.person}" if e.person else f"{e.role}: nobody"
    if isinstance(e, ev.FigureStated):
        return f"stated {e.label or e.figure}: {e.text}"
    return type(e).__name__  # pragma: no cover - every type is described above


# --------------------------------------------------------------------------- time travel


def as_of(log: IncidentLog, incident_id: str, when: datetime) -> Incident:
    """The incident as the record stood at ``when`` (recorded time): "what did we know?"."""
    return timetravel.as_of(log.records(incident_id), when, where=log.url)


def as_of_records(log: IncidentLog, incident_id: str, when: datetime) -> list[Recorded]:
    """The stored records of an incident that were recorded by ``when``."""
    return timetravel.as_of_records(log.records(incident_id), when)


def occurred_by(log: IncidentLog, incident_id: str, when: datetime) -> Incident:
    """What had happened by ``when`` (world time), as we know it now
    (:func:`incidentlog.timetravel.occurred_by`)."""
    return timetravel.occurred_by(log.records(incident_id), when, where=log.url)


def occurred_by_records(log: IncidentLog, incident_id: str, when: datetime
                        ) -> list[Recorded]:
    """The stored records :func:`occurred_by` folds: the declaration, every correction and
    what happened by ``when``."""
    return timetravel.occurred_by_records(log.records(incident_id), when)


# --------------------------------------------------------------------------- elsewhere

# Verifying lives in :mod:`incidentlog.integrity` (and checkpoints in
# :mod:`incidentlog.checkpoint`), the feed in :mod:`incidentlog.feed`, metrics in
# :mod:`incidentlog.stats`; these names stay here for their callers.
Problem = integrity.Problem
Verification = integrity.Verification
verify = integrity.verify
FeedItem = feed_module.FeedItem
feed = feed_module.feed
cloudevent = feed_module.cloudevent
Metric = stats_module.Metric
GroupStats = stats_module.GroupStats
stats = stats_module.stats
