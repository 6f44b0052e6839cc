"""The NLU training data and the held-out test set keep their promises.

Fast checks on the YAML itself (no model is trained): intents match the Rasa
contract, every intent has enough examples, the test set never leaks into the
training data, entity values are the canonical ones the actions understand.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from socialmap.search import parse_days
from socialmap.taxonomy import AUDIENCES

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
TEST_SET = ROOT / "tests" / "test_nlu.yml"
FROZEN_SET = ROOT / "tests" / "eval" / "frozen_test.yml"
# Every training file is checked (the lead reworded the 15 phrasings of dialogue.yml that
# collided with the frozen set; `make eval` still reports frozen_in_training_data).
NOT_CHECKED_FOR_FROZEN_OVERLAP: set[str] = set()

# Intents a resident types (docs/ARCHITECTURE.md "Rasa contract"), with the
# minimum number of training examples each needs.
BIG_INTENTS = {
    "find_meeting_place", "find_volunteer_work", "find_carer_support", "find_youth_activity",
    "find_financial_support", "find_digital_help", "find_transport", "find_retirement_help",
    "find_newcomer_help", "express_loneliness", "crisis", "request_human", "refine_search", "inform",
}
OTHER_INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "out_of_scope", "show_more",
    "change_area", "choose_other_day", "request_callback", "cancel_handoff",
}
FAQ_INTENTS = {
    "faq/respijtzorg", "faq/mantelzorgconsulent", "faq/kosten", "faq/anoniem", "faq/wat_kan_je",
    "faq/mantelzorgwaardering", "faq/kortingspas", "faq/jeugdfonds", "faq/privacy",
}
# One day, or a day group the search takes as "any of these days".
WEEKDAYS = {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag", "weekend", "doordeweeks"}


@cache
def training() -> TrainingData:
    return load_data(str(NLU_DIR), language="nl")


@cache
def held_out() -> TrainingData:
    return load_data(str(TEST_SET), language="nl")


def full_intent(message) -> str:  # noqa: ANN001 - rasa Message
    """Return "faq/kosten" for retrieval intents and the plain intent otherwise."""
    return message.get("intent_response_key") or message.get("intent")


def normalised(text: str) -> str:
    """Return the text lowercased with single spaces, as the featurizers see it."""
    return re.sub(r"\s+", " ", text).strip().lower()


def counts(data: TrainingData) -> Counter[str]:
    return Counter(full_intent(m) for m in data.intent_examples)


def test_training_data_covers_every_contract_intent() -> None:
    assert BIG_INTENTS | OTHER_INTENTS | FAQ_INTENTS <= set(counts(training()))


@pytest.mark.parametrize("intent", sorted(BIG_INTENTS))
def test_big_intents_have_at_least_50_training_examples(intent: str) -> None:
    assert counts(training())[intent] >= 50


@pytest.mark.parametrize("intent", sorted(OTHER_INTENTS))
def test_other_intents_have_at_least_35_training_examples(intent: str) -> None:
    assert counts(training())[intent] >= 35


@pytest.mark.parametrize("intent", sorted(FAQ_INTENTS))
def test_faq_questions_have_at_least_20_training_examples(intent: str) -> None:
    assert counts(training())[intent] >= 20


@pytest.mark.parametrize("intent", sorted(BIG_INTENTS | OTHER_INTENTS))
def test_test_set_has_at_least_12_examples_per_intent(intent: str) -> None:
    assert counts(held_out())[intent] >= 12


def test_test_set_has_at_least_45_crisis_phrases() -> None:
    assert counts(held_out())["crisis"] >= 45


def test_no_test_example_is_in_the_training_data() -> None:
    trained = {normalised(m.get("text")) for m in training().intent_examples}
    leaked = [m.get("text") for m in held_out().intent_examples if normalised(m.get("text")) in trained]
    assert leaked == []


@pytest.mark.parametrize("data", [training, held_out], ids=["training", "test"])
def test_no_example_is_listed_twice(data) -> None:  # noqa: ANN001
    seen = Counter(normalised(m.get("text")) for m in data().intent_examples)
    assert [text for text, n in seen.items() if n > 1] == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ik zoek een koffieochtend", "find_meeting_place"),
        ("Ik zoek een koffieochtend in Assen", "find_meeting_place"),
        ("mijn moeder heeft dementie en ik kan het niet meer aan", "find_carer_support"),
        ("ik wil vrijwilligerswerk doen", "find_volunteer_work"),
        ("voor mijn zoon van 15 een sportclub", "find_youth_activity"),
        ("alleen gratis", "refine_search"),
        ("op woensdag", "refine_search"),
        ("voor mijn zoon van 16", "refine_search"),
        ("kan het ook op zaterdag", "refine_search"),
        ("meer", "show_more"),
        ("laat meer zien", "show_more"),
        ("volgende", "show_more"),
        ("ander gebied", "change_area"),
        ("ergens anders zoeken", "change_area"),
        ("ik woon ergens anders", "change_area"),
        ("andere dag", "choose_other_day"),
        ("ik woon in Zweeloo", "inform"),
        ("postcode 7741 AB", "inform"),
        # the FAQ/find boundary: a question about the word is faq, wanting it is a search
        ("wat is respijtzorg?", "faq/respijtzorg"),
        ("waar kan ik respijtzorg aanvragen", "find_carer_support"),
        ("ik heb even rust nodig van de zorg voor mijn moeder", "find_carer_support"),
        # the second safety tier, and a carer's tiredness that is not distress
        ("het hoeft voor mij niet meer", "express_distress"),
        ("ik zie het niet meer zitten", "express_distress"),
        ("ik kan het niet meer aan, de zorg voor mijn zoon is te zwaar", "find_carer_support"),
    ],
)
def test_required_phrasing_is_trained_as(text: str, intent: str) -> None:
    labels = {full_intent(m) for m in training().intent_examples if m.get("text") == text}
    assert labels == {intent}


def canonical_values(data: TrainingData, entity: str) -> set[str]:
    """Return the values of one entity after the training synonyms are applied."""
    synonyms = training().entity_synonyms
    return {
        synonyms.get(str(e["value"]).lower(), str(e["value"]))
        for m in data.training_examples
        for e in m.get("entities") or []
        if e["entity"] == entity
    }


@pytest.mark.parametrize("data", [training, held_out], ids=["training", "test"])
def test_weekday_cost_and_audience_values_are_canonical(data) -> None:  # noqa: ANN001
    assert canonical_values(data(), "weekday") <= WEEKDAYS
    assert all(parse_days(value) for value in canonical_values(data(), "weekday"))
    assert canonical_values(data(), "cost") == {"gratis"}
    assert canonical_values(data(), "audience") <= set(AUDIENCES)


@pytest.mark.parametrize("data", [training, held_out], ids=["training", "test"])
def test_ages_are_whole_numbers(data) -> None:  # noqa: ANN001
    assert all(value.isdigit() for value in canonical_values(data(), "age"))


def test_postcode_regex_features_match_dutch_postcodes() -> None:
    patterns = {r["name"]: re.compile(r["pattern"]) for r in training().regex_features}
    for postcode in ("9401 AB", "7741ab", "7811 hv"):
        assert patterns["postcode"].search(postcode)
    assert patterns["pc4"].search("postcode 7811")
    assert not patterns["postcode"].search("0401 AB")


@cache
def frozen() -> TrainingData:
    return load_data(str(FROZEN_SET), language="nl")


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def test_no_frozen_test_phrasing_is_trained_on() -> None:
    frozen_keys = {_key(m.get("text")) for m in frozen().intent_examples}
    leaked = [
        (path.name, m.get("text"))
        for path in sorted(NLU_DIR.glob("*.yml"))
        if path.name not in NOT_CHECKED_FOR_FROZEN_OVERLAP
        for m in load_data(str(path), language="nl").intent_examples
        if _key(m.get("text")) in frozen_keys
    ]
    assert leaked == []


def test_frozen_set_has_at_least_400_phrasings_and_the_safety_tiers() -> None:
    examples = frozen().intent_examples
    assert len(examples) >= 400
    intents = Counter(m.get("intent") for m in examples)
    assert intents["crisis"] >= 20 and intents["express_distress"] >= 12


def test_crisis_and_distress_examples_never_share_a_text() -> None:
    by_text: dict[str, set[str]] = {}
    for m in training().intent_examples:
        by_text.setdefault(_key(m.get("text")), set()).add(full_intent(m))
    assert [t for t, labels in by_text.items() if len(labels) > 1] == []
