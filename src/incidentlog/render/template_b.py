"""Template B: ``#YYYY-MM-DD-NNN``, impact assessment, action-item and sign-off tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from incidentlog import figures as fg
from incidentlog.events import Event
from incidentlog.incident import Incident
from incidentlog.render import common as c
from incidentlog.render import template_a
from incidentlog.render.emit import (
    after_label,
    code_block,
    has,
    heading,
    inline,
    item,
    join_blocks,
    paragraph,
    spans_days,
    table,
    when,
)
from incidentlog.render.layout import Node, assemble
from incidentlog.render.rows import timeline_rows
from incidentlog.vocabulary import HOUSE_TITLE_PREFIX

ACTION_STATUS = {"open": "Not Started", "in_progress": "In Progress", "done": "Done"}
RESPONSE_KINDS = {"went_well": "What Went Well ✅", "went_wrong": "What Went Wrong ❌"}
LESSON_KINDS = {
    "technical": "Technical Lessons",
    "process": "Process Lessons",
    "communication": "Communication Lessons",
}


def render(incident: Incident, history: Sequence[Event] | None = None, *,
           chart: bool = False) -> str:
    """The incident as a template B report (template B keeps no Document History table);
    ``chart`` adds a Mermaid chart of the timeline."""
    outline = c.with_chart(OUTLINE, "Incident Timeline", _timeline) if chart else OUTLINE
    return assemble(incident, _header, outline, tail=c.end_marks)


def _header(i: Incident) -> str:
    lines = [f"# {HOUSE_TITLE_PREFIX}{heading(i.title)}", "", f"**Incident ID**: #{i.id}"]
    if date := c.report_date(i):
        lines.append(f"**Date**: {date}")
    if i.severity:
        lines.append(f"**Severity**: {i.severity}")
    if duration := c.slot_text(i, "b:Duration"):
        lines.append(f"**Duration**: {inline(duration)}")
    lines.append(f"**Status**: {c.STATUS_LABELS[i.status]}")
    if has(i.commander):  # not in the seed's header, but a record must not lose it
        lines.append(f"**Incident Commander**: {inline(i.commander)}")
    return "\n".join(lines)


def _summary(i: Incident) -> str:
    parts = [paragraph(i.summary) if has(i.summary) else ""]
    facts = [f for f in i.impact.facts if f.part == "summary"] if i.impact else []
    if facts:  # impact a source stated in its summary (template A shows it there too)
        parts.append("**Impact**:\n" + "\n".join(
            f"- **{inline(f.label)}**: {inline(f.value)}" if has(f.label) else f"- {item(f.value)}"
            for f in facts))
    return join_blocks(parts)


def _timeline(i: Incident) -> str:
    entries = timeline_rows(i)
    parts = []
    if entries:
        days = spans_days((e.at for e in entries), c.report_date(i))
        rows = [(when(e.at, seconds=True, with_date=days), e.written, e.who) for e in entries]
        parts.append(table(("Time (UTC)", "Event", "Actor"), rows, (10, 5, 5), written=(1,)))
    # Figures the source stated show even when it gave no timeline.
    others = list(c.other_stated_figures(i, "b"))
    if others:
        parts.append("\n".join(others))
    return join_blocks(parts)


def _facts(i: Incident, part: str, generated: list[tuple[str, str]]) -> str:
    impact = i.impact
    facts = [(f.label, f.value) for f in impact.facts if f.part == part] if impact else []
    labels = {label.lower() for label, _ in facts}
    lines = [(label, value) for label, value in generated if label.lower() not in labels]
    lines += facts
    return "\n".join(f"- **{inline(label)}**: {inline(value)}" if label else f"- {item(value)}"
                     for label, value in lines)


def _user_impact(i: Incident) -> str:
    impact = i.impact
    generated = []
    if impact and has(impact.users_affected):
        generated.append(("Affected Users", impact.users_affected))
    return _facts(i, "user", generated)


def _business_impact(i: Incident) -> str:
    impact = i.impact
    generated = []
    if impact and has(impact.revenue):
        generated.append(("Revenue Impact", impact.revenue))
    sla = sla_impact(i)
    if sla:
        generated.append(("SLA Impact", sla))
    if impact and impact.slo_actual is not None and impact.slo_target is not None:
        generated.append(("Availability", f"{fg.format_number(impact.slo_actual, 3)}% (target: "
                                          f"{fg.format_number(impact.slo_target, 3)}%)"))
    # What template A writes under SLO Impact has a place here too, labelled as such.
    generated += [("SLO", f.value) for f in (impact.facts if impact else ()) if f.part == "slo"]
    return _facts(i, "business", generated)


def sla_impact(i: Incident) -> str:
    """``45 minutes against monthly error budget (99.9% = 43.8 min/month)``, or the target
    and budget alone when no downtime was assessed."""
    impact = i.impact
    if impact is None or impact.slo_target is None:
        return ""
    target = fg.format_number(impact.slo_target, 3)
    budget = fg.format_number(fg.error_budget_minutes(impact.slo_target))
    if impact.downtime_minutes is None:
        if impact.slo_actual is not None:
            return ""
        return f"SLO target {target}% (error budget {budget} min/month)"
    return (f"{fg.format_number(impact.downtime_minutes)} minutes against monthly error "
            f"budget ({target}% = {budget} min/month)")


def _technical_impact(i: Incident) -> str:
    impact = i.impact
    generated = []
    affected = [f"{s.name} ({s.effect})" if has(s.effect) else s.name
                for s in (impact.services if impact else ())]
    named = {s.name for s in impact.services} if impact else set()
    affected += [name for name in i.services if name not in named]
    if affected:
        generated.append(("Services Affected", ", ".join(affected)))
    figures = fg.derive(i)
    if impact and figures.success_rate_pct is not None:
        generated.append(("Failed Requests", f"{impact.failed_requests:,} of "
                          f"{impact.total_requests:,} ({fg.format_number(figures.success_rate_pct)}"
                          "% success rate)"))
    elif impact and impact.total_requests is not None:
        generated.append(("Total Requests", f"{impact.total_requests:,}"))
    elif impact and impact.failed_requests is not None:
        generated.append(("Failed Requests", f"{impact.failed_requests:,}"))
    return _facts(i, "technical", generated)


def _why(i: Incident) -> str:
    root = i.root_cause
    if root is None:
        return ""
    parts = []
    if has(root.summary) and root.summary != root.immediate_cause:
        parts.append(f"**Root Cause**: {after_label(root.summary)}")
    if has(root.immediate_cause):
        parts.append(f"**Immediate Cause**: {after_label(root.immediate_cause)}")
    if root.causes:
        parts.append("**Root Causes**:\n" + "\n".join(
            f"{n}. {item(x)}" for n, x in enumerate(root.causes, 1)))
    if root.whys:
        parts.append("**Five Whys**:\n\n" + "\n\n".join(
            f"{n}. **{inline(w.question)}**\n   - {item(w.answer)}"
            for n, w in enumerate(root.whys, 1)))
    if root.contributing_factors:
        parts.append("**Contributing Factors**:\n" + "\n".join(
            f"{n}. {item(x)}" for n, x in enumerate(root.contributing_factors, 1)))
    return join_blocks(parts)


def _numbered_lessons(i: Incident, kind: str) -> str:
    lessons = [x for x in i.lessons if x.kind == kind]
    return "\n".join(f"{n}. {c.lesson(x.title, x.text)}" for n, x in enumerate(lessons, 1))


def _lessons_of(kind: str) -> Callable[[Incident], str]:
    def body(i: Incident) -> str:
        return _numbered_lessons(i, kind)

    return body


def _resolution_steps(i: Incident) -> str:
    m = i.mitigation
    parts = []
    if m and has(m.action):
        parts.append(paragraph(m.action))
    if has(i.resolution):
        parts.append(f"**Resolution**: {after_label(i.resolution)}")
    if m and has(m.why_it_worked):
        parts.append(f"**Why It Worked**: {after_label(m.why_it_worked)}")
    if m and m.commands:
        parts.append(code_block(m.commands, m.commands_language))
    return join_blocks(parts)


def _action_items(i: Incident) -> str:
    if not i.action_items:
        return ""
    rows = [[a.id, a.title, a.owner or "", a.due.isoformat() if a.due else "", a.priority or "",
             ACTION_STATUS[a.status]] for a in i.action_items]
    header = ["#", "Action", "Owner", "Due Date", "Priority", "Status"]
    widths = [1, 6, 5, 8, 8, 6]
    if any(a.horizon for a in i.action_items):  # not in the seed; kept when a record has it
        header.append("Horizon")
        widths.append(7)
        for row, a in zip(rows, i.action_items, strict=True):
            row.append(template_a.HORIZONS.get(a.horizon or "", a.horizon or ""))
    if any(a.ticket for a in i.action_items):  # likewise
        header.append("Ticket")
        widths.append(6)
        for row, a in zip(rows, i.action_items, strict=True):
            row.append(a.ticket or "")
    return table(header, rows, widths)


def _other_lessons(i: Incident) -> str:
    known = set(LESSON_KINDS) | set(RESPONSE_KINDS)
    kinds = [k for k in dict.fromkeys(x.kind for x in i.lessons) if k not in known]
    parts = []
    for kind in kinds:
        parts.append(f"### {kind.replace('_', ' ').title()}\n\n{_numbered_lessons(i, kind)}")
    return join_blocks(parts)


def _sign_off(i: Incident) -> str:
    if not i.sign_offs:
        return ""
    rows = [(s.role, s.name, "✅ Approved" if s.approved else "❌ Not approved",
             f"{s.at:%Y-%m-%d}" if s.at else "") for s in i.sign_offs]
    return table(("Role", "Name", "Sign-Off", "Date"), rows, (4, 4, 8, 4))


OUTLINE = (
    Node("Executive Summary", 2, _summary),
    Node("Incident Timeline", 2, _timeline),
    Node("Impact Assessment", 2, children=(
        Node("User Impact", 3, _user_impact),
        Node("Business Impact", 3, _business_impact),
        Node("Technical Impact", 3, _technical_impact),
    )),
    Node("Root Cause Analysis", 2, children=(
        Node("What Happened", 3),
        Node("Why It Happened", 3, _why),
        Node("Why We Didn't Catch It Sooner", 3),
    )),
    Node("Detection and Response", 2, children=tuple(
        Node(heading, 3, _lessons_of(kind)) for kind, heading in RESPONSE_KINDS.items())),
    Node("Resolution Steps Taken", 2, _resolution_steps),
    Node("Action Items", 2, _action_items),
    Node("Lessons Learned", 2, _other_lessons, children=tuple(
        Node(heading, 3, _lessons_of(kind)) for kind, heading in LESSON_KINDS.items())),
    Node("Follow-Up Actions", 2),
    Node("External Communication", 2),
    Node("Appendix", 2),
    Node("Sign-Off", 2, _sign_off),
)
