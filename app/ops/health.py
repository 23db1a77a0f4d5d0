"""``/healthz`` (liveness) and ``/readyz`` (readiness); neither needs a SCIM token.

``/healthz`` does no I/O: it answers as long as a worker can serve, which is
what a container ``HEALTHCHECK`` or a liveness probe should restart on.

``/readyz`` asks every tenant's storage to ``ping()`` (the GLPI backend
checks that GLPI answers with a valid session and returns
``{"glpi_version": ...}``, or raises) and pings Redis when configured. The
tenants are checked in parallel, each within :data:`CHECK_TIMEOUT`
seconds, and the result is kept :data:`CACHE_SECONDS` seconds so that
probes from several orchestrators do not hammer GLPI. The answer names the
failing tenant and the kind of failure, never a URL, a token or a message
from GLPI; the details go to the log.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify

log = logging.getLogger(__name__)

#: Seconds a readiness result is reused.
CACHE_SECONDS = 5.0
#: Seconds one tenant's check may take before it counts as failed.
CHECK_TIMEOUT = 5.0

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    report = current_app.extensions["readiness"].report(current_app)
    ready = report["status"] == "ready"
    response = jsonify(report)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = str(int(CACHE_SECONDS))
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_tenant(tenant: Any) -> dict:
    ping = getattr(tenant.storage, "ping", None)
    if ping is None:
        return {"status": "ok"}
    info = ping() or {}
    result = {"status": "ok"}
    if isinstance(info, dict) and info.get("glpi_version"):
        result["glpi_version"] = str(info["glpi_version"])
    return result


def _run_with_timeout(func, arg: Any, timeout: float) -> dict:
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = func(arg)
        except Exception as exc:  # any failure makes the tenant not ready
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="readyz-check")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return {"status": "fail", "reason": "timeout"}
    if "error" in outcome:
        exc = outcome["error"]
        log.warning(
            "readiness check failed", extra={"check_error": type(exc).__name__, "detail": str(exc)}
        )
        return {"status": "fail", "reason": type(exc).__name__}
    return outcome["result"]


class Readiness:
    """Runs the checks at most once per :data:`CACHE_SECONDS`, single-flight."""

    def __init__(self, cache_seconds: float = CACHE_SECONDS, timeout: float = CHECK_TIMEOUT):
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._lock = threading.Lock()
        self._report: dict | None = None
        self._at = 0.0

    def report(self, app: Flask) -> dict:
        with self._lock:
            if self._report is None or time.monotonic() - self._at >= self.cache_seconds:
                self._report = self._check(app)
                self._at = time.monotonic()
            return self._report

    def _check(self, app: Flask) -> dict:
        tenants = app.extensions["tenants"].tenants
        results: dict[str, dict] = {}
        threads = []
        for name, tenant in tenants.items():
            thread = threading.Thread(
                target=lambda n=name, t=tenant: results.__setitem__(
                    n, _run_with_timeout(_check_tenant, t, self.timeout)
                ),
                daemon=True,
            )
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(self.timeout + 1.0)
        for name in tenants:
            results.setdefault(name, {"status": "fail", "reason": "timeout"})
        report: dict[str, Any] = {"tenants": results}
        shared = app.extensions.get("shared")
        if shared is not None and hasattr(shared, "client"):
            report["redis"] = _run_with_timeout(
                lambda s: (s.ping(), {"status": "ok"})[1], shared, self.timeout
            )
        failed = [
            r
            for r in [*results.values(), report.get("redis", {"status": "ok"})]
            if r["status"] != "ok"
        ]
        report["status"] = "unavailable" if failed else "ready"
        return report
