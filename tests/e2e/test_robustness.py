"""Bad input and foreign origins against the running REST and socket.io channels."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from scripts.fuzz_rest import run as fuzz

pytestmark = pytest.mark.e2e


def test_ten_thousand_bad_messages_give_no_5xx_and_leave_the_server_answering(stack: Any, sender: str) -> None:
    log = stack.stack.config.log_dir / "rasa.log"
    before = log.stat().st_size if log.exists() else 0
    figures = fuzz(stack.rasa_url, 10_000, concurrency=16)
    print(f"fuzz_requests: {figures['requests']}  fuzz_5xx: {figures['5xx']}  fuzz_errors: {figures['errors']}")
    assert figures["5xx"] == 0, figures["statuses"]
    assert figures["errors"] == 0
    assert figures["alive"]
    new_log = log.read_text(errors="replace")[before:]
    assert "Traceback" not in new_log, new_log[new_log.find("Traceback") - 200 :][:3000]
    assert not re.search(r"\bERROR\b.*(Unhandled|Exception occurred)", new_log)
    # A normal conversation still works afterwards.
    assert "plaats" in stack.texts(sender, "ik zoek een koffieochtend").lower()


def test_rest_channel_refuses_a_foreign_origin(stack: Any, sender: str) -> None:
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": sender, "message": "hallo"}
    assert requests.post(url, json=body, headers={"Origin": "https://evil.example"}, timeout=30).status_code == 403
    allowed = requests.post(url, json=body, headers={"Origin": stack.web_url}, timeout=30)
    assert allowed.status_code == 200 and allowed.json()


def test_socketio_refuses_a_foreign_origin(stack: Any) -> None:
    url = f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert requests.get(url, headers={"Origin": "https://evil.example"}, timeout=10).status_code >= 400
    assert requests.get(url, headers={"Origin": stack.web_url}, timeout=10).status_code == 200


def test_http_api_listens_on_loopback_only(stack: Any) -> None:
    assert stack.rasa_url.startswith("http://127.0.0.1:")
    assert "--interface" in stack.stack._command("rasa") and "127.0.0.1" in stack.stack._command("rasa")
