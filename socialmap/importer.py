"""Import HSDS 3.0 data into the catalog: tabular packages (CSV) and JSON documents.

`python -m socialmap import PATH [PATH ...]` takes
- a directory with an HSDS tabular data package (CSV tables + datapackage.json),
  or a single CSV table named as in HSDS (`services.csv`);
- HSDS JSON: one object (service, organization, location, service_at_location,
  taxonomy, taxonomy_term), a list of them, a paginated API answer
  (`{"contents": [...]}`), or the tabular JSON form (`{"services.csv": [...]}`).

Every record is checked against the vendored HSDS JSON schemas and the data
package column types, references between records are resolved, and only when
nothing is wrong are all records upserted by id in one transaction, together
with the rebuilt search index. An operator gets every problem at once, as
file, row, field and reason, so one round of fixing is enough.

Problems come in two kinds. Errors stop the import: broken files, missing
required columns, wrong types, unknown ids where the link matters for the
social map. Warnings let it pass: links the social map does not use (a parent
organization we do not have) and coordinates outside the WGS84 range (the
location is kept but not put on the map). `--strict` turns warnings into errors.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import time as _time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from jsonschema import Draft202012Validator
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from socialmap.catalog import (
    HSDS_ENTITIES,
    HSDS_TABLES,
    SCHEMA_DIR,
    Catalog,
    entity_fields,
    numeric_fields,
    resources,
    valid_coordinates,
)
from socialmap.settings import PACKAGE_DATA

DEMO_PACKAGE = PACKAGE_DATA / "demo"

ENTITY_LABELS_NL = {
    "organization": "organisaties", "service": "diensten", "location": "locaties",
    "service_at_location": "diensten op locatie", "address": "adressen", "phone": "telefoonnummers",
    "schedule": "roosters", "cost_option": "kosten", "taxonomy": "taxonomieën",
    "taxonomy_term": "taxonomietermen", "attribute": "kenmerken", "contact": "contactpersonen",
    "language": "talen", "accessibility": "toegankelijkheid", "service_area": "werkgebieden",
    "funding": "financiering", "program": "programma's", "required_document": "benodigde documenten",
    "organization_identifier": "organisatienummers", "metadata": "wijzigingsregels",
    "meta_table_description": "tabelbeschrijvingen",
}  # fmt: skip

# Nested arrays in HSDS JSON: parent entity -> key -> (child entity, field on the child that points back).
NESTED_LISTS: dict[str, dict[str, tuple[str, str]]] = {
    "organization": {
        "funding": ("funding", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "phones": ("phone", "organization_id"),
        "locations": ("location", "organization_id"),
        "programs": ("program", "organization_id"),
        "organization_identifiers": ("organization_identifier", "organization_id"),
        "services": ("service", "organization_id"),
    },
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("language", "service_id"),
        "funding": ("funding", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "contacts": ("contact", "service_id"),
    },
    "service_at_location": {
        "contacts": ("contact", "service_at_location_id"),
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
    },
    "location": {
        "languages": ("language", "location_id"),
        "addresses": ("address", "location_id"),
        "contacts": ("contact", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
    "phone": {"languages": ("language", "phone_id")},
}
# Nested single objects: parent entity -> key -> (child entity, field on the parent that holds the child's id).
NESTED_OBJECTS: dict[str, dict[str, tuple[str, str]]] = {
    "service": {"organization": ("organization", "organization_id"), "program": ("program", "program_id")},
    "service_at_location": {"location": ("location", "location_id"), "service": ("service", "service_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
}

# References between records: (entity, field, target entity, hard). A hard
# reference that points nowhere is an error; a soft one a warning, because the
# social map does not use it and the HSDS examples themselves leave some open.
REFERENCES: tuple[tuple[str, str, str, bool], ...] = (
    ("organization", "parent_organization_id", "organization", False),
    ("organization_identifier", "organization_id", "organization", True),
    ("program", "organization_id", "organization", True),
    ("service", "organization_id", "organization", True),
    ("service", "program_id", "program", True),
    ("location", "organization_id", "organization", False),
    ("service_at_location", "service_id", "service", True),
    ("service_at_location", "location_id", "location", True),
    ("address", "location_id", "location", True),
    ("accessibility", "location_id", "location", True),
    ("contact", "organization_id", "organization", False),
    ("contact", "service_id", "service", False),
    ("contact", "service_at_location_id", "service_at_location", False),
    ("contact", "location_id", "location", False),
    ("phone", "location_id", "location", True),
    ("phone", "service_id", "service", True),
    ("phone", "organization_id", "organization", True),
    ("phone", "contact_id", "contact", True),
    ("phone", "service_at_location_id", "service_at_location", True),
    ("language", "service_id", "service", True),
    ("language", "location_id", "location", True),
    ("language", "phone_id", "phone", True),
    ("schedule", "service_id", "service", True),
    ("schedule", "location_id", "location", True),
    ("schedule", "service_at_location_id", "service_at_location", True),
    ("cost_option", "service_id", "service", True),
    ("service_area", "service_id", "service", True),
    ("funding", "organization_id", "organization", True),
    ("funding", "service_id", "service", True),
    ("required_document", "service_id", "service", True),
    ("attribute", "taxonomy_term_id", "taxonomy_term", True),
    ("taxonomy_term", "parent_id", "taxonomy_term", False),
    ("taxonomy_term", "taxonomy_id", "taxonomy", False),
    ("metadata", "resource_id", "*", False),
)

_TIME = re.compile(r"^([01]\d|2[0-4]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$")


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is and what is wrong."""

    file: str
    row: int | str | None
    field: str | None
    reason: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rij {self.row}" if isinstance(self.row, int) else str(self.row))
        if self.field:
            where.append(f"veld {self.field}")
        kind = "fout" if self.severity == "error" else "waarschuwing"
        return f"{', '.join(where)}: {kind}: {self.reason}"


@dataclass
class Record:
    """One flat HSDS row read from a file, with where it came from."""

    entity: str
    data: dict[str, Any]
    file: str
    row: int | str


@dataclass
class ImportReport:
    """What an import did (counts) or why it did nothing (errors)."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    search_entries: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class ImportFailed(Exception):
    """Raised by `import_paths(..., raise_on_error=True)`; carries the report."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} fout(en) in de invoer")
        self.report = report


# ----------------------------------------------------------------- schemas


@cache
def _validator(entity: str) -> Draft202012Validator:
    """Return the JSON Schema validator of one HSDS entity (flat: nested parts are checked as their own records)."""
    schema = json.loads((SCHEMA_DIR / f"{entity}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


@cache
def _field_types(entity: str) -> dict[str, str]:
    return {f["name"]: f["type"] for f in entity_fields(entity)}


@cache
def _required_columns(entity: str) -> tuple[str, ...]:
    return tuple(f["name"] for f in entity_fields(entity) if f.get("constraints", {}).get("required"))


def _format_problem(kind: str, value: Any) -> str | None:
    """Return why `value` is not a valid datapackage date/time/datetime, or None when it is."""
    text_value = str(value)
    try:
        if kind == "date":
            date.fromisoformat(text_value[:10])
            if len(text_value) > 10 and text_value[10] not in "T ":
                raise ValueError
        elif kind == "datetime":
            datetime.fromisoformat(text_value.replace("Z", "+00:00"))
        elif kind == "time":
            if not _TIME.match(text_value):
                raise ValueError
        return None
    except ValueError:
        example = {"date": "2024-05-31", "datetime": "2024-05-31T10:00:00", "time": "10:00"}[kind]
        return (
            f"'{text_value}' is geen geldige {'datum' if kind == 'date' else 'tijd'} (voorbeeld: {example})"
        )


def check_record(record: Record) -> list[Issue]:
    """Return the schema and type problems of one flat record."""
    issues: list[Issue] = []
    validator = _validator(record.entity)
    if not validator.is_valid(record.data):
        for err in sorted(validator.iter_errors(record.data), key=lambda e: list(e.path)):
            fieldname = ".".join(str(p) for p in err.path) or None
            if err.validator == "required":
                missing = re.findall(r"'([^']+)' is a required property", err.message)
                fieldname = missing[0] if missing else fieldname
                reason = "verplicht veld ontbreekt of is leeg"
            elif err.validator == "type":
                reason = f"verwacht {_type_nl(err.validator_value)}, gekregen {err.instance!r}"
            elif err.validator == "enum":
                reason = f"'{err.instance}' is niet toegestaan; kies uit {', '.join(map(str, err.validator_value))}"
            else:
                reason = err.message
            issues.append(Issue(record.file, record.row, fieldname, reason))
    types = _field_types(record.entity)
    for name, value in record.data.items():
        kind = types.get(name)
        if kind in ("date", "datetime", "time") and isinstance(value, str):
            problem = _format_problem(kind, value)
            if problem:
                issues.append(Issue(record.file, record.row, name, problem))
    data = record.data
    if record.entity == "service":
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
            issues.append(
                Issue(record.file, record.row, "minimum_age", "minimum_age is hoger dan maximum_age")
            )
    return issues


def _type_nl(value: Any) -> str:
    names = {"string": "tekst", "number": "een getal", "integer": "een geheel getal", "array": "een lijst",
             "object": "een object", "boolean": "waar/onwaar"}  # fmt: skip
    if isinstance(value, list):
        return " of ".join(names.get(str(v), str(v)) for v in value)
    return names.get(value, str(value))


# ----------------------------------------------------------------- reading


class Reader:
    """Reads input files into flat records, collecting every problem instead of stopping."""

    def __init__(self, entity_hint: str | None = None) -> None:
        self.records: list[Record] = []
        self.issues: list[Issue] = []
        self.entity_hint = entity_hint

    def error(self, file: str, row: int | str | None, fieldname: str | None, reason: str) -> None:
        self.issues.append(Issue(file, row, fieldname, reason, "error"))

    def warn(self, file: str, row: int | str | None, fieldname: str | None, reason: str) -> None:
        self.issues.append(Issue(file, row, fieldname, reason, "warning"))

    def read(self, path: Path) -> None:
        """Read one path: a package directory, a CSV table or a JSON document."""
        if path.is_dir():
            self.read_package(path)
        elif not path.exists():
            self.error(str(path), None, None, "bestand of map bestaat niet")
        elif path.suffix.lower() == ".csv":
            entity = _entity_for_csv(path.name)
            if entity is None:
                self.error(
                    str(path), None, None, f"onbekende HSDS-tabel '{path.name}' (bijvoorbeeld services.csv)"
                )
            else:
                self.read_csv(path, entity)
        elif path.suffix.lower() == ".json":
            self.read_json(path)
        else:
            self.error(
                str(path), None, None, "alleen een map, een .csv- of een .json-bestand kan worden ingelezen"
            )

    # ---- tabular package

    def _descriptor(self, directory: Path) -> dict[str, str]:
        """Return entity -> file path for a package directory, from its datapackage.json if readable."""
        defaults = {name: res["path"] for name, res in resources().items()}
        descriptor_path = directory / "datapackage.json"
        if not descriptor_path.exists():
            return defaults
        raw = descriptor_path.read_bytes()
        try:
            descriptor = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            # Git checks a symlink out as a one-line file holding its target on
            # systems without symlinks; the HSDS example package has one.
            target = (directory / raw.decode("utf-8", "replace").strip()).resolve()
            if len(raw) < 500 and target.is_file():
                try:
                    descriptor = json.loads(target.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    descriptor = None
            else:
                descriptor = None
            if descriptor is None:
                self.warn(
                    str(descriptor_path),
                    None,
                    None,
                    "geen geldige JSON; de standaard HSDS-bestandsnamen worden gebruikt",
                )
                return defaults
        mapping: dict[str, str] = {}
        for resource in descriptor.get("resources", []) if isinstance(descriptor, dict) else []:
            name, rel = resource.get("name"), resource.get("path")
            if name in HSDS_TABLES and isinstance(rel, str):
                mapping[name] = rel
            elif name:
                self.warn(
                    str(descriptor_path), None, "resources", f"onbekende tabel '{name}' wordt overgeslagen"
                )
        return mapping or defaults

    def read_package(self, directory: Path) -> None:
        mapping = self._descriptor(directory)
        used = set()
        for entity in HSDS_ENTITIES:
            rel = mapping.get(entity)
            if rel is None:
                continue
            path = directory / rel
            if path.is_file():
                used.add(path.resolve())
                self.read_csv(path, entity)
        for extra in sorted(directory.glob("*.csv")):
            if extra.resolve() not in used:
                self.warn(str(extra), None, None, "geen HSDS-tabel in dit pakket; overgeslagen")
        if not used:
            self.error(str(directory), None, None, "geen HSDS-tabellen gevonden (bijvoorbeeld services.csv)")

    def read_csv(self, path: Path, entity: str) -> None:
        name = str(path)
        raw = path.read_bytes()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.error(
                name,
                line,
                None,
                f"het bestand is geen UTF-8 (byte 0x{raw[exc.start]:02x} op regel {line}); "
                "sla het op als 'CSV UTF-8' en lees het opnieuw in",
            )
            return
        if not content.strip():
            self.error(name, None, None, "het bestand is leeg")
            return
        first_line = content.split("\n", 1)[0]
        # Dutch spreadsheet programs write ';' as the separator.
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except csv.Error as exc:
            self.error(name, 1, None, f"kopregel niet te lezen: {exc}")
            return
        known = set(_field_types(entity))
        for missing in [c for c in _required_columns(entity) if c not in header]:
            self.error(name, 1, missing, "verplichte kolom ontbreekt")
        for column in header:
            if column not in known:
                self.warn(name, 1, column or "(leeg)", "onbekende kolom; wordt genegeerd")
        dupes = {c for c in header if header.count(c) > 1 and c}
        for column in sorted(dupes):
            self.error(name, 1, column, "kolom staat er meer dan één keer in")
        if "id" not in header:
            return
        numbers = numeric_fields(entity)
        try:
            for index, cells in enumerate(reader):
                rownum = index + 2  # spreadsheet row: the header is row 1
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    self.error(name, rownum, None, f"{len(cells)} cellen maar {len(header)} kolommen")
                    continue
                data: dict[str, Any] = {}
                for column, cell in zip(header, cells, strict=False):  # short rows: missing cells are empty
                    value = cell.strip()
                    if column not in known or value == "":
                        continue
                    if column in numbers:
                        number = _parse_number(value)
                        if number is None:
                            self.error(name, rownum, column, f"'{value}' is geen getal")
                            continue
                        data[column] = number
                    else:
                        data[column] = value
                self.records.append(Record(entity, data, name, rownum))
        except csv.Error as exc:
            self.error(name, reader.line_num, None, f"CSV niet te lezen: {exc}")

    # ---- JSON

    def read_json(self, path: Path) -> None:
        name = str(path)
        raw = path.read_bytes()
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.error(
                name, line, None, f"het bestand is geen UTF-8 (byte 0x{raw[exc.start]:02x} op regel {line})"
            )
            return
        except json.JSONDecodeError as exc:
            self.error(name, exc.lineno, None, f"geen geldige JSON: {exc.msg} (kolom {exc.colno})")
            return
        if isinstance(document, dict) and document and all(str(k).endswith(".csv") for k in document):
            self._read_tabular_json(name, document)
            return
        if isinstance(document, dict) and isinstance(document.get("contents"), list):
            items = [(f"contents[{i}]", item) for i, item in enumerate(document["contents"])]
        elif isinstance(document, list):
            items = [(f"[{i}]", item) for i, item in enumerate(document)]
        elif (
            isinstance(document, dict)
            and "id" not in document
            and ("openapi_url" in document or "version" in document)
        ):
            self.warn(name, None, None, "API-informatie (base), geen gegevens om in te lezen")
            return
        else:
            items = [("$", document)]
        hint = self.entity_hint or _entity_from_filename(path.name)
        for where, item in items:
            if not isinstance(item, dict):
                self.error(name, where, None, "verwacht een object")
                continue
            entity = hint or _detect_entity(item)
            if entity is None:
                self.error(name, where, None, "onbekend soort object; geef het type op met --type")
                continue
            self.flatten(entity, item, name, where, None)

    def _read_tabular_json(self, name: str, document: dict[str, Any]) -> None:
        for file_name, rows in document.items():
            entity = _entity_for_csv(file_name)
            if entity is None:
                self.warn(name, None, file_name, "geen HSDS-tabel; overgeslagen")
                continue
            if not isinstance(rows, list):
                self.error(name, file_name, None, "verwacht een lijst met rijen")
                continue
            known = set(_field_types(entity))
            for index, row in enumerate(rows):
                where = f"{file_name}[{index}]"
                if not isinstance(row, dict):
                    self.error(name, where, None, "verwacht een object")
                    continue
                data: dict[str, Any] = {}
                numbers = numeric_fields(entity)
                for key, value in row.items():
                    if key not in known or value is None or value == "":
                        continue
                    # The tabular JSON form mirrors CSV cells, so cells are coerced like CSV cells.
                    if key in numbers and isinstance(value, str):
                        number = _parse_number(value)
                        if number is None:
                            self.error(name, where, key, f"'{value}' is geen getal")
                            continue
                        value = number
                    elif (
                        key not in numbers and isinstance(value, (int, float)) and not isinstance(value, bool)
                    ):
                        value = str(value)
                    data[key] = value
                self.records.append(Record(entity, data, name, where))

    def flatten(
        self, entity: str, obj: dict[str, Any], file: str, where: str, link: tuple[str, str, str] | None
    ) -> str | None:
        """Add `obj` and everything nested in it as flat records; return its id.

        `link` is (field, parent id, parent entity): the field on this record that points to its parent.
        """
        known = set(_field_types(entity))
        data = {k: v for k, v in obj.items() if k in known and v is not None}
        if link is not None:
            fieldname, parent_id, parent_entity = link
            if fieldname in ("link_id", "resource_id"):
                data.setdefault(fieldname, parent_id)
                if fieldname == "link_id":
                    data.setdefault("link_type", parent_entity)
                    data.setdefault("link_entity", parent_entity)
                else:
                    data.setdefault("resource_type", parent_entity)
            else:
                data.setdefault(fieldname, parent_id)
        record_id = data.get("id") if isinstance(data.get("id"), str) else None
        for key, (child_entity, parent_field) in NESTED_OBJECTS.get(entity, {}).items():
            child = obj.get(key)
            if child is None:
                continue
            if not isinstance(child, dict):
                self.error(file, where, key, "verwacht een object")
                continue
            child_id = self.flatten(child_entity, child, file, f"{where}.{key}", None)
            if child_id:
                data.setdefault(parent_field, child_id)
        lists = dict(NESTED_LISTS.get(entity, {}))
        lists["attributes"] = ("attribute", "link_id")
        if entity != "metadata":
            lists["metadata"] = ("metadata", "resource_id")
        for key, (child_entity, back_field) in lists.items():
            children = obj.get(key)
            if children is None:
                continue
            if not isinstance(children, list):
                self.error(file, where, key, "verwacht een lijst")
                continue
            for index, child in enumerate(children):
                child_where = f"{where}.{key}[{index}]"
                if not isinstance(child, dict):
                    self.error(file, child_where, None, "verwacht een object")
                    continue
                child_link = (back_field, record_id, entity) if record_id else None
                self.flatten(child_entity, child, file, child_where, child_link)
        self.records.append(Record(entity, data, file, where))
        return record_id


def _parse_number(value: str) -> float | int | None:
    cleaned = value.replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # Dutch decimal comma
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number) if number.is_integer() and "." not in cleaned else number


def _entity_for_csv(file_name: str) -> str | None:
    base = Path(file_name).name.lower()
    for name, res in resources().items():
        if Path(res["path"]).name.lower() == base:
            return name
    return None


def _entity_from_filename(file_name: str) -> str | None:
    stem = Path(file_name).stem.lower()
    for needle, entity in (
        ("service_at_location", "service_at_location"),
        ("taxonomy_term", "taxonomy_term"),
        ("taxonom", "taxonomy"),
        ("organi", "organization"),
        ("location", "location"),
        ("locatie", "location"),
        ("service", "service"),
        ("dienst", "service"),
    ):
        if needle in stem:
            return entity
    return None


def _detect_entity(obj: dict[str, Any]) -> str | None:
    keys = set(obj)
    if keys & {"service_at_locations", "status", "cost_options", "eligibility_description"}:
        return "service"
    if keys & {"location_type", "latitude", "longitude", "addresses", "accessibility"}:
        return "location"
    if keys & {"service_id", "location_id"} or isinstance(obj.get("location"), dict):
        return "service_at_location"
    if keys & {"code", "parent_id", "taxonomy_detail", "term_uri", "taxonomy_id", "taxonomy"}:
        return "taxonomy_term"
    if keys & {"tax_status", "legal_status", "year_incorporated", "services", "locations", "programs",
               "organization_identifiers", "parent_organization_id", "website", "logo"}:  # fmt: skip
        return "organization"
    if "name" in keys and keys & {"version", "uri"}:
        return "taxonomy"
    return None


# ----------------------------------------------------------------- checking


def merge_records(records: list[Record]) -> tuple[dict[tuple[str, str], Record], list[Issue]]:
    """Return the records by (entity, id), merging JSON repeats; CSV duplicates are errors."""
    merged: dict[tuple[str, str], Record] = {}
    issues: list[Issue] = []
    for record in records:
        record_id = record.data.get("id")
        if not isinstance(record_id, str) or not record_id.strip():
            continue  # reported by the schema check
        key = (record.entity, record_id)
        existing = merged.get(key)
        if existing is None:
            merged[key] = record
        elif isinstance(record.row, int) and existing.file == record.file:
            issues.append(
                Issue(record.file, record.row, "id", f"id {record_id} staat ook in rij {existing.row}")
            )
        else:
            # The same object nested twice (a language under a location and under its phone):
            # keep the first values and fill in what the repeat adds.
            for k, v in record.data.items():
                existing.data.setdefault(k, v)
    return merged, issues


def check_references(merged: dict[tuple[str, str], Record], conn: Connection | None) -> list[Issue]:
    """Return errors/warnings for references to ids that are neither in the input nor in the catalog."""
    incoming: dict[str, set[str]] = defaultdict(set)
    for entity, record_id in merged:
        incoming[entity].add(record_id)
    wanted: dict[str, set[str]] = defaultdict(set)
    checks: list[tuple[Record, str, str, str, bool]] = []
    for record in merged.values():
        for entity, fieldname, target, hard in REFERENCES:
            if record.entity != entity:
                continue
            value = record.data.get(fieldname)
            if not isinstance(value, str) or not value:
                continue
            if target == "*":
                target = str(record.data.get("resource_type", ""))
                if target not in HSDS_TABLES:
                    continue
            checks.append((record, fieldname, target, value, hard))
            if value not in incoming[target]:
                wanted[target].add(value)
        if record.entity == "attribute":
            link_type = str(record.data.get("link_type") or record.data.get("link_entity") or "")
            link_id = record.data.get("link_id")
            if isinstance(link_id, str) and link_id:
                if link_type in HSDS_TABLES:
                    checks.append((record, "link_id", link_type, link_id, True))
                    if link_id not in incoming[link_type]:
                        wanted[link_type].add(link_id)
                else:
                    checks.append((record, "link_type", "", link_type, False))
    existing: dict[str, set[str]] = defaultdict(set)
    if conn is not None:
        for target, values in wanted.items():
            table = HSDS_TABLES[target]
            ids = sorted(values)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                existing[target].update(
                    conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars()
                )
    issues: list[Issue] = []
    for record, fieldname, target, value, hard in checks:
        if fieldname == "link_type":
            issues.append(
                Issue(
                    record.file,
                    record.row,
                    "link_type",
                    f"onbekend link_type '{value}'; dit kenmerk wordt niet gebruikt",
                    "warning",
                )
            )
            continue
        if value in incoming[target] or value in existing[target]:
            continue
        reason = f"onbekende id {value}: geen {target} met deze id in de invoer of in de database"
        issues.append(Issue(record.file, record.row, fieldname, reason, "error" if hard else "warning"))
    return issues


def check_coordinates(merged: dict[tuple[str, str], Record]) -> list[Issue]:
    """Return warnings for locations whose coordinates cannot be put on the map."""
    issues: list[Issue] = []
    for record in merged.values():
        if record.entity != "location":
            continue
        lat, lon = record.data.get("latitude"), record.data.get("longitude")
        if lat is None and lon is None:
            continue
        if lat is None or lon is None:
            missing = "latitude" if lat is None else "longitude"
            issues.append(
                Issue(
                    record.file, record.row, missing, "alleen één van latitude/longitude ingevuld", "warning"
                )
            )
        elif isinstance(lat, (int, float)) and not -90 <= lat <= 90:
            issues.append(
                Issue(
                    record.file,
                    record.row,
                    "latitude",
                    f"breedtegraad {lat} ligt buiten -90..90; locatie komt niet op de kaart",
                    "warning",
                )
            )
        elif isinstance(lon, (int, float)) and not -180 <= lon <= 180:
            issues.append(
                Issue(
                    record.file,
                    record.row,
                    "longitude",
                    f"lengtegraad {lon} ligt buiten -180..180; locatie komt niet op de kaart",
                    "warning",
                )
            )
        elif (
            isinstance(lat, (int, float))
            and isinstance(lon, (int, float))
            and not valid_coordinates(lat, lon)
        ):
            issues.append(Issue(record.file, record.row, "latitude", "ongeldige coördinaten", "warning"))
    return issues


# ----------------------------------------------------------------- writing


class Progress:
    """A plain progress bar on stderr; silent unless enabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._last = -1.0

    def update(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        fraction = min(1.0, done / total)
        if fraction < 1.0 and fraction - self._last < 0.01:
            return
        self._last = fraction
        filled = int(fraction * 30)
        self.stream.write(
            f"\r{label:<12} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} ({done}/{total})"
        )
        if fraction >= 1.0:
            self.stream.write("\n")
            self._last = -1.0
        self.stream.flush()


def _upsert(conn: Connection, entity: str, rows: Sequence[dict[str, Any]]) -> None:
    table = HSDS_TABLES[entity]
    columns = [c.name for c in table.columns]
    full = [{c: row.get(c) for c in columns} for row in rows]
    dialect = conn.engine.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        stmt = dialect_insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.id], set_={c: stmt.excluded[c] for c in columns if c != "id"}
        )
        conn.execute(stmt, full)
    else:
        conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in full])))
        conn.execute(insert(table), full)


def import_documents(
    documents: list[dict[str, Any]],
    catalog: Catalog | None = None,
    *,
    entity: str = "service",
    source: str = "<documents>",
    strict: bool = False,
) -> ImportReport:
    """Validate and import HSDS JSON objects already in memory; return the report (same rules as files)."""
    reader = Reader(entity)
    for index, document in enumerate(documents):
        reader.flatten(entity, document, source, f"[{index}]", None)
    return _import(reader, catalog or Catalog(), strict=strict, progress=Progress(False))


def import_paths(
    paths: Iterable[Path | str],
    catalog: Catalog | None = None,
    *,
    strict: bool = False,
    entity_hint: str | None = None,
    progress: Progress | None = None,
    raise_on_error: bool = False,
) -> ImportReport:
    """Validate and import HSDS files in one transaction; return the report.

    Nothing is written when any error is found (or any warning, with `strict`).
    """
    catalog = catalog or Catalog()
    reader = Reader(entity_hint)
    for path in paths:
        reader.read(Path(path))
    return _import(
        reader, catalog, strict=strict, progress=progress or Progress(False), raise_on_error=raise_on_error
    )


def _import(
    reader: Reader, catalog: Catalog, *, strict: bool, progress: Progress, raise_on_error: bool = False
) -> ImportReport:
    started = _time.perf_counter()
    catalog.create_schema()
    issues = list(reader.issues)
    total = len(reader.records)
    for index, record in enumerate(reader.records, start=1):
        issues.extend(check_record(record))
        progress.update("Controleren", index, total)
    merged, dupes = merge_records(reader.records)
    issues.extend(dupes)
    issues.extend(check_coordinates(merged))
    with catalog.engine.connect() as conn:
        issues.extend(check_references(merged, conn))
    if strict:
        issues = [Issue(i.file, i.row, i.field, i.reason, "error") for i in issues]
    report = ImportReport(
        errors=[i for i in issues if i.severity == "error"],
        warnings=[i for i in issues if i.severity == "warning"],
    )
    if report.errors:
        report.seconds = _time.perf_counter() - started
        if raise_on_error:
            raise ImportFailed(report)
        return report
    by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (entity, _id), record in merged.items():
        by_entity[entity].append(record.data)
    written = 0
    with catalog.engine.begin() as conn:
        for entity in HSDS_ENTITIES:
            rows = by_entity.get(entity, [])
            for start in range(0, len(rows), 1000):
                _upsert(conn, entity, rows[start : start + 1000])
                written += len(rows[start : start + 1000])
                progress.update("Opslaan", written, len(merged))
            if rows:
                report.counts[entity] = len(rows)
        report.search_entries = catalog.rebuild_search_index(conn)
    report.seconds = _time.perf_counter() - started
    return report


# ----------------------------------------------------------------- CLI


def summary(report: ImportReport) -> str:
    """Return a short Dutch summary of a successful import."""
    parts = [f"{n} {ENTITY_LABELS_NL.get(e, e)}" for e, n in report.counts.items()]
    return (
        f"Ingelezen: {', '.join(parts) or 'niets'}. "
        f"Zoekindex: {report.search_entries} regels. ({report.seconds:.1f} s)"
    )


def _print_report(report: ImportReport) -> int:
    for issue in report.warnings:
        print(str(issue), file=sys.stderr)
    if report.errors:
        for issue in report.errors:
            print(str(issue), file=sys.stderr)
        print(
            f"Niets ingelezen: {len(report.errors)} fout(en) gevonden. Herstel ze en lees het bestand opnieuw in.",
            file=sys.stderr,
        )
        return 1
    print(summary(report))
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Run `import`: return 0 when imported, 1 when the input has errors."""
    progress = Progress(bool(args.progress) or sys.stderr.isatty())
    report = import_paths(
        [Path(p) for p in args.paths],
        Catalog(args.db),
        strict=args.strict,
        entity_hint=args.type,
        progress=progress,
    )
    return _print_report(report)


def run_build_db(args: argparse.Namespace) -> int:
    """Run `build-db`: create the schema and import the shipped demo package."""
    catalog = Catalog(args.db)
    catalog.create_schema()
    package = Path(args.package) if args.package else DEMO_PACKAGE
    if not package.is_dir() or not any(package.glob("*.csv")):
        print(
            f"De demo-sociale kaart ontbreekt ({package}). Maak die eerst (scripts/make_demo_data.py).",
            file=sys.stderr,
        )
        return 1
    progress = Progress(bool(args.progress) or sys.stderr.isatty())
    return _print_report(import_paths([package], catalog, progress=progress))


def register_cli(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `import` and `build-db` commands to the CLI."""
    parser = sub.add_parser("import", help="lees HSDS-gegevens in (map met CSV-tabellen of JSON)")
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="map met datapackage.json en CSV, of .json/.csv"
    )
    parser.add_argument("--db", help="database-URL (standaard uit de instellingen)")
    parser.add_argument("--strict", action="store_true", help="waarschuwingen tellen als fouten")
    parser.add_argument("--progress", action="store_true", help="toon altijd een voortgangsbalk")
    parser.add_argument("--type", choices=sorted(HSDS_TABLES), help="soort object in JSON-bestanden")
    parser.set_defaults(func=run_import)

    build = sub.add_parser("build-db", help="maak de database en lees de demo-sociale kaart in")
    build.add_argument("--db", help="database-URL (standaard uit de instellingen)")
    build.add_argument("--package", help="ander HSDS-pakket dan de meegeleverde demo")
    build.add_argument("--progress", action="store_true")
    build.set_defaults(func=run_build_db)
