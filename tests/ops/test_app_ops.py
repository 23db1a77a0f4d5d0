"""The ops layer on a bare app: health, metrics, request ids, access lines, limits, proxy."""

from __future__ import annotations

import json
import time

import pytest

from app.scim.constants import ERROR_SCHEMA
from app.scim.errors import UnavailableError
from tests.ops.conftest import OTHER_TOKEN
from tests.ops.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def access_lines(out: str) -> list[dict]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "glpi_scim_bridge.access"]


def metric_value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_healthz_needs_no_token_and_does_no_io(app_factory) -> None:
    app = app_factory()
    storage = app.extensions["tenants"].get("acme").storage
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert storage.pings == 0


def test_readyz_reports_each_tenant_and_caches(app_factory) -> None:
    app = app_factory()
    storage = app.extensions["tenants"].get("acme").storage
    client = app.test_client()
    first = client.get("/readyz")
    second = client.get("/readyz")
    assert first.status_code == 200
    assert first.json == {
        "status": "ready",
        "tenants": {"acme": {"status": "ok", "glpi_version": "10.0.12"}},
    }
    assert second.json == first.json
    assert storage.pings == 1


def test_readyz_names_the_failing_tenant_without_secrets(app_factory) -> None:
    app = app_factory()
    storage = app.extensions["tenants"].get("acme").storage
    storage.fail = UnavailableError("GLPI http://127.0.0.1:9/apirest.php refused user_token=xyz")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json == {
        "status": "unavailable",
        "tenants": {"acme": {"status": "fail", "reason": "UnavailableError"}},
    }
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_readyz_times_out_a_hanging_tenant(app_factory, monkeypatch) -> None:
    from app.ops import health

    app = app_factory()
    storage = app.extensions["tenants"].get("acme").storage
    storage.ping = lambda: time.sleep(3)
    app.extensions["readiness"] = health.Readiness(timeout=0.2)
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json["tenants"]["acme"] == {"status": "fail", "reason": "timeout"}


def test_metrics_are_open_by_default_and_count_scim_requests(app_factory) -> None:
    client = app_factory().test_client()
    before = metric_value(
        client.get("/metrics").get_data(as_text=True),
        "scim_requests_total",
        resource="User",
        method="GET",
        status="200",
        tenant="acme",
    )
    client.get("/scim/v2/Users", headers=AUTH)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert (
        metric_value(
            text, "scim_requests_total", resource="User", method="GET", status="200", tenant="acme"
        )
        == before + 1
    )
    assert (
        metric_value(
            text,
            "scim_request_duration_seconds_count",
            resource="User",
            method="GET",
            tenant="acme",
        )
        >= 1
    )


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer wrong-metrics-token", 401),
        ("Bearer metrics-token-0123456789", 200),
    ],
)
def test_metrics_token(app_factory, header: str | None, status: int) -> None:
    client = app_factory(metrics={"token": "metrics-token-0123456789"}).test_client()
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == status


def test_metrics_can_be_disabled(app_factory) -> None:
    assert app_factory(metrics={"enabled": False}).test_client().get("/metrics").status_code == 404


def test_request_id_is_honoured_and_logged(app_factory, capsys) -> None:
    client = app_factory().test_client()
    response = client.get("/scim/v2/Users", headers={**AUTH, "X-Request-Id": "idp-req-42"})
    assert response.headers["X-Request-Id"] == "idp-req-42"
    [line] = access_lines(capsys.readouterr().out)
    assert line["request_id"] == "idp-req-42"
    assert line["tenant"] == "acme"
    assert line["operation"] == "GET /scim/v2/Users"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert TOKEN not in json.dumps(line)


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "bad id with spaces", "<script>"])
def test_request_id_is_generated_when_absent_or_unsafe(app_factory, capsys, incoming) -> None:
    headers = {"X-Request-Id": incoming} if incoming is not None else {}
    response = app_factory().test_client().get("/healthz", headers=headers)
    generated = response.headers["X-Request-Id"]
    assert generated != incoming
    assert len(generated) == 32
    assert access_lines(capsys.readouterr().out)[0]["request_id"] == generated


def test_access_log_can_be_turned_off(app_factory, capsys) -> None:
    app_factory(server={"access_log": False}).test_client().get("/healthz")
    assert access_lines(capsys.readouterr().out) == []


def test_declared_oversized_body_gets_413_scim_error(app_factory) -> None:
    client = app_factory(server={"max_body_bytes": 2048}).test_client()
    response = client.post("/scim/v2/Users", data=b"x" * 4096, headers=AUTH)
    assert response.status_code == 413
    assert response.content_type == "application/scim+json"
    assert response.json["schemas"] == [ERROR_SCHEMA]
    assert response.json["status"] == "413"


def test_rate_limit_gives_429_with_integer_retry_after(app_factory) -> None:
    app = app_factory(
        tenants=[
            {
                "name": "acme",
                "tokens": [TOKEN],
                "rate_limit": {"requests_per_second": 0.5, "burst": 3},
                "glpi": {"url": "http://127.0.0.1:9/apirest.php", "user_token": "u" * 20},
            }
        ]
    )
    client = app.test_client()
    statuses = [client.get("/scim/v2/Users", headers=AUTH).status_code for _ in range(3)]
    refused = client.get("/scim/v2/Users", headers=AUTH)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.content_type == "application/scim+json"
    assert refused.json["schemas"] == [ERROR_SCHEMA]
    assert refused.json["status"] == "429"
    text = client.get("/metrics").get_data(as_text=True)
    assert metric_value(text, "rate_limited_total", tenant="acme") >= 1
    assert metric_value(text, "scim_requests_total", tenant="acme", status="429") >= 1


def test_rate_limit_is_per_tenant(app_factory) -> None:
    limit = {"requests_per_second": 0.1, "burst": 1}
    glpi = {"url": "http://127.0.0.1:9/apirest.php", "user_token": "u" * 20}
    app = app_factory(
        tenants=[
            {"name": "acme", "tokens": [TOKEN], "rate_limit": limit, "glpi": glpi},
            {"name": "other", "tokens": [OTHER_TOKEN], "rate_limit": limit, "glpi": glpi},
        ]
    )
    client = app.test_client()
    assert client.get("/scim/v2/Users", headers=AUTH).status_code == 200
    assert client.get("/scim/v2/Users", headers=AUTH).status_code == 429
    other = {"Authorization": f"Bearer {OTHER_TOKEN}"}
    assert client.get("/scim/v2/Users", headers=other).status_code == 200


def test_health_is_never_rate_limited(app_factory) -> None:
    app = app_factory(
        tenants=[
            {
                "name": "acme",
                "tokens": [TOKEN],
                "rate_limit": {"requests_per_second": 0.1, "burst": 1},
                "glpi": {"url": "http://127.0.0.1:9/apirest.php", "user_token": "u" * 20},
            }
        ]
    )
    client = app.test_client()
    assert [client.get("/healthz", headers=AUTH).status_code for _ in range(5)] == [200] * 5


@pytest.mark.parametrize(
    ("enabled", "expected"),
    [(False, "http://localhost/who"), (True, "https://bridge.example.org/who")],
)
def test_forwarded_headers_only_with_proxy_fix(app_factory, enabled: bool, expected: str) -> None:
    app = app_factory(server={"proxy_fix": {"enabled": enabled}})

    @app.get("/who")
    def who():
        from flask import request

        return {"url": request.url}

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bridge.example.org"}
    assert app.test_client().get("/who", headers=headers).json["url"] == expected


def test_with_redis_the_rate_limit_holds_across_apps(app_factory, redis_url: str) -> None:
    tenants = [
        {
            "name": f"acme{time.time_ns()}",
            "tokens": [TOKEN],
            "rate_limit": {"requests_per_second": 0.1, "burst": 2},
            "glpi": {"url": "http://127.0.0.1:9/apirest.php", "user_token": "u" * 20},
        }
    ]
    first = app_factory(tenants=tenants, redis={"url": redis_url}).test_client()
    second = app_factory(tenants=tenants, redis={"url": redis_url}).test_client()
    statuses = [c.get("/scim/v2/Users", headers=AUTH).status_code for c in (first, second, first)]
    assert statuses == [200, 200, 429]
    assert second.get("/readyz").json["redis"] == {"status": "ok"}


def test_glpi_calls_relogins_and_caches_are_counted(app_factory) -> None:
    from types import SimpleNamespace

    from app.ops.metrics import glpi_call_hook
    from app.ops.metrics import record_glpi_relogin
    from app.ops.shared import LocalShared

    client = app_factory().test_client()
    text = client.get("/metrics").get_data(as_text=True)
    calls = metric_value(
        text, "glpi_calls_total", tenant="acme", endpoint="/User/:id/UserEmail", status="200"
    )
    failures = metric_value(
        text, "glpi_calls_total", tenant="acme", endpoint="/search/User", status="error"
    )
    relogins = metric_value(text, "glpi_relogins_total", tenant="acme")
    hits = metric_value(text, "cache_lookups_total", cache="acme:ids", result="hit")
    misses = metric_value(text, "cache_lookups_total", cache="acme:ids", result="miss")

    hook = glpi_call_hook("acme")
    hook(SimpleNamespace(endpoint="/initSession", method="GET", status=200, duration_ms=5.0))
    hook(SimpleNamespace(endpoint="/User/12/UserEmail", method="GET", status=200, duration_ms=12.5))
    hook(SimpleNamespace(endpoint="/search/User", method="GET", status=None, duration_ms=3000.0))
    hook(SimpleNamespace(endpoint="/initSession", method="GET", status=401, duration_ms=5.0))
    hook(SimpleNamespace(endpoint="/initSession", method="GET", status=200, duration_ms=5.0))
    record_glpi_relogin("acme")
    cache = LocalShared().cache("acme:ids")
    cache.get("jdoe")
    cache.set("jdoe", 1)
    cache.get("jdoe")

    text = client.get("/metrics").get_data(as_text=True)
    assert (
        metric_value(
            text, "glpi_calls_total", tenant="acme", endpoint="/User/:id/UserEmail", status="200"
        )
        == calls + 1
    )
    assert (
        metric_value(
            text, "glpi_calls_total", tenant="acme", endpoint="/search/User", status="error"
        )
        == failures + 1
    )
    assert (
        metric_value(
            text, "glpi_call_duration_seconds_count", tenant="acme", endpoint="/search/User"
        )
        >= 1
    )
    assert metric_value(text, "glpi_relogins_total", tenant="acme") == relogins + 2
    assert metric_value(text, "cache_lookups_total", cache="acme:ids", result="hit") == hits + 1
    assert metric_value(text, "cache_lookups_total", cache="acme:ids", result="miss") == misses + 1


@pytest.mark.parametrize(("size", "status"), [(2048, 200), (2049, 413), (100000, 413)])
def test_chunked_body_is_bounded_like_a_declared_one(app_factory, size: int, status: int) -> None:
    import io
    import sys

    app = app_factory(server={"max_body_bytes": 2048})
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/scim/v2/Users",
        "SERVER_NAME": "bridge",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.input": io.BytesIO(b"x" * size),
        "wsgi.input_terminated": True,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
    }
    seen: list[str] = []
    body = b"".join(app(environ, lambda line, headers: seen.append(line)))
    assert seen == [f"{status} {'OK' if status == 200 else 'REQUEST ENTITY TOO LARGE'}"]
    if status == 413:
        assert json.loads(body)["status"] == "413"
        assert environ["wsgi.input"].getbuffer().nbytes == 2049
