"""Finding things nearby: the location form's validator and the search action."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.fallback import suggested_place
from actions.tenancy import site_of
from socialmap import advice, wishes
from socialmap.catalog import Catalog
from socialmap.dialogue import looks_like_place_answer
from socialmap.geo import Geocoder, get_geocoder, is_ambiguous_place_name, parse_postcode
from socialmap.search import parse_age
from socialmap.tenants import Tenants, get_tenants, slot_values

logger = logging.getLogger(__name__)

# After this many places we could not find, offer a medewerker instead of asking again.
MAX_LOCATION_ATTEMPTS = 3


class ValidateLocationForm(FormValidationAction):
    def __init__(self, geocoder: Geocoder | None = None, tenants: Tenants | None = None) -> None:
        self._geocoder = geocoder
        self._tenants = tenants

    def name(self) -> str:
        return "validate_location_form"

    @property
    def geocoder(self) -> Geocoder:
        return self._geocoder or get_geocoder()

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A "ja" to "Bedoelt u Nietap?": the suggested place is the answer (validated like any other)."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "affirm" and tracker.get_slot("requested_slot") == "location":
            suggestion = suggested_place(tracker.events)
            if suggestion:
                return {"location": suggestion}
        return {}

    def validate_location(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(slot_value or "").strip()
        if not text:
            # Nothing was answered: a place cleared this turn ("ander dorp" -> action_forget_location)
            # comes here as None. Say nothing; the form asks for the place.
            return {"location": None}
        asked = tracker.get_slot("requested_slot") == "location"
        if text and not asked and is_ambiguous_place_name(text):
            # "samen met anderen": a place name that is also a word, picked from a sentence that was
            # not an answer to "In welke plaats woont u?". Only the sentence's context can make it a place.
            text = str(tracker.latest_message.get("text") or text)
            found = self.geocoder.geocode(text)
            if found.status != "ok":
                return {"location": None}  # say nothing: the form asks for the place
        try:
            result = self.geocoder.geocode(text)
        except Exception:  # the geocoder promises not to raise; if it does, the resident still gets an answer
            logger.exception("geocoder failed for a resident's location")
            dispatcher.utter_message(response="utter_search_failed")
            return {"location": None}
        if result.status == "ok" and result.place is not None:
            place = result.place
            # The resident's place decides whose helpdesk, phone and hours every later answer names.
            tenancy = (self._tenants or get_tenants()).resolve(site_of(tracker), place.municipality)
            return {
                "location": place.name,
                # "in de buurt van postcode 7811", never "in de buurt van 7811"
                "place_name": place.display_name,
                "municipality": place.municipality,
                "place_lat": place.lat,
                "place_lon": place.lon,
                "location_attempts": 0,
                "residence": place.town or place.name,
                **slot_values(tenancy),
            }
        attempts = int(tracker.get_slot("location_attempts") or 0) + 1
        if not looks_like_place_answer(text):
            # A sentence about something else is never echoed back as a place name.
            dispatcher.utter_message(response="utter_location_not_a_place")
        elif result.status == "outside":
            dispatcher.utter_message(response="utter_location_outside", place=result.outside_name or text)
        elif result.suggestion:
            dispatcher.utter_message(response="utter_location_suggestion", place=text, suggestion=result.suggestion)
        elif result.status != "empty":
            dispatcher.utter_message(response="utter_location_unknown", place=text[:60])
        if attempts >= MAX_LOCATION_ATTEMPTS:
            dispatcher.utter_message(response="utter_location_give_up")
            return {"location": None, "location_attempts": 0, "requested_slot": None}
        return {"location": None, "location_attempts": attempts}


# Refinements that belong to one search; they are dropped when the resident changes topic.
REFINEMENTS = ("free_only", "weekday", "activity")


def refinements_for_this_topic(tracker: Tracker) -> dict[str, Any]:
    """Return the refinement slots that apply now: a new topic starts without the old topic's filters.

    A filter counts when it was set at or after the message that opened the current
    topic (the last find_* message); e.g. "alleen gratis" for meeting places does not
    carry over to volunteer work, but "een sportclub" in the opening message does.
    """
    events = list(tracker.events)
    start: int | None = None
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith("find_"):
                start = index
                break
    set_since = {e.get("name") for e in events[start or 0 :] if e.get("event") == "slot"}
    latest_entities = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
    values: dict[str, Any] = {}
    for name in REFINEMENTS:
        fresh = name in set_since or {"free_only": "cost"}.get(name, name) in latest_entities
        values[name] = tracker.get_slot(name) if fresh or start is None else None
    return values


# Messages whose words may carry a wish ("heb je ook iets met dansen", "koffieochtent in zweeloo").
WISH_INTENTS = frozenset({"refine_search", "inform"})
RELAXED_RESPONSES = {
    ("weekday",): "utter_results_relaxed_day",
    ("free_only",): "utter_results_relaxed_free",
    ("weekday", "free_only"): "utter_results_relaxed_day_free",
}


def _wish_message(tracker: Tracker) -> str | None:
    intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
    if intent in WISH_INTENTS or intent.startswith("find_"):
        return str(tracker.latest_message.get("text") or "")
    return None


def _municipality(tracker: Tracker, place_name: str | None) -> str | None:
    """Return the resident's municipality: the slot, or the one of the place (a conversation from before)."""
    known = tracker.get_slot("municipality")
    if known or not place_name:
        return known
    found = get_geocoder().geocode(str(place_name).removeprefix("postcode "))
    return found.place.municipality if found.status == "ok" and found.place is not None else None


def _activity_now(tracker: Tracker, message: str | None, remembered: str | None) -> str | None:
    """Return the wish to search for: this message's activity entity, or none when its words name
    a new activity ("en iets met zwemmen?"), else the one remembered for this topic."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "activity" and entity.get("value"):
            return str(entity["value"])
    if message and wishes.extract(None, message) is not None:
        return None
    return remembered


def search_signal(
    found: advice.Found, tracker: Tracker, need: str, audience: str | None
) -> dict[str, Any]:
    """Return the counts-only facts of one search for the municipality's signals (no resident text)."""
    location = str(tracker.get_slot("location") or "")
    postcode = parse_postcode(location) or parse_postcode(str(tracker.get_slot("place_name") or ""))
    place_name = tracker.get_slot("place_name")
    if postcode:
        owner = get_geocoder().geocode(postcode)
        place_name = owner.place.town if owner.place is not None and owner.place.town else place_name
    return {
        "need": need,
        "subcategory": found.subcategory,
        "audience": advice.normalise_audience(audience),
        "place_name": place_name,
        "municipality": tracker.get_slot("municipality"),
        "pc4": postcode[:4] if postcode else None,
        "total": found.total,
        "nearest_km": found.nearest_km,
        "radius_km": found.radius_km,
        "widened": found.widened,
        "wish_found": found.wish_found,
    }


class ActionSearchServices(Action):
    """Search the social map near the resident's place; pages on for 'meer', narrows for refinements."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog

    def name(self) -> str:
        return "action_search_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lat, lon = tracker.get_slot("place_lat"), tracker.get_slot("place_lon")
        if lat is None or lon is None:
            dispatcher.utter_message(response="utter_ask_location")
            return []
        need = tracker.get_slot("need")
        if not need:
            dispatcher.utter_message(response="utter_location_ok")
            dispatcher.utter_message(response="utter_ask_what_to_find")
            return []
        more = (tracker.latest_message.get("intent") or {}).get("name") == "show_more"
        shown = list(tracker.get_slot("shown_services") or []) if more else []
        page = int(tracker.get_slot("page") or 0) + 1 if more else 0
        age = tracker.get_slot("age")
        refinements = refinements_for_this_topic(tracker)
        place_name = tracker.get_slot("place_name") or tracker.get_slot("location")
        audience = tracker.get_slot("audience")
        message = None if more else _wish_message(tracker)
        activity = _activity_now(tracker, message, refinements["activity"])
        try:
            found = advice.find(
                need,
                float(lat),
                float(lon),
                audience=audience,
                age=parse_age(age),
                weekday=refinements["weekday"],
                free_only=bool(refinements["free_only"]),
                activity=activity,
                message=message,
                municipality=_municipality(tracker, place_name),
                place_words=tuple(str(p) for p in (place_name, tracker.get_slot("location")) if p),
                exclude=shown,
                first_page=not more,
                catalog=self._catalog,
            )
        except Exception:  # the database is missing or locked: apologise, never stay silent
            logger.exception("social-map search failed")
            dispatcher.utter_message(response="utter_search_failed")
            return []

        signal = SlotSet("search_signal", search_signal(found, tracker, need, audience))
        if not found.results:
            response = "utter_no_more_results" if more else "utter_no_results"
            dispatcher.utter_message(response=response, radius_km=f"{found.radius_km:.0f}", place_name=place_name)
            return [SlotSet("page", float(page)), signal]
        radius = f"{found.radius_km:.0f}"
        if more:  # "meer" goes on from the cards above: no new introduction, unless it went further
            if found.more_widened:
                dispatcher.utter_message(response="utter_results_more_widened", radius_km=radius, place_name=place_name)
        else:
            if found.wish_found is False and found.wish:
                dispatcher.utter_message(response="utter_wish_not_found", wish=found.wish, place_name=place_name)
            day = advice.day_phrase(refinements["weekday"])
            if found.relaxed:
                dispatcher.utter_message(response=RELAXED_RESPONSES[found.relaxed], day=day)
            elif found.wish_found is False:
                pass  # the wish line already introduced the alternatives
            elif found.national:
                dispatcher.utter_message(response="utter_results_national")
            elif found.far:
                dispatcher.utter_message(response="utter_results_intro_widened", radius_km=radius, place_name=place_name)
            elif found.some_far:
                dispatcher.utter_message(response="utter_results_intro_some_far", radius_km=radius, place_name=place_name)
            elif filters := advice.filter_phrase(refinements["weekday"], bool(refinements["free_only"])):
                dispatcher.utter_message(response="utter_results_intro_filtered", filters=filters, place_name=place_name)
            else:
                dispatcher.utter_message(response="utter_results_intro", place_name=place_name)
        for result in found.results:
            card = advice.card(result, place_name)
            dispatcher.utter_message(
                response="utter_result_card",
                json_message={"type": "result_card", "card": card},
                **{k: card[k] for k in ("name", "what", "where", "when", "cost", "contact", "route_url")},
            )
        if found.near_miss is not None:
            dispatcher.utter_message(
                response="utter_near_miss", name=found.near_miss.name, ages=advice.age_text(found.near_miss)
            )
        free_already = found.all_free or bool(refinements["free_only"])
        dispatcher.utter_message(response="utter_results_actions_all_free" if free_already else "utter_results_actions")
        events: list[EventType] = [
            SlotSet("page", float(page)),
            SlotSet("shown_services", shown + found.shown_ids),
            *[SlotSet(name, value) for name, value in refinements.items() if value != tracker.get_slot(name)],
            signal,
        ]
        if found.wish and found.wish_found and found.wish != tracker.get_slot("activity"):
            # A wish read from the message's words holds for "meer" and later refinements too.
            events.append(SlotSet("activity", found.wish))
        return events


class ActionForgetLocation(Action):
    def __init__(self, tenants: Tenants | None = None) -> None:
        self._tenants = tenants

    def name(self) -> str:
        return "action_forget_location"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_location_forgotten")
        # Without a place the site's municipality helps again.
        site = (self._tenants or get_tenants()).resolve(site_of(tracker))
        return (
            [
                SlotSet(name, None)
                for name in (
                    "location", "place_name", "municipality", "place_lat", "place_lon", "shown_services", "residence"
                )
            ]
            + [SlotSet("page", 0.0), SlotSet("location_attempts", 0.0)]
            + [SlotSet(name, value) for name, value in slot_values(site).items()]
        )
