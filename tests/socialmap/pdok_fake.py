"""A fake PDOK Locatieserver on 127.0.0.1 that answers like the real `free` endpoint.

Use it as a context manager:

    with FakePdok() as pdok:
        geocoder = Geocoder(pdok_url=pdok.url, pdok_timeout_s=0.5)
        pdok.mode = "error"        # "ok" | "slow" | "error" | "garbage" | "bad_docs"
        pdok.requests              # the query parameters of every request, in order

Answers are Solr JSON (`response.numFound`, `response.docs[]`) with the fields a
geocoder uses (`centroide_ll` as WKT `POINT(lon lat)`). Like v3_1, unknown query
parameters are refused with HTTP 400.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BASE_PATH = "/bzk/locatieserver/search/v3_1"
ALLOWED_PARAMS = {"q", "fq", "fl", "rows", "start", "sort", "df", "wt", "indent", "lat", "lon", "bq", "qf"}


def make_doc(
    kind: str,
    name: str,
    gemeente: str,
    provincie: str,
    lat: float,
    lon: float,
    postcode: str | None = None,
) -> dict[str, Any]:
    """Return one PDOK document of type `kind` ("postcode", "woonplaats", "gemeente", "adres")."""
    doc: dict[str, Any] = {
        "id": f"{kind}-{abs(hash((name, gemeente))) % 10**12:012d}",
        "type": kind,
        "weergavenaam": name if kind != "postcode" else f"{postcode}, {name}",
        "centroide_ll": f"POINT({lon} {lat})",
        "centroide_rd": "POINT(233000 557000)",
        "gemeentenaam": gemeente,
        "provincienaam": provincie,
        "score": 12.5,
    }
    if kind in {"woonplaats", "postcode", "adres"}:
        doc["woonplaatsnaam"] = name
    if postcode:
        doc["postcode"] = postcode
    return doc


def default_docs() -> dict[str, list[dict[str, Any]]]:
    """Return the answers the fake knows, keyed by the lower-case `q` without spaces."""
    return {
        "9401ab": [make_doc("postcode", "Assen", "Assen", "Drenthe", 52.9932, 6.5643, "9401AB")],
        "7901ab": [make_doc("postcode", "Hoogeveen", "Hoogeveen", "Drenthe", 52.7246, 6.4757, "7901AB")],
        "7741": [make_doc("postcode", "Coevorden", "Coevorden", "Drenthe", 52.6612, 6.7420, "7741AA")],
        "8011ab": [make_doc("postcode", "Zwolle", "Zwolle", "Overijssel", 52.5120, 6.0910, "8011AB")],
        "emmen": [make_doc("woonplaats", "Emmen", "Emmen", "Drenthe", 52.7858, 6.8975)],
        "zweeloo": [make_doc("woonplaats", "Zweeloo", "Coevorden", "Drenthe", 52.7960, 6.7270)],
        "zwolle": [make_doc("woonplaats", "Zwolle", "Zwolle", "Overijssel", 52.5125, 6.0944)],
        # Two villages of that name: the one in Groningen scores higher.
        "zuidwolde": [
            make_doc("woonplaats", "Zuidwolde", "Het Hogeland", "Groningen", 53.2625, 6.5917),
            make_doc("woonplaats", "Zuidwolde", "De Wolden", "Drenthe", 52.6690, 6.4280),
        ],
        "aa en hunze": [make_doc("gemeente", "Aa en Hunze", "Aa en Hunze", "Drenthe", 53.0050, 6.7500)],
    }


class FakePdok:
    """The fake server; start with `with FakePdok() as pdok:` or `start()` / `stop()`."""

    def __init__(self, docs: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.docs = default_docs() if docs is None else docs
        self.mode = "ok"
        self.delay_s = 2.0  # how long "slow" waits before answering
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL, like Settings.pdok_url ("http://127.0.0.1:PORT/bzk/...")."""
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{BASE_PATH}"

    def start(self) -> FakePdok:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePdok:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(handler.path)
        params = {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(params)
        if parsed.path.rstrip("/") != f"{BASE_PATH}/free":
            self._send(handler, 404, {"error": "not found"})
            return
        unknown = set(params) - ALLOWED_PARAMS
        if unknown:
            self._send(handler, 400, {"error": f"unknown parameters: {sorted(unknown)}"})
            return
        if self.mode == "slow":
            time.sleep(self.delay_s)
        if self.mode == "error":
            self._send(handler, 500, {"error": "Internal Server Error"})
            return
        if self.mode == "garbage":
            self._send_raw(handler, 200, b"<html>onderhoud</html>{not json", "application/json")
            return
        key = (
            "".join(params.get("q", "").lower().split())
            if params.get("fq") == "type:postcode"
            else " ".join(params.get("q", "").lower().split())
        )
        docs = self.docs.get(key, [])
        if self.mode == "bad_docs":
            docs = [{"type": "woonplaats", "weergavenaam": "Nergens", "centroide_ll": "POINT(oops)"}]
        rows = int(params.get("rows", "10") or 10)
        body = {"response": {"numFound": len(docs), "start": 0, "maxScore": 12.5, "docs": docs[:rows]}}
        self._send(handler, 200, body)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        self._send_raw(handler, status, json.dumps(body).encode("utf-8"), "application/json")

    def _send_raw(self, handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass
