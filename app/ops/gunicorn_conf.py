"""gunicorn settings and hooks, read from the bridge's configuration.

Loaded by ``glpi-scim-bridge serve`` (``-c python:app.ops.gunicorn_conf``)
and, through the repository's ``gunicorn.conf.py``, by a plain
``gunicorn app:create_app()``. The configuration comes from
``$GLPISCIM_CONFIG`` plus ``GLPISCIM_*`` variables, exactly as the app
loads it, so ``GLPISCIM_SERVER__WORKERS=4`` changes the worker count.

* ``gthread`` workers: ``server.workers`` processes of ``server.threads``
  threads, each worker with its own GLPI sessions and caches;
* no preloading: each worker builds its app (and GLPI session) after fork;
* ``worker_exit`` ends the worker's GLPI sessions (``killSession``);
* TLS when ``server.tls.certfile`` is set, never below TLS 1.2 (Entra ID
  requires 1.2);
* the app writes its own JSON access lines, so gunicorn's is off, and
  gunicorn's error log is JSON with the same redaction;
* ``X-Forwarded-*`` are honoured only through ProxyFix
  (``server.proxy_fix.enabled``), never by gunicorn itself;
* Prometheus multiprocess mode: ``PROMETHEUS_MULTIPROC_DIR`` is set to a
  fresh temporary directory (unless given), dead workers' files are
  marked, and the directory is removed on exit.
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile

from gunicorn import glogging

from app.config import load_config

_settings = load_config()
_server = _settings["server"]

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="glpiscim-metrics-")
    _OWN_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]
else:
    _OWN_METRICS_DIR = None

bind = [_server["bind"]]
workers = _server["workers"]
threads = _server["threads"]
worker_class = "gthread"
timeout = _server["timeout"]
graceful_timeout = _server["graceful_timeout"]
keepalive = 5
preload_app = False
accesslog = None
errorlog = "-"
loglevel = _settings["logging"]["level"].lower()
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = "127.0.0.1,::1"
limit_request_line = 8190
proc_name = "glpi-scim-bridge"
# No runtime control socket: nothing to manage there, and the image's home is not writable.
control_socket_disable = True


class _NoAccessLogger(glogging.Logger):
    """gunicorn's logger without gunicorn's access line.

    The app writes its own JSON access line (:mod:`app.ops.access`). Because
    ``logconfig_dict`` is set, gunicorn would otherwise build every request's
    access atoms (headers, environ) for a logger that drops them.
    """

    def access(self, resp, req, environ, request_time) -> None:
        return None


logger_class = _NoAccessLogger

if _server["tls"]["certfile"]:
    certfile = _server["tls"]["certfile"]
    keyfile = _server["tls"]["keyfile"]

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "app.ops.logs.configured_redacting_filter"}},
    "formatters": {"json": {"()": "app.ops.logs.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "app.ops.logs.StdoutHandler",
            "formatter": "json",
            "filters": ["redact"],
        },
    },
    # The app installs its own root handler in each worker (app.ops.logs).
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["stdout"], "propagate": False},
    },
}


def ssl_context(conf, default_ssl_context_factory):
    """TLS 1.2 at least: Entra ID refuses older versions, and so do we."""
    context = default_ssl_context_factory()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def on_starting(server) -> None:
    """Start from an empty metrics directory (a restart must not add old samples)."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))


def worker_exit(server, worker) -> None:
    """In the exiting worker: end its GLPI sessions and close Redis connections."""
    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "extensions"):
        return
    from app.ops import shutdown

    try:
        shutdown(app)
    except Exception:
        server.log.exception("shutdown of worker %s failed", worker.pid)


def child_exit(server, worker) -> None:
    """In the master: fold the dead worker's live samples (prometheus multiprocess)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)
