"""Running an incident from the command line: every event, the rules, retries across processes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incidentlog import IncidentLog, integrity
from incidentlog.cli import main

ID = "INC-20251023-0001"
T = "2025-10-23T14:{:02d}:00Z"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("INCIDENTLOG_DB", url)
    monkeypatch.setenv("INCIDENTLOG_ACTOR", "@oncall")
    return url


def ok(*argv: str) -> str:
    code, out, err = run(*argv)
    assert code == 0, err
    assert err == ""
    return out


def declare() -> None:
    ok("declare", ID, "--title", "Checkout errors", "--severity", "P1", "--service", "checkout",
       "--commander", "@ic", "--at", T.format(23))


def test_a_whole_incident_from_the_terminal(db: str) -> None:
    declare()
    ok("note", ID, "Alert fired", "--marks", "detected", "--at", T.format(20))
    ok("note", ID, "Paged", "--marks", "acknowledged", "--at", T.format(24), "--by", "@sre")
    ok("severity", ID, "P0", "--reason", "all regions", "--at", T.format(25))
    ok("status", ID, "identified", "--at", T.format(26))
    ok("impact", ID, "--users-affected", "12%", "--service", "checkout=5xx",
       "--failed-requests", "10", "--total-requests", "1000", "--at", T.format(27))
    ok("root-cause", ID, "Pool limit removed", "--why", "Why 5xx?=pool exhausted",
       "--factor", "no alert", "--at", T.format(28))
    ok("mitigate", ID, "--action", "Rolled back", "--at", T.format(40))
    ok("resolve", ID, "--summary", "Rolled back v1.2.3", "--at", T.format(50))
    ok("action", "add", ID, "AI-1", "Alert on pool size", "--owner", "@ana", "--due",
       "2025-11-15", "--ticket", "OPS-42", "--at", T.format(51))
    ok("action", "update", ID, "AI-1", "--status", "in_progress", "--at", T.format(52))
    ok("lesson", ID, "went_well", "Rollback was quick", "--at", T.format(53))
    ok("section", ID, "Customer communication", "Status page updated.", "--at", T.format(54))
    ok("figure", ID, "duration_minutes", "30", "--at", T.format(54))
    ok("sign-off", ID, "Engineering Manager", "Ana", "--at", T.format(55))
    ok("correct", ID, "detected_at", "2025-10-23T14:19:00Z", "--reason", "alert log",
       "--at", T.format(56))
    ok("close", ID, "--at", T.format(57))
    out = ok("reopen", ID, "--reason", "it came back", "--at", T.format(58))
    assert out == f"{ID} v18: reopened: it came back\n"
    with IncidentLog(db) as log:
        state = log.get(ID)
        events = log.events(ID)
    assert state.version == 18 and state.status == "investigating" and state.reopened == 1
    assert state.severity == "P0" and state.commander == "@ic"
    assert state.detected_at is not None and state.detected_at.minute == 19
    assert state.action_items[0].status == "in_progress"
    assert state.action_items[0].ticket == "OPS-42"
    assert state.root_cause is not None and state.root_cause.whys[0].answer == "pool exhausted"
    assert {e.actor for e in events} == {"@oncall"}
    assert [t.by for t in state.timeline if t.text == "Paged"] == ["@sre"]


def test_json_prints_the_new_version(db: str) -> None:
    declare()
    out = ok("note", ID, "Rolled back", "--at", T.format(30), "--json")
    doc = json.loads(out)
    assert doc["id"] == ID and doc["version"] == 2
    assert any(row["event"] == "Rolled back" for row in doc["timeline"])


def test_at_defaults_to_now_and_actor_comes_from_the_option(db: str) -> None:
    declare()
    ok("note", ID, "now", "--actor", "@bot")
    with IncidentLog(db) as log:
        last = log.events(ID)[-1]
    assert last.actor == "@bot"
    assert last.occurred_at is not None and last.recorded_at is not None
    assert abs((last.recorded_at - last.occurred_at).total_seconds()) < 60


def test_no_actor_is_a_one_line_error(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INCIDENTLOG_ACTOR", "USER", "LOGNAME"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run("declare", ID, "--title", "t", "--severity", "P1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--actor" in err


@pytest.mark.parametrize(("argv", "says"), [
    (("severity", ID, "P1"), "severity-unchanged"),
    (("severity", ID, "P9"), "severity-range"),
    (("close", ID), "close-before-resolution"),
    (("reopen", ID, "--reason", "x"), "not-closed"),
    (("action", "update", ID, "AI-9", "--status", "done"), "unknown-action-item"),
    (("sign-off", ID, "EM", "Ana"), "sign-off-before-resolution"),
    (("mitigate", ID, "--at", "2025-10-23T13:00:00Z"), "lifecycle-order"),
    (("correct", ID, "title", "--reason", "x"), "give the right VALUE, or --clear"),
    (("correct", ID, "status", "done", "--reason", "x"), "is not one of"),
    (("status", ID, "done"), "invalid choice: 'done' (choose from 'investigating'"),
    (("note", ID, "x", "--at", "14:30"), "not an ISO 8601 time"),
    (("note", ID, "x", "--at", "2025-10-23T14:30:00"), "no UTC offset"),
    (("action", "add", ID, "A", "t", "--due", "2025-13-01"), "not a YYYY-MM-DD date"),
    (("impact", ID, "--failed-requests", "many"), "invalid int value"),
    (("note", "NOPE-1", "x"), "no incident 'NOPE-1' in sqlite:///"),
    (("declare", ID, "--title", "again", "--severity", "P1"), "declared already"),
    (("declare", "bad id", "--title", "t", "--severity", "P1"), "incident-id"),
])
def test_refusals_are_the_rules_one_line_messages(db: str, argv: tuple[str, ...], says: str
                                                   ) -> None:
    declare()
    with IncidentLog(db) as log:
        before = log.get(ID).version
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and says in err, err
    assert err.startswith(f"incidentlog {argv[0]}: error: ")
    with IncidentLog(db) as log:
        assert log.get(ID).version == before, "nothing stored on a refusal"


def test_every_event_type_has_a_command() -> None:
    from incidentlog import events as ev
    from incidentlog.cli import build_parser

    _, commands = build_parser()
    by_tag = {"declared": "declare", "severity_changed": "severity", "status_changed": "status",
              "timeline_entry": "note", "impact_assessed": "impact", "mitigated": "mitigate",
              "root_cause": "root-cause", "resolved": "resolve", "action_item_added": "action",
              "action_item_updated": "action", "lesson": "lesson", "signed_off": "sign-off",
              "closed": "close", "reopened": "reopen", "corrected": "correct",
              "section": "section", "figure_stated": "figure", "teams_changed": "team",
              "tags_changed": "tag", "field_set": "field", "role_assigned": "role"}
    for tag in ev.EVENT_TYPES_BY_TAG:
        assert by_tag.get(tag) in commands, f"no command writes {tag}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest, db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sqlite":
        return db
    url = str(request.getfixturevalue("pg_url"))
    monkeypatch.setenv("INCIDENTLOG_DB", url)
    return url


def test_writers_in_several_processes_all_land(shared_db: str) -> None:
    db = shared_db
    declare()
    env = {**os.environ, "INCIDENTLOG_DB": db, "INCIDENTLOG_ACTOR": "@w"}
    script = ("import sys\nfrom incidentlog.cli import main\n"
              "for n in range(6):\n"
              "    code = main(['note', sys.argv[1], f'{sys.argv[2]}-{n}'])\n"
              "    assert code == 0, code\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, ID, f"p{p}"], env=env,
                              stderr=subprocess.PIPE, text=True) for p in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with IncidentLog(db) as log:
        texts = [t.text for t in log.get(ID).timeline][1:]
        assert sorted(texts) == sorted(f"p{p}-{n}" for p in range(4) for n in range(6))
        assert integrity.verify(log, ID).ok


def _history_section(markdown: str) -> str:
    return markdown.split("## Document History", 1)[1]


def test_show_occurred_by_lists_the_events_it_folded(db: str) -> None:
    declare()
    ok("note", ID, "Alert fired", "--at", T.format(25), "--actor", "@early")
    ok("mitigate", ID, "--at", T.format(40), "--actor", "@mitigator")
    ok("correct", ID, "title", "Checkout 5xx", "--reason", "precise", "--actor", "@fixer")
    out = ok("show", ID, "--occurred-by", T.format(30))
    history = _history_section(out)
    assert "@fixer" in history, "a correction made before is in"
    assert "@mitigator" not in history, "a mitigation after the time is out"
    assert "# Incident Report: Checkout 5xx" in out


def test_occurred_by_keeps_the_versions_corrections_name(db: str) -> None:
    declare()
    ok("note", ID, "later", "--at", T.format(50))   # v2, after the time asked about
    ok("note", ID, "Alert fired", "--at", T.format(25))   # v3
    ok("correct", ID, "timeline.text", "Alert fired on 5xx", "--target-version", "3",
       "--reason", "precise")
    with IncidentLog(db) as log:
        from datetime import datetime

        state = log.get(ID, occurred_by=datetime.fromisoformat(T.format(30)))
    assert [t.text for t in state.timeline if t.version == 3] == ["Alert fired on 5xx"]


def test_as_of_before_anything_was_recorded_says_so(db: str) -> None:
    declare()
    code, out, err = run("show", ID, "--as-of", "2000-01-01T00:00:00Z")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{ID} has nothing recorded by 2000-01-01T00:00:00Z" in err
    assert "no incident" not in err
