"""The vocabulary: one frozen msgspec Struct per thing that can happen to an incident.

Every event says when it happened in the world (``occurred_at``, ``None`` when a legacy
document could not know), who recorded it (``actor``) and when it was written
(``recorded_at``, stamped by the store). Events that came from a document carry a
:class:`Source`. Each class has an explicit tag: the tag, not the class name, is what is
stored, so renaming a class never changes the format on disk.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

import msgspec

from incidentlog import values
from incidentlog.errors import InvalidEventError
from incidentlog.times import in_utc, naive
from incidentlog.values import ACTION_STATUSES as ACTION_STATUSES
from incidentlog.values import ActionStatus as ActionStatus
from incidentlog.values import Fact as Fact
from incidentlog.values import ServiceImpact as ServiceImpact
from incidentlog.values import Why as Why

Severity = str
"""A severity as the team writes it (``P1``, ``SEV-2``, ``Sev 1``, ``Critical``); see
:mod:`incidentlog.severity` for its rank. Streams stored when only ``P0``-``P3`` existed
read unchanged: those are labels too."""
SEVERITIES: tuple[str, ...] = ("P0", "P1", "P2", "P3")
"""The house templates' scale."""

Status = Literal["investigating", "identified", "mitigating", "monitoring"]
"""Progress states a team may announce before resolution; resolved/closed have events."""
STATUSES: tuple[str, ...] = get_args(Status)


Mark = Literal["began", "detected", "acknowledged"]
"""What a timeline entry marks in the incident's life, when it marks anything."""


class Source(msgspec.Struct, frozen=True):
    """Where an imported event was read: a file (or ``None`` for a string) and a 1-based line."""

    file: str | None
    line: int


Time = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timezone-aware time. Decoding a naive one is a type error, like any other wrong type;
constructing one is refused by :func:`check` when the event is appended."""

_TIME_FIELDS: dict[type, tuple[str, ...]] = {}
"""For each event type, the fields that may hold a datetime."""


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", omit_defaults=True):
    """Fields every event has. Not stored by itself: use a subclass.

    Encoded without the fields left at their default (a fifth of the bytes on disk);
    decoding fills them in. :meth:`as_dict` gives every field, for export."""

    occurred_at: Time | None
    actor: str
    recorded_at: Time | None = None
    source: Source | None = None

    def __post_init__(self) -> None:
        """Times in UTC: a conversion, never a rule. This runs on every decode, so a rule
        checked here, once tightened, would make stored history unreadable; the rules are
        checked when an event is appended (:func:`check`, and the decider's)."""
        for name in _time_fields(type(self)):
            value = getattr(self, name)
            if isinstance(value, datetime) and value.utcoffset():
                msgspec.structs.force_setattr(self, name, in_utc(value))

    def as_dict(self) -> dict[str, Any]:
        """Every field, defaults included, as JSON-ready values with the tag as ``type``
        (what is stored leaves out fields at their default)."""
        out: dict[str, Any] = {"type": tag_of(self)}
        for name in self.__struct_fields__:
            out[name] = msgspec.to_builtins(getattr(self, name))
        return out

    @property
    def imported(self) -> bool:
        """True when the event was read from a legacy document rather than commanded."""
        return self.source is not None


def _time_fields(cls: type[Event]) -> tuple[str, ...]:
    names = _TIME_FIELDS.get(cls)
    if names is None:
        names = _TIME_FIELDS[cls] = tuple(f.name for f in msgspec.structs.fields(cls)
                                          if "datetime" in str(f.type))
    return names


def check(event: Event) -> None:
    """The rules every event keeps, checked when it is appended (never when a stored one is
    decoded): its times are timezone-aware and it names who recorded it. Raises
    :class:`~incidentlog.errors.InvalidEventError` naming the field."""
    name = type(event).__name__
    for field in _time_fields(type(event)):
        value = getattr(event, field)
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise InvalidEventError(naive(value, f"{name}.{field}"))
    if not isinstance(event.actor, str) or not event.actor.strip():
        raise InvalidEventError(f"{name}.actor: who recorded it is required")


class IncidentDeclared(Event, frozen=True, tag="declared"):
    """The incident exists; always the first event of a stream. ``occurred_at`` = declared.

    ``severity`` is ``None`` only for a legacy document that does not state one.
    """

    incident_id: str
    title: str
    severity: Severity | None
    commander: str | None = None
    detected_at: Time | None = None
    services: tuple[str, ...] = ()
    summary: str = ""
    note: str = "Incident declared"
    by: str | None = None


class SeverityChanged(Event, frozen=True, tag="severity_changed"):
    """Escalated or downgraded (which one is derived from the severity before it)."""

    severity: Severity
    reason: str = ""
    note: str = ""
    by: str | None = None


class StatusChanged(Event, frozen=True, tag="status_changed"):
    """The team announced a new phase of the response."""

    status: Status
    note: str = ""
    by: str | None = None


class TimelineEntryAdded(Event, frozen=True, tag="timeline_entry"):
    """Something happened during the incident. ``occurred_at=None``: time not known."""

    text: str
    by: str | None = None
    marks: Mark | None = None


class ImpactAssessed(Event, frozen=True, tag="impact_assessed"):
    """Who and what was hurt, and how much: a :class:`~incidentlog.values.Impact`."""

    users_affected: str | None = None
    services: tuple[ServiceImpact, ...] = ()
    revenue: str | None = None
    failed_requests: int | None = None
    total_requests: int | None = None
    slo_target: float | None = None
    slo_actual: float | None = None
    downtime_minutes: float | None = None
    facts: tuple[Fact, ...] = ()


class Mitigated(Event, frozen=True, tag="mitigated"):
    """User impact stopped (repaired), though the incident may not be resolved."""

    action: str = ""
    commands: str = ""
    commands_language: str = ""
    why_it_worked: str = ""
    note: str = ""
    by: str | None = None


class RootCauseIdentified(Event, frozen=True, tag="root_cause"):
    """What caused it: a :class:`~incidentlog.values.RootCause`."""

    summary: str
    whys: tuple[Why, ...] = ()
    contributing_factors: tuple[str, ...] = ()
    immediate_cause: str = ""
    causes: tuple[str, ...] = ()


class Resolved(Event, frozen=True, tag="resolved"):
    """The incident is over. ``summary`` says in one sentence how it was fixed."""

    summary: str = ""
    note: str = "Incident resolved"
    by: str | None = None


class ActionItemAdded(Event, frozen=True, tag="action_item_added"):
    """A follow-up to do (a :class:`~incidentlog.values.ActionItem`), with a stable id
    unique in the incident."""

    item_id: str
    title: str
    owner: str | None = None
    due: date | None = None
    priority: str | None = None
    status: ActionStatus = "open"
    horizon: str | None = None
    ticket: str | None = None
    """The tracker reference (``OPS-42``); stored from schema version 2 on."""


class ActionItemUpdated(Event, frozen=True, tag="action_item_updated"):
    """A follow-up changed; fields left ``None`` are unchanged."""

    item_id: str
    status: ActionStatus | None = None
    owner: str | None = None
    due: date | None = None
    title: str | None = None
    priority: str | None = None
    note: str = ""


values.carrier(ImpactAssessed, values.Impact)
values.carrier(RootCauseIdentified, values.RootCause)
values.carrier(ActionItemAdded, values.ActionItem, names={"id": "item_id"}, leave=("version",))
ACTION_ITEM_UPDATES: tuple[str, ...] = values.updates(
    ActionItemUpdated, values.ActionItem,
    leave=(*Event.__struct_fields__, "item_id", "note"))
"""The action item fields an :class:`ActionItemUpdated` can change."""
impact_of = values.taker(values.Impact)
"""The :class:`~incidentlog.values.Impact` an :class:`ImpactAssessed` states."""
root_cause_of = values.taker(values.RootCause)
"""The :class:`~incidentlog.values.RootCause` a :class:`RootCauseIdentified` states."""
action_item_of = values.taker(values.ActionItem, names={"id": "item_id"}, leave=("version",))
"""The :class:`~incidentlog.values.ActionItem` an :class:`ActionItemAdded` adds (give
``version=``)."""


class LessonRecorded(Event, frozen=True, tag="lesson"):
    """Something learned. ``kind``: went_well, went_wrong, lucky, technical, process,
    communication, or a team's own word."""

    kind: str
    title: str
    text: str = ""


class SignedOff(Event, frozen=True, tag="signed_off"):
    """Someone in a role approved (or declined) the report."""

    role: str
    name: str
    approved: bool = True
    note: str = ""


class Closed(Event, frozen=True, tag="closed"):
    """No more work on this record; only Reopened may follow."""

    note: str = "Incident closed"
    by: str | None = None


class Reopened(Event, frozen=True, tag="reopened"):
    """Closed too early: work on the record resumes."""

    reason: str
    note: str = ""
    by: str | None = None


class Corrected(Event, frozen=True, tag="corrected"):
    """An earlier fact was wrong. Never an edit in place: the old event stays.

    ``field`` is one of :data:`incidentlog.corrections.CORRECTABLE`, each with its type;
    ``timeline.*`` fields need ``target_version``, the version of the event that added the
    entry. ``value`` is text (ISO 8601 for times, a JSON array for ``services``), or ``None``
    to clear; :func:`incidentlog.corrections.correction` makes one from a typed value.
    ``field="retract"`` withdraws what the event at ``target_version`` added (a timeline
    entry, action item, lesson, sign-off, section or stated figure): it stays in the
    history, but no longer in the incident.
    """

    field: str
    value: str | None
    reason: str
    target_version: int | None = None


class SectionNoted(Event, frozen=True, tag="section"):
    """Free Markdown with no event of its own, kept verbatim under its heading.

    ``anchor`` names the heading it followed in its document, so a renderer can put it back.
    """

    heading: str
    markdown: str
    level: int = 2
    anchor: str | None = None


class FigureStated(Event, frozen=True, tag="figure_stated"):
    """A document stated a figure that the events can derive; the checker compares them.

    ``figure`` is one of :data:`STATED_FIGURES`; ``text`` is the value as written and
    ``label`` the words that introduced it (``Time to repair``).
    """

    figure: str
    value: float
    text: str = ""
    label: str = ""


STATED_FIGURES: tuple[str, ...] = (
    "duration_minutes",
    "time_to_mitigate_minutes",
    "time_to_detect_minutes",
    "time_to_repair_minutes",
    "time_to_resolve_minutes",
    "success_rate_pct",
    "error_budget_consumed_pct",
    "error_budget_minutes",
    "slo_breached",
    "failed_requests",
    "total_requests",
)

class TeamsChanged(Event, frozen=True, tag="teams_changed"):
    """Teams joined (``added``) or left (``removed``) the response."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


class TagsChanged(Event, frozen=True, tag="tags_changed"):
    """Labels put on (``added``) or taken off (``removed``) the incident."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


class FieldSet(Event, frozen=True, tag="field_set"):
    """A custom field of the team's own (``customer_tier``, ``region``): ``value`` is text,
    ``None`` to unset it."""

    name: str
    value: str | None


class RoleAssigned(Event, frozen=True, tag="role_assigned"):
    """Someone took a role in the response (``commander``, ``scribe``, ``communications``,
    or a team's own); ``person=None`` leaves the role empty. ``commander`` is the incident's
    commander."""

    role: str
    person: str | None


AnyEvent = (
    IncidentDeclared
    | SeverityChanged
    | StatusChanged
    | TimelineEntryAdded
    | ImpactAssessed
    | Mitigated
    | RootCauseIdentified
    | Resolved
    | ActionItemAdded
    | ActionItemUpdated
    | LessonRecorded
    | SignedOff
    | Closed
    | Reopened
    | Corrected
    | SectionNoted
    | FigureStated
    | TeamsChanged
    | TagsChanged
    | FieldSet
    | RoleAssigned
)
"""Every event type, as a tagged union msgspec can decode into."""

EVENT_TYPES: tuple[type[Event], ...] = get_args(AnyEvent)
EVENT_TYPES_BY_TAG: dict[str, type[Event]] = {
    t.__struct_config__.tag: t  # type: ignore[misc]
    for t in EVENT_TYPES
}

TAGS: dict[type[Event], str] = {cls: tag for tag, cls in EVENT_TYPES_BY_TAG.items()}
"""The stored tag of each event type."""


def tag_of(event: Event | type[Event]) -> str:
    """The stable tag stored for an event (or event class)."""
    cls = event if isinstance(event, type) else type(event)
    tag: Any = cls.__struct_config__.tag
    return str(tag)
