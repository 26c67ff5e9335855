"""The store contract, run on memory, an SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from incidentlog import (
    ConflictError,
    IncidentExistsError,
    IncidentLog,
    IncidentNotFoundError,
    StoreError,
    integrity,
)
from incidentlog import events as ev
from incidentlog.incident import Incident, fold

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def declared(incident_id: str = "INC-20251023-0001", **kw: object) -> ev.IncidentDeclared:
    fields: dict[str, object] = dict(incident_id=incident_id, title="Checkout errors",
                                     severity="P1", occurred_at=at(5), actor="@oncall")
    fields.update(kw)
    return ev.IncidentDeclared(**fields)  # type: ignore[arg-type]


def entry(minutes: int, text: str = "something") -> ev.TimelineEntryAdded:
    return ev.TimelineEntryAdded(occurred_at=at(minutes), actor="@oncall", text=text)


def test_append_and_read_back(log: IncidentLog) -> None:
    state = log.declare(declared())
    assert (state.id, state.version, state.status) == ("INC-20251023-0001", 1, "investigating")
    state = log.append(state.id, entry(6, "a"), entry(7, "b"))
    assert state.version == 3
    again = log.get(state.id)
    assert again == state
    assert [type(e).__name__ for e in log.events(state.id)] == [
        "IncidentDeclared", "TimelineEntryAdded", "TimelineEntryAdded"]
    assert log.get(state.id, version=2).version == 2


def test_recorded_at_and_actor_are_kept(log: IncidentLog) -> None:
    log.declare(declared())
    first, = log.events("INC-20251023-0001")
    assert first.actor == "@oncall"
    assert first.recorded_at is not None and first.recorded_at.tzinfo is not None
    assert first.occurred_at == at(5)


def test_state_is_immutable(log: IncidentLog) -> None:
    state = log.declare(declared())
    with pytest.raises(AttributeError):
        state.title = "changed"  # type: ignore[misc]


def test_declaring_the_same_id_twice_is_refused_by_the_store(log: IncidentLog) -> None:
    # Two writers both saw no incident and both declare it: the store refuses the second.
    racing = log._prepare("INC-20251023-0001", None, [declared(title="second")], validate=True)
    log.declare(declared())
    with pytest.raises(IncidentExistsError):
        log._put("INC-20251023-0001", racing.rows, first_version=1)
    with pytest.raises(IncidentExistsError):
        log.append("INC-20251023-0001", declared(), validate=False)
    assert [e.title for e in log.events("INC-20251023-0001")] == ["Checkout errors"]  # type: ignore[attr-defined]


def test_missing_incident(log: IncidentLog) -> None:
    with pytest.raises(IncidentNotFoundError, match="NOPE-1"):
        log.get("NOPE-1")
    with pytest.raises(IncidentNotFoundError):
        log.events("NOPE-1")
    assert not log.exists("NOPE-1")


def test_second_writer_at_the_same_version_gets_a_conflict(log: IncidentLog) -> None:
    state = log.declare(declared())
    log.append(state.id, entry(6, "first"), expected_version=1)
    with pytest.raises(ConflictError, match="expected version 1"):
        log.append(state.id, entry(7, "second"), expected_version=1)
    assert [e.text for e in log.events(state.id)[1:]] == ["first"]  # type: ignore[attr-defined]


def test_two_stores_on_one_database_conflict_on_the_row(log: IncidentLog, store_url: str | None
                                                        ) -> None:
    if store_url is None:
        pytest.skip("two in-memory logs share nothing")
    other = IncidentLog(store_url)
    state = log.declare(declared())
    # Both read version 1; the other writer lands first at version 2.
    other.append(state.id, entry(6, "other"))
    records = log._prepare(state.id, log._load(state.id, version=1, missing_ok=False),
                           [entry(7, "mine")], validate=True).rows
    with pytest.raises(ConflictError, match="another writer appended first"):
        log._put(state.id, records, first_version=2)
    assert [e.text for e in log.events(state.id)[1:]] == ["other"]  # type: ignore[attr-defined]
    other.close()


def test_update_retries_on_conflict(log: IncidentLog) -> None:
    state = log.declare(declared())
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                log.update(state.id, lambda s, i=i: [entry(10 + i, f"w{n}-{i}")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    texts = [e.text for e in log.events(state.id)[1:]]  # type: ignore[attr-defined]
    assert sorted(texts) == sorted(f"w{n}-{i}" for n in range(4) for i in range(5))
    assert log.get(state.id) == fold(log.events(state.id))


def test_list_and_ids(log: IncidentLog) -> None:
    log.declare(declared("A-1"))
    log.declare(declared("B-2", severity="P0"))
    log.append("A-1", entry(6))
    assert list(log.ids()) == ["A-1", "B-2"]
    listed = log.list()
    assert [(i.id, i.severity, i.version) for i in listed] == [("A-1", "P1", 2), ("B-2", "P0", 1)]


def test_append_many_is_one_transaction(log: IncidentLog) -> None:
    log.declare(declared("A-1"))
    batch = [("B-2", [declared("B-2"), entry(6)]), ("A-1", [declared("A-1")])]
    with pytest.raises(IncidentExistsError):
        log.append_many(batch, validate=False)
    assert not log.exists("B-2"), "a failed batch must store nothing"
    states = log.append_many([("B-2", [declared("B-2"), entry(6)]), ("A-1", [entry(7)])])
    assert [s.version for s in states] == [2, 2]


def test_snapshots_give_the_same_state_as_a_full_replay(store_url: str | None) -> None:
    with IncidentLog(store_url, snapshot_interval=5) as log:
        log.declare(declared())
        for i in range(23):
            log.append("INC-20251023-0001", entry(6 + i, f"e{i}"))
        events = log.events("INC-20251023-0001")
        assert log.get("INC-20251023-0001") == fold(events)
        for version in (3, 5, 6, 10, 24):
            assert log.get("INC-20251023-0001", version=version) == fold(events[:version])
    with IncidentLog(store_url, snapshot_interval=0) as plain:
        if store_url is not None:
            assert plain.get("INC-20251023-0001") == fold(events)


def test_feed_of_notifications_in_recorded_order(log: IncidentLog) -> None:
    log.declare(declared("A-1"))
    log.declare(declared("B-2"))
    log.append("A-1", entry(6))
    seen = [(r.originator_id, r.originator_version) for r in log.notifications()]
    assert seen == [("A-1", 1), ("B-2", 1), ("A-1", 2)]
    positions = [r.position for r in log.notifications()]
    assert positions == sorted(positions)
    after = positions[0]
    assert [(r.originator_id, r.originator_version)
            for r in log.notifications(after=after)] == [("B-2", 1), ("A-1", 2)]


def test_sqlite_file_survives_a_new_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'incidents.db'}"
    with IncidentLog(url) as log:
        log.declare(declared())
        state = log.append("INC-20251023-0001", entry(6, "persisted"))
    script = (
        "import sys; from incidentlog import IncidentLog; "
        "log = IncidentLog(sys.argv[1]); s = log.get('INC-20251023-0001'); "
        "print(s.version, s.title, [t.text for t in s.timeline], len(log.events(s.id)))"
    )
    out = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == f"{state.version} Checkout errors ['Incident declared', 'persisted'] 2"


def test_a_bare_path_is_an_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = IncidentLog("plain.db")
    state = log.declare(declared())
    log.close()
    assert (tmp_path / "plain.db").is_file()
    again = IncidentLog(f"sqlite:///{tmp_path}/plain.db")
    assert again.get(state.id).title == state.title
    again.close()
    with pytest.raises(StoreError, match="does not exist"):
        IncidentLog("no/such/dir/x.db")


def test_bad_urls_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown database URL"):
        IncidentLog("mysql://x")
    with pytest.raises(StoreError, match="does not exist"):
        IncidentLog(f"sqlite:///{tmp_path}/no/such/dir/x.db")


def test_passwords_never_appear_in_errors() -> None:
    with pytest.raises(StoreError) as info:
        IncidentLog("postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=1").get("X")
    assert "hunter2" not in str(info.value) and "***" in str(info.value)
    assert "hunter2" not in repr(IncidentLog("sqlite:///:memory:"))


def test_encryption_at_rest(tmp_path: Path) -> None:
    pytest.importorskip("Crypto", reason="pip install 'incidentlog[crypto]' for the cipher")
    from eventsourcing.cipher import AESCipher

    key = AESCipher.create_key(num_bytes=32)
    path = tmp_path / "secret.db"
    with IncidentLog(f"sqlite:///{path}", cipher_key=key) as log:
        log.declare(declared(title="Top secret outage"))
        assert log.get("INC-20251023-0001").title == "Top secret outage"
    assert b"Top secret" not in path.read_bytes()
    wrong = AESCipher.create_key(num_bytes=32)
    with pytest.raises(StoreError, match="does not decrypt"):
        IncidentLog(f"sqlite:///{path}", cipher_key=wrong)


def test_get_returns_incident_type(log: IncidentLog) -> None:
    assert isinstance(log.declare(declared()), Incident)


def test_copy_to_another_database_keeps_everything(tmp_path: Path, store_url: str | None
                                                   ) -> None:
    if store_url is None:
        pytest.skip("the target must be a database")
    with IncidentLog(f"sqlite:///{tmp_path / 'from.db'}") as source:
        source.declare(declared())
        source.append("INC-20251023-0001", entry(6, "copied"))
        with IncidentLog(store_url) as target:
            assert target.copy_from(source) == 2
            assert integrity.verify(target).ok
            assert target.events("INC-20251023-0001") == source.events("INC-20251023-0001")
            assert target.copy_from(source) == 0, "a second copy finds it all there"
            source.append("INC-20251023-0001", entry(7, "later"))
            assert target.copy_from(source) == 1, "and copies only what is new"
        with IncidentLog(f"sqlite:///{tmp_path / 'other.db'}") as other:
            other.declare(declared())
            with pytest.raises(StoreError, match="neither empty nor a partial copy"):
                other.copy_from(source)


def test_a_clock_that_gives_naive_times_and_values_that_are_no_json_are_refused() -> None:
    from incidentlog.errors import InvalidEventError

    naive = IncidentLog(clock=lambda: datetime(2025, 1, 1, 12, 0))
    with pytest.raises(InvalidEventError, match=r"recorded_at.*timezone-aware"):
        naive.declare(ev.IncidentDeclared(incident_id="N-1", title="t", severity="P3",
                                          occurred_at=T, actor="@a"))
    assert not naive.exists("N-1")
    log = IncidentLog(clock=lambda: datetime(2025, 1, 1, 13, 0, tzinfo=timezone(timedelta(
        hours=1))))
    log.declare(ev.IncidentDeclared(incident_id="N-2", title="t", severity="P3",
                                    occurred_at=T, actor="@a"))
    assert log.events("N-2")[0].recorded_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(InvalidEventError, match=r"TimelineEntryAdded: .*unsupported"):
        log.append("N-2", ev.TimelineEntryAdded(occurred_at=T, actor="@a",
                                                text=object()))  # type: ignore[arg-type]
    assert len(log.events("N-2")) == 1


def test_a_snapshot_of_another_state_shape_is_never_served(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Rename a field of the state and an old snapshot would read back its default: a
    snapshot stored under another shape is ignored and the events are folded instead."""
    import sqlite3

    from incidentlog import codec

    url = f"sqlite:///{tmp_path / 's.db'}"
    ident = "INC-20251023-0001"
    with IncidentLog(url, snapshot_interval=5) as log:
        log.declare(declared())
        for i in range(11):
            log.append(ident, entry(6 + i, f"e{i}"))
        expected = log.get(ident)
    with sqlite3.connect(tmp_path / "s.db") as conn:
        # As if the state's "timeline" had been renamed since: read under the new shape, the
        # old snapshot would give an empty timeline.
        rows = conn.execute("SELECT originator_version, state FROM stored_snapshots").fetchall()
        assert len(rows) == 2 and all(b'"shape":"' in state for _, state in rows)
        for version, state in rows:
            conn.execute("UPDATE stored_snapshots SET state=? WHERE originator_version=?",
                         (state.replace(b'"timeline":', b'"entries":'), version))
    monkeypatch.setattr(codec, "STATE_SHAPE", "0" * 16)  # this code's state has another shape
    with IncidentLog(url, snapshot_interval=5, cache_size=0) as log:
        assert log.get(ident) == expected and len(log.get(ident).timeline) == 12
        assert log.get(ident, version=11) == fold(log.events(ident)[:11])
        assert integrity.verify(log).ok
