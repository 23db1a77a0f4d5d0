"""One SCIM operation, one GLPI write failing: the answer is honest and a retry converges.

For every operation that makes several GLPI writes, the fault hits one write
(the second where there is one): ``before`` its work (the write does not
land), ``after`` it (it landed, GLPI's answer is lost) or ``late`` (it
landed, the answer comes after the bridge's read timeout). The bridge must
not answer 2xx, must answer a SCIM Error (never 500), and the IdP's retry,
done the way Entra does it, must reach exactly the intended state. Which
operations converge by retry and which are compensated is documented in
``docs/resilience.md``; these tests are its proof.
"""

from __future__ import annotations

import pytest

from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import SHORT_TIMEOUTS
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import Glpi
from tests.stress.helpers import StressBridge
from tests.stress.helpers import check_answer

pytestmark = pytest.mark.glpi_versions("10", "11")

WHEN = {
    "before": {"status": 503, "when": "before"},
    "after": {"status": 503, "when": "after"},
    "after500": {"status": 500, "when": "after"},
    "late": {"status": None, "when": "after", "delay_ms": 700},
}


@pytest.fixture
def bridge(glpi_sim, request):
    """No retry by the bridge itself; short timeouts only where a late answer is the fault."""
    late = request.node.callspec.params.get("when") == "late"
    return StressBridge(
        glpi_sim, glpi={"retries": 0, **({"timeouts": SHORT_TIMEOUTS} if late else {})}
    )


def _failed(answer) -> None:
    """The faulty attempt: an honest SCIM Error telling the IdP to retry."""
    check_answer(answer)
    assert answer.status_code == 503, answer.get_json()
    assert answer.headers.get("Retry-After"), answer.headers


def _user_body(login: str, **extra) -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": login,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": login, "type": "work", "primary": True}],
        **extra,
    }


def _patch(bridge: StressBridge, path: str, operations: list[dict]):
    return bridge.request("PATCH", path, bridge.patch_body(operations))


def _lookup(bridge: StressBridge, resource: str, attribute: str, value: str) -> list[dict]:
    answer = bridge.request(
        "GET", f"/{resource}", query_string={"filter": f'{attribute} eq "{value}"'}
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["Resources"]


# -- POST /Users: one GLPI write (POST /User with e-mails and profile) ---------------------


@pytest.mark.parametrize("when", ["after", "late"])
def test_a_create_that_landed_is_found_by_the_retry_lookup_and_refused_by_a_blind_retry(
    bridge, when
) -> None:
    glpi = Glpi(bridge.sim)
    bridge.sim.fail_next("POST", "/User/", **WHEN[when])
    _failed(bridge.request("POST", "/Users", _user_body("ada@example.org")))
    [row] = glpi.users_named("ada@example.org")
    # Entra's retry looks the userName up first and links the user it finds...
    [found] = _lookup(bridge, "Users", "userName", "ada@example.org")
    assert found["id"] == str(row["id"])
    # ... and a client that POSTs again gets 409, which Entra resolves by the same look-up.
    again = bridge.request("POST", "/Users", _user_body("ada@example.org"))
    check_answer(again)
    assert again.status_code == 409 and again.get_json()["scimType"] == "uniqueness"
    assert len(glpi.users_named("ada@example.org")) == 1
    assert glpi.emails(row["id"]) == ["ada@example.org"]


def test_a_create_that_did_not_land_is_made_by_the_retry(bridge) -> None:
    glpi = Glpi(bridge.sim)
    bridge.sim.fail_next("POST", "/User/", **WHEN["before"])
    _failed(bridge.request("POST", "/Users", _user_body("bob@example.org")))
    assert glpi.users_named("bob@example.org") == []
    assert _lookup(bridge, "Users", "userName", "bob@example.org") == []
    created = bridge.request("POST", "/Users", _user_body("bob@example.org"))
    assert created.status_code == 201
    assert len(glpi.users_named("bob@example.org")) == 1


# -- PATCH /Users: PUT /User, then the e-mail rows ------------------------------------------


def _user(bridge: StressBridge, login: str, **extra) -> str:
    answer = bridge.request("POST", "/Users", _user_body(login, **extra))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


ENTRA_UPDATE = [
    {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
    {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "augusta@example.org"},
]


@pytest.mark.parametrize(
    ("method", "path", "when"),
    [
        ("PUT", "/User/", "before"),
        ("PUT", "/User/", "after"),
        ("PUT", "/User/", "late"),
        ("GET", "/UserEmail", "before"),
        ("DELETE", "/UserEmail", "before"),
        ("DELETE", "/UserEmail", "after"),
        ("POST", "/UserEmail", "before"),
        ("POST", "/UserEmail", "after"),
        ("POST", "/UserEmail", "late"),
    ],
)
def test_a_user_update_failing_on_any_write_converges_on_retry(bridge, method, path, when) -> None:
    glpi = Glpi(bridge.sim)
    user_id = _user(bridge, "ada@example.org")
    bridge.sim.fail_next(method, path, **WHEN[when])
    _failed(_patch(bridge, f"/Users/{user_id}", ENTRA_UPDATE))
    retried = _patch(bridge, f"/Users/{user_id}", ENTRA_UPDATE)
    assert retried.status_code in (200, 204), retried.get_json()
    assert glpi.user(user_id)["firstname"] == "Augusta"
    assert glpi.emails(user_id) == ["augusta@example.org"]
    got = bridge.request("GET", f"/Users/{user_id}").get_json()
    assert got["emails"] == [{"value": "augusta@example.org", "type": "work", "primary": True}]


@pytest.mark.parametrize("when", ["after", "late"])
def test_a_new_title_created_before_a_failure_is_reused_by_the_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    user_id = _user(bridge, "ada@example.org")
    bridge.sim.fail_next("POST", "/UserTitle", **WHEN[when])
    update = [{"op": "Replace", "path": "title", "value": "Countess"}]
    _failed(_patch(bridge, f"/Users/{user_id}", update))
    assert _patch(bridge, f"/Users/{user_id}", update).status_code in (200, 204)
    titles = [t for t in bridge.sim.rows("UserTitle") if t["name"] == "Countess"]
    assert len(titles) == 1
    assert glpi.user(user_id)["usertitles_id"] == titles[0]["id"]


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_okta_put_failing_on_the_email_write_converges_on_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    user_id = _user(bridge, "ada@example.org")
    body = _user_body("ada@example.org", emails=[{"value": "ada@new.example", "primary": True}])
    body["name"] = {"givenName": "Ada", "familyName": "King"}
    bridge.sim.fail_next("POST", "/UserEmail", **WHEN[when])
    _failed(bridge.request("PUT", f"/Users/{user_id}", body))
    assert bridge.request("PUT", f"/Users/{user_id}", body).status_code == 200
    assert glpi.user(user_id)["realname"] == "King"
    assert glpi.emails(user_id) == ["ada@new.example"]


@pytest.mark.parametrize("when", ["after", "after500", "late"])
def test_a_user_delete_that_landed_answers_404_to_the_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    user_id = _user(bridge, "ada@example.org")
    bridge.sim.fail_next("DELETE", "/User/", **WHEN[when])
    _failed(bridge.request("DELETE", f"/Users/{user_id}"))
    assert glpi.user(user_id)["is_deleted"] == 1
    retried = bridge.request("DELETE", f"/Users/{user_id}")
    check_answer(retried)
    assert retried.status_code == 404
    assert len(glpi.users_named("ada@example.org")) == 1


# -- Groups --------------------------------------------------------------------------------


def _members(bridge: StressBridge, count: int) -> list[str]:
    return [_user(bridge, f"member{i}@example.org") for i in range(count)]


@pytest.mark.parametrize("when", ["before", "after", "late"])
def test_a_group_created_with_members_failing_on_the_members_converges_by_lookup_and_patch(
    bridge, when
) -> None:
    """Not compensated: the group stays, empty; the retry's 409 and look-up find it, and
    the PATCH that follows (Entra adds members by PATCH) writes the members."""
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 3)
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "Engineers",
        "members": [{"value": i} for i in ids],
    }
    bridge.sim.fail_next("POST", "/Group_User", **WHEN[when])
    _failed(bridge.request("POST", "/Groups", body))
    [group] = glpi.groups_named("Engineers")
    again = bridge.request("POST", "/Groups", body)
    check_answer(again)
    assert again.status_code == 409
    [found] = _lookup(bridge, "Groups", "displayName", "Engineers")
    assert found["id"] == str(group["id"])
    add = [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}]
    assert _patch(bridge, f"/Groups/{group['id']}", add).status_code in (200, 204)
    assert glpi.members(group["id"]) == sorted(int(i) for i in ids)
    assert len(glpi.groups_named("Engineers")) == 1


@pytest.mark.parametrize("when", ["after", "late"])
def test_a_group_create_that_landed_answers_409_to_the_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Finance", "members": []}
    bridge.sim.fail_next("POST", "/Group/", **WHEN[when])
    _failed(bridge.request("POST", "/Groups", body))
    assert bridge.request("POST", "/Groups", body).status_code == 409
    assert len(glpi.groups_named("Finance")) == 1


def _group(bridge: StressBridge, name: str) -> str:
    answer = bridge.request("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


@pytest.mark.parametrize(
    ("method", "path", "when"),
    [
        ("GET", "/search/User", "before"),
        ("POST", "/Group_User", "before"),
        ("POST", "/Group_User", "after"),
        ("POST", "/Group_User", "late"),
    ],
)
def test_a_member_add_failing_converges_on_retry_without_duplicate_rows(
    bridge, method, path, when
) -> None:
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 4)
    group_id = _group(bridge, "Ops")
    add = [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}]
    bridge.sim.fail_next(method, path, **WHEN[when])
    _failed(_patch(bridge, f"/Groups/{group_id}", add))
    assert _patch(bridge, f"/Groups/{group_id}", add).status_code in (200, 204)
    assert glpi.members(group_id) == sorted(int(i) for i in ids)


@pytest.mark.parametrize(
    ("method", "path", "when"),
    [
        ("GET", "/Group_User", "before"),
        ("DELETE", "/Group_User", "before"),
        ("DELETE", "/Group_User", "after"),
        ("DELETE", "/Group_User", "late"),
    ],
)
def test_a_member_remove_failing_converges_on_retry(bridge, method, path, when) -> None:
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 3)
    group_id = _group(bridge, "Ops")
    add = [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}]
    assert _patch(bridge, f"/Groups/{group_id}", add).status_code in (200, 204)
    remove = [{"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}]
    bridge.sim.fail_next(method, path, **WHEN[when])
    _failed(_patch(bridge, f"/Groups/{group_id}", remove))
    assert _patch(bridge, f"/Groups/{group_id}", remove).status_code in (200, 204)
    assert glpi.members(group_id) == sorted(int(i) for i in ids[1:])


@pytest.mark.parametrize(("method", "path"), [("PUT", "/Group/"), ("POST", "/Group_User")])
def test_a_rename_with_members_failing_midway_converges_on_retry(bridge, method, path) -> None:
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 2)
    group_id = _group(bridge, "Old name")
    change = [
        {"op": "Replace", "path": "displayName", "value": "New name"},
        {"op": "Add", "path": "members", "value": [{"value": i} for i in ids]},
    ]
    bridge.sim.fail_next(method, path, **WHEN["before"])
    _failed(_patch(bridge, f"/Groups/{group_id}", change))
    assert _patch(bridge, f"/Groups/{group_id}", change).status_code in (200, 204)
    assert glpi.group(group_id)["name"] == "New name"
    assert glpi.members(group_id) == sorted(int(i) for i in ids)
    assert glpi.groups_named("Old name") == []


@pytest.mark.parametrize("when", ["after", "late"])
def test_a_group_delete_that_landed_answers_404_to_the_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 2)
    group_id = _group(bridge, "Gone")
    add = [{"op": "Add", "path": "members", "value": [{"value": i} for i in ids]}]
    assert _patch(bridge, f"/Groups/{group_id}", add).status_code in (200, 204)
    bridge.sim.fail_next("DELETE", "/Group/", **WHEN[when])
    _failed(bridge.request("DELETE", f"/Groups/{group_id}"))
    assert glpi.group(group_id) is None and glpi.members(group_id) == []
    retried = bridge.request("DELETE", f"/Groups/{group_id}")
    check_answer(retried)
    assert retried.status_code == 404


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_group_put_failing_on_the_members_converges_on_retry(bridge, when) -> None:
    glpi = Glpi(bridge.sim)
    ids = _members(bridge, 3)
    group_id = _group(bridge, "Before")
    body = {"schemas": [GROUP_SCHEMA], "displayName": "After", "members": [{"value": ids[0]}]}
    bridge.sim.fail_next("POST", "/Group_User", **WHEN[when])
    _failed(bridge.request("PUT", f"/Groups/{group_id}", body))
    body["members"] = [{"value": i} for i in ids[:2]]
    assert bridge.request("PUT", f"/Groups/{group_id}", body).status_code == 200
    assert glpi.group(group_id)["name"] == "After"
    assert glpi.members(group_id) == sorted(int(i) for i in ids[:2])


def test_a_user_create_failing_after_its_new_title_reuses_the_title_on_retry(bridge) -> None:
    glpi = Glpi(bridge.sim)
    bridge.sim.fail_next("POST", "/User/", **WHEN["before"])
    body = _user_body("ada@example.org", title="Analyst")
    _failed(bridge.request("POST", "/Users", body))
    assert [t["name"] for t in bridge.sim.rows("UserTitle")] == ["Analyst"]
    assert glpi.users_named("ada@example.org") == []
    assert bridge.request("POST", "/Users", body).status_code == 201
    [title] = bridge.sim.rows("UserTitle")
    assert glpi.users_named("ada@example.org")[0]["usertitles_id"] == title["id"]


RULES = [{"profile": "Observer", "entity": 0, "recursive": False, "when_group": "GLPI Observers"}]


def _observer(bridge: StressBridge, user_id: str) -> bool:
    return any(
        (p["users_id"], p["profiles_id"], p["entities_id"], p["is_recursive"])
        == (int(user_id), 2, 0, 0)
        for p in bridge.sim.rows("Profile_User")
    )


@pytest.mark.parametrize(
    ("op", "fault"),
    [("add", ("POST", "/Profile_User")), ("remove", ("DELETE", "/Profile_User"))],
)
def test_a_rule_group_patch_failing_on_the_profile_rows_converges_on_retry(
    glpi_sim, op, fault, tmp_path
) -> None:
    """Profile rules (docs/profile-rules.md): the retry finds the membership already written
    and must still grant or withdraw the rule's profile."""
    bridge = StressBridge(
        glpi_sim,
        glpi={"retries": 0},
        profile_rules=RULES,
        top={"ledger": {"path": str(tmp_path / "ledger.sqlite")}},
    )
    user_id = _user(bridge, "ada@example.org")
    group_id = _group(bridge, "GLPI Observers")
    change = [{"op": "add", "path": "members", "value": [{"value": user_id}]}]
    if op == "remove":
        assert _patch(bridge, f"/Groups/{group_id}", change).status_code in (200, 204)
        assert _observer(bridge, user_id)
        change = [{"op": "remove", "path": "members", "value": [{"value": user_id}]}]
    bridge.sim.fail_next(*fault, **WHEN["before"])
    _failed(_patch(bridge, f"/Groups/{group_id}", change))
    assert _patch(bridge, f"/Groups/{group_id}", change).status_code in (200, 204)
    assert _observer(bridge, user_id) is (op == "add")
    assert Glpi(bridge.sim).members(group_id) == ([int(user_id)] if op == "add" else [])
