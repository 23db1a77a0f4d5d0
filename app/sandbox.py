"""The sandbox: the bridge in front of an embedded GLPI simulator.

It lets an IdP engineer or a GLPI admin try the bridge without a GLPI: the
simulator runs in a thread of this process on a free loopback port, seeded
with a root entity, the standard profiles and an API account, and the bridge
is served next to it with the same ``create_app`` as in production. Data
lives in memory and is lost when the process stops, and so does the status
page's history: the activity store is a file in a temporary directory of
this run, removed on exit (an operator's ``serve`` keeps ``activity.path``
or the default, :func:`app.activity.default_path`).
"""

from __future__ import annotations

import secrets
import signal
import sys
import tempfile
import threading
from collections.abc import Callable

from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app


def sandbox_config(glpi_url: str, app_token: str, user_token: str, token: str,
                   admin_password: str | None = None, activity_path: str | None = None) -> dict:
    """Build the configuration of a one-tenant bridge talking to the simulator.

    With ``admin_password``, the status page is on (plain HTTP, so the session
    cookie is not limited to HTTPS: the sandbox is for trying things out).
    ``activity_path`` is the run's own activity file (:func:`run_sandbox`).
    """
    admin = {}
    if admin_password:
        admin = {"password_hash": generate_password_hash(admin_password),
                 "session_secret": secrets.token_urlsafe(32), "secure_cookie": False}
    return {
        "admin": admin,
        "server": {"access_log": True},
        **({"activity": {"path": activity_path}} if activity_path else {}),
        "tenants": [
            {
                "name": "sandbox",
                "tokens": [token],
                "glpi": {"url": glpi_url, "app_token": app_token, "user_token": user_token},
                "entity": {"id": 0, "recursive": True},
            }
        ],
    }


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    glpi_version: str = "10",
    out: Callable[[str], None] = print,
) -> int:
    """Start the simulator and the bridge; block until interrupted.

    The status page's events go to a temporary directory of this run, removed
    on exit: the simulator forgets everything, so must its history.
    """
    token = token or secrets.token_urlsafe(24)
    if len(token) < 16:
        out("error: the bearer token needs at least 16 characters")
        return 2
    with tempfile.TemporaryDirectory(prefix="glpi-scim-sandbox-") as own:
        return _run(host, port, token, glpi_version, out, f"{own}/activity.sqlite")


def _run(host: str, port: int, token: str, glpi_version: str, out: Callable[[str], None],
         activity_path: str) -> int:
    from app.simulator.server import start_simulator

    simulator = start_simulator(version=glpi_version)
    admin_password = secrets.token_urlsafe(12)
    app = create_app(sandbox_config(simulator.url, simulator.app_token, simulator.user_token, token,
                                    admin_password, activity_path))
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        simulator.stop()
        out(f"error: cannot listen on {host}:{port}: {exc.strerror}")
        return 1
    base = f"http://{host}:{server.server_port}/scim/v2"
    out("glpi-scim-bridge sandbox (in-memory GLPI simulator, data is lost on exit)")
    out(f"  SCIM base URL : {base}")
    out(f"  Bearer token  : {token}")
    out(f"  GLPI simulator: {simulator.url} (GLPI {glpi_version})")
    out(f"  Status page   : http://{host}:{server.server_port}/admin/ (admin / {admin_password})")
    out(f"  Activity      : {activity_path} (this run only, removed on exit)")
    out(f'  try: curl -H "Authorization: Bearer {token}" {base}/Users')
    sys.stdout.flush()

    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["tenants"].close()
        simulator.stop()
    return 0
