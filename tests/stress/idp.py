"""An Entra-like SCIM client that retries, a fault schedule, and the intended state it keeps.

``Idp`` sends what Entra sends (``userName eq`` look-up before a create,
``Replace``/``Add``/``Remove`` PATCH dialect, ``"False"`` for active, groups
created empty then members added by PATCH) and, like Entra, retries an
operation that failed with a 5xx until it gets another answer (bounded).
A 409 on a create is resolved as Entra does: look the object up by its
name and link to it. Before every attempt, ``Chaos.tick`` may start or end a
fault. After every 2xx, ``Idp`` checks that GLPI holds what was answered.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.simulator.server import restart_simulator
from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import Glpi
from tests.stress.helpers import StressBridge
from tests.stress.helpers import check_answer

#: Attempts of one operation before the test gives up (every fault ends well before).
MAX_ATTEMPTS = 40

#: Logins the simulator seeds at start.
SEEDED_LOGINS = frozenset({"glpi", "post-only", "tech", "normal", "glpi-system"})

#: GLPI endpoints whose writes get aimed faults, with the methods that write there.
AIMED_WRITES = [
    ("POST", "/User/"),
    ("PUT", "/User/"),
    ("DELETE", "/User/"),
    ("POST", "/UserEmail"),
    ("DELETE", "/UserEmail"),
    ("POST", "/Group/"),
    ("PUT", "/Group/"),
    ("DELETE", "/Group/"),
    ("POST", "/Group_User"),
    ("DELETE", "/Group_User"),
    ("POST", "/UserTitle"),
]


@dataclass
class Fault:
    """A fault in force: ``end`` undoes it after ``left`` more attempts."""

    kind: str
    left: int
    end: Callable[[], None]


@dataclass
class Chaos:
    """Starts a fault every ``every`` attempts, cycling through the kinds; logs what it did.

    Kinds: ``burst500``/``burst503`` (every GLPI call fails for a few attempts),
    ``sessions`` (every GLPI session invalidated), ``restart`` (GLPI down for
    two attempts, then back with its data and without sessions), ``spike``
    (every GLPI call slower than the bridge's read timeout), ``aimed`` (one
    write endpoint fails before or after doing its work, or answers late).
    """

    holder: SimHolder
    rng: random.Random
    every: int = 9
    kinds: tuple[str, ...] = ("burst500", "aimed", "sessions", "spike", "burst503", "restart")
    spike_ms: float = 700.0
    attempts: int = 0
    active: list[Fault] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def sim(self) -> Any:
        return self.holder.running.sim

    def tick(self) -> None:
        """Called before every SCIM attempt."""
        self.attempts += 1
        for fault in list(self.active):
            fault.left -= 1
            if fault.left <= 0:
                fault.end()
                self.active.remove(fault)
        if self.attempts % self.every == 0 and not self.active:
            kind = self.kinds[(self.attempts // self.every) % len(self.kinds)]
            self.log.append(kind)
            getattr(self, "_start_" + kind)()

    def settle(self) -> None:
        """Wait until every call GLPI received has landed (Entra retries much later)."""
        self.holder.drain()

    def stop(self) -> None:
        for fault in self.active:
            fault.end()
        self.active.clear()
        self.sim.faults.rules.clear()
        self.settle()

    def _burst(self, status: int) -> None:
        faults = self.sim.faults
        faults.error_rate, faults.error_status = 1.0, status

        def end() -> None:
            faults.error_rate = 0.0

        self.active.append(Fault(f"burst{status}", 3, end))

    def _start_burst500(self) -> None:
        self._burst(500)

    def _start_burst503(self) -> None:
        self._burst(503)

    def _start_sessions(self) -> None:
        self.sim.invalidate_sessions()

    def _start_restart(self) -> None:
        self.holder.running.stop()
        self.active.append(Fault("restart", 2, self.holder.restart))

    def _start_spike(self) -> None:
        faults = self.sim.faults
        faults.delay_ms = self.spike_ms

        def end() -> None:
            faults.delay_ms = 0.0

        self.active.append(Fault("spike", 1, end))

    def _start_aimed(self) -> None:
        method, path = self.rng.choice(AIMED_WRITES)
        style = self.rng.choice(["before", "after", "late"])
        if style == "late":
            self.sim.fail_next(method, path, status=None, when="after", delay_ms=self.spike_ms)
        else:
            status = self.rng.choice([500, 502, 503])
            self.sim.fail_next(method, path, status=status, when=style)
        self.log[-1] = f"aimed {style} {method} {path}"


class InFlight:
    """WSGI wrapper of the simulator app counting the calls it is serving."""

    def __init__(self, app: Any):
        self.app = app
        self.sim = app.sim
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        with self._lock:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self._lock:
                self.count -= 1


class SimHolder:
    """The simulator being served now (a restart replaces the server, not the data)."""

    def __init__(self, running: Any):
        self.running = running
        self.restarts = 0
        self._watch()

    def _watch(self) -> None:
        self.in_flight = InFlight(self.running.server.app)
        self.running.server.app = self.in_flight

    def restart(self) -> None:
        self.running = restart_simulator(self.running)
        self.restarts += 1
        self._watch()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until GLPI has finished every call, even those the bridge gave up on."""
        deadline = time.monotonic() + timeout
        while self.in_flight.count and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.running.stop()


@dataclass
class Intended:
    """What GLPI must hold at the end: users by login, groups by name (members by login)."""

    users: dict[str, dict] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)


class Idp:
    """Entra's side of the replay: sends, retries on 5xx, checks each 2xx landed in GLPI."""

    def __init__(self, bridge: StressBridge, chaos: Chaos):
        self.bridge = bridge
        self.chaos = chaos
        self.glpi = Glpi(bridge.sim)
        self.intended = Intended()
        self.ids: dict[str, str] = {}
        self.statuses: list[int] = []
        self.operations = 0

    # -- transport ---------------------------------------------------------------------------

    def send(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """One SCIM request, retried while the answer is a 5xx."""
        for _ in range(MAX_ATTEMPTS):
            self.chaos.tick()
            answer = self.bridge.request(method, path, body, **kwargs)
            self.statuses.append(answer.status_code)
            check_answer(answer)
            assert answer.status_code != 500, answer.get_data()
            if answer.status_code < 500:
                return answer
            self.chaos.settle()
        raise AssertionError(f"{method} {path} still failing after {MAX_ATTEMPTS} attempts")

    def _lookup(self, resource: str, attribute: str, value: str) -> str | None:
        found = self.send(
            "GET", f"/{resource}", query_string={"filter": f'{attribute} eq "{value}"'}
        )
        assert found.status_code == 200, found.get_json()
        resources = found.get_json()["Resources"]
        assert len(resources) <= 1, resources
        return resources[0]["id"] if resources else None

    # -- users -------------------------------------------------------------------------------

    def provision_user(self, login: str, given: str, family: str) -> None:
        """Entra's create: ``userName eq`` look-up, then POST; 409 → look up and link."""
        self.operations += 1
        self.intended.users[login] = {
            "given": given,
            "family": family,
            "email": login,
            "active": True,
            "deleted": False,
        }
        user_id = self._lookup("Users", "userName", login)
        if user_id is None:
            body = {
                "schemas": [USER_SCHEMA],
                "externalId": login.split("@")[0],
                "userName": login,
                "active": True,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"primary": True, "type": "work", "value": login}],
            }
            answer = self.send("POST", "/Users", body)
            if answer.status_code == 409:
                user_id = self._lookup("Users", "userName", login)
            else:
                assert answer.status_code == 201, answer.get_json()
                user_id = answer.get_json()["id"]
        assert user_id is not None
        self.ids[login] = user_id
        [row] = self.glpi.users_named(login)
        assert str(row["id"]) == user_id and not row["is_deleted"]

    def update_user(self, login: str, given: str, email: str) -> None:
        """One PATCH changing a column and the work e-mail (two GLPI writes)."""
        self.operations += 1
        user = self.intended.users[login]
        user.update(given=given, email=email)
        answer = self.send(
            "PATCH",
            f"/Users/{self.ids[login]}",
            self.bridge.patch_body(
                [
                    {"op": "Replace", "path": "name.givenName", "value": given},
                    {"op": "Replace", "path": 'emails[type eq "work"].value', "value": email},
                ]
            ),
        )
        assert answer.status_code in (200, 204), answer.get_json()
        row = self.glpi.user(self.ids[login])
        assert row["firstname"] == given and self.glpi.emails(row["id"]) == [email]

    def deactivate_user(self, login: str) -> None:
        self.operations += 1
        self.intended.users[login]["active"] = False
        answer = self.send(
            "PATCH",
            f"/Users/{self.ids[login]}",
            self.bridge.patch_body([{"op": "Replace", "path": "active", "value": "False"}]),
        )
        assert answer.status_code in (200, 204), answer.get_json()
        assert self.glpi.user(self.ids[login])["is_active"] == 0

    def delete_user(self, login: str) -> None:
        """DELETE; a 404 on a retry means the first attempt landed (Entra counts it done)."""
        self.operations += 1
        self.intended.users[login]["deleted"] = True
        answer = self.send("DELETE", f"/Users/{self.ids[login]}")
        assert answer.status_code in (204, 404), answer.get_json()
        row = self.glpi.user(self.ids[login])
        assert row is None or row["is_deleted"] == 1

    # -- groups ------------------------------------------------------------------------------

    def provision_group(self, name: str) -> None:
        """Entra creates a group empty, after a ``displayName eq`` look-up."""
        self.operations += 1
        self.intended.groups[name] = set()
        group_id = self._lookup("Groups", "displayName", name)
        if group_id is None:
            body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": []}
            answer = self.send("POST", "/Groups", body)
            if answer.status_code == 409:
                group_id = self._lookup("Groups", "displayName", name)
            else:
                assert answer.status_code == 201, answer.get_json()
                group_id = answer.get_json()["id"]
        assert group_id is not None
        self.ids[name] = group_id
        assert [str(g["id"]) for g in self.glpi.groups_named(name)] == [group_id]

    def add_members(self, name: str, logins: list[str]) -> None:
        self.operations += 1
        self.intended.groups[name].update(logins)
        value = [{"value": self.ids[login]} for login in logins]
        answer = self.send(
            "PATCH",
            f"/Groups/{self.ids[name]}",
            self.bridge.patch_body([{"op": "Add", "path": "members", "value": value}]),
        )
        assert answer.status_code in (200, 204), answer.get_json()
        members = set(self.glpi.members(self.ids[name]))
        assert {int(self.ids[login]) for login in logins} <= members

    def remove_member(self, name: str, login: str) -> None:
        """Entra's remove-with-value dialect."""
        self.operations += 1
        self.intended.groups[name].discard(login)
        answer = self.send(
            "PATCH",
            f"/Groups/{self.ids[name]}",
            self.bridge.patch_body(
                [{"op": "Remove", "path": "members", "value": [{"value": self.ids[login]}]}]
            ),
        )
        assert answer.status_code in (200, 204), answer.get_json()
        assert int(self.ids[login]) not in self.glpi.members(self.ids[name])

    def rename_group(self, name: str, new_name: str) -> None:
        self.operations += 1
        self.intended.groups[new_name] = self.intended.groups.pop(name)
        self.ids[new_name] = self.ids.pop(name)
        answer = self.send(
            "PATCH",
            f"/Groups/{self.ids[new_name]}",
            self.bridge.patch_body([{"op": "Replace", "path": "displayName", "value": new_name}]),
        )
        assert answer.status_code in (200, 204), answer.get_json()
        assert self.glpi.group(self.ids[new_name])["name"] == new_name

    def delete_group(self, name: str) -> None:
        self.operations += 1
        self.intended.groups.pop(name)
        answer = self.send("DELETE", f"/Groups/{self.ids[name]}")
        assert answer.status_code in (204, 404), answer.get_json()
        assert self.glpi.group(self.ids[name]) is None
        assert self.glpi.members(self.ids[name]) == []

    # -- the final comparison ----------------------------------------------------------------

    def differences(self) -> list[str]:
        """Everything in which GLPI differs from the intended state (empty: equal)."""
        out: list[str] = []
        for login, want in self.intended.users.items():
            rows = self.glpi.users_named(login)
            if len(rows) != 1:
                out.append(f"user {login}: {len(rows)} rows")
                continue
            row = rows[0]
            if bool(row["is_deleted"]) != want["deleted"]:
                out.append(f"user {login}: is_deleted={row['is_deleted']}")
            if bool(row["is_active"]) != want["active"]:
                out.append(f"user {login}: is_active={row['is_active']}")
            if (row["firstname"], row["realname"]) != (want["given"], want["family"]):
                out.append(f"user {login}: name {row['firstname']} {row['realname']}")
            if self.glpi.emails(row["id"]) != [want["email"]]:
                out.append(f"user {login}: emails {self.glpi.emails(row['id'])}")
        for name, logins in self.intended.groups.items():
            rows = self.glpi.groups_named(name)
            if len(rows) != 1:
                out.append(f"group {name}: {len(rows)} rows")
                continue
            want = sorted(int(self.ids[login]) for login in logins)
            if self.glpi.members(rows[0]["id"]) != want:
                out.append(f"group {name}: members {self.glpi.members(rows[0]['id'])} != {want}")
        known = {login.casefold() for login in self.intended.users} | SEEDED_LOGINS
        strays = [
            u["name"] for u in self.bridge.sim.rows("User") if u["name"].casefold() not in known
        ]
        if strays:
            out.append(f"users nobody asked for: {strays}")
        expected_groups = {name.casefold() for name in self.intended.groups}
        extra = [
            g["name"]
            for g in self.bridge.sim.rows("Group")
            if str(g["name"]).casefold() not in expected_groups
        ]
        if extra:
            out.append(f"groups nobody asked for: {extra}")
        if self.glpi.duplicated_memberships():
            out.append(f"duplicated memberships: {self.glpi.duplicated_memberships()}")
        return out
