"""The twelve municipalities of Drenthe as tenants of one assistant, and the rule of whose helpdesk applies.

Each municipality has its own settings file, `deployments/<gemeente>.yml` (the same
keys as the single `deployment.yml` of before, read by `socialmap.settings.load_deployment`).
The file named by `SOCIALMAP_DEPLOYMENT` (default `deployment.yml`, a link to
`deployments/assen.yml`) is the *default site*: used when the widget does not say
on which municipality's website it runs, and it overrides the folder's file of the
same municipality (so a test or an installation can change one tenant in one file).

The rule (README, "Municipalities (tenants)"):

* **The site** (`data-municipality` of the widget, sent as message metadata) decides how
  the assistant introduces itself: "de digitale assistent van de gemeente X", *u* or *je*,
  the privacy statement shown at the start.
* **The resident's place** decides whose schemes, helpdesk, phone number, opening hours,
  queue and callbacks apply: a resident of Sleen on Assen's site is helped by Coevorden.
* When the place is unknown, or outside the twelve, the site's municipality applies.

Everything here is plain Python: no Rasa, no database.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from socialmap.geo import MUNICIPALITIES
from socialmap.settings import Deployment, Settings, SettingsError, get_settings, load_deployment

# The municipalities of Drenthe: the gazetteer's own list (its `gemeente` column uses these names).
DRENTHE = MUNICIPALITIES


def tenant_key(name: str | None) -> str:
    """Return the comparison key of a municipality name: lower case, no accents, hyphens as spaces."""
    folded = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def file_name(municipality: str) -> str:
    """Return the settings file name of a municipality, e.g. "midden-drenthe.yml"."""
    return tenant_key(municipality).replace(" ", "-") + ".yml"


@dataclass(frozen=True)
class Tenancy:
    """Who applies in one conversation: the site the resident chats on, and whose helpdesk helps."""

    site: Deployment
    helpdesk: Deployment
    # The resident's municipality as the geocoder found it (also outside the twelve), or None.
    resident_municipality: str | None = None

    @property
    def other_site(self) -> bool:
        """Return True when the resident lives in another municipality than the site's, which helps."""
        return self.helpdesk.municipality != self.site.municipality


def slot_values(tenancy: Tenancy) -> dict[str, str]:
    """Return the values of the deployment slots every response may use (domain.yml, "Deployment settings").

    Who helps comes from the helpdesk's municipality; how we talk (u/je, privacy statement,
    retention) from the site's, which the resident saw at the start.
    """
    helpdesk, site = tenancy.helpdesk, tenancy.site
    return {
        "municipality_name": helpdesk.municipality,
        "contact_phone": helpdesk.contact_phone,
        "contact_website": helpdesk.contact_website,
        "helpdesk_hours": helpdesk.opening_hours.describe(),
        "privacy_url": site.privacy_url,
        "retention_days": str(site.retention_days),
        "address_form": site.address_form,
        "site_municipality": site.municipality,
    }


class Tenants:
    """The municipalities this assistant serves, by name, with one default site."""

    def __init__(self, deployments: Iterable[Deployment], default: Deployment) -> None:
        self._by_key: dict[str, Deployment] = {}
        for deployment in deployments:
            key = tenant_key(deployment.municipality)
            if key in self._by_key:
                raise SettingsError(f"municipality {deployment.municipality} has two settings files")
            self._by_key[key] = deployment
        # The default site's file wins over the folder's file of the same municipality.
        self._by_key[tenant_key(default.municipality)] = default
        self.default = default

    def __iter__(self) -> Iterator[Deployment]:
        return iter(sorted(self._by_key.values(), key=lambda d: d.municipality))

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and tenant_key(name) in self._by_key

    @property
    def names(self) -> list[str]:
        """Return the municipality names, sorted."""
        return [d.municipality for d in self]

    def find(self, name: str | None) -> Deployment | None:
        """Return the tenant of this name (any case, hyphen or space), or None."""
        return self._by_key.get(tenant_key(name)) if name else None

    def get(self, name: str | None) -> Deployment:
        """Return the tenant of this name, or the default site when the name is unknown or empty."""
        return self.find(name) or self.default

    def canonical(self, name: str | None) -> str | None:
        """Return the municipality's own spelling of a name we serve, or None."""
        found = self.find(name)
        return found.municipality if found else None

    def resolve(self, site: str | None, resident_municipality: str | None = None) -> Tenancy:
        """Return whose site and whose helpdesk apply (the rule in this module's docstring)."""
        site_tenant = self.get(site)
        own = self.find(resident_municipality)
        return Tenancy(site=site_tenant, helpdesk=own or site_tenant, resident_municipality=resident_municipality)

    def scope(self, names: Iterable[str]) -> tuple[str, ...]:
        """Return the canonical names of the municipalities among `names` that we serve (unknown ones dropped)."""
        found = {self.canonical(n) for n in names}
        return tuple(sorted(n for n in found if n))

    @property
    def retention_days(self) -> int:
        """Return the shortest retention period of all tenants: no conversation outlives what any site promised."""
        return min(d.retention_days for d in self)

    def unverified(self) -> dict[str, tuple[str, ...]]:
        """Return per municipality the settings keys that still need checking (only those with any)."""
        return {d.municipality: d.unverified for d in self if d.unverified}


def load_tenants(directory: Path, default_file: Path) -> Tenants:
    """Read every `*.yml` in `directory` and the default site's file; an empty folder means one tenant."""
    default = load_deployment(default_file)
    deployments = []
    if directory.is_dir():
        for path in sorted(directory.glob("*.yml")):
            if path.resolve() == default_file.resolve():
                continue
            deployment = load_deployment(path)
            if path.name != file_name(deployment.municipality):
                raise SettingsError(f"{path}: the file of {deployment.municipality} must be {file_name(deployment.municipality)}")
            deployments.append(deployment)
    return Tenants(deployments, default)


@lru_cache(maxsize=8)
def _cached(directory: Path, default_file: Path) -> Tenants:
    return load_tenants(directory, default_file)


def get_tenants(settings: Settings | None = None) -> Tenants:
    """Return the tenants of these settings (default: the process settings), read once per folder."""
    settings = settings or get_settings()
    return _cached(settings.deployments_dir, settings.deployment_file)


def check_report(tenants: Tenants, expected: Iterable[str] = DRENTHE) -> list[str]:
    """Return one Dutch line per problem: a missing municipality or a setting still unverified."""
    lines = [f"{name}: geen instellingenbestand ({file_name(name)})" for name in expected if name not in tenants]
    for name, keys in tenants.unverified().items():
        lines.append(f"{name}: nog controleren: {', '.join(keys)}")
    return lines


def _cmd_list(args: argparse.Namespace) -> int:
    tenants = get_tenants()
    for d in tenants:
        default = " (standaard-site)" if d is tenants.default else ""
        print(f"{d.municipality}{default}: {d.contact_phone}, {d.contact_website}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    lines = check_report(get_tenants())
    for line in lines:
        print(line)
    if not lines:
        print("Alle 12 gemeenten hebben een instellingenbestand; niets meer te controleren.")
    return 1 if lines else 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `tenants` command (list, check)."""
    parser = subparsers.add_parser("tenants", help="de gemeenten (deployments/*.yml)")
    sub = parser.add_subparsers(dest="tenants_command", required=True)
    sub.add_parser("list", help="gemeenten met telefoon en website").set_defaults(func=_cmd_list)
    sub.add_parser(
        "check", help="welke gemeenten of velden nog ontbreken of gecontroleerd moeten worden (exit 1)"
    ).set_defaults(func=_cmd_check)
