"""GLPI's search and storage semantics in both versions, as the contract recorded them."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")

SPECIAL = {
    "pct": "50% off",
    "us": "under_score",
    "bs": "back\\slash",
    "sq": "quote'single",
    "lt": "<angle>",
    "amp": "amp & co",
    "plain": "plainrealname",
}


@pytest.fixture
def glpi(glpi_sim):
    client = Glpi(glpi_sim)
    for suffix, realname in SPECIAL.items():
        assert (
            client.post(
                "User", {"input": {"name": f"sc.{suffix}", "realname": realname}}
            ).status_code
            == 201
        )
    return client


def logins(answer) -> list[str]:
    body = answer.json()
    return sorted(row["1"] for row in body.get("data", []))


def realname_hits(glpi, value: str) -> list[str]:
    return logins(glpi.search("User", [(34, "contains", value), (1, "contains", "sc.", "AND")]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("%", sorted(f"sc.{s}" for s in SPECIAL)),
        ("^", sorted(f"sc.{s}" for s in SPECIAL)),
        ("_", ["sc.us"]),
        ("^under_score$", ["sc.us"]),
        ("\\", ["sc.bs"]),
        ("'", ["sc.sq"]),
        ("  ^plainrealname$  ", ["sc.plain"]),
        ("NULL", []),
        ("^$", []),
        ("plain$realname", []),
        ("^50% off$", ["sc.pct"]),
        ("^PLAINREALNAME$", ["sc.plain"]),
    ],
)
def test_contains_rules_common_to_both_versions(glpi, value: str, expected: list[str]) -> None:
    assert realname_hits(glpi, value) == expected


def test_html_characters_version_specific(glpi, glpi_version: str) -> None:
    raw = {
        "^<angle>$": ["sc.lt"],
        "^amp & co$": ["sc.amp"],
        "^&#60;angle&#62;$": [],
        "^&#38;#60;angle&#38;#62;$": [],
        "^amp &#38;#38; co$": [],
        "&": ["sc.amp"],
    }
    encoded = {
        "^<angle>$": [],
        "^amp & co$": [],
        "^&#60;angle&#62;$": [],
        "^&#38;#60;angle&#38;#62;$": ["sc.lt"],
        "^amp &#38;#38; co$": ["sc.amp"],
        "&": ["sc.amp", "sc.lt"],
    }
    table = raw if glpi_version == "11" else encoded
    for value, expected in table.items():
        assert realname_hits(glpi, value) == expected, value


def test_stored_form_per_version(glpi, glpi_sim, glpi_version: str) -> None:
    row = next(r for r in glpi_sim.sim.rows("User") if r["name"] == "sc.lt")
    assert row["realname"] == ("<angle>" if glpi_version == "11" else "&#60;angle&#62;")
    read = glpi.get(f"User/{row['id']}").json()
    assert read["realname"] == row["realname"]


def test_equals_on_login_compares_the_id(glpi) -> None:
    uid = glpi.search("User", [(1, "contains", "^sc.plain$")]).json()["data"][0]["2"]
    assert glpi.search("User", [(1, "equals", "sc.plain")]).json()["totalcount"] == 0
    assert logins(glpi.search("User", [(1, "equals", str(uid))])) == ["sc.plain"]
    assert "sc.plain" not in logins(
        glpi.search("User", [(1, "notequals", str(uid))], range="0-999")
    )


def test_zero_hits_have_no_data_key(glpi) -> None:
    body = glpi.search("User", [(1, "contains", "^nobody$")]).json()
    assert "data" not in body
    assert body["content-range"] == "0--1/0"
    assert body["totalcount"] == 0


def test_multi_valued_email_column_is_a_list(glpi) -> None:
    glpi.post(
        "User", {"input": {"name": "sc.mails", "_useremails": ["a@example.com", "b@example.com"]}}
    )
    body = glpi.search("User", [(1, "contains", "^sc.mails$")], forcedisplay=(2, 5)).json()
    assert body["data"][0]["5"] == ["a@example.com", "b@example.com"]
    by_mail = glpi.search("User", [(5, "contains", "^B@EXAMPLE.COM$")]).json()
    assert by_mail["data"][0]["1"] == "sc.mails"


def test_or_and_not_links(glpi) -> None:
    either = glpi.search("User", [(1, "contains", "^sc.us$"), (1, "contains", "^sc.bs$", "OR")])
    assert logins(either) == ["sc.bs", "sc.us"]
    not_us = glpi.search("User", [(1, "contains", "sc."), (1, "contains", "^sc.us$", "AND NOT")])
    assert "sc.us" not in logins(not_us) and "sc.bs" in logins(not_us)


def test_nested_criteria(glpi) -> None:
    params = {
        "criteria[0][field]": 1,
        "criteria[0][searchtype]": "contains",
        "criteria[0][value]": "sc.",
        "criteria[1][link]": "AND",
        "criteria[1][criteria][0][field]": 34,
        "criteria[1][criteria][0][searchtype]": "contains",
        "criteria[1][criteria][0][value]": "^under_score$",
        "criteria[1][criteria][1][link]": "OR",
        "criteria[1][criteria][1][field]": 34,
        "criteria[1][criteria][1][searchtype]": "contains",
        "criteria[1][criteria][1][value]": "^plainrealname$",
    }
    assert logins(glpi.get("search/User", **params)) == ["sc.plain", "sc.us"]


def test_default_sort_differs(glpi, glpi_version: str) -> None:
    body = glpi.get("search/User", **{"range": "0-1", "forcedisplay[0]": 2}).json()
    assert body["sort"] == (["1"] if glpi_version == "10" else [0])


def test_bad_criteria_are_refused(glpi) -> None:
    bad_field = glpi.search("User", [(99999, "contains", "x")])
    assert bad_field.status_code == 400 and bad_field.json()[1].startswith("Bad field ID")
    malformed = glpi.get(
        "search/User", **{"criteria[0][field]": 1, "criteria[0][searchtype]": "contains"}
    )
    assert malformed.status_code == 400 and malformed.json()[1].startswith(
        "Malformed search criteria"
    )


def test_search_text_list_uses_the_same_matching(glpi) -> None:
    answer = glpi.get("User", **{"searchText[name]": "^sc.us$"})
    assert [row["name"] for row in answer.json()] == ["sc.us"]
    assert glpi.get("User", **{"searchText[name]": "sc.u_"}).json() == []


def test_a_language_equal_to_glpis_default_is_stored_as_null_by_an_update(glpi):
    """``User::prepareInputForUpdate`` stores a preference equal to ``$CFG_GLPI``'s as NULL;
    ``prepareInputForAdd`` keeps it; ``""`` and NULL do not replace each other (PHP's ``!=``)."""
    default = glpi.get("getGlpiConfig").json()["cfg_glpi"]["language"]
    assert default == "en_GB"
    made = glpi.post("User", {"input": {"name": "lang.add", "language": "en_GB"}}).json()["id"]
    assert glpi.get(f"User/{made}").json()["language"] == "en_GB"

    def stored_after(language):
        assert glpi.put(f"User/{made}", {"input": {"language": language}}).status_code == 200
        return glpi.get(f"User/{made}").json()["language"]

    assert stored_after("fr_FR") == "fr_FR"
    assert stored_after("en_GB") is None
    assert stored_after("") is None
    assert stored_after("de_DE") == "de_DE"
    assert stored_after("") == ""
    assert stored_after(None) == ""
    glpi.running.sim.default_language = "de_DE"
    assert stored_after("de_DE") is None  # "NULL" replaces ""
    assert stored_after("") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("^$", ["lang.null"]),  # makeTextSearch: '' == null in PHP, so IS NULL only
        ("NULL", ["lang.empty", "lang.null"]),  # IS NULL OR = ''
        ("^", ["lang.empty", "lang.fr"]),  # LIKE '%': any non-NULL value, '' included
    ],
)
def test_empty_patterns_tell_null_from_the_empty_string_as_glpi_does(glpi, value, expected):
    for name, language in (("lang.null", "fr_FR"), ("lang.empty", "fr_FR"), ("lang.fr", "fr_FR")):
        made = glpi.post("User", {"input": {"name": name, "language": language}}).json()["id"]
        wanted = {"lang.null": "en_GB", "lang.empty": ""}.get(name)
        if wanted is not None:
            assert glpi.put(f"User/{made}", {"input": {"language": wanted}}).status_code == 200
    answer = glpi.search("User", [(17, "contains", value), (1, "contains", "lang.", "AND")])
    assert logins(answer) == expected
