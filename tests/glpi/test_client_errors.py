"""GLPI errors typed by code; per-item results; the single-flight token state."""

from __future__ import annotations

import threading
import time

import pytest

from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import GlpiRangeError
from app.glpi.client.errors import GlpiRightError
from app.glpi.client.errors import GlpiSessionError
from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.errors import ItemResult
from app.glpi.client.errors import error_from_response
from app.glpi.client.errors import is_duplicate_entry
from app.glpi.client.errors import parse_item_results
from app.glpi.client.errors import refused_for_rights
from app.glpi.client.errors import refused_updates
from app.glpi.client.session import SessionToken
from app.glpi.client.session import endpoint_template

DUP_10 = "Duplicate entry '80-17' for key 'unicity'"
DUP_11 = (
    "MySQL query error: Duplicate entry '58-9' for key 'unicity' (1062) in SQL query "
    "\"INSERT INTO `glpi_groups_users` (`users_id`, `groups_id`) VALUES ('58', '9')\"."
)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (404, ["ERROR_ITEM_NOT_FOUND", "Item not found"], GlpiNotFoundError),
        (
            404,
            ["ERROR_ITEM_NOT_FOUND", "Élément introuvable"],
            GlpiNotFoundError,
        ),  # translated message
        (
            403,
            ["ERROR_RIGHT_MISSING", "You don't have permission to perform this action."],
            GlpiRightError,
        ),
        (401, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"], GlpiSessionError),
        (
            400,
            ["ERROR_SESSION_TOKEN_MISSING", "parameter session_token is missing"],
            GlpiSessionError,
        ),
        (401, ["ERROR_GLPI_LOGIN_USER_TOKEN", "parameter user_token seems invalid"], GlpiAuthError),
        (401, ["ERROR_GLPI_LOGIN", "Incorrect username or password"], GlpiAuthError),
        (400, ["ERROR_APP_TOKEN_PARAMETERS_MISSING", "missing parameter app_token"], GlpiAuthError),
        (
            400,
            ["ERROR_WRONG_APP_TOKEN_PARAMETER", "parameter app_token seems wrong"],
            GlpiAuthError,
        ),
        (400, ["ERROR_LOGIN_PARAMETERS_MISSING", "parameter(s) login ..."], GlpiAuthError),
        (400, ["ERROR_GLPI_ADD", "Unable to add. The user already exists."], GlpiBadRequestError),
        (400, ["ERROR_GLPI_UPDATE", None], GlpiBadRequestError),
        (400, ["ERROR_GLPI_DELETE", "Item not found"], GlpiBadRequestError),  # by code: not a 404
        (
            400,
            ["ERROR_BAD_ARRAY", "input parameter must be an array of objects"],
            GlpiBadRequestError,
        ),
        (400, ["ERROR", "Bad field ID in search criteria"], GlpiBadRequestError),
        (
            400,
            ["ERROR_RANGE_EXCEED_TOTAL", "Provided range exceed total count of data: 23"],
            GlpiRangeError,
        ),
        (207, ["ERROR_GLPI_PARTIAL_ADD", [{"id": 3, "message": "ok"}]], GlpiPartialError),
        (500, ["ERROR_SQL", "Unexpected SQL Error"], GlpiUnavailableError),
        (503, "Service Unavailable", GlpiUnavailableError),
        (404, "<html>Not Found</html>", GlpiNotFoundError),
    ],
)
def test_error_class_is_chosen_by_code(status: int, body, cls: type[GlpiError]) -> None:
    error = error_from_response("GET", "/User/:id", status, body)
    assert type(error) is cls
    assert error.status == status
    if isinstance(body, list):
        assert error.code == body[0]


def test_auth_error_names_the_credential_from_the_code() -> None:
    wrong_app = error_from_response(
        "GET", "/initSession", 400, ["ERROR_WRONG_APP_TOKEN_PARAMETER", "x"]
    )
    wrong_user = error_from_response(
        "GET", "/initSession", 401, ["ERROR_GLPI_LOGIN_USER_TOKEN", "x"]
    )
    assert (wrong_app.credential, wrong_user.credential) == ("app_token", "user_token")


def test_error_text_has_method_path_status_code_and_message() -> None:
    error = error_from_response(
        "PUT", "/User/:id", 400, ["ERROR_GLPI_UPDATE", "Error: the two passwords do not match"]
    )
    assert (
        str(error)
        == "GLPI PUT /User/:id 400 ERROR_GLPI_UPDATE: Error: the two passwords do not match"
    )
    assert "ERROR_GLPI_UPDATE" in repr(error)


def test_unavailable_error_keeps_the_retry_after_hint() -> None:
    assert error_from_response("GET", "/x", 503, "busy", retry_after=17).retry_after == 17
    assert error_from_response("GET", "/x", 502, "busy").retry_after == 5


def test_bulk_failure_lists_items_and_detects_duplicates() -> None:
    body = ["ERROR_GLPI_ADD", [{"id": False, "message": DUP_11}, {"id": False, "message": "nope"}]]
    error = error_from_response("POST", "/Group_User/", 400, body)
    assert isinstance(error, GlpiBadRequestError)
    assert [r.ok for r in error.results] == [False, False]
    assert error.is_duplicate


def test_partial_add_is_parsed_item_by_item() -> None:
    body = [
        "ERROR_GLPI_PARTIAL_ADD",
        [
            {"id": 24, "message": "Item successfully added: scim.multi1"},
            {"id": False, "message": "Unable to add. The user already exists."},
            {"id": 25, "message": "Item successfully added: Three"},
        ],
    ]
    error = error_from_response("POST", "/User/", 207, body)
    assert isinstance(error, GlpiPartialError)
    assert [(r.ok, r.id) for r in error.results] == [(True, 24), (False, None), (True, 25)]
    assert [r.id for r in error.succeeded] == [24, 25]
    assert error.message == "Unable to add. The user already exists."


def test_partial_delete_uses_id_keys() -> None:
    body = [
        "ERROR_GLPI_PARTIAL_DELETE",
        [{"72": True, "message": ""}, {"999999": False, "message": "Item not found"}],
    ]
    error = error_from_response("DELETE", "/User/", 207, body)
    assert [(r.ok, r.id, r.message) for r in error.results] == [
        (True, 72, ""),
        (False, 999999, "Item not found"),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([{"69": True, "message": ""}], [ItemResult(True, 69, "")]),
        (
            [{"69": True, "message": "Unable to update login. A user already exists."}],
            [ItemResult(True, 69, "Unable to update login. A user already exists.")],
        ),
        ([[]], [ItemResult(False, None, "")]),  # PUT without any id: nothing was done
        ([], []),  # DELETE with inputs lacking an id
        (
            {"id": 5, "message": "Item successfully added: x"},
            [ItemResult(True, 5, "Item successfully added: x")],
        ),
        ([{"id": False, "message": None}], [ItemResult(False, None, "")]),
    ],
)
def test_parse_item_results(body, expected) -> None:
    assert parse_item_results(body) == expected


def test_refused_updates_reports_200_with_a_message() -> None:
    results = parse_item_results(
        [
            {"69": True, "message": ""},
            {"70": True, "message": "The login is not valid. Unable to update login."},
            {"71": False, "message": ""},
        ]
    )
    assert [r.id for r in refused_updates(results)] == [70, 71]


@pytest.mark.parametrize(
    ("message", "duplicate"),
    [
        (DUP_10, True),
        (DUP_11, True),
        ("", False),
        (None, False),
        ("Unable to add. The user already exists.", False),
    ],
)
def test_duplicate_entry_in_both_versions(message, duplicate: bool) -> None:
    assert is_duplicate_entry(message) is duplicate


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/User/12", "/User/:id"),
        ("/User/12/UserEmail", "/User/:id/UserEmail"),
        ("/search/User", "/search/User"),
        ("/initSession", "/initSession"),
    ],
)
def test_endpoint_template(path: str, template: str) -> None:
    assert endpoint_template(path) == template


def test_concurrent_renewals_of_one_generation_log_in_once() -> None:
    logins: list[int] = []

    def login() -> str:
        logins.append(1)
        time.sleep(0.2)
        return f"token-{len(logins)}"

    holder = SessionToken(login, lambda token: None)
    token, generation = holder.current()
    barrier = threading.Barrier(16)
    seen: list[str] = []

    def expired() -> None:
        barrier.wait()
        seen.append(holder.renew(generation)[0])

    threads = [threading.Thread(target=expired) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(logins) == 2  # the first session, then exactly one re-login
    assert seen == ["token-2"] * 16


def test_waiters_share_a_failed_login_instead_of_retrying_it() -> None:
    calls: list[int] = []

    def login() -> str:
        calls.append(1)
        time.sleep(0.2)
        raise GlpiAuthError("bad", code="ERROR_GLPI_LOGIN_USER_TOKEN", status=401)

    holder = SessionToken(login, lambda token: None)
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def use() -> None:
        barrier.wait()
        try:
            holder.current()
        except GlpiAuthError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(calls) == 1
    assert len(errors) == 8


def test_close_logs_out_once_and_forgets_the_token() -> None:
    killed: list[str] = []
    holder = SessionToken(lambda: "tok", killed.append)
    holder.current()
    holder.close()
    holder.close()
    assert killed == ["tok"]
    assert not holder.active
    assert "tok" not in repr(holder)


def test_messages_are_unescaped_for_display() -> None:
    added = ItemResult.parse(
        {"id": 7, "message": "Item successfully added: R&amp;D &lt;Team&gt; O&#039;Neil"}
    )
    assert added.message == "Item successfully added: R&D <Team> O'Neil"
    error = error_from_response("POST", "/User/", 400, ["ERROR_GLPI_ADD", "a &#60;b&#62;"])
    assert error.message == "a <b>"


NO_RIGHT = "You don't have permission to perform this action."


@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        # the single-item forms of GLPI 10.0.12 and 11.0.6 (recorded: 07_user_delete)
        (400, ["ERROR_GLPI_DELETE", NO_RIGHT], True),
        (400, ["ERROR_GLPI_UPDATE", NO_RIGHT], True),
        (400, ["ERROR_GLPI_ADD", NO_RIGHT], True),
        (400, ["ERROR_GLPI_DELETE", "You don&#039;t have permission to perform this action."], True),
        # the array form: every item refused for rights
        (400, ["ERROR_GLPI_DELETE", [{"130": False, "message": NO_RIGHT}]], True),
        (400, ["ERROR_GLPI_ADD", [{"id": False, "message": NO_RIGHT}] * 2], True),
        # a read GLPI hides: 403
        (403, ["ERROR_RIGHT_MISSING", NO_RIGHT], True),
        # not a refusal for rights, or not of the whole call
        (400, ["ERROR_GLPI_DELETE", "Item not found"], False),
        (400, ["ERROR_GLPI_DELETE", [{"130": False, "message": NO_RIGHT},
                                     {"131": False, "message": "Item not found"}]], False),
        (400, ["ERROR_GLPI_DELETE", [{"130": True, "message": NO_RIGHT}]], False),
        (400, ["ERROR_GLPI_DELETE", []], False),
        (207, ["ERROR_GLPI_PARTIAL_DELETE", [{"130": False, "message": NO_RIGHT},
                                             {"131": True, "message": ""}]], False),
        (400, ["ERROR_GLPI_UPDATE", "Password was used too recently."], False),
        (400, ["ERROR_BAD_ARRAY", NO_RIGHT], False),
        (401, ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"], False),
        (403, ["ERROR_SOMETHING_ELSE", NO_RIGHT], False),
        (200, [{"130": True, "message": ""}], False),
        (400, NO_RIGHT, False),
        (400, None, False),
    ],
)
def test_refused_for_rights_only_when_the_whole_call_was(status: int, body, refused: bool) -> None:
    assert refused_for_rights(status, body) is refused


def test_renew_if_older_reuses_a_newer_session_and_measures_age_with_its_clock() -> None:
    now = [100.0]
    logins: list[int] = []

    def login() -> str:
        logins.append(1)
        return f"token-{len(logins)}"

    token = SessionToken(login, lambda _t: None, clock=lambda: now[0])
    first, generation = token.current()
    assert token.renew_if_older(10.0, generation) is False  # too young: no login
    now[0] += 10.5
    assert token.renew_if_older(10.0, generation) is True
    assert token.current()[0] == "token-2"
    # a call that failed with the old generation reuses the new session, without a login
    assert token.renew_if_older(10.0, generation) is True
    assert len(logins) == 2
    assert token.renew_if_older(10.0, token.generation) is False
