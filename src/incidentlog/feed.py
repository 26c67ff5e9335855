"""The feed: every event of every incident in the order recorded, and as CloudEvents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs

from incidentlog import events as ev
from incidentlog import times
from incidentlog.store import IncidentLog


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
