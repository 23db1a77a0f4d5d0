"""Search from the service provider root: ``POST /.search`` (RFC 7644 §3.4.3).

RFC 7644 §3.4.2.1: "A query against a server root indicates that all
resources within the server SHALL be included, subject to filtering." The
result is the Users followed by the Groups; paging runs over that
concatenation, so ``startIndex`` and ``totalResults`` mean the same thing as
on one resource type.

A filter is parsed against each resource type. Where it names an attribute
that one type does not define (``userName`` for Groups), that type takes
part only if the filter can be proved false for every one of its resources:
the attribute is unassigned there, so a comparison on it is false, an
``and`` with such a comparison is false, and an ``or`` of two such is false.
Any other case (``userName eq "a" or displayName eq "b"``) could match some
of them, and is refused with 400 ``invalidFilter`` rather than answered
with fewer results than it should. A ``sortBy`` that a type does not define
leaves that type's resources in the storage's default order.
"""

from __future__ import annotations

from flask import Response

from app.scim.endpoint.responses import list_response
from app.scim.endpoint.responses import scim_response
from app.scim.endpoint.service import context
from app.scim.endpoint.service import max_results
from app.scim.endpoint.service import present
from app.scim.endpoint.service import storage
from app.scim.errors import InvalidFilterError
from app.scim.errors import InvalidValueError
from app.scim.filter.parser import And
from app.scim.filter.parser import Compare
from app.scim.filter.parser import Node
from app.scim.filter.parser import Not
from app.scim.filter.parser import Or
from app.scim.filter.parser import Present
from app.scim.filter.parser import ValuePath
from app.scim.filter.parser import parse
from app.scim.projection import selection_for
from app.scim.query import ListParams
from app.scim.query import page_size
from app.scim.schema import RESOURCES
from app.scim.schema import ResourceSchema
from app.scim.storage import SearchQuery

#: Resource types a root search covers, in the order of the results.
ROOT_TYPES = ("User", "Group")


def never_matches(node: Node, resource: ResourceSchema) -> bool:
    """Tell whether ``node`` is false for every resource of ``resource``'s type
    because it reads attributes that type does not define."""
    if isinstance(node, (Compare, Present, ValuePath)):
        return resource.resolve(node.path.canonical) is None
    if isinstance(node, And):
        return never_matches(node.left, resource) or never_matches(node.right, resource)
    if isinstance(node, Or):
        return never_matches(node.left, resource) and never_matches(node.right, resource)
    if isinstance(node, Not):
        return False
    return False


def filters_by_type(text: str | None) -> dict[str, Node | None]:
    """Parse ``text`` for each root type; a type proved to match nothing is left out.

    :raises InvalidFilterError: when no type accepts the filter, or when
        leaving a type out could drop matching resources.
    """
    if text is None:
        return {name: None for name in ROOT_TYPES}
    parsed: dict[str, Node] = {}
    errors: dict[str, InvalidFilterError] = {}
    for name in ROOT_TYPES:
        try:
            parsed[name] = parse(text, RESOURCES[name])
        except InvalidFilterError as exc:
            errors[name] = exc
    if not parsed:
        raise next(iter(errors.values()))
    sample = next(iter(parsed.values()))
    for name, exc in errors.items():
        if not never_matches(sample, RESOURCES[name]):
            raise exc
    return parsed


def _sort_by(params: ListParams) -> dict[str, str | None]:
    if not params.sort_by:
        return {name: None for name in ROOT_TYPES}
    out = {}
    for name in ROOT_TYPES:
        resolved = RESOURCES[name].resolve(params.sort_by)
        out[name] = resolved.canonical if resolved else None
    if not any(out.values()):
        raise InvalidValueError(f"sortBy: unknown attribute {params.sort_by!r}.")
    return out


def search_root(params: ListParams) -> Response:
    """Answer a root search with one ListResponse over Users then Groups."""
    filters = filters_by_type(params.filter)
    sort_by = _sort_by(params)
    count = page_size(params, max_results())
    start = params.start_index
    skipped = 0
    total = 0
    shown: list[dict] = []
    for name in ROOT_TYPES:
        if name not in filters:
            continue
        query = SearchQuery(filter=filters[name], start_index=max(1, start - skipped),
                            count=count - len(shown), sort_by=sort_by[name],
                            sort_order=params.sort_order)
        selection = selection_for(RESOURCES[name], params.attributes, params.excluded)
        result = storage().search(context(selection), name, query)
        shown.extend(present(name, r, selection) for r in result.resources)
        skipped += result.total
        total += result.total
    return scim_response(list_response(shown, total, start))
