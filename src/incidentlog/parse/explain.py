"""What each line of a legacy report became: a field, an event, or text kept as written.

:func:`explain` walks the events an import produced (each carries its source line) and
says, line by line, what the reader understood there, with the words that made it infer a
moment ("began, from 'outage begins'"), and a coverage figure: the share of the report's
non-blank lines that became fields or events rather than verbatim text.
"""

from __future__ import annotations

from collections import defaultdict

from incidentlog import events as ev
from incidentlog.parse import ImportResult
from incidentlog.vocabulary import reason

_LIFECYCLE = {ev.Mitigated: "mitigated", ev.Resolved: "resolved", ev.Closed: "closed",
              ev.Reopened: "reopened", ev.SeverityChanged: "severity changed",
              ev.StatusChanged: "status changed"}


def _when(event: ev.Event) -> str:
    at = event.occurred_at
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "time not stated"


def _describe(event: ev.Event) -> str:
    if isinstance(event, ev.IncidentDeclared):
        parts = [f"title {event.title!r}"]
        if event.severity:
            parts.append(f"severity {event.severity!r}")
        if event.occurred_at:
            parts.append(f"declared {_when(event)}")
        return "declaration: " + ", ".join(parts)
    if isinstance(event, ev.TimelineEntryAdded):
        if event.marks:
            why = reason(event.text)
            return (f"timeline entry {_when(event)}; marks {event.marks} (inferred from "
                    f"{why!r})" if why else f"timeline entry {_when(event)}; marks "
                    f"{event.marks}")
        return f"timeline entry {_when(event)}"
    if type(event) in _LIFECYCLE:
        kind = _LIFECYCLE[type(event)]
        note = getattr(event, "note", "")
        if isinstance(event, ev.Resolved) and event.occurred_at is None and not note:
            return "resolved (a finished retrospective; its time is not stated)"
        why = reason(note) if note else None
        extra = f" (inferred from {why!r})" if why else ""
        summary = getattr(event, "summary", "")
        tail = f"; resolution {summary[:60]!r}" if summary else ""
        return f"{kind} {_when(event)}{extra}{tail}"
    if isinstance(event, ev.ActionItemAdded):
        return f"action item {event.item_id}: {event.title[:60]!r} ({event.status})"
    if isinstance(event, ev.LessonRecorded):
        return f"lesson ({event.kind}): {event.title[:60]!r}"
    if isinstance(event, ev.RootCauseIdentified):
        return f"root cause: {event.summary[:60]!r}" if event.summary else "root cause"
    if isinstance(event, ev.ImpactAssessed):
        return "impact"
    if isinstance(event, ev.FigureStated):
        return f"stated figure {event.figure} = {event.value:g} ({event.text!r})"
    if isinstance(event, ev.SectionNoted):
        lines = event.markdown.count("\n") + 1 if event.markdown.strip() else 0
        return f"kept as written under {event.heading or '(the top)'!r} ({lines} lines)"
    if isinstance(event, ev.Corrected):
        return f"{event.field} as the document states it: {event.value!r}"
    return type(event).__name__


def explain(result: ImportResult, text: str) -> list[str]:
    """Lines saying what each source line became, then the coverage figure."""
    lines = text.replace("\r\n", "\n").split("\n")
    said: dict[int, list[str]] = defaultdict(list)
    understood: set[int] = set()
    for event in result.events:
        line = event.source.line if event.source else 0
        said[line].append(_describe(event))
        if not isinstance(event, ev.SectionNoted) and line:
            understood.add(line)
    out = []
    for line in sorted(said):
        shown = lines[line - 1].strip()[:60] if 0 < line <= len(lines) else ""
        for n, what in enumerate(said[line]):
            where = f"{line:>5}: {shown}" if n == 0 else " " * 7
            out.append(f"{where}\n         -> {what}")
    for finding in result.findings:
        out.append(f"finding: {finding}")
    total = sum(1 for x in lines if x.strip())
    share = 100 * len(understood) / total if total else 0.0
    out.append(f"coverage: {len(understood)} of {total} non-blank lines became fields or "
               f"events ({share:.0f}%); the rest is kept as written")
    return out
