"""Verifying a whole log: every event row, snapshot and index row, every problem listed.

:func:`scan` reads every stored row once, in log order, and checks each incident's hash
chain, every snapshot against the events it summarises, and every row of the incident
index against the events. Nothing here raises on what it finds in the database: each row
that cannot be read or does not hold becomes a :class:`Problem`, and the other rows are
still checked. :mod:`incidentlog.checkpoint` adds what only an earlier checkpoint can show
(truncation, deletion, rewrites, reordering).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog import merkle
from incidentlog.codec import GENESIS, SNAPSHOT_TOPIC, Recorded, Snapshot, StaleSnapshot, link
from incidentlog.errors import IncidentNotFoundError
from incidentlog.incident import Incident, fold
from incidentlog.store import IncidentLog

Kind = Literal["altered", "deleted", "truncated", "reordered", "rewritten", "forged",
               "unreadable", "snapshot", "index", "checkpoint"]


@attrs.frozen
class Problem:
    """Where the store stops being what was written: an incident (``None``: the log as a
    whole), a version (``None``: no one event), what is wrong, and what kind of tamper."""

    incident_id: str | None
    version: int | None
    message: str
    kind: Kind = "altered"


@attrs.frozen
class Verification:
    """The result of checking a log: problems, each incident's head link, and counts."""

    problems: list[Problem]
    heads: dict[str, str]
    checked_events: int
    checked_snapshots: int = 0
    checked_index_rows: int = 0
    notes: list[str] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found altered, deleted, reordered or forged."""
        return not self.problems


@attrs.define
class Stream:
    """One incident's stored rows as a scan found them."""

    versions: list[int] = attrs.field(factory=list)
    chains: dict[int, str] = attrs.field(factory=dict)
    leaves: dict[int, bytes] = attrs.field(factory=dict)
    positions: dict[int, int] = attrs.field(factory=dict)
    broken: bool = False
    """True when a problem was found in the stream itself: what summarises it (snapshots,
    index rows) is then not compared with it, as the stream's problem is named already."""

    @property
    def length(self) -> int:
        """The highest stored version."""
        return max(self.versions, default=0)

    def leaf_digest(self, upto: int) -> str:
        """SHA-256 of the leaf hashes of versions 1 to ``upto`` (a missing one as zeros)."""
        h = hashlib.sha256()
        for v in range(1, upto + 1):
            h.update(self.leaves.get(v, b"\x00" * 32))
        return h.hexdigest()


@attrs.define
class Scan:
    """Everything one pass over a log found: leaves in log order, streams, problems."""

    leaves: list[bytes] = attrs.field(factory=list)
    rows: list[tuple[str, int]] = attrs.field(factory=list)
    """Incident and version of each leaf, in log order."""
    last_position: int = 0
    streams: dict[str, Stream] = attrs.field(factory=dict)
    names: dict[str, str] = attrs.field(factory=dict)
    """The incident id of each stored stream id (they differ in an encrypted store)."""
    problems: list[Problem] = attrs.field(factory=list)
    snapshots: int = 0
    index_rows: int = 0

    @property
    def root(self) -> bytes:
        """The Merkle tree hash of every row in log order."""
        return merkle.root(self.leaves)

    def verification(self, notes: list[str] | None = None) -> Verification:
        """The result as callers see it."""
        heads = {i: s.chains.get(s.length, GENESIS) for i, s in sorted(self.streams.items())}
        count = sum(len(s.versions) for s in self.streams.values())
        return Verification(list(self.problems), heads, count, self.snapshots,
                            self.index_rows, notes or [])


_leaf_header = msgspec.json.Encoder()


def leaf_data(incident_id: str, version: int, topic: str, envelope: bytes) -> bytes:
    """What one stored row contributes to the Merkle tree: its incident, version and type,
    then its envelope as stored (event bytes, chain link, format and schema version)."""
    return _leaf_header.encode([incident_id, version, topic]) + b"\n" + envelope


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def scan(log: IncidentLog, incident_id: str | None = None) -> Scan:
    """Read and check every stored row of ``log`` (or of one incident)."""
    found = Scan()
    snapshot_rows = _read(found, "snapshots", log.snapshot_rows)
    index = None
    if incident_id is None:
        from incidentlog.readmodel import IncidentIndex

        index = _read(found, "the incident index",
                      lambda: IncidentIndex(log, create=False).stored())
    wanted: dict[str, set[int]] = defaultdict(set)
    for snap in snapshot_rows or []:
        with contextlib.suppress(TypeError, ValueError):
            wanted[str(snap.originator_id)].add(int(snap.originator_version))
    for raw in (index[1] if index else []):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            wanted[str(raw["id"])].add(int(raw["version"]))
    states: dict[tuple[str, int], Incident | None] = {}
    if incident_id is not None:
        stored = log.store.stream_id(incident_id)
        rows = _read(found, "the events table", lambda: list(log.store.stream(stored)))
        if rows == []:
            raise IncidentNotFoundError(incident_id, log.url)
        snapshot_rows = [s for s in snapshot_rows or [] if s.originator_id == stored]
        _check_rows(log, found, [(n, r) for n, r in enumerate(rows or [], 1)], wanted, states)
    else:
        rows = _read(found, "the events table", lambda: list(log.stored_rows()))
        _check_rows(log, found, [(r.id, r) for r in rows or []], wanted, states)
    for snap in snapshot_rows or []:
        found.problems += _check_snapshot(log, found, snap, states)
    if index is not None:
        found.problems += _check_index(found, index, states)
    return found


def _read(found: Scan, what: str, read: Any) -> Any:
    try:
        return read()
    except IncidentNotFoundError:
        raise
    except Exception as exc:
        found.problems.append(Problem(None, None, f"cannot read {what}: {_short(exc)}",
                                      "unreadable"))
        return None


def _incident_of(log: IncidentLog, row: Any, envelope: bytes) -> str:
    """The incident a row says it belongs to: in an encrypted store, the id in its envelope
    (its stored id is a pseudonym), else its stored id."""
    if log.encrypted:
        try:
            found = _id_decoder.decode(envelope).i
        except (msgspec.ValidationError, msgspec.DecodeError):
            found = None
        if found:
            return found
    return str(row.originator_id)


class _IdOnly(msgspec.Struct):
    i: str | None = None


_id_decoder = msgspec.json.Decoder(_IdOnly)


def _check_rows(log: IncidentLog, found: Scan, rows: list[tuple[int, Any]],
                wanted: dict[str, set[int]], states: dict[tuple[str, int], Incident | None]
                ) -> None:
    by_stream: dict[str, list[Any]] = defaultdict(list)
    store = log.store
    read: list[tuple[int, Any, str, bytes]] = []
    for position, row in rows:
        found.last_position = max(found.last_position, position)
        try:
            envelope = store.unprotect(row.state, f"incident {row.originator_id} version "
                                        f"{row.originator_version}")
        except Exception:
            envelope = row.state if isinstance(row.state, bytes) else repr(row.state).encode()
        version = _int(row.originator_version)
        if version is None or row.originator_id is None or row.topic is None:
            # Still a leaf (the checkpoint's comparison names what changed), not an event.
            found.leaves.append(merkle.leaf_hash(leaf_data(
                str(row.originator_id), -1, str(row.topic), envelope)))
            found.rows.append((str(row.originator_id), -1))
            found.problems.append(Problem(
                None if row.originator_id is None else str(row.originator_id), None,
                f"row {position} of the log has no usable incident, version or type "
                f"({row.originator_id!r}, {row.originator_version!r}, {row.topic!r})",
                "unreadable"))
            continue
        incident = _incident_of(log, row, envelope)
        leaf = merkle.leaf_hash(leaf_data(incident, version, str(row.topic), envelope))
        found.leaves.append(leaf)
        found.rows.append((incident, version))
        by_stream[str(row.originator_id)].append(row)
        read.append((position, row, incident, leaf))
    # A stream is named by the incident its declaration (else any row) says it is.
    for _, row, incident, _ in read:
        stored = str(row.originator_id)
        if stored not in found.names or int(row.originator_version) == 1:
            found.names[stored] = incident
    for position, row, _, leaf in read:
        stream = found.streams.setdefault(found.names[str(row.originator_id)], Stream())
        version = int(row.originator_version)
        stream.leaves[version] = leaf
        stream.positions[version] = position
    for stored, stream_rows in by_stream.items():
        ident = found.names[stored]
        problems = _check_stream(log, ident, stream_rows, found.streams[ident],
                                 wanted.get(ident, set()) | wanted.get(stored, set()),
                                 states)
        found.streams[ident].broken = bool(problems)
        found.problems += problems


def _check_stream(log: IncidentLog, ident: str, rows: list[Any], stream: Stream,
                  wanted: set[int], states: dict[tuple[str, int], Incident | None]
                  ) -> list[Problem]:
    problems: list[Problem] = []
    in_log_order = [int(r.originator_version) for r in rows]
    for before, after in itertools.pairwise(in_log_order):
        if after < before:
            problems.append(Problem(ident, after, f"event {after} comes after event {before} "
                                    "in the log: rows were reordered", "reordered"))
    rows = sorted(rows, key=lambda r: int(r.originator_version))
    previous: str | None = GENESIS
    expected = 1
    state: Incident | None = None
    last_recorded: datetime | None = None
    for row in rows:
        version = int(row.originator_version)
        stream.versions.append(version)
        if version < 1:
            problems.append(Problem(ident, version, f"a row at version {version}, which no "
                                    "event can have", "forged"))
            continue
        if version > expected:
            gap = str(expected) if version == expected + 1 else f"{expected} to {version - 1}"
            problems.append(Problem(ident, expected, f"event(s) {gap} missing (deleted)",
                                    "deleted"))
            previous = None
            state = None
        expected = version + 1
        if row.topic == SNAPSHOT_TOPIC:
            problems.append(Problem(ident, version, f"event row {version} is typed as a "
                                    "snapshot", "altered"))
            previous, state = None, None
            continue
        try:
            rec = log.store.decode_at(row, version)
        except Exception as exc:
            problems.append(Problem(ident, version, f"event {version} cannot be read: "
                                    f"{_short(exc)}", "unreadable"))
            previous = None
            state = None
            continue
        assert isinstance(rec, Recorded)  # only the snapshot topic decodes to a Snapshot
        stream.chains[version] = rec.chain
        found = _check_event(ident, version, row.topic, rec, previous)
        when = rec.event.recorded_at
        if not found and rec.schema is not None and when is not None and \
                last_recorded is not None and when < last_recorded:
            # Format 2 is written by a version that never stamps an event earlier than
            # the one before it in its incident.
            found = [Problem(ident, version, f"event {version} ({row.topic}) is recorded at "
                             f"{when.isoformat()}, before the event before it: not written "
                             "by incidentlog (forged, or its time edited)", "forged")]
        problems += found
        if when is not None:
            last_recorded = when if last_recorded is None else max(last_recorded, when)
        previous = rec.chain
        if state is not None or version == 1:
            try:
                state = fold([rec.event], state) if state else fold([rec.event])
            except Exception:
                state = None
        if version in wanted:
            states[(ident, version)] = state
    return problems


def _check_event(ident: str, version: int, topic: str, rec: Recorded, previous: str | None
                 ) -> list[Problem]:
    e = rec.event
    if ev.tag_of(e) != topic:
        return [Problem(ident, version, f"event {version}: stored type {topic!r} does not "
                        "match its payload", "altered")]
    if rec.originator_id != ident:
        return [Problem(ident, version, f"event {version} ({topic}) belongs to incident "
                        f"{rec.originator_id}: moved between incidents", "altered")]
    declared = isinstance(e, ev.IncidentDeclared)
    if (version == 1) != declared or (isinstance(e, ev.IncidentDeclared)
                                      and e.incident_id != ident):
        return [Problem(ident, version, f"event {version} ({topic}) cannot be at this place: "
                        "only event 1 declares the incident, with its own id", "forged")]
    if previous is not None and link(previous, ident, version, rec.raw, rec.schema) != rec.chain:
        return [Problem(ident, version, f"event {version} ({topic}) was altered: its hash "
                        "does not follow from the event before it", "altered")]
    return []


def _int(value: Any) -> int | None:
    """A stored integer, or ``None`` when the column holds something else."""
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _check_snapshot(log: IncidentLog, found: Scan, row: Any,
                    states: dict[tuple[str, int], Incident | None]) -> list[Problem]:
    found.snapshots += 1
    ident, version = str(row.originator_id), _int(row.originator_version)
    ident = found.names.get(ident, ident)
    if version is None:
        return [Problem(ident, None, f"snapshot row with no usable version "
                        f"({row.originator_version!r})", "snapshot")]
    where = f"snapshot at version {version}"
    try:
        snap = log.store.decode_at(row, version)
    except Exception as exc:
        return [Problem(ident, version, f"{where} cannot be read: {_short(exc)}", "snapshot")]
    if isinstance(snap, StaleSnapshot):
        return []  # stored for another shape of the state: never used, nothing to check
    if not isinstance(snap, Snapshot):  # pragma: no cover - the snapshot topic decodes so
        return [Problem(ident, version, f"{where} holds an event, not a snapshot", "snapshot")]
    stream = found.streams.get(ident)
    if stream is None:
        return [Problem(ident, version, f"{where} of an incident with no events (its events "
                        "were deleted, or the snapshot forged)", "deleted")]
    if version > stream.length:
        return [Problem(ident, version, f"{where}, but the store holds {stream.length} "
                        "event(s): events were deleted after it", "truncated")]
    if snap.sound is False:
        return [Problem(ident, version, f"{where} was edited: its digest does not match",
                        "snapshot")]
    if stream.broken:
        return []
    if stream.chains.get(version) != snap.chain or (ident, version) not in states \
            or states[(ident, version)] != snap.state:
        return [Problem(ident, version, f"{where} does not match the events", "snapshot")]
    return []


def _check_index(found: Scan, index: tuple[int, list[Any]],
                 states: dict[tuple[str, int], Incident | None]) -> list[Problem]:
    from incidentlog.index_rows import parse_row, row_of

    position, raw_rows = index
    problems: list[Problem] = []
    if position > found.last_position:
        problems.append(Problem(None, None, f"the incident index has read the log up to "
                                f"position {position}, but the log ends at "
                                f"{found.last_position}: rows at its end were deleted",
                                "truncated"))
    listed: set[str] = set()
    for raw in raw_rows:
        found.index_rows += 1
        try:
            row = parse_row(raw)
        except Exception as exc:
            problems.append(Problem(str(raw.get("id")), None, "index row cannot be read: "
                                    f"{_short(exc)}", "index"))
            continue
        listed.add(row.id)
        stream = found.streams.get(row.id)
        if stream is None:
            problems.append(Problem(row.id, None, "the index lists an incident with no events "
                                    "(its events were deleted, or the row forged)", "deleted"))
            continue
        if row.version > stream.length:
            problems.append(Problem(row.id, row.version, f"the index has version {row.version}, "
                                    f"the store holds {stream.length} event(s): events were "
                                    "deleted", "truncated"))
            continue
        state = states.get((row.id, row.version))
        if stream.broken:
            continue
        if state is None or row_of(state) != row:
            fields = [f for f in attrs.fields_dict(type(row))
                      if state is None or getattr(row, f) != getattr(row_of(state), f)]
            problems.append(Problem(row.id, row.version, "index row differs from the events ("
                                    f"{', '.join(fields)}): edited, or the events were",
                                    "index"))
    for ident, stream in sorted(found.streams.items()):
        first = stream.positions.get(1)
        if first is not None and first <= position and ident not in listed:
            problems.append(Problem(ident, None, "missing from the incident index, which has "
                                    "read past its declaration: the index row was deleted",
                                    "index"))
    return problems


def verify(log: IncidentLog, incident_id: str | None = None) -> Verification:
    """Check every stored row of ``log`` (or of one incident) and list every problem."""
    return scan(log, incident_id).verification()
