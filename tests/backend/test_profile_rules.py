"""Profile rules over the GLPI simulator: Profile_User rows follow SCIM roles (both Entra
forms) and rule-group memberships; rows the rules do not manage survive; the default
profile always stays."""

from __future__ import annotations

import json

import pytest

from app.simulator.schema import DEFAULTS
from tests.backend.users_app import PATCH_OP
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
SELF_SERVICE, OBSERVER, HOTLINER, TECHNICIAN, SUPERVISOR = 1, 2, 5, 6, 7
RULES = [
    {"profile": "Technician", "entity": 1, "recursive": False, "when_role": "Admin"},
    {"profile": "Supervisor", "entity": 1, "recursive": True, "when_role": "Boss"},
    {"profile": "Observer", "entity": 1, "recursive": False, "when_group": "GLPI Observers"},
    {"profile": str(TECHNICIAN), "entity": 1, "recursive": False, "when_group": "Tech Team"},
]
ENTRA_ROLE = {"primary": True, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}


def entra_json_role(value: str) -> dict:
    """Entra's PATCH form without aadOptscim062020: the role as a JSON-encoded string."""
    return {
        "value": json.dumps(
            {
                "id": "06b07648-ecfe-589f-9d2f-6325724a46ee",
                "value": value,
                "displayName": f"Role {value}",
            }
        )
    }


@pytest.fixture
def ledger_path(tmp_path):
    return str(tmp_path / "ledger.sqlite")


def rules_bridge(glpi_sim, top: dict, rules: list[dict] = RULES, **tenant) -> UserBridge:
    """A tenant on entity 1 (created when missing) with ``rules``; ``top`` names the ledger,
    ``tenant`` adds tenant settings."""
    from app.simulator.schema import entity_defaults

    if not glpi_sim.sim.tables["Entity"].get(1):
        glpi_sim.sim.insert(
            "Entity",
            {
                **entity_defaults(),
                "id": 1,
                "name": "Tenant",
                "entities_id": 0,
                "completename": "Root entity > Tenant",
                "level": 2,
            },
        )
    return UserBridge(
        glpi_sim, top, entity={"id": 1, "recursive": True}, profile_rules=rules, **tenant
    )


@pytest.fixture
def bridge(glpi_sim, ledger_path):
    return rules_bridge(glpi_sim, {"ledger": {"path": ledger_path}})


def rows(bridge, user_id) -> set[tuple]:
    """(profile, entity, recursive, dynamic) of every Profile_User row of the user."""
    return {
        (r["profiles_id"], r["entities_id"], r["is_recursive"], r["is_dynamic"])
        for r in bridge.sim.rows("Profile_User")
        if r["users_id"] == int(user_id)
    }


def by_hand(bridge, user_id, profile, entity=1, recursive=0, dynamic=0) -> int:
    """A Profile_User row made in GLPI, not through the bridge; its id."""
    return bridge.sim.insert(
        "Profile_User",
        {
            **DEFAULTS["Profile_User"],
            "id": None,
            "users_id": int(user_id),
            "profiles_id": profile,
            "entities_id": entity,
            "is_recursive": recursive,
            "is_dynamic": dynamic,
        },
    )


def default_row(bridge, user_id) -> tuple:
    return next(r for r in rows(bridge, user_id) if r[0] == SELF_SERVICE)


def test_roles_on_create_and_entra_patch_forms(bridge):
    user = bridge.create("role.user", roles=[ENTRA_ROLE])
    base = default_row(bridge, user["id"])
    assert rows(bridge, user["id"]) == {base, (TECHNICIAN, 1, 0, 0)}
    assert user["roles"] == [{"value": "Admin"}]
    assert bridge.get(f"/Users/{user['id']}").json["roles"] == [{"value": "Admin"}]

    added = bridge.patch(
        user["id"], [{"op": "Add", "path": "roles", "value": [entra_json_role("Boss")]}]
    )
    assert added.status_code == 200, added.json
    assert rows(bridge, user["id"]) == {base, (TECHNICIAN, 1, 0, 0), (SUPERVISOR, 1, 1, 0)}
    assert added.json["roles"] == [{"value": "Admin"}, {"value": "Boss"}]

    replaced = bridge.patch(
        user["id"], [{"op": "Replace", "path": "roles", "value": [{"value": "Boss"}]}]
    )
    assert replaced.status_code == 200
    assert rows(bridge, user["id"]) == {base, (SUPERVISOR, 1, 1, 0)}

    cleared = bridge.patch(user["id"], [{"op": "Remove", "path": "roles"}])
    assert cleared.status_code == 200
    assert rows(bridge, user["id"]) == {base}
    assert "roles" not in cleared.json


def test_put_with_roles_syncs_and_put_without_roles_keeps_them(bridge):
    user = bridge.create("put.user")
    base = default_row(bridge, user["id"])
    assert rows(bridge, user["id"]) == {base}
    put = bridge.put(user["id"], {"userName": "put.user", "roles": [{"value": "Boss"}]})
    assert put.status_code == 200
    assert rows(bridge, user["id"]) == {base, (SUPERVISOR, 1, 1, 0)}
    okta_put = bridge.put(user["id"], {"userName": "put.user", "title": "Chief"})
    assert okta_put.status_code == 200
    assert rows(bridge, user["id"]) == {base, (SUPERVISOR, 1, 1, 0)}


def test_rows_made_by_hand_survive(bridge):
    user = bridge.create("hand.user", roles=[{"value": "Admin"}])
    base = default_row(bridge, user["id"])
    by_hand(bridge, user["id"], HOTLINER)
    by_hand(bridge, user["id"], TECHNICIAN, recursive=1)
    by_hand(bridge, user["id"], TECHNICIAN, entity=0)
    by_hand(bridge, user["id"], OBSERVER, dynamic=1)
    before = rows(bridge, user["id"])
    cleared = bridge.patch(user["id"], [{"op": "replace", "path": "roles", "value": []}])
    assert cleared.status_code == 200
    assert rows(bridge, user["id"]) == before - {(TECHNICIAN, 1, 0, 0)}
    assert {
        base,
        (HOTLINER, 1, 0, 0),
        (TECHNICIAN, 1, 1, 0),
        (TECHNICIAN, 0, 0, 0),
        (OBSERVER, 1, 0, 1),
    } <= rows(bridge, user["id"])


def test_rule_group_membership_adds_and_removes_rows(bridge):
    alice = bridge.create("alice.obs")
    bob = bridge.create("bob.obs")
    base_a, base_b = default_row(bridge, alice["id"]), default_row(bridge, bob["id"])
    group = bridge.request(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "GLPI Observers",
            "members": [{"value": alice["id"]}],
        },
    )
    assert group.status_code == 201, group.json
    gid = group.json["id"]
    assert rows(bridge, alice["id"]) == {base_a, (OBSERVER, 1, 0, 0)}
    assert rows(bridge, bob["id"]) == {base_b}

    def patch_group(*operations):
        answer = bridge.request(
            "PATCH", f"/Groups/{gid}", {"schemas": [PATCH_OP], "Operations": list(operations)}
        )
        assert answer.status_code in (200, 204), answer.json

    patch_group(
        {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'},
    )
    assert rows(bridge, alice["id"]) == {base_a}
    assert rows(bridge, bob["id"]) == {base_b, (OBSERVER, 1, 0, 0)}

    patch_group({"op": "replace", "path": "displayName", "value": "Former Observers"})
    assert rows(bridge, bob["id"]) == {base_b}
    patch_group({"op": "replace", "path": "displayName", "value": "glpi observers"})
    assert rows(bridge, bob["id"]) == {base_b, (OBSERVER, 1, 0, 0)}

    put = bridge.request(
        "PUT",
        f"/Groups/{gid}",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "GLPI Observers",
            "members": [{"value": alice["id"]}],
        },
    )
    assert put.status_code == 200
    assert rows(bridge, alice["id"]) == {base_a, (OBSERVER, 1, 0, 0)}
    assert rows(bridge, bob["id"]) == {base_b}

    assert bridge.request("DELETE", f"/Groups/{gid}").status_code == 204
    assert rows(bridge, alice["id"]) == {base_a}


def test_a_role_rule_row_is_kept_when_only_a_group_changes(bridge):
    """Tech Team grants the same target as the Admin role: leaving the group keeps it."""
    user = bridge.create("both.user", roles=[{"value": "Admin"}])
    base = default_row(bridge, user["id"])
    group = bridge.request(
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Tech Team", "members": [{"value": user["id"]}]},
    )
    gid = group.json["id"]
    assert rows(bridge, user["id"]) == {base, (TECHNICIAN, 1, 0, 0)}
    bridge.request(
        "PATCH",
        f"/Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "remove", "path": "members", "value": [{"value": user["id"]}]}],
        },
    )
    assert rows(bridge, user["id"]) == {base, (TECHNICIAN, 1, 0, 0)}
    bridge.patch(user["id"], [{"op": "replace", "path": "roles", "value": []}])
    assert rows(bridge, user["id"]) == {base}


def test_the_default_profile_always_stays(bridge):
    """A user whose default row an administrator deleted keeps only rule rows; when the
    rules take those away, the default profile is put back rather than leave no row."""
    user = bridge.create("only.tech", roles=[{"value": "Admin"}])
    uid = int(user["id"])
    base = default_row(bridge, uid)
    default_id = next(
        r["id"]
        for r in bridge.sim.rows("Profile_User")
        if r["users_id"] == uid and r["profiles_id"] == SELF_SERVICE
    )
    bridge.sim.delete_row("Profile_User", default_id)
    assert rows(bridge, uid) == {(TECHNICIAN, 1, 0, 0)}
    boss = [{"op": "replace", "path": "roles", "value": [{"value": "Boss"}]}]
    answer = bridge.patch(str(uid), boss)
    assert answer.status_code == 200, answer.json
    assert rows(bridge, uid) == {(SUPERVISOR, 1, 1, 0)}
    emptied = bridge.patch(str(uid), [{"op": "replace", "path": "roles", "value": []}])
    assert emptied.status_code == 200
    assert rows(bridge, uid) == {base}
    assert bridge.get(f"/Users/{uid}").status_code == 200


def test_no_rules_no_extra_calls(glpi_sim):
    plain = UserBridge(glpi_sim)
    plain.warm_up()
    user = plain.create("plain.user", roles=[ENTRA_ROLE])
    calls = [c.path for c in glpi_sim.sim.calls]
    assert not any("Profile_User" in p for p in calls)
    assert "roles" not in plain.get(f"/Users/{user['id']}").json


def _user_schema_attributes(bridge) -> dict:
    answer = bridge.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    assert answer.status_code == 200
    return {a["name"]: a for a in answer.json["attributes"]}


def test_discovery_advertises_roles_only_with_role_rules(bridge, glpi_sim):
    roles = _user_schema_attributes(bridge)["roles"]
    assert roles["mutability"] == "readWrite"
    assert [s["name"] for s in roles["subAttributes"]] == ["value"]
    assert "roles" not in _user_schema_attributes(UserBridge(glpi_sim))


def test_a_rule_outside_the_tenants_entities_grants_nothing(glpi_sim, ledger_path):
    from app.simulator.schema import entity_defaults

    for entity_id, name in ((1, "Tenant"), (2, "Other")):
        glpi_sim.sim.insert(
            "Entity",
            {
                **entity_defaults(),
                "id": entity_id,
                "name": name,
                "entities_id": 0,
                "completename": name,
                "level": 2,
            },
        )
    outside = [{"profile": "Technician", "entity": 2, "when_role": "Admin"}]
    bridge = UserBridge(
        glpi_sim,
        {"ledger": {"path": ledger_path}},
        entity={"id": 1, "recursive": True},
        profile_rules=outside,
    )
    user = bridge.create("outside.user", roles=[ENTRA_ROLE])
    assert {r[1] for r in rows(bridge, user["id"])} == {1}
    assert "roles" not in user


def test_mapping_preview_shows_the_rows_role_rules_would_grant(bridge):
    """The status page's preview lists rule-granted rows too, and writes nothing."""
    from app.scim.payload import load_resource

    backend = bridge.app.extensions["tenants"].get("acme").storage
    before = bridge.sim.state_digest()
    resource = load_resource(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "preview.roles",
            "roles": [ENTRA_ROLE],
        },
        "User",
    )
    preview = backend.preview("User", resource)
    granted = preview["Profile_User rows from profile rules"]
    assert [(r["profiles_id"], r["entities_id"], r["is_recursive"]) for r in granted] == [
        (TECHNICIAN, 1, 0)
    ]
    assert preview["Profile_User row (static)"]["profiles_id"] == SELF_SERVICE
    assert bridge.sim.state_digest() == before
