"""Sessions keep the entities they had at login, and "all entities" is counted (GLPI 10.0.12 and
11.0.6, ``Session::canViewAllEntities``): a user with every entity cannot be deleted by a
session older than the last entity created; a new session can. Bodies as GLPI answers them
(``ERROR_GLPI_DELETE``, single and array)."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")

REFUSED = "You don't have permission to perform this action."


def _user(glpi_sim, name: str, recursive: int = 1) -> int:
    return glpi_sim.sim.seed_user(name=name, _profile=1, _entity=0, _recursive=recursive)


def test_an_older_session_may_not_delete_a_user_of_every_entity(glpi_sim) -> None:
    old = Glpi(glpi_sim)
    everywhere = [_user(glpi_sim, f"everywhere.{k}") for k in range(3)]
    root_only = _user(glpi_sim, "root.only", recursive=0)
    admin = Glpi(glpi_sim)
    created = admin.post("Entity", {"input": {"name": "Later", "entities_id": 0}})
    assert created.status_code == 201
    # the creating session does not get it either: GLPI's API keeps the login's snapshot
    assert admin.get(f"Entity/{created.json()['id']}").status_code == 403

    single = old.delete(f"User/{everywhere[0]}", force_purge="true")
    assert (single.status_code, single.json()) == (400, ["ERROR_GLPI_DELETE", REFUSED])
    trash = old.delete(f"User/{everywhere[0]}")
    assert (trash.status_code, trash.json()) == (400, ["ERROR_GLPI_DELETE", REFUSED])
    array = old.delete("User", {"input": [{"id": everywhere[0]}], "force_purge": True})
    assert (array.status_code, array.json()) == (
        400, ["ERROR_GLPI_DELETE", [{str(everywhere[0]): False, "message": REFUSED}]]
    )
    partial = old.delete("User", {"input": [{"id": everywhere[1]}, {"id": root_only}],
                                  "force_purge": True})
    assert (partial.status_code, partial.json()) == (
        207, ["ERROR_GLPI_PARTIAL_DELETE", [{str(everywhere[1]): False, "message": REFUSED},
                                            {str(root_only): True, "message": ""}]]
    )
    # a read needs only one of its entities (User::canViewItem): still 200
    assert old.get(f"User/{everywhere[0]}").status_code == 200

    fresh = Glpi(glpi_sim)
    answer = fresh.delete(f"User/{everywhere[0]}", force_purge="true")
    assert (answer.status_code, answer.json()) == (200, [{str(everywhere[0]): True, "message": ""}])


def test_all_entities_is_a_count_as_in_glpi(glpi_sim) -> None:
    """``countElementsInTable("glpi_entities") == count($_SESSION["glpiactiveentities"])``:
    an entity deleted, then another created, makes the counts equal again for the old session
    (though the new entity is not among its active ones)."""
    sim = glpi_sim.sim
    admin = Glpi(glpi_sim)
    first = admin.post("Entity", {"input": {"name": "First", "entities_id": 0}}).json()["id"]
    old = Glpi(glpi_sim)  # active: root and First
    target = _user(glpi_sim, "counted.user")
    second = admin.post("Entity", {"input": {"name": "Second", "entities_id": 0}}).json()["id"]
    assert old.delete(f"User/{target}", force_purge="true").status_code == 400
    assert admin.delete(f"Entity/{first}", force_purge="true").status_code == 200
    assert sorted(sim.tables["Entity"]) == [0, second]
    answer = old.delete(f"User/{target}", force_purge="true")
    assert answer.status_code == 200, answer.json()


def _found(session: Glpi, name: str, itemtype: str = "User") -> list[int]:
    answer = session.search(itemtype, [(1, "contains", f"^{name}$")])
    assert answer.status_code == 200, answer.text
    return [row["2"] for row in answer.json().get("data", [])]


def _limited_and_root(glpi_sim) -> tuple[Glpi, Glpi, str, int]:
    """An entity ``Tenant`` under the root, then two sessions logged in: an account
    recursive on ``Tenant`` only, and GLPI's root one; and a sub-entity of ``Tenant`` created
    after them: ``(limited, root, limited's token, sub-entity)``."""
    admin = Glpi(glpi_sim)
    tenant = admin.post("Entity", {"input": {"name": "Tenant", "entities_id": 0}}).json()["id"]
    token = glpi_sim.sim.add_user_token("tenant.admin", profile=4, entity=tenant, recursive=True)
    limited, root = Glpi(glpi_sim, token), Glpi(glpi_sim)
    sub = admin.post("Entity", {"input": {"name": "Sub", "entities_id": tenant}}).json()["id"]
    return limited, root, token, sub


def test_a_limited_session_searches_only_the_entities_of_its_login(glpi_sim) -> None:
    """``Search::addDefaultWhere`` (User): when the session cannot view all entities, the
    search keeps users with a profile row in the active entities (or recursive on a parent
    of one), and these are frozen at login. ``getEntitiesRestrictRequest`` skips that
    restriction for a session that saw every entity at login (``glpishowallentities``),
    however many entities were created since. As the kit's 10.0.12 and 11.0.6 answer."""
    sim = glpi_sim.sim
    limited, root, token, sub = _limited_and_root(glpi_sim)
    assert root.get("getFullSession").json()["session"]["glpishowallentities"] == 1
    assert limited.get("getFullSession").json()["session"]["glpishowallentities"] == 0
    tenant = sim.tables["Entity"][sub]["entities_id"]
    moved = sim.seed_user(name="moved.user", _profile=1, _entity=sub)
    at_tenant = sim.seed_user(name="tenant.user", _profile=1, _entity=tenant)

    assert _found(limited, "moved.user") == []
    assert _found(limited, "tenant.user") == [at_tenant]
    assert limited.get(f"User/{moved}").status_code == 403
    # the root session no longer counts every entity (its GET is refused) but still searches all
    assert _found(root, "moved.user") == [moved]
    assert root.get(f"User/{moved}").status_code == 403
    # a new login sees the entity
    assert _found(Glpi(glpi_sim, token), "moved.user") == [moved]


def test_a_limited_session_searches_groups_of_the_entities_of_its_login(glpi_sim) -> None:
    """``Search::constructSQL`` restricts entity-assigned itemtypes alike: a group of a
    sub-entity created since the login is not found, a recursive group of a parent entity is,
    a group of the root that is not recursive never is (10.0.12 and 11.0.6 on the kit)."""
    sim = glpi_sim.sim
    limited, root, token, sub = _limited_and_root(glpi_sim)
    in_sub = sim.seed_group(name="g.sub", entities_id=sub)
    at_root = sim.seed_group(name="g.root", entities_id=0, is_recursive=0)
    shared = sim.seed_group(name="g.shared", entities_id=0, is_recursive=1)

    assert _found(limited, "g.sub", "Group") == []
    assert _found(limited, "g.root", "Group") == []
    assert _found(limited, "g.shared", "Group") == [shared]
    assert _found(root, "g.sub", "Group") == [in_sub]
    assert _found(root, "g.root", "Group") == [at_root]
    fresh = Glpi(glpi_sim, token)
    assert _found(fresh, "g.sub", "Group") == [in_sub]
    assert _found(fresh, "g.root", "Group") == []
