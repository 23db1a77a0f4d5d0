"""The storage interface between the SCIM protocol layer and a backend.

``app.scim`` knows SCIM only; a backend (``app.glpi.backend``) implements
:class:`Storage`. Resources cross this boundary as plain SCIM dicts in
canonical form: canonical attribute spelling (``userName``, ``name``,
``emails``), the extension under its URN key, ``id`` as a string, and ``meta``
with ``created``/``lastModified``/``version`` (the view adds ``location``).

Backends raise :mod:`app.scim.errors` exceptions (``NotFoundError``,
``ConflictError``, ``ForbiddenError``, ``PreconditionFailedError``,
``UnavailableError``...), never their own.
"""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from app.scim.filter.parser import Node
    from app.scim.patch.engine import PatchResult


@dataclass(frozen=True)
class AttributeSelection:
    """What the client asked to see (RFC 7644 §3.4.2.5 and §3.9).

    ``attributes`` and ``excluded`` hold canonical paths (``members``,
    ``name.givenName``, ``<URN>:manager``). An empty selection means "the
    default set". Backends use :meth:`wants` to skip work: a Group read with
    ``excludedAttributes=members`` must not load memberships.
    """

    attributes: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def wants(self, path: str) -> bool:
        """Tell whether the attribute ``path`` (top-level canonical name) is needed."""
        low = path.lower()
        if self.attributes:
            return any(
                a.lower() == low or a.lower().startswith(low + ".") or low.startswith(a.lower() + ".")
                for a in self.attributes
            )
        return not any(e.lower() == low for e in self.excluded)


@dataclass(frozen=True)
class Context:
    """Per-call context: which tenant, and what the client wants back."""

    tenant: str
    attributes: AttributeSelection = field(default_factory=AttributeSelection)
    request_id: str | None = None
    if_match: str | None = None
    #: The caller takes :class:`ValueParts` in place of a long multi-valued
    #: attribute (only the GET of one resource does).
    in_parts: bool = False


class ValueParts:
    """The values of a multi-valued attribute, delivered in parts as the storage reads them.

    A storage may put one in place of a list when :attr:`Context.in_parts` is
    set: a 10,000-member group's ``members`` come one GLPI range at a time, and
    the caller presents each part while the next ones are still being read.
    Iterating yields lists of values, in order; a failed read raises (a SCIM
    error) when its part is reached. :meth:`close` stops the reads not yet
    done, for a caller that answers without the values (a 304).
    """

    def __init__(self, parts: Iterable[list[Any]]):
        self._parts = iter(parts)

    def __iter__(self) -> Iterator[list[Any]]:
        return self._parts

    def close(self) -> None:
        close = getattr(self._parts, "close", None)
        if callable(close):
            close()

    def to_list(self) -> list[Any]:
        """Every value, in one list (read to the end)."""
        return [value for part in self for value in part]

    def __repr__(self) -> str:
        return "ValueParts(...)"


@dataclass(frozen=True)
class SearchQuery:
    """A list or ``.search`` request, already validated.

    ``start_index`` is 1-based and ``count`` already clamped to
    ``scim.max_results``; ``count == 0`` asks for ``totalResults`` only.
    """

    filter: Node | None = None
    start_index: int = 1
    count: int = 100
    sort_by: str | None = None
    sort_order: str = "ascending"


@dataclass
class SearchResult:
    total: int
    resources: list[dict[str, Any]]


class Storage(ABC):
    """The operations a backend implements, per resource type ("User", "Group")."""

    @abstractmethod
    def get(self, ctx: Context, resource_type: str, resource_id: str) -> dict:
        """Return one resource.

        :raises NotFoundError: when it does not exist in the tenant's scope.
        """

    @abstractmethod
    def search(self, ctx: Context, resource_type: str, query: SearchQuery) -> SearchResult:
        """Return one page of resources matching ``query.filter`` exactly, and the exact total."""

    @abstractmethod
    def create(self, ctx: Context, resource_type: str, resource: dict) -> dict:
        """Create a resource and return it as stored.

        :raises ConflictError: when a unique attribute is already taken.
        """

    @abstractmethod
    def replace(self, ctx: Context, resource_type: str, resource_id: str, resource: dict) -> dict:
        """Replace a resource (PUT); only what changed needs writing."""

    @abstractmethod
    def patch(self, ctx: Context, resource_type: str, resource_id: str, result: PatchResult) -> dict:
        """Apply a PATCH whose effect the protocol layer computed.

        ``result.resource`` is the new state of the attributes that were
        loaded, and ``result.deltas`` the changes of attributes handled as
        deltas (``members``): the backend writes only those.
        """

    @abstractmethod
    def delete(self, ctx: Context, resource_type: str, resource_id: str) -> None:
        """Delete (or deprovision, per the tenant's policy) a resource."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release backend resources (sessions) at shutdown."""
