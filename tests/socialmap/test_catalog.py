"""Tests for socialmap.catalog: schema from HSDS, the derived search index and cost text."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text

from socialmap.catalog import HSDS_TABLES, Catalog, cell_key, cost_summary, format_money, grid_cell, grid_key
from socialmap.importer import import_documents


def test_schema_has_every_hsds_table_with_id_primary_keys(fresh_catalog: Catalog) -> None:
    names = set(inspect(fresh_catalog.engine).get_table_names())
    assert set(HSDS_TABLES) <= names and "search_entry" in names and "service_fts" in names
    assert [c.name for c in HSDS_TABLES["service"].primary_key.columns] == ["id"]
    assert "minimum_age" in HSDS_TABLES["service"].c and "latitude" in HSDS_TABLES["location"].c


def test_create_schema_is_idempotent(fresh_catalog: Catalog) -> None:
    fresh_catalog.create_schema()
    fresh_catalog.create_schema()
    assert fresh_catalog.count("taxonomy_term") > 0


def test_search_uses_the_grid_index(fresh_catalog: Catalog) -> None:
    with fresh_catalog.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM search_entry WHERE cell IN (1, 2, 3) AND category = 'meeting'"
                )
            )
        )
    assert "ix_search_entry_cell" in plan and "SCAN" not in plan.replace("SCAN CONSTANT", "")


def test_index_entry_per_category_with_derived_columns(fresh_catalog: Catalog, make_service: Any) -> None:
    doc = make_service(
        "Samen eten",
        subcategories=("shared_meal",),
        audiences=("ouderen", "minima"),
        cost=4,
        days="TU,TH",
        min_age=60,
    )
    (entry,) = fresh_catalog.service_entries(doc["id"])
    assert entry["category"] == "meeting"
    assert entry["audiences"] == "|minima|ouderen|"
    assert entry["weekdays"] == (1 << 1) | (1 << 3)
    assert not entry["is_free"] and entry["min_cost"] == 4 and entry["cost_text"] == "€ 4 per keer"
    assert entry["min_age"] == 60 and entry["languages"] == "|nl|"
    assert entry["cell"] == grid_key(entry["lat"], entry["lon"])


def test_service_without_location_is_a_remote_entry(fresh_catalog: Catalog, make_service: Any) -> None:
    doc = make_service("Mantelzorglijn", lat=None, lon=None, category="carer")
    (entry,) = fresh_catalog.service_entries(doc["id"])
    assert entry["lat"] is None and entry["cell"] is None and entry["category"] == "carer"


def test_virtual_location_counts_as_remote(fresh_catalog: Catalog, service_doc: Any) -> None:
    doc = service_doc("Online cursus", category="digital")
    doc["service_at_locations"][0]["location"]["location_type"] = "virtual"
    assert import_documents([doc], fresh_catalog).ok
    (entry,) = fresh_catalog.service_entries(doc["id"])
    assert entry["cell"] is None


def test_reimport_replaces_index_entries(fresh_catalog: Catalog, make_service: Any) -> None:
    make_service("Wandelgroep", subcategories=("walking_group",))
    make_service("Wandelgroep", subcategories=("walking_group",))
    assert fresh_catalog.count("search_entry") == 1


@pytest.mark.parametrize(("amount", "text_"), [(2.5, "€ 2,50"), (5, "€ 5"), (0.75, "€ 0,75")])
def test_format_money_is_dutch(amount: float, text_: str) -> None:
    assert format_money(amount) == text_


def test_cost_summary_rules() -> None:
    assert cost_summary([{"amount": 0}], None) == (True, 0.0, "gratis")
    assert cost_summary([], "Deelname is gratis") == (True, 0.0, "gratis")
    assert cost_summary([], "Vraag naar de prijs") == (False, None, "Vraag naar de prijs")
    assert cost_summary([{"amount": 3, "amount_description": "per keer"}, {"amount": 1}], None) == (
        False,
        1.0,
        "vanaf € 1",
    )


def test_grid_cells_are_about_a_tenth_of_a_degree() -> None:
    assert grid_cell(52.99, 6.56) == (529, 65)
    assert grid_key(52.99, 6.56) == cell_key(529, 65)
    assert grid_key(52.99, 6.56) != grid_key(53.01, 6.56)


def test_national_line_takes_the_hours_of_its_virtual_location(
    fresh_catalog: Catalog, service_doc: Any
) -> None:
    doc = service_doc("De Luisterlijn", category="talk", days=None)
    sal = doc["service_at_locations"][0]
    sal["location"]["location_type"] = "virtual"
    sal["schedules"] = [
        {"id": "5e1f0000-0000-4000-8000-000000000001", "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR,SA,SU",
         "opens_at": "00:00", "closes_at": "23:59"}
    ]  # fmt: skip
    assert import_documents([doc], fresh_catalog).ok
    (entry,) = fresh_catalog.service_entries(doc["id"])
    assert entry["cell"] is None and entry["weekdays"] == 0b1111111
