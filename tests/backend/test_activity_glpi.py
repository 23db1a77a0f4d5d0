"""Activity events over GLPI: the GLPI calls a request made, and GLPI's error code when it failed."""

from __future__ import annotations

import sqlite3

from app import create_app
from tests.backend.users_app import TOKEN
from tests.backend.users_app import bridge_config


def test_events_name_glpi_calls_and_glpi_error_codes(glpi_sim, tmp_path) -> None:
    limited = glpi_sim.sim.add_user_token("api-selfservice", profile=1)
    config = bridge_config(glpi_sim)
    config["activity"] = {"path": str(tmp_path / "activity.sqlite")}
    config["tenants"].append({**config["tenants"][0], "name": "limited", "tokens": ["limited-token-0123456789"],
                              "glpi": {**config["tenants"][0]["glpi"], "user_token": limited}})
    client = create_app(config).test_client()
    ok = client.get("/scim/v2/Users", query_string={"filter": 'userName eq "nobody"'},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    refused = client.get("/scim/v2/Users", headers={"Authorization": "Bearer limited-token-0123456789"})
    assert refused.status_code == 502
    rows = sqlite3.connect(tmp_path / "activity.sqlite").execute(
        "SELECT tenant, status, glpi_calls, glpi_endpoints, glpi_code FROM events ORDER BY id").fetchall()
    assert rows[0][:2] == ("acme", 200) and rows[0][2] >= 1 and "/search/User" in rows[0][3]
    assert rows[0][4] == ""
    assert rows[1][:2] == ("limited", 502)
    assert rows[1][4] == "ERROR_RIGHT_MISSING"


def test_an_answer_the_storage_named_is_not_parsed_again(glpi_sim, tmp_path, monkeypatch) -> None:
    """The GLPI backend names what a GET touched (id, name): the event takes them from
    there, and the answer (megabytes for a 10,000-member group) is not parsed again.
    An error answer still gives its ``detail``."""
    from flask import Response

    import app.activity as activity

    parsed: list[str] = []
    real_json = activity._json

    def counting(message):
        if isinstance(message, Response):
            parsed.append(message.status)
        return real_json(message)

    monkeypatch.setattr(activity, "_json", counting)
    sim = glpi_sim.sim
    gid = sim.seed_group(name="Everyone", entities_id=0)
    config = bridge_config(glpi_sim)
    config["activity"] = {"path": str(tmp_path / "activity.sqlite")}
    client = create_app(config).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    assert client.get(f"/scim/v2/Groups/{gid}", headers=headers).status_code == 200
    assert parsed == []
    assert client.get("/scim/v2/Groups/999999", headers=headers).status_code == 404
    assert parsed == ["404 NOT FOUND"]

    rows = sqlite3.connect(tmp_path / "activity.sqlite").execute(
        "SELECT status, resource_type, resource_id, name, detail FROM events ORDER BY id"
    ).fetchall()
    assert rows[0] == (200, "Group", str(gid), "Everyone", "")
    assert rows[1][:3] == (404, "Group", "999999") and "999999" in rows[1][4]
