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
from incidentlog.prose import describe as describe  # the words are prose's
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
