"""``check`` against the simulator: passes, names the wrong credential, reports rights."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from app.check import check_tenant
from app.check import required_rights
from app.check import run_check

BEARER = "bearer-token-for-check-tests"
SCRIPT = Path(sys.executable).parent / "glpi-scim-bridge"


def _config(tmp_path: Path, glpi: dict, **tenant) -> str:
    path = tmp_path / "config.yaml"
    document = {"tenants": [{"name": "acme", "tokens": [BEARER], "glpi": glpi, **tenant}]}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return str(path)


def _run(path: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_check(path, out=out, err=err, environ={})
    return code, out.getvalue(), err.getvalue()


def _glpi(running, **changes) -> dict:
    glpi = {
        "url": running.url,
        "app_token": running.app_token,
        "user_token": running.user_token,
        "retries": 0,
        "timeouts": {"connect": 1.0, "read": 5.0},
    }
    glpi.update(changes)
    return glpi


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_check_passes_and_reports_version_account_profile_entities(
    glpi_sim, tmp_path, glpi_version
) -> None:
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim)))
    assert code == 0, out
    assert "tenant acme: OK" in out
    assert f"GLPI {glpi_version}.0." in out and f"(behaves as {glpi_version})" in out
    assert "glpi (id 2), login by user_token" in out
    assert "Super-Admin (id 4" in out
    assert "0 Root entity" in out
    assert "user ok; group ok; entity ok" in out
    assert "target:    entity 0 Root entity and its sub-entities" in out
    assert "new users: get profile Self-Service (id 1)" in out
    assert glpi_sim.user_token not in out and glpi_sim.app_token not in out
    assert glpi_sim.sim.sessions == {}  # the check ends its session


@pytest.mark.parametrize(
    ("changes", "credential", "code_name"),
    [
        (
            {"app_token": "wrong-app-token-value"},
            "glpi.app_token",
            "ERROR_WRONG_APP_TOKEN_PARAMETER",
        ),
        (
            {"user_token": "wrong-user-token-value"},
            "glpi.user_token",
            "ERROR_GLPI_LOGIN_USER_TOKEN",
        ),
        (
            {"user_token": None, "login": "glpi", "password": "wrong-password-value"},
            "glpi.login/glpi.password",
            "ERROR_GLPI_LOGIN",
        ),
    ],
)
def test_check_names_the_wrong_credential(
    glpi_sim, tmp_path, changes, credential, code_name
) -> None:
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim, **changes)))
    assert code == 1
    assert f"PROBLEM: GLPI refused the login: {credential} is wrong ({code_name})" in out
    for secret in (
        *[v for v in changes.values() if v and "wrong" in v],
        glpi_sim.user_token,
        glpi_sim.app_token,
    ):
        assert secret not in out


def test_check_reports_missing_rights_with_fixes(glpi_sim, tmp_path) -> None:
    token = glpi_sim.sim.add_user_token("api-tech", profile=6)
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim, user_token=token)))
    assert code == 1
    assert "api-tech" in out and "Technician" in out
    assert "PROBLEM: profile 'Technician' lacks UPDATE, CREATE, PURGE on 'group'" in out
    assert "fix: in GLPI, Administration > Profiles > Technician > Administration > Group" in out


@pytest.mark.parametrize("glpi_version", ["10"])
def test_check_reports_the_profile_rule_ledger(glpi_sim, tmp_path) -> None:
    """Profile rules record their rows (docs/profile-rules.md): the ledger must be writable."""
    rules = [{"profile": "Technician", "entity": 0, "when_role": "Admin"}]
    path = _config(tmp_path, _glpi(glpi_sim), profile_rules=rules)
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    document["ledger"] = {"path": str(tmp_path / "state" / "ledger.sqlite")}
    Path(path).write_text(yaml.safe_dump(document), encoding="utf-8")
    code, out, _ = _run(path)
    assert code == 0, out
    assert f"ledger: OK (ledger.path {tmp_path / 'state' / 'ledger.sqlite'})" in out

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for unusable, cause in (
        (blocker / "ledger.sqlite", "File exists"),  # its folder cannot be made
        (tmp_path, "unable to open database file"),  # a folder, not a file
    ):
        document["ledger"] = {"path": str(unusable)}
        Path(path).write_text(yaml.safe_dump(document), encoding="utf-8")
        code, out, _ = _run(path)
        assert code == 1
        assert "ledger: PROBLEM: profile rules cannot record their rows" in out
        assert cause in out
        assert "tenant acme: OK" in out


def test_check_reports_an_entity_outside_the_session(glpi_sim, tmp_path) -> None:
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim), entity={"id": 42}))
    assert code == 1
    assert "tenant's entity 42 is not among the account's active entities" in out


def test_check_reports_a_version_mismatch(glpi_sim, tmp_path) -> None:
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim, version="11")))
    assert code == 1
    assert "glpi.version is 11 but GLPI reports 10.0.12" in out


def test_check_reports_glpi_unreachable(tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    glpi = {
        "url": f"http://user:pw-in-url@127.0.0.1:{port}/apirest.php",
        "user_token": "some-user-token",
        "retries": 0,
    }
    code, out, _ = _run(_config(tmp_path, glpi))
    assert code == 1
    assert "PROBLEM: cannot reach GLPI: GLPI unreachable: connection refused" in out
    assert "pw-in-url" not in out and "some-user-token" not in out


def test_check_reports_config_errors_with_key_paths_and_no_secrets(tmp_path) -> None:
    path = _config(tmp_path, {"url": "not a url", "user_token": "secret-token-in-bad-config"})
    code, out, err = _run(path)
    assert code == 2
    assert "tenants.0.glpi.url" in err
    assert "secret-token-in-bad-config" not in out + err


def test_required_rights_follow_the_deprovisioning_policy() -> None:
    user = {
        policy: next(r.bits for r in required_rights({"deprovisioning": policy}) if r.key == "user")
        for policy in ("trash", "purge", "deactivate")
    }
    assert user == {"trash": 1 | 2 | 4 | 8, "purge": 1 | 2 | 4 | 16, "deactivate": 1 | 2 | 4}


def test_check_tenant_never_raises_on_glpi_failures(glpi_sim) -> None:
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 503
    tenant = {"name": "t", "glpi": _glpi(glpi_sim), "entity": {"id": 0}, "deprovisioning": "trash"}
    report = check_tenant(tenant)
    assert not report.ok
    assert "cannot reach GLPI" in report.problems[0][0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_console_script_check_passes_against_the_simulator_command(tmp_path) -> None:
    assert SCRIPT.exists(), f"install the package first: pip install -e . ({SCRIPT} missing)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}
    simulator = subprocess.Popen(
        [
            str(SCRIPT),
            "simulator",
            "--port",
            "0",
            "--app-token",
            "app-token-sub",
            "--user-token",
            "user-token-sub",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = simulator.stdout.readline()
        assert "GLPI simulator" in banner, banner
        # Port 0: the kernel picks a free port, which the banner names.
        url = re.search(r"(http://127\.0\.0\.1:(\d+)/apirest\.php)", banner).group(1)
        port = int(url.split(":")[2].split("/")[0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        good = _config(
            tmp_path, {"url": url, "app_token": "app-token-sub", "user_token": "user-token-sub"}
        )
        passed = subprocess.run(
            [str(SCRIPT), "check", "--config", good],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "tenant acme: OK" in passed.stdout and "GLPI 10.0.12" in passed.stdout
        bad = _config(
            tmp_path, {"url": url, "app_token": "app-token-sub", "user_token": "changed-user-token"}
        )
        failed = subprocess.run(
            [str(SCRIPT), "check", "--config", bad],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert failed.returncode == 1
        assert "glpi.user_token is wrong" in failed.stdout
        assert "changed-user-token" not in failed.stdout + failed.stderr
    finally:
        simulator.terminate()
        try:
            simulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            simulator.kill()
            simulator.wait(timeout=10)
        simulator.stdout.close()


def test_check_reports_a_missing_default_profile_and_entity(glpi_sim, tmp_path) -> None:
    config = _config(tmp_path, _glpi(glpi_sim), default_profile="Nobody", entity={"id": 42})
    code, out, _ = _run(config)
    assert code == 1
    assert "PROBLEM: default_profile 'Nobody' does not exist in GLPI" in out
    assert "PROBLEM: entity 42 does not exist in GLPI" in out


def test_check_accepts_a_default_profile_given_by_id(glpi_sim, tmp_path) -> None:
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim), default_profile="6"))
    assert code == 0, out
    assert "new users: get profile Technician (id 6)" in out


def test_check_tells_a_deactivated_account_from_a_wrong_token(glpi_sim, tmp_path) -> None:
    token = glpi_sim.sim.add_user_token("api-off", profile=4)
    with glpi_sim.sim.lock:
        uid = glpi_sim.sim.find_user_id("api-off")
        glpi_sim.sim.tables["User"][uid]["is_active"] = 0
    code, out, _ = _run(_config(tmp_path, _glpi(glpi_sim, user_token=token)))
    assert code == 1
    assert "the account of glpi.user_token (deactivated, deleted or without a profile)" in out
    assert "make the bridge's account active" in out
