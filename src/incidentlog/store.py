"""IncidentLog: incidents kept as event streams in an eventsourcing event store.

``IncidentLog()`` keeps them in memory, ``IncidentLog("sqlite:///incidents.db")`` in an
SQLite file (the embedded default), ``IncidentLog("postgresql://user:pw@host:5432/db")`` in
PostgreSQL. Each incident is one stream whose id is the incident's own id, so the store
itself refuses to declare an id twice and refuses a second writer at the same version.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog import timetravel
from incidentlog.codec import (
    GENESIS,
    Envelope,
    Recorded,
    Snapshot,
    encode_event,
    link,
    schema_version,
)
from incidentlog.errors import (
    ConflictError,
    IncidentExistsError,
    IncidentLogError,
    IncidentNotFoundError,
    InputError,
    InvalidEventError,
    StateNotFoundError,
    StoreError,
)
from incidentlog.incident import INCIDENT_ID, Folding, Incident, check_types, decide_all, fold
from incidentlog.inputs import incident_events
from incidentlog.persistence import EventStore, RowConflict, StoredEvent, schema_lock
from incidentlog.times import is_aware, naive, utc_now
from incidentlog.urls import persistence_env, redact, redact_url

Clock = Callable[[], datetime]
Decision = Callable[[Incident], Iterable[ev.Event]]

DEFAULT_SNAPSHOT_INTERVAL = 100


def _aware(value: datetime, name: str) -> datetime:
    refused = naive(value, name)
    if refused:
        raise InputError(refused)
    return value


def _events_only(events: Sequence[object]) -> None:
    for event in events:
        if not isinstance(event, ev.Event):
            hint = (" (pass events as separate arguments: append(id, *events))"
                    if isinstance(event, list | tuple) else "")
            raise TypeError(f"append takes events, not {type(event).__name__}{hint}")


MAX_STORED_INT = 2**63 - 1
"""The largest version or position a database column holds."""


def _in_range(value: int, name: str, *, low: int) -> int:
    if not low <= value <= MAX_STORED_INT:
        raise ValueError(f"{name} {value}: out of range ({low} to {MAX_STORED_INT})")
    return value


def _stream_key(cipher_key: str) -> bytes:
    """The key of the incident-id pseudonyms, derived from the cipher key (checked here:
    an AES key of 16, 24 or 32 bytes, base64-encoded)."""
    try:
        raw = base64.b64decode(cipher_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise StoreError("cipher key: not base64 (make one with "
                         "AESCipher.create_key(32), or: head -c 32 /dev/urandom | base64)"
                         ) from None
    if len(raw) not in (16, 24, 32):
        raise StoreError(f"cipher key: {len(raw)} bytes; an AES key has 16, 24 or 32")
    return hashlib.sha256(b"incidentlog stream ids\x00" + raw).digest()


@attrs.frozen
class _Prepared:
    """An append made ready: the state it leads to, the rows to insert, the chain link of
    the last of them, and the version of the first."""

    state: Incident
    rows: list[StoredEvent]
    chain: str
    first_version: int
    recorded_at: datetime | None = None


@attrs.frozen
class PreparedRows:
    """A new incident's stored rows (``originator_id, version, topic, state``), made ready
    in one process and inserted in another: plain tuples, cheap to send through a pipe."""

    incident_id: str
    rows: tuple[tuple[str, int, str, bytes], ...]
    snapshots: tuple[tuple[str, int, str, bytes], ...] = ()


def _row_tuple(row: StoredEvent) -> tuple[str, int, str, bytes]:
    return (str(row.originator_id), row.originator_version, row.topic, row.state)


@attrs.frozen
class Loaded:
    """An incident's state with the chain link and recording time of its last event."""

    state: Incident
    chain: str
    recorded_at: datetime | None = None


class IncidentLog:
    """Incidents as append-only event streams, with the rules checked on every append.

    ``url`` chooses the store (``None``: in memory). ``clock`` stamps ``recorded_at``.
    ``cipher_key`` (``eventsourcing.cipher.AESCipher.create_key(32)``) encrypts events with
    AES-GCM. A snapshot is stored every ``snapshot_interval`` events; ``trust_snapshots=False``
    reads always fold the events instead, so not even a snapshot edited with its digest
    recomputed is served (the CLI reads this way). The latest state of up to ``cache_size``
    incidents is kept in memory and brought up to date from the store
    (one query for the events after it) on every read, so long histories stay fast.
    ``read_only``: create nothing (no database, no table) and refuse a store that is not
    there, naming it. ``shared_store``: work on another log's rows (its :attr:`store`)
    instead of opening ``url``, e.g. to read an in-memory log with other options.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        clock: Clock = utc_now,
        cipher_key: str | None = None,
        snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL,
        cache_size: int = 1000,
        trust_snapshots: bool = True,
        read_only: bool = False,
        shared_store: EventStore | None = None,
    ) -> None:
        self._trust_snapshots = trust_snapshots
        env = persistence_env(url)
        self.url = redact_url(url) if url else "memory://"
        self.read_only = read_only
        stream_key = None
        if cipher_key is not None:
            stream_key = _stream_key(cipher_key)
            env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
            env["CIPHER_KEY"] = cipher_key.strip()
        if read_only:
            _check_exists(env, self.url)
        if shared_store is not None:  # another log's rows (an in-memory store, say)
            self._store = shared_store
            self.url = shared_store.url
        else:
            try:
                self._store = self._open(env, read_only=read_only)
            except ImportError as exc:
                raise StoreError(
                    f"cannot open {self.url}: {exc}; install the extra: "
                    "pip install 'incidentlog[postgres]'"
                ) from None
        self._mapper = self._store.mapper
        if shared_store is None:
            self._mapper.stream_key = stream_key
        try:
            self._store.check_key()
        except StoreError:
            self.close()
            raise
        except Exception as exc:  # a read-only open of a database with no tables
            self.close()
            raise StoreError(f"{self.url}: not an incident log ({redact(str(exc))})") from None
        self._clock = clock
        self._snapshot_interval = snapshot_interval
        # One lock per incident being written now: a lock goes when no writer holds it, so
        # a process that touches many incidents does not keep one for each.
        self._locks: weakref.WeakValueDictionary[str, threading.RLock] = (
            weakref.WeakValueDictionary())
        self._locks_guard = threading.Lock()
        self._cache: OrderedDict[str, Loaded] = OrderedDict()
        self._cache_size = cache_size

    def _open(self, env: dict[str, str], *, read_only: bool) -> EventStore:
        # Several processes opening one PostgreSQL database at once race on the tables'
        # CREATE ... IF NOT EXISTS (a duplicate pg_type row, "tuple concurrently updated"):
        # opening holds an advisory lock of the schema, and a race that slips by is retried.
        for attempt in range(6):
            try:
                with schema_lock(env, self.url):
                    return EventStore(env, url=self.url, read_only=read_only)
            except StoreError:
                raise
            except Exception as exc:
                if "concurrently" not in str(exc) or attempt == 5:
                    raise StoreError(f"cannot open {self.url}: {redact(str(exc))}") from None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def store(self) -> EventStore:
        """The rows behind this log (:class:`incidentlog.persistence.EventStore`): for
        services that check, copy or project them."""
        return self._store

    @property
    def encrypted(self) -> bool:
        """True when rows are encrypted (and filed under pseudonyms of the incident ids)."""
        return self._store.encrypted

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close database connections."""
        self._store.close()

    def __enter__(self) -> IncidentLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"IncidentLog({self.url!r})"

    # ------------------------------------------------------------------ writing

    def declare(self, event: ev.IncidentDeclared) -> Incident:
        """Declare a new incident. Raises IncidentExistsError if the id is taken."""
        return self.append(event.incident_id, event)

    def record(self, data: object, *, actor: str) -> Incident:
        """Declare an incident from untrusted data (a dict, or JSON text or bytes): an
        :class:`~incidentlog.inputs.IncidentInput`, or an incident as
        :func:`~incidentlog.render.to_json` writes it (what its events derive is ignored).

        Every problem in the data is reported at once with its path
        (:class:`~incidentlog.errors.InputError`); the events are checked by the rules like
        any command; nothing is stored unless all of it is.
        """
        incident_id, events = incident_events(data, actor=actor)
        return self.append(incident_id, *events)

    def append(
        self,
        incident_id: str,
        *events: ev.Event,
        expected_version: int | None = None,
        validate: bool = True,
    ) -> Incident:
        """Append events to one incident, all or none, and return the new state.

        Each event is checked against the rules (``validate=False`` stores history as a
        legacy document states it, for the importer). ``expected_version``: refuse with
        :class:`ConflictError` unless the incident is at that version now. Another writer
        appending first also gives :class:`ConflictError`; nothing is stored then.
        """
        _events_only(events)
        with self._lock(incident_id):
            declaring = bool(events) and isinstance(events[0], ev.IncidentDeclared)
            if declaring and not expected_version:
                # A new stream: if it exists after all, the store refuses the first row.
                loaded = None
            else:
                loaded = self._load(incident_id, version=None, missing_ok=True)
            version = loaded.state.version if loaded else 0
            if expected_version is not None and expected_version != version:
                raise ConflictError(
                    f"{incident_id}: expected version {expected_version}, store has {version}"
                )
            prepared = self._prepare(incident_id, loaded, events, validate=validate)
            try:
                self._put(incident_id, prepared.rows, first_version=version + 1)
            except IncidentLogError:
                self._cache.pop(incident_id, None)
                raise
            self._remember(Loaded(prepared.state, prepared.chain, prepared.recorded_at)
                           if prepared.rows else loaded)
            self._snapshot_if_due(prepared)
            return prepared.state

    def update(self, incident_id: str, decision: Decision, *, retries: int = 10) -> Incident:
        """Append what ``decision(state)`` returns, re-reading and retrying on conflict.

        Use it when several writers may append to the same incident: ``decision`` sees the
        latest state each time, so its events are checked against what is really stored.
        """
        delay = 0.005
        for attempt in range(retries + 1):
            try:
                # Inside one process the read, the decision and the append hold the
                # incident's lock, so writers here queue instead of conflicting; only
                # writers in other processes can make this retry.
                with self._lock(incident_id):
                    state = self.get(incident_id)
                    return self.append(incident_id, *decision(state),
                                       expected_version=state.version)
            except ConflictError:
                if attempt == retries:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        raise AssertionError("unreachable")  # pragma: no cover

    def append_many(self, batch: Sequence[tuple[str, Sequence[ev.Event]]], *,
                    validate: bool = True) -> list[Incident]:
        """Append to several incidents in one transaction: all streams land, or none.

        Meant for bulk import: one commit for the whole batch.
        """
        ids = [incident_id for incident_id, _ in batch]
        if len(set(ids)) != len(ids):
            raise ValueError("append_many takes each incident at most once per batch")
        prepared: list[_Prepared] = []
        for incident_id, events in batch:
            _events_only(events)
            declaring = bool(events) and isinstance(events[0], ev.IncidentDeclared)
            # A new stream needs no read: if it exists after all, the store refuses the row.
            loaded = None if declaring else self._load(incident_id, version=None,
                                                       missing_ok=True)
            prepared.append(self._prepare(incident_id, loaded, events, validate=validate))
        try:
            self._put(", ".join(ids[:3]) + ("..." if len(ids) > 3 else ""),
                      [row for p in prepared for row in p.rows], first_version=None)
        except ConflictError:
            if any(p.first_version == 1 and p.rows for p in prepared):
                raise IncidentExistsError(
                    "an incident of this batch was declared already; nothing was stored"
                ) from None
            raise
        for p in prepared:
            self._snapshot_if_due(p)
        return [p.state for p in prepared]

    # -------------------------------------------------- prepared rows (bulk import)

    def prepare_new(self, incident_id: str, events: Sequence[ev.Event]) -> PreparedRows:
        """The rows that declare a new incident of ``events``, checked and chained as
        ``append(incident_id, *events, validate=False)`` would (raising what it raises), but
        not written: made in a worker process, for :meth:`insert_prepared` in the writer."""
        _events_only(events)
        # A new stream's version is its number of events: folded only for a snapshot.
        due = self._snapshot_interval > 0 and len(events) >= self._snapshot_interval
        p = self._prepare(incident_id, None, events, validate=False, state=due)
        snaps = [self._store.snapshot_row(Snapshot(p.state, p.chain))] if due else []
        return PreparedRows(incident_id, tuple(_row_tuple(r) for r in p.rows),
                            tuple(_row_tuple(r) for r in snaps))

    def insert_prepared(self, batch: Sequence[PreparedRows]) -> None:
        """Insert the rows of new incidents made by :meth:`prepare_new`, in one transaction:
        all land, or none (:class:`IncidentExistsError` if one was declared meanwhile)."""
        rows = [StoredEvent(*row) for p in batch for row in p.rows]
        label = ", ".join(p.incident_id for p in batch[:3]) + ("..." if len(batch) > 3 else "")
        self._put(label, rows, first_version=1)
        snaps = [StoredEvent(*row) for p in batch for row in p.snapshots]
        if snaps:
            self._store.insert_snapshot_rows(snaps)

    def _prepare(self, incident_id: str, loaded: Loaded | None, events: Iterable[ev.Event],
                 *, validate: bool, state: bool = True) -> _Prepared:
        """``state=False`` (new rows that need no snapshot): the events are checked as the
        fold would check them (it never raises past the first event), but not folded; the
        ``state`` given back is then the first event's."""
        before = loaded.state if loaded else None
        chain = loaded.chain if loaded else GENESIS
        if not validate and not INCIDENT_ID.fullmatch(incident_id):  # else a rule says so
            raise InvalidEventError(f"incident id {incident_id!r}: use letters, digits and "
                                    ". _ : # - (at most 100), starting with a letter or digit")
        now = self._clock()
        if loaded is not None and loaded.recorded_at is not None and \
                is_aware(now) and \
                now < loaded.recorded_at:
            # A writer whose clock is behind the last one's: recorded time never goes
            # backwards within an incident, or as_of would show a state that never existed.
            now = loaded.recorded_at
        # Canonical types and the recording time, so the chain hashes exactly what decoding
        # will give back.
        if validate:  # checked as one command
            after, stamped = decide_all(before, events, incident_id=incident_id,
                                        recorded_at=now)
        else:
            stamped = [check_types(e, recorded_at=now) for e in events]
            for n, e in enumerate(stamped):
                if isinstance(e, ev.IncidentDeclared):
                    if before is not None or n:
                        raise IncidentExistsError(f"incident {incident_id} was declared already")
                    if e.incident_id != incident_id:
                        raise StoreError(f"declared id {e.incident_id!r} is not the stream's "
                                         f"{incident_id!r}")
            folded = fold(stamped if state else stamped[:1], before)
            if folded is None:
                raise IncidentNotFoundError(incident_id, self.url)
            after = folded
        rows = []
        first = version = before.version if before else 0
        stored = self._store.event_row
        for e in stamped:
            version += 1
            raw = encode_event(e)
            chain = link(chain, incident_id, version, raw, schema_version(ev.TAGS[type(e)]))
            rows.append(stored(incident_id, version, e, raw, chain))
        return _Prepared(after, rows, chain, first + 1, now if stamped else
                         (loaded.recorded_at if loaded else None))

    def _put(self, label: str, rows: list[StoredEvent], first_version: int | None) -> None:
        if not rows:
            return
        if self.read_only:
            raise StoreError(f"{self.url}: opened read-only; nothing was stored")
        try:
            self._store.insert(rows)
        except RowConflict:
            if first_version == 1:
                raise IncidentExistsError(f"incident {label} was declared already") from None
            raise ConflictError(
                f"{label}: another writer appended first; nothing of this append was stored. "
                "Read it again and retry (IncidentLog.update retries for you)"
            ) from None

    def _snapshot_if_due(self, prepared: _Prepared) -> None:
        if self._snapshot_interval <= 0 or not prepared.rows:
            return
        first, last = prepared.first_version, prepared.state.version
        if last // self._snapshot_interval > (first - 1) // self._snapshot_interval:
            self._store.put_snapshot(Snapshot(prepared.state, prepared.chain))

    def _lock(self, incident_id: str) -> threading.RLock:
        with self._locks_guard:
            lock = self._locks.get(incident_id)
            if lock is None:
                lock = self._locks[incident_id] = threading.RLock()
            return lock

    # ------------------------------------------------------------------ reading

    def get(self, incident_id: str, *, version: int | None = None,
            as_of: datetime | None = None, occurred_by: datetime | None = None) -> Incident:
        """The incident as its stored events say: now, or as it was at ``version``, or as
        the record stood at recorded time ``as_of``, or what had happened by world time
        ``occurred_by`` as we know it now (see :mod:`incidentlog.timetravel`)."""
        if sum(x is not None for x in (version, as_of, occurred_by)) > 1:
            raise ValueError("give at most one of version, as_of and occurred_by")
        if version is not None:
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise InputError(f"version: {version!r} is not a version (1, 2, ...)")
            _in_range(version, "version", low=1)
        if as_of is not None:
            when = _aware(as_of, "as_of")  # a bad argument is named before any read
            return timetravel.as_of(self.records(incident_id), when, where=self.url)
        if occurred_by is not None:
            when = _aware(occurred_by, "occurred_by")
            return timetravel.occurred_by(self.records(incident_id), when, where=self.url)
        loaded = self._load(incident_id, version=version, missing_ok=False)
        assert loaded is not None
        if version is not None and loaded.state.version != version:
            raise StateNotFoundError(f"{incident_id} has {loaded.state.version} version(s) in "
                                     f"{self.url}; there is no version {version}")
        return loaded.state

    def copy_from(self, source: IncidentLog, *, page: int = 500) -> int:
        """Copy every row of ``source`` into this log, in the source's log order: events
        byte for byte (times, actors, chain links, formats kept, so ``verify`` and the
        source's checkpoints hold on the copy), then the snapshots. Returns the number of
        events copied.

        The target is checked first: it must be empty, or hold the start of the source
        exactly (a copy that stopped half way, which this resumes, one transaction a
        page); anything else is refused before a row is written.
        """
        held = self._copied_prefix(source)
        copied = 0
        batch: list[StoredEvent] = []
        for row in source.stored_rows(after=0, page=page):
            if held:
                held -= 1
                continue
            batch.append(self._recrypt(source, row))
            if len(batch) >= page:
                copied += self._insert_copied(batch)
                batch = []
        copied += self._insert_copied(batch)
        for row in source.snapshot_rows():
            with contextlib.suppress(Exception):  # an unreadable one is not copied
                snap = source.store.decode(row)
                if isinstance(snap, Snapshot) and snap.sound:
                    self._store.put_snapshot(snap)
        return copied

    def _copied_prefix(self, source: IncidentLog) -> int:
        """How many rows of ``source`` this log holds already, as the start of its log;
        a :class:`StoreError` if it holds anything else."""
        ours = self.stored_rows()
        held = 0
        theirs = source.stored_rows()
        for mine in ours:
            other = next(theirs, None)
            where = f"{self.url}: row {held + 1} ({mine.originator_id} version " \
                    f"{mine.originator_version})"
            if other is None:
                raise StoreError(f"{where}: the target holds more than the source; refusing "
                                 "to copy into it")
            if (mine.originator_version, mine.topic) != \
                    (other.originator_version, other.topic) or \
                    self._portable(mine) != source._portable(other):
                raise StoreError(f"{where}: the target is neither empty nor a partial copy of "
                                 "the source; refusing to copy into it")
            held += 1
        return held

    def _portable(self, row: Any) -> tuple[str, bytes]:
        """A stored event row's incident id and envelope, whatever the store's key."""
        where = f"incident {row.originator_id} version {row.originator_version}"
        data = self._store.unprotect(row.state, where)
        if not self._store.pseudonymous:
            return str(row.originator_id), data
        env = msgspec.json.decode(data, type=Envelope)
        return env.i or str(row.originator_id), msgspec.json.encode(
            msgspec.structs.replace(env, i=None))

    def _recrypt(self, source: IncidentLog, row: Any) -> StoredEvent:
        if not self._store.pseudonymous and not source.store.pseudonymous:
            incident_id = str(row.originator_id)  # copied byte for byte
            data = source.store.unprotect(row.state, f"incident {incident_id} version "
                                          f"{row.originator_version}")
        else:
            incident_id, data = source._portable(row)
            if self._store.pseudonymous:
                env = msgspec.json.decode(data, type=Envelope)
                data = msgspec.json.encode(msgspec.structs.replace(env, i=incident_id))
        return self._store.row(incident_id, row.originator_version, row.topic, data)

    def _insert_copied(self, rows: list[StoredEvent]) -> int:
        if not rows:
            return 0
        if self.read_only:
            raise StoreError(f"{self.url}: opened read-only; nothing was copied")
        try:
            self._store.insert(rows)
        except RowConflict:
            raise StoreError(f"{self.url}: another writer is writing to the target; nothing "
                             "of this page was copied") from None
        return len(rows)

    def exists(self, incident_id: str) -> bool:
        """True when an incident with that id is stored."""
        return bool(self._store.stream(self._store.stream_id(incident_id), limit=1))

    def _remember(self, loaded: Loaded | None) -> None:
        if loaded is None or self._cache_size <= 0:
            return
        with self._locks_guard:
            self._cache[loaded.state.id] = loaded
            self._cache.move_to_end(loaded.state.id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _load(self, incident_id: str, *, version: int | None, missing_ok: bool
              ) -> Loaded | None:
        cached = self._cache.get(incident_id) if version is None else None
        if cached is not None:
            newer = self._replay(incident_id, gt=cached.state.version)
            if not newer:
                return cached
            state = fold((e for e, _ in newer), cached.state)
            assert state is not None
            current = Loaded(state, newer[-1][1], newer[-1][0].recorded_at)
            self._remember(current)
            return current
        found = self._load_from_store(incident_id, version=version)
        if found is None:
            if missing_ok:
                return None
            raise IncidentNotFoundError(incident_id, self.url)
        if version is None:
            self._remember(found)
        return found

    def _load_from_store(self, incident_id: str, *, version: int | None) -> Loaded | None:
        interval = self._snapshot_interval
        if interval > 0 and (version is None or version <= interval):
            # Most incidents are shorter than one snapshot interval: one round trip reads
            # them whole, and only a longer one goes on to its latest snapshot.
            rows = self._store.stream(self._store.stream_id(incident_id), lte=version,
                                      limit=interval + 1)
            if len(rows) <= interval or version is not None:
                if not rows:
                    return None
                replay = self._mapper.replay
                head = [replay(row) for row in rows]
                whole = fold(e for e, _ in head)
                assert whole is not None
                return Loaded(whole, head[-1][1], head[-1][0].recorded_at)
        snap = self._snapshot(incident_id, version)
        if snap is not None:
            # The event at the snapshot's own version is read too: its stored chain link
            # must be the snapshot's, or the snapshot is not used.
            after = self._replay(incident_id, gt=snap.originator_version - 1, lte=version)
            if after and after[0][1] == snap.chain:
                rest = after[1:]
                state = fold((e for e, _ in rest), snap.state) if rest else snap.state
                assert state is not None
                return Loaded(state, after[-1][1], after[-1][0].recorded_at)
        after = self._replay(incident_id, lte=version)
        if not after:
            return None
        whole = fold(e for e, _ in after)
        assert whole is not None
        return Loaded(whole, after[-1][1], after[-1][0].recorded_at)

    def _snapshot(self, incident_id: str, version: int | None) -> Snapshot | None:
        """The latest snapshot at or before ``version`` that can be used: one that reads,
        whose digest matches, and that is of this incident (else ``None``: fold instead)."""
        if not self._trust_snapshots:
            return None
        try:
            snap = self._store.latest_snapshot(self._store.stream_id(incident_id), version)
        except Exception:  # an unreadable snapshot is not used; verify names it
            return None
        if isinstance(snap, Snapshot) and snap.sound and snap.state.id == incident_id:
            return snap
        return None

    def _replay(self, incident_id: str, *, gt: int | None = None, lte: int | None = None
                ) -> list[tuple[ev.Event, str]]:
        """Events and chain links of one incident, decoded for folding."""
        replay = self._mapper.replay
        rows = self._store.stream(self._store.stream_id(incident_id), gt=gt, lte=lte)
        return [replay(row) for row in rows]

    def records(self, incident_id: str, *, gt: int | None = None, lte: int | None = None
                ) -> list[Recorded]:
        """The stored records of one incident (event, version, chain link), oldest first."""
        out = []
        for row in self._store.stream(self._store.stream_id(incident_id), gt=gt, lte=lte):
            rec = self._store.decode(row)
            if not isinstance(rec, Recorded):
                raise StoreError(f"incident {incident_id} version {rec.originator_version}: "
                                 "a snapshot among the events (run incidentlog verify)")
            out.append(rec)
        if not out and gt is None and not self.exists(incident_id):
            raise IncidentNotFoundError(incident_id, self.url)
        return out

    def events(self, incident_id: str) -> list[ev.Event]:
        """The full history of one incident, oldest first."""
        return [r.event for r in self.records(incident_id)]

    def ids(self) -> Iterator[str]:
        """Every incident id, in the order they were declared."""
        hidden = self._store.pseudonymous
        for row in self._notification_rows(after=0, topics=(ev.tag_of(ev.IncidentDeclared),),
                                           page=1000):
            # No need to decode the declaration, unless its id is not stored in plaintext.
            yield self._mapper.replay_with_id(row)[2] if hidden else str(row.originator_id)

    def list(self) -> list[Incident]:
        """The current state of every incident (folded :class:`Incident` objects), in the
        order they were declared; :meth:`find` gives index rows, cheaper to filter.

        One pass over the whole log, a page of events per query, rather than a query per
        incident: folded as the events come (:class:`~incidentlog.incident.Folding`).
        """
        folding = Folding()
        for _, incident_id, version, event in self.changes():
            folding.add(incident_id, event, version)
        return folding.states()

    def changes(self, *, after: int = 0, page: int = 1000
                ) -> Iterator[tuple[int, str, int, ev.Event]]:
        """``(position, incident id, version, event)`` for every event stored after
        position ``after``, in the order recorded: the feed decoded for folding, without
        the stored bytes and chain links :meth:`notifications` carries."""
        replay = self._mapper.replay_with_id
        for row in self._notification_rows(after=after, topics=(), page=page):
            event, _, incident_id = replay(row)
            yield row.id, incident_id, row.originator_version, event

    def notifications(self, *, after: int = 0, topics: Sequence[str] = (),
                      page: int = 500) -> Iterator[Recorded]:
        """Every stored event of every incident, in the order recorded, from ``after``."""
        for row in self._notification_rows(after=after, topics=topics, page=page):
            rec = self._store.decode(row)
            if not isinstance(rec, Recorded):
                raise StoreError(f"incident {row.originator_id} version "
                                 f"{row.originator_version}: a snapshot among the events (run "
                                 "incidentlog verify)")
            rec.position = row.id
            yield rec

    def stored_rows(self, *, after: int = 0, page: int = 1000) -> Iterator[Any]:
        """Every stored event row as it is in the database (``id`` is its position in the
        log), in log order, undecoded: for verifying and copying."""
        return self._notification_rows(after=after, topics=(), page=page)

    def snapshot_rows(self) -> Sequence[StoredEvent]:
        """Every stored snapshot row, undecoded, by incident and version."""
        return self._store.snapshot_rows()

    def _notification_rows(self, *, after: int, topics: Sequence[str], page: int
                           ) -> Iterator[Any]:
        _in_range(after, "position", low=0)
        return self._store.rows(after=after, topics=topics, page=page)


def _check_exists(env: dict[str, str], url: str) -> None:
    """Refuse to open for reading an SQLite database file that is not there (opening would
    create an empty one): one line naming the path."""
    path = env.get("SQLITE_DBNAME")
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return
    if not Path(path).is_file():
        raise StoreError(f"{url}: no database at {path} (a typo? reading creates none; "
                         "declare or import creates one)")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            found = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'stored_events'").fetchone()[0]
    except sqlite3.Error as exc:
        raise StoreError(f"{url}: cannot read {path} ({exc})") from None
    if not found:
        raise StoreError(f"{url}: {path} is not an incident log (no stored events table)")
