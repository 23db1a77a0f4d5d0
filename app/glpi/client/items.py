"""Item-level calls of GLPI's legacy REST API: read, search, add, update, delete.

:class:`GlpiClient` builds on :class:`~app.glpi.client.session.GlpiSession`
(transport, retries, single-flight sessions, hooks). It knows GLPI and
nothing of SCIM: it returns GLPI rows with ``< > &`` decoded for the
detected version (:mod:`app.glpi.client.encoding`), raises the typed errors of
:mod:`app.glpi.client.errors`, and turns GLPI's odd success shapes into plain
values (no ``data`` key on a search without hits, ``200 [[]]``, a range
past the end).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple

from app.glpi.client.encoding import decode_tree
from app.glpi.client.encoding import major_version
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiRangeError
from app.glpi.client.errors import ItemResult
from app.glpi.client.errors import parse_item_results
from app.glpi.client.session import SESSION_MAX_AGE
from app.glpi.client.session import CallRecord
from app.glpi.client.session import GlpiSession
from app.glpi.client.session import endpoint_template

__all__ = ["CallRecord", "GlpiClient", "SearchResult", "endpoint_template", "flatten_params"]


class SearchResult(NamedTuple):
    """A ``/search`` answer: ``totalcount`` over all pages, and this page's rows.

    Each row maps search-option ids as strings (``"1"``, ``"2"``) to values;
    a multi-valued column (several e-mails) is a list.
    """

    totalcount: int
    rows: list[dict]


class SubitemPage(NamedTuple):
    """A page of sub-items (``GET /Group/:id/Group_User``): GLPI's count of them all
    (``Content-Range``; None when GLPI sent none), and this page's rows."""

    total: int | None
    rows: list[dict]


def flatten_params(value: Any, prefix: str, out: dict[str, str]) -> dict[str, str]:
    """Flatten nested criteria into PHP's bracket syntax (``criteria[0][field]=1``)."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            flatten_params(inner, f"{prefix}[{key}]", out)
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            flatten_params(inner, f"{prefix}[{index}]", out)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is not None:
        out[prefix] = str(value)
    return out


def _query(params: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, (Mapping, list, tuple)):
            flatten_params(value, key, out)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is not None:
            out[key] = str(value)
    return out


def _range(bounds: tuple[int, int]) -> str:
    start, end = bounds
    return f"{int(start)}-{int(end)}"


def _adds_rows(inputs: Any) -> bool:
    """True when an update input adds rows (``_useremails`` ``-N`` keys): replaying it is unsafe."""
    for item in inputs if isinstance(inputs, list) else [inputs]:
        emails = item.get("_useremails") if isinstance(item, Mapping) else None
        if isinstance(emails, list) or (
            isinstance(emails, Mapping) and any(str(k).startswith("-") for k in emails)
        ):
            return True
    return False


class GlpiClient(GlpiSession):
    """The GLPI client of one tenant (one per tenant per process, shared by threads).

    :param version: ``"auto"`` (read ``cfg_glpi.version`` once, lazily),
        ``"10"`` or ``"11"``.

    Other parameters: see :class:`~app.glpi.client.session.GlpiSession`.
    """

    def __init__(self, url: str, *, version: str = "auto", **kwargs: Any):
        super().__init__(url, **kwargs)
        self._version: str | None = (
            None if version in (None, "", "auto") else major_version(version)
        )
        self._version_string: str | None = None
        self._version_lock = threading.Lock()
        self._config_read: tuple[float, dict] | None = None

    @classmethod
    def from_config(
        cls, glpi: Mapping[str, Any], *, name: str = "glpi", **kwargs: Any
    ) -> GlpiClient:
        """Build a client from a tenant's validated ``glpi`` config section."""
        timeouts = glpi.get("timeouts") or {}
        options: dict[str, Any] = {
            "app_token": glpi.get("app_token"),
            "user_token": glpi.get("user_token"),
            "login": glpi.get("login"),
            "password": glpi.get("password"),
            "version": glpi.get("version", "auto"),
            "connect_timeout": timeouts.get("connect", 3.05),
            "read_timeout": timeouts.get("read", 30.0),
            "retries": glpi.get("retries", 2),
            "verify_tls": glpi.get("verify_tls", True),
            "pool_size": glpi.get("pool_size", 10),
            "session_max_age": glpi.get("session_max_age", SESSION_MAX_AGE),
            "name": name,
        }
        options.update(kwargs)
        return cls(glpi["url"], **options)

    # -- version and session information ----------------------------------------------------

    @property
    def version(self) -> str:
        """``"10"`` or ``"11"``: configured, or read once from ``getGlpiConfig``."""
        if self._version is None:
            with self._version_lock:
                if self._version is None:
                    config = self.get_glpi_config()
                    self._config_read = (time.monotonic(), dict(config))
                    self._version_string = str(config.get("version") or "")
                    self._version = major_version(self._version_string)
        return self._version

    @property
    def version_string(self) -> str | None:
        """The full version GLPI reported (``"10.0.12"``), once it was read."""
        return self._version_string

    def ping(self) -> dict:
        """Prove that GLPI answers and the session is valid (logging in again if needed).

        One call (``getActiveProfile``) besides the one-time version read.

        :returns: ``{"glpi_version": "10.0.12" | "10", "profile": "<active profile name>"}``.
        :raises GlpiError: unreachable, refused credentials, ...
        """
        profile = self.get_active_profile()
        version = self.version
        return {"glpi_version": self.version_string or version, "profile": profile.get("name")}

    def get_glpi_config(self, *, max_age: float = 0.0) -> dict:
        """``cfg_glpi`` of ``getGlpiConfig`` (``version``, ``language``, API switches ...).

        :param max_age: seconds within which the version detection's answer, if no
            caller took it yet, is handed over instead of asking again: the first caller
            that caches the configuration then needs no call.
        """
        kept, self._config_read = self._config_read, None
        if kept is not None and time.monotonic() - kept[0] <= max_age:
            return dict(kept[1])
        body = self.request("GET", "/getGlpiConfig")
        config = body.get("cfg_glpi", {}) if isinstance(body, dict) else {}
        if config.get("version"):
            self._version_string = str(config["version"])
        return config

    def get_full_session(self) -> dict:
        body = self.request("GET", "/getFullSession")
        return body.get("session", {}) if isinstance(body, dict) else {}

    def get_my_profiles(self) -> list[dict]:
        body = self.request("GET", "/getMyProfiles")
        return body.get("myprofiles", []) if isinstance(body, dict) else []

    def get_active_profile(self) -> dict:
        """The active profile: ``id``, ``name``, ``interface`` and one key per right."""
        body = self.request("GET", "/getActiveProfile")
        return body.get("active_profile", {}) if isinstance(body, dict) else {}

    def get_active_entities(self) -> dict:
        """``{"id", "active_entity_recursive", "active_entities": [{"id": N}, ...]}``."""
        body = self.request("GET", "/getActiveEntities")
        return body.get("active_entity", {}) if isinstance(body, dict) else {}

    def get_my_entities(self, recursive: bool = True) -> list[dict]:
        body = self.request(
            "GET", "/getMyEntities", params={"is_recursive": "true" if recursive else "false"}
        )
        entities = body.get("myentities", []) if isinstance(body, dict) else []
        return decode_tree(entities, self.version)

    # -- reads -------------------------------------------------------------------------------

    def get_item(self, itemtype: str, item_id: int, **params: Any) -> dict:
        """``GET /<itemtype>/<id>``, decoded.

        :raises GlpiNotFoundError: no such item (``404 ERROR_ITEM_NOT_FOUND``).
        :raises GlpiRightError: the account may not read it (``403``).
        """
        params.setdefault("get_hateoas", False)
        body = self.request("GET", f"/{itemtype}/{int(item_id)}", params=_query(params))
        if not isinstance(body, dict):
            raise GlpiBadRequestError(
                "GLPI answered a list for an item",
                method="GET",
                path=endpoint_template(f"/{itemtype}/{int(item_id)}"),
            )
        return decode_tree(body, self.version)

    def get_multiple_items(self, itemtype: str, ids: Iterable[int], **params: Any) -> list[dict]:
        """``GET /getMultipleItems``: the items ``ids`` of ``itemtype`` in one call, decoded.

        GLPI 10.0.12 and 11.0.6 answer the whole call with ``404`` when one of
        them is missing. Keep ``ids`` to about 50: each adds some 65 bytes to
        the URL, and front servers refuse request lines over 8 KB.

        :raises GlpiNotFoundError: one of the items does not exist.
        """
        params.setdefault("get_hateoas", False)
        items = [{"itemtype": itemtype, "items_id": int(i)} for i in ids]
        body = self.request("GET", "/getMultipleItems", params=_query({**params, "items": items}))
        return decode_tree(body, self.version) if isinstance(body, list) else []

    def list_items(
        self,
        itemtype: str,
        *,
        range: tuple[int, int] = (0, 49),
        search_text: Mapping[str, str] | None = None,
        is_deleted: bool = False,
        **params: Any,
    ) -> list[dict]:
        """``GET /<itemtype>/``, filtered by ``searchText`` (values from ``like_value``).

        A page past the end, and GLPI 10's empty non-JSON answer to an unknown
        ``searchText`` field, give ``[]``. Beware: GLPI's list total over-counts
        users with several profiles; page until a short page.
        """
        params.setdefault("get_hateoas", False)
        query = _query(
            {
                **params,
                "range": _range(range),
                "is_deleted": is_deleted,
                "searchText": dict(search_text or {}),
            }
        )
        try:
            body = self.request("GET", f"/{itemtype}/", params=query)
        except GlpiRangeError:
            return []
        return decode_tree(body, self.version) if isinstance(body, list) else []

    def list_page(
        self,
        itemtype: str,
        *,
        range: tuple[int, int],
        search_text: Mapping[str, str] | None = None,
        sort: str = "id",
        order: str = "ASC",
    ) -> SearchResult:
        """``GET /<itemtype>/`` with every column: ``(total, rows)``, the total from
        ``Content-Range`` (``start-end/total``). A page past the end gives ``(0, [])``
        when the list is empty, else one more call for the total.

        Only for tables without joins: GLPI over-counts ``User`` (see :meth:`list_items`).
        """
        query = _query(
            {
                "get_hateoas": False,
                "range": _range(range),
                "sort": sort,
                "order": order,
                "searchText": dict(search_text or {}),
            }
        )
        try:
            body, headers = self.request_with_headers("GET", f"/{itemtype}/", params=query)
        except GlpiRangeError:
            if int(range[0]) == 0:
                return SearchResult(0, [])
            total = self.list_page(itemtype, range=(0, 0), search_text=search_text).totalcount
            return SearchResult(total, [])
        rows = decode_tree(body, self.version) if isinstance(body, list) else []
        total_text = str(headers.get("Content-Range") or "").rpartition("/")[2]
        total = int(total_text) if total_text.isdigit() else int(range[0]) + len(rows)
        return SearchResult(total, rows)

    def get_subitems(
        self,
        itemtype: str,
        item_id: int,
        subitemtype: str,
        *,
        range: tuple[int, int] = (0, 999),
        **params: Any,
    ) -> list[dict]:
        """``GET /<itemtype>/<id>/<subitemtype>`` (e.g. ``User``, 5, ``UserEmail``), decoded.

        :raises GlpiNotFoundError: the parent does not exist.
        """
        params.setdefault("get_hateoas", False)
        query = _query({**params, "range": _range(range)})
        try:
            body = self.request("GET", f"/{itemtype}/{int(item_id)}/{subitemtype}", params=query)
        except GlpiRangeError:
            return []
        return decode_tree(body, self.version) if isinstance(body, list) else []

    def subitems_page(
        self,
        itemtype: str,
        item_id: int,
        subitemtype: str,
        *,
        range: tuple[int, int],
        decode: bool = True,
    ) -> SubitemPage:
        """:meth:`get_subitems` with GLPI's count, from ``Content-Range``
        (``start-end/total``). A page past the end gives ``(None, [])``.

        :param decode: False for rows without text (``Group_User``: ids and flags),
            which then skip :func:`~app.glpi.client.encoding.decode_tree`."""
        query = _query({"get_hateoas": False, "range": _range(range)})
        try:
            body, headers = self.request_with_headers(
                "GET", f"/{itemtype}/{int(item_id)}/{subitemtype}", params=query
            )
        except GlpiRangeError:
            return SubitemPage(None, [])
        if not isinstance(body, list):
            body = []
        rows = decode_tree(body, self.version) if decode else body
        total_text = str(headers.get("Content-Range") or "").rpartition("/")[2]
        return SubitemPage(int(total_text) if total_text.isdigit() else None, rows)

    def search(
        self,
        itemtype: str,
        criteria: Iterable[Mapping[str, Any]] = (),
        forcedisplay: Iterable[int] = (),
        *,
        range: tuple[int, int] = (0, 49),
        sort: int | None = None,
        order: str | None = None,
        is_deleted: bool = False,
    ) -> SearchResult:
        """``GET /search/<itemtype>``: ``(totalcount, rows)``, rows decoded.

        :param criteria: GLPI criteria, e.g. ``{"field": 1, "searchtype":
            "contains", "value": like_value(...)}``, with ``link`` and nested
            ``criteria`` as GLPI accepts them.
        :param forcedisplay: option ids to return; send them always so the
            columns do not depend on the account's display preferences (``2``
            gives the id).
        :param range: first and last row index, inclusive.

        A search without hits has no ``data`` key: that is ``(0, [])``. A
        page past the end (``ERROR_RANGE_EXCEED_TOTAL``) costs one more call
        for the total and gives ``(total, [])``.
        """
        query = _query(
            {
                "criteria": list(criteria),
                "forcedisplay": [int(f) for f in forcedisplay],
                "range": _range(range),
                "sort": sort,
                "order": order,
                "is_deleted": 1 if is_deleted else None,
            }
        )
        try:
            body = self.request("GET", f"/search/{itemtype}", params=query)
        except GlpiRangeError:
            if int(range[0]) == 0:
                raise
            return SearchResult(
                self.search(
                    itemtype, criteria, forcedisplay, range=(0, 0), is_deleted=is_deleted
                ).totalcount,
                [],
            )
        if not isinstance(body, dict):
            return SearchResult(0, [])
        rows = body.get("data") or []
        total = int(body.get("totalcount") or 0)
        return SearchResult(total, decode_tree(rows, self.version))

    def list_search_options(self, itemtype: str) -> dict:
        """``GET /listSearchOptions/<itemtype>``: ``{"<id>": {name, table, field, uid ...}}``."""
        body = self.request("GET", f"/listSearchOptions/{itemtype}")
        return body if isinstance(body, dict) else {}

    # -- writes ------------------------------------------------------------------------------

    def add(self, itemtype: str, inputs: Mapping[str, Any] | list[Mapping[str, Any]]) -> Any:
        """``POST /<itemtype>/`` (never retried).

        :returns: the new id for one input; one :class:`ItemResult` per input for a list.
        :raises GlpiPartialError: some inputs of a list failed (``207``); see ``.results``.
        :raises GlpiBadRequestError: the (every) input failed; ``.is_duplicate`` tells a
            unique-key violation.
        """
        body = self.request("POST", f"/{itemtype}/", json={"input": inputs})
        if isinstance(inputs, list):
            return parse_item_results(body)
        result = ItemResult.parse(body)
        if not result.ok or result.id is None:
            raise GlpiBadRequestError(
                result.message or "GLPI added nothing",
                method="POST",
                path=f"/{itemtype}/",
                status=201,
                code="ERROR_GLPI_ADD",
            )
        return result.id

    def update(
        self,
        itemtype: str,
        id_or_inputs: int | list[Mapping[str, Any]],
        inputs: Mapping[str, Any] | None = None,
    ) -> list[ItemResult]:
        """``PUT /<itemtype>/<id>`` with ``inputs``, or ``PUT /<itemtype>/`` with inputs and ids.

        GLPI can answer 200 and still refuse a field (a rename to a taken
        login): the :class:`ItemResult` is ``ok`` with a ``message``; see
        :func:`~app.glpi.client.errors.refused_updates`. Retried like any PUT,
        except when the input adds rows (``_useremails`` ``-N`` keys).

        :raises GlpiBadRequestError: refused, unknown id (``ERROR_GLPI_UPDATE``),
            or GLPI reported nothing for the id (``200 [[]]``).
        :raises GlpiPartialError: some items of a list failed (``207``).
        """
        if isinstance(id_or_inputs, list):
            path, payload = f"/{itemtype}/", list(id_or_inputs)
        else:
            path, payload = f"/{itemtype}/{int(id_or_inputs)}", dict(inputs or {})
        body = self.request("PUT", path, json={"input": payload}, retry=not _adds_rows(payload))
        results = parse_item_results(body)
        if not isinstance(id_or_inputs, list):
            self._expect_item(results, int(id_or_inputs), "PUT", path, "ERROR_GLPI_UPDATE")
        return results

    def delete(
        self, itemtype: str, ids: int | list[int], *, force_purge: bool = False
    ) -> list[ItemResult]:
        """``DELETE`` one id (URL) or several (body); to the trash unless ``force_purge``.

        :raises GlpiBadRequestError: ``ERROR_GLPI_DELETE``, for a refusal or an
            unknown/already purged id alike (read the item to tell them apart).
        :raises GlpiPartialError: some ids of a list failed (``207``).
        """
        if isinstance(ids, list):
            path = f"/{itemtype}/"
            body = self.request(
                "DELETE",
                path,
                json={"input": [{"id": int(i)} for i in ids], "force_purge": bool(force_purge)},
            )
            return parse_item_results(body)
        path = f"/{itemtype}/{int(ids)}"
        params = {"force_purge": "true"} if force_purge else None
        results = parse_item_results(self.request("DELETE", path, params=params))
        self._expect_item(results, int(ids), "DELETE", path, "ERROR_GLPI_DELETE")
        return results

    @staticmethod
    def _expect_item(
        results: list[ItemResult], item_id: int, method: str, path: str, code: str
    ) -> None:
        for result in results:
            if result.id == item_id:
                if result.ok:
                    return
                raise GlpiBadRequestError(
                    result.message,
                    method=method,
                    path=endpoint_template(path),
                    status=200,
                    code=code,
                    results=results,
                )
        raise GlpiBadRequestError(
            f"GLPI reported no result for id {item_id}",
            method=method,
            path=endpoint_template(path),
            status=200,
            code=code,
            results=results,
        )
