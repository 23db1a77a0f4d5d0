"""ETags over the GLPI backend: versions change with what GLPI stores, and conditional
requests (``If-None-Match`` → 304, stale ``If-Match`` → 412) leave GLPI untouched.

Rows are seeded with an old ``date_mod`` so that a write made by the test
changes a group's version even within one second (GLPI's ``date_mod`` has a
one-second resolution; docs/etags.md).
"""

from __future__ import annotations

import pytest

from tests.backend.users_app import PATCH_OP
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")

OLD = "2020-01-02 03:04:05"


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _auth(bridge) -> str:
    from tests.backend.users_app import TOKEN

    return f"Bearer {TOKEN}"


def _send(bridge, method, path, body=None, **headers):
    kwargs = {"json": body} if body is not None else {}
    return bridge.client.open(
        f"/scim/v2{path}",
        method=method,
        headers={"Authorization": _auth(bridge), **headers},
        **kwargs,
    )


def test_user_etag_and_if_none_match(bridge):
    uid = bridge.sim.seed_user(name="etag.user", date_mod=OLD)
    got = bridge.get(f"/Users/{uid}")
    assert got.status_code == 200
    etag = got.headers["ETag"]
    assert etag == got.json["meta"]["version"] and etag.startswith('W/"')
    assert got.json["meta"]["lastModified"] == "2020-01-02T03:04:05Z"
    unchanged = _send(bridge, "GET", f"/Users/{uid}", **{"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag


def test_user_stale_if_match_is_412_and_glpi_is_unchanged(bridge):
    uid = bridge.sim.seed_user(name="etag.stale", date_mod=OLD)
    old = bridge.get(f"/Users/{uid}").headers["ETag"]
    changed = _send(
        bridge,
        "PATCH",
        f"/Users/{uid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "name.givenName", "value": "First"}],
        },
        **{"If-Match": old},
    )
    assert changed.status_code == 200
    new = changed.headers["ETag"]
    assert new != old
    assert new == bridge.get(f"/Users/{uid}").headers["ETag"]
    row = dict(bridge.glpi_row("User", id=uid)[0])
    for method, body in (
        (
            "PATCH",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "name.givenName", "value": "Second"}],
            },
        ),
        (
            "PUT",
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "etag.stale",
                "name": {"givenName": "Third"},
            },
        ),
        ("DELETE", None),
    ):
        stale = _send(bridge, method, f"/Users/{uid}", body, **{"If-Match": old})
        assert stale.status_code == 412, (method, stale.json)
        assert stale.json["status"] == "412"
    assert bridge.glpi_row("User", id=uid)[0] == row
    gone = _send(bridge, "DELETE", f"/Users/{uid}", **{"If-Match": new})
    assert gone.status_code == 204


def test_group_version_and_conditional_writes(bridge):
    gid = bridge.sim.seed_group(name="etag-group", entities_id=0, date_mod=OLD)
    got = bridge.get(f"/Groups/{gid}")
    etag = got.headers["ETag"]
    assert etag == got.json["meta"]["version"]
    assert _send(bridge, "GET", f"/Groups/{gid}", **{"If-None-Match": etag}).status_code == 304
    renamed = _send(
        bridge,
        "PATCH",
        f"/Groups/{gid}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "displayName", "value": "etag-group-2"}],
        },
        **{"If-Match": etag},
    )
    assert renamed.status_code == 204
    assert renamed.headers["ETag"] == bridge.get(f"/Groups/{gid}").headers["ETag"] != etag
    stale = _send(bridge, "DELETE", f"/Groups/{gid}", **{"If-Match": etag})
    assert stale.status_code == 412
    assert bridge.glpi_row("Group", id=gid)[0]["name"] == "etag-group-2"
