"""Stored history stays readable: rows of every event type, as incidentlog stored them at
ce0a18f (tests/fixtures/make_stored_rows.py), decode exactly as they did then, however the
event classes and the state they fold into are reshaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from incidentlog import IncidentLog, integrity
from incidentlog import events as ev
from incidentlog.codec import Recorded, encode_event, link, schema_version
from incidentlog.errors import InvalidEventError
from incidentlog.incident import fold
from incidentlog.persistence import IncidentMapper

ROWS = [json.loads(line) for line in
        (Path(__file__).parent / "fixtures" / "stored-rows.jsonl").read_text().splitlines()]
ID = "INC-20251128-0001"


def _as_json(event: ev.Event) -> Any:
    return json.loads(json.dumps(event.as_dict()))


def test_the_fixture_holds_every_event_type() -> None:
    assert {row["topic"] for row in ROWS} == set(ev.EVENT_TYPES_BY_TAG)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"v{r['version']}-{r['topic']}")
def test_each_stored_row_decodes_as_it_did(row: dict[str, Any]) -> None:
    mapper = IncidentMapper()
    state = row["state"].encode()
    rec = mapper.decode(ID, row["version"], row["topic"], state)
    assert isinstance(rec, Recorded)
    assert _as_json(rec.event) == row["decoded"]
    class Row:  # the shape of a stored row replay reads
        originator_id, originator_version, topic = ID, row["version"], row["topic"]
    Row.state = state  # type: ignore[attr-defined]
    event, _, _ = mapper.replay_with_id(Row)  # type: ignore[arg-type]
    assert _as_json(event) == row["decoded"]


def _events() -> list[ev.Event]:
    mapper = IncidentMapper()
    out = []
    for row in ROWS:
        rec = mapper.decode(ID, row["version"], row["topic"], row["state"].encode())
        assert isinstance(rec, Recorded)
        out.append(rec.event)
    return out


def test_the_stored_history_folds() -> None:
    state = fold(_events())
    assert state is not None and state.version == len(ROWS)
    assert state.severity == "P2" and state.commander is None
    assert state.began_at is None, "a correction that never parsed is still ignored"
    assert [a.id for a in state.action_items] == ["1", "2"]
    assert state.action_item("1").status == "done"  # type: ignore[union-attr]


def test_the_stored_rows_load_and_verify_through_a_store(tmp_path: Path) -> None:
    with IncidentLog(f"sqlite:///{tmp_path / 'rows.db'}") as log:
        mapper = IncidentMapper()
        rows = [log.store.event_row(ID, row["version"], rec.event, rec.raw, rec.chain)
                for row in ROWS
                if isinstance(rec := mapper.decode(ID, row["version"], row["topic"],
                                                   row["state"].encode()), Recorded)]
        log.store.insert(rows)
        assert log.get(ID).version == len(ROWS)
        assert integrity.verify(log).ok


def test_a_stored_event_a_rule_now_refuses_still_loads(tmp_path: Path) -> None:
    """A blank actor is refused when appended; one stored anyway (by an older version, or
    before a rule was tightened) is history, and reads, folds and verifies."""
    with IncidentLog(f"sqlite:///{tmp_path / 'old.db'}") as log:
        first = _events()[0]
        blank = ev.TimelineEntryAdded(occurred_at=None, actor=" ", text="noted")
        with pytest.raises(InvalidEventError, match="actor"):
            log.append(ID, blank)
        log.append(ID, first)
        raw = encode_event(blank)
        chain = link(log.records(ID)[-1].chain, ID, 2, raw, schema_version("timeline_entry"))
        log.store.insert([log.store.event_row(ID, 2, blank, raw, chain)])
    with IncidentLog(f"sqlite:///{tmp_path / 'old.db'}") as log:
        state = log.get(ID)
        assert state.version == 2 and state.timeline[-1].actor == " "
        assert integrity.verify(log).ok
