"""What the assistant says when no designed path fits: the rules of conversation, as data.

Plain Python (no Rasa), so the actions, the tests and the conversation fuzzer
share one source. Four questions are answered here:

* **Yes and no in context** (`answer_to_yes_no`): a "ja" or "nee" means what the
  last question of the assistant asked. Out of context it gets a short, friendly
  "Waarmee kan ik u helpen?" with the topic buttons, never "Sorry".
* **Any intent in any state** (`natural_response`): when a rule does not apply
  (say a goodbye in the middle of a form), the intent still gets its own answer.
* **When the assistant is unsure** (`suggestions`): the two or three most
  likely topics become buttons ("Bedoelt u...?"), instead of a bare "Sorry".
* **A card question taken for a FAQ** (`answers_about_card`): while result
  cards are in view, "wat kost het?" is about the card, also when the NLU
  hears the FAQ faq/kosten ("Deze assistent is gratis"). TurnGuardPolicy asks.

Every reply is a domain.yml response name (or an action name to run next), so
the Dutch text stays in domain.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

AFFIRM = "affirm"
DENY = "deny"

# The question the assistant asked last (the response name) -> what "ja" and "nee" mean.
# A name starting with "action_" or ending with "_form" is run next instead of uttered.
_YES_NO: dict[str, tuple[str, str]] = {
    # "Kan ik nog iets voor u doen?"
    "utter_thanks": ("utter_ask_what_to_find", "utter_goodbye"),
    "utter_anything_else": ("utter_ask_what_to_find", "utter_goodbye"),
    "utter_handoff_cancelled": ("utter_ask_what_to_find", "utter_goodbye"),
    "utter_handoff_nothing_to_cancel": ("utter_ask_what_to_find", "utter_goodbye"),
    "utter_handed_back": ("utter_ask_what_to_find", "utter_goodbye"),
    # results: "Wilt u meer zien of iets anders kiezen?"
    "utter_results_actions": ("utter_results_what_next", "utter_anything_else"),
    "utter_no_results": ("utter_ask_what_to_find", "utter_anything_else"),
    "utter_no_more_results": ("utter_ask_what_to_find", "utter_anything_else"),
    # offers of a person
    "utter_ask_handoff_consent": ("action_request_handoff", "utter_handoff_declined"),
    "utter_offer_handoff_crisis": ("utter_ask_handoff_consent", "utter_after_crisis_no"),
    "utter_offer_handoff_fallback": ("utter_ask_handoff_consent", "utter_ok_try_again"),
    "utter_offer_handoff_unsure": ("utter_ask_handoff_consent", "utter_ok_try_again"),
    "utter_iamabot": ("utter_ask_handoff_consent", "utter_how_can_i_help"),
    "utter_location_give_up": ("utter_ask_handoff_consent", "utter_ok_how_can_i_help"),
    "utter_technical_problem": ("utter_ask_handoff_consent", "utter_ok_how_can_i_help"),
    "utter_search_failed": ("utter_ask_handoff_consent", "utter_ok_how_can_i_help"),
    # callback when the helpdesk is closed
    "utter_helpdesk_closed": ("callback_form", "utter_anything_else"),
    "utter_crisis_helpdesk_closed": ("callback_form", "utter_after_crisis_no"),
    # the listening line / loneliness: "Wat wilt u het liefst?"
    "utter_loneliness": ("utter_how_can_i_help", "utter_ok_how_can_i_help"),
}
_DEFAULT_YES_NO = ("utter_how_can_i_help", "utter_ok_how_can_i_help")


def is_open_question(response: str | None) -> bool:
    """Return True for a form's question that "ja" or "nee" cannot answer ("In welke plaats woont u?")."""
    return bool(response) and str(response).startswith("utter_ask_") and response not in _YES_NO


def answer_to_yes_no(intent: str, last_response: str | None, active_form: str | None = None) -> str:
    """Return the response (or action) that answers "ja"/"nee" after the assistant's last message.

    While a form waits for an answer to an open question, a "ja" or "nee" that no rule took does
    not answer it and does not end the search either: the form asks its question again (never
    "Waarmee kan ik u helpen?" with a search still half-way).
    """
    if active_form and is_open_question(last_response):
        return active_form
    yes, no = _YES_NO.get(last_response or "", _DEFAULT_YES_NO)
    return yes if intent == AFFIRM else no


def is_runnable(name: str) -> bool:
    """Return True when `name` is an action or form to run next rather than a response to utter."""
    return name.startswith("action_") or name.endswith("_form")


# An intent whose answer is one response, in any state of the conversation.
_NATURAL: dict[str, str] = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "bot_challenge": "utter_iamabot",
    "out_of_scope": "utter_out_of_scope",
    "express_loneliness": "utter_loneliness",
    "talk_now": "utter_talk_now",
    "express_distress": "utter_distress",
    "ask_municipality": "action_municipality_info",
    "dont_know": "utter_how_can_i_help",
    "ask_why": "utter_why_we_ask",
    "request_human": "utter_ask_handoff_consent",
    "request_callback": "callback_form",
    "cancel_handoff": "action_cancel_handoff",
    "show_more": "action_search_services",
    "choose_other_day": "utter_ask_weekday",
    "change_area": "action_forget_location",
    "start_conversation": "utter_welcome",
    "ask_about_result": "action_answer_about_result",
}
# Intents that start (or narrow) a search: the location form takes them from there.
SEARCH_INTENTS = frozenset(
    {
        "find_meeting_place",
        "find_volunteer_work",
        "find_carer_support",
        "find_youth_activity",
        "find_financial_support",
        "find_digital_help",
        "find_transport",
        "find_retirement_help",
        "find_newcomer_help",
        "refine_search",
        "inform",
    }
)


def natural_response(intent: str | None, available: Iterable[str] = ()) -> str | None:
    """Return the response or action that answers this intent by itself, or None.

    `available` are the action/response names the domain knows; an answer the
    domain lacks (an action not deployed yet) counts as no answer.
    """
    if not intent:
        return None
    if intent in SEARCH_INTENTS:
        return "location_form"
    answer = _NATURAL.get(intent)
    known = set(available)
    if answer and known and answer not in known:
        return None
    return answer


# --- slots that a form's free answers must not change ---------------------------------------

# While the callback form asks for a phone number and a moment, the answers are free text:
# "vanochtend na tienen" is not a youth question, "0612..." is not a postcode. What the
# resident asked before (the need, audience, place, filters) stays as it was.
_SEARCH_SLOTS = ("need", "audience", "age", "activity", "weekday", "free_only", "location")
FORM_PROTECTED_SLOTS: dict[str, frozenset[str]] = {"callback_form": frozenset(_SEARCH_SLOTS)}


def protected_slots(active_form: str | None) -> frozenset[str]:
    """Return the slots that global slot mappings must leave alone while `active_form` is asking."""
    return FORM_PROTECTED_SLOTS.get(active_form or "", frozenset())


# --- when the assistant is unsure -------------------------------------------------

# Intents a resident can be offered as "Bedoelt u...?" buttons, with their button titles.
TOPIC_TITLES: dict[str, str] = {
    "find_meeting_place": "Mensen ontmoeten",
    "find_volunteer_work": "Vrijwilligerswerk",
    "find_carer_support": "Hulp als mantelzorger",
    "find_youth_activity": "Iets voor jongeren",
    "find_financial_support": "Korting en geld",
    "find_digital_help": "Hulp met de computer",
    "find_transport": "Vervoer",
    "find_retirement_help": "Na mijn pensioen",
    "find_newcomer_help": "Nieuw in de gemeente",
    "express_loneliness": "Ik voel me alleen",
    "talk_now": "Nu met iemand praten",
    "request_human": "Praat met een medewerker",
    "ask_municipality": "Contact met de gemeente",
}
# Always offered when nothing else is likely: the widest doors.
_DEFAULT_TOPICS = ("find_meeting_place", "find_carer_support", "request_human")
MIN_SUGGESTION_CONFIDENCE = 0.08


@dataclass(frozen=True)
class Suggestion:
    intent: str
    title: str

    @property
    def payload(self) -> str:
        return f"/{self.intent}"

    def button(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def suggestions(ranking: Sequence[Mapping[str, Any]] | None, most: int = 3) -> list[Suggestion]:
    """Return up to `most` likely topics from the NLU intent ranking (best first), padded with defaults."""
    chosen: list[str] = []
    for entry in ranking or ():
        name = str(entry.get("name") or "")
        try:
            confidence = float(entry.get("confidence") or 0.0)
        except (TypeError, ValueError):
            confidence = 0.0
        if name in TOPIC_TITLES and name not in chosen and confidence >= MIN_SUGGESTION_CONFIDENCE:
            chosen.append(name)
        if len(chosen) >= most:
            break
    for name in _DEFAULT_TOPICS:
        if len(chosen) >= most:
            break
        if name not in chosen:
            chosen.append(name)
    return [Suggestion(name, TOPIC_TITLES[name]) for name in chosen[:most]]


# --- is this text a place? ------------------------------------------------------------

_POSTCODE_RE = re.compile(r"\b[1-9]\d{3}(?:\s?[a-zA-Z]{2})?\b")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)
# A place name is short: "Emmen", "Nieuw-Amsterdam", "Valthermond", "bij Zweeloo", "in de buurt van Assen".
MAX_PLACE_WORDS = 6


def looks_like_place_answer(text: str) -> bool:
    """Return True when a message could be the name of a place or a postcode (and not a sentence).

    Used before a message is echoed back as "Ik ken de plaats '...' niet": a sentence
    about something else ("ik weet het niet, ik ben zo moe") must never be treated
    as a place name.
    """
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return False
    if _POSTCODE_RE.search(stripped):
        return True
    words = _WORD_RE.findall(stripped)
    if not words or len(words) > MAX_PLACE_WORDS:
        return False
    # Sentences end or are made of clauses; place names have no sentence punctuation inside.
    return not re.search(r"[?!]|[.,;:]\s+\S", stripped)


# --- questions about the municipality itself ---------------------------------------------

_MUNICIPALITY_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("chat_hours", ("chat", "medewerkers van deze", "helpdesk")),
    ("phone", ("telefoon", "nummer", "bellen", "bel ", "tel.")),
    ("website", ("website", "site", "internet", "www")),
    ("address", ("adres", "waar is", "waar zit", "waar staat", "hoe kom ik", "route")),
    ("hours", ("open", "openingstijd", "tijden", "wanneer", "dicht", "gesloten", "uur")),
)


def municipality_topic(text: str) -> str:
    """Return what a question about the municipality asks: hours, phone, address, website, chat_hours or all."""
    lowered = f" {text.lower()} "
    for topic, words in _MUNICIPALITY_TOPICS:
        if any(word in lowered for word in words):
            return topic
    return "all"


# --- a card question the NLU took for a FAQ ----------------------------------------------

FAQ_INTENT = "faq"
# The FAQ answers (retrieval intent faq, sub-intents faq/<key> in data/nlu/faq.yml) by what they are about.
# About a service's cost, sign-up, time, place or contact: while result cards are in view such a question
# ("wat kost het?") is about the card, whatever FAQ answer the response selector picked.
CARD_FAQ = frozenset({"kosten"})
# About the assistant itself or a general topic ("wat is respijtzorg", privacy): always the FAQ answer.
GENERAL_FAQ = frozenset(
    {
        "respijtzorg",
        "mantelzorgconsulent",
        "anoniem",
        "wat_kan_je",
        "mantelzorgwaardering",
        "kortingspas",
        "jeugdfonds",
        "privacy",
    }
)
# Resident messages after which the cards shown before are still what the conversation is about:
# a question about them, another page, a yes/no to "Wilt u meer zien?", thanks, a misunderstanding.
# Anything else (a new search, another place, a FAQ on a general topic, a goodbye) is a new topic.
_KEEPS_CARDS_IN_VIEW = frozenset({"ask_about_result", "show_more", "affirm", "deny", "thanks", "nlu_fallback"})
_SHOWN_SLOT = "shown_services"


def _intent_name(parse_data: Mapping[str, Any]) -> str:
    return str((parse_data.get("intent") or {}).get("name") or "")


def faq_key(parse_data: Mapping[str, Any]) -> str | None:
    """Return the FAQ the response selector picked for a message ('kosten' for faq/kosten), or None."""
    selectors = parse_data.get("response_selector") or {}
    selected = selectors.get(FAQ_INTENT) or selectors.get("default") or {}
    response = selected.get("response") or {}
    full = str(response.get("intent_response_key") or "")
    if not full and response.get("utter_action"):
        full = str(response["utter_action"]).removeprefix("utter_")
    prefix = FAQ_INTENT + "/"
    return full[len(prefix) :] if full.startswith(prefix) else None


def is_card_faq(parse_data: Mapping[str, Any]) -> bool:
    """Return True when a message is a FAQ about a service's cost, sign-up, time, place or contact."""
    return _intent_name(parse_data) == FAQ_INTENT and faq_key(parse_data) in CARD_FAQ


def _keeps_cards_in_view(parse_data: Mapping[str, Any]) -> bool:
    return _intent_name(parse_data) in _KEEPS_CARDS_IN_VIEW or is_card_faq(parse_data)


def cards_in_view(events: Sequence[Mapping[str, Any]]) -> bool:
    """Return True when result cards shown before the resident's latest message are still the topic.

    `events` are the tracker's events as dicts (rasa_sdk's form, or rasa's `Event.as_dict()`), oldest
    first. The cards are in view when the search set `shown_services` in this session and every
    resident message since then kept to them (`_KEEPS_CARDS_IN_VIEW`). Slots carried over into a new
    session, a cleared slot or a new topic mean they are not.
    """
    seen_latest_message = False
    cards_set = False
    for event in reversed(events):
        kind = event.get("event")
        if kind in ("session_started", "restart", "reset_slots"):
            return False
        if not seen_latest_message:
            seen_latest_message = kind == "user"  # the question itself, and what this turn did after it
            continue
        if cards_set:
            if kind == "action":
                return True  # the action that showed the cards, in this session
            continue
        if kind == "slot" and event.get("name") == _SHOWN_SLOT:
            if not event.get("value"):
                return False
            cards_set = True
        elif kind == "user" and not _keeps_cards_in_view(event.get("parse_data") or {}):
            return False
    return False


MUNICIPALITY_ACTION = "action_municipality_info"


def municipality_in_focus(events: Sequence[Mapping[str, Any]]) -> bool:
    """Return True when the assistant's answer just before the latest message was about the municipality.

    Then "welk nummer kan ik bellen?" or "waar is dat?" asks about the gemeente just named, not
    about a result card shown earlier (the thing last talked about is what "dat" means).
    """
    users = 0
    for event in reversed(events):
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            return False
        if kind == "user":
            users += 1
            if users == 2:
                return False
        elif kind == "action" and users == 1 and event.get("name") == MUNICIPALITY_ACTION:
            return True
    return False


def answers_about_card(parse_data: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> bool:
    """Return True when a message the NLU took for a FAQ must be answered about the result card in view."""
    return is_card_faq(parse_data) and cards_in_view(events)
