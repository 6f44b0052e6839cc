"""The resident-facing web server: a demo municipal site with the chat widget, and the staff console.

`python -m web.server` serves on Settings.web_host:web_port and prints the URL.

Every response carries strict security headers. The Content-Security-Policy allows
scripts and styles from this origin only (no inline script, no eval) and lets the
browser talk to the Rasa socket.io channel and nothing else.
"""

from __future__ import annotations

import html
import logging
import os
import re
import string
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from socialmap.privacy import RetentionScheduler
from socialmap.settings import Deployment, Settings, get_settings
from socialmap.signals.worker import SignalsWorker
from socialmap.tenants import file_name, get_tenants
from web import signals, staff

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_DIR = STATIC / "widget"
DEMO_DIR = STATIC / "demo"

# Only these kinds of files leave the static folders; anything else (a stray
# __init__.py, an editor backup) is never served.
STATIC_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
}
STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")

SETTINGS_KEY = web.AppKey("settings", Settings)
PAGE_VARS_KEY = web.AppKey("page_vars", dict)
CSP_KEY = web.AppKey("csp", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def socket_origins(socket_url: str) -> tuple[str, str]:
    """Return the http(s) and ws(s) origins of the Rasa socket.io URL, for connect-src."""
    parts = urlsplit(socket_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"socket URL {socket_url!r} must be an absolute http(s) URL")
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc}", f"{ws_scheme}://{parts.netloc}"


def content_security_policy(socket_url: str) -> str:
    """Return the strict CSP for our pages: own scripts and styles only, sockets to Rasa only."""
    http_origin, ws_origin = socket_origins(socket_url)
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {http_origin} {ws_origin}",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Return the handler's response with security headers; a route that sets its own keeps them."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Error pages are responses too and need the same headers.
        response = exc
        _add_security_headers(request, response)
        raise
    _add_security_headers(request, response)
    return response


def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", request.app[CSP_KEY])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin: outside sites (linked from result cards) never learn which page a resident was on.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")


def _page_vars(
    settings: Settings, socket_url: str, deployment: Deployment | None = None, pages: str = "/,/zorg-en-ondersteuning*"
) -> dict[str, str]:
    """Return the HTML-escaped values the demo page templates fill in (default: the default site's)."""
    deployment = deployment or settings.deployment
    municipality = deployment.municipality
    raw = {
        "municipality": municipality,
        "province": deployment.province,
        "phone": deployment.contact_phone,
        "phone_href": "tel:" + re.sub(r"[^0-9+]", "", deployment.contact_phone),
        "email": deployment.contact_email,
        "website": deployment.contact_website,
        "retention_days": str(deployment.retention_days),
        "opening_hours": deployment.opening_hours.describe() or "op werkdagen",
        "socket_url": socket_url,
        "widget_title": "Digitale assistent",
        "widget_subtitle": "Hulp en activiteiten bij u in de buurt",
        "widget_color": "#00567a",
        "widget_pages": pages,
    }
    return {key: html.escape(value, quote=True) for key, value in raw.items()}


# The demo pages: (route, content template, page title before "Gemeente ...", menu label).
# Each template holds only the <main> content; _layout.html holds the shared head,
# header with the menu, footer and widget script.
DEMO_PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("/", "index.html", "", "Home"),
    ("/zorg-en-ondersteuning", "zorg.html", "Zorg en ondersteuning - ", "Zorg en ondersteuning"),
    ("/privacy", "privacy.html", "Privacyverklaring digitale assistent - ", "Privacy"),
)


def _menu(current_route: str) -> str:
    """Return the main-menu list, marking `current_route` with aria-current."""
    items = []
    for route, _, _, label in DEMO_PAGES:
        current = ' aria-current="page"' if route == current_route else ""
        items.append(f'        <li><a href="{route}"{current}>{label}</a></li>\n')
    return '      <ul class="menu">\n' + "".join(items) + "      </ul>\n"


def _render(name: str, page_vars: dict[str, str]) -> str:
    """Return the demo template `name` with its $placeholders filled in (values already escaped)."""
    template = string.Template((DEMO_DIR / name).read_text(encoding="utf-8"))
    return template.substitute(page_vars)


def _render_pages(page_vars: dict[str, str]) -> dict[str, str]:
    """Return each demo route's full HTML: its content wrapped in the shared layout.

    The values never change while the app runs, so the pages are rendered once at
    start-up instead of reading templates from disk on every request.
    """
    pages = {}
    for route, template_name, title_prefix, _ in DEMO_PAGES:
        content = _render(template_name, page_vars)
        title = title_prefix + "Gemeente " + page_vars["municipality"]
        layout_vars = {**page_vars, "title": title, "menu": _menu(route), "content": content}
        pages[route] = _render("_layout.html", layout_vars)
    return pages


def _page(body: str) -> Handler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    return handler


def _static(folder: Path) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        suffix = Path(name).suffix.lower()
        path = folder / name
        if not STATIC_NAME.match(name) or suffix not in STATIC_TYPES or not path.is_file():
            raise web.HTTPNotFound(text="Niet gevonden")
        response = web.FileResponse(path, headers={"Cache-Control": "public, max-age=300"})
        response.content_type = STATIC_TYPES[suffix]
        return response

    return handler


async def health(_: web.Request) -> web.Response:
    """Return a small JSON answer for process supervisors."""
    return web.json_response({"status": "ok"})


def create_app(settings: Settings | None = None, *, socket_url: str | None = None) -> web.Application:
    """Return the aiohttp application: demo site, widget files, staff console.

    `socket_url` is the Rasa URL as the resident's browser reaches it; by default
    RASA_PUBLIC_URL, else Settings.rasa_url (the same on one machine).
    """
    settings = settings or get_settings()
    socket_url = socket_url or os.environ.get("RASA_PUBLIC_URL") or settings.rasa_url
    app = web.Application(middlewares=[security_headers])
    app[SETTINGS_KEY] = settings
    app[CSP_KEY] = content_security_policy(socket_url)
    app[PAGE_VARS_KEY] = _page_vars(settings, socket_url)
    for route, body in _render_pages(app[PAGE_VARS_KEY]).items():
        app.router.add_get(route, _page(body))
    # The home page of every other municipality's site, e.g. /gemeente/coevorden: the same widget
    # with that data-municipality, to try the tenant rule (README, "Municipalities (tenants)").
    tenants = get_tenants(settings)
    for deployment in tenants:
        if deployment.municipality == tenants.default.municipality:
            continue
        route = "/gemeente/" + file_name(deployment.municipality).removesuffix(".yml")
        page_vars = _page_vars(settings, socket_url, deployment, pages=route)
        app.router.add_get(route, _page(_render_pages(page_vars)["/"]))
    app.router.add_get("/widget/{name}", _static(WIDGET_DIR))
    app.router.add_get("/demo/{name}", _static(DEMO_DIR))
    app.router.add_get("/healthz", health)
    staff.setup(app)
    signals.setup(app)
    return app


def main() -> None:
    """Run the web server until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.rasa_token:
        # No built-in default token: the staff console talks to Rasa's API with RASA_TOKEN (scripts/stack.py sets it).
        raise SystemExit("error: RASA_TOKEN (or RASA_TOKEN_FILE) is not set; refusing to start the web server")
    app = create_app(settings)
    print(
        f"Demo-site van gemeente {settings.deployment.municipality}: http://{settings.web_host}:{settings.web_port}/",
        flush=True,
    )
    # Retention (AVG): delete old conversations and callback requests now and every few hours.
    retention = RetentionScheduler(interval_hours=float(os.environ.get("RETENTION_INTERVAL_HOURS", "6")))
    retention.start()
    # Signals: count new conversation events every few seconds; purge old broker rows (retention).
    signals_worker = SignalsWorker()
    signals_worker.start()
    try:
        web.run_app(app, host=settings.web_host, port=settings.web_port, print=None, access_log=None)
    finally:
        retention.stop()
        signals_worker.stop()


if __name__ == "__main__":
    main()
