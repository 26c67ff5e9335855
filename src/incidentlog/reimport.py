"""Re-importing a changed document: corrections only for the facts that came from it.

A stored incident that was imported holds two kinds of events: those its document gave
(each carries a :class:`~incidentlog.events.Source`) and those added since through the API
or the command line (no source). :func:`plan` compares what the stored events of the
document say with what its new version says, and returns the events that take the stored
incident to the new version *plus* everything added through the API: the same incident as
importing the new version fresh and appending the API's events to it. What the API added is
never withdrawn, and what the API withdrew stays withdrawn.

The plan is total: it reads the stored history and the new document only through lookups
that cannot fail, so no input makes it raise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from incidentlog import events as ev
from incidentlog.corrections import CORRECTABLE
from incidentlog.incident import LIFECYCLE, ActionItem, Folding, Incident, fold
from incidentlog.parse import ImportResult
from incidentlog.parse.compare import canonical
from incidentlog.values import ACTION_ITEM_FIELDS, fields_of

REASON = "the source document changed"

History = Sequence[tuple[int, ev.Event]]
"""A stored stream as (version, event) pairs, oldest first."""


def from_document(event: ev.Event) -> bool:
    """True when the event records what a document said (rather than an API command)."""
    return event.source is not None


def document_view(incident_id: str, history: History) -> Incident | None:
    """The incident as its document's events alone say, with their stored versions."""
    folding = Folding()
    for version, event in history:
        if from_document(event):
            if incident_id not in folding and not isinstance(event, ev.IncidentDeclared):
                return None
            folding.add(incident_id, event, version)
    return folding.state(incident_id) if incident_id in folding else None


def expected(history: History, new: ImportResult) -> Incident:
    """What the store should hold: the new version imported fresh, then the API's events.

    Corrections the API aimed at a stored version (a withdrawal, a timeline fix) cannot be
    aimed at the fresh import; they stay in force in the stored stream instead.
    """
    api = [e for _, e in history if not from_document(e)
           and not (isinstance(e, ev.Corrected) and e.target_version is not None)]
    return fold(api, new.incident) or new.incident


def plan(history: History, new: ImportResult, *, actor: str) -> list[ev.Event]:
    """Events that take the stored incident to ``new`` plus what the API added (empty when
    there is nothing to change)."""
    events = [e for _, e in history]
    current = fold(events)
    document = document_view(new.incident.id, history)
    if current is None or document is None:
        return []
    want = expected(history, new)
    source = new.events[0].source
    out: list[ev.Event] = []

    def correct(field: str, value: Any, target: int | None = None,
                where: ev.Source | None = None) -> None:
        """Correct ``field`` to a typed value (None clears it); history, so not refused."""
        text = None if value is None else CORRECTABLE[field].write(value)
        out.append(ev.Corrected(occurred_at=None, actor=actor, field=field, value=text,
                                reason=REASON, target_version=target, source=where or source))

    present = {x.version for name in _KEYS for x in getattr(current, name)}
    for name, key in _KEYS.items():
        _collection(getattr(document, name), getattr(new.incident, name), key, new.events,
                    present, out, correct)
    _action_items(document, current, new, want, out, correct, actor)
    _fields(fold(out, current) or current, want, new, out, correct, actor)
    after = fold(out, current) or current
    if after.services != want.services:
        correct("services", want.services or None)
    for field in LIFECYCLE:
        value = getattr(want, field)
        if getattr(after, field) != value:
            correct(field, value)
    if after.severity != want.severity and want.severity is not None:
        correct("severity", want.severity)
    after = fold(out, current) or current
    if after.status != want.status:
        correct("status", want.status)
    return out


def _collection(stored: Sequence[Any], wanted: Sequence[Any], key: Callable[[Any], object],
                events: Sequence[ev.Event], present: set[int], out: list[ev.Event],
                correct: Callable[..., None]) -> None:
    """Withdraw the document's items its new version no longer has; add its new ones.

    Items are matched by what they say, as many times as they occur (a row written twice
    is two rows). The declaration's own row is corrected, not withdrawn (see _fields).
    """
    have: dict[object, list[Any]] = defaultdict(list)
    for item in stored:
        if item.version > 1:
            have[key(item)].append(item)
    added: list[ev.Event] = []
    for item in wanted:
        if item.version <= 1 or item.version > len(events):
            continue
        bucket = have.get(key(item))
        if bucket:
            bucket.pop()
        else:
            added.append(events[item.version - 1])
    for bucket in have.values():
        for item in bucket:
            if item.version in present:
                correct("retract", None, item.version, getattr(item, "source", None))
    out += added


_ITEM_FIELDS = tuple(f for f in ACTION_ITEM_FIELDS if f != "ticket")
"""What a document's action item is compared on (its ticket is read from its title)."""


def _action_items(document: Incident, current: Incident, new: ImportResult, want: Incident,
                  out: list[ev.Event], correct: Callable[..., None], actor: str) -> None:
    """Action items by id: new ones added, gone ones withdrawn, changed ones updated (or
    withdrawn and added again when a field must become empty, which an update cannot say)."""
    had = {a.id: a for a in document.action_items}
    now = {a.version: a for a in current.action_items}
    wanted = {a.version: a for a in want.action_items}
    for item in new.incident.action_items:
        if not 0 < item.version <= len(new.events):
            continue
        added = new.events[item.version - 1]
        target = wanted.get(item.version, item)
        old = had.pop(item.id, None)
        if old is None:  # new to the store (an update the API made by id still applies)
            out.append(added if _same(target, item) else _item_added(target, added, actor))
            continue
        stored = now.get(old.version)
        if stored is None:  # withdrawn through the API: it stays withdrawn
            continue
        changed = {f: getattr(target, f) for f in _ITEM_FIELDS
                   if getattr(target, f) != getattr(stored, f)}
        if not changed:
            continue
        if any(v is None for v in changed.values()) or "horizon" in changed:
            correct("retract", None, stored.version, added.source)
            out.append(_item_added(target, added, actor))
        else:
            out.append(ev.ActionItemUpdated(occurred_at=None, actor=actor, item_id=item.id,
                                            source=added.source, **changed))
    for old in had.values():
        if old.version in now:
            correct("retract", None, old.version)


def _same(a: ActionItem, b: ActionItem) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in _ITEM_FIELDS)


def _item_added(item: ActionItem, like: ev.Event, actor: str) -> ev.Event:
    return ev.ActionItemAdded(occurred_at=like.occurred_at, actor=actor, item_id=item.id,
                              source=like.source, **fields_of(item, leave=("id", "version")))


def _fields(after: Incident, want: Incident, new: ImportResult, out: list[ev.Event],
            correct: Callable[..., None], actor: str) -> None:
    """Fields of the incident itself: corrected to what is wanted where they differ."""
    for field in ("title", "summary", "commander", "resolution"):
        if _text(getattr(after, field)) != _text(getattr(want, field)):
            correct(field, getattr(want, field))
    seen, wanted = canonical(after), canonical(want)
    by_type = {type(e): e for e in new.events}
    if seen["root_cause"] != wanted["root_cause"] and want.root_cause is not None:
        root = want.root_cause
        like = by_type.get(ev.RootCauseIdentified)
        out.append(ev.RootCauseIdentified(
            occurred_at=None, actor=actor, source=like.source if like else new.events[0].source,
            **fields_of(root)))
    if seen["impact"] != wanted["impact"]:
        like = by_type.get(ev.ImpactAssessed)
        impact = want.impact
        fields = {} if impact is None else fields_of(impact)
        out.append(ev.ImpactAssessed(occurred_at=None, actor=actor,
                                     source=like.source if like else new.events[0].source,
                                     **fields))
    if want.root_cause is None and after.root_cause is not None:
        correct("root_cause", None)
    if want.mitigation is None and after.mitigation is not None:
        correct("mitigation", None)
    if want.mitigation is not None:
        for attr in ("action", "commands", "commands_language", "why_it_worked"):
            before = getattr(after.mitigation, attr) if after.mitigation else None
            if before != getattr(want.mitigation, attr):
                correct(f"mitigation.{attr}", getattr(want.mitigation, attr))
    declared = next((t for t in after.timeline if t.version == 1), None)
    wanted_row = next((t for t in want.timeline if t.version == 1), None)
    if declared and wanted_row:
        for attr in ("text", "by"):
            if getattr(declared, attr) != getattr(wanted_row, attr):
                correct(f"timeline.{attr}", getattr(wanted_row, attr), 1)
        if declared.at != wanted_row.at and wanted_row.at is not None:
            correct("timeline.at", wanted_row.at, 1)


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _entry_key(e: Any) -> object:
    return (e.at, _text(e.text), _text(e.by), e.kind, e.marks)


_KEYS: dict[str, Callable[[Any], object]] = {
    "timeline": _entry_key,
    "lessons": lambda x: (x.kind, _text(x.title), _text(x.text)),
    "sign_offs": lambda s: (_text(s.role), _text(s.name), s.approved,
                            s.at.date() if s.at else None),
    "sections": lambda s: (_text(s.heading), s.level, s.markdown.strip()),
    "stated": lambda s: (s.figure, round(s.value, 3), _text(s.text), _text(s.label)),
}
"""Collections whose items a document adds, and what makes two items the same."""
