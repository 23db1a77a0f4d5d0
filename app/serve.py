"""``glpi-scim-bridge serve``: the bridge under gunicorn.

The configuration is validated here first, so a mistake is reported with
every key path and the command exits 2 before any worker starts. gunicorn
then runs with :mod:`app.ops.gunicorn_conf` (workers, threads, bind,
timeouts, TLS, hooks) and ``app:create_app()``, which re-read the same
file through ``$GLPISCIM_CONFIG``. The container image runs this command.
"""

from __future__ import annotations

import os
import sys

from app.config import CONFIG_PATH_ENV
from app.config import ConfigError
from app.config import load_config

#: The gunicorn configuration module and WSGI entry point (also used by the Dockerfile).
GUNICORN_CONFIG = "python:app.ops.gunicorn_conf"
WSGI_APP = "app:create_app()"


def run_gunicorn(config_path: str | None) -> int:
    """Serve the bridge until gunicorn stops; return its exit status.

    :param config_path: the YAML configuration; ``$GLPISCIM_CONFIG`` when None.
    """
    if config_path:
        os.environ[CONFIG_PATH_ENV] = os.path.abspath(config_path)
    try:
        load_config()
    except ConfigError as exc:
        print(f"glpi-scim-bridge: {exc}", file=sys.stderr)
        return 2
    from gunicorn.app.wsgiapp import WSGIApplication

    saved_argv = sys.argv
    sys.argv = ["glpi-scim-bridge serve", "-c", GUNICORN_CONFIG, WSGI_APP]
    try:
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
    return 0
