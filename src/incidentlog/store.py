"""IncidentLog: incidents kept as event streams in an eventsourcing event store.

``IncidentLog()`` keeps them in memory, ``IncidentLog("sqlite:///incidents.db")`` in an
SQLite file (the embedded default), ``IncidentLog("postgresql://user:pw@host:5432/db")`` in
PostgreSQL. Each incident is one stream whose id is the incident's own id, so the store
itself refuses to declare an id twice and refuses a second writer at the same version.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    OperationalError,
    PersistenceError,
    StoredEvent,
)

from incidentlog import events as ev
from incidentlog.codec import GENESIS, IncidentMapper, Recorded, Snapshot, encode_event, link
from incidentlog.errors import (
    ConflictError,
    IncidentExistsError,
    IncidentLogError,
    IncidentNotFoundError,
    StoreError,
)
from incidentlog.incident import Folding, Incident, check_types, decide_all, fold
from incidentlog.inputs import events_for, structure_incident
from incidentlog.urls import persistence_env, redact

Clock = Callable[[], datetime]
Decision = Callable[[Incident], Iterable[ev.Event]]

DEFAULT_SNAPSHOT_INTERVAL = 100


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name}: naive datetime refused; give a timezone-aware time")
    return value


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class _EventStoreApp(Application[str]):
    """eventsourcing's application, wired to our mapper; holds recorder and stores."""

    name = "incidentlog"
    is_snapshotting_enabled = True

    def construct_mapper(self) -> Mapper[str]:
        return IncidentMapper(cipher=self.factory.cipher(), compressor=self.factory.compressor())


@attrs.frozen
class _Prepared:
    """An append made ready: the state it leads to, the rows to insert, the chain link of
    the last of them, and the version of the first."""

    state: Incident
    rows: list[StoredEvent]
    chain: str
    first_version: int


@attrs.frozen
class Loaded:
    """An incident's state with the chain link of its last event."""

    state: Incident
    chain: str


class IncidentLog:
    """Incidents as append-only event streams, with the rules checked on every append.

    ``url`` chooses the store (``None``: in memory). ``clock`` stamps ``recorded_at``.
    ``cipher_key`` (``eventsourcing.cipher.AESCipher.create_key(32)``) encrypts events with
    AES-GCM. A snapshot is stored every ``snapshot_interval`` events. The latest state of up
    to ``cache_size`` incidents is kept in memory and brought up to date from the store
    (one query for the events after it) on every read, so long histories stay fast.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        clock: Clock = utc_now,
        cipher_key: str | None = None,
        snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL,
        cache_size: int = 1000,
    ) -> None:
        self.url = redact(url) if url else "memory://"
        env = persistence_env(url)
        if cipher_key:
            env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
            env["CIPHER_KEY"] = cipher_key
        try:
            self._app = self._open(env)
        except ImportError as exc:
            raise StoreError(
                f"cannot open {self.url}: {exc}; install the extra: "
                "pip install 'incidentlog[postgres]'"
            ) from None
        self._clock = clock
        self._snapshot_interval = snapshot_interval
        # One lock per incident being written now: a lock goes when no writer holds it, so
        # a process that touches many incidents does not keep one for each.
        self._locks: weakref.WeakValueDictionary[str, threading.RLock] = (
            weakref.WeakValueDictionary())
        self._locks_guard = threading.Lock()
        self._cache: OrderedDict[str, Loaded] = OrderedDict()
        self._index: Any = None
        self._cache_size = cache_size

    def _open(self, env: dict[str, str]) -> _EventStoreApp:
        # Several processes opening one PostgreSQL database at once race on the tables'
        # CREATE ... IF NOT EXISTS ("tuple concurrently updated"): that one is retried.
        for attempt in range(6):
            try:
                return _EventStoreApp(env=env)
            except PersistenceError as exc:
                if "concurrently" not in str(exc) or attempt == 5:
                    raise StoreError(f"cannot open {self.url}: {redact(str(exc))}") from None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close database connections."""
        self._app.close()

    def __enter__(self) -> IncidentLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"IncidentLog({self.url!r})"

    @property
    def mapper(self) -> IncidentMapper:
        """The mapper that encodes and decodes stored rows."""
        mapper = self._app.mapper
        assert isinstance(mapper, IncidentMapper)
        return mapper

    @property
    def recorder(self) -> Any:
        """eventsourcing's application recorder (the events table)."""
        return self._app.recorder

    # ------------------------------------------------------------------ writing

    def declare(self, event: ev.IncidentDeclared) -> Incident:
        """Declare a new incident. Raises IncidentExistsError if the id is taken."""
        return self.append(event.incident_id, event)

    def record(self, data: object, *, actor: str) -> Incident:
        """Declare an incident from untrusted data (a dict, or JSON text or bytes).

        Every problem in the data is reported at once with its path
        (:class:`~incidentlog.errors.InputError`); the events are checked by the rules like
        any command; nothing is stored unless all of it is.
        """
        spec = structure_incident(data)
        return self.append(spec.id, *events_for(spec, actor=actor))

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
            self._remember(Loaded(prepared.state, prepared.chain) if prepared.rows else loaded)
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

    def _prepare(self, incident_id: str, loaded: Loaded | None, events: Iterable[ev.Event],
                 *, validate: bool) -> _Prepared:
        before = loaded.state if loaded else None
        chain = loaded.chain if loaded else GENESIS
        now = self._clock()
        # Canonical types and the recording time, so the chain hashes exactly what decoding
        # will give back.
        if validate:  # checked as one command
            state, stamped = decide_all(before, events, incident_id=incident_id,
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
            folded = fold(stamped, before)
            if folded is None:
                raise IncidentNotFoundError(incident_id)
            state = folded
        rows = []
        first = version = before.version if before else 0
        stored = self.mapper.stored
        for e in stamped:
            version += 1
            raw = encode_event(e)
            chain = link(chain, incident_id, version, raw)
            rows.append(stored(incident_id, version, e, raw, chain))
        return _Prepared(state, rows, chain, first + 1)

    def _put(self, label: str, rows: list[StoredEvent], first_version: int | None) -> None:
        if not rows:
            return
        try:
            self._app.recorder.insert_events(rows)
        except IntegrityError:
            if first_version == 1:
                raise IncidentExistsError(f"incident {label} was declared already") from None
            raise ConflictError(
                f"{label}: another writer appended first; nothing of this append was stored. "
                "Read it again and retry (IncidentLog.update retries for you)"
            ) from None
        except OperationalError as exc:
            raise StoreError(f"{self.url}: {redact(str(exc))}") from None

    def _snapshot_if_due(self, prepared: _Prepared) -> None:
        if self._snapshot_interval <= 0 or not prepared.rows or self._app.snapshots is None:
            return
        first, last = prepared.first_version, prepared.state.version
        if last // self._snapshot_interval > (first - 1) // self._snapshot_interval:
            self._app.snapshots.put([Snapshot(prepared.state, prepared.chain)])

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
        ``occurred_by`` as we know it now (see :mod:`incidentlog.audit`)."""
        if sum(x is not None for x in (version, as_of, occurred_by)) > 1:
            raise ValueError("give at most one of version, as_of and occurred_by")
        if as_of is not None or occurred_by is not None:
            from incidentlog import audit

            if as_of is not None:
                return audit.as_of(self, incident_id, _aware(as_of, "as_of"))
            assert occurred_by is not None
            return audit.occurred_by(self, incident_id, _aware(occurred_by, "occurred_by"))
        loaded = self._load(incident_id, version=version, missing_ok=False)
        assert loaded is not None
        return loaded.state

    def copy_from(self, source: IncidentLog) -> int:
        """Copy every incident of ``source`` into this (empty) log, event for event: times,
        actors and hash-chain links kept, so ``verify`` holds on the copy. Returns the number
        of events copied. Use it to move from SQLite to PostgreSQL."""
        copied = 0
        for incident_id in list(source.ids()):
            records = source.records(incident_id)
            try:
                self._app.recorder.insert_events(
                    [self.mapper.to_stored_event(r) for r in records])
            except IntegrityError:
                raise IncidentExistsError(f"incident {incident_id} is in the target already"
                                          ) from None
            copied += len(records)
        return copied

    def find(self, **filters: Any) -> list[Any]:
        """Incidents from the index (:class:`incidentlog.readmodel.IncidentIndex`), brought
        up to date first: ``severity=``, ``status=``, ``service=``, ``since=``, ``until=``,
        ``limit=``."""
        from incidentlog.readmodel import IncidentIndex

        if self._index is None:
            self._index = IncidentIndex(self)
        self._index.catch_up()
        found: list[Any] = self._index.find(**filters)
        return found

    def history(self, incident_id: str) -> list[Any]:
        """Every event of an incident with a one-line summary (:func:`audit.history`)."""
        from incidentlog import audit

        return audit.history(self, incident_id)

    def feed(self, *, after: int = 0) -> Iterator[Any]:
        """Every event of every incident in the order recorded, after a position."""
        from incidentlog import audit

        return audit.feed(self, after=after)

    def verify(self, incident_id: str | None = None) -> Any:
        """Recompute the hash chains (:func:`audit.verify`)."""
        from incidentlog import audit

        return audit.verify(self, incident_id)

    def exists(self, incident_id: str) -> bool:
        """True when an incident with that id is stored."""
        return bool(list(self._app.recorder.select_events(incident_id, limit=1)))

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
            current = Loaded(state, newer[-1][1])
            self._remember(current)
            return current
        found = self._load_from_store(incident_id, version=version)
        if found is None:
            if missing_ok:
                return None
            raise IncidentNotFoundError(incident_id)
        if version is None:
            self._remember(found)
        return found

    def _load_from_store(self, incident_id: str, *, version: int | None) -> Loaded | None:
        interval = self._snapshot_interval
        if interval > 0 and (version is None or version <= interval):
            # Most incidents are shorter than one snapshot interval: one round trip reads
            # them whole, and only a longer one goes on to its latest snapshot.
            rows = self._app.recorder.select_events(incident_id, lte=version,
                                                    limit=interval + 1)
            if len(rows) <= interval or version is not None:
                if not rows:
                    return None
                replay = self.mapper.replay
                head = [replay(row) for row in rows]
                whole = fold(e for e, _ in head)
                assert whole is not None
                return Loaded(whole, head[-1][1])
        state: Incident | None = None
        chain = GENESIS
        gt = None
        if self._app.snapshots is not None:
            for snap in self._app.snapshots.get(incident_id, desc=True, limit=1, lte=version):
                if isinstance(snap, Snapshot):  # else stale: another shape, fold the events
                    state, chain, gt = snap.state, snap.chain, snap.originator_version
        after = self._replay(incident_id, gt=gt, lte=version)
        if after:
            state = fold((e for e, _ in after), state)
            chain = after[-1][1]
        if state is None:
            return None
        return Loaded(state, chain)

    def _replay(self, incident_id: str, *, gt: int | None = None, lte: int | None = None
                ) -> list[tuple[ev.Event, str]]:
        """Events and chain links of one incident, decoded for folding."""
        replay = self.mapper.replay
        return [replay(row) for row in self._app.recorder.select_events(incident_id, gt=gt,
                                                                       lte=lte)]

    def records(self, incident_id: str, *, gt: int | None = None, lte: int | None = None
                ) -> list[Recorded]:
        """The stored records of one incident (event, version, chain link), oldest first."""
        out = []
        for rec in self._app.events.get(incident_id, gt=gt, lte=lte):
            assert isinstance(rec, Recorded)
            out.append(rec)
        if not out and gt is None and not self.exists(incident_id):
            raise IncidentNotFoundError(incident_id)
        return out

    def events(self, incident_id: str) -> list[ev.Event]:
        """The full history of one incident, oldest first."""
        return [r.event for r in self.records(incident_id)]

    def ids(self) -> Iterator[str]:
        """Every incident id, in the order they were declared."""
        for row in self._notification_rows(after=0, topics=(ev.tag_of(ev.IncidentDeclared),),
                                           page=1000):
            yield str(row.originator_id)  # no need to decode the declaration itself

    def list(self) -> list[Incident]:
        """The current state of every incident, in the order they were declared.

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
        replay = self.mapper.replay
        for row in self._notification_rows(after=after, topics=(), page=page):
            yield row.id, str(row.originator_id), row.originator_version, replay(row)[0]

    def notifications(self, *, after: int = 0, topics: Sequence[str] = (),
                      page: int = 500) -> Iterator[Recorded]:
        """Every stored event of every incident, in the order recorded, from ``after``."""
        for row in self._notification_rows(after=after, topics=topics, page=page):
            rec = self.mapper.decode(row.originator_id, row.originator_version, row.topic,
                                     row.state)
            assert isinstance(rec, Recorded)
            rec.position = row.id
            yield rec

    def _notification_rows(self, *, after: int, topics: Sequence[str], page: int
                           ) -> Iterator[Any]:
        recorder = self._app.recorder
        start = after
        while True:
            rows = recorder.select_notifications(start, page, topics=topics,
                                                 inclusive_of_start=False)
            yield from rows
            if len(rows) < page:
                return
            start = rows[-1].id
