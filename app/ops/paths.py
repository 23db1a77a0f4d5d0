"""Where a request path points inside the SCIM endpoint."""

from __future__ import annotations

SCIM_PREFIX = "/scim/v2/"


def scim_segments(path: str) -> list[str] | None:
    """The segments after ``/scim/v2/`` (and after a ``t/<tenant>/`` prefix), or None.

    ``/scim/v2/Users/42`` and ``/scim/v2/t/contoso/Users/42`` both give
    ``["Users", "42"]``; a path outside the SCIM endpoint gives None.
    """
    if SCIM_PREFIX not in path:
        return None
    parts = path.split(SCIM_PREFIX, 1)[1].strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "t":
        parts = parts[2:]
    return parts or [""]
