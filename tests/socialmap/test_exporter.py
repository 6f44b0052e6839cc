"""Tests for socialmap.exporter: the export validates against HSDS 3.0 and reads back in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from socialmap import exporter
from socialmap.catalog import Catalog
from socialmap.exporter import service_documents, validation_errors
from socialmap.importer import import_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds_examples"


def test_export_of_our_services_validates_against_the_schema(
    fresh_catalog: Catalog, make_service: Any
) -> None:
    make_service("Koffieochtend", subcategories=("coffee_morning",), audiences=("ouderen",), cost=2.5)
    make_service("Luisterlijn", lat=None, lon=None, category="talk")
    documents = list(service_documents(fresh_catalog))
    assert [d["name"] for d in sorted(documents, key=lambda d: d["name"])] == ["Koffieochtend", "Luisterlijn"]
    assert validation_errors(documents) == []
    coffee = next(d for d in documents if d["name"] == "Koffieochtend")
    location = coffee["service_at_locations"][0]["location"]
    assert location["addresses"][0]["city"] == "Assen"
    assert coffee["cost_options"][0]["amount"] == 2.5
    codes = {a["taxonomy_term"]["code"] for a in coffee["attributes"]}
    assert codes == {"meeting", "coffee_morning", "ouderen"}
    assert coffee["organization"]["name"] == "Stichting Koffieochtend"


def test_validation_catches_a_broken_document() -> None:
    assert validation_errors([{"id": "x", "name": "Zonder status"}])


@pytest.mark.parametrize("source", ["csv", "service_full.json", "organization_full.json"])
def test_hsds_examples_export_valid_and_round_trip(
    fresh_catalog: Catalog, tmp_path: Path, source: str
) -> None:
    assert import_paths([EXAMPLES / source], fresh_catalog).ok
    first = list(service_documents(fresh_catalog))
    assert first and validation_errors(first) == []
    out = tmp_path / "export.json"
    exporter.write_json(first, out)
    again = Catalog(f"sqlite:///{tmp_path / 'again.db'}")
    report = import_paths([out], again)
    assert report.ok, [str(e) for e in report.errors]
    assert list(service_documents(again)) == first


def test_cli_export_writes_a_file(catalog_url: str, make_service: Any, tmp_path: Path) -> None:
    make_service("Eettafel")
    parser = argparse.ArgumentParser()
    exporter.register_cli(parser.add_subparsers(dest="command"))
    out = tmp_path / "uit" / "sociale-kaart.json"
    args = parser.parse_args(["export", "--out", str(out), "--db", catalog_url])
    assert args.func(args) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["name"] for d in data] == ["Eettafel"]
