"""Rasa's Redis lock store, with each change of a conversation's lock in one Redis transaction.

Rasa 3.6's `RedisLockStore` changes a lock as GET, change in Python, SET. Two replicas
that take a ticket for the same conversation at the same moment both read the same lock:
they get the same ticket number and are served at once, or one replica's cleanup deletes
the lock while the other's ticket is in it, and that message fails with "Could not
acquire lock" and is lost. `tests/scale/test_cluster.py` (two replicas racing on one
conversation) lost a message that way. Here every read-modify-write runs under WATCH/MULTI
(redis-py's `transaction`, retried when another replica changed the lock meanwhile).

endpoints.yml: `LOCK_STORE_TYPE=rasa_addons.lock_store.AtomicRedisLockStore`, with the
same LOCK_STORE_HOST / LOCK_STORE_PORT / LOCK_STORE_DB as Rasa's `redis` type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# What a change returns: the lock to store (None: delete it) and a value for the caller.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket changes cannot interleave between replicas."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Change) -> Any:
        """Apply `change` to the stored lock in one transaction; return its value."""
        key = self.key_prefix + conversation_id
        outcome: list[Any] = []

        def run(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new, value = change(lock)
            outcome[:] = [value]  # a retry replaces the value of the attempt that lost
            pipe.multi()
            if new is None:
                pipe.delete(key)
            else:
                pipe.set(key, new.dumps())

        self.red.transaction(run, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return int(self._change(conversation_id, take))
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove this ticket; delete the lock only if no other ticket waits, in the same transaction."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, Any]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
