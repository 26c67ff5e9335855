"""The vocabulary: tags are stable, times are aware UTC, everything round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given

from incidentlog import events as ev
from incidentlog.codec import Envelope, Recorded, encode_event
from incidentlog.errors import InvalidEventError, StoreError
from incidentlog.persistence import IncidentMapper

from strategies import any_event, declared

AT = datetime(2025, 10, 23, 14, 25, tzinfo=UTC)


def test_tags_are_explicit_stable_and_unique() -> None:
    # The stored format: changing any of these breaks every existing database.
    assert {ev.tag_of(t): t.__name__ for t in ev.EVENT_TYPES} == {
        "declared": "IncidentDeclared",
        "severity_changed": "SeverityChanged",
        "status_changed": "StatusChanged",
        "timeline_entry": "TimelineEntryAdded",
        "impact_assessed": "ImpactAssessed",
        "mitigated": "Mitigated",
        "root_cause": "RootCauseIdentified",
        "resolved": "Resolved",
        "action_item_added": "ActionItemAdded",
        "action_item_updated": "ActionItemUpdated",
        "lesson": "LessonRecorded",
        "signed_off": "SignedOff",
        "closed": "Closed",
        "reopened": "Reopened",
        "corrected": "Corrected",
        "section": "SectionNoted",
        "figure_stated": "FigureStated",
        "teams_changed": "TeamsChanged",
        "tags_changed": "TagsChanged",
        "field_set": "FieldSet",
        "role_assigned": "RoleAssigned",
    }


def test_naive_datetime_is_refused_with_the_field_named() -> None:
    with pytest.raises(InvalidEventError, match=r"TimelineEntryAdded.occurred_at: naive"):
        ev.check(ev.TimelineEntryAdded(occurred_at=datetime(2025, 1, 1, 12, 0), actor="@a",
                                       text="x"))
    with pytest.raises(InvalidEventError, match=r"detected_at: naive"):
        ev.check(ev.IncidentDeclared(incident_id="X-1", title="t", severity="P1",
                                     occurred_at=AT, actor="@a",
                                     detected_at=datetime(2025, 1, 1)))


def test_aware_times_are_normalised_to_utc() -> None:
    cet = timezone(timedelta(hours=1))
    event = ev.TimelineEntryAdded(occurred_at=datetime(2025, 1, 1, 13, 0, tzinfo=cet),
                                  actor="@a", text="x")
    assert event.occurred_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert event.occurred_at is not None and event.occurred_at.utcoffset() == timedelta(0)


def test_actor_is_required() -> None:
    with pytest.raises(InvalidEventError, match="actor"):
        ev.check(ev.Closed(occurred_at=AT, actor="  "))


def test_decoding_a_naive_time_from_json_is_refused_as_a_type() -> None:
    raw = b'{"type":"closed","occurred_at":"2025-01-01T00:00:00","actor":"@a"}'
    with pytest.raises(msgspec.ValidationError, match="timezone component"):
        msgspec.json.decode(raw, type=ev.AnyEvent)


def test_decoding_checks_no_rule() -> None:
    """A rule is checked when an event is appended; decoding, which every read does, checks
    types only, so a rule tightened later never makes stored history unreadable."""
    raw = b'{"type":"closed","occurred_at":"2025-01-01T00:00:00Z","actor":" "}'
    assert msgspec.json.decode(raw, type=ev.AnyEvent) == ev.Closed(
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC), actor=" ")


@given(any_event)
def test_every_event_type_encodes_and_decodes_to_an_equal_event(event: ev.Event) -> None:
    data = msgspec.json.encode(event)
    assert msgspec.json.decode(data, type=ev.AnyEvent) == event


@given(declared())
def test_declared_round_trips_through_the_mapper(event: ev.IncidentDeclared) -> None:
    mapper = IncidentMapper()
    stored = mapper.to_stored_event(Recorded(event.incident_id, 1, event, "c" * 64))
    assert stored.topic == "declared"
    back = mapper.to_domain_event(stored)
    assert isinstance(back, Recorded)
    assert (back.event, back.chain, back.originator_version) == (event, "c" * 64, 1)


def test_mapper_refuses_unknown_topics_instead_of_importing_them() -> None:
    from incidentlog.persistence import StoredEvent

    mapper = IncidentMapper()
    row = StoredEvent("X-1", 1, "os:system", b"{}")
    with pytest.raises(StoreError, match="unknown event type 'os:system'"):
        mapper.to_domain_event(row)


def test_mapper_refuses_a_newer_format_clearly() -> None:
    from incidentlog.persistence import StoredEvent

    mapper = IncidentMapper()
    event = ev.Closed(occurred_at=AT, actor="@a")
    data = msgspec.json.encode(Envelope(event, "0" * 64, f=99))
    with pytest.raises(StoreError, match="newer incidentlog"):
        mapper.to_domain_event(StoredEvent("X-1", 3, "closed", data))


def test_replay_decodes_in_one_pass_what_decode_gives_and_hands_off_the_rest() -> None:
    from incidentlog.persistence import StoredEvent

    mapper = IncidentMapper()
    event = ev.Closed(occurred_at=AT, actor="@a", note="done")
    row = mapper.to_stored_event(Recorded("X-1", 3, event, "c" * 64))
    assert mapper.replay(row) == (event, "c" * 64)
    assert mapper.replay(row)[0] == mapper.to_domain_event(row).event
    newer = StoredEvent("X-1", 3, "closed",
                        msgspec.json.encode(Envelope(msgspec.Raw(encode_event(event)),
                                                     "0" * 64, f=99)))
    with pytest.raises(StoreError, match="newer incidentlog"):
        mapper.replay(newer)
    unknown = StoredEvent("X-1", 1, "os:system", b"{}")
    with pytest.raises(StoreError, match="unknown event type 'os:system'"):
        mapper.replay(unknown)
