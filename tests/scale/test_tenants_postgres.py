"""Tenants on a real PostgreSQL: a database from before tenants gets its columns, and queues stay per municipality."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from socialmap import handoff as hq
from socialmap.staff import StaffStore
from tests.scale.conftest import PostgresServer

pytestmark = pytest.mark.scale


def test_an_older_postgresql_database_gets_the_tenant_columns(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("tenants_" + uuid.uuid4().hex[:8])
    engine = create_engine(url, future=True)
    try:
        StaffStore(engine).add("anja", "Anja de Vries", "een lang wachtwoord 2026")
        old = hq.HandoffQueue(engine)
        old.request("conv-old", hq.HandoffSummary())
        with engine.begin() as conn:  # what an installation of before tenants has
            conn.execute(text("ALTER TABLE staff_profile DROP COLUMN municipalities"))
            conn.execute(text("ALTER TABLE handoff_ticket DROP COLUMN municipality"))
    finally:
        engine.dispose()
    fresh = create_engine(url, future=True)  # a new process: the schema checks run again
    try:
        staff = StaffStore(fresh)
        queue = hq.HandoffQueue(fresh)
        assert staff.set_municipalities("anja", ["Emmen"]).municipalities == ("Emmen",)
        queue.request("conv-emmen", hq.HandoffSummary(), municipality="Emmen")
        emmen = hq.Scope(("Emmen",))
        assen = hq.Scope(("Assen",), unassigned=True)  # the default site also has the old tickets
        assert [t.conversation_id for t in queue.waiting(scope=emmen)] == ["conv-emmen"]
        assert [t.conversation_id for t in queue.waiting(scope=assen)] == ["conv-old"]
        ticket = queue.active_for("conv-emmen")
        assert ticket is not None and queue.position(ticket.id, scope=emmen) == 1
    finally:
        fresh.dispose()
