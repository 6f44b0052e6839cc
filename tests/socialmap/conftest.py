"""Fixtures for the social-map tests: a fresh catalog per test and factories for HSDS services."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socialmap import taxonomy
from socialmap.catalog import Catalog
from socialmap.db import dispose_all
from socialmap.importer import import_documents

HSDS_EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds_examples"
NS = uuid.UUID("6f1c2d3e-0000-4000-8000-000000000000")

# Assen station and a few places around it, for readable distances.
ASSEN = (52.9928, 6.5642)


def term_id(taxonomy_id: str, code: str) -> str:
    """Return the stable uuid of one of our taxonomy terms."""
    return str(uuid.uuid5(NS, f"{taxonomy_id}:{code}"))


def taxonomy_documents() -> list[dict[str, Any]]:
    """Return our two taxonomies as HSDS taxonomy_term objects with their taxonomy nested."""
    docs = []
    for tax_id, terms in (
        (taxonomy.CATEGORY_TAXONOMY_ID, {**taxonomy.CATEGORIES, **taxonomy.SUBCATEGORIES}),
        (taxonomy.AUDIENCE_TAXONOMY_ID, taxonomy.AUDIENCES),
    ):
        detail = {"id": str(uuid.uuid5(NS, tax_id)), "name": tax_id, "description": tax_id}
        for code, term in terms.items():
            docs.append(
                {
                    "id": term_id(tax_id, code),
                    "code": code,
                    "name": term.label,
                    "description": term.description,
                    "taxonomy": tax_id,
                    "taxonomy_detail": detail,
                }
            )
    return docs


def service_document(
    name: str,
    *,
    lat: float | None = ASSEN[0],
    lon: float | None = ASSEN[1],
    category: str = "meeting",
    subcategories: tuple[str, ...] = (),
    audiences: tuple[str, ...] = ("iedereen",),
    min_age: int | None = None,
    max_age: int | None = None,
    cost: float | None = 0.0,
    days: str | None = "WE",
    opens: str = "10:00",
    closes: str = "12:00",
    languages: tuple[str, ...] = (),
    description: str = "",
    town: str = "Assen",
    phone: str = "0592 123456",
    status: str = "active",
    service_id: str | None = None,
) -> dict[str, Any]:
    """Return a full HSDS service object; `lat=None` makes a service without a place (a national line)."""
    sid = service_id or str(uuid.uuid5(NS, f"service:{name}"))
    org_id = str(uuid.uuid5(NS, f"org:{name}"))
    attributes = [
        {
            "id": str(uuid.uuid5(NS, f"attr:{sid}:{category}")),
            "taxonomy_term_id": term_id("sociale-kaart", category),
        }
    ]
    for code in subcategories:
        attributes.append(
            {
                "id": str(uuid.uuid5(NS, f"attr:{sid}:{code}")),
                "taxonomy_term_id": term_id("sociale-kaart", code),
            }
        )
    for code in audiences:
        attributes.append(
            {"id": str(uuid.uuid5(NS, f"attr:{sid}:{code}")), "taxonomy_term_id": term_id("doelgroep", code)}
        )
    doc: dict[str, Any] = {
        "id": sid,
        "name": name,
        "description": description or f"{name} in {town}",
        "status": status,
        "organization": {"id": org_id, "name": f"Stichting {name}", "description": "Organisatie"},
        "phones": [{"id": str(uuid.uuid5(NS, f"phone:{sid}")), "number": phone}],
        "attributes": attributes,
        "languages": [
            {"id": str(uuid.uuid5(NS, f"lang:{sid}:{code}")), "code": code, "name": code}
            for code in languages
        ],
        "cost_options": []
        if cost is None
        else [
            {
                "id": str(uuid.uuid5(NS, f"cost:{sid}")),
                "amount": cost,
                "currency": "EUR",
                "amount_description": "per keer",
            }
        ],
        "schedules": []
        if days is None
        else [
            {
                "id": str(uuid.uuid5(NS, f"sched:{sid}")),
                "freq": "WEEKLY",
                "byday": days,
                "opens_at": opens,
                "closes_at": closes,
            }
        ],
    }
    if min_age is not None:
        doc["minimum_age"] = min_age
    if max_age is not None:
        doc["maximum_age"] = max_age
    if lat is not None and lon is not None:
        loc_id = str(uuid.uuid5(NS, f"loc:{sid}"))
        doc["service_at_locations"] = [
            {
                "id": str(uuid.uuid5(NS, f"sal:{sid}")),
                "location": {
                    "id": loc_id,
                    "location_type": "physical",
                    "name": f"Buurthuis {name}",
                    "latitude": lat,
                    "longitude": lon,
                    "addresses": [
                        {
                            "id": str(uuid.uuid5(NS, f"addr:{sid}")),
                            "address_1": "Kerkstraat 1",
                            "city": town,
                            "region": town,
                            "state_province": "Drenthe",
                            "postal_code": "9401 AB",
                            "country": "NL",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ]
    return doc


@pytest.fixture
def catalog_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.db'}"


@pytest.fixture
def fresh_catalog(catalog_url: str) -> Iterator[Catalog]:
    """A new, empty catalog (schema and our taxonomies loaded) on a temp SQLite file."""
    catalog = Catalog(catalog_url)
    catalog.create_schema()
    report = import_documents(taxonomy_documents(), catalog, entity="taxonomy_term")
    assert report.ok, report.errors
    yield catalog
    dispose_all()


@pytest.fixture
def make_service(fresh_catalog: Catalog) -> Callable[..., dict[str, Any]]:
    """Factory: `make_service("Koffieochtend", lat=..., category=...)` imports one service and returns its document."""

    def factory(name: str, **kwargs: Any) -> dict[str, Any]:
        doc = service_document(name, **kwargs)
        report = import_documents([doc], fresh_catalog)
        assert report.ok, [str(e) for e in report.errors]
        return doc

    return factory


@pytest.fixture
def make_services(fresh_catalog: Catalog) -> Callable[[list[dict[str, Any]]], None]:
    """Factory: import many service documents (from `service_document`) in one go."""

    def factory(docs: list[dict[str, Any]]) -> None:
        report = import_documents(docs, fresh_catalog)
        assert report.ok, [str(e) for e in report.errors]

    return factory


@pytest.fixture
def service_doc() -> Callable[..., dict[str, Any]]:
    """The `service_document(name, **fields)` builder, for tests that import documents themselves."""
    return service_document


@pytest.fixture
def our_taxonomy() -> list[dict[str, Any]]:
    """Our two taxonomies as HSDS taxonomy_term documents."""
    return taxonomy_documents()
