"""Actions name the municipality that applies: the resident's own once the place is known, else the site's."""

from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine

from actions.handoff import ActionRequestHandoff, ActionSubmitCallback
from actions.municipality import ActionMunicipalityInfo
from actions.search import ActionForgetLocation, ValidateLocationForm
from actions.session import ActionSessionStart
from actions.wellbeing import ActionOfferAfterCrisis
from socialmap import handoff as hq
from socialmap.settings import Deployment, OpeningHours
from socialmap.staff import StaffStore
from socialmap.tenants import Tenants, load_tenants
from tests.actions.helpers import make_tracker

ROOT = Path(__file__).resolve().parents[2]
WEEKDAYS = OpeningHours({d: (time(9, 0), time(17, 0)) for d in range(5)})
ALWAYS = OpeningHours({d: (time(0, 0), time(23, 59)) for d in range(7)})
SATURDAY_10 = datetime(2025, 3, 8, 9, 0, tzinfo=timezone.utc)  # 10:00 in Drenthe
MONDAY_10 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)

# The resident of Sleen (gemeente Coevorden) chats on Assen's website.
SLEEN_ON_ASSEN = {
    "site_municipality": "Assen",
    "location": "Sleen",
    "place_name": "Sleen",
    "residence": "Sleen",
    "municipality": "Coevorden",
    "place_lat": 52.77,
    "place_lon": 6.80,
}


@pytest.fixture(scope="module")
def tenants() -> Tenants:
    return load_tenants(ROOT / "deployments", ROOT / "deployment.yml")


@pytest.fixture
def weekend_assen() -> Tenants:
    """Assen's helpdesk is open every day, Coevorden's only on weekdays."""
    return Tenants(
        [Deployment(municipality="Coevorden", contact_phone="14 0524", opening_hours=WEEKDAYS)],
        Deployment(municipality="Assen", contact_phone="14 0592", opening_hours=ALWAYS),
    )


@pytest.fixture
def fresh_queue(tmp_path: Path) -> hq.HandoffQueue:
    return hq.HandoffQueue(create_engine(f"sqlite:///{tmp_path / 'tenancy.db'}", future=True))


async def run(action: Any, tracker: Any) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_the_session_starts_on_the_site_the_widget_names(tenants: Tenants) -> None:
    tracker = make_tracker({"session_started_metadata": {"municipality": "Midden-Drenthe"}})
    _, slots = await run(ActionSessionStart(tenants=tenants), tracker)
    assert slots["site_municipality"] == "Midden-Drenthe" and slots["municipality_name"] == "Midden-Drenthe"
    assert slots["contact_phone"] == tenants.get("Midden-Drenthe").contact_phone


async def test_a_session_without_a_known_site_is_the_default_sites(tenants: Tenants) -> None:
    _, slots = await run(ActionSessionStart(tenants=tenants), make_tracker({"session_started_metadata": {"municipality": "Zwolle"}}))
    assert slots["site_municipality"] == "Assen" and slots["contact_phone"] == "14 0592"


async def test_a_new_session_of_a_resident_whose_place_we_know_keeps_her_helpdesk(tenants: Tenants) -> None:
    tracker = make_tracker({"municipality": "Coevorden", "session_started_metadata": {"municipality": "Assen"}})
    _, slots = await run(ActionSessionStart(tenants=tenants), tracker)
    assert slots["site_municipality"] == "Assen"
    assert slots["municipality_name"] == "Coevorden" and slots["contact_phone"] == "14 0524"


async def test_the_place_switches_the_helpdesk_to_the_residents_municipality(tenants: Tenants) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"site_municipality": "Assen", "requested_slot": "location"}, text="Sleen")
    slots = ValidateLocationForm(tenants=tenants).validate_location("Sleen", dispatcher, tracker, {})
    assert slots["municipality"] == "Coevorden" and slots["residence"] == "Sleen"
    assert slots["municipality_name"] == "Coevorden" and slots["contact_phone"] == "14 0524"
    assert slots["site_municipality"] == "Assen"
    assert slots["helpdesk_hours"] == tenants.get("Coevorden").opening_hours.describe()


async def test_a_postcode_names_its_town(tenants: Tenants) -> None:
    tracker = make_tracker({"site_municipality": "Assen", "requested_slot": "location"}, text="7811 AB")
    slots = ValidateLocationForm(tenants=tenants).validate_location("7811 AB", CollectingDispatcher(), tracker, {})
    assert slots["municipality"] == "Emmen" and slots["residence"] == "Emmen"


async def test_forgetting_the_place_gives_the_site_back(tenants: Tenants) -> None:
    _, slots = await run(ActionForgetLocation(tenants=tenants), make_tracker(SLEEN_ON_ASSEN))
    assert slots["municipality"] is None and slots["residence"] is None
    assert slots["municipality_name"] == "Assen" and slots["contact_phone"] == "14 0592"


async def test_a_resident_on_another_site_hears_where_she_lives_and_whose_helpdesk_helps(tenants: Tenants) -> None:
    tracker = make_tracker(SLEEN_ON_ASSEN, intent="ask_municipality", text="wat is het telefoonnummer van de gemeente?")
    dispatcher, _ = await run(ActionMunicipalityInfo(tenants=tenants), tracker)
    first, second = dispatcher.messages[0], dispatcher.messages[1]
    assert first["response"] == "utter_tenant_helpdesk"
    assert first["residence"] == "Sleen" and first["municipality_name"] == "Coevorden"
    assert first["contact_phone"] == "14 0524"
    assert second["response"] == "utter_municipality_phone" and second["contact_phone"] == "14 0524"


async def test_a_resident_on_her_own_site_is_not_told_where_she_lives(tenants: Tenants) -> None:
    tracker = make_tracker(dict(SLEEN_ON_ASSEN, site_municipality="Coevorden"), text="telefoonnummer gemeente")
    dispatcher, _ = await run(ActionMunicipalityInfo(tenants=tenants), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_municipality_phone"]


async def test_the_handoff_queues_for_the_residents_helpdesk(
    fresh_queue: hq.HandoffQueue, weekend_assen: Tenants
) -> None:
    # Two Assen residents wait already; they are not ahead of her in Coevorden's queue.
    fresh_queue.request("assen-1", hq.HandoffSummary(), municipality="Assen")
    fresh_queue.request("assen-2", hq.HandoffSummary())
    action = ActionRequestHandoff(fresh_queue, tenants=weekend_assen, clock=lambda: MONDAY_10)
    dispatcher, slots = await run(action, make_tracker(SLEEN_ON_ASSEN, sender="sleen-1"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_tenant_helpdesk", "utter_handoff_queued"]
    assert dispatcher.messages[1]["position"] == 1
    ticket = fresh_queue.active_for("sleen-1")
    assert ticket is not None and ticket.municipality == "Coevorden"
    assert slots["handoff_status"] == "waiting"


async def test_the_residents_helpdesk_hours_apply_not_the_sites(
    fresh_queue: hq.HandoffQueue, weekend_assen: Tenants
) -> None:
    action = ActionRequestHandoff(fresh_queue, tenants=weekend_assen, clock=lambda: SATURDAY_10)
    dispatcher, _ = await run(action, make_tracker(SLEEN_ON_ASSEN, sender="sleen-2"))
    assert dispatcher.messages[-1]["response"] == "utter_helpdesk_closed"
    assert fresh_queue.active_for("sleen-2") is None
    # The Assen resident on the same site, at the same moment, is queued.
    assen = dict(SLEEN_ON_ASSEN, municipality="Assen", residence="Assen")
    dispatcher, _ = await run(action, make_tracker(assen, sender="assen-3"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_queued"]


async def test_after_113_the_offer_follows_the_residents_helpdesk(weekend_assen: Tenants, fresh_queue: hq.HandoffQueue) -> None:
    action = ActionOfferAfterCrisis(fresh_queue, tenants=weekend_assen, clock=lambda: SATURDAY_10)
    dispatcher, _ = await run(action, make_tracker(SLEEN_ON_ASSEN))
    assert dispatcher.messages[0]["response"] == "utter_crisis_helpdesk_closed"


async def test_the_callback_belongs_to_the_residents_helpdesk(fresh_queue: hq.HandoffQueue, tenants: Tenants) -> None:
    fresh_queue.stage_contact("sleen-3", hq.Contact("phone", "0612345678"))
    slots = dict(SLEEN_ON_ASSEN, callback_moment="morgenochtend")
    dispatcher, _ = await run(ActionSubmitCallback(fresh_queue, tenants=tenants), make_tracker(slots, sender="sleen-3"))
    assert dispatcher.messages[-1]["response"] == "utter_callback_saved"
    (callback,) = fresh_queue.callbacks()
    assert callback.municipality == "Coevorden"


async def test_the_wait_estimate_counts_the_employees_of_that_helpdesk(
    fresh_queue: hq.HandoffQueue, weekend_assen: Tenants
) -> None:
    staff = StaffStore(fresh_queue.engine)
    for name, municipality in (("anja", "Assen"), ("piet", "Assen"), ("kees", "Coevorden")):
        staff.add(name, name.title(), "een lang wachtwoord 2026")
        staff.set_municipalities(name, [municipality])
        staff.set_status(name, "beschikbaar")
    action = ActionRequestHandoff(fresh_queue, tenants=weekend_assen)
    assert action.available_staff(weekend_assen.get("Coevorden")) == 1
    assert action.available_staff(weekend_assen.get("Assen")) == 2
