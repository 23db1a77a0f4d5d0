"""ETags of single resources (RFC 7644 §3.14) and the conditional requests they allow.

RFC 7644 §3.14: "When supported, SCIM ETags MUST be specified as an HTTP
header and SHOULD be specified within the "version" attribute contained in
the resource's "meta" attribute." The version is whatever the storage puts
in ``meta.version``: the GLPI backend derives a weak ETag from what GLPI
returns (docs/etags.md says how, and its limits).

Comparison is *weak* (RFC 7232 §2.3.2) for both headers: the versions are
weak ETags, and RFC 7644 §3.14 shows exactly that, ``If-Match:
W/"e180ee84f0671b1"``, on a conditional PUT. Lists of tags and ``*`` are
understood.

* ``If-None-Match`` on a GET of one resource: when it matches, 304 without
  a body (RFC 7232 §4.1), with the ``ETag``.
* ``If-Match`` on PUT, PATCH and DELETE: compared with the version of the
  resource as the storage reads it just before the write; when it does not
  match, 412 (RFC 7644 §3.14: "the service provider MUST return HTTP status
  code 412 (Precondition Failed)" when the versions do not match). The read
  and the write are separate GLPI calls: GLPI has no conditional update, so a
  change landing between them is not detected.
"""

from __future__ import annotations

from flask import request
from werkzeug.http import unquote_etag

from app.scim.errors import PreconditionFailedError


def version_of(resource: dict | None) -> str | None:
    """The ``meta.version`` of a stored resource, or None."""
    meta = (resource or {}).get("meta") or {}
    version = meta.get("version")
    return str(version) if version else None


def etag_headers(resource: dict | None, shown: dict | None = None) -> dict[str, str]:
    """``{"ETag": version}`` for a response carrying ``resource``, or no header.

    :param shown: the body actually sent, when there is one. When the client
        projected ``meta`` away (``attributes=userName``), no ``ETag`` is
        sent either: scim2-client (python-scim) then fills ``meta.version``
        from the header into a resource without ``meta`` and fails to
        validate its own object. Such a client asked not to see versions.
    """
    version = version_of(resource)
    if not version or (shown is not None and "meta" not in shown):
        return {}
    return {"ETag": version}


def has_if_match() -> bool:
    """Tell whether the request is conditional on ``If-Match``."""
    return bool(request.headers.get("If-Match", "").strip())


def _opaque(version: str) -> str:
    tag, _ = unquote_etag(version)
    return tag or ""


def check_if_match(current: dict) -> None:
    """Refuse the write when ``If-Match`` names another version than ``current``'s.

    :raises PreconditionFailedError: 412 when no listed tag matches.
    """
    if not has_if_match():
        return
    wanted = request.if_match
    version = version_of(current)
    if wanted.star_tag:
        return
    if version is None or not wanted.contains_weak(_opaque(version)):
        raise PreconditionFailedError(
            "The resource has changed: If-Match does not name its current version "
            f"({version or 'unknown'}). Read it again and retry.")


def not_modified(resource: dict) -> bool:
    """Tell whether ``If-None-Match`` names the version of ``resource`` (GET → 304)."""
    if not request.headers.get("If-None-Match", "").strip():
        return False
    wanted = request.if_none_match
    version = version_of(resource)
    if version is None:
        return False
    return wanted.star_tag or wanted.contains_weak(_opaque(version))
