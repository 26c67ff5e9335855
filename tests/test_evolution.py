"""Schema evolution: a store written by an earlier version loads by upcasting; a store
written by a newer version is refused clearly."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from incidentlog import IncidentLog, StoreError, integrity
from incidentlog import events as ev

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1.db"
ID = "INC-20250304-0001"


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    copy = tmp_path / "store-v1.db"
    shutil.copy(FIXTURE, copy)
    return copy


def test_events_written_by_the_earlier_version_load_by_upcasting(old_store: Path) -> None:
    with sqlite3.connect(old_store) as conn:
        raw = conn.execute("SELECT state FROM stored_events WHERE originator_version=2"
                           ).fetchone()[0]
    assert b'"ticket"' not in raw and b'"v":' not in raw, "the fixture is version 1"
    with IncidentLog(f"sqlite:///{old_store}") as log:
        state = log.get(ID)
        first, second = state.action_items
        assert (first.ticket, second.ticket) == ("OPS-42", None)
        assert state.status == "resolved"
        assert integrity.verify(log).ok, "upcast events still verify against what was written"


def test_new_events_are_written_in_the_new_version(old_store: Path) -> None:
    with IncidentLog(f"sqlite:///{old_store}") as log:
        log.append(ID, ev.ActionItemAdded(occurred_at=None, actor="@x", item_id="3",
                                          title="t", ticket="OPS-7"), validate=False)
        assert log.get(ID).action_item("3").ticket == "OPS-7"  # type: ignore[union-attr]
        assert integrity.verify(log).ok
    with sqlite3.connect(old_store) as conn:
        raw = conn.execute("SELECT state FROM stored_events WHERE originator_version=5"
                           ).fetchone()[0]
    assert b'"v":2' in raw


def test_a_store_written_by_a_newer_version_is_refused(old_store: Path) -> None:
    with sqlite3.connect(old_store) as conn:
        raw = conn.execute("SELECT state FROM stored_events WHERE originator_version=2"
                           ).fetchone()[0]
        conn.execute("UPDATE stored_events SET state=? WHERE originator_version=2",
                     (raw[:-1] + b',"v":3}',))
    with IncidentLog(f"sqlite:///{old_store}") as log, \
            pytest.raises(StoreError, match=r"newer incidentlog.*action_item_added version 3"):
        log.get(ID)
