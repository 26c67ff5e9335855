"""Reports by projection: both house formats, JSON, escaping, derived figures."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mistune
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from conftest import SHARED
from strategies import histories

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog import figures as fg
from incidentlog.incident import fold
from incidentlog.render import json_schema, render_markdown, to_json
from incidentlog.render.json import IncidentDoc

import seed_incidents

SEEDS = SHARED / "seeds"
MOJIBAKE = {"âœ…": "✅", "âŒ": "❌", "ðŸ€": "🍀", "ðŸ”´": "🔴", "â€¢": "•"}


def seed_text(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"{path} is not beside the project")
    text = path.read_text(encoding="utf-8")
    for bad, good in MOJIBAKE.items():
        text = text.replace(bad, good)
    return text


def headings(markdown: str) -> list[str]:
    in_code = False
    out = []
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,3} ", line):
            out.append(line.split(" ", 1)[0] + " " + line.split(" ", 1)[1].strip())
    return out


def labels(markdown: str) -> set[str]:
    return set(re.findall(r"\*\*([^*]+)\*\*:", markdown))


def is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


@pytest.fixture(scope="module")
def seeded() -> IncidentLog:
    log = IncidentLog()
    seed_incidents.record(log)
    return log


@pytest.mark.parametrize(("template", "seed", "incident_id"), [
    ("a", "incident-report-template-a.md", seed_incidents.A_ID),
    ("b", "incident-report-template-b.md", seed_incidents.B_ID),
])
def test_seed_examples_render_with_the_seed_structure(seeded: IncidentLog, template: str,
                                                      seed: str, incident_id: str) -> None:
    expected = seed_text(seed)
    rendered = render_markdown(seeded.get(incident_id), template, seeded.events(incident_id))
    got = [h for h in headings(rendered) if not h.startswith("# ")]
    want = [h for h in headings(expected) if not h.startswith("# ")]
    assert is_subsequence(got, want), f"headings out of the seed's order:\n{got}\n{want}"
    # The sections the example has data for are all there.
    assert len(got) >= 0.7 * len(want)
    extra = labels(rendered) - labels(expected)
    # Bold words that open a lesson, contributing factor or action owner are user text.
    user_words = {w.title for w in seeded.get(incident_id).lessons}
    user_words |= {f.split("**")[1] for f in (seeded.get(incident_id).root_cause.causes
                                                + seeded.get(incident_id).root_cause
                                                .contributing_factors)}  # type: ignore[union-attr]
    user_words |= {a.owner or "" for a in seeded.get(incident_id).action_items}
    user_words |= {f.label for f in seeded.get(incident_id).impact.facts}  # type: ignore[union-attr]
    assert extra - user_words == set(), "field labels the seed does not use"
    assert rendered.startswith("# Incident Report: ")


def test_template_a_header_and_figures(seeded: IncidentLog) -> None:
    text = render_markdown(seeded.get(seed_incidents.A_ID), "a")
    assert "**Incident ID**: INC-20251023-0001\n**Date**: 2025-10-23\n**Severity**: P1-High" in text
    assert "**Duration**: 00:27 (from detection to resolution)" in text
    assert "**Total Duration**: 27 minutes (detection to resolution)" in text
    assert "**Time to Mitigation**: 12 minutes (from detection)" in text
    assert "| 14:23 | Alert fired: HighErrorRate | Prometheus |" in text
    assert "- [x] **@dev-lead**: Add null check to EXIF access in v1.2.4 (INC-001)" in text
    assert "✅ **Alert Detection**" in text and "🍀 **Timing**" in text
    assert "840 failed requests (out of 7,000 total): 88% success rate" in text


def test_template_b_header_tables_and_budget(seeded: IncidentLog) -> None:
    text = render_markdown(seeded.get(seed_incidents.B_ID), "b")
    assert "**Incident ID**: #2024-11-19-001" in text
    assert "**Duration**: 45 minutes" in text
    assert "| 14:02:30 | Incident declared P0 | @oncall-engineer |" in text
    assert ("**SLA Impact**: 45 minutes against monthly error budget (99.9% = 43.8 min/month)"
            in text)
    assert ("| 1 | Add database index health monitoring | @devops | 2024-11-22 | P0 "
            "| In Progress |") in text
    assert "| Incident Commander | John Doe | ✅ Approved | 2024-11-20 |" in text


def test_sections_without_data_are_left_out() -> None:
    log = IncidentLog()
    t = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    log.declare(ev.IncidentDeclared(incident_id="INC-20250102-0001", title="Bare",
                                    severity="P3", occurred_at=t, actor="@a"))
    for template in ("a", "b"):
        text = render_markdown(log.get("INC-20250102-0001"), template)
        assert "[" not in text.replace("[x]", "").replace("[ ]", ""), "no placeholders"
        for absent in ("Five Whys", "Action Items", "Lessons", "Sign-", "Blast Radius",
                       "Impact Assessment", "Duration"):
            assert absent not in text


def _incident_over_midnight() -> IncidentLog:
    log = IncidentLog()
    t = datetime(2025, 3, 9, 23, 50, tzinfo=UTC)
    log.declare(ev.IncidentDeclared(incident_id="INC-20250309-0001", title="Night",
                                    severity="P2", occurred_at=t, actor="@a", detected_at=t))
    # Recorded out of order on purpose.
    log.append("INC-20250309-0001",
               ev.Resolved(occurred_at=t + timedelta(minutes=40), actor="@a"),
               ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=20), actor="@a",
                                     text="after midnight"),
               ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=5), actor="@a",
                                     text="before midnight"))
    return log


def test_timeline_is_in_time_order_and_days_are_unambiguous() -> None:
    log = _incident_over_midnight()
    text = render_markdown(log.get("INC-20250309-0001"), "a")
    rows = [line for line in text.splitlines() if line.startswith("| 2025")]
    assert rows == [
        "| 2025-03-09 23:50 | Incident detected |  |",
        "| 2025-03-09 23:50 | Incident declared | @a |",
        "| 2025-03-09 23:55 | before midnight | @a |",
        "| 2025-03-10 00:10 | after midnight | @a |",
        "| 2025-03-10 00:30 | Incident resolved | @a |",
    ]
    assert "**Total Duration**: 40 minutes" in text
    b = render_markdown(log.get("INC-20250309-0001"), "b")
    assert "| 2025-03-10 00:10:00 | after midnight | @a |" in b


def test_user_text_cannot_break_the_structure() -> None:
    log = IncidentLog()
    t = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    log.declare(ev.IncidentDeclared(incident_id="INC-20250102-0002", title="# not a heading",
                                    severity="P1", occurred_at=t, actor="@a",
                                    summary="# sneaky\n---\n> quote"))
    log.append("INC-20250102-0002",
               ev.TimelineEntryAdded(occurred_at=t, actor="a|b", text="pipe | in | cell\nnewline"),
               ev.Mitigated(occurred_at=t, actor="@a", commands="echo ```\n```\nrm -rf /"),
               ev.LessonRecorded(occurred_at=t, actor="@a", kind="went_well", title="## x",
                                 text="y"))
    text = render_markdown(log.get("INC-20250102-0002"), "a")
    tokens = mistune.create_markdown(renderer="ast", plugins=["table"])(text)
    assert isinstance(tokens, list)
    h = [tok for tok in tokens if tok["type"] == "heading"]
    assert [tok["attrs"]["level"] for tok in h].count(1) == 1
    assert "sneaky" not in " ".join(str(tok) for tok in h)
    assert "| pipe \\| in \\| cell newline | a\\|b |" in text
    assert "````\necho ```\n```\nrm -rf /\n````" in text
    _assert_tables_consistent(text)


def _assert_tables_consistent(text: str) -> None:
    in_code = False
    width = None
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        if line.startswith("|"):
            cells = len(re.findall(r"(?<!\\)\|", line)) - 1
            width = width or cells
            assert cells == width, line
        else:
            width = None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories())
def test_generated_reports_are_valid_markdown_with_derived_figures(history: list[ev.Event]
                                                                   ) -> None:
    state = fold(history)
    assert state is not None
    figures = fg.derive(state)
    parse = mistune.create_markdown(renderer="ast", plugins=["table", "task_lists"])
    for template in ("a", "b"):
        text = render_markdown(state, template)
        assert isinstance(parse(text), list)
        _assert_tables_consistent(text)
        if figures.duration_minutes is not None and not state.stated:
            if template == "a":
                assert f"**Duration**: {fg.format_duration(figures.duration_minutes)} " in text
            else:
                assert f"**Duration**: {fg.format_minutes(figures.duration_minutes)}\n" in text
        if figures.success_rate_pct is not None:
            assert f"{fg.format_number(figures.success_rate_pct)}% success rate" in text
    doc = msgspec.json.decode(to_json(state), type=IncidentDoc)
    assert doc.duration_minutes == (None if figures.duration_minutes is None
                                    else round(figures.duration_minutes, 3))


def test_json_has_the_stable_fields(seeded: IncidentLog) -> None:
    data = json.loads(to_json(seeded.get(seed_incidents.A_ID)))
    for field in ("id", "title", "severity", "status", "commander", "detected_at",
                  "declared_at", "mitigated_at", "resolved_at", "closed_at", "duration_minutes",
                  "services", "summary", "root_cause", "timeline", "action_items", "sign_offs",
                  "lessons", "sections"):
        assert field in data
    assert data["severity"] == "P1" and data["duration_minutes"] == 27
    assert data["detected_at"] == "2025-10-23T14:23:00Z"
    assert set(data["timeline"][0]) == {"at", "event", "actor", "kind", "version"}
    assert set(data["action_items"][0]) == {"id", "title", "owner", "due", "priority",
                                            "status", "horizon", "ticket"}
    assert data["schema_version"] == 2
    assert data["action_items"][0]["status"] in ("open", "in_progress", "done")
    assert set(data["sign_offs"][0]) == {"role", "name", "approved", "at", "note"}


def test_published_schema_matches_the_code() -> None:
    published = json.loads((Path(__file__).resolve().parents[1] / "docs" / "reference"
                            / "incident.schema.json").read_text())
    assert published == json_schema(), "regenerate: incidentlog schema > " \
        "docs/reference/incident.schema.json"


@pytest.mark.parametrize("template", ["a", "b"])
def test_a_duration_over_a_day_is_written_in_days_and_reads_back(template: str) -> None:
    from incidentlog.parse import import_markdown
    from incidentlog.parse.compare import differences

    start = datetime(2025, 3, 1, 22, 0, tzinfo=UTC)
    incident = fold([
        ev.IncidentDeclared(incident_id="INC-20250301-0009", title="Slow leak", severity="P2",
                            occurred_at=start, detected_at=start, actor="@a"),
        ev.Resolved(occurred_at=start + timedelta(hours=75, minutes=41), actor="@a",
                    summary="Patched the leak"),
    ])
    assert incident is not None
    text = render_markdown(incident, template)
    assert "75:41" not in text
    if template == "a":
        assert "3d 03:41 (from detection to resolution)" in text
    back = import_markdown(text).incident
    assert differences(incident, back) == []
    assert fg.derive(back).duration_minutes == 75 * 60 + 41
