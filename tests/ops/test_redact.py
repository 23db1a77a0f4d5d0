"""Redaction of secrets in log text, by pattern and by configured value."""

from __future__ import annotations

import logging

import pytest

from app.config import validate_config
from app.ops.logs import make_handler
from app.ops.redact import MASK
from app.ops.redact import Redactor
from app.ops.redact import config_secrets
from tests.ops.conftest import APP_TOKEN
from tests.ops.conftest import TOKEN
from tests.ops.conftest import USER_TOKEN
from tests.ops.conftest import make_settings

SECRET = "s3cr3t-VALUE-42xyz"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {SECRET}",
        f"authorization=Bearer {SECRET}",
        f"Authorization: user_token {SECRET}",
        f"Authorization: Basic {SECRET}",
        f"sent Bearer {SECRET} to the bridge",
        f"{{'Session-Token': '{SECRET}'}}",
        f'{{"Session-Token": "{SECRET}"}}',
        f"App-Token: {SECRET}",
        f"GET /apirest.php/initSession?user_token={SECRET}&get_full_session=true",
        f"app_token={SECRET}",
        f'{{"password": "{SECRET} with spaces"}}',
        f'{{"password2": "{SECRET}"}}',
        f"password={SECRET}",
        f"client_secret={SECRET}",
        f'{{"token": "{SECRET}"}}',
        f"tokens: {SECRET}",
        f"session_secret={SECRET}",
        f"X-Api-Token: {SECRET}",
        f"{{'client_secrets': ['{SECRET}']}}",
    ],
)
def test_patterns_hide_the_secret(text: str) -> None:
    out = Redactor().text(text)
    assert SECRET not in out
    assert MASK in out


@pytest.mark.parametrize(
    "text",
    [
        'GET /scim/v2/Users?filter=userName eq "jdoe" 200',
        "token bucket refilled",
        "user jdoe created in entity 0",
        "token_lifetime: 3600",
        "attributes changed: password, emails",
    ],
)
def test_innocent_text_is_kept(text: str) -> None:
    assert Redactor().text(text) == text


def test_configured_secrets_are_hidden_anywhere() -> None:
    settings = validate_config(make_settings(metrics={"token": "metrics-token-abcdef"}))
    redactor = Redactor(config_secrets(settings))
    for secret in (TOKEN, USER_TOKEN, APP_TOKEN, "metrics-token-abcdef"):
        assert secret in config_secrets(settings)
        out = redactor.text(f"free text {secret}, glued:{secret}.")
        assert secret not in out


def test_sha256_tokens_hide_their_digest() -> None:
    digest = "ab" * 32
    settings = validate_config(
        make_settings(
            tenants=[
                {
                    "name": "t",
                    "tokens": [f"sha256:{digest}"],
                    "glpi": {"url": "http://glpi/apirest.php", "user_token": USER_TOKEN},
                }
            ]
        )
    )
    assert digest not in Redactor(config_secrets(settings)).text(f"digest {digest}")


def test_structured_values_are_redacted_by_key() -> None:
    out = Redactor().value(
        {
            "headers": {"App-Token": SECRET, "Accept": "application/json"},
            "note": [f"Bearer {SECRET}"],
        }
    )
    assert out == {
        "headers": {"App-Token": MASK, "Accept": "application/json"},
        "note": [f"Bearer {MASK}"],
    }


def test_handler_redacts_message_args_extra_and_exception(capsys: pytest.CaptureFixture) -> None:
    logger = logging.getLogger("tests.ops.redact")
    handler = make_handler(Redactor([SECRET]))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "login with %s", SECRET, extra={"headers": {"Session-Token": "abcd1234efgh"}}
        )
        try:
            raise RuntimeError(f"GLPI refused user_token={SECRET}")
        except RuntimeError:
            logger.exception("call failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    out = capsys.readouterr().out
    assert out.count("\n") == 2
    assert SECRET not in out
    assert "abcd1234efgh" not in out
    assert "RuntimeError" in out
