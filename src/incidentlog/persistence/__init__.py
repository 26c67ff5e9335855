"""Persistence, sealed: the one module that uses eventsourcing's recorders and mapper.

:class:`EventStore` is a narrow port over eventsourcing's infrastructure (its
``InfrastructureFactory`` and the recorders it makes, for memory, SQLite and PostgreSQL):
insert rows, read a stream, read the notification log, keep snapshots, map the database's
errors to ours, and make tracking recorders for projections (:mod:`incidentlog.readmodel`).
:class:`IncidentMapper` turns :mod:`incidentlog.codec`'s envelopes into stored rows and back.
Nothing else in incidentlog imports eventsourcing's persistence (a test says so): the rest
reads and writes through :class:`~incidentlog.store.IncidentLog` and this port.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import msgspec
from eventsourcing.persistence import (
    ApplicationRecorder,
    Cipher,
    Compressor,
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    MapperDeserialisationError,
    OperationalError,
    PersistenceError,
    StoredEvent,
    Tracking,
    Transcoder,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment

from incidentlog import codec
from incidentlog import events as ev
from incidentlog.codec import (
    FORMAT_VERSION,
    SNAPSHOT_TOPIC,
    UPCASTERS,
    Envelope,
    Recorded,
    Snapshot,
    SnapshotEnvelope,
    StaleSnapshot,
    _envelope_decoder,
    _event_decoders,
    _event_encoder,
    _incident_decoder,
    _newer_format,
    _replay_decoders,
    _snapshot_decoder,
    _snapshot_head_decoder,
    schema_version,
    snapshot_digest,
)
from incidentlog.errors import StoreError
from incidentlog.persistence.views import IndexView, MemoryIndexView, SQLiteIndexView
from incidentlog.persistence.views import create as create_view
from incidentlog.urls import redact

__all__ = ["EventStore", "IncidentMapper", "RowConflict", "StoredEvent", "Tracking",
           "UnreadableRowError"]

Backend = Literal["memory", "sqlite", "postgres"]


class UnreadableRowError(StoreError, MapperDeserialisationError):
    """A stored row that does not decode (damaged or edited): one line naming the row."""




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
                                                          d=digest, shape=codec.STATE_SHAPE))
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
                if head.shape != codec.STATE_SHAPE:
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
        rec.stored_format, rec.stored_schema = env.f, env.v
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




class RowConflict(StoreError):
    """The store refused a row: its stream already holds that version (another writer)."""


def _is_json(data: bytes) -> bool:
    """True for a plaintext row. A ciphertext's first byte is random (its nonce), so a
    ``{`` there says nothing: one in 256 encrypted rows has one."""
    try:
        msgspec.json.decode(data)
    except msgspec.DecodeError:
        return False
    return True


class EventStore:
    """The events, their notification log and the snapshots of one database, as rows.

    ``env`` is eventsourcing's configuration (:func:`incidentlog.urls.persistence_env`);
    ``url`` (redacted) names the store in errors. ``read_only``: create no table, and open
    an SQLite file that cannot be written read-only (reading commands open this way; a
    database that is not there is refused by the caller).
    """

    def __init__(self, env: dict[str, str], *, url: str, read_only: bool = False) -> None:
        self.url = url
        self.env = env
        full = {"IS_SNAPSHOTTING_ENABLED": "y", **os.environ, **env}
        self.writable = True
        """False when the database itself refuses writes (a read-only file)."""
        if read_only:
            full["CREATE_TABLE"] = "false"
            path = full.get("SQLITE_DBNAME", "")
            if path and not path.startswith(("file:", ":memory:")) and \
                    not os.access(path, os.W_OK):
                full["SQLITE_DBNAME"] = f"file:{path}?mode=ro"  # opening must not write
                self.writable = False
        self._factory = InfrastructureFactory.construct(Environment("incidentlog", full))
        module = full.get("PERSISTENCE_MODULE", "")
        self.backend: Backend = "sqlite" if module.endswith("sqlite") else \
            "postgres" if module.endswith("postgres") else "memory"
        self.read_only = read_only
        self.mapper = IncidentMapper(cipher=self._factory.cipher(),
                                     compressor=self._factory.compressor())
        self._events: ApplicationRecorder = self._factory.application_recorder()
        self._snapshots = self._factory.aggregate_recorder(purpose="snapshots")

    def close(self) -> None:
        """Close the database connections."""
        self._factory.close()

    # ------------------------------------------------------------------ events

    def insert(self, rows: Sequence[StoredEvent]) -> None:
        """Insert event rows in one transaction, all or none: :class:`RowConflict` when a
        stream already holds one of their versions, :class:`StoreError` when the database
        fails."""
        try:
            if isinstance(self._events, SQLiteApplicationRecorder):
                # Its own insert_events executes row by row to collect each row's position,
                # which nothing here asks for: one executemany, in the same transaction.
                with self._events.datastore.transaction(commit=True) as cursor:
                    cursor.executemany(self._events.insert_events_statement, [
                        (str(r.originator_id), r.originator_version, r.topic, r.state)
                        for r in rows])
            else:
                self._events.insert_events(list(rows))
        except IntegrityError:
            raise RowConflict(f"{self.url}: a stream already holds one of these versions"
                              ) from None
        except (OperationalError, PersistenceError) as exc:
            raise StoreError(f"{self.url}: {redact(str(exc))}") from None

    def stream(self, stream_id: str, *, gt: int | None = None, lte: int | None = None,
               limit: int | None = None, desc: bool = False) -> Sequence[StoredEvent]:
        """The event rows of one stream, by version."""
        return self._events.select_events(stream_id, gt=gt, lte=lte, limit=limit, desc=desc)

    def rows(self, *, after: int, topics: Sequence[str] = (), page: int = 1000
             ) -> Iterator[Any]:
        """Every event row after position ``after`` in log order, a page a query; each has
        ``id``, its position."""
        start = after
        while True:
            found = self._events.select_notifications(start, page, topics=topics,
                                                      inclusive_of_start=False)
            yield from found
            if len(found) < page:
                return
            start = found[-1].id

    def max_position(self) -> int:
        """The position of the last event row (0: none)."""
        return self._events.max_notification_id() or 0

    # ------------------------------------------------------------------ snapshots

    def latest_snapshot(self, stream_id: str, lte: int | None
                        ) -> Recorded | Snapshot | StaleSnapshot | None:
        """The latest snapshot row of a stream at or before ``lte``, decoded."""
        for row in self._snapshots.select_events(stream_id, desc=True, limit=1, lte=lte):
            return self.mapper.to_domain_event(row)  # type: ignore[no-any-return]
        return None

    def put_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot."""
        self._snapshots.insert_events([self.mapper.to_stored_event(snapshot)])

    def snapshot_row(self, snapshot: Snapshot) -> StoredEvent:
        """The row of a snapshot, not stored (made in a worker, stored by the writer)."""
        return self.mapper.to_stored_event(snapshot)

    def insert_snapshot_rows(self, rows: Sequence[StoredEvent]) -> None:
        """Store snapshot rows as they are."""
        self._snapshots.insert_events(list(rows))

    def snapshot_rows(self) -> Sequence[StoredEvent]:
        """Every stored snapshot row, undecoded, by stream and version."""
        recorder: Any = self._snapshots
        if hasattr(recorder, "_stored_events"):  # in memory
            return sorted(recorder._stored_events,
                          key=lambda r: (str(r.originator_id), r.originator_version))
        table = recorder.events_table_name
        if self.backend == "postgres":
            table = f'"{recorder.datastore.schema or "public"}"."{table}"'
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT originator_id, originator_version, topic, state FROM {table} "
                      "ORDER BY originator_id, originator_version")
            return [StoredEvent(originator_id=r["originator_id"],
                                originator_version=r["originator_version"], topic=r["topic"],
                                state=bytes(r["state"])) for r in c.fetchall()]

    # ------------------------------------------------------------------ rows as bytes

    @property
    def encrypted(self) -> bool:
        """True when rows are encrypted."""
        return self.mapper.cipher is not None

    @property
    def pseudonymous(self) -> bool:
        """True when streams are filed under keyed pseudonyms of the incident ids."""
        return self.mapper.stream_key is not None

    def file_under_ids(self) -> None:
        """File rows under the incident ids themselves, not pseudonyms (as encrypted stores
        did before ids were pseudonymous; for reading those, and for tests of them)."""
        self.mapper.stream_key = None

    def stream_id(self, incident_id: str) -> str:
        """The id an incident's rows are stored under (:meth:`IncidentMapper.stream_id`)."""
        return self.mapper.stream_id(incident_id)

    def decode(self, row: Any) -> Recorded | Snapshot | StaleSnapshot:
        """A stored row decoded (:meth:`IncidentMapper.decode`)."""
        return self.mapper.decode(row.originator_id, row.originator_version, row.topic,
                                  row.state)

    def decode_at(self, row: Any, version: int) -> Recorded | Snapshot | StaleSnapshot:
        """A stored row decoded as the row at ``version`` (its stored one may be unusable)."""
        return self.mapper.decode(row.originator_id, version, row.topic, row.state)

    def protect(self, data: bytes) -> bytes:
        """Bytes as this store keeps them (compressed, encrypted)."""
        return self.mapper.protect(data)

    def unprotect(self, data: bytes, where: str) -> bytes:
        """A stored row's bytes readable again (:meth:`IncidentMapper.unprotect`)."""
        return self.mapper.unprotect(data, where)

    def event_row(self, incident_id: str, version: int, event: ev.Event, raw: bytes,
                  chain: str) -> StoredEvent:
        """The row of an event (:meth:`IncidentMapper.stored`)."""
        return self.mapper.stored(incident_id, version, event, raw, chain)

    def row(self, incident_id: str, version: int, topic: str, data: bytes) -> StoredEvent:
        """A row of ``data`` (an envelope's bytes, protected here) for an incident."""
        return StoredEvent(originator_id=self.stream_id(incident_id),
                           originator_version=version, topic=topic, state=self.protect(data))

    # ------------------------------------------------------------------ keys

    def check_key(self) -> None:
        """Refuse, in one line, a store whose rows the key given (or no key) cannot read.

        The first and the last row are tried: one damaged row is for ``verify`` to name,
        not a reason to refuse the store."""
        recorder = self._events
        rows = list(recorder.select_notifications(0, 1, inclusive_of_start=False))
        if not rows:
            return
        last = recorder.max_notification_id()
        if last and last != rows[0].id:
            rows += recorder.select_notifications(last, 1)
        states = [r.state if isinstance(r.state, bytes) else b"" for r in rows]
        cipher = self.mapper.cipher
        if cipher is None:
            if not any(_is_json(state) for state in states):
                raise StoreError(f"{self.url}: the store is encrypted: give its key "
                                 "(--key-file FILE or INCIDENTLOG_KEY_FILE)")
            return
        read = []
        for state in states:
            with contextlib.suppress(Exception):
                read.append(cipher.decrypt(state))
        if not read:
            raise StoreError(f"{self.url}: the key given does not decrypt this store (a wrong "
                             "key, or a store that is not encrypted)")
        if not any(b'"i":' in data for data in read):
            # Encrypted before ids were pseudonymous: its rows are filed under the ids
            # themselves, and are read that way (`copy` files them under pseudonyms).
            self.file_under_ids()

    # ------------------------------------------------------------------ schema

    @contextlib.contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Hold PostgreSQL's advisory lock of this store's schema (nothing elsewhere): what
        creates tables holds it, so concurrent first opens queue instead of colliding."""
        env = self.env
        if self.backend != "postgres":
            yield
            return
        with schema_lock(env, self.url):
            yield

    # ------------------------------------------------------------------ projections

    def index_view(self, *, in_memory: bool = False, create: bool = True) -> IndexView:
        """The incident index's view (:mod:`incidentlog.persistence.views`): tables beside
        the events, created here unless ``create`` is False, or dictionaries when
        ``in_memory`` (or the store is in memory, or its database cannot be written)."""
        if in_memory or self.backend == "memory" or not self.writable:
            return MemoryIndexView()
        datastore: Any = getattr(self._factory, "datastore")  # noqa: B009
        view: IndexView
        if self.backend == "sqlite":
            view = SQLiteIndexView(datastore)
        else:
            from incidentlog.persistence.postgres_view import PostgresIndexView

            view = PostgresIndexView(datastore, tracking_table_name="incidentlog_tracking")
        if create:
            with self.schema_lock():
                create_view(view)
        return view


@contextlib.contextmanager
def schema_lock(env: dict[str, str], url: str) -> Iterator[None]:
    """PostgreSQL's advisory lock of the schema ``env`` names, held while the body runs."""
    if not env.get("PERSISTENCE_MODULE", "").endswith("postgres"):
        yield
        return
    import psycopg

    schema = env.get("POSTGRES_SCHEMA") or "public"
    name = f"incidentlog\x00{env['POSTGRES_DBNAME']}\x00{schema}".encode()
    key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
    try:
        conn = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                               port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                               password=env["POSTGRES_PASSWORD"], autocommit=True,
                               connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]))
    except psycopg.Error as exc:
        raise StoreError(f"cannot open {url}: {redact(str(exc))}") from None
    with conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
