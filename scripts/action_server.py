"""The action server: rasa_sdk's Sanic app, on loopback, behind a shared secret, actions off the event loop.

`python -m scripts.action_server [--host 127.0.0.1] [--port 5055]` (scripts/stack.py starts it).

* **Loopback.** It binds 127.0.0.1 unless ACTIONS_HOST (or --host) says otherwise.
* **Shared secret.** Every call except `GET /health` must carry the header
  `X-Action-Token` with the secret from ACTION_SERVER_TOKEN (or the file named
  by ACTION_SERVER_TOKEN_FILE). Rasa sends it from endpoints.yml
  (`action_endpoint.headers`). Without it the answer is 401 and no action runs.
  Without a secret the server refuses to start.
* **Off the event loop.** Actions call the database and PDOK synchronously (up
  to `PDOK_TIMEOUT_S`, 1.5 s). Each action call runs in a worker thread with its
  own event loop (`OffLoopExecutor`), so one slow geocode never stalls the other
  conversations. One mechanism for every action: actions/*.py stay as they are.
* No CORS: browsers never call the action server.

`ACTIONS_ON_LOOP=1` runs the actions on the event loop as rasa_sdk does by
itself: only `make bench` uses it, as the control for the PDOK figures.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk import endpoint as sdk_endpoint
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from socialmap.settings import SettingsError, secret_from_env

logger = logging.getLogger("scripts.action_server")

TOKEN_HEADER = "X-Action-Token"
TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})
DEFAULT_WORKERS = 16


class OffLoopExecutor(ActionExecutor):
    """rasa_sdk's executor that runs every action call in a worker thread with its own event loop."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="action")

    async def run(self, action_call: Any) -> Any:
        run_here = super().run
        loop = asyncio.get_running_loop()
        # asyncio.run gives the action a fresh loop in the worker: its blocking calls block only that thread.
        return await loop.run_in_executor(self._pool, lambda: asyncio.run(run_here(action_call)))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _same_secret(supplied: str | None, secret: bytes) -> bool:
    # compare_digest on bytes: a non-ASCII header must not raise (and so not become a 500).
    given = (supplied or "").encode("utf-8", "surrogateescape")
    return hmac.compare_digest(given, secret)


def create_app(
    secret: str, actions_package: str = "actions", workers: int = DEFAULT_WORKERS, on_loop: bool = False
) -> Sanic:
    """Return rasa_sdk's action server app with the secret check and the off-loop executor."""
    if not secret:
        raise SettingsError(f"{TOKEN_ENV} is not set: the action server needs a shared secret")
    secret_bytes = secret.encode("utf-8")
    original = sdk_endpoint.ActionExecutor
    if not on_loop:
        sdk_endpoint.ActionExecutor = lambda: OffLoopExecutor(workers)  # type: ignore[assignment,misc]
    try:
        app = sdk_endpoint.create_app(actions_package, cors_origins=None)
    finally:
        sdk_endpoint.ActionExecutor = original  # type: ignore[misc]

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if not _same_secret(request.headers.get(TOKEN_HEADER), secret_bytes):
            logger.warning("refused a call to %s without the shared secret", request.path)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def exception_handler(request: Request, exception: Exception) -> HTTPResponse:
        # rasa_sdk's own handler answers with the whole request body (a resident's conversation).
        logger.error("action call to %s failed: %s", request.path, type(exception).__name__)
        return response.json({"error": "action failed"}, status=500)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", "5055")))
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("ACTIONS_WORKERS", DEFAULT_WORKERS)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from rasa_addons import logging_filter

    logging_filter.install()
    try:
        secret = secret_from_env(TOKEN_ENV)
        on_loop = os.environ.get("ACTIONS_ON_LOOP", "") == "1"
        app = create_app(secret, args.actions, args.workers, on_loop=on_loop)
    except SettingsError as exc:
        print(f"error: {exc}. Set {TOKEN_ENV} or {TOKEN_ENV}_FILE (scripts/stack.py does).", file=sys.stderr)
        return 2
    logger.info("action server on http://%s:%s (shared secret required)", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
