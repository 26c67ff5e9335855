"""Time travel over an incident's stored records: what we knew at a recorded time, and what
had happened by a world time as we know it now.

Pure functions of the records (:class:`~incidentlog.codec.Recorded`), so the store answers
``get(as_of=...)`` with them and the services that read a log use them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incidentlog import events as ev
from incidentlog import times
from incidentlog.codec import Recorded
from incidentlog.errors import StateNotFoundError
from incidentlog.incident import Folding, Incident


def as_of_records(records: Sequence[Recorded], when: datetime) -> list[Recorded]:
    """The records that were recorded by ``when``."""
    return [r for r in records if r.event.recorded_at and r.event.recorded_at <= when]


def occurred_by_records(records: Sequence[Recorded], when: datetime) -> list[Recorded]:
    """The records :func:`occurred_by` folds: the declaration, every correction and what
    happened by ``when``. Events of unknown time are left out."""
    return [r for r in records
            if isinstance(r.event, ev.IncidentDeclared | ev.Corrected)
            or (r.event.occurred_at is not None and r.event.occurred_at <= when)]


def as_of(records: Sequence[Recorded], when: datetime, *, where: str) -> Incident:
    """The incident as the record stood at ``when`` (recorded time): "what did we know?"."""
    return fold_kept(records, as_of_records(records, when), when, where=where)


def occurred_by(records: Sequence[Recorded], when: datetime, *, where: str) -> Incident:
    """What had happened by ``when`` (world time), as we know it now. Each event keeps its
    stored version, so a correction still finds the entry it names."""
    return fold_kept(records, occurred_by_records(records, when), when, where=where)


def fold_kept(records: Sequence[Recorded], kept: Sequence[Recorded], when: datetime, *,
              where: str) -> Incident:
    """The state ``kept`` (some of an incident's ``records``) folds to; ``where`` names
    the store in the error when nothing was recorded by then."""
    if not kept or not isinstance(kept[0].event, ev.IncidentDeclared):
        first = records[0].event.recorded_at
        raise StateNotFoundError(
            f"{records[0].originator_id} has nothing recorded by {times.iso(when)} in "
            f"{where}: its first event was recorded at "
            f"{times.iso(first) if first else 'an unknown time'}")
    folding = Folding()
    incident_id = kept[0].originator_id
    for r in kept:
        folding.add(incident_id, r.event, r.originator_version)
    return folding.state(incident_id)
