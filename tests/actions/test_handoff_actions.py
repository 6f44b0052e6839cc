"""The handoff actions with rasa_sdk's CollectingDispatcher and Tracker, on a real SQLite queue."""

from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine

from actions.handoff import (
    ActionCancelHandoff,
    ActionRequestHandoff,
    ActionSubmitCallback,
    ValidateCallbackForm,
    priority_of,
    reason_of,
)
from socialmap import handoff as hq
from socialmap.settings import Deployment, OpeningHours
from tests.actions.helpers import make_tracker, user_event

OFFICE = Deployment(
    opening_hours=OpeningHours({d: (time(9, 0), time(17, 0)) for d in range(5)}),
    average_handling_minutes=6,
    contact_phone="14 0592",
)
MONDAY_10 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)  # 10:00 in Assen
FRIDAY_EVENING = datetime(2025, 3, 7, 19, 0, tzinfo=timezone.utc)  # 20:00 in Assen

SLOTS = {
    "need": "meeting",
    "audience": "ouderen",
    "age": 78,
    "location": "assen",
    "place_name": "Assen",
    "municipality": "Assen",
    "place_lat": 52.99,
    "place_lon": 6.56,
    "shown_services": ["Koffie-ochtend De Kloosterhof", "Soos Het Anker"],
}


@pytest.fixture
def fresh_queue(tmp_path: Path) -> hq.HandoffQueue:
    return hq.HandoffQueue(create_engine(f"sqlite:///{tmp_path / 'actions.db'}", future=True))


class FakeVault:
    """Stands in for socialmap.privacy.ContactVault: what the channel took out of the message."""

    def __init__(self, contacts: dict[str, str]) -> None:
        self.contacts = dict(contacts)

    def pop_latest(self, conversation_id: str) -> str | None:
        return self.contacts.pop(conversation_id, None)


def consent_events(*intents: tuple[str, str]) -> list[dict[str, Any]]:
    return [user_event(text, intent) for text, intent in intents]


async def run(action: Any, tracker: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


async def test_request_during_opening_hours_queues_with_position_and_wait(
    fresh_queue: hq.HandoffQueue,
) -> None:
    fresh_queue.request("someone-else", hq.HandoffSummary())
    action = ActionRequestHandoff(fresh_queue, deployment=OFFICE, clock=lambda: MONDAY_10)
    tracker = make_tracker(
        SLOTS,
        consent_events(("ik wil een mens spreken", "request_human")),
        intent="affirm",
        text="ja",
        sender="conv-1",
    )
    dispatcher, events = await run(action, tracker)
    assert dispatcher.messages[0]["response"] == "utter_handoff_queued"
    assert dispatcher.messages[0]["position"] == 2
    assert dispatcher.messages[0]["wait_minutes"] == 12
    assert events == [SlotSet("handoff_status", "waiting")]
    ticket = fresh_queue.active_for("conv-1")
    assert ticket is not None
    summary = ticket.summary
    assert (summary.need, summary.need_label, summary.location, summary.age) == (
        "meeting",
        "Ontmoeten",
        "Assen",
        78,
    )
    assert summary.shown_services == ["Koffie-ochtend De Kloosterhof", "Soos Het Anker"]
    assert summary.reason == "request_human"
    assert ticket.priority == "normal"


async def test_request_outside_opening_hours_tells_when_the_helpdesk_opens(
    fresh_queue: hq.HandoffQueue,
) -> None:
    action = ActionRequestHandoff(fresh_queue, deployment=OFFICE, clock=lambda: FRIDAY_EVENING)
    dispatcher, events = await run(action, make_tracker(SLOTS, intent="affirm", sender="conv-1"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_helpdesk_closed"
    assert message["next_opening"] == "maandag 10 maart om 09:00"
    assert message["opening_hours"].startswith("maandag 09:00-17:00")
    assert events == []
    assert fresh_queue.waiting() == []


async def test_a_crisis_earlier_in_the_conversation_gives_priority(fresh_queue: hq.HandoffQueue) -> None:
    fresh_queue.request("waiting-longer", hq.HandoffSummary())
    action = ActionRequestHandoff(fresh_queue, deployment=OFFICE, clock=lambda: MONDAY_10)
    events = consent_events(
        ("ik zie het niet meer zitten", "crisis"), ("wil je met iemand praten?", "request_human")
    )
    dispatcher, _ = await run(action, make_tracker(SLOTS, events, intent="affirm", sender="conv-1"))
    assert dispatcher.messages[0]["position"] == 1
    ticket = fresh_queue.active_for("conv-1")
    assert ticket is not None and ticket.priority == "crisis" and ticket.summary.reason == "crisis"


@pytest.mark.parametrize(
    "events, reason",
    [
        ([("ik wil een medewerker", "request_human")], "request_human"),
        ([("/request_human", "request_human")], "button"),
        ([("blabla", "nlu_fallback"), ("nog eens blabla", "nlu_fallback")], "not_understood"),
        ([("hallo", "greet")], "other"),
    ],
)
def test_reason_comes_from_what_the_resident_said_before_consenting(
    events: list[tuple[str, str]], reason: str
) -> None:
    tracker = make_tracker({}, consent_events(*events), intent="affirm", text="ja")
    assert reason_of(tracker, priority_of(tracker)) == reason


async def test_database_down_apologises_with_the_municipality_phone(fresh_queue: hq.HandoffQueue) -> None:
    # A database that cannot be opened, as when the disk or the PostgreSQL server is gone.
    fresh_queue.engine = create_engine("sqlite:////proc/no-such-dir/socialmap.db", future=True)
    action = ActionRequestHandoff(fresh_queue, deployment=OFFICE, clock=lambda: MONDAY_10)
    dispatcher, events = await run(action, make_tracker(SLOTS, intent="affirm"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_unavailable"]
    assert dispatcher.messages[0]["contact_phone"] == "14 0592"
    assert events == []
    cancel_dispatcher, _ = await run(ActionCancelHandoff(fresh_queue, deployment=OFFICE), make_tracker())
    assert cancel_dispatcher.messages[0]["response"] == "utter_handoff_unavailable"


async def test_cancel_when_not_waiting_says_so(fresh_queue: hq.HandoffQueue) -> None:
    dispatcher, events = await run(ActionCancelHandoff(fresh_queue), make_tracker(sender="conv-1"))
    assert dispatcher.messages[0]["response"] == "utter_handoff_nothing_to_cancel"
    assert SlotSet("handoff_status", "none") in events


async def test_cancel_takes_the_resident_out_of_the_queue(fresh_queue: hq.HandoffQueue) -> None:
    fresh_queue.request("conv-1", hq.HandoffSummary())
    fresh_queue.stage_contact("conv-1", hq.Contact("phone", "0612345678"))
    callback = fresh_queue.request_callback("conv-1", "morgen", hq.HandoffSummary())
    dispatcher, events = await run(
        ActionCancelHandoff(fresh_queue), make_tracker({"handoff_status": "waiting"}, sender="conv-1")
    )
    assert dispatcher.messages[0]["response"] == "utter_handoff_cancelled"
    assert SlotSet("handoff_status", "none") in events
    assert fresh_queue.active_for("conv-1") is None
    assert fresh_queue.callback_contact(callback.id) is None


@pytest.mark.parametrize(
    "slot_text, vault, tag",
    [
        ("[TELEFOON]", {"conv-1": "06-12345678"}, "[TELEFOON]"),
        ("mijn mail is [E-MAIL]", {"conv-1": "jan@voorbeeld.nl"}, "[E-MAIL]"),
        ("0592 123456", {}, "[TELEFOON]"),  # not redacted (e.g. no vault yet): validate the text itself
    ],
)
def test_valid_contact_is_staged_and_only_its_tag_goes_in_the_slot(
    fresh_queue: hq.HandoffQueue, slot_text: str, vault: dict[str, str], tag: str
) -> None:
    validator = ValidateCallbackForm(fresh_queue, vault=FakeVault(vault))
    dispatcher = CollectingDispatcher()
    result = validator.validate_callback_contact(slot_text, dispatcher, make_tracker(sender="conv-1"), {})
    assert result == {"callback_contact": tag}
    assert dispatcher.messages == []
    request = fresh_queue.request_callback("conv-1", "morgen", hq.HandoffSummary())
    contact = fresh_queue.callback_contact(request.id)
    assert contact is not None and contact.tag == tag


@pytest.mark.parametrize(
    "slot_text, vault",
    [
        ("bel me maar", {}),
        ("0800-1234567", {}),
        ("[TELEFOON]", {}),
        ("[TELEFOON]", {"conv-1": "12345"}),
        ("", {}),
    ],
)
def test_invalid_contact_asks_again(
    fresh_queue: hq.HandoffQueue, slot_text: str, vault: dict[str, str]
) -> None:
    validator = ValidateCallbackForm(fresh_queue, vault=FakeVault(vault))
    dispatcher = CollectingDispatcher()
    result = validator.validate_callback_contact(slot_text, dispatcher, make_tracker(sender="conv-1"), {})
    assert result == {"callback_contact": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_contact"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("morgenochtend", "morgenochtend"),
        ("  dinsdag   na 14 uur ", "dinsdag na 14 uur"),
        ("", None),
        ("/affirm", None),
    ],
)
def test_callback_moment_is_trimmed_or_asked_again(
    fresh_queue: hq.HandoffQueue, value: str, expected: str | None
) -> None:
    validator = ValidateCallbackForm(fresh_queue, vault=FakeVault({}))
    result = validator.validate_callback_moment(value, CollectingDispatcher(), make_tracker(), {})
    assert result == {"callback_moment": expected}


async def test_submit_saves_the_callback_request(fresh_queue: hq.HandoffQueue) -> None:
    fresh_queue.stage_contact("conv-1", hq.Contact("email", "jan@voorbeeld.nl"))
    slots = {**SLOTS, "callback_contact": "[E-MAIL]", "callback_moment": "morgenochtend"}
    dispatcher, events = await run(
        ActionSubmitCallback(fresh_queue, deployment=OFFICE), make_tracker(slots, sender="conv-1")
    )
    assert dispatcher.messages[0]["response"] == "utter_callback_saved"
    assert dispatcher.messages[0]["callback_moment"] == "morgenochtend"
    assert events == [SlotSet("handoff_status", "callback")]
    [request] = fresh_queue.callbacks()
    assert (request.moment, request.contact_kind, request.summary.location) == (
        "morgenochtend",
        "email",
        "Assen",
    )


async def test_submit_without_a_staged_contact_asks_for_it_again(fresh_queue: hq.HandoffQueue) -> None:
    slots = {"callback_contact": "[TELEFOON]", "callback_moment": "morgen"}
    dispatcher, events = await run(
        ActionSubmitCallback(fresh_queue, deployment=OFFICE), make_tracker(slots, sender="conv-1")
    )
    assert dispatcher.messages[0]["response"] == "utter_invalid_contact"
    assert events == [SlotSet("callback_contact", None), FollowupAction("callback_form")]
    assert fresh_queue.callbacks() == []


def test_actions_do_no_io_when_created_without_arguments() -> None:
    # The rasa_sdk executor instantiates every action with no arguments at start-up.
    for cls in (ActionRequestHandoff, ActionCancelHandoff, ActionSubmitCallback, ValidateCallbackForm):
        assert cls().name()


async def test_the_wait_estimate_counts_the_available_employees(fresh_queue: hq.HandoffQueue) -> None:
    from socialmap.staff import AVAILABLE, StaffStore

    staff = StaffStore(fresh_queue.engine)
    for username in ("anja", "bert"):
        staff.add(username, username.title(), "correct paard batterij")
        staff.set_status(username, AVAILABLE)
    fresh_queue.request("someone-else", hq.HandoffSummary())
    action = ActionRequestHandoff(fresh_queue, deployment=OFFICE, clock=lambda: MONDAY_10)
    tracker = make_tracker(
        SLOTS, consent_events(("ik wil een mens", "request_human")), intent="affirm", text="ja", sender="c-2"
    )
    dispatcher, _ = await run(action, tracker)
    # Position 2, six minutes each, two people at work: six minutes instead of twelve.
    assert (dispatcher.messages[0]["position"], dispatcher.messages[0]["wait_minutes"]) == (2, 6)
