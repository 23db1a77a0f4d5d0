"""The profile-row ledger (issue 6: rules remove "only the rows [the bridge] created" and
"never touch rows it did not create"), over the GLPI simulator in GLPI 10 and 11 modes.

Rows are compared by GLPI row id: a hand-made row can be identical, column for column,
to one a rule made, and it is exactly that case these tests are about.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest
import redis

from app import create_app
from app.config import ConfigError
from app.config import load_config
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import ItemResult
from app.glpi.profiles.ledger import Entries
from app.glpi.profiles.ledger import RedisLedger
from app.glpi.profiles.ledger import SqliteLedger
from app.scim.errors import UnavailableError
from tests.backend.test_profile_rules import by_hand
from tests.backend.test_profile_rules import rules_bridge
from tests.backend.users_app import PATCH_OP
from tests.backend.users_app import UserBridge
from tests.backend.users_app import bridge_config

pytestmark = pytest.mark.glpi_versions("10", "11")

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
SELF_SERVICE, OBSERVER, HOTLINER, TECHNICIAN, SUPERVISOR = 1, 2, 5, 6, 7
TECH = (TECHNICIAN, 1, 0)
OBS = (OBSERVER, 1, 0)
RULES = [
    {"profile": "Technician", "entity": 1, "recursive": False, "when_role": "Admin"},
    {"profile": "Observer", "entity": 1, "recursive": False, "when_group": "GLPI Observers"},
]


@pytest.fixture(params=["sqlite", "redis"])
def ledger_settings(request, tmp_path):
    """Top-level settings naming the ledger: a SQLite file, or Redis (emptied first)."""
    if request.param == "sqlite":
        return {"ledger": {"path": str(tmp_path / "ledger.sqlite")}}
    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return {"redis": {"url": url}}


def make_bridge(glpi_sim, top: dict) -> UserBridge:
    return rules_bridge(glpi_sim, top, RULES)


@pytest.fixture
def bridge(glpi_sim, ledger_settings):
    return make_bridge(glpi_sim, ledger_settings)


def rows_of(bridge, user_id, target) -> list[int]:
    """Ids of the user's static rows with ``target`` (profile, entity, recursive)."""
    return [
        r["id"]
        for r in bridge.sim.rows("Profile_User")
        if r["users_id"] == int(user_id)
        and (r["profiles_id"], r["entities_id"], r["is_recursive"]) == target
        and not r["is_dynamic"]
    ]


def ledger_of(bridge, user_id):
    """What the bridge's own ledger holds for the user (rows and intents)."""
    return (
        bridge.app.extensions["tenants"]
        .get("acme")
        .storage.rules.rules.ledger.read("acme", int(user_id))
    )


def set_roles(bridge, user_id, values) -> None:
    answer = bridge.patch(
        user_id, [{"op": "replace", "path": "roles", "value": [{"value": v} for v in values]}]
    )
    assert answer.status_code == 200, answer.json


def patch_group(bridge, group_id, *operations) -> None:
    answer = bridge.request(
        "PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_OP], "Operations": list(operations)}
    )
    assert answer.status_code in (200, 204), answer.json


# -- rows made by hand, identical to a rule's target ---------------------------------------


def test_a_hand_made_row_held_before_the_role_survives_its_removal(bridge):
    user = bridge.create("before.hand")
    hand = by_hand(bridge, user["id"], *TECH)
    set_roles(bridge, user["id"], ["Admin"])
    assert rows_of(bridge, user["id"], TECH) == [hand]  # already held: nothing added
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == [hand]
    # docs/profile-rules.md: the hand-given target still reads back as its role
    assert bridge.get(f"/Users/{user['id']}").json["roles"] == [{"value": "Admin"}]


def test_a_hand_made_row_added_next_to_the_rules_row_survives(bridge):
    user = bridge.create("next.to", roles=[{"value": "Admin"}])
    [made] = rows_of(bridge, user["id"], TECH)
    hand = by_hand(bridge, user["id"], *TECH)
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == [hand]
    assert made not in {r["id"] for r in bridge.sim.rows("Profile_User")}


def observers_with(bridge, user_id) -> str:
    """Create the rule group "GLPI Observers" with the user as its one member."""
    group = bridge.request(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "GLPI Observers",
            "members": [{"value": user_id}],
        },
    )
    assert group.status_code == 201, group.json
    return group.json["id"]


def leave(bridge, group_id, user_id) -> None:
    patch_group(
        bridge, group_id, {"op": "remove", "path": "members", "value": [{"value": user_id}]}
    )


def test_a_hand_made_row_identical_to_a_group_rules_target_survives(bridge):
    user = bridge.create("group.hand")
    hand = by_hand(bridge, user["id"], *OBS)
    group_id = observers_with(bridge, user["id"])
    assert rows_of(bridge, user["id"], OBS) == [hand]
    leave(bridge, group_id, user["id"])
    assert rows_of(bridge, user["id"], OBS) == [hand]


def test_the_rules_own_row_still_goes_when_the_rule_stops(bridge):
    """The ledger does not make the rules timid: their own rows are withdrawn."""
    user = bridge.create("own.row")
    group_id = observers_with(bridge, user["id"])
    [made] = rows_of(bridge, user["id"], OBS)
    assert ledger_of(bridge, user["id"]).rows == {made: (OBSERVER, 1, False)}
    leave(bridge, group_id, user["id"])
    assert rows_of(bridge, user["id"], OBS) == []
    assert ledger_of(bridge, user["id"]).rows == {}


def test_a_rule_row_deleted_by_hand_is_forgotten_and_granted_again(bridge):
    user = bridge.create("deleted.hand", roles=[{"value": "Admin"}])
    [made] = rows_of(bridge, user["id"], TECH)
    bridge.sim.delete_row("Profile_User", made)
    set_roles(bridge, user["id"], ["Admin"])
    [again] = rows_of(bridge, user["id"], TECH)
    assert again != made
    assert ledger_of(bridge, user["id"]).rows == {again: (TECHNICIAN, 1, False)}
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []


def test_a_rule_row_edited_by_hand_becomes_the_administrators(bridge):
    """An administrator who changes a rule's row (here its entity) has made it theirs: the
    next sync forgets it, grants the target again, and later removes only the new row."""
    user = bridge.create("edited.hand", roles=[{"value": "Admin"}])
    [made] = rows_of(bridge, user["id"], TECH)
    bridge.sim.tables["Profile_User"][made]["entities_id"] = 0
    set_roles(bridge, user["id"], ["Admin"])  # no longer reads back: a change, so a sync
    [again] = rows_of(bridge, user["id"], TECH)
    assert ledger_of(bridge, user["id"]).rows == {again: (TECHNICIAN, 1, False)}
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []
    assert made in {r["id"] for r in bridge.sim.rows("Profile_User")}


# -- several replicas, one ledger -----------------------------------------------------------


def test_a_row_granted_through_one_replica_is_withdrawn_through_another(glpi_sim, ledger_settings):
    first = make_bridge(glpi_sim, ledger_settings)
    second = make_bridge(glpi_sim, ledger_settings)
    user = first.create("two.replicas", roles=[{"value": "Admin"}])
    hand = by_hand(first, user["id"], *TECH)
    set_roles(second, user["id"], [])
    assert rows_of(second, user["id"], TECH) == [hand]


def test_tenants_do_not_share_ownership(glpi_sim, tmp_path):
    """Two tenants on the same GLPI entity, rules and ledger: "other" never removes the row
    "acme"'s rules made, and "acme" still does."""
    top = {"ledger": {"path": str(tmp_path / "ledger.sqlite")}}
    acme = make_bridge(glpi_sim, top)
    config = bridge_config(glpi_sim, top, entity={"id": 1, "recursive": True}, profile_rules=RULES)
    config["tenants"].append(
        {**config["tenants"][0], "name": "other", "tokens": ["other-tenant-token-000001"]}
    )
    other = create_app(config).test_client()
    user = acme.create("shared.user", roles=[{"value": "Admin"}])
    [made] = rows_of(acme, user["id"], TECH)
    answer = other.patch(
        f"/scim/v2/Users/{user['id']}",
        json={
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "roles", "value": []}],
        },
        headers={"Authorization": "Bearer other-tenant-token-000001"},
    )
    assert answer.status_code == 200, answer.json
    assert rows_of(acme, user["id"], TECH) == [made]
    set_roles(acme, user["id"], [])
    assert rows_of(acme, user["id"], TECH) == []


@pytest.mark.parametrize(("policy", "kept"), [("purge", False), ("trash", True)])
def test_a_purged_user_leaves_nothing_in_the_ledger(glpi_sim, tmp_path, policy, kept):
    path = str(tmp_path / "ledger.sqlite")
    bridge = rules_bridge(glpi_sim, {"ledger": {"path": path}}, RULES, deprovisioning=policy)
    user = bridge.create(f"gone.{policy}", roles=[{"value": "Admin"}])
    [made] = rows_of(bridge, user["id"], TECH)
    assert bridge.delete(user["id"]).status_code == 204
    rows = SqliteLedger(path).read("acme", int(user["id"])).rows
    assert rows == ({made: (TECHNICIAN, 1, False)} if kept else {})


def test_a_purge_is_answered_even_when_the_ledger_cannot_forget(glpi_sim, tmp_path, monkeypatch):
    path = str(tmp_path / "ledger.sqlite")
    bridge = rules_bridge(glpi_sim, {"ledger": {"path": path}}, RULES, deprovisioning="purge")
    user = bridge.create("purged.anyway", roles=[{"value": "Admin"}])

    def broken(*_args, **_kwargs):
        raise UnavailableError("The bridge's profile-row ledger is unavailable.")

    monkeypatch.setattr(SqliteLedger, "drop", broken)
    assert bridge.delete(user["id"]).status_code == 204
    assert bridge.get(f"/Users/{user['id']}").status_code == 404


# -- failures -------------------------------------------------------------------------------


def add_admin(bridge, user_id):
    return bridge.patch(user_id, [{"op": "add", "path": "roles", "value": [{"value": "Admin"}]}])


def test_a_ledger_that_cannot_record_fails_the_request_and_the_retry_claims_the_row(
    glpi_sim, tmp_path, monkeypatch, caplog
):
    bridge = make_bridge(glpi_sim, {"ledger": {"path": str(tmp_path / "ledger.sqlite")}})
    user = bridge.create("no.ledger")

    def broken(*_args, **_kwargs):
        raise UnavailableError("The bridge's profile-row ledger is unavailable.")

    with monkeypatch.context() as patched, caplog.at_level(logging.ERROR):
        patched.setattr(SqliteLedger, "record", broken)
        assert add_admin(bridge, user["id"]).status_code == 503
    [made] = rows_of(bridge, user["id"], TECH)
    assert f"[{made}]" in caplog.text
    # the IdP retries: the intent written ahead finds the row, which is the rules' again
    assert add_admin(bridge, user["id"]).status_code == 200
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []


def test_a_ledger_that_cannot_be_written_ahead_changes_nothing(glpi_sim, tmp_path, monkeypatch):
    bridge = make_bridge(glpi_sim, {"ledger": {"path": str(tmp_path / "ledger.sqlite")}})
    user = bridge.create("no.intent")
    before = bridge.sim.state_digest()

    def broken(*_args, **_kwargs):
        raise UnavailableError("The bridge's profile-row ledger is unavailable.")

    monkeypatch.setattr(SqliteLedger, "intend", broken)
    answer = add_admin(bridge, user["id"])
    assert answer.status_code == 503
    assert bridge.sim.state_digest() == before


@pytest.mark.parametrize("when", ["after", "before"])
def test_a_lost_glpi_answer_is_settled_by_a_later_sync(bridge, when):
    """ "after": GLPI created the row but the answer was lost; "before": it did not.

    The IdP's retry leaves one row of the target. "before": the retry's sync made it and
    recorded it. "after": the row already reads back as the role, so the retry changes no
    role and does not sync; the next sync claims the row from the intent. Either way the
    row goes with the role, and no intent is left to take a later hand-made row."""
    user = bridge.create(f"lost.{when}")
    bridge.sim.fail_next("POST", "/Profile_User", status=503, when=when)
    assert add_admin(bridge, user["id"]).status_code == 503
    assert len(rows_of(bridge, user["id"], TECH)) == (1 if when == "after" else 0)
    assert set(ledger_of(bridge, user["id"]).intents) == {(TECHNICIAN, 1, False)}
    retried = add_admin(bridge, user["id"])
    assert retried.status_code == 200
    assert retried.json["roles"] == [{"value": "Admin"}]
    [made] = rows_of(bridge, user["id"], TECH)
    if when == "before":
        assert ledger_of(bridge, user["id"]) == Entries({made: (TECHNICIAN, 1, False)}, {})
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []
    assert ledger_of(bridge, user["id"]) == Entries()
    hand = by_hand(bridge, user["id"], *TECH)
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == [hand]


def test_after_a_lost_answer_the_rules_row_is_the_older_one(bridge):
    """The lost write landed, then an administrator gave the same profile by hand: the
    retry claims the lower id (the bridge's, made first), so the hand-made row survives."""
    user = bridge.create("lost.then.hand")
    bridge.sim.fail_next("POST", "/Profile_User", status=503, when="after")
    assert add_admin(bridge, user["id"]).status_code == 503
    [made] = rows_of(bridge, user["id"], TECH)
    hand = by_hand(bridge, user["id"], *TECH)
    set_roles(bridge, user["id"], [])  # the next sync claims from the intent, then withdraws
    assert rows_of(bridge, user["id"], TECH) == [hand]
    assert made not in {r["id"] for r in bridge.sim.rows("Profile_User")}


def test_an_older_row_edited_into_the_target_is_not_claimed(bridge):
    """The lost write never landed, and an administrator turned an older hand-made row into
    the target: below the watermark, it is the administrator's and survives the rule."""
    user = bridge.create("lost.edited")
    older = by_hand(bridge, user["id"], HOTLINER, 1, 0)
    bridge.sim.fail_next("POST", "/Profile_User", status=503, when="before")
    assert add_admin(bridge, user["id"]).status_code == 503
    bridge.sim.tables["Profile_User"][older]["profiles_id"] = TECHNICIAN
    assert add_admin(bridge, user["id"]).status_code == 200  # reads back: no sync
    set_roles(bridge, user["id"], [])  # this sync settles the intent, claiming nothing
    assert rows_of(bridge, user["id"], TECH) == [older]
    assert ledger_of(bridge, user["id"]) == Entries()


def test_a_partly_refused_add_records_what_landed(glpi_sim, tmp_path, monkeypatch):
    """GLPI's 207: the rows it made are recorded, the refused ones leave no intent, and the
    retry grants the rest."""
    rules = [*RULES, {"profile": "Supervisor", "entity": 1, "recursive": True, "when_role": "Boss"}]
    bridge = rules_bridge(glpi_sim, {"ledger": {"path": str(tmp_path / "l.sqlite")}}, rules)
    user = bridge.create("partly")
    client = bridge.app.extensions["tenants"].get("acme").storage.client
    real_add = client.add

    def first_only(itemtype, inputs):
        [made] = real_add(itemtype, inputs[:1])
        refused = ItemResult(ok=False, id=None, message="refused")
        raise GlpiPartialError("partial", results=[made, refused], status=207)

    monkeypatch.setattr(client, "add", first_only)
    both = [{"value": "Admin"}, {"value": "Boss"}]
    answer = bridge.patch(user["id"], [{"op": "add", "path": "roles", "value": both}])
    assert answer.status_code >= 500
    [made] = rows_of(bridge, user["id"], TECH)  # targets are sent sorted: Technician first
    assert ledger_of(bridge, user["id"]) == Entries({made: (TECHNICIAN, 1, False)}, {})
    monkeypatch.undo()
    assert (
        bridge.patch(user["id"], [{"op": "add", "path": "roles", "value": both}]).status_code == 200
    )
    assert len(rows_of(bridge, user["id"], (SUPERVISOR, 1, 1))) == 1
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []
    assert rows_of(bridge, user["id"], (SUPERVISOR, 1, 1)) == []


def test_two_syncs_of_one_user_at_once_leave_one_row_the_rules_own(bridge):
    """The second sync waits for the first: without the user lock it read the rows before
    the first one's POST and the ledger after it, took that row for gone and added another,
    which no rule would ever remove."""
    user = bridge.create("two.at.once")
    # the first PATCH's second Profile_User read is the sync's: answer it 1 s late
    bridge.sim.fail_next("GET", "/Profile_User", status=None, when="after", delay_ms=1000, skip=1)
    answers = {}
    first = threading.Thread(
        target=lambda: answers.setdefault("first", add_admin(bridge, user["id"]))
    )
    first.start()
    time.sleep(0.4)
    answers["second"] = add_admin(bridge, user["id"])
    first.join(10)
    assert {a.status_code for a in answers.values()} == {200}
    [made] = rows_of(bridge, user["id"], TECH)
    assert ledger_of(bridge, user["id"]).rows == {made: (TECHNICIAN, 1, False)}
    set_roles(bridge, user["id"], [])
    assert rows_of(bridge, user["id"], TECH) == []


def test_a_refused_add_leaves_no_intent(bridge):
    user = bridge.create("refused.add")
    bridge.sim.fail_next("POST", "/Profile_User", status=400, when="before")
    assert add_admin(bridge, user["id"]).status_code >= 500
    assert ledger_of(bridge, user["id"]).intents == {}


def test_a_tenant_whose_ledger_cannot_be_written_is_not_ready(glpi_sim, tmp_path, monkeypatch):
    bridge = make_bridge(glpi_sim, {"ledger": {"path": str(tmp_path / "ledger.sqlite")}})
    assert bridge.client.get("/readyz").status_code == 200

    def broken(*_args, **_kwargs):
        raise UnavailableError("The bridge's profile-row ledger is unavailable.")

    monkeypatch.setattr(SqliteLedger, "intend", broken)  # reads work, writes do not
    bridge.app.extensions["readiness"].cache_seconds = 0
    answer = bridge.client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["tenants"]["acme"] == {"status": "fail", "reason": "UnavailableError"}


def test_an_unusable_ledger_path_does_not_stop_the_bridge(glpi_sim, tmp_path):
    """The service starts; reads work; a rule sync answers 503; /readyz names the tenant."""
    bridge = make_bridge(glpi_sim, {"ledger": {"path": str(tmp_path)}})  # a folder
    user = bridge.create("ledgerless")  # no roles, no group: nothing to sync
    assert bridge.get(f"/Users/{user['id']}").status_code == 200
    assert add_admin(bridge, user["id"]).status_code == 503
    assert rows_of(bridge, user["id"], TECH) == []
    answer = bridge.client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["tenants"]["acme"]["reason"] == "UnavailableError"


def test_an_unreachable_redis_ledger_is_a_503():
    ledger = RedisLedger(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    for call in (
        lambda: ledger.read("t", 1),
        lambda: ledger.intend("t", 1, [TECH], 0),
        lambda: ledger.record("t", 1, {5: TECH}),
        lambda: ledger.settle("t", 1, [TECH]),
        lambda: ledger.forget("t", 1, [5]),
        ledger.ping,
    ):
        with pytest.raises(UnavailableError):
            call()


# -- the stores and the configuration ------------------------------------------------------


@pytest.fixture(params=["sqlite", "redis"])
def ledger(request, tmp_path):
    """Each store, empty: a SQLite file in a folder yet to be made, or the test Redis."""
    if request.param == "sqlite":
        return SqliteLedger(tmp_path / "deep" / "ledger.sqlite")
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    client.flushdb()
    return RedisLedger(client)


def test_both_stores_keep_rows_by_tenant_and_user(ledger):
    ledger.ping()
    ledger.record("a", 7, {10: (6, 1, False), 11: (2, 3, True)})
    ledger.record("b", 7, {12: (6, 1, False)})
    ledger.record("a", 8, {13: (6, 1, False)})
    assert ledger.read("a", 7).rows == {10: (6, 1, False), 11: (2, 3, True)}
    ledger.forget("a", 7, [10, 99])
    assert ledger.read("a", 7).rows == {11: (2, 3, True)}
    assert ledger.read("b", 7).rows == {12: (6, 1, False)}
    assert ledger.read("a", 8).rows == {13: (6, 1, False)}
    assert ledger.read("a", 9) == Entries()


def test_a_ping_writes_and_leaves_nothing(ledger, monkeypatch):
    failures: list[Exception] = []

    def ping():
        try:
            ledger.ping()
        except UnavailableError as exc:
            failures.append(exc)

    pings = [threading.Thread(target=ping) for _ in range(8)]
    for thread in pings:
        thread.start()
    for thread in pings:
        thread.join(10)
    assert failures == []  # concurrent pings (workers, replicas) never see each other's probe
    if isinstance(ledger, SqliteLedger):
        left = ledger._conn().execute("SELECT COUNT(*) FROM profile_row_intents").fetchone()[0]
    else:
        left = len(ledger.redis.keys("glpiscim:ledger:*"))
    assert left == 0

    def broken(*_args, **_kwargs):
        raise UnavailableError("read-only")

    monkeypatch.setattr(type(ledger), "intend", broken)
    with pytest.raises(UnavailableError):
        ledger.ping()


def test_both_stores_settle_intents_by_recording_or_dropping_them(ledger):
    ledger.intend("a", 7, [(6, 1, False), (2, 3, True)], 40)
    ledger.intend("b", 7, [(6, 1, False)], 41)
    assert ledger.read("a", 7).intents == {(6, 1, False): 40, (2, 3, True): 40}
    ledger.record("a", 7, {45: (6, 1, False)})
    assert ledger.read("a", 7) == Entries({45: (6, 1, False)}, {(2, 3, True): 40})
    ledger.settle("a", 7, [(2, 3, True)])
    assert ledger.read("a", 7).intents == {}
    assert ledger.read("b", 7).intents == {(6, 1, False): 41}
    ledger.intend("a", 7, [(2, 3, True)], 50)
    ledger.drop("a", 7)
    assert ledger.read("a", 7) == Entries()
    assert ledger.read("b", 7).intents == {(6, 1, False): 41}


HOLDER = """
import sys, time
from pathlib import Path
from app.glpi.profiles.ledger import SqliteLedger
log = Path(sys.argv[2])
with SqliteLedger(sys.argv[1]).hold("acme", 7):
    log.write_text("first in\\n")
    time.sleep(0.5)
    log.write_text("first in\\nfirst out\\n")
"""


def test_the_sqlite_user_lock_spans_processes(tmp_path):
    """Another worker process holds the user's lock: this one waits for its release."""
    path, log = tmp_path / "ledger.sqlite", tmp_path / "order.txt"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(log)])
    try:
        deadline = time.monotonic() + 20
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        with SqliteLedger(path).hold("acme", 7):
            order = log.read_text().split()
        with SqliteLedger(path).hold("acme", 8):  # another user: not blocked by anything
            pass
    finally:
        holder.wait(20)
    assert order == ["first", "in", "first", "out"]


def test_the_redis_user_lock_spans_clients(redis_url):
    """Two replicas (two Redis clients): the second waits for the first's release."""
    first = RedisLedger(redis.Redis.from_url(redis_url))
    second = RedisLedger(redis.Redis.from_url(redis_url))
    order: list[str] = []
    entered = threading.Event()

    def hold_first():
        with first.hold("acme", 7):
            order.append("first in")
            entered.set()
            time.sleep(0.5)
            order.append("first out")

    thread = threading.Thread(target=hold_first)
    thread.start()
    assert entered.wait(10)
    with second.hold("acme", 7):
        order.append("second in")
    thread.join(10)
    assert order == ["first in", "first out", "second in"]


def _ruled_tenant(**extra):
    return {
        "name": "ruled",
        "tokens": ["a-long-enough-token-0001"],
        "glpi": {"url": "http://glpi.example/apirest.php", "user_token": "u" * 40},
        "profile_rules": RULES,
        **extra,
    }


def test_profile_rules_need_a_ledger():
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [_ruled_tenant()]})
    assert "ledger.path" in info.value.errors
    assert "ruled" in info.value.errors["ledger.path"][0]
    for top in ({"ledger": {"path": "/var/lib/x/ledger.sqlite"}}, {"redis": {"url": "redis://r"}}):
        load_config(environ={}, overrides={**top, "tenants": [_ruled_tenant()]})
    load_config(environ={}, overrides={"tenants": [_ruled_tenant(profile_rules=[])]})
