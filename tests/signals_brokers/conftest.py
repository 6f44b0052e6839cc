"""A throw-away RabbitMQ server for the session, and helpers that send real Rasa events.

RabbitMQ is Debian's rabbitmq-server (`make scale-deps` installs it), started on free
ports in a temp folder (scripts/rabbitmq_local.py) and always stopped, with its private
epmd, also when a test fails. A missing server fails the tests instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.rabbitmq_local import LocalRabbitMQ, RabbitMQError


@pytest.fixture(scope="session")
def rabbitmq() -> Iterator[LocalRabbitMQ]:
    try:
        server = LocalRabbitMQ()
    except RabbitMQError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
        yield server
    except RabbitMQError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        server.stop()
        assert server.beam_pids() == [] and server.epmd_pids() == [], "RabbitMQ or its epmd still runs"
