"""Coercion of PATCH values to the attribute definitions (RFC 7643 §2.3, §2.4).

Tolerant reader: the IdP shapes listed in docs/patch.md are turned into the
canonical form (booleans as JSON booleans, complex values as dicts with the
canonical sub-attribute spelling). Anything else of the wrong type is an
``invalidValue`` error naming the attribute.
"""

from __future__ import annotations

from typing import Any

from app.scim.errors import InvalidValueError
from app.scim.schema import Attribute

_SCALAR_TYPES = (str, int, float, bool)


def coerce_scalar(attr: Attribute, value: Any, where: str) -> Any:
    """Return ``value`` as the JSON type of ``attr`` (a non-complex attribute); None stays None."""
    if value is None:
        return None
    if attr.type == "boolean":
        if isinstance(value, bool):
            return value
        # Entra: without aadOptscim062020 it sends "True"/"False" (any case)
        # for booleans, e.g. {"op":"Replace","path":"active","value":"False"}.
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise InvalidValueError(f'"{where}" must be a boolean.')
    if attr.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InvalidValueError(f'"{where}" must be an integer.')
    if attr.type == "decimal":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise InvalidValueError(f'"{where}" must be a number.')
    if attr.type == "complex":
        raise InvalidValueError(f'"{where}" must be an object.')
    if isinstance(value, str):
        return value
    raise InvalidValueError(f'"{where}" must be a string.')


def coerce_sub_attributes(attr: Attribute, value: Any, where: str) -> dict:
    """Return the known, client-writable sub-attributes of a complex value.

    Unknown sub-attributes are ignored (the SCIMReferenceCode collection sends
    ``"displayName"`` inside a member), and so are read-only ones such as
    ``members.display`` or ``manager.displayName``: the server computes them.
    Null sub-attribute values mean "unassigned" (RFC 7643 §2.5) and are dropped.
    """
    if not isinstance(value, dict):
        raise InvalidValueError(f'"{where}" must be an object.')
    out: dict = {}
    for key, sub_value in value.items():
        sub = attr.sub(key) if isinstance(key, str) else None
        if sub is None or sub.mutability == "readOnly":
            continue
        coerced = coerce_scalar(sub, sub_value, f"{where}.{sub.name}")
        if coerced is not None:
            out[sub.name] = coerced
    return out


def coerce_element(attr: Attribute, value: Any, where: str) -> Any:
    """Coerce one value of a multi-valued attribute."""
    if not attr.is_complex:
        if value is None:
            raise InvalidValueError(f'"{where}" must not contain null.')
        return coerce_scalar(attr, value, where)
    if attr.sub("value") is not None and isinstance(value, _SCALAR_TYPES):
        # Entra: "add members" with a bare id string as value (SCIMReferenceCode
        # "Group patch add member": "value": "string id 1").
        value = {"value": value}
    element = coerce_sub_attributes(attr, value, where)
    if not element:
        raise InvalidValueError(f'"{where}" has no value.')
    return element


def coerce_elements(attr: Attribute, value: Any, where: str) -> list:
    """Coerce the value(s) given for a multi-valued attribute into a list.

    RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more
    than once."
    """
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    elements: list = []
    by_value: dict = {}
    for item in items:
        element = coerce_element(attr, item, where)
        key = _value_key(attr, element)
        known = elements if key is None else by_value.get(key, ())
        if not any(same_element(attr, element, other) for other in known):
            elements.append(element)
            if key is not None:
                by_value.setdefault(key, []).append(element)
    if sum(1 for e in elements if isinstance(e, dict) and e.get("primary") is True) > 1:
        raise InvalidValueError(f'"{where}": "primary" is true on more than one value.')
    return elements


def coerce_single_complex(attr: Attribute, value: Any, where: str) -> dict | None:
    """Coerce the value of a single-valued complex attribute; None means unassign.

    Entra sends ``manager`` as a bare id string, as ``{"value": id}``, or as an
    array of one such object (Microsoft Learn "Set manager"); an empty string
    or an empty ``value`` removes the manager (Entra's validator, test 25).
    """
    if isinstance(value, list):
        if not value:
            return None
        if len(value) > 1:
            raise InvalidValueError(f'"{where}" is single-valued.')
        value = value[0]
    has_value_sub = attr.sub("value") is not None
    if has_value_sub and isinstance(value, _SCALAR_TYPES) and not isinstance(value, bool):
        value = {"value": value}
    if value is None:
        return None
    coerced = coerce_sub_attributes(attr, value, where)
    if has_value_sub and any(isinstance(k, str) and k.lower() == "value" for k in value):
        if coerced.get("value", "") == "":
            return None
    return coerced


def _value_key(attr: Attribute, element: Any) -> Any:
    """The key under which :func:`same_element` can only match equal keys, or None.

    Elements are compared only with those sharing their ``value``, so that
    de-duplicating 5,000 group members is linear, not 12.5M comparisons.
    """
    value_attr = attr.sub("value")
    if value_attr is None or not isinstance(element, dict):
        return None
    value = element.get("value")
    if isinstance(value, str) and not value_attr.case_exact:
        return value.lower()
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value).__name__, value)


def same_element(attr: Attribute, left: Any, right: Any) -> bool:
    """Whether two values of a multi-valued attribute denote the same value.

    Values with a ``value`` sub-attribute are the same when their ``value`` is
    equal (case-insensitively unless caseExact) and their ``type``, when both
    have one, is equal too; other values compare as a whole.
    """
    if not (isinstance(left, dict) and isinstance(right, dict)) or attr.sub("value") is None:
        return left == right
    value_attr = attr.sub("value")
    if not _equal(value_attr, left.get("value"), right.get("value")):
        return False
    left_type = left.get("type")
    right_type = right.get("type")
    if left_type is None or right_type is None:
        return True
    return _equal(attr.sub("type") or value_attr, left_type, right_type)


def _equal(attr: Attribute, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str) and not attr.case_exact:
        return left.lower() == right.lower()
    return left == right
