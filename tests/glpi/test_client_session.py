"""Sessions over HTTP: lazy login, one re-login under 16 threads, credentials, secrets."""

from __future__ import annotations

import logging
import threading

import pytest

from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import GlpiSessionError
from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.items import GlpiClient
from app.glpi.client.session import clock_offset


def _client(running, **options) -> GlpiClient:
    settings = {
        "app_token": running.app_token,
        "user_token": running.user_token,
        "backoff_base": 0.01,
    }
    settings.update(options)
    return GlpiClient(running.url, **settings)


def _count(running, suffix: str, method: str | None = None) -> int:
    return sum(
        1
        for c in running.sim.calls
        if c.path.endswith(suffix) and (method is None or c.method == method)
    )


def test_session_starts_lazily_and_is_reused(glpi_sim) -> None:
    client = _client(glpi_sim)
    assert glpi_sim.sim.calls == []
    client.get_item("User", 2)
    client.get_item("User", 2)
    assert _count(glpi_sim, "/initSession") == 1
    assert _count(glpi_sim, "/User/2") == 2
    client.close()


def test_session_headers_and_no_stale_token_on_login(glpi_sim) -> None:
    client = _client(glpi_sim)
    seen: list[dict] = []
    original = client._http.request

    def spy(method, url, **kwargs):
        seen.append({"url": url, **kwargs["headers"]})
        return original(method, url, **kwargs)

    client._http.request = spy  # type: ignore[method-assign]
    client.get_item("User", 2)
    glpi_sim.sim.invalidate_sessions()
    client.get_item("User", 2)
    logins = [h for h in seen if h["url"].endswith("/initSession")]
    assert len(logins) == 2
    assert all("Session-Token" not in h for h in logins)
    assert all(h["Authorization"] == f"user_token {glpi_sim.user_token}" for h in logins)
    assert all(
        h["App-Token"] == glpi_sim.app_token and h["Accept"] == "application/json" for h in seen
    )
    client.close()


def test_expired_session_sixteen_threads_log_in_once(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.invalidate_sessions()
    glpi_sim.sim.reset_calls()
    barrier = threading.Barrier(16)
    names: list[str] = []
    failures: list[Exception] = []

    def work() -> None:
        barrier.wait()
        try:
            names.append(client.get_item("User", 2)["name"])
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert names == ["glpi"] * 16
    assert _count(glpi_sim, "/initSession") == 1
    assert client.session.logins == 2
    client.close()


def test_expired_session_replays_a_post_exactly_once(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.invalidate_sessions()
    glpi_sim.sim.reset_calls()
    uid = client.add("User", {"name": "replayed.user"})
    statuses = [
        c.status for c in glpi_sim.sim.calls if c.path.endswith("/User/") and c.method == "POST"
    ]
    assert statuses == [401, 201]
    assert [r["id"] for r in glpi_sim.sim.rows("User") if r["name"] == "replayed.user"] == [uid]
    client.close()


def test_a_session_refused_right_after_login_is_an_error_not_a_loop(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.hooks.append(
        lambda rec: glpi_sim.sim.invalidate_sessions() if rec.endpoint == "/initSession" else None
    )
    with pytest.raises(GlpiSessionError):
        client.get_item("User", 2)
    assert _count(glpi_sim, "/initSession") == 2
    client.close()


def test_kill_session_ends_it_on_glpi_and_the_next_call_logs_in(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    assert len(glpi_sim.sim.sessions) == 1
    client.kill_session()
    assert _count(glpi_sim, "/killSession") == 1
    assert glpi_sim.sim.sessions == {}
    client.get_item("User", 2)
    assert _count(glpi_sim, "/initSession") == 2
    client.close()
    assert glpi_sim.sim.sessions == {}


def test_refresh_session_is_rate_limited(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    assert client.refresh_session(min_age=3600) is False
    assert client.refresh_session(min_age=0) is True
    assert _count(glpi_sim, "/initSession") == 2
    client.close()


# -- glpi.session_max_age: GLPI freezes a session's entities at login ------------------------


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _clocked(running, **options) -> tuple[GlpiClient, FakeClock]:
    client = _client(running, **options)
    clock = FakeClock()
    client.session.clock = clock
    return client, clock


def test_a_session_older_than_the_max_age_logs_in_again_before_the_call(glpi_sim) -> None:
    client, clock = _clocked(glpi_sim, session_max_age=300)
    client.get_item("User", 2)
    first = client.session.current()[0]
    clock.now += 299
    glpi_sim.sim.reset_calls()
    client.get_item("User", 2)
    assert [p for _m, p, _s in _calls(glpi_sim)] == ["/User/2"]
    clock.now += 1
    glpi_sim.sim.reset_calls()
    client.get_item("User", 2)
    assert [(p, s) for _m, p, s in _calls(glpi_sim)] == [("/initSession", 200), ("/User/2", 200)]
    token = client.session.current()[0]
    assert token != first
    # the old session is left to GLPI's expiry, not killed: a thread may still be using it
    assert first in glpi_sim.sim.sessions
    clock.now += 299  # the age counts from the new login
    glpi_sim.sim.reset_calls()
    client.get_item("User", 2)
    assert [p for _m, p, _s in _calls(glpi_sim)] == ["/User/2"]
    client.close()


@pytest.mark.parametrize("max_age", [0, None])
def test_no_max_age_keeps_the_session(glpi_sim, max_age) -> None:
    client, clock = _clocked(glpi_sim, session_max_age=max_age)
    client.get_item("User", 2)
    clock.now += 10 * 86400
    client.get_item("User", 2)
    assert _count(glpi_sim, "/initSession") == 1
    client.close()


def test_the_default_max_age_is_300_seconds(glpi_sim) -> None:
    client = GlpiClient.from_config(
        {"url": glpi_sim.url, "app_token": glpi_sim.app_token, "user_token": glpi_sim.user_token}
    )
    assert client.session_max_age == 300
    client.close()


def test_sixteen_threads_past_the_max_age_log_in_once(glpi_sim) -> None:
    client, clock = _clocked(glpi_sim, session_max_age=300)
    client.get_item("User", 2)
    clock.now += 301
    glpi_sim.sim.reset_calls()
    barrier = threading.Barrier(16)
    failures: list[Exception] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                client.get_item("User", 2)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _count(glpi_sim, "/initSession") == 1
    assert _count(glpi_sim, "/User/2") == 48
    client.close()


def test_a_login_refused_at_the_max_age_is_the_calls_error(glpi_sim) -> None:
    """The bridge's account deactivated in GLPI: the live session would have gone on with
    its old rights; past the max age the next call fails on the login, naming it."""
    sim = glpi_sim.sim
    client, clock = _clocked(glpi_sim, session_max_age=300)
    own_id = client.session_identity()[0]
    sim.tables["User"][own_id]["is_active"] = 0
    client.get_item("User", 2)  # the live session still works
    clock.now += 300
    with pytest.raises(GlpiAuthError):
        client.get_item("User", 2)
    sim.tables["User"][own_id]["is_active"] = 1
    client.close()


def test_a_renewal_for_frozen_entities_only_for_a_limited_session_and_spaced(glpi_sim) -> None:
    """``renew_for_frozen_entities``: a session that saw every entity at login
    (``glpishowallentities``) searches them all, whatever was created since: no login. A
    session limited to a sub-entity logs in again, at most once per rights interval."""
    sim = glpi_sim.sim
    root, _ = _clocked(glpi_sim)
    root.get_item("User", 2)
    _new_entity(glpi_sim, "Tenant")
    assert root.renew_for_frozen_entities() is False
    tenant = max(sim.tables["Entity"])
    token = sim.add_user_token("tenant.admin", profile=4, entity=tenant, recursive=True)
    limited, clock = _clocked(glpi_sim, user_token=token)
    limited.get_item("User", 2)
    sim.reset_calls()
    assert limited.renew_for_frozen_entities() is True
    assert limited.renew_for_frozen_entities() is False  # within the interval
    clock.now += limited.rights_relogin_interval
    assert limited.renew_for_frozen_entities() is True
    assert [p for _m, p, _s in _calls(glpi_sim)] == ["/initSession", "/initSession"]
    root.close()
    limited.close()


# -- a refusal for rights after GLPI gained an entity (Session::canViewAllEntities counts) -----


def _new_entity(running, name: str = "Created later") -> int:
    """An entity added by GLPI's administrator in a session of its own."""
    admin = _client(running)
    try:
        return int(admin.add("Entity", {"name": name, "entities_id": 0}))
    finally:
        admin.close()


def _aged(client: GlpiClient, seconds: float) -> None:
    """Move the session's clock on by ``seconds`` (a long-lived session)."""
    clock = client.session.clock
    client.session.clock = lambda: clock() + seconds


def _calls(running) -> list[tuple[str, str, int | None]]:
    return [(c.method, c.path.split("apirest.php", 1)[-1], c.status) for c in running.sim.calls]


@pytest.mark.parametrize("session_age", [0, 11], ids=["young", "older"])
def test_a_purge_refused_after_a_new_entity_is_replayed_in_a_new_session(
    glpi_sim, session_age
) -> None:
    """A user recursive on the root has every entity, the new one included: an older session
    no longer has them all active, so GLPI refuses the purge until a new login. The session's
    age does not matter: no renewal for rights happened yet."""
    sim = glpi_sim.sim
    uid = sim.seed_user(name="purged.later", _profile=1, _entity=0, _recursive=1)
    client = _client(glpi_sim)
    client.get_item("User", uid)
    _new_entity(glpi_sim)
    _aged(client, session_age)
    sim.reset_calls()
    client.delete("User", uid, force_purge=True)
    assert _calls(glpi_sim) == [
        ("DELETE", f"/User/{uid}", 400),
        ("GET", "/initSession", 200),
        ("DELETE", f"/User/{uid}", 200),
    ]
    assert sim.tables["User"].get(uid) is None
    client.close()


def test_an_array_delete_every_item_refused_is_replayed_a_partial_one_never(glpi_sim) -> None:
    sim = glpi_sim.sim
    everywhere = [sim.seed_user(name=f"all.{k}", _entity=0, _recursive=1) for k in range(2)]
    root_only = sim.seed_user(name="root.only", _entity=0, _recursive=0)
    client = _client(glpi_sim)
    client.get_item("User", root_only)
    _new_entity(glpi_sim)
    _aged(client, 11)
    sim.reset_calls()
    with pytest.raises(GlpiPartialError) as partial:
        client.delete("User", [everywhere[0], root_only], force_purge=True)
    assert [r.ok for r in partial.value.results] == [False, True]
    assert _calls(glpi_sim) == [("DELETE", "/User/", 207)]
    sim.reset_calls()
    client.delete("User", everywhere, force_purge=True)
    assert _calls(glpi_sim) == [
        ("DELETE", "/User/", 400),
        ("GET", "/initSession", 200),
        ("DELETE", "/User/", 200),
    ]
    assert all(sim.tables["User"].get(u) is None for u in everywhere)
    client.close()


def test_a_user_of_a_new_entity_reads_after_one_new_login(glpi_sim) -> None:
    """GLPI hides an item of an entity created after the login (403) until a new session."""
    sim = glpi_sim.sim
    client = _client(glpi_sim)
    client.get_item("User", 2)
    entity = _new_entity(glpi_sim)
    uid = sim.seed_user(name="in.new.entity", _entity=entity)
    _aged(client, 11)
    sim.reset_calls()
    assert client.get_item("User", uid)["name"] == "in.new.entity"
    assert [(m, s) for m, _p, s in _calls(glpi_sim)] == [("GET", 403), ("GET", 200), ("GET", 200)]
    client.close()


def test_a_refusal_that_persists_logs_in_at_most_once_per_interval(glpi_sim) -> None:
    """A genuine refusal (GLPI's account deleting itself, recorded as 07_user_delete's
    ``DELETE /User/2``) is raised as before. It costs one login and one replay, and nothing
    more within the interval that follows that login."""
    sim = glpi_sim.sim
    client = _client(glpi_sim)
    own_id = client.session_identity()[0]
    _aged(client, 11)
    sim.reset_calls()
    for _ in range(3):
        with pytest.raises(GlpiBadRequestError) as refused:
            client.delete("User", own_id)
        assert (refused.value.status, refused.value.code, refused.value.message) == (
            400, "ERROR_GLPI_DELETE", "You don't have permission to perform this action."
        )
    assert _calls(glpi_sim) == [
        ("DELETE", f"/User/{own_id}", 400),
        ("GET", "/initSession", 200),
        ("DELETE", f"/User/{own_id}", 400),
        ("DELETE", f"/User/{own_id}", 400),
        ("DELETE", f"/User/{own_id}", 400),
    ]
    _aged(client, 11)  # the next interval: one login again
    sim.reset_calls()
    with pytest.raises(GlpiBadRequestError):
        client.delete("User", own_id)
    assert [p for _m, p, _s in _calls(glpi_sim)].count("/initSession") == 1
    client.close()


@pytest.mark.parametrize(
    ("options", "code", "credential"),
    [
        ({"app_token": "wrong-app-token"}, "ERROR_WRONG_APP_TOKEN_PARAMETER", "glpi.app_token"),
        ({"app_token": None}, "ERROR_APP_TOKEN_PARAMETERS_MISSING", "glpi.app_token"),
        ({"user_token": "wrong-user-token"}, "ERROR_GLPI_LOGIN_USER_TOKEN", "glpi.user_token"),
        (
            {"user_token": None, "login": "glpi", "password": "wrong"},
            "ERROR_GLPI_LOGIN",
            "glpi.login/glpi.password",
        ),
        (
            {"user_token": None},
            "ERROR_LOGIN_PARAMETERS_MISSING",
            "glpi.user_token or glpi.login/glpi.password",
        ),
    ],
)
def test_a_refused_login_names_the_wrong_credential(
    glpi_sim, options: dict, code: str, credential: str
) -> None:
    client = _client(glpi_sim, **options)
    with pytest.raises(GlpiAuthError) as caught:
        client.get_item("User", 2)
    assert (caught.value.code, caught.value.credential) == (code, credential)
    client.close()


def test_basic_login_works(glpi_sim) -> None:
    client = _client(glpi_sim, user_token=None, login="glpi", password="glpi")
    assert client.auth_mode == "login/password"
    assert client.get_item("User", 2)["name"] == "glpi"
    client.close()


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_version_is_detected_once_or_configured(glpi_sim, glpi_version: str) -> None:
    detected = _client(glpi_sim)
    assert detected.version == glpi_version
    assert detected.version_string.startswith(glpi_version + ".")
    assert detected.version == glpi_version
    assert _count(glpi_sim, "/getGlpiConfig") == 1
    forced = _client(glpi_sim, version="10" if glpi_version == "11" else "11")
    assert forced.version != glpi_version
    assert _count(glpi_sim, "/getGlpiConfig") == 1
    detected.close()
    forced.close()


def test_secrets_never_reach_logs_errors_or_reprs(
    glpi_sim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    client = _client(glpi_sim, retries=1)
    client.get_item("User", 2)
    session_tokens = list(glpi_sim.sim.sessions)
    glpi_sim.sim.invalidate_sessions()
    client.get_item("User", 2)
    session_tokens += list(glpi_sim.sim.sessions)
    texts += [repr(client), repr(client.session), str(client.session)]
    for bad in (
        _client(glpi_sim, app_token="app-secret-wrong"),
        _client(glpi_sim, user_token="user-secret-wrong"),
        _client(glpi_sim, user_token=None, login="glpi", password="pass-secret-wrong"),
    ):
        with pytest.raises(GlpiError) as caught:
            bad.get_item("User", 2)
        texts += [str(caught.value), repr(caught.value), repr(bad)]
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 503
    with pytest.raises(GlpiUnavailableError) as caught:
        client.get_item("User", 2)
    texts += [str(caught.value), repr(caught.value)]
    client.close()
    blob = "\n".join(texts + [r.getMessage() for r in caplog.records])
    secrets = [
        glpi_sim.app_token,
        glpi_sim.user_token,
        "app-secret-wrong",
        "user-secret-wrong",
        "pass-secret-wrong",
        *session_tokens,
    ]
    assert len(session_tokens) == 2
    assert [s for s in secrets if s in blob] == []
    assert "GLPI" in blob


@pytest.mark.parametrize(
    ("glpi_time", "sent", "received", "offset"),
    [
        ("2026-12-04 10:00:00", 1796378400.2, 1796378400.4, 0.0),  # same clock
        ("2026-12-04 10:00:00", 1796378400.9, 1796378401.1, 0.0),  # a second boundary
        # GLPI on UTC+2; never ahead of its clock, so up to a second behind
        ("2026-12-04 12:00:00", 1796378400.2, 1796378400.4, 7199.0),
        ("2026-12-04 05:00:07", 1796378400.2, 1796378400.4, -17994.0),  # UTC-5, 7 s ahead
        ("not a time", 1796378400.2, 1796378400.4, 0.0),
        (None, 1796378400.2, 1796378400.4, 0.0),
    ],
)
def test_clock_offset_follows_glpis_clock_and_time_zone(glpi_time, sent, received, offset):
    assert clock_offset(glpi_time, sent, received) == offset
