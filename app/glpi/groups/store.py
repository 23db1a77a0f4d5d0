"""SCIM Groups over GLPI ``Group`` and ``Group_User``: the storage operations.

A group is read with ``/search/Group`` within the tenant's entities (or, for
a tenant whose ``externalId`` column has no search option, GLPI without LDAP,
with ``GET /Group/:id`` and ``GET /Group``: :mod:`app.glpi.groups.item_reads`),
its members in ``Group_User`` pages. A create checks the name's uniqueness
around the write (again after it without Redis) and answers the members it
just added without reading them. Members are written as deltas in array calls
of ``groups.membership.chunk_rows`` rows, after a search verifying the ids
(docs/groups.md). What each SCIM operation costs in GLPI calls (with and
without Redis, with and without members) is the call-count table in
docs/mapping.md, generated from ``tests/call_counts.py`` and asserted by the
tests; it is not repeated here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.glpi.groups import criteria as gc
from app.glpi.groups import mapping as gm
from app.glpi.groups.item_reads import GroupItemReader
from app.glpi.groups.item_reads import ListRequest
from app.glpi.groups.item_reads import reads_items
from app.glpi.groups.membership_chunks import ChunkPolicy
from app.glpi.groups.membership_plan import MembershipPlan
from app.glpi.groups.membership_plan import diff_full_set
from app.glpi.groups.membership_plan import member_values
from app.glpi.groups.membership_plan import needs_current_members
from app.glpi.groups.membership_plan import parse_user_ids
from app.glpi.groups.membership_plan import plan_delta
from app.glpi.groups.membership_rows import MembershipWriter
from app.ops.shared import RedisShared
from app.ops.shared import shared
from app.scim.errors import ConflictError
from app.scim.errors import InvalidFilterError
from app.scim.errors import NotFoundError
from app.scim.filter.parser import matches
from app.scim.filter.parser import paths
from app.scim.patch.engine import MultiValuedDelta
from app.scim.patch.engine import PatchResult
from app.scim.storage import Context
from app.scim.storage import SearchQuery
from app.scim.storage import SearchResult
from app.scim.storage import ValueParts

#: Seconds a displayName lock may be waited for / held.
NAME_LOCK_TIMEOUT = 30.0

_LOCAL_NAME_LOCK = threading.Lock()


@contextmanager
def name_lock(tenant: str, name: str) -> Iterator[bool]:
    """Serialise "check the name is free, then create or rename" per tenant and name.

    Entra requires group ``displayName`` to be unique, and GLPI does not
    enforce it: two concurrent creates would both find the name free. The
    shared lock of :mod:`app.ops.shared` spans every worker and replica when
    Redis is configured; outside a Flask application context (unit tests)
    a process-wide lock is used.

    :return: (as the ``with`` target) True when the lock spans processes;
        otherwise the caller checks again after writing (see
        :meth:`GroupStore.create`).
    """
    try:
        state = shared()
    except RuntimeError:
        with _LOCAL_NAME_LOCK:
            yield False
        return
    with state.lock(f"{tenant}:group-name:{name.casefold()}", timeout=NAME_LOCK_TIMEOUT):
        yield isinstance(state, RedisShared)


class GroupStore:
    """The Group half of the GLPI backend.

    :param client: the tenant's :class:`~app.glpi.client.items.GlpiClient`.
    :param tenant: the tenant's validated configuration.
    :param scope: the tenant's :class:`~app.glpi.scope.TenantScope` (entity
        ids, and the criteria of its users: a member id is valid exactly
        when ``GET /Users/{id}`` would find that user).
    :param scan_limit: most groups fetched to verify a filter GLPI cannot narrow.
    :param lock: ``lock(tenant, name)`` context manager serialising name checks.
    """

    def __init__(
        self,
        client: Any,
        tenant: dict,
        scope: Any,
        *,
        scan_limit: int = 2000,
        lock: Callable[[str, str], Any] = name_lock,
    ):
        self._client = client
        self._tenant = tenant
        self._scope_of = scope
        self._scan_limit = scan_limit
        self._lock = lock
        self._entity_id = int(tenant.get("entity", {}).get("id", 0))
        self._members = MembershipWriter(
            client, scope.user_criteria, ChunkPolicy.from_tenant(tenant)
        )
        self._items = GroupItemReader(client, scope, scan_limit)
        gm.external_id_field("11", self._mapping_overrides())  # a bad column fails at start-up

    def _mapping_overrides(self) -> dict:
        return (self._tenant.get("mapping") or {}).get("group") or {}

    @property
    def version(self) -> str:
        return self._client.version

    @property
    def external_id_column(self) -> str | None:
        return gm.external_id_field(self.version, self._mapping_overrides())

    def _scope(self) -> list[dict]:
        return self._scope_of.group_criteria()

    # -- reads -------------------------------------------------------------------------------

    @property
    def _reads_items(self) -> bool:
        """The externalId column has no search option (GLPI without LDAP): read rows
        with ``GET /Group`` (:mod:`app.glpi.groups.item_reads`)."""
        return reads_items(self.external_id_column)

    def _load_row(self, group_id: str) -> dict:
        """The group's row, found by id within the tenant's entities (one call)."""
        if not (group_id.isascii() and group_id.isdigit()) or int(group_id) <= 0:
            raise NotFoundError(f"Group {group_id} not found.")
        if self._reads_items:
            row = self._items.load(int(group_id))
            if row is None:
                raise NotFoundError(f"Group {group_id} not found.")
            return row
        _, rows = self._search_rows(
            self._scope() + [gc.group_id_equals(int(group_id))], 0, 1, gm.GROUP_OPTION_ID, "ASC"
        )
        for row in rows:
            if str(row.get("id")) == group_id:
                return row
        raise NotFoundError(f"Group {group_id} not found.")

    def _to_scim(self, row: dict, ctx: Context) -> dict:
        """The SCIM group of ``row``; its ``members`` read when the client wants them,
        in :class:`ValueParts` (one per GLPI range) when the caller takes them so."""
        group_id = int(row["id"])
        wanted = ctx.attributes.wants("members")
        display = wanted and _wants_display(ctx)
        # members.display needs one login search over all members first: a whole list
        parted = wanted and ctx.in_parts and not display
        members = None
        if wanted and not parted:
            members = self._members.read(group_id, with_display=display)
        resource = gm.glpi_to_scim_group(
            row, external_id_column=self.external_id_column, members=members
        )
        if parted:
            resource["members"] = ValueParts(self._members.read_parts(group_id))
        return resource

    def get(self, ctx: Context, group_id: str) -> dict:
        return self._to_scim(self._load_row(group_id), ctx)

    def _search_rows(
        self, criteria: list[dict], start: int, count: int, sort: int, order: str
    ) -> tuple[int, list[dict]]:
        column = self.external_id_column
        total, data = self._client.search(
            "Group",
            criteria,
            forcedisplay=gm.search_columns(column),
            range=(start, start + max(count, 1) - 1),
            sort=sort,
            order=order,
        )
        return total, [gm.row_from_search(item, column) for item in data]

    def search(self, ctx: Context, query: SearchQuery) -> SearchResult:
        order = "DESC" if query.sort_order == "descending" else "ASC"
        if self._reads_items:
            return self._search_items(ctx, query, order)
        scope = self._scope()
        sort = gc.sort_option(query.sort_by, self.external_id_column)
        if query.filter is None:
            total, rows = self._search_rows(scope, query.start_index - 1, query.count, sort, order)
            rows = rows[: query.count]
            return SearchResult(total, [self._to_scim(row, ctx) for row in rows])
        narrowing = gc.filter_criteria(query.filter, self.version, self.external_id_column)
        criteria = scope + ([gc.group_of(narrowing)] if narrowing else [])
        total, rows = self._search_rows(criteria, 0, self._scan_limit, sort, order)
        if total > self._scan_limit:
            raise InvalidFilterError(
                f"The filter matches more than {self._scan_limit} groups before verification; "
                'narrow it (for example displayName eq "...").'
            )
        verified = self._verify(query.filter, rows)
        page = verified[query.start_index - 1 : query.start_index - 1 + query.count]
        return SearchResult(len(verified), [self._to_scim(row, ctx) for row in page])

    def _search_items(self, ctx: Context, query: SearchQuery, order: str) -> SearchResult:
        """:meth:`search` through ``GET /Group`` (see :mod:`app.glpi.groups.item_reads`)."""
        column = self.external_id_column
        sort = gc.sort_column(query.sort_by, column)
        start = query.start_index - 1
        if query.filter is None:
            total, rows = self._items.page(ListRequest(None, sort, order, start, query.count))
            return SearchResult(total, [self._to_scim(row, ctx) for row in rows])
        narrowing = gc.text_narrowing(query.filter, self.version, column)
        rows = self._items.candidates(query.filter, sort, order, narrowing)
        verified = self._verify(query.filter, rows)
        page = verified[start : start + query.count]
        return SearchResult(len(verified), [self._to_scim(row, ctx) for row in page])

    def _verify(self, node: Any, rows: list[dict]) -> list[dict]:
        """Keep the rows the SCIM filter really matches (GLPI's LIKE is wider)."""
        reads_members = any(p.attribute.name == "members" for p in paths(node))
        kept = []
        for row in rows:
            members = (
                self._members.read(int(row["id"]), with_display=True) if reads_members else None
            )
            resource = gm.glpi_to_scim_group(
                row, external_id_column=self.external_id_column, members=members
            )
            if matches(node, resource):
                kept.append(row)
        return kept

    # -- uniqueness --------------------------------------------------------------------------

    def _same_name(self, name: str) -> list[int]:
        """Ids of the tenant's groups named ``name`` (without case), in id order."""
        return [int(row["id"]) for row in self._same_name_rows(name)]

    def _same_name_rows(self, name: str) -> list[dict]:
        """Search rows of the tenant's groups named ``name`` (without case), in id order.

        GLPI's candidates are read to the end: a name holding ``^`` or ``$``
        can only be searched unanchored, and may bring more rows than one page.
        """
        criteria = self._scope() + [gc.group_of([gc.name_equals(name, self.version)])]
        total, rows = self._search_rows(criteria, 0, self._scan_limit, gm.GROUP_OPTION_ID, "ASC")
        while len(rows) < total:
            _, more = self._search_rows(
                criteria, len(rows), self._scan_limit, gm.GROUP_OPTION_ID, "ASC"
            )
            if not more:
                break
            rows += more
        wanted = name.casefold()
        return sorted(
            (row for row in rows if str(row.get("name") or "").strip().casefold() == wanted),
            key=lambda row: int(row["id"]),
        )

    def _check_name_free(self, name: str, except_id: int | None = None) -> None:
        """RFC 7644 §3.3: a duplicate "MUST return HTTP status code 409 (Conflict)
        with a "scimType" error code of "uniqueness"". Names compare without case."""
        taken = [group_id for group_id in self._same_name(name) if group_id != except_id]
        if taken:
            raise ConflictError(
                f'A group named "{name}" already exists in this tenant (id {taken[0]}).'
            )

    def _keep_if_first(self, name: str, group_id: int) -> dict | None:
        """After a create under a lock that other processes do not share: when
        another worker created the same name meanwhile, the lowest id wins and
        the later group is purged (409). The later creator always sees the
        earlier group, so exactly one survives.

        :returns: the new group's search row, which this same search brought
            (so the create's answer needs no read back), or None.
        """
        rows = self._same_name_rows(name)
        if rows and int(rows[0]["id"]) < group_id:
            self._client.delete("Group", group_id, force_purge=True)
            raise ConflictError(
                f'A group named "{name}" already exists in this tenant (id {rows[0]["id"]}).'
            )
        return next((row for row in rows if int(row["id"]) == group_id), None)

    # -- writes ------------------------------------------------------------------------------

    def preview(self, resource: dict) -> dict:
        """What ``create`` would send to GLPI for ``resource``, without writing anything.

        Member ids are verified (a read), exactly as a create would.
        """
        gm.check_display_name(resource.get("displayName"))
        fields = gm.scim_to_glpi_group(resource, external_id_column=self.external_id_column)
        fields.update(gm.creation_fields(self._entity_id, self._tenant.get("groups", {})))
        ids: list[int] = []
        if resource.get("members"):
            ids, bad = parse_user_ids(member_values(resource["members"]))
            self._members.verify(ids, bad)
        return {
            "Group fields (POST /Group)": fields,
            "Group_User rows": [{"users_id": user_id, "is_dynamic": 0} for user_id in ids],
        }

    def create(self, ctx: Context, resource: dict) -> dict:
        """Create the group in the tenant's entity, then its members (if any).

        Member ids are verified before anything is written, and the name is
        checked and taken under the name lock.
        """
        deadline = self._members.deadline()
        name = gm.check_display_name(resource.get("displayName"))
        fields = gm.scim_to_glpi_group(resource, external_id_column=self.external_id_column)
        fields.update(gm.creation_fields(self._entity_id, self._tenant.get("groups", {})))
        plan = MembershipPlan()
        if resource.get("members"):
            ids, bad = parse_user_ids(member_values(resource["members"]))
            self._members.verify(ids, bad)
            plan = MembershipPlan(add=ids)
        with self._lock(ctx.tenant, name) as spans_processes:
            self._check_name_free(name)
            group_id = int(self._client.add("Group", fields))
            row = None if spans_processes else self._keep_if_first(name, group_id)
        self._members.apply(group_id, plan, deadline)
        if plan.add and _wants_display(ctx):
            return self.get(ctx, str(group_id))
        if row is None:
            row = self._load_row(str(group_id))
        column = self.external_id_column
        if column and column in fields:
            # A search row lacks a column without search option (GLPI without LDAP).
            row = {**row, column: fields[column]}
        # Its members are exactly the ids just added (verified, each one landed):
        # the answer reads no Group_User.
        members = [gm.member_of(user_id) for user_id in plan.add]
        return gm.glpi_to_scim_group(row, external_id_column=column, members=members)

    def _write_columns(
        self, ctx: Context, group_id: int, fields: dict, old_name: str | None
    ) -> None:
        """``PUT /Group/:id`` with ``fields``; a rename re-checks uniqueness under the name lock."""
        if not fields:
            return
        new_name = fields.get("name")
        if new_name is None or new_name == old_name:
            self._client.update("Group", group_id, fields)
            return
        with self._lock(ctx.tenant, new_name):
            self._check_name_free(new_name, except_id=group_id)
            self._client.update("Group", group_id, fields)

    def replace(self, ctx: Context, group_id: str, resource: dict) -> dict:
        """PUT: write the columns that differ, and diff ``members`` when it is given.

        RFC 7644 §3.5.1 lets a server either clear or keep a readWrite
        attribute the PUT omits; an omitted ``members`` or ``externalId`` is
        kept (an explicit ``"members": []`` empties the group), because IdPs
        that PUT a group to rename it do not always repeat its members.
        """
        deadline = self._members.deadline()
        row = self._load_row(group_id)
        wanted = gm.scim_to_glpi_group(
            dict(resource, displayName=resource.get("displayName")),
            external_id_column=self.external_id_column,
        )
        fields = {k: v for k, v in wanted.items() if (row.get(k) or "") != v}
        plan = None
        if "members" in resource:
            ids, bad = parse_user_ids(member_values(resource.get("members") or []))
            plan = diff_full_set(ids, self._members.current(int(row["id"])))
            self._members.verify(plan.add, bad)
        self._write_columns(ctx, int(row["id"]), fields, row.get("name"))
        if plan is not None:
            self._members.apply(int(row["id"]), plan, deadline)
        return self.get(ctx, group_id)

    def patch(self, ctx: Context, group_id: str, result: PatchResult) -> dict:
        """Write what the PATCH changed: columns, then membership deltas.

        The view loaded the group (so it exists in scope) without ``members``
        and the engine recorded member operations in ``result.deltas``; when
        a filter forced it to load them, ``members`` is in ``result.changed``
        and the new set is diffed against GLPI. The answer is the patched
        resource without members when the view answers 204, or a fresh read
        (new ``meta``) when the client named ``attributes`` or
        ``excludedAttributes`` and so gets a body.
        """
        deadline = self._members.deadline()
        gid = int(group_id)
        delta = result.deltas.get("members")
        if delta is None and "members" in result.changed:
            delta = MultiValuedDelta(replaced=list(result.resource.get("members") or []))
        plan = None
        if delta is not None:
            reads = needs_current_members(delta, self._members.policy.rows)
            current = self._members.current(gid) if reads else None
            plan, bad = plan_delta(delta, current)
            self._members.verify(plan.add, bad)
        columns = {
            k: result.resource.get(k) for k in result.changed if k in ("displayName", "externalId")
        }
        fields = gm.scim_to_glpi_group(columns, external_id_column=self.external_id_column)
        self._write_columns(ctx, gid, fields, None)
        if plan is not None:
            self._members.apply(gid, plan, deadline)
        if ctx.attributes.attributes or ctx.attributes.excluded:
            return self.get(ctx, group_id)
        patched = {k: v for k, v in result.resource.items() if k != "members"}
        patched["id"] = group_id
        return patched

    def delete(self, ctx: Context, group_id: str) -> None:
        """Purge the group: GLPI has no trash for groups, and the purge removes
        its ``Group_User`` rows (recorded in the contract, ``10_group_user``)."""
        row = self._load_row(group_id)
        self._client.delete("Group", int(row["id"]), force_purge=True)


def _wants_display(ctx: Context) -> bool:
    """Member ``display`` is ``returned: request`` in our Group schema: it costs one
    user search per 1,000 members, so it is read only when ``members.display`` is named."""
    return any(a.lower() == "members.display" for a in ctx.attributes.attributes)
