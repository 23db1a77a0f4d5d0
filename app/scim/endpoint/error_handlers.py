"""Error handlers: every failure becomes a SCIM Error body (RFC 7644 §3.12).

They are registered on the application, not on the SCIM blueprint. Flask's
documentation warns that "the blueprint cannot handle 404 routing errors
because the 404 occurs at the routing level before the blueprint can be
determined", and the same holds for 405 and for 413 raised while reading the
body. An IdP therefore never receives an HTML page, whatever the path.

A stack trace never reaches the client: unexpected exceptions are logged
with their traceback and answered with a generic 500.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask import Response
from werkzeug.exceptions import HTTPException

from app.scim.constants import ERROR_SCHEMA
from app.scim.endpoint.responses import scim_response
from app.scim.errors import SCIMError

log = logging.getLogger(__name__)

#: Short, fixed details for HTTP errors raised by Flask/werkzeug themselves.
HTTP_DETAILS = {
    400: "The request is not valid.",
    401: "Authentication is required.",
    403: "The operation is not permitted.",
    404: "Resource not found.",
    405: "Method not allowed on this endpoint.",
    406: "The requested representation is not available.",
    411: "A Content-Length is required.",
    413: "The request body is too large.",
    414: "The request URI is too long.",
    415: "Unsupported media type.",
    431: "The request headers are too large.",
}

#: Headers of a werkzeug error response that describe its (HTML) body.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict:
    """Build an Error body; ``status`` is a string as RFC 7644 §3.12 requires."""
    body = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def handle_scim_error(error: SCIMError) -> Response:
    """Answer a :class:`SCIMError` with its status, body and headers."""
    if error.status >= 500 and error.status != 501:
        log.warning("SCIM %s: %s", error.status, error.detail)
    return scim_response(error.to_dict(), error.status, error.headers)


def handle_http_exception(error: HTTPException) -> Response:
    """Answer werkzeug's routing and protocol errors as SCIM Errors, keeping
    headers such as ``Allow`` (405) or ``WWW-Authenticate``."""
    status = error.code or 500
    headers = {
        name: value
        for name, value in error.get_headers()
        if name.lower() not in _BODY_HEADERS
    }
    detail = HTTP_DETAILS.get(status, error.name or "HTTP error.")
    return scim_response(error_body(status, detail), status, headers)


def handle_unexpected(error: Exception) -> Response:
    """Log an unexpected exception with its traceback; answer a generic 500."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error while serving a request")
    return scim_response(error_body(500, "Internal error."), 500)


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app`` (not only on the blueprint)."""
    app.register_error_handler(SCIMError, handle_scim_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
