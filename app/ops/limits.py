"""Request limits: per-tenant rate limit (429) and body size (413), as SCIM errors.

The rate limit is a token bucket per tenant (``tenants[].rate_limit``:
``requests_per_second`` sustained, ``burst`` on top), kept in the shared
state, so with Redis it holds across every worker and replica. A refusal
is a 429 SCIM Error with an integer ``Retry-After`` (Okta reads it as
whole seconds).

The tenant is taken from ``flask.g.tenant`` when the SCIM authentication
already set it, else resolved from the bearer token. Authentication that
resolves tenants otherwise (OAuth access tokens) calls
:func:`check_rate_limit` right after setting ``g.tenant``; a request is
only ever counted once.
"""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Response
from flask import current_app
from flask import g
from flask import request

from app.ops.metrics import record_rate_limited
from app.ops.shared import retry_after_seconds
from app.scim.constants import SCIM_CONTENT_TYPE
from app.scim.errors import PayloadTooLargeError
from app.scim.errors import SCIMError
from app.scim.errors import TooManyRequestsError


def scim_error_response(error: SCIMError) -> Response:
    """Render a SCIM error (RFC 7644 §3.12) with its headers."""
    response = Response(
        json.dumps(error.to_dict()), status=error.status, content_type=SCIM_CONTENT_TYPE
    )
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def check_rate_limit(tenant: object) -> None:
    """Take one token from ``tenant``'s bucket; raise 429 when it is empty.

    :raises TooManyRequestsError: with ``Retry-After`` in whole seconds.
    """
    if g.get("_rate_limit_checked"):
        return
    g._rate_limit_checked = True
    limit = tenant.config["rate_limit"]
    rate = float(limit["requests_per_second"])
    if rate <= 0:
        return
    wait = current_app.extensions["shared"].take(f"rate:{tenant.name}", rate, int(limit["burst"]))
    if wait > 0:
        record_rate_limited(tenant)
        raise TooManyRequestsError(
            retry_after_seconds(wait),
            "Too many requests for this tenant; retry after the given delay.",
        )


def _bearer_tenant() -> object | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return current_app.extensions["tenants"].authenticate(token.strip())


def _is_scim_request() -> bool:
    return "/scim/v2" in request.path


def enforce_limits() -> Response | None:
    """``before_request``: 413 on a declared oversized body, 429 over the rate."""
    if not _is_scim_request():
        return None
    maximum = current_app.config["BRIDGE"]["server"]["max_body_bytes"]
    if request.content_length is not None and request.content_length > maximum:
        return scim_error_response(
            PayloadTooLargeError(f"The request body exceeds the limit of {maximum} bytes.")
        )
    if not any(
        t["rate_limit"]["requests_per_second"] > 0 for t in current_app.config["BRIDGE"]["tenants"]
    ):
        return None
    tenant = g.get("tenant") or _bearer_tenant()
    if tenant is None:
        return None
    g.ops_tenant = tenant
    try:
        check_rate_limit(tenant)
    except SCIMError as error:
        return scim_error_response(error)
    return None


def too_large(_error: Exception) -> Response:
    """Error handler for 413 raised while reading a body without Content-Length."""
    maximum = current_app.config["BRIDGE"]["server"]["max_body_bytes"]
    return scim_error_response(
        PayloadTooLargeError(f"The request body exceeds the limit of {maximum} bytes.")
    )


class BodyLimit:
    """WSGI middleware bounding bodies sent without ``Content-Length`` (chunked).

    werkzeug checks ``MAX_CONTENT_LENGTH`` against a declared length, but a
    chunked body is simply cut at the limit, so an oversized one reached
    the JSON parser truncated. This middleware reads such a body up to one
    byte past the limit into memory and declares the length it found; an
    oversized body then gets the same 413 SCIM error as a declared one
    (:func:`enforce_limits`), and no more than limit + 1 bytes are buffered.
    """

    def __init__(self, app: Any, limit: int):
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict, start_response: Any) -> Any:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            stream = environ["wsgi.input"]
            chunks: list[bytes] = []
            size = 0
            while size <= self.limit:
                chunk = stream.read(min(65536, self.limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
            environ["CONTENT_LENGTH"] = str(size)
            # The body is de-chunked now; werkzeug ignores a length next to "chunked".
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.app(environ, start_response)
