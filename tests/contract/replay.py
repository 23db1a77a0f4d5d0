"""Replay recorded GLPI exchanges against the simulator and compare the answers.

Recorded ids run on from file to file, so every id the recording shows for a
created item is mapped to the id the simulator gave it (by order of appearance);
placeholders (``<APP_TOKEN>``, ``<SESSION_TOKEN_x>``, ``<BASE64(login:pw)>``) are
bound to the simulator's real tokens. Bodies are compared as shapes plus the
values that matter: timestamps, tokens and HATEOAS hrefs are normalised, and a
recorded dict may be a trimmed projection of the real answer.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from werkzeug.test import Client

from app.simulator.api import SimulatorApp
from app.simulator.state import Simulator

HERE = Path(__file__).parent
#: Transcripts recorded by this repository's recorder (``recorder.py``, ``scenarios.py``).
RECORDED = HERE / "recorded"
VERSIONS = {"10": "glpi-10.0.12", "11": "glpi-11.0.6"}
SIM_BASE = "http://localhost"
#: Origins of the shared recordings (8090/8091) and of the kit's GLPIs (8190/8191), which
#: ``recorder.py`` writes for any GLPI it records.
_RECORDED_BASES = (
    "http://127.0.0.1:8090",
    "http://127.0.0.1:8091",
    "http://127.0.0.1:8190",
    "http://127.0.0.1:8191",
)
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
_VOLATILE = {
    "session_token",
    "glpi_currenttime",
    "dbversion",
    "last_login",
    "date_mod",
    "date_creation",
    "password_last_update",
    "user_dn_hash",
    "glpicrontimer",
    "glpigroups_cache_date",
}
_ID_KEYS = {
    "users_id": "User",
    "groups_id": "Group",
    "entities_id": "Entity",
    "_entities_id": "Entity",
}
_PLACEHOLDER = re.compile(
    r"<(SESSION_TOKEN[A-Z0-9_]*|APP_TOKEN|USER_TOKEN[A-Z_]*|BASE64\([^)]*\))>"
)


#: Exchanges whose request body the recorder lost. The recorded answer names what was
#: sent (``03_user_create`` #42: "JSON body without any Content-Type header" created
#: ``scim.noctype``), so the body is restored rather than dropping the exchange.
REPAIRED_BODIES = {
    (
        "03_user_create.json",
        "JSON body without any Content-Type header",
    ): '{"input": {"name": "scim.noctype"}}'
}


def load(version: str, root: Path = HERE) -> list[tuple[str, list[dict]]]:
    """Every recorded file of a version under ``root``: (name, entries), in recording order."""
    folder = root / VERSIONS[version]
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
    ]


@dataclass
class Outcome:
    """Result of one replayed exchange."""

    file: str
    index: int
    title: str
    ok: bool
    reason: str = ""


@dataclass
class Replayer:
    """Replays files against one fresh simulator, keeping the id and token maps."""

    version: str
    sim: Simulator = field(init=False)
    ids: dict[tuple[str, int], int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sim = Simulator(version=self.version)
        self.client = Client(SimulatorApp(self.sim))
        self.tokens["APP_TOKEN"] = self.sim.app_token
        self.tokens["USER_TOKEN"] = self.sim.glpi_user_token

    # -- fixtures -----------------------------------------------------------------------------

    def ensure_fixtures(self, entries: list[dict]) -> None:
        """Create the limited API accounts and rights fixtures file 12 describes."""
        fixture = next((e["fixture"] for e in entries if "fixture" in e), None)
        if fixture is None:
            return
        if 1 not in self.sim.tables["Entity"]:
            self.sim.insert(
                "Entity",
                {
                    **self.sim.tables["Entity"][0],
                    "id": 1,
                    "name": "SCIM Child",
                    "entities_id": 0,
                    "completename": self.sim.encode("Root entity > SCIM Child"),
                    "level": 2,
                },
            )
        self.tokens["USER_TOKEN_TECH"] = self.sim.add_user_token("api-tech", 6, 0, True)
        self.tokens["USER_TOKEN_SELFSERVICE"] = self.sim.add_user_token(
            "api-selfservice", 1, 0, True
        )
        self.tokens["USER_TOKEN_CHILDTECH"] = self.sim.add_user_token("api-childtech", 6, 1, False)
        for login, text in fixture.items():
            match = re.match(r"id (\d+):", str(text))
            if not match or self.sim.find_user_id(login) is not None and login != "scim.alice":
                continue
            recorded = int(match.group(1))
            uid = self.sim.find_user_id(login)
            if uid is None:
                entity = 1 if "child entity 1" in text else 0
                uid = self.sim.seed_user(
                    name=login, entities_id=entity, _profile=1, _entity=entity, _recursive=0
                )
            self.ids[("User", recorded)] = uid

    # -- mapping ------------------------------------------------------------------------------

    def map_id(self, itemtype: str, value: Any) -> Any:
        """Recorded id → simulator id (unchanged when the id was never created in a replay)."""
        try:
            number = int(value)
        except (TypeError, ValueError):
            return value
        mapped = self.ids.get((itemtype, number), number)
        return type(value)(mapped) if isinstance(value, (int, str)) else mapped

    def substitute(self, text: str) -> str:
        def repl(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("BASE64("):
                return base64.b64encode(name[7:-1].encode()).decode()
            return self.tokens.get(name, match.group(0))

        return _PLACEHOLDER.sub(repl, text)

    def map_path(self, path: str) -> str:
        parts = path.split("/")
        for index in range(1, len(parts)):
            if parts[index].isdigit() and parts[index - 1] in self.sim.tables:
                parts[index] = str(self.map_id(parts[index - 1], int(parts[index])))
        return "/".join(parts)

    def map_input(self, itemtype: str, value: Any) -> Any:
        if isinstance(value, list):
            return [self.map_input(itemtype, entry) for entry in value]
        if not isinstance(value, dict):
            return value
        result = {}
        for key, item in value.items():
            if key == "id":
                item = self.map_id(itemtype, item)
            elif key in _ID_KEYS:
                item = self.map_id(_ID_KEYS[key], item)
            elif key == "_default_email" and str(item).isdigit():
                item = str(self.map_id("UserEmail", int(item)))
            elif key == "_useremails" and isinstance(item, dict):
                item = {
                    str(self.map_id("UserEmail", k)) if k.isdigit() else k: v
                    for k, v in item.items()
                }
            elif isinstance(item, (dict, list)):
                item = self.map_input(itemtype, item)
            result[key] = item
        return result

    def map_query(self, itemtype: str, query: dict | None) -> dict:
        if not query:
            return {}
        result = {}
        for key, value in query.items():
            if isinstance(value, str):
                value = self.substitute(value)
            match = re.fullmatch(r"(criteria\[\d+\](?:\[criteria\]\[\d+\])*)\[value\]", key)
            if match:
                field_no = str(query.get(f"{match.group(1)}[field]"))
                kind = query.get(f"{match.group(1)}[searchtype]")
                target = _criteria_target(itemtype, field_no, kind)
                if target and str(value).isdigit():
                    value = str(self.map_id(target, value))
            if key.startswith("searchText[") and key[11:-1] in _ID_KEYS:
                value = str(self.map_id(_ID_KEYS[key[11:-1]], value))
            result[key] = value
        return result

    # -- replay -------------------------------------------------------------------------------

    def bind_sessions(self, request: dict) -> None:
        """A session placeholder first seen in a request stands for a session the recorder
        opened outside the transcript: open one for ``glpi``."""
        texts = list(request["headers"].values()) + [
            str(v) for v in (request.get("query") or {}).values()
        ]
        for text in texts:
            for name in re.findall(r"<(SESSION_TOKEN[A-Z0-9_]*)>", str(text)):
                if name not in self.tokens:
                    self.tokens[name] = self.sim.open_session(2)

    def send(self, entry: dict, repaired: str | None = None):
        request = entry["request"]
        self.bind_sessions(request)
        path = request["path"]
        itemtype = _itemtype_of(path)
        headers = {key: self.substitute(value) for key, value in request["headers"].items()}
        body = request["body"]
        data = None
        if isinstance(body, (dict, list)):
            data = json.dumps(self.map_input(itemtype, body))
        elif isinstance(body, str):
            data = self.substitute(body)
        if repaired is not None:
            data = repaired
        return self.client.open(
            self.map_path(path),
            method=request["method"],
            query_string=self.map_query(itemtype, request.get("query")),
            headers=headers,
            data=data,
        )

    def learn(self, entry: dict, actual_status: int, actual: Any) -> None:
        """Bind tokens and ids the recorded answer introduces."""
        recorded = entry["response"]["body"]
        itemtype = _itemtype_of(entry["request"]["path"])
        if isinstance(recorded, dict) and isinstance(actual, dict):
            token = recorded.get("session_token")
            if isinstance(token, str) and token.startswith("<") and "session_token" in actual:
                self.tokens[token.strip("<>")] = actual["session_token"]
        if itemtype is None:
            return
        pairs: list[tuple[Any, Any]] = []
        if entry["request"]["method"] == "GET" and 200 <= actual_status < 300:
            self.learn_read(itemtype, recorded, actual)
            return
        if entry["request"]["method"] != "POST":
            return
        if isinstance(recorded, dict) and isinstance(actual, dict):
            pairs.append((recorded.get("id"), actual.get("id")))
        elif isinstance(recorded, list) and isinstance(actual, list):
            rec_items = (
                recorded[1] if recorded and recorded[0] == "ERROR_GLPI_PARTIAL_ADD" else recorded
            )
            act_items = actual[1] if actual and actual[0] == "ERROR_GLPI_PARTIAL_ADD" else actual
            if isinstance(rec_items, list) and isinstance(act_items, list):
                for rec, act in zip(rec_items, act_items, strict=False):
                    if isinstance(rec, dict) and isinstance(act, dict):
                        pairs.append((rec.get("id"), act.get("id")))
        for rec_id, act_id in pairs:
            if isinstance(rec_id, int) and isinstance(act_id, int) and not isinstance(rec_id, bool):
                self.ids[(itemtype, rec_id)] = act_id

    def learn_read(self, itemtype: str, recorded: Any, actual: Any) -> None:
        """Ids of rows GLPI created implicitly (default Profile_User, ``_useremails``) are
        first seen on read: map them by position when the rows agree on their name.
        Search rows carry the login (column 1) next to the id (column 2): an id the
        recording gives a known login is mapped to that login's simulator id."""
        if isinstance(recorded, dict) and isinstance(recorded.get("data"), list):
            self.learn_search_rows(itemtype, recorded["data"])
            if itemtype != "User" and isinstance(actual, dict):
                self.learn_search_ids(itemtype, recorded["data"], actual.get("data") or [])
            return
        if isinstance(recorded, dict) and isinstance(actual, dict):
            recorded, actual = [recorded], [actual]
        if not (isinstance(recorded, list) and isinstance(actual, list)):
            return
        for rec, act in zip(recorded, actual, strict=False):
            if not (isinstance(rec, dict) and isinstance(act, dict)):
                continue
            if "name" in rec and rec.get("name") != act.get("name"):
                continue
            rec_id, act_id = rec.get("id"), act.get("id")
            if (
                isinstance(rec_id, int)
                and isinstance(act_id, int)
                and (itemtype, rec_id) not in self.ids
            ):
                self.ids[(itemtype, rec_id)] = act_id

    def learn_search_rows(self, itemtype: str, rows: list) -> None:
        if itemtype != "User":
            return
        for row in rows:
            if not isinstance(row, dict):
                continue
            login, rec_id = row.get("1"), row.get("2")
            if (
                isinstance(login, str)
                and isinstance(rec_id, int)
                and ("User", rec_id) not in self.ids
            ):
                uid = self.sim.find_user_id(self.decode(login))
                if uid is not None and uid != rec_id:
                    self.ids[("User", rec_id)] = uid

    def learn_search_ids(self, itemtype: str, recorded: list, actual: list) -> None:
        """Rows GLPI created implicitly (a user's default Profile_User row) may first be
        seen in a search: bind their ids (column 2) by position."""
        for rec, act in zip(recorded, actual, strict=False):
            if not (isinstance(rec, dict) and isinstance(act, dict)):
                continue
            rec_id, act_id = rec.get("2"), act.get("2")
            if isinstance(rec_id, int) and isinstance(act_id, int):
                self.ids.setdefault((itemtype, rec_id), act_id)

    def decode(self, text: str) -> str:
        """Logins as the API shows them are the stored form (encoded on 10)."""
        from app.simulator.search.textmatch import html_decode

        return html_decode(text) if self.version == "10" else text

    def replay(self, name: str, entries: list[dict], scored: bool) -> list[Outcome]:
        self.ensure_fixtures(entries)
        self.tokens["SESSION_TOKEN"] = self.sim.open_session(2)
        outcomes = []
        for index, entry in enumerate(entries):
            if "request" not in entry:
                continue
            response = self.client_response(entry, REPAIRED_BODIES.get((name, entry.get("title"))))
            status, actual = response
            self.learn(entry, status, actual)
            if not scored:
                continue
            from tests.contract.normalise import compare

            reason = compare(self, entry, status, actual)
            outcomes.append(
                Outcome(name, index, entry.get("title", ""), reason is None, reason or "")
            )
        return outcomes

    def client_response(self, entry: dict, repaired: str | None = None) -> tuple[int, Any]:
        response = self.send(entry, repaired)
        text = response.get_data(as_text=True)
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        self.last_headers = dict(response.headers)
        return response.status_code, body


def _itemtype_of(path: str) -> str | None:
    parts = [p for p in re.sub(r"^/(apirest\.php|api\.php/v1)", "", path).split("/") if p]
    if not parts:
        return None
    head = parts[0]
    if head in ("search", "listSearchOptions") and len(parts) > 1:
        head = parts[1]
    if len(parts) > 2 and parts[2] in ("UserEmail", "Group_User", "Profile_User", "Log"):
        head = parts[2]
    return (
        head
        if head
        in (
            "User",
            "UserEmail",
            "Group",
            "Group_User",
            "Profile_User",
            "Entity",
            "Profile",
            "UserTitle",
            "UserCategory",
            "Log",
        )
        else None
    )


def _criteria_target(itemtype: str | None, field_no: str, searchtype: Any) -> str | None:
    if itemtype == "User":
        if field_no == "2" or (field_no == "1" and searchtype in ("equals", "notequals")):
            return "User"
        if field_no == "13" and searchtype in ("equals", "notequals"):
            return "Group"
    if itemtype == "Group" and field_no == "2":
        return "Group"
    if itemtype == "Group_User":
        return {"4": "Group", "5": "User", "2": "Group_User"}.get(field_no)
    if itemtype == "Profile_User":
        return {"5": "User", "2": "Profile_User"}.get(field_no)
    return None


#: Files recorded out of their name's order: file → the files whose exchanges had run
#: on that database before it. 10.0.12's ``04_user_read`` was re-recorded after files
#: 05–12 (its trashed user has id 150, its lists total 58 users, its trash holds users
#: files 06 and 12 created), so its database is rebuilt by those files too.
RECORDED_AFTER = {
    ("10", "04_user_read.json"): (
        "00_setup_entity_and_limited_users.json",
        "01_initSession_auth.json",
        "02_session_info.json",
        "03_user_create.json",
        "03b_user_login_charset_and_escaping.json",
        "05_search_user.json",
        "06_user_update.json",
        "07_user_delete.json",
        "08_useremail.json",
        "09_group.json",
        "10_group_user.json",
        "11_profile_user.json",
        "12_rights_limited_users.json",
    )
}


def run_version(version: str) -> list[Outcome]:
    """Replay every file of a version; each file gets a fresh simulator whose state is
    rebuilt by replaying the files recorded before it (unscored)."""
    files = load(version)
    by_name = dict(files)
    outcomes: list[Outcome] = []
    for position, (name, entries) in enumerate(files):
        replayer = Replayer(version)
        priors = RECORDED_AFTER.get((version, name))
        before = [(p, by_name[p]) for p in priors] if priors else files[:position]
        for prior_name, prior in before:
            replayer.replay(prior_name, prior, scored=False)
        outcomes.extend(replayer.replay(name, entries, scored=True))
    return outcomes


def run_recorded(version: str) -> list[Outcome]:
    """Replay the transcripts of ``tests/contract/recorded/``: each file was recorded on its
    own (it creates what it reads and purges it), so each gets a fresh simulator."""
    outcomes: list[Outcome] = []
    for name, entries in load(version, RECORDED):
        replayer = Replayer(version)
        # They were recorded on a database in use, where no new item gets id 1 (GLPI 11
        # treats group 1 apart: see relations.add_group): new ids start further on.
        for itemtype, next_id in replayer.sim.next_ids.items():
            replayer.sim.next_ids[itemtype] = max(next_id, FIRST_RECORDED_ID)
        outcomes.extend(replayer.replay(name, entries, scored=True))
    return outcomes


#: First id the simulator gives to an item created while replaying the recorder's files.
FIRST_RECORDED_ID = 100
