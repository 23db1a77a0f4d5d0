"""Group memberships as deltas: which ``Group_User`` rows to add and delete.

A group is never rewritten as a whole. The PATCH engine hands over a
:class:`~app.scim.patch.engine.MultiValuedDelta` (``added`` elements, ``removed``
values, or a ``replaced`` full set), a PUT hands over the full set; this
module turns either into the user ids to add and the ``Group_User`` row ids
to delete, given the group's current static memberships when they are needed.

Only static rows (``is_dynamic = 0``) are SCIM members: dynamic rows belong
to GLPI's LDAP sync and authorisation rules, which would put them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.scim.errors import InvalidValueError
from app.scim.patch.engine import MultiValuedDelta


@dataclass
class MembershipPlan:
    """What to write: ``add`` user ids (in request order), and ``remove`` as
    user id → ``Group_User`` row id."""

    add: list[int] = field(default_factory=list)
    remove: dict[int, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.add and not self.remove


def _is_group_reference(element: Mapping[str, Any]) -> bool:
    kind = element.get("type")
    ref = element.get("$ref")
    return (isinstance(kind, str) and kind.lower() == "group") or (
        isinstance(ref, str) and "/groups/" in ref.lower()
    )


def member_values(elements: Iterable[Any]) -> list[str]:
    """Return the ``value`` of each member element (dicts or bare strings).

    Bare strings are accepted because the Entra reference tests send
    ``"value": "<id>"`` for an add, and Entra's remove-with-value sends
    ``[{"value": "<id>"}]``.

    :raises InvalidValueError: on a nested group (GLPI memberships link users
        only), or an element without a string value.
    """
    values: list[str] = []
    nested: list[str] = []
    for element in elements:
        if isinstance(element, dict):
            value = element.get("value")
            if _is_group_reference(element):
                nested.append(str(value))
                continue
        else:
            value = element
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise InvalidValueError('Each member needs a "value" holding a User id.')
        values.append(value.strip())
    if nested:
        raise InvalidValueError(
            "Nested groups are not supported: GLPI memberships link users to groups, so a group "
            f"cannot be a member. Add the users of group(s) {', '.join(nested)} instead."
        )
    return values


def parse_user_ids(values: Iterable[str]) -> tuple[list[int], list[str]]:
    """Split member values into GLPI user ids (deduplicated, in order) and
    values that cannot be a GLPI id at all."""
    ids: list[int] = []
    seen: set[int] = set()
    bad: list[str] = []
    for value in values:
        if value.isascii() and value.isdigit() and int(value) > 0:
            user_id = int(value)
            if user_id not in seen:
                seen.add(user_id)
                ids.append(user_id)
        else:
            bad.append(value)
    return ids, bad


def needs_current_members(delta: MultiValuedDelta, chunk_rows: int | None = None) -> bool:
    """Tell whether applying ``delta`` needs the group's current rows.

    A small add does not: GLPI's ``Duplicate entry … for key 'unicity'``
    answer to an existing membership counts as success, which saves a read.
    An add of more than one chunk (``chunk_rows``) does: its IdP retries it
    after a time-budget 429, and the retry must spend its budget on the rows
    still missing, not on re-posting thousands that GLPI already holds.
    """
    if delta.replaced is not None or bool(delta.removed):
        return True
    return chunk_rows is not None and len(delta.added) > chunk_rows


def plan_delta(
    delta: MultiValuedDelta, current: Mapping[int, int] | None
) -> tuple[MembershipPlan, list[str]]:
    """Compute the writes for a PATCH delta.

    The engine (:mod:`app.scim.patch.deltas`) folds operations in request
    order: ``added`` and ``removed`` are disjoint, and operations after a
    replace are already inside ``replaced``. This function still reads them
    on top of ``replaced`` and lets a removal win over an add, so a delta
    built by other means cannot resurrect a removed member.

    :param current: static memberships, user id → row id; required when
        :func:`needs_current_members` says so.
    :return: the plan, and the member values that are not GLPI ids (to be
        reported as unknown with the ids that fail verification).
    """
    added_ids, bad = parse_user_ids(member_values(delta.added))
    removed_ids, _ = parse_user_ids(member_values(delta.removed))
    removed = set(removed_ids)
    if delta.replaced is not None:
        replaced_ids, bad_replaced = parse_user_ids(member_values(delta.replaced))
        bad = bad_replaced + bad
        target = [i for i in dict.fromkeys(replaced_ids + added_ids) if i not in removed]
        return diff_full_set(target, current or {}), bad
    plan = MembershipPlan(add=[i for i in added_ids if i not in removed])
    if current is not None:
        plan.add = [i for i in plan.add if i not in current]
        plan.remove = {i: current[i] for i in removed_ids if i in current}
    return plan, bad


def diff_full_set(target: Iterable[int], current: Mapping[int, int]) -> MembershipPlan:
    """The writes that turn ``current`` (user id → row id) into ``target``:
    used by ``replace members`` and by PUT."""
    wanted = list(dict.fromkeys(target))
    wanted_set = set(wanted)
    return MembershipPlan(
        add=[i for i in wanted if i not in current],
        remove={i: row for i, row in current.items() if i not in wanted_set},
    )
