"""The twelve municipalities as tenants: their files, and whose helpdesk applies to which resident."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from socialmap.geo import Gazetteer
from socialmap.settings import VERIFIABLE_KEYS, SettingsError, load_deployment
from socialmap.staff import StaffStore
from socialmap.tenants import DRENTHE, Tenants, check_report, file_name, load_tenants, slot_values

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "deployments"


@pytest.fixture(scope="module")
def tenants() -> Tenants:
    return load_tenants(FOLDER, ROOT / "deployment.yml")


def test_every_municipality_of_drenthe_has_one_settings_file(tenants: Tenants) -> None:
    assert sorted(p.name for p in FOLDER.glob("*.yml")) == sorted(file_name(m) for m in DRENTHE)
    assert tenants.names == sorted(DRENTHE)
    assert tenants.default.municipality == "Assen"


def test_the_old_single_file_is_assens_and_still_loads() -> None:
    assert (ROOT / "deployment.yml").resolve() == (FOLDER / "assen.yml").resolve()
    assert load_deployment(ROOT / "deployment.yml").contact_phone == "14 0592"


@pytest.mark.parametrize("municipality", DRENTHE)
def test_each_file_is_complete_and_says_what_is_still_unverified(tenants: Tenants, municipality: str) -> None:
    deployment = tenants.get(municipality)
    assert deployment.municipality == municipality
    assert deployment.contact_phone and deployment.contact_website.startswith("https://www.")
    assert deployment.opening_hours.days and deployment.teams and deployment.timezone == "Europe/Amsterdam"
    assert set(deployment.unverified) <= set(VERIFIABLE_KEYS)
    raw = (FOLDER / file_name(municipality)).read_text(encoding="utf-8")
    # Every unverified value is also marked on its own line, for whoever edits the file.
    for key in deployment.unverified:
        field = key.split(".")[-1]
        line = next(line for line in raw.splitlines() if line.strip().startswith(field + ":"))
        assert "UNVERIFIED" in line, (municipality, key, line)


def test_the_check_reports_every_unverified_field_and_fails(tenants: Tenants) -> None:
    report = check_report(tenants)
    assert len(report) == 12
    assert "Coevorden: nog controleren: contact.email" in report[[r.split(":")[0] for r in report].index("Coevorden")]
    assert all("contact.phone" not in r for r in report if r.startswith(("Emmen", "Coevorden", "Assen")))
    answer = subprocess.run(
        [sys.executable, "-m", "socialmap", "tenants", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert answer.returncode == 1 and "Westerveld: nog controleren: contact.phone" in answer.stdout


def test_a_missing_municipality_is_reported(tmp_path: Path) -> None:
    (tmp_path / "emmen.yml").write_text((FOLDER / "emmen.yml").read_text(encoding="utf-8"), encoding="utf-8")
    found = load_tenants(tmp_path, ROOT / "deployment.yml")
    assert found.names == ["Assen", "Emmen"]
    assert "Coevorden: geen instellingenbestand (coevorden.yml)" in check_report(found)


def test_a_file_must_be_named_after_its_municipality(tmp_path: Path) -> None:
    (tmp_path / "zuidwolde.yml").write_text((FOLDER / "de-wolden.yml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SettingsError, match="de-wolden.yml"):
        load_tenants(tmp_path, ROOT / "deployment.yml")


def test_an_unknown_unverified_key_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((FOLDER / "meppel.yml").read_text(encoding="utf-8"))
    raw["unverified"] = ["contact.fax"]
    (tmp_path / "meppel.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(SettingsError, match="unverified"):
        load_deployment(tmp_path / "meppel.yml")


def test_the_default_sites_file_wins_over_the_folders(tmp_path: Path) -> None:
    raw = yaml.safe_load((FOLDER / "assen.yml").read_text(encoding="utf-8"))
    raw["opening_hours"] = {"zaterdag": ["10:00", "12:00"]}
    (tmp_path / "deployment.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    found = load_tenants(FOLDER, tmp_path / "deployment.yml")
    assert len(found) == 12 and found.get("Assen").opening_hours.describe() == "zaterdag 10:00-12:00"


def test_every_woonplaats_of_the_gazetteer_belongs_to_one_of_the_twelve(tenants: Tenants) -> None:
    gazetteer = Gazetteer.load()
    assert len(gazetteer.entries) > 200
    for entry in gazetteer.entries:
        tenancy = tenants.resolve("Assen", entry.gemeente)
        assert tenancy.helpdesk.municipality == entry.gemeente, entry.woonplaats
    assert {e.gemeente for e in gazetteer.entries} == set(DRENTHE)


@pytest.mark.parametrize(
    ("site", "resident", "helpdesk", "other_site"),
    [
        ("Assen", "Coevorden", "Coevorden", True),  # Sleen, on Assen's site: Coevorden helps
        ("Coevorden", "Coevorden", "Coevorden", False),
        ("Emmen", None, "Emmen", False),  # place not known yet: the site's municipality
        ("Emmen", "Zwolle", "Emmen", False),  # outside the twelve: the site's municipality
        (None, "Meppel", "Meppel", True),  # no data-municipality: the default site (Assen) introduces
        ("Atlantis", None, "Assen", False),  # a name we do not serve: the default site
        ("midden drenthe", "aa en hunze", "Aa en Hunze", True),  # any spelling of the names
    ],
)
def test_whose_helpdesk_applies(
    tenants: Tenants, site: str | None, resident: str | None, helpdesk: str, other_site: bool
) -> None:
    tenancy = tenants.resolve(site, resident)
    assert tenancy.helpdesk.municipality == helpdesk
    assert tenancy.other_site is other_site


def test_the_site_decides_how_we_talk_the_place_who_helps(tenants: Tenants) -> None:
    values = slot_values(tenants.resolve("Assen", "Coevorden"))
    assert values["municipality_name"] == "Coevorden" and values["contact_phone"] == "14 0524"
    assert values["site_municipality"] == "Assen" and values["privacy_url"] == tenants.get("Assen").privacy_url


def test_retention_is_the_shortest_any_site_promised(tmp_path: Path) -> None:
    raw = yaml.safe_load((FOLDER / "tynaarlo.yml").read_text(encoding="utf-8"))
    raw["retention_days"] = 14
    (tmp_path / "tynaarlo.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_tenants(tmp_path, ROOT / "deployment.yml").retention_days == 14


def test_staff_profiles_of_an_older_database_get_municipalities(tmp_path: Path) -> None:
    """A staff_profile table from before tenants (free `municipality` column only) keeps working."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}", future=True)
    store = StaffStore(engine)
    store.add("anja", "Anja de Vries", "een lang wachtwoord 2026")
    store.add("bert", "Bert Kok", "een lang wachtwoord 2026")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE staff_profile DROP COLUMN municipalities"))
        conn.execute(text("INSERT INTO staff_profile (username, teams, status, municipality) VALUES ('bert', '[]', 'afwezig', 'Emmen')"))
    fresh = create_engine(f"sqlite:///{tmp_path / 'old.db'}", future=True)
    again = StaffStore(fresh)
    assert again.profile("anja").scope("Assen") == ("Assen",)  # no profile: the default site's
    assert again.profile("bert").scope("Assen") == ("Emmen",)  # the old free column still counts
    profile = again.set_municipalities("bert", ["Emmen", "Borger-Odoorn"])
    assert profile.scope("Assen") == ("Borger-Odoorn", "Emmen")
    with fresh.connect() as conn:
        stored = conn.execute(text("SELECT municipalities FROM staff_profile WHERE username='bert'")).scalar_one()
    assert json.loads(stored) == ["Borger-Odoorn", "Emmen"]


def test_the_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from socialmap.settings import get_settings

    monkeypatch.setenv("SOCIALMAP_DEPLOYMENTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert get_settings().deployments_dir == tmp_path
    finally:
        monkeypatch.delenv("SOCIALMAP_DEPLOYMENTS_DIR")
        get_settings.cache_clear()
    assert get_settings().deployments_dir == ROOT / "deployments"
