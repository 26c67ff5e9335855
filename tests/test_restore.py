"""Restore: export -> load -> export is byte for byte the same, and verify holds."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from incidentlog import IncidentLog, integrity
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.importer import import_paths
from incidentlog.restore import RestoreError, export, load

import seed_incidents

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "reports"
OLD_STORE = Path(__file__).parent / "fixtures" / "store-v1.db"


def fill(log: IncidentLog) -> None:
    seed_incidents.record(log)
    import_paths(log, [EXAMPLES])
    at = log.get(seed_incidents.A_ID).resolved_at
    log.append(seed_incidents.A_ID, ev.Corrected(occurred_at=at, actor="@ed", field="title",
                                                 value="Gateway 5xx", reason="precise"))


def test_export_load_export_is_identical_on_every_backend(log: IncidentLog, tmp_path: Path
                                                          ) -> None:
    fill(log)
    first = list(export(log))
    for target in (IncidentLog(), IncidentLog(f"sqlite:///{tmp_path / 'restored.db'}")):
        with target:
            done = load(target, first)
            assert (done.events, done.relinked) == (len(first), 0)
            assert done.incidents == len(list(log.ids()))
            assert list(export(target)) == first
            assert integrity.verify(target).ok
            assert integrity.verify(target).heads == integrity.verify(log).heads, \
                "the same chain links"
            for ident in log.ids():
                assert target.get(ident) == log.get(ident)
                assert target.events(ident) == log.events(ident)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_round_trip(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with IncidentLog(source) as log:
        fill(log)
    code, exported, _ = run("--db", source, "export")
    assert code == 0
    path = tmp_path / "backup.jsonl"
    path.write_text(exported, encoding="utf-8")
    code, out, err = run("--db", target, "load", str(path))
    assert code == 0, err
    assert out.startswith(f"loaded {exported.count(chr(10))} event(s) of 4 incident(s)")
    assert out.endswith("verify: intact\n")
    assert run("--db", target, "export")[1] == exported
    code, _, err = run("--db", target, "load", str(path))
    assert code == 2 and "is not empty" in err and err.count("\n") == 1


def lines_of(tmp_path: Path) -> list[str]:
    with IncidentLog(f"sqlite:///{tmp_path / 'src.db'}") as log:
        seed_incidents.record(log)
        return list(export(log))


@pytest.mark.parametrize(("edit", "says"), [
    (lambda ls: [*ls[:2], "not json", *ls[2:]], "f.jsonl:3: not an export line"),
    (lambda ls: [ls[0], ls[2]], "f.jsonl:2: INC-20251023-0001 version 3, expected 2"),
    (lambda ls: ls[1:], "f.jsonl:1: INC-20251023-0001 version 2, expected 1"),
    (lambda ls: [ls[0].replace("Inference gateway", "Inference GATEWAY"), *ls[1:]],
     "f.jsonl:1: INC-20251023-0001 version 1: its chain link does not follow"),
    (lambda ls: [ls[0].replace('"occurred_at": "2025-10-23T14:25:00Z"',
                               '"occurred_at": "2025-10-23T14:25:00"'), *ls[1:]],
     "with a timezone component"),
    (lambda ls: [ls[0].replace('"type": "declared"', '"type": "exploded"'), *ls[1:]],
     "unknown event type 'exploded'"),
])
def test_a_bad_or_edited_file_is_refused_whole(tmp_path: Path, edit: object, says: str
                                               ) -> None:
    lines = edit(lines_of(tmp_path))  # type: ignore[operator]
    with IncidentLog() as target:
        with pytest.raises(RestoreError, match=None) as caught:
            load(target, lines, source="f.jsonl")
        assert says in str(caught.value) and "\n" not in str(caught.value)
        assert list(target.ids()) == [], "nothing stored"


def test_events_stored_in_an_older_format_and_schema_load_as_they_were(tmp_path: Path
                                                                      ) -> None:
    old = tmp_path / "old.db"
    shutil.copy(OLD_STORE, old)
    with IncidentLog(f"sqlite:///{old}") as log:
        lines = list(export(log))
        states = {i: log.get(i) for i in log.ids()}
    assert json.loads(lines[1])["event"]["ticket"] == "OPS-42", "exported upcast"
    assert {(json.loads(x)["format"], json.loads(x)["schema"]) for x in lines} >= {(1, 1)}
    with IncidentLog() as target:
        assert load(target, lines).relinked == 0
        assert list(export(target)) == lines, "format 1, schema 1 rows copied as they were"
        assert integrity.verify(target).ok
        assert {i: target.get(i) for i in target.ids()} == states


def test_lines_without_their_stored_bytes_need_relink(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(OLD_STORE, old)
    with IncidentLog(f"sqlite:///{old}") as log:
        lines = []
        for line in export(log):
            data = json.loads(line)
            del data["stored"], data["format"], data["schema"]
            lines.append(json.dumps(data))
        states = {i: log.get(i) for i in log.ids()}
    with IncidentLog() as target, pytest.raises(RestoreError, match="--relink"):
        load(target, lines)
    with IncidentLog() as target:
        done = load(target, lines, relink=True)
        assert done.relinked > 0
        assert integrity.verify(target).ok
        assert {i: target.get(i) for i in target.ids()} == states


def test_a_writer_that_gets_there_first_is_a_clear_refusal(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    lines = lines_of(tmp_path)
    with IncidentLog(f"sqlite:///{tmp_path / 'race.db'}") as target:
        seed_incidents.record(target)
        # As if another loader stored its events between the emptiness check and ours.
        monkeypatch.setattr(target, "changes", lambda **kwargs: iter(()))
        with pytest.raises(RestoreError, match="another writer got there first"):
            load(target, lines)


def test_an_encrypted_store_restores_into_another_under_its_own_key(tmp_path: Path) -> None:
    cipher = pytest.importorskip("eventsourcing.cipher")
    pytest.importorskip("Crypto", reason="pip install 'incidentlog[crypto]' for the cipher")
    first, second = (cipher.AESCipher.create_key(num_bytes=32) for _ in range(2))
    with IncidentLog(f"sqlite:///{tmp_path / 'a.db'}", cipher_key=first) as log:
        seed_incidents.record(log)
        lines = list(export(log))
        states = {i: log.get(i) for i in log.ids()}
    with IncidentLog(f"sqlite:///{tmp_path / 'b.db'}", cipher_key=second) as target:
        assert load(target, lines).relinked == 0
        assert list(export(target)) == lines
        assert integrity.verify(target).ok
        assert {i: target.get(i) for i in target.ids()} == states
