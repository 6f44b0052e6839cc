"""Signals end to end: conversations through Rasa's REST channel reach the dashboard, counted and suppressed.

The real stack (tests/conftest.py): Rasa publishes every event to its SQL event broker
(endpoints.yml, an SQLite file in the stack's var dir), the web process counts the new
rows every two seconds, and a policy advisor reads /medewerkers/signalen. Then the
synthetic demo data goes into the same database and Chromium + axe check the page.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Page
from playwright.sync_api import expect as pw_expect

from scripts.stack import ROOT
from socialmap.catalog import Catalog
from socialmap.db import get_engine
from socialmap.geo import get_geocoder
from socialmap.search import SearchQuery, search
from socialmap.signals.aggregator import default_places
from socialmap.tenants import DRENTHE
from tests.browser.conftest import axe_violations, describe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PASSWORD = "beleid wachtwoord 2026"
USERNAME = "lotte"


def nearest_km(db_url: str, woonplaats: str, need: str, audience: str | None, radius: float | None = None,
               sub: str | None = None) -> float | None:  # fmt: skip
    """Return how far the nearest matching service is, by the real search on the stack's social map."""
    places = default_places()
    lat, lon = places.coordinates[woonplaats]
    query = SearchQuery(lat=lat, lon=lon, category=need, subcategories=(sub,) if sub else (), audience=audience,
                        radius_km=radius, municipality=places.municipality_of[woonplaats])  # fmt: skip
    page = search(query, Catalog(engine=get_engine(db_url)), place_name=woonplaats)
    distances = [r.distance_km for r in page.results if r.distance_km is not None]
    return min(distances) if distances else None


@pytest.fixture(scope="module")
def policy(stack: Any) -> requests.Session:
    """Return an HTTP session logged in as a policy advisor (role beleid), made through the real CLI."""
    subprocess.run(
        [sys.executable, "-m", "socialmap", "staff", "add", USERNAME, "--name", "Lotte Smit", "--role", "beleid",
         "--password-stdin"],
        input=PASSWORD.encode(), env=stack.env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    # A provincial advisor: signals are scoped to an employee's municipalities, here all twelve.
    subprocess.run(
        [sys.executable, "-m", "socialmap", "staff", "municipalities", USERNAME, *DRENTHE],
        env=stack.env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    session = requests.Session()
    form = session.get(f"{stack.web_url}/medewerkers/inloggen", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf
    answer = session.post(
        f"{stack.web_url}/medewerkers/inloggen",
        data={"username": USERNAME, "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/medewerkers/signalen"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.url.endswith("/medewerkers/signalen"), answer.url
    return session


def raw_gap_count(db_url: str, woonplaats: str, need: str) -> int:
    """Return the real (not synthetic) 'nothing within 10 km' searches of a village for a need, unsuppressed."""
    from sqlalchemy import select

    from socialmap.signals import model as m

    with get_engine(db_url).connect() as conn:
        rows = conn.execute(
            select(m.counts.c.key, m.counts.c.n).where(
                m.counts.c.woonplaats == woonplaats, m.counts.c.metric == "gap", m.counts.c.synthetic.is_(False)
            )
        ).all()
    return sum(int(n) for key, n in rows if m.split_gap_key(str(key))[0] == need)


def ask(stack: Any, question: str, place: str) -> None:
    """Hold one short conversation: a question, then the place when the assistant asks for it."""
    sender = "sig-" + uuid.uuid4().hex[:16]
    answers = stack.send(sender, question)
    if not any((m.get("custom") or {}).get("type") == "result_card" for m in answers):
        stack.send(sender, place)


def dashboard(stack: Any, session: requests.Session, **query: str) -> dict[str, Any]:
    answer = session.get(f"{stack.web_url}/medewerkers/signalen/data.json", params=query, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_rest_conversations_appear_counted_and_suppressed_within_seconds(stack: Any, policy: requests.Session) -> None:
    places = default_places()
    geocoder = get_geocoder()
    # A village where the social map truly has nothing for young people within 10 km.
    gap_place = next(
        w for w in sorted(places.coordinates)
        if (geocoder.geocode(w).place is not None and geocoder.geocode(w).place.name == w  # type: ignore[union-attr]
            and (nearest_km(stack.db_url, w, "youth", "jongeren") or 99) > 10)
    )  # fmt: skip
    municipality = places.municipality_of[gap_place]
    # And a small village elsewhere, asked about twice: fewer than 5.
    small = "Orvelte" if municipality != "Midden-Drenthe" else "Dwingeloo"
    for _ in range(5):
        ask(stack, "ik zoek iets leuks voor jongeren", gap_place)
    for _ in range(2):
        ask(stack, "ik zoek een koffieochtend", small)

    deadline = time.monotonic() + 20
    while True:
        data = dashboard(stack, policy, bron="echt", gemeente=municipality)
        counted = {r["woonplaats"]: r["conversation"] for r in data["areas"]}
        if counted.get(gap_place) not in (0, "<5", "x") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # Shown, or hidden as "x" when other conversations in the shared test stack made a sibling
    # village small (complementary suppression); never "<5" or 0 after five conversations.
    assert counted[gap_place] == "x" or (isinstance(counted[gap_place], int) and counted[gap_place] >= 5), counted
    gaps = [g for g in data["gaps"] if g["woonplaats"] == gap_place and g["need"] == "youth"]
    # The counts behind the dashboard hold all five searches that found nothing within 10 km.
    assert raw_gap_count(stack.db_url, gap_place, "youth") >= 5
    if gaps:
        assert gaps[0]["count"] >= 5, gaps
    # Else suppression hid the gap cell: after the conversation fuzzer the shared stack holds many
    # small cells in this municipality (seen in a full run: the village shown as 5, its gap hidden).
    # What the dashboard shows of suppressed cells is tested on fixed data in tests/socialmap and
    # tests/web; here only that a shown gap is never below the five searches.
    assert f"in {gap_place}:" in gaps[0]["text"] and "niets binnen 10 km" in gaps[0]["text"]
    # The gap is real: the social map has nothing for young people within 10 km of that village.
    assert (nearest_km(stack.db_url, gap_place, "youth", "jongeren", radius=10) or 99) > 10

    deadline = time.monotonic() + 20
    while True:  # the aggregator may still be catching up with the other tests' conversations
        small_area = dashboard(stack, policy, bron="echt", gemeente=places.municipality_of[small])
        shown = {r["woonplaats"]: r["conversation"] for r in small_area["areas"]}
        if shown.get(small) not in (0, None) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert shown[small] == "<5", shown
    # No count from 1 to 4 is shown anywhere (a substring test would also trip on "24").
    assert not re.search(r"'conversation': [1-4][,}]", str(small_area)), small_area


def test_the_policy_role_sees_no_conversations(stack: Any, policy: requests.Session) -> None:
    answer = policy.get(f"{stack.web_url}/medewerkers/api/queue", timeout=10)
    assert answer.status_code in (401, 403)


@pytest.fixture(scope="module")
def demo(stack: Any) -> None:
    """Put the synthetic demo signals into the stack's database (the same script as `make setup`)."""
    subprocess.run(
        [sys.executable, "-m", "scripts.make_signals_demo", "--db-url", stack.db_url, "--conversations", "3000"],
        env=stack.env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip


def test_every_demo_gap_is_a_real_gap_of_the_demo_map(stack: Any, policy: requests.Session, demo: None) -> None:
    data = dashboard(stack, policy, bron="demo")
    assert data["synthetic"] is True
    assert data["gaps"], "the demo should show at least one gap"
    for gap in data["gaps"]:
        nearest = nearest_km(stack.db_url, gap["woonplaats"], gap["need"], gap["audience"] or None,
                             sub=gap["subcategory"] or None)  # fmt: skip
        assert nearest is None or nearest > 10, gap


def log_in(page: Page, web_url: str) -> None:
    page.goto(web_url + "/medewerkers/signalen")
    pw_expect(page).to_have_url(re.compile(r"/medewerkers/inloggen\?next="))
    page.get_by_label("Gebruikersnaam").fill(USERNAME)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    pw_expect(page).to_have_url(re.compile(r"/medewerkers/signalen$"))


@pytest.mark.parametrize("view", ["", "?gemeente=Midden-Drenthe", "?woonplaats=Westerbork&bron=demo"])
def test_dashboard_has_no_axe_violations(page: Page, web_url: str, policy: requests.Session, demo: None,
                                         view: str) -> None:  # fmt: skip
    log_in(page, web_url)
    if view:
        page.goto(web_url + "/medewerkers/signalen" + view)
    pw_expect(page.get_by_role("heading", level=1)).to_contain_text("Signalen")
    pw_expect(page.get_by_text("Let op: synthetische demodata.")).to_be_visible()
    assert page.locator("svg[role=img]").count() >= 5
    name = "signals-" + (re.sub(r"[^a-z]+", "-", view.lower()).strip("-") or "drenthe")
    page.set_viewport_size({"width": 1280, "height": 3000})
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_dashboard_at_200_percent_zoom_has_no_axe_violations_and_no_sideways_page(
    page: Page, web_url: str, policy: requests.Session, demo: None
) -> None:
    # A 1280 x 860 window zoomed to 200% lays out like a 640 x 430 viewport.
    page.set_viewport_size({"width": 640, "height": 430})
    log_in(page, web_url)
    page.goto(web_url + "/medewerkers/signalen?gemeente=Emmen")
    pw_expect(page.get_by_role("heading", level=1)).to_contain_text("Emmen")
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    screenshot(page, "signals-zoom-200")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
