"""HTML-entity storage and LIKE search encoding, unit-level and over HTTP against the simulator."""

from __future__ import annotations

import pytest

from app.glpi.client.encoding import decode_text
from app.glpi.client.encoding import decode_tree
from app.glpi.client.encoding import encode_search_text
from app.glpi.client.encoding import like_value
from app.glpi.client.encoding import looks_sanitized
from app.glpi.client.encoding import major_version
from app.glpi.client.items import GlpiClient


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("&#60;angle&#62;", "<angle>"),
        ("amp &#38; co", "amp & co"),
        ("Root entity &#62; SCIM Child", "Root entity > SCIM Child"),
        ("&lt;b&gt; &amp; c", "<b> & c"),
        ("&#38;#60;", "&#60;"),  # the user really typed "&#60;": decoded once only
        ("&#38;amp;", "&amp;"),
        ("quote\"double 'single' back\\slash", "quote\"double 'single' back\\slash"),
        ("plain", "plain"),
        ("&#039;", "&#039;"),  # GLPI 10 never encodes quotes: left alone
    ],
)
def test_glpi10_values_are_decoded_once(stored: str, expected: str) -> None:
    assert decode_text(stored, "10") == expected


@pytest.mark.parametrize(
    ("value", "leftover"),
    [
        ("&#60;b&#62; &#38; co", True),  # GLPI 10's sanitiser output
        ("amp &#38; co", True),
        ("R&D <Team>", False),  # raw GLPI 11 text
        ("R&D &#38; co", False),  # a bare & cannot come from GLPI 10
        ("&#60;b> ", False),  # a raw > cannot come from GLPI 10
        ("&lt;b&gt;", False),  # named entities: typed by a user on 11
        ("plain", False),
        ("", False),
    ],
)
def test_glpi11_decodes_only_what_looks_like_glpi10_data(value: str, leftover: bool) -> None:
    assert looks_sanitized(value) is leftover
    decoded = decode_text(value, "11")
    if leftover:
        assert decoded == value.replace("&#60;", "<").replace("&#62;", ">").replace("&#38;", "&")
    else:
        assert decoded == value


def test_decode_tree_touches_values_not_keys() -> None:
    data = {"&#60;k": ["a &#38; b", {"n": "&#62;"}], "id": 5, "none": None}
    assert decode_tree(data, "10") == {"&#60;k": ["a & b", {"n": ">"}], "id": 5, "none": None}


@pytest.mark.parametrize(
    ("version", "value", "expected"),
    [
        ("10", "<angle>", "&#38;#60;angle&#38;#62;"),  # recorded: the only form that matched on 10
        ("10", "amp & co", "amp &#38;#38; co"),  # recorded in 05_search_user.json #54
        ("11", "<angle>", "<angle>"),  # recorded: 11 matches the raw value
        ("11", "amp & co", "amp & co"),
        ("10", "50% off", "50% off"),
    ],
)
def test_search_text_encoding_follows_the_recordings(
    version: str, value: str, expected: str
) -> None:
    assert encode_search_text(value, version) == expected


@pytest.mark.parametrize(
    ("value", "starts", "ends", "expected"),
    [
        ("scim.alice", True, True, "^scim.alice$"),
        ("scim.alice", True, False, "^scim.alice"),
        ("scim.alice", False, True, "scim.alice$"),
        ("scim.alice", False, False, "scim.alice"),
        ("under_score", True, True, "^under_score$"),  # _ is literal in GLPI: sent as is
        ("50% off", True, True, "^50% off$"),  # % is a wildcard: a superset, kept
        ("back\\slash", True, True, "^back\\slash$"),
        ("  spaced  ", True, True, "spaced"),  # GLPI trims: both anchors dropped
        (" lead", True, True, "lead$"),
        ("trail ", True, True, "^trail"),
        ("a$b", True, True, "a"),  # $ inside: longest piece, unanchored
        ("price$", False, False, "price"),  # a trailing $ would become an anchor
        ("^caret", False, False, "caret"),
        ("x^longer$y", True, True, "longer"),
        ("NULL", False, False, "Null"),  # bare NULL means IS NULL in GLPI
        ("null", True, True, "^null$"),
        ("", True, True, None),
        ("   ", False, False, None),
        ("^$", True, True, None),
    ],
)
def test_like_value_only_widens(value: str, starts: bool, ends: bool, expected: str | None) -> None:
    assert like_value(value, "11", starts=starts, ends=ends) == expected


def test_like_value_encodes_for_glpi10() -> None:
    assert like_value("<a> & b", "10") == "^&#38;#60;a&#38;#62; &#38;#38; b$"


@pytest.mark.parametrize(
    ("version", "major"),
    [
        ("10.0.12", "10"),
        ("11.0.6", "11"),
        ("9.5.13", "10"),
        ("12.0.0", "11"),
        ("10", "10"),
        (" 11 ", "11"),
    ],
)
def test_major_version(version: str, major: str) -> None:
    assert major_version(version) == major


def test_major_version_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        major_version("auto")


# -- over HTTP -------------------------------------------------------------------------------

SPECIAL = "R&D <Team> \"q\" 'o' back\\slash"


def _client(running) -> GlpiClient:
    return GlpiClient(
        running.url, app_token=running.app_token, user_token=running.user_token, backoff_base=0.01
    )


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_round_trip_of_special_characters(glpi_sim, glpi_version: str) -> None:
    client = _client(glpi_sim)
    uid = client.add("User", {"name": "enc.user", "realname": SPECIAL, "comment": "a < b"})
    stored = next(r for r in glpi_sim.sim.rows("User") if r["id"] == uid)
    if glpi_version == "10":
        assert stored["realname"] == "R&#38;D &#60;Team&#62; \"q\" 'o' back\\slash"
    else:
        assert stored["realname"] == SPECIAL
    item = client.get_item("User", uid)
    assert (item["realname"], item["comment"]) == (SPECIAL, "a < b")
    criteria = [
        {"field": 34, "searchtype": "contains", "value": like_value(SPECIAL, client.version)}
    ]
    total, rows = client.search("User", criteria, [1, 2, 34])
    assert total == 1
    assert rows == [{"1": "enc.user", "2": uid, "34": SPECIAL}]
    client.close()


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_a_percent_criterion_is_a_superset_to_verify(glpi_sim, glpi_version: str) -> None:
    client = _client(glpi_sim)
    wanted = client.add("User", {"name": "pct.a", "realname": "50% off"})
    lookalike = client.add("User", {"name": "pct.b", "realname": "50 and more off"})
    criteria = [
        {"field": 34, "searchtype": "contains", "value": like_value("50% off", client.version)}
    ]
    total, rows = client.search("User", criteria, [2, 34])
    assert {row["2"] for row in rows} == {wanted, lookalike}
    assert [row["2"] for row in rows if row["34"] == "50% off"] == [wanted]
    client.close()


@pytest.mark.glpi_version("11")
def test_glpi11_reads_leftover_glpi10_values_decoded_and_raw_values_untouched(glpi_sim) -> None:
    client = _client(glpi_sim)
    legacy = glpi_sim.sim.seed_user(name="legacy.user", realname="&#60;old&#62; &#38; co")
    modern = glpi_sim.sim.seed_user(
        name="modern.user", realname="R&D &#38; co", comment="&lt;x&gt;"
    )
    assert client.version == "11"
    assert client.get_item("User", legacy)["realname"] == "<old> & co"
    modern_item = client.get_item("User", modern)
    assert (modern_item["realname"], modern_item["comment"]) == ("R&D &#38; co", "&lt;x&gt;")
    client.close()
