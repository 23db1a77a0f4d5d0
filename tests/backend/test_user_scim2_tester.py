"""scim2-tester against the bridge served over the GLPI simulator (GLPI 10 and 11).

``/Schemas`` advertises only what the tenant's GLPI mapping stores, with the
values GLPI gives back as sent (``canonicalValues``: e-mail type ``work``,
the phone types, GLPI's languages), and ``active`` as required (GLPI's
``is_active`` is never empty, so removing it is a ``mutability`` error).
Given that, every User check succeeds: discovery, create, read, list, search
with ``attributes``, replace, PATCH add/replace/remove of every advertised
attribute, and delete. None is skipped.

One difference is GLPI's and stays: a user's only e-mail address is always
its default address in GLPI (a user without a default address gets no
notification), so it reads back ``primary: true`` even when it was sent with
``primary: false``. scim2-tester draws ``primary`` at random, so that case is
recognised exactly (same address, only ``primary`` differs, the address
alone) and accepted; anything else fails the test.
"""

from __future__ import annotations

import pytest
from scim2_tester.utils import Status

from app.glpi.users.mapping import ENTERPRISE_USER_SCHEMA
from tests.backend.users_app import TOKEN
from tests.backend.users_app import UserBridge
from tests.scim2_checks import CRUD_AND_PATCH
from tests.scim2_checks import run_checks

pytestmark = pytest.mark.glpi_versions("10", "11")

MUST_BE_PATCHED = {
    "userName",
    "externalId",
    "title",
    "password",
    "emails",
    "phoneNumbers",
    "preferredLanguage",
    "name.givenName",
    "name.familyName",
    f"{ENTERPRISE_USER_SCHEMA}:employeeNumber",
    f"{ENTERPRISE_USER_SCHEMA}:manager",
}


@pytest.fixture
def user_results(glpi_sim):
    results = run_checks(UserBridge(glpi_sim).app, TOKEN)
    return [r for r in results if r.resource_type == "User"]


def sole_address_made_primary(result) -> bool:
    """The one accepted difference: a lone address sent ``primary: false`` reads ``primary: true``."""
    data = result.data or {}
    sent, got = data.get("expected"), data.get("modify_actual")
    if data.get("urn") != "emails" or not sent or not got or len(sent) != 1 or len(got) != 1:
        return False
    sent_email, got_email = sent[0].model_dump(), got[0].model_dump()
    return (
        sent_email["primary"] is False
        and got_email["primary"] is True
        and {**sent_email, "primary": True} == got_email
    )


def test_every_user_check_succeeds(user_results):
    failures = [
        f"{r.title} {(r.data or {}).get('urn', '')}: {r.status.name}: {r.reason}"
        for r in user_results
        if r.status != Status.SUCCESS and not sole_address_made_primary(r)
    ]
    assert failures == []
    assert {r.title for r in user_results} >= CRUD_AND_PATCH


def test_patch_checks_cover_what_glpi_stores(user_results):
    patched = {
        str((r.data or {}).get("urn", ""))
        for r in user_results
        if r.title == "check_replace_attribute"
    }
    missing = {
        p
        for p in MUST_BE_PATCHED
        if not any(u == p or u.startswith(p + ".") or p.startswith(u + ".") for u in patched)
    }
    assert missing == set()
