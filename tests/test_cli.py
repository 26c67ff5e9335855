"""The command line: output, exit codes, errors in one line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.cli import main

import seed_incidents


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with IncidentLog(url) as log:
        seed_incidents.record(log)
    return url


def test_show_markdown_and_json(db: str) -> None:
    code, out, _ = run("--db", db, "show", seed_incidents.A_ID)
    assert code == 0 and out.startswith("# Incident Report: Inference gateway")
    assert "## Document History" in out
    code, out, _ = run("show", seed_incidents.B_ID, "--template", "b", "--db", db)
    assert code == 0 and "**Incident ID**: #2024-11-19-001" in out
    code, out, _ = run("--db", db, "show", seed_incidents.A_ID, "--format", "json")
    assert json.loads(out)["duration_minutes"] == 27


def test_database_from_the_environment(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTLOG_DB", db)
    code, out, _ = run("list")
    assert code == 0 and seed_incidents.A_ID in out


def test_list_columns_and_json(db: str) -> None:
    code, out, _ = run("--db", db, "list")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "STATUS", "DURATION", "TITLE"]
    assert lines[1].split()[:4] == [seed_incidents.A_ID, "P1", "resolved", "00:27"]
    code, out, _ = run("--db", db, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["duration_minutes"] for r in rows] == [27, 45]


def test_check_exit_status(db: str, tmp_path: Path) -> None:
    code, out, _ = run("--db", db, "check", seed_incidents.A_ID)
    assert code == 0 and "0 error(s)" in out
    code, out, _ = run("--db", db, "check", seed_incidents.B_ID, "--json")
    findings = json.loads(out)
    assert code == 0 and [f["code"] for f in findings] == ["error-budget"]
    assert findings[0]["level"] == "warning"
    with IncidentLog(db) as log:
        log.append(seed_incidents.A_ID, ev.ActionItemAdded(
            occurred_at=log.get(seed_incidents.A_ID).resolved_at, actor="@x", item_id="late",
            title="t", due=__import__("datetime").date(2020, 1, 1)))
    code, out, _ = run("--db", db, "check", seed_incidents.A_ID)
    assert code == 1 and "due-before-incident" in out


def test_errors_are_one_line_with_exit_2(db: str) -> None:
    code, out, err = run("--db", db, "show", "NOPE-1")
    assert code == 2 and out == ""
    assert err == f"incidentlog show: error: no incident 'NOPE-1' in {db}\n"
    code, _, err = run("--db", "postgresql://u:secret@127.0.0.1:1/x?connect_timeout=1", "list")
    assert code == 2 and "secret" not in err and err.count("\n") == 1
    code, out, err = run("show")
    assert code == 2 and out == ""
    assert err == ("incidentlog show: error: the following arguments are required: id "
                   "(see incidentlog show --help)\n")
    code, _, err = run("--db", db, "list", "--limit", "many")
    assert code == 2 and err.count("\n") == 1 and "invalid int value: 'many'" in err
    code, _, err = run("nosuch")
    assert code == 2 and err.count("\n") == 1 and err.startswith("incidentlog: error: ")


def test_version() -> None:
    from incidentlog import __version__

    code, out, _ = run("--version")
    assert code == 0 and out == f"incidentlog {__version__}\n"


def test_help_has_an_example_for_every_command() -> None:
    from incidentlog.cli import build_parser

    _, commands = build_parser()
    assert {"show", "list", "import", "verify"} <= set(commands)
    for command in commands:
        code, out, _ = run(command, "--help")
        assert code == 0 and "example:" in out


def test_schema(db: str) -> None:
    code, out, _ = run("schema")
    assert code == 0 and "IncidentDoc" in out


def test_list_filters(db: str) -> None:
    code, out, _ = run("--db", db, "list", "--severity", "P0", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [seed_incidents.B_ID]
    code, out, _ = run("--db", db, "list", "--since", "2025-01-01T00:00:00Z")
    assert seed_incidents.A_ID in out and seed_incidents.B_ID not in out
    code, _, err = run("--db", db, "list", "--since", "2025-01-01")
    assert code == 2 and "no UTC offset" in err


def test_convert_explain_says_what_each_line_became(tmp_path: Path) -> None:
    report = tmp_path / "outage.md"
    report.write_text("# Website outage\n\n## Issue Summary\n\nThe site was down.\n\n"
                      "## Timeline (all times UTC)\n\n- 2021-05-26 04:49 PM Site is hard down\n"
                      "- 06:00 PM Site is fully recovered\n\n## Root Cause\n\nA stalled CI job.\n")
    code, out, err = run("convert", str(report), "--explain")
    assert code == 0 and err == ""
    assert "marks began (inferred from 'is hard down')" in out
    assert "resolved 2021-05-26 18:00 UTC (inferred from 'fully recovered')" in out
    assert "root cause: 'A stalled CI job.'" in out
    assert out.rstrip().splitlines()[-1].startswith("coverage: ")
