"""CrisisSafetyNet and DomainSpellingNormaliser (NLU components) and the redacting log filter."""

from __future__ import annotations

import logging

import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons import logging_filter
from rasa_addons.components import CORRECTED_TEXT_KEY, CrisisSafetyNet, DomainSpellingNormaliser


def _message(text: str, intent: str = "greet", confidence: float = 0.9) -> Message:
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: [
                {"name": intent, "confidence": confidence},
                {"name": "crisis", "confidence": 0.05},
                {"name": "nlu_fallback", "confidence": 0.05},
            ],
        }
    )


def _component() -> CrisisSafetyNet:
    return CrisisSafetyNet.create({}, None, None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["ik wil er niet meer zijn", "Ik wil dood", "ik wil mezelf iets aandoen"])
def test_crisis_text_overrides_the_model_and_the_fallback(text: str) -> None:
    message = _message(text, intent="nlu_fallback", confidence=0.3)
    [out] = _component().process([message])
    assert out.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    ranking = out.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "crisis", "confidence": 1.0}
    # The model's own guesses stay below, without a second "crisis" entry.
    assert ranking[1:] == [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "nlu_fallback", "confidence": 0.05},
    ]


def test_ordinary_text_keeps_the_model_prediction() -> None:
    message = _message("ik zoek een koffieochtend in Assen", intent="find_meeting_place")
    [out] = _component().process([message])
    assert out.get(INTENT) == {"name": "find_meeting_place", "confidence": 0.9}
    assert out.get(INTENT_RANKING_KEY)[0]["name"] == "find_meeting_place"


def test_button_payloads_are_not_checked() -> None:
    message = _message("/crisis_info", intent="affirm")
    [out] = _component().process([message])
    assert out.get(INTENT)["name"] == "affirm"


def test_message_without_intent_ranking_gets_one() -> None:
    message = Message(data={TEXT: "ik wil niet meer leven"})
    [out] = _component().process([message])
    assert out.get(INTENT_RANKING_KEY) == [{"name": "crisis", "confidence": 1.0}]


@pytest.mark.parametrize("text", ["ik zie het niet meer zitten", "alles is zwart", "ik kan niet meer"])
@pytest.mark.parametrize("predicted", ["nlu_fallback", "faq", "express_loneliness", "find_meeting_place"])
def test_distress_without_suicidality_becomes_express_distress(text: str, predicted: str) -> None:
    [out] = _component().process([_message(text, intent=predicted, confidence=0.6)])
    assert out.get(INTENT) == {"name": "express_distress", "confidence": 1.0}
    assert [r["name"] for r in out.get(INTENT_RANKING_KEY)].count("express_distress") == 1


def test_distress_keeps_a_crisis_the_model_already_saw() -> None:
    [out] = _component().process([_message("ik zie het niet meer zitten", intent="crisis", confidence=0.8)])
    assert out.get(INTENT)["name"] == "crisis"


@pytest.mark.parametrize("predicted", ["crisis", "express_distress"])
def test_carer_fatigue_is_never_a_crisis_or_distress_answer(predicted: str) -> None:
    text = "ik kan het niet meer aan, de zorg voor mijn man met dementie"
    [out] = _component().process([_message(text, intent=predicted, confidence=0.7)])
    assert out.get(INTENT) == {"name": "find_carer_support", "confidence": 1.0}


def test_carer_fatigue_keeps_another_model_prediction() -> None:
    text = "ik kan het niet meer aan, de zorg voor mijn man met dementie"
    [out] = _component().process([_message(text, intent="faq", confidence=0.7)])
    assert out.get(INTENT)["name"] == "faq"


def _tokenized(text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def test_normaliser_corrects_misspelt_domain_words_in_lemmas_only() -> None:
    message = _tokenized("ik zoek een koffieochtent in Zweeloo voor een mantelzoger")
    DomainSpellingNormaliser.create({}, None, None, None).process([message])  # type: ignore[arg-type]
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in tokens] == "ik zoek een koffieochtent in Zweeloo voor een mantelzoger".split()
    assert tokens[3].lemma == "koffieochtend"
    assert tokens[-1].lemma == "mantelzorger"
    assert message.get(TEXT) == "ik zoek een koffieochtent in Zweeloo voor een mantelzoger"
    assert message.get(CORRECTED_TEXT_KEY) == "ik zoek een koffieochtend in Zweeloo voor een mantelzorger"


def test_normaliser_leaves_correct_text_and_payloads_alone() -> None:
    for text in ["ik zoek vrijwilligerswerk in Emmen", "/affirm"]:
        message = _tokenized(text)
        DomainSpellingNormaliser.create({}, None, None, None).process([message])  # type: ignore[arg-type]
        assert message.get(CORRECTED_TEXT_KEY) is None


def test_normaliser_is_registered_as_an_untrained_featurizer() -> None:
    registered = DefaultV1Recipe._registered_components["DomainSpellingNormaliser"]
    assert DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER in registered.types
    assert registered.is_trainable is False


def test_component_is_registered_as_an_untrained_intent_classifier() -> None:
    registered = DefaultV1Recipe._registered_components["CrisisSafetyNet"]
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable is False


def test_log_records_are_redacted_in_message_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logging_filter.install()
    log = logging.getLogger("rasa.core.channels.rest")
    with caplog.at_level(logging.INFO):
        log.error("rest.message.received.failure text=%s", "bel 06-12345678 of mail a@b.nl")
        log.info({"event": "x", "text": "bsn 111222333"})
        try:
            raise ValueError("could not parse NL91ABNA0417164300")
        except ValueError:
            log.exception("failed")
    text = caplog.text
    assert "06-12345678" not in text and "a@b.nl" not in text and "NL91ABNA0417164300" not in text
    assert "[TELEFOON]" in text and "[E-MAIL]" in text and "[IBAN]" in text
    assert "111222333" not in " ".join(str(r.msg) for r in caplog.records)


def test_log_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", (object(),), None)
    assert logging_filter.RedactingFilter().filter(record) is True
