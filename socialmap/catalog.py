"""The social-map catalog: HSDS 3.0 tables plus derived search tables, in SQLAlchemy Core.

The HSDS tables are generated from the vendored tabular data package
(`data/hsds_schema/datapackage.json`), so a column exists here exactly when the
standard has it, and HSDS ids (uuid strings) are the primary keys.

Search never reads the HSDS tables directly. After every import the importer
calls `Catalog.rebuild_search_index()`, which writes one `search_entry` row per
(service at location, category) with the coordinates, an integer grid cell of
`GRID_DEGREES`, the filter columns and the text a result card needs. The grid
cell index lets a radius search read a handful of cells instead of the table.
On SQLite an FTS5 table holds names and descriptions for keyword search; on
PostgreSQL keyword search falls back to `LIKE` on a lower-cased text column.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from socialmap import taxonomy
from socialmap.db import get_engine, is_sqlite

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "hsds_schema"

# 0.1 degree is about 11 km north-south and 7 km east-west in the Netherlands:
# a 10 km radius then touches about 3 x 4 cells.
GRID_DEGREES = 0.1

# Entity (resource) names in the order a parent comes before its children.
HSDS_ENTITIES: tuple[str, ...] = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "organization_identifier",
    "program",
    "service",
    "location",
    "service_at_location",
    "address",
    "accessibility",
    "contact",
    "phone",
    "language",
    "schedule",
    "cost_option",
    "service_area",
    "funding",
    "required_document",
    "attribute",
    "metadata",
    "meta_table_description",
)


@lru_cache(maxsize=1)
def datapackage() -> dict[str, Any]:
    """Return the HSDS tabular data package descriptor that ships with the package."""
    return json.loads((SCHEMA_DIR / "datapackage.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def resources() -> dict[str, dict[str, Any]]:
    """Return the data package resources by entity name ("service" -> resource)."""
    return {r["name"]: r for r in datapackage()["resources"]}


def entity_fields(entity: str) -> list[dict[str, Any]]:
    """Return the datapackage field descriptors of one HSDS entity."""
    return list(resources()[entity]["schema"]["fields"])


def numeric_fields(entity: str) -> frozenset[str]:
    """Return the names of the fields of `entity` that hold numbers."""
    return frozenset(f["name"] for f in entity_fields(entity) if f["type"] in ("number", "integer"))


metadata_obj = MetaData()


def _hsds_table(entity: str) -> Table:
    columns: list[Column[Any]] = []
    for field in entity_fields(entity):
        name = field["name"]
        if name == "id":
            columns.append(Column("id", Text, primary_key=True))
        elif field["type"] in ("number", "integer"):
            columns.append(Column(name, Float))
        else:
            # Dates and times stay ISO strings: exactly what HSDS exchanges.
            columns.append(Column(name, Text))
    table = Table(entity, metadata_obj, *columns)
    # Index every reference column; the importer and the index builder join on them.
    for field in entity_fields(entity):
        if field["name"] != "id" and field["name"].endswith("_id"):
            Index(f"ix_{entity}_{field['name']}", table.c[field["name"]])
    return table


HSDS_TABLES: dict[str, Table] = {entity: _hsds_table(entity) for entity in HSDS_ENTITIES}

# Derived: one row per (service at location, category); location-less services
# (national helplines) get one row per category with lat/lon NULL.
search_entry = Table(
    "search_entry",
    metadata_obj,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", Text, nullable=False),
    Column("service_at_location_id", Text),
    Column("location_id", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("cell", Integer),  # grid_key(lat, lon); NULL for services without a place
    Column("category", Text),
    Column("subcategories", Text, nullable=False, default="|"),  # "|coffee_morning|shared_meal|"
    Column("audiences", Text, nullable=False, default="|"),  # "|iedereen|ouderen|"
    Column("languages", Text, nullable=False, default="|"),  # "|nl|en|"
    Column("min_age", Float),
    Column("max_age", Float),
    Column("is_free", Boolean, nullable=False, default=False),
    Column("min_cost", Float),
    Column("weekdays", Integer, nullable=False, default=0),  # bit d set = has a session on weekday d
    # Normalised municipality whose residents alone may use it ("coevorden"), or "" when open to all.
    Column("residents_of", Text, nullable=False, default=""),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("organization", Text, nullable=False, default=""),
    Column("location_name", Text, nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("town", Text, nullable=False, default=""),
    Column("municipality", Text, nullable=False, default=""),
    Column("phone", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("website", Text, nullable=False, default=""),
    Column("cost_text", Text, nullable=False, default=""),
    Column("schedules", Text, nullable=False, default="[]"),  # JSON list of HSDS schedule objects
    Column("search_text", Text, nullable=False, default=""),  # lower-cased, for the LIKE fallback
)
Index("ix_search_entry_cell", search_entry.c.category, search_entry.c.cell)
Index("ix_search_entry_cell_any", search_entry.c.cell)
Index("ix_search_entry_service", search_entry.c.service_id)

FTS_TABLE = "service_fts"
_VOCABULARY: dict[tuple[str, tuple[Any, ...]], frozenset[str]] = {}


def grid_cell(lat: float, lon: float) -> tuple[int, int]:
    """Return the (row, column) integer grid cell of a coordinate."""
    return math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)


def cell_key(row: int, column: int) -> int:
    """Return one positive integer for a grid cell, so a search can ask `cell IN (...)` on one index."""
    return (row + 1000) * 10000 + (column + 2000)


def grid_key(lat: float, lon: float) -> int:
    """Return the grid cell key of a coordinate."""
    return cell_key(*grid_cell(lat, lon))


def valid_coordinates(lat: Any, lon: Any) -> bool:
    """Return True when lat/lon are numbers inside the WGS84 range."""
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        return False
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0 and math.isfinite(lat) and math.isfinite(lon)


@dataclass(frozen=True)
class TermInfo:
    """A taxonomy term of our own taxonomies, resolved to its kind and code."""

    kind: str  # "category" | "subcategory" | "audience"
    code: str


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bar(values: Iterable[str]) -> str:
    """Return the codes as "|a|b|", so `LIKE '%|a|%'` matches one code exactly."""
    unique = sorted({v for v in values if v})
    return "|" + "|".join(unique) + ("|" if unique else "")


def format_money(amount: float) -> str:
    """Return an amount as Dutch money text, e.g. 2.5 -> '€ 2,50', 5.0 -> '€ 5'."""
    if float(amount).is_integer():
        return f"€ {int(amount)}"
    return "€ " + f"{amount:.2f}".replace(".", ",")


FREE_WORDS = ("gratis", "kosteloos", "free of charge", "geen kosten", "kost u niets", "kost niets")


def _says_free(text_: Any) -> bool:
    low = str(text_ or "").lower()
    return any(word in low for word in FREE_WORDS)


def cost_summary(
    cost_options: list[dict[str, Any]], fees_description: str | None, *, free_to_do: bool = False
) -> tuple[bool, float | None, str]:
    """Return (is_free, lowest amount, Dutch cost text) from HSDS cost options.

    Free means: no amount above zero, and an amount of 0 or a cost option / fees text that
    says free. `free_to_do` (a volunteer vacancy) is free whatever else is written.
    """
    amounts = [float(c["amount"]) for c in cost_options if c.get("amount") is not None]
    fees = (fees_description or "").strip()
    fees_say_free = _says_free(fees)
    if free_to_do or (amounts and max(amounts) <= 0):
        return True, 0.0, "gratis"
    if not amounts and any(_says_free(c.get("option")) or _says_free(c.get("amount_description")) for c in cost_options):
        return True, 0.0, "gratis"
    paid = [c for c in cost_options if c.get("amount") is not None and float(c["amount"]) > 0]
    if paid:
        cheapest = min(paid, key=lambda c: float(c["amount"]))
        text_ = format_money(float(cheapest["amount"]))
        if cheapest.get("amount_description"):
            text_ += f" {cheapest['amount_description']}"
        if len(paid) > 1:
            text_ = "vanaf " + text_
        return False, min(amounts), text_
    if fees_say_free:
        return True, 0.0, "gratis"
    return False, None, fees


def fold_words(text: str) -> str:
    """Return text as the keyword fallback searches it: lower case, no accents, words between spaces.

    It mirrors SQLite FTS5's unicode61 tokenizer with remove_diacritics, so the
    PostgreSQL fallback (`LIKE '% word%'`: a word that starts with the keyword)
    finds the same services as FTS5's prefix match.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + " ".join(re.findall(r"\w+", plain)) + " "


class Catalog:
    """The social-map database: schema, search index and read helpers."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine: Engine = engine if engine is not None else get_engine(url)

    @property
    def has_fts(self) -> bool:
        return is_sqlite(self.engine)

    def create_schema(self) -> None:
        """Create every table and index that does not exist yet (idempotent).

        `search_entry` is derived from the HSDS tables: when an older version of it
        lacks a column, it is dropped and made again (the next import fills it).
        """
        existing = inspect(self.engine)
        if existing.has_table("search_entry"):
            have = {c["name"] for c in existing.get_columns("search_entry")}
            if {c.name for c in search_entry.columns} - have:
                search_entry.drop(self.engine)
        metadata_obj.create_all(self.engine)
        if self.has_fts:
            with self.engine.begin() as conn:
                conn.execute(
                    text(
                        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                        "service_id UNINDEXED, name, description, extra, "
                        "tokenize = 'unicode61 remove_diacritics 2')"
                    )
                )

    # ---------------------------------------------------------------- reading

    def count(self, entity: str) -> int:
        """Return the number of rows of an HSDS table or `search_entry`."""
        table = search_entry if entity == "search_entry" else HSDS_TABLES[entity]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def get(self, entity: str, record_id: str) -> dict[str, Any] | None:
        """Return one HSDS row as a dict without NULL fields, or None."""
        table = HSDS_TABLES[entity]
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
        return _clean(row) if row is not None else None

    def ids(self, entity: str) -> list[str]:
        """Return every id of an HSDS table, sorted."""
        table = HSDS_TABLES[entity]
        with self.engine.connect() as conn:
            return list(conn.execute(select(table.c.id).order_by(table.c.id)).scalars())

    def rows(self, conn: Connection, entity: str, column: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """Return the rows of `entity` whose `column` is in `values` (chunked IN queries)."""
        table = HSDS_TABLES[entity]
        out: list[dict[str, Any]] = []
        for chunk in _chunks(list(values)):
            out.extend(
                _clean(r) for r in conn.execute(select(table).where(table.c[column].in_(chunk))).mappings()
            )
        return out

    def all_rows(self, conn: Connection, entity: str) -> list[dict[str, Any]]:
        """Return every row of one HSDS table as dicts without NULL fields."""
        return [_clean(r) for r in conn.execute(select(HSDS_TABLES[entity])).mappings()]

    def schedules_for(
        self, service_id: str, service_at_location_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the HSDS schedules that apply to a service (at one location, if given)."""
        with self.engine.connect() as conn:
            rows = self.rows(conn, "schedule", "service_id", [service_id])
            if service_at_location_id:
                rows += self.rows(conn, "schedule", "service_at_location_id", [service_at_location_id])
        return _applicable_schedules(rows, service_at_location_id)

    def service_entries(self, service_id: str) -> list[dict[str, Any]]:
        """Return the search entries of one service (what a result card shows)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(search_entry).where(search_entry.c.service_id == service_id)
            ).mappings()
            return [dict(r) for r in rows]

    # ------------------------------------------------------------ words

    def vocabulary(self) -> frozenset[str]:
        """Return every folded word of the services' names, descriptions and labels (cached per index)."""
        with self.engine.connect() as conn:
            stamp = tuple(conn.execute(text("SELECT COUNT(*), MAX(id) FROM search_entry")).one())
            key = (str(self.engine.url), stamp)
            cached = _VOCABULARY.get(key)
            if cached is not None:
                return cached
            words: set[str] = set()
            for (search_text,) in conn.execute(text("SELECT DISTINCT search_text FROM search_entry")):
                words.update(search_text.split())
        vocabulary = frozenset(w for w in words if len(w) > 2 and not w.isdigit())
        _VOCABULARY.clear()
        _VOCABULARY[key] = vocabulary
        return vocabulary

    def services_matching(self, alternatives: Sequence[Sequence[str]], *, in_names: bool) -> set[str]:
        """Return the ids of services where any word starts with one of the alternatives.

        `alternatives` holds, per wish word, the prefixes that stand for it ("dans",
        "dansles"). With `in_names` only the name, the organisation and the labels
        count (the service is about it); otherwise the description counts too.
        """
        prefixes = sorted({fold_words(p).strip() for group in alternatives for p in group} - {""})
        if not prefixes:
            return set()
        with self.engine.connect() as conn:
            if self.has_fts:
                expression = " OR ".join(f'"{p}"*' for p in prefixes)
                if in_names:
                    expression = "{name extra} : (" + expression + ")"
                rows = conn.execute(
                    text(f"SELECT service_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"), {"q": expression}
                )
                return {r[0] for r in rows}
            column = "name" if in_names else "search_text"
            conds = " OR ".join(f"lower({column}) LIKE :p{i} OR lower({column}) LIKE :s{i}" for i in range(len(prefixes)))
            params: dict[str, Any] = {}
            for index, prefix in enumerate(prefixes):
                params[f"p{index}"] = f"% {prefix}%"
                params[f"s{index}"] = f"{prefix}%"
            rows = conn.execute(text(f"SELECT DISTINCT service_id FROM search_entry WHERE {conds}"), params)
            return {r[0] for r in rows}

    # ------------------------------------------------------------ the index

    def rebuild_search_index(self, conn: Connection) -> int:
        """Recompute `search_entry` (and FTS) from the HSDS tables; return the number of entries.

        Runs inside the caller's transaction, so an import and its index change
        together or not at all.
        """
        entries, fts_rows = build_search_rows(self, conn)
        conn.execute(delete(search_entry))
        for chunk in _chunks(entries, 2000):
            conn.execute(insert(search_entry), list(chunk))
        if is_sqlite(conn.engine):
            conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
            for chunk in _chunks(fts_rows, 2000):
                conn.execute(
                    text(
                        f"INSERT INTO {FTS_TABLE}(service_id, name, description, extra) VALUES (:s, :n, :d, :e)"
                    ),
                    list(chunk),
                )
        return len(entries)


def _clean(row: Any) -> dict[str, Any]:
    """Return a row mapping as a dict without NULLs, with whole floats turned into ints."""
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def _applicable_schedules(
    rows: list[dict[str, Any]], service_at_location_id: str | None
) -> list[dict[str, Any]]:
    """Return the schedules of a service at one location.

    Schedules tied to this service-at-location win; otherwise the service-wide
    schedules without another service-at-location apply.
    """
    unique = {r["id"]: r for r in rows}.values()
    specific = [
        r
        for r in unique
        if service_at_location_id and r.get("service_at_location_id") == service_at_location_id
    ]
    if specific:
        return sorted(specific, key=lambda r: r["id"])
    return sorted((r for r in unique if not r.get("service_at_location_id")), key=lambda r: r["id"])


def _term_lookup(catalog: Catalog, conn: Connection) -> dict[str, TermInfo]:
    """Return our own taxonomy terms by term id, resolved to category/subcategory/audience codes.

    A term belongs to a taxonomy when its `taxonomy` text, its `taxonomy_id`, or
    the name of the taxonomy row it points to is "sociale-kaart" / "doelgroep".
    """
    taxonomy_names = {t["id"]: t.get("name", "") for t in catalog.all_rows(conn, "taxonomy")}
    lookup: dict[str, TermInfo] = {}
    for term in catalog.all_rows(conn, "taxonomy_term"):
        owners = {
            term.get("taxonomy"),
            term.get("taxonomy_id"),
            taxonomy_names.get(term.get("taxonomy_id", "")),
        }
        code = str(term.get("code") or "")
        if taxonomy.CATEGORY_TAXONOMY_ID in owners:
            if code in taxonomy.CATEGORIES:
                lookup[term["id"]] = TermInfo("category", code)
            elif code in taxonomy.SUBCATEGORIES:
                lookup[term["id"]] = TermInfo("subcategory", code)
        elif taxonomy.AUDIENCE_TAXONOMY_ID in owners and code in taxonomy.AUDIENCES:
            lookup[term["id"]] = TermInfo("audience", code)
    return lookup


def _weekday_mask(schedules: list[dict[str, Any]]) -> int:
    from socialmap.schedule import weekdays_of

    mask = 0
    for row in schedules:
        for day in weekdays_of(row):
            mask |= 1 << day
    return mask


_GEMEENTE_PREFIX = re.compile(r"^(gemeente|gem\.?)\s+", re.IGNORECASE)
# Words in a service area or eligibility text that make a service one for residents only.
_RESIDENTS_ONLY = re.compile(r"alleen voor inwoners|voor inwoners van de gemeente|only for residents", re.IGNORECASE)


def municipality_key(name: str) -> str:
    """Return the comparison key of a municipality name: "Gemeente De Wolden" -> "de wolden"."""
    folded = fold_words(_GEMEENTE_PREFIX.sub("", name.strip()))
    return folded.strip()


def residents_of(
    service: dict[str, Any],
    areas: list[dict[str, Any]],
    organization: dict[str, Any],
    subcategories: set[str],
    municipalities: frozenset[str],
) -> str:
    """Return the municipality key whose residents alone may use this service, or "".

    HSDS `service_area` names where a service is available; that alone does not
    make it residents-only (a coffee morning welcomes anyone nearby). A service is
    for one municipality's residents when a service area names that municipality
    and the municipality itself offers it ("Gemeente Coevorden"), or it is a
    municipal scheme (taxonomy.MUNICIPAL_SCHEMES), or the area or eligibility text
    says so ("Alleen voor inwoners van de gemeente ...").
    """
    named = [municipality_key(str(a.get("name") or "")) for a in areas]
    named = [key for key in named if key in municipalities]
    if not named:
        return ""
    org_key = municipality_key(str(organization.get("name") or "")) if _GEMEENTE_PREFIX.match(
        str(organization.get("name") or "")
    ) else ""
    texts = [str(a.get("description") or "") for a in areas] + [str(service.get("eligibility_description") or "")]
    for key in named:
        if org_key == key or subcategories & taxonomy.MUNICIPAL_SCHEMES:
            return key
        if any(_RESIDENTS_ONLY.search(t) for t in texts):
            return key
    return ""


def _address_text(address: dict[str, Any] | None) -> tuple[str, str, str]:
    """Return (address line, town, municipality) of an HSDS address."""
    if not address:
        return "", "", ""
    street = " ".join(str(address.get(k, "")).strip() for k in ("address_1",) if address.get(k))
    town = str(address.get("city", "")).strip()
    place = " ".join(p for p in (str(address.get("postal_code", "")).strip(), town) if p)
    line = ", ".join(p for p in (street, place) if p)
    # HSDS has no municipality field; we keep it in `region` (the demo package does too).
    municipality = str(address.get("region") or town).strip()
    return line, town, municipality


def build_search_rows(
    catalog: Catalog, conn: Connection
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (search_entry rows, FTS rows) computed from the HSDS tables."""
    terms = _term_lookup(catalog, conn)
    organizations = {o["id"]: o for o in catalog.all_rows(conn, "organization")}
    locations = {loc["id"]: loc for loc in catalog.all_rows(conn, "location")}

    def group(entity: str, key: str) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in catalog.all_rows(conn, entity):
            if row.get(key):
                grouped[row[key]].append(row)
        return grouped

    addresses = group("address", "location_id")
    sals = group("service_at_location", "service_id")
    costs = group("cost_option", "service_id")
    schedules_by_service = group("schedule", "service_id")
    schedules_by_sal = group("schedule", "service_at_location_id")
    phones_by_service = group("phone", "service_id")
    phones_by_location = group("phone", "location_id")
    phones_by_org = group("phone", "organization_id")
    languages = group("language", "service_id")
    attributes = group("attribute", "link_id")
    areas = group("service_area", "service_id")
    from socialmap.geo import MUNICIPALITIES  # local: geo is only needed while indexing

    municipality_keys = frozenset(municipality_key(m) for m in MUNICIPALITIES)

    entries: list[dict[str, Any]] = []
    fts_rows: list[dict[str, Any]] = []
    for service in catalog.all_rows(conn, "service"):
        if service.get("status", "active") != "active":
            continue
        sid = service["id"]
        categories: set[str] = set()
        subcategories: set[str] = set()
        audiences: set[str] = set()
        for attr in attributes.get(sid, []):
            info = terms.get(attr.get("taxonomy_term_id", ""))
            if info is None:
                continue
            if info.kind == "category":
                categories.add(info.code)
            elif info.kind == "subcategory":
                subcategories.add(info.code)
                categories.add(taxonomy.category_of(info.code))
            else:
                audiences.add(info.code)
        org = organizations.get(service.get("organization_id", ""), {})
        # Volunteering costs the volunteer nothing, whatever the cost rows say.
        is_free, min_cost, cost_text = cost_summary(
            costs.get(sid, []),
            service.get("fees_description"),
            free_to_do="volunteer_vacancy" in subcategories,
        )
        langs = {
            str(lang.get("code", "")).lower() for lang in languages.get(sid, []) if lang.get("code")
        } or {"nl"}
        phone = next(iter(phones_by_service.get(sid, [])), None)
        base = {
            "service_id": sid,
            "subcategories": _bar(subcategories),
            "audiences": _bar(audiences),
            "languages": _bar(langs),
            "min_age": service.get("minimum_age"),
            "max_age": service.get("maximum_age"),
            "is_free": is_free,
            "min_cost": min_cost,
            "name": service.get("name", ""),
            "description": service.get("description", ""),
            "organization": org.get("name", ""),
            "email": service.get("email") or org.get("email", ""),
            "website": service.get("url") or org.get("website", ""),
            "cost_text": cost_text,
            "residents_of": residents_of(service, areas.get(sid, []), org, subcategories, municipality_keys),
        }
        extra = " ".join(
            [org.get("name", ""), service.get("alternate_name", "")]
            + [taxonomy.label(c) for c in sorted(categories | subcategories | audiences)]
        )
        fts_rows.append({"s": sid, "n": base["name"], "d": base["description"], "e": extra})
        search_text = fold_words(" ".join([base["name"], base["description"], extra]))

        placed: list[dict[str, Any]] = []
        unplaceable = False
        for sal in sals.get(sid, []):
            loc = locations.get(sal.get("location_id", ""))
            if loc is None or loc.get("location_type") == "virtual":
                continue
            if not valid_coordinates(loc.get("latitude"), loc.get("longitude")):
                # A physical place without usable coordinates cannot be ranked by
                # distance; the importer has warned about it.
                unplaceable = True
                continue
            lat, lon = float(loc["latitude"]), float(loc["longitude"])
            line, town, municipality = _address_text(next(iter(addresses.get(loc["id"], [])), None))
            sal_schedules = _applicable_schedules(
                schedules_by_sal.get(sal["id"], []) + schedules_by_service.get(sid, []), sal["id"]
            )
            loc_phone = phone or next(iter(phones_by_location.get(loc["id"], [])), None)
            placed.append(
                {
                    **base,
                    "service_at_location_id": sal["id"],
                    "location_id": loc["id"],
                    "lat": lat,
                    "lon": lon,
                    "cell": grid_key(lat, lon),
                    "location_name": loc.get("name", ""),
                    "address": line,
                    "town": town,
                    "municipality": municipality,
                    "phone": _phone_text(
                        loc_phone or next(iter(phones_by_org.get(org.get("id", ""), [])), None)
                    ),
                    "weekdays": _weekday_mask(sal_schedules),
                    "schedules": json.dumps(sal_schedules, ensure_ascii=False),
                    "search_text": search_text,
                }
            )
        if not placed and not unplaceable:
            # National lines often hang their hours on a virtual service-at-location.
            virtual_rows: list[dict[str, Any]] = []
            for sal in sals.get(sid, []):
                virtual_rows += schedules_by_sal.get(sal["id"], [])
            service_schedules = sorted(
                {r["id"]: r for r in virtual_rows}.values(), key=lambda r: r["id"]
            ) or _applicable_schedules(schedules_by_service.get(sid, []), None)
            placed.append(
                {
                    **base,
                    "service_at_location_id": None,
                    "location_id": None,
                    "lat": None,
                    "lon": None,
                    "cell": None,
                    "location_name": "",
                    "address": "",
                    "town": "",
                    "municipality": "",
                    "phone": _phone_text(phone or next(iter(phones_by_org.get(org.get("id", ""), [])), None)),
                    "weekdays": _weekday_mask(service_schedules),
                    "schedules": json.dumps(service_schedules, ensure_ascii=False),
                    "search_text": search_text,
                }
            )
        for entry in placed:
            # A service without one of our categories is still findable by keyword or filter.
            category_codes: list[str | None] = [*sorted(categories)] or [None]
            for category in category_codes:
                entries.append({**entry, "category": category})
    return entries, fts_rows


def _phone_text(phone: dict[str, Any] | None) -> str:
    if not phone:
        return ""
    number = str(phone.get("number", "")).strip().strip('"')
    return number
