"""An incident's past for its history page, in one pass over its events.

For each version: what the event did (a sentence), who recorded it and when, and what it
changed, field by field and list item by list item (paths as
:mod:`incidentlog.blame` names them: ``$.title``, ``$.action_items[OPS-1]``,
``$.timeline[7]``). The changes of all versions together let the page compare any two
versions and show the record as it stood at any one, without a page per version. Blame
comes from the same pass. Linear in the events: between two events only what changed is
looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import msgspec

from incidentlog import audit
from incidentlog import events as ev
from incidentlog.blame import ITEM_KEYS, SCALARS, Blame, parts
from incidentlog.changes import Change, ChangeKind
from incidentlog.incident import Incident, Replay, fold


@attrs.frozen
class Version:
    """One event of the incident and what it changed in the record."""

    line: audit.HistoryLine
    changes: tuple[Change, ...]


@attrs.frozen
class Past:
    """Every version of an incident, and who last set each field, item and item field."""

    versions: tuple[Version, ...]
    blame: tuple[Blame, ...]


def plain(value: Any) -> Any:
    """A value of the record as JSON-ready data (attrs and msgspec values as dicts)."""
    if attrs.has(type(value)):  # fields left empty are left out
        return {a.name: plain(v) for a in attrs.fields(type(value))
                if not _empty(v := getattr(value, a.name))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return msgspec.to_builtins(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


class _Pass:
    """The state of the one pass: values last seen, and who last set each path."""

    def __init__(self) -> None:
        self.replay = Replay()
        self.scalars: dict[str, Any] = {}
        self.lists: dict[str, tuple[list[Any], int]] = {}
        self.items: dict[str, dict[object, Any]] = {name: {} for name in ITEM_KEYS}
        self.last: dict[str, Blame] = {}

    def step(self, e: ev.Event, version: int) -> list[Change]:
        self.replay.add(e, version)
        reason = e.reason if isinstance(e, ev.Corrected) else None
        tag = ev.tag_of(e)

        def set_by(path: str) -> None:
            self.last[path] = Blame(path, version, tag, e.actor, e.recorded_at, reason)

        changes = []
        for name in SCALARS:
            value = self.replay.field(name)
            old = self.scalars.get(name)
            if name in self.scalars and old is value:
                continue
            olds = dict(parts(old)) if name in self.scalars else {}
            self.scalars[name] = value
            for suffix, part in parts(value):
                if suffix not in olds or olds[suffix] != part:
                    set_by(f"$.{name}{suffix}")
            if old == value or (_empty(old) and _empty(value)):
                continue
            kind: ChangeKind = "added" if _empty(old) else \
                "removed" if _empty(value) else "changed"
            changes.append(Change(f"$.{name}", kind, plain(old), plain(value)))
        for name, key in ITEM_KEYS.items():
            live: list[Any] = self.replay.field(name)
            seen, length = self.lists.get(name, (None, 0))
            fresh = live[length:] if live is seen else live
            known = self.items[name]
            if live is not seen:
                keep = {key(item) for item in live}
                for gone in [k for k in known if k not in keep]:
                    changes.append(Change(f"$.{name}[{gone}]", "removed",
                                                plain(known.pop(gone)), None))
            for item in fresh:
                k = key(item)
                before = known.get(k)
                if before is item or before == item:
                    known[k] = item
                    continue
                path = f"$.{name}[{k}]"
                changes.append(Change(path, "added" if before is None else "changed",
                                            plain(before), plain(item)))
                olds = dict(parts(before)) if before is not None else {}
                for suffix, part in parts(item):
                    if suffix != ".version" and (suffix not in olds or olds[suffix] != part):
                        set_by(path + suffix)
                set_by(path)
                known[k] = item
            self.lists[name] = (live, len(live))
        return changes

    def blame(self) -> tuple[Blame, ...]:
        current = {f"$.{name}{suffix}" for name in SCALARS
                   for suffix, _ in parts(self.scalars.get(name))}
        for name, known in self.items.items():
            for k, item in known.items():
                path = f"$.{name}[{k}]"
                current.add(path)
                current.update(path + suffix for suffix, _ in parts(item))
        return tuple(b for path, b in sorted(self.last.items()) if path in current)


def past(events: Sequence[ev.Event]) -> Past:
    """The versions and blame of an incident from its events, oldest first."""
    state = _Pass()
    versions = []
    for version, e in enumerate(events, 1):
        # Only a severity change's sentence needs the state before it ("escalated P2 -> P1").
        before: Incident | None = fold(events[:version - 1]) \
            if isinstance(e, ev.SeverityChanged) else None
        summary = audit.describe(e, before)
        changes = state.step(e, version)
        source = f"{e.source.file}:{e.source.line}" if e.source else None
        versions.append(Version(audit.HistoryLine(version, ev.tag_of(e), e.occurred_at,
                                                  e.recorded_at, e.actor, summary, source),
                                tuple(changes)))
    return Past(tuple(versions), state.blame())


def concise(blame: Sequence[Blame]) -> list[Blame]:
    """Blame as the page shows it: a field of a list item only when an event after the one
    that added the item changed it (an action item's status, a corrected timeline time)."""
    added: dict[str, int] = {}
    for b in blame:
        if "]." in b.field:
            item = b.field.rsplit(".", 1)[0]
            added[item] = min(added.get(item, b.version), b.version)
    return [b for b in blame
            if "]." not in b.field or added[b.field.rsplit(".", 1)[0]] != b.version]


def changes_data(p: Past) -> list[list[Any]]:
    """Every change as ``[version, path, kind, before, after]``, for the page's script."""
    return [[v.line.version, c.path, c.kind, c.before, c.after]
            for v in p.versions for c in v.changes]
