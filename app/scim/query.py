"""List and search parameters (RFC 7644 §3.4.2, §3.4.3), validated with marshmallow.

The same parameters arrive as a query string (``GET /Users?...``) or as a
SearchRequest body (``POST /Users/.search``). They are loaded by
:class:`ListQuerySchema` into :class:`ListParams`, then resolved against a
resource type by :func:`build_search` into the storage's
:class:`~app.scim.storage.SearchQuery` and
:class:`~app.scim.storage.AttributeSelection`.

Tolerances:

- unknown parameters are ignored (Entra appends ``?aadOptscim062020`` to
  every URL when the admin sets the flag in the tenant URL);
- parameter names are matched case-insensitively (the Entra inbound
  provisioning collection sends ``startindex=0``);
- ``startIndex`` below 1 is read as 1 and a negative ``count`` as 0, as
  RFC 7644 §3.4.2.4 says: "A value less than 1 SHALL be interpreted as 1"
  and "A negative value SHALL be interpreted as "0"".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import pre_load

from app.scim.errors import InvalidValueError
from app.scim.filter.parser import Node
from app.scim.filter.parser import parse
from app.scim.projection import selection_for
from app.scim.schema import ResourceSchema
from app.scim.storage import AttributeSelection
from app.scim.storage import SearchQuery

#: Canonical spelling of each parameter, by lower-case name.
PARAMETERS = {
    name.lower(): name
    for name in ("filter", "startIndex", "count", "sortBy", "sortOrder", "attributes",
                 "excludedAttributes", "schemas")
}

SORT_ORDERS = ("ascending", "descending")


@dataclass(frozen=True)
class ListParams:
    """Parameters of one list or search request, before resolution."""

    filter: str | None = None
    start_index: int = 1
    count: int | None = None
    sort_by: str | None = None
    sort_order: str = "ascending"
    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


class _NameList(fields.Field):
    """A comma-separated string (query string) or a list of strings (body)."""

    default_error_messages = {"invalid": "Not a list of attribute names."}

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        else:
            raise self.make_error("invalid")
        return tuple(item.strip() for item in items if item.strip())


class ListQuerySchema(Schema):
    """Loads ``filter``, ``startIndex``, ``count``, ``sortBy``, ``sortOrder``,
    ``attributes`` and ``excludedAttributes`` from a query string or a body."""

    class Meta:
        unknown = EXCLUDE

    filter = fields.String(load_default=None)
    startIndex = fields.Integer(load_default=1)
    count = fields.Integer(load_default=None)
    sortBy = fields.String(load_default=None)
    sortOrder = fields.String(load_default=None)
    attributes = _NameList(load_default=())
    excludedAttributes = _NameList(load_default=())
    schemas = fields.List(fields.String(), load_default=None)

    @pre_load
    def _fold_names(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = {}
        for key, value in data.items():
            canonical = PARAMETERS.get(str(key).lower())
            if canonical is not None and canonical not in out:
                out[canonical] = value
        return out


#: Built once: a marshmallow schema holds no per-load state, and building
#: one per request cost more than loading the parameters.
_LIST_QUERY = ListQuerySchema()


def load_params(data: Any) -> ListParams:
    """Validate raw parameters (a dict of the query string, or a SearchRequest body).

    :raises InvalidValueError: when a parameter has the wrong type, e.g. a
        non-integer ``count``.
    """
    try:
        raw = _LIST_QUERY.load(data)
    except ValidationError as exc:
        name, messages = next(iter(_flat_messages(exc.messages)))
        raise InvalidValueError(f"{name}: {messages}") from exc
    order = (raw["sortOrder"] or "ascending").lower()
    if order not in SORT_ORDERS:
        raise InvalidValueError('sortOrder: must be "ascending" or "descending".')
    return ListParams(
        filter=raw["filter"] if raw["filter"] and raw["filter"].strip() else None,
        start_index=max(1, raw["startIndex"]),
        count=None if raw["count"] is None else max(0, raw["count"]),
        sort_by=raw["sortBy"] or None,
        sort_order=order,
        attributes=raw["attributes"],
        excluded=raw["excludedAttributes"],
    )


def _flat_messages(messages: Any) -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        return [(str(key), " ".join(map(str, value)) if isinstance(value, list) else str(value))
                for key, value in messages.items()]
    return [("request", " ".join(map(str, messages)))]


def page_size(params: ListParams, max_results: int) -> int:
    """Return the page size: ``count`` capped by ``max_results``; the cap when absent.

    RFC 7644 §3.4.2.4: "count: Non-negative integer. Specifies the desired
    maximum number of query results per page" and the service provider
    advertises its own ``maxResults`` (§5), which a page never exceeds.
    """
    if params.count is None:
        return max_results
    return min(params.count, max_results)


def resolve_sort(params: ListParams, resource: ResourceSchema) -> str | None:
    """Resolve ``sortBy`` to its canonical path.

    :raises InvalidValueError: when the attribute is not defined.
    """
    if not params.sort_by:
        return None
    resolved = resource.resolve(params.sort_by)
    if resolved is None:
        raise InvalidValueError(f"sortBy: unknown attribute {params.sort_by!r}.")
    return resolved.canonical


def parse_filter(params: ListParams, resource: ResourceSchema) -> Node | None:
    """Parse ``filter`` against ``resource``; None when absent.

    :raises InvalidFilterError: on any syntax error or unknown attribute.
    """
    if params.filter is None:
        return None
    return parse(params.filter, resource)


def build_search(params: ListParams, resource: ResourceSchema,
                 max_results: int) -> tuple[SearchQuery, AttributeSelection]:
    """Resolve ``params`` for one resource type into the storage's query and selection."""
    query = SearchQuery(
        filter=parse_filter(params, resource),
        start_index=params.start_index,
        count=page_size(params, max_results),
        sort_by=resolve_sort(params, resource),
        sort_order=params.sort_order,
    )
    return query, selection_for(resource, params.attributes, params.excluded)
