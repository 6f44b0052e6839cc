"""Relevance of the social-map search on the demo map: precision@3, must-not violations, false "nothing".

Run: `python -m scripts.evaluate_search [--cases tests/eval/search_relevance.yml] [--out results/search_eval.json]`.
Each case (see the YAML header) is searched the way the assistant does (`socialmap.advice.find`, the
geocoder for the place) on a fresh copy of the demo map, so the figures do not depend on `var/`.
Prints one `name: value` per line:

- search_eval_cases: number of searches;
- search_precision_at_3: mean share of the shown cards (up to three) that are relevant, i.e. match the
  case's `relevant` pattern (default: its `must` / `must_all` patterns; cases without any are left out);
- search_must_not_violations: cards that break a `must_not` / `must_not_town` rule (target 0);
- search_false_nothing_rate: share of searches answered with no card while a service that fits the need
  exists within 100 km (target 0);
- search_failed_cases: cases with any failed expectation (listed in the JSON report).
Exits 1 when there are must-not violations or false "nothing" answers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialmap import advice
from socialmap.catalog import Catalog
from socialmap.geo import Geocoder
from socialmap.importer import import_paths
from socialmap.settings import ROOT

CASES = ROOT / "tests" / "eval" / "search_relevance.yml"
DEMO = ROOT / "socialmap" / "data" / "demo"
NEAR_KM = 15.0  # "centred on this town": the nearest local card lies within this distance of it


@dataclass
class Outcome:
    """What one case gave, and which expectations failed."""

    case_id: str
    names: list[str]
    towns: list[str]
    precision: float | None
    must_not: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    false_nothing: bool = False


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    """Return the cases of a relevance file."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8")))


def demo_catalog(directory: Path) -> Catalog:
    """Return a catalog in `directory` with the demo map imported."""
    catalog = Catalog(f"sqlite:///{directory / 'socialmap.db'}")
    catalog.create_schema()
    report = import_paths([DEMO], catalog)
    if report.errors:
        raise SystemExit(f"demo map does not import: {report.errors[0]}")
    return catalog


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def run_case(case: dict[str, Any], catalog: Catalog, geocoder: Geocoder) -> Outcome:
    """Search one case and judge the first three cards."""
    place = geocoder.geocode(str(case["place"])).place
    if case.get("place_from_message") and case.get("message"):
        said = geocoder.geocode(str(case["message"]))
        if said.status == "ok" and said.place is not None:
            place = said.place
    if place is None:
        return Outcome(case["id"], [], [], None, failures=[f"place {case['place']!r} not found"])
    kwargs = {
        "audience": case.get("audience"),
        "age": case.get("age"),
        "weekday": case.get("weekday"),
        "free_only": bool(case.get("free_only")),
        "municipality": place.municipality,
        "catalog": catalog,
    }
    found = advice.find(
        case["need"],
        place.lat,
        place.lon,
        activity=case.get("activity"),
        message=case.get("message"),
        place_words=(place.name,),
        **kwargs,
    )
    names = [r.name for r in found.results]
    towns = [r.town for r in found.results]
    outcome = Outcome(case["id"], names, towns, None)
    relevant_patterns = [case["relevant"]] if case.get("relevant") else list(case.get("must", [])) + (
        [case["must_all"]] if case.get("must_all") else []
    )
    if relevant_patterns and names:
        relevant = sum(1 for n in names if any(_matches(p, n) for p in relevant_patterns))
        outcome.precision = relevant / len(names)
    elif relevant_patterns:
        outcome.precision = 0.0
    for pattern in case.get("must", []):
        if not any(_matches(pattern, n) for n in names):
            outcome.failures.append(f"must {pattern!r}")
    if case.get("must_all"):
        for name in names:
            if not _matches(case["must_all"], name):
                outcome.failures.append(f"must_all {case['must_all']!r}: {name}")
    for pattern in case.get("must_not", []):
        outcome.must_not += [f"{pattern!r}: {n}" for n in names if _matches(pattern, n)]
    for pattern in case.get("must_not_town", []):
        outcome.must_not += [f"town {pattern!r}: {t}" for t in towns if _matches(pattern, t)]
    if len(names) < int(case.get("min_results", 0)):
        outcome.failures.append(f"min_results {case['min_results']}: {len(names)}")
    if "wish_found" in case and found.wish_found is not case["wish_found"]:
        outcome.failures.append(f"wish_found {case['wish_found']}: {found.wish_found} ({found.wish!r})")
    if case.get("near_town"):
        centre = geocoder.geocode(str(case["near_town"])).place
        if centre is None or place.name != centre.name and place.municipality != centre.municipality:
            outcome.failures.append(f"near_town {case['near_town']}: searched at {place.name}")
    if not names:
        exists = advice.matching_ids(case["need"], place.lat, place.lon, 100.0, **kwargs)
        exists = exists or advice.matching_ids(
            case["need"], place.lat, place.lon, 100.0, **{**kwargs, "weekday": None, "free_only": False}
        )
        outcome.false_nothing = bool(exists)
    if outcome.must_not:
        outcome.failures.append("must_not")
    return outcome


def evaluate(cases: list[dict[str, Any]], catalog: Catalog) -> tuple[dict[str, float], list[Outcome]]:
    """Return the figures and the outcome of every case."""
    geocoder = Geocoder()
    outcomes = [run_case(case, catalog, geocoder) for case in cases]
    precisions = [o.precision for o in outcomes if o.precision is not None]
    figures = {
        "search_eval_cases": float(len(outcomes)),
        "search_precision_at_3": round(sum(precisions) / len(precisions), 3) if precisions else 0.0,
        "search_must_not_violations": float(sum(len(o.must_not) for o in outcomes)),
        "search_false_nothing_rate": round(sum(o.false_nothing for o in outcomes) / max(1, len(outcomes)), 3),
        "search_failed_cases": float(sum(1 for o in outcomes if o.failures or o.false_nothing)),
    }
    return figures, outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.evaluate_search", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "search_eval.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures, outcomes = evaluate(load_cases(args.cases), demo_catalog(Path(tmp)))
    for name, value in figures.items():
        print(f"{name}: {value:g}")
    for outcome in outcomes:
        if outcome.failures or outcome.false_nothing:
            print(f"  failed {outcome.case_id}: {'; '.join(outcome.failures) or 'false nothing'} -> {outcome.names}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"figures": figures, "cases": [o.__dict__ for o in outcomes]}, ensure_ascii=False, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    bad = figures["search_must_not_violations"] > 0 or figures["search_false_nothing_rate"] > 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
