"""How events and snapshots become bytes: msgspec JSON, a closed set of types, a hash chain.

The stored format only: envelopes, chain links, digests, upcasters. Nothing here knows
eventsourcing; :class:`incidentlog.persistence.IncidentMapper` maps rows with it, and it
never resolves a topic to a class: a stored topic is an event tag looked up in
:data:`~incidentlog.events.EVENT_TYPES_BY_TAG` (or the snapshot topic), so a row in the
database can only ever decode to one of our event types. Each event's envelope carries a
SHA-256 link chained to the event before it in the same incident; from format 2 the link
also covers the event's schema version, which drives upcasting. Each snapshot carries a
digest of its state and chain link, checked before the snapshot is used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec

from incidentlog import events as ev
from incidentlog.incident import Incident

FORMAT_VERSION = 2
"""The newest stored format this version of incidentlog writes and reads (1: the chain link
left out the event's schema version; 2: it covers it)."""

E = TypeVar("E", bound=ev.Event)

SNAPSHOT_TOPIC = "incidentlog.snapshot"
STATE_SHAPE = hashlib.sha256(msgspec.json.encode(msgspec.json.schema(Incident))).hexdigest()[:16]
"""A fingerprint of the folded state's shape (every field's name, type and default, nested
types included). A snapshot stored under another shape is not used: a renamed or retyped
field would otherwise read back as its default, a state that never existed."""
GENESIS = "0" * 64
"""The link before an incident's first event."""


EVENT_VERSIONS: dict[str, int] = {"action_item_added": 2}
"""The schema version each event type is written in now (1 when not listed)."""

_TICKET = re.compile(r"\s\(([A-Z][A-Z0-9]{1,9}-\d{1,7})\)$")


def _action_item_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added ``ticket``: a version 1 title that ends in ``(OPS-42)`` names it."""
    found = _TICKET.search(str(data.get("title", "")))
    return {**data, "ticket": found.group(1) if found else None}


UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("action_item_added", 1): _action_item_v1_to_v2,
}
"""How an event stored in an older schema version becomes the next version."""


class Envelope(msgspec.Struct, frozen=True, omit_defaults=True):
    """What is stored for one event: the event's own bytes, chain link, format and version.

    The chain hashes ``event`` exactly as stored, so an event upcast on reading still
    verifies against what was written. ``f`` defaults to 1 (rows of format 1 do not
    spell it); format 2 is always written out.
    """

    event: msgspec.Raw
    chain: str
    f: int = 1
    v: int = 1
    i: str | None = None
    """The incident id, in an encrypted store (whose rows are filed under a keyed pseudonym
    of it, :meth:`IncidentMapper.stream_id`)."""


class _TypedEnvelope(msgspec.Struct, Generic[E], frozen=True):
    """An :class:`Envelope` read in one pass with its event decoded, for replay (no bytes
    kept: verifying and copying use :class:`Envelope`)."""

    event: E
    chain: str
    f: int = 1
    v: int = 1
    i: str | None = None


class SnapshotEnvelope(msgspec.Struct, frozen=True):
    """What is stored for a snapshot: the folded state, the chain link at its version, the
    shape of the state it was folded into, and ``d``, the digest of state and link
    (:func:`snapshot_digest`)."""

    state: msgspec.Raw
    chain: str
    f: int = 1
    d: str = ""
    shape: str = ""


class _SnapshotHead(msgspec.Struct):
    """A snapshot's shape, read before its state (which may no longer decode)."""

    chain: str
    shape: str = ""


class _Format(msgspec.Struct):
    f: int = 1


class Recorded:
    """An event as the store holds it: in a stream, at a version, with its chain link and
    its bytes as stored (``raw``)."""

    __slots__ = ("chain", "event", "originator_id", "originator_version", "position", "raw",
                 "schema", "stored_format", "stored_schema")

    def __init__(self, originator_id: str, originator_version: int, event: ev.Event,
                 chain: str, position: int | None = None, raw: bytes | None = None) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.event = event
        self.chain = chain
        self.position = position
        """Position in the whole log (the notification id), when read from the feed."""
        self.raw = raw if raw is not None else encode_event(event)
        self.schema: int | None = schema_version(ev.TAGS[type(event)])
        """The schema version its link covers (``None``: a format 1 row, not covered)."""
        self.stored_format = FORMAT_VERSION
        """The format of its stored envelope (``f``), for copying it as it was."""
        self.stored_schema = schema_version(ev.TAGS[type(event)])
        """The schema version ``raw`` is written in (``v``), whatever the format."""

    def __repr__(self) -> str:
        return f"Recorded({self.originator_id!r}, {self.originator_version}, {self.event!r})"


class StaleSnapshot:
    """A snapshot stored for another shape of the state (see :data:`STATE_SHAPE`): not
    used; the incident is folded from its events instead."""

    __slots__ = ("chain", "originator_id", "originator_version", "shape")

    def __init__(self, originator_id: str, originator_version: int, chain: str,
                 shape: str) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.chain = chain
        self.shape = shape


class Snapshot:
    """Folded state at a version, so long histories need not be replayed from the start.

    ``sound`` is False when the stored digest does not match (the snapshot was edited),
    ``None`` when it has none (written before digests): either way it is never used for
    reading, only a ``True`` one is.
    """

    __slots__ = ("chain", "originator_id", "originator_version", "sound", "state")

    def __init__(self, state: Incident, chain: str, sound: bool | None = True) -> None:
        self.originator_id = state.id
        self.originator_version = state.version
        self.state = state
        self.chain = chain
        self.sound = sound


_event_encoder = msgspec.json.Encoder()
_envelope_decoder = msgspec.json.Decoder(Envelope)
_event_decoders = {tag: msgspec.json.Decoder(cls) for tag, cls in ev.EVENT_TYPES_BY_TAG.items()}
_replay_decoders = {tag: msgspec.json.Decoder(_TypedEnvelope[cls])  # type: ignore[valid-type]
                    for tag, cls in ev.EVENT_TYPES_BY_TAG.items()}
_snapshot_decoder = msgspec.json.Decoder(SnapshotEnvelope)
_incident_decoder = msgspec.json.Decoder(Incident)
_snapshot_head_decoder = msgspec.json.Decoder(_SnapshotHead)
_format_decoder = msgspec.json.Decoder(_Format)


def encode_event(event: ev.Event) -> bytes:
    """The canonical bytes of an event (what the chain hashes)."""
    return _event_encoder.encode(event)


def link(previous: str, incident_id: str, version: int, event: bytes,
         schema: int | None = None) -> str:
    """The chain link of an event's stored bytes at ``version``, given the link before it.

    ``schema``: the event type's schema version, covered from format 2 (``None``: a
    format 1 link, which does not cover it).
    """
    tail = "" if schema is None else f"v{schema}\x00"
    prefix = f"{previous}\x00{incident_id}\x00{version}\x00{tail}".encode()
    return hashlib.sha256(prefix + event).hexdigest()


def schema_version(topic: str) -> int:
    """The schema version events of type ``topic`` are written in now."""
    return EVENT_VERSIONS.get(topic, 1)


def snapshot_digest(incident_id: str, version: int, chain: str, state: bytes) -> str:
    """What a snapshot's ``d`` holds: SHA-256 of its incident, version, chain and state."""
    prefix = f"snapshot\x00{incident_id}\x00{version}\x00{chain}\x00".encode()
    return hashlib.sha256(prefix + state).hexdigest()


def _newer_format(data: bytes) -> int | None:
    try:
        f = _format_decoder.decode(data).f
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return f if f > FORMAT_VERSION else None
