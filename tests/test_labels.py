"""Teams, tags, custom fields and roles: events, rules, the index's filters, stats groups."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentlog import IncidentLog, RuleViolation, readmodel
from incidentlog import events as ev
from incidentlog.audit import stats
from incidentlog.cli import main
from incidentlog.render import to_json

T = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def declare(log: IncidentLog, ident: str, *extra: ev.Event, days: int = 0) -> None:
    at = T + timedelta(days=days)
    log.append(ident, ev.IncidentDeclared(incident_id=ident, title=ident, severity="P2",
                                          occurred_at=at, actor="@a"), *extra)
    log.append(ident, ev.Resolved(occurred_at=at + timedelta(minutes=10 * (days + 1)),
                                  actor="@a"))


def teams(*names: str) -> ev.TeamsChanged:
    return ev.TeamsChanged(occurred_at=T, actor="@a", added=names)


def fill(log: IncidentLog) -> None:
    declare(log, "I-1", teams("payments"), ev.TagsChanged(occurred_at=T, actor="@a",
                                                           added=("customer", "db")),
            ev.FieldSet(occurred_at=T, actor="@a", name="region", value="eu"), days=0)
    declare(log, "I-2", teams("payments", "search"),
            ev.FieldSet(occurred_at=T, actor="@a", name="region", value="us"), days=1)
    declare(log, "I-3", days=2)


def test_the_fold_keeps_teams_tags_fields_and_roles() -> None:
    log = IncidentLog()
    fill(log)
    log.append("I-2", ev.TeamsChanged(occurred_at=T, actor="@a", added=("db",),
                                      removed=("search",)),
               ev.RoleAssigned(occurred_at=T, actor="@a", role="scribe", person="@ana"),
               ev.RoleAssigned(occurred_at=T, actor="@a", role="commander", person="@bo"),
               ev.FieldSet(occurred_at=T, actor="@a", name="region", value=None))
    state = log.get("I-2")
    assert state.teams == ("payments", "db")
    assert state.roles == (("scribe", "@ana"),) and state.commander == "@bo"
    assert state.role("commander") == "@bo" and state.role("scribe") == "@ana"
    assert state.fields == () and state.field("region") is None
    doc = json.loads(to_json(state))
    assert (doc["teams"], doc["roles"], doc["fields"]) == (["payments", "db"],
                                                           {"scribe": "@ana"}, {})
    again = IncidentLog().record(to_json(log.get("I-1")), actor="@x")
    assert (again.teams, again.tags, again.fields) == (
        ("payments",), ("customer", "db"), (("region", "eu"),))


@pytest.mark.parametrize(("event", "rule"), [
    (ev.TagsChanged(occurred_at=T, actor="@a", added=("db",)), "nothing changes"),
    (ev.TagsChanged(occurred_at=T, actor="@a", removed=("nope",)), "no tag 'nope' to remove"),
    (ev.TeamsChanged(occurred_at=T, actor="@a", added=("a|b",)), "no '|'"),
    (ev.TeamsChanged(occurred_at=T, actor="@a", added=(" padded",)), "no spaces around"),
    (ev.FieldSet(occurred_at=T, actor="@a", name="Region", value="x"), "lower case"),
    (ev.FieldSet(occurred_at=T, actor="@a", name="tier", value=None), "is not set"),
    (ev.FieldSet(occurred_at=T, actor="@a", name="tier", value=" "), "1 to 1000"),
    (ev.RoleAssigned(occurred_at=T, actor="@a", role="", person="@x"), "role ''"),
    (ev.RoleAssigned(occurred_at=T, actor="@a", role="scribe", person=" "), "name the person"),
])
def test_rules(event: ev.Event, rule: str) -> None:
    log = IncidentLog()
    fill(log)
    with pytest.raises(RuleViolation, match=rule):
        log.append("I-1", event)


def test_list_filters_from_the_index(log: IncidentLog) -> None:
    fill(log)
    assert [r.id for r in readmodel.find(log, team="payments")] == ["I-2", "I-1"]
    assert [r.id for r in readmodel.find(log, team="search")] == ["I-2"]
    assert [r.id for r in readmodel.find(log, tag="db", team="payments")] == ["I-1"]
    assert [r.id for r in readmodel.find(log, field=("region", "us"))] == ["I-2"]
    assert readmodel.find(log, field=("region", "mars")) == []
    row = readmodel.find(log, tag="customer")[0]
    assert (row.teams, row.tags, row.fields) == (("payments",), ("customer", "db"),
                                                 (("region", "eu"),))
    log.append("I-1", ev.TagsChanged(occurred_at=T, actor="@a", removed=("db",)))
    assert readmodel.find(log, tag="db") == []
    assert [r.id for r in readmodel.find(log)] == ["I-3", "I-2", "I-1"]
    assert readmodel.find(log, team="payments")[0].teams == ("payments", "search")


def test_an_index_kept_before_labels_were_indexed_fills_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with IncidentLog(f"sqlite:///{path}") as log:
        fill(log)
        readmodel.find(log)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE incident_labels")
    with IncidentLog(f"sqlite:///{path}") as log:
        assert [r.id for r in readmodel.find(log, team="payments")] == ["I-2", "I-1"]


def test_stats_by_team_tag_and_field() -> None:
    log = IncidentLog()
    fill(log)
    by_team = {g.group: g.incidents for g in stats(log.list(), by="team")}
    assert by_team == {"payments": 2, "search": 1, "(none)": 1}
    by_tag = {g.group: g.mttr.median_minutes for g in stats(log.list(), by="tag")}
    assert by_tag == {"customer": 10, "db": 10, "(none)": 25}
    assert {g.group for g in stats(log.list(), by="field:region")} == {"eu", "us", "(unset)"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENTLOG_DB", f"sqlite:///{tmp_path / 'l.db'}")
    monkeypatch.setenv("INCIDENTLOG_ACTOR", "@me")
    code, out, err = run("declare", "I-9", "--title", "t", "--severity", "P1", "--team", "web",
                         "--tag", "edge", "--field", "region=eu", "--role", "scribe=@ana")
    assert code == 0, err
    assert out.splitlines()[1:] == ["I-9 v2: team web added", "I-9 v3: tag edge added",
                                    "I-9 v4: field region set to eu", "I-9 v5: scribe: @ana"]
    assert run("team", "I-9", "--add", "db", "--remove", "web")[0] == 0
    assert run("role", "I-9", "communications", "@bo")[0] == 0
    assert run("role", "I-9", "scribe", "--clear")[0] == 0
    code, out, _ = run("show", "I-9", "--format", "json")
    doc = json.loads(out)
    assert (doc["teams"], doc["tags"], doc["roles"]) == (["db"], ["edge"],
                                                         {"communications": "@bo"})
    code, out, _ = run("list", "--team", "db", "--field", "region=eu", "--json")
    assert [r["id"] for r in json.loads(out)] == ["I-9"]
    assert run("tag", "I-9", "--add", "a-rather-long-customer-facing-tag")[0] == 0
    code, out, _ = run("stats", "--by", "tag")
    header, *rows, _ = out.splitlines()
    assert code == 0 and len(rows) == 2
    assert {row.index(" - (0/1)") for row in rows} == {header.index(" MTTD")}, "aligned"
    code, out, _ = run("stats", "--by", "field:region", "--json")
    assert [g["group"] for g in json.loads(out)] == ["eu"]
    for argv, says in [(("team", "I-9"), "give --add or --remove"),
                       (("field", "I-9", "tier"), "give a VALUE or --clear"),
                       (("list", "--field", "region"), "NAME=VALUE"),
                       (("stats", "--by", "colour"), "cannot group by 'colour'"),
                       (("tag", "I-9", "--add", "edge"), "nothing changes")]:
        code, out, err = run(*argv)
        assert code == 2 and out == "" and err.count("\n") == 1 and says in err, err

NAMES = st.sampled_from(["a", "b", "c", "d"])


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.lists(NAMES, max_size=3), st.lists(NAMES, max_size=2)),
                      max_size=12))
def test_tags_follow_a_simple_model_and_refusals_store_nothing(
        steps: list[tuple[list[str], list[str]]]) -> None:
    log = IncidentLog()
    log.declare(ev.IncidentDeclared(incident_id="P-1", title="t", severity="P3",
                                    occurred_at=T, actor="@a"))
    model: list[str] = []
    for added, removed in steps:
        event = ev.TagsChanged(occurred_at=T, actor="@a", added=tuple(added),
                               removed=tuple(removed))
        kept = [x for x in model if x not in removed]
        valid = all(x in model for x in removed) and (
            bool(removed) or any(x not in model for x in added))
        before = log.get("P-1")
        try:
            log.append("P-1", event)
        except RuleViolation:
            assert not valid
            assert log.get("P-1") == before
            continue
        assert valid
        model = [*kept, *(x for x in dict.fromkeys(added) if x not in kept)]
        assert log.get("P-1").tags == tuple(model)
    assert [r.tags for r in readmodel.find(log)] == [tuple(sorted(model))]
