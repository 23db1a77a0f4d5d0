"""The attribute definitions of the SCIM resources we serve (RFC 7643 §4, §8.7).

This module is the single description of User, Group and the EnterpriseUser
extension. The filter parser resolves attribute names against it, the PATCH
engine reads multi-valuedness and mutability from it, payload validation and
attribute projection follow its ``returned`` characteristic, and the
``/Schemas`` discovery documents are generated from it, so what we advertise
cannot drift from what we do.

RFC 7643 §2.1: "Attribute names are case insensitive". Look-ups here are
therefore case-insensitive, and :meth:`ResourceSchema.resolve` returns the
canonical spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.scim.constants import ENTERPRISE_USER_SCHEMA
from app.scim.constants import GROUP
from app.scim.constants import GROUP_SCHEMA
from app.scim.constants import USER
from app.scim.constants import USER_SCHEMA


@dataclass(frozen=True)
class Attribute:
    """One attribute definition, with the characteristics of RFC 7643 §2.2 and §7."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    description: str = ""
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[Attribute, ...] = ()
    #: Value the service provider assigns when a client omits a required
    #: attribute; such an attribute is advertised as required (it can never be
    #: unassigned) but a client may leave it out.
    default: Any = None

    def sub(self, name: str) -> Attribute | None:
        """Return the sub-attribute called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for sub in self.sub_attributes:
            if sub.name.lower() == wanted:
                return sub
        return None

    @property
    def is_complex(self) -> bool:
        return self.type == "complex"

    def to_dict(self) -> dict:
        """Serialise as an RFC 7643 §7 attribute definition."""
        doc: dict = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        }
        if self.canonical_values:
            doc["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            doc["referenceTypes"] = list(self.reference_types)
        if self.sub_attributes:
            doc["subAttributes"] = [sub.to_dict() for sub in self.sub_attributes]
        return doc


@dataclass(frozen=True)
class Schema:
    """A schema (core or extension): an URN, a name and its attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]

    def attribute(self, name: str) -> Attribute | None:
        wanted = name.lower()
        for attr in self.attributes:
            if attr.name.lower() == wanted:
                return attr
        return None


@dataclass(frozen=True)
class ResolvedPath:
    """An attribute path resolved against a resource schema.

    ``schema`` is the URN the attribute belongs to, ``attribute`` the
    top-level definition, and ``sub_attribute`` the sub-attribute definition
    when the path has one. ``canonical`` is the spelling used in resource
    dicts: ``name.givenName``, or ``<extension URN>:employeeNumber``.
    """

    schema: str
    attribute: Attribute
    sub_attribute: Attribute | None = None

    @property
    def target(self) -> Attribute:
        return self.sub_attribute or self.attribute

    @property
    def is_extension(self) -> bool:
        return self.schema not in (USER_SCHEMA, GROUP_SCHEMA)

    @property
    def canonical(self) -> str:
        base = self.attribute.name
        if self.sub_attribute is not None:
            base = f"{base}.{self.sub_attribute.name}"
        if self.is_extension:
            return f"{self.schema}:{base}"
        return base


@dataclass(frozen=True)
class ResourceSchema:
    """A resource type: its core schema plus its extensions (RFC 7643 §6)."""

    name: str
    endpoint: str
    description: str
    core: Schema
    extensions: tuple[Schema, ...] = field(default_factory=tuple)

    @property
    def schemas(self) -> tuple[Schema, ...]:
        return (self.core, *self.extensions)

    def extension(self, urn: str) -> Schema | None:
        for ext in self.extensions:
            if ext.id.lower() == urn.lower():
                return ext
        return None

    def resolve(self, path: str) -> ResolvedPath | None:
        """Resolve ``attr``, ``attr.sub`` or ``urn:...:attr[.sub]``; None when unknown.

        Common attributes (``id``, ``externalId``, ``meta``) belong to the core
        schema here. An URN prefix of the core schema is accepted too
        (``urn:ietf:params:scim:schemas:core:2.0:User:userName``).
        """
        schema = self.core
        rest = path
        for candidate in self.schemas:
            prefix = candidate.id.lower() + ":"
            if path.lower().startswith(prefix):
                schema = candidate
                rest = path[len(prefix):]
                break
        else:
            if path.lower().startswith("urn:"):
                return None
        attr_name, _, sub_name = rest.partition(".")
        attr = schema.attribute(attr_name)
        if attr is None:
            return None
        if not sub_name:
            return ResolvedPath(schema.id, attr)
        sub = attr.sub(sub_name)
        if sub is None:
            return None
        return ResolvedPath(schema.id, attr, sub)


def _multi(name: str, description: str, *, types: tuple[str, ...] = (),
           value_type: str = "string", case_exact: bool = False,
           mutability: str = "readWrite", returned: str = "default",
           reference_types: tuple[str, ...] = ()) -> Attribute:
    """Build a standard multi-valued complex attribute (RFC 7643 §2.4)."""
    return Attribute(
        name=name,
        type="complex",
        multi_valued=True,
        description=description,
        mutability=mutability,
        returned=returned,
        sub_attributes=(
            Attribute("value", type=value_type, case_exact=case_exact,
                      mutability=mutability, reference_types=reference_types),
            Attribute("display", mutability=mutability),
            Attribute("type", canonical_values=types, mutability=mutability),
            Attribute("primary", type="boolean", mutability=mutability),
        ),
    )


def _meta() -> Attribute:
    return Attribute(
        name="meta",
        type="complex",
        description="Resource metadata.",
        mutability="readOnly",
        case_exact=True,
        sub_attributes=(
            Attribute("resourceType", mutability="readOnly", case_exact=True),
            Attribute("created", type="dateTime", mutability="readOnly"),
            Attribute("lastModified", type="dateTime", mutability="readOnly"),
            Attribute("location", type="reference", mutability="readOnly",
                      case_exact=True, reference_types=("uri",)),
            Attribute("version", mutability="readOnly", case_exact=True),
        ),
    )


COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("id", description="Identifier issued by the service provider.",
              case_exact=True, mutability="readOnly", returned="always", uniqueness="server"),
    Attribute("externalId", description="Identifier issued by the provisioning client.",
              case_exact=True),
    _meta(),
)

USER_CORE = Schema(
    id=USER_SCHEMA,
    name="User",
    description="User Account",
    attributes=COMMON_ATTRIBUTES + (
        Attribute("userName", description="Unique login; GLPI's user name.",
                  required=True, uniqueness="server"),
        Attribute("name", type="complex", description="The components of the user's name.",
                  sub_attributes=(
                      Attribute("formatted"),
                      Attribute("familyName"),
                      Attribute("givenName"),
                      Attribute("middleName"),
                      Attribute("honorificPrefix"),
                      Attribute("honorificSuffix"),
                  )),
        Attribute("displayName", description="Name displayed to end users."),
        Attribute("nickName"),
        Attribute("profileUrl", type="reference", reference_types=("external",)),
        Attribute("title"),
        Attribute("userType"),
        Attribute("preferredLanguage"),
        Attribute("locale"),
        Attribute("timezone"),
        # GLPI's is_active is never empty: advertised as required (so removing it
        # is refused with "mutability", RFC 7644 §3.5.2.2), and true when omitted.
        Attribute("active", type="boolean", required=True, default=True,
                  description="Whether the user can log in to GLPI (is_active)."),
        Attribute("password", mutability="writeOnly", returned="never"),
        _multi("emails", "E-mail addresses.", types=("work", "home", "other")),
        _multi("phoneNumbers", "Phone numbers.",
               types=("work", "home", "mobile", "fax", "pager", "other")),
        _multi("ims", "Instant messaging addresses."),
        _multi("photos", "Photos.", value_type="reference", reference_types=("external",)),
        Attribute("addresses", type="complex", multi_valued=True, sub_attributes=(
            Attribute("formatted"),
            Attribute("streetAddress"),
            Attribute("locality"),
            Attribute("region"),
            Attribute("postalCode"),
            Attribute("country"),
            Attribute("type", canonical_values=("work", "home", "other")),
            Attribute("primary", type="boolean"),
        )),
        Attribute("groups", type="complex", multi_valued=True, mutability="readOnly",
                  description="Groups the user belongs to, read from GLPI memberships.",
                  sub_attributes=(
                      Attribute("value", mutability="readOnly"),
                      Attribute("$ref", type="reference", mutability="readOnly",
                                reference_types=("Group",)),
                      Attribute("display", mutability="readOnly"),
                      Attribute("type", mutability="readOnly",
                                canonical_values=("direct", "indirect")),
                  )),
        _multi("entitlements", "Entitlements."),
        _multi("roles", "Roles."),
        _multi("x509Certificates", "Certificates.", value_type="binary"),
    ),
)

ENTERPRISE_USER = Schema(
    id=ENTERPRISE_USER_SCHEMA,
    name="EnterpriseUser",
    description="Enterprise User",
    attributes=(
        Attribute("employeeNumber"),
        Attribute("costCenter"),
        Attribute("organization"),
        Attribute("division"),
        Attribute("department"),
        Attribute("manager", type="complex", sub_attributes=(
            Attribute("value"),
            Attribute("$ref", type="reference", reference_types=("User",)),
            Attribute("displayName", mutability="readOnly"),
        )),
    ),
)

GROUP_CORE = Schema(
    id=GROUP_SCHEMA,
    name="Group",
    description="Group",
    attributes=COMMON_ATTRIBUTES + (
        Attribute("displayName", description="Group name; unique within a tenant.",
                  required=True, uniqueness="server"),
        Attribute("members", type="complex", multi_valued=True, description="Group members.",
                  returned="default",
                  sub_attributes=(
                      Attribute("value", mutability="immutable"),
                      Attribute("$ref", type="reference", mutability="immutable",
                                reference_types=("User", "Group")),
                      Attribute("display", mutability="readOnly", returned="request",
                                description="The member's name; returned when asked for, as it "
                                            "costs a look-up per member."),
                      Attribute("type", mutability="immutable",
                                canonical_values=("User", "Group")),
                  )),
    ),
)

USER_RESOURCE = ResourceSchema(
    name=USER, endpoint="/Users", description="User Account",
    core=USER_CORE, extensions=(ENTERPRISE_USER,),
)
GROUP_RESOURCE = ResourceSchema(
    name=GROUP, endpoint="/Groups", description="Group",
    core=GROUP_CORE,
)

RESOURCES: dict[str, ResourceSchema] = {USER: USER_RESOURCE, GROUP: GROUP_RESOURCE}
SCHEMAS: dict[str, Schema] = {s.id: s for s in (USER_CORE, ENTERPRISE_USER, GROUP_CORE)}
