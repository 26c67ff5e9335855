"""How events and snapshots become bytes: msgspec JSON, a closed set of types, a hash chain.

The mapper is an eventsourcing :class:`~eventsourcing.persistence.Mapper` that never
resolves a topic to a class: a stored topic is an event tag looked up in
:data:`~incidentlog.events.EVENT_TYPES_BY_TAG` (or the snapshot topic), so a row in the
database can only ever decode to one of our event types. Each event's envelope carries a
SHA-256 link chained to the event before it in the same incident.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

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

FORMAT_VERSION = 1
"""The newest stored format this version of incidentlog writes and reads."""

SNAPSHOT_TOPIC = "incidentlog.snapshot"
GENESIS = "0" * 64
"""The link before an incident's first event."""


class Envelope(msgspec.Struct, frozen=True):
    """What is stored for one event: format version, chain link, the event itself."""

    event: ev.AnyEvent
    chain: str
    f: int = FORMAT_VERSION


class SnapshotEnvelope(msgspec.Struct, frozen=True):
    """What is stored for a snapshot: the folded state and the chain link at its version."""

    state: Incident
    chain: str
    f: int = FORMAT_VERSION


class _Format(msgspec.Struct):
    f: int = FORMAT_VERSION


class Recorded:
    """An event as the store holds it: in a stream, at a version, with its chain link."""

    __slots__ = ("chain", "event", "originator_id", "originator_version", "position")

    def __init__(self, originator_id: str, originator_version: int, event: ev.Event,
                 chain: str, position: int | None = None) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.event = event
        self.chain = chain
        self.position = position
        """Position in the whole log (the notification id), when read from the feed."""

    def __repr__(self) -> str:
        return f"Recorded({self.originator_id!r}, {self.originator_version}, {self.event!r})"


class Snapshot:
    """Folded state at a version, so long histories need not be replayed from the start."""

    __slots__ = ("chain", "originator_id", "originator_version", "state")

    def __init__(self, state: Incident, chain: str) -> None:
        self.originator_id = state.id
        self.originator_version = state.version
        self.state = state
        self.chain = chain


_event_encoder = msgspec.json.Encoder()
_envelope_decoder = msgspec.json.Decoder(Envelope)
_snapshot_decoder = msgspec.json.Decoder(SnapshotEnvelope)
_format_decoder = msgspec.json.Decoder(_Format)


def encode_event(event: ev.Event) -> bytes:
    """The canonical bytes of an event (what the chain hashes)."""
    return _event_encoder.encode(event)


def link(previous: str, incident_id: str, version: int, event: ev.Event) -> str:
    """The chain link of ``event`` at ``version``, given the link before it."""
    h = hashlib.sha256()
    h.update(previous.encode())
    h.update(b"\x00")
    h.update(incident_id.encode())
    h.update(b"\x00%d\x00" % version)
    h.update(encode_event(event))
    return h.hexdigest()


class IncidentMapper(Mapper[str]):
    """Maps :class:`Recorded` events and :class:`Snapshot` objects to stored rows and back."""

    def __init__(self, transcoder: Transcoder | None = None,
                 compressor: Compressor | None = None, cipher: Cipher | None = None) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor,  # type: ignore[arg-type]
                         cipher=cipher)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, Recorded):
            topic = ev.tag_of(domain_event.event)
            event = cast(ev.AnyEvent, domain_event.event)
            data = _event_encoder.encode(Envelope(event, domain_event.chain))
        elif isinstance(domain_event, Snapshot):
            topic = SNAPSHOT_TOPIC
            data = _event_encoder.encode(SnapshotEnvelope(domain_event.state, domain_event.chain))
        else:  # pragma: no cover - programming error
            raise TypeError(f"cannot store {type(domain_event).__name__}")
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=self._protect(data),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self.decode(stored_event.originator_id, stored_event.originator_version,
                           stored_event.topic, stored_event.state)

    def decode(self, originator_id: Any, version: int, topic: str, state: bytes
               ) -> Recorded | Snapshot:
        """Decode one stored row, refusing unknown types and newer formats."""
        where = f"incident {originator_id!s} version {version}"
        if topic != SNAPSHOT_TOPIC and topic not in ev.EVENT_TYPES_BY_TAG:
            raise StoreError(f"{where}: unknown event type {topic!r}; refusing to decode it")
        data = self._unprotect(state, where)
        try:
            if topic == SNAPSHOT_TOPIC:
                snap = _snapshot_decoder.decode(data)
                return Snapshot(snap.state, snap.chain)
            env = _envelope_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            newer = _newer_format(data)
            if newer:
                raise StoreError(
                    f"{where}: stored by a newer incidentlog (format {newer}, this version "
                    f"reads up to {FORMAT_VERSION}); upgrade incidentlog to read this store"
                ) from None
            raise MapperDeserialisationError(f"{where}: cannot decode {topic!r}: {exc}") from exc
        if env.f > FORMAT_VERSION:
            raise StoreError(
                f"{where}: stored by a newer incidentlog (format {env.f}, this version reads up "
                f"to {FORMAT_VERSION}); upgrade incidentlog to read this store"
            )
        return Recorded(str(originator_id), version, env.event, env.chain)

    def _protect(self, data: bytes) -> bytes:
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data

    def _unprotect(self, data: bytes, where: str) -> bytes:
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
