"""GLPI's refusals of a password: policy and history (GLPI 11), as SCIM sees them.

GLPI refuses a ``password`` in ``User::prepareInputForAdd/Update`` and then
writes **nothing** of that input (``ERROR_GLPI_ADD``/``ERROR_GLPI_UPDATE`` with
the reasons). The reasons are GLPI's own sentences (``User::validatePassword``,
10.0.12 and 11.0.6):

* the policy, when ``use_password_security`` is on: "Password too short!",
  "Password must include at least a digit!" (a lowercase letter, an uppercase
  letter, a symbol);
* GLPI 11's history (``PasswordHistory::validatePassword``): "Password was used
  too recently." It refuses the password the user **already holds**, always,
  plus the ``non_reusable_passwords_count - 1`` previous ones. GLPI 10 keeps
  no history.

GLPI's policy is also checked by the bridge before it writes
(:func:`policy_reasons`, from ``getGlpiConfig``): GLPI 10 drops a refused
password silently, and both versions create a user without it.

A value the IdP sent that GLPI refuses is the IdP's 400 ``invalidValue``,
never a 5xx (issue 13): the reason is GLPI's, the password itself never goes
in the message. One case is not a refusal at all: with
``non_reusable_passwords_count`` at most 1 (GLPI's default), "used too
recently" alone proves that the password sent **is** the one GLPI holds, so
the write is done again without it and succeeds (re-provisioning a trashed
user with its password, or an IdP sending the same password again). With a
longer history the refusal cannot tell the current password from an older
one, and stays a 400.

The sentences are matched in English: GLPI translates them into the bridge
account's language (docs/glpi-setup.md asks for English); a message not
recognised keeps its former treatment (502 with GLPI's message).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: GLPI's password refusals (``User::validatePassword``, GLPI 10.0.12 and 11.0.6).
REUSED = "Password was used too recently."
POLICY = (
    "Password too short!",
    "Password must include at least a digit!",
    "Password must include at least a lowercase letter!",
    "Password must include at least a uppercase letter!",
    "Password must include at least a symbol!",
    "An error occurred during password update",
)
_KNOWN = (REUSED, *POLICY)
_SPLIT = re.compile(r"\s*(?:<br\s*/?>|\n|;)\s*", re.IGNORECASE)


def _on(config: Mapping[str, Any], key: str) -> bool:
    return str(config.get(key, "0")).strip() not in ("", "0", "false", "False")


def policy_reasons(password: str, config: Mapping[str, Any]) -> list[str]:
    """GLPI's refusals of ``password`` under its policy (``cfg_glpi``), in GLPI's words.

    The rules of ``Config::validatePassword`` (10.0.12) and
    ``User::validatePassword`` (11.0.6), checked **before** any write: GLPI
    10 drops a refused password silently (the user is created or updated
    without it, ``200``/``201`` with a message) and GLPI 11 drops it on
    create, so GLPI's own answer cannot be trusted to refuse it. PHP's
    ``preg_match`` runs without ``/u``: ``\\W`` sees bytes, so any non-ASCII
    character counts as a symbol, and ``[a-z]``/``[A-Z]`` are ASCII only.
    """
    if not _on(config, "use_password_security"):
        return []
    raw = password.encode("utf-8")
    rules = [
        (len(password) < int(str(config.get("password_min_length") or 0) or 0),
         "Password too short!", True),
        (not re.search(rb"[0-9]", raw), "Password must include at least a digit!",
         _on(config, "password_need_number")),
        (not re.search(rb"[a-z]", raw), "Password must include at least a lowercase letter!",
         _on(config, "password_need_letter")),
        (not re.search(rb"[A-Z]", raw), "Password must include at least a uppercase letter!",
         _on(config, "password_need_caps")),
        (not re.search(rb"[^A-Za-z0-9_]", raw), "Password must include at least a symbol!",
         _on(config, "password_need_symbol")),
    ]
    return [reason for failed, reason, enabled in rules if enabled and failed]


def password_reasons(message: str | None) -> list[str] | None:
    """GLPI's reasons for refusing a password found in ``message``, or None when it holds none."""
    text = str(message or "")
    found = [known for known in _KNOWN if known.casefold() in text.casefold()]
    if not found:
        return None
    return found


def only_reused(message: str | None) -> bool:
    """True when GLPI's only reason is the history ("used too recently")."""
    parts = [p for p in _SPLIT.split(str(message or "").strip()) if p]
    return bool(parts) and all(p.casefold() == REUSED.casefold() for p in parts)


def history_checks_current_only(config: Mapping[str, Any]) -> bool:
    """True when GLPI 11's history holds only the current password
    (``non_reusable_passwords_count`` ≤ 1, GLPI's default; absent on GLPI 10)."""
    value = str(config.get("non_reusable_passwords_count", "1")).strip()
    return not value.isdigit() or int(value) <= 1


def refusal_detail(reasons: list[str]) -> str:
    """The ``detail`` of the 400: GLPI's reasons, never the password."""
    text = " ".join(reasons)
    if REUSED in reasons:
        text += (
            " GLPI 11 refuses the password a user already holds and, with"
            " non_reusable_passwords_count above 1, its previous ones: send another password."
        )
    return f"GLPI refused the password: {text}"


def without_password(data: Mapping[str, Any]) -> dict:
    """``data`` without ``password``/``password2``."""
    return {k: v for k, v in data.items() if k not in ("password", "password2")}
