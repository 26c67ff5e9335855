"""Legacy Markdown into events: seeds, the real corpus, lossless round trips, bad input."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentlog import events as ev
from incidentlog.errors import InputError
from incidentlog.incident import fold
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown
from incidentlog.vocabulary import heading_role

from conftest import SHARED, timeline_header_lines
from strategies import histories

SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus" / "moj-cloud-platform"
CORPUS_FILES = sorted(CORPUS.glob("*.md")) if CORPUS.exists() else []
ALL_FILES = sorted(SEEDS.glob("*.md")) + CORPUS_FILES if SEEDS.exists() else []
STRUCTURAL = {"key", "events", "review", "actions", "incident", "report"}
"""Labels of a legacy layout that a template writes in its own words."""


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not beside the project")
    return path


def words(text: str) -> set[str]:
    return {w.lstrip("0") or "0" for w in re.findall(r"[A-Za-z0-9]+", text)}


def role_words(text: str) -> set[str]:
    """Words of headings and run-in labels that name a role: a template writes the role in
    its own words (``Lessons learnt`` becomes ``Lessons Learned``)."""
    found: set[str] = set()
    for line in text.splitlines():
        match = re.match(r"^\s*(?:#{1,6}\s+|[-*]\s+\*\*)(.+?)(?:\*\*.*)?$", line)
        if match and heading_role(match[1]) is not None:
            found |= words(match[1])
    for line in timeline_header_lines(text):
        found |= words(line)
    return found


def template_of(layout: str) -> str:
    return "b" if layout == "template-b" else "a"


def test_template_a_seed_imports_consistently() -> None:
    path = need(SEEDS / "incident-report-template-a.md")
    result = import_markdown(path.read_bytes(), source=str(path))
    i = result.incident
    assert result.layout == "template-a"
    assert [f for f in result.findings if f.level == "error"] == []
    assert i.detected_at == datetime(2025, 10, 23, 14, 23, tzinfo=UTC)
    assert i.declared_at == datetime(2025, 10, 23, 14, 25, tzinfo=UTC)
    assert i.mitigated_at == datetime(2025, 10, 23, 14, 35, tzinfo=UTC)
    assert i.resolved_at == datetime(2025, 10, 23, 14, 50, tzinfo=UTC)
    assert len(i.timeline) == 10 and len(i.action_items) == 9
    assert [a.status for a in i.action_items[:3]] == ["done", "done", "open"]
    assert {x.kind for x in i.lessons} == {"went_well", "went_wrong", "lucky"}
    assert i.root_cause is not None and len(i.root_cause.whys) == 5
    assert i.mitigation is not None and "kubectl rollout undo" in i.mitigation.commands
    assert {s.role for s in i.sign_offs} == {"Incident Commander", "Service Owner", "SRE Lead"}
    # Stated 27 minutes total and 12 minutes to mitigation agree with the timeline.
    assert not [f for f in result.findings if f.code == "duration-mismatch"]


def test_template_b_seed_imports_with_its_one_real_warning() -> None:
    path = need(SEEDS / "incident-report-template-b.md")
    result = import_markdown(path.read_bytes(), source=str(path))
    i = result.incident
    assert result.layout == "template-b"
    assert [(f.code, f.level) for f in result.findings] == [("error-budget", "warning")]
    assert "45 min of downtime exceeds the monthly budget of 43.8 min" in result.findings[0].message
    assert i.resolved_at == datetime(2024, 11, 19, 14, 45, tzinfo=UTC)
    # "Incident fully closed" in the timeline of a report stating no status (its Status
    # line is a placeholder) is an entry after the row that resolved it: status resolved.
    assert i.status == "resolved" and i.closed_at is None
    assert len(i.timeline) == 9 and len(i.action_items) == 8
    assert i.action_items[0].status == "in_progress" and i.action_items[0].priority == "P0"
    assert len(i.sign_offs) == 4 and all(s.approved for s in i.sign_offs)
    assert {x.kind for x in i.lessons} >= {"technical", "process", "communication",
                                           "went_well", "went_wrong"}


def test_mojibake_comes_out_as_real_characters() -> None:
    path = need(SEEDS / "incident-report-template-a.md")
    result = import_markdown(path.read_bytes(), source=str(path))
    text = render_markdown(result.incident, "a")
    assert "âœ" not in text and "ðŸ" not in text and "âŒ" not in text
    assert "✅ **Alert Detection**" in text and "❌ **Deployment Safety**" in text
    assert "🍀 **Timing**" in text
    b = import_markdown(need(SEEDS / "incident-report-template-b.md").read_bytes())
    assert "🔴 Post-Incident Review" in render_markdown(b.incident, "b")


def _key_events(text: str) -> int:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "**Key events**" in line)
    count = 0
    for line in lines[start + 1:]:
        if re.match(r"^\s{2,}[-*]\s", line):
            count += 1
        elif line.strip():
            break
    return count


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_report_imports(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = import_markdown(text, source=path.name)
    i = result.incident
    assert i.title.startswith("Incident on ")
    # The key events are the timeline, or mark the entries of a more detailed one.
    assert len(i.timeline) >= _key_events(text)
    for label, figure in (("Time to repair", "time_to_repair_minutes"),
                          ("Time to resolve", "time_to_resolve_minutes")):
        line = next((n for n, x in enumerate(text.splitlines(), 1) if f"**{label}**" in x), None)
        if line is None:
            continue
        stated = [s for s in i.stated if s.figure == figure]
        assert stated and stated[0].source == ev.Source(path.name, line)
        # Checked: either consistent, or a finding on that very line.
        about = [f for f in result.findings if f.source == ev.Source(path.name, line)]
        assert all(f.code in ("duration-mismatch", "missing-field") for f in about)


def test_findings_carry_the_source_line() -> None:
    path = need(CORPUS / "2021-06-09-unable-to-create-new-ingress-rules.md")
    result = import_markdown(path.read_text(), source="report.md")
    shown = [str(f) for f in result.findings]
    # The declaration was typed as 2020 in a 2021 report: read in 2021, and said so.
    assert any(s.startswith("report.md:11: date-typo: 2020-06-09 is months before the "
                            "report's day 2021-06-09: read as 2021-06-09") for s in shown), shown
    assert result.incident.declared_at is not None
    assert result.incident.declared_at.year == 2021
    assert any(s.startswith("report.md:") and "lifecycle-order" in s for s in shown), shown


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_lossless_and_a_fixed_point(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    first = import_markdown(source, source=path.name)
    template = template_of(first.layout)
    rendered = render_markdown(first.incident, template)
    lost = {w for w in words(source) - words(rendered) - role_words(source)
            if w.lower() not in STRUCTURAL}
    # Mojibake in the seeds is repaired, so its letters are not expected back.
    lost -= words("âœ… âŒ ðŸ€ ðŸ”´ â€¢")
    assert lost == set(), f"words of the source missing from the report: {sorted(lost)}"
    second = import_markdown(rendered, source="rendered.md")
    assert differences(first.incident, second.incident, seconds=template == "b") == []
    again = render_markdown(second.incident, template)
    assert again == rendered


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), template=st.sampled_from(["a", "b"]))
def test_generated_incidents_survive_render_and_import(history: list[ev.Event],
                                                       template: str) -> None:
    # Stated figures are what a legacy document typed in; a report shows derived ones.
    incident = fold([e for e in history if not isinstance(e, ev.FigureStated)])
    assert incident is not None
    rendered = render_markdown(incident, template)
    back = import_markdown(rendered).incident
    assert differences(incident, back, seconds=template == "b") == [], rendered


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty document"),
    (b"   \n\n", "empty document"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
    (b"# Title\n\xff\xfe broken", "not UTF-8"),
    (b"# MyLib\n\n## Installation\n\npip install mylib\n\n## Usage\n\nimport mylib\n",
     "not an incident report"),
])
def test_input_that_is_not_a_report_gets_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        import_markdown(data, source="in.md")


def test_time_zone_named_in_the_document_is_honoured() -> None:
    text = ("# Incident Report: Cache outage\n\n**Incident ID**: INC-20250301-0001\n"
            "**Date**: 2025-03-01\n\n## Timeline\n\nAll times in CET.\n\n"
            "| Time | Event | Actor |\n|---|---|---|\n| 23:50 | Alert fired: CacheDown | Nagios |\n"
            "| 00:10 | Incident declared | @ic |\n| --:-- | Someone restarted a pod | @x |\n"
            "| 00:40 | Incident resolved | @ic |\n")
    i = import_markdown(text).incident
    assert i.detected_at == datetime(2025, 3, 1, 22, 50, tzinfo=UTC)
    assert i.declared_at == datetime(2025, 3, 1, 23, 10, tzinfo=UTC)  # rolled past midnight
    assert i.resolved_at == datetime(2025, 3, 1, 23, 40, tzinfo=UTC)
    unknown = [t for t in i.timeline if t.text == "Someone restarted a pod"]
    assert unknown and unknown[0].at is None


def test_bullet_timelines_and_sre_book_layout() -> None:
    text = ("# Postmortem: Shakespeare search down\n\n## Summary\n\nSearch was down for "
            "66 minutes.\n\n## Impact\n\n1.21B queries lost.\n\n## Root Causes\n\nCascading "
            "failure.\n\n## Timeline\n\n- 2015-10-21 14:51 Incident declared\n"
            "- 15:30 Traffic diverted\n- 15:57 Incident resolved\n\n## Lessons Learned\n\n"
            "### What went well\n\n- Monitoring caught it\n")
    result = import_markdown(text)
    i = result.incident
    assert i.summary == "Search was down for 66 minutes."
    assert [t.text for t in i.timeline] == ["Incident declared", "Traffic diverted",
                                            "Incident resolved"]
    assert i.resolved_at == datetime(2015, 10, 21, 15, 57, tzinfo=UTC)
    rendered = render_markdown(i, "a")
    for phrase in ("1.21B queries lost.", "Cascading failure.", "Monitoring caught it"):
        assert phrase in rendered


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=200))
def test_arbitrary_input_raises_only_the_documented_error(data: str | bytes) -> None:
    with contextlib.suppress(InputError):
        import_markdown(data)


MUTATIONS = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    ["|", "#", "- ", "```", "\n", "**", ":", "14:", "--:--", "> ", "1. ", "[x]", "\\", "<!--"])),
    max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_mutated_seeds_raise_only_the_documented_error(edits: list[tuple[int, str]]) -> None:
    text = need(SEEDS / "incident-report-template-a.md").read_text()
    for position, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at:]
    try:
        result = import_markdown(text)
    except InputError:
        return
    render_markdown(result.incident, "a")
    render_markdown(result.incident, "b")


@pytest.mark.parametrize(("text", "zone"), [
    ("All times in CET.", "CET"),
    ("ALL TIMES ARE IN pst", "PST"),
    ("Times shown in (UTC) below", "UTC"),
    ("| Time (EDT) | Event |", "EDT"),
    ("A timeline of events; time\t ( cest ) ", "CEST"),
    ("Timeline: times vary", None),
    ("Downtime in EST was long", None),  # "downtime" is not "time"
    ("", None),
])
def test_stated_zone_reads_the_zone_a_document_names(text: str, zone: str | None) -> None:
    from incidentlog.parse.text import stated_zone

    found = stated_zone(text)
    assert (found.tzname(None) if found else None) == zone


def test_list_items_are_read_once_per_block_and_callers_cannot_spoil_them() -> None:
    from incidentlog.parse.lists import items
    from incidentlog.parse.source import parse

    doc = parse("# T\n\n- [x] one\n- two\n  more\n")
    block = next(b for s in doc.sections() for b in s.blocks if b.type == "list")
    first = items(doc, block)
    first.clear()
    again = items(doc, block)
    assert [(i.text, i.checked, i.body) for i in again] == [("one", True, ""),
                                                           ("two", None, "more")]


SEED_FILES = sorted(SEEDS.glob("*.md")) if SEEDS.exists() else []


@pytest.mark.parametrize("template", ["a", "b"])
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_each_seed_is_a_fixed_point_in_the_other_template_too(path: Path, template: str) -> None:
    first = import_markdown(path.read_bytes(), source=path.name)
    rendered = render_markdown(first.incident, template)
    second = import_markdown(rendered, source="rendered.md")
    assert differences(first.incident, second.incident, seconds=template == "b") == []


def test_a_kept_sub_section_stays_under_the_heading_of_its_role_in_either_template() -> None:
    source = ("# Incident Report: Cache stampede\n\n**Date**: 2025-03-02\n\n"
              "## Timeline\n\n| Time | Event |\n|---|---|\n| 10:00 | Alert fired |\n"
              "| 10:30 | Service restored |\n\n"
              "## Notes of the meeting\n\nHeld on Monday.\n\n"
              "## Resolution\n\nWe restarted the cache.\n\n"
              "### Checks afterwards\n\n- Hit rate back to 95%\n- No errors for an hour\n")
    first = import_markdown(source, source="report.md")
    assert any(s.heading == "Checks afterwards" and s.level == 3
               for s in first.incident.sections)
    for template in ("a", "b"):
        rendered = render_markdown(first.incident, template)
        again = import_markdown(rendered, source="rendered.md")
        assert differences(first.incident, again.incident, seconds=template == "b") == [], \
            rendered


def test_an_error_budget_stated_as_the_target_gives_it_is_not_an_extra_figure() -> None:
    source = ("# Incident Report: Slow queries\n\n**Date**: 2025-03-02\n\n"
              "## Incident Timeline\n\n| Time | Event |\n|---|---|\n| 10:00 | Alert fired |\n"
              "| 10:45 | Service restored |\n\n"
              "## Impact Assessment\n\n### Business Impact\n\n"
              "- **SLA Impact**: 45 minutes against monthly error budget "
              "(99.9% = 43.8 min/month)\n")
    first = import_markdown(source, source="report.md")
    assert first.incident.impact is not None and first.incident.impact.slo_target == 99.9
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first.incident, template), source="r.md")
        assert differences(first.incident, again.incident, seconds=template == "b") == []
