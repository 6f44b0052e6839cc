"""The staff login lockout on a real PostgreSQL: twenty parallel wrong passwords lock the account.

PostgreSQL is started by tests/scale/conftest.py on 127.0.0.1. The failure count is
raised in the database (failures = failures + 1), so no guess is lost between reading
and writing, as it was when the count was read first and written back.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine

from socialmap.staff import StaffStore
from tests.scale.conftest import PostgresServer
from tests.socialmap.test_staff import assert_parallel_guesses_lock

pytestmark = pytest.mark.scale


def test_twenty_parallel_wrong_passwords_lock_the_account_on_postgresql(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("lockout_" + uuid.uuid4().hex[:8])
    engine = create_engine(url, future=True, pool_size=20, max_overflow=5)
    try:
        assert_parallel_guesses_lock(StaffStore(engine, session_minutes=60))
    finally:
        engine.dispose()
