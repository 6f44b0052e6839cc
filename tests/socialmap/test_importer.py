"""Tests for socialmap.importer: every HSDS example, broken files, atomicity and idempotent upserts."""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from socialmap import importer
from socialmap.catalog import Catalog
from socialmap.importer import Progress, import_documents, import_paths

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds_examples"
JSON_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A writable copy of the HSDS example tabular package."""
    target = tmp_path / "package"
    shutil.copytree(EXAMPLES / "csv", target)
    # The example's datapackage.json is a git symlink stored as text; give the copy a real one.
    (target / "datapackage.json").write_text((Path(importer.SCHEMA_DIR) / "datapackage.json").read_text())
    return target


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def table_counts(catalog: Catalog) -> dict[str, int]:
    return {
        e: catalog.count(e)
        for e in ("organization", "service", "location", "service_at_location", "schedule", "search_entry")
    }


def test_imports_the_example_tabular_package(fresh_catalog: Catalog) -> None:
    report = import_paths([EXAMPLES / "csv"], fresh_catalog)
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts["service"] == 1 and report.counts["location"] == 1 and report.counts["schedule"] == 1
    assert fresh_catalog.get("service", "ac148810-d857-441c-9679-408f346de14b")["minimum_age"] == 12
    # The example's latitude 100 is reported, not silently used.
    assert any(w.field == "latitude" and "buiten -90..90" in w.reason for w in report.warnings)


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_imports_every_hsds_json_example(fresh_catalog: Catalog, name: str) -> None:
    report = import_paths([EXAMPLES / name], fresh_catalog)
    assert report.ok, [str(e) for e in report.errors]
    if name != "base.json":
        assert report.rows > 0


def test_full_service_example_fills_every_nested_table(fresh_catalog: Catalog) -> None:
    report = import_paths([EXAMPLES / "service_full.json"], fresh_catalog)
    assert report.ok
    for entity in (
        "organization",
        "program",
        "location",
        "address",
        "phone",
        "contact",
        "cost_option",
        "taxonomy_term",
        "attribute",
    ):
        assert report.counts.get(entity, 0) >= 1, entity
    phone = fresh_catalog.get("phone", "1554f2e2-a373-45db-a3fa-9fc48a61c15e")
    assert phone is not None and phone["extension"] == 100


def test_missing_required_column_is_reported_and_changes_nothing(
    fresh_catalog: Catalog, package: Path
) -> None:
    services = package / "services.csv"
    rows = list(csv.reader(io.StringIO(services.read_text(encoding="utf-8"))))
    index = rows[0].index("status")
    with services.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([r[:index] + r[index + 1 :] for r in rows])
    before = table_counts(fresh_catalog)
    report = import_paths([package], fresh_catalog)
    assert not report.ok
    assert any(
        e.file.endswith("services.csv") and e.row == 1 and e.field == "status" and "ontbreekt" in e.reason
        for e in report.errors
    )
    assert table_counts(fresh_catalog) == before


def test_bad_coordinates_are_errors_when_not_numbers(fresh_catalog: Catalog, package: Path) -> None:
    rewrite(package / "locations.csv", ",100,101,", ",noord,101,")
    report = import_paths([package], fresh_catalog)
    assert [(Path(e.file).name, e.row, e.field) for e in report.errors] == [("locations.csv", 2, "latitude")]
    assert fresh_catalog.count("location") == 0


def test_out_of_range_coordinates_warn_and_strict_refuses(fresh_catalog: Catalog, package: Path) -> None:
    rewrite(package / "locations.csv", ",100,101,", ",53.0,181,")
    lenient = import_paths([package], Catalog(engine=fresh_catalog.engine))
    assert lenient.ok and any(w.field == "longitude" for w in lenient.warnings)
    # The location is kept but not put on the map, and the service is not mistaken for a national line.
    assert fresh_catalog.get("location", "3a19ff88-4620-4d17-9830-ac1d859eb5d5")["longitude"] == 181
    assert fresh_catalog.service_entries("ac148810-d857-441c-9679-408f346de14b") == []
    strict = import_paths([package], fresh_catalog, strict=True)
    assert not strict.ok and any(e.field == "longitude" for e in strict.errors)


def test_unknown_foreign_id_is_an_error_with_row_and_field(fresh_catalog: Catalog, package: Path) -> None:
    rewrite(
        package / "service_at_location.csv",
        "ac148810-d857-441c-9679-408f346de14b",
        "00000000-0000-4000-8000-000000000000",
    )
    report = import_paths([package], fresh_catalog)
    errors = [(Path(e.file).name, e.row, e.field) for e in report.errors]
    assert errors == [("service_at_location.csv", 2, "service_id")]
    assert "onbekende id 00000000-0000-4000-8000-000000000000" in report.errors[0].reason
    assert fresh_catalog.count("service") == 0


def test_wrong_encoding_is_reported_with_the_line(fresh_catalog: Catalog, package: Path) -> None:
    services = package / "services.csv"
    text = services.read_text(encoding="utf-8").replace("Community Counselling", "Gespreksgroep Café")
    services.write_bytes(text.encode("cp1252"))
    report = import_paths([package], fresh_catalog)
    assert not report.ok
    error = next(e for e in report.errors if e.file.endswith("services.csv"))
    assert error.row == 2 and "UTF-8" in error.reason and "0xe9" in error.reason
    assert fresh_catalog.count("organization") == 0


def test_every_error_of_a_file_is_reported_at_once(fresh_catalog: Catalog, package: Path) -> None:
    services = package / "services.csv"
    rewrite(services, ",active,", ",open,")  # not in the enum
    rewrite(services, ",12,100,", ",twaalf,100,")  # not a number
    rewrite(package / "schedules.csv", "10:00:00", "tien uur")  # not a time
    report = import_paths([package], fresh_catalog)
    fields = sorted((Path(e.file).name, e.field) for e in report.errors)
    assert fields == [
        ("schedules.csv", "opens_at"),
        ("services.csv", "minimum_age"),
        ("services.csv", "status"),
    ]
    assert all(isinstance(e.row, int) for e in report.errors)


def test_broken_second_file_leaves_the_first_unimported(
    fresh_catalog: Catalog, package: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken_service.json"
    broken.write_text('{"id": "x1", "name": "Zonder status"}', encoding="utf-8")
    report = import_paths([package, broken], fresh_catalog)
    assert not report.ok and any(e.field == "status" for e in report.errors)
    assert table_counts(fresh_catalog)["service"] == 0


def test_reimport_is_an_idempotent_upsert(fresh_catalog: Catalog, package: Path) -> None:
    assert import_paths([package], fresh_catalog).ok
    first = table_counts(fresh_catalog)
    assert import_paths([package], fresh_catalog).ok
    assert table_counts(fresh_catalog) == first
    rewrite(package / "services.csv", "Community Counselling", "Buurtgesprekken")
    assert import_paths([package], fresh_catalog).ok
    assert table_counts(fresh_catalog) == first
    assert fresh_catalog.get("service", "ac148810-d857-441c-9679-408f346de14b")["name"] == "Buurtgesprekken"


def test_duplicate_ids_in_one_csv_are_errors(fresh_catalog: Catalog, package: Path) -> None:
    path = package / "phones.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    report = import_paths([package], fresh_catalog)
    assert [(e.row, e.field) for e in report.errors] == [(3, "id")]


def test_semicolon_separated_csv_with_decimal_comma_is_read(
    fresh_catalog: Catalog, tmp_path: Path, make_service: Any
) -> None:
    make_service("Eettafel")
    service_id = fresh_catalog.ids("service")[0]
    path = tmp_path / "cost_options.csv"
    path.write_text(
        f"id;service_id;amount;amount_description\nc-1;{service_id};2,50;per maaltijd\n", encoding="utf-8"
    )
    assert import_paths([path], fresh_catalog).ok
    assert fresh_catalog.get("cost_option", "c-1")["amount"] == 2.5


def test_json_that_is_not_json_is_reported(fresh_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text('{"id": "a", ', encoding="utf-8")
    report = import_paths([path], fresh_catalog)
    assert not report.ok and "geen geldige JSON" in report.errors[0].reason and report.errors[0].row == 1


def test_missing_path_is_reported(fresh_catalog: Catalog, tmp_path: Path) -> None:
    report = import_paths([tmp_path / "bestaat-niet.json"], fresh_catalog)
    assert not report.ok and "bestaat niet" in report.errors[0].reason


def test_import_documents_builds_search_entries(fresh_catalog: Catalog, service_doc: Any) -> None:
    report = import_documents(
        [service_doc("Koffie", subcategories=("coffee_morning",), audiences=("ouderen",))], fresh_catalog
    )
    assert report.ok and report.search_entries == 1
    entry = fresh_catalog.service_entries(fresh_catalog.ids("service")[0])[0]
    assert (
        entry["category"] == "meeting"
        and entry["subcategories"] == "|coffee_morning|"
        and entry["audiences"] == "|ouderen|"
    )
    assert entry["weekdays"] == 1 << 2 and entry["is_free"]


def test_progress_bar_writes_to_its_stream(fresh_catalog: Catalog) -> None:
    stream = io.StringIO()
    import_paths([EXAMPLES / "csv"], fresh_catalog, progress=Progress(True, stream))
    assert "Controleren" in stream.getvalue() and "100%" in stream.getvalue()


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    importer.register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_import_exit_codes_and_messages(
    catalog_url: str, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["import", str(package), "--db", catalog_url]) == 0
    assert "Ingelezen: " in capsys.readouterr().out
    rewrite(package / "locations.csv", ",100,101,", ",x,101,")
    assert run_cli(["import", str(package), "--db", catalog_url]) == 1
    err = capsys.readouterr().err
    assert "locations.csv, rij 2, veld latitude: fout:" in err and "Niets ingelezen: 1 fout(en)" in err
    assert "Traceback" not in err


def test_cli_build_db_imports_a_package_and_refuses_a_missing_one(
    catalog_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["build-db", "--db", catalog_url, "--package", str(EXAMPLES / "csv")]) == 0
    assert Catalog(catalog_url).count("service") == 1
    assert run_cli(["build-db", "--db", catalog_url, "--package", str(tmp_path / "leeg")]) == 1
    assert "ontbreekt" in capsys.readouterr().err
