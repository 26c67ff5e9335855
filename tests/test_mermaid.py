"""Pictures: Mermaid charts are valid (strictly checked), safe, and survive a round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from incidentlog import audit
from incidentlog import events as ev
from incidentlog.incident import fold
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown
from incidentlog.render.mermaid import check_gantt, check_xychart, mttr_chart, timeline_chart

from conftest import SHARED
from strategies import histories, nasty

REPORTS = sorted((SHARED / "corpus").rglob("*.md")) + sorted((SHARED / "seeds").glob("*.md"))
REPORTS = [p for p in REPORTS if p.name != "README.md"]


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_every_imported_report_charts_validly(path: Path) -> None:
    incident = import_markdown(path.read_bytes(), source=path.name).incident
    chart = timeline_chart(incident)
    assert chart is not None and check_gantt(chart) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), title=nasty)
def test_generated_incidents_chart_validly_and_round_trip(history: list[ev.Event],
                                                          title: str) -> None:
    incident = fold([e for e in history if not isinstance(e, ev.FigureStated)])
    assert incident is not None
    chart = timeline_chart(incident)
    assert chart is not None and check_gantt(chart) == []
    nasty_named = fold([*history[:1], ev.TimelineEntryAdded(
        occurred_at=history[0].occurred_at, actor="@a", text=title)])
    assert nasty_named is not None
    nasty_chart = timeline_chart(nasty_named)
    assert nasty_chart is not None and check_gantt(nasty_chart) == []
    rendered = render_markdown(incident, "a", chart=True)
    assert "```mermaid\ngantt" in rendered
    back = import_markdown(rendered).incident
    assert differences(incident, back) == []


def test_mttr_chart_is_valid() -> None:
    if not REPORTS:
        pytest.skip(f"no real reports beside the project ({SHARED})")
    incidents = [import_markdown(p.read_bytes()).incident for p in REPORTS[:12]]
    groups = audit.stats(incidents, by="month")
    chart = mttr_chart([(g.group, g.mttr.median_minutes) for g in groups], "MTTR by month")
    assert check_xychart(chart) == []
    assert check_xychart(mttr_chart([('a"b', None)], 'x"y')) == []


def test_mttr_chart_of_nothing_is_valid() -> None:
    chart = mttr_chart([], "MTTR by month")
    assert check_xychart(chart) == [] and '"no incidents"' in chart


def test_the_checker_rejects_broken_charts() -> None:
    assert check_gantt("```mermaid\ngantt\n    task: oops\n```")
    assert check_xychart("```mermaid\nxychart-beta\n    bar [1, x]\n```")
