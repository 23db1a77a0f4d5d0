"""GLPI down, slow or failing: typed errors within the timeouts, retries only where safe."""

from __future__ import annotations

import socket
import time

import pytest

from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.items import CallRecord
from app.glpi.client.items import GlpiClient


def _client(running, **options) -> GlpiClient:
    settings = {
        "app_token": running.app_token,
        "user_token": running.user_token,
        "backoff_base": 0.01,
        "connect_timeout": 1.0,
        "read_timeout": 5.0,
        "retries": 2,
    }
    settings.update(options)
    return GlpiClient(running.url, **settings)


def _records(client: GlpiClient) -> list[CallRecord]:
    records: list[CallRecord] = []
    client.hooks.append(records.append)
    return records


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_nobody_listening_gives_a_typed_error_after_the_retries() -> None:
    client = GlpiClient(
        f"http://127.0.0.1:{_free_port()}/apirest.php",
        user_token="t",
        backoff_base=0.01,
        connect_timeout=1.0,
        retries=2,
    )
    records = _records(client)
    started = time.monotonic()
    with pytest.raises(GlpiUnavailableError) as caught:
        client.get_item("User", 2)
    assert time.monotonic() - started < 3.0  # refused at once: never waits for the 1 s timeout x 3
    assert caught.value.status is None and caught.value.retry_after > 0
    assert "connection refused" in str(caught.value)
    assert [(r.endpoint, r.status) for r in records] == [("/initSession", None)] * 3
    client.close()


def test_a_stopped_simulator_gives_a_typed_error(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.stop()
    with pytest.raises(GlpiUnavailableError):
        client.get_item("User", 2)
    client.close()


def test_refused_connections_are_a_typed_error(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    records = _records(client)
    glpi_sim.sim.faults.refuse_connections = True
    with pytest.raises(GlpiUnavailableError):
        client.get_item("User", 2)
    assert [r.status for r in records] == [None, None, None]
    client.close()


def test_a_slow_glpi_fails_within_the_read_timeout_without_retry(glpi_sim) -> None:
    client = _client(glpi_sim, read_timeout=0.3)
    client.get_item("User", 2)
    records = _records(client)
    glpi_sim.sim.faults.delay_ms = 1500
    started = time.monotonic()
    with pytest.raises(GlpiUnavailableError) as caught:
        client.get_item("User", 2)
    elapsed = time.monotonic() - started
    glpi_sim.sim.faults.delay_ms = 0
    assert elapsed < 1.2  # the 1.5 s answer was not waited for
    assert "read timeout" in str(caught.value)
    assert [r.status for r in records] == [None]  # a read timeout is not replayed
    client.close()


def test_post_is_never_retried(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.reset_calls()
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 503
    with pytest.raises(GlpiUnavailableError) as caught:
        client.add("User", {"name": "never.twice"})
    assert caught.value.status == 503
    assert [(c.method, c.status) for c in glpi_sim.sim.calls] == [("POST", 503)]
    client.close()


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_is_retried_on_gateway_errors(glpi_sim, status: int) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.reset_calls()
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, status
    with pytest.raises(GlpiUnavailableError) as caught:
        client.get_item("User", 2)
    assert caught.value.status == status
    assert [(c.method, c.status) for c in glpi_sim.sim.calls] == [("GET", status)] * 3
    client.close()


def test_get_recovers_from_one_transient_503(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 503

    def heal(record: CallRecord) -> None:
        glpi_sim.sim.faults.error_rate = 0.0

    client.hooks.append(heal)
    glpi_sim.sim.reset_calls()
    assert client.get_item("User", 2)["name"] == "glpi"
    assert [c.status for c in glpi_sim.sim.calls] == [503, 200]
    client.close()


def test_a_500_is_not_retried(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.reset_calls()
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 500
    with pytest.raises(GlpiUnavailableError):
        client.get_item("User", 2)
    assert len(glpi_sim.sim.calls) == 1
    client.close()


def test_put_is_retried_unless_it_adds_rows(glpi_sim) -> None:
    client = _client(glpi_sim)
    client.get_item("User", 2)
    glpi_sim.sim.faults.error_rate, glpi_sim.sim.faults.error_status = 1.0, 503
    glpi_sim.sim.reset_calls()
    with pytest.raises(GlpiUnavailableError):
        client.update("User", 2, {"realname": "same"})
    plain = len(glpi_sim.sim.calls)
    glpi_sim.sim.reset_calls()
    with pytest.raises(GlpiUnavailableError):
        client.update("User", 2, {"_useremails": {"-1": "new@example.com"}})
    assert (plain, len(glpi_sim.sim.calls)) == (3, 1)
    client.close()


def test_hooks_see_every_exchange_with_templated_endpoints(glpi_sim) -> None:
    client = _client(glpi_sim, version="10")  # configured: no getGlpiConfig call
    records = _records(client)
    client.get_subitems("User", 2, "Profile_User")
    client.search("User", [{"field": 1, "searchtype": "contains", "value": "^glpi$"}], [2])
    assert [(r.method, r.endpoint, r.status) for r in records] == [
        ("GET", "/initSession", 200),
        ("GET", "/User/:id/Profile_User", 200),
        ("GET", "/search/User", 200),
    ]
    assert all(r.duration_ms >= 0 for r in records)
    client.close()


def test_a_broken_hook_does_not_break_the_call(glpi_sim) -> None:
    client = _client(glpi_sim)

    def broken(record: CallRecord) -> None:
        raise RuntimeError("metrics backend down")

    client.hooks.append(broken)
    assert client.get_item("User", 2)["name"] == "glpi"
    client.close()


def test_a_tls_failure_is_named_and_not_retried(glpi_sim) -> None:
    https_url = glpi_sim.url.replace("http://", "https://")
    client = GlpiClient(
        https_url, user_token="t", backoff_base=0.01, connect_timeout=1.0, retries=2
    )
    records = _records(client)
    with pytest.raises(GlpiUnavailableError) as caught:
        client.get_item("User", 2)
    assert "TLS handshake failed" in str(caught.value)
    assert len(records) == 1
    client.close()
