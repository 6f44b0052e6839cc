"""The lock store the replicas share: one turn of a conversation at a time, across processes.

Real Redis (tests/scale/conftest.py). Threads stand in for replicas: each has its own lock
store object, connection and event loop, as a replica does.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from rasa_addons.lock_store import AtomicRedisLockStore
from tests.scale.conftest import RedisServer

pytestmark = pytest.mark.scale


def hammer(make_store, conversation_id: str, replicas: int = 4, turns: int = 40) -> tuple[int, int, int]:
    """Let `replicas` stores take the lock `turns` times each; return (max holders at once, errors, turns done)."""
    inside = 0
    most = 0
    errors = 0
    done = 0
    guard = threading.Lock()

    async def replica() -> None:
        nonlocal inside, most, errors, done
        store = make_store()
        for _ in range(turns):
            try:
                async with store.lock(conversation_id, wait_time_in_seconds=0.005):
                    with guard:
                        inside += 1
                        most = max(most, inside)
                    await asyncio.sleep(0.002)
                    with guard:
                        inside -= 1
                        done += 1
            except LockError:
                with guard:
                    errors += 1

    threads = [threading.Thread(target=asyncio.run, args=(replica(),)) for _ in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return most, errors, done


def test_replicas_taking_the_lock_of_one_conversation_are_served_one_at_a_time(redis_server: RedisServer) -> None:
    config = EndpointConfig(
        url=redis_server.host, type="rasa_addons.lock_store.AtomicRedisLockStore", port=redis_server.port, db=7
    )
    most, errors, done = hammer(lambda: AtomicRedisLockStore(endpoint_config=config), "race-" + uuid.uuid4().hex)
    assert (most, errors, done) == (1, 0, 4 * 40)


def test_rasa_builds_the_atomic_store_from_endpoints_settings(redis_server: RedisServer) -> None:
    from rasa.core.lock_store import LockStore

    config = EndpointConfig(
        url=redis_server.host, type="rasa_addons.lock_store.AtomicRedisLockStore", port=redis_server.port, db=7
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["port"] == redis_server.port
