"""Typed errors of the GLPI REST API client.

GLPI answers an error with a two-element JSON array ``[CODE, message]``.
The message goes through GLPI's ``__()`` and is translated into the API
account's language, so the exception class is chosen from the **code** (and
the HTTP status when there is no code), never from the message.

Some decisions worth knowing (see ``docs/glpi-client.md``):

* ``ERROR_GLPI_DELETE "Item not found"`` (unknown or already purged id) is a
  :class:`GlpiBadRequestError`, not a :class:`GlpiNotFoundError`: the code is
  the same one GLPI uses for a refused delete, and only the translated
  message differs. A caller that must tell them apart reads the item back
  (``GET`` gives ``ERROR_ITEM_NOT_FOUND`` 404 when it is gone).
* ``ERROR_GLPI_UPDATE null`` (PUT on an unknown id) is likewise a
  :class:`GlpiBadRequestError`.
* Write refusals for lack of rights come back as ``400 ERROR_GLPI_ADD/UPDATE/
  DELETE`` (only reads give ``403 ERROR_RIGHT_MISSING``), so they are
  :class:`GlpiBadRequestError` too.

No exception ever carries a token, password or ``Authorization`` value: the
path is stored without its query string.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

#: Codes that name a wrong or missing credential of the bridge's own account.
AUTH_CODES = {
    "ERROR_GLPI_LOGIN_USER_TOKEN": "user_token",
    "ERROR_GLPI_LOGIN": "login/password",
    "ERROR_APP_TOKEN_PARAMETERS_MISSING": "app_token",
    "ERROR_WRONG_APP_TOKEN_PARAMETER": "app_token",
    "ERROR_LOGIN_PARAMETERS_MISSING": "user_token or login/password",
    "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED": "login/password",
    "ERROR_NOT_ALLOWED_IP": "api client ip range",
}

SESSION_CODES = frozenset({"ERROR_SESSION_TOKEN_INVALID", "ERROR_SESSION_TOKEN_MISSING"})
PARTIAL_CODES = frozenset(
    {"ERROR_GLPI_PARTIAL_ADD", "ERROR_GLPI_PARTIAL_UPDATE", "ERROR_GLPI_PARTIAL_DELETE"}
)

#: Default hint, in seconds, for callers that answer 503 with ``Retry-After``.
DEFAULT_RETRY_AFTER = 5

#: GLPI's sentence for a write it refuses for rights before writing anything
#: (``API::createItems``/``updateItems``/``deleteItems``, 10.0.12 and 11.0.6), in
#: English (GLPI's source text; docs/glpi-setup.md asks for an English account).
NO_RIGHT_MESSAGE = "You don't have permission to perform this action."
#: The codes under which GLPI answers a write refused as a whole (``400``).
WRITE_REFUSAL_CODES = frozenset({"ERROR_GLPI_ADD", "ERROR_GLPI_UPDATE", "ERROR_GLPI_DELETE"})


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one item in a GLPI array answer.

    GLPI gives ``{"id": N|false, "message": ...}`` for adds and
    ``{"<id>": true|false, "message": ...}`` for updates and deletes.
    ``message`` is ``""`` when GLPI said nothing; a non-empty message on an
    ``ok`` update can still mean a refused field (a refused rename).
    """

    ok: bool
    id: int | None
    message: str

    @classmethod
    def parse(cls, entry: Any) -> ItemResult:
        """Read one entry of a GLPI result list (tolerant of odd shapes)."""
        if not isinstance(entry, dict):
            return cls(ok=False, id=None, message=str(entry) if entry not in (None, []) else "")
        message = _message_text(entry.get("message"))
        if "id" in entry:
            raw = entry["id"]
            item_id = _as_int(raw)
            return cls(ok=item_id is not None and raw is not False, id=item_id, message=message)
        for key, value in entry.items():
            if key != "message":
                return cls(ok=value is True, id=_as_int(key), message=message)
        return cls(ok=False, id=None, message=message)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_item_results(body: Any) -> list[ItemResult]:
    """Parse a GLPI result list (``[{...}, ...]``) into :class:`ItemResult`.

    ``[[]]`` (a PUT that named no id) and ``[]`` (a DELETE whose inputs had
    no id) give results that are not ``ok`` or an empty list: the caller must
    treat both as "nothing was done".
    """
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        return []
    return [ItemResult.parse(entry) for entry in body]


def refused_updates(results: list[ItemResult]) -> list[ItemResult]:
    """Entries of an update or delete answer that did not fully land.

    That is every failed entry, and every ``ok`` entry carrying a message:
    GLPI answers ``200 [{"67": true, "message": "Unable to update login. A
    user already exists."}]`` when it kept the old login but applied the
    other fields. The messages are translated: show them, do not parse them.
    """
    return [r for r in results if not r.ok or r.message]


def refused_for_rights(status: int, body: Any) -> bool:
    """True when GLPI refused a whole call for rights, so that it wrote nothing.

    That is ``403 ERROR_RIGHT_MISSING`` (a read), or ``400 ERROR_GLPI_ADD/UPDATE/
    DELETE`` whose message is :data:`NO_RIGHT_MESSAGE`: the single-item form
    ``[CODE, "You don't have permission..."]``, or the array form ``[CODE,
    [{"130": false, "message": "You don't have permission..."}, ...]]`` where
    **every** item carries that refusal. GLPI checks ``can()`` before it writes
    an item, so such an answer proves nothing landed. A ``207`` partial answer,
    or an array where one item failed for another reason, is never one.
    """
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], str)):
        return False
    code, message = body
    if status == 403:
        return code == "ERROR_RIGHT_MISSING"
    if status != 400 or code not in WRITE_REFUSAL_CODES:
        return False
    if isinstance(message, list):
        results = parse_item_results(message)
        return bool(results) and all(
            not r.ok and r.message.strip() == NO_RIGHT_MESSAGE for r in results
        )
    return _message_text(message).strip() == NO_RIGHT_MESSAGE


def is_duplicate_entry(message: str | None) -> bool:
    """True when a GLPI message reports a unique-key violation.

    GLPI 10 says ``Duplicate entry '80-17' for key 'unicity'``; GLPI 11 wraps
    the same MySQL text in ``MySQL query error: ... (1062) in SQL query ...``.
    The text comes from MySQL, not from GLPI's translations, so matching it
    anywhere in the message works for both.
    """
    return bool(message) and "Duplicate entry" in str(message)


class GlpiError(Exception):
    """Base class: one failed GLPI call.

    :ivar method: HTTP method.
    :ivar path: API path, e.g. ``/User/12`` (never the query string).
    :ivar status: HTTP status, or None when no answer came.
    :ivar code: GLPI error code (``ERROR_...``), or None.
    :ivar message: GLPI's message (translated; for humans only).
    """

    def __init__(
        self,
        message: str = "",
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
    ):
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.path}".strip()
        parts = [
            p
            for p in (where, str(self.status) if self.status is not None else "", self.code or "")
            if p
        ]
        head = " ".join(parts)
        return f"GLPI {head}: {self.message}" if self.message else f"GLPI {head}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, "
            f"status={self.status!r}, code={self.code!r}, message={self.message!r})"
        )


class GlpiNotFoundError(GlpiError):
    """``404 ERROR_ITEM_NOT_FOUND``: the item (or the parent of sub-items) does not exist."""


class GlpiAuthError(GlpiError):
    """initSession refused the bridge's credentials.

    :ivar credential: which setting is wrong. From the code alone:
        ``app_token``, ``user_token``, ``login/password``, ``user_token or
        login/password`` or ``api client ip range``; the session layer
        replaces it with the exact config key, knowing how it logged in.
    """

    def __init__(self, message: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.credential = AUTH_CODES.get(self.code or "", "credentials")


class GlpiSessionError(GlpiError):
    """The session token is invalid or missing, even after one re-login."""


class GlpiRightError(GlpiError):
    """``403 ERROR_RIGHT_MISSING``: the API account may not read this item."""


class GlpiBadRequestError(GlpiError):
    """GLPI refused the request (``400``): bad input, refused write, unknown id on write.

    :ivar results: per-item results when GLPI answered a bulk call where
        every item failed (``400 ["ERROR_GLPI_ADD", [ ... ]]``).
    """

    def __init__(
        self, message: str = "", *, results: list[ItemResult] | None = None, **kwargs: Any
    ):
        self.results = list(results or [])
        super().__init__(message, **kwargs)

    @property
    def is_duplicate(self) -> bool:
        """True when the failure is a unique-key violation (see :func:`is_duplicate_entry`)."""
        return is_duplicate_entry(self.message) or any(
            is_duplicate_entry(r.message) for r in self.results
        )


class GlpiRangeError(GlpiBadRequestError):
    """``400 ERROR_RANGE_EXCEED_TOTAL``: the requested page starts past the last item."""


class GlpiPartialError(GlpiError):
    """``207 ERROR_GLPI_PARTIAL_*``: a bulk call where some items failed.

    :ivar results: one :class:`ItemResult` per item GLPI reported. For a bulk
        update GLPI simply leaves unknown ids out of the list.
    """

    def __init__(
        self, message: str = "", *, results: list[ItemResult] | None = None, **kwargs: Any
    ):
        self.results = list(results or [])
        super().__init__(message, **kwargs)

    @property
    def succeeded(self) -> list[ItemResult]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.results if not r.ok]


class GlpiUnavailableError(GlpiError):
    """GLPI could not be reached or failed (connection refused, timeout, 5xx after retries).

    :ivar retry_after: seconds a caller may suggest before trying again.
    """

    def __init__(self, message: str = "", *, retry_after: int = DEFAULT_RETRY_AFTER, **kwargs: Any):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class GlpiResponseError(GlpiError):
    """GLPI answered something the client cannot interpret (not JSON where JSON was due)."""


_BY_CODE: dict[str, type[GlpiError]] = {
    "ERROR_ITEM_NOT_FOUND": GlpiNotFoundError,
    "ERROR_RIGHT_MISSING": GlpiRightError,
    "ERROR_RANGE_EXCEED_TOTAL": GlpiRangeError,
    **{code: GlpiAuthError for code in AUTH_CODES},
    **{code: GlpiSessionError for code in SESSION_CODES},
    **{code: GlpiPartialError for code in PARTIAL_CODES},
}


def _message_text(value: Any) -> str:
    """GLPI's message as plain text.

    GLPI 11 builds messages with ``__s()`` (``htmlspecialchars``, so
    ``O&#039;Neil``) and GLPI 10 embeds stored values (``&#60;``). Messages
    are only ever shown, never parsed, so entities are always unescaped.
    """
    if value is None:
        return ""
    return html.unescape(value if isinstance(value, str) else str(value))


def error_from_response(
    method: str, path: str, status: int, body: Any, retry_after: int | None = None
) -> GlpiError:
    """Build the exception for a GLPI error answer, choosing the class by code.

    :param body: the decoded JSON body (``[CODE, message]`` for GLPI errors),
        or the raw text when it was not JSON.
    """
    code: str | None = None
    message: Any = None
    if (
        isinstance(body, list)
        and len(body) == 2
        and isinstance(body[0], str)
        and body[0].startswith("ERROR")
    ):
        code, message = body
    elif isinstance(body, str):
        message = body[:200]
    common = {"method": method, "path": path, "status": status, "code": code}
    results = parse_item_results(message) if isinstance(message, list) else []
    failed = [r for r in results if not r.ok] or results
    text = "; ".join(r.message for r in failed if r.message) if results else _message_text(message)
    if status >= 500:
        return GlpiUnavailableError(text, retry_after=retry_after or DEFAULT_RETRY_AFTER, **common)
    cls = _BY_CODE.get(code or "")
    if cls is None:
        if status == 404:
            cls = GlpiNotFoundError
        elif status == 403:
            cls = GlpiRightError
        elif status == 401:
            cls = GlpiSessionError
        else:
            cls = GlpiBadRequestError
    if issubclass(cls, (GlpiBadRequestError, GlpiPartialError)):
        return cls(text, results=results, **common)
    return cls(text, **common)
