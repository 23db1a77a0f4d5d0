"""Resource payloads (POST and PUT bodies), validated with marshmallow.

The marshmallow schemas are generated from :mod:`app.scim.schema`, so the
attributes we validate are exactly the attributes we advertise in
``/Schemas``. A ``pre_load`` step, :func:`canonicalize`, first brings the
body to canonical form; marshmallow then checks the types; a last step
checks ``primary``. The result is the canonical dict the storage receives.

What the canonical form does with a client's body:

- RFC 7643 §2.1: "Attribute names are case insensitive": keys are folded to
  their canonical spelling (``USERNAME`` → ``userName``, ``Primary`` →
  ``primary``), extension keys included.
- URN-qualified names are accepted at the top level:
  ``urn:ietf:params:scim:schemas:core:2.0:User:userName`` is ``userName``,
  and ``urn:...:enterprise:2.0:User:employeeNumber`` goes into the extension
  object.
- RFC 7643 §2.5: "Unassigned attributes, the null value, or empty array (in
  the case of a multi-valued attribute) SHALL be considered to be
  equivalent in "state"": nulls are dropped (Entra sends explicit nulls).
- RFC 7644 §3.5.1: readOnly values "SHALL be ignored" (``id``, ``meta``,
  ``groups``, ``members.display``); they are dropped, never rejected.
- Unknown attributes are dropped, or refused with 400 when the config says
  ``scim.unknown_attributes: error``.
- Entra sends booleans as the strings ``"True"``/``"False"``: they are read
  as booleans, in any case.
- A multi-valued attribute sent as a single object, or as bare strings, is
  read as a list of ``{"value": ...}``; a single complex attribute sent as a
  one-element list (Entra's ``manager``) or a bare string is unwrapped.
- ``schemas`` must be a list that names the core schema. Extension URNs that
  are missing from ``schemas`` while their attributes are present, or
  unknown URNs (Entra's ``.../ADSCIM/2.0/Group``, its malformed
  ``...enterprise:2.0User``), are tolerated: the ``schemas`` of the canonical
  dict is recomputed from its content.

``password`` is loaded (it is ``writeOnly``) and passed to the storage; the
projection never returns it, and no error message quotes a value.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.schema import RESOURCES
from app.scim.schema import Attribute
from app.scim.schema import ResourceSchema
from app.scim.schema import Schema as ScimSchema

_REQUIRED = {"required": "is required."}


class ScimBoolean(fields.Field):
    """A JSON boolean, or Entra's string form ``"True"``/``"False"`` in any case."""

    default_error_messages = {"invalid": "Not a valid boolean."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self.make_error("invalid")


def _scalar_field(attr: Attribute, **kwargs: Any) -> fields.Field:
    if attr.type == "boolean":
        return ScimBoolean(**kwargs)
    if attr.type == "integer":
        return fields.Integer(strict=True, **kwargs)
    if attr.type == "decimal":
        return fields.Float(**kwargs)
    return fields.String(**kwargs)


def _field(attr: Attribute, *, top_level: bool = False) -> fields.Field:
    kwargs: dict[str, Any] = {}
    if top_level and attr.required and attr.default is None:
        kwargs = {"required": True, "error_messages": _REQUIRED}
    if attr.multi_valued:
        inner = fields.Nested(_complex_schema(attr)) if attr.is_complex else _scalar_field(attr)
        return fields.List(inner, **kwargs)
    if attr.is_complex:
        return fields.Nested(_complex_schema(attr), **kwargs)
    return _scalar_field(attr, **kwargs)


def _writable(attributes: tuple[Attribute, ...]) -> list[Attribute]:
    return [a for a in attributes if a.mutability != "readOnly"]


@cache
def _complex_schema(attr: Attribute) -> type[Schema]:
    declared = {a.name: _field(a) for a in _writable(attr.sub_attributes)}
    return _schema_class(f"{attr.name}Schema", declared)


@cache
def _extension_schema(extension: ScimSchema) -> type[Schema]:
    return _schema_class(f"{extension.name}Schema",
                         {a.name: _field(a) for a in _writable(extension.attributes)})


def _schema_class(name: str, declared: dict[str, fields.Field]) -> type[Schema]:
    schema = Schema.from_dict(declared, name=name)
    schema.Meta.unknown = RAISE
    return schema


@cache
def resource_schema_class(resource_name: str) -> type[Schema]:
    """Return the marshmallow schema of the canonical form of ``resource_name``."""
    resource = RESOURCES[resource_name]
    declared: dict[str, fields.Field] = {
        "schemas": fields.List(fields.String(), required=True, error_messages=_REQUIRED),
    }
    for attr in _writable(resource.core.attributes):
        declared[attr.name] = _field(attr, top_level=True)
    return _schema_class(f"{resource_name}PayloadSchema", declared)


def _shape(attr: Attribute, value: Any, path: str, unknown: list[str]) -> Any:
    """Bring one attribute value to canonical shape (see the module docstring)."""
    if not attr.is_complex:
        return value
    has_value = attr.sub("value") is not None
    if attr.multi_valued:
        items = [value] if isinstance(value, dict) else value
        if not isinstance(items, list):
            return value
        return [
            _shape_complex(attr, {"value": item} if isinstance(item, str) and has_value else item,
                           path, unknown)
            for item in items if item is not None
        ]
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and has_value:
        value = {"value": value}
    return _shape_complex(attr, value, path, unknown)


def _shape_complex(attr: Attribute, value: Any, path: str, unknown: list[str]) -> Any:
    if not isinstance(value, dict):
        return value
    out: dict = {}
    for key, sub_value in value.items():
        sub = attr.sub(str(key))
        if sub is None:
            unknown.append(f"{path}.{key}")
        elif sub_value is not None and sub.mutability != "readOnly":
            out[sub.name] = sub_value
    return out


def _put(target: dict, attr: Attribute, value: Any, path: str, unknown: list[str]) -> None:
    if value is None or attr.mutability == "readOnly":
        return
    target[attr.name] = _shape(attr, value, path, unknown)


def _fold_extension(extension: ScimSchema, value: Any, out: dict, unknown: list[str]) -> None:
    if not isinstance(value, dict):
        raise InvalidSyntaxError(f"{extension.id}: must be a JSON object.")
    target = out.setdefault(extension.id, {})
    for key, sub_value in value.items():
        attr = extension.attribute(str(key))
        if attr is None:
            unknown.append(f"{extension.id}:{key}")
        else:
            _put(target, attr, sub_value, f"{extension.id}:{attr.name}", unknown)


def _fold_key(resource: ResourceSchema, key: str, value: Any, out: dict,
              unknown: list[str]) -> None:
    extension = resource.extension(key)
    if extension is not None:
        _fold_extension(extension, value, out, unknown)
        return
    resolved = resource.resolve(key)
    if resolved is None:
        unknown.append(key)
        return
    target = out.setdefault(resolved.schema, {}) if resolved.is_extension else out
    if resolved.sub_attribute is None:
        _put(target, resolved.attribute, value, resolved.canonical, unknown)
    elif value is not None and resolved.attribute.mutability != "readOnly":
        parent = target.setdefault(resolved.attribute.name, {})
        if isinstance(parent, dict):
            _put(parent, resolved.sub_attribute, value, resolved.canonical, unknown)


def canonicalize(body: Any, resource: ResourceSchema, *, strict_unknown: bool = False) -> dict:
    """Fold a client body into canonical form, before type validation.

    :raises InvalidSyntaxError: when the body is not a JSON object, or (with
        ``strict_unknown``) when it holds attributes the schema does not define.
    """
    if not isinstance(body, dict):
        raise InvalidSyntaxError("The request body must be a JSON object.")
    out: dict = {}
    unknown: list[str] = []
    for key, value in body.items():
        if str(key).lower() == "schemas":
            out["schemas"] = value
        elif value is not None:
            _fold_key(resource, str(key), value, out, unknown)
    if unknown and strict_unknown:
        raise InvalidSyntaxError(f"Unknown attribute(s): {', '.join(sorted(unknown))}.")
    return {k: v for k, v in out.items() if not (resource.extension(k) and v == {})}


def _check_schemas(data: dict, resource: ResourceSchema) -> None:
    """RFC 7643 §3: ``schemas`` is REQUIRED and lists the resource's core schema."""
    declared = [s.lower() for s in data["schemas"]]
    if resource.core.id.lower() not in declared:
        raise InvalidValueError(f"schemas: must include {resource.core.id}.")


def _check_primary(data: dict, attributes: tuple[Attribute, ...], prefix: str = "") -> None:
    """RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once"."""
    for attr in attributes:
        values = data.get(attr.name)
        if attr.multi_valued and isinstance(values, list):
            if sum(1 for v in values if isinstance(v, dict) and v.get("primary") is True) > 1:
                raise InvalidValueError(f"{prefix}{attr.name}: at most one value may be primary.")


def error_path(messages: Any) -> tuple[str, str]:
    """Return the first ``(attribute path, message)`` of marshmallow's error tree."""
    path: list[str] = []
    node = messages
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        if key == "_schema":
            continue
        if isinstance(key, int):
            path.append(f"[{key}]")
        else:
            path.append(f".{key}" if path else str(key))
    text = " ".join(map(str, node)) if isinstance(node, list) else str(node)
    return "".join(path) or "body", text


def load_resource(body: Any, resource_name: str, *, strict_unknown: bool = False) -> dict:
    """Validate a POST/PUT body; return the canonical dict for the storage.

    :raises InvalidSyntaxError: on a structural problem (not an object,
        unknown attributes in strict mode).
    :raises InvalidValueError: on a wrong type, a missing required
        attribute, a bad ``schemas`` or several primary values; the detail
        names the attribute path.
    """
    resource = RESOURCES[resource_name]
    data = canonicalize(body, resource, strict_unknown=strict_unknown)
    extensions = {ext: data.pop(ext.id) for ext in resource.extensions if ext.id in data}
    loaded = _load(resource_schema_class(resource_name), data, "")
    _check_schemas(loaded, resource)
    _check_primary(loaded, resource.core.attributes)
    for extension, value in extensions.items():
        prefix = f"{extension.id}:"
        loaded[extension.id] = _load(_extension_schema(extension), value, prefix)
        _check_primary(loaded[extension.id], extension.attributes, prefix)
    present = [ext.id for ext in resource.extensions if ext.id in loaded]
    loaded["schemas"] = [resource.core.id, *present]
    return loaded


def _load(schema: type[Schema], data: dict, prefix: str) -> dict:
    try:
        return schema().load(data)
    except ValidationError as exc:
        path, message = error_path(exc.messages)
        raise InvalidValueError(f"{prefix}{path}: {message}") from exc
