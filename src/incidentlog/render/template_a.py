"""Template A: ``INC-YYYYMMDD-####``, executive summary, Five Whys, task-list action items."""

from __future__ import annotations

import re
from collections.abc import Sequence

from incidentlog import figures as fg
from incidentlog.events import Event
from incidentlog.incident import Incident
from incidentlog.render import common as c
from incidentlog.render.emit import (
    after_label,
    code_block,
    has,
    heading,
    inline,
    item,
    join_blocks,
    mid_line,
    spans_days,
    table,
    when,
)
from incidentlog.render.layout import Node, assemble
from incidentlog.render.rows import timeline_rows
from incidentlog.vocabulary import HOUSE_TITLE_PREFIX

HORIZONS = {
    "immediate": "Immediate (< 24 hours)",
    "short-term": "Short-term (< 1 week)",
    "long-term": "Long-term (< 1 month)",
}
LESSON_KINDS = {
    "went_well": ("What Went Well", "✅"),
    "went_wrong": ("What Went Wrong", "❌"),
    "lucky": ("Where We Got Lucky", "🍀"),
}


COMMA = "&#44;"
PRIORITY_LABEL = "priority: "
"""How the extras of a task-list item name a priority off the house scale."""
OWNER_LABEL = re.compile(r"^\*\*[^*]+\*\*: ")
"""How a task-list item names its owner: ``- [ ] **owner**: title``."""


def render(incident: Incident, history: Sequence[Event] | None = None, *,
           chart: bool = False) -> str:
    """The incident as a template A report; ``history`` adds the Document History rows,
    ``chart`` a Mermaid chart of the timeline."""
    outline = c.with_chart(OUTLINE, "Timeline", _timeline) if chart else OUTLINE
    return assemble(incident, _header, (*outline, c.history_node(history)),
                    tail=c.end_marks)


def _header(i: Incident) -> str:
    lines = [f"# {HOUSE_TITLE_PREFIX}{heading(i.title)}", ""]
    lines.append(f"**Incident ID**: {i.id}")
    if date := c.report_date(i):
        lines.append(f"**Date**: {date}")
    if i.severity:
        word = c.SEVERITY_WORDS.get(i.severity)  # the house scale's word; others as written
        lines.append(f"**Severity**: {i.severity}-{word}" if word else
                     f"**Severity**: {inline(i.severity)}")
    lines.append(f"**Status**: {c.STATUS_LABELS[i.status]}")
    if has(i.commander):
        lines.append(f"**Incident Commander**: {inline(i.commander)}")
    if duration := c.slot_text(i, "a:Duration"):
        lines.append(f"**Duration**: {inline(duration)}")
    return "\n".join(lines)


def _summary(i: Incident) -> str:
    parts = []
    if has(i.summary):
        parts.append(f"**One-line summary**: {after_label(i.summary)}")
    impact = _impact_bullets(i)
    if impact:
        parts.append("**Impact**:\n" + "\n".join(impact))
    if i.root_cause and i.root_cause.summary:
        parts.append(f"**Root Cause**: {after_label(i.root_cause.summary)}")
    if has(i.resolution):
        parts.append(f"**Resolution**: {after_label(i.resolution)}")
    return join_blocks(parts)


def _impact_bullets(i: Incident) -> list[str]:
    impact = i.impact
    facts = [f for f in impact.facts if f.part == "summary"] if impact else []
    labels = {f.label.lower() for f in facts}
    out = []
    if impact and has(impact.users_affected):
        out.append(f"- **Users affected**: {inline(impact.users_affected)}")
    figures = fg.derive(i)
    if duration := c.slot_text(i, "a:Impact Duration"):
        out.append(f"- **Duration**: {inline(duration)}")
    if i.services and "services impacted" not in labels:
        out.append(f"- **Services impacted**: {inline(', '.join(i.services))}")
    if impact and has(impact.revenue):
        out.append(f"- **Revenue impact**: {inline(impact.revenue)}")
    if "slo impact" not in labels and figures.error_budget_consumed_pct is not None \
            and impact and impact.downtime_minutes is not None:
        out.append(f"- **SLO impact**: Error budget consumed: "
                   f"{fg.format_number(figures.error_budget_consumed_pct)}%")
    out += [f"- **{inline(f.label)}**: {inline(f.value)}" if has(f.label) else f"- {item(f.value)}"
            for f in facts]
    return out


def _timeline(i: Incident) -> str:
    entries = timeline_rows(i)
    parts = []
    if entries:
        days = spans_days((e.at for e in entries), c.report_date(i))
        rows = [(when(e.at, seconds=False, with_date=days), e.written, e.who) for e in entries]
        parts += ["All times in UTC.", table(("Time", "Event", "Actor"), rows, (4, 5, 5),
                                             written=(1,))]
    # Figures the source stated show even when it gave no timeline.
    if duration := c.slot_text(i, "a:Total Duration"):
        parts.append(f"**Total Duration**: {inline(duration)}")
    others = list(c.other_stated_figures(i, "a"))
    if others:
        parts.append("\n".join(others))
    return join_blocks(parts)


def _blast_radius(i: Incident) -> str:
    impact = i.impact
    if impact is None:
        return ""
    parts = []
    if impact.services:
        parts.append("**Affected Services**:\n" + "\n".join(
            f"- {item(s.name)}: {inline(s.effect)}" if has(s.effect) else f"- {item(s.name)}"
            for s in impact.services))
    user = [f for f in impact.facts if f.part == "user"]
    generated_user = []
    figures = fg.derive(i)
    if figures.success_rate_pct is not None:
        generated_user.append(
            f"- {impact.failed_requests:,} failed requests (out of {impact.total_requests:,} "
            f"total): {fg.format_number(figures.success_rate_pct)}% success rate")
    elif impact.total_requests is not None:
        generated_user.append(f"- Total requests: {impact.total_requests:,}")
    elif impact.failed_requests is not None:
        generated_user.append(f"- Failed requests: {impact.failed_requests:,}")
    lines = [_fact_line(f.label, f.value) for f in user] + generated_user
    if lines:
        parts.append("**User Impact**:\n" + "\n".join(lines))
    slo = [_fact_line(f.label, f.value) for f in impact.facts if f.part == "slo"]
    if not slo:
        slo = _slo_lines(i)
    if slo:
        parts.append("**SLO Impact**:\n" + "\n".join(slo))
    for part, label in (("technical", "Technical Impact"), ("business", "Business Impact")):
        # What template B writes under its own impact headings has a place here too.
        said = [_fact_line(f.label, f.value) for f in impact.facts if f.part == part]
        if said:
            parts.append(f"**{label}**:\n" + "\n".join(said))
    return join_blocks(parts)


def _fact_line(label: str, value: str) -> str:
    return f"- **{inline(label)}**: {inline(value)}" if label else f"- {item(value)}"


def _slo_lines(i: Incident) -> list[str]:
    impact = i.impact
    if impact is None or impact.slo_target is None:
        return []
    figures = fg.derive(i)
    target = fg.format_number(impact.slo_target, 3)
    out = []
    if impact.slo_actual is not None:
        mark = "✅" if impact.slo_actual >= impact.slo_target else "❌"
        out.append(f"- Monthly availability SLO: {fg.format_number(impact.slo_actual, 3)}% "
                   f"(target: {target}%) {mark}")
    else:
        budget = fg.format_number(figures.error_budget_minutes or 0)
        out.append(f"- SLO target: {target}% (error budget {budget} min/month)")
    if impact.downtime_minutes is not None:
        out.append(f"- Downtime: {fg.format_number(impact.downtime_minutes)} minutes")
    if figures.error_budget_consumed_pct is not None and impact.downtime_minutes is not None:
        used = fg.format_number(figures.error_budget_consumed_pct)
        out.append(f"- Error budget consumed: {used}%")
    if figures.slo_breached is not None:
        out.append("- SLO breached" if figures.slo_breached else "- No SLO breach")
    return out


def _five_whys(i: Incident) -> str:
    root = i.root_cause
    if root is None:
        return ""
    items = [f"{n}. **{inline(w.question)}**\n   - {item(w.answer)}"
             for n, w in enumerate(root.whys, 1)]
    parts = ["\n\n".join(items)] if items else []
    if has(root.summary) and items:
        parts.append(f"**Root Cause**: {after_label(root.summary)}")
    if has(root.immediate_cause):
        parts.append(f"**Immediate Cause**: {after_label(root.immediate_cause)}")
    if root.causes:
        parts.append("**Root Causes**:\n" + "\n".join(
            f"{n}. {item(x)}" for n, x in enumerate(root.causes, 1)))
    return join_blocks(parts)


def _contributing(i: Incident) -> str:
    root = i.root_cause
    if root is None or not root.contributing_factors:
        return ""
    return "\n".join(f"{n}. {item(f)}" for n, f in enumerate(root.contributing_factors, 1))


def _mitigation(i: Incident) -> str:
    m = i.mitigation
    parts = []
    if m and has(m.action):
        parts.append(f"**Action Taken**: {after_label(m.action)}")
    if m and m.commands:
        parts.append(code_block(m.commands, m.commands_language))
    if m and has(m.why_it_worked):
        parts.append(f"**Why It Worked**: {after_label(m.why_it_worked)}")
    if parts and (ttm := c.slot_text(i, "a:Time to Mitigation")):
        parts.append(f"**Time to Mitigation**: {inline(ttm)}")
    return join_blocks(parts)


def _action_items(i: Incident) -> str:
    groups: dict[str, list[str]] = {"": []}  # items with no horizon come before any heading
    for action in i.action_items:
        box = "x" if action.status == "done" else " "
        owner = f"**{inline(action.owner)}**: " if has(action.owner) else ""
        extras = []
        if action.status == "in_progress":
            extras.append("in progress")
        if action.due:
            extras.append(f"due {action.due.isoformat()}")
        if action.priority:
            extras.append(_priority(action.priority))
        if action.ticket:
            extras.append(f"ticket {extra_value(action.ticket)}")
        tail = f" ({action.id})"
        extra = f" [{', '.join(extras)}]" if extras else ""
        title = mid_line(action.title) if owner else item(action.title)
        if not owner and OWNER_LABEL.match(title):
            title = "\\" + title  # "**Label**: ..." is the item's own words, not its owner
        line = f"- [{box}] {owner}{title}{tail}{extra}"
        heading = HORIZONS.get(action.horizon or "", action.horizon or "")
        groups.setdefault(heading, []).append(line)
    parts = []
    for heading, lines in groups.items():
        if heading:
            parts.append(f"### {heading}")
        parts.append("\n".join(lines))
    return join_blocks(parts)


def _priority(priority: str) -> str:
    """A priority as the task line's extras write it: the house scale as is, a team's own
    value (``Must``, ``Sev 2``) labelled, so it is not read as something else."""
    if re.fullmatch(r"P[0-5]", priority) or priority in c.SEVERITY_WORDS.values():
        return priority
    return f"{PRIORITY_LABEL}{extra_value(priority)}"


def extra_value(text: str) -> str:
    """A value in a task line's ``[extras]``, which commas separate: its own commas are
    written ``&#44;`` (shown as commas; :func:`read_extra` reads them back)."""
    return inline(text).replace("&#44;", "&amp;#44;").replace(",", COMMA)


def read_extra(text: str) -> str:
    """The inverse of :func:`extra_value` (``&amp;`` is read back with the rest of the
    report's HTML escapes)."""
    return text.replace(COMMA, ",")


def _lessons(i: Incident) -> str:
    order = list(LESSON_KINDS) + [k for k in dict.fromkeys(x.kind for x in i.lessons)
                                  if k not in LESSON_KINDS]
    parts = []
    for kind in order:
        lessons = [x for x in i.lessons if x.kind == kind]
        if not lessons:
            continue
        heading, mark = LESSON_KINDS.get(kind, (kind.replace("_", " ").title(), "-"))
        lines = [f"{mark} {c.lesson(x.title, x.text)}" for x in lessons]
        parts.append(f"### {heading}\n\n" + "\n".join(lines))
    return join_blocks(parts)


def _sign_off(i: Incident) -> str:
    lines = []
    for s in i.sign_offs:
        verdict = "approved" if s.approved else "not approved"
        date = f", {s.at:%Y-%m-%d}" if s.at else ""
        lines.append(f"**{inline(s.role)}**: {inline(s.name)} ({verdict}{date})")
    return "\n".join(lines)


OUTLINE = (
    Node("Executive Summary", 2, _summary),
    Node("Timeline", 2, _timeline),
    Node("Detailed Description", 2, children=(
        Node("What Happened", 3),
        Node("Blast Radius", 3, _blast_radius),
    )),
    Node("Root Cause Analysis", 2, children=(
        Node("The Five Whys", 3, _five_whys),
        Node("Contributing Factors", 3, _contributing),
    )),
    Node("Resolution", 2, children=(
        Node("Immediate Mitigation", 3, _mitigation),
        Node("Verification", 3),
    )),
    Node("Action Items", 2, _action_items),
    Node("Lessons Learned", 2, _lessons),
    Node("Supporting Data", 2),
    Node("References", 2),
    Node("Sign-off", 2, _sign_off),
)
