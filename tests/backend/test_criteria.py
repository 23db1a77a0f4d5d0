"""SCIM filter → GLPI criteria: never narrower than the filter, exact only when GLPI is literal."""

from __future__ import annotations

import pytest

from app.glpi.users.criteria import combine
from app.glpi.users.criteria import translate
from app.glpi.users.mapping import UserMapping
from app.scim.filter.parser import parse
from app.scim.schema import RESOURCES

MAPPING = UserMapping.build()


def _t(text: str, version: str = "10"):
    return translate(parse(text, RESOURCES["User"]), MAPPING, version)


def _leaf(field: int, searchtype: str, value, **extra) -> dict:
    return {"field": field, "searchtype": searchtype, "value": value, **extra}


@pytest.mark.parametrize(
    ("text", "criteria", "exact"),
    [
        ('userName eq "jdoe"', [_leaf(1, "contains", "^jdoe$")], True),
        ('USERNAME Eq "jdoe"', [_leaf(1, "contains", "^jdoe$")], True),
        ('userName sw "jd"', [_leaf(1, "contains", "^jd")], True),
        ('userName ew "oe"', [_leaf(1, "contains", "oe$")], True),
        ('userName co "do"', [_leaf(1, "contains", "do")], True),
        ('name.familyName eq "Doe"', [_leaf(34, "contains", "^Doe$")], True),
        ('name.givenName eq "Jo"', [_leaf(9, "contains", "^Jo$")], True),
        ('externalId eq "ABC"', [_leaf(28, "contains", "^ABC$")], False),
        (
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"',
            [_leaf(22, "contains", "^7$")],
            True,
        ),
        ('title eq "Engineer"', [_leaf(81, "contains", "^Engineer$")], True),
        ('emails.value eq "a@x.org"', [_leaf(5, "contains", "^a@x.org$")], True),
        ('emails eq "a@x.org"', [_leaf(5, "contains", "^a@x.org$")], True),
        ('emails[type eq "work"].value eq "a@x.org"', [_leaf(5, "contains", "^a@x.org$")], False),
        ('id eq "12"', [_leaf(2, "equals", 12)], True),
        ('id ne "12"', [_leaf(2, "notequals", 12)], True),
        ("active eq true", [_leaf(8, "equals", 1)], True),
        ("active eq false", [_leaf(8, "equals", 0)], True),
        ("not (active eq true)", [_leaf(8, "equals", 0)], True),
        ("active ne true", [_leaf(8, "equals", 0)], True),
        ("title pr", [_leaf(81, "contains", "^")], True),
        ('preferredLanguage eq "fr-FR"', [_leaf(17, "contains", "^fr_FR$")], True),
        ('preferredLanguage eq "fr"', [_leaf(17, "contains", "^fr_FR$")], False),
    ],
)
def test_single_comparisons(text, criteria, exact):
    result = _t(text)
    assert result.criteria == criteria
    assert result.exact is exact
    assert result.nothing is False


@pytest.mark.parametrize(
    ("text", "criteria"),
    [
        # '%' is a LIKE wildcard GLPI never escapes: it also matches a literal '%',
        # so the criterion is a superset and the answer is not exact.
        ('userName eq "a%b"', [_leaf(1, "contains", "^a%b$")]),
        # Anchors inside a value cannot be sent: the longest piece, unanchored.
        ('name.familyName co "x^yy"', [_leaf(34, "contains", "yy")]),
        ('name.familyName sw "ab$"', [_leaf(34, "contains", "ab")]),
        # GLPI trims: the anchor on a trimmed side is dropped.
        ('name.familyName eq " Doe"', [_leaf(34, "contains", "Doe$")]),
        # A bare null would mean IS NULL.
        ('name.familyName co "null"', [_leaf(34, "contains", "Null")]),
    ],
)
def test_values_glpi_cannot_match_literally_widen(text, criteria):
    result = _t(text)
    assert result.criteria == criteria
    assert result.exact is False


@pytest.mark.parametrize(
    "text",
    [
        'displayName eq "x"',
        'name.formatted eq "x"',
        'nickName eq "x"',
        'meta.lastModified gt "2020-01-01T00:00:00Z"',
        'userName gt "a"',
        'not (userName eq "x")',
        'userName ne "x"',
        'name.familyName co ""',
        'userName eq "x" or displayName eq "y"',
        "emails.primary eq true",
    ],
)
def test_untranslatable_filters_give_no_criterion(text):
    result = _t(text)
    assert result.criteria is None
    assert result.exact is False
    assert result.nothing is False


def test_and_keeps_the_translatable_side_and_loses_exactness():
    result = _t('displayName eq "x" and userName eq "y"')
    assert result.criteria == [_leaf(1, "contains", "^y$")]
    assert result.exact is False


def test_or_and_precedence_nest_groups():
    result = _t('userName eq "a" or userName eq "b" and name.familyName eq "c"')
    assert result.criteria == [
        _leaf(1, "contains", "^a$"),
        {
            "link": "OR",
            "criteria": [_leaf(1, "contains", "^b$"), _leaf(34, "contains", "^c$", link="AND")],
        },
    ]
    assert result.exact is True


def test_phone_values_search_every_phone_column():
    result = _t('phoneNumbers.value eq "123"')
    assert result.criteria == [
        {
            "criteria": [
                _leaf(6, "contains", "^123$"),
                _leaf(10, "contains", "^123$", link="OR"),
                _leaf(11, "contains", "^123$", link="OR"),
            ]
        }
    ]


def test_non_numeric_id_matches_nothing():
    assert _t('id eq "abc"').nothing is True
    assert _t('id eq "abc" or userName eq "x"').criteria == [_leaf(1, "contains", "^x$")]
    assert _t('id eq "abc" and userName eq "x"').nothing is True


@pytest.mark.parametrize(
    ("version", "value"),
    [
        ("10", "^R&#38;#38;D &#38;#60;Team&#38;#62;$"),
        ("11", "^R&D <Team>$"),
    ],
)
def test_html_characters_are_encoded_as_each_version_searches(version, value):
    result = _t('name.familyName eq "R&D <Team>"', version)
    assert result.criteria == [_leaf(34, "contains", value)]


def test_mapping_overrides_move_the_search_column():
    mapping = UserMapping.build(
        {
            "externalId": "registration_number",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": None,
        }
    )
    node = parse('externalId eq "X1"', RESOURCES["User"])
    assert translate(node, mapping, "10").criteria == [_leaf(22, "contains", "^X1$")]
    node = parse(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"',
        RESOURCES["User"],
    )
    assert translate(node, mapping, "10").criteria is None


def test_scope_is_anded_with_the_filter():
    scope = [{"link": "AND", "criteria": [_leaf(80, "equals", 0)]}]
    combined = combine(scope, _t('userName eq "x"'))
    assert combined == [*scope, _leaf(1, "contains", "^x$", link="AND")]
    assert combine(scope, _t('displayName eq "x"')) == scope
