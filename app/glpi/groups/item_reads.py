"""Group rows read with ``GET /Group`` when the ``externalId`` column has no search option.

GLPI declares ``Group`` search options 3, 4 and 5 (``ldap_field``,
``ldap_value``, ``ldap_group_dn``) only while an LDAP directory is configured
(``AuthLDAP::useAuthLdap()``), on GLPI 10 and 11 alike. Without one,
``/search/Group`` neither returns nor filters those columns, and the
``externalId`` a tenant stores there (GLPI 10's default, ``ldap_group_dn``)
would never read back. ``GET /Group/:id`` and ``GET /Group`` return every
column whatever GLPI's configuration, so such a tenant reads its groups
through them (whether LDAP is configured or not: one behaviour, which an
administrator adding or removing a directory cannot change):

* by id: ``GET /Group/:id``, its entity checked against the tenant's;
* a filter: one ``GET /Group`` whose ``searchText`` narrows on ``name`` and the
  externalId column (exact-ish ``LIKE``, verified in Python), every candidate
  in GLPI's sight up to the scan limit, scoped and paged in Python;
* a page without filter: GLPI pages and counts (``Content-Range``) when a
  ``searchText`` on ``entities_id`` says the tenant's scope exactly (one
  entity, or the root with recursion); otherwise as a filter.

Each costs what the ``/search/Group`` it replaces costs (the call-count
table in docs/mapping.md).

``GET /Group`` restricts rows to the session's active entities only, and
includes the recursive groups of parent entities: the tenant's scope is
checked on every row (:meth:`~app.glpi.scope.TenantScope.holds_entity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiRightError
from app.glpi.groups.mapping import LDAP_ONLY_COLUMNS
from app.scim.errors import InvalidFilterError
from app.scim.filter.parser import Compare
from app.scim.filter.parser import Node


def reads_items(external_id_column: str | None) -> bool:
    """True when the tenant's group ``externalId`` column must be read with ``GET /Group``."""
    return external_id_column in LDAP_ONLY_COLUMNS


@dataclass(frozen=True)
class ListRequest:
    """What a group list asks for: the filter (or None), sort column, order, and the page."""

    filter: Node | None
    sort: str
    order: str
    start: int
    count: int


class GroupItemReader:
    """Reads a tenant's group rows (every column) with ``GET /Group`` and ``GET /Group/:id``.

    :param client: the tenant's :class:`~app.glpi.client.items.GlpiClient`.
    :param scope: the tenant's :class:`~app.glpi.scope.TenantScope`.
    :param scan_limit: most candidate rows read for one filter.
    """

    def __init__(self, client: Any, scope: Any, scan_limit: int):
        self._client = client
        self._scope = scope
        self._scan_limit = scan_limit

    def load(self, group_id: int) -> dict | None:
        """The row of group ``group_id`` when it is in the tenant's scope (one call)."""
        try:
            row = self._client.get_item("Group", group_id)
        except (GlpiNotFoundError, GlpiRightError):
            return None
        return row if self._in_scope(row) else None

    def _in_scope(self, row: dict) -> bool:
        entity = row.get("entities_id")
        return str(entity).isdigit() and self._scope.holds_entity(int(entity))

    def page(self, request: ListRequest) -> tuple[int, list[dict]]:
        """``(total, rows)`` of an unfiltered page; GLPI pages it when it can scope it."""
        entity_filter = self._scope.listable_entity_filter()
        if entity_filter is None:
            rows = self.candidates(None, request.sort, request.order)
            return len(rows), rows[request.start : request.start + request.count]
        total, rows = self._client.list_page(
            "Group",
            range=(request.start, request.start + max(request.count, 1) - 1),
            search_text=entity_filter,
            sort=request.sort,
            order=request.order,
        )
        return total, [row for row in rows if self._in_scope(row)][: request.count]

    def candidates(
        self, node: Node | None, sort: str, order: str, narrowing: dict | None = None
    ) -> list[dict]:
        """Every in-scope row that may match ``node`` (all of them for None), sorted.

        :param narrowing: ``searchText`` that can only widen ``node``
            (:func:`~app.glpi.groups.criteria.text_narrowing`).

        :raises InvalidFilterError: GLPI holds more candidates than the scan limit.
        """
        if isinstance(node, Compare) and node.path.canonical == "id" and node.op == "eq":
            text = str(node.value)
            row = self.load(int(text)) if text.isascii() and text.isdigit() else None
            return [row] if row else []
        search_text = dict(self._scope.listable_entity_filter() or {})
        search_text.update(narrowing or {})
        _, rows = self._client.list_page(
            "Group", range=(0, self._scan_limit), search_text=search_text, sort=sort, order=order
        )
        if len(rows) > self._scan_limit:
            raise InvalidFilterError(
                f"More than {self._scan_limit} groups must be read before verification and "
                'paging; filter on displayName or externalId (for example displayName eq "...").'
            )
        return [row for row in rows if self._in_scope(row)]
