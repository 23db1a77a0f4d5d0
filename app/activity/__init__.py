"""Provisioning activity: one event per SCIM request, for the status page.

:func:`init_app` opens the store (SQLite by default, a Redis stream when
``redis.url`` is set) and records, after each ``/scim/v2`` request, what
the IdP asked (method, path, filter text or PATCH operation names), the
resource and its ``userName``/``displayName``, the GLPI calls it took, the
result and its error detail. Bodies and attribute values are never stored.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask import Response
from flask import g
from flask import request

from app.activity import recorder
from app.activity.store import ActivityStore
from app.activity.store import Event
from app.activity.store import RedisStore
from app.activity.store import SqliteStore
from app.ops.paths import scim_segments

log = logging.getLogger(__name__)

SCIM_PREFIX = "/scim/v2"
_RESOURCE_TYPES = {"Users": "User", "Groups": "Group"}


def default_path() -> Path:
    """The SQLite file of ``serve`` when ``activity.path`` is null (the temp dir of the host).

    The sandbox never uses it (it keeps a store of its own run), nor do the
    tests (``tests/conftest.py`` fails the run if one opens it).
    """
    return Path(tempfile.gettempdir()) / "glpi-scim-bridge" / "activity.sqlite"


def build_store(settings: dict) -> ActivityStore:
    cfg = settings["activity"]
    redis_url = settings["redis"]["url"]
    if redis_url:
        import redis

        return RedisStore(redis.Redis.from_url(redis_url), max_events=cfg["max_events"],
                          max_age_days=cfg["max_age_days"])
    path = cfg["path"] or str(default_path())
    return SqliteStore(path, max_age_days=cfg["max_age_days"], max_events=cfg["max_events"])


def init_app(app: Flask) -> None:
    settings = app.config["BRIDGE"]
    if not settings["activity"]["enabled"]:
        return
    store = build_store(settings)
    app.extensions["activity"] = store

    @app.before_request
    def _begin() -> None:
        if request.path.startswith(SCIM_PREFIX):
            g._activity_token = recorder.begin()
            g._activity_start = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        token = g.pop("_activity_token", None)
        if token is None:
            return response
        activity = recorder.end(token)
        try:
            store.add(describe(activity, response, time.perf_counter() - g._activity_start))
        except Exception:  # noqa: BLE001 - the status page must never break provisioning
            log.exception("could not record activity")
        return response


def describe(activity: recorder.RequestActivity, response: Response, seconds: float) -> Event:
    """Build the event of the current request from what it touched."""
    tenant = getattr(g, "tenant", None)
    parts = scim_segments(request.path) or [""]
    resource_type = _RESOURCE_TYPES.get(parts[0], "") if parts and parts[0] else ""
    resource_id = parts[1] if len(parts) > 1 and parts[1] != ".search" else ""
    body = _json(request) if request.method in ("POST", "PUT", "PATCH") else None
    parsed: list[object] = []

    def answer(*names: str) -> str:
        """A top-level field of the answer, parsed only when the activity lacks it: the
        storage names what it touched, and a group's answer can be megabytes."""
        if not _answer_tells(resource_id, response):
            return ""
        if not parsed:
            parsed.append(_json(response))
        return _field(parsed[0], *names)

    return Event(
        time=time.time(),
        tenant=getattr(tenant, "name", "") or "-",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=seconds * 1000,
        request_id=g.get("request_id") or response.headers.get("X-Request-Id", ""),
        operation=_operation(body),
        resource_type=activity.resource_type or resource_type,
        resource_id=activity.resource_id or resource_id or answer("id"),
        name=(activity.name or _field(body, "userName", "displayName")
              or answer("userName", "displayName")),
        glpi_calls=len(activity.glpi_calls),
        glpi_endpoints=activity.glpi_calls,
        glpi_code=activity.glpi_code,
        detail=answer("detail") if response.status_code >= 400 else "",
    )


def _answer_tells(resource_id: str, response: Response) -> bool:
    """Whether the answer can name the resource or the error; a ListResponse names neither.

    A page of a listing can be megabytes of JSON: it is not parsed again
    only to find no top-level ``id``, ``userName`` or ``detail`` in it.
    """
    if not (response.mimetype or "").endswith("json"):
        return False
    listing = request.method == "GET" and not resource_id or request.path.endswith(".search")
    return response.status_code >= 400 or not listing


def _operation(body: object) -> str:
    """The filter text of a query, or the op and path names of a PATCH (never values)."""
    if request.method == "GET" and request.args.get("filter"):
        return "filter " + request.args["filter"][:300]
    if isinstance(body, dict) and isinstance(body.get("Operations"), list):
        ops = [f"{op.get('op', '?')} {op.get('path', '(no path)')}".strip()
               for op in body["Operations"][:20] if isinstance(op, dict)]
        return "PATCH " + ", ".join(ops)
    if request.path.endswith(".search") and isinstance(body, dict) and body.get("filter"):
        return "filter " + str(body["filter"])[:300]
    return ""


def _json(message) -> object:
    try:
        return json.loads(message.get_data(as_text=True) or "null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _field(doc: object, *names: str) -> str:
    if not isinstance(doc, dict):
        return ""
    lowered = {str(k).lower(): v for k, v in doc.items()}
    for name in names:
        value = lowered.get(name.lower())
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            # A lone surrogate ("\udfff" in the JSON) is no text: SQLite would refuse the event.
            return str(value)[:255].encode("utf-8", "replace").decode("utf-8")
    return ""
