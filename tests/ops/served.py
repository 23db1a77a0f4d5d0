"""Run the real server for tests: ``glpi-scim-bridge serve`` (the image's command) on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from tests.ops.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {TOKEN}"}

SIM_APP_TOKEN = "sim-app-token-SECRET-0011223344"

SIM_USER_TOKEN = "sim-user-token-SECRET-5566778899"
SCIM_JSON = {**AUTH, "Content-Type": "application/scim+json"}
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PASSWORDS = ["Pw-first-Secret-91!", "Pw-entra-Secret-92!", "Pw-okta-Secret-93!"]


_LISTENING = re.compile(r"Listening at: (https?)://127\.0\.0\.1:(\d+)")


class Served:
    """gunicorn serving the bridge with ``raw`` config; its whole output goes to a file."""

    def __init__(self, tmp_path: Path, raw: dict, workers: int = 2):
        # gunicorn binds a port the kernel picks (":0") and names it in its "Listening at"
        # line: a port chosen beforehand could be taken by another test's server meanwhile,
        # and the health check would then reach that server instead of this one.
        self.port: int | None = None
        self.url = ""
        certfile = raw.get("server", {}).get("tls", {}).get("certfile")
        self.verify: str | bool = certfile or True
        self.config_path = tmp_path / "config.yaml"
        self.log_path = tmp_path / "server.log"
        server = {
            "bind": "127.0.0.1:0",
            "workers": workers,
            "threads": 4,
            "graceful_timeout": 10,
            **raw.get("server", {}),
        }
        activity = {"path": str(tmp_path / "activity.sqlite"), **raw.get("activity", {})}
        self.config_path.write_text(
            yaml.safe_dump({**raw, "server": server, "activity": activity}), encoding="utf-8"
        )
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None

    def start(self) -> Served:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GLPISCIM_", "PROMETHEUS_MULTIPROC_DIR"))
        }
        env["PYTHONPATH"] = str(ROOT)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--config", str(self.config_path)],
                cwd=self.config_path.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.log()}")
            if self.port is None:
                listening = _LISTENING.search(self.log())
                if listening is None:
                    time.sleep(0.05)
                    continue
                self.port = int(listening.group(2))
                self.url = f"{listening.group(1)}://127.0.0.1:{self.port}"
            try:
                if (
                    requests.get(self.url + "/healthz", timeout=1, verify=self.verify).status_code
                    == 200
                ):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server did not become healthy:\n{self.log()}")

    def stop(self) -> int:
        if self.proc is not None and self.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.returncode = self.proc.wait(timeout=10)
        return self.returncode if self.returncode is not None else -1

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def lines(self) -> list[dict]:
        out = []
        for line in self.log().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"a log line is not JSON: {line!r}") from None
        return out

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tenant(url: str, **extra) -> dict:
    return {
        "name": "acme",
        "tokens": [TOKEN],
        "glpi": {
            "url": url,
            "app_token": SIM_APP_TOKEN,
            "user_token": SIM_USER_TOKEN,
            "timeouts": {"connect": 1, "read": 5},
            "retries": 0,
        },
        **extra,
    }


def probe(server: Served) -> int:
    """Exit status of the image's HEALTHCHECK command against ``server``."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}
    env["GLPISCIM_CONFIG"] = str(server.config_path)
    # The config binds port 0 (see Served); tell the probe the port the kernel chose,
    # through the documented environment override, as a container sets its bind.
    env["GLPISCIM_SERVER__BIND"] = f"127.0.0.1:{server.port}"
    command = [sys.executable, "-m", "app.ops.probe"]
    return subprocess.run(command, env=env, timeout=30, capture_output=True).returncode


def counter(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def provision(url: str) -> dict:
    """A full IdP cycle: create, Entra PATCH, Okta PUT, group with member, deprovision."""

    def call(method: str, path: str, body: dict | None = None) -> requests.Response:
        return requests.request(
            method, url + "/scim/v2" + path, json=body, headers=SCIM_JSON, timeout=15
        )

    created = call(
        "POST",
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "flow.user@example.org",
            "password": PASSWORDS[0],
            "name": {"givenName": "Flow", "familyName": "User"},
            "emails": [{"value": "flow.user@example.org", "type": "work", "primary": True}],
        },
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    patched = call(
        "PATCH",
        f"/Users/{user_id}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "Replace", "path": "password", "value": PASSWORDS[1]},
                {"op": "Replace", "path": "active", "value": "False"},
            ],
        },
    )
    assert patched.status_code in (200, 204), patched.text
    replaced = call(
        "PUT",
        f"/Users/{user_id}",
        {
            "schemas": [USER_SCHEMA],
            "userName": "flow.user@example.org",
            "password": PASSWORDS[2],
            "active": True,
            "name": {"givenName": "Flow", "familyName": "Renamed"},
        },
    )
    assert replaced.status_code == 200, replaced.text
    group = call(
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Flow Group", "members": [{"value": user_id}]},
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    assert call("DELETE", f"/Groups/{group_id}").status_code == 204
    assert call("DELETE", f"/Users/{user_id}").status_code == 204
    return {"user": user_id, "group": group_id}
