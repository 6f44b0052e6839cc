"""After 113: the offer that fits the moment; questions about the municipality from deployment.yml."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.municipality import ActionMunicipalityInfo
from actions.wellbeing import ActionOfferAfterCrisis
from socialmap import handoff as hq
from socialmap.settings import Deployment, OpeningHours
from tests.actions.helpers import make_tracker

TZ = ZoneInfo("Europe/Amsterdam")
WEEKDAYS_9_TO_5 = OpeningHours({d: (time(9), time(17)) for d in range(5)})
DEPLOYMENT = Deployment(
    municipality="Assen",
    contact_phone="14 0592",
    contact_website="https://www.assen.nl",
    contact_address="Noordersingel 33, 9401 JW Assen",
    desk_hours="maandag tot en met vrijdag van 8.30 tot 17.00 uur",
    opening_hours=WEEKDAYS_9_TO_5,
)


@pytest.fixture
def queue(tmp_path: Path) -> hq.HandoffQueue:
    return hq.HandoffQueue(db_url=f"sqlite:///{tmp_path / 'q.db'}")


async def offer(queue: hq.HandoffQueue, moment: datetime, status: str = "none", sender: str = "s1") -> list[str]:
    dispatcher = CollectingDispatcher()
    action = ActionOfferAfterCrisis(queue, deployment=DEPLOYMENT, clock=lambda: moment)
    await action.run(dispatcher, make_tracker({"handoff_status": status}, intent="crisis", sender=sender), {})
    return [m["response"] for m in dispatcher.messages]


async def test_during_opening_hours_a_medewerker_is_offered(queue: hq.HandoffQueue) -> None:
    assert await offer(queue, datetime(2026, 12, 1, 10, 0, tzinfo=TZ)) == ["utter_offer_handoff_crisis"]


async def test_outside_opening_hours_no_queue_is_promised(queue: hq.HandoffQueue) -> None:
    # Tuesday 1 December 2026, 22:00: the helpdesk is closed.
    assert await offer(queue, datetime(2026, 12, 1, 22, 0, tzinfo=TZ)) == ["utter_crisis_helpdesk_closed"]


async def test_while_waiting_the_ticket_is_flagged_urgent(queue: hq.HandoffQueue) -> None:
    summary = hq.HandoffSummary(reason="request_human")
    ticket = queue.request("waiting-1", summary, priority="normal")
    responses = await offer(queue, datetime(2026, 12, 1, 10, 0, tzinfo=TZ), status="waiting", sender="waiting-1")
    assert responses == ["utter_crisis_already_waiting"]
    flagged = queue.get(ticket.id)
    assert flagged is not None and flagged.priority == "crisis"


@pytest.mark.parametrize(
    ("question", "response", "variable", "value"),
    [
        ("wanneer is het gemeentehuis open", "utter_municipality_hours", "desk_hours", DEPLOYMENT.desk_hours),
        ("wat is het telefoonnummer van de gemeente", "utter_municipality_phone", "contact_phone", "14 0592"),
        ("waar is het gemeentehuis", "utter_municipality_address", "contact_address", DEPLOYMENT.contact_address),
        ("hoe bereik ik de gemeente", "utter_municipality_contact", "contact_website", "https://www.assen.nl"),
    ],
)
async def test_questions_about_the_municipality(question: str, response: str, variable: str, value: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="ask_municipality", text=question)
    await ActionMunicipalityInfo(DEPLOYMENT).run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == response and message[variable] == value


async def test_without_an_address_the_phone_and_website_still_answer() -> None:
    dispatcher = CollectingDispatcher()
    bare = Deployment(municipality="Aa en Hunze", contact_phone="0592 267 777", contact_website="https://x.nl")
    await ActionMunicipalityInfo(bare).run(dispatcher, make_tracker(intent="ask_municipality", text="open?"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_municipality_phone", "utter_municipality_website"]
