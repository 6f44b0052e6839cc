"""CrisisSafetyNet (NLU component) and the redacting log filter."""

from __future__ import annotations

import logging

import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons import logging_filter
from rasa_addons.components import CrisisSafetyNet


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


@pytest.mark.parametrize("text", ["ik zie het niet meer zitten", "Ik wil dood", "ik wil mezelf iets aandoen"])
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
