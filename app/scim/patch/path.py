"""The ``path`` of a PATCH operation (RFC 7644 §3.5.2, Figure 7).

RFC 7644 §3.5.2 defines the target of an operation with the ABNF::

    PATH = attrPath / valuePath [subAttr]

where (RFC 7644 §3.4.2.2) ``attrPath = [URI ":"] ATTRNAME *1subAttr``,
``valuePath = attrPath "[" valFilter "]"`` and ``subAttr = "." ATTRNAME``.
A path that does not follow it, or names an attribute the resource does not
have, is reported with ``invalidPath``: "The "path" attribute was invalid or
malformed". The filter inside the brackets is parsed by
:mod:`app.scim.filter.parser`, whose errors are ``invalidFilter`` (RFC 7644 Table 9
lists that code for "PATCH (Path Filter - Section 3.5.2)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.scim.errors import InvalidPathError
from app.scim.filter import parser as scim_filter
from app.scim.schema import Attribute
from app.scim.schema import ResolvedPath
from app.scim.schema import ResourceSchema
from app.scim.schema import Schema

_ATTR_PATH = re.compile(
    r"^(?:urn:[A-Za-z0-9._:\-]+:)?[A-Za-z$][A-Za-z0-9_$\-]*(?:\.[A-Za-z$][A-Za-z0-9_$\-]*)?$",
    re.IGNORECASE,
)
_SUB_ATTR = re.compile(r"^\.([A-Za-z$][A-Za-z0-9_$\-]*)$")


@dataclass(frozen=True)
class PatchPath:
    """A parsed path: the top-level attribute, an optional value filter and sub-attribute.

    ``attribute_path`` never carries a sub-attribute; ``sub_attribute`` is the
    one named after the attribute (``name.givenName``) or after the filter
    (``emails[type eq "work"].value``).
    """

    text: str
    attribute_path: ResolvedPath
    value_filter: scim_filter.ValuePath | None = None
    sub_attribute: Attribute | None = None

    @property
    def attribute(self) -> Attribute:
        return self.attribute_path.attribute

    @property
    def name(self) -> str:
        """The canonical top-level name (``emails``, ``<URN>:manager``)."""
        return self.attribute_path.canonical


@dataclass(frozen=True)
class ExtensionPath:
    """A path that is an extension schema URN alone: the whole extension object."""

    text: str
    schema: Schema


def parse_path(text: object, resource: ResourceSchema) -> PatchPath | ExtensionPath:
    """Parse and resolve ``text`` against ``resource``.

    :raises InvalidPathError: when the path is malformed or names an unknown
        attribute or sub-attribute.
    :raises InvalidFilterError: when the value filter is not valid.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidPathError('"path" must be a non-empty string.')
    path = _normalise_urn_separator(text.strip(), resource)
    for extension in resource.extensions:
        if path.lower() == extension.id.lower():
            return ExtensionPath(text, extension)
    head, inner, tail = _split_value_path(path)
    resolved = _resolve(head, resource, text)
    top = ResolvedPath(resolved.schema, resolved.attribute)
    if inner is None:
        return PatchPath(text, top, None, resolved.sub_attribute)
    if resolved.sub_attribute is not None or not resolved.attribute.multi_valued:
        raise InvalidPathError(f'Path "{text}": a value filter applies to a multi-valued attribute.')
    if not inner.strip():
        raise InvalidPathError(f'Path "{text}": the value filter is empty.')
    node = scim_filter.parse(f"{top.canonical}[{inner}]", resource)
    if not isinstance(node, scim_filter.ValuePath):
        raise InvalidPathError(f'Path "{text}" is not a value path.')
    return PatchPath(text, top, node, _tail_sub_attribute(resolved.attribute, tail, text))


def _normalise_urn_separator(path: str, resource: ResourceSchema) -> str:
    """Accept ``<URN>.attr`` for ``<URN>:attr``.

    Entra: Microsoft's SCIMReferenceCode collection ("Update User (manager)")
    sends ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager``.
    """
    for schema in resource.schemas:
        prefix = schema.id.lower() + "."
        if path.lower().startswith(prefix):
            return f"{schema.id}:{path[len(prefix):]}"
    return path


def _split_value_path(path: str) -> tuple[str, str | None, str]:
    """Split ``attr[filter].sub`` into ``attr``, ``filter`` and ``.sub``; quotes are respected."""
    start = path.find("[")
    if start < 0:
        if "]" in path:
            raise InvalidPathError(f'Path "{path}" has an unbalanced "]".')
        return path, None, ""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(path)):
        char = path[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return path[:start], path[start + 1:index], path[index + 1:]
    raise InvalidPathError(f'Path "{path}" has an unbalanced "[".')


def _resolve(head: str, resource: ResourceSchema, text: str) -> ResolvedPath:
    if not _ATTR_PATH.match(head):
        raise InvalidPathError(f'Path "{text}" is malformed.')
    resolved = resource.resolve(head)
    if resolved is None and ":" not in head:
        # Entra: Microsoft Learn's "Set manager" example sends the bare
        # ``"path": "manager"``, an attribute of the EnterpriseUser extension.
        for extension in resource.extensions:
            resolved = resource.resolve(f"{extension.id}:{head}")
            if resolved is not None:
                break
    if resolved is None:
        raise InvalidPathError(f'Path "{text}" names no attribute of {resource.name}.')
    return resolved


def _tail_sub_attribute(attribute: Attribute, tail: str, text: str) -> Attribute | None:
    if not tail:
        return None
    match = _SUB_ATTR.match(tail)
    sub = attribute.sub(match.group(1)) if match else None
    if sub is None:
        raise InvalidPathError(f'Path "{text}" names no sub-attribute of "{attribute.name}".')
    return sub


def element_matches(path: PatchPath, element: dict) -> bool:
    """Whether one value of a multi-valued attribute matches the path's value filter."""
    if path.value_filter is None:
        return True
    if path.attribute_path.is_extension:
        wrapper: dict = {path.attribute_path.schema: {path.attribute.name: [element]}}
    else:
        wrapper = {path.attribute.name: [element]}
    return scim_filter.matches(path.value_filter, wrapper)


def filter_equalities(path: PatchPath) -> dict | None:
    """The ``sub eq literal`` conjuncts of the value filter as a dict, or None.

    Used to build the value an ``add`` creates when nothing matches
    (``emails[type eq "work"].value`` → ``{"type": "work", "value": ...}``).
    """
    if path.value_filter is None:
        return None
    found: dict = {}
    pending = [path.value_filter.filter]
    while pending:
        node = pending.pop()
        if isinstance(node, scim_filter.And):
            pending.extend((node.left, node.right))
        elif (isinstance(node, scim_filter.Compare) and node.op == "eq"
              and node.path.sub_attribute is not None and node.value is not None):
            found[node.path.sub_attribute.name] = node.value
        else:
            return None
    return found
