"""The incident as JSON, derived from its state: stable snake_case fields, times in UTC
with ``Z``, a JSON Schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import msgspec

from incidentlog import figures as fg
from incidentlog.incident import LIFECYCLE, Incident, Lesson, Section, SignOff, StatedFigure
from incidentlog.render.rows import timeline_rows
from incidentlog.values import ActionItem, Why

SCHEMA_VERSION = 2
"""1: without an action item's ticket, a sign-off's note, a section's anchor, a stated
figure's label, ``time_to_declare_minutes`` and ``downtime_minutes``; 2: the document
derived from the state."""


def _shape(name: str, value: type, *, leave: tuple[str, ...] = ()) -> Any:
    """A frozen msgspec Struct with the fields of the attrs class ``value`` (but ``leave``),
    with their types and defaults: the document's item is the state's, never retyped."""
    attrs.resolve_types(value)
    return msgspec.defstruct(name, [
        (a.name, a.type) if a.default is attrs.NOTHING else (a.name, a.type, a.default)
        for a in attrs.fields(value) if a.name not in leave], frozen=True)


class TimelineItem(msgspec.Struct, frozen=True):
    """A row of the timeline as a report shows it (lifecycle rows included)."""

    at: datetime | None
    event: str
    actor: str
    kind: str
    version: int


ActionItemDoc = _shape("ActionItemDoc", ActionItem, leave=("version",))
SignOffDoc = _shape("SignOffDoc", SignOff, leave=("version",))
LessonDoc = _shape("LessonDoc", Lesson, leave=("version",))
SectionDoc = _shape("SectionDoc", Section, leave=("source", "version"))
StatedDoc = _shape("StatedDoc", StatedFigure, leave=("source", "version"))
"""List items: the state's own, less its bookkeeping (versions, sources)."""

FROM_STATE = ("id", "title", "severity", "status", "version", "commander", *LIFECYCLE)
"""The state's fields the document shows first, as they are."""
FIGURES = tuple(a.name for a in attrs.fields(fg.Figures))
"""Every derived figure, rounded to 3 decimals."""
FROM_STATE_AFTER = ("services", "summary")
AFTER_ITEMS = ("teams", "tags")


def _list_of(shape: Any) -> Any:
    return list[shape]


def _state_field(name: str) -> tuple[str, Any]:
    attrs.resolve_types(Incident)
    return name, attrs.fields_dict(Incident)[name].type


attrs.resolve_types(fg.Figures)
IncidentDoc: Any = msgspec.defstruct("IncidentDoc", [
    *(_state_field(n) for n in FROM_STATE),
    *((a.name, a.type) for a in attrs.fields(fg.Figures)),
    *(_state_field(n) for n in FROM_STATE_AFTER),
    ("root_cause", str | None),
    ("five_whys", tuple[Why, ...]),
    ("contributing_factors", tuple[str, ...]),
    _state_field("resolution"),
    ("users_affected", str | None),
    ("timeline", list[TimelineItem]),
    ("action_items", _list_of(ActionItemDoc)),
    ("sign_offs", _list_of(SignOffDoc)),
    ("lessons", _list_of(LessonDoc)),
    ("sections", _list_of(SectionDoc)),
    ("stated_figures", _list_of(StatedDoc)),
    ("schema_version", int, SCHEMA_VERSION),
    *((n, tuple[str, ...], msgspec.field(default_factory=list)) for n in AFTER_ITEMS),
    ("fields", dict[str, str], msgspec.field(default_factory=dict)),
    ("roles", dict[str, str], msgspec.field(default_factory=dict)),
], frozen=True)
"""The JSON shape of an incident: the state's fields, its derived figures, the root cause's
summary and reasoning, and its lists item by item (``schema_version`` changes when a field
does). ``fields`` and ``roles`` map names to values."""


def _items(shape: Any, items: tuple[Any, ...]) -> list[Any]:
    names = shape.__struct_fields__
    return [shape(**{n: getattr(x, n) for n in names}) for x in items]


def document(incident: Incident) -> Any:
    """The JSON document of an incident (an :data:`IncidentDoc`), figures derived."""
    f = fg.derive(incident)
    root = incident.root_cause
    return IncidentDoc(
        **{n: getattr(incident, n) for n in (*FROM_STATE, *FROM_STATE_AFTER, "resolution",
                                              *AFTER_ITEMS)},
        **{n: _round(getattr(f, n)) for n in FIGURES},
        root_cause=root.summary if root else None,
        five_whys=root.whys if root else (),
        contributing_factors=root.contributing_factors if root else (),
        users_affected=incident.impact.users_affected if incident.impact else None,
        timeline=[TimelineItem(r.at, r.text, r.who, r.kind, r.version)
                  for r in timeline_rows(incident)],
        action_items=_items(ActionItemDoc, incident.action_items),
        sign_offs=_items(SignOffDoc, incident.sign_offs),
        lessons=_items(LessonDoc, incident.lessons),
        sections=_items(SectionDoc, incident.sections),
        stated_figures=_items(StatedDoc, incident.stated),
        fields=dict(incident.fields),
        roles=dict(incident.roles),
    )


def _round(value: float | bool | None) -> float | bool | None:
    return value if value is None or isinstance(value, bool) else round(value, 3)


_encoder = msgspec.json.Encoder()


def to_json(incident: Incident) -> bytes:
    """The incident as compact JSON bytes."""
    return _encoder.encode(document(incident))


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of :class:`IncidentDoc`."""
    schema: dict[str, Any] = msgspec.json.schema(IncidentDoc)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "incidentlog incident"
    return schema
