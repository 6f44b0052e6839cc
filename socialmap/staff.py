"""Helpdesk staff accounts, password checks, login lockout and console sessions.

Passwords are hashed with scrypt (memory-hard, in the standard library) and a
random salt per account. A session is a random token held by the browser in an
HttpOnly cookie; the database keeps only its SHA-256, so a copy of the database
does not let anyone log in. Each session has its own CSRF token.

CLI: `python -m socialmap staff add USERNAME --name "Anja de Vries" [--password-stdin]`,
`staff list`, `staff disable USERNAME`, `staff enable USERNAME`.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import re
import secrets
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from socialmap import db as _db

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

# Roles: what an account may see. "beleid" (policy advisors) sees the signals dashboard and no
# conversations, queue or contact details. A NULL role in older databases means DEFAULT_ROLE.
DEFAULT_ROLE = "medewerker"
ROLES: dict[str, str] = {
    "medewerker": "Medewerker helpdesk",
    "beleid": "Beleidsmedewerker (signalen, geen gesprekken)",
    "teamleider": "Teamleider helpdesk (ook accounts en standaardantwoorden beheren)",
}
CONVERSATION_ROLES = frozenset({"medewerker", "teamleider"})
LEAD_ROLES = frozenset({"teamleider"})
SIGNALS_ROLES = frozenset({"beleid"})

metadata = MetaData()

accounts = Table(
    "staff_account",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
    Column("role", String(32)),  # added later; see ensure_schema
)

sessions = Table(
    "staff_session",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)


# Teams, municipalities and availability of an employee; a table of its own so accounts made by
# older versions need no migration. An employee sees only the conversations, callbacks, history
# and signals of their municipalities (`municipalities`, a JSON list; none = the default site's).
# `municipality` is the single free-text column of before, still read when the list is empty.
AVAILABLE = "beschikbaar"
AWAY = "afwezig"
STATUSES = {AVAILABLE: "Beschikbaar", AWAY: "Afwezig"}

profiles = Table(
    "staff_profile",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("teams", String(1000), nullable=False, default="[]"),  # JSON list of team names
    Column("status", String(16), nullable=False, default=AWAY),
    Column("status_at", DateTime),
    Column("municipality", String(100)),
    Column("municipalities", Text),  # JSON list of municipality names; added later, see ensure_schema
)

# Failed logins per typed username, known or not: the answers never tell whether an account exists.
# The count is raised in the database (failures = failures + 1), so parallel guesses all count.
login_attempts = Table(
    "staff_login_attempt",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
)


def ensure_schema(engine: Engine) -> None:
    """Create the staff tables when they are missing (checked once per engine)."""
    _db.ensure_tables(engine, metadata)
    if engine not in _role_checked:
        with engine.begin() as conn:
            if "role" not in {c["name"] for c in sa_inspect(conn).get_columns("staff_account")}:
                conn.execute(text("ALTER TABLE staff_account ADD COLUMN role VARCHAR(32)"))
            if "municipalities" not in {c["name"] for c in sa_inspect(conn).get_columns("staff_profile")}:
                # Same statement on SQLite and PostgreSQL; existing rows keep NULL (= the default site).
                conn.execute(text("ALTER TABLE staff_profile ADD COLUMN municipalities TEXT"))
        _role_checked.add(engine)


_role_checked: weakref.WeakSet[Engine] = weakref.WeakSet()


class StaffError(Exception):
    """A staff operation failed; the message is Dutch and safe to show."""


class LoginFailed(StaffError):
    """Wrong username or password, or a disabled account (deliberately not told apart)."""


class AccountLocked(StaffError):
    """Too many failed logins; `until` is when the account opens again (UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"Te veel mislukte pogingen. Dit account is {LOCKOUT_MINUTES} minuten geblokkeerd. Probeer het later opnieuw."
        )
        self.until = until


@dataclass(frozen=True)
class StaffAccount:
    """An employee who may use the staff console."""

    username: str
    name: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    role: str = DEFAULT_ROLE


@dataclass(frozen=True)
class StaffProfile:
    """What the console needs besides the account: team memberships and availability."""

    username: str
    teams: tuple[str, ...] = ()
    status: str = AWAY
    municipality: str | None = None
    # The municipalities whose conversations this employee handles; empty = the default site's.
    municipalities: tuple[str, ...] = ()

    def scope(self, default: str) -> tuple[str, ...]:
        """Return the municipalities this employee may see: their own, else the default site's."""
        if self.municipalities:
            return self.municipalities
        return (self.municipality,) if self.municipality else (default,)

    def as_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "teams": list(self.teams),
            "municipalities": list(self.municipalities),
            "status": self.status,
            "status_label": STATUSES.get(self.status, self.status),
        }


@dataclass(frozen=True)
class StaffSession:
    """A logged-in console session; `token` is only known right after login."""

    token: str | None
    username: str
    name: str
    csrf_token: str
    expires_at: datetime
    role: str = DEFAULT_ROLE


_utc = _db.utc_naive


def _naive(moment: datetime) -> datetime:
    """Return a stored moment as naive UTC (PostgreSQL may hand back an aware one)."""
    return _utc(moment) if moment.tzinfo is not None else moment


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """Return 'scrypt$n$r$p$salt$hash' for a password, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_DKLEN
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Return True when `password` matches the stored scrypt hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(hash_b64)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


# Checked against when the username does not exist, so timing does not reveal valid usernames.
_DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(b'0' * 16)}${_b64(b'0' * SCRYPT_DKLEN)}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_rules(password: str) -> None:
    """Raise StaffError with a Dutch explanation when a new password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn.")
    if password.strip() != password:
        raise StaffError("Het wachtwoord mag niet beginnen of eindigen met een spatie.")


class StaffStore:
    """Staff accounts and sessions in the social-map database."""

    def __init__(
        self, engine: Engine | None = None, *, db_url: str | None = None, session_minutes: int = 480
    ) -> None:
        self.engine = engine or _db.get_engine(db_url)
        self.session_minutes = session_minutes
        ensure_schema(self.engine)

    # -- accounts --

    def add(
        self, username: str, name: str, password: str, *, now: datetime | None = None, role: str = DEFAULT_ROLE
    ) -> StaffAccount:
        """Return the new account; raise StaffError for a bad username, weak password, role or duplicate."""
        _check_role(role)
        username = username.strip().lower()
        if not USERNAME_RE.fullmatch(username):
            raise StaffError(
                "Gebruikersnaam: 2 tot 64 tekens, kleine letters, cijfers, punt, streepje of laag streepje."
            )
        name = name.strip()
        if not name or len(name) > 200:
            raise StaffError("Vul een naam in (hoogstens 200 tekens).")
        check_password_rules(password)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(accounts).values(
                        username=username,
                        name=name,
                        password_hash=hash_password(password),
                        disabled=False,
                        failed_logins=0,
                        created_at=_utc(now),
                        role=role,
                    )
                )
        except IntegrityError as exc:
            raise StaffError(f"Gebruikersnaam {username} bestaat al.") from exc
        account = self.get(username)
        assert account is not None
        return account

    def get(self, username: str) -> StaffAccount | None:
        """Return the account, or None when it does not exist."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.username == username.strip().lower())
            ).first()
        if row is None:
            return None
        return StaffAccount(
            row.username, row.name, bool(row.disabled), row.created_at, row.last_login_at, row.role or DEFAULT_ROLE
        )

    def list(self) -> list[StaffAccount]:
        """Return all accounts sorted by username."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.username)).all()
        return [
            StaffAccount(
                r.username, r.name, bool(r.disabled), r.created_at, r.last_login_at, r.role or DEFAULT_ROLE
            )
            for r in rows
        ]

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable (or enable) an account; disabling also ends its sessions."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(accounts)
                .where(accounts.c.username == username.strip().lower())
                .values(disabled=disabled, failed_logins=0, locked_until=None)
            )
            self._clear_attempts(conn, username)
            if result.rowcount != 1:
                raise StaffError(f"Gebruikersnaam {username} bestaat niet.")
            if disabled:
                conn.execute(delete(sessions).where(sessions.c.username == username.strip().lower()))

    def set_role(self, username: str, role: str) -> None:
        """Give an account another role; its sessions end, so the new rights apply at once."""
        _check_role(role)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(accounts).where(accounts.c.username == username.strip().lower()).values(role=role)
            )
            if result.rowcount != 1:
                raise StaffError(f"Gebruikersnaam {username} bestaat niet.")
            conn.execute(delete(sessions).where(sessions.c.username == username.strip().lower()))

    def set_password(self, username: str, password: str) -> None:
        """Replace an account's password; existing sessions end."""
        check_password_rules(password)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(accounts)
                .where(accounts.c.username == username.strip().lower())
                .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
            )
            self._clear_attempts(conn, username)
            if result.rowcount != 1:
                raise StaffError(f"Gebruikersnaam {username} bestaat niet.")
            conn.execute(delete(sessions).where(sessions.c.username == username.strip().lower()))

    # -- teams and availability --

    def profile(self, username: str) -> StaffProfile:
        """Return the employee's profile (defaults when none was stored yet)."""
        username = username.strip().lower()
        with self.engine.connect() as conn:
            row = conn.execute(select(profiles).where(profiles.c.username == username)).first()
        return _profile(row) if row is not None else StaffProfile(username)

    def profiles(self) -> dict[str, StaffProfile]:
        """Return every stored profile by username."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(profiles)).all()
        return {r.username: _profile(r) for r in rows}

    def _save_profile(self, username: str, **values: object) -> StaffProfile:
        username = username.strip().lower()
        if self.get(username) is None:
            raise StaffError(f"Gebruikersnaam {username} bestaat niet.")
        with self.engine.begin() as conn:
            changed = conn.execute(update(profiles).where(profiles.c.username == username).values(**values))
            if changed.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(profiles).values(username=username, **values))
                except IntegrityError:
                    conn.execute(update(profiles).where(profiles.c.username == username).values(**values))
        return self.profile(username)

    def set_teams(self, username: str, teams: Iterable[str]) -> StaffProfile:
        """Return the profile with these team memberships."""
        clean = sorted({" ".join(str(t).split()) for t in teams if str(t).strip()})
        return self._save_profile(username, teams=json.dumps(clean, ensure_ascii=False))

    def set_municipalities(self, username: str, municipalities: Iterable[str]) -> StaffProfile:
        """Return the profile with these municipalities (names checked by the caller against the tenants)."""
        clean = sorted({" ".join(str(m).split()) for m in municipalities if str(m).strip()})
        return self._save_profile(username, municipalities=json.dumps(clean, ensure_ascii=False))

    def set_status(self, username: str, status: str, *, now: datetime | None = None) -> StaffProfile:
        """Return the profile with the new availability (beschikbaar or afwezig)."""
        if status not in STATUSES:
            raise StaffError("Kies: " + ", ".join(STATUSES) + ".")
        return self._save_profile(username, status=status, status_at=_utc(now))

    def available_count(
        self, team: str | None = None, *, municipality: str | None = None, default_municipality: str = ""
    ) -> int:
        """Return how many active employees are available (for `team` and `municipality`, or in total).

        An employee without municipalities belongs to `default_municipality` (the default site).
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(profiles)
                .join(accounts, accounts.c.username == profiles.c.username)
                .where(profiles.c.status == AVAILABLE, accounts.c.disabled.is_(False))
            ).all()
        found = [_profile(r) for r in rows]
        if team is not None:
            found = [p for p in found if team in p.teams]
        if municipality is not None:
            found = [p for p in found if municipality in p.scope(default_municipality)]
        return len(found)

    # -- login --

    def authenticate(self, username: str, password: str, *, now: datetime | None = None) -> StaffAccount:
        """Return the account when the password is right; raise LoginFailed or AccountLocked.

        After MAX_FAILED_LOGINS wrong passwords the username is locked for
        LOCKOUT_MINUTES, even for the right password, to stop guessing. Unknown
        usernames are counted and locked the same way, and cost the same scrypt
        work, so the answers do not reveal which accounts exist. The failure
        count is raised atomically in the database: parallel guesses all count.
        """
        moment = _utc(now)
        username = (username or "").strip().lower()[:64]
        locked = self._locked_until(username, moment)
        if locked is not None:
            raise AccountLocked(locked)
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == username)).first()
        ok = verify_password(password, row.password_hash if row is not None else _DUMMY_HASH)
        if row is None or not ok or row.disabled:
            locked = self._count_failure(username, moment)
            if locked is not None:
                raise AccountLocked(locked)
            raise LoginFailed("Gebruikersnaam of wachtwoord klopt niet.")
        with self.engine.begin() as conn:
            # Only while not locked: a lock set by parallel wrong guesses since the check above stands.
            reset = conn.execute(
                update(login_attempts)
                .where(login_attempts.c.username == username)
                .where(or_(login_attempts.c.locked_until.is_(None), login_attempts.c.locked_until <= moment))
                .values(failures=0, locked_until=None)
            )
            if reset.rowcount == 0:
                locked = conn.execute(
                    select(login_attempts.c.locked_until).where(login_attempts.c.username == username)
                ).scalar()
                if locked is not None and _naive(locked) > moment:
                    raise AccountLocked(locked)
            conn.execute(
                update(accounts)
                .where(accounts.c.username == username)
                .values(failed_logins=0, locked_until=None, last_login_at=moment)
            )
        return StaffAccount(row.username, row.name, False, row.created_at, moment, row.role or DEFAULT_ROLE)

    def _locked_until(self, username: str, moment: datetime) -> datetime | None:
        with self.engine.connect() as conn:
            locked = conn.execute(
                select(login_attempts.c.locked_until).where(login_attempts.c.username == username)
            ).scalar()
        return locked if locked is not None and _naive(locked) > moment else None

    def _count_failure(self, username: str, moment: datetime) -> datetime | None:
        """Add one failure atomically; return the lock's end when this failure locks the username."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(login_attempts).values(username=username, failures=0, locked_until=None))
        except IntegrityError:
            pass  # the row exists already
        with self.engine.begin() as conn:
            conn.execute(
                update(login_attempts)
                .where(login_attempts.c.username == username)
                .values(failures=login_attempts.c.failures + 1)
            )
            failures, locked = conn.execute(
                select(login_attempts.c.failures, login_attempts.c.locked_until).where(
                    login_attempts.c.username == username
                )
            ).one()
            if locked is not None and _naive(locked) > moment:
                return locked
            if failures >= MAX_FAILED_LOGINS:
                until = moment + timedelta(minutes=LOCKOUT_MINUTES)
                conn.execute(
                    update(login_attempts)
                    .where(login_attempts.c.username == username)
                    .values(failures=0, locked_until=until)
                )
                return until
        return None

    def _clear_attempts(self, conn: Any, username: str) -> None:
        conn.execute(delete(login_attempts).where(login_attempts.c.username == username.strip().lower()))

    # -- sessions --

    def create_session(self, username: str, *, now: datetime | None = None) -> StaffSession:
        """Return a new session with its secret token (only here) and its CSRF token."""
        account = self.get(username)
        if account is None or account.disabled:
            raise LoginFailed("Gebruikersnaam of wachtwoord klopt niet.")
        moment = _utc(now)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = moment + timedelta(minutes=self.session_minutes)
        with self.engine.begin() as conn:
            # Old sessions are cleaned up here, the one place sessions are written.
            conn.execute(delete(sessions).where(sessions.c.expires_at <= moment))
            conn.execute(
                insert(sessions).values(
                    token_hash=_token_hash(token),
                    username=account.username,
                    csrf_token=csrf,
                    created_at=moment,
                    expires_at=expires,
                )
            )
        return StaffSession(token, account.username, account.name, csrf, expires, account.role)

    def session(self, token: str | None, *, now: datetime | None = None) -> StaffSession | None:
        """Return the live session for a cookie token, or None (unknown, expired or account disabled)."""
        if not token or len(token) > 200:
            return None
        moment = _utc(now)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions, accounts.c.name, accounts.c.disabled, accounts.c.role)
                .join(accounts, accounts.c.username == sessions.c.username)
                .where(sessions.c.token_hash == _token_hash(token))
            ).first()
        if row is None or row.expires_at <= moment or row.disabled:
            return None
        return StaffSession(None, row.username, row.name, row.csrf_token, row.expires_at, row.role or DEFAULT_ROLE)

    def end_session(self, token: str | None) -> None:
        """Log out: forget the session of this token."""
        if token:
            with self.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.token_hash == _token_hash(token)))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StaffError("Onbekende rol. Kies uit: " + ", ".join(ROLES) + ".")


def _profile(row: Any) -> StaffProfile:
    return StaffProfile(
        username=row.username,
        teams=tuple(json.loads(row.teams or "[]")),
        status=row.status or AWAY,
        municipality=row.municipality,
        municipalities=tuple(json.loads(getattr(row, "municipalities", None) or "[]")),
    )


def check_csrf(session: StaffSession, supplied: str | None) -> bool:
    """Return True when the supplied CSRF token belongs to the session (constant-time)."""
    if not supplied:
        return False
    # "replace": a header with lone surrogates must be refused, not raise (and so become a 500).
    return hmac.compare_digest(session.csrf_token.encode("utf-8"), supplied.encode("utf-8", "replace"))


# --- CLI ------------------------------------------------------------------------------


def _store() -> StaffStore:
    from socialmap.settings import get_settings

    settings = get_settings()
    return StaffStore(_db.get_engine(settings.db_url), session_minutes=settings.staff_session_minutes)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Wachtwoord: ")
    second = getpass.getpass("Nog een keer: ")
    if first != second:
        raise StaffError("De twee wachtwoorden zijn niet gelijk.")
    return first


def _cmd_add(args: argparse.Namespace) -> int:
    try:
        account = _store().add(args.username, args.name, _read_password(args), role=args.role)
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"Medewerker {account.username} ({account.name}) is toegevoegd.")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    for account in _store().list():
        state = "uitgeschakeld" if account.disabled else "actief"
        last = f"{account.last_login_at:%Y-%m-%d %H:%M} UTC" if account.last_login_at else "nooit"
        print(f"{account.username}\t{account.name}\t{state}\tlaatst ingelogd: {last}")
    return 0


def _cmd_set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    try:
        _store().set_disabled(args.username, disabled)
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    state = "uitgeschakeld en uitgelogd" if disabled else "weer actief"
    print(f"Medewerker {args.username} is {state}.")
    return 0


def _cmd_disable(args: argparse.Namespace) -> int:
    return _cmd_set_disabled(args, True)


def _cmd_enable(args: argparse.Namespace) -> int:
    return _cmd_set_disabled(args, False)


def _cmd_role(args: argparse.Namespace) -> int:
    try:
        _store().set_role(args.username, args.role)
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"Medewerker {args.username} heeft nu de rol {args.role}.")
    return 0


def _cmd_password(args: argparse.Namespace) -> int:
    try:
        _store().set_password(args.username, _read_password(args))
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"Het wachtwoord van {args.username} is gewijzigd.")
    return 0


def _cmd_teams(args: argparse.Namespace) -> int:
    try:
        profile = _store().set_teams(args.username, args.teams)
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    print(f"Medewerker {args.username} hoort bij: {', '.join(profile.teams) or 'geen team'}.")
    return 0


def _cmd_municipalities(args: argparse.Namespace) -> int:
    from socialmap.tenants import get_tenants

    tenants = get_tenants()
    unknown = [m for m in args.municipalities if m not in tenants]
    if unknown:
        print(f"fout: onbekende gemeente: {', '.join(unknown)}. Kies uit: {', '.join(tenants.names)}.", file=sys.stderr)
        return 1
    try:
        profile = _store().set_municipalities(args.username, tenants.scope(args.municipalities))
    except StaffError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 1
    scope = ", ".join(profile.scope(tenants.default.municipality))
    print(f"Medewerker {args.username} ziet de gesprekken van: {scope}.")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `staff` command (add, list, disable, enable, role, teams, municipalities, password)."""
    parser = subparsers.add_parser("staff", help="medewerkers van de helpdesk beheren")
    sub = parser.add_subparsers(dest="staff_command", required=True)

    add = sub.add_parser("add", help="medewerker toevoegen")
    add.add_argument("username")
    add.add_argument("--name", required=True, help='volledige naam, bijvoorbeeld "Anja de Vries"')
    add.add_argument(
        "--password-stdin", action="store_true", help="lees het wachtwoord van stdin (voor scripts)"
    )
    add.add_argument("--role", choices=sorted(ROLES), default=DEFAULT_ROLE, help="beleid: alleen signalen")
    add.set_defaults(func=_cmd_add)

    role = sub.add_parser("role", help="rol van een medewerker wijzigen")
    role.add_argument("username")
    role.add_argument("role", choices=sorted(ROLES))
    role.set_defaults(func=_cmd_role)

    lst = sub.add_parser("list", help="medewerkers tonen")
    lst.set_defaults(func=_cmd_list)

    dis = sub.add_parser("disable", help="medewerker uitschakelen (en uitloggen)")
    dis.add_argument("username")
    dis.set_defaults(func=_cmd_disable)

    ena = sub.add_parser("enable", help="medewerker weer toelaten")
    ena.add_argument("username")
    ena.set_defaults(func=_cmd_enable)

    teams = sub.add_parser("teams", help="teams van een medewerker instellen")
    teams.add_argument("username")
    teams.add_argument("teams", nargs="*", help='bijvoorbeeld "Mantelzorgconsulent"')
    teams.set_defaults(func=_cmd_teams)

    gem = sub.add_parser("municipalities", help="gemeenten van een medewerker instellen (ziet alleen die)")
    gem.add_argument("username")
    gem.add_argument("municipalities", nargs="*", help='bijvoorbeeld Emmen "Borger-Odoorn"; leeg: de standaard-site')
    gem.set_defaults(func=_cmd_municipalities)

    pwd = sub.add_parser("password", help="nieuw wachtwoord instellen")
    pwd.add_argument("username")
    pwd.add_argument("--password-stdin", action="store_true")
    pwd.set_defaults(func=_cmd_password)
