"""GLPI failures become SCIM errors in one place, never as 404 or 401."""

from __future__ import annotations

import pytest

from app.glpi.backend import scim_error
from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiRightError
from app.glpi.client.errors import GlpiSessionError
from app.glpi.client.errors import GlpiUnavailableError


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (GlpiUnavailableError("down", retry_after=7), 503),
        (GlpiSessionError("session"), 503),
        (GlpiAuthError("bad", code="ERROR_GLPI_LOGIN_USER_TOKEN"), 502),
        (GlpiRightError("no right"), 502),
        (GlpiNotFoundError("gone", method="GET", path="/User/3"), 502),
        (GlpiBadRequestError("refused", method="PUT", path="/User/3"), 502),
    ],
)
def test_status_of_each_glpi_failure(error, status):
    assert scim_error(error).status == status


def test_unavailable_carries_retry_after():
    assert scim_error(GlpiUnavailableError("down", retry_after=7)).headers["Retry-After"] == "7"


def test_auth_error_names_the_setting_not_the_secret():
    detail = scim_error(GlpiAuthError("x", code="ERROR_GLPI_LOGIN_USER_TOKEN")).detail
    assert "user_token" in detail


def test_sql_text_is_cut_from_glpi_messages():
    error = GlpiBadRequestError(
        "MySQL query error: Data too long for column 'name' at row 1 (1406) in SQL query "
        "\"INSERT INTO `glpi_users` (`name`) VALUES ('secret')\"",
        method="POST",
        path="/User/",
    )
    detail = scim_error(error).detail
    assert "INSERT" not in detail and "secret" not in detail
    assert "Data too long for column 'name'" in detail
