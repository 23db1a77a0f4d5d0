"""An entity created in GLPI after the bridge logged in, on real GLPI 10.0.12 and 11.0.6 (issue 13).

GLPI freezes a session's active entities at login and decides "can view all entities" by
counting them (``Session::canViewAllEntities()``), and ``User::canDeleteItem()`` (also
``canPurgeItem``) is ``canViewAllEntities() || haveAccessToAllOfEntities($this->getEntities())``.
A user the bridge created has its profile row recursive on the tenant's entity (the root
here), so its entities include any new one: the bridge's older session is refused
(``400 ["ERROR_GLPI_DELETE", "You don't have permission to perform this action."]``) and, before
the fix, the IdP got a 502 for every DELETE until the session expired. One new login and the
replay cure it, whatever the age of the session. The simulator lane
runs the same scenarios (``tests/backend/test_new_entity.py``).
"""

from __future__ import annotations

from tests.call_counts import age_session
from tests.call_counts import calls_on
from tests.real.bridge import unique_name

REFUSED = "You don't have permission to perform this action."


def _profile_rows(real_glpi, uid: int) -> list[tuple[int, int]]:
    rows = real_glpi.api.json("GET", f"/User/{uid}/Profile_User") or []
    return [(int(r["entities_id"]), int(r["is_recursive"])) for r in rows]


def test_purge_after_a_new_entity_is_204_and_the_user_is_gone(real_glpi, real_bridge):
    bridge = real_bridge(deprovisioning="purge")
    user = bridge.create(unique_name("ent-purge"))
    uid = int(user["id"])
    assert _profile_rows(real_glpi, uid) == [(0, 1)]
    with bridge.new_entity():
        age_session(bridge)
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
        statuses = [r.status for r in bridge.records()]
    assert answer.status_code == 204, answer.get_json()
    assert calls == calls_on("user.delete.new_entity", real_glpi.major)
    assert statuses == [400, 200, 200]
    assert real_glpi.api.get("User", uid) is None


def test_a_trash_right_after_the_login_logs_in_once_and_lands(real_glpi, real_bridge):
    """The entity appears seconds after the bridge's login: the session is young, yet one new
    login and the replay trash the user (default policy); the interval only bounds repeated
    renewals for rights."""
    bridge = real_bridge()
    user = bridge.create(unique_name("ent-trash"))
    uid = int(user["id"])
    with bridge.new_entity():
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
    assert answer.status_code == 204, answer.get_json()
    assert calls == calls_on("user.delete.new_entity", real_glpi.major)
    assert int(real_glpi.api.get("User", uid)["is_deleted"]) == 1
