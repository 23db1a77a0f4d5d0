"""scim2-tester over the bridge on a real GLPI 10.0.12 and 11.0.6 (Users and Groups).

The tenant provisions into an entity of its own, created for the run: the
shared GLPI holds thousands of users and groups, and scim2-tester expects the
resource it just created on the first page of an unfiltered list.

Every check must succeed, except two differences that come from GLPI, each
recognised exactly:

* ``primary: true`` of a lone e-mail address (the same one the simulator lane
  accepts, ``tests/backend/test_user_scim2_tester.py``): GLPI always makes a
  user's only address its default one.
* Group ``externalId`` on GLPI 10 without LDAP (issue 13 point 1): the checks
  that read it back fail there. They are an expected failure on 10 only, and
  the test fails as soon as they pass (the fix on branch ``fixes`` landed), so
  that the allowance is removed.
"""

from __future__ import annotations

import pytest
from scim2_tester.utils import Status

from tests.backend.test_user_scim2_tester import MUST_BE_PATCHED
from tests.backend.test_user_scim2_tester import sole_address_made_primary
from tests.real.bridge import TOKEN
from tests.real.bridge import unique_name
from tests.real.test_groups import EXTERNAL_ID_ON_10
from tests.scim2_checks import CRUD_AND_PATCH
from tests.scim2_checks import run_checks


def _urn(result) -> str:
    data = result.data if isinstance(result.data, dict) else {}
    return str(data.get("urn", ""))


def _failures(results, resource_type: str) -> list:
    return [
        r for r in results
        if r.resource_type == resource_type
        and r.status != Status.SUCCESS
        and not (isinstance(r.data, dict) and sole_address_made_primary(r))
    ]


def _reads_external_id(result) -> bool:
    """A Group check that failed only because ``externalId`` did not read back."""
    if _urn(result) == "externalId":
        return "Returned value: None" in result.reason
    return result.title in ("object_query_with_attributes", "object_list_with_attributes",
                            "search_with_attributes") and (
        "requested attribute 'externalId' missing" in result.reason
        or "could not find Group" in result.reason and "filtered results" in result.reason)


def _text(results) -> list[str]:
    return [f"{r.title} {_urn(r)}: {r.status.name}: {r.reason}" for r in results]


def test_every_check_succeeds_but_glpi_differences(real_glpi, real_bridge):
    with real_glpi.api.entity(unique_name("rl-scim2-tester")) as entity:
        bridge = real_bridge(entity={"id": entity, "recursive": False})
        try:
            results = run_checks(bridge.app, TOKEN)
        finally:
            bridge.close()

    assert _text(_failures(results, "User")) == []
    assert {r.title for r in results if r.resource_type == "User"} >= CRUD_AND_PATCH
    patched = {_urn(r) for r in results
               if r.resource_type == "User" and r.title == "check_replace_attribute"}
    assert {p for p in MUST_BE_PATCHED
            if not any(u == p or u.startswith(p + ".") or p.startswith(u + ".")
                       for u in patched)} == set()

    assert {r.title for r in results if r.resource_type == "Group"} >= CRUD_AND_PATCH
    group_failures = _failures(results, "Group")
    external = [r for r in group_failures if _reads_external_id(r)]
    assert _text([r for r in group_failures if r not in external]) == []
    if real_glpi.major == "10":
        if not external:
            pytest.fail("Group externalId reads back on GLPI 10 now: remove the allowance "
                        "for issue 13 point 1 from this test", pytrace=False)
        pytest.xfail(f"{EXTERNAL_ID_ON_10}: {len(external)} checks")
    assert _text(external) == []
