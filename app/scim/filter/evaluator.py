"""Evaluate a parsed SCIM filter (:mod:`app.scim.filter.parser`) against a resource dict.

Pure and exact: the GLPI backend uses it to verify every candidate GLPI
returns, so it decides membership, not GLPI's LIKE search. Resources are
canonical SCIM dicts (multi-valued attributes are lists, extension
attributes sit under their schema URN, ``meta.lastModified`` is an ISO 8601
string). Semantics, from RFC 7644 §3.4.2.2 unless noted:

- "If the specified attribute in a filter expression is a multi-valued
  attribute, the filter matches if any of the values of the specified
  attribute match the specified criterion".
- "When comparing attributes of type String, the case sensitivity for String
  type attributes SHALL be determined by the attribute's "caseExact"
  characteristic". ``gt``/``ge``/``lt``/``le`` on strings are lexicographic,
  on dateTime "a chronological comparison" (as instants).
- ``pr``: "If the attribute has a non-empty value, or if it contains a
  non-empty node for complex attributes, there is a match."
- ``ne`` is ``not eq``: true when no value equals, including when the
  attribute is absent (RFC 7643 §2.5: "Unassigned attributes, the null
  value, or empty array ... SHALL be considered to be equivalent").
  ``eq null`` is true when the attribute is unassigned.
- ``attr[filter]`` is true when one element satisfies the whole filter.

The node classes live in :mod:`app.scim.filter.parser`, which imports this module;
dispatch is on the class name so the two modules do not import each other.
"""

from __future__ import annotations

import operator
from datetime import UTC
from datetime import datetime
from datetime import timezone
from functools import lru_cache
from typing import Any

_STRING_TESTS = {
    "eq": operator.eq,
    "co": operator.contains,
    "sw": str.startswith,
    "ew": str.endswith,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_ORDER_TESTS = {
    "eq": operator.eq,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def evaluate(node: Any, resource: dict) -> bool:
    """Return whether ``resource`` satisfies the filter ``node``."""
    return _EVALUATORS[type(node).__name__](node, resource, False)


@lru_cache(maxsize=4096)
def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO 8601 date-time into an aware UTC datetime; None if invalid.

    A value without an offset is taken as UTC. Entra sends seven fractional
    digits (``2021-09-23T19:35:41.8420572Z``); Python keeps six.
    """
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 \
            else datetime.max.replace(tzinfo=UTC)


def _values(path: Any, data: dict, inner: bool) -> list:
    """The values ``path`` selects: a list, empty when unassigned.

    ``inner`` is True inside ``attr[...]``, where ``data`` is one element of
    ``attr`` and the path's sub-attribute is read from it directly.
    """
    sub = path.sub_attribute
    if inner:
        value = data.get(sub.name) if isinstance(data, dict) else None
        return [] if value is None else (value if isinstance(value, list) else [value])
    if path.is_extension:
        data = data.get(path.schema)
        if not isinstance(data, dict):
            return []
    value = data.get(path.attribute.name)
    if value is None:
        return []
    if sub is None:
        return value if isinstance(value, list) else [value]
    name = sub.name
    if isinstance(value, dict):
        value = value.get(name)
        return [] if value is None else [value]
    if isinstance(value, list):
        return [item[name] for item in value
                if isinstance(item, dict) and item.get(name) is not None]
    return []


def _is_present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return any(_is_present(item) for item in value)
    if isinstance(value, dict):
        return any(_is_present(item) for item in value.values())
    return True


def _compare(node: Any, data: dict, inner: bool) -> bool:
    values = _values(node.path, data, inner)
    op = node.op
    wanted = node.value
    if wanted is None:
        present = any(_is_present(value) for value in values)
        return present if op == "ne" else not present
    if op == "ne":
        return not _any_match(node.path.target, "eq", wanted, values)
    return _any_match(node.path.target, op, wanted, values)


def _any_match(attr: Any, op: str, wanted: Any, values: list) -> bool:
    kind = attr.type
    if kind in ("string", "reference", "binary"):
        test = _STRING_TESTS[op]
        if attr.case_exact:
            return any(isinstance(value, str) and test(value, wanted) for value in values)
        wanted = wanted.casefold()
        return any(isinstance(value, str) and test(value.casefold(), wanted)
                   for value in values)
    if kind == "boolean":
        return any(_as_bool(value) is wanted for value in values)
    test = _ORDER_TESTS[op]
    if kind == "dateTime":
        for value in values:
            instant = _as_datetime(value)
            if instant is not None and test(instant, wanted):
                return True
        return False
    return any(isinstance(value, (int, float)) and not isinstance(value, bool)
               and test(value, wanted) for value in values)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    # Tolerate Entra's string booleans should one reach a resource dict.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, str):
        return parse_datetime(value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return None


def _present(node: Any, data: dict, inner: bool) -> bool:
    return any(_is_present(value) for value in _values(node.path, data, inner))


def _and(node: Any, data: dict, inner: bool) -> bool:
    left = node.left
    if not _EVALUATORS[type(left).__name__](left, data, inner):
        return False
    right = node.right
    return _EVALUATORS[type(right).__name__](right, data, inner)


def _or(node: Any, data: dict, inner: bool) -> bool:
    left = node.left
    if _EVALUATORS[type(left).__name__](left, data, inner):
        return True
    right = node.right
    return _EVALUATORS[type(right).__name__](right, data, inner)


def _not(node: Any, data: dict, inner: bool) -> bool:
    child = node.node
    return not _EVALUATORS[type(child).__name__](child, data, inner)


def _value_path(node: Any, data: dict, inner: bool) -> bool:
    path = node.path
    if path.is_extension:
        data = data.get(path.schema)
        if not isinstance(data, dict):
            return False
    elements = data.get(path.attribute.name)
    if isinstance(elements, dict):
        elements = [elements]
    if not isinstance(elements, list):
        return False
    condition = node.filter
    evaluator = _EVALUATORS[type(condition).__name__]
    return any(isinstance(element, dict) and evaluator(condition, element, True)
               for element in elements)


_EVALUATORS = {
    "Compare": _compare,
    "Present": _present,
    "And": _and,
    "Or": _or,
    "Not": _not,
    "ValuePath": _value_path,
}
