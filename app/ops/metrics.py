"""Prometheus metrics, safe under several gunicorn workers.

gunicorn's configuration (:mod:`app.ops.gunicorn_conf`) points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before any worker starts;
``prometheus_client`` then keeps each worker's samples in files there and
``/metrics`` merges them with a ``MultiProcessCollector``, whichever worker
answers. Only counters and histograms are used: both merge by summing.

Other modules report through the ``record_*`` functions; the GLPI
client's per-call hook calls :func:`record_glpi_call`.
"""

from __future__ import annotations

import hmac
import itertools
import os
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

SCIM_REQUESTS = Counter(
    "scim_requests_total", "SCIM requests answered.", ["tenant", "resource", "method", "status"]
)
SCIM_LATENCY = Histogram(
    "scim_request_duration_seconds",
    "Time to answer a SCIM request.",
    ["tenant", "resource", "method"],
    buckets=_LATENCY_BUCKETS,
)
GLPI_CALLS = Counter(
    "glpi_calls_total", "Calls made to GLPI's REST API.", ["tenant", "endpoint", "method", "status"]
)
GLPI_LATENCY = Histogram(
    "glpi_call_duration_seconds",
    "Duration of GLPI REST API calls.",
    ["tenant", "endpoint", "method"],
    buckets=_LATENCY_BUCKETS,
)
GLPI_RELOGINS = Counter(
    "glpi_relogins_total", "New GLPI sessions opened after the previous one expired.", ["tenant"]
)
CACHE_LOOKUPS = Counter("cache_lookups_total", "Cache look-ups.", ["cache", "result"])
RATE_LIMITED = Counter("rate_limited_total", "SCIM requests refused with 429.", ["tenant"])

_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def _tenant_name(tenant: object) -> str:
    return str(getattr(tenant, "name", tenant) or "-")


def glpi_endpoint_label(endpoint: str) -> str:
    """A bounded label for a GLPI endpoint: ``User/12/UserEmail`` → ``/User/:id/UserEmail``."""
    path = endpoint.split("?", 1)[0]
    if "apirest.php/" in path:
        path = path.split("apirest.php/", 1)[1]
    return _ID_SEGMENT.sub("/:id", "/" + path.strip("/"))


def record_glpi_call(
    tenant: object, endpoint: str, method: str, status: int | str, seconds: float
) -> None:
    """Count one GLPI call (the GLPI client's per-call hook calls this).

    :param tenant: the :class:`~app.tenants.Tenant` or its name.
    :param endpoint: the path after ``apirest.php/`` (ids are folded to ``{id}``).
    :param method: the HTTP method.
    :param status: the HTTP status, or a word such as ``"error"`` when no answer came.
    :param seconds: the call's duration.
    """
    name = _tenant_name(tenant)
    label = glpi_endpoint_label(endpoint)
    GLPI_CALLS.labels(name, label, method.upper(), str(status)).inc()
    GLPI_LATENCY.labels(name, label, method.upper()).observe(max(0.0, seconds))


def glpi_call_hook(tenant: object) -> Callable[[Any], None]:
    """A per-call hook for the GLPI client: ``client.hooks.append(glpi_call_hook(tenant))``.

    It takes the client's call record (``endpoint``, ``method``, ``status``
    — None when no answer came — and ``duration_ms``). A client opens its
    session once, lazily; every later successful ``initSession`` of the same
    client is a re-login and is counted in ``glpi_relogins_total``.
    """
    logins = itertools.count()

    def hook(record: Any) -> None:
        status = record.status if record.status is not None else "error"
        record_glpi_call(
            tenant, record.endpoint, record.method, status, record.duration_ms / 1000.0
        )
        if record.endpoint.rstrip("/").endswith("initSession") and record.status == 200:
            if next(logins) > 0:
                record_glpi_relogin(tenant)

    return hook


def record_glpi_relogin(tenant: object) -> None:
    """Count a GLPI re-login after ``ERROR_SESSION_TOKEN_INVALID``."""
    GLPI_RELOGINS.labels(_tenant_name(tenant)).inc()


def record_cache(name: str, hit: bool) -> None:
    """Count a cache hit or miss of the cache called ``name``."""
    CACHE_LOOKUPS.labels(name, "hit" if hit else "miss").inc()


def record_rate_limited(tenant: object) -> None:
    RATE_LIMITED.labels(_tenant_name(tenant)).inc()


def record_scim_request(
    tenant: object, resource: str, method: str, status: int, seconds: float
) -> None:
    name = _tenant_name(tenant)
    SCIM_REQUESTS.labels(name, resource, method, str(status)).inc()
    SCIM_LATENCY.labels(name, resource, method).observe(max(0.0, seconds))


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    settings = current_app.config["BRIDGE"]["metrics"]
    if not settings["enabled"]:
        return Response("not found\n", status=404, mimetype="text/plain")
    token = settings["token"]
    if token:
        presented = request.headers.get("Authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8")):
            return Response(
                "unauthorized\n",
                status=401,
                mimetype="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
