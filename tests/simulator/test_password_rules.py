"""Passwords: GLPI 11's history (recorded in ``21_password_history``) and the password
security policy, modelled from GLPI's source (``Config::validatePassword`` on 10,
``User::validatePassword`` on 11): the kit runs with the policy off, so it is not recorded."""

from __future__ import annotations

import pytest

from app.simulator.state import hash_password
from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")

POLICY = {"min_length": 10, "need_number": True, "need_letter": True, "need_caps": True,
          "need_symbol": True}


def _user(glpi_sim, glpi: Glpi, password: str) -> int:
    answer = glpi.post(
        "User", {"input": {"name": "pw.rules", "password": password, "password2": password}}
    )
    assert answer.status_code == 201
    return answer.json()["id"]


def _stored(glpi_sim, uid: int) -> dict:
    return next(r for r in glpi_sim.sim.rows("User") if r["id"] == uid)


def test_the_held_password_is_refused_on_11_and_dropped_on_10(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    uid = _user(glpi_sim, glpi, "Same-1!")
    before = _stored(glpi_sim, uid)
    answer = glpi.put(f"User/{uid}", {"input": {"realname": "R", "password": "Same-1!",
                                                "password2": "Same-1!"}})
    after = _stored(glpi_sim, uid)
    assert after["password"] == before["password"] == hash_password("Same-1!")
    if glpi_sim.sim.version == "11":
        assert answer.status_code == 400
        assert answer.json() == ["ERROR_GLPI_UPDATE", "Password was used too recently."]
        assert after["realname"] is None
    else:
        assert answer.status_code == 200
        assert answer.json() == [{str(uid): True, "message": ""}]
        assert after["realname"] == "R"
        assert after["password_last_update"] == before["password_last_update"]


def test_a_password_the_policy_refuses_on_update(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    uid = _user(glpi_sim, glpi, "Strong-Pass-1!")
    glpi_sim.sim.password_policy = POLICY
    answer = glpi.put(f"User/{uid}", {"input": {"realname": "R", "password": "weakpass",
                                                "password2": "weakpass"}})
    after = _stored(glpi_sim, uid)
    assert after["password"] == hash_password("Strong-Pass-1!")
    # GLPI's API shows only the last message: the last rule that failed.
    last = "Password must include at least a symbol!"
    if glpi_sim.sim.version == "11":
        assert answer.json() == ["ERROR_GLPI_UPDATE", last]
        assert after["realname"] is None
    else:
        assert answer.json() == [{str(uid): True, "message": last}]
        assert after["realname"] == "R"


def test_history_is_the_last_message_when_both_refuse(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    uid = _user(glpi_sim, glpi, "short")
    glpi_sim.sim.password_policy = POLICY
    answer = glpi.put(f"User/{uid}", {"input": {"password": "short", "password2": "short"}})
    if glpi_sim.sim.version == "11":
        assert answer.json() == ["ERROR_GLPI_UPDATE", "Password was used too recently."]
    else:
        assert answer.json() == [{str(uid): True, "message": ""}]


def test_a_password_the_policy_refuses_on_create_leaves_the_user_without_one(glpi_sim) -> None:
    glpi_sim.sim.password_policy = POLICY
    glpi = Glpi(glpi_sim)
    answer = glpi.post(
        "User", {"input": {"name": "pw.weak", "password": "weak", "password2": "weak"}}
    )
    assert answer.status_code == 201
    assert answer.json()["message"] == "Item successfully added: pw.weak"
    assert not _stored(glpi_sim, answer.json()["id"])["password"]


def test_a_password_the_policy_accepts_is_set(glpi_sim) -> None:
    glpi_sim.sim.password_policy = POLICY
    glpi = Glpi(glpi_sim)
    uid = _user(glpi_sim, glpi, "Strong-Pass-1!")
    assert _stored(glpi_sim, uid)["password"] == hash_password("Strong-Pass-1!")
