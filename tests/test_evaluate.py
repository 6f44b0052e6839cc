"""scripts.evaluate reads Rasa's reports and enforces the quality bars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import evaluate


def make_report(crisis_recall: float = 1.0, macro_f1: float = 0.95) -> dict:
    return {
        "crisis": {"precision": 1.0, "recall": crisis_recall, "f1-score": 0.99, "support": 50},
        "greet": {"precision": 0.9, "recall": 0.8, "f1-score": 0.85, "support": 13},
        "accuracy": 0.95,
        "macro avg": {"precision": 0.95, "recall": 0.95, "f1-score": macro_f1, "support": 63},
        "weighted avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.95, "support": 63},
    }


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "intent_report.json"
    path.write_text(content, encoding="utf-8")
    return path


def test_load_report_reads_macro_f1_and_crisis_recall(tmp_path: Path) -> None:
    report = evaluate.load_report(write(tmp_path, json.dumps(make_report(0.98, 0.93))))
    assert evaluate.macro_f1(report) == pytest.approx(0.93)
    assert evaluate.intent_recall(report, "crisis") == pytest.approx(0.98)


@pytest.mark.parametrize("content", ["not json", "[]", json.dumps({"greet": {}})])
def test_load_report_rejects_a_broken_report(tmp_path: Path, content: str) -> None:
    with pytest.raises(evaluate.EvaluationError):
        evaluate.load_report(write(tmp_path, content))


def test_load_report_explains_a_missing_report(tmp_path: Path) -> None:
    with pytest.raises(evaluate.EvaluationError, match="no report"):
        evaluate.load_report(tmp_path / "missing.json")


def test_intent_recall_fails_when_the_test_set_has_no_crisis_examples() -> None:
    report = make_report()
    del report["crisis"]
    with pytest.raises(evaluate.EvaluationError, match="crisis"):
        evaluate.intent_recall(report, "crisis")


@pytest.mark.parametrize(
    ("macro_f1", "crisis_recall", "missed"),
    [(0.95, 1.0, 0), (0.91, 1.0, 1), (0.95, 0.98, 1), (0.80, 0.5, 2), (0.92, 1.0, 0)],
)
def test_check_bars_flags_each_missed_bar(macro_f1: float, crisis_recall: float, missed: int) -> None:
    assert len(evaluate.check_bars(macro_f1, crisis_recall)) == missed


def test_weakest_intents_skips_the_averages_and_sorts_lowest_first() -> None:
    assert evaluate.weakest_intents(make_report(), count=2) == [("greet", 0.85), ("crisis", 0.99)]


def test_rasa_executable_is_the_one_of_this_virtualenv() -> None:
    path = evaluate.rasa_executable()
    assert path.name == "rasa" and path.exists()
