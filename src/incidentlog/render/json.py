"""The incident as JSON: stable snake_case fields, ISO 8601 times with offset, a JSON Schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from incidentlog import figures as fg
from incidentlog.incident import Incident
from incidentlog.render.rows import timeline_rows

SCHEMA_VERSION = 1


class TimelineItem(msgspec.Struct, frozen=True):
    at: datetime | None
    event: str
    actor: str
    kind: str
    version: int


class ActionItemDoc(msgspec.Struct, frozen=True):
    id: str
    title: str
    owner: str | None
    due: date | None
    priority: str | None
    status: str
    horizon: str | None


class SignOffDoc(msgspec.Struct, frozen=True):
    role: str
    name: str
    approved: bool
    at: datetime | None


class LessonDoc(msgspec.Struct, frozen=True):
    kind: str
    title: str
    text: str


class SectionDoc(msgspec.Struct, frozen=True):
    heading: str
    level: int
    markdown: str


class WhyDoc(msgspec.Struct, frozen=True):
    question: str
    answer: str


class StatedDoc(msgspec.Struct, frozen=True):
    figure: str
    value: float
    text: str


class IncidentDoc(msgspec.Struct, frozen=True):
    """The JSON shape of an incident (``schema_version`` changes when a field does)."""

    id: str
    title: str
    severity: str | None
    status: str
    version: int
    commander: str | None
    began_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    duration_minutes: float | None
    time_to_mitigate_minutes: float | None
    time_to_detect_minutes: float | None
    time_to_acknowledge_minutes: float | None
    success_rate_pct: float | None
    error_budget_minutes: float | None
    error_budget_consumed_pct: float | None
    slo_breached: bool | None
    services: list[str]
    summary: str
    root_cause: str | None
    five_whys: list[WhyDoc]
    contributing_factors: list[str]
    resolution: str
    users_affected: str | None
    timeline: list[TimelineItem]
    action_items: list[ActionItemDoc]
    sign_offs: list[SignOffDoc]
    lessons: list[LessonDoc]
    sections: list[SectionDoc]
    stated_figures: list[StatedDoc]
    schema_version: int = SCHEMA_VERSION
    teams: list[str] = msgspec.field(default_factory=list)
    tags: list[str] = msgspec.field(default_factory=list)
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    """Custom fields by name."""
    roles: dict[str, str] = msgspec.field(default_factory=dict)
    """Who holds each role beyond the commander (scribe, communications...)."""


def document(incident: Incident) -> IncidentDoc:
    """The JSON document of an incident, figures derived."""
    f = fg.derive(incident)
    root = incident.root_cause
    return IncidentDoc(
        id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        version=incident.version,
        commander=incident.commander,
        began_at=incident.began_at,
        detected_at=incident.detected_at,
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        duration_minutes=_round(f.duration_minutes),
        time_to_mitigate_minutes=_round(f.time_to_mitigate_minutes),
        time_to_detect_minutes=_round(f.time_to_detect_minutes),
        time_to_acknowledge_minutes=_round(f.time_to_acknowledge_minutes),
        success_rate_pct=_round(f.success_rate_pct),
        error_budget_minutes=_round(f.error_budget_minutes),
        error_budget_consumed_pct=_round(f.error_budget_consumed_pct),
        slo_breached=f.slo_breached,
        services=list(incident.services),
        summary=incident.summary,
        root_cause=root.summary if root else None,
        five_whys=[WhyDoc(w.question, w.answer) for w in root.whys] if root else [],
        contributing_factors=list(root.contributing_factors) if root else [],
        resolution=incident.resolution,
        users_affected=incident.impact.users_affected if incident.impact else None,
        timeline=[TimelineItem(r.at, r.text, r.who, r.kind, r.version)
                  for r in timeline_rows(incident)],
        action_items=[ActionItemDoc(a.id, a.title, a.owner, a.due, a.priority, a.status,
                                    a.horizon) for a in incident.action_items],
        sign_offs=[SignOffDoc(s.role, s.name, s.approved, s.at) for s in incident.sign_offs],
        lessons=[LessonDoc(x.kind, x.title, x.text) for x in incident.lessons],
        sections=[SectionDoc(s.heading, s.level, s.markdown) for s in incident.sections],
        stated_figures=[StatedDoc(s.figure, s.value, s.text) for s in incident.stated],
        teams=list(incident.teams),
        tags=list(incident.tags),
        fields=dict(incident.fields),
        roles=dict(incident.roles),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


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
