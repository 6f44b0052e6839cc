"""`make eval`: NLU quality figures, one `name: value` per line.

1. 5-fold cross-validation on the training data (data/nlu) into results/nlu_cv.
2. The trained model in models/ on the held-out test set (tests/test_nlu.yml)
   into results/nlu_test.

The quality bars of the project are checked on the held-out test set: intent
macro-F1 at least 0.92 and recall 1.0 on the crisis intent, because a missed
crisis message is the one error the assistant must never make. Exit code 0
when both bars are met, 1 when a bar is missed, 2 when Rasa could not produce
a report.

    python -m scripts.evaluate              # both steps (cross-validation takes minutes)
    python -m scripts.evaluate --skip-cv    # only the held-out test set
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

MIN_MACRO_F1 = 0.92
MIN_CRISIS_RECALL = 1.0
CRISIS_INTENT = "crisis"


class EvaluationError(Exception):
    """Rasa failed or left no usable report."""


def rasa_executable() -> Path:
    """Return the path of the `rasa` script of the running virtualenv."""
    # The venv's own script, so `make eval` never picks up another Rasa on PATH.
    candidate = Path(sys.executable).parent / "rasa"
    if not candidate.exists():
        raise EvaluationError(f"rasa not found next to {sys.executable}; run `make setup` first")
    return candidate


def run_rasa(args: list[str]) -> None:
    """Return nothing; run `rasa <args>` in the repository root, raising EvaluationError on failure."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # actions/ and rasa_addons/ must be importable for custom components.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [str(rasa_executable()), *args]
    print("==> " + " ".join(command[1:]), file=sys.stderr, flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if completed.returncode != 0:
        raise EvaluationError(f"`rasa {' '.join(args)}` failed with exit code {completed.returncode}")


def load_report(path: Path) -> dict[str, Any]:
    """Return the parsed intent report written by `rasa test nlu`."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EvaluationError(f"no report at {path}") from error
    except json.JSONDecodeError as error:
        raise EvaluationError(f"report {path} is not valid JSON: {error}") from error
    if not isinstance(report, dict) or "macro avg" not in report:
        raise EvaluationError(f"report {path} has no 'macro avg' entry")
    return report


def macro_f1(report: dict[str, Any]) -> float:
    """Return the macro-averaged F1 score of an intent report."""
    return float(report["macro avg"]["f1-score"])


def intent_recall(report: dict[str, Any], intent: str) -> float:
    """Return the recall of one intent in an intent report."""
    if intent not in report:
        raise EvaluationError(f"the report has no examples of intent {intent!r}")
    return float(report[intent]["recall"])


def weakest_intents(report: dict[str, Any], count: int = 5) -> list[tuple[str, float]]:
    """Return the `count` intents with the lowest F1 score, lowest first."""
    scores = [
        (name, float(row["f1-score"]))
        for name, row in report.items()
        if isinstance(row, dict) and "f1-score" in row and name not in {"macro avg", "weighted avg", "micro avg"}
    ]
    return sorted(scores, key=lambda item: item[1])[:count]


def check_bars(test_macro_f1: float, crisis_recall: float) -> list[str]:
    """Return one message per missed quality bar (empty when all bars are met)."""
    missed = []
    if test_macro_f1 < MIN_MACRO_F1:
        missed.append(f"intent_macro_f1 {test_macro_f1:.4f} < {MIN_MACRO_F1}")
    if crisis_recall < MIN_CRISIS_RECALL:
        missed.append(f"crisis_recall {crisis_recall:.4f} < {MIN_CRISIS_RECALL}")
    return missed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(prog="python -m scripts.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--nlu", default="data/nlu", help="training data for cross-validation")
    parser.add_argument("--test", default="tests/test_nlu.yml", help="held-out test set")
    parser.add_argument("--model", default="models", help="model file or directory (newest model is used)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default="results", help="reports go to <out>/nlu_cv and <out>/nlu_test")
    parser.add_argument("--skip-cv", action="store_true", help="only evaluate the held-out test set")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Return the exit code after running the evaluation and printing the figures."""
    args = parse_args(argv)
    out = ROOT / args.out
    lines: list[tuple[str, str]] = []
    try:
        if not args.skip_cv:
            cv_dir = out / "nlu_cv"
            run_rasa(["test", "nlu", "--nlu", args.nlu, "--cross-validation", "--folds", str(args.folds),
                      "--config", args.config, "--out", str(cv_dir)])
            cv_report = load_report(cv_dir / "intent_report.json")
            lines.append(("cv_intent_macro_f1", f"{macro_f1(cv_report):.4f}"))
            lines.append(("cv_crisis_recall", f"{intent_recall(cv_report, CRISIS_INTENT):.4f}"))

        test_dir = out / "nlu_test"
        run_rasa(["test", "nlu", "--nlu", args.test, "--model", args.model, "--out", str(test_dir)])
        test_report = load_report(test_dir / "intent_report.json")
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    test_f1 = macro_f1(test_report)
    crisis = intent_recall(test_report, CRISIS_INTENT)
    lines[:0] = [
        ("intent_macro_f1", f"{test_f1:.4f}"),
        ("crisis_recall", f"{crisis:.4f}"),
        ("crisis_test_examples", str(int(test_report[CRISIS_INTENT]["support"]))),
    ]
    for name, value in lines:
        print(f"{name}: {value}")
    for name, score in weakest_intents(test_report):
        print(f"weakest_intent_{name.replace('/', '_')}: {score:.4f}")

    missed = check_bars(test_f1, crisis)
    for message in missed:
        print(f"FAILED quality bar: {message}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
