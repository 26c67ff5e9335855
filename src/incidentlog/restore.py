"""Restoring a log from its export: ``incidentlog export`` lines back into an empty store.

Each line is ``{"position", "incident", "version", "event", "chain", "stored", "format",
"schema"}`` as :func:`export_line` writes it: ``event`` has every field; ``stored`` is the
event's bytes as the store holds them (fields at their default left out, in the schema
version ``schema``), which the chain link hashes; ``format`` is the stored envelope's
format (from 2 the link also covers the schema version). The events are stored as they
were (ids, times, actors, bytes, links, formats), in the order of the file, all in one
transaction: a restore lands whole or not at all. Each link is recomputed and compared
with the one exported, and ``stored`` must decode to what ``event`` says, so a file edited
after export is refused, naming the line.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog.codec import (
    FORMAT_VERSION,
    GENESIS,
    Envelope,
    Recorded,
    encode_event,
    link,
    schema_version,
)
from incidentlog.errors import IncidentLogError, InputError, StoreError
from incidentlog.persistence import RowConflict, StoredEvent
from incidentlog.store import IncidentLog


class RestoreError(IncidentLogError, ValueError):
    """An export file could not be restored; nothing was stored."""


@attrs.frozen
class Restored:
    """What a restore stored: events, incidents, and events whose links were recomputed."""

    events: int
    incidents: int
    relinked: int


def export_line(rec: Recorded) -> str:
    """One line of ``export --format jsonl``: where the event is, every field, its chain
    link, and its stored bytes with their format and schema version."""
    return json.dumps({"position": rec.position, "incident": rec.originator_id,
                       "version": rec.originator_version, "event": rec.event.as_dict(),
                       "chain": rec.chain, "stored": rec.raw.decode(),
                       "format": rec.stored_format, "schema": rec.stored_schema},
                      ensure_ascii=False, default=str)


def export(log: IncidentLog, *, after: int = 0) -> Iterator[str]:
    """Every event of ``log`` after position ``after`` as export lines, in recorded order."""
    for rec in log.notifications(after=after):
        yield export_line(rec)


class _Line(msgspec.Struct, forbid_unknown_fields=True):
    incident: str
    version: int
    event: dict[str, Any]
    position: int | None = None
    chain: str | None = None
    stored: str | None = None
    format: int | None = None
    schema: int | None = None


_line_decoder = msgspec.json.Decoder(_Line)


@functools.cache
def _defaults(cls: type[ev.Event]) -> dict[str, Any]:
    """Each field's default as JSON-ready values (reading a class's fields is slow)."""
    return {f.name: msgspec.to_builtins(f.default) for f in msgspec.structs.fields(cls)
            if f.default is not msgspec.NODEFAULT}


def event_of(data: dict[str, Any]) -> ev.Event:
    """An event from :meth:`~incidentlog.events.Event.as_dict` output.

    Fields equal to their default are left to the default, as decoding a stored event
    does, so the event encodes to the bytes it was stored as."""
    cls = ev.EVENT_TYPES_BY_TAG.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    defaults = _defaults(cls)
    kept = {k: v for k, v in data.items() if k not in defaults or defaults[k] != v}
    event: ev.Event = msgspec.convert(kept, type=cls)
    return event


def load(log: IncidentLog, lines: Iterable[str | bytes], *, source: str = "-",
         relink: bool = False) -> Restored:
    """Store the events of an export into ``log``, which must be empty.

    ``relink=True`` accepts events whose exported link does not follow (an event stored
    in an older schema version exports upgraded; a line written by hand has no ``stored``
    bytes): they are stored as ``event`` says, with new links. Raises
    :class:`RestoreError` naming ``source`` and the line.
    """
    if any(True for _ in log.changes(page=1)):
        raise RestoreError(f"{log.url} is not empty; load restores into an empty store")
    links: dict[str, str] = {}
    versions: dict[str, int] = {}
    rows = []
    relinked = 0
    for number, text in enumerate(lines, 1):
        where = f"{source}:{number}"
        if not text.strip():
            continue
        try:
            line = _line_decoder.decode(text)
            event = event_of(line.event)
        except (msgspec.ValidationError, msgspec.DecodeError, InputError, ValueError) as exc:
            raise RestoreError(f"{where}: not an export line: {exc}") from None
        ident = line.incident
        expected = versions.get(ident, 0) + 1
        if line.version != expected:
            raise RestoreError(f"{where}: {ident} version {line.version}, expected {expected}")
        if (expected == 1) != isinstance(event, ev.IncidentDeclared) or (
                isinstance(event, ev.IncidentDeclared) and event.incident_id != ident):
            raise RestoreError(f"{where}: {ident} must begin with its own declaration, once")
        row, chain = _as_stored(log, ident, expected, event, line,
                                links.get(ident, GENESIS))
        if line.chain is not None and line.chain != chain:
            if not relink:
                raise RestoreError(
                    f"{where}: {ident} version {expected}: its chain link does not follow "
                    "from the event (edited after export, or exported without its stored "
                    "bytes); --relink to store it with a new link")
            relinked += 1
        links[ident], versions[ident] = chain, expected
        rows.append(row)
    if rows:
        try:
            log.store.insert(rows)
        except RowConflict:
            raise RestoreError(f"{log.url} is not empty (another writer got there first); "
                               "nothing was loaded") from None
    return Restored(len(rows), len(versions), relinked)


def _as_stored(log: IncidentLog, ident: str, version: int, event: ev.Event, line: _Line,
               previous: str) -> tuple[StoredEvent, str]:
    """The row to store for an export line, and its chain link: the exported bytes, format
    and schema version when they decode to the line's event, else the event written now."""
    store = log.store
    topic = ev.tag_of(event)
    exported = line.stored is not None and line.format is not None and line.schema is not None
    for as_exported in ((True, False) if exported else (False,)):
        if as_exported:
            assert line.stored is not None and line.format is not None
            raw, f, v = line.stored.encode(), line.format, line.schema or 1
        else:
            raw, f, v = encode_event(event), FORMAT_VERSION, schema_version(topic)
        chain = link(previous, ident, version, raw, v if f >= 2 else None)
        envelope = Envelope(msgspec.Raw(raw), chain, f=f, v=v,
                            i=ident if store.pseudonymous else None)
        row = store.row(ident, version, topic, msgspec.json.encode(envelope))
        if not as_exported:
            return row, chain
        try:
            decoded = store.decode(row)
        except (StoreError, ValueError):
            continue
        if isinstance(decoded, Recorded) and decoded.event == event:
            return row, chain
    raise AssertionError("unreachable")  # pragma: no cover
