"""In-memory GLPI database of the simulator, with its sessions, knobs and call log.

Everything is guarded by one re-entrant lock, so the threaded HTTP server can
serve concurrent callers. Rows are stored in GLPI's raw DB form (GLPI 10 keeps
``<>&`` HTML-encoded, 11 keeps them raw); :meth:`Simulator.rows` hands out copies.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.simulator import schema

#: Itemtypes whose rows hang off a user (``users_id``), indexed per user.
CHILD_TYPES = ("UserEmail", "Profile_User", "Group_User")


@dataclass
class CallRecord:
    """One HTTP call the simulator answered."""

    method: str
    path: str
    query: str
    status: int
    duration_ms: float


@dataclass
class FaultRule:
    """A fault aimed at the next calls whose method is ``method`` and whose path contains ``path``.

    ``when="before"`` answers ``status`` without doing the work (a write does not
    land); ``when="after"`` does the work, then answers ``status`` instead (the
    write landed, and the caller cannot tell). ``delay_ms`` sleeps before the
    answer (after the work when "after"; with ``status`` None the real answer is
    only late). The rule lets ``skip`` matching calls pass, then hits ``times``.
    """

    method: str
    path: str
    status: int | None = 503
    when: str = "before"
    delay_ms: float = 0.0
    times: int = 1
    skip: int = 0
    hits: int = 0


@dataclass
class Faults:
    """Fault injection: a share of calls fail, connections are refused, or slowed;
    ``rules`` aim a fault at one endpoint (:meth:`Simulator.fail_next`)."""

    error_rate: float = 0.0
    error_status: int = 500
    refuse_connections: bool = False
    delay_ms: float = 0.0
    rules: list[FaultRule] = field(default_factory=list)


@dataclass
class Session:
    """A GLPI API session (the PHP session behind a Session-Token)."""

    user_id: int
    profile_id: int
    entity_id: int
    recursive: bool
    active_entities: list[int]
    created: float = field(default_factory=time.time)
    #: ``$_SESSION['glpishowallentities']``: whether the active entities were every entity
    #: when they were last set (login, ``changeActiveEntities``); frozen with them.
    show_all: bool = False


def hash_password(password: str) -> str:
    """A bcrypt-looking marker of a hashed password (``$2y$10$`` prefix)."""
    return "$2y$10$" + hashlib.sha256(password.encode()).hexdigest()[:53]


#: How far GLPI's clock is from the machine's (seconds): a GLPI in another time zone, or
#: with a drifting clock. Tests set it (monkeypatch); it applies to every simulator.
CLOCK_SKEW_SECONDS = 0.0


def now_text() -> str:
    """GLPI's ``Y-m-d H:i:s`` current time."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() + CLOCK_SKEW_SECONDS))


class Simulator:
    """The simulated GLPI instance (data, sessions, knobs).

    :param version: ``"10"`` (10.0.12) or ``"11"`` (11.0.6).
    """

    def __init__(
        self,
        version: str = "10",
        app_token: str | None = None,
        user_token: str | None = None,
        latency_ms: float = 0.0,
        ldap_directory: bool = False,
    ) -> None:
        if str(version).split(".")[0] not in ("10", "11"):
            raise ValueError(f"unsupported GLPI version {version!r}")
        self.version = str(version).split(".")[0]
        self.lock = threading.RLock()
        self.latency_ms = float(latency_ms)
        #: An LDAP directory is configured (``AuthLDAP::useAuthLdap()``): Group search
        #: options 3, 4, 5 exist. Off, as on the kit and most GLPIs.
        self.ldap_directory = bool(ldap_directory)
        #: GLPI's password security policy (``use_password_security``), off as on a fresh
        #: install: e.g. ``{"min_length": 8, "need_number": True, "need_letter": True,
        #: "need_caps": True, "need_symbol": True}``.
        self.password_policy: dict | None = None
        #: GLPI's ``$CFG_GLPI['language']`` (``getGlpiConfig``), ``en_GB`` as on the kit. A
        #: user's language equal to it is stored as NULL by an update (items.stored_language).
        self.default_language = "en_GB"
        #: ``glpi_logs`` of users (history.py): entries in id order.
        self.history: list[dict] = []
        self.history_seq = 0
        self.faults = Faults()
        self.calls: list[CallRecord] = []
        self.app_token = app_token or secrets.token_hex(20)
        self.tables: dict[str, dict[int, dict]] = {name: {} for name in schema.ITEMTYPES}
        self.next_ids: dict[str, int] = {name: 1 for name in schema.ITEMTYPES}
        self.sessions: dict[str, Session] = {}
        self.login_index: dict[str, int] = {}
        self.generation = 0
        self.search_cache: dict[tuple, list[dict]] = {}
        self._indexed: dict[str, int] = {name: 0 for name in ("User",) + CHILD_TYPES}
        self.user_children: dict[str, dict[int, dict[int, None]]] = {
            name: {} for name in CHILD_TYPES
        }
        self.user_tokens: dict[str, int] = {}
        self.base_url = "http://127.0.0.1"
        self._seed(user_token or secrets.token_hex(20))

    # -- seeding --------------------------------------------------------------------------

    def _seed(self, glpi_token: str) -> None:
        stamp = now_text()
        self.insert(
            "Entity",
            {
                **schema.entity_defaults(),
                "id": 0,
                "name": "Root entity",
                "entities_id": None,
                "completename": "Root entity",
                "level": 1,
                "date_mod": stamp,
                "date_creation": stamp,
            },
        )
        self.next_ids["Entity"] = 1
        for pid, name, interface, is_default in schema.PROFILES:
            self.insert(
                "Profile",
                {
                    **schema.DEFAULTS["Profile"],
                    "id": pid,
                    "name": name,
                    "interface": interface,
                    "is_default": is_default,
                    "date_mod": stamp,
                    "date_creation": stamp,
                },
            )
        self.next_ids["User"] = 2
        for login, profile in (
            ("glpi", 4),
            ("post-only", 1),
            ("tech", 6),
            ("normal", 2),
            ("glpi-system", None),
        ):
            uid = self.seed_user(name=login, _profile=profile, _recursive=1)
            if login == "glpi":
                self.user_tokens[glpi_token] = uid
                self.glpi_user_token = glpi_token
        self.tables["User"][2]["password"] = hash_password("glpi")
        self.tables["User"][6]["realname"] = "Support"  # as GLPI's installer writes it

    def insert(self, itemtype: str, row: dict) -> int:
        """Store ``row`` (its ``id`` or the next one) and return the id."""
        with self.lock:
            self.generation += 1
            self._sync(itemtype)
            rid = row.get("id") or self.next_ids[itemtype]
            if itemtype == "Entity" and row.get("id") == 0:
                rid = 0
            row["id"] = rid
            self.tables[itemtype][rid] = row
            self.next_ids[itemtype] = max(self.next_ids[itemtype], rid + 1)
            self._index(itemtype, row)
            if itemtype in self._indexed:
                self._indexed[itemtype] = len(self.tables[itemtype])
            return rid

    def _sync(self, itemtype: str) -> None:
        """Rebuild an index when a test changed the table behind the simulator's back."""
        if itemtype not in self._indexed or self._indexed[itemtype] == len(self.tables[itemtype]):
            return
        if itemtype == "User":
            self.login_index.clear()
        else:
            self.user_children[itemtype].clear()
        for row in self.tables[itemtype].values():
            self._index(itemtype, row)
        self._indexed[itemtype] = len(self.tables[itemtype])

    def _index(self, itemtype: str, row: dict) -> None:
        if itemtype == "User" and isinstance(row.get("name"), str):
            self.login_index[row["name"].casefold()] = row["id"]
        elif itemtype in CHILD_TYPES:
            self.user_children[itemtype].setdefault(row.get("users_id"), {})[row["id"]] = None

    def _unindex(self, itemtype: str, row: dict) -> None:
        if itemtype == "User" and isinstance(row.get("name"), str):
            if self.login_index.get(row["name"].casefold()) == row["id"]:
                del self.login_index[row["name"].casefold()]
        elif itemtype in CHILD_TYPES:
            self.user_children[itemtype].get(row.get("users_id"), {}).pop(row["id"], None)

    def delete_row(self, itemtype: str, rid: int) -> dict | None:
        """Remove a row (keeping the indexes right); the removed row or None."""
        with self.lock:
            self.generation += 1
            self._sync(itemtype)
            row = self.tables[itemtype].pop(rid, None)
            if row is not None:
                self._unindex(itemtype, row)
                if itemtype in self._indexed:
                    self._indexed[itemtype] = len(self.tables[itemtype])
            return row

    def change_row(self, itemtype: str, row: dict, changes: Any) -> None:
        """Apply ``changes(row)`` to a stored row and refresh the indexes."""
        with self.lock:
            self.generation += 1
            self._unindex(itemtype, row)
            try:
                changes(row)
            finally:
                self._index(itemtype, row)

    def children(self, itemtype: str, user_id: int) -> list[dict]:
        """Rows of a per-user itemtype belonging to ``user_id``, by id."""
        self._sync(itemtype)
        ids = self.user_children[itemtype].get(user_id, {})
        table = self.tables[itemtype]
        return [table[rid] for rid in sorted(ids) if rid in table]

    def encode(self, value: Any) -> Any:
        """Store text as this version does (10: ``<>&`` HTML-encoded; 11: raw)."""
        from app.simulator.search.textmatch import html_encode

        if self.version == "10" and isinstance(value, str):
            return html_encode(value)
        return value

    def seed_user(self, **fields: Any) -> int:
        """Create a user directly in the DB (as an admin or LDAP would), bypassing the API.

        Extra keys: ``_profile`` (profile id, default 1 Self-Service, ``None`` for none),
        ``_entity`` (default 0), ``_recursive`` (default 0), ``_emails`` (list of addresses,
        the first is the default). A ``password`` is stored hashed, as an admin setting it
        would, so Basic/login sessions work with it.
        """
        profile = fields.pop("_profile", 1)
        entity = fields.pop("_entity", 0)
        recursive = fields.pop("_recursive", 0)
        emails = fields.pop("_emails", [])
        stamp = now_text()
        with self.lock:
            row = schema.user_defaults(self.version)
            row.update({"date_mod": stamp, "date_creation": stamp})
            for key, value in fields.items():
                row[key] = self.encode(value)
            password = fields.get("password")
            if isinstance(password, str) and password and not password.startswith("$2y$"):
                row["password"] = hash_password(password)
                row["password_last_update"] = stamp
            if not fields.get("id"):
                row["id"] = None
            uid = self.insert("User", row)
            if profile is not None:
                self.insert(
                    "Profile_User",
                    {
                        **schema.DEFAULTS["Profile_User"],
                        "id": None,
                        "users_id": uid,
                        "profiles_id": profile,
                        "entities_id": entity,
                        "is_recursive": int(recursive),
                    },
                )
            for index, address in enumerate(emails):
                self.insert(
                    "UserEmail",
                    {
                        **schema.DEFAULTS["UserEmail"],
                        "id": None,
                        "users_id": uid,
                        "email": self.encode(address),
                        "is_default": int(index == 0),
                    },
                )
            return uid

    def seed_group(self, **fields: Any) -> int:
        """Create a group directly in the DB, bypassing the API."""
        stamp = now_text()
        with self.lock:
            row = schema.group_defaults(self.version)
            row.update({"date_mod": stamp, "date_creation": stamp})
            for key, value in fields.items():
                row[key] = self.encode(value)
            row["id"] = None
            if row.get("completename") is None:
                row["completename"] = row.get("name")
            return self.insert("Group", row)

    def add_user_token(
        self,
        login: str,
        profile: int = 4,
        entity: int = 0,
        recursive: bool = True,
        token: str | None = None,
    ) -> str:
        """Give ``login`` an API user_token (creating the user with that profile if needed)."""
        with self.lock:
            uid = self.find_user_id(login)
            if uid is None:
                uid = self.seed_user(
                    name=login, _profile=profile, _entity=entity, _recursive=int(recursive)
                )
            token = token or secrets.token_hex(20)
            self.user_tokens[token] = uid
            return token

    def find_user_id(self, login: str) -> int | None:
        """Id of the user whose login equals ``login`` (case-insensitive), or None."""
        wanted = self.encode(login).casefold()
        with self.lock:
            self._sync("User")
            uid = self.login_index.get(wanted)
            row = self.tables["User"].get(uid) if uid is not None else None
            if uid is not None and (row is None or (row.get("name") or "").casefold() != wanted):
                self._indexed["User"] = -1
                self._sync("User")
                uid = self.login_index.get(wanted)
            return uid

    # -- knobs, call log, inspection -------------------------------------------------------

    def invalidate_sessions(self) -> None:
        """Forget every session, as an expired PHP session store would."""
        with self.lock:
            self.sessions.clear()

    def fail_next(self, method: str, path: str, **options: Any) -> FaultRule:
        """Aim a :class:`FaultRule` at ``method`` calls whose path contains ``path``."""
        rule = FaultRule(method.upper(), path, **options)
        with self.lock:
            self.faults.rules.append(rule)
        return rule

    def take_fault(self, method: str, path: str) -> FaultRule | None:
        """The rule this call triggers (counted, dropped once spent), or None."""
        with self.lock:
            for rule in self.faults.rules:
                if rule.method == method.upper() and rule.path in path:
                    if rule.skip > 0:
                        rule.skip -= 1
                        continue
                    rule.hits += 1
                    if rule.hits >= rule.times:
                        self.faults.rules.remove(rule)
                    return rule
            return None

    def record_call(self, record: CallRecord) -> None:
        """Append to the call log (thread-safe)."""
        with self.lock:
            self.calls.append(record)

    def reset_calls(self) -> None:
        """Clear the call log."""
        with self.lock:
            self.calls.clear()

    def rows(self, itemtype: str) -> list[dict]:
        """Copies of the stored rows of ``itemtype`` in raw DB form, ordered by id."""
        with self.lock:
            return [dict(row) for _, row in sorted(self.tables[itemtype].items())]

    def snapshot(self) -> dict[str, list[dict]]:
        """A deep copy of every table, for before/after comparisons."""
        with self.lock:
            return {name: copy.deepcopy(self.rows(name)) for name in self.tables}

    def state_digest(self, ignore: tuple[str, ...] = ("last_login",)) -> str:
        """SHA-256 over every table: equal digests mean byte-for-byte equal GLPI data.

        :param ignore: columns left out; by default ``last_login``, which every
            ``initSession`` rewrites (a lazy re-login is not a data change).
        """
        tables = {
            name: [{k: v for k, v in row.items() if k not in ignore} for row in rows]
            for name, rows in self.snapshot().items()
        }
        text = json.dumps(tables, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    # -- helpers used by the API layer -----------------------------------------------------

    def entity_ancestors(self, entity_id: int) -> list[int]:
        """Ancestors of an entity, nearest first (root last)."""
        result = []
        row = self.tables["Entity"].get(entity_id)
        while row is not None and row.get("entities_id") is not None:
            parent = row["entities_id"]
            result.append(parent)
            row = self.tables["Entity"].get(parent)
        return result

    def entity_descendants(self, entity_id: int) -> list[int]:
        """The entity and all entities below it."""
        result = [entity_id]
        for eid in self.tables["Entity"]:
            if eid != entity_id and entity_id in self.entity_ancestors(eid):
                result.append(eid)
        return sorted(result)

    def user_profiles(self, user_id: int) -> list[dict]:
        """Profile_User rows of a user, by id."""
        return self.children("Profile_User", user_id)

    def open_session(self, user_id: int) -> str:
        """Start a session on the user's default (or first) profile and entities."""
        with self.lock:
            links = self.user_profiles(user_id)
            profile_id = links[0]["profiles_id"] if links else 0
            user = self.tables["User"][user_id]
            if user.get("profiles_id") and any(
                pu["profiles_id"] == user["profiles_id"] for pu in links
            ):
                profile_id = user["profiles_id"]
            session = Session(
                user_id=user_id,
                profile_id=profile_id,
                entity_id=0,
                recursive=True,
                active_entities=[],
            )
            self.activate_all(session)
            token = secrets.token_hex(13)
            self.sessions[token] = session
            return token

    def profile_entities(self, session: Session) -> list[tuple[int, bool]]:
        """(entity, recursive) pairs the active profile of the session covers."""
        return [
            (pu["entities_id"], bool(pu["is_recursive"]))
            for pu in self.user_profiles(session.user_id)
            if pu["profiles_id"] == session.profile_id
        ]

    def can_view_all_entities(self, session: Session) -> bool:
        """GLPI's ``Session::canViewAllEntities()`` (10.0.12 and 11.0.6), which counts:
        ``countElementsInTable("glpi_entities") == count($_SESSION["glpiactiveentities"])``.

        A session's active entities are frozen at login, so an entity created
        afterwards (by another session) makes this False until a new login, and
        deleting one entity makes the counts match again.
        """
        return len(self.tables["Entity"]) == len(set(session.active_entities))

    def counts_all_entities(self, active: list[int]) -> bool:
        """``glpishowallentities`` as ``Session::changeActiveEntities`` sets it (10.0.12 and
        11.0.6): ``countElementsInTable('glpi_entities') <= count(glpiactiveentities)``."""
        return len(self.tables["Entity"]) <= len(set(active))

    def user_entities(self, user_id: int) -> set[int]:
        """GLPI's ``Profile_User::getUserEntities($id, true)``: the entity of each profile
        row of the user, plus the entities below it when the row is recursive."""
        found: set[int] = set()
        for pu in self.user_profiles(user_id):
            entity = pu["entities_id"]
            found.update(self.entity_descendants(entity) if pu["is_recursive"] else [entity])
        return found

    def activate_all(self, session: Session) -> None:
        """Activate every entity of the active profile (``changeActiveEntities`` 'all')."""
        pairs = self.profile_entities(session)
        active: set[int] = set()
        for entity, recursive in pairs:
            active.update(self.entity_descendants(entity) if recursive else [entity])
        session.active_entities = sorted(active)
        session.show_all = self.counts_all_entities(session.active_entities)
        top = sorted(pairs, key=lambda pair: (len(self.entity_ancestors(pair[0])), pair[0]))
        session.entity_id = top[0][0] if top else 0
        if top and top[0][1]:
            session.recursive = 1
        else:
            session.recursive = True if self.version == "11" else False
