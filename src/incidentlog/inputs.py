"""Untrusted dicts and JSON into incidents: every problem reported at once, with its path.

A tool that embeds incidentlog often holds an incident as data (a form, a webhook, a JSON
file). :func:`structure_incident` turns such data into an :class:`IncidentInput` with
cattrs, strictly (a number is not a string, a time needs its UTC offset), and raises one
:class:`~incidentlog.errors.InputError` listing every problem with its JSON path
(``$.timeline[3].at``). :func:`events_for` turns the input into the events that record it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NewType

import attrs
import cattrs
import msgspec

from incidentlog import events as ev
from incidentlog.errors import InputError
from incidentlog.severity import is_severity

SeverityLabel = NewType("SeverityLabel", str)
"""A severity in the team's scale (``P1``, ``SEV-2``, ``Critical``), checked when read."""


@attrs.frozen
class TimelineInput:
    """One row of a timeline: when, what, who."""

    at: datetime | None
    event: str
    actor: str | None = None


@attrs.frozen
class ActionItemInput:
    """A follow-up."""

    id: str
    title: str
    owner: str | None = None
    due: date | None = None
    priority: str | None = None
    status: ev.ActionStatus = "open"
    horizon: str | None = None


@attrs.frozen
class IncidentInput:
    """An incident as data: what a declaration and its first events need."""

    id: str
    title: str
    severity: SeverityLabel
    declared_at: datetime
    commander: str | None = None
    detected_at: datetime | None = None
    services: tuple[str, ...] = ()
    summary: str = ""
    timeline: tuple[TimelineInput, ...] = ()
    action_items: tuple[ActionItemInput, ...] = ()
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str = ""
    root_cause: str = ""


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)

    def strict_str(value: Any, _: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        return value

    def aware_time(value: Any, _: Any) -> datetime:
        if not isinstance(value, str):
            raise TypeError(f"expected an ISO 8601 time, got {type(value).__name__}")
        return aware(value)

    def iso_date(value: Any, _: Any) -> date:
        if not isinstance(value, str):
            raise TypeError(f"expected a YYYY-MM-DD date, got {type(value).__name__}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a YYYY-MM-DD date") from None

    def severity(value: Any, _: Any) -> SeverityLabel:
        text = strict_str(value, _)
        if not is_severity(text):
            raise ValueError(f"{text!r} is not a severity (P0-P5, SEV0-5, Sev 1, Critical, "
                             "High, Medium, Low...)")
        return SeverityLabel(text)

    converter.register_structure_hook(SeverityLabel, severity)
    converter.register_structure_hook(str, strict_str)
    converter.register_structure_hook(datetime, aware_time)
    converter.register_structure_hook(date, iso_date)
    return converter


_CONVERTER = _converter()


def aware(text: str) -> datetime:
    """An ISO 8601 time that must carry its UTC offset; ValueError saying what is wrong."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time (2025-10-23T14:30:00Z)") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: write {text}Z or {text}+01:00")
    return parsed


def _message(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    return str(exc) or type(exc).__name__


def structure_incident(data: object) -> IncidentInput:
    """Strictly structure untrusted data; raise InputError listing every problem."""
    if isinstance(data, str | bytes):
        try:
            data = msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise InputError(f"not JSON: {exc}") from None
    try:
        return _CONVERTER.structure(data, IncidentInput)
    except Exception as exc:
        problems = []
        for line in cattrs.transform_error(exc, path="$", format_exception=_message):
            message, _, where = line.rpartition(" @ ")
            problems.append((where, message))
        raise InputError(f"{len(problems)} problem(s) in the incident data", problems) from None


def events_for(spec: IncidentInput, *, actor: str) -> list[ev.Event]:
    """The events that record ``spec``, oldest first (check them with the rules on append)."""
    out: list[ev.Event] = [ev.IncidentDeclared(
        incident_id=spec.id, title=spec.title, severity=spec.severity,
        commander=spec.commander, detected_at=spec.detected_at, services=spec.services,
        summary=spec.summary, occurred_at=spec.declared_at, actor=actor)]
    out += [ev.TimelineEntryAdded(occurred_at=row.at, actor=actor, text=row.event, by=row.actor)
            for row in spec.timeline]
    if spec.root_cause:
        out.append(ev.RootCauseIdentified(occurred_at=spec.declared_at, actor=actor,
                                          summary=spec.root_cause))
    if spec.mitigated_at:
        out.append(ev.Mitigated(occurred_at=spec.mitigated_at, actor=actor))
    if spec.resolved_at:
        out.append(ev.Resolved(occurred_at=spec.resolved_at, actor=actor,
                               summary=spec.resolution))
    out += [ev.ActionItemAdded(occurred_at=spec.declared_at, actor=actor, item_id=a.id,
                               title=a.title, owner=a.owner, due=a.due, priority=a.priority,
                               status=a.status, horizon=a.horizon)
            for a in spec.action_items]
    return out
