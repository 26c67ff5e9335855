"""The tamper suite: the database edited behind the library's back, on SQLite and PostgreSQL.

Each kind of tamper is applied to a fresh store holding three incidents (a snapshot, the
incident index built, a checkpoint taken), then ``verify`` runs without and with the
checkpoint. Each case states what verify says: the kinds of problem it names (empty: it
says intact). docs/reliability.md and docs/audit.md quote this table.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from incidentlog import IncidentLog, checkpoint, codec, integrity, readmodel
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.readmodel import IncidentIndex

A, B, C = "INC-20251023-0001", "INC-20251023-0002", "INC-20251023-0003"
T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


class Clock:
    def __init__(self) -> None:
        self.now = at(0)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def populate(log: IncidentLog) -> None:
    """A: 7 events (snapshot at 4, resolved last); B: 3 (an action item, schema v2); C: 2.
    Interleaved, so the log order mixes incidents."""
    def declare(ident: str, title: str) -> None:
        log.declare(ev.IncidentDeclared(incident_id=ident, title=title, severity="P2",
                                        occurred_at=at(1), actor="@oncall"))

    def note(ident: str, text: str, minute: int) -> None:
        log.append(ident, ev.TimelineEntryAdded(occurred_at=at(minute), actor="@sre",
                                                text=text))

    declare(A, "Transfers failing")
    log.append(A, ev.SeverityChanged(occurred_at=at(2), actor="@oncall", severity="P0",
                                     reason="all transfers failing"))
    declare(B, "Login slow")
    note(A, "Rollback started", 3)
    note(A, "Rollback done", 4)  # version 4: the snapshot
    log.append(B, ev.ActionItemAdded(occurred_at=at(5), actor="@lead", item_id="1",
                                     title="Add an alert", ticket="OPS-42"))
    declare(C, "Disk full")
    note(A, "Errors gone", 6)
    log.append(B, ev.Resolved(occurred_at=at(7), actor="@sre", summary="cache warmed"))
    note(A, "Watching", 8)
    note(C, "Cleaned up", 9)
    log.append(A, ev.Resolved(occurred_at=at(10), actor="@sre", summary="rolled back"))


class Database:
    """Plain SQL on the store's tables, as someone with database access would write it."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
            self.events, self.snapshots, self.index = ("stored_events", "stored_snapshots",
                                                       "incident_index")
            self.position = "rowid"
            self.mark = "?"
        else:
            import psycopg

            base, schema = url.split("?schema=")
            self.conn = psycopg.connect(base, autocommit=True)
            self.events, self.snapshots, self.index = (
                f'"{schema}".{t}' for t in ("incidentlog_events", "incidentlog_snapshots",
                                            "incident_index"))
            self.position = "notification_id"
            self.mark = "%s"

    def run(self, sql: str, *params: object) -> list[Any]:
        sql = sql.format(events=self.events, snapshots=self.snapshots, index=self.index,
                         pos=self.position).replace("?", self.mark)
        cursor = self.conn.execute(sql, params)
        try:
            return [tuple(r) for r in cursor.fetchall()]
        except Exception:
            return []

    def state(self, ident: str, version: int, table: str = "{events}") -> bytes:
        rows = self.run(f"SELECT state FROM {table} WHERE originator_id=? AND "
                        "originator_version=?", ident, version)
        return bytes(rows[0][0])

    def set_state(self, ident: str, version: int, state: bytes, table: str = "{events}"
                  ) -> None:
        self.run(f"UPDATE {table} SET state=? WHERE originator_id=? AND originator_version=?",
                 state, ident, version)

    def edit(self, ident: str, version: int, old: bytes, new: bytes) -> None:
        state = self.state(ident, version)
        assert old in state
        self.set_state(ident, version, state.replace(old, new))

    def delete(self, ident: str, *versions: int) -> None:
        for v in versions:
            self.run("DELETE FROM {events} WHERE originator_id=? AND originator_version=?",
                     ident, v)

    def positions(self) -> list[tuple[int, str, int]]:
        return self.run("SELECT {pos}, originator_id, originator_version FROM {events} "
                        "ORDER BY {pos}")

    def move(self, ident: str, version: int, position: int) -> None:
        self.run("UPDATE {events} SET {pos}=? WHERE originator_id=? AND originator_version=?",
                 position, ident, version)

    def insert(self, ident: str, version: int, topic: str, state: bytes,
               position: int | None = None) -> None:
        if position is None:
            self.run("INSERT INTO {events} (originator_id, originator_version, topic, state) "
                     "VALUES (?,?,?,?)", ident, version, topic, state)
        else:
            self.run("INSERT INTO {events} ({pos}, originator_id, originator_version, topic, "
                     "state) VALUES (?,?,?,?,?)", position, ident, version, topic, state)

    def close(self) -> None:
        self.conn.close()


def envelope(event: ev.Event, previous: str, ident: str, version: int) -> tuple[str, bytes,
                                                                                  str]:
    """A row as the library would write it, its link recomputed with the project's own
    ``link``: what a forger who read the source would do."""
    raw = codec.encode_event(event)
    topic = ev.tag_of(event)
    schema = codec.schema_version(topic)
    chain = codec.link(previous, ident, version, raw, schema)
    data = msgspec.json.encode(codec.Envelope(msgspec.Raw(raw), chain, f=codec.FORMAT_VERSION,
                                              v=schema))
    return topic, data, chain


def rechain(db: Database, log: IncidentLog, ident: str,
            change: Callable[[ev.Event], ev.Event]) -> None:
    previous = codec.GENESIS
    for rec in log.records(ident):
        _, data, previous = envelope(change(rec.event), previous, ident,
                                         rec.originator_version)
        db.set_state(ident, rec.originator_version, data)


def rebuild_index(db: Database) -> None:
    with IncidentLog(db.url) as log:
        IncidentIndex(log).rebuild()


# --------------------------------------------------------------------------- the tampers


def alter_payload(db: Database, log: IncidentLog) -> None:
    db.edit(A, 3, b"Rollback started", b"Rollback skipped")


def delete_middle(db: Database, log: IncidentLog) -> None:
    db.delete(A, 2)


def swap_payloads(db: Database, log: IncidentLog) -> None:
    two, three = db.state(A, 2), db.state(A, 3)
    db.set_state(A, 2, three)
    db.set_state(A, 3, two)


def alter_snapshot(db: Database, log: IncidentLog) -> None:
    state = db.state(A, 4, "{snapshots}")
    db.set_state(A, 4, state.replace(b"Transfers failing", b"Nothing happened!"),
                 "{snapshots}")


def forge_snapshot(db: Database, log: IncidentLog) -> None:
    """A snapshot edited by someone who read the source: its digest recomputed."""
    env = msgspec.json.decode(db.state(A, 4, "{snapshots}"), type=codec.SnapshotEnvelope)
    state = bytes(env.state).replace(b"Transfers failing", b"Nothing happened!")
    digest = codec.snapshot_digest(A, 4, env.chain, state)
    forged = msgspec.structs.replace(env, state=msgspec.Raw(state), d=digest)
    db.set_state(A, 4, msgspec.json.encode(forged), "{snapshots}")


def delete_last(db: Database, log: IncidentLog) -> None:
    db.delete(A, 7)


def delete_last_two(db: Database, log: IncidentLog) -> None:
    db.delete(A, 6, 7)


def cut_to_snapshot(db: Database, log: IncidentLog) -> None:
    db.delete(A, 5, 6, 7)


def delete_incident(db: Database, log: IncidentLog) -> None:
    db.delete(C, 1, 2)


def rewrite_rechained(db: Database, log: IncidentLog) -> None:
    """The whole of A rewritten and re-chained, its snapshot dropped, the index rebuilt:
    everything in the database agrees with the forgery."""
    rechain(db, log, A, lambda e: msgspec.structs.replace(e, title="Nothing to see")
            if isinstance(e, ev.IncidentDeclared) else e)
    db.run("DELETE FROM {snapshots} WHERE originator_id=?", A)
    rebuild_index(db)


def forge_append(db: Database, log: IncidentLog) -> None:
    """A forged event appended to C with a correct link, at the end of the log."""
    chain = log.records(C)[-1].chain
    topic, data, _ = envelope(ev.Resolved(occurred_at=at(11), actor="@sre", summary="fine",
                                          recorded_at=at(12)), chain, C, 3)
    db.insert(C, 3, topic, data)


def forge_backdated(db: Database, log: IncidentLog) -> None:
    """As forge_append, but stamped as if recorded before C's last event."""
    last = log.records(C)[-1]
    assert last.event.recorded_at is not None
    topic, data, _ = envelope(ev.Resolved(occurred_at=at(2), actor="@sre", summary="fine",
                                          recorded_at=last.event.recorded_at
                                          - timedelta(seconds=1)), last.chain, C, 3)
    db.insert(C, 3, topic, data)


def forge_inside(db: Database, log: IncidentLog) -> None:
    """A whole forged incident put early in the log (positions shifted), index rebuilt."""
    for position, ident, version in reversed(db.positions()):
        if position > 2:
            db.move(ident, version, position + 1)
    topic, data, _ = envelope(ev.IncidentDeclared(
        incident_id="INC-20251023-0009", title="Forged", severity="P3", occurred_at=at(1),
        actor="@x", recorded_at=at(0)), codec.GENESIS, "INC-20251023-0009", 1)
    db.insert("INC-20251023-0009", 1, topic, data, position=3)
    rebuild_index(db)


def downgrade_version(db: Database, log: IncidentLog) -> None:
    db.edit(B, 2, b'"v":2', b'"v":1')


def envelope_version_zero(db: Database, log: IncidentLog) -> None:
    db.edit(B, 2, b'"v":2', b'"v":0')


def snapshot_without_events(db: Database, log: IncidentLog) -> None:
    state = db.state(A, 4, "{snapshots}")
    db.run("INSERT INTO {snapshots} (originator_id, originator_version, topic, state) VALUES "
           "(?,?,?,?)", "INC-20251023-0008", 4, codec.SNAPSHOT_TOPIC,
           state.replace(A.encode(), b"INC-20251023-0008"))


def edit_index_title(db: Database, log: IncidentLog) -> None:
    db.run("UPDATE {index} SET title=? WHERE id=?", "A fake title", A)


def swap_log_order(db: Database, log: IncidentLog) -> None:
    """Two rows of different incidents exchange places in the log."""
    (p1, i1, v1), (p2, i2, v2) = db.positions()[2:4]  # B 1 and A 3
    assert i1 != i2
    db.move(i1, v1, -1)
    db.move(i2, v2, p1)
    db.move(i1, v1, p2)


def snapshot_topic_on_event(db: Database, log: IncidentLog) -> None:
    db.run("UPDATE {events} SET topic=? WHERE originator_id=? AND originator_version=3",
           codec.SNAPSHOT_TOPIC, A)


def garbage_snapshot(db: Database, log: IncidentLog) -> None:
    db.set_state(A, 4, b"\x00 not a snapshot", "{snapshots}")


def topic_changed(db: Database, log: IncidentLog) -> None:
    db.run("UPDATE {events} SET topic=? WHERE originator_id=? AND originator_version=2",
           "status_changed", A)


def chain_edited(db: Database, log: IncidentLog) -> None:
    chain = log.records(A)[1].chain
    db.edit(A, 2, chain.encode(), b"f" * 64)


def garbage_event(db: Database, log: IncidentLog) -> None:
    db.set_state(A, 2, b"\x00 not an event")


def version_renumbered(db: Database, log: IncidentLog) -> None:
    db.run("UPDATE {events} SET originator_version=9 WHERE originator_id=? AND "
           "originator_version=7", A)


def moved_to_other_incident(db: Database, log: IncidentLog) -> None:
    db.run("UPDATE {events} SET originator_id=?, originator_version=4 WHERE originator_id=? "
           "AND originator_version=2", B, C)


def forged_index_row(db: Database, log: IncidentLog) -> None:
    db.run("INSERT INTO {index} (id, title, severity, status, services, started_at, "
           "resolved_at, duration, version) VALUES (?,?,?,?,?,?,?,?,?)",
           "INC-20251023-0007", "Forged", "P1", "resolved", "||", None, None, None, 1)


def index_row_deleted(db: Database, log: IncidentLog) -> None:
    db.run("DELETE FROM {index} WHERE id=?", A)


def truncate_and_rebuild_index(db: Database, log: IncidentLog) -> None:
    """The last event deleted and the index rebuilt to match: only a checkpoint tells."""
    db.delete(A, 7)
    db.run("DELETE FROM {snapshots} WHERE originator_id=?", A)
    rebuild_index(db)


# name: (tamper, kinds verify names without a checkpoint, kinds with one)
CASES: dict[str, tuple[Callable[[Database, IncidentLog], None], set[str], set[str]]] = {
    "alter_payload": (alter_payload, {"altered"}, {"altered"}),
    "delete_middle": (delete_middle, {"deleted"}, {"deleted"}),
    "swap_payloads": (swap_payloads, {"unreadable"}, {"unreadable", "altered"}),
    "alter_snapshot": (alter_snapshot, {"snapshot"}, {"snapshot"}),
    "forge_snapshot": (forge_snapshot, {"snapshot"}, {"snapshot"}),
    "delete_last": (delete_last, {"truncated"}, {"truncated"}),
    "delete_last_two": (delete_last_two, {"truncated"}, {"truncated"}),
    "cut_to_snapshot": (cut_to_snapshot, {"truncated"}, {"truncated"}),
    "delete_incident": (delete_incident, {"deleted"}, {"deleted"}),
    "rewrite_rechained": (rewrite_rechained, set(), {"rewritten"}),
    "forge_append": (forge_append, set(), set()),
    "forge_backdated": (forge_backdated, {"forged"}, {"forged"}),
    "forge_inside": (forge_inside, set(), {"forged"}),
    "downgrade_version": (downgrade_version, {"altered"}, {"altered"}),
    "envelope_version_zero": (envelope_version_zero, {"unreadable"}, {"unreadable", "altered"}),
    "snapshot_without_events": (snapshot_without_events, {"deleted"}, {"deleted"}),
    "edit_index_title": (edit_index_title, {"index"}, {"index"}),
    "swap_log_order": (swap_log_order, set(), {"reordered"}),
    "snapshot_topic_on_event": (snapshot_topic_on_event, {"altered"}, {"altered"}),
    "garbage_snapshot": (garbage_snapshot, {"snapshot"}, {"snapshot"}),
    "topic_changed": (topic_changed, {"unreadable"}, {"unreadable", "altered"}),
    "chain_edited": (chain_edited, {"altered"}, {"altered"}),
    "garbage_event": (garbage_event, {"unreadable"}, {"unreadable", "altered"}),
    "version_renumbered": (version_renumbered, {"deleted"}, {"deleted", "truncated", "forged"}),
    "moved_to_other_incident": (moved_to_other_incident, {"altered", "truncated"},
                                {"altered", "truncated", "forged"}),
    "forged_index_row": (forged_index_row, {"deleted"}, {"deleted"}),
    "index_row_deleted": (index_row_deleted, {"index"}, {"index"}),
    "truncate_and_rebuild_index": (truncate_and_rebuild_index, set(), {"truncated"}),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'incidents.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def prepared(url: str) -> checkpoint.Checkpoint:
    with IncidentLog(url, clock=Clock(), snapshot_interval=4) as log:
        populate(log)
        readmodel.find(log)  # builds the index, as `incidentlog list` does
        made, result = checkpoint.make(log, key=b"k" * 32)
        assert result.ok, result.problems
    return made


def kinds(result: integrity.Verification) -> set[str]:
    return {p.kind for p in result.problems}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tamper(url: str, name: str) -> None:
    tamper, without, with_checkpoint = CASES[name]
    saved = prepared(url)
    db = Database(url)
    try:
        with IncidentLog(url) as log:
            tamper(db, log)
    finally:
        db.close()
    with IncidentLog(url) as log:
        plain = integrity.verify(log)
        assert kinds(plain) == without, plain.problems
        checked = checkpoint.verify(log, saved, key=b"k" * 32)
        assert kinds(checked) == with_checkpoint, checked.problems
        # Every incident still holding events is checked, whatever else is wrong.
        assert set(plain.heads) >= {i for i in (A, B, C) if log.exists(i)}
    # And no other command gives a traceback on the tampered store: an answer or one line.
    for argv in (("list",), ("show", A), ("show", A, "--version", "3"), ("history", A),
                 ("blame", B), ("export",), ("stats",), ("diff", A, "1", "2")):
        out, err = io.StringIO(), io.StringIO()
        code = main(["--db", url, *argv], out, err)
        assert code in (0, 2) and (code == 0 or err.getvalue().count("\n") == 1), \
            (argv, err.getvalue())


def test_untouched_store_is_intact_with_its_checkpoint(url: str) -> None:
    saved = prepared(url)
    with IncidentLog(url) as log:
        result = checkpoint.verify(log, saved, key=b"k" * 32)
        assert result.ok and "12 row(s) unchanged" in result.notes[0]
        log.append(C, ev.Resolved(occurred_at=at(20), actor="@sre"))
        grown = checkpoint.verify(log, saved, key=b"k" * 32)
        assert grown.ok and "1 row(s) added since" in grown.notes[0]


def test_an_altered_snapshot_is_never_served(url: str) -> None:
    prepared(url)
    db = Database(url)
    with IncidentLog(url) as log:
        alter_snapshot(db, log)
    db.close()
    with IncidentLog(url, snapshot_interval=4) as log:  # reads go through the snapshot
        assert log.get(A).title == "Transfers failing"
        assert log.get(A, version=5).title == "Transfers failing"


def test_a_snapshot_forged_with_its_digest_is_not_shown_by_the_cli(url: str) -> None:
    prepared(url)
    db = Database(url)
    with IncidentLog(url) as log:
        forge_snapshot(db, log)
    db.close()
    out = io.StringIO()
    assert main(["--db", url, "show", A, "--format", "json"], out, io.StringIO()) == 0
    assert json.loads(out.getvalue())["title"] == "Transfers failing"
    with IncidentLog(url, trust_snapshots=False) as log:
        assert log.get(A).title == "Transfers failing"
    with IncidentLog(url, snapshot_interval=4) as log:  # the default trusts a sound digest
        assert log.get(A).title == "Nothing happened!"
        assert [p.kind for p in integrity.verify(log).problems] == ["snapshot"]


def test_the_cli_names_each_problem_and_exits_1(url: str, tmp_path: Path) -> None:
    prepared(url)
    key = tmp_path / "key"
    key.write_bytes(b"s" * 32)

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main(["--db", url, *argv], out, err), out.getvalue(), err.getvalue()

    cp = tmp_path / "cp.json"
    code, out, _ = run("checkpoint", "--sign-key", str(key), "--out", str(cp))
    assert code == 0 and "12 row(s)" in out and "signed" in out
    assert json.loads(cp.read_text())["size"] == 12
    code, out, _ = run("verify", "--checkpoint", str(cp), "--sign-key", str(key))
    assert code == 0 and "intact" in out
    code, _, err = run("verify", "--checkpoint", str(cp))
    assert code == 2 and "--sign-key" in err
    db = Database(url)
    with IncidentLog(url) as log:
        delete_last(db, log)
        garbage_snapshot(db, log)
    db.close()
    code, out, _ = run("verify", "--checkpoint", str(cp), "--sign-key", str(key))
    assert code == 1
    assert f"{A}: version 7: truncated" in out and f"{A}: version 4: snapshot" in out
    code, out, _ = run("verify", "--json")
    assert code == 1 and {p["kind"] for p in json.loads(out)["problems"]} == \
        {"truncated", "snapshot"}
    code, out, _ = run("checkpoint", "--out", str(tmp_path / "bad.json"))
    assert code == 1 and "no checkpoint taken" in out and not (tmp_path / "bad.json").exists()


def test_checkpoint_files_and_keys_give_one_line_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    prepared(url)
    cases = {"missing.json": None, "bad.json": b"{not json", "other.json": b'{"format": 1}',
             "list.json": b"[]"}
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        err = io.StringIO()
        code = main(["--db", url, "verify", "--checkpoint", str(tmp_path / name)],
                    io.StringIO(), err)
        assert code == 2 and err.getvalue().count("\n") == 1 and name in err.getvalue()
    (tmp_path / "short.key").write_bytes(b"abc")
    err = io.StringIO()
    code = main(["--db", url, "checkpoint", "--sign-key", str(tmp_path / "short.key")],
                io.StringIO(), err)
    assert code == 2 and "at least 16" in err.getvalue()
    # A checkpoint whose body was edited after signing, or checked with another key.
    with IncidentLog(url) as log:
        made, _ = checkpoint.make(log, key=b"k" * 32)
        edited = checkpoint.Checkpoint(made.size, made.root, made.time - timedelta(days=1),
                                       made.heads, made.key_id, made.mac)
        assert "altered" in checkpoint.verify(log, edited, key=b"k" * 32).problems[0].message
        assert "another key" in checkpoint.verify(log, made, key=b"x" * 32).problems[0].message


def test_a_copy_holds_the_sources_checkpoint(url: str, tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    saved = prepared(source_url)
    with IncidentLog(source_url) as source, IncidentLog(url) as target:
        assert target.copy_from(source, page=5) == 12
        result = checkpoint.verify(target, saved, key=b"k" * 32)
        assert result.ok and "12 row(s) unchanged" in result.notes[0]
        assert target.get(A, version=4) == source.get(A, version=4)


@pytest.mark.parametrize("sql", [
    "UPDATE stored_events SET originator_version=NULL WHERE originator_version=3",
    "UPDATE stored_events SET originator_version='abc' WHERE originator_version=3",
    "UPDATE stored_events SET state=NULL WHERE originator_version=3",
    "UPDATE stored_events SET topic=NULL WHERE originator_version=3",
    "UPDATE stored_events SET originator_id=NULL WHERE originator_version=3",
    "UPDATE stored_events SET state=X'00' WHERE originator_version=1",
    "UPDATE stored_snapshots SET originator_version='x'",
    "UPDATE incident_index SET version='x', started_at='garbage'",
    "UPDATE tracking SET notification_id='x' WHERE application_name='incident_index'",
])
def test_damaged_columns_never_give_a_traceback(tmp_path: Path, sql: str) -> None:
    """SQLite lets a column hold anything: NULL in a key, text in a number."""
    url = f"sqlite:///{tmp_path / 'incidents.db'}"
    prepared(url)
    with sqlite3.connect(tmp_path / "incidents.db") as conn:
        conn.execute(sql)
    out = io.StringIO()
    assert main(["--db", url, "verify"], out, io.StringIO()) == 1, out.getvalue()
    for argv in (("list",), ("show", A), ("history", A), ("export",), ("blame", B)):
        err = io.StringIO()
        code = main(["--db", url, *argv], io.StringIO(), err)
        assert code in (0, 2) and (code == 0 or err.getvalue().count("\n") == 1), \
            (argv, err.getvalue())
