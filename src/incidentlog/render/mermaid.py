"""Pictures as text: Mermaid charts that GitHub and GitLab draw without any dependency.

:func:`timeline_chart` draws an incident as a Gantt chart (impact from detection to
mitigation and resolution, key entries as milestones); :func:`mttr_chart` draws metrics
across incidents as a bar chart. Only a small, strictly checked subset of Mermaid is
written (see :func:`check_gantt` and :func:`check_xychart`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from incidentlog.incident import Incident
from incidentlog.render.rows import timeline_rows

_FORMAT = "%Y-%m-%dT%H:%M"
_UNSAFE = re.compile(r"[:;#`\"<>{}\[\]\n\r\t%]+")


def _label(text: str, limit: int = 60) -> str:
    """Text safe as a Mermaid task or title: no separators, no markup, bounded."""
    cleaned = " ".join(_UNSAFE.sub(" ", text).split())
    return (cleaned[: limit - 1] + "…") if len(cleaned) > limit else (cleaned or "event")


def _at(when: datetime) -> str:
    return when.strftime(_FORMAT)


def timeline_chart(incident: Incident) -> str | None:
    """A fenced Mermaid Gantt chart of the incident, or None when it has no known times."""
    rows = [r for r in timeline_rows(incident) if r.at is not None]
    if not rows:
        return None
    lines = ["```mermaid", "gantt", f"    title {_label(incident.id + ' ' + incident.title)} "
             "(UTC)", "    dateFormat YYYY-MM-DDTHH:mm", "    axisFormat %H:%M"]
    start = incident.started_at
    phases = []
    if start and incident.mitigated_at and incident.mitigated_at >= start:
        phases.append(("Impact until mitigation", "crit", start, incident.mitigated_at))
    end = incident.resolved_at
    if end and start and end >= start:
        begin = incident.mitigated_at if incident.mitigated_at and incident.mitigated_at <= end \
            else start
        phases.append(("Until resolution", "active", begin, end))
    if phases:
        lines.append("    section Impact")
        for name, tag, a, b in phases:
            lines.append(f"    {name} :{tag}, {_at(a)}, {_at(b)}")
    lines.append("    section Timeline")
    for row in rows[:40]:
        assert row.at is not None
        lines.append(f"    {_label(row.text)} :milestone, {_at(row.at)}, 0m")
    lines.append("```")
    return "\n".join(lines)


def mttr_chart(groups: Sequence[tuple[str, float | None]], title: str) -> str:
    """A fenced Mermaid bar chart of one value per group (groups with no value show 0).

    With no groups at all (an empty store) the chart has one empty bar, "no incidents":
    Mermaid refuses an empty axis."""
    groups = groups or [("no incidents", None)]
    names = ", ".join(f'"{_label(g, 24)}"' for g, _ in groups)
    values = [round(v, 1) if v is not None else 0 for _, v in groups]
    top = max([*values, 1])
    return "\n".join([
        "```mermaid", "xychart-beta", f'    title "{_label(title)}"', f"    x-axis [{names}]",
        f'    y-axis "minutes" 0 --> {int(top * 1.1) + 1}',
        f"    bar [{', '.join(str(v) for v in values)}]", "```"])


_GANTT_LINE = re.compile(
    r"^    (?:title [^:;#\n]+|dateFormat YYYY-MM-DDTHH:mm|axisFormat %H:%M|section [A-Za-z ]+|"
    r"[^:;#\n]+ :(?:crit|active), \d{4}-\d\d-\d\dT\d\d:\d\d, \d{4}-\d\d-\d\dT\d\d:\d\d|"
    r"[^:;#\n]+ :milestone, \d{4}-\d\d-\d\dT\d\d:\d\d, 0m)$")


def _check(chart: str, kind: str, line: re.Pattern[str]) -> list[str]:
    """Problems in a fenced chart of ``kind`` whose every inner line must match ``line``."""
    lines = chart.split("\n")
    problems = []
    if lines[:2] != ["```mermaid", kind] or lines[-1] != "```":
        problems.append(f"not a fenced Mermaid {kind} block")
    problems += [f"line {n}: {text!r}" for n, text in enumerate(lines[2:-1], 3)
                 if not line.match(text)]
    return problems


def check_gantt(chart: str) -> list[str]:
    """Problems in a Gantt chart against the subset this module writes (empty: valid)."""
    return _check(chart, "gantt", _GANTT_LINE)


_XY_LINE = re.compile(
    r'^    (?:title "[^"\n]*"|x-axis \[(?:"[^"\n]*"(?:, "[^"\n]*")*)\]|'
    r'y-axis "[^"\n]*" \d+ --> \d+|bar \[(?:[\d.]+(?:, [\d.]+)*)\])$')


def check_xychart(chart: str) -> list[str]:
    """Problems in a bar chart against the subset this module writes (empty: valid)."""
    return _check(chart, "xychart-beta", _XY_LINE)
