"""The words for events, in one place: the sentence a timeline shows for an event that
brings none of its own, the one-line summary of what an event did (``history``, the site,
the command line's echo) and what an author did, counted (a report's Document History).
"""

from __future__ import annotations

from typing import Any

from incidentlog import events as ev
from incidentlog.severity import rank

NOUNS: dict[str, tuple[str, str]] = {
    "declared": ("declared the incident", "declared the incident"),
    "severity_changed": ("changed the severity", "changed the severity {n} times"),
    "status_changed": ("updated the status", "updated the status {n} times"),
    "timeline_entry": ("added a timeline entry", "added {n} timeline entries"),
    "impact_assessed": ("assessed the impact", "assessed the impact {n} times"),
    "mitigated": ("recorded the mitigation", "recorded {n} mitigations"),
    "root_cause": ("recorded the root cause", "recorded the root cause {n} times"),
    "resolved": ("resolved the incident", "resolved the incident {n} times"),
    "action_item_added": ("added an action item", "added {n} action items"),
    "action_item_updated": ("updated an action item", "updated {n} action items"),
    "lesson": ("recorded a lesson", "recorded {n} lessons"),
    "signed_off": ("signed off", "added {n} sign-offs"),
    "closed": ("closed the record", "closed the record {n} times"),
    "reopened": ("reopened the record", "reopened the record {n} times"),
    "corrected": ("made a correction", "made {n} corrections"),
    "section": ("added a section", "added {n} sections"),
    "figure_stated": ("stated a figure", "stated {n} figures"),
    "teams_changed": ("changed the teams", "changed the teams {n} times"),
    "tags_changed": ("changed the tags", "changed the tags {n} times"),
    "field_set": ("set a field", "set {n} fields"),
    "role_assigned": ("assigned a role", "assigned {n} roles"),
}
"""What an author did, once and ``{n}`` times, by event tag."""

assert set(NOUNS) == set(ev.EVENT_TYPES_BY_TAG), "every event type has its words"


def did(tag: str, n: int) -> str:
    """What an author did with ``n`` events of type ``tag`` (``added 3 timeline entries``)."""
    one, many = NOUNS[tag]
    return one if n == 1 else many.format(n=n)


def direction(before: str | None, after: str) -> str:
    """``escalated`` when the new severity is more severe (rank 0, P0, is the most),
    ``downgraded``, ``set`` for a first severity, ``changed`` when labels do not rank."""
    if before is None:
        return "set"
    old, new = rank(before), rank(after)
    if old is None or new is None or old == new:
        return "changed"
    return "escalated" if new < old else "downgraded"


def severity_changed(before: str | None, e: ev.SeverityChanged) -> str:
    """The timeline's sentence for a severity change without a note of its own."""
    if before is None:
        text = f"Severity set to {e.severity}"
    else:
        text = f"{direction(before, e.severity).capitalize()} {before} -> {e.severity}"
    return text + (f": {e.reason}" if e.reason else "")


def reopened(e: ev.Reopened) -> str:
    """The timeline's sentence for a reopening without a note of its own."""
    return f"Reopened: {e.reason}"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def describe(e: ev.Event, before: Any) -> str:
    """A one-line summary of what an event did to the incident ``before`` it (an
    :class:`~incidentlog.incident.Incident`, or ``None`` before the first event)."""
    if isinstance(e, ev.IncidentDeclared):
        return f"declared {e.severity or 'unrated'}: {e.title}"
    if isinstance(e, ev.SeverityChanged):
        return _lower(severity_changed(before.severity if before else None, e))
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
        fields = [f"{f} {getattr(e, f)}" for f in ev.ACTION_ITEM_UPDATES
                  if getattr(e, f) is not None]
        return f"action item {e.item_id} updated: {', '.join(fields) or e.note}"
    if isinstance(e, ev.LessonRecorded):
        return f"lesson ({e.kind}): {e.title}"
    if isinstance(e, ev.SignedOff):
        return f"{'signed off' if e.approved else 'declined'} by {e.name} ({e.role})"
    if isinstance(e, ev.Closed):
        return "closed"
    if isinstance(e, ev.Reopened):
        return _lower(reopened(e))
    if isinstance(e, ev.Corrected):
        if e.field == "retract":
            return f"withdrew what version {e.target_version} added ({e.reason})"
        value = "none" if e.value is None else repr(e.value)
        return f"corrected {e.field} to {value} ({e.reason})"
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
