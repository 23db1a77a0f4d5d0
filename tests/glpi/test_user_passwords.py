"""GLPI's password refusals (policy, GLPI 11 history) read from its messages."""

from __future__ import annotations

import pytest

from app.glpi.users import password_refusals as up


@pytest.mark.parametrize(
    ("message", "reasons", "reused_only"),
    [
        ("Password was used too recently.", [up.REUSED], True),
        ("password was used too recently.", [up.REUSED], True),
        ("Password too short!", ["Password too short!"], False),
        (
            "Password too short!<br>Password was used too recently.",
            [up.REUSED, "Password too short!"],
            False,
        ),
        ("Password must include at least a symbol!", ["Password must include at least a symbol!"], False),
        ("You don't have permission to perform this action.", None, False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_reasons_are_glpi_sentences(message, reasons, reused_only):
    found = up.password_reasons(message)
    assert (sorted(found) if found else found) == (sorted(reasons) if reasons else reasons)
    assert up.only_reused(message) is reused_only


@pytest.mark.parametrize(
    ("config", "current_only"),
    [({}, True), ({"non_reusable_passwords_count": "1"}, True),
     ({"non_reusable_passwords_count": "0"}, True), ({"non_reusable_passwords_count": "2"}, False),
     ({"non_reusable_passwords_count": 5}, False)],
)
def test_history_length_decides_whether_a_reuse_is_the_held_password(config, current_only):
    assert up.history_checks_current_only(config) is current_only


def test_detail_names_glpi_reason_and_never_the_password():
    detail = up.refusal_detail([up.REUSED])
    assert detail.startswith("GLPI refused the password: Password was used too recently.")
    assert up.without_password({"password": "x", "password2": "x", "is_deleted": 0}) == {
        "is_deleted": 0
    }


POLICY = {
    "use_password_security": "1",
    "password_min_length": "8",
    "password_need_number": "1",
    "password_need_letter": "1",
    "password_need_caps": "1",
    "password_need_symbol": "1",
}


@pytest.mark.parametrize(
    ("password", "config", "reasons"),
    [
        ("Abcdef1!", POLICY, []),
        ("short", {**POLICY, "use_password_security": "0"}, []),
        ("Ab1!", POLICY, ["Password too short!"]),
        ("abcdefg1!", POLICY, ["Password must include at least a uppercase letter!"]),
        ("ABCDEFG1!", POLICY, ["Password must include at least a lowercase letter!"]),
        ("Abcdefgh!", POLICY, ["Password must include at least a digit!"]),
        ("Abcdefgh1", POLICY, ["Password must include at least a symbol!"]),
        # PHP's preg_match without /u: a non-ASCII character is a \W byte, not a letter
        ("Abcdefg1é", POLICY, []),
        ("ÉÉÉÉÉÉ1!", {**POLICY, "password_need_caps": "0"},
         ["Password must include at least a lowercase letter!"]),
        ("a_b_c_d_", {**POLICY, "password_need_caps": "0", "password_need_number": "0"},
         ["Password must include at least a symbol!"]),
        ("abcdefgh", {**POLICY, "password_min_length": "12", "password_need_caps": "0",
                      "password_need_number": "0", "password_need_symbol": "0"},
         ["Password too short!"]),
    ],
)
def test_policy_mirrors_glpi_validate_password(password, config, reasons):
    assert up.policy_reasons(password, config) == reasons
