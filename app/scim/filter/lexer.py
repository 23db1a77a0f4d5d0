"""Tokens and typed literals of the SCIM filter language (RFC 7644 §3.4.2.2).

The lexical half of :mod:`app.scim.filter`: splitting the text into tokens,
reading ``compValue`` (JSON strings, numbers, ``true``/``false``/``null``)
and checking that a value and an operator fit the attribute's type. Every
failure is an :class:`InvalidFilterError` whose detail names the position.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from app.scim.errors import InvalidFilterError
from app.scim.filter.evaluator import parse_datetime
from app.scim.schema import ResolvedPath

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
SUBSTRING_OPS = frozenset({"co", "sw", "ew"})
OPS_BY_TYPE: dict[str, frozenset[str]] = {
    "string": COMPARE_OPS,
    "reference": COMPARE_OPS,
    "dateTime": frozenset({"eq", "ne"}) | ORDER_OPS,
    "integer": frozenset({"eq", "ne"}) | ORDER_OPS,
    "decimal": frozenset({"eq", "ne"}) | ORDER_OPS,
    # RFC 7644 §3.4.2.2 (gt/ge/lt/le): "Boolean and Binary attributes SHALL
    # cause a failed response (HTTP status code 400) with "scimType" of
    # "invalidFilter"."
    "boolean": frozenset({"eq", "ne"}),
    "binary": frozenset({"eq", "ne"}),
}

NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?\Z")
SPACE = frozenset(" \t\r\n")
WORD_END = frozenset(' \t\r\n()[]"')
KEYWORDS = frozenset({"and", "or", "not"})


@dataclass(frozen=True)
class Token:
    """A token: ``kind`` is one of ``( ) [ ] str word end``."""

    kind: str
    value: Any
    pos: int  # 1-based character position, for error details
    text: str = ""


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; a string token holds its decoded JSON value.

    :raises InvalidFilterError: on an unterminated string or a bad escape.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in SPACE:
            i += 1
        elif char in "()[]":
            tokens.append(Token(char, char, i + 1, char))
            i += 1
        elif char == '"':
            end = _string_end(text, i)
            raw = text[i:end]
            try:
                value = json.loads(raw)
                value.encode("utf-8")
            except (ValueError, UnicodeEncodeError):
                raise InvalidFilterError(
                    f"Invalid string literal at character {i + 1}: {clip(raw)} "
                    "(strings are JSON strings; check the escapes).") from None
            tokens.append(Token("str", value, i + 1, raw))
            i = end
        else:
            start = i
            while i < n and text[i] not in WORD_END:
                i += 1
            tokens.append(Token("word", text[start:i], start + 1, text[start:i]))
    tokens.append(Token("end", None, n + 1, "end of filter"))
    return tokens


def _string_end(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    raise InvalidFilterError(f"Unterminated string starting at character {start + 1}.")


def clip(text: str, size: int = 40) -> str:
    """Quote a piece of the filter for an error detail, shortened."""
    return repr(text if len(text) <= size else text[:size] + "...")


def syntax_error(token: Token, expected: str) -> InvalidFilterError:
    """Build the error for ``token`` where ``expected`` was wanted."""
    found = "the end of the filter" if token.kind == "end" else clip(token.text)
    return InvalidFilterError(f"Invalid filter at character {token.pos}: {expected}, "
                              f"found {found}.")


@dataclass(frozen=True)
class Literal:
    """A comparison value as written (``text``) and as JSON reads it (``value``)."""

    value: Any
    text: str


# compValue = false / null / true / number / string ; rules from JSON
def read_literal(token: Token, op: str) -> Literal:
    """Read the comparison value ``token``, typed as JSON says (not yet as the attribute)."""
    if token.kind == "str":
        return Literal(token.value, text=token.text)
    if token.kind != "word" or token.value.lower() in KEYWORDS:
        raise syntax_error(token, f"expected a value after '{op}'")
    word = token.value
    lowered = word.lower()
    # ABNF quoted strings are case-insensitive (RFC 5234 §2.3): "True" is true.
    if lowered in ("true", "false"):
        return Literal(lowered == "true", text=word)
    if lowered == "null":
        return Literal(None, text=word)
    if NUMBER.match(word):
        number = float(word) if ("." in word or "e" in lowered) else int(word)
        if isinstance(number, float) and not math.isfinite(number):
            raise syntax_error(token, "expected a finite number")
        return Literal(number, text=word)
    # Unquoted values: Microsoft's SCIMReferenceCode test collection sends
    # `userName sw O` and Entra's docs `externalId eq jyoung`; read them as strings.
    return Literal(word, text=word)


def coerce(path: ResolvedPath, op: str, literal: Literal, name: str) -> Any:
    """Return the literal as a value of the attribute's type, or raise."""
    attr = path.target
    kind = attr.type
    if literal.value is None:
        if op in ("eq", "ne"):
            return None
        raise InvalidFilterError(f"'{op}' cannot compare {clip(name)} with null.")
    if op not in OPS_BY_TYPE.get(kind, frozenset()):
        raise InvalidFilterError(
            f"The operator '{op}' is not supported on {clip(name)} ({kind} attribute).")
    value = literal.value
    if kind in ("string", "reference", "binary"):
        if isinstance(value, str):
            return value
        if not isinstance(value, bool):
            # An unquoted number compared with a string attribute is read as its text
            # (same clients as unquoted strings: `employeeNumber eq 701984`).
            return literal.text
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
        # Microsoft Entra ID sends booleans as strings: active eq "True".
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif kind == "dateTime":
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None:
            return parsed
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind == "decimal":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    raise InvalidFilterError(
        f"The value {literal.text} does not fit {clip(name)} ({kind} attribute).")
