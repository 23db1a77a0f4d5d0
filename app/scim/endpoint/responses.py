"""Building SCIM HTTP responses: JSON bodies typed ``application/scim+json``.

RFC 7644 registers ``application/scim+json`` as the media type of SCIM
messages (§8.1), and Entra requires it on responses. Every answer of the
SCIM endpoint, errors included, goes through :func:`scim_response`.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from app.scim.constants import LIST_RESPONSE_SCHEMA
from app.scim.constants import SCIM_CONTENT_TYPE


def dumps(body: Any) -> str:
    """The JSON text of a SCIM body: UTF-8 as is, no spaces."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise ``body`` as a SCIM JSON response (no body when ``body`` is None)."""
    return scim_text_response("" if body is None else dumps(body), status, headers)


def scim_text_response(text: str, status: int = 200,
                       headers: dict[str, str] | None = None) -> Response:
    """A SCIM response whose JSON ``text`` is already serialised (:func:`dumps`)."""
    response = Response(text, status=status, mimetype=SCIM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def list_response(resources: list[dict], total: int, start_index: int) -> dict:
    """Build a ListResponse (RFC 7644 §3.4.2).

    The counters are JSON integers: "totalResults: The total number of
    results returned by the list or query operation ... REQUIRED",
    "itemsPerPage: The number of resources returned in a list response page",
    "startIndex: The 1-based index of the first result in the current set".
    ``Resources`` is always present, empty when nothing is returned.
    """
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": int(total),
        "startIndex": int(start_index),
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
