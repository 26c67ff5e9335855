"""How events and snapshots become bytes: msgspec JSON, a closed set of types, a hash chain.

The mapper is an eventsourcing :class:`~eventsourcing.persistence.Mapper` that never
resolves a topic to a class: a stored topic is an event tag looked up in
:data:`~incidentlog.events.EVENT_TYPES_BY_TAG` (or the snapshot topic), so a row in the
database can only ever decode to one of our event types. Each event's envelope carries a
SHA-256 link chained to the event before it in the same incident; from format 2 the link
also covers the event's schema version, which drives upcasting. Each snapshot carries a
digest of its state and chain link, checked before the snapshot is used.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)

from incidentlog import events as ev
from incidentlog.errors import StoreError
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


class UnreadableRowError(StoreError, MapperDeserialisationError):
    """A stored row that does not decode (damaged or edited): one line naming the row."""


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
                 "schema")

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


class IncidentMapper(Mapper[str]):
    """Maps :class:`Recorded` events and :class:`Snapshot` objects to stored rows and back."""

    def __init__(self, transcoder: Transcoder | None = None,
                 compressor: Compressor | None = None, cipher: Cipher | None = None,
                 stream_key: bytes | None = None) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor,  # type: ignore[arg-type]
                         cipher=cipher)
        self.stream_key = stream_key
        """With a cipher: the key of the pseudonyms rows are filed under, so the database
        holds no incident id in plaintext."""

    def stream_id(self, incident_id: str) -> str:
        """The id an incident's rows are stored under: the incident id itself, or in an
        encrypted store a keyed pseudonym of it (HMAC-SHA256), the same for the same id."""
        if self.stream_key is None:
            return incident_id
        digest = hmac.new(self.stream_key, incident_id.encode(), hashlib.sha256).hexdigest()
        return f"x-{digest[:40]}"

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, Recorded):
            return self.stored(domain_event.originator_id, domain_event.originator_version,
                               domain_event.event, domain_event.raw, domain_event.chain)
        if isinstance(domain_event, Snapshot):
            topic = SNAPSHOT_TOPIC
            state = _event_encoder.encode(domain_event.state)
            digest = snapshot_digest(domain_event.originator_id,
                                     domain_event.originator_version, domain_event.chain, state)
            data = _event_encoder.encode(SnapshotEnvelope(msgspec.Raw(state), domain_event.chain,
                                                          d=digest, shape=STATE_SHAPE))
        else:  # pragma: no cover - programming error
            raise TypeError(f"cannot store {type(domain_event).__name__}")
        return StoredEvent(
            originator_id=self.stream_id(domain_event.originator_id),
            originator_version=domain_event.originator_version,
            topic=topic,
            state=self.protect(data),
        )

    def stored(self, incident_id: str, version: int, event: ev.Event, raw: bytes, chain: str
               ) -> StoredEvent:
        """The row for an event at ``version`` of an incident, given its stored bytes and
        chain link."""
        topic = ev.TAGS[type(event)]
        hidden = self.stream_key is not None
        data = _event_encoder.encode(Envelope(msgspec.Raw(raw), chain, f=FORMAT_VERSION,
                                              v=schema_version(topic),
                                              i=incident_id if hidden else None))
        return StoredEvent(originator_id=self.stream_id(incident_id), originator_version=version,
                           topic=topic, state=self.protect(data))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self.decode(stored_event.originator_id, stored_event.originator_version,
                           stored_event.topic, stored_event.state)

    def decode(self, originator_id: Any, version: int, topic: str, state: bytes
               ) -> Recorded | Snapshot | StaleSnapshot:
        """Decode one stored row, refusing unknown types and newer formats."""
        where = f"incident {originator_id!s} version {version}"
        if topic != SNAPSHOT_TOPIC and topic not in ev.EVENT_TYPES_BY_TAG:
            raise StoreError(f"{where}: unknown event type {topic!r}; refusing to decode it")
        data = self.unprotect(state, where)
        try:
            if topic == SNAPSHOT_TOPIC:
                head = _snapshot_head_decoder.decode(data)
                if head.shape != STATE_SHAPE:
                    return StaleSnapshot(str(originator_id), version, head.chain, head.shape)
                snap = _snapshot_decoder.decode(data)
                incident = _incident_decoder.decode(snap.state)
                digest = snapshot_digest(incident.id, version, snap.chain, bytes(snap.state))
                sound: bool | None = None if not snap.d else snap.d == digest
                if self.stream_id(incident.id) != str(originator_id) or \
                        incident.version != version:
                    sound = False
                return Snapshot(incident, snap.chain, sound)
            env = _envelope_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            newer = _newer_format(data)
            if newer:
                raise StoreError(
                    f"{where}: stored by a newer incidentlog (format {newer}, this version "
                    f"reads up to {FORMAT_VERSION}); upgrade incidentlog to read this store"
                ) from None
            raise UnreadableRowError(f"{where}: cannot decode {topic!r}: {exc}") from exc
        current = schema_version(topic)
        if env.f > FORMAT_VERSION or env.v > current:
            raise StoreError(
                f"{where}: stored by a newer incidentlog (format {env.f}, {topic} version "
                f"{env.v}; this version reads up to format {FORMAT_VERSION}, {topic} version "
                f"{current}); upgrade incidentlog to read this store"
            )
        if env.f < 1 or env.v < 1:
            raise StoreError(f"{where}: no such stored format or version (format {env.f}, "
                             f"{topic} version {env.v})")
        raw = bytes(env.event)
        try:
            if env.v == current:
                event = _event_decoders[topic].decode(raw)
            else:
                fields: dict[str, Any] = msgspec.json.decode(raw)
                for step in range(env.v, current):
                    fields = UPCASTERS[(topic, step)](fields)
                event = msgspec.convert(fields, type=ev.EVENT_TYPES_BY_TAG[topic])
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise UnreadableRowError(f"{where}: cannot decode {topic!r}: {exc}") from exc
        rec = Recorded(env.i or str(originator_id), version, event, env.chain, raw=raw)
        rec.schema = env.v if env.f >= 2 else None
        return rec

    def replay(self, row: StoredEvent) -> tuple[ev.Event, str]:
        """An event row's event and chain link (:meth:`replay_with_id`)."""
        event, chain, _ = self.replay_with_id(row)
        return event, chain

    def replay_with_id(self, row: StoredEvent) -> tuple[ev.Event, str, str]:
        """An event row's event, chain link and incident id, decoded in one pass when it is
        stored in the current format and version (anything else goes through
        :meth:`decode`)."""
        decoder = _replay_decoders.get(row.topic)
        if decoder is not None:
            data = self.unprotect(row.state, f"incident {row.originator_id!s} version "
                                   f"{row.originator_version}")
            try:
                env = decoder.decode(data)
            except (msgspec.ValidationError, msgspec.DecodeError):
                pass
            else:
                if env.f == FORMAT_VERSION and env.v == schema_version(row.topic):
                    return env.event, env.chain, env.i or str(row.originator_id)
        rec = self.decode(row.originator_id, row.originator_version, row.topic, row.state)
        if not isinstance(rec, Recorded):
            raise StoreError(f"incident {row.originator_id!s} version "
                             f"{row.originator_version}: a snapshot among the events")
        return rec.event, rec.chain, rec.originator_id

    def protect(self, data: bytes) -> bytes:
        """Bytes compressed and encrypted as this mapper stores them."""
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data

    def unprotect(self, data: bytes, where: str) -> bytes:
        """A stored row's bytes decrypted and decompressed (a one-line StoreError if not)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise UnreadableRowError(f"{where}: no stored bytes ({type(data).__name__})")
        data = bytes(data)
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
        except Exception as exc:
            raise StoreError(
                f"{where}: cannot decrypt or decompress the stored event "
                f"({type(exc).__name__}); is the cipher key right?"
            ) from None
        return data


def _newer_format(data: bytes) -> int | None:
    try:
        f = _format_decoder.decode(data).f
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return f if f > FORMAT_VERSION else None
