# ruff: noqa: F811 - the fixtures imported below are used as test parameters
"""Issue 12, item 6: malformed input to the staff console gives 400/403, never 500; closing needs permission.

The console runs as a real aiohttp server on 127.0.0.1 with a fake Rasa HTTP API
(the fixtures of tests/web/test_staff_console.py).
"""

from __future__ import annotations

import re

from tests.web.test_staff_console import (  # noqa: F401 - pytest fixtures
    PASSWORD,
    Env,
    env,
    fake_rasa,
    fast_kdf,
    login,
    waiting_ticket,
)


async def _login_csrf(env: Env) -> str:
    page = await env.client.get("/medewerkers/inloggen")
    match = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert match
    return match.group(1)


async def test_a_non_ascii_login_csrf_value_is_refused_not_a_server_error(env: Env) -> None:
    await _login_csrf(env)
    answer = await env.client.post(
        "/medewerkers/inloggen",
        data={"username": "anja", "password": PASSWORD, "csrf_token": "ünïcödé-€"},
        allow_redirects=False,
    )
    assert answer.status == 403


async def test_a_login_form_that_is_not_utf8_is_a_bad_request(env: Env) -> None:
    await _login_csrf(env)
    answer = await env.client.post(
        "/medewerkers/inloggen",
        data=b"username=anja&password=\xff\xfe&csrf_token=\xc3\x28",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    assert answer.status == 400


async def test_a_logout_form_that_is_not_utf8_is_a_bad_request(env: Env) -> None:
    await login(env.client)
    answer = await env.client.post(
        "/medewerkers/uitloggen",
        data=b"csrf_token=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    assert answer.status == 400


async def test_a_non_ascii_csrf_header_is_refused_not_a_server_error(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    await login(env.client)
    # Latin-1 on the wire; the server reads it as UTF-8 with a lone surrogate.
    answer = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": "g\xe9heim"})
    assert answer.status == 403


async def test_deeply_nested_json_is_a_bad_request(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    nested = "[" * 100_000 + "]" * 100_000
    answer = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close",
        data=nested,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert answer.status == 400
    assert env.queue.get(ticket.id).status == ticket.status


async def test_json_that_is_not_utf8_is_a_bad_request(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    answer = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close",
        data=b'{"outcome": "\xff\xfe"}',
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert answer.status == 400


async def test_only_the_named_colleague_closes_a_handed_on_conversation(env: Env) -> None:
    env.staff.add("kees", "Kees Dijkstra", PASSWORD)
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client, "anja")
    headers = {"X-CSRF-Token": csrf}
    taken = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    assert taken.status == 200, await taken.text()
    moved = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/transfer",
        headers=headers,
        json={"to_staff": "piet", "note": "Piet kent deze mevrouw"},
    )
    assert moved.status == 200, await moved.text()
    assert env.queue.get(ticket.id).assigned_to == "piet"

    env.client.session.cookie_jar.clear()
    csrf = await login(env.client, "kees")
    refused = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close", headers={"X-CSRF-Token": csrf}, json={"outcome": "referred"}
    )
    assert refused.status == 403
    assert env.queue.get(ticket.id).status == "waiting"

    env.client.session.cookie_jar.clear()
    csrf = await login(env.client, "piet")
    closed = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close", headers={"X-CSRF-Token": csrf}, json={"outcome": "referred"}
    )
    assert closed.status == 200, await closed.text()
