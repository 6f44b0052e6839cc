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
import functools
import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rasa.core.channels.channel
import yaml
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
from socketio import AsyncRedisManager, AsyncServer

from rasa_addons import logging_filter, turn_guard
from rasa_addons.live_chat import LiveChat
from socialmap.privacy import ContactVault, Redaction, redact
from socialmap.settings import ROOT, Deployment, SettingsError, get_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# A REST body larger than this is refused (413) before it is parsed.
MAX_BODY_BYTES = 64 * 1024
# Metadata a client may send with a message: key -> longest value. Everything else is dropped.
# "municipality": the site the widget runs on (data-municipality); socialmap.tenants checks the name.
METADATA_KEYS: dict[str, int] = {"page": 200, "lang": 8, "widget": 32, "municipality": 40}
# A button payload: "/intent" or "/intent{json}" of at most this many characters.
MAX_PAYLOAD_CHARS = 300
MAX_ENTITY_VALUE_CHARS = 64
# Response after which the resident types the callback contact: the only moment a contact is kept.
CONTACT_QUESTION = "utter_ask_callback_contact"
CALLBACK_FORM = "callback_form"
CALLBACK_CONTACT_SLOT = "callback_contact"
TECHNICAL_PROBLEM_RESPONSE = "utter_technical_problem"
# Last resort when the model (and so domain.yml) is not loaded; normally the
# text comes from domain.yml through the agent's NLG.
FALLBACK_TECHNICAL_PROBLEM = (
    "Sorry, er ging bij ons iets mis. Probeer het later nog eens. "
    "U kunt ook de gemeente bellen: {contact_phone}. Of kijk op {contact_website}."
)

# C0 control characters except tab, newline and carriage return, plus DEL.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Sender ids: 8-128 of [A-Za-z0-9_-] with at least six hex characters, as random ids have (the widget's
# 32 hex, uuid4, "test-<12 hex>", "persona-<name>-<8 hex>"); never digits only (a phone number or BSN).
_SENDER_RE = re.compile(rf"(?=(?:[^0-9a-fA-F]*[0-9a-fA-F]){{6}})[A-Za-z0-9_-]{{8,{MAX_SENDER_CHARS}}}")
_PHONE_WORD_RE = re.compile(r"(?i)^(?:tel|telefoon|phone|mobiel|mob|gsm|nr|nummer|whatsapp|wa|sms|bsn)?[_-]*")
_EMAIL_WORDS_RE = re.compile(r"(?i)(?:^|[_-])(?:at|apenstaartje)[_-].+[_-](?:dot|punt)[_-][a-z]{2,}$")
_PAYLOAD_RE = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]{0,63})(?P<entities>\{.*\})?", re.DOTALL)


def valid_sender_id(sender: Any) -> bool:
    """Return True for a random-looking conversation id; never a phone number, e-mail address or name."""
    if not isinstance(sender, str) or not _SENDER_RE.fullmatch(sender):
        return False
    rest = _PHONE_WORD_RE.sub("", sender, count=1)
    if re.fullmatch(r"[0-9_-]+", rest):
        return False  # a phone number or BSN, perhaps with "tel-" before it
    return not _EMAIL_WORDS_RE.search(sender)


@functools.lru_cache(maxsize=4)
def domain_vocabulary(path: str = "") -> tuple[frozenset[str], frozenset[str]]:
    """Return the intents and entities of domain.yml (the only names a button payload may use)."""
    domain_file = Path(path) if path else ROOT / "domain.yml"
    raw = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}

    def names(items: Any) -> frozenset[str]:
        out = set()
        for item in items or []:
            if isinstance(item, str):
                out.add(item)
            elif isinstance(item, dict):
                out.update(str(k) for k in item)
        return frozenset(out)

    # Rasa's own "not understood" intent carries no text either; the dialogue handles it like any
    # misunderstanding (tests use it to reach the fallback path without depending on the model).
    return names(raw.get("intents")) | {"nlu_fallback"}, names(raw.get("entities"))


def accepted_payload(text: str) -> bool:
    """Return True when `text` is a payload our own buttons send: known intent, known entities, short values."""
    if len(text) > MAX_PAYLOAD_CHARS:
        return False
    m = _PAYLOAD_RE.fullmatch(text)
    if m is None:
        return False
    try:
        intents, entities = domain_vocabulary()
    except (OSError, yaml.YAMLError):
        return False
    if m.group("intent") not in intents:
        return False
    raw = m.group("entities")
    if raw is None:
        return True
    try:
        values = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    if not isinstance(values, dict):
        return False
    for key, value in values.items():
        if key not in entities:
            return False
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return False
        text_value = str(value)
        if len(text_value) > MAX_ENTITY_VALUE_CHARS or _CONTROL_RE.search(text_value):
            return False
        if redact(text_value).changed:
            return False  # "/inform{"location": "06..."}": personal data is never a payload
    return True


def clean_metadata(metadata: Any) -> dict[str, str] | None:
    """Return only the whitelisted metadata keys, as short redacted strings (None when nothing is left)."""
    if isinstance(metadata, str) and len(metadata) <= 4096:
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):
            return None
    if not isinstance(metadata, dict):
        return None
    out: dict[str, str] = {}
    for key, limit in METADATA_KEYS.items():
        value = metadata.get(key)
        if isinstance(value, str) and not _CONTROL_RE.search(value):
            out[key] = redact(value[:limit]).text
    return out or None


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
    turn_guard.install_turn_hooks()


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


def as_resident_text(text: str) -> str:
    """Return `text` as Rasa should see it: an accepted payload as is, anything else with no leading "/".

    Rasa reads every message that starts with "/" as an intent: it would skip NLU
    (and the safety net), store the text raw and warn with it in the log.
    """
    if not text.startswith("/") or accepted_payload(text):
        return text
    return text.lstrip("/").lstrip()


async def expects_contact(agent: Any, sender_id: str) -> bool:
    """Return True when the callback form has just asked this resident for a phone number or e-mail address."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False
    try:
        tracker = await store.retrieve(sender_id)
    except Exception as exc:  # no tracker store, no contact: the form asks again
        logger.warning("tracker store unavailable (%s); contact not kept", type(exc).__name__)
        return False
    if tracker is None:
        return False
    loop = getattr(tracker, "active_loop_name", None)
    requested = tracker.get_slot("requested_slot") if "requested_slot" in tracker.slots else None
    if loop == CALLBACK_FORM and requested == CALLBACK_CONTACT_SLOT:
        return True
    for event in reversed(tracker.events):
        if getattr(event, "type_name", "") == "bot":
            return (getattr(event, "metadata", None) or {}).get("utter_action") == CONTACT_QUESTION
        if getattr(event, "type_name", "") == "user":
            return False
    return False


async def protect_text(text: str, sender_id: str, agent: Any = None) -> str:
    """Return the text to hand to Rasa: redacted; a contact goes to the vault only in the callback flow."""
    if text.startswith("/") and accepted_payload(text):
        return text  # a button payload of our own: known intent and entities, no free text
    result: Redaction = redact(as_resident_text(text))
    contacts = result.contacts()
    if contacts and await expects_contact(agent, sender_id):
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
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "body too large")
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
        if not valid_sender_id(sender):
            return _error(400, "sender must be a random id: 8-128 letters, digits, '-' or '_'")
        message = payload.get("message")
        if not isinstance(message, str):
            return _error(400, "message must be a string")
        text = clean_message(message)
        if text is not None:
            text = clean_message(as_resident_text(text))
        if text is None:
            return _error(400, "message is empty or contains control characters")
        return sender, text, clean_metadata(payload.get("metadata"))

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
            safe_text = await protect_text(text, sender_id, _agent_of(request.app))
            safe_text = await turn_guard.typed_button(_agent_of(request.app), sender_id, safe_text) or safe_text
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
        # With several Rasa replicas every emit goes through Redis (python-socketio's own manager),
        # so a staff message appended on any replica reaches the window connected to another.
        redis_url = get_settings().socketio_redis_url
        manager = {"client_manager": AsyncRedisManager(redis_url, channel="socialmap-socketio")} if redis_url else {}
        # Only the configured origins: never "*" and never [] (which switches the check off).
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=self.allowed_origins or ["http://127.0.0.1"], **manager
        )
        webhook = _RememberingSocketBlueprint(self, sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        # Presence, missed messages, typing and CSAT for the live chat with a medewerker.
        live_chat = LiveChat.install(
            sio,
            webhook,
            self.namespace,
            lambda: _agent_of(self.app),
            bot_uttered_payload,
            self.bot_message_evt,
            redis_url=redis_url,
        )

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
            await live_chat.disconnected(sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            while not valid_sender_id(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id)
                if inspect.isawaitable(entered):  # python-socketio >= 5.10
                    await entered
            await sio.emit("session_confirm", session_id, room=sid)
            await live_chat.session_started(sid, session_id, data)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                await self._handle_message(sid, data, on_new_message)
            except Exception as exc:  # a broken message never kills the handler silently
                logger.error("socket.io: message handler failed: %s", type(exc).__name__)

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
            if not valid_sender_id(sender_id):
                logger.warning("socket.io: ignored a message without a valid session_id")
                return
        else:
            sender_id = sid
        raw = data.get("message")
        text = clean_message(raw) if isinstance(raw, str) else None
        if text is not None:
            text = clean_message(as_resident_text(text))
        if text is None:
            logger.warning("socket.io: ignored an empty or malformed message (sender %s)", sender_id)
            return
        metadata = clean_metadata(data.get(self.metadata_key))
        safe_text = await protect_text(text, sender_id, _agent_of(self.app))
        safe_text = await turn_guard.typed_button(_agent_of(self.app), sender_id, safe_text) or safe_text
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
