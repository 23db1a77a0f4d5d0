"""Request parsing and GLPI-shaped responses for the simulator's WSGI app."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

DOC_CODES = {
    "ERROR_APP_TOKEN_PARAMETERS_MISSING",
    "ERROR_WRONG_APP_TOKEN_PARAMETER",
    "ERROR_LOGIN_PARAMETERS_MISSING",
    "ERROR_SESSION_TOKEN_MISSING",
    "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM",
    "ERROR_BAD_ARRAY",
    "ERROR_RANGE_EXCEED_TOTAL",
    "ERROR",
    "ERROR_FIELD_NOT_FOUND",
    "ERROR_RESOURCE_MISSING",
    "ERROR_METHOD_NOT_ALLOWED",
    "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",
}

MESSAGES = {
    "ERROR_APP_TOKEN_PARAMETERS_MISSING": "missing parameter app_token",
    "ERROR_WRONG_APP_TOKEN_PARAMETER": "parameter app_token seems wrong",
    "ERROR_LOGIN_PARAMETERS_MISSING": "parameter(s) login, password or user_token are missing",
    "ERROR_SESSION_TOKEN_MISSING": "parameter session_token is missing or empty",
    "ERROR_SESSION_TOKEN_INVALID": "session_token seems invalid",
    "ERROR_GLPI_LOGIN_USER_TOKEN": "parameter user_token seems invalid",
    "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM": (
        "resource not found or not an instance of CommonDBTM"
    ),
    "ERROR_ITEM_NOT_FOUND": "Item not found",
    "ERROR_RIGHT_MISSING": "You don't have permission to perform this action.",
    "ERROR_BAD_ARRAY": "input parameter must be an array of objects",
    "ERROR_JSON_PAYLOAD_INVALID": "JSON payload seems not valid",
    "ERROR_METHOD_NOT_ALLOWED": "Method Not Allowed",
}

EXPOSE = "content-type, content-range, accept-range"


_DEFAULT = object()


class ApiError(Exception):
    """A GLPI ``[CODE, message]`` answer (the message may be ``None``, as GLPI sends it)."""

    def __init__(self, status: int, code: str, message: Any = _DEFAULT) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = MESSAGES.get(code, "") if message is _DEFAULT else message


def json_response(status: int, body: Any, headers: dict | None = None) -> Response:
    """A JSON answer with the headers GLPI sends."""
    response = Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json; charset=UTF-8",
    )
    response.headers["Access-Control-Expose-Headers"] = EXPOSE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(error: ApiError, api_url: str) -> Response:
    """``[CODE, message]`` with the documentation suffix where GLPI adds it."""
    message = error.message
    if error.code in DOC_CODES and isinstance(message, str):
        message = f"{message}; view documentation in your browser at {api_url}/#{error.code}"
    return json_response(error.status, [error.code, message])


def _set_nested(target: dict, key: str, value: Any) -> None:
    parts = re.findall(r"\[([^\]]*)\]", key)
    head = key.split("[", 1)[0]
    if not parts:
        target[head] = value
        return
    node = target.setdefault(head, {})
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if parts[-1] == "":
        return
    node[parts[-1]] = value


def _bool_text(value: str) -> Any:
    if value == "true":
        return True
    if value == "false":
        return False
    return value


def parse_query(request: Request) -> dict:
    """Query parameters: flat keys kept (``criteria[0][field]``), ``x[]`` as lists."""
    params: dict[str, Any] = {}
    for key in request.args.keys():
        values = request.args.getlist(key)
        if key.endswith("[]"):
            params[key[:-2]] = [_bool_text(v) for v in values]
        else:
            params[key] = _bool_text(values[-1])
    return params


def parse_body(request: Request) -> dict:
    """The body as GLPI reads it (JSON unless form-encoded; other types are ignored)."""
    raw = request.get_data(cache=True)
    content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        result: dict = {}
        for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
            _set_nested(result, key, value)
        return result
    if content_type not in ("", "application/json"):
        return {}
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "ERROR_JSON_PAYLOAD_INVALID") from None
    if not body:
        raise ApiError(400, "ERROR_JSON_PAYLOAD_INVALID")
    if not isinstance(body, dict):
        return {}
    return body


def flag(value: Any) -> bool:
    """PHP ``FILTER_VALIDATE_BOOLEAN``."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes")
