"""Staff see only their municipalities: an Emmen employee cannot touch Assen's conversations through any URL.

The routes are read from the app's router, so a route added later is tested too. Both
servers are real (the web app on 127.0.0.1 and the fake of Rasa's HTTP API from
test_staff_console); the database is a real SQLite file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from socialmap import db as _db
from socialmap import handoff as hq
from socialmap.settings import get_settings
from socialmap.signals.aggregator import Aggregator
from socialmap.staff import StaffStore
from tests.socialmap.test_signals import conversation
from tests.web.test_staff_console import (  # noqa: F401  (fixtures)
    PASSWORD,
    TOKEN,
    FakeRasa,
    fake_rasa,
    fake_search,
    fast_kdf,
    login,
)
from web.server import create_app

ROOT = Path(__file__).resolve().parents[2]
# Routes that touch no conversation data and would end the session the walk needs.
SESSION_ROUTES = {("POST", "/medewerkers/inloggen"), ("POST", "/medewerkers/uitloggen")}
# A body with every field any console POST reads, so a handler that forgot the check would act.
BODY: dict[str, Any] = {
    "text": "Hallo, ik neem het over.",
    "note": "overdracht",
    "outcome": "helped",
    "team": "Wmo-loket",
    "to_staff": "emma",
    "inbox": "all",
    "service_id": "svc-koffie",
    "status": "beschikbaar",
    "municipalities": ["Assen"],
    "teams": [],
    "role": "medewerker",
    "disabled": True,
    "title": "Groet",
    "username": "nieuw",
    "name": "Nieuwe Collega",
    "password": PASSWORD,
}


@dataclasses.dataclass
class Tenants:
    client: TestClient
    rasa: FakeRasa
    queue: hq.HandoffQueue
    staff: StaffStore
    app: Any
    assen_ids: dict[str, str]  # name -> ticket or callback id
    assen_conversations: set[str]


@pytest.fixture
async def two_municipalities(tmp_path: Path, fake_rasa: tuple[FakeRasa, str]) -> AsyncIterator[Tenants]:  # noqa: F811
    rasa, url = fake_rasa
    db_url = f"sqlite:///{tmp_path / 'tenants.db'}"
    settings = dataclasses.replace(
        get_settings(),
        db_url=db_url,
        deployment_file=ROOT / "deployment.yml",
        deployments_dir=ROOT / "deployments",
        rasa_url=url,
        rasa_token=TOKEN,
    )
    app = create_app(settings)
    from web import staff as console_module

    console = app[console_module.CONSOLE_KEY]
    console.search = fake_search
    queue, staff = console.queue, console.staff
    staff.add("anja", "Anja de Vries", PASSWORD)
    staff.set_municipalities("anja", ["Assen"])
    # The Emmen employee is a team lead: the most a console account can do.
    staff.add("emma", "Emma Hoekstra", PASSWORD, role="teamleider")
    staff.set_municipalities("emma", ["Emmen"])
    assen = hq.HandoffSummary(need="meeting", location="Assen", municipality="Assen", place_lat=52.99, place_lon=6.56)
    waiting = queue.request("conv-assen-waiting", assen, municipality="Assen")
    held = queue.request("conv-assen-held", assen, municipality="Assen")
    queue.take(held.id, "anja", "Anja de Vries")
    # Made before tenants: no municipality, so it belongs to the default site (Assen).
    legacy = queue.request("conv-assen-legacy", assen)
    queue.stage_contact("conv-assen-callback", hq.Contact("phone", "0612345678"))
    callback = queue.request_callback("conv-assen-callback", "morgen", assen, municipality="Assen")
    done = queue.request("conv-assen-done", assen, municipality="Assen")
    queue.take(done.id, "anja", "Anja de Vries")
    queue.close(done.id, "anja", "helped", staff_name="Anja de Vries")
    queue.keep_transcript(done.id, "Inwoner: koffie in Assen")
    assert queue.record_csat(queue.csat_invite("Wmo-loket", municipality="Assen"), 4)
    # Emmen's own ticket: the walk must still work for it (the test proves scoping, not a broken console).
    queue.request("conv-emmen", hq.HandoffSummary(location="Emmen", municipality="Emmen"), municipality="Emmen")
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Tenants(
            client,
            rasa,
            queue,
            staff,
            app,
            {"waiting": waiting.id, "held": held.id, "legacy": legacy.id, "done": done.id, "callback": callback.id},
            {"conv-assen-waiting", "conv-assen-held", "conv-assen-legacy", "conv-assen-callback", "conv-assen-done"},
        )


def _snapshot(env: Tenants) -> dict[str, Any]:
    """Return everything an Emmen employee could change about Assen's side."""
    tickets = {
        name: {k: v for k, v in env.queue.get(tid).as_dict().items() if k != "waiting_minutes"}
        for name, tid in env.assen_ids.items()
        if name != "callback"
    }
    anja = env.staff.get("anja")
    return {
        "tickets": tickets,
        "callback": env.queue.get_callback(env.assen_ids["callback"]).as_dict(),
        "contact": env.queue.callback_contact(env.assen_ids["callback"]),
        "anja": (anja.role, anja.disabled, env.staff.profile("anja").as_dict()) if anja else None,
    }


def _urls(env: Tenants) -> list[tuple[str, str, str]]:
    """Return (method, route, url) for every console and signals route, ids filled in with Assen's."""
    values = {
        "callback_id": [env.assen_ids["callback"]],
        "ticket_id": [env.assen_ids[n] for n in ("waiting", "held", "legacy", "done")],
        "username": ["anja"],
        "canned_id": ["999999"],
        "name": ["console.js"],
    }
    out = []
    for route in env.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path") or ""
        if not template.startswith("/medewerkers") or route.method not in {"GET", "POST"}:
            continue
        if (route.method, template) in SESSION_ROUTES:
            continue
        params = re.findall(r"\{(\w+)\}", template)
        unknown = [p for p in params if p not in values]
        assert not unknown, f"{template}: add a value for {unknown} to this test"
        urls = [template]
        for param in params:
            urls = [u.replace("{" + param + "}", v) for u in urls for v in values[param]]
        out.extend((route.method, template, url) for url in urls)
    return out


async def test_an_emmen_employee_cannot_touch_an_assen_conversation_through_any_url(
    two_municipalities: Tenants,
) -> None:
    env = two_municipalities
    csrf = await login(env.client, "emma")
    before = _snapshot(env)
    urls = _urls(env)
    # The walk covers the whole console: pages, ticket and callback actions, history, admin, signals.
    templates = {t for _, t, _ in urls}
    assert len(templates) >= 35, sorted(templates)
    secrets = set(env.assen_ids.values()) | env.assen_conversations | {"0612345678", "06 12345678"}
    for method, template, url in urls:
        for query in ("", "?inbox=all&q=koffie&place=Assen&gemeente=Assen"):
            if method == "GET":
                answer = await env.client.get(url + query, allow_redirects=False)
            else:
                answer = await env.client.post(url, json=BODY, headers={"X-CSRF-Token": csrf}, allow_redirects=False)
            body = await answer.text()
            leaked = [s for s in secrets if s in body]
            assert not leaked, f"{method} {url}{query} ({answer.status}) shows {leaked}"
            if "{ticket_id}" in template or "{callback_id}" in template:
                assert answer.status == 404, f"{method} {url}: {answer.status} {body[:200]}"
    assert _snapshot(env) == before
    # Nothing reached an Assen resident's chat: no pause, no message, no typing.
    assert not [c for c in env.rasa.calls if any(cid in str(c) for cid in env.assen_conversations)]


async def test_the_assen_employee_does_see_and_take_her_conversation(two_municipalities: Tenants) -> None:
    """The control: the same URLs work for Assen's own employee, so the 404s above are the scope, not a bug."""
    env = two_municipalities
    csrf = await login(env.client, "anja")
    queue = await (await env.client.get("/medewerkers/api/queue?inbox=all")).json()
    waiting = {t["conversation_id"] for t in queue["waiting"]}
    assert waiting == {"conv-assen-waiting", "conv-assen-legacy"}
    assert {c["conversation_id"] for c in queue["callbacks"]} == {"conv-assen-callback"}
    taken = await env.client.post(
        f"/medewerkers/api/tickets/{env.assen_ids['waiting']}/take", headers={"X-CSRF-Token": csrf}
    )
    assert taken.status == 200 and (await taken.json())["municipality"] == "Assen"
    history = await (await env.client.get("/medewerkers/api/history?q=koffie")).json()
    assert [r["conversation_id"] for r in history["results"]] == ["conv-assen-done"]
    report = (await (await env.client.get("/medewerkers/api/csat")).json())["report"]
    assert [(r["team"], r["answers"]) for r in report] == [("Wmo-loket", 1)]
    joined = [body for _, body in env.rasa.posted("events") if body and body[0].get("event") == "bot"]
    assert "gemeente Assen" in joined[0][0]["text"]


async def test_the_emmen_employee_sees_only_emmen_in_the_queue(two_municipalities: Tenants) -> None:
    env = two_municipalities
    await login(env.client, "emma")
    queue = await (await env.client.get("/medewerkers/api/queue?inbox=all")).json()
    assert [t["conversation_id"] for t in queue["waiting"]] == ["conv-emmen"]
    assert queue["taken"] == [] and queue["callbacks"] == [] and queue["waiting_total"] == 1
    me = await (await env.client.get("/medewerkers/api/me")).json()
    assert me["municipalities"] == ["Emmen"] and me["colleagues"] == []
    assert (await (await env.client.get("/medewerkers/api/csat")).json())["report"] == []
    history = await (await env.client.get("/medewerkers/api/history")).json()
    assert history["results"] == []


async def test_a_team_lead_assigns_only_her_own_municipalities(two_municipalities: Tenants) -> None:
    env = two_municipalities
    csrf = await login(env.client, "emma")
    headers = {"X-CSRF-Token": csrf}
    made = await env.client.post(
        "/medewerkers/api/accounts",
        json={"username": "bram", "name": "Bram Mulder", "password": PASSWORD, "teams": []},
        headers=headers,
    )
    assert made.status == 200
    assert env.staff.profile("bram").municipalities == ("Emmen",)
    refused = await env.client.post("/medewerkers/api/accounts/bram", json={"municipalities": ["Assen"]}, headers=headers)
    assert refused.status == 400 and env.staff.profile("bram").municipalities == ("Emmen",)
    accounts = await (await env.client.get("/medewerkers/api/accounts")).json()
    assert {a["username"] for a in accounts["accounts"]} == {"emma", "bram"}


async def test_a_policy_advisor_of_emmen_sees_no_assen_signals(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'signals.db'}"
    settings = dataclasses.replace(get_settings(), db_url=db_url, deployment_file=ROOT / "deployment.yml")
    store = StaffStore(_db.get_engine(db_url))
    store.add("lotte", "Lotte Smit", PASSWORD, role="beleid")
    store.set_municipalities("lotte", ["Emmen"])
    aggregator = Aggregator(_db.get_engine(db_url))
    for i in range(7):
        aggregator.ingest(conversation(f"a{i}", "Assen", "Assen", "youth", audience="jongeren", nearest=None))
    for i in range(6):
        aggregator.ingest(conversation(f"e{i}", "Emmen", "Emmen"))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        form = await client.get("/medewerkers/inloggen")
        token = re.search(r'name="csrf_token" value="([^"]+)"', await form.text())
        assert token
        await client.post(
            "/medewerkers/inloggen",
            data={"username": "lotte", "password": PASSWORD, "csrf_token": token.group(1), "next": "/medewerkers/signalen"},
        )
        nov = "maand=2026-11"
        own = await client.get(f"/medewerkers/signalen/data.json?{nov}")
        data = await own.json()
        assert own.status == 200 and data["area"]["name"] == "Emmen" and data["totals"]["conversation"] == 6
        assert "Assen" not in str(data)
        for path in ("/medewerkers/signalen", "/medewerkers/signalen/data.json", "/medewerkers/signalen/export.csv"):
            for query in ("gemeente=Assen", "woonplaats=Assen"):
                answer = await client.get(f"{path}?{nov}&{query}")
                assert answer.status == 403, (path, query)
                assert "jongeren" not in (await answer.text()).lower()
        page = await client.get(f"/medewerkers/signalen?{nov}")
        assert 'value="Assen"' not in await page.text() and "Heel Drenthe" not in await page.text()
