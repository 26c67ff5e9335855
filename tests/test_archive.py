"""Importing a real archive is safe (issue 13): identity, re-import, bad files, nothing lost.

Each numbered case of the issue is a test here, named after it.
"""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.importer import import_file, import_paths
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"
PAYMENTS = EXAMPLES / "2025-06-02-payments-timeouts.md"
DNS = EXAMPLES / "2024-11-04-dns-outage.md"
T = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def without_id(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines()
                     if "Incident ID" not in line) + "\n"


@pytest.fixture
def log(tmp_path: Path) -> IncidentLog:
    opened = IncidentLog(f"sqlite:///{tmp_path / 'i.db'}")
    yield opened  # type: ignore[misc]
    opened.close()


# --------------------------------------------------------------------------- case 1


def test_1_same_file_name_in_two_folders_is_two_incidents(tmp_path: Path,
                                                          log: IncidentLog) -> None:
    for folder, source in (("a", PAYMENTS), ("b", DNS)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "postmortem.md").write_text(without_id(source))
    summary = import_paths(log, [tmp_path / "a", tmp_path / "b"])
    assert [o.status for o in summary.outcomes] == ["imported", "imported"]
    assert len(list(log.ids())) == 2
    assert all("postmortem" not in ident for ident in log.ids())


def test_1_two_different_reports_with_one_id_are_refused_naming_both(
        tmp_path: Path, log: IncidentLog) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "index.md").write_text(PAYMENTS.read_text())
    (tmp_path / "b" / "index.md").write_text(
        PAYMENTS.read_text().replace("Pool size restored", "Pool size put back"))
    summary = import_paths(log, [tmp_path])
    assert [o.status for o in summary.outcomes] == ["imported", "failed"]
    error = summary.outcomes[1].error or ""
    assert str(tmp_path / "a" / "index.md") in error and str(tmp_path / "b" / "index.md") in error
    # A later run meets the stored incident: refused again, naming both.
    again = import_file(log, tmp_path / "b" / "index.md")
    assert again.status == "failed" and str(tmp_path / "a" / "index.md") in (again.error or "")
    assert len(log.events("INC-20250602-0001")) == summary.outcomes[0].appended


def test_1_the_same_report_twice_is_stored_once(tmp_path: Path, log: IncidentLog) -> None:
    for name in ("index.md", "postmortem.md"):
        (tmp_path / name).write_text(PAYMENTS.read_text())
    summary = import_paths(log, [tmp_path])
    assert [o.status for o in summary.outcomes] == ["imported", "skipped"]
    assert "same report" in (summary.outcomes[1].reason or "")


def test_1_a_report_that_moved_takes_its_incident_along(tmp_path: Path,
                                                       log: IncidentLog) -> None:
    old, new = tmp_path / "old.md", tmp_path / "new.md"
    old.write_text(PAYMENTS.read_text())
    assert import_file(log, old).status == "imported"
    old.rename(new)
    new.write_text(PAYMENTS.read_text().replace("@maya**: Add", "@sam**: Add"))
    assert import_file(log, new).status == "updated"


# --------------------------------------------------------------------------- case 2


def edit_row(text: str, n: int) -> str:
    return text.replace("| 09:31 | Config change identified as cause | @tom |",
                        f"| 09:3{n} | Config change identified as cause ({n}) | @tom |")


def test_2_editing_a_row_again_and_again_reimports(tmp_path: Path, log: IncidentLog) -> None:
    copy = tmp_path / "report.md"
    text = PAYMENTS.read_text()
    copy.write_text(text)
    assert import_file(log, copy).status == "imported"
    for n in (2, 3, 4):
        copy.write_text(edit_row(text, n))
        assert import_file(log, copy).status == "updated"
        fresh = import_markdown(copy.read_bytes(), source=str(copy)).incident
        assert differences(log.get(fresh.id), fresh) == []
    assert import_file(log, copy).status == "skipped"


def test_2_reimport_after_an_api_entry_does_not_crash(tmp_path: Path, log: IncidentLog) -> None:
    copy = tmp_path / "report.md"
    copy.write_text(PAYMENTS.read_text())
    import_file(log, copy)
    log.append("INC-20250602-0001", ev.TimelineEntryAdded(occurred_at=T, actor="@sam",
                                                          text="Customer comms sent"))
    assert import_file(log, copy).status == "skipped"
    copy.write_text(edit_row(PAYMENTS.read_text(), 5))
    assert import_file(log, copy).status == "updated"
    texts = [t.text for t in log.get("INC-20250602-0001").timeline]
    assert "Customer comms sent" in texts and "Config change identified as cause (5)" in texts


def test_2_a_failing_file_does_not_stop_the_folder(tmp_path: Path, log: IncidentLog) -> None:
    (tmp_path / "a.md").write_text(PAYMENTS.read_text())
    os.mkfifo(tmp_path / "b.md")
    (tmp_path / "c.md").write_text(DNS.read_text())
    summary = import_paths(log, [tmp_path])
    assert [o.status for o in summary.outcomes] == ["imported", "failed", "imported"]
    assert summary.outcomes[1].error == f"{tmp_path / 'b.md'}: a FIFO (named pipe), not a " \
        "regular file; refused"


# --------------------------------------------------------------------------- case 3


def test_3_reimport_never_withdraws_what_the_api_added(tmp_path: Path,
                                                      log: IncidentLog) -> None:
    copy = tmp_path / "s.md"
    copy.write_text(PAYMENTS.read_text())
    import_file(log, copy)
    log.append("INC-20250602-0001", ev.ActionItemAdded(occurred_at=T, actor="@sam",
                                                       item_id="OPS-1", title="Runbook"))
    assert import_file(log, copy).status == "skipped"
    copy.write_text(PAYMENTS.read_text().replace("(INC-2)", "(INC-3)"))
    assert import_file(log, copy).status == "updated"
    ids = {a.id for a in log.get("INC-20250602-0001").action_items}
    assert ids == {"INC-1", "INC-3", "OPS-1"}


def test_3_an_api_update_of_an_imported_item_stays(tmp_path: Path, log: IncidentLog) -> None:
    copy = tmp_path / "s.md"
    copy.write_text(PAYMENTS.read_text())
    import_file(log, copy)
    log.append("INC-20250602-0001", ev.ActionItemUpdated(occurred_at=T, actor="@sam",
                                                         item_id="INC-2", status="done"))
    copy.write_text(PAYMENTS.read_text().replace("Incident Commander**: @maya",
                                                 "Incident Commander**: @sam"))
    assert import_file(log, copy).status == "updated"
    state = log.get("INC-20250602-0001")
    assert state.action_item("INC-2").status == "done" and state.commander == "@sam"


def test_3_an_incident_recorded_through_the_api_is_not_merged(tmp_path: Path,
                                                             log: IncidentLog) -> None:
    log.declare(ev.IncidentDeclared(incident_id="INC-20250602-0001", title="Other",
                                    severity="P2", occurred_at=T, actor="@sam"))
    outcome = import_file(log, PAYMENTS)
    assert outcome.status == "failed" and "through the API" in (outcome.error or "")
    assert len(log.events("INC-20250602-0001")) == 1


def test_cli_summary_names_what_it_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Our postmortems\n\nOne file per incident.\n")
    (tmp_path / "a.md").write_text(PAYMENTS.read_text())
    code, out, _ = run("--db", f"sqlite:///{tmp_path / 'c.db'}", "import", str(tmp_path))
    assert code == 0
    assert f"ignored: {tmp_path / 'README.md'}: not an incident report" in out
    assert out.splitlines()[-1].startswith("imported 1, updated 0, skipped 0 (unchanged), "
                                           "failed 0, ignored 1 (1 not a report)")
    code, out, _ = run("--db", f"sqlite:///{tmp_path / 'c.db'}", "import", str(tmp_path),
                       "--json")
    assert code == 0 and json.loads(out)["ignored_by_reason"] == {"not a report": 1}


# --------------------------------------------------------------------------- case 5


def gfm_cells(row: str) -> int:
    """Cells of a table row as GitHub reads it: a backslash escapes the next character."""
    body, count, escaped = row.strip().strip("|"), 1, False
    for char in body:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


PIPES = ["x\\|y", "a \\\\| b", "c | d", "ends in \\", "f \\\\\\| g"]


@pytest.mark.parametrize("template", ["a", "b"])
def test_5_backslashes_and_pipes_in_text_keep_the_table_and_read_back(template: str) -> None:
    from incidentlog.render import render_markdown

    with IncidentLog() as mem:
        mem.declare(ev.IncidentDeclared(incident_id="INC-20250602-0009", title="Pipes",
                                        severity="P2", occurred_at=T, actor="@o"))
        for text in PIPES:
            mem.append("INC-20250602-0009", ev.TimelineEntryAdded(occurred_at=T, actor="@o",
                                                                  text=text, by="@o"))
        stored = mem.get("INC-20250602-0009")
    markdown = render_markdown(stored, template)
    rows = [line for line in markdown.splitlines() if line.startswith("| 10:00")]
    assert len(rows) == 1 + len(PIPES) and all(gfm_cells(r) == 3 for r in rows)
    back = import_markdown(markdown).incident
    assert [t.text for t in back.timeline if t.kind == "timeline_entry"] == PIPES
    assert differences(back, stored) == []


# --------------------------------------------------------------------------- case 7


def test_7_duplicate_action_item_ids_keep_both_items_with_a_finding() -> None:
    text = PAYMENTS.read_text().replace("(INC-2)", "(INC-1)")
    result = import_markdown(text, source="dup.md")
    items = {a.id: a.title for a in result.incident.action_items}
    assert items == {"INC-1": "Require review for connection-pool settings",
                     "INC-1-2": "Add a pool-saturation alert"}
    line = next(n for n, x in enumerate(text.splitlines(), 1) if "pool-saturation" in x)
    assert [str(f) for f in result.findings if f.code == "duplicate-action-item"] == [
        f"dup.md:{line}: duplicate-action-item: action item id 'INC-1' is used more than "
        "once; this one is kept as 'INC-1-2'"]


def test_7_duplicate_ids_in_an_action_table_keep_both() -> None:
    text = PAYMENTS.read_text().split("## Action Items")[0] + (
        "## Action Items\n\n| # | Action | Owner |\n|---|---|---|\n"
        "| 1 | Add an alert | @maya |\n| 1 | Require review | @tom |\n")
    result = import_markdown(text, source="t.md")
    assert [(a.id, a.title) for a in result.incident.action_items] == [
        ("1", "Add an alert"), ("1-2", "Require review")]


# --------------------------------------------------------------------------- case 6

BLANK = """# Incident Report: [TITLE]

**Incident ID**: INC-YYYYMMDD-####
**Date**: YYYY-MM-DD
**Severity**: [P0-Critical / P1-High / P2-Medium / P3-Low]
**Status**: [Investigating / Mitigating / Resolved / Closed]

## Timeline

| Time | Event | Actor |
|------|-------|-------|
| HH:MM | Incident resolved | @name |
"""


def wiki(root: Path) -> Path:
    """A wiki as teams keep one: a folder per incident, a template, a README, .github/."""
    (root / "2025" / "payments").mkdir(parents=True)
    (root / "2025" / "payments" / "index.md").write_text(PAYMENTS.read_text())
    (root / "2024" / "dns").mkdir(parents=True)
    (root / "2024" / "dns" / "index.md").write_text(DNS.read_text())
    (root / "template.md").write_text(BLANK)
    (root / "README.md").write_text("# Postmortems\n\nOne folder per incident.\n")
    (root / ".github").mkdir()
    (root / ".github" / "PULL_REQUEST_TEMPLATE.md").write_text(BLANK)
    (root / "drafts").mkdir()
    (root / "drafts" / "wip.md").write_text(PAYMENTS.read_text().replace("0001", "0002"))
    return root


def test_6_a_wiki_imports_its_reports_and_says_what_it_passed_over(tmp_path: Path) -> None:
    root = wiki(tmp_path / "wiki")
    db = f"sqlite:///{tmp_path / 'w.db'}"
    code, out, err = run("--db", db, "import", str(root), "--exclude", "drafts")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert f"ignored: {root / '.github'}/: hidden folder" in lines
    assert f"ignored: {root / 'drafts'}/: excluded by --exclude drafts" in lines
    assert f"ignored: {root / 'README.md'}: not an incident report (found a title, no " \
        "timeline, 0 report section(s), no incident id)" in lines
    assert f"ignored: {root / 'template.md'}: a template: the title is a placeholder " \
        "([TITLE])" in lines
    assert lines[-1].startswith("imported 2, updated 0, skipped 0 (unchanged), failed 0, "
                                "ignored 4 (1 excluded, 1 hidden, 1 not a report, 1 template)")
    code, out, _ = run("--db", db, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 2


def test_6_exclude_globs_match_names_and_paths(tmp_path: Path, log: IncidentLog) -> None:
    root = wiki(tmp_path / "wiki")
    summary = import_paths(log, [root], exclude=["*/dns/*", "README.md", "template.md"])
    assert sorted(log.ids()) == ["INC-20250602-0001", "INC-20250602-0002"]
    assert summary.count("failed") == 0 and summary.ignored_by_reason()["excluded"] == 3


def test_6_a_symlink_loop_is_not_followed(tmp_path: Path, log: IncidentLog) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.md").write_text(PAYMENTS.read_text())
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    summary = import_paths(log, [tmp_path])
    assert [o.status for o in summary.outcomes] == ["ignored", "imported"]
    assert "symlink" in (summary.outcomes[0].reason or "")


# --------------------------------------------------------------------------- case 8


def test_8_check_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(PAYMENTS.read_bytes().replace(b"41 minutes (detection",
                                                          b"45 minutes (detection"))

    monkeypatch.setattr("sys.stdin", Stdin)
    code, out, _ = run("check", "-")
    assert code == 1 and "<text>:" in out and "duration-mismatch" in out


def test_8_check_takes_folders_and_reports_every_file(tmp_path: Path) -> None:
    root = wiki(tmp_path / "wiki")
    bad = tmp_path / "bad.md"
    bad.write_text(PAYMENTS.read_text().replace("41 minutes (detection", "45 minutes (detection"))
    readme = root / "README.md"
    code, out, _ = run("check", str(bad), str(readme), str(root / "2024"))
    assert code == 1
    assert "duration-mismatch" in out and f"{readme}:1: warning: not-a-report" in out
    assert out.splitlines()[-1] == "checked 3 file(s)"
    code, out, _ = run("check", str(root), "--json")
    passed = {f["file"] for f in json.loads(out) if f["code"] == "not-a-report"}
    assert passed == {f"{root / '.github'}/", str(readme), str(root / "template.md")}
    code, out, _ = run("check", str(root / "template.md"))
    assert (code, out.splitlines()[0]) == (0, f"{root / 'template.md'}:1: warning: "
                                             "not-a-report: a template: the title is a "
                                             "placeholder ([TITLE])")


# --------------------------------------------------------------------------- case 9


def test_9_a_huge_file_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as f:  # sparse: 1.5 GB that take no disk
        f.truncate(1_500_000_000)
    code, out, err = run("check", str(huge))
    assert code == 2
    assert f"{huge}:1: error: unreadable: 1,500,000,000 bytes is over the limit of " \
        "5,000,000 (Limits.max_bytes)" in out
    code, out, err = run("convert", str(huge))
    assert code == 2 and err.count("\n") == 1 and "over the limit" in err


def test_9_devices_and_fifos_are_refused_by_kind(tmp_path: Path, log: IncidentLog) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    summary = import_paths(log, [tmp_path])
    assert [o.error for o in summary.outcomes] == [
        f"{tmp_path / 'pipe.md'}: a FIFO (named pipe), not a regular file; refused",
        f"{tmp_path / 'zero.md'}: a character device, not a regular file; refused"]
    code, _, err = run("convert", "/dev/zero")
    assert code == 2 and "character device" in err


def test_9_standard_input_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b"x" * 5_000_001)

    monkeypatch.setattr("sys.stdin", Stdin)
    code, _, err = run("convert", "-")
    assert code == 2 and "more than 5,000,000 bytes is over the limit" in err


LEGACY = PAYMENTS.read_text().replace("Payment API timeouts", "Payment API timeouts – café") \
    .replace("✅", "+").replace("❌", "-")


def test_9_a_windows_1252_file_imports_with_a_finding(tmp_path: Path, log: IncidentLog) -> None:
    path = tmp_path / "legacy.md"
    path.write_bytes(LEGACY.encode("cp1252"))
    outcome = import_file(log, path)
    assert outcome.status == "imported"
    assert "timeouts – café after" in log.get("INC-20250602-0001").title
    assert [str(f) for f in outcome.findings if f.code == "encoding"] == [
        f"{path}:1: encoding: not UTF-8: read as Windows-1252 (first non-UTF-8 byte 0x96); "
        "check the text, or pass --encoding"]


def test_9_encoding_can_be_named(tmp_path: Path) -> None:
    path = tmp_path / "legacy.md"
    path.write_bytes(LEGACY.replace("–", "-").encode("latin-1"))
    db = f"sqlite:///{tmp_path / 'e.db'}"
    code, out, _ = run("--db", db, "import", str(path), "--encoding", "latin-1", "--json")
    assert code == 0 and json.loads(out)["findings_by_code"].get("encoding") is None
    code, _, err = run("--db", db, "import", str(path), "--encoding", "klingon")
    assert code == 2 and err == "incidentlog import: error: unknown encoding 'klingon' " \
        "(--encoding)\n"
    code, out, _ = run("convert", str(path), "--encoding", "latin-1", "--to", "json")
    assert code == 0 and "timeouts - café after" in json.loads(out)["title"]


def test_9_a_file_name_that_is_not_utf8_is_read_and_shown(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path / "w")
    Path(os.fsdecode(folder)).mkdir()
    Path(os.fsdecode(folder + b"/r\xff.md")).write_bytes(PAYMENTS.read_bytes())
    db = f"sqlite:///{tmp_path / 'n.db'}"
    code, out, _ = run("--db", db, "import", os.fsdecode(folder), "--verbose")
    assert code == 0 and f"imported: {tmp_path / 'w'}/r\ufffd.md -> INC-20250602-0001" in out
    code, out, _ = run("check", os.fsdecode(folder))
    assert code == 0 and out.splitlines()[-1] == "checked 1 file(s)"


def test_6_markers_in_a_real_report_do_not_make_it_a_template(tmp_path: Path,
                                                             log: IncidentLog) -> None:
    path = tmp_path / "r.md"
    path.write_text(PAYMENTS.read_text().replace("## Action Items", "## Action Items\n\n"
                    "- [DONE] pool alert\n- [WIP] review gate\n- [BLOCKED] load test\n"))
    assert import_file(log, path).status == "imported"
    (tmp_path / "t.md").write_text(PAYMENTS.read_text().replace(
        "**Date**: 2025-06-02", "**Date**: YYYY-MM-DD\n**Owner**: [NAME]\n**Team**: [TEAM NAME]"))
    outcome = import_file(log, tmp_path / "t.md")
    assert outcome.status == "ignored" and outcome.reason == (
        "a template: placeholders such as YYYY-MM-DD, [NAME], [TEAM NAME]")


def test_the_shared_archives_import_and_only_the_blank_templates_count_as_templates(
        log: IncidentLog) -> None:
    from conftest import SHARED

    if not (SHARED / "corpus").exists():
        pytest.skip("../shared is not beside the project")
    summary = import_paths(log, [SHARED / "corpus", SHARED / "archives", SHARED / "seeds"])
    assert summary.count("failed") == 0
    templates = {Path(o.path).name for o in summary.outcomes
                 if o.status == "ignored" and (o.reason or "").startswith("a template")}
    assert templates == {"incident-report-template-a.md", "incident-report-template-b.md"}
    corpus = {o.path for o in summary.outcomes if o.status == "imported"}
    assert {str(p) for p in (SHARED / "corpus").rglob("*.md") if p.name != "README.md"} <= corpus


def test_9_odd_numbers_and_names_on_the_command_line_give_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    for argv, says in ((["--jobs", "0"], "--jobs 0: give at least 1"),
                       (["--encoding", "rot13"], "unknown encoding 'rot13' (--encoding)")):
        code, out, err = run("--db", db, "import", str(EXAMPLES), *argv)
        assert (code, out) == (2, "") and err == f"incidentlog import: error: {says}\n"
    code, out, _ = run("--db", db, "import", str(EXAMPLES), "--jobs", "100000")
    assert code == 0 and out.startswith("imported 2,")


def test_6_a_file_named_on_the_command_line_that_is_not_a_report_fails(tmp_path: Path) -> None:
    root = wiki(tmp_path / "wiki")
    code, out, _ = run("--db", f"sqlite:///{tmp_path / 'n.db'}", "import",
                       str(root / "README.md"), str(root / "2024"))
    assert code == 2 and f"failed: {root / 'README.md'}: not an incident report" in out
    assert out.splitlines()[-1].startswith("imported 1, updated 0, skipped 0 (unchanged), "
                                           "failed 1, ignored 0")
