"""Which municipality applies in a conversation: read from the tracker, decided by socialmap.tenants."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from socialmap.tenants import Tenancy, Tenants, get_tenants


def metadata_site(tracker: Tracker) -> str | None:
    """Return the `municipality` the widget sent with the first message of this session, if any."""
    metadata: Any = tracker.get_slot("session_started_metadata")
    value = metadata.get("municipality") if isinstance(metadata, dict) else None
    return str(value) if value else None


def site_of(tracker: Tracker) -> str | None:
    """Return the site's municipality: the slot set at session start, else the session's metadata."""
    return tracker.get_slot("site_municipality") or metadata_site(tracker)


def tenancy_of(tracker: Tracker, tenants: Tenants | None = None) -> Tenancy:
    """Return whose site and whose helpdesk apply to this conversation now."""
    return (tenants or get_tenants()).resolve(site_of(tracker), tracker.get_slot("municipality"))
