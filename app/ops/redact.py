"""Scrub secrets out of any text before it is logged.

Two nets, both applied to every log record (see :mod:`app.ops.logs`):

* patterns: ``Authorization`` headers, ``Bearer``/``Basic`` credentials,
  GLPI's ``Session-Token``, ``App-Token`` and ``user_token``, passwords,
  secrets and tokens written as ``key: value``, ``key=value`` or JSON/dict
  items, whatever the quoting;
* literals: the secret values of the loaded configuration (bearer tokens,
  GLPI tokens and passwords, the metrics token, OAuth keys), replaced
  wherever they appear, even in a free-text message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.config import SECRET_KEYS

MASK = "[REDACTED]"

#: Names whose values are secrets: anything ending in token, secret, password, key...
_SECRET_NAMES = (
    r"[\w-]*?(?:authorization|token|secret|password|passwd|api[-_]?key|signing[-_]key"
    r"|password[-_]hash)s?2?"
)
#: ``name: value`` / ``name=value`` / ``"name": "value"`` / ``'name': 'value'``.
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>[\"']?\b(?:" + _SECRET_NAMES + r")\b[\"']?\s*[:=]\s*)"
    r"(?!\[REDACTED\])(?P<value>\[[^\]]*\]|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"
    r"|(?:(?:bearer|basic|user_token)\s+)?[^\s\"',;&}\])]+)"
)
#: A credential after its scheme, wherever it stands (``Bearer abc``, ``user_token abc``).
_SCHEME = re.compile(
    r"(?i)\b(?P<scheme>bearer|basic|user_token)(?P<sep>\s+)"
    r"(?!\[REDACTED\])(?P<value>[A-Za-z0-9\-._~+/=]{4,})"
)


def _mask_value(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def _mask_scheme(match: re.Match) -> str:
    return f"{match.group('scheme')}{match.group('sep')}{MASK}"


class Redactor:
    """Replace secrets in text; ``literals`` are exact secret values to hide too."""

    def __init__(self, literals: Iterable[str] = ()):
        # Longest first, so a secret containing another one is hidden whole.
        self.literals = sorted({s for s in literals if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        value = _KEY_VALUE.sub(_mask_value, value)
        value = _SCHEME.sub(_mask_scheme, value)
        for secret in self.literals:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def value(self, value: Any) -> Any:
        """Redact a structured value: strings, and dicts by key name as well."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: MASK if _is_secret_name(k) else self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


def _is_secret_name(name: Any) -> bool:
    return isinstance(name, str) and re.fullmatch(f"(?i)(?:{_SECRET_NAMES})", name) is not None


def config_secrets(settings: dict) -> list[str]:
    """Every secret value in a validated configuration (for :class:`Redactor`)."""
    found: list[str] = []

    def walk(node: Any, secret: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, secret or key in SECRET_KEYS)
        elif isinstance(node, list):
            for item in node:
                walk(item, secret)
        elif secret and isinstance(node, str):
            found.append(node)
            if node.startswith("sha256:"):
                found.append(node[len("sha256:") :])

    walk(settings, False)
    return found
