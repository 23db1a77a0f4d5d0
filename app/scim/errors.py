"""SCIM errors (RFC 7644 §3.12) as one exception hierarchy.

Every failure the protocol layer or a storage backend wants to report to the
IdP is raised as a :class:`SCIMError` subclass; the Flask error handlers (in
``app.scim.endpoint.error_handlers``) turn it into an Error body. Backends translate their
own failures into these classes, so the handlers never need to know what is
behind the storage interface.
"""

from __future__ import annotations

from app.scim.constants import ERROR_SCHEMA


class SCIMError(Exception):
    """Base class: an HTTP status, an optional ``scimType`` and a ``detail``.

    RFC 7644 §3.12: "status: The HTTP status code (see Section 6 of
    [RFC7231]) expressed as a JSON string. REQUIRED." The body therefore
    carries the status as a string.
    """

    status: int = 500
    scim_type: str | None = None
    default_detail: str = "Internal error."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = dict(headers or {})
        super().__init__(self.detail)

    def to_dict(self) -> dict:
        body: dict = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


class BadRequestError(SCIMError):
    status = 400
    default_detail = "The request is not valid."


class InvalidFilterError(BadRequestError):
    """RFC 7644 §3.12: "The specified filter syntax was invalid ... or the
    specified attribute and filter comparison combination is not supported."
    """

    scim_type = "invalidFilter"
    default_detail = "The filter is not valid."


class TooManyError(BadRequestError):
    scim_type = "tooMany"
    default_detail = "The filter yields too many results to process."


class InvalidSyntaxError(BadRequestError):
    scim_type = "invalidSyntax"
    default_detail = "The request body is not valid."


class InvalidPathError(BadRequestError):
    scim_type = "invalidPath"
    default_detail = "The path attribute is not valid."


class NoTargetError(BadRequestError):
    scim_type = "noTarget"
    default_detail = "The path did not yield an attribute or value to operate on."


class InvalidValueError(BadRequestError):
    scim_type = "invalidValue"
    default_detail = "A required value was missing or a value is not compatible."


class MutabilityError(BadRequestError):
    scim_type = "mutability"
    default_detail = "The attempted modification is not compatible with the attribute's mutability."


class InvalidVersionError(BadRequestError):
    scim_type = "invalidVers"
    default_detail = "The specified SCIM protocol version is not supported."


class UnauthorizedError(SCIMError):
    """401: the IdP's credential is missing or wrong. Never says which."""

    status = 401
    default_detail = "Authentication is required."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="SCIM"', **(headers or {})})


class ForbiddenError(SCIMError):
    status = 403
    default_detail = "The operation is not permitted on this resource."


class NotFoundError(SCIMError):
    status = 404
    default_detail = "Resource not found."


class MethodNotAllowedError(SCIMError):
    status = 405
    default_detail = "Method not allowed on this endpoint."


class ConflictError(SCIMError):
    """409 uniqueness: RFC 7644 §3.3 "If the service provider determines
    that the creation of the requested resource conflicts with existing
    resources (e.g., a "User" resource with a duplicate "userName"), the
    service provider MUST return HTTP status code 409 (Conflict) with a
    "scimType" error code of "uniqueness"".
    """

    status = 409
    scim_type = "uniqueness"
    default_detail = "A resource with the same unique attribute already exists."


class PreconditionFailedError(SCIMError):
    status = 412
    default_detail = "The resource has changed since the given version."


class PayloadTooLargeError(SCIMError):
    status = 413
    default_detail = "The request body is too large."


class TooManyRequestsError(SCIMError):
    status = 429
    default_detail = "Too many requests."

    def __init__(self, retry_after: int, detail: str | None = None):
        super().__init__(detail, headers={"Retry-After": str(int(retry_after))})
        self.retry_after = int(retry_after)


class NotImplementedSCIMError(SCIMError):
    status = 501
    default_detail = "This operation is not implemented."


class UnavailableError(SCIMError):
    """503: the backend (GLPI) cannot be reached or fails; the IdP retries.

    A GLPI failure must never surface as 404 (the IdP would re-create the
    user) nor as 401 (the IdP's own token was fine).
    """

    status = 503
    default_detail = "The backend is unavailable; retry later."

    def __init__(self, detail: str | None = None, *, retry_after: int = 30):
        super().__init__(detail, headers={"Retry-After": str(int(retry_after))})
        self.retry_after = int(retry_after)


class BackendError(SCIMError):
    """502: the backend answered something we cannot interpret as success."""

    status = 502
    default_detail = "The backend answered with an unexpected error."
