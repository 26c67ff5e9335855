"""One definition per value: an event carrying a value declares exactly the value's fields,
checked when the class is made, and the value is built from the event by name."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from incidentlog import events as ev
from incidentlog import inputs, values
from incidentlog.incident import fold

T = datetime(2025, 10, 23, 14, 0, tzinfo=UTC)


def test_an_event_that_drifts_from_its_value_fails_when_made() -> None:
    class Short(ev.Event, frozen=True, tag="test_short"):
        summary: str
        whys: tuple[values.Why, ...] = ()

    with pytest.raises(TypeError, match=r"Short carries RootCause.contributing_factors"):
        values.carrier(Short, values.RootCause)

    class Retyped(ev.Event, frozen=True, tag="test_retyped"):
        summary: int
        whys: tuple[values.Why, ...] = ()
        contributing_factors: tuple[str, ...] = ()
        immediate_cause: str = ""
        causes: tuple[str, ...] = ()

    with pytest.raises(TypeError, match=r"Retyped carries RootCause.summary"):
        values.carrier(Retyped, values.RootCause)


def test_an_update_may_only_name_fields_of_its_value_optionally() -> None:
    class Update(ev.Event, frozen=True, tag="test_update"):
        item_id: str
        colour: str | None = None

    with pytest.raises(TypeError, match=r"Update.colour does not update ActionItem.colour"):
        values.updates(Update, values.ActionItem, leave=(*ev.Event.__struct_fields__,
                                                        "item_id"))
    assert ev.ACTION_ITEM_UPDATES == ("status", "owner", "due", "title", "priority")


def test_state_holds_the_values_events_carry() -> None:
    declared = ev.IncidentDeclared(occurred_at=T, actor="@a", incident_id="X-1", title="t",
                                   severity="P2")
    impact = ev.ImpactAssessed(occurred_at=T, actor="@a", users_affected="all",
                               services=(values.ServiceImpact("api", "down"),),
                               failed_requests=3, total_requests=10)
    root = ev.RootCauseIdentified(occurred_at=T, actor="@a", summary="config",
                                  whys=(values.Why("why", "because"),), causes=("c",))
    item = ev.ActionItemAdded(occurred_at=T, actor="@a", item_id="A1", title="fix",
                              owner="@b", due=date(2025, 11, 1), ticket="OPS-1")
    state = fold([declared, impact, root, item])
    assert state is not None
    assert state.impact == values.Impact(users_affected="all",
                                         services=(values.ServiceImpact("api", "down"),),
                                         failed_requests=3, total_requests=10)
    assert state.root_cause == values.RootCause("config", (values.Why("why", "because"),),
                                                causes=("c",))
    assert state.action_items == (values.ActionItem("A1", "fix", "@b", date(2025, 11, 1),
                                                    ticket="OPS-1", version=4),)
    assert values.fields_of(state.action_items[0], leave=("id", "version"))["ticket"] == \
        "OPS-1"


def test_inputs_take_the_action_item_value() -> None:
    assert inputs.ActionItemInput is values.ActionItem
