"""The incident index: a projection of the event stream for listing and filtering.

One row per incident (id, title, severity, status, services, start, resolution, duration,
version, teams, tags, fields) and one per follow-up (action item) with its incident's
context, kept in a view (:mod:`incidentlog.persistence.views`: an eventsourcing tracking
recorder, tables beside the events or dictionaries in memory) with the notification-log
position they were projected up to, both written in one transaction.
:meth:`IncidentIndex.catch_up` follows the log from that position and rewrites the rows of
the incidents that changed; :meth:`IncidentIndex.rebuild` starts again from nothing.
Queries never replay events, so their cost does not grow with how many events an incident
holds. An encrypted store keeps its index in memory only (no plaintext beside ciphertext).
"""

from __future__ import annotations

import weakref
from datetime import UTC, date, datetime
from typing import Any

from incidentlog.incident import Folding
from incidentlog.index_rows import ActionQuery, ActionRow, IndexRow, Query, iso
from incidentlog.index_rows import actions_of as actions_of
from incidentlog.index_rows import labels_of as labels_of
from incidentlog.index_rows import parse_row as parse_row
from incidentlog.index_rows import row_of as row_of
from incidentlog.persistence.views import IndexView
from incidentlog.store import IncidentLog

__all__ = ["ActionRow", "IncidentIndex", "IndexRow", "actions", "actions_of", "find",
           "index_of", "labels_of", "parse_row", "row_of"]

PAGE = 1000
ROUNDS = 50
"""How many times a catch-up starts again after another process wrote first."""


class IncidentIndex:
    """Listing and filtering incidents from a view kept up to date from the event stream.

    ``create=False``: make no table (for reading what is stored, as ``verify`` does).
    ``view``: the view to keep (one made for this log before), else a new one.
    """

    def __init__(self, log: IncidentLog, *, create: bool = True,
                 view: IndexView | None = None) -> None:
        self.log = log
        self.view: IndexView = view if view is not None else \
            log.store.index_view(in_memory=log.encrypted, create=create)

    def position(self) -> int:
        """The notification-log position the index has caught up to."""
        return self.view.position()

    def catch_up(self) -> int:
        """Follow the log from the stored position; return how many incidents changed.

        Events are folded as they come, so rebuilding reads each event once; an incident
        met halfway through its stream starts from its stored state before that event.
        When another process has written the index further meanwhile, this write is
        refused whole and the catch-up starts again from where that one got to.
        """
        try:
            start = self.view.position()
        except ValueError:  # a damaged position: rebuilt from the start
            self.view.clear()
            start = 0
        for _ in range(ROUNDS):
            changed, done = self._follow(start)
            if done:
                return changed
            start = self.view.position()
        return 0  # pragma: no cover - fifty writers ahead of this one, fifty times

    def _follow(self, start: int) -> tuple[int, bool]:
        folding = Folding()
        pending: set[str] = set()
        changed = 0
        last = start
        for position, ident, version, event in self.log.changes(after=start, page=PAGE):
            if ident not in folding:
                changed += 1
                if version > 1:
                    folding.resume(self.log.get(ident, version=version - 1))
            folding.add(ident, event, version)
            pending.add(ident)
            last = position
            if len(pending) >= PAGE:
                if not self.view.write([folding.state(i) for i in pending], last):
                    return changed, False
                pending.clear()
        if (pending or last != start) and \
                not self.view.write([folding.state(i) for i in pending], last):
            return changed, self.view.position() >= last
        return changed, True

    def rebuild(self) -> int:
        """Forget every row and catch up from the start of the log."""
        self.view.clear()
        return self.catch_up()

    def stored(self) -> tuple[int, list[Any]] | None:
        """The position and the raw rows as stored, read without catching up (``None``: no
        index was ever built). For verifying the index against the events."""
        return self.view.stored()

    def find(self, *, severity: str | None = None, status: str | None = None,
             service: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None,
             team: str | None = None, tag: str | None = None,
             field: tuple[str, str] | None = None) -> list[IndexRow]:
        """Incidents matching every filter given, most recent start first.

        ``since``/``until`` bound when the incident started (detected, else declared);
        ``team``, ``tag``: one of the incident's; ``field``: ``(name, value)`` of a custom
        field.
        """
        if limit is not None and not 0 <= limit <= 2**63 - 1:
            raise ValueError(f"limit {limit}: out of range (0 to {2**63 - 1})")
        for name, when in (("since", since), ("until", until)):
            try:
                iso(when)
            except (OverflowError, ValueError):
                raise ValueError(f"{name} {when}: out of range in UTC") from None
        return self.view.find(Query(severity, status, service, since, until, limit, team,
                                    tag, field))

    def actions(self, *, open: bool = False, overdue: bool = False,
                owner: str | None = None, ticket: str | None = None,
                service: str | None = None, incident: str | None = None,
                today: date | None = None) -> list[ActionRow]:
        """Follow-ups across incidents matching every filter given, soonest due first
        (no due date last). ``open``: not done; ``overdue``: not done and due before
        ``today`` (default: today in UTC)."""
        return self.view.actions(ActionQuery(today or datetime.now(UTC).date(), open,
                                             overdue, owner, ticket, service, incident))


_VIEWS: weakref.WeakKeyDictionary[IncidentLog, IndexView] = weakref.WeakKeyDictionary()
"""The index view of each open log, made once (its tables created once) and kept while the
log is: views hold no reference to their log, so the log can go."""


def index_of(log: IncidentLog) -> IncidentIndex:
    """The index of a log, brought up to date."""
    view = _VIEWS.get(log)
    index = IncidentIndex(log, view=view)
    if view is None:
        _VIEWS[log] = index.view
    index.catch_up()
    return index


def find(log: IncidentLog, **filters: Any) -> list[IndexRow]:
    """Index rows (:class:`IndexRow`: id, title, severity, status, services, times,
    duration) of the incidents matching every filter, newest first, from the index brought
    up to date first: ``severity=``, ``status=``, ``service=``, ``since=``, ``until=``,
    ``limit=``, ``team=``, ``tag=``, ``field=(name, value)``. Rows, not incidents: a query
    reads a table and folds nothing; ``log.get(row.id)`` gives the incident."""
    return index_of(log).find(**filters)


def actions(log: IncidentLog, *, open: bool = False, overdue: bool = False,
            owner: str | None = None, ticket: str | None = None, service: str | None = None,
            incident: str | None = None, today: date | None = None) -> list[ActionRow]:
    """Follow-ups across incidents from the index, brought up to date first (no replay per
    query): ``open`` (not done), ``overdue`` (not done, due before ``today``), ``owner``,
    ``ticket``, ``service`` (of the incident), ``incident``."""
    return index_of(log).actions(open=open, overdue=overdue, owner=owner, ticket=ticket,
                                 service=service, incident=incident, today=today)


