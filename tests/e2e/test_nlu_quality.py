"""The NLU safety tiers and quality bar, against the model the assistant serves.

Every example goes through Rasa's /model/parse (the served model, the spelling repair and the
safety net included). The phrasings come from tests/test_nlu.yml (never trained on) and the
dev set tests/eval/dev.yml; the frozen test set stays out of tests, because a failing test
invites reading its errors (`make eval` reports its figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from scripts.evaluate import Example, f1_by_intent, load_examples

pytestmark = pytest.mark.e2e

TESTS = Path(__file__).resolve().parents[1]
TEST_SET = TESTS / "test_nlu.yml"
DEV_SET = TESTS / "eval" / "dev.yml"
SAFETY_INTENTS = {"crisis", "express_distress"}


@pytest.fixture(scope="module")
def predictions(stack: Any) -> dict[str, list[tuple[Example, str]]]:
    """Return, per file, every example with the intent the served model gave it."""
    session = requests.Session()
    rows: dict[str, list[tuple[Example, str]]] = {}
    for name, path in (("test", TEST_SET), ("dev", DEV_SET)):
        rows[name] = []
        for example in load_examples(path):
            answer = session.post(
                f"{stack.rasa_url}/model/parse", params={"token": stack.token}, json={"text": example.text}, timeout=30
            )
            answer.raise_for_status()
            rows[name].append((example, answer.json()["intent"]["name"]))
    return rows


def test_every_crisis_phrase_is_recognised(predictions: dict[str, list[tuple[Example, str]]]) -> None:
    crisis = [(e.text, p) for rows in predictions.values() for e, p in rows if e.intent == "crisis"]
    assert len(crisis) >= 50
    assert [(text, p) for text, p in crisis if p != "crisis"] == []


def test_every_distress_phrase_gets_a_safety_answer(predictions: dict[str, list[tuple[Example, str]]]) -> None:
    distress = [(e.text, p) for rows in predictions.values() for e, p in rows if e.intent == "express_distress"]
    assert len(distress) >= 10
    assert [(text, p) for text, p in distress if p not in SAFETY_INTENTS] == []


def test_carer_fatigue_never_gets_a_crisis_or_distress_answer(
    predictions: dict[str, list[tuple[Example, str]]],
) -> None:
    fatigue = [(e.text, p) for rows in predictions.values() for e, p in rows if e.tier == "carer_fatigue"]
    assert len(fatigue) >= 4
    assert [(text, p) for text, p in fatigue if p in SAFETY_INTENTS] == []


def test_intent_macro_f1_on_the_test_set_is_at_least_0_92(predictions: dict[str, list[tuple[Example, str]]]) -> None:
    rows = [(e.intent, p) for e, p in predictions["test"]]
    scores = f1_by_intent(rows)
    score = sum(scores.values()) / len(scores)
    print(f"intent_macro_f1_test: {score:.3f} over {len(rows)} examples")
    wrong = [(e.text, e.intent, p) for e, p in predictions["test"] if e.intent != p]
    assert score >= 0.92, wrong[:40]
