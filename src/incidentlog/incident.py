"""Incident state, the fold that builds it from events, and the rules commands must keep.

The aggregate follows the decider pattern: :func:`evolve` folds one event into an immutable
:class:`Incident`; :func:`decide` checks a proposed event against the state it would join
and raises :class:`~incidentlog.errors.RuleViolation` naming the rule it breaks. Events
read from legacy documents skip :func:`decide`: they are history, and the checker
(:mod:`incidentlog.checks`) reports what is wrong in them instead.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog.errors import InvalidEventError, RuleViolation
from incidentlog.severity import is_severity, rank

IncidentStatus = Literal[
    "investigating", "identified", "mitigating", "monitoring", "mitigated", "resolved", "closed"
]

INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)

LIFECYCLE: tuple[str, ...] = (
    "began_at",
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)
"""Lifecycle times, in the order they must keep (acknowledged may not precede detected)."""

_Refuse = Callable[[str, str], RuleViolation]

INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#-]{0,99}")

COMMANDER = "commander"
"""The role :attr:`Incident.commander` holds."""
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
"""A custom field's name: lower case letters, digits and ``_``, at most 50."""


@attrs.frozen
class TimelineEntry:
    """A row of the timeline: a timeline entry, or a lifecycle event seen as one."""

    at: datetime | None
    text: str
    by: str | None
    kind: str
    version: int
    marks: str | None = None
    source: ev.Source | None = None
    actor: str = ""

    @property
    def who(self) -> str:
        """Who acted: ``by`` when the record says, else who recorded it."""
        return self.by if self.by is not None else self.actor


@attrs.frozen
class ActionItem:
    """A follow-up as it stands now."""

    id: str
    title: str
    owner: str | None
    due: date | None
    priority: str | None
    status: ev.ActionStatus
    horizon: str | None
    version: int = 0
    ticket: str | None = None


@attrs.frozen
class Lesson:
    """Something learned, by kind."""

    kind: str
    title: str
    text: str
    version: int = 0


@attrs.frozen
class SignOff:
    """An approval (or refusal) of the report."""

    role: str
    name: str
    approved: bool
    at: datetime | None
    note: str = ""
    version: int = 0


@attrs.frozen
class Section:
    """Verbatim Markdown under its heading."""

    heading: str
    markdown: str
    level: int
    anchor: str | None
    source: ev.Source | None = None
    version: int = 0


@attrs.frozen
class RootCause:
    """Why it happened."""

    summary: str
    whys: tuple[ev.Why, ...] = ()
    contributing_factors: tuple[str, ...] = ()
    immediate_cause: str = ""
    causes: tuple[str, ...] = ()


@attrs.frozen
class Mitigation:
    """What stopped the harm."""

    action: str
    commands: str
    commands_language: str
    why_it_worked: str


@attrs.frozen
class Impact:
    """The latest impact assessment."""

    users_affected: str | None = None
    services: tuple[ev.ServiceImpact, ...] = ()
    revenue: str | None = None
    failed_requests: int | None = None
    total_requests: int | None = None
    slo_target: float | None = None
    slo_actual: float | None = None
    downtime_minutes: float | None = None
    facts: tuple[ev.Fact, ...] = ()


@attrs.frozen
class StatedFigure:
    """A figure a document typed in; the checker compares it with the derived one."""

    figure: str
    value: float
    text: str
    source: ev.Source | None
    label: str = ""
    version: int = 0


@attrs.frozen
class SeverityChange:
    """One step of the severity's history."""

    at: datetime | None
    before: str | None
    after: str
    reason: str

    @property
    def direction(self) -> str:
        """``escalated`` when the new severity is more severe (rank 0, P0, is the most)."""
        before, after = rank(self.before), rank(self.after)
        if self.before is None or before is None or after is None:
            return "set" if self.before is None else "changed"
        if after == before:
            return "changed"
        return "escalated" if after < before else "downgraded"


@attrs.frozen
class Incident:
    """An incident as its events say it is at ``version``. Never stored: always folded."""

    id: str
    title: str
    severity: ev.Severity | None
    status: IncidentStatus
    version: int
    commander: str | None = None
    began_at: datetime | None = None
    detected_at: datetime | None = None
    declared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopened_at: datetime | None = None
    services: tuple[str, ...] = ()
    summary: str = ""
    resolution: str = ""
    root_cause: RootCause | None = None
    mitigation: Mitigation | None = None
    impact: Impact | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    lessons: tuple[Lesson, ...] = ()
    sign_offs: tuple[SignOff, ...] = ()
    sections: tuple[Section, ...] = ()
    stated: tuple[StatedFigure, ...] = ()
    severity_changes: tuple[SeverityChange, ...] = ()
    status_history: tuple[tuple[int, str], ...] = ()
    reopened: int = 0
    imported_from: str | None = None
    teams: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    """Custom fields as ``(name, value)`` pairs, by name."""
    roles: tuple[tuple[str, str], ...] = ()
    """Roles beyond the commander (``scribe``, ``communications``...) as ``(role, person)``
    pairs, by role; the commander is :attr:`commander`."""

    def field(self, name: str) -> str | None:
        """The value of a custom field, if set."""
        return dict(self.fields).get(name)

    def role(self, role: str) -> str | None:
        """Who holds a role (``commander`` included), if anyone."""
        return self.commander if role == COMMANDER else dict(self.roles).get(role)

    def action_item(self, item_id: str) -> ActionItem | None:
        """The action item with that id, if any."""
        return next((a for a in self.action_items if a.id == item_id), None)

    def stated_figure(self, figure: str) -> StatedFigure | None:
        """The last stated value of a figure, if the record states it."""
        return next((s for s in reversed(self.stated) if s.figure == figure), None)

    @property
    def severity_rank(self) -> int | None:
        """The severity on one scale whatever the team's labels (0 is the most severe)."""
        return rank(self.severity)

    @property
    def is_closed(self) -> bool:
        """Closed records take no event but :class:`~incidentlog.events.Reopened`."""
        return self.closed_at is not None and self.status == "closed"

    @property
    def started_at(self) -> datetime | None:
        """When the incident is counted from: detection, else declaration."""
        return self.detected_at or self.declared_at


# --------------------------------------------------------------------------- the fold


COLLECTIONS = ("timeline", "action_items", "lessons", "sign_offs", "sections", "stated",
               "severity_changes", "status_history")
"""Fields that hold many items; the fold appends to them in place and freezes them once."""

_FIELDS = tuple(a.name for a in attrs.fields(Incident))
_DEFAULTS = {a.name: a.default for a in attrs.fields(Incident) if a.default is not attrs.NOTHING}
"""A new incident's fields before its declaration sets any (plain values: no factories)."""
assert not any(hasattr(v, "takes_self") for v in _DEFAULTS.values()), "no attrs.Factory"


class _Draft:
    """An incident being folded: the same fields, lists where the state has tuples."""

    def __init__(self, state: Incident | None = None, **fields: Any) -> None:
        values = self.__dict__
        if state is None:  # a new incident: the defaults, then the fields given
            values.update(_DEFAULTS)
            values.update(fields)
        else:
            for name in _FIELDS:
                values[name] = getattr(state, name)
        for name in COLLECTIONS:
            values[name] = list(values[name])

    @property
    def severity_rank(self) -> int | None:
        """The severity on one scale whatever the team's labels (0 is the most severe)."""
        return rank(self.severity)

    @property
    def is_closed(self) -> bool:
        return bool(self.closed_at is not None and self.status == "closed")

    def action_item(self, item_id: str) -> ActionItem | None:
        return next((a for a in self.action_items if a.id == item_id), None)

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)

    def freeze(self) -> Incident:
        fields = self.__dict__.copy()
        for name in COLLECTIONS:
            fields[name] = tuple(fields[name])
        return Incident(**fields)

    if TYPE_CHECKING:  # the fields are Incident's, set in __init__; this tells mypy so
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


def fold(events: Iterable[ev.Event], state: Incident | None = None) -> Incident | None:
    """Fold events (oldest first) into state, starting from ``state`` (or nothing).

    Linear in the number of events: collections grow in place and are frozen once.
    """
    draft: _Draft | None = None
    version = state.version if state is not None else 0
    for event in events:
        version += 1
        if draft is None:  # made at the first event: folding nothing returns ``state``
            if state is None:
                draft = _first(event, version)
                continue
            draft = _Draft(state)
        _apply(draft, event, version)
    return draft.freeze() if draft is not None else state


class Folding:
    """Many incidents folded at once from their events as they come (in recording order),
    each kept as a draft until its state is asked for: linear in the events however the
    streams interleave. For reading every incident and rebuilding read models."""

    def __init__(self) -> None:
        self._drafts: dict[str, _Draft] = {}

    def __contains__(self, incident_id: object) -> bool:
        return incident_id in self._drafts

    def resume(self, state: Incident) -> None:
        """Go on from ``state``: the next event of that incident is the one after it."""
        self._drafts[state.id] = _Draft(state)

    def add(self, incident_id: str, event: ev.Event, version: int) -> None:
        """Fold the event stored at ``version`` of ``incident_id``."""
        draft = self._drafts.get(incident_id)
        if draft is None:
            self._drafts[incident_id] = _first(event, version)
        else:
            _apply(draft, event, version)

    def state(self, incident_id: str) -> Incident:
        """The incident as folded so far."""
        return self._drafts[incident_id].freeze()

    def states(self) -> list[Incident]:
        """Every incident folded so far, in the order each was first met."""
        return [draft.freeze() for draft in self._drafts.values()]


class Replay:
    """One incident folded event by event, its fields readable between events without
    freezing a state each time (linear in the events). For blame: the lists read through
    :meth:`field` are the live ones, so read them, never change them."""

    def __init__(self) -> None:
        self._draft: _Draft | None = None

    def add(self, event: ev.Event, version: int) -> None:
        """Fold the event stored at ``version``."""
        if self._draft is None:
            self._draft = _first(event, version)
        else:
            _apply(self._draft, event, version)

    def field(self, name: str) -> Any:
        """The current value of one of :class:`Incident`'s fields (lists for collections)."""
        if self._draft is None:
            raise LookupError("no event folded yet")
        return getattr(self._draft, name)


def evolve(state: Incident | None, event: ev.Event, version: int) -> Incident:
    """The state after ``event``, stored at ``version``. Total: never raises on history."""
    if state is None:
        return _first(event, version).freeze()
    draft = _Draft(state)
    _apply(draft, event, version)
    return draft.freeze()


def _first(event: ev.Event, version: int) -> _Draft:
    if not isinstance(event, ev.IncidentDeclared):
        raise InvalidEventError(
            f"a stream must begin with IncidentDeclared, not {type(event).__name__}"
        )
    return _declared(event, version)


def _apply(d: _Draft, event: ev.Event, version: int) -> None:
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(d, event, version)
    d.version = version


def _entry(event: ev.Event, version: int, text: str, by: str | None, marks: str | None = None
           ) -> TimelineEntry:
    return TimelineEntry(
        at=event.occurred_at,
        text=text,
        by=by,
        kind=ev.TAGS[type(event)],
        version=version,
        marks=marks,
        source=event.source,
        actor=event.actor,
    )


def _declared(e: ev.IncidentDeclared, version: int) -> _Draft:
    return _Draft(
        id=e.incident_id,
        title=e.title,
        severity=e.severity,
        status="investigating",
        version=version,
        commander=e.commander,
        detected_at=e.detected_at,
        declared_at=e.occurred_at,
        services=e.services,
        summary=e.summary,
        timeline=(_entry(e, version, e.note, e.by),) if e.note or e.occurred_at else (),
        imported_from=e.source.file if e.source else None,
    )


def _on_declared_again(d: _Draft, e: ev.IncidentDeclared, v: int) -> None:
    """Only reachable for history that skipped decide(); the first declaration stands."""


def _on_severity(d: _Draft, e: ev.SeverityChanged, v: int) -> None:
    change = SeverityChange(e.occurred_at, d.severity, e.severity, e.reason)
    if d.severity is None:
        text = e.note or f"Severity set to {e.severity}"
    else:
        text = e.note or f"{change.direction.capitalize()} {d.severity} -> {e.severity}"
    if not e.note and e.reason:
        text += f": {e.reason}"
    d.severity = e.severity
    d.severity_changes.append(change)
    d.timeline.append(_entry(e, v, text, e.by))


def _on_status(d: _Draft, e: ev.StatusChanged, v: int) -> None:
    d.status = e.status
    d.status_history.append((v, e.status))
    if e.note.strip():
        d.timeline.append(_entry(e, v, e.note, e.by))


def _earliest(current: datetime | None, new: datetime | None) -> datetime | None:
    return new if current is None or (new is not None and new < current) else current


def _latest(current: datetime | None, new: datetime | None) -> datetime | None:
    return new if current is None or (new is not None and new >= current) else current


def _on_timeline(d: _Draft, e: ev.TimelineEntryAdded, v: int) -> None:
    d.timeline.append(_entry(e, v, e.text, e.by, e.marks))
    if e.marks is not None and e.occurred_at is not None:
        # The first sign of trouble counts, whatever order the entries were recorded in.
        field = f"{e.marks}_at"
        setattr(d, field, _earliest(getattr(d, field), e.occurred_at))


def _on_impact(d: _Draft, e: ev.ImpactAssessed, v: int) -> None:
    d.impact = Impact(
        users_affected=e.users_affected,
        services=e.services,
        revenue=e.revenue,
        failed_requests=e.failed_requests,
        total_requests=e.total_requests,
        slo_target=e.slo_target,
        slo_actual=e.slo_actual,
        downtime_minutes=e.downtime_minutes,
        facts=e.facts,
    )
    d.services = tuple(dict.fromkeys((*d.services, *(x.name for x in e.services))))


def _on_mitigated(d: _Draft, e: ev.Mitigated, v: int) -> None:
    # The latest mitigation in time is the incident's, whatever order they were recorded in.
    latest = _latest(d.mitigated_at, e.occurred_at)
    if latest == e.occurred_at or d.mitigation is None:
        d.mitigation = Mitigation(e.action, e.commands, e.commands_language, e.why_it_worked)
    d.mitigated_at = latest
    if d.status not in ("resolved", "closed"):
        d.status = "mitigated"
    if e.note or e.occurred_at is not None:
        d.timeline.append(_entry(e, v, e.note, e.by))


def _on_root_cause(d: _Draft, e: ev.RootCauseIdentified, v: int) -> None:
    d.root_cause = RootCause(e.summary, e.whys, e.contributing_factors, e.immediate_cause,
                             e.causes)
    if d.status == "investigating":
        d.status = "identified"


def _on_resolved(d: _Draft, e: ev.Resolved, v: int) -> None:
    d.resolved_at = _latest(d.resolved_at, e.occurred_at)
    d.status = "resolved"
    if e.summary:
        d.resolution = e.summary
    if e.note or e.occurred_at is not None:
        d.timeline.append(_entry(e, v, e.note, e.by))


def _on_item_added(d: _Draft, e: ev.ActionItemAdded, v: int) -> None:
    d.action_items.append(ActionItem(e.item_id, e.title, e.owner, e.due, e.priority, e.status,
                                     e.horizon, v, e.ticket))


def _on_item_updated(d: _Draft, e: ev.ActionItemUpdated, v: int) -> None:
    fields = {k: getattr(e, k) for k in ("status", "owner", "due", "title", "priority")
              if getattr(e, k) is not None}
    d.action_items = [attrs.evolve(item, **fields) if item.id == e.item_id else item
                      for item in d.action_items]


def _on_lesson(d: _Draft, e: ev.LessonRecorded, v: int) -> None:
    d.lessons.append(Lesson(e.kind, e.title, e.text, v))


def _on_signed_off(d: _Draft, e: ev.SignedOff, v: int) -> None:
    d.sign_offs = [x for x in d.sign_offs if x.role != e.role]
    d.sign_offs.append(SignOff(e.role, e.name, e.approved, e.occurred_at, e.note, v))


def _on_closed(d: _Draft, e: ev.Closed, v: int) -> None:
    d.closed_at = _latest(d.closed_at, e.occurred_at)
    d.status = "closed"
    if e.note or e.occurred_at is not None:
        d.timeline.append(_entry(e, v, e.note, e.by))


def _on_reopened(d: _Draft, e: ev.Reopened, v: int) -> None:
    d.closed_at = None
    d.resolved_at = None
    d.reopened_at = _latest(d.reopened_at, e.occurred_at)
    d.status = "investigating"
    d.reopened += 1
    d.timeline.append(_entry(e, v, e.note or f"Reopened: {e.reason}", e.by))


def _on_section(d: _Draft, e: ev.SectionNoted, v: int) -> None:
    d.sections.append(Section(e.heading, e.markdown, e.level, e.anchor, e.source, v))


def _on_figure(d: _Draft, e: ev.FigureStated, v: int) -> None:
    d.stated.append(StatedFigure(e.figure, e.value, e.text, e.source, e.label, v))


def _relabelled(current: tuple[str, ...], e: ev.TeamsChanged | ev.TagsChanged
                ) -> tuple[str, ...]:
    kept = [x for x in current if x not in e.removed]
    return (*kept, *(x for x in dict.fromkeys(e.added) if x not in kept))


def _on_teams(d: _Draft, e: ev.TeamsChanged, v: int) -> None:
    d.teams = _relabelled(d.teams, e)


def _on_tags(d: _Draft, e: ev.TagsChanged, v: int) -> None:
    d.tags = _relabelled(d.tags, e)


def _with(pairs: tuple[tuple[str, str], ...], name: str, value: str | None
          ) -> tuple[tuple[str, str], ...]:
    """Sorted name/value pairs with ``name`` set to ``value``, or removed for ``None``."""
    found = dict(pairs)
    if value is None:
        found.pop(name, None)
    else:
        found[name] = value
    return tuple(sorted(found.items()))


def _on_field(d: _Draft, e: ev.FieldSet, v: int) -> None:
    d.fields = _with(d.fields, e.name, e.value)


def _on_role(d: _Draft, e: ev.RoleAssigned, v: int) -> None:
    if e.role == COMMANDER:
        d.commander = e.person
        return
    d.roles = _with(d.roles, e.role, e.person)


def _on_corrected(d: _Draft, e: ev.Corrected, v: int) -> None:
    field = e.field
    if field == "retract":
        for name in ("timeline", "action_items", "lessons", "sign_offs", "sections", "stated"):
            setattr(d, name, [x for x in getattr(d, name) if x.version != e.target_version])
    elif field.startswith("mitigation."):
        current = d.mitigation or Mitigation("", "", "", "")
        fixed_field: dict[str, Any] = {field.removeprefix("mitigation."): e.value or ""}
        d.mitigation = attrs.evolve(current, **fixed_field)
    elif field.startswith("timeline."):
        attr = field.removeprefix("timeline.")
        try:
            value: object = parse_time(e.value) if attr == "at" else e.value
        except ValueError:
            return
        fixed: dict[str, Any] = {attr: value if attr != "text" else value or ""}
        d.timeline = [attrs.evolve(entry, **fixed) if entry.version == e.target_version
                      else entry for entry in d.timeline]
    elif field in LIFECYCLE:
        try:
            setattr(d, field, parse_time(e.value))
        except ValueError:
            return
    elif field == "root_cause":
        root = d.root_cause or RootCause(summary="")
        d.root_cause = attrs.evolve(root, summary=e.value or "")
    elif field == "severity":
        if is_severity(e.value):
            d.severity = e.value
    elif field == "status":
        if e.value in INCIDENT_STATUSES:
            d.status = e.value
    elif field in ("title", "summary", "resolution"):
        setattr(d, field, e.value or "")
    elif field == "commander":
        d.commander = e.value


_HANDLERS: dict[type[ev.Event], Callable[[_Draft, Any, int], None]] = {
    ev.IncidentDeclared: _on_declared_again,
    ev.SeverityChanged: _on_severity,
    ev.StatusChanged: _on_status,
    ev.TimelineEntryAdded: _on_timeline,
    ev.ImpactAssessed: _on_impact,
    ev.Mitigated: _on_mitigated,
    ev.RootCauseIdentified: _on_root_cause,
    ev.Resolved: _on_resolved,
    ev.ActionItemAdded: _on_item_added,
    ev.ActionItemUpdated: _on_item_updated,
    ev.LessonRecorded: _on_lesson,
    ev.SignedOff: _on_signed_off,
    ev.Closed: _on_closed,
    ev.Reopened: _on_reopened,
    ev.SectionNoted: _on_section,
    ev.FigureStated: _on_figure,
    ev.Corrected: _on_corrected,
    ev.TeamsChanged: _on_teams,
    ev.TagsChanged: _on_tags,
    ev.FieldSet: _on_field,
    ev.RoleAssigned: _on_role,
}


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time with an offset (or ``None``); a naive one is refused."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed


# --------------------------------------------------------------------------- the rules


def decide(state: Incident | None, event: ev.Event, *, incident_id: str) -> Incident:
    """Check ``event`` as a command against ``state``; return the state it leads to.

    Raises :class:`~incidentlog.errors.RuleViolation` naming the broken rule, or
    :class:`~incidentlog.errors.InvalidEventError` for a value of the wrong type.
    """
    return decide_all(state, [event], incident_id=incident_id)[0]


def decide_all(state: Incident | None, events: Iterable[ev.Event], *, incident_id: str,
               recorded_at: datetime | None = None) -> tuple[Incident, list[ev.Event]]:
    """Check events as one command, each against the state the ones before it lead to.

    Returns the final state and the events with every field of its declared type (what is
    stored), stamped with ``recorded_at`` when given. Linear in the events, like
    :func:`fold`.
    """
    def refuse(rule: str, message: str) -> RuleViolation:
        return RuleViolation(rule, message, incident_id=incident_id)

    draft = _Draft(state) if state is not None else None
    version = state.version if state is not None else 0
    checked: list[ev.Event] = []
    for event in events:
        event = check_types(event, recorded_at=recorded_at)
        version += 1
        _check_command(draft, event, incident_id, refuse)
        if draft is None:
            draft = _first(event, version)
            _check_lifecycle(_NO_TIMES, _lifecycle_times(draft), refuse)
        else:
            before = _lifecycle_times(draft)
            _apply(draft, event, version)
            after = _lifecycle_times(draft)
            if after != before:
                _check_lifecycle(before, after, refuse)
        checked.append(event)
    if draft is None:
        raise RuleViolation("not-declared", "nothing to decide", incident_id=incident_id)
    return draft.freeze(), checked


def _check_command(state: Any, event: ev.Event, incident_id: str, refuse: _Refuse) -> None:
    if state is None:
        if not isinstance(event, ev.IncidentDeclared):
            raise refuse("not-declared", f"declare the incident before {type(event).__name__}")
        if event.incident_id != incident_id or not INCIDENT_ID.fullmatch(incident_id):
            raise refuse(
                "incident-id",
                f"{event.incident_id!r} must equal the stream's id and use letters, digits "
                "and . _ : # - (at most 100)",
            )
    elif isinstance(event, ev.IncidentDeclared):
        raise refuse("already-declared", "the incident was declared already")
    elif state.is_closed and not isinstance(event, ev.Reopened):
        raise refuse("closed", f"the record is closed; only Reopened may follow, not "
                     f"{type(event).__name__}")
    kind = type(event)
    if kind in _NEEDS_TIME and event.occurred_at is None:
        raise refuse("missing-time", f"{kind.__name__} needs occurred_at")
    rule = _EVENT_RULES.get(kind)
    if rule is not None:
        rule(state, event, refuse)


_NEEDS_TIME = frozenset({ev.IncidentDeclared, ev.Mitigated, ev.Resolved, ev.Closed,
                         ev.SignedOff, ev.SeverityChanged, ev.Reopened})


def _severity_in_range(severity: str | None, refuse: _Refuse) -> None:
    if not is_severity(severity):
        raise refuse("severity-range", f"severity {severity!r} is not a severity (P0-P5, "
                     "SEV0-5, Sev 1, Critical/High/Medium/Low...)")


def _rule_declared(state: Any, event: ev.IncidentDeclared, refuse: _Refuse) -> None:
    _severity_in_range(event.severity, refuse)


def _rule_severity(state: Any, event: ev.SeverityChanged, refuse: _Refuse) -> None:
    _severity_in_range(event.severity, refuse)
    if state is not None and event.severity == state.severity:
        raise refuse("severity-unchanged", f"severity is {state.severity} already")


def _rule_reopened(state: Any, event: ev.Reopened, refuse: _Refuse) -> None:
    if not state.is_closed:
        raise refuse("not-closed", "only a closed record can be reopened")
    if event.occurred_at and state.closed_at and event.occurred_at < state.closed_at:
        raise refuse("lifecycle-order", f"reopened at {event.occurred_at.isoformat()}, before "
                     f"it was closed at {state.closed_at.isoformat()}")


def _rule_resolved(state: Any, event: ev.Resolved, refuse: _Refuse) -> None:
    if state.resolved_at is not None:
        raise refuse("already-resolved", "the incident is resolved already; reopen it first")


def _rule_after_resolution(state: Any, event: ev.SignedOff | ev.Closed, refuse: _Refuse
                           ) -> None:
    if state.resolved_at is None:
        what = "sign-off" if isinstance(event, ev.SignedOff) else "close"
        raise refuse(f"{what}-before-resolution", f"no {what} before the incident is resolved")
    if (isinstance(event, ev.SignedOff) and event.occurred_at
            and event.occurred_at < state.resolved_at):
        raise refuse("sign-off-before-resolution",
                     f"signed at {event.occurred_at.isoformat()}, before resolution at "
                     f"{state.resolved_at.isoformat()}")


def _rule_item_added(state: Any, event: ev.ActionItemAdded, refuse: _Refuse) -> None:
    if state.action_item(event.item_id):
        raise refuse("duplicate-action-item", f"action item {event.item_id!r} exists already")


def _rule_item_updated(state: Any, event: ev.ActionItemUpdated, refuse: _Refuse) -> None:
    if not state.action_item(event.item_id):
        raise refuse("unknown-action-item", f"no action item {event.item_id!r}")


def _label(kind: str, text: str, refuse: _Refuse) -> None:
    if not text.strip() or text != text.strip() or "|" in text or len(text) > 100:
        raise refuse("label", f"{kind} {text!r}: give 1 to 100 characters, no '|', no spaces "
                     "around")


def _rule_relabel(state: Any, event: ev.TeamsChanged | ev.TagsChanged, refuse: _Refuse
                  ) -> None:
    kind = "team" if isinstance(event, ev.TeamsChanged) else "tag"
    current = state.teams if kind == "team" else state.tags
    for text in (*event.added, *event.removed):
        _label(kind, text, refuse)
    missing = [x for x in event.removed if x not in current]
    if missing:
        raise refuse("label", f"no {kind} {missing[0]!r} to remove; {kind}s: "
                     f"{', '.join(current) or 'none'}")
    if not [x for x in event.added if x not in current] and not event.removed:
        raise refuse("label", f"nothing changes: {kind}s are {', '.join(current) or 'none'}")


def _rule_field(state: Any, event: ev.FieldSet, refuse: _Refuse) -> None:
    if not FIELD_NAME.fullmatch(event.name):
        raise refuse("field", f"field name {event.name!r}: lower case letters, digits and _, "
                     "starting with a letter, at most 50")
    if event.value is None and state.field(event.name) is None:
        raise refuse("field", f"field {event.name} is not set; set: "
                     f"{', '.join(name for name, _ in state.fields) or 'none'}")
    if event.value is not None and (not event.value.strip() or len(event.value) > 1000):
        raise refuse("field", f"field {event.name}: a value is 1 to 1000 characters "
                     "(None unsets it)")


def _rule_role(state: Any, event: ev.RoleAssigned, refuse: _Refuse) -> None:
    _label("role", event.role, refuse)
    if event.person is not None and not event.person.strip():
        raise refuse("role", f"role {event.role}: name the person, or None to leave it empty")


def _check_correction(state: Any, event: ev.Corrected, refuse: _Refuse) -> None:
    if event.field not in ev.CORRECTABLE_FIELDS:
        raise refuse("correction", f"{event.field!r} cannot be corrected; correctable: "
                     f"{', '.join(ev.CORRECTABLE_FIELDS)}")
    if not event.reason.strip():
        raise refuse("correction", "a correction needs a reason")
    if event.field == "retract" and not any(
        x.version == event.target_version
        for name in ("timeline", "action_items", "lessons", "sign_offs", "sections", "stated")
        for x in getattr(state, name)
    ):
        raise refuse("correction", f"the event at version {event.target_version} added "
                     "nothing that can be withdrawn")
    if event.field.startswith("timeline.") and not any(
        t.version == event.target_version for t in state.timeline
    ):
        raise refuse("correction", f"no timeline entry was added at version "
                     f"{event.target_version}")
    if event.field in LIFECYCLE or event.field == "timeline.at":
        try:
            parse_time(event.value)
        except ValueError as exc:
            raise refuse("correction", str(exc)) from None
    if event.field == "status" and event.value not in INCIDENT_STATUSES:
        raise refuse("correction", f"status {event.value!r} is not one of "
                     f"{', '.join(INCIDENT_STATUSES)}")
    if event.field == "severity":
        _severity_in_range(event.value, refuse)


_EVENT_RULES: dict[type[ev.Event], Callable[[Any, Any, _Refuse], None]] = {
    ev.IncidentDeclared: _rule_declared,
    ev.SeverityChanged: _rule_severity,
    ev.Reopened: _rule_reopened,
    ev.Resolved: _rule_resolved,
    ev.SignedOff: _rule_after_resolution,
    ev.Closed: _rule_after_resolution,
    ev.ActionItemAdded: _rule_item_added,
    ev.ActionItemUpdated: _rule_item_updated,
    ev.Corrected: _check_correction,
    ev.TeamsChanged: _rule_relabel,
    ev.TagsChanged: _rule_relabel,
    ev.FieldSet: _rule_field,
    ev.RoleAssigned: _rule_role,
}
"""The rules particular to each event type, checked against the state before it (``None``
only before an IncidentDeclared: nothing else may come first)."""


def _check_lifecycle(before: tuple[datetime | None, ...], after: tuple[datetime | None, ...],
                     refuse: _Refuse) -> None:
    """Refuse a command that puts a pair of lifecycle times out of order that was in order
    before it. History imported with times out of order (the checker reports it) still
    takes commands that add no new disorder, corrections of one of its problems included."""
    for pair, (i, j) in enumerate(_ORDER_AT):
        first, then = after[i], after[j]
        if first is None or then is None or not then < first:
            continue
        was_first, was_then = before[i], before[j]
        if was_first is None or was_then is None or not was_then < was_first:
            raise refuse("lifecycle-order", _sentence(after, pair))


_ORDER = (
    ("began_at", "detected_at"),
    ("began_at", "declared_at"),
    ("detected_at", "declared_at"),
    ("detected_at", "acknowledged_at"),
    ("declared_at", "mitigated_at"),
    ("acknowledged_at", "mitigated_at"),
    ("mitigated_at", "resolved_at"),
    ("declared_at", "resolved_at"),
    ("resolved_at", "closed_at"),
    ("reopened_at", "resolved_at"),
    ("reopened_at", "closed_at"),
)
"""Pairs of lifecycle times: the second may not be earlier than the first."""

_TIMED = (*LIFECYCLE, "reopened_at")
_lifecycle_times = operator.attrgetter(*_TIMED)
_NO_TIMES: tuple[datetime | None, ...] = (None,) * len(_TIMED)
"""The lifecycle times before a declaration: none."""
_ORDER_AT = tuple((_TIMED.index(a), _TIMED.index(b)) for a, b in _ORDER)


def _out_of_order(times: tuple[datetime | None, ...], pair: int) -> bool:
    i, j = _ORDER_AT[pair]
    a, b = times[i], times[j]
    return a is not None and b is not None and b < a


def _sentence(times: tuple[datetime | None, ...], pair: int) -> str:
    (first, then), (i, j) = _ORDER[pair], _ORDER_AT[pair]
    a, b = times[i], times[j]
    assert a is not None and b is not None
    return (f"{then.removesuffix('_at')} at {b.isoformat()} is before "
            f"{first.removesuffix('_at')} at {a.isoformat()}")


def lifecycle_problems(state: Incident | Any) -> list[str]:
    """Each pair of lifecycle times out of order, as a sentence."""
    times = _lifecycle_times(state)
    return [_sentence(times, pair) for pair in range(len(_ORDER)) if _out_of_order(times, pair)]


_encode = msgspec.json.Encoder().encode
_decoders = {cls: msgspec.json.Decoder(cls) for cls in ev.EVENT_TYPES}


def _allowed(cls: type[ev.Event], message: str) -> str:
    """``; allowed: a, b, c`` when ``message`` refuses an enum value of a field of ``cls``."""
    found = re.search(r"Invalid enum value .* at `\$\.(\w+)`", message)
    if not found:
        return ""
    field = next((f for f in msgspec.structs.fields(cls) if f.name == found.group(1)), None)
    values = _literal_values(field.type) if field else ()
    return f"; allowed: {', '.join(values)}" if values else ""


def _literal_values(kind: Any) -> tuple[str, ...]:
    if get_origin(kind) is Literal:
        return tuple(str(v) for v in get_args(kind))
    return tuple(v for arg in get_args(kind) for v in _literal_values(arg))


def check_types(event: ev.Event, *, recorded_at: datetime | None = None) -> ev.Event:
    """The event as decoding its stored JSON gives it back: every field of its declared type
    (an int given for a float becomes a float), or InvalidEventError naming the field, since
    constructors do not check types. ``recorded_at``: stamp it with that recording time."""
    name = type(event).__name__
    try:
        raw: bytes | None = _encode(event)
    except Exception:
        raw = None  # not encodable: refused below, once a NaN is named if there is one
    # JSON writes NaN and infinity as null: with no null in it, the event holds neither.
    bad = _non_finite(event) if (raw is None or b"null" in raw) and _any_non_finite(event) \
        else None
    if bad is not None:
        raise InvalidEventError(f"{name}.{bad}: not a finite number (NaN and infinity are "
                                "refused; leave the figure out when it is unknown)")
    try:
        checked = _decoders[type(event)].decode(raw if raw is not None else _encode(event))
    except (msgspec.ValidationError, TypeError) as exc:
        raise InvalidEventError(f"{name}: {exc}{_allowed(type(event), str(exc))}") from None
    if recorded_at is not None:
        offset = recorded_at.utcoffset() if isinstance(recorded_at, datetime) else None
        if offset is None:
            raise InvalidEventError(f"{name}.recorded_at: {recorded_at!r} refused; the clock "
                                    "must give timezone-aware times")
        # A new object no one else holds yet: stamping it in place is safe.
        msgspec.structs.force_setattr(checked, "recorded_at",
                                      recorded_at.astimezone(UTC) if offset else recorded_at)
    return checked


_PLAIN = frozenset({str, int, bool, type(None), datetime})


def _any_non_finite(value: Any) -> bool:
    """True if :func:`_non_finite` finds something: the same walk, without making paths."""
    kind = type(value)
    if kind in _PLAIN:
        return False
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, msgspec.Struct):
        return any(map(_any_non_finite, msgspec.structs.astuple(value)))
    if isinstance(value, list | tuple):
        return any(map(_any_non_finite, value))
    if isinstance(value, dict):
        return any(map(_any_non_finite, value.values()))
    return False


def _non_finite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN or infinite float in an event (JSON would store it as
    null, silently), or ``None``."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (path or "value")
    if isinstance(value, msgspec.Struct):
        for field in value.__struct_fields__:
            found = _non_finite(getattr(value, field), f"{path}.{field}" if path else field)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            found = _non_finite(item, f"{path}[{n}]")
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, f"{path}.{key}")
            if found:
                return found
    return None
