"""The sandbox command: the bridge and the simulator in one process, as the README's run command starts it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests import conftest

ROOT = Path(__file__).resolve().parents[1]
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def test_sandbox_serves_scim_and_the_status_page() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "sandbox", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while not any("Activity" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stdout.readline())
        banner = "".join(lines)
        base = re.search(r"SCIM base URL : (\S+)", banner).group(1)
        token = re.search(r"Bearer token  : (\S+)", banner).group(1)
        password = re.search(r"\(admin / (\S+)\)", banner).group(1)
        own = Path(re.search(r"Activity      : (\S+)", banner).group(1))
        assert own.resolve() != conftest.OPERATOR_ACTIVITY
        assert own.parent.name.startswith("glpi-scim-sandbox-")
        port = int(re.fullmatch(r"http://127\.0\.0\.1:(\d+)/scim/v2", base).group(1))
        assert port > 0
        auth = {"Authorization": f"Bearer {token}"}
        created = requests.post(base + "/Users", headers=auth, timeout=10,
                                json={"schemas": [USER], "userName": "sandbox.user"})
        assert created.status_code == 201
        found = requests.get(base + "/Users", headers=auth, timeout=10,
                             params={"filter": 'userName eq "sandbox.user"'}).json()
        assert found["totalResults"] == 1
        assert requests.get(base + "/Users", timeout=10).status_code == 401
        admin = requests.Session()
        page = admin.get(f"http://127.0.0.1:{port}/admin/login", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        home = admin.post(f"http://127.0.0.1:{port}/admin/login", timeout=10,
                          data={"username": "admin", "password": password, "csrf_token": csrf})
        assert home.status_code == 200 and "Tenant sandbox" in home.text
        assert own.exists()  # the events of this run, and only them
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert proc.returncode == 0
    assert not own.parent.exists()  # the history went with the simulator's data


def test_readme_run_command_passes_its_arguments_to_the_sandbox(tmp_path) -> None:
    """``./scripts/run --port N`` without a configuration starts the sandbox on that port
    (0 here: the kernel picks one, which the banner names)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}
    proc = subprocess.Popen(["./scripts/run", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while not any("Activity" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stdout.readline())
        port = re.search(r"http://127\.0\.0\.1:(\d+)/scim/v2", "".join(lines)).group(1)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)
