"""What changed between two states of a report: field by field, item by item in lists.

Compares the incidents' JSON documents (:func:`incidentlog.render.json.document`), so it
sits beside the renderers, above the services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

import attrs
import msgspec

from incidentlog.incident import Incident
from incidentlog.render.json import document

ChangeKind = Literal["added", "removed", "changed"]


@attrs.frozen
class Change:
    """One difference between two states of a report, at a JSON path."""

    path: str
    kind: ChangeKind
    before: Any
    after: Any


KEYS = {"timeline": "version", "action_items": "id", "sign_offs": "role", "lessons": None,
        "sections": None, "five_whys": None, "stated_figures": None}
"""How list items are matched between two states: by a key, or (None) by their content."""


def as_document(incident: Incident) -> dict[str, Any]:
    """The incident's JSON document as plain data."""
    data: dict[str, Any] = msgspec.to_builtins(document(incident))
    return data


def diff(a: Incident, b: Incident) -> list[Change]:
    """Field by field, and item by item in lists, what changed from ``a`` to ``b``."""
    return diff_documents(as_document(a), as_document(b))


def diff_documents(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    """The changes that take document ``a`` to document ``b``."""
    out: list[Change] = []
    for field in sorted(set(a) | set(b)):
        before, after = a.get(field), b.get(field)
        if before == after:
            continue
        if isinstance(before, list) and isinstance(after, list) and field in KEYS:
            out += _diff_list(field, before, after, KEYS[field])
        else:
            out.append(Change(f"$.{field}", "changed", before, after))
    return out


def _item_key(item: Any, key: str | None) -> str:
    if key is not None and isinstance(item, dict):
        return str(item.get(key))
    return msgspec.json.encode(item).decode()


def _keyed(items: list[Any], key: str | None) -> dict[str, Any]:
    """Items by key; a repeated key gets ``#2``, ``#3``... so equal items stay distinct."""
    out: dict[str, Any] = {}
    for item in items:
        base = k = _item_key(item, key)
        n = 1
        while k in out:
            n += 1
            k = f"{base}#{n}"
        out[k] = item
    return out


def _diff_list(field: str, before: list[Any], after: list[Any], key: str | None
               ) -> list[Change]:
    old = _keyed(before, key)
    new = _keyed(after, key)
    out = [Change(f"$.{field}[{k}]", "removed", v, None) for k, v in old.items() if k not in new]
    for k, v in new.items():
        if k not in old:
            out.append(Change(f"$.{field}[{k}]", "added", None, v))
        elif old[k] != v:
            out.append(Change(f"$.{field}[{k}]", "changed", old[k], v))
    return out


def apply_changes(a: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """Document ``a`` with ``changes`` applied (list order: that of ``b`` where known)."""
    out = dict(a)
    by_field: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        field = change.path[2:].split("[", 1)[0]
        if "[" in change.path:
            by_field[field].append(change)
        else:
            out[field] = change.after
    for field, items in by_field.items():
        key = KEYS[field]
        current = _keyed(out.get(field) or [], key)
        for change in items:
            item_key = change.path[len(field) + 3:-1]
            if change.kind == "removed":
                current.pop(item_key, None)
            else:
                current[item_key] = change.after
        out[field] = list(current.values())
    return out
