"""Membership-style deltas: PATCH on a multi-valued attribute the backend did not load.

A group's ``members`` can hold thousands of values; the backend does not read
them to apply a PATCH. Operations on such an attribute are folded, in request
order, into one :class:`~app.scim.patch.engine.MultiValuedDelta` per attribute:

* ``add`` values go to ``added`` (deduplicated on ``value``);
* removals by value go to ``removed``;
* a ``replace`` (or a ``remove`` of the whole attribute) sets ``replaced``,
  after which later adds and removes edit that full list.

The last operation on an id wins: ``add x`` then ``remove x`` leaves ``x`` in
``removed`` only (x may have been a member before the request); ``remove x``
then ``add x`` leaves it in ``added`` only. ``added`` and ``removed`` are
therefore always disjoint, and the backend may apply them in either order.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.scim.errors import InvalidValueError


@dataclass
class _State:
    added: dict[str, dict] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    replaced: list[dict] | None = None


class DeltaRecorder:
    """Accumulates the changes to the attributes handled as deltas."""

    def __init__(self, names: frozenset[str]):
        self._names = {name.lower(): name for name in names}
        self._states: dict[str, _State] = {}

    def handles(self, canonical: str) -> bool:
        return canonical.lower() in self._names

    def _state(self, canonical: str) -> _State:
        name = self._names[canonical.lower()]
        return self._states.setdefault(name, _State())

    def add(self, canonical: str, elements: list[dict]) -> None:
        state = self._state(canonical)
        for element in elements:
            key = _value_key(canonical, element)
            if state.replaced is not None:
                if all(_value_key(canonical, e) != key for e in state.replaced):
                    state.replaced.append(element)
                continue
            state.removed.pop(key, None)
            state.added.setdefault(key, element)

    def remove(self, canonical: str, values: list[str]) -> None:
        state = self._state(canonical)
        for value in values:
            if state.replaced is not None:
                state.replaced = [e for e in state.replaced if _value_key(canonical, e) != value]
                continue
            state.added.pop(value, None)
            state.removed[value] = value

    def replace(self, canonical: str, elements: list[dict]) -> None:
        state = self._state(canonical)
        state.added.clear()
        state.removed.clear()
        state.replaced = []
        self.add(canonical, elements)

    def deltas(self, delta_type: type) -> dict:
        """Build ``{name: delta_type(added, removed, replaced)}`` for the attributes touched."""
        return {
            name: delta_type(
                added=list(state.added.values()),
                removed=list(state.removed.values()),
                replaced=None if state.replaced is None else list(state.replaced),
            )
            for name, state in self._states.items()
        }


def _value_key(canonical: str, element: dict) -> str:
    value = element.get("value")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidValueError(f'Each "{canonical}" value needs a "value" identifier.')
    return str(value)


def values_of(canonical: str, elements: list[dict]) -> list[str]:
    """The ``value`` identifiers of ``elements`` (Entra's remove-with-value shape)."""
    return [_value_key(canonical, element) for element in elements]
