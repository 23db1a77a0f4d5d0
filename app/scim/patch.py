"""PATCH engine (RFC 7644 §3.5.2): a pure function over SCIM resource dicts.

INTERFACE STUB: the result types below are fixed; ``apply_patch`` is
implemented by the PATCH work item.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.scim.schema import ResourceSchema


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


def apply_patch(
    resource: dict,
    operations: list[dict],
    schema: ResourceSchema,
    delta_attributes: frozenset[str] = frozenset(),
) -> PatchResult:
    """Apply ``operations`` to a copy of ``resource``.

    Attributes named in ``delta_attributes`` (canonical names, e.g.
    ``{"members"}``) are not present in ``resource``; their changes are
    recorded in ``PatchResult.deltas`` instead of being applied.

    :raises SCIMError: ``invalidPath``, ``noTarget``, ``mutability``,
        ``invalidValue`` or ``invalidSyntax``.
    """
    raise NotImplementedError
