"""Reading commands open the store read-only: they create no database and no table."""

from __future__ import annotations

import io
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentlog import IncidentLog, StoreError, readmodel
from incidentlog import events as ev
from incidentlog.cli import main

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
READS = [["list"], ["list", "--json"], ["show", "I-1"], ["history", "I-1"], ["stats"],
         ["actions"], ["verify"], ["blame", "I-1"], ["export"], ["diff", "I-1", "1", "1"]]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def fill(url: str) -> None:
    with IncidentLog(url) as log:
        log.declare(ev.IncidentDeclared(incident_id="I-1", title="Checkout down",
                                        severity="P1", occurred_at=T, actor="@a"))


@pytest.mark.parametrize("command", READS, ids=lambda c: " ".join(c))
def test_a_typo_in_the_path_is_one_line_naming_it(tmp_path: Path, command: list[str]) -> None:
    fill(f"sqlite:///{tmp_path / 'incidents.db'}")
    typo = tmp_path / "incidents.dbb"
    code, out, err = run("--db", f"sqlite:///{typo}", *command)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(typo) in err and "no database" in err, err
    assert not typo.exists(), "reading created no database"


def test_a_database_that_is_not_an_incident_log_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, _, err = run("--db", f"sqlite:///{other}", "list")
    assert code == 2 and "not an incident log" in err and err.count("\n") == 1
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"t"}, "no table was added to it"


def test_list_works_on_a_read_only_database(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ro.db"
    fill(f"sqlite:///{path}")
    before = path.read_bytes()
    # The suite may run as root, whom file modes do not stop: say the file is not writable,
    # and the store opens it with SQLite's mode=ro, which refuses every write.
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(path)
                        and mode & os.W_OK else real(p, mode, **kw))
    code, out, err = run("--db", f"sqlite:///{path}", "list")
    assert code == 0 and "Checkout down" in out and err == ""
    code, out, _ = run("--db", f"sqlite:///{path}", "actions")
    assert code == 0
    with IncidentLog(f"sqlite:///{path}", read_only=True) as log:
        assert not log.store.writable
        assert [r.id for r in readmodel.find(log)] == ["I-1"]
        with pytest.raises(StoreError, match="read-only"):
            log.append("I-1", ev.StatusChanged(occurred_at=T, actor="@a", status="monitoring"))
    assert path.read_bytes() == before


def test_a_read_only_log_refuses_writes_and_a_write_command_still_creates(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(StoreError, match="no database at"):
        IncidentLog(url, read_only=True)
    fill(url)
    with IncidentLog(url, read_only=True) as log, pytest.raises(StoreError, match="read-only"):
        log.append("I-1", ev.StatusChanged(occurred_at=T, actor="@a", status="monitoring"))


@pytest.mark.postgres
def test_reading_an_empty_postgres_schema_creates_nothing(pg_url: str) -> None:
    import psycopg

    code, out, err = run("--db", pg_url, "list")
    assert code == 2 and out == "" and "not an incident log" in err and err.count("\n") == 1
    base, schema = pg_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE "
                              "table_schema = %s", (schema,)).fetchall()
    assert tables == [], "reading made no table"
    fill(pg_url)
    code, out, _ = run("--db", pg_url, "list")
    assert code == 0 and "Checkout down" in out
