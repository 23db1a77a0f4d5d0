"""The status page in a real browser: Debian's Chromium driven by Playwright.

The bridge runs under gunicorn (the image's entry point) in front of the
simulator. A provisioning flow with failures goes through it; then a person's
path through the page is replayed and every page is saved as a screenshot in
``test-output/screenshots/`` (and in ``docs/images/`` when
``GSB_UPDATE_SCREENSHOTS=1``, which is how the docs' pictures are made).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from werkzeug.security import generate_password_hash

from app.admin import chart
from tests.browser.png import columns_of
from tests.browser.png import hex_rgb
from tests.browser.png import read_png
from tests.ops.served import Served

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
DOC_SHOTS = ROOT / "docs" / "images"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "browser-test-bearer-token-0123456789"
PASSWORD = "status page password 42"
SECRET_PW = "Okta-Pushed-Secret-9!"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def served(glpi_sim, tmp_path):
    raw = {
        "admin": {"password_hash": generate_password_hash(PASSWORD), "session_secret": "x" * 40,
                  "secure_cookie": False, "docs_url": "https://docs.example.org/glpi-scim-bridge/"},
        "tenants": [{"name": "contoso", "tokens": [TOKEN],
                     "glpi": {"url": glpi_sim.url, "app_token": glpi_sim.app_token,
                              "user_token": glpi_sim.user_token}}],
    }
    with Served(tmp_path, raw, workers=2) as server:
        yield server


def provision(base: str) -> None:
    """An IdP's day: lookups, creates, a conflict, bad input, a group and a deactivation."""
    scim = requests.Session()
    scim.headers.update({"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"})
    api = base + "/scim/v2"
    assert scim.get(api + "/Users", params={"filter": 'userName eq "ada@contoso.com"'}).status_code == 200
    ada = scim.post(api + "/Users", json={
        "schemas": [USER], "userName": "ada@contoso.com", "password": SECRET_PW,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@contoso.com", "type": "work", "primary": True}]})
    assert ada.status_code == 201, ada.text
    assert scim.post(api + "/Users", json={"schemas": [USER], "userName": "ADA@contoso.com"}).status_code == 409
    assert scim.post(api + "/Users", json={"schemas": [USER], "userName": "CONTOSO\\ada"}).status_code == 400
    group = scim.post(api + "/Groups", json={"schemas": [GROUP], "displayName": "GLPI Technicians"})
    assert group.status_code == 201, group.text
    added = scim.patch(api + f"/Groups/{group.json()['id']}", json={"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": ada.json()["id"]}]}]})
    assert added.status_code in (200, 204)
    off = scim.patch(api + f"/Users/{ada.json()['id']}", json={"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})
    assert off.status_code == 200
    assert requests.get(api + "/Users", headers={"Authorization": "Bearer wrong-token-000000000"}).status_code == 401


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if os.environ.get("GSB_UPDATE_SCREENSHOTS") == "1":
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHOTS / f"{name}.png", DOC_SHOTS / f"status-{name}.png")


#: Earlier hours of the day (hours before the current one -> (requests, errors)), written
#: straight into the served activity file: the chart must show them in their hour.
EARLIER = {2: (4, 0), 5: (9, 3), 8: (2, 0), 12: (6, 1), 20: (3, 0)}


def seed_earlier_hours(served) -> None:
    from app.activity.hourly import hour_starts
    from app.activity.store import Event
    from app.activity.store import SqliteStore

    store = SqliteStore(served.config_path.parent / "activity.sqlite")
    current = hour_starts(time.time())[-1]
    for back, (requests_, errors) in sorted(EARLIER.items(), reverse=True):  # oldest first
        for i in range(requests_):
            login = f"earlier{back}.{i}@contoso.com"
            failed = i < errors
            store.add(Event(time=current - back * 3600 + 60 * i + 30, tenant="contoso",
                            method="POST" if failed else "GET", path="/scim/v2/Users",
                            status=409 if failed else 200, duration_ms=1.0, name=login,
                            resource_type="User", glpi_calls=1,
                            operation="" if failed else f'filter userName eq "{login}"',
                            detail=f"A user with userName '{login}' already exists." if failed else ""))
    store.close()


def check_chart(page) -> None:
    """The last day at a glance: named for a screen reader, in a table too, and in colour.

    The colours are checked in the chart's own screenshot: the requests of
    this hour (7, 2 of them errors) and of the seeded earlier hours are blue
    bars in their hour's slot, red on top where errors were recorded, and
    only there.
    """
    image = page.get_by_role("img", name="Requests per hour, last 24 hours, tenant contoso", exact=True)
    total = 7 + sum(r for r, _ in EARLIER.values())
    errors = 2 + sum(e for _, e in EARLIER.values())
    words = image.locator("desc").text_content()
    assert f"{total} requests, {errors} of them errors, in the last 24 hours." in words
    legend = page.locator("figure.chart figcaption").inner_text()
    assert "requests per hour" in legend and "errors" in legend
    page.get_by_text("Requests per hour as a table").click()  # <details>: no script needed
    table = page.get_by_role("table", name="Requests per hour, last 24 hours, tenant contoso")
    rows = table.locator("tbody tr")
    assert rows.count() == 24
    last_two = [[int(c) for c in rows.nth(i).locator("td").all_inner_texts()] for i in (22, 23)]
    assert [sum(col) for col in zip(*last_two, strict=True)] == [7, 2]  # even across the hour
    page.get_by_text("Requests per hour as a table").click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = image.screenshot(path=str(SHOTS / "chart.png"))
    if os.environ.get("GSB_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(SHOTS / "chart.png", DOC_SHOTS / "status-chart.png")
    width, _, pixels = read_png(png)
    assert width == chart.WIDTH
    slot = (chart.WIDTH - chart.LEFT - chart.RIGHT) / 24

    def slots(colour: str) -> set[int]:
        return {int((x - chart.LEFT) // slot) for x in columns_of(pixels, hex_rgb(colour))}

    now = {22, 23}  # this run's requests; one that spans the turn of the hour uses two slots
    red, blue = slots(chart.ERROR_COLOUR), slots(chart.OK_COLOUR)
    assert red - now == {23 - back for back, (_, e) in EARLIER.items() if e}
    assert blue - now == {23 - back for back, (r, e) in EARLIER.items() if r > e}
    assert red & now and blue & now


def test_status_page_shows_what_happened(served) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run scripts/system-deps.sh")
    seed_earlier_hours(served)  # first, as they happened: the newest events are this run's
    provision(served.url)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            page.goto(served.url + "/admin/")
            assert "/admin/login" in page.url
            page.get_by_label("User name").fill("admin")
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Log in").click()
            assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
            page.get_by_label("User name").fill("admin")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()

            status = page.locator("main").inner_text()
            assert "Tenant contoso" in status
            assert "reachable" in status and "unreachable" not in status
            assert "GLPI 10.0" in status and "API account glpi" in status
            assert "last hour: 7 (2)" in status
            assert "uniqueness" in status or "409" in status
            guide = page.get_by_role("link", name="troubleshooting guide")
            assert guide.get_attribute("href") == "https://docs.example.org/glpi-scim-bridge/troubleshooting.md"
            check_chart(page)
            shoot(page, "dashboard")

            page.get_by_role("link", name="Activity").click()
            page.get_by_label("Result").select_option("error")
            page.get_by_role("button", name="Filter").click()
            errors = page.locator("table").inner_text()
            assert "409" in errors and "400" in errors
            assert "GLPI accepts" in errors or "login" in errors.lower()
            shoot(page, "activity-errors")

            page.get_by_label("Result").select_option("")
            page.get_by_label("userName or displayName").fill("GLPI Tech")
            page.get_by_role("button", name="Filter").click()
            rows = page.locator("tbody tr")
            assert rows.count() == 2  # POST the group, PATCH its members
            assert "PATCH Add members" in page.locator("table").inner_text()
            rows.nth(0).get_by_role("link").click()
            detail = page.locator("main").inner_text()
            assert "PATCH /scim/v2/Groups/" in detail
            assert "Group_User" in detail
            shoot(page, "event")

            page.get_by_role("link", name="Mapping preview").click()
            page.get_by_label("SCIM JSON").fill(
                '{"schemas": ["%s"], "userName": "grace@contoso.com", "name": {"givenName": "Grace"},'
                ' "emails": [{"value": "grace@contoso.com", "primary": true}]}' % USER)
            page.get_by_role("button", name="Preview").click()
            preview = page.locator("main").inner_text()
            assert "grace@contoso.com" in preview and "firstname" in preview
            shoot(page, "preview")
            page.get_by_label("SCIM JSON").fill('{"schemas": ["%s"], "userName": "a/b"}' % USER)
            page.get_by_role("button", name="Preview").click()
            assert "Validation error" in page.locator("main").inner_text()
        finally:
            browser.close()
    text = (served.log_path.read_text(errors="replace") + "\n".join(
        str(p) for p in SHOTS.glob("*")))
    assert SECRET_PW not in text and TOKEN not in text
