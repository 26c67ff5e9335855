"""Properties of the event stream, on generated histories."""

from __future__ import annotations

import tempfile
from pathlib import Path
from random import Random

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.errors import IncidentLogError
from incidentlog.incident import decide, fold

from strategies import any_event, every_event, histories

ID = "INC-20251023-0001"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@SETTINGS
@given(history=histories(events=every_event))
def test_replay_from_the_store_equals_the_aggregate_in_memory(backend: str,
                                                              history: list[ev.Event]) -> None:
    in_memory = None
    for event in history:
        in_memory = decide(in_memory, event, incident_id=ID)
    with tempfile.TemporaryDirectory() as tmp:
        url = None if backend == "memory" else f"sqlite:///{Path(tmp) / 'p.db'}"
        with IncidentLog(url, snapshot_interval=7) as log:
            # Append in chunks of varying size, as real writers would.
            log.declare(history[0])
            rest = history[1:]
            while rest:
                log.append(ID, *rest[:3])
                rest = rest[3:]
            stored = log.get(ID)
            assert in_memory is not None
            assert stored.version == in_memory.version == len(history)
            # recorded_at (stamped by the store) is not part of the state: they are equal.
            assert stored == in_memory == fold(log.events(ID))
        if url:
            with IncidentLog(url) as reopened:
                assert reopened.get(ID) == stored


@SETTINGS
@given(history=histories(max_size=12), candidate=any_event, data=st.data())
def test_an_invalid_command_is_refused_and_the_history_is_unchanged(
        history: list[ev.Event], candidate: ev.Event, data: st.DataObject) -> None:
    state = fold(history)
    try:
        decide(state, candidate, incident_id=ID)
    except IncidentLogError:
        pass
    else:
        assume(False)  # only invalid candidates are of interest here
    with IncidentLog() as log:
        log.append(ID, *history)
        before = log.events(ID)
        with pytest.raises(IncidentLogError):
            log.append(ID, candidate)
        assert log.events(ID) == before
        assert log.get(ID) == fold(before)


@given(st.lists(histories(max_size=12), min_size=1, max_size=4), st.randoms())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_reading_every_incident_in_one_pass_equals_reading_each(
        streams: list[list[ev.Event]], rnd: Random) -> None:
    """list() folds the whole log as it comes, interleaved; get() reads one incident from
    its snapshot. They agree, whatever the interleaving and the snapshot interval."""
    log = IncidentLog(snapshot_interval=3)
    ids = [f"INC-{n}" for n in range(len(streams))]
    queues = [[msgspec.structs.replace(e, incident_id=ident) if isinstance(
        e, ev.IncidentDeclared) else e for e in events]
        for ident, events in zip(ids, streams, strict=True)]
    declared = []
    while any(queues):
        n = rnd.choice([k for k, q in enumerate(queues) if q])
        take = rnd.randint(1, 3)
        log.append(ids[n], *queues[n][:take], validate=False)
        if ids[n] not in declared:
            declared.append(ids[n])
        del queues[n][:take]
    fresh = IncidentLog(cache_size=0, snapshot_interval=3, shared_store=log.store)
    assert fresh.list() == [fresh.get(ident) for ident in declared]
    positions = [position for position, *_ in fresh.changes(page=2)]
    assert positions == sorted(positions) and len(positions) == sum(map(len, streams))


@SETTINGS
@given(history=histories())
def test_blame_names_the_last_event_that_changed_each_field(history: list[ev.Event]) -> None:
    """Blame in one pass agrees with folding every prefix and comparing (the slow way)."""
    from incidentlog.blame import ITEM_KEYS, SCALARS, blame, parts

    log = IncidentLog()
    log.declare(history[0])
    if history[1:]:
        log.append(ID, *history[1:])
    states = [fold(history[:n]) for n in range(1, len(history) + 1)]

    def at_path(state: object, name: str, suffix: str) -> object:
        return dict(parts(getattr(state, name))).get(suffix, "<absent>")

    rows = {b.field: b.version for b in blame(log, ID)}
    final = states[-1]
    for name in SCALARS:
        for suffix, _value in parts(getattr(final, name)):
            versions = [n for n in range(1, len(states) + 1)
                        if n == 1 or at_path(states[n - 2], name, suffix) != at_path(
                            states[n - 1], name, suffix)]
            assert rows[f"$.{name}{suffix}"] == versions[-1], (name, suffix)
    for name, key in ITEM_KEYS.items():
        for item in getattr(final, name):
            path = f"$.{name}[{key(item)}]"
            assert path in rows
            added = min(n for n in range(1, len(states) + 1)
                        if any(key(i) == key(item) for i in getattr(states[n - 1], name)))
            assert added <= rows[path] <= len(states)
