"""Talking to GLPI within one shared session: transport, retries, login, single-flight re-login.

:class:`GlpiSession` owns one ``requests.Session`` (only the connection
pool, sized from ``glpi.pool_size``; cookies are refused) and is shared by
every thread of a process. Every call has connect/read timeouts, JSON
headers, the ``App-Token`` when one is configured, and ends in a
:class:`CallRecord` given to each hook in :attr:`GlpiSession.hooks` (call
counting in tests, metrics). Failures become the typed errors of
:mod:`app.glpi.client.errors`.

GLPI's only reliable signal that a session expired is
``401 ERROR_SESSION_TOKEN_INVALID`` (sessions are PHP session files whose
lifetime is not deterministic, see ``glpi-api.md`` §1.5). When that happens
to 16 threads at once, exactly one of them must log in again: every login
writes ``last_login``, logs an event and may replay authorization rules, and
an ``initSession`` sent *with* the stale token would destroy a session other
threads still use. :class:`SessionToken` keeps ``(token, generation)`` as one
tuple, replaced atomically. A thread that saw generation ``g`` fail calls
:meth:`SessionToken.renew` with ``g``; under the lock, only the first caller
whose ``g`` is still current logs in, and every later caller finds a newer
generation and reuses its token (or re-raises its failure, so a wrong
credential does not cause 16 logins either).
"""

from __future__ import annotations

import base64
import calendar
import copy
import http.client
import http.cookiejar
import logging
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from app.glpi.client.errors import DEFAULT_RETRY_AFTER
from app.glpi.client.errors import PARTIAL_CODES
from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiResponseError
from app.glpi.client.errors import GlpiSessionError
from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.errors import error_from_response
from app.glpi.client.errors import refused_for_rights

#: Longest response header line accepted from GLPI. GLPI answers a fully
#: successful array POST with a ``link`` header listing the URL of every new
#: row (``API::createItems``): about 50 bytes per row, so 1,300 new rows (a
#: large group's memberships) exceed ``http.client``'s 64 KiB line limit and
#: the answer is dropped as ``LineTooLong`` although GLPI stored every row.
#: 4 MiB covers about 80,000 new rows.
MAX_HEADER_LINE = 4 * 1024 * 1024

if getattr(http.client, "_MAXLINE", MAX_HEADER_LINE) < MAX_HEADER_LINE:
    http.client._MAXLINE = MAX_HEADER_LINE

log = logging.getLogger(__name__)

#: Methods replayed on connection errors and 502/503/504. GLPI applies a PUT
#: of the same values, or a DELETE, twice with the same end state; a POST
#: would create a second row, so it is never retried.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})

#: Seconds between two logins caused by a refusal for rights (see
#: :meth:`GlpiSession.request_with_headers`). The refusal it cures comes from
#: an entity created after the login, which is rare, and the first such refusal
#: is cured at once, whatever the session's age; a genuine refusal (a user the
#: account may really not delete) persists, and then costs at most one
#: ``initSession`` per 10 s per process (each writes ``last_login`` and an event
#: in GLPI), never a login per request.
RIGHTS_RELOGIN_INTERVAL = 10.0

#: Default of ``glpi.session_max_age``: seconds after which a call logs in again first.
#: GLPI 10.0.12 and 11.0.6 freeze a session's active entities at login; a session whose
#: account did not see every entity then (``glpishowallentities`` 0: an account limited
#: to a sub-entity) has every ``/search`` restricted to that frozen list, so a user put in a
#: sub-entity created later stays out of every filter until a new login. 300 s bounds that
#: (and the life of rights revoked from the bridge's account, which GLPI never re-reads in
#: a live session) for one ``initSession`` per 5 minutes per process and tenant: 25 ms on
#: GLPI 10.0.12, 42 ms on 11.0.6 (measured on the kit). Entra's incremental cycle (40 min)
#: then always sees the user; Okta's push just after an admin moved a user may not.
SESSION_MAX_AGE = 300.0

_ERRNO_RE = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange with GLPI, as given to hooks.

    :ivar endpoint: the path with ids replaced, e.g. ``/User/:id/UserEmail``.
    :ivar status: HTTP status, or None when no answer came.
    """

    endpoint: str
    method: str
    status: int | None
    duration_ms: float


def endpoint_template(path: str) -> str:
    """Return ``path`` with numeric segments replaced by ``:id`` (bounded label set)."""
    return "/".join(":id" if seg.isdigit() else seg for seg in path.split("?", 1)[0].split("/"))


def _transport_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.ReadTimeout):
        return "read timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (check GLPI's certificate or glpi.verify_tls)"
    match = _ERRNO_RE.search(str(exc))
    if match:
        return match.group(1).strip().lower()
    return f"connection error ({type(exc).__name__})"


def _retry_after(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


#: Clock differences below this are the measure's own error (GLPI's time has whole seconds).
CLOCK_TOLERANCE = 2.0


def clock_offset(glpi_time: Any, sent: float, received: float) -> float:
    """Seconds to add to the bridge's UTC clock to get GLPI's ``Y-m-d H:i:s`` time.

    ``glpi_time`` is the session's ``glpi_currenttime``: GLPI's time (in its own time zone,
    as it writes dates) when it handled the ``initSession`` sent at ``sent`` and answered by
    ``received`` (epoch seconds). The lowest offset those allow is taken (GLPI's whole
    second, at the answer's arrival), so that a time estimated with it is never ahead of
    GLPI's clock: a date the bridge writes never follows one GLPI stamps later. Under
    :data:`CLOCK_TOLERANCE` the clocks are the same.
    """
    try:
        parsed = time.strptime(str(glpi_time).strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return 0.0
    offset = calendar.timegm(parsed) - received
    return float(math.floor(offset)) if abs(offset) >= CLOCK_TOLERANCE else 0.0


def _ca_bundle() -> str | bool:
    """The CA bundle requests would take from the environment, else its default (True)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


class GlpiSession:
    """Transport and session of one tenant's GLPI, safe to share between threads.

    :class:`app.glpi.client.items.GlpiClient` adds the item-level calls.

    :param url: base URL ending in ``/apirest.php`` (or ``/api.php/v1`` on 11).
    :param app_token: the API client's App-Token; sent only when set.
    :param user_token: API token of the bridge's account; or ``login`` and
        ``password`` for HTTP Basic.
    :param retries: extra attempts of idempotent calls.
    :param backoff_base: first backoff in seconds (doubled per attempt, full jitter).
    """

    def __init__(
        self,
        url: str,
        *,
        app_token: str | None = None,
        user_token: str | None = None,
        login: str | None = None,
        password: str | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 30.0,
        retries: int = 2,
        verify_tls: bool = True,
        pool_size: int = 10,
        backoff_base: float = 0.2,
        backoff_max: float = 2.0,
        session_max_age: float | None = SESSION_MAX_AGE,
        name: str = "glpi",
    ):
        self.base_url = url.rstrip("/")
        self.name = name
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.hooks: list[Callable[[CallRecord], None]] = []
        self._app_token = app_token or None
        self._user_token = user_token or None
        self._basic = (login, password) if login and password and not self._user_token else None
        self._http = requests.Session()
        # The environment is read once, here. With trust_env, requests re-reads
        # it on every call (a scan of os.environ for proxies, a stat of
        # ~/.netrc): a quarter of its CPU per call. A ~/.netrc entry for GLPI's
        # host would even replace the user_token Authorization of initSession.
        self._http.trust_env = False
        self._http.proxies = requests.utils.get_environ_proxies(self.base_url)
        self._http.verify = _ca_bundle() if verify_tls else False
        self._http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, pool_block=False)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._identity: tuple[int, str | None] | None = None
        self._views_all: bool | None = None
        self._clock_offset = 0.0
        self.session = SessionToken(self._init_session, self._kill_session)
        self.rights_relogin_interval = RIGHTS_RELOGIN_INTERVAL
        #: Seconds after which a call logs in again first (None or 0: no limit).
        self.session_max_age = session_max_age or None

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(name={self.name!r}, url={self.base_url!r}, auth={self.auth_mode!r})"

    @property
    def auth_mode(self) -> str:
        """``user_token``, ``login/password`` or ``none`` (never the values)."""
        if self._user_token:
            return "user_token"
        return "login/password" if self._basic else "none"

    # -- transport ---------------------------------------------------------------------------

    def _headers(self, session_token: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._app_token:
            headers["App-Token"] = self._app_token
        if session_token:
            headers["Session-Token"] = session_token
        return headers

    def _emit(self, record: CallRecord) -> None:
        for hook in list(self.hooks):
            try:
                hook(record)
            except Exception:  # a broken metrics hook must not fail a provisioning call
                log.exception("GLPI call hook failed")

    def _backoff(self, attempt: int, hint: int | None) -> float:
        delay = random.uniform(0, min(self.backoff_max, self.backoff_base * (2**attempt)))
        if hint is not None:
            delay = max(delay, min(float(hint), self.backoff_max))
        return delay

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str],
        retry: bool,
    ) -> requests.Response:
        """One logical call: the HTTP exchange plus retries on transport errors and 502/503/504."""
        endpoint = endpoint_template(path)
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                response = self._http.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                self._emit(
                    CallRecord(endpoint, method, None, (time.perf_counter() - started) * 1000)
                )
                reason = _transport_reason(exc)
                retriable = not isinstance(
                    exc, (requests.ReadTimeout, requests.exceptions.SSLError)
                )
                if retriable and attempt + 1 < attempts:
                    log.warning("GLPI %s %s: %s; retrying", method, endpoint, reason)
                    time.sleep(self._backoff(attempt, None))
                    continue
                raise GlpiUnavailableError(
                    f"GLPI unreachable: {reason}",
                    method=method,
                    path=endpoint,
                    retry_after=DEFAULT_RETRY_AFTER,
                ) from None
            elapsed = (time.perf_counter() - started) * 1000
            self._emit(CallRecord(endpoint, method, response.status_code, elapsed))
            log.debug(
                "GLPI %s %s -> %s in %.1f ms", method, endpoint, response.status_code, elapsed
            )
            if response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                log.warning("GLPI %s %s: HTTP %s; retrying", method, endpoint, response.status_code)
                time.sleep(self._backoff(attempt, _retry_after(response)))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for(self, method: str, path: str, response: requests.Response, body: Any) -> None:
        status = response.status_code
        head = body[0] if isinstance(body, list) and body else None
        partial = status == 207 and isinstance(head, str) and head in PARTIAL_CODES
        if status >= 400 or partial:
            raise error_from_response(
                method, endpoint_template(path), status, body, _retry_after(response)
            )

    # -- session -----------------------------------------------------------------------------

    def _init_session(self) -> str:
        headers = self._headers(None)
        if self._user_token:
            headers["Authorization"] = f"user_token {self._user_token}"
        elif self._basic:
            raw = f"{self._basic[0]}:{self._basic[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        # get_full_session: the account's id and login come with the login, for
        # free (GLPI 10.0 and 11.0), so keeping it out of SCIM costs no call.
        sent = time.time()
        response = self._send(
            "GET", "/initSession", params={"get_full_session": "true"}, headers=headers, retry=True
        )
        received = time.time()
        body = _body(response)
        try:
            self._raise_for("GET", "/initSession", response, body)
        except GlpiAuthError as exc:
            exc.credential = self._credential_for(exc.code)
            raise
        token = body.get("session_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise GlpiResponseError(
                "initSession answered without a session_token",
                method="GET",
                path="/initSession",
                status=response.status_code,
            )
        full = body.get("session") if isinstance(body, dict) else None
        if isinstance(full, dict) and str(full.get("glpiID") or "").isdigit():
            self._identity = (int(full["glpiID"]), str(full.get("glpiname") or "") or None)
        if isinstance(full, dict) and "glpishowallentities" in full:
            self._views_all = str(full["glpishowallentities"]) in ("1", "True", "true")
        if isinstance(full, dict) and received - sent <= CLOCK_TOLERANCE:
            # A slow (retried) login measures nothing: the last offset is kept.
            self._clock_offset = clock_offset(full.get("glpi_currenttime"), sent, received)
        log.info("GLPI session started for tenant %s", self.name)
        return token

    def glpi_now(self) -> str:
        """GLPI's current time as GLPI writes it (``2026-11-28 20:50:29``): the bridge's clock
        moved by the offset measured at login (:func:`clock_offset`), so it follows GLPI's
        clock and time zone, whatever the bridge's."""
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + self._clock_offset))

    def session_identity(self) -> tuple[int, str | None] | None:
        """``(glpiID, glpiname)`` of the account, as ``initSession`` gave it (logs in if needed).

        None when GLPI did not send the session with the token.
        """
        self.session.current()
        return self._identity

    def _credential_for(self, code: str | None) -> str:
        """Name the setting behind an initSession refusal, given how we logged in."""
        if code in ("ERROR_APP_TOKEN_PARAMETERS_MISSING", "ERROR_WRONG_APP_TOKEN_PARAMETER"):
            return "glpi.app_token"
        if code == "ERROR_NOT_ALLOWED_IP":
            return "the GLPI API client's IP range"
        if code == "ERROR_GLPI_LOGIN_USER_TOKEN":
            return "glpi.user_token"
        if code == "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED":
            return "glpi.login/glpi.password (GLPI refuses credential logins; use glpi.user_token)"
        if code == "ERROR_GLPI_LOGIN":
            if self._user_token:
                return "the account of glpi.user_token (deactivated, deleted or without a profile)"
            return "glpi.login/glpi.password"
        return "glpi.user_token or glpi.login/glpi.password"

    def _kill_session(self, token: str) -> None:
        try:
            response = self._send("GET", "/killSession", headers=self._headers(token), retry=False)
            if response.status_code >= 400:
                log.info("GLPI killSession answered %s", response.status_code)
        except GlpiError as exc:
            log.info("GLPI killSession failed: %s", exc)

    def kill_session(self) -> None:
        """End the GLPI session (``killSession``); the next call logs in again."""
        self.session.close()

    def close(self) -> None:
        """End the session and release the pooled connections (process shutdown)."""
        self.kill_session()
        self._http.close()

    def renew_for_frozen_entities(self) -> bool:
        """Log in again because a search may have missed a row of an entity created since the
        login (single-flight; spaced like the renewals for rights, which it shares).

        GLPI restricts a session's searches to the entities frozen at its login, unless the
        account saw every entity then (``glpishowallentities``, which ``Search``'s default
        WHERE tests, not the live count): such a session's searches miss nothing, and it is
        not renewed. So is a session renewed for rights or for this within
        :attr:`rights_relogin_interval`.

        :returns: True when a new session (this call's or a concurrent one's) may see more.
        """
        if self._views_all:
            return False
        return self.session.renew_for_rights(
            self.rights_relogin_interval, self.session.generation
        )

    def refresh_session(self, min_age: float = 60.0) -> bool:
        """Log in again when the session is older than ``min_age`` seconds (single-flight).

        GLPI 10.0.12 and 11 freeze the active entities when a session starts:
        an entity created later is invisible (``403``) until a new session.
        :meth:`request_with_headers` does this itself after a refusal for
        rights; ``min_age`` bounds it to one re-login per interval, so a
        genuine rights problem cannot turn into a login storm.
        """
        return self.session.renew_if_older(min_age)

    # -- calls -------------------------------------------------------------------------------

    def request(self, method: str, path: str, **options: Any) -> Any:
        """Call ``path`` (e.g. ``/User/5``) within the session and return the decoded body.

        ``options`` (``params``, ``json``, ``retry``): see :meth:`request_with_headers`.
        """
        return self.request_with_headers(method, path, **options)[0]

    def request_with_headers(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        retry: bool | None = None,
    ) -> tuple[Any, Mapping[str, str]]:
        """Call ``path`` (e.g. ``/User/5``) within the session: ``(decoded body, headers)``.

        :param retry: replay on connection errors and 502/503/504; defaults
            to True for idempotent methods. POST is never replayed.
        :raises GlpiError: a typed subclass chosen by GLPI's error code.

        On ``401 ERROR_SESSION_TOKEN_INVALID`` the session is renewed once
        (single-flight across threads) and the call replayed once: GLPI
        rejects an invalid token before doing any work, so this replay is
        safe even for a POST.

        A session older than :attr:`session_max_age` is replaced first (one
        ``initSession``, single-flight: see :meth:`SessionToken.current`), so
        that the entities GLPI froze at its login are never older than that.

        On a refusal for rights of the **whole** call (see
        :func:`app.glpi.client.errors.refused_for_rights`: ``403 ERROR_RIGHT_MISSING``,
        or ``400 ERROR_GLPI_ADD/UPDATE/DELETE`` whose every item is "You don't
        have permission to perform this action."), the session is renewed
        once (unless a refusal already renewed it within
        :attr:`rights_relogin_interval`) and the call replayed once. GLPI
        10.0.12 and 11.0.6 freeze a session's active entities at login, and
        decide "can view all entities" by counting them:
        ``Session::canViewAllEntities()`` is ``countElementsInTable("glpi_entities") ==
        count($_SESSION["glpiactiveentities"])``. So once an administrator
        creates any entity, an older session no longer "sees all": purging or
        trashing a user (``User::canDeleteItem()``: ``canViewAllEntities() ||
        haveAccessToAllOfEntities($this->getEntities())``) is refused as soon
        as the user's entities include the new one (a profile row recursive
        on a parent), and items in the new entity are invisible (``403``),
        until a new login. GLPI checks rights before it writes, so such an
        answer wrote nothing and the replay is safe for any method; a ``207``
        partial answer is never replayed. A refusal that persists after the
        new session is GLPI's real answer, raised as before.
        """
        method = method.upper()
        may_retry = method in IDEMPOTENT_METHODS if retry is None else (retry and method != "POST")
        token, generation = self.session.current(self.session_max_age)
        renewed_expired = renewed_for_rights = False
        while True:
            response = self._send(
                method,
                path,
                params=params,
                json=json,
                headers=self._headers(token),
                retry=may_retry,
            )
            body = _body(response)
            if _session_expired(response.status_code, body):
                if renewed_expired:
                    raise GlpiSessionError(
                        "session refused right after a new login",
                        method=method,
                        path=endpoint_template(path),
                        status=401,
                        code="ERROR_SESSION_TOKEN_INVALID",
                    )
                renewed_expired = True
                log.info("GLPI session expired for tenant %s; logging in again", self.name)
                token, generation = self.session.renew(generation)
                continue
            if (
                not renewed_for_rights
                and refused_for_rights(response.status_code, body)
                and self.session.renew_for_rights(self.rights_relogin_interval, generation)
            ):
                renewed_for_rights = True
                log.info(
                    "GLPI refused %s %s for rights (tenant %s); replaying it in a new session,"
                    " which sees the entities created since the last login",
                    method,
                    endpoint_template(path),
                    self.name,
                )
                token, generation = self.session.current()
                continue
            self._raise_for(method, path, response, body)
            return body, response.headers


def _session_expired(status: int, body: Any) -> bool:
    """GLPI's only reliable signal that a session expired: ``401 ERROR_SESSION_TOKEN_INVALID``."""
    return (
        status == 401
        and isinstance(body, list)
        and bool(body)
        and body[0] == "ERROR_SESSION_TOKEN_INVALID"
    )


class SessionToken:
    """Thread-safe holder of one GLPI session token.

    :param login: performs ``initSession`` and returns the new token; it
        must not send any old ``Session-Token``.
    :param logout: performs ``killSession`` for a token (errors ignored by
        the caller of :meth:`close`).
    :param clock: seconds of a monotonic clock; the age of the session
        (:meth:`renew_if_older`) is measured with it.
    """

    def __init__(
        self,
        login: Callable[[], str],
        logout: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ):
        self._login = login
        self.clock = clock
        self._logout = logout
        self._lock = threading.Lock()
        self._state: tuple[str | None, int] = (None, 0)
        self._failure: GlpiError | None = None
        self._started = 0.0
        self._rights_renewed_at: float | None = None
        self.logins = 0

    def __repr__(self) -> str:
        token, generation = self._state
        return f"SessionToken(active={token is not None}, generation={generation})"

    @property
    def generation(self) -> int:
        return self._state[1]

    @property
    def active(self) -> bool:
        return self._state[0] is not None

    def current(self, max_age: float | None = None) -> tuple[str, int]:
        """Return ``(token, generation)``, logging in first when there is no session yet,
        or when it started ``max_age`` seconds ago or more.

        Single-flight: of the threads that find the session too old, the first logs in
        (:meth:`renew` with the generation they saw) and the others reuse its token. The
        old session is not killed: a thread may still be using it, and GLPI expires it.
        """
        token, generation = self._state
        if token is None:
            return self.renew(generation)
        if max_age and self.clock() - self._started >= max_age:
            log.info("GLPI session older than %s s; logging in again", max_age)
            return self.renew(generation)
        return token, generation

    def renew(self, seen_generation: int) -> tuple[str, int]:
        """Replace the token of generation ``seen_generation`` by a fresh one.

        :raises GlpiError: the login failed (in this thread, or in the
            thread that logged in while this one waited).
        """
        with self._lock:
            token, generation = self._state
            if generation != seen_generation:
                if token is not None:
                    return token, generation
                if self._failure is not None:
                    raise copy.copy(self._failure)
            self.logins += 1
            try:
                new_token = self._login()
            except GlpiError as exc:
                self._state = (None, generation + 1)
                self._failure = exc
                raise
            self._failure = None
            self._started = self.clock()
            self._state = (new_token, generation + 1)
            return new_token, generation + 1

    def renew_if_older(self, min_age: float, seen_generation: int | None = None) -> bool:
        """Renew the session when it started more than ``min_age`` seconds ago.

        :param seen_generation: the generation a failed call used; when a newer
            session exists already, it is reused (no login).
        :returns: True when this call (or a concurrent one) started a new session.
        """
        token, generation = self._state
        if seen_generation is not None and generation != seen_generation:
            return True
        if token is not None and self.clock() - self._started < min_age:
            return False
        with self._lock:
            if self._state[1] != generation:
                return True
        self.renew(generation)
        return True

    def renew_for_rights(self, interval: float, seen_generation: int) -> bool:
        """Renew the session after GLPI refused a call for rights, at most once per ``interval``.

        The interval runs from the last renewal made for rights, not from the login:
        a session of any age meeting an entity created after it is renewed at once,
        and a refusal that persists costs at most one login per interval.

        :param seen_generation: the generation the refused call used; when a newer
            session exists already, it is reused (no login).
        :returns: True when this call (or a concurrent one) started a new session.
        """
        if self._state[1] != seen_generation:
            return True
        with self._lock:
            if self._state[1] != seen_generation:
                return True
            now = self.clock()
            if self._rights_renewed_at is not None and now - self._rights_renewed_at < interval:
                return False
            self._rights_renewed_at = now
        self.renew(seen_generation)
        return True

    def close(self) -> None:
        """End the session on GLPI (``killSession``) and forget the token."""
        with self._lock:
            token, generation = self._state
            self._state = (None, generation + 1)
            self._failure = None
        if token is not None:
            self._logout(token)
