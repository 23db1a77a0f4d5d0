"""Record GLPI exchanges into contract transcripts (``tests/contract/recorded/``).

A *scenario* is a list of :class:`Step` (method, path, query, body, note). The
recorder plays it against a real GLPI through the legacy REST API and writes
one JSON file per scenario, in exactly the format of ``../shared/glpi-contract/``
(see ``tests/contract/README.md``): a list of ``{"title", "request": {method,
path, query, headers, body}, "response": {status, headers, body}, "note"?}``.

Which GLPI
    By default the kit: ``../shared/glpi-real/up 10`` (or ``11``) prints the URL
    and tokens. ``REAL_GLPI_URL``, ``REAL_GLPI_APP_TOKEN`` and
    ``REAL_GLPI_USER_TOKEN`` (the real lane's variables) aim it at any other
    GLPI, e.g. a staging one; its version is read from ``getGlpiConfig``.

Session
    One session is opened (``initSession`` with the Super-Admin's user_token)
    before the first step and killed after the cleanup. Neither call is part of
    the transcript: the replay binds ``<SESSION_TOKEN>`` to a fresh ``glpi``
    session of the simulator, as it does for the shared files.

Secrets
    The App-Token, every user token the kit prints and the session token are
    replaced by ``<APP_TOKEN>``, ``<USER_TOKEN>`` (``_TECH``, ``_SELFSERVICE``,
    ``_CHILDTECH``) and ``<SESSION_TOKEN>`` wherever they appear, so the replay
    binds them. Passwords in the scenarios are throwaway test values.

Names (why transcripts are stable although the GLPIs are shared)
    The kit's GLPIs are used by several people at once: the recorder only ever
    touches objects it created. Every name a scenario creates contains
    ``{tag}``, which is a fresh random run tag of 8 lowercase letters (so two
    runs, or a crashed earlier run, never collide). When the transcript is
    written, the run tag is replaced everywhere by the fixed word ``recorded``
    (same length, so lengths and messages stay true), and the origin of the
    GLPI by the kit's (``http://127.0.0.1:8190`` / ``8191``). The replay maps
    ids by order of appearance (``replay.py``), so the real ids do not matter;
    scenarios read only what they created (searches are narrowed to the tag),
    which keeps the other users of the database out of the answers.

Cleanup
    Every item a ``POST`` created is purged (``force_purge``) after the last
    step, whether or not the scenario did it itself and even when a step
    failed; those calls are not recorded. A trashed user is purged too.

Run it with ``scripts/record-contract [--version 10|11] [scenario ...]``;
the scenarios live in ``tests/contract/scenarios.py``.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"
KIT = HERE.parents[2] / "shared" / "glpi-real" / "up"
KIT_ORIGINS = {"10": "http://127.0.0.1:8190", "11": "http://127.0.0.1:8191"}
FIXED_TAG = "recorded"
#: Response headers kept in transcripts (those of the shared recordings).
KEPT_HEADERS = ("location", "Content-Type", "Access-Control-Expose-Headers", "Accept-Range")
KEPT_HEADERS_LOWER = {name.lower(): name for name in (*KEPT_HEADERS, "Content-Range")}


@dataclass(frozen=True)
class Ref:
    """A value saved by an earlier step (an id), placed in a body or query as is."""

    name: str


@dataclass
class Step:
    """One exchange of a scenario.

    ``path``, string query values and string body values may hold ``{tag}`` and
    ``{name}`` for values saved earlier (``save``); :class:`Ref` keeps a saved
    id's type (an int in a JSON body). ``save`` maps a name to a function of the
    answer body. ``trim`` turns the answer body into what the transcript keeps
    (a projection, as the shared recordings do for long answers).
    """

    title: str
    method: str
    path: str
    query: dict[str, Any] | None = None
    body: Any = None
    note: str | None = None
    save: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    trim: Callable[[Any], Any] | None = None
    raw_body: str | None = None


@dataclass
class Target:
    """The GLPI to record against."""

    url: str
    app_token: str
    user_token: str
    other_tokens: dict[str, str] = field(default_factory=dict)
    version: str = ""

    @property
    def major(self) -> str:
        return self.version.split(".")[0]


def kit_target(major: str) -> Target:
    """The kit's GLPI ``major`` (started if needed by ``up``, which is idempotent)."""
    out = subprocess.run([str(KIT), major], check=True, capture_output=True, text=True).stdout
    conn = json.loads(out)
    others = {
        "USER_TOKEN_TECH": conn["tech"],
        "USER_TOKEN_SELFSERVICE": conn["selfservice"],
        "USER_TOKEN_CHILDTECH": conn["childtech"],
    }
    return Target(conn["url"], conn["app_token"], conn["user_token"], others, conn["version"])


def env_target() -> Target | None:
    """The GLPI named by ``REAL_GLPI_URL`` and its tokens, or None."""
    url = os.environ.get("REAL_GLPI_URL")
    if not url:
        return None
    return Target(
        url.rstrip("/"),
        os.environ["REAL_GLPI_APP_TOKEN"],
        os.environ["REAL_GLPI_USER_TOKEN"],
    )


def run_tag() -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(len(FIXED_TAG)))


class Recorder:
    """Plays scenarios against one GLPI and writes their transcripts."""

    def __init__(self, target: Target, tag: str | None = None):
        self.target = target
        self.http = requests.Session()
        self.tag = tag or run_tag()
        self.session_token = ""
        self.saved: dict[str, Any] = {"tag": self.tag}
        self.created: list[tuple[str, int]] = []
        if not target.version:
            target.version = self._version()

    # -- session ------------------------------------------------------------------------------

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"App-Token": self.target.app_token}
        if self.session_token:
            headers["Session-Token"] = self.session_token
        return {**headers, **(extra or {})}

    def _version(self) -> str:
        self.open()
        try:
            config = self.http.get(self.target.url + "/getGlpiConfig", headers=self._headers())
            return str(config.json()["cfg_glpi"]["version"])
        finally:
            self.close()

    def open(self) -> None:
        answer = self.http.get(
            self.target.url + "/initSession",
            headers={
                "App-Token": self.target.app_token,
                "Authorization": "user_token " + self.target.user_token,
            },
            timeout=60,
        )
        answer.raise_for_status()
        self.session_token = answer.json()["session_token"]

    def close(self) -> None:
        if self.session_token:
            self.http.get(self.target.url + "/killSession", headers=self._headers(), timeout=60)
            self.session_token = ""

    # -- templating ---------------------------------------------------------------------------

    def fill(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.saved[value.name]
        if isinstance(value, str):
            return value.format_map(self.saved) if "{" in value else value
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value

    def secrets(self) -> dict[str, str]:
        """Secret value → placeholder, longest first."""
        table = {
            self.target.app_token: "<APP_TOKEN>",
            self.target.user_token: "<USER_TOKEN>",
            **{token: f"<{name}>" for name, token in self.target.other_tokens.items()},
        }
        if self.session_token:
            table[self.session_token] = "<SESSION_TOKEN>"
        return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))

    def scrub(self, value: Any) -> Any:
        """Secrets → placeholders, run tag → ``recorded``, origin → the kit's."""
        text = json.dumps(value, ensure_ascii=False)
        for secret, placeholder in self.secrets().items():
            text = text.replace(secret, placeholder)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.target.url))
        text = text.replace(origin, KIT_ORIGINS.get(self.target.major, origin))
        text = text.replace(json.dumps(origin)[1:-1], KIT_ORIGINS.get(self.target.major, origin))
        return json.loads(text.replace(self.tag, FIXED_TAG))

    # -- playing ------------------------------------------------------------------------------

    def play(self, step: Step) -> dict:
        """Send one step; remember what it created; answer its transcript entry."""
        path = self.fill(step.path)
        query = self.fill(step.query) if step.query else None
        body = self.fill(step.body)
        headers = self._headers()
        data = None
        if step.raw_body is not None:
            data = self.fill(step.raw_body).encode()
            headers["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        answer = self.http.request(
            step.method,
            self.target.url + path,
            params=query,
            headers=headers,
            data=data,
            timeout=120,
        )
        try:
            payload: Any = answer.json()
        except ValueError:
            payload = answer.text
        self._remember(step.method, path, answer.status_code, payload)
        for name, pick in step.save.items():
            self.saved[name] = pick(payload)
        kept = {
            KEPT_HEADERS_LOWER[k.lower()]: v
            for k, v in answer.headers.items()
            if k.lower() in KEPT_HEADERS_LOWER
        }
        entry = {
            "title": self.fill(step.title),
            "request": {
                "method": step.method,
                "path": urlsplit(self.target.url).path + path,
                "query": query,
                "headers": headers,
                "body": body if step.raw_body is None else data.decode(),
            },
            "response": {
                "status": answer.status_code,
                "headers": kept,
                "body": step.trim(payload) if step.trim else payload,
            },
        }
        if step.note:
            entry["note"] = self.fill(step.note)
        return self.scrub(entry)

    def _remember(self, method: str, path: str, status: int, payload: Any) -> None:
        if method != "POST" or status not in (200, 201, 207):
            return
        itemtype = path.strip("/").split("/")[-1]
        rows = payload if isinstance(payload, list) else [payload]
        if rows and rows[0] == "ERROR_GLPI_PARTIAL_ADD":
            rows = rows[1] if len(rows) > 1 and isinstance(rows[1], list) else []
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("id"), int) and row["id"]:
                self.created.append((itemtype, row["id"]))

    def cleanup(self) -> None:
        """Purge everything the run created, newest first (memberships before their users)."""
        for itemtype, item_id in reversed(self.created):
            self.http.delete(
                f"{self.target.url}/{itemtype}/{item_id}",
                params={"force_purge": "true"},
                headers=self._headers(),
                timeout=120,
            )
        self.created.clear()

    def record(self, steps: list[Step]) -> list[dict]:
        """Play a scenario in its own session and answer its transcript."""
        self.open()
        try:
            return [self.play(step) for step in steps]
        finally:
            try:
                self.cleanup()
            finally:
                self.close()


def write(folder: Path, name: str, entries: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tests.contract.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", choices=["10", "11"], action="append")
    parser.add_argument("--out", type=Path, default=RECORDED)
    parser.add_argument("--print", action="store_true", help="print, do not write")
    parser.add_argument("scenarios", nargs="*", help=f"default: all of {sorted(SCENARIOS)}")
    args = parser.parse_args(argv)
    chosen = args.scenarios or sorted(SCENARIOS)
    external = env_target()
    targets = [external] if external else [kit_target(v) for v in (args.version or ["10", "11"])]
    for target in targets:
        recorder = Recorder(target)
        for name in chosen:
            entries = recorder.record(SCENARIOS[name])
            if args.print:
                print(json.dumps(entries, indent=1, ensure_ascii=False))
                continue
            path = write(args.out / f"glpi-{target.version}", name, entries)
            print(f"{target.version} {name}: {len(entries)} exchanges -> {path}")
    return 0


if __name__ == "__main__":
    # Run as ``-m``, this file is ``__main__``: take ``main`` from the real module so
    # that the scenarios' ``Ref`` and this one are the same class.
    from tests.contract.recorder import main as _main

    raise SystemExit(_main())
