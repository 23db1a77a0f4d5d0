"""The admin status page, mounted at ``/admin/`` when an admin credential is configured."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    cfg = app.config["BRIDGE"]["admin"]
    if not cfg["password_hash"] or "activity" not in app.extensions:
        return
    from app.admin.views import bp

    app.secret_key = cfg["session_secret"]
    app.config.update(
        SESSION_COOKIE_NAME="gsb_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=cfg["secure_cookie"],
        SESSION_COOKIE_PATH="/admin",
    )
    app.register_blueprint(bp)
