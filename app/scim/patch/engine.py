"""PATCH engine (RFC 7644 §3.5.2): a pure function over SCIM resource dicts.

:func:`apply_patch` applies the ``Operations`` of a PatchOp request to a deep
copy of a canonical resource and reports what changed, so that a backend can
make the fewest writes. It reads both IdP dialects (docs/patch.md):

* RFC 7644 §3.5.2: "Each PATCH operation object MUST have exactly one "op"
  member, whose value indicates the operation to perform and MAY be one of
  "add", "remove", or "replace"." Entra sends ``Add``, ``Replace`` and
  ``Remove``, so ``op`` (and the member names) are compared case-insensitively.
* RFC 7644 §3.5.2: "Operations are applied sequentially in the order they
  appear in the array. Each operation in the sequence is applied to the
  target resource; the resulting resource becomes the target of the next
  operation."
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.scim.errors import InvalidPathError
from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.errors import NoTargetError
from app.scim.errors import SCIMError
from app.scim.filter import parser as scim_filter
from app.scim.patch.deltas import DeltaRecorder
from app.scim.patch.deltas import values_of
from app.scim.patch.operation import apply_operation
from app.scim.patch.path import ExtensionPath
from app.scim.patch.path import PatchPath
from app.scim.patch.path import parse_path
from app.scim.patch.values import coerce_elements
from app.scim.schema import ResourceSchema

OPERATIONS = ("add", "remove", "replace")

# Okta's path-less group rename carries the read-only "id"
# ({"op":"replace","value":{"id":...,"displayName":...}}); these keys of a
# path-less value are ignored rather than rejected.
IGNORED_PATHLESS_KEYS = frozenset({"id", "meta", "schemas"})


@dataclass
class MultiValuedDelta:
    """Changes to a multi-valued attribute handled as a delta (``members``).

    ``added`` are the new elements (dicts with at least ``value``),
    ``removed`` the ``value`` s of elements to remove, and ``replaced`` the
    whole new set when a replace (or a filter the engine could not reduce to
    values) was applied: the backend then diffs it against what it stores.
    """

    added: list[dict] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[dict] | None = None


@dataclass
class PatchResult:
    """The new resource and what changed.

    ``changed`` holds the canonical top-level paths whose value changed
    (``name``, ``emails``, ``active``, ``<URN>:manager`` ...); ``deltas``
    the attributes handled as deltas.
    """

    resource: dict
    changed: set[str] = field(default_factory=set)
    deltas: dict[str, MultiValuedDelta] = field(default_factory=dict)

    @property
    def is_noop(self) -> bool:
        return not self.changed and not any(
            d.added or d.removed or d.replaced is not None for d in self.deltas.values()
        )


class NeedsFullAttribute(SCIMError):
    """A delta attribute was targeted by a filter that names no explicit values.

    ``members[display co "a"]`` can only be evaluated against the stored
    members: the caller loads ``attribute`` into the resource and calls
    :func:`apply_patch` again without it in ``delta_attributes``. It is a
    :class:`SCIMError` (500) so that, if a caller forgot to handle it, the
    client still gets a SCIM error body.
    """

    status = 500
    default_detail = "The attribute must be loaded to apply this operation."

    def __init__(self, attribute: str):
        super().__init__(f'The operation needs the stored values of "{attribute}".')
        self.attribute = attribute


def apply_patch(
    resource: dict,
    operations: list[dict],
    schema: ResourceSchema,
    delta_attributes: frozenset[str] = frozenset(),
) -> PatchResult:
    """Apply ``operations`` to a copy of ``resource``.

    Attributes named in ``delta_attributes`` (canonical names, e.g.
    ``{"members"}``) are not present in ``resource``; their changes are
    recorded in ``PatchResult.deltas`` instead of being applied, and they
    never appear in ``changed``.

    :raises SCIMError: ``invalidPath``, ``noTarget``, ``mutability``,
        ``invalidValue``, ``invalidSyntax`` or ``invalidFilter``.
    :raises NeedsFullAttribute: when a delta attribute must be loaded first.
    """
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntaxError('"Operations" must be a non-empty array.')
    working = copy.deepcopy(resource)
    recorder = DeltaRecorder(frozenset(delta_attributes))
    for index, raw in enumerate(operations):
        op, path, value = _read_operation(raw, index)
        for target, target_value in _targets(op, path, value, schema):
            _dispatch(working, op, target, target_value, recorder)
    _drop_empty_extensions(working, schema)
    changed = changed_attributes(resource, working, schema, recorder)
    return PatchResult(working, changed, recorder.deltas(MultiValuedDelta))


def _read_operation(raw: Any, index: int) -> tuple[str, Any, Any]:
    """Return ``(op, path, value)``; a missing path is None, a missing value is None."""
    where = f"Operations[{index}]"
    if not isinstance(raw, dict):
        raise InvalidSyntaxError(f"{where} must be an object.")
    members: dict[str, Any] = {}
    for key, member in raw.items():
        name = key.lower() if isinstance(key, str) else key
        if name in members:
            raise InvalidSyntaxError(f'{where} has "{key}" more than once.')
        members[name] = member
    op = members.get("op")
    if not isinstance(op, str) or op.lower() not in OPERATIONS:
        raise InvalidSyntaxError(f'{where}: "op" must be one of add, remove, replace.')
    op = op.lower()
    if op != "remove" and "value" not in members:
        # RFC 7644 §3.5.2.1: "The operation MUST contain a "value" member
        # whose content specifies the value to be added."
        raise InvalidSyntaxError(f'{where}: "{op}" needs a "value".')
    return op, members.get("path"), members.get("value")


def _targets(op: str, path: Any, value: Any, schema: ResourceSchema) -> list[tuple[PatchPath, Any]]:
    """Expand one operation into ``(path, value)`` pairs, one per attribute."""
    if path is None:
        if op == "remove":
            # RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation
            # fails with HTTP status code 400 and a "scimType" error code of
            # "noTarget"."
            raise NoTargetError('"remove" needs a "path".')
        # RFC 7644 §3.5.2.1: "If omitted, the target location is assumed to
        # be the resource itself. The "value" parameter contains a set of
        # attributes to be added to the resource."
        return _pathless_targets(op, value, schema)
    parsed = parse_path(path, schema)
    if isinstance(parsed, ExtensionPath):
        return _extension_targets(op, parsed, value, schema)
    return [(parsed, value)]


def _pathless_targets(op: str, value: Any, schema: ResourceSchema) -> list[tuple[PatchPath, Any]]:
    """Targets of a path-less add/replace.

    Keys are attribute names, but also (Entra with aadOptscim062020) dotted
    or URN paths such as ``"name.givenName"`` or
    ``"urn:...:enterprise:2.0:User:employeeNumber"``, and an extension URN
    whose value is an object of its attributes. Okta sends a nested whole
    object (``{"active": false}``, ``{"name": {...}}``) and may include ``id``.
    """
    if not isinstance(value, dict):
        raise InvalidValueError('A path-less "value" must be an object of attributes.')
    targets: list[tuple[PatchPath, Any]] = []
    for key, sub_value in value.items():
        if not isinstance(key, str):
            raise InvalidPathError("Attribute names must be strings.")
        if key.lower() in IGNORED_PATHLESS_KEYS:
            continue
        parsed = parse_path(key, schema)
        if isinstance(parsed, ExtensionPath):
            targets.extend(_extension_targets(op, parsed, sub_value, schema))
        else:
            targets.append((parsed, sub_value))
    return targets


def _extension_targets(op: str, path: ExtensionPath, value: Any,
                       schema: ResourceSchema) -> list[tuple[PatchPath, Any]]:
    """A path naming a whole extension: one target per attribute of its value."""
    if op == "remove":
        return [(parse_path(f"{path.schema.id}:{attr.name}", schema), None)
                for attr in path.schema.attributes if attr.mutability != "readOnly"]
    if not isinstance(value, dict):
        raise InvalidValueError(f'"{path.text}" must be an object of attributes.')
    targets: list[tuple[PatchPath, Any]] = []
    for key, sub_value in value.items():
        if not isinstance(key, str) or ":" in key or "[" in key:
            raise InvalidPathError(f'"{path.text}" holds an invalid attribute name.')
        targets.append((parse_path(f"{path.schema.id}:{key}", schema), sub_value))
    return targets


def _dispatch(resource: dict, op: str, path: PatchPath, value: Any, recorder: DeltaRecorder) -> None:
    if recorder.handles(path.name):
        _record_delta(op, path, value, recorder)
    else:
        apply_operation(resource, op, path, value)


def _record_delta(op: str, path: PatchPath, value: Any, recorder: DeltaRecorder) -> None:
    """Fold one operation on a delta attribute (``members``) into the recorder."""
    name = path.name
    if path.sub_attribute is not None:
        raise NeedsFullAttribute(name)
    if path.value_filter is not None:
        values = _filter_values(path) if op == "remove" else None
        if values is None:
            raise NeedsFullAttribute(name)
        recorder.remove(name, values)
        return
    if op == "add":
        recorder.add(name, coerce_elements(path.attribute, value, path.text))
    elif op == "replace":
        recorder.replace(name, coerce_elements(path.attribute, value, path.text))
    elif value is None:
        # RFC 7644 §3.5.2.2: with no filter "the attribute and all values are removed".
        recorder.replace(name, [])
    else:
        # Entra (without aadOptscim062020): remove with a value array (or a
        # bare id) removes exactly those members, never all of them.
        recorder.remove(name, values_of(name, coerce_elements(path.attribute, value, path.text)))


def _filter_values(path: PatchPath) -> list[str] | None:
    """``value eq "x"`` (or an ``or`` of them) as ``["x", ...]``; None when not reducible."""
    values: list[str] = []
    pending = [path.value_filter.filter]
    while pending:
        node = pending.pop()
        if isinstance(node, scim_filter.Or):
            pending.extend((node.right, node.left))
        elif (isinstance(node, scim_filter.Compare) and node.op == "eq"
              and node.path.sub_attribute is not None
              and node.path.sub_attribute.name == "value"
              and isinstance(node.value, str)):
            values.append(node.value)
        else:
            return None
    return values


def _drop_empty_extensions(resource: dict, schema: ResourceSchema) -> None:
    """An extension whose last attribute was removed leaves the resource and its ``schemas``."""
    for extension in schema.extensions:
        if resource.get(extension.id) == {}:
            del resource[extension.id]
            schemas = resource.get("schemas")
            if isinstance(schemas, list) and extension.id in schemas:
                schemas.remove(extension.id)


def changed_attributes(before: dict, after: dict, schema: ResourceSchema,
                       recorder: DeltaRecorder | None = None) -> set[str]:
    """The canonical top-level attributes whose value differs between two resources.

    Unassigned, null, ``{}`` and ``[]`` are the same state (RFC 7643 §2.5:
    "Unassigned attributes, the null value, or empty array (in the case of
    a multi-valued attribute) SHALL be considered to be equivalent in
    "state"."), so setting a value that is already there is not a change.
    """
    changed: set[str] = set()
    for resource_schema in schema.schemas:
        is_core = resource_schema is schema.core
        old_holder = before if is_core else before.get(resource_schema.id)
        new_holder = after if is_core else after.get(resource_schema.id)
        for attr in resource_schema.attributes:
            name = attr.name if is_core else f"{resource_schema.id}:{attr.name}"
            if recorder is not None and recorder.handles(name):
                continue
            if _state(old_holder, attr.name) != _state(new_holder, attr.name):
                changed.add(name)
    return changed


def _state(holder: Any, name: str) -> Any:
    if not isinstance(holder, dict):
        return None
    value = holder.get(name)
    return None if value in (None, [], {}) else value
