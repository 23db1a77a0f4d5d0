"""Where the real lane's GLPI comes from, and a small direct reader of its state.

:func:`locate` finds the GLPI of one version: the one named by the
``REAL_GLPI_*`` environment variables (a staging GLPI), else the kit at
``<repo>/../shared/glpi-real`` (started with its idempotent ``up``). It
answers a :class:`RealGlpi`, or the reason why there is none.

:class:`GlpiReader` reads GLPI back without the bridge (its own session),
for the tests' state checks, and purges what a test created. It never
trusts GLPI's LIKE search: every ``rows`` match is verified in Python.
:meth:`RealGlpi.sql` runs a query through the ``mariadb`` client (the kit's
database, or ``REAL_GLPI_MYSQL_*``), for what the API never shows
(password hashes).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.real import stock

REPO = Path(__file__).resolve().parents[2]
KIT = REPO.parent / "shared" / "glpi-real"
VERSIONS = ("10", "11")

#: Environment variables naming a GLPI to test instead of the kit's.
ENV_URL = "REAL_GLPI_URL"
ENV_APP_TOKEN = "REAL_GLPI_APP_TOKEN"
ENV_USER_TOKEN = "REAL_GLPI_USER_TOKEN"
ENV_VERSION = "REAL_GLPI_VERSION"
#: Optional database access of that GLPI (for ``.sql``): host or socket, user, password, db.
ENV_MYSQL = {
    "host": "REAL_GLPI_MYSQL_HOST",
    "port": "REAL_GLPI_MYSQL_PORT",
    "socket": "REAL_GLPI_MYSQL_SOCKET",
    "user": "REAL_GLPI_MYSQL_USER",
    "password": "REAL_GLPI_MYSQL_PASSWORD",
    "db": "REAL_GLPI_MYSQL_DB",
}


class GlpiReader:
    """Direct calls to a GLPI's legacy API with its own session (not the bridge's).

    Thread-safe: one session token, renewed once on ``401``.
    """

    def __init__(self, url: str, app_token: str | None, user_token: str):
        self.url = url.rstrip("/")
        self._app_token = app_token
        self._user_token = user_token
        self._http = requests.Session()
        self._http.trust_env = False
        self._lock = threading.Lock()
        self._token: str | None = None

    def _headers(self, session: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._app_token:
            headers["App-Token"] = self._app_token
        if session:
            headers["Session-Token"] = session
        return headers

    def login(self) -> str:
        """A new GLPI session for ``user_token`` (not remembered: the caller owns it)."""
        answer = self._http.get(
            f"{self.url}/initSession",
            headers={**self._headers(), "Authorization": f"user_token {self._user_token}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["session_token"]

    def _session(self, stale: str | None = None) -> str:
        with self._lock:
            if self._token is None or self._token == stale:
                self._token = self.login()
            return self._token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call with the reader's session (``path`` after apirest.php).

        Logs in again and retries once on ``401``, and on a refusal for rights: GLPI
        freezes a session's entities at login, and GLPI 10 and 11 decide "all
        entities" by counting them (``Session::canViewAllEntities``), so once another
        test (another xdist worker) creates an entity, this older session may no longer
        purge a user whose profile row is recursive on the root entity.
        """
        token = self._session()
        for _ in range(2):
            answer = self._http.request(
                method, self.url + path, headers=self._headers(token), timeout=60, **kwargs
            )
            if answer.status_code != 401 and not _refused_for_rights(answer):
                return answer
            token = self._session(stale=token)
        return answer

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code < 400, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def get(self, itemtype: str, item_id: int | str) -> dict | None:
        """``GET /itemtype/:id`` (every column), or None when GLPI has no such row."""
        answer = self.call("GET", f"/{itemtype}/{item_id}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, (itemtype, item_id, answer.status_code, answer.text)
        return answer.json()

    def rows(self, itemtype: str, **match: Any) -> list[dict]:
        """Rows of ``itemtype`` whose columns equal ``match`` exactly, trashed ones included.

        Narrowed with ``searchText`` (anchored), then checked in Python, since
        GLPI's text search is a LIKE. Give ``is_deleted=0`` or ``1`` to read
        only one side of the trash bin.
        """
        trash = [match["is_deleted"]] if "is_deleted" in match else [0, 1]
        params: dict[str, Any] = {"range": "0-99999", "expand_dropdowns": "false"}
        for column, value in match.items():
            if column != "is_deleted" and value not in (None, "", 0):
                params[f"searchText[{column}]"] = f"^{value}$"
        found: list[dict] = []
        for deleted in trash:
            answer = self.call(
                "GET", f"/{itemtype}", params={**params, "is_deleted": str(int(deleted))}
            )
            if answer.status_code == 200:
                body = answer.json()
                found.extend(body if isinstance(body, list) else [])
            else:
                # GLPI answers an empty result as 200 [] on 10, and some itemtypes
                # without an is_deleted column ignore the flag: only a real error fails.
                assert answer.status_code in (200, 206), (itemtype, answer.status_code, answer.text)
            if not _has_trash(found, itemtype):
                break
        unique = {row["id"]: row for row in found}
        return [row for row in unique.values() if _matches(row, match)]

    def search(self, itemtype: str, **params: Any) -> dict:
        """``GET /search/itemtype`` with raw query parameters (``criteria[0][field]``...)."""
        return self.json("GET", f"/search/{itemtype}", params=params)

    def purge(self, itemtype: str, *ids: int | str) -> None:
        """Delete rows for good (``force_purge``), all in one call; rows already gone are fine.

        GLPI purges a user's e-mails, profile rows and memberships, and a group's
        memberships, with it.
        """
        if not ids:
            return
        answer = self.call(
            "DELETE",
            f"/{itemtype}/",
            json={"input": [{"id": int(i)} for i in ids], "force_purge": True},
        )
        if answer.status_code in (200, 207):  # 207: some were already gone
            return
        # Anything else (every input refused, a transient error): one by one, each must end gone.
        for item_id in ids:
            single = self.call("DELETE", f"/{itemtype}/{item_id}", params={"force_purge": "true"})
            assert single.status_code in (200, 204, 404) or self.get(itemtype, item_id) is None, (
                itemtype, item_id, answer.status_code, answer.text, single.status_code, single.text
            )

    def relogin(self) -> None:
        """End the current session; the next call starts a new one. GLPI freezes a session's
        entities at login, so a reader must log in again to see an entity created after."""
        with self._lock:
            stale, self._token = self._token, None
        if stale is not None:
            self.kill_session(stale)

    @contextlib.contextmanager
    def entity(self, name: str, parent: int = 0) -> Iterator[int]:
        """A new entity under ``parent`` for the ``with`` block, purged afterwards (its
        users and groups must be gone by then)."""
        answer = self.json("POST", "/Entity/", json={"input": {"name": name,
                                                                "entities_id": parent}})
        entity_id = int(answer["id"])
        self.relogin()
        try:
            yield entity_id
        finally:
            self.purge("Entity", entity_id)

    def kill_session(self, token: str) -> None:
        """End GLPI session ``token`` (the bridge's, in the fault tests)."""
        self._http.get(f"{self.url}/killSession", headers=self._headers(token), timeout=30)

    def close(self) -> None:
        if self._token is not None:
            self.kill_session(self._token)
            self._token = None
        self._http.close()


def _refused_for_rights(answer: requests.Response) -> bool:
    return answer.status_code in (400, 403) and "have permission" in answer.text


def _has_trash(found: list[dict], itemtype: str) -> bool:
    """Whether ``itemtype`` has a trash bin (its rows carry ``is_deleted``)."""
    return not found or "is_deleted" in found[0]


def _matches(row: dict, match: dict) -> bool:
    return all(str(row.get(column)) == str(value) for column, value in match.items())


@dataclass
class RealGlpi:
    """One real GLPI the lane runs against.

    :ivar version: full version, e.g. ``10.0.12``; :ivar major: ``10`` or ``11``.
    :ivar conn: the kit's connection JSON (None for a GLPI named by the environment).
    :ivar state_dir: the kit's state directory (sessions under ``files/_sessions``), or None.
    """

    url: str
    app_token: str | None
    user_token: str
    version: str
    major: str
    api: GlpiReader
    conn: dict | None = None
    mysql: dict | None = None
    state_dir: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"glpi-{self.version}"

    @property
    def from_kit(self) -> bool:
        return self.conn is not None

    def sql(self, query: str, params: tuple | list = ()) -> list[tuple]:
        """Rows of ``query`` (``%s`` placeholders filled with quoted ``params``), as strings.

        Skips the test when no database access is known or the database does
        not answer (a staging GLPI without ``REAL_GLPI_MYSQL_*``).
        """
        if not self.mysql:
            pytest.skip(f"no MariaDB access to {self.label} (set {ENV_MYSQL['user']} etc.)")
        client = shutil.which("mariadb") or shutil.which("mysql")
        if client is None:
            pytest.skip("no mariadb client installed")
        args = [client, "--batch", "--skip-column-names", "-u", self.mysql["user"]]
        if self.mysql.get("socket"):
            args += ["--socket", self.mysql["socket"]]
        if self.mysql.get("host"):
            args += ["-h", self.mysql["host"]]
        if self.mysql.get("port"):
            args += ["-P", str(self.mysql["port"])]
        args += [self.mysql["db"], "-e", query % tuple(_sql_literal(p) for p in params)]
        env = {**os.environ, "MYSQL_PWD": self.mysql.get("password") or ""}
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
        if done.returncode != 0 and "ERROR 2002" in done.stderr:
            pytest.skip(f"MariaDB of {self.label} not reachable: {done.stderr.strip()}")
        assert done.returncode == 0, done.stderr
        return [
            tuple(None if cell == "NULL" else _unescape(cell) for cell in line.split("\t"))
            for line in done.stdout.splitlines()
        ]


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _unescape(cell: str) -> str:
    return cell.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")


def _kit_connection(version: str) -> dict:
    """Start (or find running) the kit's GLPI ``version``, fresh once per run (:mod:`.stock`).

    ``up`` is idempotent and serialised per version; the xdist workers also
    serialise ``up 10`` against ``up 11`` (a lock on the script itself), since on
    a bare machine both would run apt-get and start MariaDB at once. The lock is
    held through the run's first ``--fresh`` and stock check, so no worker sees
    the GLPI half-installed.
    """
    with open(KIT / "up", "rb") as script:
        fcntl.flock(script.fileno(), fcntl.LOCK_EX)
        return stock.prepared_kit(version, _run_up)


def _run_up(version: str, *flags: str) -> dict:
    done = subprocess.run(
        [str(KIT / "up"), version, *flags],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{KIT / 'up'} {version} {' '.join(flags)} failed "
                           f"(exit {done.returncode}):\n{tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env_mysql() -> dict | None:
    values = {key: os.environ.get(name) for key, name in ENV_MYSQL.items()}
    if not values["user"] or not values["db"]:
        return None
    return {key: value for key, value in values.items() if value}


def lane_skip_reason() -> str | None:
    """Why the whole lane cannot run here, or None."""
    if os.environ.get(ENV_URL):
        missing = [n for n in (ENV_USER_TOKEN,) if not os.environ.get(n)]
        return f"{ENV_URL} is set but {', '.join(missing)} is not" if missing else None
    if not (KIT / "up").is_file():
        return (
            f"real GLPI lane skipped: no kit at {KIT} and no {ENV_URL} "
            "(see docs/real-glpi.md)"
        )
    return None


def detect_version(api: GlpiReader) -> str:
    """GLPI's full version, from ``getGlpiConfig``."""
    return str(api.json("GET", "/getGlpiConfig")["cfg_glpi"]["version"]).strip()


def locate(major: str) -> RealGlpi | str:
    """The real GLPI of ``major`` for this run, or why there is none (a skip reason)."""
    reason = lane_skip_reason()
    if reason:
        return reason
    if os.environ.get(ENV_URL):
        api = GlpiReader(
            os.environ[ENV_URL], os.environ.get(ENV_APP_TOKEN), os.environ[ENV_USER_TOKEN]
        )
        version = os.environ.get(ENV_VERSION) or detect_version(api)
        if version.split(".")[0] != major:
            api.close()
            return f"{ENV_URL} targets GLPI {version}, not {major}"
        return RealGlpi(
            url=api.url,
            app_token=os.environ.get(ENV_APP_TOKEN),
            user_token=os.environ[ENV_USER_TOKEN],
            version=version if "." in version else detect_version(api),
            major=major,
            api=api,
            mysql=_env_mysql(),
        )
    conn = _kit_connection(major)
    api = GlpiReader(conn["url"], conn["app_token"], conn["user_token"])
    mysql = {
        "user": conn["mysql_user"],
        "password": conn["mysql_password"],
        "db": conn["mysql_db"],
        "socket": conn.get("mysql_socket"),
    }
    return RealGlpi(
        url=conn["url"],
        app_token=conn["app_token"],
        user_token=conn["user_token"],
        version=conn["version"],
        major=major,
        api=api,
        conn=conn,
        mysql=mysql,
        state_dir=Path(conn["state_dir"]) if conn.get("state_dir") else None,
        extra={"stock": conn.get("stock")},
    )
