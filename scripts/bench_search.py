"""Benchmark of nearby search and HSDS import on a synthetic catalog of 100,000 services.

Run: `python -m scripts.bench_search [--services N] [--queries N]`. Prints one
figure per line as `name: value`:

- search_p50_ms, search_p95_ms: `search()` for the nearest 10 services with a
  category and an audience filter, over random points in the Netherlands;
- search_speedup_vs_scan: median time of the same queries answered by a naive
  full scan (every row of the category read, distance computed for each) in
  the same run, divided by the median search time; the scan also checks that
  both give the same services;
- import_rows_per_s: HSDS rows per second through the full importer
  (CSV package, schema validation, reference checks, upsert, search index);
- find_p50_ms, find_p95_ms: the whole search of one assistant turn (`advice.find`: plan, wish,
  relaxing an empty filter, groups) over random places, needs, wishes and filters on the demo map.

The synthetic catalog is written straight into the HSDS tables (the importer's
upsert, without validation) so that building 100,000 services takes seconds;
the importer itself is measured on a smaller CSV package.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from socialmap import taxonomy
from socialmap.catalog import Catalog, entity_fields, resources
from socialmap.db import dispose_all
from socialmap.geo import distance_km
from socialmap.importer import _upsert, import_paths
from socialmap.schedule import TZ
from socialmap.search import SearchQuery, _result, search, where_clauses

# The Netherlands' land box (WGS84).
LAT_RANGE = (50.75, 53.55)
LON_RANGE = (3.35, 7.20)
NS = uuid.UUID("b3c6a1d0-1111-4222-8333-444455556666")
AUDIENCE_CODES = [a for a in taxonomy.AUDIENCES if a != "iedereen"]


def _id(kind: str, n: int | str) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{n}"))


def synthetic_rows(services: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Return HSDS rows per entity for `services` services, each at its own location."""
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, Any]]] = {e: [] for e in (
        "taxonomy", "taxonomy_term", "organization", "service", "location", "service_at_location",
        "address", "schedule", "cost_option", "attribute",
    )}  # fmt: skip
    for tax_id, terms in (
        (taxonomy.CATEGORY_TAXONOMY_ID, {**taxonomy.CATEGORIES, **taxonomy.SUBCATEGORIES}),
        (taxonomy.AUDIENCE_TAXONOMY_ID, taxonomy.AUDIENCES),
    ):
        rows["taxonomy"].append({"id": _id("tax", tax_id), "name": tax_id, "description": tax_id})
        for code, term in terms.items():
            rows["taxonomy_term"].append({
                "id": _id("term", f"{tax_id}:{code}"), "code": code, "name": term.label,
                "description": term.description, "taxonomy": tax_id, "taxonomy_id": _id("tax", tax_id),
            })  # fmt: skip
    subs_by_cat: dict[str, list[str]] = {}
    for code, term in taxonomy.SUBCATEGORIES.items():
        subs_by_cat.setdefault(term.parent or "", []).append(code)
    organizations = max(1, services // 20)
    for o in range(organizations):
        rows["organization"].append(
            {"id": _id("org", o), "name": f"Organisatie {o}", "description": "Synthetisch"}
        )
    categories = list(taxonomy.CATEGORIES)
    for n in range(services):
        sid, lid = _id("svc", n), _id("loc", n)
        category = categories[n % len(categories)]
        lat, lon = rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)
        rows["service"].append({
            "id": sid, "organization_id": _id("org", n % organizations), "name": f"Activiteit {n}",
            "description": f"Synthetische activiteit {n}", "status": "active",
        })  # fmt: skip
        rows["location"].append({
            "id": lid, "location_type": "physical", "name": f"Plek {n}",
            "latitude": round(lat, 6), "longitude": round(lon, 6),
        })  # fmt: skip
        rows["service_at_location"].append({"id": _id("sal", n), "service_id": sid, "location_id": lid})
        rows["address"].append({
            "id": _id("addr", n), "location_id": lid, "address_1": f"Dorpsstraat {n % 200 + 1}", "city": "Dorp",
            "region": "Gemeente", "state_province": "NL", "postal_code": "1234 AB", "country": "NL",
            "address_type": "physical",
        })  # fmt: skip
        rows["schedule"].append({
            "id": _id("sched", n), "service_id": sid, "freq": "WEEKLY",
            "byday": ["MO", "TU", "WE", "TH", "FR", "SA"][n % 6], "opens_at": "10:00", "closes_at": "12:00",
        })  # fmt: skip
        rows["cost_option"].append({"id": _id("cost", n), "service_id": sid, "amount": [0, 0, 2.5, 5][n % 4]})
        codes = [("sociale-kaart", rng.choice(subs_by_cat[category]))]
        audiences = ["iedereen"] if rng.random() < 0.3 else rng.sample(AUDIENCE_CODES, rng.randint(1, 2))
        codes += [("doelgroep", a) for a in audiences]
        for tax_id, code in codes:
            rows["attribute"].append({
                "id": _id("attr", f"{n}:{code}"), "link_id": sid, "link_type": "service", "link_entity": "service",
                "taxonomy_term_id": _id("term", f"{tax_id}:{code}"),
            })  # fmt: skip
    return rows


def load_direct(catalog: Catalog, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write rows straight into the HSDS tables and build the search index."""
    catalog.create_schema()
    with catalog.engine.begin() as conn:
        for entity, entity_rows in rows.items():
            for start in range(0, len(entity_rows), 5000):
                _upsert(conn, entity, entity_rows[start : start + 5000])
        catalog.rebuild_search_index(conn)


def write_package(rows: dict[str, list[dict[str, Any]]], directory: Path) -> int:
    """Write rows as an HSDS tabular package (CSV files); return the number of data rows."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for entity, entity_rows in rows.items():
        fields = [f["name"] for f in entity_fields(entity)]
        with open(directory / resources()[entity]["path"], "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(entity_rows)
        count += len(entity_rows)
    return count


def naive_scan(catalog: Catalog, query: SearchQuery) -> list[str]:
    """Return the service ids of the first page the way a full scan would: every row read, all distances computed."""
    conds, params = where_clauses(query, catalog.has_fts)
    sql = "SELECT * FROM search_entry" + (" WHERE " + " AND ".join(conds) if conds else "")
    with catalog.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text(sql), params).mappings() if r["lat"] is not None]
    scored = sorted(
        ((distance_km(query.lat, query.lon, r["lat"], r["lon"]), r) for r in rows),
        key=lambda p: (p[0], p[1]["name"], p[1]["service_id"]),
    )
    for radius in (10.0, 25.0, 50.0, 100.0):
        inside = [(km, r) for km, r in scored if km <= radius]
        if len(inside) >= 3:
            break
    page = inside[: query.page_size]
    now = query.now
    assert now is not None
    return [_result(query, r, km, None, now).service_id for km, r in page]


FIND_WISHES = (None, None, "koffieochtent", "dansen", "is er ook logeeropvang?", "wandelen", "taalcafé")


def resident_search_figures(directory: Path, count: int, seed: int = 5) -> dict[str, float]:
    """Return find_p50_ms / find_p95_ms: the whole search of one assistant turn on the demo map.

    `advice.find` is what the search action calls: the plan, the wish (synonyms and
    spelling), relaxing an empty filter and the groups side by side, so one turn may
    run several searches; `search_*` above measures one `search()`.
    """
    from socialmap import advice
    from socialmap.geo import load_gazetteer
    from socialmap.importer import DEMO_PACKAGE

    catalog = Catalog(f"sqlite:///{directory / 'demo.db'}")
    catalog.create_schema()
    if not import_paths([DEMO_PACKAGE], catalog).ok:
        raise SystemExit("the demo map does not import")
    rng = random.Random(seed)
    places = [e for e in load_gazetteer().entries if e.postcodes]
    timings: list[float] = []
    for index in range(count + 20):
        place = rng.choice(places)
        started = time.perf_counter()
        advice.find(
            rng.choice(list(taxonomy.CATEGORIES)),
            place.lat,
            place.lon,
            age=rng.choice([None, None, 16, 45, 78]),
            weekday=rng.choice([None, None, "woensdag", "zondag"]),
            free_only=rng.random() < 0.3,
            message=rng.choice(FIND_WISHES),
            municipality=place.gemeente,
            catalog=catalog,
        )
        if index >= 20:  # the first ones warm the caches
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "find_p50_ms": round(statistics.median(timings), 3),
        "find_p95_ms": round(_percentile(timings, 95), 3),
    }


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print `name: value` lines and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument(
        "--scan-queries", type=int, default=200, help="queries also answered by the full scan"
    )
    parser.add_argument("--import-services", type=int, default=5_000)
    parser.add_argument("--finds", type=int, default=300, help="resident searches (advice.find) on the demo map")
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="keep SQLite connections in a QueuePool (socialmap.db uses SQLAlchemy 1.4's NullPool for SQLite files)",
    )
    args = parser.parse_args(argv)

    now = datetime(2024, 6, 3, 9, 0, tzinfo=TZ)
    rng = random.Random(42)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench_search_") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.pooled:
            engine = create_engine(
                url, future=True, poolclass=QueuePool, connect_args={"check_same_thread": False}
            )
            catalog = Catalog(engine=engine)
        else:
            catalog = Catalog(url)
        load_direct(catalog, synthetic_rows(args.services))
        queries = [
            SearchQuery(
                lat=rng.uniform(*LAT_RANGE),
                lon=rng.uniform(*LON_RANGE),
                category=rng.choice(list(taxonomy.CATEGORIES)),
                audience=rng.choice(AUDIENCE_CODES),
                page_size=10,
                now=now,
            )
            for _ in range(args.queries)
        ]
        for query in queries[:20]:  # warm the page cache and the statement cache
            search(query, catalog)
        timings: list[float] = []
        answers: list[list[str]] = []
        for query in queries:
            started = time.perf_counter()
            page = search(query, catalog)
            timings.append((time.perf_counter() - started) * 1000)
            answers.append([r.service_id for r in page.results if r.distance_km is not None])
        scan_timings: list[float] = []
        for query, expected in zip(queries[: args.scan_queries], answers, strict=False):
            started = time.perf_counter()
            found = naive_scan(catalog, query)
            scan_timings.append((time.perf_counter() - started) * 1000)
            if found != expected:
                raise SystemExit(f"search and full scan disagree for {query}: {expected} != {found}")
        figures["search_p50_ms"] = round(statistics.median(timings), 3)
        figures["search_p95_ms"] = round(_percentile(timings, 95), 3)
        search_median_subset = statistics.median(timings[: args.scan_queries])
        figures["search_speedup_vs_scan"] = round(statistics.median(scan_timings) / search_median_subset, 1)

        package = Path(tmp) / "package"
        rows = write_package(synthetic_rows(args.import_services, seed=11), package)
        import_catalog = Catalog(f"sqlite:///{Path(tmp) / 'import.db'}")
        import_catalog.create_schema()
        started = time.perf_counter()
        report = import_paths([package], import_catalog)
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise SystemExit("import failed: " + "; ".join(map(str, report.errors[:5])))
        figures["import_rows_per_s"] = round(rows / elapsed)
        figures.update(resident_search_figures(Path(tmp), args.finds))
        dispose_all()
    for name, value in figures.items():
        print(f"{name}: {value}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
