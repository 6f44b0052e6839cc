"""The staff console at /medewerkers/: login, the queue, one conversation, live chat.

`setup(app)` mounts it on the web server's aiohttp application. Pages are small
HTML shells from web/static/staff/ with a CSRF token filled in; console.js
fetches JSON from /medewerkers/api/... and renders every text with textContent.

Security: nothing answers without a session (pages redirect to the login page,
APIs give 401); the session cookie is HttpOnly, SameSite=Strict, expires, and is
Secure when Settings.staff_cookie_secure; every POST needs the session's CSRF
token (form field `csrf_token` or header X-CSRF-Token) and a same-origin Origin
header when the browser sends one.

The console talks to Rasa's HTTP API with the token (docs/ARCHITECTURE.md,
"Handoff contract"). When Rasa is down, the console says so in Dutch (HTTP 502
with a message), it never shows a stack trace.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web

from socialmap import handoff as hq
from socialmap import staff as st
from socialmap.db import get_engine
from socialmap.settings import Settings, get_settings

log = logging.getLogger(__name__)

PREFIX = "/medewerkers"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "staff"
SESSION_COOKIE = "medewerker_sessie"
LOGIN_CSRF_COOKIE = "medewerker_login_csrf"
MAX_MESSAGE_CHARS = 2000
TICKET_ID_RE = re.compile(r"[0-9a-f]{32}")

RASA_DOWN = (
    "De chatverbinding met de assistent werkt nu niet. Probeer het over een minuut opnieuw. "
    "Blijft dit zo? Meld het dan bij de beheerder."
)
SEARCH_DOWN = "Zoeken in de sociale kaart lukt nu niet. Probeer het later opnieuw."
NOT_LOGGED_IN = "U bent niet (meer) ingelogd. Log opnieuw in."
CSRF_FAILED = "De beveiligingscode van dit formulier klopt niet. Ververs de pagina en probeer het opnieuw."

# Files the browser may fetch; the stylesheet is needed by the login page, the script only after login.
PUBLIC_ASSETS = {"staff.css": "text/css"}
PRIVATE_ASSETS = {"console.js": "text/javascript"}

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SearchFn = Callable[..., Any]


class RasaUnavailable(Exception):
    """Rasa's HTTP API did not answer, or answered with an error."""


class RasaClient:
    """The few calls of Rasa's HTTP API the console needs (token in the query string)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        """Close the pooled HTTP connections."""
        if self._session is not None:
            await self._session.close()

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def _call(self, method: str, url: str, params: dict[str, str], body: Any = None) -> Any:
        params = {**params, "token": self.token}
        try:
            async with self._http().request(method, url, params=params, json=body) as response:
                if response.status >= 400:
                    detail = (await response.text())[:300]
                    log.warning("Rasa %s %s answered %s: %s", method, url, response.status, detail)
                    raise RasaUnavailable(f"HTTP {response.status}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            log.warning("Rasa %s %s failed: %r", method, url, exc)
            raise RasaUnavailable(str(exc)) from exc

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """Return the conversation's tracker (all events; already redacted by the channel)."""
        result = await self._call("GET", self._url(conversation_id, "tracker"), {"include_events": "ALL"})
        if not isinstance(result, dict):
            raise RasaUnavailable("unexpected tracker answer")
        return result

    async def append_events(
        self, conversation_id: str, events: list[dict[str, Any]], *, to_resident: bool
    ) -> None:
        """Append events; with `to_resident` bot events are also sent to the resident's open chat."""
        params = {"output_channel": "latest", "execute_side_effects": "true"} if to_resident else {}
        await self._call("POST", self._url(conversation_id, "tracker/events"), params, events)

    async def trigger_intent(
        self, conversation_id: str, name: str, entities: dict[str, Any] | None = None
    ) -> None:
        """Make the assistant react to an external event, answering on the resident's channel."""
        await self._call(
            "POST",
            self._url(conversation_id, "trigger_intent"),
            {"output_channel": "latest"},
            {"name": name, "entities": entities or {}},
        )


@dataclass
class Console:
    """Everything the console's handlers share; built lazily so importing does no I/O."""

    settings: Settings
    rasa: RasaClient
    search: SearchFn | None = None
    _queue: hq.HandoffQueue | None = None
    _staff: st.StaffStore | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def queue(self) -> hq.HandoffQueue:
        with self._lock:
            if self._queue is None:
                self._queue = hq.HandoffQueue(get_engine(self.settings.db_url))
            return self._queue

    @property
    def staff(self) -> st.StaffStore:
        with self._lock:
            if self._staff is None:
                self._staff = st.StaffStore(
                    get_engine(self.settings.db_url), session_minutes=self.settings.staff_session_minutes
                )
            return self._staff


CONSOLE_KEY = web.AppKey("staff_console", Console)


async def _run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Return fn(*args) run in a worker thread: database calls and scrypt must not block the loop."""
    return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))


def _console(request: web.Request) -> Console:
    return request.app[CONSOLE_KEY]


def _secure_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on form posts,
    # which the same-origin check below has to refuse.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _json(data: Any, status: int = 200) -> web.Response:
    return _secure_headers(web.json_response(data, status=status))  # type: ignore[return-value]


def _error(message: str, status: int, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status=status)


@functools.cache
def _template(name: str) -> str:
    """Return the text of web/static/staff/<name>, read from disk once per process."""
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _render(name: str, values: dict[str, str]) -> web.Response:
    """Return an HTML page from web/static/staff/<name> with {{key}} filled in, HTML-escaped."""
    body = _template(name)
    for key, value in values.items():
        body = body.replace("{{" + key + "}}", html.escape(value, quote=True))
    return _secure_headers(web.Response(text=body, content_type="text/html", charset="utf-8"))  # type: ignore[return-value]


def _same_origin(request: web.Request) -> bool:
    """Return False when the browser says the request comes from another site."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not sent by every browser for same-origin requests; CSRF token still required
    return urlsplit(origin).netloc == request.host


async def _session(request: web.Request) -> st.StaffSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await _run(_console(request).staff.session, token)


def _login_redirect(request: web.Request) -> web.HTTPFound:
    target = request.path_qs if request.method == "GET" else f"{PREFIX}/wachtrij"
    return web.HTTPFound(f"{PREFIX}/inloggen?next={quote(target, safe='')}")


def page(handler: Callable[[web.Request, st.StaffSession], Awaitable[web.StreamResponse]]) -> Handler:
    """Wrap a page handler: without a session the browser goes to the login page."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = await _session(request)
        if session is None:
            raise _login_redirect(request)
        return await handler(request, session)

    return wrapper


def api(handler: Callable[[web.Request, st.StaffSession], Awaitable[web.StreamResponse]]) -> Handler:
    """Wrap a JSON handler: 401 without a session, 403 on a POST without the right CSRF token."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = await _session(request)
        if session is None:
            return _error(NOT_LOGGED_IN, 401)
        if request.method != "GET":
            if not _same_origin(request) or not st.check_csrf(session, request.headers.get("X-CSRF-Token")):
                return _error(CSRF_FAILED, 403)
        try:
            return await handler(request, session)
        except hq.TicketNotFound as exc:
            return _error(str(exc), 404)
        except hq.AlreadyTaken as exc:
            return _error(str(exc), 409, holder_name=exc.holder_name)
        except hq.HandoffError as exc:
            return _error(str(exc), 409)
        except RasaUnavailable:
            return _error(RASA_DOWN, 502)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object of a request body ({} when empty); 400 for anything else."""
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="Ongeldige JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="Verwacht een JSON-object")
    return data


def _first_name(name: str) -> str:
    """Return the first name a resident sees ('Anja' for 'Anja de Vries')."""
    return (name.split() or [name])[0]


# --- login and logout -----------------------------------------------------------------


def _safe_next(raw: str | None) -> str:
    # Only our own pages: no scheme, no '//' host, no backslash tricks.
    if raw and raw.startswith(PREFIX + "/") and "//" not in raw and "\\" not in raw and "inloggen" not in raw:
        return raw
    return f"{PREFIX}/wachtrij"


def _login_page(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    csrf = secrets.token_urlsafe(32)
    response = _render(
        "login.html",
        {"csrf_token": csrf, "message": message, "next": _safe_next(request.query.get("next"))},
    )
    response.set_status(status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=_console(request).settings.staff_cookie_secure,
        max_age=3600,
    )
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    """Return the login page, or go to the queue when already logged in."""
    if await _session(request) is not None:
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    return _login_page(request)


async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check the password; on success set the session cookie and go on, else show the form again."""
    form = await request.post()
    supplied = str(form.get("csrf_token", ""))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _same_origin(request) or not supplied or not secrets.compare_digest(supplied, cookie):
        return _login_page(request, CSRF_FAILED, status=403)
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    console = _console(request)
    try:
        account = await _run(console.staff.authenticate, username, password)
        session = await _run(console.staff.create_session, account.username)
    except st.AccountLocked as exc:
        return _login_page(request, str(exc), status=429)
    except st.StaffError as exc:
        return _login_page(request, str(exc), status=401)
    target = _safe_next(str(form.get("next", "")))
    response = web.Response(status=303, headers={"Location": target})
    response.set_cookie(
        SESSION_COOKIE,
        session.token or "",
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=console.settings.staff_cookie_secure,
        max_age=console.settings.staff_session_minutes * 60,
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return _secure_headers(response)


async def logout(request: web.Request) -> web.StreamResponse:
    """End the session (POST with CSRF) and go to the login page."""
    session = await _session(request)
    if session is not None:
        form = await request.post()
        if not _same_origin(request) or not st.check_csrf(session, str(form.get("csrf_token", ""))):
            return _error(CSRF_FAILED, 403)
        await _run(_console(request).staff.end_session, request.cookies.get(SESSION_COOKIE))
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/inloggen"})
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return _secure_headers(response)


# --- pages ----------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """Send the browser to the queue (or to the login page first)."""
    raise web.HTTPFound(f"{PREFIX}/wachtrij")


@page
async def queue_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the queue page shell."""
    return _render("queue.html", {"csrf_token": session.csrf_token, "staff_name": session.name})


@page
async def conversation_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the page of one conversation (summary, transcript, actions)."""
    ticket_id = request.match_info["ticket_id"]
    if not TICKET_ID_RE.fullmatch(ticket_id):
        raise web.HTTPNotFound(text="Dit gesprek bestaat niet.")
    return _render(
        "conversation.html",
        {"csrf_token": session.csrf_token, "staff_name": session.name, "ticket_id": ticket_id},
    )


async def asset(request: web.Request) -> web.StreamResponse:
    """Return the stylesheet (public) or the console script (only after login)."""
    name = request.match_info["name"]
    if name in PRIVATE_ASSETS:
        if await _session(request) is None:
            return _error(NOT_LOGGED_IN, 401)
        content_type = PRIVATE_ASSETS[name]
    elif name in PUBLIC_ASSETS:
        content_type = PUBLIC_ASSETS[name]
    else:
        raise web.HTTPNotFound(text="Niet gevonden")
    response = web.Response(body=(STATIC_DIR / name).read_bytes(), content_type=content_type)
    return _secure_headers(response)


# --- JSON API: reading ----------------------------------------------------------------


@api
async def api_me(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return who is logged in, the teams and colleagues to hand on to, and the outcomes."""
    console = _console(request)
    colleagues = [
        {"username": a.username, "name": a.name}
        for a in await _run(console.staff.list)
        if not a.disabled and a.username != session.username
    ]
    return _json(
        {
            "username": session.username,
            "name": session.name,
            "teams": list(console.settings.deployment.teams),
            "colleagues": colleagues,
            "outcomes": [{"code": k, "label": v} for k, v in hq.OUTCOMES.items()],
        }
    )


@api
async def api_queue(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return waiting conversations (serving order), conversations being handled, and callback requests."""
    queue = _console(request).queue
    waiting = await _run(queue.waiting)
    taken = await _run(queue.taken)
    callbacks = await _run(queue.callbacks)
    callback_views = []
    for request_ in callbacks:
        view = request_.as_dict()
        if request_.status == hq.CALLBACK_TAKEN and request_.taken_by == session.username:
            contact = await _run(queue.callback_contact, request_.id)
            if contact is not None:
                view["contact"] = hq.format_phone(contact.value) if contact.kind == "phone" else contact.value
        callback_views.append(view)
    return _json(
        {
            "waiting": [dict(t.as_dict(), position=i + 1) for i, t in enumerate(waiting)],
            "taken": [t.as_dict() for t in taken],
            "callbacks": callback_views,
        }
    )


@api
async def api_ticket(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return one ticket with its summary, notes and whether the current employee has it."""
    ticket = await _run(_console(request).queue.get, request.match_info["ticket_id"])
    return await _ticket_json(request, ticket, session)


async def _ticket_json(request: web.Request, ticket: hq.Ticket, session: st.StaffSession) -> web.Response:
    """Return the ticket as the console shows it: service names instead of ids, and whether it is mine."""
    view = ticket.as_dict()
    view["mine"] = ticket.status == hq.TAKEN and ticket.taken_by == session.username
    view["summary"]["shown_services"] = await _run(
        _service_names, _console(request), ticket.summary.shown_services
    )
    return _json(view)


def _service_names(console: Console, shown: list[str]) -> list[str]:
    """Return readable names for the services the assistant showed (the slot holds service ids)."""
    try:
        from socialmap.catalog import Catalog

        catalog = Catalog(engine=get_engine(console.settings.db_url))
        names = []
        for item in shown:
            row = catalog.get("service", item)
            names.append(str(row["name"]) if row and row.get("name") else item)
        return names
    except Exception:  # the catalog is another part; without it the ids are still better than nothing
        log.warning("could not look up names of shown services", exc_info=True)
        return list(shown)


def transcript_from_tracker(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the readable lines of a Rasa tracker: resident, assistant, employee, and handoff markers."""
    lines: list[dict[str, Any]] = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        at = event.get("timestamp")
        if kind == "user":
            text = event.get("text") or ""
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith("EXTERNAL_") or text.startswith("EXTERNAL: "):
                continue  # sent by the console itself (trigger_intent), not typed by the resident
            if text.startswith("/"):
                # A button press: show the button's intent, not a raw payload.
                text = "(knop) " + text[1:].split("{")[0]
            lines.append({"from": "resident", "text": text, "at": at})
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            data = event.get("data") or {}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else None
            line: dict[str, Any] = {
                "from": "staff" if metadata.get("from") == "staff" else "assistant",
                "staff_name": metadata.get("staff_name"),
                "text": event.get("text") or "",
                "at": at,
            }
            if custom and custom.get("type") == "result_card" and isinstance(custom.get("card"), dict):
                line["card"] = {
                    k: str(v) for k, v in custom["card"].items() if isinstance(v, (str, int, float))
                }
            buttons = data.get("buttons") or []
            if buttons:
                line["buttons"] = [str(b.get("title", "")) for b in buttons if isinstance(b, dict)]
            lines.append(line)
        elif kind == "pause":
            lines.append(
                {"from": "system", "text": "De assistent is gepauzeerd: een medewerker praat nu.", "at": at}
            )
        elif kind == "resume":
            lines.append({"from": "system", "text": "De assistent doet weer mee.", "at": at})
    return lines


@api
async def api_transcript(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the whole conversation as lines, read from Rasa (polled about twice a second)."""
    console = _console(request)
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    tracker = await console.rasa.tracker(ticket.conversation_id)
    return _json({"lines": transcript_from_tracker(tracker), "paused": bool(tracker.get("paused"))})


@api
async def api_search(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return social-map results near the resident for the employee to send as cards."""
    console = _console(request)
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    keywords = request.query.get("q", "").strip()[:200] or None
    category = request.query.get("category", "").strip() or ticket.summary.need
    try:
        page_ = await _run(_search, console, ticket.summary, keywords, category)
    except SearchUnavailable as exc:
        return _error(str(exc), 503)
    return _json({"results": page_})


class SearchUnavailable(Exception):
    """The social-map search cannot answer (not installed, no place known, bad query)."""


def _search(
    console: Console, summary: hq.HandoffSummary, keywords: str | None, category: str | None
) -> list[dict[str, Any]]:
    """Return up to ten result cards (dicts) near the resident's place."""
    try:
        from socialmap import advice
        from socialmap import search as search_module
    except ImportError as exc:
        raise SearchUnavailable(SEARCH_DOWN) from exc
    search_fn = console.search or search_module.search
    lat, lon = summary.place_lat, summary.place_lon
    place_name = summary.location or summary.municipality
    if lat is None or lon is None:
        # The assistant did not know the place yet: search around the municipality of this deployment.
        try:
            from socialmap.geo import get_geocoder

            found = get_geocoder().geocode(place_name or console.settings.deployment.municipality)
        except Exception as exc:  # the geocoder is another part; any failure means "no place"
            raise SearchUnavailable("De plaats van de inwoner is onbekend. Zoeken lukt daarom niet.") from exc
        if found.place is None:
            raise SearchUnavailable("De plaats van de inwoner is onbekend. Zoeken lukt daarom niet.")
        lat, lon, place_name = found.place.lat, found.place.lon, found.place.name
    from socialmap.taxonomy import CATEGORIES

    query = search_module.SearchQuery(
        lat=float(lat),
        lon=float(lon),
        category=category if category in CATEGORIES else None,
        keywords=keywords,
        page_size=10,
    )
    try:
        result_page = search_fn(query, place_name=place_name)
    except ValueError as exc:  # SearchError is a ValueError with a Dutch message
        raise SearchUnavailable(str(exc) or SEARCH_DOWN) from exc
    return [advice.card(r, place_name) for r in result_page.results]


# --- JSON API: acting -----------------------------------------------------------------


@api
async def api_take(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Take the conversation over: one employee only, then the assistant pauses."""
    console = _console(request)
    ticket = await _run(console.queue.take, request.match_info["ticket_id"], session.username, session.name)
    try:
        await console.rasa.trigger_intent(
            ticket.conversation_id, "EXTERNAL_staff_joined", {"staff_name": _first_name(session.name)}
        )
        await console.rasa.append_events(ticket.conversation_id, [{"event": "pause"}], to_resident=False)
    except RasaUnavailable:
        # Without Rasa the resident cannot be reached: give the ticket back to the queue.
        await _run(console.queue.release, ticket.id, session.username)
        raise
    return await _ticket_json(request, await _run(console.queue.get, ticket.id), session)


@api
async def api_message(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Send the employee's message to the resident's chat."""
    console = _console(request)
    body = await _body(request)
    text = str(body.get("text", "")).strip()
    if not text:
        return _error("Typ eerst een bericht.", 400)
    if len(text) > MAX_MESSAGE_CHARS:
        return _error(f"Het bericht is te lang (meer dan {MAX_MESSAGE_CHARS} tekens).", 400)
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    event = {
        "event": "bot",
        "text": text,
        "metadata": {"from": "staff", "staff_name": _first_name(session.name)},
    }
    await console.rasa.append_events(ticket.conversation_id, [event], to_resident=True)
    return _json({"ok": True})


@api
async def api_send_card(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Send one social-map result to the resident as a result card."""
    console = _console(request)
    body = await _body(request)
    service_id = str(body.get("service_id", ""))
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    # Search again rather than trusting a card from the browser: what we send is what the map says.
    keywords = str(body.get("q", "")).strip()[:200] or None
    category = str(body.get("category", "")).strip() or ticket.summary.need
    try:
        cards = await _run(_search, console, ticket.summary, keywords, category)
    except SearchUnavailable as exc:
        return _error(str(exc), 503)
    card = next((c for c in cards if c.get("service_id") == service_id), None)
    if card is None:
        return _error("Dit resultaat is niet (meer) gevonden. Zoek opnieuw.", 404)
    lines = [
        card["name"],
        card.get("what", ""),
        card.get("where", ""),
        card.get("when", ""),
        card.get("contact", ""),
    ]
    event = {
        "event": "bot",
        "text": "\n".join(line for line in lines if line and line != "-"),
        "data": {"custom": {"type": "result_card", "card": card}},
        "metadata": {"from": "staff", "staff_name": _first_name(session.name)},
    }
    await console.rasa.append_events(ticket.conversation_id, [event], to_resident=True)
    return _json({"ok": True, "card": card})


@api
async def api_transfer(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Hand the conversation on to a team or a colleague, with a note; it waits in the queue again."""
    console = _console(request)
    body = await _body(request)
    team = str(body.get("team") or "").strip() or None
    to_staff = str(body.get("to_staff") or "").strip().lower() or None
    if team and team not in console.settings.deployment.teams:
        return _error("Dit team bestaat niet. Kies een team uit de lijst.", 400)
    if to_staff:
        colleague = await _run(console.staff.get, to_staff)
        if colleague is None or colleague.disabled:
            return _error("Deze collega bestaat niet of is niet actief.", 400)
    ticket = await _run(
        console.queue.transfer,
        request.match_info["ticket_id"],
        session.username,
        session.name,
        note=str(body.get("note") or ""),
        team=team,
        to_staff=to_staff,
    )
    return await _ticket_json(request, ticket, session)


_RESUME = [{"event": "resume"}, {"event": "slot", "name": "handoff_status", "value": "none"}]


@api
async def api_hand_back(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Give the conversation back to the assistant, which continues with everything it knew."""
    console = _console(request)
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    await console.rasa.append_events(ticket.conversation_id, _RESUME, to_resident=False)
    ticket = await _run(console.queue.hand_back, ticket.id, session.username)
    try:
        await console.rasa.trigger_intent(ticket.conversation_id, "EXTERNAL_handed_back")
    except RasaUnavailable:
        # The assistant already runs again; only its "I am back" line is missing.
        log.warning("handed back %s but EXTERNAL_handed_back failed", ticket.id)
    return await _ticket_json(request, ticket, session)


@api
async def api_close(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Close the conversation with an outcome; the assistant answers the resident again."""
    console = _console(request)
    body = await _body(request)
    outcome = str(body.get("outcome", ""))
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    if outcome not in hq.OUTCOMES:
        return _error("Kies een uitkomst: " + ", ".join(hq.OUTCOMES.values()) + ".", 400)
    was_waiting = ticket.status == hq.WAITING
    if ticket.status == hq.TAKEN:
        await _run(console.queue.require_holder, ticket.id, session.username)
        await console.rasa.append_events(ticket.conversation_id, _RESUME, to_resident=False)
    ticket = await _run(console.queue.close, ticket.id, session.username, outcome, staff_name=session.name)
    if was_waiting:
        try:
            # The resident is no longer waiting; the assistant was never paused.
            await console.rasa.append_events(ticket.conversation_id, _RESUME[1:], to_resident=False)
        except RasaUnavailable:
            log.warning("closed waiting ticket %s but could not reset handoff_status", ticket.id)
    return await _ticket_json(request, ticket, session)


@api
async def api_take_callback(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Take a callback request; the contact is shown to this employee only."""
    console = _console(request)
    callback = await _run(
        console.queue.take_callback, request.match_info["callback_id"], session.username, session.name
    )
    return _json(callback.as_dict())


@api
async def api_close_callback(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Close a callback request with an outcome; the contact is deleted."""
    console = _console(request)
    body = await _body(request)
    callback = await _run(
        console.queue.close_callback,
        request.match_info["callback_id"],
        session.username,
        str(body.get("outcome", "")),
    )
    return _json(callback.as_dict())


# --- mounting -------------------------------------------------------------------------


def _app_settings(app: web.Application) -> Settings | None:
    """Return the settings the web server stored on the app, so the console uses the same ones."""
    try:
        from web.server import SETTINGS_KEY
    except ImportError:
        return None
    return app.get(SETTINGS_KEY)


def setup(
    app: web.Application,
    *,
    settings: Settings | None = None,
    search: SearchFn | None = None,
) -> None:
    """Mount the staff console at /medewerkers/ on `app` (tests may pass settings and a search function)."""
    settings = settings or _app_settings(app) or get_settings()
    console = Console(
        settings=settings, rasa=RasaClient(settings.rasa_url, settings.rasa_token), search=search
    )
    app[CONSOLE_KEY] = console

    async def _close_rasa(_: web.Application) -> None:
        await console.rasa.close()

    app.on_cleanup.append(_close_rasa)  # type: ignore[arg-type]  # aiohttp 3.9 types Signal oddly
    r = app.router
    r.add_get(f"{PREFIX}", index)
    r.add_get(f"{PREFIX}/", index)
    r.add_get(f"{PREFIX}/inloggen", login_form)
    r.add_post(f"{PREFIX}/inloggen", login_submit)
    r.add_post(f"{PREFIX}/uitloggen", logout)
    r.add_get(f"{PREFIX}/wachtrij", queue_page)
    r.add_get(f"{PREFIX}/gesprek/{{ticket_id}}", conversation_page)
    r.add_get(f"{PREFIX}/static/{{name}}", asset)
    r.add_get(f"{PREFIX}/api/me", api_me)
    r.add_get(f"{PREFIX}/api/queue", api_queue)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}", api_ticket)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}/transcript", api_transcript)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}/search", api_search)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/take", api_take)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/messages", api_message)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/cards", api_send_card)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/transfer", api_transfer)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/handback", api_hand_back)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/close", api_close)
    r.add_post(f"{PREFIX}/api/callbacks/{{callback_id}}/take", api_take_callback)
    r.add_post(f"{PREFIX}/api/callbacks/{{callback_id}}/close", api_close_callback)
