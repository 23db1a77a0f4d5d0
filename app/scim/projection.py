"""Attribute projection: what a response shows, per the ``returned`` characteristic.

RFC 7643 §7 defines ``returned``:

- "always: The attribute is always returned, regardless of the contents of
  the "attributes" parameter" (``id``);
- "never: The attribute is never returned" (``password``);
- "default: The attribute is returned by default in all SCIM operation
  responses where attribute values are returned. If the GET request
  "attributes" parameter is specified, attribute values are only returned
  if the attribute is named in the "attributes" parameter";
- "request: The attribute is returned in response to any PUT, POST, or
  PATCH operations if the attribute was specified by the client ... or if
  the attribute was named in the "attributes" parameter".

RFC 7644 §3.4.2.5 adds ``excludedAttributes``: "a multi-valued list of
strings indicating the names of resource attributes to be removed from the
default set of attributes to return". Naming an ``always`` attribute there
has no effect.

Names are resolved case-insensitively against the resource schema. A name
that the schema does not define is ignored. Entra's reference tests send
``attributes=emails[type eq "work"]``: the bracketed filter is dropped and
the name read as ``emails``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.scim.schema import Attribute
from app.scim.schema import ResourceSchema
from app.scim.storage import AttributeSelection

_VALUE_FILTER = re.compile(r"\[[^\]]*\]")


def canonical_names(resource: ResourceSchema, names: Iterable[str]) -> tuple[str, ...]:
    """Resolve attribute names to canonical paths; a bare extension URN stands
    for all its attributes; unknown names are dropped."""
    out: list[str] = []
    for raw in names:
        name = _VALUE_FILTER.sub("", raw.strip())
        extension = resource.extension(name)
        if extension is not None:
            out.extend(f"{extension.id}:{attr.name}" for attr in extension.attributes)
            continue
        resolved = resource.resolve(name)
        if resolved is not None and resolved.canonical not in out:
            out.append(resolved.canonical)
    return tuple(out)


def selection_for(resource: ResourceSchema, attributes: Iterable[str],
                  excluded: Iterable[str]) -> AttributeSelection:
    """Build the :class:`AttributeSelection` a storage is told about.

    When ``attributes`` is given, the ``always`` attributes (``id``) are
    added to it, since they are returned whatever the client asks.
    """
    wanted = canonical_names(resource, attributes)
    if wanted:
        always = tuple(a.name for a in resource.core.attributes if a.returned == "always")
        wanted = tuple(dict.fromkeys(always + wanted))
    return AttributeSelection(attributes=wanted, excluded=canonical_names(resource, excluded))


def _named(paths: tuple[str, ...], top: str) -> tuple[bool, set[str]]:
    """Tell whether ``top`` itself is named in ``paths``, and which of its sub-attributes are."""
    low = top.lower()
    whole = False
    subs: set[str] = set()
    for path in paths:
        p = path.lower()
        if p == low:
            whole = True
        elif p.startswith(low + "."):
            subs.add(p[len(low) + 1:])
    return whole, subs


def _project_value(attr: Attribute, value: Any, keep_subs: set[str] | None,
                   drop_subs: set[str]) -> Any:
    """Drop the sub-attributes not shown: ``returned: never``, excluded, or not selected."""
    if not attr.is_complex:
        return value

    shown: dict[str, str | None] = {}  # key → the name it is shown under, None when dropped

    def name_of(key: str) -> str | None:
        sub = attr.sub(key)
        if sub is None or sub.returned == "never":
            return None
        low = sub.name.lower()
        if low in drop_subs or (keep_subs is not None and low not in keep_subs
                                and sub.returned != "always"):
            return None
        if sub.returned == "request" and (keep_subs is None or low not in keep_subs):
            return None
        return sub.name

    as_is: dict[tuple, bool] = {}  # key sets every key of which is shown under its own name

    def one(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        keys = tuple(item)
        if keys not in as_is:
            for key in keys:
                if key not in shown:
                    shown[key] = name_of(key)
            as_is[keys] = all(shown[key] == key for key in keys)
        if as_is[keys]:
            return dict(item)  # the usual case (a member's value, type, $ref): a plain copy
        return {shown[k]: v for k, v in item.items() if shown[k] is not None}

    if attr.multi_valued and isinstance(value, list):
        return [one(item) for item in value]
    return one(value)


def _project_attribute(attr: Attribute, canonical: str, value: Any,
                       selection: AttributeSelection) -> tuple[bool, Any]:
    """Decide whether ``attr`` is shown and with which sub-attributes.

    Null values and empty lists are left out: RFC 7643 §2.5 makes them
    equivalent to an unassigned attribute.
    """
    if attr.returned == "never" or value is None or value == []:
        return False, None
    whole_ex, subs_ex = _named(selection.excluded, canonical)
    if attr.returned == "always":
        return True, _project_value(attr, value, None, set())
    if whole_ex:
        return False, None
    if selection.attributes:
        whole, subs = _named(selection.attributes, canonical)
        if not whole and not subs:
            return False, None
        return True, _project_value(attr, value, None if whole else subs, subs_ex)
    if attr.returned == "request":
        return False, None
    return True, _project_value(attr, value, None, subs_ex)


class _Keys:
    """Finds the key of a dict that spells a name, case-insensitively.

    The lowercased index is built once per dict, not once per looked-up
    name: a resource has few keys but its schema has many attributes.
    """

    def __init__(self, data: dict):
        self.data = data
        self.lowered: dict[str, str] = {}
        for key in data:
            if isinstance(key, str):
                self.lowered.setdefault(key.lower(), key)

    def find(self, name: str) -> str | None:
        """The key spelled exactly ``name``, else the first spelling it in another case."""
        if name in self.data:
            return name
        return self.lowered.get(name.lower())


def project(resource: dict, schema: ResourceSchema, selection: AttributeSelection) -> dict:
    """Return the part of ``resource`` a response shows, with ``schemas`` recomputed.

    ``schemas`` lists the core schema and the extensions that remain in the
    projected resource (RFC 7643 §3: "schemas ... REQUIRED").
    """
    out: dict = {}
    keys = _Keys(resource)
    for attr in schema.core.attributes:
        key = keys.find(attr.name)
        if key is None:
            continue
        keep, projected = _project_attribute(attr, attr.name, resource[key], selection)
        if keep:
            out[attr.name] = projected
    for extension in schema.extensions:
        key = keys.find(extension.id)
        if key is None or not isinstance(resource[key], dict):
            continue
        shown = {}
        sub_keys = _Keys(resource[key])
        for attr in extension.attributes:
            sub_key = sub_keys.find(attr.name)
            if sub_key is None:
                continue
            keep, projected = _project_attribute(attr, f"{extension.id}:{attr.name}",
                                                 resource[key][sub_key], selection)
            if keep:
                shown[attr.name] = projected
        if shown:
            out[extension.id] = shown
    present = [ext.id for ext in schema.extensions if ext.id in out]
    return {"schemas": [schema.core.id, *present], **out}
