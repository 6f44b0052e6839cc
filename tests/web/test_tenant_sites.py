"""The demo site has a home page per municipality, whose widget names that municipality as its site."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from socialmap.tenants import DRENTHE, file_name
from web.server import create_app


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(), host="127.0.0.1")) as test_client:
        yield test_client


@pytest.mark.parametrize("municipality", [m for m in DRENTHE if m != "Assen"])
async def test_each_municipality_has_a_demo_home_page_with_its_widget(client: TestClient, municipality: str) -> None:
    route = "/gemeente/" + file_name(municipality).removesuffix(".yml")
    answer = await client.get(route)
    body = await answer.text()
    assert answer.status == 200
    script = re.search(r'<script src="/widget/widget.js"[^>]*>', body)
    assert script, body[:500]
    assert f'data-municipality="{municipality}"' in script.group(0)
    assert f'data-pages="{route}"' in script.group(0)  # the widget shows on this page
    assert f"Gemeente {municipality}" in body


async def test_the_default_site_stays_at_the_root(client: TestClient) -> None:
    body = await (await client.get("/")).text()
    assert 'data-municipality="Assen"' in body
    assert (await client.get("/gemeente/assen")).status == 404
