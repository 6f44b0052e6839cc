"""The contact vault: a resident's phone number or e-mail address for a callback, encrypted at rest.

The channel puts a contact here only while the resident is in the callback
flow (the callback form has just asked for it): contacts typed at any other
moment are redacted and forgotten. Each value is encrypted with Fernet
(`cryptography`: AES-128-CBC + HMAC-SHA256); the key comes from the
environment (SOCIALMAP_VAULT_KEY) or from a key file (SOCIALMAP_VAULT_KEY_FILE,
default var/vault.key) that is created with mode 0600 on first use. An entry
is deleted when the callback form takes it, when the callback is closed
(`forget`) and at the latest after one day (`purge_expired`).

This module never imports rasa.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, delete, inspect, select
from sqlalchemy.engine import Engine

from socialmap.redaction import CONTACT_KINDS
from socialmap.settings import VAR, secure_file

log = logging.getLogger(__name__)

_metadata = MetaData()
contact_vault_table = Table(
    "contact_vault_enc",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("token", Text, nullable=False),  # Fernet token of the value
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
# The table of earlier versions held values in plain text; it is dropped on first use.
LEGACY_TABLE = "contact_vault"

VAULT_TTL = timedelta(days=1)
_key_lock = threading.Lock()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def key_file() -> Path:
    """Return the path of the vault key file (env SOCIALMAP_VAULT_KEY_FILE, default var/vault.key)."""
    raw = os.environ.get("SOCIALMAP_VAULT_KEY_FILE", "").strip()
    return Path(raw) if raw else Path(os.environ.get("SOCIALMAP_VAR_DIR", str(VAR))) / "vault.key"


def load_key() -> bytes:
    """Return the Fernet key: env SOCIALMAP_VAULT_KEY, else the key file (created 0600 when missing)."""
    env = os.environ.get("SOCIALMAP_VAULT_KEY", "").strip()
    if env:
        Fernet(env.encode())  # raises ValueError for a malformed key: better now than on the first callback
        return env.encode()
    path = key_file()
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Written to a private temp file, then linked into place: another process (Rasa and
            # the action server start together) sees either no key file or a complete one.
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # the other process was first: use its key
            finally:
                tmp.unlink()
        secure_file(path)
        return path.read_bytes().strip()


SEALED_PREFIX = "fernet:"


@functools.lru_cache(maxsize=4)
def _fernet_for(key: bytes) -> Fernet:
    return Fernet(key)


def seal(value: str) -> str:
    """Return `value` encrypted with the vault key, for storing a contact anywhere at rest."""
    return SEALED_PREFIX + _fernet_for(load_key()).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(stored: str) -> str | None:
    """Return the value `seal` stored (None when the key changed); plain text of earlier versions as is."""
    if not stored.startswith(SEALED_PREFIX):
        return stored
    try:
        return _fernet_for(load_key()).decrypt(stored[len(SEALED_PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        log.warning("a sealed contact could not be decrypted (key changed?); it is ignored")
        return None


class ContactVault:
    """Phone numbers and e-mail addresses given for a callback, encrypted, kept apart from the conversation."""

    def __init__(
        self,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = _utcnow,
        key: bytes | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._key = key
        self._fernet: Fernet | None = None
        self._ready = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from socialmap.db import get_engine

            self._engine = get_engine()
        return self._engine

    @property
    def fernet(self) -> Fernet:
        if self._fernet is None:
            self._fernet = Fernet(self._key or load_key())
        return self._fernet

    def ensure_schema(self) -> None:
        """Create the vault table if it does not exist yet and drop the plain-text table (idempotent)."""
        if self._ready:
            return
        _metadata.create_all(self.engine, tables=[contact_vault_table], checkfirst=True)
        if LEGACY_TABLE in inspect(self.engine).get_table_names():
            legacy = Table(LEGACY_TABLE, MetaData())
            legacy.drop(self.engine, checkfirst=True)
            log.info("dropped the plain-text contact table of an earlier version")
        self._ready = True

    def put(self, conversation_id: str, kind: str, value: str) -> None:
        """Store one contact detail for `conversation_id`, encrypted."""
        if kind not in CONTACT_KINDS:
            raise ValueError(f"kind must be one of {CONTACT_KINDS}, not {kind!r}")
        self.ensure_schema()
        token = self.fernet.encrypt(str(value)[:320].encode("utf-8")).decode("ascii")
        with self.engine.begin() as conn:
            # Housekeeping where contacts are written: expired entries of anyone go now, not at the next purge.
            conn.execute(delete(contact_vault_table).where(contact_vault_table.c.created_at < self._clock() - VAULT_TTL))
            conn.execute(
                contact_vault_table.insert().values(
                    conversation_id=str(conversation_id)[:255],
                    kind=kind,
                    token=token,
                    created_at=self._clock(),
                )
            )

    def _decrypt(self, token: str) -> str | None:
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            log.warning("a contact vault entry could not be decrypted (key changed?); it is ignored")
            return None

    def latest(self, conversation_id: str, kind: str | None = None) -> str | None:
        """Return the newest unexpired contact of the conversation without removing it."""
        row = self._latest_row(conversation_id, kind)
        return None if row is None else self._decrypt(str(row.token))

    def pop_latest(self, conversation_id: str, kind: str | None = None) -> str | None:
        """Return the newest unexpired contact of the conversation and remove it from the vault."""
        self.ensure_schema()
        with self.engine.begin() as conn:
            row = self._latest_row(conversation_id, kind, conn)
            if row is None:
                return None
            conn.execute(delete(contact_vault_table).where(contact_vault_table.c.id == row.id))
        return self._decrypt(str(row.token))

    def forget(self, conversation_id: str) -> int:
        """Return how many contacts of the conversation were deleted (callback closed or cancelled)."""
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
