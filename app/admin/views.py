"""The admin status page: ``/admin/``, server-rendered, no JavaScript.

It answers a GLPI admin's first question when an IdP reports a failure or
a user does not show up: what did the IdP send, and what happened to it?
Access needs its own credential (``admin.password_hash``, a werkzeug
password hash), separate from the SCIM tokens; the page is off unless it
is configured. Every form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import time
from functools import wraps

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.security import check_password_hash

from app.activity.store import EventQuery
from app.admin.chart import hour_label
from app.admin.chart import hourly_svg

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 50


def _settings() -> dict:
    return current_app.config["BRIDGE"]["admin"]


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "The form has expired; reload the page and try again.")


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if session.get("admin") != _settings()["username"]:
            return redirect(url_for("admin.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


@bp.app_template_filter("when")
def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@bp.context_processor
def _globals() -> dict:
    base = _settings()["docs_url"]
    docs_url = base.rstrip("/") + "/troubleshooting.md" if base else None
    return {"csrf_token": csrf_token, "docs_url": docs_url}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        _check_csrf()
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        ok_user = hmac.compare_digest(username.encode(), _settings()["username"].encode())
        ok_password = check_password_hash(_settings()["password_hash"], password)
        if ok_user and ok_password:
            session.clear()
            session["admin"] = username
            session["csrf"] = secrets.token_urlsafe(32)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/admin/") else url_for("admin.dashboard"))
        error = "Wrong user name or password."
    return render_template("admin/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout():
    _check_csrf()
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@login_required
def dashboard():
    store = current_app.extensions["activity"]
    counts = store.counts()
    configured = list(current_app.extensions["tenants"].tenants.values())
    hourly = store.hourly(tenants=tuple(t.name for t in configured))
    tenants = []
    for index, tenant in enumerate(configured, start=1):
        series = hourly[tenant.name]
        tenants.append({
            "name": tenant.name,
            "health": _health(tenant),
            "counts": counts.get(tenant.name),
            "errors": store.last_errors(tenant.name, 5),
            "hours": [(hour_label(h.start), h.requests, h.errors) for h in series],
            "chart": hourly_svg(series, tenant.name, f"hourly-{index}"),
        })
    return render_template("admin/dashboard.html", tenants=tenants)


def _health(tenant) -> dict:
    """GLPI reachability, version and API account, from the storage's ``ping``."""
    ping = getattr(tenant.storage, "ping", None)
    if ping is None:
        return {"ok": False, "detail": "this storage cannot be checked"}
    try:
        info = ping() or {}
    except Exception as exc:  # noqa: BLE001 - shown to the admin, never raised
        return {"ok": False, "detail": getattr(exc, "detail", None) or exc.__class__.__name__}
    return {"ok": True, **info}


@bp.get("/activity")
@login_required
def activity():
    args = request.args
    query = EventQuery(
        tenant=args.get("tenant") or None,
        name=args.get("name") or None,
        result=args.get("result") if args.get("result") in ("ok", "error") else None,
        since=_hours_ago(args.get("hours")),
        before_id=_int(args.get("before")),
        limit=PAGE_SIZE,
    )
    events = current_app.extensions["activity"].query(query)
    next_before = events[-1].id if len(events) == PAGE_SIZE else None
    tenants = sorted(current_app.extensions["tenants"].tenants)
    return render_template("admin/activity.html", events=events, q=args, next_before=next_before,
                           tenants=tenants)


@bp.get("/activity/<int:event_id>")
@login_required
def event_detail(event_id: int):
    event = current_app.extensions["activity"].get(event_id)
    if event is None:
        abort(404)
    return render_template("admin/event.html", event=event)


@bp.route("/preview", methods=["GET", "POST"])
@login_required
def preview():
    tenants = current_app.extensions["tenants"].tenants
    form = {"tenant": next(iter(tenants)), "resource_type": "User", "body": ""}
    result = error = None
    if request.method == "POST":
        _check_csrf()
        form = {k: request.form.get(k, form[k]) for k in form}
        tenant = tenants.get(form["tenant"])
        if tenant is None or form["resource_type"] not in ("User", "Group"):
            abort(400, "Unknown tenant or resource type.")
        result, error = _preview(tenant, form["resource_type"], form["body"])
    return render_template("admin/preview.html", form=form, tenants=sorted(tenants), result=result,
                           error=error)


def _preview(tenant, resource_type: str, text: str) -> tuple[dict | None, str | None]:
    """Validate a SCIM payload and ask the storage what it would write, writing nothing."""
    from app.scim.errors import SCIMError
    from app.scim.payload import load_resource

    try:
        body = json.loads(text)
    except ValueError as exc:
        return None, f"Not valid JSON: {exc}"
    preview = getattr(tenant.storage, "preview", None)
    if preview is None:
        return None, "This storage cannot preview writes."
    try:
        strict = current_app.config["BRIDGE"]["scim"]["unknown_attributes"] == "error"
        resource = load_resource(body, resource_type, strict_unknown=strict)
        return preview(resource_type, resource), None
    except SCIMError as exc:
        return None, f"{exc.status} {exc.scim_type or ''}: {exc.detail}".replace("  ", " ")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _hours_ago(value: str | None) -> float | None:
    hours = _int(value)
    return time.time() - hours * 3600 if hours and hours > 0 else None
