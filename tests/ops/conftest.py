"""Fixtures of the operations tests: configurations, a bare app, a real redis-server."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from flask import Flask

from app import ops
from app import tenants
from app.config import validate_config

TOKEN = "ops-test-bearer-token-0123456789"
OTHER_TOKEN = "ops-other-bearer-token-987654321"
USER_TOKEN = "glpi-user-token-SECRET-abcdef123456"
APP_TOKEN = "glpi-app-token-SECRET-fedcba654321"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(**overrides) -> dict:
    """A raw configuration with one tenant ``acme``; keyword arguments replace top-level keys."""
    raw = {
        "tenants": [
            {
                "name": "acme",
                "tokens": [TOKEN],
                "glpi": {
                    "url": "http://127.0.0.1:9/apirest.php",
                    "user_token": USER_TOKEN,
                    "app_token": APP_TOKEN,
                    "timeouts": {"connect": 0.5, "read": 2},
                    "retries": 0,
                },
            }
        ],
    }
    raw.update(overrides)
    return raw


class FakeStorage:
    """Stands for a tenant's storage: only what the ops layer uses (``ping``, ``close``)."""

    def __init__(self, tenant: dict, settings: dict):
        self.tenant = tenant
        self.pings = 0
        self.fail: Exception | None = None
        self.closed = False

    def ping(self) -> dict:
        self.pings += 1
        if self.fail is not None:
            raise self.fail
        return {"glpi_version": "10.0.12"}

    def close(self) -> None:
        self.closed = True


def bare_app(raw: dict) -> Flask:
    """The ops and tenant layers on a Flask app with one plain route under /scim/v2.

    The route authenticates like the SCIM blueprint does (``g.tenant`` from
    the bearer token, after the ops hooks), without refusing anyone.
    """
    app = Flask("ops-test")
    app.config["BRIDGE"] = validate_config(raw)
    app.config["MAX_CONTENT_LENGTH"] = app.config["BRIDGE"]["server"]["max_body_bytes"]
    ops.init_app(app)
    tenants.init_app(app, FakeStorage)

    @app.route("/scim/v2/Users", methods=["GET", "POST"])
    def users():
        from flask import g
        from flask import request

        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            g.tenant = app.extensions["tenants"].authenticate(token)
        request.get_data()
        return {"Resources": []}

    return app


@pytest.fixture
def app_factory() -> Callable[..., Flask]:
    return lambda **overrides: bare_app(make_settings(**overrides))


@pytest.fixture
def simulator():
    """A GLPI simulator with known App-Token and user token (searched for in the logs)."""
    from app.simulator.server import start_simulator
    from tests.ops.served import SIM_APP_TOKEN
    from tests.ops.served import SIM_USER_TOKEN

    running = start_simulator(app_token=SIM_APP_TOKEN, user_token=SIM_USER_TOKEN)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def served(tmp_path, simulator):
    """The bridge served by gunicorn (two workers) with one tenant ``acme`` on the simulator."""
    from tests.ops.served import Served
    from tests.ops.served import tenant

    server = Served(tmp_path, {"tenants": [tenant(simulator.url)]}).start()
    try:
        yield server
    finally:
        server.stop()
