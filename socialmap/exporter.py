"""Export the catalog as HSDS 3.0 JSON: a list of full service objects.

`python -m socialmap export [--out FILE]` writes what another HSDS tool (or
this importer) reads back: every service with its organization, program,
locations (with addresses, phones, schedules, accessibility), contacts, costs,
languages, service areas and attributes with their taxonomy terms nested.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, RefResolver

from socialmap.catalog import HSDS_TABLES, SCHEMA_DIR, Catalog

# Back-reference fields that the nesting already says; left out of nested objects.
_BACK_REFERENCES = {
    "service_id", "location_id", "organization_id", "service_at_location_id", "contact_id", "phone_id",
    "link_id", "resource_id",
}  # fmt: skip


@cache
def schema_validator(entity: str) -> Draft202012Validator:
    """Return a validator for a full (nested) HSDS object, with `$ref`s resolved from the vendored schemas."""
    store = {}
    for path in SCHEMA_DIR.glob("*.json"):
        if path.name == "datapackage.json":
            continue
        store[path.resolve().as_uri()] = json.loads(path.read_text(encoding="utf-8"))
    schema = store[(SCHEMA_DIR / f"{entity}.json").resolve().as_uri()]
    resolver = RefResolver(
        base_uri=(SCHEMA_DIR / f"{entity}.json").resolve().as_uri(), referrer=schema, store=store
    )
    return Draft202012Validator(schema, resolver=resolver)


def _strip(row: dict[str, Any], keep: set[str] | None = None) -> dict[str, Any]:
    keep = keep or set()
    return {k: v for k, v in row.items() if k not in _BACK_REFERENCES or k in keep}


class _Tables:
    """Every HSDS table of the catalog in memory, grouped by the columns we nest on."""

    def __init__(self, catalog: Catalog) -> None:
        with catalog.engine.connect() as conn:
            self.rows = {entity: catalog.all_rows(conn, entity) for entity in HSDS_TABLES}
        self.by_id = {entity: {r["id"]: r for r in rows} for entity, rows in self.rows.items()}
        self._groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}

    def children(self, entity: str, column: str, parent_id: str) -> list[dict[str, Any]]:
        key = (entity, column)
        if key not in self._groups:
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in self.rows[entity]:
                if row.get(column):
                    grouped[row[column]].append(row)
            for rows in grouped.values():
                rows.sort(key=lambda r: r["id"])
            self._groups[key] = grouped
        return self._groups[key].get(parent_id, [])

    def phones(self, column: str, parent_id: str, only_direct: bool = False) -> list[dict[str, Any]]:
        out = []
        for phone in self.children("phone", column, parent_id):
            if only_direct and phone.get("contact_id"):
                continue
            item = _strip(phone)
            item["languages"] = [_strip(lang) for lang in self.children("language", "phone_id", phone["id"])]
            out.append(item)
        return out

    def contacts(self, column: str, parent_id: str) -> list[dict[str, Any]]:
        return [
            {**_strip(c), "phones": self.phones("contact_id", c["id"])}
            for c in self.children("contact", column, parent_id)
        ]

    def attributes(self, link_id: str) -> list[dict[str, Any]]:
        out = []
        for attr in self.children("attribute", "link_id", link_id):
            item = dict(attr)
            term = self.by_id["taxonomy_term"].get(attr.get("taxonomy_term_id", ""))
            if term is not None:
                nested = dict(term)
                detail = self.by_id["taxonomy"].get(term.get("taxonomy_id", ""))
                if detail is not None:
                    nested["taxonomy_detail"] = dict(detail)
                item["taxonomy_term"] = nested
            out.append(item)
        return out

    def metadata(self, resource_id: str) -> list[dict[str, Any]]:
        return [dict(m) for m in self.children("metadata", "resource_id", resource_id)]

    def location(self, location_id: str) -> dict[str, Any] | None:
        loc = self.by_id["location"].get(location_id)
        if loc is None:
            return None
        lid = loc["id"]
        return {
            **loc,
            "languages": [
                _strip(x) for x in self.children("language", "location_id", lid) if not x.get("phone_id")
            ],
            "addresses": [_strip(x) for x in self.children("address", "location_id", lid)],
            "contacts": self.contacts("location_id", lid),
            "accessibility": [_strip(x) for x in self.children("accessibility", "location_id", lid)],
            "phones": self.phones("location_id", lid, only_direct=True),
            "schedules": [
                _strip(x) for x in self.children("schedule", "location_id", lid) if not x.get("service_id")
            ],
            "attributes": self.attributes(lid),
            "metadata": self.metadata(lid),
        }

    def service(self, service: dict[str, Any]) -> dict[str, Any]:
        sid = service["id"]
        doc: dict[str, Any] = dict(service)
        doc["phones"] = self.phones("service_id", sid, only_direct=True)
        doc["schedules"] = [
            _strip(x)
            for x in self.children("schedule", "service_id", sid)
            if not x.get("service_at_location_id")
        ]
        doc["service_areas"] = [_strip(x) for x in self.children("service_area", "service_id", sid)]
        sals = []
        for sal in self.children("service_at_location", "service_id", sid):
            item = {
                **sal,
                "contacts": self.contacts("service_at_location_id", sal["id"]),
                "phones": self.phones("service_at_location_id", sal["id"], only_direct=True),
                "schedules": [
                    _strip(x) for x in self.children("schedule", "service_at_location_id", sal["id"])
                ],
                "attributes": self.attributes(sal["id"]),
            }
            location = self.location(sal.get("location_id", ""))
            if location is not None:
                item["location"] = location
            sals.append(item)
        doc["service_at_locations"] = sals
        doc["languages"] = [
            _strip(x) for x in self.children("language", "service_id", sid) if not x.get("phone_id")
        ]
        org = self.by_id["organization"].get(service.get("organization_id", ""))
        if org is not None:
            doc["organization"] = dict(org)
        program = self.by_id["program"].get(service.get("program_id", ""))
        if program is not None:
            doc["program"] = _strip(program)
        doc["funding"] = [_strip(x) for x in self.children("funding", "service_id", sid)]
        doc["cost_options"] = [_strip(x) for x in self.children("cost_option", "service_id", sid)]
        doc["required_documents"] = [_strip(x) for x in self.children("required_document", "service_id", sid)]
        doc["contacts"] = self.contacts("service_id", sid)
        doc["attributes"] = self.attributes(sid)
        doc["metadata"] = self.metadata(sid)
        return doc


def service_documents(catalog: Catalog) -> Iterator[dict[str, Any]]:
    """Yield every service of the catalog as a full HSDS 3.0 service object, by id."""
    tables = _Tables(catalog)
    for service in sorted(tables.rows["service"], key=lambda r: r["id"]):
        yield tables.service(service)


def validation_errors(documents: list[dict[str, Any]]) -> list[str]:
    """Return readable schema errors of exported service objects (empty when all are valid)."""
    validator = schema_validator("service")
    errors = []
    for index, doc in enumerate(documents):
        for err in validator.iter_errors(doc):
            path = "/".join(str(p) for p in err.absolute_path)
            errors.append(f"[{index}] {doc.get('id')} {path}: {err.message}")
    return errors


def write_json(documents: list[dict[str, Any]], out: Path | None) -> int:
    """Write service objects as one JSON list to `out` (or stdout); return how many were written."""
    text = json.dumps(documents, ensure_ascii=False, indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(out)  # never leave a half-written export behind
    return len(documents)


def run_export(args: argparse.Namespace) -> int:
    """Run `export`: return 0 after writing, 1 when the export would not validate."""
    catalog = Catalog(args.db)
    catalog.create_schema()
    documents = list(service_documents(catalog))
    errors = validation_errors(documents) if args.validate else []
    if errors:
        for line in errors[:50]:
            print(line, file=sys.stderr)
        print(f"Export niet geschreven: {len(errors)} schemafout(en).", file=sys.stderr)
        return 1
    count = write_json(documents, Path(args.out) if args.out else None)
    if args.out:
        print(f"{count} diensten geschreven naar {args.out}.", file=sys.stderr)
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `export` command to the CLI."""
    parser = sub.add_parser("export", help="schrijf de sociale kaart als HSDS 3.0 JSON")
    parser.add_argument("--out", help="uitvoerbestand (standaard: het scherm)")
    parser.add_argument("--db", help="database-URL (standaard uit de instellingen)")
    parser.add_argument(
        "--no-validate",
        dest="validate",
        action="store_false",
        help="sla de controle tegen het HSDS-schema over",
    )
    parser.set_defaults(func=run_export)
