"""The admin status page over the in-memory storage: access, CSRF, activity, preview, no secrets."""

from __future__ import annotations

import copy
import re
import sqlite3

import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from tests.scim.conftest import BASE_CONFIG
from tests.scim.conftest import TOKEN
from tests.scim.conftest import USER_SCHEMA
from tests.scim.memory_storage import MemoryStorage

PASSWORD = "correct horse battery staple"
SCIM_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}


class PreviewStorage(MemoryStorage):
    """The memory storage plus the two duck-typed hooks the page uses."""

    def ping(self) -> dict:
        return {"glpi_version": "10.0.12", "account": "glpi"}

    def preview(self, resource_type: str, resource: dict) -> dict:
        return {"fields": {"name": resource.get("userName") or resource.get("displayName")}}


def build(tmp_path, admin: bool = True):
    config = copy.deepcopy(BASE_CONFIG)
    config["activity"] = {"path": str(tmp_path / "activity.sqlite")}
    if admin:
        config["admin"] = {"password_hash": generate_password_hash(PASSWORD), "session_secret": "s" * 40,
                           "secure_cookie": False}
    storage = PreviewStorage()
    return create_app(config, storage_factory=lambda t, s: storage)


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, password: str = PASSWORD):
    token = csrf(client, "/admin/login")
    return client.post("/admin/login", data={"username": "admin", "password": password, "csrf_token": token})


@pytest.fixture
def app(tmp_path):
    return build(tmp_path)


def test_page_is_off_unless_configured(tmp_path) -> None:
    client = build(tmp_path, admin=False).test_client()
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login").status_code == 404


def test_login_is_required_and_checked(app) -> None:
    client = app.test_client()
    response = client.get("/admin/activity")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]
    assert login(client, "wrong password").status_code == 401
    assert client.get("/admin/").status_code == 302
    assert login(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_scim_token_does_not_open_the_page(app) -> None:
    response = app.test_client().get("/admin/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 302


def test_forms_need_the_csrf_token(app) -> None:
    client = app.test_client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    login(client)
    assert client.post("/admin/preview", data={"tenant": "acme", "resource_type": "User",
                                               "body": "{}"}).status_code == 400
    assert client.post("/admin/logout").status_code == 400


def test_session_cookie_is_locked_down(app) -> None:
    client = app.test_client()
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/admin" in cookie


def provision(app) -> None:
    scim = app.test_client()
    created = scim.post("/scim/v2/Users", headers=SCIM_HEADERS, json={
        "schemas": [USER_SCHEMA], "userName": "alice@example.com", "password": "Sup3r-Secret-Pw!",
        "name": {"givenName": "Alice"}})
    assert created.status_code == 201
    conflict = scim.post("/scim/v2/Users", headers=SCIM_HEADERS, json={
        "schemas": [USER_SCHEMA], "userName": "ALICE@example.com"})
    assert conflict.status_code == 409
    scim.get("/scim/v2/Users", headers=SCIM_HEADERS, query_string={"filter": 'userName eq "bob"'})
    scim.patch(f"/scim/v2/Users/{created.get_json()['id']}", headers=SCIM_HEADERS, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
    scim.get("/scim/v2/Users", headers={"Authorization": "Bearer not-a-valid-token-at-all"})


def test_activity_shows_what_happened(app) -> None:
    provision(app)
    client = app.test_client()
    login(client)
    page = client.get("/admin/activity").get_data(as_text=True)
    assert page.count("<tr>") >= 6  # header + 5 events
    assert "alice@example.com" in page
    assert "409" in page
    assert "filter userName eq &#34;bob&#34;" in page or 'filter userName eq "bob"' in page
    assert "PATCH Replace active" in page
    errors = client.get("/admin/activity", query_string={"result": "error"}).get_data(as_text=True)
    assert "409" in errors and "401" in errors
    assert "PATCH Replace active" not in errors
    named = client.get("/admin/activity", query_string={"name": "ALICE"}).get_data(as_text=True)
    assert "GET /scim/v2/Users" not in named


def test_dashboard_counts_and_errors(app) -> None:
    provision(app)
    client = app.test_client()
    login(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Tenant acme" in page
    assert "reachable" in page and "GLPI 10.0.12" in page
    assert "last hour: 4 (1)" in page  # the 401 has no tenant
    assert "<code>docs/troubleshooting.md</code>" in page  # no docs_url: named, not linked


def test_event_detail(app) -> None:
    provision(app)
    client = app.test_client()
    login(client)
    event_id = re.search(r'/admin/activity/(\d+)', client.get("/admin/activity").get_data(as_text=True)).group(1)
    page = client.get(f"/admin/activity/{event_id}")
    assert page.status_code == 200
    assert "Request id" in page.get_data(as_text=True)
    assert client.get("/admin/activity/999999").status_code == 404


def test_preview_validates_and_writes_nothing(app) -> None:
    client = app.test_client()
    login(client)
    token = csrf(client, "/admin/preview")
    good = client.post("/admin/preview", data={
        "csrf_token": token, "tenant": "acme", "resource_type": "User",
        "body": '{"schemas": ["%s"], "userName": "preview.user"}' % USER_SCHEMA})
    assert good.status_code == 200
    assert "preview.user" in good.get_data(as_text=True)
    bad = client.post("/admin/preview", data={
        "csrf_token": token, "tenant": "acme", "resource_type": "User", "body": '{"userName": 42'})
    assert "Not valid JSON" in bad.get_data(as_text=True)
    invalid = client.post("/admin/preview", data={
        "csrf_token": token, "tenant": "acme", "resource_type": "User",
        "body": '{"schemas": ["%s"], "active": "perhaps"}' % USER_SCHEMA})
    assert "Validation error" in invalid.get_data(as_text=True)
    listing = app.test_client().get("/scim/v2/Users", headers=SCIM_HEADERS).get_json()
    assert listing["totalResults"] == 0


def test_no_secret_reaches_the_activity_store(app, tmp_path) -> None:
    provision(app)
    dump = "\n".join(sqlite3.connect(tmp_path / "activity.sqlite").iterdump())
    assert "Sup3r-Secret-Pw!" not in dump
    assert TOKEN not in dump
    assert "not-a-valid-token-at-all" not in dump
    assert "alice@example.com" in dump


def test_tenant_prefixed_requests_are_recorded_with_their_resource(app, tmp_path) -> None:
    scim = app.test_client()
    created = scim.post("/scim/v2/t/acme/Users", headers=SCIM_HEADERS, json={
        "schemas": [USER_SCHEMA], "userName": "prefixed@example.com"})
    assert created.status_code == 201
    row = sqlite3.connect(tmp_path / "activity.sqlite").execute(
        "SELECT resource_type, resource_id, name FROM events ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("User", created.get_json()["id"], "prefixed@example.com")


def test_events_carry_the_request_id(app, tmp_path) -> None:
    answer = app.test_client().get("/scim/v2/Users", headers={**SCIM_HEADERS, "X-Request-Id": "trace-42"})
    assert answer.headers["X-Request-Id"] == "trace-42"
    row = sqlite3.connect(tmp_path / "activity.sqlite").execute(
        "SELECT request_id FROM events ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("trace-42",)
