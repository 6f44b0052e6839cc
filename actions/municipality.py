"""Questions about the municipality itself: opening hours, phone, address, website (deployments/*.yml).

The municipality is the one whose helpdesk applies (socialmap.tenants): the resident's own
once the place is known, else the site's. A resident on another municipality's site is told
first where they live and whose helpdesk helps (utter_tenant_helpdesk).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.tenancy import tenancy_of
from socialmap.dialogue import municipality_topic
from socialmap.settings import Deployment
from socialmap.tenants import Tenants

RESPONSES = {
    "hours": "utter_municipality_hours",
    "address": "utter_municipality_address",
    "phone": "utter_municipality_phone",
    "website": "utter_municipality_website",
    "chat_hours": "utter_municipality_chat_hours",
}


class ActionMunicipalityInfo(Action):
    def __init__(self, deployment: Deployment | None = None, tenants: Tenants | None = None) -> None:
        self._deployment = deployment
        self._tenants = tenants

    def name(self) -> str:
        return "action_municipality_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if self._deployment is not None:
            deployment = self._deployment
        else:
            tenancy = tenancy_of(tracker, self._tenants)
            deployment = tenancy.helpdesk
            if tenancy.other_site and tracker.get_slot("residence"):
                dispatcher.utter_message(
                    response="utter_tenant_helpdesk",
                    residence=tracker.get_slot("residence"),
                    municipality_name=deployment.municipality,
                    contact_phone=deployment.contact_phone,
                )
        text = str((tracker.latest_message or {}).get("text") or "")
        known = {
            "hours": bool(deployment.desk_hours and deployment.contact_address),
            "address": bool(deployment.contact_address and deployment.desk_hours),
            "phone": bool(deployment.contact_phone),
            "website": bool(deployment.contact_website),
            "chat_hours": bool(deployment.opening_hours.days),
        }
        topic = municipality_topic(text)
        values = {
            "municipality_name": deployment.municipality,
            "contact_phone": deployment.contact_phone,
            "contact_address": deployment.contact_address,
            "desk_hours": deployment.desk_hours,
            "contact_website": deployment.contact_website,
            "helpdesk_hours": deployment.opening_hours.describe(),
        }
        if topic != "all" and known.get(topic):
            dispatcher.utter_message(response=RESPONSES[topic], **values)
        elif deployment.contact_address and deployment.desk_hours:
            dispatcher.utter_message(response="utter_municipality_contact", **values)
        else:
            dispatcher.utter_message(response="utter_municipality_phone", **values)
            if deployment.contact_website:
                dispatcher.utter_message(response="utter_municipality_website", **values)
        return []
