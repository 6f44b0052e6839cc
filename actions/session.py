"""Session start: put the municipality's deployment settings into slots for the responses."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tenancy import metadata_site
from socialmap.settings import Deployment
from socialmap.tenants import Tenancy, Tenants, get_tenants, slot_values


def deployment_slots(deployment: Deployment | Tenancy) -> list[EventType]:
    """Return the SlotSet events that make the deployment settings available to every response."""
    tenancy = deployment if isinstance(deployment, Tenancy) else Tenancy(deployment, deployment)
    return [SlotSet(name, value) for name, value in slot_values(tenancy).items()]


class ActionSessionStart(Action):
    """Start a session on the site the widget names (data-municipality); the resident's place, if known, decides who helps."""

    def __init__(self, deployment: Deployment | None = None, tenants: Tenants | None = None) -> None:
        self._deployment = deployment
        self._tenants = tenants

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        # Carry over what the resident told us before (location, need) from the old session.
        for key, value in tracker.current_slot_values().items():
            if value is not None and key not in {"requested_slot", "handoff_status"}:
                events.append(SlotSet(key, value))
        if self._deployment is not None:
            events.extend(deployment_slots(self._deployment))
        else:
            tenants = self._tenants or get_tenants()
            # This session's widget says which site; a session without metadata stays on the site of before.
            site = metadata_site(tracker) or tracker.get_slot("site_municipality")
            events.extend(deployment_slots(tenants.resolve(site, tracker.get_slot("municipality"))))
        events.append(ActionExecuted("action_listen"))
        return events
