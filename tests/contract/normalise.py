"""Normalise a recorded answer into the simulator's id/token/URL space and compare."""

from __future__ import annotations

import re
from typing import Any

from tests.contract.replay import _ID_KEYS
from tests.contract.replay import _PLACEHOLDER
from tests.contract.replay import _RECORDED_BASES
from tests.contract.replay import _TIMESTAMP
from tests.contract.replay import _VOLATILE
from tests.contract.replay import SIM_BASE
from tests.contract.replay import _itemtype_of

#: Messages that embed ids or totals of the recording database: compared with digits masked.
_NUMBERED = re.compile(r"Duplicate entry|- ID \d|exceed total count of data|@\S+ \(\d+\)$")
_DIGITS = re.compile(r"\d+")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_TRIM = re.compile(r"(\.\.\.)?<trimmed[^>]*>\"?$")


def _text(value: str) -> str:
    for base in _RECORDED_BASES:
        value = value.replace(base, SIM_BASE)
    return value


class _Mismatch(Exception):
    pass


def compare(replayer, entry: dict, status: int, actual: Any) -> str | None:
    """None when the simulator's answer matches the recording, else the reason."""
    expected = entry["response"]
    if status != expected["status"]:
        return f"status {status} != {expected['status']}: {str(actual)[:160]}"
    itemtype = _itemtype_of(entry["request"]["path"])
    try:
        _match(replayer, itemtype, expected["body"], actual, "$")
        _match_headers(replayer, itemtype, expected.get("headers") or {})
    except _Mismatch as exc:
        return str(exc)
    return None


def _match_headers(rep, itemtype: str | None, expected: dict) -> None:
    """``Content-Range`` exactly; a ``location`` pointing at the mapped new item."""
    actual = {key.lower(): value for key, value in rep.last_headers.items()}
    wanted = {key.lower(): value for key, value in expected.items()}
    if ("content-range" in wanted) != ("content-range" in actual):
        _fail("headers.Content-Range", wanted.get("content-range"), actual.get("content-range"))
    if "content-range" in wanted and wanted["content-range"] != actual["content-range"]:
        _fail("headers.Content-Range", wanted["content-range"], actual["content-range"])
    if "location" in wanted:
        location = _text(wanted["location"])
        head, _, number = location.rpartition("/")
        if itemtype and number.isdigit():
            location = f"{head}/{rep.map_id(itemtype, int(number))}"
        if actual.get("location") != location:
            _fail("headers.location", location, actual.get("location"))


def _fail(path: str, expected: Any, actual: Any) -> None:
    raise _Mismatch(f"{path}: expected {str(expected)[:120]!r}, got {str(actual)[:120]!r}")


def _match(rep, itemtype: str | None, expected: Any, actual: Any, path: str) -> None:
    if (
        isinstance(expected, str)
        and expected.startswith("<")
        and expected.endswith(">")
        and "trimmed" in expected
    ):
        return
    if isinstance(expected, dict):
        _match_dict(rep, itemtype, expected, actual, path)
    elif isinstance(expected, list):
        _match_list(rep, itemtype, expected, actual, path)
    elif isinstance(expected, str):
        _match_str(rep, expected, actual, path)
    elif expected != actual or type(expected) is not type(actual):
        if isinstance(expected, bool) or isinstance(actual, bool) or expected != actual:
            _fail(path, expected, actual)


def _match_str(rep, expected: str, actual: Any, path: str) -> None:
    if not isinstance(actual, str):
        _fail(path, expected, actual)
    expected = _text(expected)
    token = _PLACEHOLDER.fullmatch(expected)
    if token:
        if actual != rep.substitute(expected):
            _fail(path, expected, actual)
        return
    if _TIMESTAMP.match(expected):
        if not _TIMESTAMP.match(actual):
            _fail(path, expected, actual)
        return
    trimmed = _TRIM.search(expected)
    if trimmed:
        prefix = expected[: trimmed.start()]
        if not actual.startswith(prefix):
            _fail(path, expected, actual)
        return
    if expected.startswith("\n<!DOCTYPE"):
        if not actual.lstrip().startswith("<!DOCTYPE"):
            _fail(path, expected, actual)
        return
    expected, actual = _STAMP.sub("<time>", expected), _STAMP.sub("<time>", actual)
    if _NUMBERED.search(expected):
        expected, actual = _DIGITS.sub("#", expected), _DIGITS.sub("#", actual)
    if expected != actual:
        _fail(path, expected, actual)


def _map_value(rep, itemtype: str | None, key: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if key == "id" and itemtype:
        return rep.map_id(itemtype, value)
    if key in _ID_KEYS:
        return rep.map_id(_ID_KEYS[key], value)
    if key == "items_id" and itemtype == "Log":  # history entries of a user
        return rep.map_id("User", value)
    return value


def _match_dict(rep, itemtype: str | None, expected: dict, actual: Any, path: str) -> None:
    if expected and all(key.startswith("<") for key in expected):
        return
    if not isinstance(actual, dict):
        _fail(path, expected, actual)
    for key, value in expected.items():
        if key.startswith("<") or key in _VOLATILE:
            continue
        if key == "keys_count":
            if len(actual) - (1 if "links" in actual else 0) != value:
                _fail(path + ".keys_count", value, len(actual))
            continue
        if key == "has_links":
            if ("links" in actual) != value:
                _fail(path + ".has_links", value, "links" in actual)
            continue
        if key == "name_length":
            if len(actual.get("name") or "") != value:
                _fail(path + ".name_length", value, len(actual.get("name") or ""))
            continue
        actual_key = key
        if key.isdigit() and itemtype and isinstance(value, bool):
            actual_key = str(rep.map_id(itemtype, int(key)))
        if actual_key not in actual:
            _fail(f"{path}.{key}", value, "<missing>")
        got = actual[actual_key]
        if key == "links" and isinstance(value, list):
            rels = [link.get("rel") for link in value if isinstance(link, dict)]
            if rels != [link.get("rel") for link in got if isinstance(link, dict)]:
                _fail(path + ".links", rels, got)
            continue
        if key == "session" and isinstance(value, list):
            continue
        if key == "ancestors_cache" and isinstance(value, str) and isinstance(got, str):
            if _DIGITS.sub("#", value) != _DIGITS.sub("#", got):
                _fail(path + ".ancestors_cache", value, got)
            continue
        if key == "data" and isinstance(value, list) and itemtype:
            value = [
                {k: (rep.map_id(itemtype, v) if k == "2" else v) for k, v in row.items()}
                if isinstance(row, dict)
                else row
                for row in value
            ]
        _match(rep, itemtype, _map_value(rep, itemtype, key, value), got, f"{path}.{key}")


def _match_list(rep, itemtype: str | None, expected: list, actual: Any, path: str) -> None:
    if not isinstance(actual, list):
        _fail(path, expected, actual)
    if len(expected) != len(actual):
        _fail(path + ".length", len(expected), len(actual))
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        _match(rep, itemtype, want, got, f"{path}[{index}]")
