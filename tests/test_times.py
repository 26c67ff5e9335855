"""Times in one place: ISO input read one way, naive times refused one way, and every
command that writes JSON writes times in one format, UTC with ``Z``."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from incidentlog import IncidentLog, InputError, InvalidEventError, times
from incidentlog import events as ev
from incidentlog.cli import main

import seed_incidents

ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")
"""The one format incidentlog writes a time in."""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('times') / 'cli.db'}"
    with IncidentLog(url) as log:
        seed_incidents.record(log)
    return url


def _times(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, text) in a JSON value whose key names a time."""
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _times(v, k)]
    if isinstance(value, list):
        return [x for v in value for x in _times(v, key)]
    if isinstance(value, str) and (key.endswith("_at") or key in ("at", "time")):
        return [(key, value)]
    return []


def _check(found: list[tuple[str, str]]) -> None:
    assert found, "the output holds times"
    bad = [(k, v) for k, v in found if not ISO_Z.fullmatch(v)]
    assert not bad, bad


def test_show_json_writes_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "show", seed_incidents.A_ID, "--format", "json")
    assert code == 0
    _check(_times(json.loads(out)))


def test_list_json_writes_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "list", "--json")
    assert code == 0
    found = _times(json.loads(out))
    _check(found)


def test_history_json_writes_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "history", seed_incidents.A_ID, "--json")
    assert code == 0
    lines = json.loads(out)
    _check(_times(lines))
    assert all(" " not in line["recorded_at"] for line in lines)


def test_blame_json_writes_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "blame", seed_incidents.A_ID, "--json")
    assert code == 0
    _check(_times(json.loads(out)))


def test_cloudevents_write_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "export", "--format", "cloudevents")
    assert code == 0
    found = [x for line in out.splitlines() for x in _times(json.loads(line))]
    _check(found)
    assert any(k == "time" for k, _ in found)


def test_jsonl_export_writes_times_with_z(db: str) -> None:
    code, out, _ = run("--db", db, "export")
    assert code == 0
    _check([x for line in out.splitlines() for x in _times(json.loads(line))])


def test_iso_is_utc_with_z_whatever_the_offset() -> None:
    plus_one = timezone(timedelta(hours=1))
    assert times.iso(datetime(2025, 11, 29, 0, 58, tzinfo=plus_one)) == "2025-11-28T23:58:00Z"
    assert times.iso(datetime(2025, 11, 28, 23, 58, 0, 5, tzinfo=UTC)) == \
        "2025-11-28T23:58:00.000005Z"
    assert times.iso_or_none(None) is None


def test_parse_reads_iso_with_an_offset_into_utc() -> None:
    assert times.parse("2025-11-29T00:58:00+01:00") == datetime(2025, 11, 28, 23, 58, tzinfo=UTC)
    assert times.parse("2025-11-29T00:58:00+01:00").utcoffset() == timedelta(0)
    assert times.parse("2025-11-28T23:58Z") == datetime(2025, 11, 28, 23, 58, tzinfo=UTC)


@pytest.mark.parametrize(("text", "message"), [
    ("2025-11-28T23:58:00", "has no UTC offset"),
    ("yesterday", "is not an ISO 8601 time"),
    ("0001-01-01T00:00:00+01:00", "out of range once in UTC"),
])
def test_parse_refuses_in_one_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        times.parse(text)


def test_naive_times_are_refused_the_same_way_everywhere() -> None:
    naive = datetime(2025, 11, 28, 23, 58)
    with IncidentLog() as log:
        with pytest.raises(InvalidEventError, match=r"IncidentDeclared.occurred_at: naive"):
            log.declare(ev.IncidentDeclared(occurred_at=naive, actor="@a", incident_id="X-1",
                                            title="t", severity="P1"))
        with pytest.raises(InputError, match=r"as_of: naive"):
            log.get("X", as_of=naive)


def test_command_line_times_share_the_messages(db: str) -> None:
    code, _, err = run("--db", db, "list", "--since", "2025-10-23T14:00")
    assert code != 0 and "has no UTC offset" in err and "Traceback" not in err
