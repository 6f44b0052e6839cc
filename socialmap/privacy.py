"""Privacy (AVG): redaction of personal data, the contact vault and retention.

* `redact(text)` replaces personal data in a resident's message with a visible
  tag ([BSN], [TELEFOON], [E-MAIL], [IBAN], [ADRES], [GEBOORTEDATUM]) before the
  message reaches the tracker store, the logs or analytics. Postcodes, place
  names, times, prices, ages and years stay: the search needs them.
* `ContactVault` keeps the phone numbers and e-mail addresses that the channel
  redacted, apart from the conversation, only so that a callback request can
  use them; entries expire after one day.
* `purge(days)` deletes conversations, handoff tickets, callback requests and
  vault entries older than the retention period; `RetentionScheduler` runs it
  periodically inside a long-running process; `python -m socialmap purge`
  runs it once.

This module never imports rasa.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, delete, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine

from socialmap.settings import VAR, get_settings

log = logging.getLogger(__name__)

# Kinds of personal data and the tag that replaces each.
BSN = "bsn"
PHONE = "telefoon"
EMAIL = "email"
IBAN = "iban"
ADDRESS = "adres"
BIRTH_DATE = "geboortedatum"

TAGS: dict[str, str] = {
    BSN: "[BSN]",
    PHONE: "[TELEFOON]",
    EMAIL: "[E-MAIL]",
    IBAN: "[IBAN]",
    ADDRESS: "[ADRES]",
    BIRTH_DATE: "[GEBOORTEDATUM]",
}

# Kinds the channel keeps in the contact vault for a callback request.
CONTACT_KINDS = (PHONE, EMAIL)

# National help and service lines that residents and the bot quote. They belong
# to organisations, never to a resident, so they are not personal data.
PUBLIC_NUMBERS: frozenset[str] = frozenset(
    {
        "08000113",  # 113 Zelfmoordpreventie
        "0880767000",  # De Luisterlijn
        "09000767",  # Sensoor
        "08000432",  # De Kindertelefoon
        "08002000",  # Veilig Thuis
        "08005088",  # Alzheimer Telefoon
        "0307606055",  # Mantelzorglijn
        "09008844",  # Politie (geen spoed)
        "09000101",  # Slachtofferhulp Nederland
        "08008051",  # Juridisch Loket
        "09008015",  # Juridisch Loket (betaald)
        "08000543",  # Belastingtelefoon
    }
)


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind and where it was in the original text."""

    kind: str
    start: int
    end: int
    value: str


@dataclass
class Redaction:
    """The redacted text and what was taken out of it."""

    text: str
    found: list[Found] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.found)

    def contacts(self) -> list[Found]:
        """Return the phone numbers and e-mail addresses found (for the contact vault)."""
        return [f for f in self.found if f.kind in CONTACT_KINDS]


# --- validators -------------------------------------------------------------


def digits_of(value: str) -> str:
    """Return only the ASCII digits of `value`."""
    return "".join(ch for ch in value if "0" <= ch <= "9")


def is_valid_bsn(value: str) -> bool:
    """Return True when `value` holds exactly 9 digits that pass the 11-proef."""
    digits = digits_of(value)
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


# Length of the IBAN per country (the countries a Drenthe resident is likely to use).
IBAN_LENGTHS: dict[str, int] = {
    "NL": 18,
    "BE": 16,
    "DE": 22,
    "LU": 20,
    "FR": 27,
    "GB": 22,
    "ES": 24,
    "IT": 27,
    "PL": 28,
    "AT": 20,
    "CH": 21,
    "DK": 18,
    "PT": 25,
    "IE": 22,
    "TR": 26,
    "RO": 24,
}


def is_valid_iban(value: str) -> bool:
    """Return True when `value` (spaces allowed) is an IBAN with a correct mod-97 check."""
    compact = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


# --- patterns ---------------------------------------------------------------

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# BSN: nine digits, or 3-3-3 / 4-2-3 groups with a dot or space.
BSN_RE = re.compile(r"(?<![\d.,])(?:\d{9}|\d{3}([ .])\d{3}\1\d{3}|\d{4}([ .])\d{2}\2\d{3})(?![\d]|[.,]\d)")
# After "BSN" / "burgerservicenummer" any 8 or 9 digit number is a BSN, valid or not.
BSN_CONTEXT_RE = re.compile(
    r"(?<!\[)\b(?:bsn|burger\s*service\s*nummer|sofi[\s-]?nummer)\b[^\d\n]{0,25}?"
    r"(?P<num>\d{3}[ .]?\d{2,3}[ .]?\d{3}|\d{8,9})(?!\d)",
    re.IGNORECASE,
)

_SEP = r"[ \-./()]{0,3}"
# A Dutch phone number: 0 + nine digits, or +31 / 0031 (optionally "(0)") + nine digits.
PHONE_RE = re.compile(
    r"(?<![\w+@])"
    r"(?P<num>(?:(?:\+|00)\s?31[ \-.]{0,2}(?:\(0\)[ \-.]{0,2})?|\(?0)\d(?:" + _SEP + r"\d){8})"
    r"(?![\d:]|[.,]\d)"
)
# Service numbers: 0800 / 0900 / 0906 / 0909 + 4 or 7 digits.
SERVICE_RE = re.compile(
    r"(?<![\w+@])(?P<num>09[0-9]{2}|0800)[ \-.]{0,2}(?:\d{4}(?![ \-.]?\d)|\d{3}[ \-.]?\d{4})(?![\d:])"
)
DATE_LIKE_RE = re.compile(r"^\(?\d{2}[-/.]\d{2}[-/.]\d{2,4}")

IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})\s?(\d{2})(?=\s?[A-Za-z0-9]{4})")
NL_IBAN_SHAPE_RE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")

MONTHS = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?"
)
DATE = (
    r"(?:\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*(?:\d{4}|'?\d{2})"
    r"|\d{1,2}(?:e|ste|de)?\s+" + MONTHS + r"\s+(?:\d{4}|'\d{2})"
    r"|\d{4}-\d{2}-\d{2})"
)
BIRTH_KEY = (
    r"(?:geboren|geb\.?|geboortedatum|geboorte\s*datum|geb\.?\s*datum|geboortedag|"
    r"date\s+of\s+birth|dob)"
)
# Keyword before the date ("geboren op 12-03-1950") or after it ("op 1 maart 1950 geboren").
BIRTH_BEFORE_RE = re.compile(
    r"(?<!\[)\b" + BIRTH_KEY + r"(?![a-z])[^\d\n\[]{0,30}?(?P<date>" + DATE + r")(?!\d)", re.IGNORECASE
)
BIRTH_AFTER_RE = re.compile(r"(?<!\d)(?P<date>" + DATE + r")(?!\d)[^\d\n]{0,12}?\bgeboren\b", re.IGNORECASE)

STREET_SUFFIXES = (
    "straat|str\\.|weg|laan|plein|dijk|dyk|dreef|kade|gracht|singel|hof|park|pad|steeg|ring|baan|"
    "markt|brink|diep|einde|wijk|veld|erf|akker|kamp|horst|zoom|wal|oord|haven|kanaal|vaart|allee|"
    "boulevard|dwarsstraat|esch|stroom|hoeve|lanen|landen|weide|heem|park|tuin|hout|burg|stede|wierde|"
    "hoek|gaarde|pas|kamp|lei|dam|loop|veen|vlakte|zijl|tocht|wetering|schans|berg"
)
# Words that may precede the street name: capitalised words and name particles.
_PREFIX = r"(?:(?:[A-Z][\w'\-]*\.?|van|de|der|den|ter|ten|het|'t|op|in|aan)\s+){0,4}"
_HOUSE_NO = r"(?P<no>[1-9]\d{0,3})(?:\s?[A-Za-z](?![\w]))?(?:\s?[-/]\s?\d{1,4}[A-Za-z]?)?"
# What follows a number that makes it a price, age, duration or count, not a house number.
_NOT_HOUSE = (
    r"(?!\s*(?:euro|eur\b|€|uur\b|u\b|jaar|jr\b|keer|x\b|km|kilometer|min\b|minuten|dagen|dag\b|weken|week\b|"
    r"maanden|maand\b|personen|mensen|kinderen|deelnemers|plaatsen|%|procent|[.,:]\d|\d))"
)
ADDRESS_RE = re.compile(
    r"(?<![\w\-])(?P<street>"
    + _PREFIX
    + r"[A-Za-zÀ-ÿ'\-]*(?i:"
    + STREET_SUFFIXES
    + r")(?:\s+(?:ZZ|NZ|OZ|WZ))?)\s+"
    + _HOUSE_NO
    + _NOT_HOUSE,
    re.UNICODE,
)
# Lower-case words that look like streets but end a sentence about something else.
_PREFIX_WORDS_TO_DROP = {
    "op",
    "in",
    "aan",
    "Op",
    "In",
    "Aan",
    "Ik",
    "We",
    "Wij",
    "Mijn",
    "Ons",
    "Onze",
    "U",
    "Uw",
}


def _candidates_address(text: str) -> Iterable[Found]:
    for m in ADDRESS_RE.finditer(text):
        street = m.group("street")
        words = street.split()
        number = int(m.group("no"))
        street_word = words[-1]
        # "zomerkamp 2024", "de ring 1990": a lower-case street-like word before a year is not an address.
        if street_word[:1].islower() and 1900 <= number <= 2100:
            continue
        # A bare suffix word ("weg 3", "park 2") is only an address when capitalised.
        if street_word.lower().rstrip(".") in STREET_SUFFIXES.split("|") and not street_word[:1].isupper():
            continue
        start = m.start()
        # Leave sentence words and prepositions before the street in the text.
        while words and words[0] in _PREFIX_WORDS_TO_DROP and len(words) > 1:
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        yield Found(ADDRESS, start, m.end(), text[start : m.end()])


def _candidates_iban(text: str) -> Iterable[Found]:
    for m in IBAN_START_RE.finditer(text):
        country = m.group(1).upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        # Walk forward collecting alphanumerics, allowing single spaces between groups.
        chars: list[str] = []
        i = m.start()
        end = i
        while i < len(text) and len(chars) < length:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                chars.append(ch)
                i += 1
                end = i
            elif ch == " " and i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalnum():
                i += 1
            else:
                break
        if len(chars) != length or (end < len(text) and text[end].isascii() and text[end].isalnum()):
            continue
        compact = "".join(chars).upper()
        # A Dutch-shaped IBAN with a typo is still a bank account; elsewhere the mod-97 check decides.
        if is_valid_iban(compact) or (country == "NL" and NL_IBAN_SHAPE_RE.fullmatch(compact)):
            yield Found(IBAN, m.start(), end, text[m.start() : end])


def _is_public_number(value: str) -> bool:
    digits = digits_of(value)
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif digits.startswith("31") and value.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    return digits in PUBLIC_NUMBERS


def _candidates_phone(text: str, mobile_only: bool = False) -> Iterable[Found]:
    for m in PHONE_RE.finditer(text):
        value = m.group("num")
        digits = digits_of(value)
        if DATE_LIKE_RE.match(value) and not value.startswith("06"):
            continue
        local = "0" + digits[-9:]
        # Two-digit "area codes" other than 06 are dates ("01-03-1950 10").
        first_group = re.match(r"\(?(\d+)", value)
        if (
            first_group
            and value.startswith("0")
            and len(first_group.group(1)) == 2
            and first_group.group(1) != "06"
        ):
            continue
        if _is_public_number(value):
            continue
        if mobile_only and not local.startswith("06"):
            continue
        yield Found(PHONE, m.start("num"), m.end("num"), value)
    if mobile_only:
        return
    for m in SERVICE_RE.finditer(text):
        value = m.group(0)
        if _is_public_number(value):
            continue
        yield Found(PHONE, m.start(), m.end(), value)


def _candidates_bsn(text: str) -> Iterable[Found]:
    for m in BSN_RE.finditer(text):
        if is_valid_bsn(m.group(0)):
            yield Found(BSN, m.start(), m.end(), m.group(0))
    for m in BSN_CONTEXT_RE.finditer(text):
        yield Found(BSN, m.start("num"), m.end("num"), m.group("num"))


def _candidates_birth(text: str) -> Iterable[Found]:
    for regex in (BIRTH_BEFORE_RE, BIRTH_AFTER_RE):
        for m in regex.finditer(text):
            yield Found(BIRTH_DATE, m.start("date"), m.end("date"), m.group("date"))


def _candidates_email(text: str) -> Iterable[Found]:
    for m in EMAIL_RE.finditer(text):
        yield Found(EMAIL, m.start(), m.end(), m.group(0))


# Earlier in this tuple wins when two findings overlap and are equally long.
_PRIORITY = {EMAIL: 0, IBAN: 1, BIRTH_DATE: 2, BSN: 3, PHONE: 4, ADDRESS: 5}


def _apply(text: str, candidates: list[Found]) -> Redaction:
    # Longest first, then by priority: a phone number inside an e-mail address stays part of the e-mail.
    chosen: list[Found] = []
    for cand in sorted(candidates, key=lambda f: (-(f.end - f.start), _PRIORITY[f.kind], f.start)):
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    chosen.sort(key=lambda f: f.start)
    parts: list[str] = []
    pos = 0
    for f in chosen:
        parts.append(text[pos : f.start])
        parts.append(TAGS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return Redaction("".join(parts), chosen)


def _clean(text: Any) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    # NFC so that "e" + combining accent and "é" look the same to the patterns.
    return unicodedata.normalize("NFC", text)


def redact(text: str) -> Redaction:
    """Return the resident's text with personal data replaced by tags, and what was found.

    Never raises: anything that is not a string is turned into one first.
    """
    text = _clean(text)
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return Redaction(text, [])
    result = _apply(text, _all_candidates(text))
    # A second pass catches data that only became visible once a neighbour was
    # replaced (rare; keeps redact idempotent).
    again = _apply(result.text, _all_candidates(result.text))
    if again.found:
        return Redaction(again.text, result.found + again.found)
    return result


def _all_candidates(text: str) -> list[Found]:
    out: list[Found] = []
    for finder in (
        _candidates_email,
        _candidates_iban,
        _candidates_birth,
        _candidates_bsn,
        _candidates_address,
    ):
        out.extend(finder(text))
    out.extend(_candidates_phone(text))
    return out


def redact_bot_text(text: str) -> Redaction:
    """Return a bot answer with only a resident's own data replaced (BSN, IBAN, birth date, mobile number).

    Bot answers quote organisations: their phone numbers, e-mail addresses and
    street addresses stay readable.
    """
    text = _clean(text)
    if not text or not any(ch.isdigit() for ch in text):
        return Redaction(text, [])
    candidates: list[Found] = []
    for finder in (_candidates_iban, _candidates_birth, _candidates_bsn):
        candidates.extend(finder(text))
    candidates.extend(_candidates_phone(text, mobile_only=True))
    return _apply(text, candidates)


def strip_accents(text: str) -> str:
    """Return `text` without diacritics ("suïcide" -> "suicide")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# --- contact vault ----------------------------------------------------------

_metadata = MetaData()
contact_vault_table = Table(
    "contact_vault",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("value", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

VAULT_TTL = timedelta(days=1)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; we always store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ContactVault:
    """Phone numbers and e-mail addresses given for a callback, kept apart from the conversation."""

    def __init__(self, engine: Engine | None = None, clock: Callable[[], datetime] = _utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._ready = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from socialmap.db import get_engine

            self._engine = get_engine()
        return self._engine

    def ensure_schema(self) -> None:
        """Create the vault table if it does not exist yet (idempotent)."""
        if not self._ready:
            _metadata.create_all(self.engine, tables=[contact_vault_table], checkfirst=True)
            self._ready = True

    def put(self, conversation_id: str, kind: str, value: str) -> None:
        """Store one contact detail for `conversation_id`."""
        if kind not in CONTACT_KINDS:
            raise ValueError(f"kind must be one of {CONTACT_KINDS}, not {kind!r}")
        self.ensure_schema()
        with self.engine.begin() as conn:
            conn.execute(
                contact_vault_table.insert().values(
                    conversation_id=str(conversation_id)[:255],
                    kind=kind,
                    value=str(value)[:320],
                    created_at=self._clock(),
                )
            )

    def latest(self, conversation_id: str, kind: str | None = None) -> str | None:
        """Return the newest unexpired contact of the conversation without removing it."""
        row = self._latest_row(conversation_id, kind)
        return None if row is None else str(row.value)

    def pop_latest(self, conversation_id: str, kind: str | None = None) -> str | None:
        """Return the newest unexpired contact of the conversation and remove it from the vault."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            row = self._latest_row(conversation_id, kind, conn)
            if row is None:
                return None
            conn.execute(delete(contact_vault_table).where(contact_vault_table.c.id == row.id))
            return str(row.value)

    def forget(self, conversation_id: str) -> int:
        """Return how many contacts of the conversation were deleted (request closed)."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(contact_vault_table).where(
                    contact_vault_table.c.conversation_id == str(conversation_id)
                )
            )
            return int(result.rowcount or 0)

    def purge_expired(self, cutoff: datetime | None = None) -> int:
        """Return how many entries older than `cutoff` (default: one day ago) were deleted."""
        self.ensure_schema()
        cutoff = cutoff or (self._clock() - VAULT_TTL)
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(contact_vault_table).where(contact_vault_table.c.created_at < cutoff)
            )
            return int(result.rowcount or 0)

    def _latest_row(self, conversation_id: str, kind: str | None, conn: Any = None) -> Any:
        self.ensure_schema()
        query = (
            select(contact_vault_table)
            .where(contact_vault_table.c.conversation_id == str(conversation_id))
            .where(contact_vault_table.c.created_at >= self._clock() - VAULT_TTL)
            .order_by(contact_vault_table.c.created_at.desc(), contact_vault_table.c.id.desc())
            .limit(1)
        )
        if kind is not None:
            query = query.where(contact_vault_table.c.kind == kind)
        if conn is not None:
            return conn.execute(query).first()
        with self.engine.connect() as own:
            return own.execute(query).first()


# --- retention --------------------------------------------------------------


def tracker_db_url() -> str:
    """Return the SQLAlchemy URL of Rasa's tracker store (env TRACKER_DB_URL)."""
    raw = os.environ.get("TRACKER_DB_URL", "").strip()
    if not raw:
        return f"sqlite:///{VAR / 'tracker.db'}"
    if "://" not in raw:  # a bare file path
        return f"sqlite:///{raw}"
    return raw


def purge_tracker(url: str, cutoff: datetime) -> int:
    """Return how many conversations whose last event is older than `cutoff` were deleted.

    Only whole conversations go: a conversation with one recent event is kept
    entirely, so a resident who comes back never finds half a history.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        # Connecting would create an empty file; no file means no conversations yet.
        if path not in ("", ":memory:") and not os.path.exists(path):
            return 0
    engine = create_engine(url, future=True, connect_args={"timeout": 10} if url.startswith("sqlite") else {})
    try:
        if "events" not in sa_inspect(engine).get_table_names():
            return 0
        # Rasa stores the event time as a UNIX timestamp (float seconds).
        limit = cutoff.timestamp()
        old = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :limit"
        with engine.begin() as conn:
            senders = [row[0] for row in conn.execute(sql_text(old), {"limit": limit})]
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                params = {f"s{i}": s for i, s in enumerate(chunk)}
                placeholders = ", ".join(f":s{i}" for i in range(len(chunk)))
                conn.execute(sql_text(f"DELETE FROM events WHERE sender_id IN ({placeholders})"), params)
        return len(senders)
    finally:
        engine.dispose()


def _purge_handoff(cutoff: datetime) -> dict[str, int] | str:
    try:
        # Looked up at call time: the handoff module is owned elsewhere and optional here.
        handoff = importlib.import_module("socialmap.handoff")
    except ImportError:
        return "overgeslagen (socialmap.handoff ontbreekt)"
    fn = getattr(handoff, "purge_older_than", None)
    if fn is None:
        return "overgeslagen (geen purge_older_than)"
    result = fn(cutoff)
    if isinstance(result, dict):
        return {str(k): int(v) for k, v in result.items()}
    return {"handoff": int(result or 0)}


def purge(days: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Return what was deleted: conversations, handoff tickets/callbacks and vault entries older than `days`."""
    if days is None:
        days = get_settings().deployment.retention_days
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = _as_utc(now) if now else _utcnow()
    cutoff = now - timedelta(days=days)
    report: dict[str, Any] = {"cutoff": cutoff.isoformat(timespec="seconds"), "days": days}
    report["conversations"] = purge_tracker(tracker_db_url(), cutoff)
    report["handoff"] = _purge_handoff(cutoff)
    vault = ContactVault(clock=lambda: now)
    # Vault entries live one day at most, and never longer than the retention period.
    report["contact_vault"] = vault.purge_expired(max(cutoff, now - VAULT_TTL))
    log.info("retention purge: %s", report)
    return report


class RetentionScheduler(threading.Thread):
    """A daemon thread that runs `purge()` at start and then every `interval_hours`."""

    def __init__(
        self, interval_hours: float = 6.0, days: int | None = None, purge_fn: Callable[..., Any] = purge
    ):
        super().__init__(name="retention-purge", daemon=True)
        if interval_hours <= 0:
            raise ValueError("interval_hours must be positive")
        self.interval_s = interval_hours * 3600
        self.days = days
        self._purge = purge_fn
        self._stop_event = threading.Event()
        self.runs = 0
        self.last_report: dict[str, Any] | None = None

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.last_report = self._purge(self.days)
            except Exception:  # a failed purge must not stop the assistant; retry next round
                log.exception("retention purge failed")
            self.runs += 1
            self._stop_event.wait(self.interval_s)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


# --- CLI --------------------------------------------------------------------


def _cmd_purge(args: argparse.Namespace) -> int:
    try:
        report = purge(args.days)
    except Exception as exc:  # a clear one-line error for the operator
        print(f"purge mislukt: {exc}")
        return 1
    print(f"bewaartermijn: {report['days']} dagen (alles van voor {report['cutoff']})")
    print(f"verwijderde gesprekken: {report['conversations']}")
    handoff = report["handoff"]
    if isinstance(handoff, dict):
        for key, value in handoff.items():
            print(f"verwijderd {key}: {value}")
    else:
        print(f"overdracht: {handoff}")
    print(f"verwijderde contactgegevens: {report['contact_vault']}")
    return 0


def register_cli(sub: Any) -> None:
    """Add `purge [--days N]` to the CLI."""
    parser = sub.add_parser("purge", help="verwijder gesprekken en terugbelverzoeken na de bewaartermijn")
    parser.add_argument(
        "--days", type=int, default=None, help="bewaartermijn in dagen (standaard uit deployment.yml)"
    )
    parser.set_defaults(func=_cmd_purge)
