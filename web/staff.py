"""The staff console at /medewerkers/: login, queue, conversation, history, satisfaction, admin.

`setup(app)` mounts it on the web server's aiohttp application. Pages are Jinja2
templates (web/templates/staff/, autoescaped, one layout); console.js fetches JSON
from /medewerkers/api/... and renders every text with textContent.

Security: nothing answers without a session (pages redirect to the login page,
APIs give 401); accounts without a conversation role (e.g. "beleid") get 403;
the session cookie is HttpOnly, SameSite=Strict, expires, and is Secure when
Settings.staff_cookie_secure; every POST needs the session's CSRF token (form
field `csrf_token` or header X-CSRF-Token) and a same-origin Origin header when
the browser sends one. Team leads (role "teamleider") also manage accounts and
canned responses.

The console talks to Rasa's HTTP API with the token (docs/ARCHITECTURE.md,
"Handoff contract"). What the resident reads when a medewerker joins, hands on,
hands back or closes comes from domain.yml (`ResidentTexts`) and reaches the
widget as a bot event, which works whether or not the assistant is paused.
When Rasa is down, the console says so in Dutch (HTTP 502), never a stack trace.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import secrets
import string
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import jinja2
import yaml
from aiohttp import web

from socialmap import handoff as hq
from socialmap import staff as st
from socialmap.db import get_engine
from socialmap.settings import ROOT, Deployment, Settings, get_settings
from socialmap.tenants import Tenants, get_tenants

log = logging.getLogger(__name__)

PREFIX = "/medewerkers"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "staff"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
CANNED_DEFAULTS = TEMPLATE_DIR / "staff" / "canned_defaults.yml"
DOMAIN_FILE = ROOT / "domain.yml"
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
NO_CONVERSATIONS = "Uw account heeft geen toegang tot gesprekken met inwoners."
LEADS_ONLY = "Alleen een teamleider kan dit."

# Files the browser may fetch; the stylesheet and icons are needed by the login page, the script only after login.
PUBLIC_ASSETS = {"staff.css": "text/css", "favicon.svg": "image/svg+xml", "favicon.ico": "image/x-icon"}
PRIVATE_ASSETS = {"console.js": "text/javascript"}

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SearchFn = Callable[..., Any]
SessionHandler = Callable[[web.Request, st.StaffSession], Awaitable[web.StreamResponse]]


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

    async def presence(self, conversation_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Return whether each resident's chat window is open (rasa_addons.live_chat keeps it)."""
        if not conversation_ids:
            return {}
        result = await self._call(
            "GET", f"{self.base_url}/webhooks/socketio/presence", {"ids": ",".join(conversation_ids)}
        )
        found = result.get("presence") if isinstance(result, dict) else None
        return found if isinstance(found, dict) else {}

    async def staff_typing(self, conversation_id: str, staff_name: str) -> None:
        """Tell the resident's open chat that the medewerker is typing (rasa_addons.live_chat)."""
        await self._call(
            "POST",
            f"{self.base_url}/webhooks/socketio/staff_typing",
            {},
            {"conversation_id": conversation_id, "staff_name": staff_name},
        )


# --- what the resident reads, from domain.yml --------------------------------------------


class _KeepMissing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class ResidentTexts:
    """Renders domain.yml responses (u or je variation) for messages the console sends the resident.

    Resident-facing Dutch lives in domain.yml only; the console passes the variables.
    """

    def __init__(self, domain_file: Path, address_form: str = "u") -> None:
        self.domain_file = domain_file
        self.address_form = address_form
        self._responses: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        with self._lock:
            if self._responses is None:
                data = yaml.safe_load(self.domain_file.read_text(encoding="utf-8")) or {}
                self._responses = dict(data.get("responses") or {})
            return self._responses

    def variation(self, name: str) -> dict[str, Any]:
        """Return the response variation for this deployment's address form (KeyError when unknown)."""
        variations = self._load()[name]
        plain = None
        for variation in variations:
            conditions = variation.get("condition") or []
            if not conditions:
                plain = plain or variation
                continue
            if all(
                c.get("name") == "address_form" and str(c.get("value")) == self.address_form
                for c in conditions
            ):
                return dict(variation)
        if plain is None:
            raise KeyError(name)
        return dict(plain)

    def render(self, name: str, **values: Any) -> str:
        """Return the text of response `name` with {variables} filled in."""
        text = str(self.variation(name).get("text") or "")
        return string.Formatter().vformat(text, (), _KeepMissing({k: str(v) for k, v in values.items()}))


def team_phrase(team: str) -> str:
    """Return how a resident reads a team after "aan": "de mantelzorgconsulent", "het Wmo-loket"."""
    name = team.strip()
    lowered = name[0].lower() + name[1:] if name[:1].isupper() and not name[1:2].isupper() else name
    if name.lower().startswith("wmo"):
        lowered = name  # an abbreviation keeps its capital
    last = lowered.split()[-1].lower() if lowered.split() else ""
    article = "het" if last.endswith(("team", "loket", "punt", "centrum", "huis")) else "de"
    return f"{article} {lowered}"


# --- the console's shared state ----------------------------------------------------------------


@dataclass
class Console:
    """Everything the console's handlers share; built lazily so importing does no I/O."""

    settings: Settings
    rasa: RasaClient
    search: SearchFn | None = None
    _queue: hq.HandoffQueue | None = None
    _staff: st.StaffStore | None = None
    _texts: ResidentTexts | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def queue(self) -> hq.HandoffQueue:
        with self._lock:
            if self._queue is None:
                self._queue = hq.HandoffQueue(get_engine(self.settings.db_url))
                _seed_canned(self._queue)
            return self._queue

    @property
    def staff(self) -> st.StaffStore:
        with self._lock:
            if self._staff is None:
                self._staff = st.StaffStore(
                    get_engine(self.settings.db_url), session_minutes=self.settings.staff_session_minutes
                )
            return self._staff

    @property
    def texts(self) -> ResidentTexts:
        with self._lock:
            if self._texts is None:
                self._texts = ResidentTexts(DOMAIN_FILE, self.settings.deployment.address_form)
            return self._texts

    @property
    def teams(self) -> list[str]:
        """Return the teams of every municipality, without duplicates (in file order)."""
        return list(dict.fromkeys(team for d in self.tenants for team in d.teams))

    @property
    def tenants(self) -> Tenants:
        return get_tenants(self.settings)

    def scope(self, username: str) -> hq.Scope:
        """Return the municipalities whose conversations, callbacks and history this employee may see."""
        default = self.tenants.default.municipality
        names = self.tenants.scope(self.staff.profile(username).scope(default))
        return hq.Scope(names, unassigned=default in names)

    def helpdesk_of(self, municipality: str | None) -> Deployment:
        """Return the settings of the helpdesk a ticket or callback belongs to (None: the default site)."""
        return self.tenants.get(municipality)


def _seed_canned(queue: hq.HandoffQueue) -> None:
    """Give a new helpdesk a few canned responses to start with (only when there are none)."""
    try:
        if queue.canned_responses():
            return
        for item in yaml.safe_load(CANNED_DEFAULTS.read_text(encoding="utf-8")) or []:
            queue.save_canned(str(item["title"]), str(item["text"]), by="systeem")
    except (OSError, yaml.YAMLError, KeyError, hq.HandoffError):
        log.warning("could not seed canned responses", exc_info=True)


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


# --- pages: one Jinja2 layout --------------------------------------------------------------


@functools.cache
def _jinja() -> jinja2.Environment:
    """Return the template environment (autoescaped HTML), built once per process."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _nav(session: st.StaffSession) -> list[tuple[str, str, str]]:
    items = [
        (f"{PREFIX}/wachtrij", "Wachtrij", "queue"),
        (f"{PREFIX}/geschiedenis", "Geschiedenis", "history"),
        (f"{PREFIX}/tevredenheid", "Tevredenheid", "csat"),
    ]
    if _is_lead(session):
        items.append((f"{PREFIX}/beheer", "Beheer", "admin"))
    return items


def render_page(
    name: str, page: str, session: st.StaffSession | None = None, status: int = 200, **context: Any
) -> web.Response:
    """Return the page `name` from web/templates/staff/ in the shared layout."""
    html_ = (
        _jinja()
        .get_template(f"staff/{name}")
        .render(page=page, session=session, nav=_nav(session) if session else [], **context)
    )
    response = web.Response(text=html_, content_type="text/html", charset="utf-8", status=status)
    return _secure_headers(response)  # type: ignore[return-value]


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


def _may_converse(session: st.StaffSession) -> bool:
    return getattr(session, "role", "medewerker") in getattr(st, "CONVERSATION_ROLES", {"medewerker"})


def _is_lead(session: st.StaffSession) -> bool:
    return getattr(session, "role", "") in getattr(st, "LEAD_ROLES", set())


def _in_scope(console: Console, session: st.StaffSession, match_info: Mapping[str, str]) -> bool:
    """Return False when the URL names a conversation or callback of a municipality the employee does not serve.

    Every route with {ticket_id} or {callback_id} passes here before its handler runs, so a new
    route cannot forget the check. Unknown ids pass: the handler answers 404 for them itself.
    """
    scope = console.scope(session.username)
    try:
        if "ticket_id" in match_info:
            if not scope.allows(console.queue.get(match_info["ticket_id"]).municipality):
                return False
        if "callback_id" in match_info:
            if not scope.allows(console.queue.get_callback(match_info["callback_id"]).municipality):
                return False
    except hq.TicketNotFound:
        return True
    return True


# Out of scope looks exactly like "does not exist": no one learns another municipality's ids.
NOT_FOUND_TICKET = "Dit gesprek of terugbelverzoek bestaat niet (meer)."


def _login_redirect(request: web.Request) -> web.HTTPFound:
    target = request.path_qs if request.method == "GET" else f"{PREFIX}/wachtrij"
    return web.HTTPFound(f"{PREFIX}/inloggen?next={quote(target, safe='')}")


def page(handler: SessionHandler) -> Handler:
    """Wrap a page handler: without a session the browser goes to the login page."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = await _session(request)
        if session is None:
            raise _login_redirect(request)
        if not _may_converse(session):
            if getattr(session, "role", "") in getattr(st, "SIGNALS_ROLES", set()):
                # Policy advisors work on the signals dashboard (web/signals.py), not with conversations.
                raise web.HTTPFound(f"{PREFIX}/signalen")
            return render_page("forbidden.html", "forbidden", session, status=403, message=NO_CONVERSATIONS)
        if not await _run(_in_scope, _console(request), session, request.match_info):
            raise web.HTTPNotFound(text=NOT_FOUND_TICKET)
        return await handler(request, session)

    return wrapper


def api(handler: SessionHandler) -> Handler:
    """Wrap a JSON handler: 401 without a session, 403 on a POST without the right CSRF token."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = await _session(request)
        if session is None:
            return _error(NOT_LOGGED_IN, 401)
        if request.method != "GET":
            if not _same_origin(request) or not st.check_csrf(session, request.headers.get("X-CSRF-Token")):
                return _error(CSRF_FAILED, 403)
        if not _may_converse(session):
            return _error(NO_CONVERSATIONS, 403)
        if not await _run(_in_scope, _console(request), session, request.match_info):
            return _error(NOT_FOUND_TICKET, 404)
        try:
            return await handler(request, session)
        except hq.TicketNotFound as exc:
            return _error(str(exc), 404)
        except hq.AlreadyTaken as exc:
            return _error(str(exc), 409, holder_name=exc.holder_name)
        except hq.HandoffError as exc:
            return _error(str(exc), 409)
        except st.StaffError as exc:
            return _error(str(exc), 400)
        except RasaUnavailable:
            return _error(RASA_DOWN, 502)

    return wrapper


def lead_api(handler: SessionHandler) -> Handler:
    """Wrap a JSON handler that only team leads may use."""

    async def only_leads(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
        if not _is_lead(session):
            return _error(LEADS_ONLY, 403)
        return await handler(request, session)

    return api(functools.wraps(handler)(only_leads))


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object of a request body ({} when empty); 400 for anything else."""
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except (ValueError, RecursionError):  # also invalid UTF-8 and deeply nested JSON: 400, not 500
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
    response = render_page(
        "login.html",
        "login",
        None,
        status=status,
        csrf_token=csrf,
        message=message,
        next=_safe_next(request.query.get("next")),
    )
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


async def _form(request: web.Request) -> Any:
    """Return the posted form; 400 for a body that is not valid UTF-8 or not a form."""
    try:
        return await request.post()
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise web.HTTPBadRequest(text="Ongeldig formulier") from None


def _same_token(supplied: str, expected: str) -> bool:
    # compare_digest on str raises for non-ASCII: compare bytes.
    return secrets.compare_digest(supplied.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check the password; on success set the session cookie and go on, else show the form again."""
    form = await _form(request)
    supplied = str(form.get("csrf_token", ""))
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _same_origin(request) or not supplied or not _same_token(supplied, cookie):
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
    """End the session (POST with CSRF), mark the employee away, and go to the login page."""
    session = await _session(request)
    if session is not None:
        form = await _form(request)
        if not _same_origin(request) or not st.check_csrf(session, str(form.get("csrf_token", ""))):
            return _error(CSRF_FAILED, 403)
        console = _console(request)
        await _run(console.staff.end_session, request.cookies.get(SESSION_COOKIE))
        try:
            await _run(console.staff.set_status, session.username, st.AWAY)
        except st.StaffError:
            pass
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/inloggen"})
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    return _secure_headers(response)


# --- pages ----------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    """Send the browser to the queue (or to the login page first)."""
    raise web.HTTPFound(f"{PREFIX}/wachtrij")


@page
async def queue_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the queue page."""
    return render_page("queue.html", "queue", session, teams=_console(request).teams)


@page
async def conversation_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the page of one conversation (summary, transcript, actions)."""
    ticket_id = request.match_info["ticket_id"]
    if not TICKET_ID_RE.fullmatch(ticket_id):
        raise web.HTTPNotFound(text="Dit gesprek bestaat niet.")
    return render_page("conversation.html", "conversation", session, ticket_id=ticket_id)


@page
async def callback_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the page of one callback request with the conversation that led to it."""
    callback_id = request.match_info["callback_id"]
    if not TICKET_ID_RE.fullmatch(callback_id):
        raise web.HTTPNotFound(text="Dit terugbelverzoek bestaat niet.")
    return render_page("callback.html", "callback", session, callback_id=callback_id)


@page
async def history_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the history search page."""
    console = _console(request)
    return render_page(
        "history.html",
        "history",
        session,
        teams=console.teams,
        outcomes=list(hq.OUTCOMES.items()),
        retention_days=console.settings.deployment.retention_days,
    )


@page
async def csat_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the satisfaction report page."""
    return render_page("csat.html", "csat", session)


@page
async def admin_page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the admin page (team leads): accounts and canned responses."""
    if not _is_lead(session):
        return render_page("forbidden.html", "forbidden", session, status=403, message=LEADS_ONLY)
    roles = [(code, label) for code, label in getattr(st, "ROLES", {"medewerker": "Medewerker"}).items()]
    return render_page("admin.html", "admin", session, teams=_console(request).teams, roles=roles)


async def asset(request: web.Request) -> web.StreamResponse:
    """Return the stylesheet and icons (public) or the console script (only after login)."""
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


async def favicon(_: web.Request) -> web.StreamResponse:
    """Return the site icon (browsers ask for /favicon.ico on every page)."""
    response = web.Response(body=(STATIC_DIR / "favicon.ico").read_bytes(), content_type="image/x-icon")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- JSON API: reading ----------------------------------------------------------------


def _names(console: Console) -> dict[str, str]:
    return {a.username: a.name for a in console.staff.list()}


@api
async def api_me(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return who is logged in, teams, colleagues, outcomes, availability and canned responses."""
    console = _console(request)
    accounts = await _run(console.staff.list)
    profile = await _run(console.staff.profile, session.username)
    scope = await _run(console.scope, session.username)
    colleagues = [
        {"username": a.username, "name": a.name}
        for a in accounts
        if not a.disabled
        and a.username != session.username
        and set((await _run(console.scope, a.username)).municipalities) & set(scope.municipalities)
    ]
    return _json(
        {
            "username": session.username,
            "name": session.name,
            "first_name": _first_name(session.name),
            "role": getattr(session, "role", "medewerker"),
            "is_lead": _is_lead(session),
            "profile": profile.as_dict(),
            "municipalities": list(scope.municipalities),
            "teams": list(dict.fromkeys(t for m in scope.municipalities for t in console.tenants.get(m).teams)),
            "colleagues": colleagues,
            "outcomes": [{"code": k, "label": v} for k, v in hq.OUTCOMES.items()],
            "wait_targets": hq.WAIT_TARGET_MINUTES,
        }
    )


@api
async def api_set_status(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Set the employee's availability (beschikbaar / afwezig); the wait estimate counts it."""
    body = await _body(request)
    profile = await _run(_console(request).staff.set_status, session.username, str(body.get("status", "")))
    return _json(profile.as_dict())


def _inbox_teams(inbox: str, profile: st.StaffProfile) -> list[str] | None:
    """Return the team filter for an inbox choice (None = every ticket)."""
    if inbox == "all":
        return None
    if inbox == "general":
        return [hq.GENERAL_TEAM]
    if inbox.startswith("team:"):
        return [inbox[5:]]
    # "mine": the general inbox plus my teams; someone in no team sees everything.
    return [hq.GENERAL_TEAM, *profile.teams] if profile.teams else None


UNKNOWN_PRESENCE: dict[str, Any] = {"online": False, "last_seen": None, "typing": False}


async def _presence(console: Console, conversation_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Return the presence of each conversation; unknown for all when the chat server does not answer."""
    ids = list(dict.fromkeys(conversation_ids))
    try:
        found = await console.rasa.presence(ids)
    except RasaUnavailable:
        found = {}
    return {cid: dict(found.get(cid) or UNKNOWN_PRESENCE) for cid in ids}


def _with_presence(views: list[dict[str, Any]], presence: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    for view in views:
        view["presence"] = presence.get(view["conversation_id"], UNKNOWN_PRESENCE)
    return views


def _queue_data(console: Console, session: st.StaffSession, inbox: str) -> dict[str, Any]:
    queue = console.queue
    profile = console.staff.profile(session.username)
    scope = console.scope(session.username)
    names = _names(console)
    all_waiting = queue.waiting(scope=scope)
    teams = _inbox_teams(inbox, profile)
    waiting = all_waiting if teams is None else queue.waiting(teams, scope=scope)
    taken = queue.taken(scope=scope)
    callbacks = queue.callbacks(scope=scope)
    waiting_views = []
    for ticket in waiting:
        view = ticket.as_dict()
        view["position"] = all_waiting.index(ticket) + 1 if ticket in all_waiting else None
        view["assigned_to_name"] = names.get(ticket.assigned_to or "", ticket.assigned_to)
        view["for_me"] = ticket.assigned_to in (None, session.username)
        waiting_views.append(view)
    callback_views = []
    for request_ in callbacks:
        view = request_.as_dict()
        view["mine"] = request_.status == hq.CALLBACK_TAKEN and request_.taken_by == session.username
        if view["mine"]:
            contact = queue.callback_contact(request_.id)
            if contact is not None:
                view["contact"] = hq.format_phone(contact.value) if contact.kind == "phone" else contact.value
        callback_views.append(view)
    inboxes: dict[str, int] = {}
    for ticket in all_waiting:
        inboxes[ticket.team or hq.GENERAL_TEAM] = inboxes.get(ticket.team or hq.GENERAL_TEAM, 0) + 1
    return {
        "inbox": inbox,
        "waiting": waiting_views,
        "taken": [t.as_dict() for t in taken],
        "callbacks": callback_views,
        "inboxes": inboxes,
        "waiting_total": len(all_waiting),
        "urgent_waiting": sum(1 for t in waiting if t.urgent),
    }


@api
async def api_queue(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return waiting conversations (serving order, per inbox), conversations being handled, callbacks."""
    inbox = request.query.get("inbox", "mine")[:120]
    console = _console(request)
    data = await _run(_queue_data, console, session, inbox)
    presence = await _presence(console, [t["conversation_id"] for t in data["waiting"] + data["taken"]])
    _with_presence(data["waiting"], presence)
    _with_presence(data["taken"], presence)
    return _json(data)


@api
async def api_ticket(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return one ticket with its summary, notes, presence and whether the current employee has it."""
    ticket = await _run(_console(request).queue.get, request.match_info["ticket_id"])
    return await _ticket_json(request, ticket, session)


async def _ticket_json(request: web.Request, ticket: hq.Ticket, session: st.StaffSession) -> web.Response:
    """Return the ticket as the console shows it: names instead of ids, presence, and whether it is mine."""
    console = _console(request)
    view = ticket.as_dict()
    view["mine"] = ticket.status == hq.TAKEN and ticket.taken_by == session.username
    view["handled_by_me"] = ticket.taken_by == session.username
    view["summary"]["shown_services"] = await _run(_service_names, console, ticket.summary.shown_services)
    names = await _run(_names, console)
    view["assigned_to_name"] = names.get(ticket.assigned_to or "", ticket.assigned_to)
    for note in view["notes"]:
        note["to_name"] = names.get(note.get("to") or "", note.get("to"))
    view["presence"] = (await _presence(console, [ticket.conversation_id]))[ticket.conversation_id]
    return _json(view)


def _service_names(console: Console, shown: list[str]) -> list[str]:
    """Return readable names for the services shown (the slot holds service ids, staff cards names)."""
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


# Button payloads whose button is no longer in the transcript (older conversations): readable titles.
INTENT_TITLES = {
    "affirm": "Ja",
    "deny": "Nee",
    "request_human": "Praat met een medewerker",
    "request_callback": "Bel of mail mij terug",
    "cancel_handoff": "Stoppen met wachten",
    "start_conversation": "Gesprek gestart",
    "show_more": "Meer resultaten",
}


def _button_title(payload: str, offered: dict[str, str]) -> str:
    if payload in offered:
        return offered[payload]
    intent = payload[1:].split("{")[0]
    return INTENT_TITLES.get(intent, intent.replace("_", " "))


def transcript_from_tracker(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the readable lines of a Rasa tracker: resident, assistant, employee, and handoff markers.

    A button press shows the button's title ("Ja, dat is goed"), never its payload.
    """
    lines: list[dict[str, Any]] = []
    offered: dict[str, str] = {}  # payload -> title of the buttons on screen
    for event in tracker.get("events") or []:
        kind = event.get("event")
        at = event.get("timestamp")
        if kind == "user":
            text = event.get("text") or ""
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith("EXTERNAL_") or text.startswith("EXTERNAL: "):
                continue  # sent by the console itself (trigger_intent), not typed by the resident
            line: dict[str, Any] = {"from": "resident", "text": text, "at": at}
            if text.startswith("/"):
                if text == "/start_conversation":
                    continue  # the widget opening, not something the resident chose
                line["text"] = _button_title(text, offered)
                line["button"] = True
            lines.append(line)
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            data = event.get("data") or {}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else None
            source = "staff" if metadata.get("from") == "staff" else "assistant"
            if metadata.get("handoff") and source != "staff":
                source = "system"
            line = {
                "from": source,
                "staff_name": metadata.get("staff_name"),
                "text": event.get("text") or "",
                "at": at,
            }
            if custom and custom.get("type") == "result_card" and isinstance(custom.get("card"), dict):
                line["card"] = {
                    k: str(v) for k, v in custom["card"].items() if isinstance(v, (str, int, float))
                }
            if custom and custom.get("type") == "csat":
                line["csat"] = True
            buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)]
            if buttons:
                line["buttons"] = [str(b.get("title", "")) for b in buttons]
                offered.update({str(b.get("payload", "")): str(b.get("title", "")) for b in buttons})
            lines.append(line)
        elif kind == "pause":
            lines.append(
                {"from": "system", "text": "De assistent is gepauzeerd: een medewerker praat nu.", "at": at}
            )
        elif kind == "resume":
            lines.append({"from": "system", "text": "De assistent doet weer mee.", "at": at})
    return lines


def transcript_text(lines: list[dict[str, Any]]) -> str:
    """Return the transcript as plain text for the history search (already redacted by the channel)."""
    out = []
    for line in lines:
        who = {"resident": "Inwoner", "assistant": "Assistent", "system": "Systeem"}.get(
            line["from"], line.get("staff_name") or "Medewerker"
        )
        text = line.get("text") or ""
        if line.get("card"):
            text = line["card"].get("name", "") + " " + text
        out.append(f"{who}: {' '.join(text.split())}")
    return "\n".join(out)


@api
async def api_transcript(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the whole conversation as lines, read from Rasa (polled about twice a second), and presence."""
    console = _console(request)
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    tracker = await console.rasa.tracker(ticket.conversation_id)
    presence = await _presence(console, [ticket.conversation_id])
    return _json(
        {
            "lines": transcript_from_tracker(tracker),
            "paused": bool(tracker.get("paused")),
            "presence": presence[ticket.conversation_id],
        }
    )


@api
async def api_canned_for_ticket(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the canned responses for this conversation, with place and first name filled in."""
    console = _console(request)
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    profile = await _run(console.staff.profile, session.username)
    teams = [*profile.teams] + ([ticket.team] if ticket.team else [])
    items = await _run(console.queue.canned_responses, teams)
    place = ticket.summary.location or ticket.summary.municipality
    first = _first_name(session.name)
    return _json({"canned": [dict(c.as_dict(), filled=c.filled(place, first)) for c in items]})


@api
async def api_search(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return social-map results near the resident for the employee to send as cards."""
    console = _console(request)
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    keywords = request.query.get("q", "").strip()[:200] or None
    category = request.query.get("category", "").strip() or ticket.summary.need
    try:
        page_ = await _run(_search, console, ticket.summary, keywords, category, ticket.municipality)
    except SearchUnavailable as exc:
        return _error(str(exc), 503)
    return _json({"results": page_})


class SearchUnavailable(Exception):
    """The social-map search cannot answer (not installed, no place known, bad query)."""


def _search(
    console: Console,
    summary: hq.HandoffSummary,
    keywords: str | None,
    category: str | None,
    municipality: str | None = None,
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
        # The assistant did not know the place yet: search around the municipality whose helpdesk has it.
        try:
            from socialmap.geo import get_geocoder

            found = get_geocoder().geocode(place_name or console.helpdesk_of(municipality).municipality)
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


def _to_resident(text: str, handoff: str | None = None, **metadata: Any) -> dict[str, Any]:
    """Return a bot event for the resident's chat; `handoff` tells the widget who it talks to now."""
    meta = {k: v for k, v in metadata.items() if v is not None}
    if handoff:
        meta["handoff"] = handoff
    return {"event": "bot", "text": text, "metadata": meta}


def _joined_event(console: Console, session: st.StaffSession, ticket: hq.Ticket) -> dict[str, Any]:
    first = _first_name(session.name)
    text = console.texts.render(
        "utter_staff_joined", staff_name=first, municipality_name=console.helpdesk_of(ticket.municipality).municipality
    )
    return _to_resident(text, "joined", **{"from": "staff", "staff_name": first})


async def _take(console: Console, ticket: hq.Ticket, session: st.StaffSession) -> hq.Ticket:
    """Pause the assistant and tell the resident who joined; give the ticket back when Rasa fails."""
    try:
        await console.rasa.append_events(ticket.conversation_id, [{"event": "pause"}], to_resident=False)
        await console.rasa.append_events(
            ticket.conversation_id, [_joined_event(console, session, ticket)], to_resident=True
        )
    except RasaUnavailable:
        # Without Rasa the resident cannot be reached: give the ticket back to the queue.
        await _run(console.queue.release, ticket.id, session.username)
        raise
    return await _run(console.queue.get, ticket.id)


@api
async def api_take(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Take the conversation over: one employee only, then the assistant pauses and the resident is told."""
    console = _console(request)
    ticket = await _run(console.queue.take, request.match_info["ticket_id"], session.username, session.name)
    return await _ticket_json(request, await _take(console, ticket, session), session)


def _take_next(console: Console, session: st.StaffSession, inbox: str) -> hq.Ticket | None:
    """Return the first waiting ticket of the inbox taken by this employee, or None when nobody waits."""
    teams = _inbox_teams(inbox, console.staff.profile(session.username))
    for ticket in console.queue.waiting(teams, scope=console.scope(session.username)):
        if ticket.assigned_to not in (None, session.username):
            continue
        try:
            return console.queue.take(ticket.id, session.username, session.name)
        except (hq.AlreadyTaken, hq.InvalidTransition, hq.NotHolder):
            continue  # a colleague was a moment faster: try the next one
    return None


@api
async def api_take_next(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Take the first waiting conversation of the chosen inbox (urgent first, then longest waiting)."""
    console = _console(request)
    body = await _body(request)
    ticket = await _run(_take_next, console, session, str(body.get("inbox") or "mine")[:120])
    if ticket is None:
        return _error("Er wacht nu niemand in deze inbox.", 404)
    return await _ticket_json(request, await _take(console, ticket, session), session)


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
    presence = await _presence(console, [ticket.conversation_id])
    return _json({"ok": True, "presence": presence[ticket.conversation_id]})


@api
async def api_typing(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Show "Anja schrijft…" in the resident's chat (sent by the console at most every few seconds)."""
    console = _console(request)
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    try:
        await console.rasa.staff_typing(ticket.conversation_id, _first_name(session.name))
    except RasaUnavailable:
        return _json({"ok": False})  # a missing typing indicator is no reason to alarm the employee
    return _json({"ok": True})


@api
async def api_note(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Add an internal note to the conversation: for colleagues only, never sent to the resident."""
    body = await _body(request)
    ticket = await _run(
        _console(request).queue.add_note,
        request.match_info["ticket_id"],
        session.username,
        session.name,
        str(body.get("text") or ""),
    )
    return await _ticket_json(request, ticket, session)


@api
async def api_send_card(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Send one social-map result to the resident as a result card, labelled with the employee's name."""
    console = _console(request)
    body = await _body(request)
    service_id = str(body.get("service_id", ""))
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    # Search again rather than trusting a card from the browser: what we send is what the map says.
    keywords = str(body.get("q", "")).strip()[:200] or None
    category = str(body.get("category", "")).strip() or ticket.summary.need
    try:
        cards = await _run(_search, console, ticket.summary, keywords, category, ticket.municipality)
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
    await _run(console.queue.add_shown, ticket.id, str(card["name"]))
    return _json({"ok": True, "card": card})


@api
async def api_transfer(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Hand the conversation on to a team or a colleague, with a note; it waits again and the resident is told."""
    console = _console(request)
    body = await _body(request)
    team = str(body.get("team") or "").strip() or None
    to_staff = str(body.get("to_staff") or "").strip().lower() or None
    current = await _run(console.queue.get, request.match_info["ticket_id"])
    if team and team not in console.helpdesk_of(current.municipality).teams:
        return _error("Dit team bestaat niet. Kies een team uit de lijst.", 400)
    colleague = None
    if to_staff:
        colleague = await _run(console.staff.get, to_staff)
        if colleague is None or colleague.disabled:
            return _error("Deze collega bestaat niet of is niet actief.", 400)
        if not (await _run(console.scope, to_staff)).allows(current.municipality):
            return _error("Deze collega werkt niet voor deze gemeente.", 400)
    ticket = await _run(
        console.queue.transfer,
        request.match_info["ticket_id"],
        session.username,
        session.name,
        note=str(body.get("note") or ""),
        team=team,
        to_staff=to_staff,
    )
    target = team_phrase(team) if team else "collega " + _first_name(colleague.name if colleague else "")
    first = _first_name(session.name)
    text = console.texts.render("utter_handed_on", staff_name=first, handoff_target=target)
    try:
        await console.rasa.append_events(
            ticket.conversation_id,
            [_to_resident(text, "handed_on", staff_name=first, team=team)],
            to_resident=True,
        )
    except RasaUnavailable:
        log.warning("handed on %s but could not tell the resident", ticket.id)
    return await _ticket_json(request, ticket, session)


_RESUME = [{"event": "resume"}, {"event": "slot", "name": "handoff_status", "value": "none"}]


async def _after_conversation(console: Console, ticket: hq.Ticket, response: str, handoff: str) -> None:
    """Tell the resident the conversation ended, ask the optional satisfaction question, keep the transcript."""
    events = [_to_resident(console.texts.render(response), handoff)]
    if ticket.taken_at is not None:  # a person talked with the resident: ask how it went
        token = await _run(console.queue.csat_invite, ticket.team, municipality=ticket.municipality)
        question = console.texts.render("utter_ask_csat")
        events.append(
            {
                "event": "bot",
                "text": question,
                "data": {"custom": {"type": "csat", "token": token}},
                "metadata": {"handoff": "csat"},
            }
        )
    try:
        await console.rasa.append_events(ticket.conversation_id, events, to_resident=True)
        tracker = await console.rasa.tracker(ticket.conversation_id)
        await _run(
            console.queue.keep_transcript, ticket.id, transcript_text(transcript_from_tracker(tracker))
        )
    except RasaUnavailable:
        log.warning("ended %s but could not tell the resident or keep the transcript", ticket.id)


def _outcome_of(body: dict[str, Any], required: bool) -> str | None:
    outcome = str(body.get("outcome") or "")
    if not outcome and not required:
        return None
    if outcome not in hq.OUTCOMES:
        raise hq.HandoffError("Kies een uitkomst: " + ", ".join(hq.OUTCOMES.values()) + ".")
    return outcome


@api
async def api_hand_back(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Give the conversation back to the assistant (optionally with an outcome); it keeps what it knew."""
    console = _console(request)
    body = await _body(request)
    outcome = _outcome_of(body, required=False)
    ticket = await _run(console.queue.require_holder, request.match_info["ticket_id"], session.username)
    await console.rasa.append_events(ticket.conversation_id, _RESUME, to_resident=False)
    ticket = await _run(console.queue.hand_back, ticket.id, session.username, outcome=outcome)
    await _after_conversation(console, ticket, "utter_handed_back", "handed_back")
    return await _ticket_json(request, ticket, session)


@api
async def api_close(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Close the conversation with an outcome; the resident is told and the assistant answers again."""
    console = _console(request)
    body = await _body(request)
    try:
        outcome = _outcome_of(body, required=True)
    except hq.HandoffError as exc:
        return _error(str(exc), 400)
    assert outcome is not None
    ticket = await _run(console.queue.get, request.match_info["ticket_id"])
    if ticket.assigned_to not in (None, session.username):
        # Handed to a named colleague: only that colleague closes it.
        return _error(
            "Dit gesprek is aan een collega overgedragen. Alleen die collega kan het afsluiten.", 403
        )
    if ticket.status == hq.TAKEN:
        await _run(console.queue.require_holder, ticket.id, session.username)
        await console.rasa.append_events(ticket.conversation_id, _RESUME, to_resident=False)
    was_waiting = ticket.status == hq.WAITING
    ticket = await _run(console.queue.close, ticket.id, session.username, outcome, staff_name=session.name)
    if was_waiting:
        # The resident waited (and may have left): the assistant was never paused, only the status resets.
        try:
            await console.rasa.append_events(ticket.conversation_id, _RESUME[1:], to_resident=False)
        except RasaUnavailable:
            log.warning("closed waiting ticket %s but could not reset handoff_status", ticket.id)
    await _after_conversation(console, ticket, "utter_conversation_closed", "closed")
    return await _ticket_json(request, ticket, session)


@api
async def api_outcome(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Record or correct the outcome of a conversation this employee handed back or closed."""
    body = await _body(request)
    outcome = _outcome_of(body, required=True)
    assert outcome is not None
    ticket = await _run(
        _console(request).queue.record_outcome, request.match_info["ticket_id"], session.username, outcome
    )
    return await _ticket_json(request, ticket, session)


def _callback_view(
    console: Console, callback: hq.CallbackRequest, session: st.StaffSession
) -> dict[str, Any]:
    view = callback.as_dict()
    view["mine"] = callback.status == hq.CALLBACK_TAKEN and callback.taken_by == session.username
    if view["mine"]:
        contact = console.queue.callback_contact(callback.id)
        if contact is not None:
            view["contact"] = hq.format_phone(contact.value) if contact.kind == "phone" else contact.value
    return view


@api
async def api_callback(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return one callback request (contact only for its handler) with the conversation that led to it."""
    console = _console(request)
    callback = await _run(console.queue.get_callback, request.match_info["callback_id"])
    view = await _run(_callback_view, console, callback, session)
    try:
        view["lines"] = transcript_from_tracker(await console.rasa.tracker(callback.conversation_id))
    except RasaUnavailable:
        view["lines"] = []
        view["transcript_error"] = RASA_DOWN
    return _json(view)


@api
async def api_take_callback(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Take a callback request; the contact is shown to this employee only."""
    console = _console(request)
    callback = await _run(
        console.queue.take_callback, request.match_info["callback_id"], session.username, session.name
    )
    return _json(await _run(_callback_view, console, callback, session))


@api
async def api_close_callback(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Close a callback request with an outcome; the contact is deleted, the transcript kept for history."""
    console = _console(request)
    body = await _body(request)
    callback = await _run(
        console.queue.close_callback,
        request.match_info["callback_id"],
        session.username,
        str(body.get("outcome", "")),
    )
    try:
        tracker = await console.rasa.tracker(callback.conversation_id)
        await _run(
            console.queue.keep_callback_transcript,
            callback.id,
            transcript_text(transcript_from_tracker(tracker)),
        )
    except RasaUnavailable:
        log.warning("closed callback %s without keeping its transcript", callback.id)
    return _json(callback.as_dict())


# --- history, satisfaction -------------------------------------------------------------------


def _day(raw: str, tz: ZoneInfo, end: bool) -> datetime | None:
    """Return the start (or end) of a yyyy-mm-dd day in the municipality's time zone, or None."""
    try:
        day = datetime.strptime(raw.strip(), "%Y-%m-%d").replace(tzinfo=tz)
    except ValueError:
        return None
    return day + timedelta(days=1, microseconds=-1) if end else day


@api
async def api_history(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return ended conversations and callbacks matching date, team, outcome, place and words."""
    console = _console(request)
    q = request.query
    tz = ZoneInfo(console.settings.deployment.timezone)
    outcome = q.get("outcome", "")
    found = await _run(
        console.queue.history_search,
        date_from=_day(q.get("from", ""), tz, end=False),
        date_to=_day(q.get("to", ""), tz, end=True),
        team=q.get("team", "").strip()[:100] or None,
        outcome=outcome if outcome in hq.OUTCOMES else None,
        place=q.get("place", "").strip()[:100] or None,
        words=q.get("q", "").strip()[:200] or None,
        scope=await _run(console.scope, session.username),
    )
    return _json({"results": found})


@api
async def api_csat(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the satisfaction answers per team and week."""
    console = _console(request)
    scope = await _run(console.scope, session.username)
    return _json({"report": await _run(functools.partial(console.queue.csat_report, scope=scope))})


# --- admin (team leads) -----------------------------------------------------------------------


def _accounts(console: Console, lead: str) -> list[dict[str, Any]]:
    """Return the accounts that share a municipality with the team lead `lead`."""
    profiles = console.staff.profiles()
    default = console.tenants.default.municipality
    mine = set(console.scope(lead).municipalities)
    out = []
    for account in console.staff.list():
        profile = profiles.get(account.username) or st.StaffProfile(account.username)
        theirs = console.tenants.scope(profile.scope(default))
        if not mine & set(theirs):
            continue
        out.append(
            {
                "username": account.username,
                "name": account.name,
                "role": getattr(account, "role", "medewerker"),
                "role_label": getattr(st, "ROLES", {}).get(getattr(account, "role", ""), ""),
                "disabled": account.disabled,
                "teams": list(profile.teams),
                "municipalities": list(theirs),
                "status": profile.status,
                "status_label": st.STATUSES.get(profile.status, profile.status),
            }
        )
    return out


@lead_api
async def api_accounts(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return every account with role, teams and availability."""
    return _json({"accounts": await _run(_accounts, _console(request), session.username)})


def _check_municipalities(console: Console, lead: str, requested: Any, current: Iterable[str] = ()) -> list[str]:
    """Return the municipalities to store: those requested (all of the lead's own) plus `current` outside the lead's."""
    mine = console.scope(lead).municipalities
    if not isinstance(requested, list) or any(m not in mine for m in requested):
        raise st.StaffError("Kies gemeenten uit de lijst (alleen uw eigen gemeenten).")
    return sorted({str(m) for m in requested} | {m for m in current if m not in mine})


def _check_teams(console: Console, teams: Any) -> list[str]:
    if not isinstance(teams, list) or any(t not in console.teams for t in teams):
        raise st.StaffError("Kies teams uit de lijst.")
    return [str(t) for t in teams]


@lead_api
async def api_add_account(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Add an employee with a first password, a role and teams."""
    console = _console(request)
    body = await _body(request)
    teams = _check_teams(console, body.get("teams") or [])
    lead_scope = await _run(console.scope, session.username)
    municipalities = await _run(
        _check_municipalities, console, session.username, body.get("municipalities") or list(lead_scope.municipalities)
    )
    role = str(body.get("role") or "medewerker")
    account = await _run(
        console.staff.add,
        str(body.get("username") or ""),
        str(body.get("name") or ""),
        str(body.get("password") or ""),
        role=role,
    )
    await _run(console.staff.set_teams, account.username, teams)
    await _run(console.staff.set_municipalities, account.username, municipalities)
    return _json({"accounts": await _run(_accounts, console, session.username)})


@lead_api
async def api_change_account(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Change an employee's teams, role or whether the account is active."""
    console = _console(request)
    body = await _body(request)
    username = request.match_info["username"]
    if await _run(console.staff.get, username) is None:
        return _error("Deze medewerker bestaat niet.", 404)
    theirs = (await _run(console.scope, username)).municipalities
    if not set(theirs) & set((await _run(console.scope, session.username)).municipalities):
        return _error("Deze medewerker bestaat niet.", 404)  # another municipality's employee
    if "municipalities" in body:
        chosen = await _run(_check_municipalities, console, session.username, body["municipalities"], theirs)
        if not chosen:
            return _error("Kies minstens één gemeente.", 400)
        await _run(console.staff.set_municipalities, username, chosen)
    if "teams" in body:
        await _run(console.staff.set_teams, username, _check_teams(console, body["teams"]))
    if "role" in body:
        if username == session.username:
            return _error("U kunt uw eigen rol niet wijzigen.", 400)
        await _run(console.staff.set_role, username, str(body["role"]))
    if "disabled" in body:
        if username == session.username:
            return _error("U kunt uw eigen account niet uitschakelen.", 400)
        await _run(console.staff.set_disabled, username, bool(body["disabled"]))
    return _json({"accounts": await _run(_accounts, console, session.username)})


@api
async def api_canned_list(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return every canned response (for the admin page)."""
    items = await _run(_console(request).queue.canned_responses)
    return _json({"canned": [c.as_dict() for c in items]})


@lead_api
async def api_canned_save(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Add a canned response, or change one when an id is given."""
    console = _console(request)
    body = await _body(request)
    team = str(body.get("team") or "") or None
    if team and team not in console.teams:
        return _error("Dit team bestaat niet. Kies een team uit de lijst.", 400)
    raw_id = body.get("id")
    canned_id = int(raw_id) if isinstance(raw_id, (int, str)) and str(raw_id).isdigit() else None
    item = await _run(
        console.queue.save_canned,
        str(body.get("title") or ""),
        str(body.get("text") or ""),
        team=team,
        by=session.username,
        canned_id=canned_id,
    )
    return _json(item.as_dict())


@lead_api
async def api_canned_delete(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Delete a canned response."""
    raw = request.match_info["canned_id"]
    if not raw.isdigit():
        return _error("Dit standaardantwoord bestaat niet.", 404)
    await _run(_console(request).queue.delete_canned, int(raw))
    return _json({"ok": True})


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
    r.add_get(f"{PREFIX}/terugbellen/{{callback_id}}", callback_page)
    r.add_get(f"{PREFIX}/geschiedenis", history_page)
    r.add_get(f"{PREFIX}/tevredenheid", csat_page)
    r.add_get(f"{PREFIX}/beheer", admin_page)
    r.add_get(f"{PREFIX}/static/{{name}}", asset)
    r.add_get(f"{PREFIX}/api/me", api_me)
    r.add_post(f"{PREFIX}/api/me/status", api_set_status)
    r.add_get(f"{PREFIX}/api/queue", api_queue)
    r.add_post(f"{PREFIX}/api/queue/next", api_take_next)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}", api_ticket)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}/transcript", api_transcript)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}/search", api_search)
    r.add_get(f"{PREFIX}/api/tickets/{{ticket_id}}/canned", api_canned_for_ticket)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/take", api_take)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/messages", api_message)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/typing", api_typing)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/notes", api_note)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/cards", api_send_card)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/transfer", api_transfer)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/handback", api_hand_back)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/close", api_close)
    r.add_post(f"{PREFIX}/api/tickets/{{ticket_id}}/outcome", api_outcome)
    r.add_get(f"{PREFIX}/api/callbacks/{{callback_id}}", api_callback)
    r.add_post(f"{PREFIX}/api/callbacks/{{callback_id}}/take", api_take_callback)
    r.add_post(f"{PREFIX}/api/callbacks/{{callback_id}}/close", api_close_callback)
    r.add_get(f"{PREFIX}/api/history", api_history)
    r.add_get(f"{PREFIX}/api/csat", api_csat)
    r.add_get(f"{PREFIX}/api/accounts", api_accounts)
    r.add_post(f"{PREFIX}/api/accounts", api_add_account)
    r.add_post(f"{PREFIX}/api/accounts/{{username}}", api_change_account)
    r.add_get(f"{PREFIX}/api/canned", api_canned_list)
    r.add_post(f"{PREFIX}/api/canned", api_canned_save)
    r.add_post(f"{PREFIX}/api/canned/{{canned_id}}/delete", api_canned_delete)
    if not any(getattr(route.resource, "canonical", "") == "/favicon.ico" for route in r.routes()):
        r.add_get("/favicon.ico", favicon)
