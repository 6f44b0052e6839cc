"""Privacy (AVG): one import for redaction, the contact vault and retention.

The three concepts live in their own modules:

* `socialmap.redaction`: `redact(text)` replaces personal data with tags
  ([BSN], [TELEFOON], [E-MAIL], [IBAN], [ADRES], [GEBOORTEDATUM]);
* `socialmap.vault`: `ContactVault`, a callback contact encrypted at rest;
* `socialmap.retention`: `purge(days)`, `RetentionScheduler` and the `purge` CLI.

This module never imports rasa.
"""

from __future__ import annotations

from socialmap.redaction import (
    ADDRESS,
    BIRTH_DATE,
    BSN,
    CONTACT_KINDS,
    EMAIL,
    EMAIL_RE,
    IBAN,
    PHONE,
    PUBLIC_NUMBERS,
    TAGS,
    Found,
    Redaction,
    digits_of,
    is_valid_bsn,
    is_valid_iban,
    normalize,
    redact,
    redact_bot_text,
    strip_accents,
)
from socialmap.retention import RetentionScheduler, purge, purge_tracker, register_cli, tracker_db_url
from socialmap.vault import VAULT_TTL, ContactVault, contact_vault_table, load_key

__all__ = [
    "ADDRESS",
    "BIRTH_DATE",
    "BSN",
    "CONTACT_KINDS",
    "EMAIL",
    "EMAIL_RE",
    "IBAN",
    "PHONE",
    "PUBLIC_NUMBERS",
    "TAGS",
    "VAULT_TTL",
    "ContactVault",
    "Found",
    "Redaction",
    "RetentionScheduler",
    "contact_vault_table",
    "digits_of",
    "is_valid_bsn",
    "is_valid_iban",
    "load_key",
    "normalize",
    "purge",
    "purge_tracker",
    "redact",
    "redact_bot_text",
    "register_cli",
    "strip_accents",
    "tracker_db_url",
]
