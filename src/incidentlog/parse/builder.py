"""Collects what a parser reads into the events of one incident, in a sensible order.

Parsers report facts as they meet them (a timeline row, the mitigation's commands, a
lesson); the builder merges the pieces that belong to one event, keeps what nobody
understood as verbatim sections, and at the end drops stated figures that say exactly what
the events derive anyway.
"""

from __future__ import annotations

import re
from datetime import date, tzinfo
from typing import Any

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog.checks import Finding
from incidentlog.incident import Incident, StatedFigure, fold
from incidentlog.render.common import STATUS_LABELS, is_derivable
from incidentlog.render.emit import balance_fences
from incidentlog.vocabulary import (
    FIX_SHIPPED,
    RESOLUTION_CUES,
    classify,
    folded_pattern,
    status_of,
)

IMPORT_ACTOR = "import"


@attrs.define
class Kept:
    """Markdown nobody understood, to be stored verbatim under its heading."""

    heading: str
    level: int
    anchor: str | None
    chunks: list[str]
    line: int
    key: object = None


@attrs.define
class Builder:
    """The incident being read from one document."""

    file: str | None
    actor: str = IMPORT_ACTOR
    day: date | None = None
    zone: tzinfo | None = None
    declared: dict[str, Any] = attrs.Factory(dict)
    timeline: list[ev.Event] = attrs.Factory(list)
    others: list[ev.Event] = attrs.Factory(list)
    figures: list[ev.FigureStated] = attrs.Factory(list)
    kept: list[Kept] = attrs.Factory(list)
    mitigation: dict[str, Any] = attrs.Factory(dict)
    resolution: tuple[str, int] | None = None
    root: dict[str, Any] = attrs.Factory(dict)
    impact: dict[str, Any] = attrs.Factory(dict)
    facts: list[ev.Fact] = attrs.Factory(list)
    stated_status: tuple[str, int] | None = None
    stated_severity: str | None = None
    declared_row: bool = False
    root_line: int | None = None
    root_inferred: bool = False
    """The root cause was found in prose no heading or label names as the cause."""
    kept_keys: dict[object, Kept] = attrs.Factory(dict)
    """Each kept section by its key."""
    impact_line: int | None = None
    findings: list[Finding] = attrs.Factory(list)
    """What reading found wrong in the document itself (besides the checks' findings)."""

    def src(self, line: int) -> ev.Source:
        """The source of 0-based ``line``."""
        return ev.Source(self.file, line + 1)

    def row(self, event: ev.Event) -> None:
        """A timeline row (entry or lifecycle event), in document order."""
        self.timeline.append(event)

    def add(self, event: ev.Event) -> None:
        """Any other event (action item, lesson, sign-off...)."""
        self.others.append(event)

    def unique_item(self, item: ev.ActionItemAdded) -> ev.ActionItemAdded:
        """The action item, renamed ``ID-2`` (``-3``...) when its id is taken already, with
        a finding naming its line: both items are kept."""
        taken = {e.item_id for e in self.others if isinstance(e, ev.ActionItemAdded)}
        if item.item_id not in taken:
            return item
        n = 2
        while f"{item.item_id}-{n}" in taken:
            n += 1
        renamed = f"{item.item_id}-{n}"
        self.findings.append(Finding(
            "duplicate-action-item", "warning", f"action item id {item.item_id!r} is used "
            f"more than once; this one is kept as {renamed!r}", item.source))
        return msgspec.structs.replace(item, item_id=renamed)

    def figure(self, figure: str, value: float, text: str, label: str, line: int) -> None:
        """A figure the document states."""
        self.figures.append(ev.FigureStated(occurred_at=None, actor=self.actor, figure=figure,
                                            value=value, text=text, label=label,
                                            source=self.src(line)))

    def fact(self, part: str, label: str, value: str, line: int) -> None:
        """A labelled statement of impact, kept as written."""
        self.facts.append(ev.Fact(part, label, value))
        self.impact_line = line if self.impact_line is None else self.impact_line

    def set_impact(self, line: int, **fields: Any) -> None:
        """Structured impact fields (numbers, services)."""
        self.impact.update(fields)
        self.impact_line = line if self.impact_line is None else self.impact_line

    def set_root(self, line: int, **fields: Any) -> None:
        """Root cause fields, merged into one RootCauseIdentified."""
        self.root.update(fields)
        self.root_line = line if self.root_line is None else self.root_line

    def keep(self, heading: str, level: int, anchor: str | None, text: str, line: int,
             *, empty_ok: bool = False, key: object = None) -> None:
        """Verbatim Markdown under ``heading``, merged with what is kept under the same
        ``key`` already (by default: the same heading, level and anchor)."""
        if not text.strip() and not empty_ok:
            return
        key = key if key is not None else (heading, level, anchor)
        kept = self.kept_keys.get(key)
        if kept is not None:
            if not kept.chunks:  # a reserved place: now it knows what it holds
                kept.heading, kept.level, kept.anchor, kept.line = heading, level, anchor, line
            kept.chunks.append(text)
            return
        self.kept.append(Kept(heading, level, anchor, [text], line, key))
        self.kept_keys[key] = self.kept[-1]

    def problem(self, line: int, code: str, message: str) -> None:
        """Something in the document that could not be read as written (0-based ``line``)."""
        self.findings.append(Finding(code, "warning", message, self.src(line)))

    def reserve(self, key: object) -> None:
        """Hold a place among kept sections for what a later reading keeps under ``key``."""
        if not self.keeps(key):
            self.kept.append(Kept("", 0, None, [], 0, key))
            self.kept_keys[key] = self.kept[-1]

    def keeps(self, key: object) -> bool:
        """True when something is kept (or a place held) under ``key``."""
        return key in self.kept_keys

    # ----------------------------------------------------------------------------- result

    def finish(self) -> tuple[list[ev.Event], Incident]:
        """The incident's events, oldest first (declaration, timeline, the rest), and the
        state they fold to."""
        self._finished()
        rows = self._merge_rows()
        if self.declared.get("severity") is None:
            self.declared["severity"] = self._first_severity(rows)
        declared = ev.IncidentDeclared(actor=self.actor, **self.declared)
        events: list[ev.Event] = [declared, *rows]
        exec_root = self.root.pop("exec_root", None)
        if exec_root is not None and exec_root != self.root.get("summary"):
            self.keep("Executive Summary", 2, "", f"**Root Cause**: {exec_root}",
                      self.root_line or 0, key=self._summary_key())
        if self.root:
            events.append(ev.RootCauseIdentified(
                occurred_at=None, actor=self.actor, summary=self.root.get("summary", ""),
                whys=tuple(self.root.get("whys", ())),
                contributing_factors=tuple(self.root.get("contributing_factors", ())),
                immediate_cause=self.root.get("immediate_cause", ""),
                causes=tuple(self.root.get("causes", ())),
                source=self.src(self.root_line or 0)))
        if self.impact or self.facts:
            events.append(ev.ImpactAssessed(occurred_at=None, actor=self.actor,
                                            facts=tuple(self.facts),
                                            source=self.src(self.impact_line or 0),
                                            **self.impact))
        events += self.others
        events = [_shown_html(e) for e in events]
        state = fold(events)
        assert state is not None
        # What the document states now, where its history says otherwise.
        fixes: list[ev.Event] = []
        if self.stated_severity and state.severity != self.stated_severity:
            fixes.append(ev.Corrected(
                occurred_at=None, actor=self.actor, field="severity",
                value=self.stated_severity, reason="the severity the document states now",
                source=declared.source))
        if self.stated_status is not None:
            fixes += self._status(state)
        fixes = [_shown_html(e) for e in fixes]
        state = fold(fixes, state) or state
        tail: list[ev.Event] = [_shown_html(f) for f in self.figures
                                if not is_derivable(state, _as_stated(f))]
        for kept in self.kept:
            if not kept.chunks:
                continue
            markdown = "\n\n".join(balance_fences(c.lstrip("\n").rstrip()) for c in kept.chunks)
            tail.append(_shown_html(ev.SectionNoted(
                occurred_at=None, actor=self.actor, heading=kept.heading, markdown=markdown,
                level=kept.level, anchor=kept.anchor, source=self.src(kept.line))))
        state = fold(tail, state) or state
        return [*events, *fixes, *tail], state

    def _finished(self) -> None:
        """A finished retrospective is resolved, at a time it may not say: a Resolved event
        of unknown time when the document states no other status, shows no resolution row,
        and reads as written after the fact (a root cause, a resolution, lessons, action
        items). A stated status wins."""
        if any(isinstance(r, ev.Resolved | ev.Closed) for r in self.timeline):
            return
        line = 0
        if self.stated_status is not None:
            label, line = self.stated_status
            if status_of(label) not in ("resolved", "closed"):
                return
        elif not (self.resolution or self.root or any(
                isinstance(e, ev.ActionItemAdded | ev.LessonRecorded) for e in self.others)):
            return
        fix = self._last_fix()
        if fix is not None:
            row = self.timeline[fix]
            assert isinstance(row, ev.TimelineEntryAdded)
            self.timeline[fix] = ev.Resolved(occurred_at=row.occurred_at, actor=row.actor,
                                             note=row.text, by=row.by, source=row.source)
            return
        self.timeline.append(ev.Resolved(occurred_at=None, actor=self.actor, summary="",
                                         note="", source=self.src(line)))

    def _last_fix(self) -> int | None:
        """The timeline's last entry, when it says a fix was put in ("Mariano reverted the
        malicious change"): in a finished report whose timeline names no resolution, the
        fix it ends with is where it was resolved. Not an entry that marks a moment, nor one
        before a mitigation."""
        timed = [(r.occurred_at, i) for i, r in enumerate(self.timeline)
                 if r.occurred_at is not None]
        if not timed:
            return None
        last = max(timed)[1]
        row = self.timeline[last]
        if not isinstance(row, ev.TimelineEntryAdded) or row.marks is not None:
            return None
        low = row.text.lower()
        if folded_pattern(FIX_SHIPPED).search(low) or folded_pattern(RESOLUTION_CUES).search(low):
            return last
        return None

    def _summary_key(self) -> object:
        found = next((k for k in self.kept if k.heading == "Executive Summary"), None)
        return found.key if found else ("Executive Summary",)

    def _first_severity(self, rows: list[ev.Event]) -> str | None:
        """The severity before the first change the timeline shows, else the stated one."""
        for row in rows:
            if isinstance(row, ev.SeverityChanged):
                found = re.search(r"\b(P[0-3])\s*->\s*P[0-3]\b", row.note)
                return found.group(1) if found else self.stated_severity
        return self.stated_severity

    def _merge_rows(self) -> list[ev.Event]:
        rows = list(self.timeline)
        if self.mitigation:
            last = _last(rows, ev.Mitigated)
            if last is None:
                rows.append(ev.Mitigated(occurred_at=None, actor=self.actor, note="",
                                         source=self.src(self.mitigation.pop("line", 0)),
                                         **self.mitigation))
            else:
                fields = {k: v for k, v in self.mitigation.items() if k != "line"}
                rows[last] = attrs_replace(rows[last], **fields)
        last_resolved = _last(rows, ev.Resolved)
        if self.resolution is None and last_resolved is not None:
            row = rows[last_resolved]
            assert isinstance(row, ev.Resolved)
            if row.note and row.occurred_at is not None and not row.summary and \
                    classify(row.note) == "resolved" and _says_how(row.note):
                # The row that ends the incident says how: that is its resolution.
                self.resolution = (row.note, row.source.line - 1 if row.source else 0)
        if self.resolution is not None:
            last = _last(rows, ev.Resolved)
            text, line = self.resolution
            if last is None:
                self.keep("Executive Summary", 2, "", f"**Resolution**: {text}", line,
                          key=self._summary_key())
            else:
                rows[last] = attrs_replace(rows[last], summary=text)
        return rows

    def _status(self, state: Incident) -> list[ev.Event]:
        assert self.stated_status is not None
        label, line = self.stated_status
        wanted = next((k for k, v in STATUS_LABELS.items() if v.lower() == label.lower()), None)
        if wanted is None or wanted == state.status:
            return []
        return [ev.Corrected(occurred_at=None, actor=self.actor, field="status", value=wanted,
                             reason="the status the document states", source=self.src(line))]


_SHOWN = re.compile(r"&lt;|&amp;|&#92;|\]\\\((?=\s*(?:javascript|vbscript|data):)",
                    re.IGNORECASE)
_MEANT = {"&lt;": "<", "&amp;": "&", "&#92;": "\\"}
_encode = msgspec.json.Encoder().encode
_VERBATIM = {"markdown", "commands", "commands_language", "incident_id", "actor"}


def _unhtml(value: Any) -> Any:
    """``value`` with shown HTML read back; the very same object when nothing changes."""
    if isinstance(value, str):
        if "&" not in value and "]\\(" not in value:
            return value
        # One pass, so what one replacement gives is never read again (&amp;lt; is &lt;).
        return _SHOWN.sub(lambda m: _MEANT.get(m[0].lower(), "]("), value)
    if isinstance(value, tuple):
        items = tuple(_unhtml(v) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, msgspec.Struct) and not isinstance(value, ev.Source):
        changed = {f: new for f in value.__struct_fields__
                   if (new := _unhtml(old := getattr(value, f))) is not old}
        return msgspec.structs.replace(value, **changed) if changed else value
    return value


def _shown_html(event: ev.Event) -> ev.Event:
    """Text a report showed as ``&lt;tag`` (or ``&amp;``, ``&#92;``, a broken script link)
    read back as what it stands for (see :func:`incidentlog.render.emit.no_html`)."""
    shown = _encode(event)  # one C-speed pass finds the rare event that needs it
    if b"&" not in shown and b"]\\\\(" not in shown:
        return event
    changed = {f: new for f in event.__struct_fields__ if f not in _VERBATIM
               and (new := _unhtml(old := getattr(event, f))) is not old}
    return msgspec.structs.replace(event, **changed) if changed else event


_BARE = frozenset({"incident", "issue", "problem", "outage", "is", "was", "has", "been", "the",
                   "resolved", "closed", "fully", "marked", "as", "declared", "now", "and"})


def _says_how(note: str) -> bool:
    """A resolved row that says how it ended, not only that it did ("Resolved",
    "Incident is resolved")."""
    return len([w for w in re.findall(r"[a-z]+", note.lower()) if w not in _BARE]) >= 2


def _last(rows: list[ev.Event], kind: type[ev.Event]) -> int | None:
    found = [i for i, r in enumerate(rows) if isinstance(r, kind)]
    return found[-1] if found else None


def attrs_replace(event: ev.Event, **fields: Any) -> ev.Event:
    """A copy of a frozen event with some fields changed."""
    return msgspec.structs.replace(event, **fields)


def _as_stated(f: ev.FigureStated) -> StatedFigure:
    return StatedFigure(f.figure, f.value, f.text, f.source, f.label)
