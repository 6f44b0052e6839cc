"""Input channels that protect residents: redaction, input checks, CORS and a fault answer.

`RedactingRestInput` (name "rest") and `RedactingSocketIOInput` (name
"socketio") replace Rasa's own channels in credentials.yml. They keep Rasa's
names, so `output_channel=socketio|latest` and the widget keep working.

What they add:

* **Redaction before the tracker.** The resident's text goes through
  `socialmap.privacy.redact` before it becomes a `UserMessage`, so the
  tracker store, the logs, the staff transcript and analytics only ever see
  `[TELEFOON]`, `[E-MAIL]`, ... Phone numbers and e-mail addresses that were
  redacted are kept in the `ContactVault` for this conversation, for a
  callback request only. Button payloads ("/affirm") pass unchanged.
* **Input checks (REST).** Empty body, invalid JSON or UTF-8, a wrong content
  type, a message that is not a string, control characters, a missing sender:
  HTTP 400 with a short JSON error, never a 500 and never the raw text in a
  log. Long messages are cut to `MAX_MESSAGE_CHARS`.
* **Origins.** The socket.io server accepts only the configured origins
  (`cors_allowed_origins` in credentials.yml, else env ALLOWED_ORIGINS); a REST
  request that carries a foreign `Origin` header is refused with 403.
* **Action server faults.** Rasa calls the action server with a 5-minute
  timeout (`rasa.core.constants.DEFAULT_REQUEST_TIMEOUT`, used by
  `RemoteAction.run`) and, when the call fails, logs the error, drops the
  action's events and carries on: the resident would wait minutes and then get
  nothing. `install_action_guard()` wraps `RemoteAction.run` so a call gives
  up after `Settings.action_timeout_s` seconds (4 s by default), marks the
  current turn as failed, and makes later remote actions of the same turn fail
  at once instead of waiting again. The channel then sends the domain response
  `utter_technical_problem` (rendered by the agent's NLG with contact_phone and
  contact_website from deployment.yml): a Dutch apology with the
  municipality's contact and the offer of a medewerker, within 5 seconds.
  We bound the call with `asyncio.wait_for` rather than lowering the module
  constant, because the constant is also the session timeout of every other
  endpoint (NLG server, model server) where a short limit would be wrong.
* **One `bot_uttered` per bot message** on socket.io, shaped as the widget
  contract in docs/ARCHITECTURE.md: `{text, buttons, custom, metadata}`.
* **Logs are redacted** (`rasa_addons.logging_filter`), because Rasa's own
  error events print the text of the message.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import rasa.core.channels.channel
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from rasa_addons import logging_filter, turn_guard
from socialmap.privacy import ContactVault, Redaction, redact
from socialmap.settings import Deployment, SettingsError, get_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
TECHNICAL_PROBLEM_RESPONSE = "utter_technical_problem"
# Last resort when the model (and so domain.yml) is not loaded; normally the
# text comes from domain.yml through the agent's NLG.
FALLBACK_TECHNICAL_PROBLEM = (
    "Sorry, er ging bij ons iets mis. Probeer het later nog eens. "
    "U kunt ook de gemeente bellen: {contact_phone}. Of kijk op {contact_website}."
)

# C0 control characters except tab, newline and carriage return, plus DEL.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENDER_RE = re.compile(rf"[\w.:@\-]{{1,{MAX_SENDER_CHARS}}}")


# --- the state of one resident turn -----------------------------------------


@dataclass
class TurnState:
    """What happened while Rasa handled one message (shared with the action guard)."""

    action_failed: bool = False


_TURN: contextvars.ContextVar[TurnState | None] = contextvars.ContextVar("socialmap_turn", default=None)


def _action_timeout_s() -> float:
    try:
        return float(get_settings().action_timeout_s)
    except (SettingsError, ValueError):
        return 4.0


_original_remote_run = RemoteAction.run
_guard_installed = False


async def _guarded_remote_run(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> Any:
    state = _TURN.get()
    if state is not None and state.action_failed:
        # The action server already failed in this turn: do not make the resident wait again,
        # and end the turn (listen) instead of letting Rasa predict one failing action after another.
        logger.warning("skipped custom action %s: the action server failed earlier in this turn", self.name())
        return [FollowupAction(ACTION_LISTEN_NAME)]
    try:
        return await asyncio.wait_for(
            _original_remote_run(self, output_channel, nlg, tracker, domain), timeout=_action_timeout_s()
        )
    except ActionExecutionRejection:
        raise  # a form validator said "no": normal dialogue, not a fault
    except Exception as exc:  # the action server is down, slow or broken
        if state is None:
            raise  # not a resident's turn (e.g. the HTTP API): Rasa's own handling applies
        state.action_failed = True
        reason = (
            f"took longer than {_action_timeout_s():.1f} s" if isinstance(exc, asyncio.TimeoutError) else repr(exc)
        )
        logger.error("custom action %s failed (%s); the resident gets an apology", self.name(), reason)
        # Rasa counts actions since the last action_listen across turns: a turn that ends
        # without listening would trip the circuit breaker on every later message.
        return [FollowupAction(ACTION_LISTEN_NAME)]


def install_action_guard() -> None:
    """Wrap `RemoteAction.run` with the timeout and failure bookkeeping (idempotent)."""
    global _guard_installed
    if not _guard_installed:
        RemoteAction.run = _guarded_remote_run  # type: ignore[method-assign]
        _guard_installed = True


def install_runtime_guards() -> None:
    """Install the log redaction filter and the action guard (idempotent)."""
    logging_filter.install()
    install_action_guard()
    turn_guard.install_slot_protection()


# --- shared helpers ---------------------------------------------------------


_vault: ContactVault | None = None


def get_vault() -> ContactVault:
    """Return the process-wide contact vault (lazily created: no I/O at import)."""
    global _vault
    if _vault is None:
        _vault = ContactVault()
    return _vault


def set_vault(vault: ContactVault | None) -> None:
    """Use another vault (tests), or None to go back to the default one."""
    global _vault
    _vault = vault


async def protect_text(text: str, sender_id: str) -> str:
    """Return the text to hand to Rasa: redacted, with phone/e-mail stored in the contact vault."""
    if text.startswith("/"):
        return text  # a button payload: intent and entities, no free text
    result: Redaction = redact(text)
    contacts = result.contacts()
    if contacts:
        try:
            await asyncio.to_thread(_store_contacts, sender_id, [(c.kind, c.value) for c in contacts])
        except Exception as exc:  # the conversation must go on; the callback form asks again
            logger.warning("contact vault unavailable (%s); contact not kept", type(exc).__name__)
    return result.text


def _store_contacts(sender_id: str, items: Iterable[tuple[str, str]]) -> None:
    vault = get_vault()
    for kind, value in items:
        vault.put(sender_id, kind, value)


def clean_message(text: str) -> str | None:
    """Return the message cut to MAX_MESSAGE_CHARS, or None when it cannot be used."""
    if _CONTROL_RE.search(text):
        return None
    try:
        text.encode("utf-8")  # lone surrogates from "\ud800" JSON escapes
    except UnicodeEncodeError:
        return None
    text = text.strip()
    if not text:
        return None
    return text[:MAX_MESSAGE_CHARS]


def _deployment() -> Deployment:
    try:
        return get_settings().deployment
    except (SettingsError, OSError, ValueError):
        return Deployment()


async def technical_problem_message(agent: Any, sender_id: str, channel_name: str) -> dict[str, Any]:
    """Return the apology message (`utter_technical_problem` from domain.yml, with the municipality's contact)."""
    deployment = _deployment()
    variables = {"contact_phone": deployment.contact_phone, "contact_website": deployment.contact_website}
    nlg = getattr(agent, "nlg", None)
    domain = getattr(agent, "domain", None)
    if nlg is not None:
        try:
            tracker = DialogueStateTracker(sender_id, domain.slots if domain is not None else [])
            message = await nlg.generate(TECHNICAL_PROBLEM_RESPONSE, tracker, channel_name, **variables)
            if message:
                message = dict(message)
                message.setdefault("utter_action", TECHNICAL_PROBLEM_RESPONSE)
                return message
        except Exception as exc:
            logger.error("could not render %s: %s", TECHNICAL_PROBLEM_RESPONSE, type(exc).__name__)
    return {
        "text": FALLBACK_TECHNICAL_PROBLEM.format(**variables),
        "utter_action": TECHNICAL_PROBLEM_RESPONSE,
    }


def _origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    if not origin:
        return True  # not a browser (curl, the staff console's server side, tests)
    return origin.rstrip("/") in {a.rstrip("/") for a in allowed}


def _configured_origins(credentials: dict[str, Any] | None) -> tuple[str, ...]:
    raw = (credentials or {}).get("cors_allowed_origins")
    if isinstance(raw, str):
        raw = raw.split(",")
    if raw:
        return tuple(str(o).strip() for o in raw if str(o).strip())
    return get_settings().allowed_origins


def _agent_of(app: Sanic | None) -> Any:
    return getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None


# --- REST -------------------------------------------------------------------


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class RedactingRestInput(RestInput):
    """Rasa's REST channel with input checks, redaction, origin check and the fault answer."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(allowed_origins=_configured_origins(credentials))

    def __init__(self, allowed_origins: Iterable[str] | None = None) -> None:
        self.allowed_origins = (
            tuple(allowed_origins) if allowed_origins is not None else get_settings().allowed_origins
        )
        install_runtime_guards()

    def _parse(self, request: Request) -> tuple[str, str, dict[str, Any] | None] | HTTPResponse:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _error(400, "Content-Type must be application/json")
        body = request.body or b""
        if not body.strip():
            return _error(400, "empty body")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error(400, "body is not valid JSON (UTF-8)")
        if not isinstance(payload, dict):
            return _error(400, "body must be a JSON object")
        sender = payload.get("sender")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not _SENDER_RE.fullmatch(sender):
            return _error(
                400, "sender must be a string of letters, digits, '-', '_', '.', ':' or '@' (max 128)"
            )
        message = payload.get("message")
        if not isinstance(message, str):
            return _error(400, "message must be a string")
        text = clean_message(message)
        if text is None:
            return _error(400, "message is empty or contains control characters")
        metadata = payload.get("metadata")
        return sender, text, metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Return the Sanic blueprint with `GET /` and `POST /webhook`."""
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not _origin_allowed(request.headers.get("origin"), self.allowed_origins):
                return _error(403, "origin not allowed")
            parsed = self._parse(request)
            if isinstance(parsed, HTTPResponse):
                return parsed
            sender_id, text, metadata = parsed
            safe_text = await protect_text(text, sender_id)
            collector = CollectingOutputChannel()
            state = TurnState()
            token = _TURN.set(state)
            crashed = False
            try:
                await on_new_message(
                    UserMessage(safe_text, collector, sender_id, input_channel=self.name(), metadata=metadata)
                )
            except asyncio.CancelledError:
                crashed = True
                logger.error("rest: handling the message was cancelled (sender %s)", sender_id)
            except Exception as exc:
                crashed = True
                logger.error(
                    "rest: handling the message failed: %s (sender %s)", type(exc).__name__, sender_id
                )
            finally:
                _TURN.reset(token)
            if state.action_failed or (crashed and not collector.messages):
                already = any(m.get("utter_action") == TECHNICAL_PROBLEM_RESPONSE for m in collector.messages)
                if not already:
                    apology = await technical_problem_message(_agent_of(request.app), sender_id, self.name())
                    await collector.send_response(sender_id, apology)
            collector.messages = turn_guard.without_repeats(collector.messages)

            async def send(message: dict[str, Any]) -> None:
                await collector.send_response(sender_id, message)

            await turn_guard.complete_turn(
                _agent_of(request.app), sender_id, self.name(), safe_text, collector.messages, send
            )
            return response.json(collector.messages)

        return webhook


# --- socket.io ----------------------------------------------------------------

_DATA_KEYS = {
    "text",
    "timestamp",
    "buttons",
    "quick_replies",
    "custom",
    "elements",
    "attachment",
    "image",
    "recipient_id",
}


def bot_uttered_payload(message: dict[str, Any]) -> dict[str, Any]:
    """Return one bot message in the widget contract: {text, buttons, custom, metadata}."""
    raw_buttons = message.get("buttons") or message.get("quick_replies") or []
    buttons = [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw_buttons
        if isinstance(b, dict)
    ]
    metadata: dict[str, Any] = {}
    nested = message.get("metadata")
    if isinstance(nested, dict):
        metadata.update(nested)
    # BotUttered.message() merges the event's metadata (e.g. from/staff_name) into the top level.
    for key, value in message.items():
        if key not in _DATA_KEYS and key != "metadata" and value is not None:
            metadata[key] = value
    custom = message.get("custom")
    if not custom and message.get("image"):
        custom = {"type": "image", "src": message["image"]}
    return {
        "text": message.get("text") or None,
        "buttons": buttons or None,
        "custom": custom if isinstance(custom, dict) and custom else None,
        "metadata": metadata or None,
    }


class RedactingSocketIOOutput(OutputChannel):
    """Sends each bot message as one `bot_uttered` emit, shaped as the widget contract."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self.sent = 0
        self.ledger = turn_guard.TurnLedger()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Emit the whole message at once (Rasa's channel splits text and buttons); never a repeat in one turn."""
        if not self.ledger.admit(message):
            return
        await self.sio.emit(self.bot_message_evt, bot_uttered_payload(message), room=recipient_id)
        self.sent += 1

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message, **kwargs})


class _RememberingSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also remembers the app (for the agent's NLG)."""

    def __init__(self, owner: RedactingSocketIOInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.owner = owner

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.owner.app = app
        super().register(app, options)


class RedactingSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with redaction, an origin allow-list and the widget message contract."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
            allowed_origins=_configured_origins(credentials),
        )

    def __init__(self, *args: Any, allowed_origins: Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_origins = (
            list(allowed_origins) if allowed_origins is not None else list(get_settings().allowed_origins)
        )
        self.app: Sanic | None = None
        install_runtime_guards()

    def get_output_channel(self) -> OutputChannel | None:
        """Return the output channel for external events (staff messages, `output_channel=latest`)."""
        if self.sio is None:
            logger.warning("socket.io output channel cannot be recreated (several workers?)")
            return None
        return RedactingSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Return the socket.io blueprint (same events as Rasa's, with our checks)."""
        # Only the configured origins: never "*" and never [] (which switches the check off).
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=self.allowed_origins or ["http://127.0.0.1"]
        )
        webhook = _RememberingSocketBlueprint(self, sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = (
                rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
                if token
                else None
            )
            return bool(payload)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            logger.debug("socket.io client %s disconnected", sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not _SENDER_RE.fullmatch(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id)
                if inspect.isawaitable(entered):  # python-socketio >= 5.10
                    await entered
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            await self._handle_message(sid, data, on_new_message)

        return webhook

    async def _handle_message(
        self, sid: str, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        assert self.sio is not None
        if not isinstance(data, dict):
            logger.warning("socket.io: ignored a message that is not an object")
            return
        if self.session_persistence:
            sender_id = data.get("session_id")
            if not isinstance(sender_id, str) or not _SENDER_RE.fullmatch(sender_id):
                logger.warning("socket.io: ignored a message without a valid session_id")
                return
        else:
            sender_id = sid
        raw = data.get("message")
        text = clean_message(raw) if isinstance(raw, str) else None
        if text is None:
            logger.warning("socket.io: ignored an empty or malformed message (sender %s)", sender_id)
            return
        metadata = data.get(self.metadata_key)
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        if not isinstance(metadata, dict):
            metadata = None
        safe_text = await protect_text(text, sender_id)
        output = RedactingSocketIOOutput(self.sio, self.bot_message_evt)
        state = TurnState()
        token = _TURN.set(state)
        crashed = False
        try:
            await on_new_message(
                UserMessage(safe_text, output, sender_id, input_channel=self.name(), metadata=metadata)
            )
        except Exception as exc:
            crashed = True
            logger.error(
                "socket.io: handling the message failed: %s (sender %s)", type(exc).__name__, sender_id
            )
        finally:
            _TURN.reset(token)
        if state.action_failed or (crashed and output.sent == 0):
            apology = await technical_problem_message(_agent_of(self.app), sender_id, self.name())
            await output.send_response(sender_id, apology)

        async def send(message: dict[str, Any]) -> None:
            await output.send_response(sender_id, message)

        await turn_guard.complete_turn(
            _agent_of(self.app), sender_id, self.name(), safe_text, output.ledger.sent, send
        )
