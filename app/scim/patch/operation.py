"""One PATCH operation applied to a resource dict in place (RFC 7644 §3.5.2.1-3).

The caller (:func:`app.scim.patch.engine.apply_patch`) works on a deep copy, so an
error half-way leaves the original resource untouched: RFC 7644 §3.5.2 "A
PATCH request, regardless of the number of operations, SHALL be treated as
atomic. If a single operation encounters an error condition, the original
target resource MUST be restored, and a failure status SHALL be returned."
"""

from __future__ import annotations

from typing import Any

from app.scim.errors import InvalidValueError
from app.scim.errors import MutabilityError
from app.scim.errors import NoTargetError
from app.scim.patch.path import PatchPath
from app.scim.patch.path import element_matches
from app.scim.patch.path import filter_equalities
from app.scim.patch.values import coerce_element
from app.scim.patch.values import coerce_elements
from app.scim.patch.values import coerce_scalar
from app.scim.patch.values import coerce_single_complex
from app.scim.patch.values import same_element
from app.scim.schema import Attribute


def apply_operation(resource: dict, op: str, path: PatchPath, value: Any) -> None:
    """Apply ``op`` (``add``, ``replace`` or ``remove``) at ``path``.

    For ``remove``, ``value`` is the optional value (Entra's remove-with-value)
    or None; for ``add`` and ``replace``, None means "unassign" (RFC 7643 §2.5).

    RFC 7644 §3.5.2: "Each operation against an attribute MUST be compatible
    with the attribute's mutability and schema ... a client MUST NOT modify
    an attribute that has mutability "readOnly" or "immutable". However, a
    client MAY "add" a value to an "immutable" attribute if the attribute had
    no previous value."
    """
    target = path.sub_attribute or path.attribute
    if path.attribute.mutability == "readOnly" or target.mutability == "readOnly":
        raise MutabilityError(f'"{path.text}" is read-only.')
    if path.attribute.multi_valued:
        _apply_multi(resource, op, path, value)
    elif path.sub_attribute is not None:
        _apply_sub(resource, op, path, value)
    else:
        _apply_single(resource, op, path, value)


def _container(resource: dict, path: PatchPath, create: bool) -> dict | None:
    if not path.attribute_path.is_extension:
        return resource
    urn = path.attribute_path.schema
    extension = resource.get(urn)
    if isinstance(extension, dict):
        return extension
    if not create:
        return None
    resource[urn] = {}
    schemas = resource.get("schemas")
    if isinstance(schemas, list) and urn not in schemas:
        schemas.append(urn)
    return resource[urn]


def _current(resource: dict, path: PatchPath) -> Any:
    container = _container(resource, path, create=False)
    return None if container is None else container.get(path.attribute.name)


def _store(resource: dict, path: PatchPath, value: Any) -> None:
    """Set the attribute, or unassign it when ``value`` is None, {} or []."""
    if value is None or value == {} or value == []:
        container = _container(resource, path, create=False)
        if container is not None:
            container.pop(path.attribute.name, None)
        return
    _container(resource, path, create=True)[path.attribute.name] = value


def _check_unassign(path: PatchPath) -> None:
    """RFC 7644 §3.5.2.2: "If an attribute is removed or becomes unassigned and
    is defined as a required attribute or a read-only attribute, the server
    SHALL return ... a "scimType" error code of "mutability"."
    """
    if path.attribute.required:
        raise MutabilityError(f'"{path.text}" is required and cannot be removed.')


def _check_immutable(attr: Attribute, old: Any, new: Any, path: PatchPath) -> None:
    if attr.mutability == "immutable" and old is not None and old != new:
        raise MutabilityError(f'"{path.text}" is immutable.')


def _apply_single(resource: dict, op: str, path: PatchPath, value: Any) -> None:
    """A single-valued attribute.

    RFC 7644 §3.5.2.1: "If the target location specifies a single-valued
    attribute, the existing value is replaced." §3.5.2.3: "If the target
    location path specifies an attribute that does not exist, the service
    provider SHALL treat the operation as an "add"." §3.5.2.2: "If the target
    location is a single-value attribute, the attribute and its associated
    value is removed, and the attribute SHALL be considered unassigned."
    """
    attr = path.attribute
    old = _current(resource, path)
    if op == "remove" or value is None:
        _check_unassign(path)
        _check_immutable(attr, old, None, path)
        _store(resource, path, None)
        return
    if not attr.is_complex:
        new = coerce_scalar(attr, value, path.text)
        _check_immutable(attr, old, new, path)
        _store(resource, path, new)
        return
    new = coerce_single_complex(attr, value, path.text)
    if new is None:
        _check_unassign(path)
        _store(resource, path, None)
        return
    if attr.sub("value") is not None and "value" in new:
        # A reference-like value ({"value", "$ref", "displayName"}): the other
        # sub-attributes describe the value, so a new value replaces them all.
        _store(resource, path, new)
        return
    # RFC 7644 §3.5.2.3: "Sub-attributes that are not specified in the
    # "value" parameter are left unchanged."
    merged = dict(old) if isinstance(old, dict) else {}
    merged.update(new)
    _store(resource, path, merged)


def _apply_sub(resource: dict, op: str, path: PatchPath, value: Any) -> None:
    sub = path.sub_attribute
    old = _current(resource, path)
    current = dict(old) if isinstance(old, dict) else {}
    new = None if op == "remove" else coerce_scalar(sub, value, path.text)
    _check_immutable(sub, current.get(sub.name), new, path)
    if sub.name == "value":
        # ``manager.value``: the other sub-attributes describe the old value.
        if new is None or new == "":
            current = {}
        elif current.get("value") != new:
            current = {"value": new}
    elif new is None:
        current.pop(sub.name, None)
    else:
        current[sub.name] = new
    if not current and path.attribute.required:
        _check_unassign(path)
    _store(resource, path, current)


def _apply_multi(resource: dict, op: str, path: PatchPath, value: Any) -> None:
    attr = path.attribute
    old = _current(resource, path)
    elements = [dict(e) if isinstance(e, dict) else e for e in old] if isinstance(old, list) else []
    if path.value_filter is None and path.sub_attribute is None:
        elements = _whole_multi(elements, op, path, value)
    else:
        elements = _selected_multi(elements, op, path, value)
    _check_primary(attr, elements, path)
    _store(resource, path, elements)


def _whole_multi(elements: list, op: str, path: PatchPath, value: Any) -> list:
    attr = path.attribute
    if op == "replace":
        # RFC 7644 §3.5.2.3: "If the target location is a multi-valued
        # attribute and no filter is specified, the attribute and all values
        # are replaced."
        return [_keep_read_only(attr, elements, new) for new in coerce_elements(attr, value, path.text)]
    if op == "remove":
        if value is None:
            # RFC 7644 §3.5.2.2: "If the target location is a multi-valued
            # attribute and no filter is specified, the attribute and all
            # values are removed, and the attribute SHALL be considered unassigned."
            return []
        # Entra (without aadOptscim062020): {"op":"Remove","path":"members",
        # "value":[{"value":"id"}]} removes exactly those values, never all.
        targets = coerce_elements(attr, value, path.text)
        return [e for e in elements if not any(same_element(attr, e, t) for t in targets)]
    # RFC 7644 §3.5.2.1: "If the target location specifies a multi-valued
    # attribute, a new value is added to the attribute." and "If the target
    # location already contains the value specified, no changes SHOULD be made".
    for new in coerce_elements(attr, value, path.text):
        _merge_or_append(attr, elements, new)
    return elements


def _keep_read_only(attr: Attribute, elements: list, new: Any) -> Any:
    """Carry the server-computed sub-attributes (``members.display``) of an equal stored value.

    A client cannot set them (they are dropped from its values), so a replace
    with the values already stored must not look like a change.
    """
    if not isinstance(new, dict):
        return new
    for existing in elements:
        if isinstance(existing, dict) and same_element(attr, existing, new):
            kept = {name: v for name, v in existing.items()
                    if (sub := attr.sub(name)) is not None and sub.mutability == "readOnly"}
            return {**new, **kept}
    return new


def _merge_or_append(attr: Attribute, elements: list, new: Any) -> None:
    for index, existing in enumerate(elements):
        if same_element(attr, existing, new):
            if isinstance(existing, dict) and isinstance(new, dict):
                # The stored spelling of an equal value is kept.
                elements[index] = {**existing, **new, **{k: existing[k] for k in ("value",) if k in existing}}
                _clear_other_primaries(elements, index, new)
            return
    elements.append(new)
    _clear_other_primaries(elements, len(elements) - 1, new)


def _clear_other_primaries(elements: list, keep: int, new: Any) -> None:
    """RFC 7644 §3.5.2: "For multi-valued attributes, a PATCH operation that
    sets a value's "primary" sub-attribute to "true" SHALL cause the server to
    automatically set "primary" to "false" for any other values in the array."
    """
    if not (isinstance(new, dict) and new.get("primary") is True):
        return
    for index, element in enumerate(elements):
        if index != keep and isinstance(element, dict) and element.get("primary") is True:
            element["primary"] = False


def _selected_multi(elements: list, op: str, path: PatchPath, value: Any) -> list:
    """Operations through a value filter and/or on a sub-attribute of every value."""
    sub = path.sub_attribute
    selected = [i for i, e in enumerate(elements) if isinstance(e, dict) and element_matches(path, e)]
    if op == "remove":
        if sub is None:
            # RFC 7644 §3.5.2.2: "the values matched by the filter are removed."
            return [e for i, e in enumerate(elements) if i not in selected]
        for index in selected:
            _check_immutable(sub, elements[index].get(sub.name), None, path)
            elements[index].pop(sub.name, None)
        return [e for e in elements if e != {}]
    if not selected:
        if op == "replace" and path.value_filter is not None:
            # RFC 7644 §3.5.2.3: "If the target location is a multi-valued
            # attribute for which a value selection filter ("valuePath") has
            # been supplied and no record match was made, the service provider
            # SHALL indicate failure by returning HTTP status code 400 and a
            # "scimType" error code of "noTarget"."
            raise NoTargetError(f'No value of "{path.attribute.name}" matches "{path.text}".')
        elements.append(_new_element(path, value))
        return elements
    for index in selected:
        elements[index] = _updated_element(elements[index], op, path, value)
    if len(selected) == 1:
        _clear_other_primaries(elements, selected[0], elements[selected[0]])
    return _dedupe(elements)


def _updated_element(element: dict, op: str, path: PatchPath, value: Any) -> dict:
    sub = path.sub_attribute
    if sub is not None:
        new = coerce_scalar(sub, value, path.text)
        _check_immutable(sub, element.get(sub.name), new, path)
        updated = dict(element)
        if new is None:
            updated.pop(sub.name, None)
        else:
            updated[sub.name] = new
        return updated
    new = coerce_element(path.attribute, value, path.text)
    for name, old in element.items():
        sub_def = path.attribute.sub(name)
        if sub_def is not None:
            _check_immutable(sub_def, old, new.get(name, old) if op == "add" else new.get(name), path)
    # RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced";
    # an add merges its sub-attributes into the matching values instead.
    return {**element, **new} if op == "add" else _keep_read_only(path.attribute, [element], new)


def _new_element(path: PatchPath, value: Any) -> dict:
    """The value an ``add`` (or a replace without filter) creates when nothing matches.

    Entra sends ``{"op":"Add","path":"emails[type eq \\"work\\"].value",...}``
    for a user who has no work e-mail yet: the filter's ``eq`` terms become
    sub-attributes of the new value.
    """
    base = filter_equalities(path) if path.value_filter is not None else {}
    if base is None:
        raise NoTargetError(f'No value matches "{path.text}" and the filter cannot describe a new one.')
    if path.sub_attribute is not None:
        new = coerce_scalar(path.sub_attribute, value, path.text)
        if new is None:
            raise NoTargetError(f'No value matches "{path.text}".')
        element = {**base, path.sub_attribute.name: new}
    else:
        element = {**base, **coerce_element(path.attribute, value, path.text)}
    return coerce_element(path.attribute, element, path.text)


def _dedupe(elements: list) -> list:
    kept: list = []
    for element in elements:
        if not any(element == known for known in kept):
            kept.append(element)
    return kept


def _check_primary(attr: Attribute, elements: list, path: PatchPath) -> None:
    """RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."."""
    if sum(1 for e in elements if isinstance(e, dict) and e.get("primary") is True) > 1:
        raise InvalidValueError(f'"{path.text}": "primary" is true on more than one value.')
