"""Reports are projections: an incident's events rendered as Markdown or JSON, never stored."""

from __future__ import annotations

from collections.abc import Sequence

from incidentlog.events import Event
from incidentlog.incident import Incident
from incidentlog.render import template_a, template_b
from incidentlog.render.json import document, json_schema, to_json

TEMPLATES = {"a": template_a.render, "b": template_b.render}


def render_markdown(incident: Incident, template: str = "a",
                    history: Sequence[Event] | None = None, *, chart: bool = False) -> str:
    """The incident as a Markdown report in house format ``"a"`` or ``"b"``.

    ``history`` (the incident's events) adds a Document History generated from the stream;
    ``chart`` a Mermaid Gantt chart of the timeline (GitHub and GitLab draw it).
    """
    try:
        render = TEMPLATES[template.lower()]
    except KeyError:
        raise ValueError(f"unknown template {template!r}; use 'a' or 'b'") from None
    return render(incident, history, chart=chart)


__all__ = ["TEMPLATES", "document", "json_schema", "render_markdown", "to_json"]
