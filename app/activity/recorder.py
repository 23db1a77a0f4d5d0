"""Per-request activity: what one SCIM request touched, collected as it runs.

The GLPI client reports each call through :func:`note_glpi_call` (wired as
one of its per-call hooks); backends may add what they know with
:func:`note`. Both write into a context variable that belongs to the
request being served, so concurrent requests on gunicorn threads never mix
their records, and code running outside a request records nothing.
"""

from __future__ import annotations

from contextvars import ContextVar
from contextvars import Token
from dataclasses import dataclass
from dataclasses import field


@dataclass
class RequestActivity:
    glpi_calls: list[str] = field(default_factory=list)
    glpi_code: str = ""
    resource_type: str = ""
    resource_id: str = ""
    name: str = ""


_current: ContextVar[RequestActivity | None] = ContextVar("scim_request_activity", default=None)


def begin() -> Token:
    return _current.set(RequestActivity())


def end(token: Token) -> RequestActivity:
    activity = _current.get() or RequestActivity()
    _current.reset(token)
    return activity


def current() -> RequestActivity | None:
    return _current.get()


def note_glpi_call(method: str, endpoint: str, status: int | None, code: str | None = None) -> None:
    """Record one GLPI call of the current request (``endpoint`` without ids or query)."""
    activity = _current.get()
    if activity is None:
        return
    activity.glpi_calls.append(f"{method} {endpoint} {status if status is not None else 'ERR'}")
    if code and status is not None and status >= 400:
        activity.glpi_code = code


def note(**values: str) -> None:
    """Record ``resource_type``, ``resource_id`` or ``name`` for the current request."""
    activity = _current.get()
    if activity is None:
        return
    for key, value in values.items():
        if hasattr(activity, key) and value:
            setattr(activity, key, str(value))
