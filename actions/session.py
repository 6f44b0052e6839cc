"""Session start: put the municipality's deployment settings into slots for the responses."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from socialmap.settings import Deployment, get_settings


def deployment_slots(deployment: Deployment) -> list[EventType]:
    """Return the SlotSet events that make the deployment settings available to every response."""
    return [
        SlotSet("municipality_name", deployment.municipality),
        SlotSet("contact_phone", deployment.contact_phone),
        SlotSet("contact_website", deployment.contact_website),
        SlotSet("privacy_url", deployment.privacy_url),
        SlotSet("retention_days", str(deployment.retention_days)),
        SlotSet("helpdesk_hours", deployment.opening_hours.describe()),
        SlotSet("address_form", deployment.address_form),
    ]


class ActionSessionStart(Action):
    def __init__(self, deployment: Deployment | None = None) -> None:
        self._deployment = deployment

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        deployment = self._deployment or get_settings().deployment
        events: list[EventType] = [SessionStarted()]
        # Carry over what the resident told us before (location, need) from the old session.
        for key, value in tracker.current_slot_values().items():
            if value is not None and key not in {"requested_slot", "handoff_status"}:
                events.append(SlotSet(key, value))
        events.extend(deployment_slots(deployment))
        events.append(ActionExecuted("action_listen"))
        return events
