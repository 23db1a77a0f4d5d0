"""How GLPI stores ``< > &`` and how its ``contains`` search sees a value.

Reading (the recorded contract, ``03b`` and ``05`` of both versions):

* GLPI 10 stores and returns ``<``, ``>`` and ``&`` as ``&#60;``, ``&#62;``
  and ``&#38;`` in every text field; quotes and backslashes are kept as is.
  :func:`decode_text` undoes that in a single pass (so a user who really
  typed ``&#60;`` gets it back: GLPI stored ``&#38;#60;``). The named forms
  ``&lt; &gt; &amp;`` are decoded as well: older GLPI releases wrote them.
* GLPI 11 stores and returns raw text, so values are **not** decoded,
  except values that look like data left over from GLPI 10 (see
  :func:`looks_sanitized`): an upgrade does not rewrite old rows, and
  11.0.0-11.0.4 return them encoded.

Searching (``/search/<type>`` criteria with ``searchtype=contains``, and
``searchText``), from GLPI's ``makeTextSearchValue`` and the recordings:

* The value is trimmed; a leading ``^`` and a trailing ``$`` anchor the
  match, otherwise it is wrapped in ``%...%``. ``NULL``/``null`` alone means
  "IS NULL" and ``^`` alone means "not empty".
* ``_`` is escaped by GLPI (literal). A backslash is literal.
* ``%`` is **not** escaped and has no escape form: GLPI doubles backslashes,
  so ``\\%`` would require a literal backslash and miss the real value. But a
  ``%`` left in the value is a wildcard that also matches a literal ``%``, so
  the criterion still matches a *superset* of the wanted rows. It is sent
  as is, and the caller verifies every candidate in Python.
* GLPI 10 decodes the search value once before the ``LIKE`` runs against the
  encoded column, so ``<`` must be sent as ``&#38;#60;`` (recorded: only
  ``^&#38;#60;angle&#38;#62;$`` found realname ``<angle>``). GLPI 11 compares
  raw values.
* The comparison is case- and accent-insensitive (MySQL collation).

:func:`like_value` builds a criterion value that is guaranteed never to
miss a row the wanted predicate would match: whatever it cannot express
exactly, it widens.
"""

from __future__ import annotations

import re
from typing import Any

_DECODE_10 = {"&#60;": "<", "&#62;": ">", "&#38;": "&", "&lt;": "<", "&gt;": ">", "&amp;": "&"}
_DECODE_10_RE = re.compile("|".join(re.escape(k) for k in _DECODE_10))
_NUMERIC = {"&#60;": "<", "&#62;": ">", "&#38;": "&"}
_NUMERIC_RE = re.compile("&#60;|&#62;|&#38;")
_BARE_AMP_RE = re.compile(r"&(?!#60;|#62;|#38;)")

_SEARCH_10 = {"&": "&#38;#38;", "<": "&#38;#60;", ">": "&#38;#62;"}
_SEARCH_10_RE = re.compile("[&<>]")
_ANCHORS_RE = re.compile(r"[\^$]")


def major_version(version: str | None) -> str:
    """Normalise a GLPI version (``"10.0.12"``, ``"11"``) to ``"10"`` or ``"11"``.

    Anything before 11 behaves like 10 (HTML-encoded storage); 11 and later
    store raw text.
    """
    text = str(version or "").strip()
    match = re.match(r"(\d+)", text)
    if not match:
        raise ValueError(f"not a GLPI version: {text!r}")
    return "10" if int(match.group(1)) < 11 else "11"


def looks_sanitized(value: str) -> bool:
    """True when ``value`` has the exact shape GLPI 10's sanitiser produces.

    That is: it holds at least one of ``&#60;``, ``&#62;``, ``&#38;``; it has
    no raw ``<`` or ``>``; and every ``&`` starts one of those three
    entities. GLPI 10 could never store anything else for a text that had
    ``< > &`` in it, while a raw GLPI 11 value with a real ``&`` (``R&D``)
    or a real ``<`` fails the test. The one value read wrongly is a raw
    GLPI 11 text consisting of those entities and nothing else that looks
    encoded, e.g. a user literally typing ``&#60;b&#62;``; GLPI 11's own
    ``must_unsanitize_db_data`` decoder makes the same call.
    """
    if "<" in value or ">" in value or not _NUMERIC_RE.search(value):
        return False
    return _BARE_AMP_RE.search(value) is None


def decode_text(value: Any, version: str) -> Any:
    """Return ``value`` as the user typed it; non-strings pass through.

    :param version: ``"10"`` or ``"11"`` (see :func:`major_version`).
    """
    if not isinstance(value, str) or "&" not in value:
        return value
    if version == "10":
        return _DECODE_10_RE.sub(lambda m: _DECODE_10[m.group(0)], value)
    if looks_sanitized(value):
        return _NUMERIC_RE.sub(lambda m: _NUMERIC[m.group(0)], value)
    return value


def decode_tree(data: Any, version: str) -> Any:
    """Apply :func:`decode_text` to every string value of a JSON tree (keys untouched)."""
    if isinstance(data, str):
        return decode_text(data, version)
    if isinstance(data, dict):
        return {k: decode_tree(v, version) if isinstance(v, (str, dict, list)) else v
                for k, v in data.items()}
    if isinstance(data, list):
        return [decode_tree(v, version) for v in data]
    return data


def encode_search_text(value: str, version: str) -> str:
    """Encode ``< > &`` of a search value so GLPI compares it with what it stored."""
    if version == "10":
        return _SEARCH_10_RE.sub(lambda m: _SEARCH_10[m.group(0)], value)
    return value


def like_value(value: str, version: str, *, starts: bool = True, ends: bool = True) -> str | None:
    """Build a ``contains`` criterion value for ``value``.

    With ``starts`` and ``ends`` the wanted predicate is "equals
    ``value``", with only ``starts`` "starts with", with only ``ends``
    "ends with", and with neither "contains". The result matches every row
    the predicate matches (compared case-insensitively, as GLPI does), and
    possibly more: the caller must verify candidates.

    Widening steps, each of which can only add rows:

    * ``^`` or ``$`` inside the value cannot be told apart from anchors:
      only the longest piece between them is searched, unanchored.
    * Leading or trailing whitespace is trimmed by GLPI (even inside
      anchors), so it is dropped together with the anchor on that side.
    * A bare ``NULL``/``null`` would mean "IS NULL": it is sent as ``Null``,
      which the case-insensitive ``LIKE`` treats the same.
    * ``%`` stays (see the module docstring); ``_`` and ``\\`` are literal.

    :returns: the criterion value, or None when no narrowing criterion
        exists (the value is empty once widened); the caller then needs
        another criterion or a scan.
    """
    core = value
    if _ANCHORS_RE.search(core):
        core = max(_ANCHORS_RE.split(core), key=len)
        starts = ends = False
    if core != core.lstrip():
        core, starts = core.lstrip(), False
    if core != core.rstrip():
        core, ends = core.rstrip(), False
    if not core:
        return None
    if core in ("NULL", "null") and not (starts or ends):
        core = "Null"
    return ("^" if starts else "") + encode_search_text(core, version) + ("$" if ends else "")
