"""Configuration loading: precedence, env overrides, secret files, error reporting."""

from __future__ import annotations

import hashlib

import pytest

from app.config import ConfigError
from app.config import env_overrides
from app.config import iter_schema_keys
from app.config import load_config

SECRET_USER_TOKEN = "user-token-ABCDEF0123456789-should-never-print"
SECRET_BEARER = "bearer-token-0123456789abcdef-never-print"


def tenant(**extra: object) -> dict:
    base = {
        "name": "main",
        "tokens": [SECRET_BEARER],
        "glpi": {"url": "http://glpi.example/apirest.php", "user_token": SECRET_USER_TOKEN},
    }
    base.update(extra)
    return base


def test_minimal_config_gets_defaults() -> None:
    config = load_config(environ={}, overrides={"tenants": [tenant()]})
    t = config["tenants"][0]
    assert t["entity"] == {"id": 0, "recursive": True}
    assert t["deprovisioning"] == "trash"
    assert t["glpi"]["timeouts"] == {"connect": 3.05, "read": 30.0}
    assert config["scim"]["max_results"] == 200
    assert config["redis"]["url"] is None


def test_every_error_is_reported_at_once_with_key_paths() -> None:
    bad = {
        "server": {"workers": 0},
        "scim": {"unknown_attributes": "maybe"},
        "tenants": [
            {"name": "bad name!", "tokens": ["short"], "glpi": {"url": "nope"}, "deprovisioning": "shred"},
        ],
        "surprise": 1,
    }
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides=bad)
    paths = set(info.value.errors)
    assert {
        "server.workers",
        "scim.unknown_attributes",
        "tenants.0.name",
        "tenants.0.tokens.0",
        "tenants.0.glpi.url",
        "tenants.0.deprovisioning",
        "tenants.0.glpi.user_token",
        "surprise",
    } <= paths


def test_tenants_are_required_and_unique() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={})
    assert "tenants" in info.value.errors
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [tenant(), tenant()]})
    assert info.value.errors["tenants"] == ["tenant names must be unique"]


def test_environment_overrides_file_values(tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "server:\n  workers: 2\n"
        "tenants:\n"
        "  - name: main\n"
        f"    tokens: [{SECRET_BEARER}]\n"
        "    glpi: {url: 'http://file.example/apirest.php', user_token: from-file}\n"
    )
    environ = {
        "GLPISCIM_SERVER__WORKERS": "5",
        "GLPISCIM_TENANTS__0__GLPI__USER_TOKEN": "12345",
        "GLPISCIM_TENANTS__0__ENTITY__RECURSIVE": "false",
        "GLPISCIM_TENANTS__0__TOKENS": '["token-one-0123456789", "token-two-0123456789"]',
        "UNRELATED": "x",
    }
    config = load_config(path, environ=environ)
    t = config["tenants"][0]
    assert config["server"]["workers"] == 5
    assert t["glpi"]["user_token"] == "12345"  # numeric-looking secrets stay strings
    assert t["glpi"]["url"] == "http://file.example/apirest.php"
    assert t["entity"]["recursive"] is False
    assert t["tokens"] == ["token-one-0123456789", "token-two-0123456789"]


def test_config_path_from_environment(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("tenants: []\n")
    with pytest.raises(ConfigError) as info:
        load_config(environ={"GLPISCIM_CONFIG": str(path)})
    assert "tenants" in info.value.errors


def test_explicit_overrides_win_over_environment() -> None:
    config = load_config(
        environ={"GLPISCIM_SCIM__MAX_RESULTS": "50"},
        overrides={"scim": {"max_results": 75}, "tenants": [tenant()]},
    )
    assert config["scim"]["max_results"] == 75


def test_secrets_from_files(tmp_path) -> None:
    (tmp_path / "user_token").write_text(SECRET_USER_TOKEN + "\n")
    (tmp_path / "app_token").write_text("app-token-from-file\n")
    (tmp_path / "tokens").write_text("first-token-0123456789\n\nsecond-token-0123456789\n")
    t = {
        "name": "main",
        "tokens_file": str(tmp_path / "tokens"),
        "glpi": {
            "url": "http://glpi.example/apirest.php",
            "user_token_file": str(tmp_path / "user_token"),
            "app_token_file": str(tmp_path / "app_token"),
        },
    }
    config = load_config(environ={}, overrides={"tenants": [t]})
    got = config["tenants"][0]
    assert got["glpi"]["user_token"] == SECRET_USER_TOKEN
    assert got["glpi"]["app_token"] == "app-token-from-file"
    assert got["tokens"] == ["first-token-0123456789", "second-token-0123456789"]


def test_unreadable_secret_file_is_reported(tmp_path) -> None:
    t = tenant()
    t["glpi"] = {"url": "http://glpi.example/apirest.php", "user_token_file": str(tmp_path / "missing")}
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [t]})
    assert "tenants.0.glpi.user_token_file" in info.value.errors


def test_secrets_are_never_echoed_in_errors() -> None:
    """Validation errors name the key, never the value."""
    bad = tenant(deprovisioning=SECRET_USER_TOKEN)
    bad["glpi"] = {"url": SECRET_USER_TOKEN, "user_token": SECRET_USER_TOKEN, "retries": SECRET_BEARER}
    bad["tokens"] = [SECRET_BEARER, "x" * 15]
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [bad]})
    text = str(info.value) + repr(info.value.errors)
    assert SECRET_USER_TOKEN not in text
    assert SECRET_BEARER not in text
    assert "x" * 15 not in text
    assert "tenants.0.glpi.retries" in info.value.errors


def test_hashed_tokens_are_validated() -> None:
    digest = hashlib.sha256(b"a-long-enough-token").hexdigest()
    config = load_config(environ={}, overrides={"tenants": [tenant(tokens=[f"sha256:{digest}"])]})
    assert config["tenants"][0]["tokens"] == [f"sha256:{digest}"]
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [tenant(tokens=["sha256:abc"])]})
    assert "tenants.0.tokens.0" in info.value.errors


def test_invalid_yaml_is_reported_with_its_line(tmp_path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("tenants:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    assert "line" in info.value.errors["<file>"][0]


def test_env_override_builds_lists_by_index() -> None:
    tree = env_overrides({"GLPISCIM_TENANTS__1__NAME": "second", "GLPISCIM_TENANTS__0__NAME": "first"})
    assert tree == {"tenants": [{"name": "first"}, {"name": "second"}]}


def test_every_key_is_described() -> None:
    missing = [path for path, meta in iter_schema_keys() if not meta.get("description")]
    assert missing == []


@pytest.mark.parametrize(
    ("mapping", "path"),
    [
        ({"user": {"userName": "realname"}}, "tenants.0.mapping.user"),
        ({"user": {"noSuchAttribute": "phone"}}, "tenants.0.mapping.user"),
        ({"group": {"externalId": "name"}}, "tenants.0.mapping.group"),
        ({"group": {"displayName": "code"}}, "tenants.0.mapping.group"),
    ],
)
def test_mapping_overrides_are_checked_at_load(mapping: dict, path: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [tenant(mapping=mapping)]})
    assert any(key.startswith(path) for key in info.value.errors), info.value.errors


def test_valid_mapping_overrides_load() -> None:
    config = load_config(environ={}, overrides={"tenants": [tenant(mapping={
        "user": {"title": None}, "group": {"externalId": "comment"}})]})
    assert config["tenants"][0]["mapping"]["group"] == {"externalId": "comment"}


def test_membership_settings_have_measured_defaults() -> None:
    config = load_config(environ={}, overrides={"tenants": [tenant()]})
    assert config["tenants"][0]["groups"]["membership"] == {
        "chunk_rows": 50,
        "concurrency": 4,
        "time_budget_seconds": 45.0,
    }


@pytest.mark.parametrize(
    ("membership", "glpi", "path", "message"),
    [
        ({"chunk_rows": 0}, {}, "tenants.0.groups.membership.chunk_rows", "greater than or equal to 1"),
        ({"chunk_rows": 1001}, {}, "tenants.0.groups.membership.chunk_rows", "less than or equal to 1000"),
        ({"concurrency": 0}, {}, "tenants.0.groups.membership.concurrency", "greater than or equal to 1"),
        ({"concurrency": 11}, {}, "tenants.0.groups.membership.concurrency",
         "must be at most glpi.pool_size (10)"),
        ({"concurrency": 4}, {"pool_size": 3}, "tenants.0.groups.membership.concurrency",
         "must be at most glpi.pool_size (3)"),
        ({"time_budget_seconds": 0}, {}, "tenants.0.groups.membership.time_budget_seconds",
         "greater than or equal to 0.1"),
        ({"rows": 5}, {}, "tenants.0.groups.membership.rows", "Unknown field"),
    ],
)
def test_membership_settings_are_validated_with_key_paths(membership, glpi, path, message) -> None:
    t = tenant(groups={"membership": membership})
    t["glpi"].update(glpi)
    with pytest.raises(ConfigError) as info:
        load_config(environ={}, overrides={"tenants": [t]})
    assert list(info.value.errors) == [path]
    assert message in info.value.errors[path][0]


def test_membership_concurrency_may_equal_the_pool() -> None:
    t = tenant(groups={"membership": {"concurrency": 3}})
    t["glpi"]["pool_size"] = 3
    config = load_config(environ={}, overrides={"tenants": [t]})
    assert config["tenants"][0]["groups"]["membership"]["concurrency"] == 3
