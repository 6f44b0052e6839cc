"""The tables of the signals aggregate, and the vocabulary of what is counted.

Only counts leave the aggregator: per ISO week (its Monday), municipality, woonplaats,
metric and key, the number of conversations. No text, no conversation id. The working
state of conversations still in progress (`signals_conversation`) is keyed by a salted
hash, holds codes only, and is deleted once a conversation has been idle for a while.
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from socialmap import db as _db
from socialmap import taxonomy

TZ = ZoneInfo("Europe/Amsterdam")

# A cell with fewer conversations than this is shown as "<5".
THRESHOLD = 5
SUPPRESSED = f"<{THRESHOLD}"
# A cell of 5 or more hidden so that a small cell cannot be worked out from a total.
HIDDEN = "x"

# The municipality of a conversation whose place we never learnt.
UNKNOWN = "onbekend"

metadata = MetaData()

counts = Table(
    "signals_count",
    metadata,
    Column("week", Date, primary_key=True),  # Monday of the ISO week (Europe/Amsterdam)
    Column("municipality", String(100), primary_key=True),
    Column("woonplaats", String(100), primary_key=True),  # "" when only the municipality is known
    Column("metric", String(32), primary_key=True),
    Column("key", String(120), primary_key=True),  # codes only: taxonomy codes, PC4, scores
    Column("synthetic", Boolean, primary_key=True),  # demo data, never mixed up with real signals
    Column("n", Integer, nullable=False),  # conversations
)

# The dashboard reads a few metrics over a range of weeks (covering: no table lookups), and asks
# "is anything synthetic here?".
Index("ix_signals_count_metric_week", counts.c.metric, counts.c.week, counts.c.municipality, counts.c.woonplaats,
      counts.c.key, counts.c.synthetic, counts.c.n)  # fmt: skip
Index("ix_signals_count_synthetic", counts.c.synthetic, counts.c.week)

conversations = Table(
    "signals_conversation",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256(salt + sender id), never the id itself
    Column("last_at", DateTime, nullable=False, index=True),  # naive UTC
    Column("synthetic", Boolean, nullable=False),
    Column("state", Text, nullable=False),  # JSON of codes: place, need, audience, counted facts
)

cursors = Table(
    "signals_cursor",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_id", BigInteger, nullable=False),  # an event id or a Kafka offset: 64 bits
    Column("updated_at", DateTime, nullable=False),
)

meta = Table(
    "signals_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)


def ensure_schema(engine: Engine) -> None:
    """Create the signals tables and indexes when they are missing (checked once per engine)."""
    try:
        _db.ensure_tables(engine, metadata)
    except DBAPIError:
        # Another process created them between the check and the CREATE: check again.
        _db.ensure_tables(engine, metadata)
    if engine not in _indexed:
        for index in counts.indexes:  # tables made by an earlier version lack later indexes
            index.create(engine, checkfirst=True)
        _indexed.add(engine)


_indexed: weakref.WeakSet[Engine] = weakref.WeakSet()


def week_of(moment: datetime) -> date:
    """Return the Monday of the ISO week `moment` falls in, in Dutch local time."""
    local = moment.astimezone(TZ) if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ)
    day = local.date()
    return day - timedelta(days=day.weekday())


def iso_week_label(monday: date) -> str:
    """Return '2026-W48' for the Monday of that week."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


# --- what is counted ------------------------------------------------------------------------

# metric -> Dutch label. Each is counted at most once per conversation, week and place (and key).
METRICS: dict[str, str] = {
    "conversation": "Gesprekken",
    "need": "Vraag naar",
    "subneed": "Vraag naar (precies)",
    "audience": "Doelgroep",
    "loneliness": "Gesprekken waarin iemand eenzaamheid uit",
    "crisis": "Gesprekken met een crisisantwoord (113)",
    "distress": "Gesprekken waarin iemand het zwaar heeft",
    "fallback": "Gesprekken waarin de assistent iets niet begreep",
    "handoff": "Gesprekken doorgezet naar een medewerker",
    "handoff_outcome": "Afloop van het doorzetten",
    "callback": "Terugbelverzoeken",
    "callback_outcome": "Afloop van terugbelverzoeken",
    "search": "Zoekvragen naar soort aanbod",
    "searched": "Gesprekken met een zoekvraag",
    "gap": "Zoekvragen zonder aanbod binnen 10 km",
    "gap_any": "Gesprekken met een zoekvraag zonder aanbod binnen 10 km",
    "widened": "Zoekvragen verder gezocht dan 25 km",
    "widened_any": "Gesprekken waarin verder gezocht werd dan 25 km",
    "wish_missing": "Zoekvragen waarbij het gevraagde soort aanbod ontbrak",
    "csat": "Tevredenheid",
    "pc4": "Gesprekken per postcodegebied",
}

GAP_KM = 10.0
WIDENED_KM = 25.0

HANDOFF_OUTCOMES: dict[str, str] = {
    "queued": "In de wachtrij gezet",
    "staff_joined": "Medewerker nam het gesprek over",
    "handed_back": "Teruggegeven aan de assistent",
    "cancelled": "Ingetrokken door de inwoner",
    "closed_hours": "Buiten openingstijden",
    "declined": "Inwoner wilde toch geen medewerker",
    "helped": "Afgesloten: geholpen",
    "referred": "Afgesloten: doorverwezen",
    "callback_planned": "Afgesloten: terugbelafspraak gemaakt",
    "no_answer": "Afgesloten: geen reactie",
}

# Intents that name a need (the `need` slot maps the same intents).
INTENT_NEEDS: dict[str, str] = {
    "find_meeting_place": "meeting",
    "find_volunteer_work": "volunteer",
    "find_carer_support": "carer",
    "find_youth_activity": "youth",
    "find_financial_support": "money",
    "find_digital_help": "digital",
    "find_transport": "transport",
    "find_retirement_help": "retirement",
    "find_newcomer_help": "newcomer",
    "talk_now": "talk",
}

FALLBACK_INTENTS = frozenset({"nlu_fallback"})
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_handle_fallback"})
CRISIS_ACTIONS = frozenset({"utter_crisis"})


def gap_key(need: str, subcategory: str | None, audience: str | None) -> str:
    """Return the key of a search kind: 'youth|youth_sport|jongeren' (empty parts stay empty)."""
    return f"{need}|{subcategory or ''}|{audience or ''}"


def split_gap_key(key: str) -> tuple[str, str, str]:
    need, sub, audience = (key.split("|") + ["", "", ""])[:3]
    return need, sub, audience


def key_label(metric: str, key: str) -> str:
    """Return the Dutch label of a key of `metric` (codes are never shown raw when a label exists)."""
    if metric in {"need", "audience", "subneed"}:
        return taxonomy.label(key) if key else "Onbekend"
    if metric in {"handoff_outcome", "callback_outcome"}:
        return HANDOFF_OUTCOMES.get(key, key)
    if metric in {"gap", "widened", "wish_missing", "search"}:
        need, sub, audience = split_gap_key(key)
        parts = [taxonomy.label(sub) if sub else taxonomy.label(need) if need else "Iets"]
        if audience and audience != "iedereen":
            parts.append("voor " + taxonomy.label(audience).lower())
        return " ".join(parts)
    return key
