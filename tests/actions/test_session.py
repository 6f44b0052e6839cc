from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from socialmap.settings import Deployment
from tests.actions.helpers import make_tracker


async def test_session_start_puts_the_municipality_in_slots() -> None:
    dispatcher = CollectingDispatcher()
    deployment = Deployment(municipality="Emmen", contact_phone="14 0591", contact_website="https://www.emmen.nl")
    events = await ActionSessionStart(deployment).run(dispatcher, make_tracker({"location": "Zweeloo"}), {})
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert events[0]["event"] == "session_started"
    assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"
    assert slots["municipality_name"] == "Emmen" and slots["contact_phone"] == "14 0591"
    # What the resident told us before survives the new session.
    assert slots["location"] == "Zweeloo"
