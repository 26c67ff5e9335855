"""What both house formats render the same way: labels, timeline rows, stated figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from incidentlog import events as ev
from incidentlog import figures as fg
from incidentlog.incident import Incident, StatedFigure
from incidentlog.prose import did
from incidentlog.render import marks
from incidentlog.render.emit import has, inline, item, join_blocks, mid_line, table
from incidentlog.render.layout import Node
from incidentlog.vocabulary import FIGURE_LABELS, SEVERITY_WORDS, STATUS_LABELS

__all__ = ["FIGURE_LABELS", "SEVERITY_WORDS", "STATUS_LABELS"]

STATED_AS = " — stated as: "
"""Joins a derived figure to the different one a source document typed in."""


def report_date(incident: Incident) -> str:
    """The report's date: the day the incident began, was detected or declared."""
    start = incident.began_at or incident.started_at or min(
        (t.at for t in incident.timeline if t.at is not None), default=None)
    return start.date().isoformat() if start else ""


def stated_for(incident: Incident, figure: str, label: str) -> StatedFigure | None:
    """The figure a source stated under ``label`` (the last one, if stated twice)."""
    return next((s for s in reversed(incident.stated)
                 if s.figure == figure and s.label == label), None)


def slot(incident: Incident, figure: str, label: str, derived: str | None) -> str | None:
    """What a figure's place in a template shows: the derived figure, and after it what the
    source stated there when that is different."""
    stated = stated_for(incident, figure, label)
    if derived is None:
        return stated.text if stated else None
    if stated is None or stated.text.strip() == derived:
        return derived
    return f"{derived}{STATED_AS}{stated.text}"


def _duration(incident: Incident) -> float | None:
    """The derived duration; none when the times run backwards (the checker says so)."""
    found = fg.derive(incident).duration_minutes
    return None if found is None or found < 0 else found


SLOTS: dict[str, tuple[str, Callable[[Incident], str | None]]] = {
    "a:Duration": ("duration_minutes", lambda i: None if (d := _duration(i)) is None
                   else f"{fg.format_duration(d)} (from detection to resolution)"),
    "a:Impact Duration": ("duration_minutes", lambda i: None if (d := _duration(i)) is None
                          else fg.format_minutes(d)),
    "a:Total Duration": ("duration_minutes", lambda i: None if (d := _duration(i)) is None
                         else f"{fg.format_minutes(d)} (detection to resolution)"),
    "a:Time to Mitigation": (
        "time_to_mitigate_minutes",
        lambda i: None if (m := fg.derive(i).time_to_mitigate_minutes) is None
        else f"{fg.format_minutes(m)} (from detection)"),
    "b:Duration": ("duration_minutes", lambda i: None if (d := _duration(i)) is None
                   else fg.format_minutes(d)),
}
"""Where each template shows a derived figure: ``template:label`` -> (figure, derived text)."""


def slot_text(incident: Incident, key: str) -> str | None:
    """The text of a template's figure slot (``"a:Total Duration"``) for this incident."""
    figure, derive = SLOTS[key]
    return slot(incident, figure, key.split(":", 1)[1], derive(incident))


OF_NUMBERS = ("error_budget_minutes", "success_rate_pct")
"""Figures computed from other numbers a report states (the error budget from the SLO
target), never from times: stated as computed, they say nothing more."""


def is_derivable(incident: Incident, stated: StatedFigure) -> bool:
    """True when a stated figure says exactly what some template slot derives anyway, or
    is a figure of other stated numbers with the value they give."""
    if stated.figure in OF_NUMBERS:
        derived = getattr(fg.derive(incident), stated.figure)
        if derived is not None and fg.format_number(derived) == fg.format_number(stated.value):
            return True
    return any(
        figure == stated.figure and key.split(":", 1)[1] == stated.label
        and derive(incident) == stated.text.strip()
        for key, (figure, derive) in SLOTS.items()
    )


def lesson(title: str, text: str) -> str:
    """A lesson as a line's words: ``**title**: text``, or ``**title**`` alone; a title
    that bold would not hold (it has its own ``*``) is written plain, a leading ``*``
    escaped, so it reads back as written."""
    if has(text):
        return f"**{inline(title)}**: {inline(text)}"
    if "*" not in title:
        return f"**{mid_line(title)}**"
    shown = item(title)
    return "\\" + shown if shown.startswith(("*", "_")) else shown


def end_marks(incident: Incident) -> str:
    """What ends a report: that it is rendered, and marks of the figures the author stated
    in prose (no label, so no line of a template shows them; the prose is kept, and the
    figure it states reads back from its mark)."""
    return "\n".join([*(marks.stated(s.figure, s.value, s.text) for s in incident.stated
                         if not s.label and not is_derivable(incident, s)), marks.RENDERED])


def other_stated_figures(incident: Incident, template: str) -> Iterator[str]:
    """``**Time to repair**: 0h 16m`` lines for stated figures no slot of ``template`` shows."""
    seen: set[tuple[str, str]] = set()
    for stated in incident.stated:
        if not stated.label or f"{template}:{stated.label}" in SLOTS:
            continue
        key = (stated.label, stated.text)
        if key in seen:
            continue
        seen.add(key)
        yield f"**{inline(stated.label)}**: {inline(stated.text)}"




def history_rows(history: Sequence[ev.Event]) -> list[tuple[str, str, str]]:
    """Document History rows (date, author, changes) for events recorded here, not imported.

    Consecutive events by the same author on the same day make one row.
    """
    rows: list[tuple[str, str, Counter[str]]] = []
    for event in history:
        if event.imported or event.recorded_at is None:
            continue
        day = event.recorded_at.date().isoformat()
        if rows and rows[-1][0] == day and rows[-1][1] == event.actor:
            rows[-1][2][ev.tag_of(event)] += 1
        else:
            rows.append((day, event.actor, Counter({ev.tag_of(event): 1})))
    out = []
    for day, author, counts in rows:
        changes = []
        for tag, n in counts.items():
            changes.append(did(tag, n))
        text = "; ".join(changes)
        out.append((day, author, text[:1].upper() + text[1:]))
    return out


def history_node(history: Sequence[ev.Event] | None) -> Node:
    """The Document History heading: kept legacy rows, then rows from the event stream."""

    def body(incident: Incident) -> str:
        rows = history_rows(history or ())
        return table(("Date", "Author", "Changes"), rows, (4, 6, 7)) if rows else ""

    return Node("Document History", 2, body)


def with_chart(outline: Sequence[Node], heading: str, body: Callable[[Incident], str]
               ) -> tuple[Node, ...]:
    """The outline with a Mermaid chart of the timeline after the timeline's table."""
    from incidentlog.render.mermaid import timeline_chart

    def charted(incident: Incident) -> str:
        return join_blocks([body(incident), timeline_chart(incident) or ""])

    return tuple(Node(n.heading, n.level, charted, n.children) if n.heading == heading else n
                 for n in outline)
