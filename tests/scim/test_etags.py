"""ETags (RFC 7644 §3.14): the header, ``If-None-Match`` → 304, stale ``If-Match`` → 412."""

from __future__ import annotations

import pytest

from tests.scim.conftest import ERROR
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import patch_body


def _user_and_etag(scim, name: str = "alice") -> tuple[dict, str]:
    created = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": name})
    assert created.status_code == 201
    assert created.headers["ETag"] == created.get_json()["meta"]["version"]
    return created.get_json(), created.headers["ETag"]


def test_discovery_advertises_etags(scim):
    assert scim.get("/ServiceProviderConfig").get_json()["etag"] == {"supported": True}


def test_get_carries_the_version_as_etag(scim):
    user, etag = _user_and_etag(scim)
    got = scim.get(f"/Users/{user['id']}")
    assert got.headers["ETag"] == got.get_json()["meta"]["version"] == etag
    assert etag.startswith('W/"')


def test_no_etag_header_when_the_client_projected_meta_away(scim):
    user, etag = _user_and_etag(scim)
    assert scim.get(f"/Users/{user['id']}?attributes=userName,meta").headers["ETag"] == etag
    assert "ETag" not in scim.get(f"/Users/{user['id']}?attributes=userName").headers
    assert "ETag" not in scim.get(f"/Users/{user['id']}?excludedAttributes=meta").headers


@pytest.mark.parametrize("header", ["{etag}", "{bare}", '"other", {etag}', "*"])
def test_if_none_match_on_the_current_version_is_304(scim, header):
    user, etag = _user_and_etag(scim)
    value = header.format(etag=etag, bare=etag[2:])
    got = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": value})
    assert got.status_code == 304
    assert got.get_data() == b""
    assert got.headers["ETag"] == etag


def test_if_none_match_on_an_old_version_returns_the_resource(scim):
    user, old = _user_and_etag(scim)
    scim.patch(f"/Users/{user['id']}", patch_body({"op": "replace", "path": "title", "value": "x"}))
    got = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": old})
    assert got.status_code == 200
    assert got.headers["ETag"] != old
    assert got.get_json()["title"] == "x"


def test_list_and_search_have_no_etag(scim):
    _user_and_etag(scim)
    assert "ETag" not in scim.get("/Users").headers


def _stale(scim, storage, user: dict, old: str) -> None:
    changed = scim.patch(f"/Users/{user['id']}",
                         patch_body({"op": "replace", "path": "title", "value": "changed"}))
    assert changed.status_code == 200 and changed.headers["ETag"] != old


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_stale_if_match_is_412_and_changes_nothing(scim, storage, method):
    user, old = _user_and_etag(scim)
    _stale(scim, storage, user, old)
    before = dict(storage.data["User"][user["id"]])
    body = {"PUT": {"schemas": [USER_SCHEMA], "userName": "renamed"},
            "PATCH": patch_body({"op": "replace", "path": "userName", "value": "renamed"}),
            "DELETE": None}[method]
    answer = scim.request(method, f"/Users/{user['id']}", body, headers={"If-Match": old})
    assert answer.status_code == 412
    error = answer.get_json()
    assert error["schemas"] == [ERROR] and error["status"] == "412"
    assert storage.data["User"][user["id"]] == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_current_if_match_lets_the_write_through(scim, storage, method):
    user, etag = _user_and_etag(scim)
    body = {"PUT": {"schemas": [USER_SCHEMA], "userName": "renamed"},
            "PATCH": patch_body({"op": "replace", "path": "userName", "value": "renamed"}),
            "DELETE": None}[method]
    answer = scim.request(method, f"/Users/{user['id']}", body, headers={"If-Match": etag})
    if method == "DELETE":
        assert answer.status_code == 204
        assert user["id"] not in storage.data["User"]
        return
    assert answer.status_code == 200
    new = answer.headers["ETag"]
    assert new != etag and new == answer.get_json()["meta"]["version"]
    assert new == scim.get(f"/Users/{user['id']}").headers["ETag"]


def test_if_match_star_and_lists(scim):
    user, etag = _user_and_etag(scim)
    ok = scim.patch(f"/Users/{user['id']}",
                    patch_body({"op": "replace", "path": "title", "value": "a"}),
                    headers={"If-Match": "*"})
    assert ok.status_code == 200
    listed = scim.patch(f"/Users/{user['id']}",
                        patch_body({"op": "replace", "path": "title", "value": "b"}),
                        headers={"If-Match": f'W/"nope", {ok.headers["ETag"]}'})
    assert listed.status_code == 200


def test_if_match_on_a_missing_resource_is_404(scim):
    answer = scim.delete("/Users/nope", headers={"If-Match": 'W/"1"'})
    assert answer.status_code == 404


def test_group_patch_204_carries_the_new_etag_when_if_match_is_sent(scim):
    group = scim.create_group("g1")
    etag = scim.get(f"/Groups/{group['id']}").headers["ETag"]
    answer = scim.patch(f"/Groups/{group['id']}",
                        patch_body({"op": "replace", "path": "displayName", "value": "g2"}),
                        headers={"If-Match": etag})
    assert answer.status_code == 204
    assert answer.headers["ETag"] == scim.get(f"/Groups/{group['id']}").headers["ETag"] != etag
    stale = scim.patch(f"/Groups/{group['id']}",
                       patch_body({"op": "replace", "path": "displayName", "value": "g3"}),
                       headers={"If-Match": etag})
    assert stale.status_code == 412
    assert scim.get(f"/Groups/{group['id']}").get_json()["displayName"] == "g2"
