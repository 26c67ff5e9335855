"""Front matter: the YAML (``---``) or TOML (``+++``) block some reports open with.

Status pages and blogs keep a report's header there: ``title``, ``date``, ``severity``,
``status``, ``resolved_on``... :func:`split` finds the block and reads its top-level keys
as text (a list as its items, a nested table not at all: the block itself is kept verbatim
by the reader, so no key is lost). Which keys mean what is :mod:`incidentlog.vocabulary`'s
``FRONT_MATTER_KEYS``.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime

import attrs

from incidentlog.vocabulary import fold

FENCES = {"---": ("---", "..."), "+++": ("+++",)}
"""A front matter block's opening line and the lines that may close it."""

_MAX_LINES = 200


@attrs.frozen
class FrontMatter:
    """The top-level keys of a front matter block (lower-cased) as text, and where it ends."""

    fields: dict[str, str]
    """Each key's value as written (quotes taken off); a list's items joined by ``, ``."""
    items: dict[str, tuple[str, ...]]
    """Each key whose value is a list, its items."""
    lines: dict[str, int]
    """Each key's 0-based line."""
    end: int
    """The first line after the block (0 when there is none)."""
    folded: dict[str, str] = attrs.field(factory=dict)
    """Each key folded for comparison (``max_severity``: ``max severity``), to the key."""


NONE = FrontMatter({}, {}, {}, 0)


def split(lines: list[str]) -> FrontMatter:
    """The front matter at the top of ``lines``, or :data:`NONE`."""
    if not lines:
        return NONE
    closers = FENCES.get(lines[0].strip())
    if closers is None:
        return NONE
    for n in range(1, min(len(lines), _MAX_LINES)):
        if lines[n].strip() in closers:
            body = lines[1:n]
            found = _toml(body) if lines[0].strip() == "+++" else _yaml(body)
            return FrontMatter(*found, end=n + 1, folded={fold(k): k for k in found[0]})
    return NONE


Read = tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, int]]


def _yaml(body: list[str]) -> Read:
    """Top-level ``key: value`` lines, ``key:`` followed by ``- item`` lines, and block
    scalars (``key: |``); anything nested is skipped."""
    fields: dict[str, str] = {}
    items: dict[str, tuple[str, ...]] = {}
    where: dict[str, int] = {}
    key = ""
    for n, line in enumerate(body, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t-":
            stripped = line.strip()
            if key and stripped.startswith("- ") and fields.get(key, "") == "":
                items[key] = (*items.get(key, ()), _unquote(stripped[2:]))
            elif key and fields.get(key) in ("|", ">", "|-", ">-"):
                items[key] = (*items.get(key, ()), stripped)
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            key = ""
            continue
        key = name.strip().lower()
        fields[key] = _unquote(value.strip())
        where[key] = n
    for name, values in items.items():
        fields[name] = (" " if fields[name].startswith(">") else "\n").join(values) \
            if fields[name] else ", ".join(values)
    return fields, {k: v for k, v in items.items() if not _block(fields, k, v)}, where


def _block(fields: dict[str, str], key: str, values: tuple[str, ...]) -> bool:
    return fields[key] != ", ".join(values)


def _toml(body: list[str]) -> Read:
    """TOML's top-level keys; dates and times as ISO text. Invalid TOML is read line by line
    as ``key = value``."""
    where: dict[str, int] = {}
    for n, line in enumerate(body, start=1):
        name, sep, _ = line.partition("=")
        if sep and name.strip() and line[0] not in " \t#[":
            where.setdefault(name.strip().strip("\"'").lower(), n)
    try:
        table = tomllib.loads("\n".join(body))
    except tomllib.TOMLDecodeError:
        fields = {}
        for line in body:
            name, sep, value = line.partition("=")
            if sep and name.strip() and line[0] not in " \t#[":
                fields[name.strip().strip("\"'").lower()] = _unquote(value.strip())
        return fields, {}, where
    fields, items = {}, {}
    for name, value in table.items():
        if isinstance(value, dict):
            continue
        if isinstance(value, list):
            items[name.lower()] = tuple(_text(v) for v in value if not isinstance(v, dict))
            fields[name.lower()] = ", ".join(items[name.lower()])
        else:
            fields[name.lower()] = _text(value)
    return fields, items, where


def _text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
