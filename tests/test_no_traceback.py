"""No traceback from any CLI input, and the store's own guards: numbers and times out of
range, control characters, passwords, NaN, clocks that go backwards, bad ids, concurrent
first opens on PostgreSQL."""

from __future__ import annotations

import io
import math
import multiprocessing
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import workers
from incidentlog import IncidentLog, StoreError, integrity, readmodel
from incidentlog import events as ev
from incidentlog.cli import main
from incidentlog.errors import InvalidEventError

ID = "INC-20251023-0001"
T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)
HUGE = "99999999999999999999"


def run(db: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["--db", db, *argv], out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    with IncidentLog(url) as log:
        log.declare(ev.IncidentDeclared(incident_id=ID, title="Bell\x07 and \x1b[31mred\x1b[0m",
                                        severity="P2", occurred_at=T, actor="@e\x1b]0;x\x07vil"))
        log.append(ID, ev.TimelineEntryAdded(occurred_at=T, actor="@sre",
                                             text="carriage\rreturn \u202eevil"))
    return url


@pytest.mark.parametrize("argv", [
    ("show", ID, "--version", HUGE), ("show", ID, "--version", "0"),
    ("export", "--after", HUGE), ("export", "--after", "-1"), ("diff", ID, "1", HUGE),
    ("list", "--limit", HUGE), ("list", "--since", "0001-01-01T00:00:00+01:00"),
    ("list", "--until", "9999-12-31T23:59:59-01:00"), ("history", "no\nsuch\x1b"),
])
def test_numbers_and_times_out_of_range_are_usage_errors(db: str, argv: tuple[str, ...]
                                                         ) -> None:
    code, out, err = run(db, *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err + out
    assert "\x1b" not in err


@pytest.mark.parametrize("argv", [("list",), ("history", ID), ("show", ID), ("blame", ID),
                                  ("list", "--json"), ("show", ID, "--format", "json")])
def test_terminal_control_characters_are_escaped(db: str, argv: tuple[str, ...]) -> None:
    code, out, _ = run(db, *argv)
    assert code == 0
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in out
    if "--json" not in argv and "json" not in argv:
        assert "\\x1b" in out


def test_passwords_are_redacted_by_parsing_the_url() -> None:
    for password in ("pa ss@w0rd", "p@ss:w/ord", "plain-secret", "two@@signs"):
        url = f"postgresql://u:{password}@127.0.0.1:1/db?connect_timeout=1"
        with pytest.raises(StoreError) as info:
            IncidentLog(url)
        code, _, err = run(url, "list")
        assert code == 2 and "***" in err
        for shown in (str(info.value), err):
            for fragment in (password, password.split("@")[-1], password.split(":")[-1]):
                assert fragment not in shown


def test_nan_and_infinity_are_refused() -> None:
    log = IncidentLog()
    log.declare(ev.IncidentDeclared(incident_id=ID, title="t", severity="P2", occurred_at=T,
                                    actor="@a"))
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidEventError, match="downtime_minutes: not a finite number"):
            log.append(ID, ev.ImpactAssessed(occurred_at=T, actor="@a",
                                             downtime_minutes=value))
    assert log.get(ID).version == 1


def test_recorded_time_never_goes_backwards_within_an_incident() -> None:
    times = iter([T, T + timedelta(hours=1), T + timedelta(minutes=5), T + timedelta(hours=2)])
    log = IncidentLog(clock=lambda: next(times))
    log.declare(ev.IncidentDeclared(incident_id=ID, title="t", severity="P2", occurred_at=T,
                                    actor="@a"))
    for n in range(3):  # the second writer's clock is 55 minutes behind
        log.append(ID, ev.TimelineEntryAdded(occurred_at=T, actor="@a", text=str(n)))
    recorded = [e.recorded_at for e in log.events(ID)]
    assert recorded == sorted(recorded)
    assert recorded[2] == T + timedelta(hours=1)
    # Every state as_of a recorded time is a prefix of the history: one that existed.
    for n, when in enumerate(recorded, 1):
        assert log.get(ID, as_of=when).version >= n


@pytest.mark.parametrize("bad", ["", "a\nb", " lead", "x" * 101, "id\x1b"])
def test_ids_are_validated_even_without_the_rules(bad: str) -> None:
    log = IncidentLog()
    with pytest.raises(InvalidEventError, match="incident id"):
        log.append(bad, ev.IncidentDeclared(incident_id=bad, title="t", severity="P2",
                                            occurred_at=T, actor="@a"), validate=False)
    assert list(log.ids()) == []


@pytest.mark.postgres
def test_ten_processes_open_a_fresh_postgres_database_at_once(pg_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3  # after every process has imported incidentlog
    with ctx.Pool(10) as pool:
        results = pool.starmap(workers.first_open, [(pg_url, n, start_at) for n in range(10)])
    assert results == ["ok"] * 10
    with IncidentLog(pg_url) as log:
        assert len(readmodel.find(log)) == 10 and integrity.verify(log).ok


def test_a_long_chain_of_kept_sections_renders_in_order() -> None:
    from incidentlog.render import render_markdown

    log = IncidentLog(snapshot_interval=0)
    log.declare(ev.IncidentDeclared(incident_id=ID, title="t", severity="P2", occurred_at=T,
                                    actor="@a"))
    n = 3000  # each anchored to the one before: recursion used to stop near 500
    log.append(ID, *[ev.SectionNoted(occurred_at=None, actor="@a", heading=f"H{i}",
                                     markdown=f"text {i}", level=2 + (i % 3 == 1),
                                     anchor=f"H{i - 1}" if i else "Timeline")
                     for i in range(n)], validate=False)
    for template in ("a", "b"):
        out = render_markdown(log.get(ID), template)
        positions = [out.index(f"# H{i}\n") for i in range(n)]
        assert positions == sorted(positions)


def test_ten_thousand_headings_convert(tmp_path: Path) -> None:
    lines = ["# INC-20251023-0001: Big", "", "## Timeline", "", "- 14:00 UTC - began", ""]
    for i in range(10_000):
        lines += ["#" * (2 + i % 5) + f" Extra {i}", "", f"text {i}", ""]
    path = tmp_path / "big.md"
    path.write_text("\n".join(lines))
    out, err = io.StringIO(), io.StringIO()
    assert main(["convert", str(path)], out, err) == 0
    # Every heading kept, as a heading line (the marks of kept sections name them too).
    assert sum(line.lstrip("#").startswith(" Extra ") for line in out.getvalue().split("\n")
               if line.startswith("#")) == 10_000


def test_a_file_name_with_control_characters_is_printed_escaped(tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b[2J\x07.md"
    bad.write_text("not a report at all")
    db = f"sqlite:///{tmp_path / 'i.db'}"
    code, out, err = run(db, "import", str(bad))
    assert code == 2 and "evil\\x1b[2J\\x07.md" in out + err
    assert "\x1b" not in out + err and "\x07" not in out + err


def test_non_finite_refused_whatever_else_the_event_says() -> None:
    """The check looks for NaN only where the event's JSON has a null; text that says
    "null" does not hide one, and an event that is not encodable still names it."""
    log = IncidentLog()
    log.declare(ev.IncidentDeclared(incident_id=ID, title="null", severity="P2", occurred_at=T,
                                    actor="@a"))
    with pytest.raises(InvalidEventError, match="slo_actual: not a finite number"):
        log.append(ID, ev.ImpactAssessed(occurred_at=T, actor="@a", revenue="null",
                                         slo_actual=math.nan))
    with pytest.raises(InvalidEventError, match="slo_actual: not a finite number"):
        log.append(ID, ev.ImpactAssessed(occurred_at=T, actor="@a", slo_actual=math.inf,
                                         revenue=object()))  # type: ignore[arg-type]
    with pytest.raises(InvalidEventError, match="ImpactAssessed"):
        log.append(ID, ev.ImpactAssessed(occurred_at=T, actor="@a",
                                         revenue=object()))  # type: ignore[arg-type]
    log.append(ID, ev.ImpactAssessed(occurred_at=T, actor="@a", revenue="null", slo_actual=99.9))
    assert log.get(ID).version == 2


def test_a_nan_anywhere_in_an_event_is_named() -> None:
    """Constructors check no types: a NaN where a string belongs, or nested, is found too."""
    log = IncidentLog()
    log.declare(ev.IncidentDeclared(incident_id=ID, title="t", severity="P2", occurred_at=T,
                                    actor="@a"))
    nested = ev.ImpactAssessed(occurred_at=T, actor="@a", services=(
        ev.ServiceImpact(name="api", effect=math.nan),),)  # type: ignore[arg-type]
    for event, path in ((nested, r"services\[0\]\.effect"),
                        (ev.ImpactAssessed(occurred_at=T, actor="@a",
                                           users_affected=-math.inf),  # type: ignore[arg-type]
                         "users_affected")):
        with pytest.raises(InvalidEventError, match=f"{path}: not a finite number"):
            log.append(ID, event)
    assert log.get(ID).version == 1
