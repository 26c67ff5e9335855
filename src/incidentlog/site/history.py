"""An incident's past for its history page, in one pass over its events.

For each version: what the event did (a sentence), who recorded it and when, and the
changes it made to the report's document (:func:`incidentlog.audit.diff_documents`).
The changes of all versions together let the page compare any two versions and show the
record as it stood at any one, without a page per version. Blame is the same pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from incidentlog import audit
from incidentlog import events as ev
from incidentlog.incident import Incident, fold

EMPTY: dict[str, Any] = {field: [] for field in audit.KEYS}
"""The document before the first event: its lists empty, so list changes are per item and
blame names who last set each item, not only who first set the list."""


@attrs.frozen
class Version:
    """One event of the incident and what it changed in the report."""

    line: audit.HistoryLine
    changes: tuple[audit.Change, ...]


@attrs.frozen
class Past:
    """Every version of an incident, and who last set each field."""

    versions: tuple[Version, ...]
    blame: tuple[audit.Blame, ...]


def past(events: Sequence[ev.Event]) -> Past:
    """The versions and blame of an incident from its events, oldest first."""
    versions = []
    last: dict[str, audit.Blame] = {}
    state: Incident | None = None
    previous: dict[str, Any] = dict(EMPTY)
    for version, e in enumerate(events, 1):
        summary = audit.describe(e, state)
        state = fold([e], state)
        assert state is not None
        doc = audit.as_document(state)
        changes = tuple(c for c in audit.diff_documents(previous, doc) if c.path != "$.version")
        reason = e.reason if isinstance(e, ev.Corrected) else None
        for change in changes:
            last[change.path] = audit.Blame(change.path, version, ev.tag_of(e), e.actor,
                                            e.recorded_at, reason)
        source = f"{e.source.file}:{e.source.line}" if e.source else None
        versions.append(Version(audit.HistoryLine(version, ev.tag_of(e), e.occurred_at,
                                                  e.recorded_at, e.actor, summary, source),
                                changes))
        previous = doc
    current = {c.path for c in audit.diff_documents(EMPTY, previous)}
    blame = tuple(b for path, b in sorted(last.items()) if path in current)
    return Past(tuple(versions), blame)


def changes_data(p: Past) -> list[list[Any]]:
    """Every change as ``[version, path, kind, before, after]``, for the page's script."""
    return [[v.line.version, c.path, c.kind, c.before, c.after]
            for v in p.versions for c in v.changes]
