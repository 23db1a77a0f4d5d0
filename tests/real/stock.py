"""A stock GLPI at the start of every lane run on the kit, and issue 15's check on it.

Okta's OIN test reads ``GET /Users?count=1&startIndex=1`` and expects the
user it gets to carry ``name.givenName``, ``name.familyName`` and an e-mail.
On a stock GLPI, that page would be ``glpi``, the Super-Admin with no name and
no e-mail, unless GLPI's own accounts are kept out of SCIM (the tenant's
``reserved`` accounts). The check needs a GLPI as installed, so it runs
where one exists: right after ``up N --fresh``, before any test has written.

Once per test run and version (all xdist workers share the run id and the
kit's ``flock``; the first one does the work):

1. ``up N --fresh``: GLPI as its installer leaves it, plus the kit's accounts;
2. the two accounts the kit adds for tests (``selfservice``, ``childtech``)
   are purged, which leaves GLPI's stock users (``glpi``, ``glpi-system``,
   ``normal``, ``post-only``, ``tech``);
3. a bridge with the default tenant options provisions one user with a name
   and an e-mail, then reads the first page of one user;
4. ``up N --fresh`` again, so the lane runs on a clean GLPI with every kit
   account.

What was seen is kept in the kit's state directory (``scim-lane-run.json``);
``test_stock_glpi.py`` asserts it, for each version. A dev who shares the kit
with another test run sets ``REAL_GLPI_FRESH=0``: no reinstall, and the
stock test is not collected (docs/real-glpi.md).
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from app import create_app

#: ``REAL_GLPI_FRESH=0`` keeps the kit's data (no ``--fresh`` at the start of the run).
ENV_FRESH = "REAL_GLPI_FRESH"
MARKER = "scim-lane-run.json"
#: The kit's own test accounts (its README), purged to get GLPI's stock users.
KIT_ACCOUNTS = ("selfservice", "childtech")
TOKEN = "stock-glpi-check-token-01"

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "oin.stock@example.com",
    "name": {"givenName": "Oin", "familyName": "Stock"},
    "emails": [{"value": "oin.stock@example.com", "type": "work", "primary": True}],
}


def fresh_enabled() -> bool:
    return os.environ.get(ENV_FRESH, "1").strip().lower() not in ("0", "false", "no")


def run_id() -> str:
    """The id shared by every process of this pytest run (xdist's, else this process's)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        run = os.environ.setdefault("REAL_GLPI_RUN", os.urandom(8).hex())
    return run


def prepared_kit(version: str, up: Callable[..., dict]) -> dict:
    """The kit's connection for this run; on the run's first call, the stock check first.

    ``up(version, *flags)`` runs the kit's ``up`` (the caller holds the kit's lock).
    The connection carries ``stock``: what the check saw (None without ``--fresh``).
    """
    conn = up(version)
    if not fresh_enabled():
        return {**conn, "stock": None}
    marker = Path(conn["state_dir"]) / MARKER
    seen = _read(marker)
    if seen.get("run") != run_id():
        stock = check_stock_glpi(up(version, "--fresh"))
        conn = up(version, "--fresh")
        seen = {"run": run_id(), "stock": stock}
        marker.write_text(json.dumps(seen, indent=1))
    return {**conn, "stock": seen["stock"]}


def _read(marker: Path) -> dict:
    try:
        return json.loads(marker.read_text())
    except (OSError, ValueError):
        return {}


def check_stock_glpi(conn: dict) -> dict[str, Any]:
    """Issue 15's acceptance on the freshly installed GLPI ``conn``; what it saw, or the error."""
    try:
        glpi_logins = _purge_kit_accounts(conn)
        client = create_app(_config(conn)).test_client()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        created = client.post("/scim/v2/Users", headers=headers, json=USER)
        page = client.get("/scim/v2/Users?count=1&startIndex=1", headers=headers)
        return {
            "glpi_logins": glpi_logins,
            "post_status": created.status_code,
            "created_id": (created.get_json() or {}).get("id"),
            "page_status": page.status_code,
            "page": page.get_json(),
        }
    except Exception:  # noqa: BLE001 - reported by the test, not by the fixture
        return {"error": traceback.format_exc()}


def _purge_kit_accounts(conn: dict) -> list[str]:
    """Purge ``selfservice`` and ``childtech``; GLPI's logins left (straight from GLPI)."""
    base = conn["url"]
    headers = {"App-Token": conn["app_token"]}
    with requests.Session() as http:
        http.trust_env = False
        session = http.get(f"{base}/initSession", timeout=30, headers={
            **headers, "Authorization": f"user_token {conn['user_token']}"}).json()
        headers["Session-Token"] = session["session_token"]
        ids = [{"id": conn["users"][login]["id"]} for login in KIT_ACCOUNTS]
        purged = http.delete(f"{base}/User/", headers=headers, timeout=60,
                             json={"input": ids, "force_purge": True})
        purged.raise_for_status()
        users = http.get(f"{base}/User/", headers=headers, timeout=30,
                         params={"range": "0-999", "is_deleted": "0"})
        users.raise_for_status()
        http.get(f"{base}/killSession", headers=headers, timeout=30)
    return sorted(user["name"] for user in users.json())


def _config(conn: dict) -> dict:
    """One tenant with the defaults (the reserved accounts among them) on the kit's GLPI."""
    return {"tenants": [{
        "name": "stock",
        "tokens": [TOKEN],
        "glpi": {"url": conn["url"], "app_token": conn["app_token"],
                 "user_token": conn["user_token"]},
    }]}
