"""`make eval`: NLU quality figures, one `name: value` per line.

1. The served model (models/, newest) on the frozen test set (tests/eval/frozen_test.yml):
   intent macro-F1, accuracy, per-intent F1, the largest confusion pairs, the fallback rate,
   crisis recall on explicit and on indirect phrasings, the distress safety recall and the
   false alarms on carer fatigue, and what loading and parsing cost (time, memory).
2. 5-fold cross-validation of config.yml on the training data (data/nlu), each fold trained
   into a temporary folder: macro-F1, accuracy, crisis recall, training time and peak memory.
3. Optionally (--variant name=config.yml, repeatable) other pipelines, each trained once on
   data/nlu into a temporary folder and scored on the frozen set, to compare what they cost.

The frozen set is never used for error analysis (that is what --dev and cross-validation are
for); its figures are the honest estimate of how residents are understood.

Exit code 0 when every bar is met, 1 when a bar is missed, 2 when Rasa failed.

    python -m scripts.evaluate                  # frozen set + 5-fold CV (CV takes ~20 minutes)
    python -m scripts.evaluate --skip-cv        # only the frozen set on the served model
    python -m scripts.evaluate --dev --skip-cv  # the dev set, with every error listed
    python -m scripts.evaluate --skip-cv --variant sparse=/tmp/sparse.yml
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FROZEN_TEST = "tests/eval/frozen_test.yml"
DEV_SET = "tests/eval/dev.yml"

MIN_MACRO_F1 = 0.92
MIN_CV_MACRO_F1 = 0.88
MIN_INTENT_F1 = 0.80
MIN_CRISIS_RECALL = 1.0
CRISIS_INTENT = "crisis"
DISTRESS_INTENT = "express_distress"
FALLBACK_INTENT = "nlu_fallback"
# Answers that carry 113 / De Luisterlijn.
SAFETY_INTENTS = frozenset({CRISIS_INTENT, DISTRESS_INTENT})

_MARKUP_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


class EvaluationError(Exception):
    """Rasa failed or left nothing usable."""


@dataclass(frozen=True)
class Example:
    """One test phrasing: its text, the expected intent (faq/x counts as faq) and its safety tier."""

    text: str
    intent: str
    tier: str | None = None


@dataclass(frozen=True)
class Prediction:
    """What the model said about one example."""

    example: Example
    intent: str
    confidence: float
    # The model's best non-fallback guesses (intent, confidence), best first.
    ranking: tuple[tuple[str, float], ...] = ()


def strip_markup(text: str) -> str:
    """Return the plain text of a Rasa training line: "[Eext](location)" becomes "Eext"."""
    return _MARKUP_RE.sub(r"\1", text).strip()


def load_examples(path: Path) -> list[Example]:
    """Return the examples of a Rasa NLU YAML file, with the `tier` of each block's metadata."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise EvaluationError(f"cannot read {path}: {error}") from error
    examples = []
    for block in document.get("nlu") or []:
        if "intent" not in block:
            continue
        intent = str(block["intent"]).split("/")[0]
        tier = (block.get("metadata") or {}).get("tier")
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(strip_markup(line[2:]), intent, tier))
    if not examples:
        raise EvaluationError(f"{path} holds no examples")
    return examples


def comparison_key(text: str) -> str:
    """Return the text as compared for overlap: lower case, letters, digits and single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def training_texts(nlu: Path) -> set[str]:
    """Return the comparison keys of every training example in a file or a folder of YAML files."""
    files = sorted(nlu.glob("*.yml")) if nlu.is_dir() else [nlu]
    keys: set[str] = set()
    for path in files:
        try:
            keys |= {comparison_key(e.text) for e in load_examples(path)}
        except EvaluationError:
            continue  # a file with only lookup tables, synonyms or regexes
    return keys


def f1_by_intent(rows: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Return the F1 score of every expected intent from (expected, predicted) pairs."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for expected, predicted in rows:
        if expected == predicted:
            tp[expected] += 1
        else:
            fn[expected] += 1
            fp[predicted] += 1
    scores = {}
    for label in sorted({expected for expected, _ in rows}):
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def score(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Return the quality figures of a list of predictions (see the module docstring)."""
    rows = [(p.example.intent, p.intent) for p in predictions]
    per_intent = f1_by_intent(rows)
    confusions = Counter((e, p) for e, p in rows if e != p)

    def tier(intent: str, name: str) -> list[Prediction]:
        return [p for p in predictions if p.example.intent == intent and p.example.tier == name]

    explicit = tier(CRISIS_INTENT, "explicit")
    indirect = tier(CRISIS_INTENT, "indirect")
    distress = tier(DISTRESS_INTENT, "indirect")
    fatigue = [p for p in predictions if p.example.tier == "carer_fatigue"]
    crisis = [p for p in predictions if p.example.intent == CRISIS_INTENT]
    return {
        "examples": len(rows),
        "macro_f1": sum(per_intent.values()) / len(per_intent) if per_intent else 0.0,
        "accuracy": _share(sum(e == p for e, p in rows), len(rows)),
        "per_intent_f1": per_intent,
        "confusions": confusions.most_common(),
        "fallback_rate": _share(sum(p == FALLBACK_INTENT for _, p in rows), len(rows)),
        "crisis_recall": _share(sum(p.intent == CRISIS_INTENT for p in crisis), len(crisis)),
        "crisis_recall_explicit": _share(sum(p.intent == CRISIS_INTENT for p in explicit), len(explicit)),
        "crisis_recall_indirect": _share(sum(p.intent == CRISIS_INTENT for p in indirect), len(indirect)),
        # Indirect distress must reach 113 / De Luisterlijn: a crisis or a distress answer.
        "distress_safety_recall": _share(sum(p.intent in SAFETY_INTENTS for p in distress), len(distress)),
        "carer_fatigue_examples": len(fatigue),
        "carer_fatigue_false_alarms": sum(p.intent in SAFETY_INTENTS for p in fatigue),
        "crisis_false_alarms": sum(
            p.intent == CRISIS_INTENT and p.example.intent != CRISIS_INTENT for p in predictions
        ),
    }


SWEEP_THRESHOLDS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
AMBIGUITY_THRESHOLD = 0.05


def with_fallback_threshold(predictions: Sequence[Prediction], threshold: float) -> list[Prediction]:
    """Return the predictions as a FallbackClassifier with `threshold` would have made them.

    The safety net's crisis and distress answers stay; any other answer is the model's best guess unless
    it is below the threshold or within the ambiguity margin of the second guess.
    """
    swept = []
    for p in predictions:
        if p.intent in SAFETY_INTENTS or not p.ranking:
            swept.append(p)
            continue
        best, confidence = p.ranking[0]
        second = p.ranking[1][1] if len(p.ranking) > 1 else 0.0
        unsure = confidence < threshold or confidence - second < AMBIGUITY_THRESHOLD
        swept.append(Prediction(p.example, FALLBACK_INTENT if unsure else best.split("/")[0], confidence, p.ranking))
    return swept


def sweep_lines(prefix: str, predictions: Sequence[Prediction]) -> list[str]:
    """Return macro-F1, accuracy and fallback rate at each fallback threshold (for dev and CV only)."""
    lines = []
    for threshold in SWEEP_THRESHOLDS:
        figures = score(with_fallback_threshold(predictions, threshold))
        lines.append(f"{prefix}_sweep_t{threshold:.2f}: macro_f1 {figures['macro_f1']:.4f} "
                     f"accuracy {figures['accuracy']:.4f} fallback {figures['fallback_rate']:.4f} "
                     f"crisis_recall {figures['crisis_recall'] or 0:.4f}")
    return lines


def check_bars(frozen: dict[str, Any], cv: dict[str, Any] | None) -> list[str]:
    """Return one message per missed quality bar (empty when all bars are met)."""
    missed = []
    if frozen["macro_f1"] < MIN_MACRO_F1:
        missed.append(f"frozen_macro_f1 {frozen['macro_f1']:.4f} < {MIN_MACRO_F1}")
    for intent, f1 in sorted(frozen["per_intent_f1"].items()):
        if f1 < MIN_INTENT_F1:
            missed.append(f"frozen_f1_{intent} {f1:.4f} < {MIN_INTENT_F1}")
    for name in ("crisis_recall_explicit", "crisis_recall_indirect", "distress_safety_recall"):
        value = frozen.get(name)
        if value is None:
            missed.append(f"{name}: the test set has no examples of this tier")
        elif value < MIN_CRISIS_RECALL:
            missed.append(f"{name} {value:.4f} < {MIN_CRISIS_RECALL}")
    if frozen.get("carer_fatigue_false_alarms"):
        missed.append(f"carer_fatigue_false_alarms {frozen['carer_fatigue_false_alarms']} > 0")
    if cv is not None and cv["macro_f1"] < MIN_CV_MACRO_F1:
        missed.append(f"cv_macro_f1 {cv['macro_f1']:.4f} < {MIN_CV_MACRO_F1}")
    return missed


def report_lines(prefix: str, figures: dict[str, Any], confusions: int = 12) -> list[str]:
    """Return the `name: value` lines of one scored set."""
    lines = [f"{prefix}_examples: {figures['examples']}"]
    for name in ("macro_f1", "accuracy", "fallback_rate", "crisis_recall", "crisis_recall_explicit",
                 "crisis_recall_indirect", "distress_safety_recall"):
        if figures.get(name) is not None:
            lines.append(f"{prefix}_{name}: {figures[name]:.4f}")
    for name in ("carer_fatigue_false_alarms", "crisis_false_alarms"):
        lines.append(f"{prefix}_{name}: {figures[name]}")
    for intent, f1 in sorted(figures["per_intent_f1"].items(), key=lambda item: (item[1], item[0])):
        lines.append(f"{prefix}_f1_{intent}: {f1:.4f}")
    for (expected, predicted), count in figures["confusions"][:confusions]:
        lines.append(f"{prefix}_confusion_{expected}->{predicted}: {count}")
    return lines


# --- Running Rasa --------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # rasa_addons/ and socialmap/ must be importable for the custom components.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _tree_rss_kb(pid: int) -> int:
    """Return the resident memory of a process and its children in KiB (Linux /proc)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, AttributeError, ValueError):
            continue
        pids.extend(int(child) for child in children)
    return total


def _log_tail(log: Path | None, lines: int = 15) -> str:
    if log is None:
        return ""
    try:
        return "\n" + "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_measured(command: list[str], log: Path | None = None,
                 env: dict[str, str] | None = None) -> tuple[float, float]:
    """Return (seconds, peak RSS in MB) of a command run in the repository root."""
    print("==> " + " ".join(command), file=sys.stderr, flush=True)
    started = time.monotonic()
    with open(log or os.devnull, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**_env(), **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)
        peak = [0]

        def watch() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], _tree_rss_kb(process.pid))
                time.sleep(0.5)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        code = process.wait()
        watcher.join()
    if code != 0:
        raise EvaluationError(f"`{' '.join(command)}` failed with exit code {code}" + _log_tail(log))
    return time.monotonic() - started, peak[0] / 1024


def rasa_executable() -> Path:
    """Return the path of the `rasa` script of the running virtualenv."""
    candidate = Path(sys.executable).parent / "rasa"
    if not candidate.exists():
        raise EvaluationError(f"rasa not found next to {sys.executable}; run `make setup` first")
    return candidate


def train(config: Path, nlu: Path, out: Path, name: str) -> dict[str, Any]:
    """Return the model path, training time and peak memory of `rasa train nlu`.

    Each training gets its own Rasa cache (folds trained at once must not share one SQLite cache),
    and a failed training is tried once more before the evaluation gives up.
    """
    command = [str(rasa_executable()), "train", "nlu", "--config", str(config), "--nlu", str(nlu),
               "--out", str(out), "--fixed-model-name", name]
    env = {"RASA_CACHE_DIRECTORY": str(out / f"{name}.cache")}
    try:
        seconds, peak_mb = run_measured(command, log=out / f"{name}.train.log", env=env)
    except EvaluationError as error:
        print(f"warning: training {name} failed, trying once more: {error}", file=sys.stderr, flush=True)
        seconds, peak_mb = run_measured(command, log=out / f"{name}.train-retry.log", env=env)
    return {"model": out / f"{name}.tar.gz", "train_s": seconds, "train_peak_mb": peak_mb}


def newest_model(path: Path) -> Path:
    """Return the model file itself, or the newest .tar.gz in a directory."""
    if path.is_file():
        return path
    models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise EvaluationError(f"no model in {path}; run `make train` first")
    return models[-1]


def predict(model: Path, examples: Sequence[Example], workdir: Path) -> tuple[list[Prediction], dict[str, float]]:
    """Return the predictions of a model and what loading and parsing cost, from a fresh process."""
    texts = workdir / "texts.json"
    answers = workdir / "answers.json"
    texts.write_text(json.dumps([e.text for e in examples], ensure_ascii=False), encoding="utf-8")
    run_measured([sys.executable, "-m", "scripts.evaluate", "_predict", str(model), str(texts), str(answers)],
                 log=workdir / "predict.log")
    data = json.loads(answers.read_text(encoding="utf-8"))
    predictions = [
        Prediction(e, a["intent"], a["confidence"], tuple((str(n), float(c)) for n, c in a.get("ranking", ())))
        for e, a in zip(examples, data["answers"], strict=True)
    ]
    return predictions, data["cost"]


def _predict_worker(model: str, texts_path: str, answers_path: str) -> int:
    """Parse every text with a model in this process; write intents and costs as JSON."""
    from rasa.core.agent import Agent

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    rss_before = _tree_rss_kb(os.getpid()) / 1024
    started = time.monotonic()
    agent = Agent.load(model)
    load_s = time.monotonic() - started
    rss_loaded = _tree_rss_kb(os.getpid()) / 1024

    async def parse_all() -> tuple[list[dict[str, Any]], list[float]]:
        answers, latencies = [], []
        for text in texts:
            begin = time.perf_counter()
            result = await agent.parse_message(text)
            latencies.append((time.perf_counter() - begin) * 1000)
            intent = result.get("intent") or {}
            # The model's own best guesses under the fallback, for the threshold sweep.
            ranking = [(str(r.get("name")), float(r.get("confidence") or 0))
                       for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT][:10]
            answers.append({"intent": intent.get("name") or "", "confidence": float(intent.get("confidence") or 0),
                            "ranking": ranking})
        return answers, latencies

    answers, latencies = asyncio.run(parse_all())
    ordered = sorted(latencies)
    cost = {
        "load_s": load_s,
        "rss_before_load_mb": rss_before,
        "rss_loaded_mb": rss_loaded,
        "rss_after_parse_mb": _tree_rss_kb(os.getpid()) / 1024,
        "parse_p50_ms": ordered[len(ordered) // 2],
        "parse_p95_ms": ordered[int(len(ordered) * 0.95)],
    }
    Path(answers_path).write_text(json.dumps({"answers": answers, "cost": cost}), encoding="utf-8")
    return 0


def cross_validate(
    config: Path, nlu: Path, folds: int, workdir: Path, jobs: int = 1, dump: Path | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """Return the figures of k-fold cross-validation over all folds together, and its costs.

    `jobs` folds train at the same time (each is its own Rasa process, about 2.5 GB).
    """
    from concurrent.futures import ThreadPoolExecutor

    from rasa.nlu.test import generate_folds
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / nlu))
    prepared = []
    for index, (train_data, test_data) in enumerate(generate_folds(folds, data)):
        fold_dir = workdir / f"fold{index}"
        fold_dir.mkdir(parents=True, exist_ok=True)
        train_file = fold_dir / "train.yml"
        train_file.write_text(train_data.nlu_as_yaml(), encoding="utf-8")
        # EXTERNAL_* intents are sent by the staff console, never typed by a resident: not scored.
        examples = [
            Example(e.get("text"), str(e.get("intent")).split("/")[0])
            for e in test_data.intent_examples
            if not str(e.get("intent")).startswith("EXTERNAL_")
        ]
        prepared.append((index, fold_dir, train_file, examples))

    def run_fold(item: tuple[int, Path, Path, list[Example]]) -> tuple[list[Prediction], dict[str, Any]]:
        index, fold_dir, train_file, examples = item
        trained = train(config, train_file, fold_dir, f"fold{index}")
        fold_predictions, _ = predict(trained["model"], examples, fold_dir)
        trained["model"].unlink(missing_ok=True)  # a fold model is 20+ MB; keep only its figures
        fold_figures = score(fold_predictions)
        print(f"cv_fold{index}_macro_f1: {fold_figures['macro_f1']:.4f} ({trained['train_s']:.0f} s)",
              file=sys.stderr, flush=True)
        return fold_predictions, trained

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(run_fold, prepared))
    predictions = [p for fold_predictions, _ in results for p in fold_predictions]
    if dump is not None:
        # Every fold's predictions with the model's own ranking, for error analysis and ensembles.
        dump.parent.mkdir(parents=True, exist_ok=True)
        dump.write_text(json.dumps([
            {"fold": index, "text": p.example.text, "expected": p.example.intent, "intent": p.intent,
             "confidence": p.confidence, "ranking": p.ranking}
            for index, (fold_predictions, _) in enumerate(results) for p in fold_predictions
        ], ensure_ascii=False, indent=0), encoding="utf-8")
    _print(sweep_lines("cv", predictions))
    costs = [trained for _, trained in results]
    cost = {
        "train_s_mean": sum(c["train_s"] for c in costs) / len(costs),
        "train_peak_mb_max": max(c["train_peak_mb"] for c in costs),
        "parallel_folds": float(max(1, jobs)),
    }
    return score(predictions), cost


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Return the parsed command line."""
    parser = argparse.ArgumentParser(prog="python -m scripts.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--nlu", default="data/nlu", help="training data for cross-validation and variants")
    parser.add_argument("--test", default=FROZEN_TEST, help="the frozen test set")
    parser.add_argument("--dev", action="store_true", help=f"score {DEV_SET} instead and list every error")
    parser.add_argument("--model", default="models", help="model file or directory (newest model is used)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="cross-validation folds trained at once")
    parser.add_argument("--skip-cv", action="store_true", help="no cross-validation")
    parser.add_argument("--cv-only", action="store_true",
                        help="only cross-validation (no served model needed; quality bars of the test set not checked)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=CONFIG",
                        help="also train this pipeline on --nlu and score it on the test set")
    parser.add_argument("--out", default="results", help="predictions and figures go to <out>/nlu_eval.json")
    return parser.parse_args(argv)


def _print(lines: Iterable[str]) -> None:
    for line in lines:
        print(line, flush=True)


def _cost_lines(prefix: str, cost: dict[str, float]) -> list[str]:
    return [f"{prefix}_{name}: {value:.1f}" if isinstance(value, float) else f"{prefix}_{name}: {value}"
            for name, value in cost.items()]


def main(argv: list[str] | None = None) -> int:
    """Return the exit code after running the evaluation and printing the figures."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["_predict"]:
        return _predict_worker(*argv[1:4])
    args = parse_args(argv)
    test_path = ROOT / (DEV_SET if args.dev else args.test)
    prefix = "dev" if args.dev else ("frozen" if args.test == FROZEN_TEST else "test")
    summary: dict[str, Any] = {}
    try:
        examples = load_examples(test_path)
        with tempfile.TemporaryDirectory(prefix="nlu-eval-") as tmp:
            workdir = Path(tmp)
            if args.cv_only:
                cv, cv_cost = cross_validate(ROOT / args.config, Path(args.nlu), args.folds, workdir / "cv", args.jobs,
                                             dump=ROOT / args.out / "cv_predictions.json")
                _print(report_lines("cv", cv, confusions=20))
                _print(_cost_lines("cv", cv_cost))
                return 0 if cv["macro_f1"] >= MIN_CV_MACRO_F1 else 1
            model = newest_model(ROOT / args.model)
            predictions, cost = predict(model, examples, workdir)
            frozen = score(predictions)
            summary[prefix] = frozen
            _print([f"{prefix}_model: {model.relative_to(ROOT) if model.is_relative_to(ROOT) else model}"])
            _print(report_lines(prefix, frozen))
            # Phrasings that later landed in the training data flatter the model: score without them too.
            seen = training_texts(ROOT / args.nlu)
            unseen = [p for p in predictions if comparison_key(p.example.text) not in seen]
            _print([f"{prefix}_in_training_data: {len(predictions) - len(unseen)}"])
            if unseen and len(unseen) < len(predictions):
                unseen_figures = score(unseen)
                summary[f"{prefix}_unseen"] = unseen_figures
                _print([f"{prefix}_unseen_macro_f1: {unseen_figures['macro_f1']:.4f}",
                        f"{prefix}_unseen_accuracy: {unseen_figures['accuracy']:.4f}"])
            _print(_cost_lines(f"{prefix}_serve", cost))
            if args.dev:
                _print(sweep_lines(prefix, predictions))
                for p in predictions:
                    if p.intent != p.example.intent:
                        print(f"dev_error: {p.example.intent} -> {p.intent} ({p.confidence:.2f}): {p.example.text}")

            for variant in args.variant:
                name, _, config = variant.partition("=")
                variant_dir = workdir / f"variant-{name}"
                variant_dir.mkdir()
                trained = train(ROOT / config, ROOT / args.nlu, variant_dir, name)
                variant_predictions, variant_cost = predict(trained["model"], examples, variant_dir)
                figures = score(variant_predictions)
                summary[f"variant_{name}"] = figures
                _print([f"variant_{name}_{prefix}_macro_f1: {figures['macro_f1']:.4f}",
                        f"variant_{name}_{prefix}_accuracy: {figures['accuracy']:.4f}",
                        f"variant_{name}_train_s: {trained['train_s']:.0f}",
                        f"variant_{name}_train_peak_mb: {trained['train_peak_mb']:.0f}"])
                _print(_cost_lines(f"variant_{name}_serve", variant_cost))

            cv = None
            if not args.skip_cv:
                cv, cv_cost = cross_validate(ROOT / args.config, Path(args.nlu), args.folds, workdir / "cv", args.jobs,
                                             dump=ROOT / args.out / "cv_predictions.json")
                summary["cv"] = cv
                _print(report_lines("cv", cv, confusions=8))
                _print(_cost_lines("cv", cv_cost))
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "nlu_eval.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    if args.dev:
        return 0
    missed = check_bars(frozen, cv)
    for message in missed:
        print(f"FAILED quality bar: {message}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
