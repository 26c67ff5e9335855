"""Importing files into a log: idempotent, changes appended as events, failures store nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.importer import import_file, import_paths
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences

from conftest import SHARED

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"
PAYMENTS = EXAMPLES / "2025-06-02-payments-timeouts.md"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_importing_twice_stores_once(tmp_path: Path) -> None:
    with IncidentLog(f"sqlite:///{tmp_path / 'i.db'}") as log:
        first = import_file(log, PAYMENTS)
        second = import_file(log, PAYMENTS)
        assert (first.status, second.status) == ("imported", "skipped")
        assert second.appended == 0
        assert len(log.events("INC-20250602-0001")) == first.appended


def test_a_changed_file_appends_only_the_changes(tmp_path: Path) -> None:
    copy = tmp_path / "report.md"
    copy.write_text(PAYMENTS.read_text())
    with IncidentLog(f"sqlite:///{tmp_path / 'i.db'}") as log:
        import_file(log, copy)
        before = len(log.events("INC-20250602-0001"))
        edited = (PAYMENTS.read_text()
                  .replace("| 09:40 | Pool size restored to 50 | @tom |",
                           "| 09:40 | Pool size restored to 50 | @tom |\n"
                           "| 09:45 | Latency dropping on the dashboard | Grafana |")
                  .replace("Incident Commander**: @maya", "Incident Commander**: @sam")
                  .replace("- [ ] **@maya**: Add a pool-saturation alert (INC-2)",
                           "- [x] **@maya**: Add a pool-saturation alert (INC-2)")
                  .replace("✅ **Alerting**: the latency alert fired within two minutes\n", ""))
        copy.write_text(edited)
        outcome = import_file(log, copy)
        assert outcome.status == "updated"
        new = log.events("INC-20250602-0001")[before:]
        assert len(new) == outcome.appended
        kinds = sorted(type(e).__name__ for e in new)
        assert kinds == ["ActionItemUpdated", "Corrected", "Corrected", "TimelineEntryAdded"]
        assert {e.field for e in new if isinstance(e, ev.Corrected)} == {"commander", "retract"}
        state = log.get("INC-20250602-0001")
        assert differences(state, import_markdown(edited, source=str(copy)).incident) == []
        assert state.commander == "@sam" and state.action_item("INC-2").status == "done"
        assert [x.title for x in state.lessons] == ["Review"]
        assert import_file(log, copy).status == "skipped"


def test_a_file_that_is_not_a_report_is_ignored_and_stores_nothing(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# My tool\n\n## Installation\n\npip install it\n")
    with IncidentLog(f"sqlite:///{tmp_path / 'i.db'}") as log:
        outcome = import_file(log, readme)
        assert outcome.status == "ignored" and "not an incident report" in (outcome.reason or "")
        assert list(log.ids()) == []


def test_the_whole_corpus_imports_into_sqlite(tmp_path: Path) -> None:
    corpus = SHARED / "corpus" / "moj-cloud-platform"
    if not corpus.exists():
        pytest.skip("the corpus is not beside the project")
    with IncidentLog(f"sqlite:///{tmp_path / 'c.db'}") as log:
        summary = import_paths(log, [corpus])
        assert summary.count("imported") == 39 and summary.count("failed") == 0
        again = import_paths(log, [corpus])
        assert again.count("skipped") == 39
        assert len(list(log.ids())) == 39


def test_cli_convert_check_and_import(tmp_path: Path) -> None:
    code, out, _ = run("convert", str(PAYMENTS), "--to", "json")
    assert code == 0 and json.loads(out)["id"] == "INC-20250602-0001"
    code, out, _ = run("convert", str(PAYMENTS), "--template", "b")
    assert code == 0 and "**Incident ID**: #INC-20250602-0001" in out
    bad = tmp_path / "bad.md"
    bad.write_text(PAYMENTS.read_text().replace("**Total Duration**: 41 minutes",
                                                "**Total Duration**: 45 minutes"))
    code, out, _ = run("check", str(bad))
    line = next(n for n, x in enumerate(bad.read_text().splitlines(), 1) if "Total Dur" in x)
    assert code == 1
    assert f"{bad}:{line}: error: duration-mismatch: stated duration 45 minutes" in out
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = run("--db", db, "import", str(EXAMPLES))
    assert code == 0 and out.strip().startswith("imported 2, updated 0, skipped 0")
    code, out, _ = run("--db", db, "import", str(EXAMPLES), "--json")
    assert code == 0 and json.loads(out)["skipped"] == 2
    code, out, _ = run("--db", db, "import", str(tmp_path / "missing.md"))
    assert code == 2 and "cannot read" in out


def test_check_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(PAYMENTS.read_bytes())

    monkeypatch.setattr("sys.stdin", Stdin)
    code, out, _ = run("convert", "-", "--to", "json")
    assert code == 0 and json.loads(out)["severity"] == "P1"
