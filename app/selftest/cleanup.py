"""The self-test's clean-up: purge, by id, what the run created, straight in GLPI.

It runs in a ``finally``, after a failed step and after SIGINT/SIGTERM too.
It goes to GLPI directly with ``force_purge``, not through SCIM: the tenant's
deprovisioning policy may only deactivate or trash a user, and the run must
leave nothing behind.

What it purges: the ids the run noted (:class:`~app.selftest.scenario.Made`)
and, in case a create landed in GLPI but its answer never came back (an
interruption mid-request), the users and groups whose name is exactly the
run's unique name (``scim-selftest-`` plus 10 random hex digits), compared
in Python, live or trashed. Nothing else is ever touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.glpi.client.encoding import decode_text
from app.glpi.client.encoding import like_value
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.groups import criteria as gc
from app.selftest.scenario import Made
from app.selftest.scenario import Throwaway

#: ``/search/<itemtype>`` option holding the name, and its id option.
_NAME_OPTION = {"User": 1, "Group": gc.GROUP_OPTION_NAME}


@dataclass
class Cleanup:
    """What the clean-up purged, and what it could not (with GLPI's reason)."""

    purged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        done = f"purged {', '.join(self.purged)}" if self.purged else "nothing to purge"
        if self.failed:
            return f"{done}; could NOT remove {', '.join(self.failed)}: remove them in GLPI"
        return f"{done}; nothing of this run is left in GLPI"


def _named(client: Any, itemtype: str, name: str, *, is_deleted: bool) -> list[int]:
    """Ids of the ``itemtype`` rows named exactly ``name`` (GLPI's LIKE only narrows)."""
    option = _NAME_OPTION[itemtype]
    value = like_value(name, client.version) or "^"
    _, rows = client.search(
        itemtype,
        [{"field": option, "searchtype": "contains", "value": value}],
        forcedisplay=[option, 2],
        range=(0, 49),
        is_deleted=is_deleted,
    )
    return [
        int(r["2"]) for r in rows if decode_text(r.get(str(option)), client.version) == name
    ]


def _purge(client: Any, itemtype: str, item_id: int, report: Cleanup) -> None:
    label = f"{itemtype.lower()} {item_id}"
    try:
        client.delete(itemtype, item_id, force_purge=True)
        report.purged.append(label)
    except GlpiError as exc:
        try:
            client.get_item(itemtype, item_id)
        except GlpiNotFoundError:
            return  # already gone (the scenario's own delete, or a purge policy)
        except GlpiError:
            pass
        report.failed.append(f"{label} ({exc.message or exc})")


def purge_run(client: Any, made: Made, names: Throwaway) -> Cleanup:
    """Purge the run's groups, then its users (live or trashed); never anything else."""
    report = Cleanup()
    for itemtype, noted, name in (
        ("Group", made.groups, names.group),
        ("User", made.users, names.login),
    ):
        ids = [int(i) for i in noted if str(i).isdigit()]
        for item_id in ids:
            _purge(client, itemtype, item_id, report)
        try:
            found = _named(client, itemtype, name, is_deleted=False)
            if itemtype == "User":
                found += _named(client, itemtype, name, is_deleted=True)
        except GlpiError as exc:
            report.failed.append(f"the look-up of {itemtype.lower()}s named {name} ({exc})")
            continue
        for item_id in sorted(set(found) - set(ids)):
            _purge(client, itemtype, item_id, report)
    return report
