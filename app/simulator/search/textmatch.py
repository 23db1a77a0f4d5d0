"""GLPI's text matching, as the MySQL ``LIKE`` built by ``makeTextSearchValue`` behaves.

The rules (both versions unless said): the value is trimmed; ``NULL``/``null``
means IS NULL or ``''`` (``makeTextCriteria`` adds ``OR field = ''``); ``^`` alone
is ``LIKE '%'``, which any non-NULL value matches, ``''`` included; ``''``, ``^$``
and ``$`` are IS NULL only (``makeTextSearch`` tests the empty pattern with PHP's
``== null``, which ``''`` passes, so ``''`` itself does not match); otherwise it
is wrapped in ``%`` unless it starts with ``^`` or ends with ``$``; ``_`` is
escaped (literal) but ``%`` is **not** (it stays a wildcard);
matching is case-insensitive (``utf8mb4_unicode_ci``). GLPI 10 decodes the
search value once (``&#38;`` → ``&``) and compares it with the HTML-encoded
stored text; GLPI 11 compares raw text with raw text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

_ENTITY_RE = re.compile(r"&#60;|&#62;|&#38;|&lt;|&gt;|&amp;")
_ENTITY_MAP = {"&#60;": "<", "&#62;": ">", "&#38;": "&", "&lt;": "<", "&gt;": ">", "&amp;": "&"}
_ENCODE_RE = re.compile(r"[<>&]")
_ENCODE_MAP = {"<": "&#60;", ">": "&#62;", "&": "&#38;"}


def html_encode(text: str) -> str:
    """Encode ``< > &`` the way GLPI 10 stores them (``&#60; &#62; &#38;``)."""
    return _ENCODE_RE.sub(lambda m: _ENCODE_MAP[m.group(0)], text)


def html_decode(text: str) -> str:
    """Decode GLPI 10's stored form once (a single left-to-right pass)."""
    return _ENTITY_RE.sub(lambda m: _ENTITY_MAP[m.group(0)], text)


def compile_like(value: object, version: str, numeric: bool = False) -> Callable[[object], bool]:
    """Return a predicate telling whether a stored value matches ``contains value``.

    :param value: the raw criterion value.
    :param version: ``"10"`` or ``"11"``.
    :param numeric: the column is a number (GLPI 11 no longer honours anchors there).
    """
    text = "" if value is None else str(value).strip()
    if text in ("NULL", "null"):
        return lambda stored: stored is None or str(stored) == ""
    if text == "^":
        return lambda stored: stored is not None
    if text in ("", "^$", "$"):
        return lambda stored: stored is None
    if version == "10":
        text = html_decode(text)
    anchored_start = False
    anchored_end = False
    if not (numeric and version == "11"):
        if text.startswith("^"):
            anchored_start = True
            text = text[1:]
        if text.endswith("$"):
            anchored_end = True
            text = text[:-1]
    pattern = ".*".join(re.escape(part) for part in text.split("%"))
    if not anchored_start:
        pattern = ".*" + pattern
    if not anchored_end:
        pattern = pattern + ".*"
    regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)

    def predicate(stored: object) -> bool:
        if stored is None:
            return False
        return regex.fullmatch(str(stored)) is not None

    return predicate


def text_equals(stored: object, value: object, version: str) -> bool:
    """``=`` on a same-table text column (case-insensitive collation)."""
    if stored is None:
        return False
    wanted = str(value).strip()
    if version == "10":
        wanted = html_decode(wanted)
    return str(stored).casefold() == wanted.casefold()


_PUNCTUATION = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


@functools.lru_cache(maxsize=262144)
def _collate(text: str) -> tuple:
    """Approximate ``utf8mb4_unicode_ci``: punctuation < digits < letters, no case or accents."""
    key = []
    for char in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(char):
            continue
        position = _PUNCTUATION.find(char)
        if position >= 0:
            key.append((0, position))
        elif char.isdigit():
            key.append((1, ord(char)))
        else:
            key.append((2, ord(char)))
    return tuple(key)


def sort_key(value: object) -> tuple:
    """Collation-like sort key: NULL first, numbers numerically, text as MySQL orders it."""
    if value is None:
        return (0, 0, ())
    if isinstance(value, list):
        return sort_key(value[0] if value else None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, ())
    return (2, 0, _collate(str(value)))
