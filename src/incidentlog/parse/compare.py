"""When two incidents are "the same" across a render-and-import round trip.

A report shows an incident at the precision of its template: times to the minute (template
A) or second (template B), sign-off dates by day, free text as Markdown (where runs of white
space mean one space). Provenance (versions, source lines, who recorded what) is not part of
what a report says. :func:`canonical` keeps exactly what a report says, so
``canonical(import(render(x))) == canonical(x)`` is the fixed point the importer promises.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeGuard

from incidentlog import figures as fg
from incidentlog.incident import Impact, Incident, Mitigation
from incidentlog.render.common import is_derivable
from incidentlog.render.rows import timeline_rows


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _minute(at: datetime | None, seconds: bool) -> str | None:
    if at is None:
        return None
    return at.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def canonical(incident: Incident, *, seconds: bool = False) -> dict[str, Any]:
    """What a report of ``incident`` says, as plain data to compare."""
    f = fg.derive(incident)
    root = incident.root_cause
    impact = incident.impact
    rows = sorted((_minute(r.at, seconds) or "", _text(r.text), _text(r.who), r.kind)
                  for r in timeline_rows(incident))
    return {
        "id": incident.id,
        "title": _text(incident.title),
        "severity": incident.severity,
        "status": incident.status,
        "commander": _text(incident.commander),
        "times": {k: _minute(getattr(incident, k), seconds) for k in (
            "began_at", "detected_at", "declared_at", "acknowledged_at", "mitigated_at",
            "resolved_at", "closed_at")},
        "duration": None if f.duration_minutes is None else round(f.duration_minutes),
        "summary": _text(incident.summary),
        "services": sorted(map(_text, incident.services)),
        "resolution": _text(incident.resolution),
        "root_cause": None if root is None else (
            _text(root.summary), tuple((_text(w.question), _text(w.answer)) for w in root.whys),
            tuple(map(_text, root.contributing_factors)), _text(root.immediate_cause),
            tuple(map(_text, root.causes))),
        "mitigation": None if not _said(incident.mitigation) else (
            _text(incident.mitigation.action), _text(incident.mitigation.why_it_worked),
            incident.mitigation.commands.strip()),
        "impact": None if impact is None or impact == Impact() else (
            _text(impact.users_affected), _text(impact.revenue),
            tuple((_text(s.name), _text(s.effect)) for s in impact.services),
            impact.failed_requests, impact.total_requests, impact.slo_target, impact.slo_actual,
            impact.downtime_minutes,
            tuple(sorted((f.part, _text(f.label), _text(f.value)) for f in impact.facts))),
        "timeline": rows,
        "action_items": sorted((a.id, _text(a.title), _text(a.owner), str(a.due), a.priority,
                                a.status, a.horizon, _text(a.ticket))
                               for a in incident.action_items),
        "lessons": sorted((x.kind, _text(x.title), _text(x.text)) for x in incident.lessons),
        "sign_offs": sorted((_text(s.role), _text(s.name), s.approved,
                             s.at.date().isoformat() if s.at else None)
                            for s in incident.sign_offs),
        "sections": sorted((_text(s.heading).lower(), s.level, _markdown(s.markdown))
                           for s in incident.sections),
        "stated": sorted((s.figure, round(s.value, 3), _text(s.text), _text(s.label))
                         for s in incident.stated if not is_derivable(incident, s)),
    }


def _said(mitigation: Mitigation | None) -> TypeGuard[Mitigation]:
    """A mitigation with nothing in it shows as none (a mitigated row alone makes one)."""
    return mitigation is not None and any(
        x.strip() for x in (mitigation.action, mitigation.why_it_worked, mitigation.commands))


def _markdown(text: str) -> str:
    """Markdown as it renders: blank lines at the ends and runs of blank lines don't count."""
    text = re.sub(r"^(?:[ \t]*\n)+", "", text).rstrip()
    return re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", text)


def differences(a: Incident, b: Incident, *, seconds: bool = False) -> list[str]:
    """The fields in which two incidents' reports differ (empty when they are the same)."""
    ca, cb = canonical(a, seconds=seconds), canonical(b, seconds=seconds)
    return [f"{key}: {ca[key]!r} != {cb[key]!r}" for key in ca if ca[key] != cb[key]]
