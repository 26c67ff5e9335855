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
from incidentlog import times
from incidentlog.errors import InputError
from incidentlog.figures import Figures
from incidentlog.severity import is_severity
from incidentlog.values import ActionItem, fields_of

SeverityLabel = NewType("SeverityLabel", str)
"""A severity in the team's scale (``P1``, ``SEV-2``, ``Critical``), checked when read."""


@attrs.frozen
class TimelineInput:
    """One row of a timeline: when, what, who."""

    at: datetime | None
    event: str
    actor: str | None = None


ActionItemInput = ActionItem
"""A follow-up: the action item value itself (a ``version`` given is ignored: the store
numbers events)."""


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
        return times.parse_date(value)

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


aware = times.parse
"""An ISO 8601 time that must carry its UTC offset (:func:`incidentlog.times.parse`)."""


def _item_added(item: ActionItem, at: datetime | None, actor: str) -> ev.ActionItemAdded:
    return ev.ActionItemAdded(occurred_at=at, actor=actor, item_id=item.id,
                              **fields_of(item, leave=("id", "version")))


def _message(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    return str(exc) or type(exc).__name__


def structure_incident(data: object) -> IncidentInput:
    """Strictly structure untrusted data; raise InputError listing every problem."""
    found: IncidentInput = _structure(_decoded(data), IncidentInput, "incident data")
    return found


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
    out += [_item_added(a, spec.declared_at, actor) for a in spec.action_items]
    return out


# --------------------------------------------------------------------------- documents


@attrs.frozen
class RowInput:
    """A row of a document's timeline (``to_json`` output)."""

    at: datetime | None
    event: str
    actor: str = ""
    kind: str = "entry"
    version: int = 0


@attrs.frozen
class WhyInput:
    """A step of a Five Whys analysis."""

    question: str
    answer: str


@attrs.frozen
class SignOffInput:
    """An approval in a role."""

    role: str
    name: str
    approved: bool = True
    at: datetime | None = None
    note: str = ""


@attrs.frozen
class LessonInput:
    """Something learned."""

    kind: str
    title: str
    text: str = ""


@attrs.frozen
class SectionInput:
    """Free Markdown under a heading."""

    heading: str
    markdown: str
    level: int = 2
    anchor: str | None = None


@attrs.frozen
class StatedInput:
    """A figure a document typed in."""

    figure: str
    value: float
    text: str = ""
    label: str = ""


@attrs.frozen
class DocumentInput:
    """An incident as :func:`incidentlog.render.to_json` writes it. What the events derive
    (figures, status, version) is read and ignored: the events recorded derive it again."""

    id: str
    title: str
    severity: ev.Severity | None
    declared_at: datetime
    commander: str | None = None
    began_at: datetime | None = None
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    services: tuple[str, ...] = ()
    summary: str = ""
    root_cause: str | None = None
    five_whys: tuple[WhyInput, ...] = ()
    contributing_factors: tuple[str, ...] = ()
    resolution: str = ""
    users_affected: str | None = None
    timeline: tuple[RowInput, ...] = ()
    action_items: tuple[ActionItemInput, ...] = ()
    sign_offs: tuple[SignOffInput, ...] = ()
    lessons: tuple[LessonInput, ...] = ()
    sections: tuple[SectionInput, ...] = ()
    stated_figures: tuple[StatedInput, ...] = ()
    teams: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: dict[str, str] = attrs.Factory(dict)
    roles: dict[str, str] = attrs.Factory(dict)


DERIVED = frozenset({"status", "version", "schema_version",
                     *(a.name for a in attrs.fields(Figures))})
"""Fields of a document that its events derive: accepted and ignored."""


def _decoded(data: object) -> object:
    if isinstance(data, str | bytes):
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise InputError(f"not JSON: {exc}") from None
    return data


def _structure(data: object, cls: type[Any], what: str) -> Any:
    try:
        return _CONVERTER.structure(data, cls)
    except Exception as exc:
        problems = []
        for line in cattrs.transform_error(exc, path="$", format_exception=_message):
            message, _, where = line.rpartition(" @ ")
            problems.append((where, message))
        raise InputError(f"{len(problems)} problem(s) in the {what}", problems) from None


def is_document(data: object) -> bool:
    """True for an incident as ``to_json`` writes it (it carries ``schema_version``)."""
    return isinstance(data, dict) and "schema_version" in data


def structure_document(data: object) -> DocumentInput:
    """Strictly structure a ``to_json`` document; raise InputError listing every problem."""
    data = _decoded(data)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in DERIVED}
    result: DocumentInput = _structure(data, DocumentInput, "incident document")
    return result


_LIFECYCLE_ROWS = ("began", "detected", "acknowledged", "declared", "mitigated", "resolved",
                   "closed")


def events_for_document(doc: DocumentInput, *, actor: str) -> list[ev.Event]:
    """The events that record a ``to_json`` document, in an order the rules accept: the
    declaration, the timeline, the analysis and follow-ups, sign-offs, and closing last."""
    rows = {r.kind: r for r in doc.timeline if r.kind in _LIFECYCLE_ROWS and r.version}
    declared = rows.get("declared")
    out: list[ev.Event] = [ev.IncidentDeclared(
        incident_id=doc.id, title=doc.title, severity=doc.severity, commander=doc.commander,
        detected_at=None if "detected" in rows else doc.detected_at, services=doc.services,
        summary=doc.summary, occurred_at=doc.declared_at, actor=actor,
        note=declared.event if declared else "Incident declared",
        by=(declared.actor or None) if declared else None)]
    for row in doc.timeline:
        by = row.actor or None
        if row.kind in ("began", "detected", "acknowledged") and row.version:
            out.append(ev.TimelineEntryAdded(occurred_at=row.at, actor=actor, text=row.event,
                                             by=by, marks=row.kind))  # type: ignore[arg-type]
        elif row.kind == "mitigated" and doc.mitigated_at:
            out.append(ev.Mitigated(occurred_at=doc.mitigated_at, actor=actor, by=by,
                                    note=row.event if row.version else ""))
        elif row.kind == "resolved" and doc.resolved_at:
            out.append(ev.Resolved(occurred_at=doc.resolved_at, actor=actor, by=by,
                                   summary=doc.resolution,
                                   note=row.event if row.version else ""))
        elif row.kind.startswith("status:") and row.kind[7:] in ev.STATUSES:
            out.append(ev.StatusChanged(occurred_at=row.at, actor=actor, by=by, note=row.event,
                                        status=row.kind[7:]))  # type: ignore[arg-type]
        elif row.kind not in _LIFECYCLE_ROWS and row.version:
            out.append(ev.TimelineEntryAdded(occurred_at=row.at, actor=actor, text=row.event,
                                              by=by))
        elif row.kind in ("began", "detected", "acknowledged") and row.at:
            out.append(ev.TimelineEntryAdded(occurred_at=row.at, actor=actor, text=row.event,
                                             by=by, marks=row.kind))  # type: ignore[arg-type]
    at = doc.declared_at
    if doc.root_cause is not None:
        out.append(ev.RootCauseIdentified(
            occurred_at=at, actor=actor, summary=doc.root_cause,
            whys=tuple(ev.Why(w.question, w.answer) for w in doc.five_whys),
            contributing_factors=doc.contributing_factors))
    if doc.users_affected is not None:
        out.append(ev.ImpactAssessed(occurred_at=at, actor=actor,
                                     users_affected=doc.users_affected))
    out += [_item_added(a, at, actor) for a in doc.action_items]
    out += [ev.LessonRecorded(occurred_at=at, actor=actor, kind=x.kind, title=x.title,
                              text=x.text) for x in doc.lessons]
    out += [ev.SectionNoted(occurred_at=at, actor=actor, heading=s.heading,
                            markdown=s.markdown, level=s.level, anchor=s.anchor)
            for s in doc.sections]
    out += [ev.FigureStated(occurred_at=at, actor=actor, figure=s.figure, value=s.value,
                            text=s.text, label=s.label) for s in doc.stated_figures]
    out += [ev.SignedOff(occurred_at=s.at, actor=actor, role=s.role, name=s.name,
                         approved=s.approved, note=s.note) for s in doc.sign_offs]
    if doc.teams:
        out.append(ev.TeamsChanged(occurred_at=at, actor=actor, added=doc.teams))
    if doc.tags:
        out.append(ev.TagsChanged(occurred_at=at, actor=actor, added=doc.tags))
    out += [ev.FieldSet(occurred_at=at, actor=actor, name=name, value=value)
            for name, value in sorted(doc.fields.items())]
    out += [ev.RoleAssigned(occurred_at=at, actor=actor, role=role, person=person)
            for role, person in sorted(doc.roles.items())]
    if doc.closed_at is not None:
        closed = rows.get("closed")
        out.append(ev.Closed(occurred_at=doc.closed_at, actor=actor,
                             note=closed.event if closed else "Incident closed",
                             by=(closed.actor or None) if closed else None))
    return out


def incident_events(data: object, *, actor: str) -> tuple[str, list[ev.Event]]:
    """The id and events that record untrusted data: an :class:`IncidentInput`, or an
    incident as ``to_json`` writes it."""
    data = _decoded(data)
    if is_document(data):
        doc = structure_document(data)
        return doc.id, events_for_document(doc, actor=actor)
    spec = structure_incident(data)
    return spec.id, events_for(spec, actor=actor)
