"""Hypothesis strategies: events of every type, and histories that keep the rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from incidentlog import events as ev
from incidentlog.errors import IncidentLogError
from incidentlog.incident import decide

T0 = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)

MARKDOWN_SYNTAX = "\\*_`[]<>|~"
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                           exclude_characters=MARKDOWN_SYNTAX),
    min_size=0, max_size=40,
)
"""Free text without Markdown syntax: text fields are Markdown, so emphasis, code and escapes
in them are kept as Markdown (rendered the same) rather than character for character.
Control characters are not kept."""
words = st.text(alphabet="abcdefghij klmnop#()-:.,'@/+=!?", min_size=1, max_size=30).filter(
    lambda s: s.strip()
)
nasty = st.text(alphabet="abc |#`*_<>[]()-\\~=!\n", min_size=1, max_size=30)
"""Text full of Markdown syntax, for the tests that a report never changes its structure."""
service_names = st.text(alphabet="abcdefghijklmnop-", min_size=1, max_size=12)
effects = st.text(alphabet="abcdefg xyz%.0123456789-", min_size=1, max_size=20).filter(
    lambda s: s.strip() == s and s)
"""What a service suffered. Template B writes ``name (effect), ...``: parentheses and commas
in an effect are kept as words, not read back as structure."""
actors = st.sampled_from(["@oncall", "@sre-lead", "@dev-lead", "Prometheus", "Kubernetes"])
severities = st.sampled_from(ev.SEVERITIES)
times = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
maybe_times = st.one_of(st.none(), times)
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
item_ids = st.sampled_from([f"AI-{n}" for n in range(1, 6)])


def declared(incident_id: str = "INC-20251023-0001") -> st.SearchStrategy[ev.IncidentDeclared]:
    return st.builds(
        ev.IncidentDeclared,
        incident_id=st.just(incident_id),
        title=words,
        severity=severities,
        occurred_at=st.integers(0, 30).map(lambda m: T0 + timedelta(minutes=m)),
        actor=actors,
        commander=st.one_of(st.none(), actors),
        detected_at=st.one_of(st.none(), st.just(T0)),
        services=st.lists(service_names, max_size=3, unique=True).map(tuple),
        summary=text,
    )


any_event: st.SearchStrategy[ev.Event] = st.one_of(
    st.builds(ev.SeverityChanged, severity=severities, reason=text, occurred_at=times,
              actor=actors),
    st.builds(ev.StatusChanged, status=st.sampled_from(ev.STATUSES), note=text,
              occurred_at=times, actor=actors),
    st.builds(ev.TimelineEntryAdded, text=words, by=st.one_of(st.none(), actors),
              marks=st.one_of(st.none(), st.sampled_from(["detected", "acknowledged"])),
              occurred_at=maybe_times, actor=actors),
    st.builds(ev.ImpactAssessed, users_affected=st.one_of(st.none(), words),
              services=st.lists(st.builds(ev.ServiceImpact, name=service_names, effect=effects),
                                max_size=3, unique_by=lambda s: s.name).map(tuple),
              failed_requests=st.one_of(st.none(), st.integers(0, 1000)),
              total_requests=st.one_of(st.none(), st.integers(1000, 100000)),
              slo_target=st.one_of(st.none(), st.sampled_from([99.0, 99.5, 99.9, 99.99])),
              occurred_at=times, actor=actors),
    st.builds(ev.Mitigated, action=text, commands=text, occurred_at=times, actor=actors),
    st.builds(ev.RootCauseIdentified, summary=words,
              whys=st.lists(st.builds(ev.Why, question=words, answer=words),
                            max_size=5).map(tuple),
              contributing_factors=st.lists(words, max_size=3).map(tuple),
              occurred_at=times, actor=actors),
    st.builds(ev.Resolved, summary=text, occurred_at=times, actor=actors),
    st.builds(ev.ActionItemAdded, item_id=item_ids, title=words,
              owner=st.one_of(st.none(), actors), due=st.one_of(st.none(), dates),
              priority=st.one_of(st.none(), severities),
              status=st.sampled_from(ev.ACTION_STATUSES),
              horizon=st.one_of(st.none(), st.sampled_from(["immediate", "short-term"])),
              occurred_at=times, actor=actors),
    st.builds(ev.ActionItemUpdated, item_id=item_ids,
              status=st.one_of(st.none(), st.sampled_from(ev.ACTION_STATUSES)),
              owner=st.one_of(st.none(), actors), occurred_at=times, actor=actors),
    st.builds(ev.LessonRecorded, kind=st.sampled_from(["went_well", "went_wrong", "lucky"]),
              title=words, text=text, occurred_at=times, actor=actors),
    st.builds(ev.SignedOff, role=st.sampled_from(["Incident Commander", "SRE Lead"]),
              name=actors, approved=st.booleans(), occurred_at=times, actor=actors),
    st.builds(ev.Closed, occurred_at=times, actor=actors),
    st.builds(ev.Reopened, reason=words, occurred_at=times, actor=actors),
    # A kept section is what the importer found between two headings, so it never holds a
    # heading line of its own (a bare "#" is an empty heading).
    st.builds(ev.SectionNoted, heading=words,
              markdown=text.filter(lambda s: s.strip(" -*_") != "" or not s.strip()).filter(
                  lambda s: not re.search(r"^ {0,3}#{1,6}(\s|$)", s, re.M)),
              occurred_at=times, actor=actors),
    st.builds(ev.FigureStated, figure=st.sampled_from(ev.STATED_FIGURES),
              value=st.floats(0, 1000, allow_nan=False), text=text, occurred_at=times,
              actor=actors),
    st.builds(ev.Corrected, field=st.sampled_from(["title", "summary", "commander"]),
              value=words, reason=words, occurred_at=times, actor=actors),
)
"""Events of every type but Declared, each valid on its own, not always in context."""

_labels = st.lists(st.sampled_from(["payments", "search", "db", "edge"]), max_size=2).map(tuple)
label_events: st.SearchStrategy[ev.Event] = st.one_of(
    st.builds(ev.TeamsChanged, added=_labels, removed=_labels, occurred_at=times, actor=actors),
    st.builds(ev.TagsChanged, added=_labels, removed=_labels, occurred_at=times, actor=actors),
    st.builds(ev.FieldSet, name=st.sampled_from(["region", "tier"]),
              value=st.one_of(st.none(), words), occurred_at=times, actor=actors),
    st.builds(ev.RoleAssigned, role=st.sampled_from(["commander", "scribe", "communications"]),
              person=st.one_of(st.none(), actors), occurred_at=times, actor=actors),
)
"""Teams, tags, custom fields and roles: kept apart from :data:`any_event` because the
Markdown reports do not carry them (the render-and-import properties use ``any_event``)."""
every_event = st.one_of(any_event, label_events)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 25,
              incident_id: str = "INC-20251023-0001",
              events: st.SearchStrategy[ev.Event] = any_event) -> list[ev.Event]:
    """A declaration then events each of which the rules accept, in order."""
    first = draw(declared(incident_id))
    state = decide(None, first, incident_id=incident_id)
    out: list[ev.Event] = [first]
    for candidate in draw(st.lists(events, max_size=max_size)):
        try:
            state = decide(state, candidate, incident_id=incident_id)
        except IncidentLogError:
            continue
        out.append(candidate)
    return out
