"""The resident web server: pages, widget files and the security headers they carry."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from scripts.stack import ROOT, free_port
from socialmap.settings import Settings, get_settings
from web.server import WIDGET_DIR, content_security_policy, create_app

RASA = "http://127.0.0.1:5999"
PAGES = ["/", "/zorg-en-ondersteuning", "/privacy"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a deployment of another municipality, to prove nothing is hard-coded."""
    deployment = tmp_path / "deployment.yml"
    deployment.write_text(
        "municipality: Tynaarlo\nprovince: Drenthe\ncontact:\n  phone: '0592 266 662'\nretention_days: 14\n",
        encoding="utf-8",
    )
    return dataclasses.replace(get_settings(), deployment_file=deployment, rasa_url=RASA)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


class PageScan(HTMLParser):
    """Collects what matters for CSP: script tags, inline handlers, inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script_text: list[str] = []
        self.handler_attrs: list[str] = []
        self.style_attrs: list[str] = []
        self.html_lang: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True
        if tag == "style":
            self.style_attrs.append("<style> element")
        for name, _ in attrs:
            if name.startswith("on"):
                self.handler_attrs.append(f"{tag}.{name}")
            if name == "style":
                self.style_attrs.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script_text.append(data.strip())


def directives(csp: str) -> dict[str, list[str]]:
    """Return the CSP as {directive: [sources]}."""
    result = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_sends_a_strict_content_security_policy(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert set(policy["connect-src"]) == {"'self'", RASA, "ws://127.0.0.1:5999"}
    everything = " ".join(word for sources in policy.values() for word in sources)
    assert "unsafe" not in everything and "*" not in everything
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
async def test_served_html_has_no_inline_script_or_style(client: TestClient, path: str) -> None:
    scan = PageScan()
    scan.feed(await (await client.get(path)).text())
    assert scan.html_lang == "nl"
    assert scan.scripts, "the page must embed the widget"
    assert all(script.get("src") for script in scan.scripts)
    assert scan.inline_script_text == []
    assert scan.handler_attrs == []
    assert scan.style_attrs == []


async def test_home_page_embeds_the_widget_with_one_script_tag(client: TestClient) -> None:
    scan = PageScan()
    scan.feed(await (await client.get("/")).text())
    assert len(scan.scripts) == 1
    tag = scan.scripts[0]
    assert tag["src"] == "/widget/widget.js"
    assert tag["data-municipality"] == "Tynaarlo"
    assert tag["data-socket-url"] == RASA
    assert tag["data-position"] in {"left", "right"}
    assert tag["data-open"] in {"true", "false"}
    assert "defer" in tag


async def test_pages_name_the_municipality_of_the_deployment(client: TestClient) -> None:
    home = await (await client.get("/")).text()
    privacy = await (await client.get("/privacy")).text()
    assert "<title>Gemeente Tynaarlo</title>" in home
    assert "0592 266 662" in home
    assert "Assen" not in home
    assert "14 dagen" in privacy
    assert "BSN" in privacy


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("widget.js", "text/javascript"), ("widget.css", "text/css"), ("socket.io.min.js", "text/javascript")],
)
async def test_widget_files_are_served_with_their_type(
    client: TestClient, name: str, content_type: str
) -> None:
    response = await client.get(f"/widget/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (await response.read()) == (WIDGET_DIR / name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/widget/nope.js",
        "/widget/..%2Fserver.py",
        "/widget/.hidden.js",
        "/demo/index.html",
        "/widget/server.py",
    ],
)
async def test_other_files_are_not_served_and_errors_carry_the_headers(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_widget_never_writes_html_or_evaluates_code() -> None:
    source = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert forbidden not in source, forbidden
    # Timers with a string argument are eval in disguise.
    assert not re.search(r"setTimeout\(\s*['\"]", source)
    # Links come only from checked URLs and open without handing over window.opener.
    assert source.count('rel = "noopener noreferrer"') >= 2


def test_vendored_socket_io_client_keeps_its_licence() -> None:
    bundle = (WIDGET_DIR / "socket.io.min.js").read_text(encoding="utf-8")
    assert bundle.startswith("/*!\n * Socket.IO v4.7.5")
    assert "MIT License" in bundle[:200]
    assert "MIT License" in (WIDGET_DIR / "LICENSE-socket.io-client.txt").read_text(encoding="utf-8")


def test_policy_uses_secure_websockets_for_an_https_rasa() -> None:
    policy = directives(content_security_policy("https://chat.assen.nl/"))
    assert set(policy["connect-src"]) == {"'self'", "https://chat.assen.nl", "wss://chat.assen.nl"}


@pytest.mark.parametrize("bad", ["", "javascript:alert(1)", "127.0.0.1:5005", "ftp://x.nl"])
def test_a_socket_url_that_is_not_http_is_refused_with_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="http"):
        content_security_policy(bad)


async def test_staff_console_is_mounted_with_security_headers(settings: Settings) -> None:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        response = await test_client.get("/medewerkers/", allow_redirects=False)
        # Nothing of the console without a login: a redirect to the login page.
        assert response.status in (302, 303)
        assert "/medewerkers/" in response.headers["Location"]
        assert "Content-Security-Policy" in response.headers


def test_python_m_web_server_serves_and_prints_its_url(settings: Settings) -> None:
    port = free_port()
    env = dict(os.environ, WEB_PORT=str(port), WEB_HOST="127.0.0.1", RASA_URL=RASA, PYTHONPATH=str(ROOT))
    env["RASA_TOKEN"] = "test-" + os.urandom(8).hex()  # the web process refuses to start without one
    env["SOCIALMAP_DEPLOYMENT"] = str(settings.deployment_file)
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        first_line = proc.stdout.readline().decode()
        assert f"http://127.0.0.1:{port}/" in first_line
        assert "Tynaarlo" in first_line
        deadline = time.monotonic() + 10
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
        assert "Content-Security-Policy" in response.headers
    finally:
        proc.terminate()
        proc.wait(timeout=10)
