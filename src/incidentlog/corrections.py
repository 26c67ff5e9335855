"""What a correction may change, each field with its type.

A :class:`~incidentlog.events.Corrected` event stores its value as text (ISO 8601 for a
time, a JSON array for a list of names) or ``None`` to clear the field. Each correctable
field has a :class:`Correctable` type here: :func:`correction` makes the event from a typed
value, :func:`check` refuses a value of the wrong type when a command appends one (nothing is
written), and :func:`read` gives the fold the typed value back. Stored history is read as it
always was: a stored value that does not read (written before corrections were typed) is
ignored by the fold, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog import times
from incidentlog.severity import is_severity
from incidentlog.values import INCIDENT_STATUSES, LIFECYCLE


@attrs.frozen
class Correctable:
    """A field a correction may set: what its value is, and what ``None`` means."""

    field: str
    kind: str
    """What the value is, in words (``a time``, ``text``, ``a list of names``)."""
    parse: Callable[[str], Any]
    """Stored text to the typed value; ValueError when it is not one."""
    write: Callable[[Any], str]
    """The typed value to the text stored."""
    clears: str | None
    """What ``None`` does (``clears the root cause``), or ``None`` when a command may not
    clear it."""
    needs_target: bool = False
    """The correction is about one event (``target_version``)."""
    required: bool = False
    """A command must give text that is not blank."""


def _text(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def _severity(value: str) -> str:
    if not is_severity(_text(value)):
        raise ValueError(f"{value!r} is not a severity (P0-P5, SEV0-5, Sev 1, "
                         "Critical/High/Medium/Low...)")
    return value


def _status(value: str) -> str:
    if value not in INCIDENT_STATUSES:
        raise ValueError(f"{value!r} is not one of {', '.join(INCIDENT_STATUSES)}")
    return value


def _time(value: str) -> datetime:
    return times.parse(_text(value))


def _names(value: str) -> tuple[str, ...]:
    try:
        names = msgspec.json.decode(_text(value), type=tuple[str, ...])
    except msgspec.ValidationError as exc:  # JSON, but not names
        raise ValueError(f"{value!r}: {exc}") from None
    except msgspec.DecodeError:
        raise ValueError(f"{value!r} is not a JSON array of names "
                         '(["checkout", "payments"])') from None
    if any(not n.strip() for n in names):
        raise ValueError(f"{value!r}: a name is blank")
    return names


def _write_names(names: Any) -> str:
    return msgspec.json.encode(tuple(names)).decode()


def _nothing(value: str) -> Any:
    raise ValueError("takes no value (None)")


def _same(value: Any) -> str:
    return str(value)


TEXT, TIME = "text", "a time (ISO 8601 with its offset)"

_FIELDS: tuple[Correctable, ...] = (
    Correctable("title", TEXT, _text, _same, None, required=True),
    Correctable("summary", TEXT, _text, _same, "empties it"),
    Correctable("severity", "a severity", _severity, _same, None),
    Correctable("status", "a status", _status, _same, None),
    Correctable("commander", TEXT, _text, _same, "leaves no commander", required=True),
    *(Correctable(name, TIME, _time, times.iso, "unsets it") for name in LIFECYCLE),
    Correctable("services", "a JSON array of names", _names, _write_names,
                "leaves no service"),
    Correctable("root_cause", TEXT, _text, _same, "clears the root cause", required=True),
    Correctable("resolution", TEXT, _text, _same, "empties it"),
    Correctable("timeline.at", TIME, _time, times.iso, "leaves its time unknown", True),
    Correctable("timeline.text", TEXT, _text, _same, "empties it", True),
    Correctable("timeline.by", TEXT, _text, _same, "leaves who did it unknown", True,
                required=True),
    Correctable("mitigation", "nothing", _nothing, _same, "clears the mitigation"),
    *(Correctable(f"mitigation.{name}", TEXT, _text, _same, "empties it")
      for name in ("action", "commands", "commands_language", "why_it_worked")),
    Correctable("retract", "nothing", _nothing, _same, "withdraws what the event added", True),
)

CORRECTABLE: Final[dict[str, Correctable]] = {c.field: c for c in _FIELDS}
"""Every field a correction may set, by name."""
CORRECTABLE_FIELDS: tuple[str, ...] = tuple(CORRECTABLE)


def read(field: str, value: str | None) -> Any:
    """The typed value a stored correction gives ``field`` (``None`` clears it); ValueError
    when the field is unknown or the text is not of the field's type. What the fold reads:
    a stored value that does not read is ignored there."""
    found = CORRECTABLE.get(field)
    if found is None:
        raise ValueError(f"{field!r} cannot be corrected; correctable: "
                         f"{', '.join(CORRECTABLE)}")
    if value is None:
        return None
    try:
        return found.parse(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def check(event: ev.Corrected) -> None:
    """Refuse (ValueError, one line naming the field) a correction a command may not append:
    an unknown field, a value not of the field's type, ``None`` for a field that cannot be
    cleared, blank text where some is needed, no target where one is needed."""
    read(event.field, event.value)
    found = CORRECTABLE[event.field]
    if event.value is None and found.clears is None:
        raise ValueError(f"{event.field} cannot be cleared: give {found.kind}")
    if found.required and event.value is not None and not event.value.strip():
        clear = f" (None {found.clears})" if found.clears else ""
        raise ValueError(f"{event.field}: give some text{clear}")
    if found.needs_target and event.target_version is None:
        raise ValueError(f"{event.field}: give target_version, the version of the event "
                         "it is about")


def correction(field: str, value: Any, *, reason: str, actor: str,
               occurred_at: datetime | None = None, target_version: int | None = None,
               source: ev.Source | None = None) -> ev.Corrected:
    """A :class:`~incidentlog.events.Corrected` setting ``field`` to a typed ``value`` (a
    datetime for a time, a tuple of names for ``services``, ``None`` to clear); ValueError
    when the value is not of the field's type."""
    found = CORRECTABLE.get(field)
    text = None if value is None or found is None else found.write(value)
    event = ev.Corrected(occurred_at=occurred_at, actor=actor, field=field, value=text,
                         reason=reason, target_version=target_version, source=source)
    check(event)
    return event


def describe_fields() -> str:
    """Each correctable field with its type, one per line (for help texts)."""
    return "\n".join(f"{c.field}: {c.kind}" + (f"; none {c.clears}" if c.clears else "")
                     for c in _FIELDS)
