"""Restoring a log from its export: ``incidentlog export`` lines back into an empty store.

Each line is ``{"position", "incident", "version", "event", "chain", "stored"}`` as
:func:`export_line` writes it: ``event`` has every field, ``stored`` is the event's bytes
as the store holds them (fields at their default left out), which the chain link hashes.
The events are stored byte for byte as they were (ids, times, actors, links), in the order
of the file, all in one transaction: a restore lands whole or not at all. Each link is
recomputed and compared with the one exported, and ``stored`` must say what ``event``
says, so a file edited after export is refused, naming the line.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import msgspec
from eventsourcing.persistence import IntegrityError, OperationalError

from incidentlog import events as ev
from incidentlog.audit import FeedItem
from incidentlog.codec import GENESIS, encode_event, link
from incidentlog.errors import IncidentLogError, InputError, StoreError
from incidentlog.store import IncidentLog
from incidentlog.urls import redact


class RestoreError(IncidentLogError, ValueError):
    """An export file could not be restored; nothing was stored."""


@attrs.frozen
class Restored:
    """What a restore stored: events, incidents, and events whose links were recomputed."""

    events: int
    incidents: int
    relinked: int


def export_line(item: FeedItem, chain: str, stored: bytes) -> str:
    """One line of ``export --format jsonl``: where the event is, every field, its chain
    link and its stored bytes."""
    return json.dumps({"position": item.position, "incident": item.incident_id,
                       "version": item.version, "event": item.event.as_dict(),
                       "chain": chain, "stored": stored.decode()},
                      ensure_ascii=False, default=str)


def export(log: IncidentLog, *, after: int = 0) -> Iterator[str]:
    """Every event of ``log`` after position ``after`` as export lines, in recorded order."""
    for rec in log.notifications(after=after):
        assert rec.position is not None
        item = FeedItem(rec.position, rec.originator_id, rec.originator_version, rec.event)
        yield export_line(item, rec.chain, rec.raw)


class _Line(msgspec.Struct, forbid_unknown_fields=True):
    incident: str
    version: int
    event: dict[str, Any]
    position: int | None = None
    chain: str | None = None
    stored: str | None = None


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
        raw = _stored_bytes(line.stored, event) or encode_event(event)
        chain = link(links.get(ident, GENESIS), ident, expected, raw)
        if line.chain is not None and line.chain != chain:
            if not relink:
                raise RestoreError(
                    f"{where}: {ident} version {expected}: its chain link does not follow "
                    "from the event (edited after export, or stored in an older schema "
                    "version); --relink to store it with a new link")
            relinked += 1
        links[ident], versions[ident] = chain, expected
        rows.append(log.mapper.stored(ident, expected, event, raw, chain))
    if rows:
        try:
            log.recorder.insert_events(rows)
        except IntegrityError:
            raise RestoreError(f"{log.url} is not empty (another writer got there first); "
                               "nothing was loaded") from None
        except OperationalError as exc:
            raise StoreError(f"{log.url}: {redact(str(exc))}") from None
    return Restored(len(rows), len(versions), relinked)


def _stored_bytes(stored: str | None, event: ev.Event) -> bytes | None:
    """The exported stored bytes, when they decode to ``event`` in the current schema."""
    if stored is None:
        return None
    raw = stored.encode()
    try:
        again = msgspec.json.decode(raw, type=type(event))
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return raw if again == event else None
