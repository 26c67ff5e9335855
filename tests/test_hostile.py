"""Hostile input to the importer and the API, and hostile content in reports."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import mistune
import pytest

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.errors import IncidentLogError, InputError
from incidentlog.parse import Limits, import_markdown
from incidentlog.render import marks, render_markdown

T = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
NASTY = [
    "| pipe | in | cell |", "`code`", "```", "````\nfence\n````", "# heading", "## Sign-off",
    "---", "***", "> quote", "- list", "1. ordered", "[x] box", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<!-- comment -->", "[click](javascript:alert(1))",
    "<https://evil.example>", "**bold**:", "\\", "\\|", "_a_", "~~~", "&lt;", "\u202eevil",
    "a\nb\n# c", "x <!--resolved-->", "    indented code", "=====", "[^1]", "$$x$$", "|---|",
    "x *(resolved)*", "*(entry)*", "Alert acknowledged *(status: monitoring)*",
]
HEADINGS_A = {"Executive Summary", "Timeline", "Detailed Description", "What Happened",
              "Blast Radius", "Root Cause Analysis", "The Five Whys", "Contributing Factors",
              "Resolution", "Immediate Mitigation", "Action Items", "Lessons Learned",
              "What Went Well", "What Went Wrong", "Sign-off", "Immediate (< 24 hours)"}


def nasty_incident(s: str) -> IncidentLog:
    log = IncidentLog()
    log.declare(ev.IncidentDeclared(incident_id="INC-20250501-0001", title=s, severity="P1",
                                    occurred_at=T, actor="@a", commander=s, summary=s,
                                    detected_at=T))
    log.append(
        "INC-20250501-0001",
        ev.TimelineEntryAdded(occurred_at=T, actor="@a", text=s, by=s),
        ev.ImpactAssessed(occurred_at=T, actor="@a", users_affected=s, revenue=s,
                          services=(ev.ServiceImpact(s, s),), facts=(ev.Fact("user", s, s),)),
        ev.RootCauseIdentified(occurred_at=T, actor="@a", summary=s, whys=(ev.Why(s, s),),
                               contributing_factors=(s,), causes=(s,), immediate_cause=s),
        ev.Mitigated(occurred_at=T, actor="@a", action=s, commands=s, why_it_worked=s, note=s),
        ev.Resolved(occurred_at=T, actor="@a", summary=s, note=s),
        ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="1", title=s, owner=s,
                           horizon="immediate"),
        ev.LessonRecorded(occurred_at=T, actor="@a", kind="went_well", title=s, text=s),
        ev.SignedOff(occurred_at=T, actor="@a", role=s, name=s),
    )
    return log


def walk(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for token in tokens:
        yield token
        yield from walk(token.get("children") or [])


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize("template", ["a", "b"])
def test_user_text_never_changes_a_reports_structure(nasty: str, template: str) -> None:
    log = nasty_incident(nasty)
    text = render_markdown(log.get("INC-20250501-0001"), template)
    tokens = mistune.create_markdown(renderer=None, plugins=["table", "task_lists"])(text)
    assert isinstance(tokens, list)
    # Nothing the user typed runs or links: no raw HTML at all (row kinds are named in
    # visible italics, not comments), no links, no images. The report's own marks of what
    # it keeps (comments whose words are escaped) are not the user's.
    html = [t["raw"] for t in walk(tokens) if t["type"] in ("inline_html", "block_html")
            and not all(marks.is_mark(line) for line in t["raw"].strip().split("\n"))]
    assert html == [], html
    links = [t["attrs"]["url"] for t in walk(tokens) if t["type"] in ("link", "image")]
    assert not [u for u in links if re.match(r"\s*(javascript|vbscript|data):", u, re.I)]
    headings = [t for t in walk(tokens) if t["type"] == "heading"]
    assert sum(1 for h in headings if h["attrs"]["level"] == 1) == 1
    if template == "a":
        names = {"".join(c.get("raw", "") for c in walk(h["children"])) for h in headings
                 if h["attrs"]["level"] > 1}
        assert names <= HEADINGS_A, names - HEADINGS_A
    tables = [t for t in walk(tokens) if t["type"] == "table"]
    for table in tables:
        head = next(c for c in table["children"] if c["type"] == "table_head")
        width = len(head["children"])
        for row in next((c for c in table["children"] if c["type"] == "table_body"),
                        {"children": []})["children"]:
            assert len(row["children"]) == width
    # And importing the report back never fails.
    back = import_markdown(text).incident
    assert back.id == "INC-20250501-0001"


def test_html_in_text_is_shown_and_reads_back_as_typed() -> None:
    s = "<b>bold</b> & <script>x</script>"
    log = nasty_incident(s)
    text = render_markdown(log.get("INC-20250501-0001"), "a")
    outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
    assert "<script>" not in outside_code and "&lt;script>" in text
    assert import_markdown(text).incident.title == s


def timed(data: str | bytes, limits: Limits | None = None) -> tuple[float, Exception | None]:
    start = time.perf_counter()
    try:
        import_markdown(data, limits=limits or Limits())
    except IncidentLogError as exc:
        return time.perf_counter() - start, exc
    return time.perf_counter() - start, None


HEADER = ("# Incident Report: Hostile\n\n**Incident ID**: INC-20250501-0002\n"
          "**Date**: 2025-05-01\n\n## Timeline\n\n")


def test_size_limits_are_enforced_quickly_and_configurable() -> None:
    huge = (HEADER + "x" * 1000 + "\n") * 50_000  # ~50 MB
    elapsed, error = timed(huge)
    assert isinstance(error, InputError) and "Limits.max_bytes" in str(error)
    assert elapsed < 5
    line = HEADER + "y" * 1_000_000
    elapsed, error = timed(line)
    assert isinstance(error, InputError) and ":8: a line of 1,000,000 characters" in str(error)
    elapsed, error = timed(line, Limits(max_line_chars=2_000_000))
    assert error is None and elapsed < 30


def test_a_100000_row_table_imports_in_bounded_time() -> None:
    rows = "".join(f"| 10:{i % 60:02d} | event {i} | @a |\n" for i in range(100_000))
    text = HEADER + "| Time | Event | Actor |\n|---|---|---|\n" + rows
    elapsed, error = timed(text, Limits(max_bytes=10_000_000, max_lines=200_100))
    assert error is None and elapsed < 60


@pytest.mark.parametrize("data", [
    HEADER + "".join("  " * i + "- nested\n" for i in range(3000)),
    HEADER + ">" * 10_000 + " deep\n",
    HEADER + "[" * 100_000 + "\n",
    HEADER + "*" * 100_000 + "\n",
    HEADER + "| " * 50_000 + "\n",
    HEADER + "**a**:" * 20_000 + "\n",
    HEADER + "1. " * 30_000 + "\n",
    HEADER + ("- 14:" + "0" * 50 + " x\n") * 2000,
    HEADER + "`" * 100_000 + "\n",
    (HEADER + "| 14:00 | a | b |\r\n| 14:01 | c | d |\r").encode(),
    b"# T\n\n**Incident ID**: X-1\n\n## Timeline\n\n- 14:00 ok\n\xc3\x28 broken\n",
    b"# T\x00\n",
])
def test_pathological_input_gets_a_documented_answer_in_bounded_time(data: str | bytes) -> None:
    elapsed, error = timed(data)
    assert error is None or isinstance(error, InputError)
    assert elapsed < 20


def test_mixed_line_endings_read_like_unix_ones() -> None:
    text = ("# Incident Report: Mixed\r\n\r\n**Incident ID**: INC-20250501-0003\r\n"
            "**Date**: 2025-05-01\r\n\r\n## Timeline\n\r\n| Time | Event | Actor |\r"
            "|---|---|---|\n| 09:00 | Alert fired: x | bot |\r\n| 09:30 | Incident resolved | @a |")
    incident = import_markdown(text).incident
    assert incident.resolved_at == datetime(2025, 5, 1, 9, 30, tzinfo=UTC)


def test_the_api_refuses_bad_values_with_its_own_errors() -> None:
    log = IncidentLog()
    with pytest.raises(IncidentLogError):
        log.declare(ev.IncidentDeclared(incident_id="X" * 500, title="t", severity="P1",
                                        occurred_at=T, actor="@a"))
    with pytest.raises(IncidentLogError):
        log.declare(ev.IncidentDeclared(incident_id="A-1", title=["not", "text"],  # type: ignore[arg-type]
                                        severity="P1", occurred_at=T, actor="@a"))
    assert list(log.ids()) == []


@pytest.mark.parametrize("text", ["&lt;", "&lt;b>", "&amp;", "&amp;lt;", "&#92;", "AT&T",
                                  "[x]\\(javascript:alert(1))", "[x](javascript:alert(1))",
                                  "<b>x</b> & y", "]&#92;(data:x)"])
@pytest.mark.parametrize("template", ["a", "b"])
def test_text_that_looks_escaped_reads_back_as_typed(text: str, template: str) -> None:
    """The renderer shows HTML as &lt; and breaks script links; text that already holds
    such sequences is escaped first, so a report reads back exactly as it was typed."""
    from incidentlog.parse.compare import differences

    incident = IncidentLog()
    incident.declare(ev.IncidentDeclared(incident_id="INC-20250501-0001", title=text,
                                         severity="P1", occurred_at=T, actor="@a"))
    state = incident.append("INC-20250501-0001",
                            ev.TimelineEntryAdded(occurred_at=T, actor="@a", text=text),
                            ev.Resolved(occurred_at=T, actor="@a", summary=text))
    back = import_markdown(render_markdown(state, template)).incident
    assert differences(state, back, seconds=template == "b") == []


def test_row_kinds_are_named_in_view_and_older_comment_markers_still_read() -> None:
    from incidentlog.parse import import_markdown

    log = nasty_incident("Alert acknowledged by @bob")  # words that read as a lifecycle row
    text = render_markdown(log.get("INC-20250501-0001"), "a")
    assert "<!--" not in marks.without_marks(text) and "*(entry)*" in text
    back = import_markdown(text).incident
    older = import_markdown(text.replace("*(entry)*", "<!--entry-->")).incident
    assert back.timeline == older.timeline
    assert any(e.text == "Alert acknowledged by @bob" and e.kind == "timeline_entry"
               and e.marks is None for e in back.timeline)
