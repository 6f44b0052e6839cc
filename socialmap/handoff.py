"""The handoff queue: conversations the assistant hands to helpdesk staff, and callback requests.

A ticket moves through a small state machine::

    waiting --take--> taken --hand_back--> handed_back
       ^                |  \\--close(outcome)--> closed
       |                |
       +---transfer-----+        (waiting again, for a team or a colleague, note travels)
    waiting --cancel--> cancelled   (by the resident)
    waiting --close---> closed      (e.g. "no_answer" when the resident left)

Only one ticket per conversation is active (waiting or taken) at a time; a
partial unique index enforces that in the database, so two processes cannot
create two. `take()` is one conditional UPDATE: of two employees who click at
the same moment exactly one wins, the other is told who has it.

Callback requests (outside opening hours) keep the resident's phone number or
e-mail address in a table of their own, used only to call back, and deleted as
soon as the request is closed or cancelled.

Everything lives in the social-map database (SQLite by default, PostgreSQL via
`SOCIALMAP_DB_URL`), so a restart of any process loses nothing.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import uuid
import weakref
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from socialmap import db as _db
from socialmap.schedule import MONTHS_NL
from socialmap.settings import WEEKDAYS_NL
from socialmap.vault import seal, unseal

# --- statuses and outcomes -------------------------------------------------------------

WAITING = "waiting"
TAKEN = "taken"
HANDED_BACK = "handed_back"
CLOSED = "closed"
CANCELLED = "cancelled"
ACTIVE_STATUSES = (WAITING, TAKEN)

OUTCOMES: dict[str, str] = {
    "helped": "Geholpen",
    "referred": "Doorverwezen",
    "callback_planned": "Terugbelafspraak gemaakt",
    "no_answer": "Geen reactie",
}

PRIORITY_RANK = {"crisis": 0, "normal": 1}

REASONS: dict[str, str] = {
    "request_human": "Inwoner vroeg om een medewerker",
    "not_understood": "De assistent begreep de vraag twee keer niet",
    "crisis": "Mogelijk crisis (113 is al genoemd)",
    "button": "Inwoner koos 'praat met een medewerker'",
    "other": "Overgedragen door de assistent",
}

CALLBACK_OPEN = "open"
CALLBACK_TAKEN = "taken"
CALLBACK_DONE = "done"
CALLBACK_CANCELLED = "cancelled"

CALLBACK_STATUS_LABELS = {
    CALLBACK_OPEN: "Nieuw",
    CALLBACK_TAKEN: "In behandeling",
    CALLBACK_DONE: "Afgerond",
    CALLBACK_CANCELLED: "Ingetrokken",
}

STATUS_LABELS = {
    WAITING: "Wacht",
    TAKEN: "In gesprek",
    HANDED_BACK: "Teruggegeven aan de assistent",
    CLOSED: "Afgesloten",
    CANCELLED: "Ingetrokken door inwoner",
}

MAX_NOTE_CHARS = 2000
MAX_CANNED_TITLE_CHARS = 80
CSAT_SCORES = (1, 2, 3, 4, 5)
CSAT_INVITE_HOURS = 24
# Waiting-time targets (minutes) for the console's warning colour: amber past the target, red past twice.
WAIT_TARGET_MINUTES = {"crisis": 1, "normal": 5}
GENERAL_TEAM = ""  # the general helpdesk inbox: tickets without a team
MAX_MOMENT_CHARS = 200

# --- schema ---------------------------------------------------------------------------

metadata = MetaData()

tickets = Table(
    "handoff_ticket",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("priority_rank", Integer, nullable=False),
    Column("team", String(100)),
    Column("assigned_to", String(64)),  # a colleague it was handed on to
    Column("requested_at", DateTime, nullable=False),
    Column("queued_at", DateTime, nullable=False),  # entered the waiting state (again)
    Column("taken_by", String(64)),
    Column("taken_by_name", String(200)),
    Column("taken_at", DateTime),
    Column("closed_at", DateTime),
    Column("outcome", String(32)),
    Column("summary", Text, nullable=False),
    Column("notes", Text, nullable=False, default="[]"),
    Column("updated_at", DateTime, nullable=False),
    # Added later: existing databases get these columns from ensure_schema().
    Column("urgent_at", DateTime),  # a crisis arrived while the ticket was waiting or held
    Column("urgent_reason", String(32)),
    # The redacted transcript as plain text, kept when the ticket ends, for the history search;
    # deleted with the ticket by the retention job.
    Column("transcript_text", Text),
    # The municipality whose helpdesk handles it (socialmap.tenants); NULL: made before tenants, the default site's.
    Column("municipality", String(100)),
)
# One active ticket per conversation; partial indexes work on SQLite and PostgreSQL.
Index(
    "ux_handoff_ticket_active",
    tickets.c.conversation_id,
    unique=True,
    sqlite_where=tickets.c.status.in_(ACTIVE_STATUSES),
    postgresql_where=tickets.c.status.in_(ACTIVE_STATUSES),
)
Index("ix_handoff_ticket_queue", tickets.c.status, tickets.c.priority_rank, tickets.c.queued_at)

ticket_log = Table(
    "handoff_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(32), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(64)),
    Column("detail", Text),
)

callbacks = Table(
    "callback_request",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("contact_kind", String(16), nullable=False),
    Column("moment", String(MAX_MOMENT_CHARS), nullable=False),
    Column("summary", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("taken_by", String(64)),
    Column("taken_by_name", String(200)),
    Column("closed_at", DateTime),
    Column("outcome", String(32)),
    Column("transcript_text", Text),
    # The municipality whose helpdesk handles it (socialmap.tenants); NULL: made before tenants, the default site's.
    Column("municipality", String(100)),
)

# The contact lives apart from the request: only for calling back, deleted on close.
callback_contacts = Table(
    "callback_contact",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("callback_id", String(32), index=True),  # NULL while staged by the form
    Column("kind", String(16), nullable=False),
    Column("value", String(512), nullable=False),  # encrypted (socialmap.vault.seal)
    Column("created_at", DateTime, nullable=False),
)


# Short texts staff send often; {plaats} and {medewerker} are filled in when used.
canned = Table(
    "handoff_canned_response",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team", String(100)),  # NULL: for every team
    Column("title", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("updated_by", String(64)),
    Column("updated_at", DateTime, nullable=False),
)

# Satisfaction after a conversation with a person. The invite ties a one-time token to a team;
# the answer keeps only team, helpdesk municipality, ISO week and score: no conversation id, no time of day.
csat_invites = Table(
    "csat_invite",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("team", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("municipality", String(100)),
)
csat_answers = Table(
    "csat_answer",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team", String(100)),
    Column("municipality", String(100)),  # whose helpdesk (NULL: from before tenants, the default site's)
    Column("week", String(8), nullable=False),  # "2026-W49"
    Column("score", Integer, nullable=False),  # 1 (heel ontevreden) .. 5 (heel tevreden)
)


def ensure_schema(engine: Engine) -> None:
    """Create the handoff tables and indexes when they are missing (checked once per engine)."""
    _db.ensure_tables(engine, metadata)
    _add_missing_columns(engine)


_columns_checked: weakref.WeakSet[Engine] = weakref.WeakSet()


def _add_missing_columns(engine: Engine) -> None:
    # Tables created by an older version lack the columns added since; nullable columns can be
    # added in place (ALTER TABLE ... ADD COLUMN works the same on SQLite and PostgreSQL).
    if engine in _columns_checked:
        return
    inspector = sa_inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
    _columns_checked.add(engine)


# --- errors ---------------------------------------------------------------------------


class HandoffError(Exception):
    """A queue operation that is not allowed; the message is Dutch, for staff."""


class TicketNotFound(HandoffError):
    """No ticket or callback request with that id."""


class AlreadyTaken(HandoffError):
    """Another employee has the conversation; `holder_name` says who."""

    def __init__(self, holder: str, holder_name: str) -> None:
        super().__init__(f"{holder_name} heeft dit gesprek al overgenomen.")
        self.holder = holder
        self.holder_name = holder_name


class InvalidTransition(HandoffError):
    """The ticket is not in a state that allows this step."""


class NotHolder(HandoffError):
    """Only the employee who has the conversation may do this."""


class NoContact(HandoffError):
    """A callback request needs a validated phone number or e-mail address first."""


# --- value types ----------------------------------------------------------------------


@dataclass
class HandoffSummary:
    """What the employee sees on top: the need, who, where, what was shown, and why."""

    need: str | None = None  # taxonomy category code
    need_label: str | None = None
    audience: str | None = None
    audience_label: str | None = None
    age: int | None = None
    location: str | None = None  # the place as the resident named it / resolved
    municipality: str | None = None
    place_lat: float | None = None
    place_lon: float | None = None
    shown_services: list[str] = field(default_factory=list)
    reason: str = "other"  # key of REASONS

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, REASONS["other"])

    def to_json(self) -> str:
        """Return the summary as a JSON string for the database."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> HandoffSummary:
        """Return a summary from stored JSON, ignoring unknown keys from older versions."""
        data = json.loads(raw or "{}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as a dict including the Dutch reason label."""
        data = asdict(self)
        data["reason_label"] = self.reason_label
        return data


@dataclass(frozen=True)
class Note:
    """A note that travels with a ticket when it is handed on."""

    at: datetime
    by: str
    by_name: str
    text: str
    team: str | None = None
    to: str | None = None
    kind: str = "handover"  # "handover" (travels with a transfer) or "internal" (a staff remark)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": _iso(self.at),
            "by": self.by,
            "by_name": self.by_name,
            "text": self.text,
            "team": self.team,
            "to": self.to,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Ticket:
    """One request of a resident to talk to a person."""

    id: str
    conversation_id: str
    status: str
    priority: str
    team: str | None
    assigned_to: str | None
    requested_at: datetime
    queued_at: datetime
    taken_by: str | None
    taken_by_name: str | None
    taken_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    summary: HandoffSummary
    notes: tuple[Note, ...]
    urgent_at: datetime | None = None
    urgent_reason: str | None = None
    municipality: str | None = None  # whose helpdesk (None: the default site's)

    @property
    def urgent(self) -> bool:
        """Return True when the ticket must be helped first (crisis at request or later)."""
        return self.priority == "crisis" or self.urgent_at is not None

    def waiting_minutes(self, now: datetime | None = None) -> int:
        """Return whole minutes the resident waited: up to now while waiting, else until taken or closed."""
        if self.status == WAITING:
            end = _utc(now)
        else:
            end = self.taken_at or self.closed_at or self.queued_at
        return max(0, int((end - self.queued_at).total_seconds() // 60))

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """Return a JSON-friendly view for the staff console."""
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "status": self.status,
            "status_label": STATUS_LABELS.get(self.status, self.status),
            "priority": self.priority,
            "team": self.team,
            "assigned_to": self.assigned_to,
            "requested_at": _iso(self.requested_at),
            "queued_at": _iso(self.queued_at),
            "waiting_minutes": self.waiting_minutes(now),
            "taken_by": self.taken_by,
            "taken_by_name": self.taken_by_name,
            "taken_at": _iso(self.taken_at),
            "closed_at": _iso(self.closed_at),
            "outcome": self.outcome,
            "outcome_label": OUTCOMES.get(self.outcome or "", None),
            "summary": self.summary.as_dict(),
            "notes": [n.as_dict() for n in self.notes],
            "urgent": self.urgent,
            "urgent_at": _iso(self.urgent_at),
            "urgent_reason": self.urgent_reason,
            "municipality": self.municipality,
            "wait_target_minutes": WAIT_TARGET_MINUTES.get(self.priority, WAIT_TARGET_MINUTES["normal"]),
            "wait_level": wait_level(self.priority, self.waiting_minutes(now))
            if self.status == WAITING
            else "ok",
        }


@dataclass(frozen=True)
class Contact:
    """A validated way to reach a resident: kind "phone" (normalised 0XXXXXXXXX) or "email"."""

    kind: str
    value: str

    @property
    def tag(self) -> str:
        """Return the redaction tag that stands in for this contact in the tracker."""
        return "[TELEFOON]" if self.kind == "phone" else "[E-MAIL]"


@dataclass(frozen=True)
class CallbackRequest:
    """A resident's request to be called or mailed back; the contact is fetched separately."""

    id: str
    conversation_id: str
    status: str
    priority: str
    contact_kind: str
    moment: str
    summary: HandoffSummary
    created_at: datetime
    taken_by: str | None
    taken_by_name: str | None
    closed_at: datetime | None
    outcome: str | None
    municipality: str | None = None  # whose helpdesk calls back (None: the default site's)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly view (without the contact itself)."""
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "status": self.status,
            "status_label": CALLBACK_STATUS_LABELS.get(self.status, self.status),
            "priority": self.priority,
            "contact_kind": self.contact_kind,
            "moment": self.moment,
            "summary": self.summary.as_dict(),
            "created_at": _iso(self.created_at),
            "taken_by": self.taken_by,
            "taken_by_name": self.taken_by_name,
            "closed_at": _iso(self.closed_at),
            "outcome": self.outcome,
            "outcome_label": OUTCOMES.get(self.outcome or "", None),
            "municipality": self.municipality,
        }


@dataclass(frozen=True)
class CannedResponse:
    """A short text staff send often, for one team or (team None) for everyone."""

    id: int
    team: str | None
    title: str
    text: str

    def filled(self, place: str | None, staff_name: str) -> str:
        """Return the text with {plaats} and {medewerker} filled in."""
        return fill_placeholders(self.text, place=place, staff_name=staff_name)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "team": self.team, "title": self.title, "text": self.text}


_PLACEHOLDER_RE = re.compile(r"\{(plaats|medewerker)\}")


def fill_placeholders(text_: str, *, place: str | None, staff_name: str) -> str:
    """Return a canned text with {plaats} (the resident's place) and {medewerker} (first name) filled in."""
    values = {"plaats": place or "uw woonplaats", "medewerker": staff_name}
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text_)


def iso_week(moment: datetime) -> str:
    """Return the ISO week of a moment as '2026-W49'."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def wait_level(priority: str, minutes: int) -> str:
    """Return "ok", "warning" (past the target) or "late" (past twice the target) for a waiting time."""
    target = WAIT_TARGET_MINUTES.get(priority, WAIT_TARGET_MINUTES["normal"])
    if minutes >= 2 * target:
        return "late"
    if minutes >= target:
        return "warning"
    return "ok"


# --- helpers --------------------------------------------------------------------------


_utc = _db.utc_naive


def _iso(moment: datetime | None) -> str | None:
    """Return an ISO 8601 UTC string ("...Z") for a stored naive-UTC datetime."""
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat() + "Z"


def _new_id() -> str:
    return uuid.uuid4().hex


def _fold(value: str) -> str:
    """Return lower case without accents, for matching what staff type against stored text."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _excerpt(text_: str, terms: list[str], width: int = 160) -> str:
    """Return a short piece of the transcript around the first search term (or its start)."""
    if not text_:
        return ""
    folded = _fold(text_)
    at = min((folded.find(t) for t in terms if folded.find(t) >= 0), default=0)
    start = max(0, at - width // 3)
    piece = " ".join(text_[start : start + width].split())
    return ("…" if start else "") + piece + ("…" if start + width < len(text_) else "")


_EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
_PHONE_CANDIDATE_RE = re.compile(r"(?:\+|00)?\d[\d\s\-.()/]{7,20}\d")


def normalise_dutch_phone(raw: str) -> str | None:
    """Return a Dutch phone number as ten digits starting with 0, or None if it is not one.

    Accepts 06-12345678, 0592 123 456, +31 6 1234 5678, 0031612345678 and
    +31 (0)592-123456. Service numbers (0800, 0900, 14 0xxx) are refused:
    we call a resident back, not a company line.
    """
    digits = re.sub(r"[\s\-.()/]", "", raw.replace("(0)", ""))
    if digits.startswith("+31"):
        digits = "0" + digits[3:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        return None
    if digits.startswith(("0800", "0900", "0906", "0909")):
        return None
    return digits


def parse_contact(text_: str | None) -> Contact | None:
    """Return the e-mail address or Dutch phone number found in `text_`, or None."""
    if not text_:
        return None
    text_ = text_.strip()[:500]
    email = _EMAIL_RE.search(text_)
    if email:
        value = email.group(0)
        local, _, domain = value.rpartition("@")
        if len(value) <= 254 and len(local) <= 64 and ".." not in value:
            return Contact("email", local + "@" + domain.lower())
    for match in _PHONE_CANDIDATE_RE.finditer(text_):
        number = normalise_dutch_phone(match.group(0))
        if number:
            return Contact("phone", number)
    return None


def format_phone(number: str) -> str:
    """Return a normalised mobile number as '06 12345678' and a landline as '0592 123456'."""
    if number.startswith("06"):
        return f"{number[:2]} {number[2:]}"
    return f"{number[:4]} {number[4:]}"


def describe_moment(moment: datetime, now: datetime) -> str:
    """Return a short Dutch phrase for a coming moment: 'vandaag om 13:00', 'maandag 1 december om 09:00'."""
    days = (moment.date() - now.date()).days
    clock = f"{moment:%H:%M}"
    if days == 0:
        return f"vandaag om {clock}"
    if days == 1:
        return f"morgen om {clock}"
    return f"{WEEKDAYS_NL[moment.weekday()]} {moment.day} {MONTHS_NL[moment.month - 1]} om {clock}"


def expected_wait_minutes(position: int, average_handling_minutes: float, available_staff: int = 1) -> int:
    """Return the expected wait for a queue position: everyone ahead, and the one being helped, takes the average.

    Several available employees (status "beschikbaar") share the queue; when nobody has set
    a status, one is assumed, since the helpdesk is open.
    """
    return max(1, math.ceil(position * max(average_handling_minutes, 0.5) / max(available_staff, 1)))


def _ticket(row: Row) -> Ticket:
    notes = tuple(
        Note(
            at=datetime.fromisoformat(n["at"].rstrip("Z")),
            by=n["by"],
            by_name=n["by_name"],
            text=n["text"],
            team=n.get("team"),
            to=n.get("to"),
            kind=n.get("kind") or "handover",
        )
        for n in json.loads(row.notes or "[]")
    )
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        status=row.status,
        priority=row.priority,
        team=row.team,
        assigned_to=row.assigned_to,
        requested_at=row.requested_at,
        queued_at=row.queued_at,
        taken_by=row.taken_by,
        taken_by_name=row.taken_by_name,
        taken_at=row.taken_at,
        closed_at=row.closed_at,
        outcome=row.outcome,
        summary=HandoffSummary.from_json(row.summary),
        notes=notes,
        urgent_at=row.urgent_at,
        urgent_reason=row.urgent_reason,
        municipality=row.municipality,
    )


def _callback(row: Row) -> CallbackRequest:
    return CallbackRequest(
        id=row.id,
        conversation_id=row.conversation_id,
        status=row.status,
        priority=row.priority,
        contact_kind=row.contact_kind,
        moment=row.moment,
        summary=HandoffSummary.from_json(row.summary),
        created_at=row.created_at,
        taken_by=row.taken_by,
        taken_by_name=row.taken_by_name,
        closed_at=row.closed_at,
        outcome=row.outcome,
        municipality=row.municipality,
    )


@dataclass(frozen=True)
class Scope:
    """The municipalities an employee may see; `unassigned` also covers rows without one (made before tenants)."""

    municipalities: tuple[str, ...]
    unassigned: bool = False

    def allows(self, municipality: str | None) -> bool:
        """Return True when a ticket or callback of this municipality is in scope."""
        return municipality in self.municipalities if municipality else self.unassigned

    def condition(self, column: Any) -> Any:
        """Return the SQL condition on a `municipality` column."""
        parts = [column.in_(self.municipalities)] if self.municipalities else []
        if self.unassigned:
            parts.append(column.is_(None))
        return or_(*parts) if parts else text("0 = 1")


def _check_priority(priority: str) -> str:
    if priority not in PRIORITY_RANK:
        raise ValueError(f"unknown priority {priority!r}; use one of {sorted(PRIORITY_RANK)}")
    return priority


# --- the queue ------------------------------------------------------------------------


class HandoffQueue:
    """The durable queue of conversations waiting for, or handled by, a person."""

    def __init__(self, engine: Engine | None = None, *, db_url: str | None = None) -> None:
        self.engine = engine or _db.get_engine(db_url)
        ensure_schema(self.engine)

    # -- reading --

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket with this id, or raise TicketNotFound."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
        if row is None:
            raise TicketNotFound(f"Gesprek {ticket_id} bestaat niet (meer).")
        return _ticket(row)

    def active_for(self, conversation_id: str) -> Ticket | None:
        """Return the waiting or taken ticket of a conversation, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tickets).where(
                    tickets.c.conversation_id == conversation_id, tickets.c.status.in_(ACTIVE_STATUSES)
                )
            ).first()
        return _ticket(row) if row else None

    def waiting(self, teams: Iterable[str] | None = None, *, scope: Scope | None = None) -> list[Ticket]:
        """Return waiting tickets in serving order: crisis first, then longest waiting.

        With `teams`, only the inboxes of those teams (GENERAL_TEAM, "", is the general inbox);
        with `scope`, only those of its municipalities.
        """
        query = select(tickets).where(tickets.c.status == WAITING)
        if scope is not None:
            query = query.where(scope.condition(tickets.c.municipality))
        if teams is not None:
            wanted = set(teams)
            named = tuple(t for t in wanted if t)
            conditions = [tickets.c.team.in_(named)] if named else []
            if GENERAL_TEAM in wanted:
                conditions.append(tickets.c.team.is_(None))
            if not conditions:
                return []
            query = query.where(or_(*conditions))
        with self.engine.connect() as conn:
            rows = conn.execute(
                query.order_by(tickets.c.priority_rank, tickets.c.queued_at, tickets.c.id)
            ).all()
        return [_ticket(r) for r in rows]

    def taken(self, *, scope: Scope | None = None) -> list[Ticket]:
        """Return tickets that an employee has now, oldest first (with `scope`: of its municipalities)."""
        query = select(tickets).where(tickets.c.status == TAKEN)
        if scope is not None:
            query = query.where(scope.condition(tickets.c.municipality))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(tickets.c.taken_at)).all()
        return [_ticket(r) for r in rows]

    def position(self, ticket_id: str, *, scope: Scope | None = None) -> int:
        """Return the 1-based place of a waiting ticket in the queue of `scope` (all when None; 0 if not waiting)."""
        ticket = self.get(ticket_id)
        if ticket.status != WAITING:
            return 0
        rank = PRIORITY_RANK[ticket.priority]
        ahead = or_(
            tickets.c.priority_rank < rank,
            and_(tickets.c.priority_rank == rank, tickets.c.queued_at < ticket.queued_at),
            and_(
                tickets.c.priority_rank == rank,
                tickets.c.queued_at == ticket.queued_at,
                tickets.c.id < ticket.id,
            ),
        )
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(tickets).where(tickets.c.status == WAITING, ahead)
            if scope is not None:
                query = query.where(scope.condition(tickets.c.municipality))
            count = conn.execute(query).scalar_one()
        return int(count) + 1

    def history(self, ticket_id: str) -> list[dict[str, Any]]:
        """Return the audit log of a ticket, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ticket_log).where(ticket_log.c.ticket_id == ticket_id).order_by(ticket_log.c.id)
            ).all()
        return [{"at": _iso(r.at), "action": r.action, "actor": r.actor, "detail": r.detail} for r in rows]

    # -- the resident's side --

    def request(
        self,
        conversation_id: str,
        summary: HandoffSummary,
        *,
        priority: str = "normal",
        municipality: str | None = None,
        now: datetime | None = None,
    ) -> Ticket:
        """Return the conversation's active ticket, creating a waiting one when there is none.

        `municipality` is whose helpdesk handles it (socialmap.tenants); only its staff see it.

        Asking twice does not queue twice; a later crisis raises the priority of
        the ticket that is already waiting.
        """
        _check_priority(priority)
        if not conversation_id:
            raise ValueError("conversation_id is empty")
        moment = _utc(now)
        existing = self.active_for(conversation_id)
        if existing is None:
            try:
                with self.engine.begin() as conn:
                    ticket_id = _new_id()
                    conn.execute(
                        insert(tickets).values(
                            id=ticket_id,
                            conversation_id=conversation_id,
                            status=WAITING,
                            priority=priority,
                            priority_rank=PRIORITY_RANK[priority],
                            requested_at=moment,
                            queued_at=moment,
                            summary=summary.to_json(),
                            notes="[]",
                            updated_at=moment,
                            municipality=municipality,
                        )
                    )
                    self._log(conn, ticket_id, "requested", None, priority, moment)
                return self.get(ticket_id)
            except IntegrityError:
                # Another process queued this conversation a moment ago: use that ticket.
                existing = self.active_for(conversation_id)
                if existing is None:
                    raise
        if PRIORITY_RANK[priority] < PRIORITY_RANK[existing.priority]:
            with self.engine.begin() as conn:
                conn.execute(
                    update(tickets)
                    .where(tickets.c.id == existing.id)
                    .values(priority=priority, priority_rank=PRIORITY_RANK[priority], updated_at=moment)
                )
                self._log(conn, existing.id, "escalated", None, priority, moment)
            return self.get(existing.id)
        return existing

    def cancel(self, conversation_id: str, *, now: datetime | None = None) -> Ticket | None:
        """Return the cancelled ticket when the conversation was waiting, else None (nothing changes)."""
        moment = _utc(now)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(tickets.c.id).where(
                    tickets.c.conversation_id == conversation_id, tickets.c.status == WAITING
                )
            ).first()
            if row is None:
                return None
            result = conn.execute(
                update(tickets)
                .where(tickets.c.id == row.id, tickets.c.status == WAITING)
                .values(status=CANCELLED, closed_at=moment, updated_at=moment)
            )
            if result.rowcount != 1:
                return None  # taken in the same instant: the employee is already there
            self._log(conn, row.id, "cancelled", None, None, moment)
        return self.get(row.id)

    def mark_urgent(
        self, conversation_id: str, reason: str = "crisis", *, now: datetime | None = None
    ) -> bool:
        """Return True when the conversation's active ticket or open callback was flagged urgent.

        Called when a resident writes a crisis message while waiting for or talking with a
        medewerker: the ticket moves to the front of the queue (crisis priority) and the console
        shows it as urgent, also while a colleague holds it.
        """
        moment = _utc(now)
        reason = (reason or "crisis")[:32]
        flagged = False
        with self.engine.begin() as conn:
            row = conn.execute(
                select(tickets.c.id).where(
                    tickets.c.conversation_id == conversation_id, tickets.c.status.in_(ACTIVE_STATUSES)
                )
            ).first()
            if row is not None:
                conn.execute(
                    update(tickets)
                    .where(tickets.c.id == row.id)
                    .values(
                        priority="crisis",
                        priority_rank=PRIORITY_RANK["crisis"],
                        urgent_at=moment,
                        urgent_reason=reason,
                        updated_at=moment,
                    )
                )
                self._log(conn, row.id, "urgent", None, reason, moment)
                flagged = True
            result = conn.execute(
                update(callbacks)
                .where(
                    callbacks.c.conversation_id == conversation_id,
                    callbacks.c.status.in_((CALLBACK_OPEN, CALLBACK_TAKEN)),
                )
                .values(priority="crisis")
            )
            flagged = flagged or result.rowcount > 0
        return flagged

    # -- the employee's side --

    def take(self, ticket_id: str, staff: str, staff_name: str, *, now: datetime | None = None) -> Ticket:
        """Return the ticket now taken by `staff`; raise AlreadyTaken naming who was first."""
        moment = _utc(now)
        with self.engine.begin() as conn:
            # The WHERE clause is the lock: only one UPDATE can see status 'waiting'.
            result = conn.execute(
                update(tickets)
                .where(
                    tickets.c.id == ticket_id,
                    tickets.c.status == WAITING,
                    or_(tickets.c.assigned_to.is_(None), tickets.c.assigned_to == staff),
                )
                .values(
                    status=TAKEN,
                    taken_by=staff,
                    taken_by_name=staff_name,
                    taken_at=moment,
                    updated_at=moment,
                )
            )
            if result.rowcount == 1:
                self._log(conn, ticket_id, "taken", staff, None, moment)
        if result.rowcount == 1:
            return self.get(ticket_id)
        ticket = self.get(ticket_id)
        if ticket.status == TAKEN and ticket.taken_by and ticket.taken_by_name:
            raise AlreadyTaken(ticket.taken_by, ticket.taken_by_name)
        if ticket.status == WAITING and ticket.assigned_to and ticket.assigned_to != staff:
            raise NotHolder(
                "Dit gesprek is doorgegeven aan een collega. Alleen die collega kan het overnemen."
            )
        raise InvalidTransition(
            f"Dit gesprek kan niet meer worden overgenomen ({STATUS_LABELS[ticket.status]})."
        )

    def require_holder(self, ticket_id: str, staff: str) -> Ticket:
        """Return the ticket if `staff` has it now; raise NotHolder or InvalidTransition otherwise."""
        ticket = self.get(ticket_id)
        if ticket.status != TAKEN:
            raise InvalidTransition("U heeft dit gesprek niet overgenomen. Neem het eerst over.")
        if ticket.taken_by != staff:
            raise NotHolder(f"{ticket.taken_by_name} heeft dit gesprek. Alleen die medewerker kan dit doen.")
        return ticket

    def transfer(
        self,
        ticket_id: str,
        staff: str,
        staff_name: str,
        *,
        note: str,
        team: str | None = None,
        to_staff: str | None = None,
        now: datetime | None = None,
    ) -> Ticket:
        """Return the ticket waiting again for a team or a colleague, with the note added.

        It keeps its place in time (waiting time counts from the first request)
        so a resident who is handed on is not put at the back of the queue.
        """
        note = (note or "").strip()
        if not note:
            raise HandoffError("Schrijf een korte notitie voor uw collega.")
        if len(note) > MAX_NOTE_CHARS:
            raise HandoffError(f"De notitie is te lang (meer dan {MAX_NOTE_CHARS} tekens).")
        if not team and not to_staff:
            raise HandoffError("Kies een team of een collega.")
        moment = _utc(now)
        ticket = self.require_holder(ticket_id, staff)
        notes = [n.as_dict() for n in ticket.notes]
        notes.append(Note(moment, staff, staff_name, note, team, to_staff).as_dict())
        with self.engine.begin() as conn:
            result = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status == TAKEN, tickets.c.taken_by == staff)
                .values(
                    status=WAITING,
                    team=team or ticket.team,
                    assigned_to=to_staff,
                    queued_at=ticket.requested_at,
                    taken_by=None,
                    taken_by_name=None,
                    taken_at=None,
                    notes=json.dumps(notes, ensure_ascii=False),
                    updated_at=moment,
                )
            )
            if result.rowcount != 1:
                raise InvalidTransition("Het gesprek is intussen veranderd. Ververs de pagina.")
            self._log(conn, ticket_id, "transferred", staff, team or to_staff, moment)
        return self.get(ticket_id)

    def release(self, ticket_id: str, staff: str, *, now: datetime | None = None) -> Ticket:
        """Return the ticket put back in the queue unchanged (used when taking over failed halfway)."""
        moment = _utc(now)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status == TAKEN, tickets.c.taken_by == staff)
                .values(status=WAITING, taken_by=None, taken_by_name=None, taken_at=None, updated_at=moment)
            )
            if result.rowcount == 1:
                self._log(conn, ticket_id, "released", staff, None, moment)
        return self.get(ticket_id)

    def hand_back(
        self, ticket_id: str, staff: str, *, outcome: str | None = None, now: datetime | None = None
    ) -> Ticket:
        """Return the ticket handed back to the assistant by the employee who had it, with an optional outcome."""
        if outcome is not None and outcome not in OUTCOMES:
            raise HandoffError("Kies een uitkomst: " + ", ".join(OUTCOMES.values()) + ".")
        return self._finish(ticket_id, staff, HANDED_BACK, outcome, now)

    def record_outcome(
        self, ticket_id: str, staff: str, outcome: str, *, now: datetime | None = None
    ) -> Ticket:
        """Return the ended ticket with its outcome set (or corrected) by the employee who handled it."""
        if outcome not in OUTCOMES:
            raise HandoffError("Kies een uitkomst: " + ", ".join(OUTCOMES.values()) + ".")
        ticket = self.get(ticket_id)
        if ticket.status not in (HANDED_BACK, CLOSED):
            raise InvalidTransition("Een uitkomst legt u vast als het gesprek is teruggegeven of afgesloten.")
        if ticket.taken_by != staff:
            raise NotHolder(
                f"{ticket.taken_by_name} had dit gesprek. Alleen die medewerker legt de uitkomst vast."
            )
        moment = _utc(now)
        with self.engine.begin() as conn:
            conn.execute(
                update(tickets).where(tickets.c.id == ticket_id).values(outcome=outcome, updated_at=moment)
            )
            self._log(conn, ticket_id, "outcome", staff, outcome, moment)
        return self.get(ticket_id)

    def add_note(
        self, ticket_id: str, staff: str, staff_name: str, text_: str, *, now: datetime | None = None
    ) -> Ticket:
        """Return the ticket with an internal note added: for colleagues only, never sent to the resident."""
        text_ = (text_ or "").strip()
        if not text_:
            raise HandoffError("Schrijf eerst een notitie.")
        if len(text_) > MAX_NOTE_CHARS:
            raise HandoffError(f"De notitie is te lang (meer dan {MAX_NOTE_CHARS} tekens).")
        moment = _utc(now)
        with self.engine.begin() as conn:
            row = conn.execute(select(tickets.c.notes).where(tickets.c.id == ticket_id)).first()
            if row is None:
                raise TicketNotFound(f"Gesprek {ticket_id} bestaat niet (meer).")
            notes = json.loads(row.notes or "[]")
            notes.append(Note(moment, staff, staff_name, text_, kind="internal").as_dict())
            conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id)
                .values(notes=json.dumps(notes, ensure_ascii=False), updated_at=moment)
            )
            self._log(conn, ticket_id, "note", staff, None, moment)
        return self.get(ticket_id)

    def add_shown(self, ticket_id: str, service_name: str) -> Ticket:
        """Return the ticket with a service the employee sent added to "already shown"."""
        with self.engine.begin() as conn:
            row = conn.execute(select(tickets.c.summary).where(tickets.c.id == ticket_id)).first()
            if row is None:
                raise TicketNotFound(f"Gesprek {ticket_id} bestaat niet (meer).")
            summary = HandoffSummary.from_json(row.summary)
            if service_name and service_name not in summary.shown_services:
                summary.shown_services.append(service_name)
                conn.execute(
                    update(tickets).where(tickets.c.id == ticket_id).values(summary=summary.to_json())
                )
        return self.get(ticket_id)

    def keep_transcript(self, ticket_id: str, text_: str) -> None:
        """Keep the (already redacted) transcript text of an ended ticket for the history search."""
        with self.engine.begin() as conn:
            conn.execute(
                update(tickets).where(tickets.c.id == ticket_id).values(transcript_text=text_[:200_000])
            )

    def keep_callback_transcript(self, callback_id: str, text_: str) -> None:
        """Keep the (already redacted) transcript text of a callback request for the history search."""
        with self.engine.begin() as conn:
            conn.execute(
                update(callbacks).where(callbacks.c.id == callback_id).values(transcript_text=text_[:200_000])
            )

    def close(
        self,
        ticket_id: str,
        staff: str,
        outcome: str,
        *,
        staff_name: str | None = None,
        now: datetime | None = None,
    ) -> Ticket:
        """Return the closed ticket; a waiting ticket may be closed too (e.g. 'no_answer')."""
        if outcome not in OUTCOMES:
            raise HandoffError("Kies een uitkomst: " + ", ".join(OUTCOMES.values()) + ".")
        ticket = self.get(ticket_id)
        if ticket.status == WAITING:
            moment = _utc(now)
            with self.engine.begin() as conn:
                result = conn.execute(
                    update(tickets)
                    .where(tickets.c.id == ticket_id, tickets.c.status == WAITING)
                    .values(
                        status=CLOSED,
                        outcome=outcome,
                        closed_at=moment,
                        taken_by=staff,
                        taken_by_name=staff_name or staff,
                        updated_at=moment,
                    )
                )
                if result.rowcount != 1:
                    raise InvalidTransition("Het gesprek is intussen veranderd. Ververs de pagina.")
                self._log(conn, ticket_id, "closed", staff, outcome, moment)
            return self.get(ticket_id)
        return self._finish(ticket_id, staff, CLOSED, outcome, now)

    def _finish(
        self, ticket_id: str, staff: str, status: str, outcome: str | None, now: datetime | None
    ) -> Ticket:
        moment = _utc(now)
        self.require_holder(ticket_id, staff)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status == TAKEN, tickets.c.taken_by == staff)
                .values(status=status, outcome=outcome, closed_at=moment, updated_at=moment)
            )
            if result.rowcount != 1:
                raise InvalidTransition("Het gesprek is intussen veranderd. Ververs de pagina.")
            self._log(conn, ticket_id, status, staff, outcome, moment)
        return self.get(ticket_id)

    @staticmethod
    def _log(
        conn: Connection, ticket_id: str, action: str, actor: str | None, detail: str | None, at: datetime
    ) -> None:
        conn.execute(
            insert(ticket_log).values(ticket_id=ticket_id, at=at, action=action, actor=actor, detail=detail)
        )

    # -- callback requests --

    def stage_contact(self, conversation_id: str, contact: Contact, *, now: datetime | None = None) -> None:
        """Keep a validated contact for the callback form until the request is submitted."""
        moment = _utc(now)
        with self.engine.begin() as conn:
            conn.execute(
                delete(callback_contacts).where(
                    callback_contacts.c.conversation_id == conversation_id,
                    callback_contacts.c.callback_id.is_(None),
                )
            )
            conn.execute(
                insert(callback_contacts).values(
                    conversation_id=conversation_id,
                    callback_id=None,
                    kind=contact.kind,
                    value=seal(contact.value),  # encrypted at rest (Fernet, the vault key)
                    created_at=moment,
                )
            )

    def request_callback(
        self,
        conversation_id: str,
        moment_text: str,
        summary: HandoffSummary,
        *,
        priority: str = "normal",
        municipality: str | None = None,
        now: datetime | None = None,
    ) -> CallbackRequest:
        """Return a new callback request using the contact staged by the form; raise NoContact without one."""
        _check_priority(priority)
        moment_text = (moment_text or "").strip()[:MAX_MOMENT_CHARS]
        if not moment_text:
            raise HandoffError("Er is geen moment gekozen.")
        at = _utc(now)
        callback_id = _new_id()
        with self.engine.begin() as conn:
            staged = conn.execute(
                select(callback_contacts)
                .where(
                    callback_contacts.c.conversation_id == conversation_id,
                    callback_contacts.c.callback_id.is_(None),
                )
                .order_by(callback_contacts.c.id.desc())
            ).first()
            if staged is None:
                raise NoContact("Er is nog geen geldig telefoonnummer of e-mailadres.")
            conn.execute(
                insert(callbacks).values(
                    id=callback_id,
                    conversation_id=conversation_id,
                    status=CALLBACK_OPEN,
                    priority=priority,
                    contact_kind=staged.kind,
                    moment=moment_text,
                    summary=summary.to_json(),
                    created_at=at,
                    municipality=municipality,
                )
            )
            conn.execute(
                update(callback_contacts)
                .where(callback_contacts.c.id == staged.id)
                .values(callback_id=callback_id)
            )
        return self.get_callback(callback_id)

    def get_callback(self, callback_id: str) -> CallbackRequest:
        """Return the callback request with this id, or raise TicketNotFound."""
        with self.engine.connect() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).first()
        if row is None:
            raise TicketNotFound(f"Terugbelverzoek {callback_id} bestaat niet (meer).")
        return _callback(row)

    def callbacks(
        self, statuses: Iterable[str] = (CALLBACK_OPEN, CALLBACK_TAKEN), *, scope: Scope | None = None
    ) -> list[CallbackRequest]:
        """Return callback requests with these statuses (and in `scope`): crisis first, then oldest first."""
        order = case((callbacks.c.priority == "crisis", 0), else_=1)
        query = select(callbacks).where(callbacks.c.status.in_(tuple(statuses)))
        if scope is not None:
            query = query.where(scope.condition(callbacks.c.municipality))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(order, callbacks.c.created_at)).all()
        return [_callback(r) for r in rows]

    def callback_contact(self, callback_id: str) -> Contact | None:
        """Return the contact of an open callback request (None once it was closed and erased)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(callback_contacts).where(callback_contacts.c.callback_id == callback_id)
            ).first()
        value = unseal(row.value) if row else None
        return Contact(row.kind, value) if row and value is not None else None

    def take_callback(self, callback_id: str, staff: str, staff_name: str) -> CallbackRequest:
        """Return the callback request now handled by `staff`; raise AlreadyTaken if a colleague was first."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(callbacks)
                .where(callbacks.c.id == callback_id, callbacks.c.status == CALLBACK_OPEN)
                .values(status=CALLBACK_TAKEN, taken_by=staff, taken_by_name=staff_name)
            )
        request = self.get_callback(callback_id)
        if result.rowcount != 1:
            if request.status == CALLBACK_TAKEN and request.taken_by and request.taken_by_name:
                raise AlreadyTaken(request.taken_by, request.taken_by_name)
            raise InvalidTransition("Dit terugbelverzoek is al afgerond.")
        return request

    def close_callback(
        self, callback_id: str, staff: str, outcome: str, *, now: datetime | None = None
    ) -> CallbackRequest:
        """Return the closed callback request; its contact is deleted in the same transaction."""
        if outcome not in OUTCOMES:
            raise HandoffError("Kies een uitkomst: " + ", ".join(OUTCOMES.values()) + ".")
        request = self.get_callback(callback_id)
        if request.status == CALLBACK_TAKEN and request.taken_by != staff:
            raise NotHolder(f"{request.taken_by_name} behandelt dit terugbelverzoek.")
        with self.engine.begin() as conn:
            result = conn.execute(
                update(callbacks)
                .where(callbacks.c.id == callback_id, callbacks.c.status.in_((CALLBACK_OPEN, CALLBACK_TAKEN)))
                .values(status=CALLBACK_DONE, outcome=outcome, closed_at=_utc(now), taken_by=staff)
            )
            if result.rowcount != 1:
                raise InvalidTransition("Dit terugbelverzoek is al afgerond.")
            conn.execute(delete(callback_contacts).where(callback_contacts.c.callback_id == callback_id))
        return self.get_callback(callback_id)

    def cancel_callbacks(self, conversation_id: str, *, now: datetime | None = None) -> int:
        """Return how many open callback requests of a conversation were cancelled (contacts deleted)."""
        with self.engine.begin() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    select(callbacks.c.id).where(
                        callbacks.c.conversation_id == conversation_id, callbacks.c.status == CALLBACK_OPEN
                    )
                )
            ]
            if ids:
                conn.execute(
                    update(callbacks)
                    .where(callbacks.c.id.in_(ids), callbacks.c.status == CALLBACK_OPEN)
                    .values(status=CALLBACK_CANCELLED, closed_at=_utc(now))
                )
                conn.execute(delete(callback_contacts).where(callback_contacts.c.callback_id.in_(ids)))
            conn.execute(
                delete(callback_contacts).where(
                    callback_contacts.c.conversation_id == conversation_id,
                    callback_contacts.c.callback_id.is_(None),
                )
            )
        return len(ids)

    # -- canned responses --

    def canned_responses(self, teams: Iterable[str] | None = None) -> list[CannedResponse]:
        """Return canned responses for everyone plus those of `teams` (all when None), by title."""
        query = select(canned)
        if teams is not None:
            query = query.where(or_(canned.c.team.is_(None), canned.c.team.in_(tuple(t for t in teams if t))))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(canned.c.title, canned.c.id)).all()
        return [CannedResponse(r.id, r.team, r.title, r.text) for r in rows]

    def get_canned(self, canned_id: int) -> CannedResponse:
        """Return one canned response, or raise TicketNotFound."""
        with self.engine.connect() as conn:
            row = conn.execute(select(canned).where(canned.c.id == canned_id)).first()
        if row is None:
            raise TicketNotFound("Dit standaardantwoord bestaat niet (meer).")
        return CannedResponse(row.id, row.team, row.title, row.text)

    def save_canned(
        self,
        title: str,
        text_: str,
        *,
        team: str | None = None,
        by: str | None = None,
        canned_id: int | None = None,
        now: datetime | None = None,
    ) -> CannedResponse:
        """Return the new or changed canned response; raise HandoffError for an empty or long text."""
        title = " ".join((title or "").split())
        text_ = (text_ or "").strip()
        if not title or len(title) > MAX_CANNED_TITLE_CHARS:
            raise HandoffError(f"Geef een korte titel (hoogstens {MAX_CANNED_TITLE_CHARS} tekens).")
        if not text_ or len(text_) > MAX_NOTE_CHARS:
            raise HandoffError(f"Schrijf een tekst van hoogstens {MAX_NOTE_CHARS} tekens.")
        values = {
            "team": team or None,
            "title": title,
            "text": text_,
            "updated_by": by,
            "updated_at": _utc(now),
        }
        with self.engine.begin() as conn:
            if canned_id is None:
                new_id = conn.execute(insert(canned).values(**values)).inserted_primary_key[0]
            else:
                if (
                    conn.execute(update(canned).where(canned.c.id == canned_id).values(**values)).rowcount
                    != 1
                ):
                    raise TicketNotFound("Dit standaardantwoord bestaat niet (meer).")
                new_id = canned_id
        return self.get_canned(int(new_id))

    def delete_canned(self, canned_id: int) -> None:
        """Delete a canned response (nothing happens when it is already gone)."""
        with self.engine.begin() as conn:
            conn.execute(delete(canned).where(canned.c.id == canned_id))

    # -- satisfaction (CSAT) --

    def csat_invite(
        self, team: str | None, *, municipality: str | None = None, now: datetime | None = None
    ) -> str:
        """Return a one-time token the widget sends back with the resident's score."""
        token = _new_id()
        with self.engine.begin() as conn:
            conn.execute(
                insert(csat_invites).values(
                    token=token, team=team or None, municipality=municipality, created_at=_utc(now)
                )
            )
        return token

    def record_csat(self, token: str, score: int, *, now: datetime | None = None) -> bool:
        """Return True when the score was stored (once per invite, within a day); no identity is kept."""
        if score not in CSAT_SCORES or not isinstance(token, str) or len(token) > 64:
            return False
        moment = _utc(now)
        with self.engine.begin() as conn:
            row = conn.execute(select(csat_invites).where(csat_invites.c.token == token)).first()
            if row is None or moment - row.created_at > timedelta(hours=CSAT_INVITE_HOURS):
                return False
            if conn.execute(delete(csat_invites).where(csat_invites.c.token == token)).rowcount != 1:
                return False  # the same answer arrived twice at once
            conn.execute(
                insert(csat_answers).values(
                    team=row.team, municipality=row.municipality, week=iso_week(moment), score=score
                )
            )
        return True

    def csat_report(self, *, scope: Scope | None = None) -> list[dict[str, Any]]:
        """Return per team and week (of `scope`'s helpdesks): answers, average score and the count per score."""
        query = select(csat_answers.c.team, csat_answers.c.week, csat_answers.c.score, func.count())
        if scope is not None:
            query = query.where(scope.condition(csat_answers.c.municipality))
        with self.engine.connect() as conn:
            rows = conn.execute(
                query.group_by(csat_answers.c.team, csat_answers.c.week, csat_answers.c.score)
            ).all()
        groups: dict[tuple[str, str], dict[int, int]] = {}
        for team, week, score, count in rows:
            groups.setdefault((team or "", week), {})[int(score)] = int(count)
        report = []
        for (team, week), counts in sorted(
            groups.items(), key=lambda item: (item[0][1], item[0][0]), reverse=True
        ):
            total = sum(counts.values())
            report.append(
                {
                    "team": team or None,
                    "week": week,
                    "answers": total,
                    "average": round(sum(s * c for s, c in counts.items()) / total, 2),
                    "counts": {str(s): counts.get(s, 0) for s in CSAT_SCORES},
                }
            )
        return report

    # -- history --

    def history_search(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        team: str | None = None,
        outcome: str | None = None,
        place: str | None = None,
        words: str | None = None,
        scope: Scope | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Return ended conversations and callback requests that match, newest first.

        Dates are inclusive moments (naive UTC or aware); place matches the resident's place or
        municipality; words must all occur in the kept (redacted) transcript or the summary.
        """
        finished = (HANDED_BACK, CLOSED, CANCELLED)
        t_query = select(tickets).where(tickets.c.status.in_(finished))
        c_query = select(callbacks).where(callbacks.c.status.in_((CALLBACK_DONE, CALLBACK_CANCELLED)))
        if scope is not None:
            t_query = t_query.where(scope.condition(tickets.c.municipality))
            c_query = c_query.where(scope.condition(callbacks.c.municipality))
        if date_from is not None:
            t_query = t_query.where(tickets.c.requested_at >= _utc(date_from))
            c_query = c_query.where(callbacks.c.created_at >= _utc(date_from))
        if date_to is not None:
            t_query = t_query.where(tickets.c.requested_at <= _utc(date_to))
            c_query = c_query.where(callbacks.c.created_at <= _utc(date_to))
        if team:
            t_query = t_query.where(tickets.c.team == team)
            c_query = c_query.where(text("0 = 1"))  # callback requests have no team yet
        if outcome:
            t_query = t_query.where(tickets.c.outcome == outcome)
            c_query = c_query.where(callbacks.c.outcome == outcome)
        with self.engine.connect() as conn:
            t_rows = conn.execute(t_query.order_by(tickets.c.requested_at.desc()).limit(2000)).all()
            c_rows = conn.execute(c_query.order_by(callbacks.c.created_at.desc()).limit(2000)).all()
        place_key = _fold(place or "")
        terms = [_fold(w) for w in (words or "").split() if w.strip()]
        found: list[dict[str, Any]] = []
        for kind, rows in (("ticket", t_rows), ("callback", c_rows)):
            for row in rows:
                summary = HandoffSummary.from_json(row.summary)
                if place_key and place_key not in _fold(
                    f"{summary.location or ''} {summary.municipality or ''}"
                ):
                    continue
                haystack = _fold(
                    " ".join(
                        [
                            row.transcript_text or "",
                            summary.need_label or "",
                            " ".join(summary.shown_services),
                            getattr(row, "moment", "") or "",
                        ]
                    )
                )
                if any(term not in haystack for term in terms):
                    continue
                started = row.requested_at if kind == "ticket" else row.created_at
                found.append(
                    {
                        "kind": kind,
                        "id": row.id,
                        "conversation_id": row.conversation_id,
                        "status": row.status,
                        "status_label": (STATUS_LABELS if kind == "ticket" else CALLBACK_STATUS_LABELS).get(
                            row.status, row.status
                        ),
                        "started_at": _iso(started),
                        "closed_at": _iso(row.closed_at),
                        "team": getattr(row, "team", None),
                        "municipality": row.municipality,
                        "taken_by_name": row.taken_by_name,
                        "outcome": row.outcome,
                        "outcome_label": OUTCOMES.get(row.outcome or "", None),
                        "priority": row.priority,
                        "summary": summary.as_dict(),
                        "excerpt": _excerpt(row.transcript_text or "", terms),
                        "_sort": started,
                    }
                )
        found.sort(key=lambda item: item["_sort"], reverse=True)
        for item in found:
            del item["_sort"]
        return found[:limit]

    # -- retention --

    def purge(self, before: datetime) -> int:
        """Return how many finished tickets and callback requests older than `before` were deleted.

        Also deletes contacts staged by a form that was never submitted. Called
        by the retention job (`python -m socialmap purge`).
        """
        cutoff = _utc(before)
        finished = (HANDED_BACK, CLOSED, CANCELLED)
        with self.engine.begin() as conn:
            old_ids = [
                r.id
                for r in conn.execute(
                    select(tickets.c.id).where(tickets.c.status.in_(finished), tickets.c.updated_at < cutoff)
                )
            ]
            if old_ids:
                conn.execute(delete(ticket_log).where(ticket_log.c.ticket_id.in_(old_ids)))
                conn.execute(delete(tickets).where(tickets.c.id.in_(old_ids)))
            old_callbacks = [
                r.id
                for r in conn.execute(
                    select(callbacks.c.id).where(
                        callbacks.c.status.in_((CALLBACK_DONE, CALLBACK_CANCELLED)),
                        callbacks.c.created_at < cutoff,
                    )
                )
            ]
            if old_callbacks:
                conn.execute(delete(callbacks).where(callbacks.c.id.in_(old_callbacks)))
            conn.execute(
                delete(callback_contacts).where(
                    callback_contacts.c.callback_id.is_(None),
                    callback_contacts.c.created_at < _utc() - timedelta(days=1),
                )
            )
            conn.execute(
                delete(csat_invites).where(
                    csat_invites.c.created_at < _utc() - timedelta(hours=CSAT_INVITE_HOURS)
                )
            )
        return len(old_ids) + len(old_callbacks)


def purge_older_than(cutoff: datetime) -> dict[str, int]:
    """Return what the retention job deleted from the handoff tables of the default database."""
    return {"handoff": HandoffQueue().purge(cutoff)}
