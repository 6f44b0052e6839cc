"""All settings in one place: environment variables with defaults that run on one machine.

Deployment settings that a municipality edits (its name, contact, helpdesk hours,
service area, *u* or *je*) live in one YAML file per municipality, `deployments/<gemeente>.yml`
(socialmap.tenants reads them all); `deployment.yml` (a link to `deployments/assen.yml`) names
the default site. Operational settings (database URL, ports, tokens) come from the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
VAR = Path(os.environ.get("SOCIALMAP_VAR_DIR", ROOT / "var"))

WEEKDAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the setting."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "ja", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "nee", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r}: expected true or false")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: expected a number") from exc


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


def secret_from_env(name: str) -> str:
    """Return a secret from env `name`, else from the file named by env `<name>_FILE`, else "".

    Secrets never travel on a command line (every local user can read /proc/<pid>/cmdline).
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = os.environ.get(f"{name}_FILE", "").strip()
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(f"{name}_FILE={path!r}: cannot read the file ({exc.strerror})") from exc
    return ""


def secure_dir(path: Path) -> Path:
    """Create `path` (and parents) when missing and make it private to this user (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(path, 0o700)
    except PermissionError:  # not ours (e.g. a shared tmp dir): leave it
        pass
    return path


def secure_file(path: Path) -> Path:
    """Make an existing file readable and writable by this user only (0600)."""
    try:
        os.chmod(path, 0o600)
    except (FileNotFoundError, PermissionError):
        pass
    return path


@dataclass(frozen=True)
class OpeningHours:
    """Helpdesk opening hours per weekday (0 = Monday) as (open, close) pairs."""

    days: dict[int, tuple[time, time]]

    def is_open(self, moment: datetime) -> bool:
        span = self.days.get(moment.weekday())
        return span is not None and span[0] <= moment.time() < span[1]

    def next_opening(self, moment: datetime) -> datetime | None:
        """Return the next moment the helpdesk opens after `moment` (None if never)."""
        for offset in range(0, 8):
            day = moment.date() + timedelta(days=offset)
            span = self.days.get(day.weekday())
            if not span:
                continue
            candidate = datetime.combine(day, span[0], tzinfo=moment.tzinfo)
            if candidate > moment:
                return candidate
        return None

    def describe(self) -> str:
        """Return the hours as short Dutch text, e.g. 'maandag tot en met vrijdag 9:00 - 17:00'."""
        if not self.days:
            return ""
        parts = []
        for day in sorted(self.days):
            start, end = self.days[day]
            parts.append(f"{WEEKDAYS_NL[day]} {start:%H:%M}-{end:%H:%M}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Deployment:
    """What one municipality configures: who it is and how residents reach it."""

    municipality: str = "Assen"
    province: str = "Drenthe"
    contact_phone: str = "14 0592"
    contact_website: str = "https://www.assen.nl"
    contact_email: str = ""
    contact_address: str = ""  # visiting address of the town hall, e.g. "Noordersingel 33, 9401 JW Assen"
    desk_hours: str = ""  # when the town hall's desk is open, short Dutch text from deployment.yml
    privacy_url: str = "https://www.assen.nl/privacy"
    address_form: str = "u"  # "u" (formal, default) or "je"
    service_area: tuple[str, ...] = ("Drenthe",)
    opening_hours: OpeningHours = field(default_factory=lambda: OpeningHours({}))
    average_handling_minutes: float = 6.0
    retention_days: int = 28
    teams: tuple[str, ...] = ("Sociaal team", "Wmo-loket", "Mantelzorgconsulent")
    timezone: str = "Europe/Amsterdam"
    # Dotted keys ("contact.phone") still to be checked with the municipality (placeholders).
    unverified: tuple[str, ...] = ()


# Keys a deployment file may name under `unverified`.
VERIFIABLE_KEYS = (
    "contact.phone",
    "contact.website",
    "contact.email",
    "contact.address",
    "contact.hours",
    "privacy_url",
    "opening_hours",
    "teams",
    "address_form",
    "retention_days",
)


def _parse_time(raw: Any, where: str) -> time:
    try:
        hours, minutes = str(raw).strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{where}: {raw!r} is not a time like 09:00") from exc


def load_deployment(path: Path) -> Deployment:
    """Read the deployment YAML file; every mistake is reported with its key."""
    if not path.exists():
        raise SettingsError(f"deployment file {path} does not exist (SOCIALMAP_DEPLOYMENT)")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected a mapping at the top level")
    hours: dict[int, tuple[time, time]] = {}
    for day_name, span in (raw.get("opening_hours") or {}).items():
        key = str(day_name).lower()
        if key not in WEEKDAYS_NL:
            raise SettingsError(f"{path}: opening_hours.{day_name}: unknown weekday (use maandag..zondag)")
        if not span:
            continue
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            raise SettingsError(f"{path}: opening_hours.{day_name}: expected [open, close]")
        start = _parse_time(span[0], f"{path}: opening_hours.{day_name}")
        end = _parse_time(span[1], f"{path}: opening_hours.{day_name}")
        if end <= start:
            raise SettingsError(f"{path}: opening_hours.{day_name}: closes before it opens")
        hours[WEEKDAYS_NL.index(key)] = (start, end)
    contact = raw.get("contact") or {}
    address_form = str(raw.get("address_form", "u")).lower()
    if address_form not in {"u", "je"}:
        raise SettingsError(f"{path}: address_form must be 'u' or 'je'")
    area = raw.get("service_area") or ["Drenthe"]
    if isinstance(area, str):
        area = [area]
    unverified = raw.get("unverified") or []
    if not isinstance(unverified, list) or any(str(k) not in VERIFIABLE_KEYS for k in unverified):
        raise SettingsError(f"{path}: unverified: expected a list of {', '.join(VERIFIABLE_KEYS)}")
    return Deployment(
        municipality=str(raw.get("municipality", "Assen")),
        province=str(raw.get("province", "Drenthe")),
        contact_phone=str(contact.get("phone", "14 0592")),
        contact_website=str(contact.get("website", "")),
        contact_email=str(contact.get("email", "")),
        contact_address=str(contact.get("address", "")),
        desk_hours=str(contact.get("hours", "")),
        privacy_url=str(raw.get("privacy_url", contact.get("website", ""))),
        address_form=address_form,
        service_area=tuple(str(a) for a in area),
        opening_hours=OpeningHours(hours),
        average_handling_minutes=float(raw.get("average_handling_minutes", 6)),
        retention_days=int(raw.get("retention_days", 28)),
        teams=tuple(raw.get("teams") or Deployment.teams),
        timezone=str(raw.get("timezone", "Europe/Amsterdam")),
        unverified=tuple(str(k) for k in unverified),
    )


@dataclass(frozen=True)
class Settings:
    """Operational settings, read once from the environment."""

    db_url: str
    deployment_file: Path
    pdok_enabled: bool
    pdok_url: str
    pdok_timeout_s: float
    rasa_url: str
    rasa_token: str
    web_host: str
    web_port: int
    allowed_origins: tuple[str, ...]
    staff_session_minutes: int
    staff_cookie_secure: bool
    action_timeout_s: float
    # Shared secret the action server requires on every call (header X-Action-Token); "" = not set.
    action_token: str = ""
    # One deployment file per municipality (socialmap.tenants); `deployment_file` is the default site.
    deployments_dir: Path = ROOT / "deployments"
    # Redis URL shared by several Rasa replicas (socket.io's message queue, live-chat presence); "" = one process.
    socketio_redis_url: str = ""

    @property
    def deployment(self) -> Deployment:
        return _deployment(self.deployment_file)


@lru_cache(maxsize=8)
def _deployment(path: Path) -> Deployment:
    return load_deployment(path)


def default_db_url() -> str:
    return f"sqlite:///{VAR / 'socialmap.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings for this process (cached; tests call `get_settings.cache_clear()`)."""
    web_port = _env_int("WEB_PORT", 8080)
    origins = _env("ALLOWED_ORIGINS", f"http://127.0.0.1:{web_port},http://localhost:{web_port}")
    return Settings(
        db_url=_env("SOCIALMAP_DB_URL", default_db_url()),
        deployment_file=Path(_env("SOCIALMAP_DEPLOYMENT", str(ROOT / "deployment.yml"))),
        pdok_enabled=_env_bool("PDOK_ENABLED", False),
        pdok_url=_env("PDOK_URL", "https://api.pdok.nl/bzk/locatieserver/search/v3_1"),
        pdok_timeout_s=_env_float("PDOK_TIMEOUT_S", 1.5),
        rasa_url=_env("RASA_URL", f"http://127.0.0.1:{_env_int('RASA_PORT', 5005)}"),
        # No default: a process without a token cannot reach the Rasa HTTP API (see scripts/stack.py).
        rasa_token=secret_from_env("RASA_TOKEN"),
        web_host=_env("WEB_HOST", "127.0.0.1"),
        web_port=web_port,
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        staff_session_minutes=_env_int("STAFF_SESSION_MINUTES", 480),
        staff_cookie_secure=_env_bool("STAFF_COOKIE_SECURE", False),
        action_timeout_s=_env_float("ACTION_TIMEOUT_S", 4.0),
        action_token=secret_from_env("ACTION_SERVER_TOKEN"),
        socketio_redis_url=_env("SOCKETIO_REDIS_URL", ""),
        deployments_dir=Path(_env("SOCIALMAP_DEPLOYMENTS_DIR", str(ROOT / "deployments"))),
    )
