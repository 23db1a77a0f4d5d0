"""Operations: logging, health, metrics, limits, proxy handling (wired by create_app).

:func:`init_app` runs first in ``create_app``, so its ``before_request``
hooks (request id, clock, limits) run before the SCIM ones and its
``after_request`` hook (access line, metrics) sees every response.

The submodules are imported inside :func:`init_app`: gunicorn's master
imports :mod:`app.ops.gunicorn_conf`, which must set
``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the operational pieces on ``app``."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app.ops import access
    from app.ops import health
    from app.ops import limits
    from app.ops import metrics
    from app.ops.audit import setup_audit
    from app.ops.logs import setup_logging
    from app.ops.shared import build_shared

    settings = app.config["BRIDGE"]
    redactor = setup_logging(settings)
    setup_audit(settings, redactor)
    app.extensions["redactor"] = redactor
    app.extensions["shared"] = build_shared(settings)
    app.extensions["readiness"] = health.Readiness()

    app.wsgi_app = limits.BodyLimit(app.wsgi_app, settings["server"]["max_body_bytes"])
    proxy = settings["server"]["proxy_fix"]
    if proxy["enabled"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=proxy["x_for"],
            x_proto=proxy["x_proto"],
            x_host=proxy["x_host"],
            x_port=proxy["x_port"],
            x_prefix=proxy["x_prefix"],
        )

    app.before_request(access.start_request)
    app.before_request(limits.enforce_limits)
    app.after_request(access.finish_request)
    app.register_error_handler(413, limits.too_large)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)


def shutdown(app: Flask) -> None:
    """Release what the app holds: GLPI sessions (``killSession``) and Redis connections.

    gunicorn's ``worker_exit`` hook calls this in each worker on shutdown.
    """
    tenants = app.extensions.get("tenants")
    if tenants is not None:
        tenants.close()
    shared = app.extensions.get("shared")
    if shared is not None:
        shared.close()
