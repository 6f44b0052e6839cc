"""The channel's promise for every turn: no repeats, never silent, 113 in every state."""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import BotUttered, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import turn_guard


def test_a_repeated_reply_in_one_turn_is_dropped_but_cards_and_different_buttons_stay() -> None:
    sorry = {"text": "Sorry, dat begrijp ik niet goed."}
    card_a = {"text": None, "custom": {"type": "result_card", "card": {"id": "a"}}}
    card_b = {"text": None, "custom": {"type": "result_card", "card": {"id": "b"}}}
    ask = {"text": "Wat wilt u?", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    ask_other = {"text": "Wat wilt u?", "buttons": [{"title": "Nee", "payload": "/deny"}]}
    messages = [sorry] * 10 + [card_a, card_b, card_a, ask, ask_other, ask]
    assert turn_guard.without_repeats(messages) == [sorry, card_a, card_b, ask, ask_other]


def test_empty_messages_are_not_taken_for_repeats() -> None:
    ledger = turn_guard.TurnLedger()
    assert ledger.admit({"text": ""}) and ledger.admit({"text": ""})


def _tracker(*events: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("guard-test-1234", list(events), [])


def test_a_held_conversation_hears_back_only_after_the_medewerker_was_quiet_for_two_minutes() -> None:
    paused_at = 1_000_000.0
    tracker = _tracker(UserUttered("hallo", timestamp=paused_at - 5), ConversationPaused(timestamp=paused_at))
    assert not turn_guard._staff_quiet(tracker, paused_at + 30)
    assert turn_guard._staff_quiet(tracker, paused_at + 121)
    staff = BotUttered("Ik kijk even", metadata={"from": "staff"}, timestamp=paused_at + 100)
    tracker.update(staff)
    assert not turn_guard._staff_quiet(tracker, paused_at + 121)
    ack = BotUttered("Uw bericht staat klaar", metadata={"utter_action": "utter_message_passed_on"},
                     timestamp=paused_at + 300)
    tracker.update(ack)
    assert not turn_guard._staff_quiet(tracker, paused_at + 350)
    assert turn_guard._staff_quiet(tracker, paused_at + 421)


def test_a_bot_message_is_not_a_medewerker_speaking() -> None:
    tracker = _tracker(ConversationPaused(timestamp=10.0), BotUttered("Hallo", metadata={}, timestamp=200.0))
    assert turn_guard._staff_quiet(tracker, 131.0)


def test_113_is_recognised_in_what_was_sent() -> None:
    assert turn_guard._said_113([{"text": "Bel 113 of gratis 0800-0113."}])
    assert not turn_guard._said_113([{"text": "Bel De Luisterlijn: 088 0767 000."}, {"custom": {"x": 1}}])


async def test_a_turn_cut_off_by_the_circuit_breaker_still_ends_listening(monkeypatch: Any) -> None:
    from rasa.shared.core.events import ActionExecuted

    async def tripped_loop(self: Any, output_channel: Any, tracker: DialogueStateTracker) -> None:
        for _ in range(10):  # what Rasa did before: the fallback again and again, then the breaker
            tracker.update(ActionExecuted("action_default_fallback"))

    monkeypatch.setattr(turn_guard, "_original_prediction_loop", tripped_loop)
    tracker = _tracker(UserUttered("nee", timestamp=1.0))
    await turn_guard._prediction_loop_ending_in_listen(None, None, tracker)
    assert tracker.latest_action_name == "action_listen"

    held = _tracker(ConversationPaused(timestamp=1.0), UserUttered("hallo", timestamp=2.0))
    await turn_guard._prediction_loop_ending_in_listen(None, None, held)
    assert held.latest_action_name != "action_listen"  # a held conversation is the medewerker's


def test_a_typed_button_title_is_the_button_payload() -> None:
    buttons = [
        {"title": "Woensdag", "payload": '/refine_search{"weekday": "woensdag"}'},
        {"title": "Nee, dank u", "payload": "/deny"},
        {"title": "Website", "payload": "https://example.org"},
    ]
    assert turn_guard.payload_for_title("woensdag", buttons) == '/refine_search{"weekday": "woensdag"}'
    assert turn_guard.payload_for_title("  Nee dank u!", buttons) == "/deny"
    assert turn_guard.payload_for_title("nee", buttons) is None  # a part of a title is for the NLU
    assert turn_guard.payload_for_title("Website", buttons) is None  # only payloads, never links
    assert turn_guard.payload_for_title("", buttons) is None


async def test_typed_button_reads_the_buttons_of_the_last_answer_only() -> None:
    class Store:
        def __init__(self, tracker: DialogueStateTracker) -> None:
            self.tracker = tracker

        async def retrieve(self, sender_id: str) -> DialogueStateTracker:
            return self.tracker

    class Agent:
        def __init__(self, tracker: DialogueStateTracker) -> None:
            self.tracker_store = Store(tracker)

    old = BotUttered("Welke dag?", data={"buttons": [{"title": "Maandag", "payload": "/refine_search"}]})
    tracker = _tracker(old, UserUttered("maandag"), BotUttered("Wilt u meer?", data={"buttons": [
        {"title": "Meer", "payload": "/show_more"}]}))
    agent = Agent(tracker)
    assert await turn_guard.typed_button(agent, "s-12345678", "meer") == "/show_more"
    assert await turn_guard.typed_button(agent, "s-12345678", "Maandag") is None
    assert await turn_guard.typed_button(agent, "s-12345678", "/show_more") is None
