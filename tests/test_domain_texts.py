"""Checks on the Dutch response texts in domain.yml: formal "u" by default, informal "je" on request.

A municipality picks `address_form: u` (default) or `je` in deployment.yml; the
session-start action copies it into the slot `address_form`. Every response that
addresses the resident therefore needs a je-variation, conditioned on that slot
and listed first, with the same variables and the same buttons. These tests read
domain.yml with PyYAML (fast) and use Rasa's own response generator once to
prove the slot really selects the variation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

JE_CONDITION = [{"type": "slot", "name": "address_form", "value": "je"}]
FORMAL = re.compile(r"\b(u|uw|U|Uw)\b")
# "je" is a word in its own right only as address; no fixed expression with it appears in our texts.
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf|Je|Jij|Jou|Jouw)\b")
VARIABLE = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")

# Responses that never address the resident: they keep a single, neutral text.
NEUTRAL = {
    "utter_location_ok",
    "utter_location_forgotten",
    "utter_results_intro",
    "utter_results_intro_widened",
    "utter_results_intro_filtered",
    "utter_results_national",
    "utter_result_card",
    "utter_advice_youth",
    "utter_handoff_unavailable",
    "utter_invalid_contact",
    "utter_faq/mantelzorgwaardering",
    "utter_municipality_hours",
    "utter_municipality_phone",
    "utter_municipality_address",
    "utter_municipality_website",
    "utter_municipality_chat_hours",
    "utter_you_are_welcome",
}


def _load_responses() -> dict[str, list[dict[str, Any]]]:
    """Return the `responses:` mapping of domain.yml as PyYAML reads it."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


RESPONSES = _load_responses()


def _default(variations: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the variation without a condition (the formal default)."""
    defaults = [v for v in variations if "condition" not in v]
    assert len(defaults) == 1, "each response needs exactly one unconditional (formal) variation"
    return defaults[0]


def _je(variations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the je-variation, or None when the response has none."""
    found = [v for v in variations if v.get("condition") == JE_CONDITION]
    assert len(found) <= 1
    return found[0] if found else None


def _visible_strings(variation: dict[str, Any]) -> list[str]:
    """Return the text and the button titles a resident reads in one variation."""
    return [variation.get("text", "")] + [b["title"] for b in variation.get("buttons", [])]


def test_domain_has_the_expected_responses() -> None:
    # Guards the parametrised tests below against silently testing nothing.
    assert len(RESPONSES) >= 50
    assert NEUTRAL <= set(RESPONSES)
    assert any(name.startswith("utter_faq/") for name in RESPONSES)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_formal_default_has_je_variation_first(name: str) -> None:
    variations = RESPONSES[name]
    default = _default(variations)
    formal = any(FORMAL.search(s) for s in _visible_strings(default))
    je = _je(variations)
    if name in NEUTRAL:
        assert not formal, f"{name} addresses the resident; remove it from NEUTRAL and add a je-variation"
        assert je is None, f"{name} is neutral; a je-variation would only duplicate it"
        return
    assert formal, f"{name} has no u-form: add it to NEUTRAL or fix the text"
    assert je is not None, f"{name} has no je-variation"
    assert variations[0] is je, f"{name}: the je-variation must come first"
    assert len(variations) == 2


@pytest.mark.parametrize("name", sorted(n for n in RESPONSES if n not in NEUTRAL))
def test_je_variation_matches_default(name: str) -> None:
    variations = RESPONSES[name]
    default, je = _default(variations), _je(variations)
    assert je is not None
    for text in _visible_strings(je):
        assert not FORMAL.search(text), f"{name}: formal word left in je-variation: {text!r}"
    assert INFORMAL.search(je["text"]), f"{name}: je-variation does not address the resident"
    assert set(VARIABLE.findall(je["text"])) == set(VARIABLE.findall(default["text"]))
    payloads = [b["payload"] for b in je.get("buttons", [])]
    assert payloads == [b["payload"] for b in default.get("buttons", [])]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_default_texts_are_formal_only(name: str) -> None:
    for text in _visible_strings(_default(RESPONSES[name])):
        assert not INFORMAL.search(text), f"{name}: informal word in the formal text: {text!r}"


def test_variable_regex_ignores_doubled_braces() -> None:
    # Button payloads escape JSON braces as {{...}}; they are not template variables.
    assert VARIABLE.findall('/refine_search{{"cost": "gratis"}} bij {place_name}') == ["place_name"]


@pytest.mark.parametrize(
    ("address_form", "expected"),
    [
        ("je", "Hoi! Waar kan ik je mee helpen? Je kunt bijvoorbeeld typen: ik zoek een koffieochtend."),
        ("u", "Hallo! Waar kan ik u mee helpen? U kunt bijvoorbeeld typen: ik zoek een koffieochtend."),
    ],
)
async def test_rasa_picks_variation_by_slot(address_form: str, expected: str) -> None:
    # Imported here so the YAML checks above stay fast and Rasa-free.
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker.from_events(
        "test-address-form", [SlotSet("address_form", address_form)], slots=domain.slots
    )
    assert tracker.get_slot("address_form") == address_form
    for _ in range(5):  # Rasa picks randomly among matching variations; there must be only one
        message = await nlg.generate("utter_greet", tracker, "rest")
        assert message is not None
        assert message["text"] == expected


async def test_rasa_keeps_buttons_and_fills_variables_in_je_form() -> None:
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker.from_events("test-je-vars", [SlotSet("address_form", "je")], slots=domain.slots)
    message = await nlg.generate(
        "utter_no_results", tracker, "rest", radius_km=25, place_name="Zweeloo"
    )
    assert message is not None
    assert message["text"].startswith("Ik heb niets gevonden dat past, ook niet tot 25 km van Zweeloo. Wil je")
    assert [b["payload"] for b in message["buttons"]] == ["/change_area", "/request_human"]
    weekday = await nlg.generate("utter_ask_weekday", tracker, "rest")
    assert weekday is not None
    assert weekday["text"] == "Welke dag past jou het best?"
    # Rasa turns the doubled braces of the YAML payload into real JSON.
    assert weekday["buttons"][0]["payload"] == '/refine_search{"weekday": "maandag"}'


# --- plain Dutch (B1): short sentences, jargon explained, no template slips ----------------

MAX_WORDS = 15
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# A jargon word must be explained in the message that uses it: these say what it is.
JARGON = {
    "respijtzorg": re.compile(r"respijtzorg (betekent|is)|respijtzorg \(", re.IGNORECASE),
    "mantelzorgconsulent": re.compile(r"mantelzorgconsulent (is iemand|denkt|helpt)", re.IGNORECASE),
    "mantelzorgwaardering": re.compile(r"mantelzorgwaardering (bedankt|is|betekent)|mantelzorgwaardering \(", re.I),
    "meedoenregeling": re.compile(r"meedoenregeling (krijg|is|betekent)|meedoenregeling \(", re.IGNORECASE),
    "bijzondere bijstand": re.compile(r"bijzondere bijstand (is|betekent)|bijzondere bijstand \(", re.IGNORECASE),
    "wmo": re.compile(r"\bwmo\b[^.]{0,20}\(|\bwmo(-loket)? (is|betekent)", re.IGNORECASE),
    "kwartier maken": re.compile(r"kwartier maken (is|betekent)|kwartier maken \(", re.IGNORECASE),
    "dagbesteding": re.compile(r"dagbesteding (is|betekent)|dagbesteding \(|dagbesteding of een logeerhuis", re.I),
}
SLIPS = {
    "a preposition before a moment phrase ('op vandaag')": re.compile(r"\bop (vandaag|morgen|overmorgen)\b"),
    "a doubled space": re.compile(r"[^\n] {2,}"),
    "a space before punctuation": re.compile(r" [.,;:!?]"),
    "two variables glued together": re.compile(r"\}\{"),
    "a stray single brace": re.compile(r"(?<![{])\{(?![{a-z_])|(?<![a-z_}])\}(?![}])"),
}


def sentences(text: str) -> list[str]:
    """Return the sentences a resident reads: split at . ! ? and at line breaks (list items count alone)."""
    text = _URL.sub("URL", text)
    return [p for p in re.split(r"(?<=[.!?])\s+|\n+", text) if p.strip()]


def _all_texts() -> list[tuple[str, str]]:
    return [(name, v.get("text", "")) for name, variations in RESPONSES.items() for v in variations]


@pytest.mark.parametrize(("name", "text"), _all_texts())
def test_sentences_are_short(name: str, text: str) -> None:
    for sentence in sentences(text):
        words = _WORDS.findall(sentence)
        assert len(words) <= MAX_WORDS, f"{name}: {len(words)} words: {sentence!r}"


@pytest.mark.parametrize(("name", "text"), _all_texts())
def test_jargon_is_explained_where_it_is_used(name: str, text: str) -> None:
    lowered = text.lower()
    for word, explained in JARGON.items():
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            assert explained.search(text), f"{name} uses {word!r} without saying what it is: {text!r}"


@pytest.mark.parametrize(("name", "text"), _all_texts())
def test_no_template_slips(name: str, text: str) -> None:
    bare = text.replace("{{", "").replace("}}", "")
    for what, pattern in SLIPS.items():
        assert not pattern.search(bare), f"{name}: {what}: {text!r}"


def test_the_b1_checks_catch_what_they_should() -> None:
    # The checks themselves can fail: each catches a crafted slip.
    assert len(_WORDS.findall(sentences("Dit is een heel lange zin met veel te veel woorden die niemand in een "
                                        "keer kan lezen als hij moe is.")[0])) > MAX_WORDS
    assert SLIPS["a preposition before a moment phrase ('op vandaag')"].search("Wij zijn er weer op vandaag om 9")
    assert not JARGON["respijtzorg"].search("Zoek respijtzorg in de buurt.")
    assert JARGON["respijtzorg"].search("Respijtzorg betekent: iemand neemt de zorg over.")
    assert SLIPS["a space before punctuation"].search("Hallo , daar")
