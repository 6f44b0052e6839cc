"""scripts.evaluate: reading the test sets, the figures it reports and the quality bars."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import evaluate
from scripts.evaluate import Example, Prediction

ROOT = Path(__file__).resolve().parent.parent


def _p(expected: str, predicted: str, tier: str | None = None, text: str = "x") -> Prediction:
    return Prediction(Example(text, expected, tier), predicted, 0.9)


def test_strip_markup_keeps_the_words_of_entities() -> None:
    assert evaluate.strip_markup("ik woon in [Eext](location)") == "ik woon in Eext"
    assert evaluate.strip_markup('[niks kosten]{"entity": "cost", "value": "gratis"} graag') == "niks kosten graag"


def test_load_examples_reads_intents_tiers_and_folds_faq(tmp_path: Path) -> None:
    path = tmp_path / "t.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: crisis\n  metadata:\n    tier: explicit\n  examples: |\n    - ik wil dood\n'
        "- intent: faq/kosten\n  examples: |\n    - is het [gratis](cost)\n- synonym: gratis\n  examples: |\n    - gratis\n",
        encoding="utf-8",
    )
    assert evaluate.load_examples(path) == [
        Example("ik wil dood", "crisis", "explicit"),
        Example("is het gratis", "faq", None),
    ]


@pytest.mark.parametrize("content", ["nlu: [", 'version: "3.1"\nnlu: []\n'])
def test_load_examples_rejects_a_broken_or_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "t.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(evaluate.EvaluationError):
        evaluate.load_examples(path)


def test_frozen_and_dev_sets_have_every_safety_tier() -> None:
    for name in (evaluate.FROZEN_TEST, evaluate.DEV_SET):
        tiers = {(e.intent, e.tier) for e in evaluate.load_examples(ROOT / name)}
        assert {("crisis", "explicit"), ("crisis", "indirect"), ("express_distress", "indirect"),
                ("find_carer_support", "carer_fatigue")} <= tiers


def test_frozen_set_is_big_enough_and_covers_every_resident_intent() -> None:
    import yaml

    examples = evaluate.load_examples(ROOT / evaluate.FROZEN_TEST)
    assert len(examples) >= 400
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    resident = {i for i in domain["intents"] if not str(i).startswith("EXTERNAL_")}
    assert resident <= {e.intent for e in examples}


def test_f1_by_intent_and_macro_f1() -> None:
    rows = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    scores = evaluate.f1_by_intent(rows)
    assert scores["a"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    assert scores["b"] == pytest.approx(2 * (2 / 3) * 1.0 / (2 / 3 + 1.0))
    figures = evaluate.score([_p(e, p) for e, p in rows])
    assert figures["macro_f1"] == pytest.approx((scores["a"] + scores["b"]) / 2)
    assert figures["accuracy"] == pytest.approx(0.75)
    assert figures["confusions"] == [(("a", "b"), 1)]


def test_score_reports_crisis_tiers_fallback_and_false_alarms() -> None:
    figures = evaluate.score([
        _p("crisis", "crisis", "explicit"),
        _p("crisis", "express_distress", "indirect"),
        _p("express_distress", "crisis", "indirect"),
        _p("express_distress", "express_distress", "indirect"),
        _p("find_carer_support", "express_distress", "carer_fatigue"),
        _p("find_carer_support", "find_carer_support", "carer_fatigue"),
        _p("greet", "nlu_fallback"),
        _p("greet", "crisis"),
    ])
    assert figures["crisis_recall_explicit"] == 1.0
    assert figures["crisis_recall_indirect"] == 0.0
    assert figures["distress_safety_recall"] == 1.0
    assert figures["carer_fatigue_false_alarms"] == 1
    assert figures["crisis_false_alarms"] == 2
    assert figures["fallback_rate"] == pytest.approx(1 / 8)


def _figures(**overrides: object) -> dict:
    figures = evaluate.score([
        _p("crisis", "crisis", "explicit"), _p("crisis", "crisis", "indirect"),
        _p("express_distress", "express_distress", "indirect"),
        _p("find_carer_support", "find_carer_support", "carer_fatigue"),
    ])
    figures.update(overrides)
    return figures


def test_check_bars_passes_when_all_is_well() -> None:
    assert evaluate.check_bars(_figures(), {"macro_f1": 0.9}) == []


@pytest.mark.parametrize(
    ("overrides", "cv_f1", "needle"),
    [
        ({"macro_f1": 0.91}, 0.9, "frozen_macro_f1"),
        ({"per_intent_f1": {"greet": 0.79, "crisis": 1.0}}, 0.9, "frozen_f1_greet"),
        ({"crisis_recall_indirect": 0.9}, 0.9, "crisis_recall_indirect"),
        ({"distress_safety_recall": None}, 0.9, "no examples"),
        ({"carer_fatigue_false_alarms": 1}, 0.9, "carer_fatigue"),
        ({}, 0.87, "cv_macro_f1"),
    ],
)
def test_check_bars_flags_each_missed_bar(overrides: dict, cv_f1: float, needle: str) -> None:
    missed = evaluate.check_bars(_figures(**overrides), {"macro_f1": cv_f1})
    assert len(missed) == 1 and needle in missed[0]


def test_report_lines_are_name_value_pairs() -> None:
    lines = evaluate.report_lines("frozen", _figures())
    assert "frozen_macro_f1: 1.0000" in lines
    assert all(": " in line and " " not in line.split(": ")[0] for line in lines)


def test_training_texts_are_compared_without_case_or_punctuation(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text('nlu:\n- intent: greet\n  examples: |\n    - Hallo, daar!\n', encoding="utf-8")
    (tmp_path / "b.yml").write_text("nlu:\n- regex: pc4\n  examples: |\n    - \\d{4}\n", encoding="utf-8")
    assert evaluate.training_texts(tmp_path) == {"hallo daar"}


def test_newest_model_explains_a_missing_model(tmp_path: Path) -> None:
    with pytest.raises(evaluate.EvaluationError, match="no model"):
        evaluate.newest_model(tmp_path)


def test_run_measured_reports_time_and_memory_and_failures(tmp_path: Path) -> None:
    import sys

    seconds, peak_mb = evaluate.run_measured(
        [sys.executable, "-c", "import time; b = b\"x\" * 80_000_000; time.sleep(1.2)"]
    )
    assert seconds >= 1.0 and peak_mb >= 70
    with pytest.raises(evaluate.EvaluationError, match="exit code 3"):
        evaluate.run_measured([sys.executable, "-c", "raise SystemExit(3)"], log=tmp_path / "log")
