"""The invariant checker: what an incident's record says that its own events contradict.

:func:`check` returns :class:`Finding` objects, each with a stable ``code`` (documented in
``docs/reference/findings.md``), a level, a sentence a person understands, and where it
applies: the source line for imported records, the field otherwise.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Literal

import attrs

from incidentlog import figures as fg
from incidentlog.events import Source
from incidentlog.incident import Incident, StatedFigure, lifecycle_problems

Level = Literal["error", "warning"]

CODES: dict[str, str] = {
    "duration-mismatch": "a stated duration disagrees with the timeline",
    "timeline-order": "timeline entries are written out of time order in the source",
    "lifecycle-order": "detected <= declared/acknowledged <= mitigated <= resolved <= closed "
    "does not hold",
    "arithmetic-mismatch": "a stated rate or percentage disagrees with its counts",
    "error-budget": "a stated error budget or its consumption disagrees with the SLO target "
    "and downtime, or the SLO is breached and the report does not say so",
    "due-before-incident": "an action item is due, or a sign-off dated, before the incident",
    "missing-field": "something the template needs, or a stated figure needs, is missing",
}
"""Every finding code and what it means."""

TEMPLATE_ID = {
    "a": re.compile(r"INC-\d{8}-\d{4}"),
    "b": re.compile(r"#?\d{4}-\d{2}-\d{2}-\d{3}"),
}


@attrs.frozen
class Finding:
    """One problem found in a record."""

    code: str
    level: Level
    message: str
    source: Source | None = None
    field: str | None = None

    def where(self, default_file: str | None = None) -> str:
        """``file:line`` for a source line, else the field name, else ``""``."""
        if self.source is not None:
            return f"{self.source.file or default_file or '<text>'}:{self.source.line}"
        return self.field or ""

    def __str__(self) -> str:
        where = self.where()
        return f"{where + ': ' if where else ''}{self.code}: {self.message}"


def check(incident: Incident, *, template: str | None = None) -> list[Finding]:
    """Every finding for ``incident``; ``template`` ("a" or "b") adds what it requires."""
    figures = fg.derive(incident)
    findings: list[Finding] = []
    for rule in _RULES:
        findings.extend(rule(incident, figures))
    if template is not None:
        findings.extend(_missing_for_template(incident, template))
    return findings


def has_errors(findings: list[Finding]) -> bool:
    """True when any finding is at error level."""
    return any(f.level == "error" for f in findings)


# --------------------------------------------------------------------------- rules


def _stated_durations(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    derived_single = {
        "duration_minutes": ("duration", "detection to resolution", figures.duration_minutes),
        "time_to_mitigate_minutes": ("time to mitigation", "detection to mitigation",
                                     figures.time_to_mitigate_minutes),
        "time_to_detect_minutes": ("time to detection", "start to detection",
                                   figures.time_to_detect_minutes),
    }
    for stated in incident.stated:
        if stated.figure in derived_single:
            name, span, value = derived_single[stated.figure]
            candidates = {span: value} if value is not None else {}
        elif stated.figure == "time_to_repair_minutes":
            name, candidates = "time to repair", fg.repair_candidates(incident)
        elif stated.figure == "time_to_resolve_minutes":
            name, candidates = "time to resolve", fg.resolve_candidates(incident)
        else:
            continue
        yield from _compare_duration(stated, name, candidates)


def _compare_duration(stated: StatedFigure, name: str, candidates: dict[str, float]
                      ) -> Iterator[Finding]:
    said = fg.format_minutes(stated.value)
    if not candidates:
        yield Finding("missing-field", "warning",
                      f"states {name} {said}, but the timeline lacks the times to derive it",
                      stated.source, stated.figure)
        return
    tolerance = _duration_tolerance(stated.text)
    if any(abs(v - stated.value) <= tolerance for v in candidates.values()):
        return
    derived = ", ".join(f"{fg.format_minutes(v)} ({span})" for span, v in candidates.items())
    yield Finding("duration-mismatch", "error",
                  f"stated {name} {said}, timeline gives {derived}", stated.source,
                  stated.figure)


def _duration_tolerance(text: str) -> float:
    lowered = text.lower()
    if re.search(r"\d\s*(m\b|min|minute)", lowered) or re.search(r"\d:\d\d", lowered):
        return 1.0
    if re.search(r"\d\s*(h\b|hr|hour)", lowered):
        return 30.0
    if re.search(r"\d\s*(d\b|day)", lowered):
        return 12 * 60.0
    return 1.0


def _timeline_order(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    written = sorted((e for e in incident.timeline if e.source and e.at is not None),
                     key=lambda e: (e.source.file or "", e.source.line) if e.source else ("", 0))
    for before, entry in itertools.pairwise(written):
        assert before.at is not None and entry.at is not None
        if entry.at < before.at:
            yield Finding(
                "timeline-order", "warning",
                f"{entry.text[:60]!r} at {entry.at:%Y-%m-%d %H:%M} is written after "
                f"{before.text[:60]!r} at {before.at:%Y-%m-%d %H:%M}",
                entry.source, "timeline")


def _lifecycle(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    for problem in lifecycle_problems(incident):
        yield Finding("lifecycle-order", "error", problem, _lifecycle_source(incident, problem),
                      "lifecycle")


def _lifecycle_source(incident: Incident, problem: str) -> Source | None:
    later = problem.split(" at ", 1)[0]
    kinds = {"mitigated": "mitigated", "resolved": "resolved", "closed": "closed",
             "declared": "declared"}
    for entry in incident.timeline:
        if entry.source and (entry.kind == kinds.get(later) or entry.marks == later):
            return entry.source
    return None


def _arithmetic(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    stated = incident.stated_figure("success_rate_pct")
    if stated is None:
        return
    failed, total = _counts(incident)
    if failed is None or not total:
        yield Finding("missing-field", "warning",
                      f"states a success rate of {fg.format_number(stated.value, 2)}% but not "
                      "the failed and total counts it comes from", stated.source, stated.figure)
        return
    rate = 100 * (total - failed) / total
    if abs(rate - stated.value) > _rounding(stated.text, 0.5):
        yield Finding(
            "arithmetic-mismatch", "error",
            f"stated success rate {fg.format_number(stated.value, 2)}%, but {failed:,} failed "
            f"of {total:,} gives {fg.format_number(rate, 2)}%", stated.source, stated.figure)


def _counts(incident: Incident) -> tuple[float | None, float | None]:
    """Failed and total requests: assessed, else as a document stated them."""
    impact = incident.impact
    failed = impact.failed_requests if impact else None
    total = impact.total_requests if impact else None
    if failed is None and (s := incident.stated_figure("failed_requests")):
        failed = int(s.value)
    if total is None and (s := incident.stated_figure("total_requests")):
        total = int(s.value)
    return failed, total


def _rounding(text: str, default: float) -> float:
    """Half a unit of the last digit written in ``text`` (``88%`` -> 0.5, ``99.72`` -> 0.005)."""
    match = re.search(r"\d+(?:\.(\d+))?", text)
    if not match:
        return default
    decimals = len(match.group(1) or "")
    return float(0.5 * 10.0 ** -decimals + 1e-9)


def _error_budget(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    impact = incident.impact
    stated_budget = incident.stated_figure("error_budget_minutes")
    stated_used = incident.stated_figure("error_budget_consumed_pct")
    stated_breach = incident.stated_figure("slo_breached")
    budget = figures.error_budget_minutes
    if stated_budget is not None and budget is not None and (
        abs(stated_budget.value - budget) > _rounding(stated_budget.text, 0.05)
    ):
        yield Finding(
            "error-budget", "error",
            f"stated budget {fg.format_number(stated_budget.value, 2)} min/month, but a "
            f"{fg.format_number((impact.slo_target if impact else None) or 0, 3)}% target allows "
            f"{fg.format_number(budget, 1)} min/month (30.44-day month)",
            stated_budget.source, stated_budget.figure)
    explicit_downtime = impact is not None and impact.downtime_minutes is not None
    used = figures.error_budget_consumed_pct
    if stated_used is not None and explicit_downtime and used is not None and (
        abs(stated_used.value - used) > max(_rounding(stated_used.text, 0.5), 0.5)
    ):
        yield Finding(
            "error-budget", "error",
            f"stated {fg.format_number(stated_used.value, 2)}% of the error budget consumed, "
            f"but {fg.format_number(figures.downtime_minutes or 0)} min of downtime against "
            f"{fg.format_number(budget or 0)} min is {fg.format_number(used)}%",
            stated_used.source, stated_used.figure)
    breached = figures.slo_breached
    if breached is None:
        return
    if stated_breach is not None and bool(stated_breach.value) != breached:
        says = "breached" if stated_breach.value else "not breached"
        reason = _breach_reason(incident, figures)
        yield Finding("error-budget", "error", f"the report says the SLO was {says}, but {reason}",
                      stated_breach.source, stated_breach.figure)
    elif stated_breach is None and breached:
        source = stated_budget.source if stated_budget else None
        yield Finding("error-budget", "warning",
                      f"{_breach_reason(incident, figures)}, and the report does not say the "
                      "SLO was breached", source, "impact")


def _breach_reason(incident: Incident, figures: fg.Figures) -> str:
    impact = incident.impact
    assert impact is not None
    if impact.slo_actual is not None and impact.slo_target is not None:
        relation = "below" if impact.slo_actual < impact.slo_target else "within"
        return (f"availability {fg.format_number(impact.slo_actual, 3)}% is {relation} the "
                f"{fg.format_number(impact.slo_target, 3)}% target")
    down = fg.format_number(impact.downtime_minutes or 0)
    budget = fg.format_number(figures.error_budget_minutes or 0)
    used = fg.format_number(figures.error_budget_consumed_pct or 0)
    relation = "exceeds" if figures.slo_breached else "is within"
    return f"{down} min of downtime {relation} the monthly budget of {budget} min ({used}% used)"


def _due_dates(incident: Incident, figures: fg.Figures) -> Iterator[Finding]:
    start = incident.began_at or incident.started_at
    if start is None:
        return
    for item in incident.action_items:
        if item.due is not None and item.due < start.date():
            yield Finding("due-before-incident", "error",
                          f"action item {item.id} is due {item.due.isoformat()}, before the "
                          f"incident began on {start.date().isoformat()}", None,
                          f"action_items.{item.id}")
    for sign_off in incident.sign_offs:
        if sign_off.at is not None and sign_off.at < start:
            yield Finding("due-before-incident", "error",
                          f"sign-off by {sign_off.name} ({sign_off.role}) is dated "
                          f"{sign_off.at:%Y-%m-%d}, before the incident began",
                          None, f"sign_offs.{sign_off.role}")


_RULES: tuple[Callable[[Incident, fg.Figures], Iterator[Finding]], ...] = (
    _lifecycle,
    _stated_durations,
    _timeline_order,
    _arithmetic,
    _error_budget,
    _due_dates,
)


def _missing_for_template(incident: Incident, template: str) -> Iterator[Finding]:
    pattern = TEMPLATE_ID.get(template)
    if pattern is None:
        raise ValueError(f"unknown template {template!r}; use 'a' or 'b'")
    if not pattern.fullmatch(incident.id):
        shape = "INC-YYYYMMDD-####" if template == "a" else "YYYY-MM-DD-NNN"
        yield Finding("missing-field", "warning",
                      f"id {incident.id!r} is not of template {template.upper()}'s form {shape}",
                      None, "id")
    needs: list[tuple[str, bool]] = [
        ("title", bool(incident.title.strip())),
        ("severity", incident.severity is not None),
        ("summary", bool(incident.summary.strip())),
        ("timeline", bool(incident.timeline)),
    ]
    if template == "a":
        needs.append(("commander", bool(incident.commander)))
    if incident.resolved_at is not None or incident.status in ("resolved", "closed"):
        needs += [
            ("resolved_at", incident.resolved_at is not None),
            ("root_cause", incident.root_cause is not None),
        ]
        if template == "a":
            needs.append(("resolution", bool(incident.resolution)))
        else:
            needs.append(("impact", incident.impact is not None))
            needs.append(("action_items", bool(incident.action_items)))
    for field, present in needs:
        if not present:
            yield Finding("missing-field", "warning",
                          f"template {template.upper()} needs {field.replace('_', ' ')}",
                          None, field)
