"""The served bridge (``glpi-scim-bridge serve``): health, metrics, sessions, TLS."""

from __future__ import annotations

import http.client

import pytest
import requests

from tests.ops.served import AUTH
from tests.ops.served import Served
from tests.ops.served import counter
from tests.ops.served import probe
from tests.ops.served import tenant


def test_health_metrics_and_access_lines(served: Served) -> None:
    assert requests.get(served.url + "/healthz", timeout=5).json() == {"status": "ok"}
    assert probe(served) == 0
    ready = requests.get(served.url + "/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["tenants"]["acme"]["status"] == "ok"

    before = counter(
        requests.get(served.url + "/metrics", timeout=5).text,
        "scim_requests_total",
        resource="User",
        method="GET",
        status="401",
    )
    for _ in range(20):
        assert requests.get(served.url + "/scim/v2/Users", timeout=5).status_code == 401
    listed = requests.get(
        served.url + "/scim/v2/Users", headers={**AUTH, "X-Request-Id": "entra-7"}, timeout=10
    )
    assert listed.status_code == 200
    assert listed.headers["X-Request-Id"] == "entra-7"
    text = requests.get(served.url + "/metrics", timeout=5).text
    assert (
        counter(text, "scim_requests_total", resource="User", method="GET", status="401")
        == before + 20
    )
    assert (
        counter(
            text, "scim_requests_total", tenant="acme", resource="User", method="GET", status="200"
        )
        == 1
    )
    assert counter(text, "glpi_calls_total", tenant="acme") >= 1
    assert counter(text, "glpi_call_duration_seconds_count", tenant="acme") >= 1
    assert counter(text, "glpi_relogins_total", tenant="acme") == 0

    served.stop()
    [line] = [
        entry
        for entry in served.lines()
        if entry.get("request_id") == "entra-7" and entry["logger"] == "glpi_scim_bridge.access"
    ]
    assert line["tenant"] == "acme"
    assert line["operation"] == "GET /scim/v2/Users"
    assert line["status"] == 200
    assert line["duration_ms"] > 0


def test_expired_glpi_session_is_counted_as_a_relogin(tmp_path, simulator) -> None:
    with Served(tmp_path, {"tenants": [tenant(simulator.url)]}, workers=1) as server:
        assert (
            requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
        simulator.sim.invalidate_sessions()
        assert (
            requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
        text = requests.get(server.url + "/metrics", timeout=5).text
    assert counter(text, "glpi_relogins_total", tenant="acme") == 1


def test_graceful_shutdown_ends_the_glpi_sessions(served: Served, simulator) -> None:
    for _ in range(6):
        assert (
            requests.get(served.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
    assert served.stop() == 0
    paths = [call.path for call in simulator.sim.calls]
    opened = sum(p.endswith("/initSession") for p in paths)
    assert opened >= 1
    assert sum(p.endswith("/killSession") for p in paths) == opened


def _self_signed(tmp_path) -> tuple[str, str]:
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed: run scripts/system-deps.sh")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)


def test_tls_in_gunicorn_refuses_versions_below_1_2(tmp_path, simulator) -> None:
    import ssl
    import warnings

    cert, key = _self_signed(tmp_path)
    raw = {
        "server": {"tls": {"certfile": cert, "keyfile": key}},
        "tenants": [tenant(simulator.url)],
    }
    with Served(tmp_path, raw, workers=1) as server:
        assert server.url.startswith("https://")
        assert probe(server) == 0
        for version, name in (
            (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
            (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
        ):
            context = ssl.create_default_context(cafile=cert)
            context.minimum_version = context.maximum_version = version
            conn = http.client.HTTPSConnection(
                "127.0.0.1", server.port, context=context, timeout=10
            )
            conn.request("GET", "/healthz")
            assert conn.getresponse().status == 200
            assert conn.sock.version() == name
            conn.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            old.load_verify_locations(cert)
            old.set_ciphers("DEFAULT:@SECLEVEL=0")
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=old, timeout=10)
        with pytest.raises(ssl.SSLError) as refused:
            conn.request("GET", "/healthz")
        conn.close()
        # The server's alert, not a client-side refusal: the client did offer TLS 1.1.
        assert "PROTOCOL_VERSION" in str(refused.value).upper()
    assert probe(server) == 1


def test_serve_refuses_an_invalid_configuration_without_echoing_secrets(tmp_path) -> None:
    import os
    import subprocess
    import sys

    import yaml

    bad = {
        "server": {"workers": 0},
        "tenants": [
            {
                "name": "acme",
                "tokens": ["short-SECRET"],
                "glpi": {"url": "not a url", "user_token": "glpi-SECRET-user-token"},
            }
        ],
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--config", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    for key in ("server.workers", "tenants.0.tokens", "tenants.0.glpi.url"):
        assert key in result.stderr
    assert "SECRET" not in result.stderr + result.stdout
