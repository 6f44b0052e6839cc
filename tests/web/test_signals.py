"""The signals dashboard over real HTTP: only the beleid role gets in; page, JSON and exports agree."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from socialmap import db as _db
from socialmap import staff as staff_module
from socialmap.settings import get_settings
from socialmap.signals.aggregator import Aggregator
from tests.socialmap.test_signals import conversation
from web.server import create_app

PASSWORD = "correct paard batterij"
NOV = "maand=2026-11"
XSS = '<script>alert(1)</script>'


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff_module, "SCRYPT_N", 2**10)


@dataclasses.dataclass
class Env:
    client: TestClient
    db_url: str


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    db_url = f"sqlite:///{tmp_path / 'web.db'}"
    settings = dataclasses.replace(
        get_settings(), db_url=db_url, deployment_file=Path(__file__).resolve().parents[2] / "deployment.yml"
    )
    store = staff_module.StaffStore(_db.get_engine(db_url))
    store.add("lotte", "Lotte Smit", PASSWORD, role="beleid")
    store.set_municipalities("lotte", ["Midden-Drenthe"])  # signals are scoped to her municipality
    store.add("anja", "Anja de Vries", PASSWORD)
    aggregator = Aggregator(_db.get_engine(db_url))
    for i in range(3):
        aggregator.ingest(conversation(f"w{i}", "Westerbork", "Midden-Drenthe", "youth", audience="jongeren",
                                       nearest=None))  # fmt: skip
    for i in range(9):
        aggregator.ingest(conversation(f"b{i}", "Beilen", "Midden-Drenthe", "youth", audience="jongeren",
                                       nearest=None))  # fmt: skip
    for i in range(12):
        aggregator.ingest(conversation(f"s{i}", "Smilde", "Midden-Drenthe"))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield Env(client, db_url)


async def login(client: TestClient, username: str) -> None:
    form = await client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form.text())
    assert csrf
    answer = await client.post(
        "/medewerkers/inloggen",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/medewerkers/signalen"},
        allow_redirects=False,
    )
    assert answer.status == 303
    assert answer.headers["Location"] == "/medewerkers/signalen"


PATHS = ["/medewerkers/signalen", "/medewerkers/signalen/data.json", "/medewerkers/signalen/export.csv",
         "/medewerkers/signalen/export.json"]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
async def test_nothing_without_a_session(env: Env, path: str) -> None:
    answer = await env.client.get(path, allow_redirects=False)
    if path == "/medewerkers/signalen":
        assert answer.status == 302 and answer.headers["Location"].startswith("/medewerkers/inloggen?next=")
    else:
        assert answer.status == 401


@pytest.mark.parametrize("path", PATHS)
async def test_a_helpdesk_account_without_the_policy_role_is_refused(env: Env, path: str) -> None:
    await login(env.client, "anja")
    answer = await env.client.get(path + "?" + NOV)
    assert answer.status == 403
    assert "Midden-Drenthe" not in await answer.text()


async def test_the_policy_advisor_sees_suppressed_counts_per_village(env: Env) -> None:
    await login(env.client, "lotte")
    answer = await env.client.get(f"/medewerkers/signalen/data.json?{NOV}&gemeente=Midden-Drenthe")
    assert answer.status == 200
    data: dict[str, Any] = await answer.json()
    rows = {r["woonplaats"]: r["conversation"] for r in data["areas"]}
    assert data["totals"]["conversation"] == 24
    assert rows["Westerbork"] == "<5" and rows["Beilen"] == "x" and rows["Smilde"] == 12
    assert data["gaps"][0]["text"] == "Jongeren in Beilen: 9 zoekvragen, niets binnen 10 km"
    page = await env.client.get(f"/medewerkers/signalen?{NOV}&gemeente=Midden-Drenthe")
    body = await page.text()
    assert page.status == 200
    assert "Signalen: Midden-Drenthe" in body and "Jongeren in Beilen: 9 zoekvragen, niets binnen 10 km" in body
    assert "<script" not in body and "<svg" in body and "&lt;5" in body
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


async def test_exports_hold_the_same_suppressed_numbers(env: Env) -> None:
    await login(env.client, "lotte")
    answer = await env.client.get(f"/medewerkers/signalen/export.csv?{NOV}&gemeente=Midden-Drenthe")
    assert answer.status == 200 and "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await answer.text())))
    area_rows = {r["woonplaats"]: r["waarde"] for r in rows if r["sectie"] == "per gebied" and r["meting"] == "conversation"}
    assert area_rows["Westerbork"] == "<5" and area_rows["Beilen"] == "x" and area_rows["Smilde"] == "12"
    as_json = await env.client.get(f"/medewerkers/signalen/export.json?{NOV}&gemeente=Midden-Drenthe")
    assert (await as_json.json())["areas"] == (
        await (await env.client.get(f"/medewerkers/signalen/data.json?{NOV}&gemeente=Midden-Drenthe")).json()
    )["areas"]


@pytest.mark.parametrize(
    "query", ["maand=2026-13", "van=gisteren", "gemeente=" + XSS, "woonplaats=Atlantis", "bron=alles%00", "van=2026-12-01&tot=2026-01-01"]
)
async def test_bad_choices_get_a_dutch_400_without_echoing_input(env: Env, query: str) -> None:
    await login(env.client, "lotte")
    for path in ("/medewerkers/signalen", "/medewerkers/signalen/data.json"):
        answer = await env.client.get(f"{path}?{query}")
        assert answer.status == 400
        assert "<script>" not in await answer.text()
