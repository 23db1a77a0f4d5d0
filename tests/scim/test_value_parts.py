"""A GET whose ``members`` the storage delivers in parts (:class:`ValueParts`).

The GLPI backend hands a large group's members over one GLPI range at a time,
so that the protocol layer presents and serialises each range while the next
ones are read. The answer must be exactly the one a whole list gives, byte for
byte, whatever the client selects; a part that fails is an error answer with no
members in it; a 304 reads no part.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import create_app
from app.scim.errors import UnavailableError
from app.scim.storage import Context
from app.scim.storage import ValueParts
from tests.scim.conftest import BASE_CONFIG
from tests.scim.conftest import ERROR
from tests.scim.conftest import ScimClient
from tests.scim.memory_storage import MemoryStorage


class PartedStorage(MemoryStorage):
    """The in-memory storage, giving a Group's ``members`` in parts of ``size`` (with an
    empty part after each, as a GLPI range of dynamic rows only would be) when the
    caller takes parts; ``fail_after`` parts are delivered before a part fails."""

    def __init__(self) -> None:
        super().__init__()
        self.parted = True
        self.size = 2
        self.fail_after: int | None = None
        self.delivered = 0

    def get(self, ctx: Context, resource_type: str, resource_id: str) -> dict:
        resource = super().get(ctx, resource_type, resource_id)
        if self.parted and ctx.in_parts and isinstance(resource.get("members"), list):
            resource["members"] = ValueParts(self._parts(resource["members"]))
        return resource

    def _parts(self, members: list[dict]) -> Iterator[list[dict]]:
        for start in range(0, len(members), self.size):
            if self.fail_after is not None and self.delivered >= self.fail_after:
                raise UnavailableError("GLPI cannot be reached or failed; retry later.")
            self.delivered += 1
            yield members[start:start + self.size]
            yield []


def _client(storage: PartedStorage) -> ScimClient:
    app = create_app(BASE_CONFIG, storage_factory=lambda tenant, settings: storage)
    return ScimClient(app.test_client())


def _group_of(scim: ScimClient, members: int) -> str:
    ids = [scim.create_user(f"user{i}@example.com", displayName=f"User {i}")["id"]
           for i in range(members)]
    group = scim.create_group("Staff", members=[{"value": i} for i in ids])
    return group["id"]


@pytest.mark.parametrize("members", [0, 1, 2, 5])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"attributes": "members"},
        {"attributes": "members.value"},
        {"attributes": "members.value,members.display"},
        {"attributes": "displayName,members.type"},
        {"attributes": "displayName"},
        {"excludedAttributes": "members"},
        {"excludedAttributes": "members.display"},
        {"excludedAttributes": "meta,members.$ref"},
        {"attributes": "MEMBERS.VALUE"},
    ],
)
def test_parts_give_the_answer_a_whole_list_gives(members, query):
    storage = PartedStorage()
    scim = _client(storage)
    group_id = _group_of(scim, members)

    storage.parted = False
    whole = scim.get(f"/Groups/{group_id}", query_string=query)
    storage.parted = True
    in_parts = scim.get(f"/Groups/{group_id}", query_string=query)

    assert in_parts.status_code == whole.status_code == 200
    assert in_parts.get_data() == whole.get_data()
    assert in_parts.headers.get("ETag") == whole.headers.get("ETag")
    assert in_parts.mimetype == "application/scim+json"
    shown = in_parts.get_json()
    wants_members = members and "members" in str(query.get("attributes", "members")).lower() \
        and query.get("excludedAttributes") != "members"
    assert ("members" in shown) == bool(wants_members)
    if wants_members:
        assert len(shown["members"]) == members
        assert storage.delivered == -(-members // storage.size)


def test_a_part_that_fails_is_an_error_answer_without_members():
    storage = PartedStorage()
    scim = _client(storage)
    group_id = _group_of(scim, 5)
    storage.fail_after = 1

    answer = scim.get(f"/Groups/{group_id}")

    assert answer.status_code == 503
    body = answer.get_json()
    assert body["schemas"] == [ERROR] and body["status"] == "503"
    assert "members" not in body and "user0" not in answer.get_data(as_text=True)


def test_a_304_reads_no_part():
    storage = PartedStorage()
    scim = _client(storage)
    group_id = _group_of(scim, 5)
    etag = scim.get(f"/Groups/{group_id}").headers["ETag"]
    storage.delivered = 0

    answer = scim.get(f"/Groups/{group_id}", headers={"If-None-Match": etag})

    assert answer.status_code == 304 and answer.get_data() == b""
    assert answer.headers["ETag"] == etag
    assert storage.delivered == 0


def test_only_the_get_of_one_resource_takes_parts():
    """Listings, writes and the reads behind PATCH get whole lists (they use them)."""
    storage = PartedStorage()
    scim = _client(storage)
    group_id = _group_of(scim, 3)
    storage.calls.clear()

    scim.get(f"/Groups/{group_id}")
    scim.get("/Groups", query_string={"filter": 'displayName eq "Staff"'})
    scim.patch(f"/Groups/{group_id}", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Team"}]})

    assert [(c.operation, c.ctx.in_parts) for c in storage.calls][:2] == [
        ("get", True), ("search", False)]
    assert all(not c.ctx.in_parts for c in storage.calls[1:])
