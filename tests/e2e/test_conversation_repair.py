"""Conversations that never break (issue 9), through the real REST channel."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.test_conversations import cards

pytestmark = pytest.mark.e2e


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def turn_responses(stack: Any, sender: str) -> list[str]:
    """Return the response names the assistant used in its last answer (from the tracker)."""
    events = stack.tracker(sender)["events"]
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return [
        (e.get("metadata") or {}).get("utter_action") or "text"
        for e in events[last_user + 1 :]
        if e["event"] == "bot"
    ]


def slots(stack: Any, sender: str) -> dict[str, Any]:
    return dict(stack.tracker(sender)["slots"])


@pytest.mark.parametrize(
    "opening", ["dank je wel", "ik zoek een koffieochtend in Assen", "/affirm", "hallo"]
)
def test_a_plain_nee_gets_one_short_answer_and_the_conversation_lives_on(stack: Any, sender: str, opening: str) -> None:
    stack.send(sender, opening)
    answer = stack.send(sender, "nee")
    assert 1 <= len(answer) <= 3, text_of(answer)
    assert "Sorry" not in text_of(answer)
    assert len({m.get("text") for m in answer}) == len(answer)
    # and the next message is answered: never a dead conversation
    crisis = stack.send(sender, "ik wil er niet meer zijn")
    assert "113" in crisis[0]["text"]


def test_nee_after_thanks_says_goodbye(stack: Any, sender: str) -> None:
    stack.send(sender, "dank u wel")
    stack.send(sender, "nee")
    assert turn_responses(stack, sender) == ["utter_goodbye"]


def test_ja_out_of_context_asks_how_to_help_with_topics(stack: Any, sender: str) -> None:
    answer = stack.send(sender, "ja")
    assert "Sorry" not in text_of(answer)
    assert any(m.get("buttons") for m in answer)


def test_nee_dank_u_under_the_callback_offer_is_understood(stack: Any, sender: str) -> None:
    stack.send(sender, "ik wil iemand spreken")
    stack.send(sender, "/deny")
    answer = stack.send(sender, "Nee, dank u")
    assert len(answer) >= 1 and "Sorry" not in text_of(answer)


def test_a_sentence_in_the_location_form_is_not_echoed_as_a_place(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    answer = text_of(stack.send(sender, "ik weet het niet. ik ben gewoon zo moe van alles"))
    assert "Ik ken" not in answer and "Bedoelt u" not in answer, answer
    assert "113" in answer or "Luisterlijn" in answer or "plaats" in answer


def test_asking_why_in_the_form_explains_and_asks_again(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek vrijwilligerswerk")
    stack.send(sender, "waarom wilt u dat weten?")
    assert turn_responses(stack, sender)[0] == "utter_why_we_ask"
    answer = stack.send(sender, "Hoogeveen")
    assert any(isinstance(m.get("custom"), dict) for m in answer) or "Hoogeveen" in text_of(answer)


@pytest.mark.parametrize(("typed", "meant"), [("Wstrbrk", "Westerbork"), ("Zweeeelooo", "Zweeloo")])
def test_nee_to_a_suggested_place_asks_again_and_the_search_goes_on(
    stack: Any, sender: str, typed: str, meant: str
) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    assert "Bedoelt u" in text_of(stack.send(sender, typed))
    answer = stack.send(sender, "nee")
    assert turn_responses(stack, sender) == ["utter_location_other_place"], text_of(answer)
    assert slots(stack, sender).get("requested_slot") == "location"
    found = stack.send(sender, meant)
    assert any(isinstance(m.get("custom"), dict) for m in found) or meant in text_of(found), text_of(found)
    assert slots(stack, sender).get("place_name") == meant


def test_nee_to_the_question_where_stops_the_search(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    stack.send(sender, "nee")
    assert turn_responses(stack, sender) == ["utter_anything_else"]
    assert slots(stack, sender).get("requested_slot") is None


def test_ja_to_a_suggested_place_takes_it_and_searches_there(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    assert "Bedoelt u Westerbork" in text_of(stack.send(sender, "Wstrbrk"))
    found = stack.send(sender, "ja")
    assert slots(stack, sender).get("place_name") == "Westerbork", text_of(found)
    assert any(isinstance(m.get("custom"), dict) for m in found) or "Westerbork" in text_of(found)


def test_another_village_after_results_asks_for_the_place_once(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend in Meppel")
    stack.send(sender, "ander dorp")
    assert turn_responses(stack, sender) == ["utter_location_forgotten", "utter_ask_location"]


def test_goodbye_in_the_middle_of_the_form_says_goodbye(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een eettafel")
    stack.send(sender, "doei")
    assert turn_responses(stack, sender)[-1] == "utter_goodbye"
    assert stack.tracker(sender).get("active_loop", {}).get("name") in (None, "")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("wat zijn de openingstijden van de gemeente?", "8.30"),
        ("wanneer is het gemeentehuis open", "8.30"),
        ("wat is het telefoonnummer van de gemeente", "14 0592"),
    ],
)
def test_questions_about_the_municipality_get_its_contact_details(
    stack: Any, sender: str, question: str, expected: str
) -> None:
    answer = text_of(stack.send(sender, question))
    assert expected in answer, answer


def test_callback_answers_do_not_change_what_the_resident_asked(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek vrijwilligerswerk")
    stack.send(sender, "Emmen")
    before = slots(stack, sender)
    stack.send(sender, "/request_callback")
    stack.send(sender, "06 12345678")
    stack.send(sender, "vanochtend na tienen")
    after = slots(stack, sender)
    for name in ("need", "audience", "location", "place_name"):
        assert after[name] == before[name], name


def test_crisis_while_waiting_for_a_person_gets_113_and_is_flagged(stack: Any, sender: str) -> None:
    stack.send(sender, "ik wil een medewerker spreken")
    stack.send(sender, "ja")
    assert slots(stack, sender)["handoff_status"] == "waiting"
    answer = stack.send(sender, "ik wil niet meer leven")
    assert "113" in answer[0]["text"]
    assert "utter_crisis_already_waiting" in turn_responses(stack, sender)
    stack.send(sender, "/cancel_handoff")


def test_crisis_while_a_medewerker_holds_the_conversation_gets_113(stack: Any, sender: str) -> None:
    stack.send(sender, "hallo")
    requests.post(
        f"{stack.rasa_url}/conversations/{sender}/tracker/events",
        params={"token": stack.token},
        json=[{"event": "pause"}],
        timeout=10,
    ).raise_for_status()
    assert stack.send(sender, "hoi, is daar iemand?") == []  # the medewerker answers, not the assistant
    answer = stack.send(sender, "ik wil er een eind aan maken")
    assert answer and "113" in answer[0]["text"]
    # the 113 answer is in the transcript the medewerker reads
    assert "utter_crisis" in turn_responses(stack, sender)


def test_right_after_113_a_tired_message_gets_care_not_sorry(stack: Any, sender: str) -> None:
    stack.send(sender, "ik wil niet meer leven")
    answer = text_of(stack.send(sender, "ik weet het niet. ik ben gewoon zo moe van alles"))
    assert "Sorry" not in answer and ("113" in answer or "Luisterlijn" in answer), answer


def test_unsure_offers_likely_topics_as_buttons(stack: Any, sender: str) -> None:
    # "/nlu_fallback" is what the NLU says when it is unsure; the model's own fallback rate is in `make eval`.
    answer = stack.send(sender, "/nlu_fallback")
    assert "Sorry, dat begrijp ik niet" not in text_of(answer)
    assert turn_responses(stack, sender) == ["utter_unsure"]
    assert len([b for m in answer for b in (m.get("buttons") or [])]) == 3
    second = text_of(stack.send(sender, "/nlu_fallback"))
    assert "medewerker" in second and "14 0592" in second, second


@pytest.mark.parametrize("reply", ["ja", "ja hoor", "oke"])
def test_yes_to_the_place_question_asks_for_the_place_again_and_keeps_the_search(
    stack: Any, sender: str, reply: str
) -> None:
    first = text_of(stack.send(sender, "waar kan ik koffie drinken met andere mensen"))
    assert "In welke plaats woont u?" in first, first
    again = stack.send(sender, reply)
    said = text_of(again)
    # The question stands; no topic menu with a search half-way (found in the persona walk, round 5).
    assert "In welke plaats woont u?" in said, said
    assert "Waarmee kan ik u helpen" not in said, said
    assert said.count("In welke plaats woont u?") == 1, said
    assert len(cards(stack.send(sender, "Zweeloo"))) == 3
