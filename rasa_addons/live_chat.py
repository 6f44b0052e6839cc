"""Live chat with a medewerker on the socket.io channel: presence, missed messages, typing, CSAT.

`LiveChat.install(...)` is called by `RedactingSocketIOInput.blueprint()`; the channel
calls `session_started` after `session_confirm` and `disconnected` on disconnect.

* **Presence.** Each connected chat window of a conversation counts once, in this
  process's memory (the sockets live here too), so the staff console can show
  whether the resident is still there and since when they are gone:
  `GET /webhooks/socketio/presence?token=...&ids=a,b`. Nothing is written to a
  database for it. With several Rasa replicas (`SOCKETIO_REDIS_URL` set) each window is
  also a member of a Redis sorted set per conversation, refreshed by its replica every
  few seconds, so any replica answers for every window; a killed replica's windows
  count as gone once their heartbeat is older than `STALE_SECONDS`.
* **Missed messages.** A widget that reconnects sends `since` (when, by its own clock,
  the last bot message arrived) and `now` (its clock at the request); the difference
  with this server's clock converts `since`. Bot messages stored after that moment (a
  medewerker's "Bent u er nog?", the join message, an answer that was on its way) are
  sent to that window again, so the resident sees who they talk to after reopening
  the tab. A message the widget did receive was stored before it arrived, so it is
  never sent twice.
* **Typing.** `user_typing` from the widget marks the resident as typing for a few
  seconds (in the presence answer); `POST /webhooks/socketio/staff_typing?token=...` from
  the staff console sends `staff_typing` to the resident's window.
* **Satisfaction.** `csat {token, score}` stores a score for a one-time token the
  console created; no conversation id is kept with the score.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from socialmap import handoff as hq
from socialmap.settings import get_settings

logger = logging.getLogger(__name__)

MAX_REPLAY = 50
MAX_PRESENCE_IDS = 200
# How long a resident counts as typing after the widget last said so.
TYPING_SECONDS = 6.0
# With several replicas: how often a replica tells Redis its windows are still there, and
# after how long without that a window counts as gone (its replica was killed).
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 3 * HEARTBEAT_SECONDS


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class PresenceBook:
    """How many windows of each conversation are connected, when it was last seen, and typing."""

    def __init__(self, max_conversations: int = 50_000) -> None:
        self.max_conversations = max_conversations
        self._entries: dict[str, dict[str, float]] = {}

    def _entry(self, conversation_id: str) -> dict[str, float]:
        if conversation_id not in self._entries and len(self._entries) >= self.max_conversations:
            # Forget the longest-gone conversations first; connected ones stay.
            gone = sorted((e["last_seen"], cid) for cid, e in self._entries.items() if e["connections"] <= 0)
            for _, cid in gone[: max(1, len(gone) // 10)]:
                del self._entries[cid]
        return self._entries.setdefault(
            conversation_id, {"connections": 0, "last_seen": 0.0, "typing_at": 0.0}
        )

    def connected(self, conversation_id: str, now: float | None = None) -> None:
        entry = self._entry(conversation_id)
        entry["connections"] += 1
        entry["last_seen"] = now if now is not None else time.time()

    def disconnected(self, conversation_id: str, now: float | None = None) -> None:
        entry = self._entry(conversation_id)
        entry["connections"] = max(0, entry["connections"] - 1)
        entry["last_seen"] = now if now is not None else time.time()
        entry["typing_at"] = 0.0

    def typing(self, conversation_id: str, now: float | None = None) -> None:
        entry = self._entry(conversation_id)
        entry["typing_at"] = entry["last_seen"] = now if now is not None else time.time()

    def snapshot(self, conversation_id: str, now: float | None = None) -> dict[str, Any]:
        """Return {online, last_seen (ISO UTC or None), typing} for the staff console."""
        entry = self._entries.get(conversation_id)
        if entry is None:
            return {"online": False, "last_seen": None, "typing": False}
        moment = now if now is not None else time.time()
        online = entry["connections"] > 0
        typing = online and entry["typing_at"] > 0 and moment - entry["typing_at"] <= TYPING_SECONDS
        return {"online": online, "last_seen": _iso(entry["last_seen"]), "typing": typing}


class SharedPresence:
    """Presence and typing in Redis, so every Rasa replica sees the windows of every other.

    Per conversation: a sorted set of its sockets (score: the last heartbeat of the replica
    holding it) and a hash with `last_seen` and `typing_at`. Keys expire a day after the last
    change; the staff console only asks about conversations that are in the queue now.
    """

    PREFIX = "socialmap:presence:"
    KEEP_SECONDS = 24 * 3600

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        return f"{self.PREFIX}{conversation_id}:sockets", f"{self.PREFIX}{conversation_id}"

    async def connected(self, conversation_id: str, sid: str, now: float | None = None) -> None:
        moment = now if now is not None else time.time()
        sockets, info = self._keys(conversation_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(sockets, {sid: moment})
            pipe.hset(info, mapping={"last_seen": moment})
            pipe.expire(sockets, self.KEEP_SECONDS)
            pipe.expire(info, self.KEEP_SECONDS)
            await pipe.execute()

    async def disconnected(self, conversation_id: str, sid: str, now: float | None = None) -> None:
        moment = now if now is not None else time.time()
        sockets, info = self._keys(conversation_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrem(sockets, sid)
            pipe.hset(info, mapping={"last_seen": moment, "typing_at": 0})
            pipe.expire(info, self.KEEP_SECONDS)
            await pipe.execute()

    async def typing(self, conversation_id: str, now: float | None = None) -> None:
        moment = now if now is not None else time.time()
        _, info = self._keys(conversation_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(info, mapping={"last_seen": moment, "typing_at": moment})
            pipe.expire(info, self.KEEP_SECONDS)
            await pipe.execute()

    async def heartbeat(self, sessions: dict[str, str], now: float | None = None) -> None:
        """Mark the sockets this replica holds (socket id -> conversation id) as still there."""
        if not sessions:
            return
        moment = now if now is not None else time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for sid, conversation_id in sessions.items():
                sockets, _ = self._keys(conversation_id)
                pipe.zadd(sockets, {sid: moment})
                pipe.expire(sockets, self.KEEP_SECONDS)
            await pipe.execute()

    async def snapshots(self, ids: list[str], now: float | None = None) -> dict[str, dict[str, Any]]:
        """Return {id: {online, last_seen, typing}} as PresenceBook.snapshot does, for every replica."""
        moment = now if now is not None else time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                sockets, info = self._keys(conversation_id)
                pipe.zcount(sockets, moment - STALE_SECONDS, "+inf")
                pipe.zrevrange(sockets, 0, 0, withscores=True)
                pipe.hmget(info, ["last_seen", "typing_at"])
            answers = await pipe.execute()
        result: dict[str, dict[str, Any]] = {}
        for i, conversation_id in enumerate(ids):
            live, newest, (last_seen_raw, typing_raw) = answers[3 * i : 3 * i + 3]
            seen = [float(last_seen_raw)] if last_seen_raw is not None else []
            seen += [float(score) for _, score in newest]  # a killed replica's last heartbeat
            typing_at = float(typing_raw or 0)
            online = int(live) > 0
            result[conversation_id] = {
                "online": online,
                "last_seen": _iso(max(seen)) if seen else None,
                "typing": online and typing_at > 0 and moment - typing_at <= TYPING_SECONDS,
            }
        return result

    async def close(self) -> None:
        await self.redis.close()


@lru_cache(maxsize=1)
def _queue() -> hq.HandoffQueue:
    return hq.HandoffQueue(db_url=get_settings().db_url)


def _api_token() -> str:
    try:
        return str(get_settings().rasa_token or "")
    except Exception:  # settings without a token: the route stays closed
        return ""


class LiveChat:
    """Per-process bookkeeping of which socket belongs to which conversation (and, shared, in Redis)."""

    def __init__(
        self,
        sio: Any,
        namespace: str | None,
        agent: Callable[[], Any],
        payload: Callable[[dict[str, Any]], dict[str, Any]],
        bot_message_evt: str = "bot_uttered",
        queue: Callable[[], hq.HandoffQueue] = _queue,
        shared: SharedPresence | None = None,
    ) -> None:
        self.sio = sio
        self.namespace = namespace
        self.agent = agent
        self.payload = payload
        self.bot_message_evt = bot_message_evt
        self.queue = queue
        self.sessions: dict[str, str] = {}  # socket id -> conversation id
        self.presence = PresenceBook()
        self.shared = shared
        self._heartbeat: asyncio.Task[None] | None = None

    async def _share(self, change: str, *args: Any) -> None:
        """Write a presence change (a SharedPresence method) to Redis too; a Redis hiccup never breaks the chat."""
        if self.shared is None:
            return
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())
        try:
            await getattr(self.shared, change)(*args)
        except Exception as exc:
            logger.warning("shared presence not written: %s", type(exc).__name__)

    async def _beat(self) -> None:
        while self.shared is not None:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.shared.heartbeat(dict(self.sessions))
            except Exception as exc:
                logger.warning("presence heartbeat failed: %s", type(exc).__name__)

    @classmethod
    def install(
        cls,
        sio: Any,
        webhook: Any,
        namespace: str | None,
        agent: Callable[[], Any],
        payload: Callable[[dict[str, Any]], dict[str, Any]],
        bot_message_evt: str = "bot_uttered",
        redis_url: str = "",
    ) -> LiveChat:
        """Return the live chat helper with its socket events and the staff-typing route registered.

        With `redis_url` presence and typing are kept in Redis as well, for every replica.
        """
        shared = SharedPresence(redis_url) if redis_url else None
        live = cls(sio, namespace, agent, payload, bot_message_evt, shared=shared)

        @sio.on("user_typing", namespace=namespace)
        async def user_typing(sid: str, data: Any = None) -> None:
            await live.resident_typing(sid)

        @sio.on("csat", namespace=namespace)
        async def csat(sid: str, data: Any = None) -> None:
            await live.csat(sid, data)

        @webhook.route("/staff_typing", methods=["POST"])
        async def staff_typing(request: Request) -> HTTPResponse:
            return await live.staff_typing(request)

        @webhook.route("/presence", methods=["GET"])
        async def presence(request: Request) -> HTTPResponse:
            return await live.presence_answer(request)

        return live

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except Exception as exc:  # presence is a courtesy: never break the chat for it
            logger.warning("live chat bookkeeping failed: %s", type(exc).__name__)
            return None

    async def session_started(self, sid: str, conversation_id: str, data: Any) -> None:
        """Count the window as connected and send it the bot messages it missed."""
        previous = self.sessions.get(sid)
        if previous == conversation_id:
            await self.replay(sid, conversation_id, data)
            return
        if previous is not None:
            self.presence.disconnected(previous)
            await self._share("disconnected", previous, sid)
        self.sessions[sid] = conversation_id
        self.presence.connected(conversation_id)
        await self._share("connected", conversation_id, sid)
        await self.replay(sid, conversation_id, data)

    async def disconnected(self, sid: str) -> None:
        """Count the window as gone."""
        conversation_id = self.sessions.pop(sid, None)
        if conversation_id is not None:
            self.presence.disconnected(conversation_id)
            await self._share("disconnected", conversation_id, sid)

    async def replay(self, sid: str, conversation_id: str, data: Any) -> None:
        """Send this window the bot messages stored after the `since` timestamp it gave."""
        since = data.get("since") if isinstance(data, dict) else None
        client_now = data.get("now") if isinstance(data, dict) else None
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (since, client_now)):
            return
        assert isinstance(since, (int, float)) and isinstance(client_now, (int, float))
        since = since + (time.time() - client_now)  # the widget's clock -> this server's clock
        agent = self.agent()
        store = getattr(agent, "tracker_store", None) if agent is not None else None
        if store is None:
            return
        try:
            tracker = await store.retrieve(conversation_id)
        except Exception as exc:
            logger.warning("could not read the tracker to replay messages: %s", type(exc).__name__)
            return
        if tracker is None:
            return
        missed = [e for e in tracker.events if getattr(e, "type_name", "") == "bot" and e.timestamp > since]
        for event in missed[-MAX_REPLAY:]:
            payload = self.payload(event.message())
            payload["metadata"] = dict(payload.get("metadata") or {}, replayed=True)
            await self.sio.emit(self.bot_message_evt, payload, room=sid, namespace=self.namespace)

    async def resident_typing(self, sid: str) -> None:
        """Mark the resident of this window as typing for a few seconds."""
        conversation_id = self.sessions.get(sid)
        if conversation_id is not None:
            self.presence.typing(conversation_id)
            await self._share("typing", conversation_id)

    async def csat(self, sid: str, data: Any) -> None:
        """Store the resident's satisfaction score and tell the window whether it was kept."""
        if sid not in self.sessions or not isinstance(data, dict):
            return
        token, score = data.get("token"), data.get("score")
        ok = False
        if isinstance(token, str) and isinstance(score, int) and not isinstance(score, bool):
            ok = bool(await self._db(self.queue().record_csat, token, score))
        await self.sio.emit("csat_saved", {"token": token, "ok": ok}, room=sid, namespace=self.namespace)

    @staticmethod
    def _authorised(request: Request) -> bool:
        expected = _api_token()
        supplied = request.args.get("token") or ""
        return bool(expected) and hmac.compare_digest(supplied.encode(), expected.encode())

    async def presence_answer(self, request: Request) -> HTTPResponse:
        """Return the presence of the conversations in `ids` (comma separated; for the staff console)."""
        if not self._authorised(request):
            return response.json({"error": "not authorised"}, status=401)
        ids = [i for i in (request.args.get("ids") or "").split(",") if i][:MAX_PRESENCE_IDS]
        if self.shared is not None:
            try:
                return response.json({"presence": await self.shared.snapshots(ids)})
            except Exception as exc:  # Redis away: this replica's own windows are better than nothing
                logger.warning("shared presence not read: %s", type(exc).__name__)
        return response.json({"presence": {cid: self.presence.snapshot(cid) for cid in ids}})

    async def staff_typing(self, request: Request) -> HTTPResponse:
        """Tell the resident's window that the medewerker types (called by the staff console)."""
        if not self._authorised(request):
            return response.json({"error": "not authorised"}, status=401)
        try:
            body = request.json if isinstance(request.json, dict) else {}
        except Exception:  # not JSON
            body = {}
        conversation_id = body.get("conversation_id")
        name = body.get("staff_name")
        if not isinstance(conversation_id, str) or not isinstance(name, str) or not conversation_id:
            return response.json({"error": "conversation_id and staff_name are needed"}, status=400)
        await self.sio.emit(
            "staff_typing", {"staff_name": name[:40]}, room=conversation_id, namespace=self.namespace
        )
        return response.json({"ok": True})
