"""The location form validator and the search action, with CollectingDispatcher and a real catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.search import ActionForgetLocation, ActionSearchServices, ValidateLocationForm
from socialmap.catalog import Catalog
from socialmap.geo import Geocoder
from socialmap.importer import import_paths
from tests.actions.helpers import make_tracker

DEMO = Path(__file__).resolve().parents[2] / "socialmap" / "data" / "demo"


@pytest.fixture(scope="module")
def demo_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'socialmap.db'}"
    catalog = Catalog(url)
    catalog.create_schema()
    report = import_paths([DEMO], catalog)
    assert not report.errors
    return catalog


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


ASSEN = {"place_name": "Assen", "location": "Assen", "municipality": "Assen", "place_lat": 52.9925, "place_lon": 6.5649}


def validate(text: str, slots: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = ValidateLocationForm(Geocoder()).validate_location(text, dispatcher, make_tracker(slots), {})
    return result, dispatcher.messages


def test_a_village_fills_the_place_slots() -> None:
    result, messages = validate("ik woon in zweeloo")
    assert result["location"] == "Zweeloo" and result["municipality"] == "Coevorden"
    assert 52.7 < result["place_lat"] < 52.9 and 6.6 < result["place_lon"] < 6.9
    assert messages == []


def test_a_postcode_in_any_spelling_is_accepted() -> None:
    result, _ = validate("9401ab")
    assert result["municipality"] == "Assen"


def test_a_place_outside_drenthe_is_explained_and_asked_again() -> None:
    result, messages = validate("Zwolle")
    assert result["location"] is None
    assert messages[0]["response"] == "utter_location_outside" and messages[0]["place"] == "Zwolle"


def test_an_unknown_place_is_explained_and_counted() -> None:
    result, messages = validate("Xyzzyvelde", {"location_attempts": 0})
    assert result == {"location": None, "location_attempts": 1}
    assert messages[0]["response"] in {"utter_location_unknown", "utter_location_suggestion"}


def test_after_three_unknown_places_a_medewerker_is_offered() -> None:
    result, messages = validate("Xyzzyvelde", {"location_attempts": 2})
    assert result["requested_slot"] is None
    assert messages[-1]["response"] == "utter_location_give_up"


async def run_search(catalog: Catalog, slots: dict[str, Any], intent: str = "inform") -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = await ActionSearchServices(catalog).run(dispatcher, make_tracker(slots, intent=intent), {})
    return dispatcher.messages, events


def cards(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"]["card"] for m in messages if m.get("response") == "utter_result_card"]


async def test_carer_gets_respite_consultant_and_peers_side_by_side(demo_catalog: Catalog) -> None:
    messages, events = await run_search(demo_catalog, {**ASSEN, "need": "carer"})
    assert messages[0]["response"] == "utter_results_intro"
    found = cards(messages)
    assert len(found) == 3
    assert {c["what"] for c in found[1:]} == {"Mantelzorgconsulent", "Lotgenotengroep"}
    assert found[0]["what"] in {"Respijtzorg", "Logeeropvang", "Dagbesteding"}
    assert messages[-1]["response"] == "utter_results_actions_all_free"  # all three are free
    assert len(slots_of(events)["shown_services"]) == 3


async def test_more_shows_new_results(demo_catalog: Catalog) -> None:
    first, events = await run_search(demo_catalog, {**ASSEN, "need": "meeting"})
    shown = slots_of(events)["shown_services"]
    more, events = await run_search(
        demo_catalog, {**ASSEN, "need": "meeting", "shown_services": shown, "page": 0}, intent="show_more"
    )
    assert more[0]["response"] == "utter_result_card"  # no second introduction
    assert not {c["service_id"] for c in cards(more)} & set(shown)
    assert slots_of(events)["page"] == 1


async def test_free_only_and_weekday_narrow_the_search(demo_catalog: Catalog) -> None:
    messages, _ = await run_search(demo_catalog, {**ASSEN, "need": "meeting", "free_only": True, "weekday": "woensdag"})
    found = cards(messages)
    assert found
    assert all(c["cost"].lower().startswith("gratis") for c in found)
    # The kept filters are said, so a narrowed list never looks like the same list again.
    assert messages[0]["response"] == "utter_results_intro_filtered"
    assert messages[0]["filters"] == "gratis en op woensdag"


async def test_sport_for_a_son_of_15_gives_sport_clubs(demo_catalog: Catalog) -> None:
    messages, _ = await run_search(demo_catalog, {**ASSEN, "need": "youth", "age": 15, "activity": "sportclub"})
    assert {c["what"] for c in cards(messages)} == {"Sportclub voor jongeren"}


async def test_no_place_yet_asks_for_it(demo_catalog: Catalog) -> None:
    messages, events = await run_search(demo_catalog, {"need": "meeting"})
    assert [m["response"] for m in messages] == ["utter_ask_location"] and events == []


async def test_missing_database_gives_an_apology_not_silence(tmp_path: Path, demo_catalog: Catalog) -> None:
    broken = Catalog(f"sqlite:///{tmp_path / 'nothing-here' / 'missing.db'}")
    messages, _ = await run_search(broken, {**ASSEN, "need": "meeting"})
    assert [m["response"] for m in messages] == ["utter_search_failed"]


async def test_another_area_forgets_the_place() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionForgetLocation().run(dispatcher, make_tracker(ASSEN), {})
    slots = slots_of(events)
    assert slots["location"] is None and slots["place_lat"] is None and slots["page"] == 0


async def test_a_new_topic_drops_the_old_topics_refinements(demo_catalog: Catalog) -> None:
    from tests.actions.helpers import user_event

    events = [
        user_event("ik zoek een koffieochtend", "find_meeting_place"),
        user_event("alleen gratis", "refine_search"),
        {"event": "slot", "name": "free_only", "value": True},
        {"event": "slot", "name": "weekday", "value": "woensdag"},
        user_event("ik wil vrijwilligerswerk doen", "find_volunteer_work"),
    ]
    tracker = make_tracker({**ASSEN, "need": "volunteer", "free_only": True, "weekday": "woensdag"}, events=events)
    dispatcher = CollectingDispatcher()
    result = await ActionSearchServices(demo_catalog).run(dispatcher, tracker, {})
    slots = slots_of(result)
    assert slots["free_only"] is None and slots["weekday"] is None
    assert len(cards(dispatcher.messages)) == 3


async def test_an_older_age_never_gets_an_empty_youth_search(demo_catalog: Catalog) -> None:
    # "mijn vader van 78 zit de hele dag alleen thuis" once came in as find_youth_activity.
    messages, _ = await run_search(demo_catalog, {**ASSEN, "need": "youth", "age": 78})
    found = cards(messages)
    assert len(found) == 3
    assert "Sportclub voor jongeren" not in {c["what"] for c in found}


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("response") for m in messages]


MEPPEL = {"place_name": "Meppel", "location": "Meppel", "municipality": "Meppel", "place_lat": 52.6958, "place_lon": 6.1944}
HOOGEVEEN = {
    "place_name": "Hoogeveen", "location": "Hoogeveen", "municipality": "Hoogeveen",
    "place_lat": 52.7225, "place_lon": 6.4764,
}  # fmt: skip


async def test_a_wish_that_is_not_in_the_map_is_said_before_the_alternatives(demo_catalog: Catalog) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({**MEPPEL, "need": "youth", "age": 16}, intent="refine_search", text="heb je ook iets met dansen")
    events = await ActionSearchServices(demo_catalog).run(dispatcher, tracker, {})
    said = dispatcher.messages
    assert said[0]["response"] == "utter_wish_not_found" and said[0]["wish"] == "dansen"
    assert len(cards(said)) == 3
    assert slots_of(events)["search_signal"]["wish_found"] is False


async def test_a_typo_wish_is_remembered_for_more(demo_catalog: Catalog) -> None:
    zweeloo = {"place_name": "Zweeloo", "location": "Zweeloo", "municipality": "Coevorden",
               "place_lat": 52.7967, "place_lon": 6.7264}  # fmt: skip
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({**zweeloo, "need": "meeting"}, intent="find_meeting_place", text="koffieochtent in zweeloo")
    events = await ActionSearchServices(demo_catalog).run(dispatcher, tracker, {})
    assert {c["what"] for c in cards(dispatcher.messages)} == {"Koffieochtend"}
    assert slots_of(events)["activity"] == "koffieochtend"


async def test_volunteer_work_on_wednesday_keeps_the_vacancies_by_appointment(demo_catalog: Catalog) -> None:
    messages, _ = await run_search(demo_catalog, {**HOOGEVEEN, "need": "volunteer", "weekday": "woensdag"})
    found = cards(messages)
    assert len(found) == 3 and all(c["what"] == "Vacature vrijwilligerswerk" for c in found)
    assert (messages[0]["response"], messages[0]["filters"]) == ("utter_results_intro_filtered", "op woensdag")
    # all free already: no "Alleen gratis" button
    assert messages[-1]["response"] == "utter_results_actions_all_free"


async def test_a_day_that_leaves_nothing_is_relaxed_and_said(demo_catalog: Catalog) -> None:
    messages, _ = await run_search(demo_catalog, {**ASSEN, "need": "retirement", "weekday": "zondag"})
    assert "utter_no_results" not in responses(messages)
    if messages[0]["response"] == "utter_results_relaxed_day":
        assert messages[0]["day"] == "zondag"
    assert cards(messages)


async def test_the_search_signal_holds_counts_only(demo_catalog: Catalog) -> None:
    _, events = await run_search(demo_catalog, {**ASSEN, "need": "meeting"})
    signal = slots_of(events)["search_signal"]
    assert set(signal) == {
        "need", "subcategory", "audience", "place_name", "municipality", "pc4",
        "total", "nearest_km", "radius_km", "widened", "wish_found",
    }  # fmt: skip
    assert signal["need"] == "meeting" and signal["municipality"] == "Assen" and signal["total"] >= 3
    assert isinstance(signal["nearest_km"], float) and signal["widened"] is False


async def test_a_postcode_place_reads_naturally() -> None:
    result, _ = validate("7811")
    assert result["place_name"] == "postcode 7811" and result["municipality"] == "Emmen"


async def test_intro_says_far_only_when_the_results_are_far(demo_catalog: Catalog) -> None:
    messages, _ = await run_search(demo_catalog, {**ASSEN, "need": "meeting"})
    assert messages[0]["response"] == "utter_results_intro"
    nearest = min(float(c["distance"].split()[0].replace(",", ".")) / (1000 if c["distance"].endswith(" m") else 1)
                  for c in cards(messages))  # fmt: skip
    assert nearest < 10


async def test_more_widens_and_says_so(demo_catalog: Catalog) -> None:
    slots = {**HOOGEVEEN, "need": "carer"}
    _, events = await run_search(demo_catalog, slots)
    shown = slots_of(events)["shown_services"]
    said: list[str] = []
    for _ in range(8):
        messages, events = await run_search(demo_catalog, {**slots, "shown_services": shown}, intent="show_more")
        said += responses(messages)
        if not cards(messages):
            break
        shown = slots_of(events)["shown_services"]
    assert "utter_results_more_widened" in said


async def answer(
    catalog: Catalog, slots: dict[str, Any], text: str, intent: str = "ask_about_result"
) -> list[dict[str, Any]]:
    from actions.results import ActionAnswerAboutResult

    dispatcher = CollectingDispatcher()
    await ActionAnswerAboutResult(catalog).run(dispatcher, make_tracker(slots, intent=intent, text=text), {})
    return dispatcher.messages


async def test_a_question_about_the_shown_card_is_answered_from_the_catalog(demo_catalog: Catalog) -> None:
    _, events = await run_search(demo_catalog, {**MEPPEL, "need": "newcomer", "age": 16})
    shown = slots_of(events)["shown_services"]
    slots = {**MEPPEL, "shown_services": shown}
    friday = await answer(demo_catalog, slots, "is de loods ook op vrijdag open?")
    assert friday[0]["response"] == "utter_result_open_on_day" and "Loods" in friday[0]["name"]
    assert (friday[0]["day"], friday[0]["opens"], friday[0]["closes"]) == ("vrijdag", "19:30", "22:30")
    monday = await answer(demo_catalog, slots, "en is de loods op maandag?")
    assert monday[0]["response"] == "utter_result_closed_on_day" and monday[0]["days"] == "woensdag en vrijdag"
    cost = await answer(demo_catalog, slots, "kost dat iets?")
    assert cost[0]["response"] in {"utter_result_cost_free", "utter_result_cost"}


async def test_a_cost_question_the_nlu_took_for_a_faq_is_answered_about_the_card(demo_catalog: Catalog) -> None:
    # TurnGuardPolicy sends a faq/kosten here while cards are in view; the answer names the card, never the FAQ.
    found, events = await run_search(demo_catalog, {**ASSEN, "need": "meeting"})
    slots = {**ASSEN, "shown_services": slots_of(events)["shown_services"]}
    first = cards(found)[0]
    for text in ("wat kost het", "hoe duur is het", "kosten?"):
        said = await answer(demo_catalog, slots, text, intent="faq")
        assert said[0]["response"] in {"utter_result_cost_free", "utter_result_cost", "utter_result_cost_unknown"}, text
        assert said[0]["name"] == first["name"]
        if said[0]["response"] == "utter_result_cost":
            assert said[0]["cost"] == first["cost"]


async def test_a_question_before_any_card_asks_what_to_find(demo_catalog: Catalog) -> None:
    said = await answer(demo_catalog, {**MEPPEL}, "kost dat iets?")
    assert [m["response"] for m in said] == ["utter_result_none_shown"]


def test_a_word_that_is_also_a_village_is_no_place_without_context() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="find_volunteer_work", text="ik zoek vrijwilligerswerk samen met anderen")
    result = ValidateLocationForm(Geocoder()).validate_location("anderen", dispatcher, tracker, {})
    assert result == {"location": None} and dispatcher.messages == []  # the form then asks for the place


def test_the_same_word_as_the_answer_to_the_place_question_is_the_village() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"requested_slot": "location"}, text="Anderen")
    result = ValidateLocationForm(Geocoder()).validate_location("Anderen", dispatcher, tracker, {})
    assert result["place_name"] == "Anderen" and result["municipality"] == "Aa en Hunze"


async def test_without_the_municipality_slot_the_place_tells_it(demo_catalog: Catalog) -> None:
    slots = {k: v for k, v in ASSEN.items() if k != "municipality"}
    messages, _ = await run_search(demo_catalog, {**slots, "need": "money"})
    assert "Meedoenregeling Assen" in {c["name"] for c in cards(messages)}


async def test_ja_to_a_suggested_place_is_extracted_as_the_location_and_validates() -> None:
    from tests.actions.helpers import user_event

    suggestion = {"event": "bot", "text": "Bedoelt u Westerbork?",
                  "metadata": {"utter_action": "utter_location_suggestion", "suggestion": "Westerbork"}}
    ask = {"event": "bot", "text": "In welke plaats?", "metadata": {"utter_action": "utter_ask_location"}}
    earlier = [user_event("Wstrbrk", "inform"), suggestion, ask]
    form = ValidateLocationForm(Geocoder())
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"requested_slot": "location"}, events=earlier, intent="affirm", text="ja")
    assert await form.extract_location(dispatcher, tracker, {}) == {"location": "Westerbork"}
    validated = form.validate_location("Westerbork", dispatcher, tracker, {})
    assert validated["place_name"] == "Westerbork" and validated["municipality"] == "Midden-Drenthe"
    # without a suggestion in the previous answer a "ja" is no place
    plain = make_tracker({"requested_slot": "location"}, events=[user_event("hoi", "greet"), ask], intent="affirm")
    assert await form.extract_location(dispatcher, plain, {}) == {}


@pytest.mark.parametrize("cleared", [None, "", "  "])
def test_a_place_cleared_this_turn_is_not_answered_as_a_wrong_place(cleared: str | None) -> None:
    result, messages = validate(cleared, {"requested_slot": "location"})  # type: ignore[arg-type]
    assert result == {"location": None}
    assert messages == []


async def test_a_contact_question_right_after_the_gemeente_is_about_the_gemeente(demo_catalog: Catalog) -> None:
    """'welk nummer kan ik bellen?' after the gemeente's opening hours asks the gemeente's number, not a card's."""
    from actions.results import ActionAnswerAboutResult
    from tests.actions.helpers import user_event

    found, events = await run_search(demo_catalog, {**ASSEN, "need": "meeting"})
    shown = slots_of(events)["shown_services"]
    slots = {**ASSEN, "shown_services": shown}
    after_gemeente = [
        user_event("hoe laat is de gemeente open", "ask_municipality"),
        {"event": "action", "name": "action_municipality_info"},
        {"event": "bot", "text": "Het gemeentehuis van Assen is open: ..."},
        {"event": "action", "name": "action_listen"},
    ]

    async def reply(text: str, earlier: list[dict[str, Any]]) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots, events=earlier, intent="ask_about_result", text=text)
        await ActionAnswerAboutResult(demo_catalog).run(dispatcher, tracker, {})
        return dispatcher.messages

    phone = await reply("welke nummer ik kan bellen?", after_gemeente)
    assert [m["response"] for m in phone] == ["utter_municipality_phone"]
    # A card named by its place on the page still wins ...
    named = await reply("wat is het nummer van de tweede?", after_gemeente)
    assert named[0]["response"] == "utter_result_contact" and named[0]["name"] == cards(found)[1]["name"]
    # ... and without the gemeente just before, the card answers.
    plain = await reply("welke nummer ik kan bellen?", [user_event("dank je", "thanks")])
    assert plain[0]["response"] == "utter_result_contact"
