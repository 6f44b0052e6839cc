"""The signals dashboard at /medewerkers/signalen, for policy advisors (staff role "beleid").

`setup(app)` mounts it. It shows counts only, suppressed below 5 conversations
(socialmap.signals); it never links to a conversation. Pages are Jinja2 templates from
web/templates/signals/ with autoescape; charts are SVG drawn on the server, each with
a table beside it, so the page needs no script at all.

Routes (all GET, all need a session of a role in socialmap.staff.SIGNALS_ROLES):
  /medewerkers/signalen                    the dashboard (query: van, tot or maand, gemeente, woonplaats, bron)
  /medewerkers/signalen/data.json          the same numbers as JSON
  /medewerkers/signalen/export.csv|.json   downloads of the same numbers
  /medewerkers/signalen/static/<name>      the stylesheet
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from socialmap import db as _db
from socialmap import staff as st
from socialmap.settings import Settings, get_settings
from socialmap.signals import charts, export
from socialmap.signals import model as sm
from socialmap.signals.aggregator import default_places
from socialmap.signals.queries import SOURCES, Area, Period, PeriodError, dashboard
from socialmap.tenants import get_tenants

PREFIX = "/medewerkers/signalen"
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "signals"
ASSETS = {"signals.css": "text/css"}
# The staff console's session cookie (web/staff.py); the signals share its login.
SESSION_COOKIE = "medewerker_sessie"
CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
)
OTHER_MUNICIPALITY = "U ziet alleen de signalen van uw eigen gemeente(n)."
NO_ACCESS = (
    "U heeft geen toegang tot de signalen. Die zijn voor beleidsmedewerkers. "
    "Vraag de beheerder om de rol beleid als u ze nodig heeft."
)

STORE_KEY = web.AppKey("signals_staff_store", dict)
SIGNALS_SETTINGS_KEY = web.AppKey("signals_settings", Settings)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@functools.cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _html(template: str, status: int = 200, **values: Any) -> web.StreamResponse:
    body = _env().get_template(template).render(**values)
    return _headers(web.Response(text=body, status=status, content_type="text/html", charset="utf-8"))


async def _session(request: web.Request) -> st.StaffSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return await asyncio.to_thread(_store(request.app).session, token)


def _store(app: web.Application) -> st.StaffStore:
    # Built on first use: the web process may start before `make` has built the database.
    holder = app[STORE_KEY]
    if "store" not in holder:
        settings = app[SIGNALS_SETTINGS_KEY]
        holder["store"] = st.StaffStore(
            _db.get_engine(settings.db_url), session_minutes=settings.staff_session_minutes
        )
    return holder["store"]  # type: ignore[no-any-return]


def policy_only(
    handler: Callable[[web.Request, st.StaffSession], Awaitable[web.StreamResponse]],
) -> Handler:
    """Wrap a handler: no session -> login page (JSON: 401); a role without signals -> 403."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = await _session(request)
        wants_json = not request.path == PREFIX
        if session is None:
            if wants_json:
                return _headers(web.json_response({"error": "U bent niet (meer) ingelogd."}, status=401))
            raise web.HTTPFound(f"/medewerkers/inloggen?next={quote(request.path_qs, safe='')}")
        if session.role not in st.SIGNALS_ROLES:
            if wants_json:
                return _headers(web.json_response({"error": NO_ACCESS}, status=403))
            return _html("signals/no_access.html", status=403, message=NO_ACCESS, session=session)
        return await handler(request, session)

    return wrapper


class OutOfScope(PeriodError):
    """The area asked for is not one of the employee's municipalities."""


def allowed_municipalities(request: web.Request, session: st.StaffSession) -> tuple[str, ...] | None:
    """Return the municipalities whose signals this employee may see; None = all of Drenthe (every tenant)."""
    tenants = get_tenants(request.app[SIGNALS_SETTINGS_KEY])
    profile = _store(request.app).profile(session.username)
    mine = tenants.scope(profile.scope(tenants.default.municipality))
    return None if set(mine) >= set(tenants.names) else mine


def _query(request: web.Request, allowed: tuple[str, ...] | None = None) -> tuple[Period, Area, str]:
    q = request.query
    month = q.get("maand", "").strip()
    period = Period.month(month) if month else Period.parse(q.get("van") or None, q.get("tot") or None)
    area = Area.parse(q.get("gemeente"), q.get("woonplaats"))
    if allowed is not None:
        if area.municipality is None and allowed:
            area = Area(allowed[0], None)  # the province as a whole is for who serves all of it
        if area.municipality not in allowed:
            raise OutOfScope(OTHER_MUNICIPALITY)
    source = q.get("bron", "alles") or "alles"
    if source not in SOURCES:
        raise PeriodError("Kies als bron alles, echt of demo.")
    return period, area, source


async def _data(request: web.Request, session: st.StaffSession) -> tuple[dict[str, Any], Period, Area, str]:
    allowed = await asyncio.to_thread(allowed_municipalities, request, session)
    period, area, source = _query(request, allowed)
    engine = _db.get_engine(request.app[SIGNALS_SETTINGS_KEY].db_url)
    data = await asyncio.to_thread(dashboard, period, area, source=source, engine=engine)
    return data, period, area, source


def _bad_request(request: web.Request, exc: PeriodError) -> web.StreamResponse:
    status = 403 if isinstance(exc, OutOfScope) else 400
    if request.path == PREFIX:
        if status == 403:
            raise web.HTTPForbidden(text=str(exc))
        raise web.HTTPBadRequest(text=str(exc))
    return _headers(web.json_response({"error": str(exc)}, status=status))


@policy_only
async def page(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the dashboard page."""
    try:
        data, period, area, source = await _data(request, session)
    except PeriodError as exc:
        return _bad_request(request, exc)
    allowed = await asyncio.to_thread(allowed_municipalities, request, session)
    return _headers(
        web.Response(
            text=render_dashboard(data, session, request.query, allowed), content_type="text/html", charset="utf-8"
        )
    )


@policy_only
async def data_json(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the dashboard's numbers as JSON."""
    try:
        data, *_ = await _data(request, session)
    except PeriodError as exc:
        return _bad_request(request, exc)
    return _headers(web.json_response(data))


def _download(body: str, content_type: str, name: str) -> web.StreamResponse:
    response = web.Response(text=body, content_type=content_type, charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _headers(response)


def _file_name(data: dict[str, Any], suffix: str) -> str:
    area = "".join(ch if ch.isalnum() else "-" for ch in data["area"]["name"].lower())
    synthetic = "-synthetisch" if data["synthetic"] else ""
    return f"signalen-{area}-{data['period']['from']}-{data['period']['to']}{synthetic}.{suffix}"


@policy_only
async def export_csv(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the numbers as a CSV download."""
    try:
        data, *_ = await _data(request, session)
    except PeriodError as exc:
        return _bad_request(request, exc)
    return _download(export.to_csv(data), "text/csv", _file_name(data, "csv"))


@policy_only
async def export_json(request: web.Request, session: st.StaffSession) -> web.StreamResponse:
    """Return the numbers as a JSON download."""
    try:
        data, *_ = await _data(request, session)
    except PeriodError as exc:
        return _bad_request(request, exc)
    return _download(export.to_json(data), "application/json", _file_name(data, "json"))


async def asset(request: web.Request) -> web.StreamResponse:
    """Return the stylesheet (public: it holds no data)."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound(text="Niet gevonden")
    response = web.FileResponse(STATIC_DIR / name, headers={"Cache-Control": "public, max-age=300"})
    response.content_type = ASSETS[name]
    return response


def render_dashboard(
    data: dict[str, Any], session: st.StaffSession | None, query: Any, allowed: tuple[str, ...] | None = None
) -> str:
    """Return the dashboard page's HTML for a dashboard dict (`allowed`: the municipalities to offer; None = all)."""
    return _env().get_template("signals/dashboard.html").render(**view(data, session, query, allowed))


def view(
    data: dict[str, Any], session: st.StaffSession | None, query: Any, allowed: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Return what the dashboard and the report templates need: the data, charts and choices."""
    places = default_places()
    weeks = [w["label"] for w in data["period"]["weeks"]]
    top_needs = sorted(data["needs"], key=lambda r: -(r["total"] if isinstance(r["total"], int) else 0))[:5]
    audiences = [r for r in data["audiences"] if r["total"] != 0]
    top_audiences = sorted(audiences, key=lambda r: -(r["total"] if isinstance(r["total"], int) else 0))[:5]
    charts_ = {
        "trend": charts.line_chart(
            "c-trend", f"Gesprekken per week in {data['area']['name']}", weeks, [("Gesprekken", data["trend"])]
        ),
        "needs": charts.bar_chart(
            "c-needs", "Waar vroegen inwoners naar", [(r["label"], r["total"]) for r in data["needs"]]
        ),
        "needs_trend": charts.line_chart(
            "c-needs-trend", "De vijf meest gevraagde onderwerpen per week", weeks,
            [(r["label"], r["weeks"]) for r in top_needs],
        ),  # fmt: skip
        "audiences_trend": charts.line_chart(
            "c-aud-trend", "Doelgroepen per week", weeks,
            [(r["label"], r["weeks"]) for r in top_audiences],
        ),  # fmt: skip
        "audiences": charts.bar_chart(
            "c-aud", "Wie vroegen er (doelgroep)", [(r["label"], r["total"]) for r in data["audiences"]]
        ),
        "csat": charts.bar_chart(
            "c-csat", "Tevredenheid (1 = zeer ontevreden, 5 = zeer tevreden)",
            [(f"Score {s['score']}", s["count"]) for s in data["csat"]["scores"]],
        ),  # fmt: skip
        "map": charts.map_chart(
            "c-map", f"Gesprekken per woonplaats, {data['area']['name']}",
            [(name, lat, lon) for name, (lat, lon) in places.coordinates.items()],
            [(p["name"], p["lat"], p["lon"], p["conversation"]) for p in data["map"]],
        ),  # fmt: skip
    }
    municipalities = sorted(m for m in places.municipalities if allowed is None or m in allowed)
    chosen = data["area"]["municipality"]
    villages = sorted(w for w, g in places.municipality_of.items() if g == chosen) if chosen else []
    params = {k: v for k, v in dict(query or {}).items() if k in {"van", "tot", "maand", "gemeente", "woonplaats", "bron"}}
    today = date.today()
    return {
        "data": data,
        "charts": charts_,
        "trend_audiences": top_audiences,
        "session": session,
        "metrics": sm.METRICS,
        "municipalities": municipalities,
        "whole_province": allowed is None,
        "villages": villages,
        "query": params,
        "query_string": urlencode(params),
        "default_from": (data["period"]["from"]),
        "default_to": (data["period"]["to"]),
        "today": today.isoformat(),
        "prefix": PREFIX,
        "sources": {"alles": "Alles", "echt": "Alleen echte gesprekken", "demo": "Alleen demodata"},
    }


def setup(app: web.Application, *, settings: Settings | None = None) -> None:
    """Mount the signals dashboard on `app` (shares the staff console's accounts and login)."""
    if settings is None:
        try:
            from web.server import SETTINGS_KEY

            settings = app.get(SETTINGS_KEY)
        except ImportError:
            settings = None
    settings = settings or get_settings()
    app[SIGNALS_SETTINGS_KEY] = settings
    app[STORE_KEY] = {}
    r = app.router
    r.add_get(PREFIX, page)
    r.add_get(f"{PREFIX}/data.json", data_json)
    r.add_get(f"{PREFIX}/export.csv", export_csv)
    r.add_get(f"{PREFIX}/export.json", export_json)
    r.add_get(f"{PREFIX}/static/{{name}}", asset)
