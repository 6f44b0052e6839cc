"""The search relevance test set (tests/eval/search_relevance.yml) on the demo map: no wrong card, no false 'nothing'."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import evaluate_search


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, float], list[evaluate_search.Outcome]]:
    catalog = evaluate_search.demo_catalog(tmp_path_factory.mktemp("relevance"))
    return evaluate_search.evaluate(evaluate_search.load_cases(), catalog)


def test_the_set_has_at_least_80_searches_of_every_kind() -> None:
    cases = evaluate_search.load_cases()
    assert len(cases) >= 80
    assert len({c["id"] for c in cases}) == len(cases)
    kinds = {c["id"].split("-")[0] for c in cases}
    assert {"scheme", "wish", "filter", "audience", "place"} <= kinds
    assert sum(1 for c in cases if c.get("message") and "koffieocht" in c["message"]) >= 2  # typos


def test_no_must_not_violations_and_no_false_nothing(outcome: tuple[dict[str, float], list]) -> None:
    figures, outcomes = outcome
    violations = [(o.case_id, o.must_not) for o in outcomes if o.must_not]
    assert figures["search_must_not_violations"] == 0, violations
    assert figures["search_false_nothing_rate"] == 0, [o.case_id for o in outcomes if o.false_nothing]


def test_every_case_meets_its_expectations(outcome: tuple[dict[str, float], list]) -> None:
    figures, outcomes = outcome
    failed = [(o.case_id, o.failures, o.names) for o in outcomes if o.failures]
    assert failed == []
    assert figures["search_precision_at_3"] >= 0.9


def test_the_script_prints_the_figures_and_writes_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "search_eval.json"
    assert evaluate_search.main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("search_precision_at_3", "search_must_not_violations", "search_false_nothing_rate"):
        assert f"{name}: " in printed
    assert out.exists() and '"figures"' in out.read_text(encoding="utf-8")
