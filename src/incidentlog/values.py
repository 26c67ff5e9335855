"""Values an incident holds (impact, root cause, action item), defined once for events,
the folded state, inputs and the JSON document.

Events are stored flat: their field names are the format on disk, and msgspec does not
flatten a nested Struct. So an event carrying a value declares the value's fields itself,
and :func:`carrier` checks, when the event class is made, that it declares exactly these
(same names, types and defaults), so the two cannot drift; :func:`taker` then builds the
value from such an event by name, never field by field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal, TypeVar, get_args

import attrs
import msgspec

ActionStatus = Literal["open", "in_progress", "done"]
ACTION_STATUSES: tuple[str, ...] = get_args(ActionStatus)

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


class Fact(msgspec.Struct, frozen=True):
    """A labelled statement of impact: ``part`` is user, business, technical or summary."""

    part: str
    label: str
    value: str


class ServiceImpact(msgspec.Struct, frozen=True):
    """One affected service and what it suffered."""

    name: str
    effect: str = ""


class Why(msgspec.Struct, frozen=True):
    """One step of a Five Whys analysis."""

    question: str
    answer: str


@attrs.frozen
class Impact:
    """Who and what was hurt, and how much. Numbers feed the derived figures."""

    users_affected: str | None = None
    services: tuple[ServiceImpact, ...] = ()
    revenue: str | None = None
    failed_requests: int | None = None
    total_requests: int | None = None
    slo_target: float | None = None
    slo_actual: float | None = None
    downtime_minutes: float | None = None
    facts: tuple[Fact, ...] = ()


@attrs.frozen
class RootCause:
    """What caused it, in one sentence, with the reasoning that led there."""

    summary: str
    whys: tuple[Why, ...] = ()
    contributing_factors: tuple[str, ...] = ()
    immediate_cause: str = ""
    causes: tuple[str, ...] = ()


@attrs.frozen
class ActionItem:
    """A follow-up, with an id unique in its incident; ``version``: the event that added it
    (0 before it is stored)."""

    id: str
    title: str
    owner: str | None = None
    due: date | None = None
    priority: str | None = None
    status: ActionStatus = "open"
    horizon: str | None = None
    ticket: str | None = None
    """The tracker reference (``OPS-42``)."""
    version: int = 0


ACTION_ITEM_FIELDS: tuple[str, ...] = tuple(
    a.name for a in attrs.fields(ActionItem) if a.name not in ("id", "version"))
"""What describes an action item, besides its id."""

V = TypeVar("V")


def fields_of(value: Any, *, leave: tuple[str, ...] = ()) -> dict[str, Any]:
    """A value's fields by name (but ``leave``), for the event that carries it."""
    return {a.name: getattr(value, a.name) for a in attrs.fields(type(value))
            if a.name not in leave}


def _value_fields(value: type) -> dict[str, tuple[Any, Any]]:
    attrs.resolve_types(value)
    return {a.name: (a.type, a.default) for a in attrs.fields(value)}


def carrier(event: Any, value: type, *, names: Mapping[str, str] | None = None,
            leave: tuple[str, ...] = ()) -> None:
    """Check that the event class declares the value's fields (except ``leave``) with the
    same types and defaults; ``names`` maps a value field to the event's name for it.
    Raises TypeError at import, so a field added to one and not the other fails at once."""
    names = names or {}
    declared = {f.name: (f.type, f.default) for f in msgspec.structs.fields(event)}
    for name, (kind, default) in _value_fields(value).items():
        if name in leave:
            continue
        theirs = declared.get(names.get(name, name))
        want = (kind, msgspec.NODEFAULT if default is attrs.NOTHING else default)
        if theirs != want:
            raise TypeError(f"{event.__name__} carries {value.__name__}.{name} as {want}, "
                            f"but declares {theirs}")


def updates(event: Any, value: type, *, leave: tuple[str, ...]) -> tuple[str, ...]:
    """The value's fields an update event can change: its fields but ``leave``, each checked
    to be the value's field of the same name, optional (``None``: unchanged)."""
    kinds = {name: kind for name, (kind, _) in _value_fields(value).items()}
    found = []
    for f in msgspec.structs.fields(event):
        if f.name in leave:
            continue
        if f.name not in kinds or f.type != (kinds[f.name] | None) or f.default is not None:
            raise TypeError(f"{event.__name__}.{f.name} does not update {value.__name__}."
                            f"{f.name} (want {kinds.get(f.name)} | None = None)")
        found.append(f.name)
    return tuple(found)


def taker(value: Callable[..., V], *, names: Mapping[str, str] | None = None,
          leave: tuple[str, ...] = ()) -> Callable[..., V]:
    """A function making the value from an event that :func:`carrier` checked (``extra``
    keywords give the fields left)."""
    assert isinstance(value, type)
    fields = [a.name for a in attrs.fields(value)]
    mine = [n for n in fields if n not in leave]
    assert fields[:len(mine)] == mine, "the fields left come last (made by keyword)"
    names = names or {}
    get = operator.attrgetter(*(names.get(n, n) for n in mine))

    def take(e: Any, **extra: Any) -> V:
        made: V = value(*get(e), **extra)  # positional: the fold's hot path
        return made
    return take
