"""SCIM filter AST → GLPI ``/search/User`` criteria that can never miss a match.

GLPI's ``contains`` is a case- and accent-insensitive ``LIKE`` in which ``%``
stays a wildcard, values are trimmed and ``^``/``$`` are anchors
(``app.glpi.client.encoding``). No criterion can therefore promise exactly the SCIM
semantics. The rule here is one-sided: **the rows GLPI returns are always a
superset of the rows the filter matches**, and the backend verifies every
candidate with :func:`app.scim.filter.parser.matches`. What cannot be narrowed
safely (a ``not`` over a text comparison, which would also drop rows whose
column is NULL; ``gt`` on strings; an attribute GLPI cannot search) becomes
"no criterion", never a dropped clause.

:class:`Translation` also says whether GLPI's answer is *exact* (only case
and accent folding can differ), so the backend may page with GLPI's ``range``
and trust ``totalcount``; otherwise it scans the candidates itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.glpi.client.encoding import like_value
from app.glpi.users.mapping import DEPARTMENT
from app.glpi.users.mapping import EMPLOYEE_NUMBER
from app.glpi.users.mapping import OPT_EMAILS
from app.glpi.users.mapping import OPT_ID
from app.glpi.users.mapping import OPTION_BY_COLUMN
from app.glpi.users.mapping import PHONE_COLUMN_BY_TYPE
from app.glpi.users.mapping import UserMapping
from app.glpi.users.validation import glpi_language
from app.glpi.users.validation import scim_language
from app.scim.filter.parser import And
from app.scim.filter.parser import Compare
from app.scim.filter.parser import Node
from app.scim.filter.parser import Not
from app.scim.filter.parser import Or
from app.scim.filter.parser import Present
from app.scim.filter.parser import ValuePath
from app.scim.schema import ResolvedPath

#: SCIM substring operators → (anchored at start, anchored at end).
ANCHORS_BY_SCIM_OP = {
    "eq": (True, True),
    "sw": (True, False),
    "ew": (False, True),
    "co": (False, False),
}

#: Text attributes searchable through a ``glpi_users`` column.
TEXT_PATHS = (
    "userName",
    "name.givenName",
    "name.familyName",
    "externalId",
    "title",
    EMPLOYEE_NUMBER,
    DEPARTMENT,
)

_PHONE_OPTIONS = tuple(sorted({OPTION_BY_COLUMN[c] for c in PHONE_COLUMN_BY_TYPE.values()}))


@dataclass(frozen=True)
class Translation:
    """GLPI criteria for a filter.

    :ivar criteria: the criteria list, or None for "no narrowing criterion".
    :ivar exact: GLPI's rows are the filter's rows up to case/accent folding.
    :ivar nothing: the filter can match no user at all (``id eq "abc"``).
    """

    criteria: list[dict] | None
    exact: bool
    nothing: bool = False


ANY = Translation(None, exact=False)
ALL = Translation(None, exact=True)
NOTHING = Translation(None, exact=True, nothing=True)


def translate(
    node: Node | None,
    mapping: UserMapping,
    version: str,
    default_language: Callable[[], str | None] = lambda: None,
) -> Translation:
    """Translate ``node`` for GLPI ``version`` (``"10"`` or ``"11"``).

    :param default_language: gives GLPI's default language, which a NULL ``language``
        stands for (:func:`app.glpi.users.mapping.user_language`); called only for a filter on
        ``preferredLanguage``.
    """
    if node is None:
        return ALL
    return _Translator(mapping, version, default_language).visit(node)


def combine(scope: list[dict], translation: Translation) -> list[dict]:
    """AND the scope with a translation's criteria."""
    if not translation.criteria:
        return list(scope)
    return [*scope, _group("AND", translation.criteria)]


def _group(link: str, criteria: list[dict]) -> dict:
    if len(criteria) == 1 and "criteria" not in criteria[0]:
        return {**criteria[0], "link": link}
    return {"link": link, "criteria": criteria}


def _both(link: str, left: list[dict], right: list[dict]) -> list[dict]:
    first = left[0] if len(left) == 1 else {"criteria": left}
    return [first, _group(link, right)]


class _Translator:
    def __init__(
        self, mapping: UserMapping, version: str, default_language: Callable[[], str | None]
    ):
        self.mapping = mapping
        self.version = version
        self.default_language = default_language

    def visit(self, node: Node) -> Translation:
        if isinstance(node, And):
            return self._and(self.visit(node.left), self.visit(node.right))
        if isinstance(node, Or):
            return self._or(self.visit(node.left), self.visit(node.right))
        if isinstance(node, Not):
            return self._not(node.node)
        if isinstance(node, ValuePath):
            return self.visit(node.filter)
        if isinstance(node, Present):
            return self._present(node.path)
        if isinstance(node, Compare):
            return self._compare(node)
        return ANY

    @staticmethod
    def _and(left: Translation, right: Translation) -> Translation:
        if left.nothing or right.nothing:
            return NOTHING
        exact = left.exact and right.exact
        if left.criteria is None or right.criteria is None:
            return Translation(left.criteria or right.criteria, exact)
        return Translation(_both("AND", left.criteria, right.criteria), exact)

    @staticmethod
    def _or(left: Translation, right: Translation) -> Translation:
        if left.nothing:
            return right
        if right.nothing:
            return left
        exact = left.exact and right.exact
        if left.criteria is None or right.criteria is None:
            return Translation(None, exact)
        return Translation(_both("OR", left.criteria, right.criteria), exact)

    def _not(self, inner: Node) -> Translation:
        """Only negations of NOT NULL columns (id, is_active) are narrowed."""
        if isinstance(inner, Compare) and inner.op in ("eq", "ne"):
            flipped = "ne" if inner.op == "eq" else "eq"
            if self._is(inner.path, "id") or self._is(inner.path, "active"):
                return self._compare(Compare(inner.path, flipped, inner.value))
        if isinstance(inner, Not):
            return self.visit(inner.node)
        return ANY

    def _present(self, path: ResolvedPath) -> Translation:
        if self._is(path, "id") or self._is(path, "userName"):
            return ALL
        if self._is(path, "active") and self.mapping.option("active"):
            return ALL
        options = self._options(path)
        if not options:
            return ANY
        leaves = [{"field": o, "searchtype": "contains", "value": "^"} for o in options]
        return Translation(_any_of(leaves), exact=True)

    def _compare(self, node: Compare) -> Translation:
        path, op, value = node.path, node.op, node.value
        if self._is(path, "id"):
            return _id_compare(op, value)
        if self._is(path, "active"):
            option = self.mapping.option("active")
            if option is None or op not in ("eq", "ne") or not isinstance(value, bool):
                return ANY
            wanted = value if op == "eq" else not value
            return Translation(
                [{"field": option, "searchtype": "equals", "value": int(wanted)}], True
            )
        if op not in ANCHORS_BY_SCIM_OP or not isinstance(value, str):
            return ANY
        if self._is(path, "preferredLanguage") or self._is(path, "locale"):
            return self._language(path, op, value)
        options = self._options(path)
        if not options:
            return ANY
        starts, ends = ANCHORS_BY_SCIM_OP[op]
        text = like_value(value, self.version, starts=starts, ends=ends)
        if text is None:
            return ANY
        exact = _plain(value) and not path.target.case_exact
        leaves = [{"field": o, "searchtype": "contains", "value": text} for o in options]
        return Translation(_any_of(leaves), exact)

    def _language(self, path: ResolvedPath, op: str, value: str) -> Translation:
        """``eq`` a language: its GLPI locale, and NULL too when it is GLPI's default.

        GLPI stores a user's language equal to its default as NULL, and such a user
        reads as that language (:func:`app.glpi.users.mapping.user_language`). ``contains
        ^$`` matches NULL and not ``""`` (a removed language, read as absent): GLPI's
        ``makeTextSearch`` turns the empty pattern into ``IS NULL`` (10.0.12 and 11.0.6).
        """
        option = self.mapping.option(path.attribute.name)
        code = glpi_language(value) if op == "eq" else None
        if option is None or code is None:
            return ANY
        exact = (scim_language(code) or "").lower() == value.lower()
        leaves = [{"field": option, "searchtype": "contains", "value": f"^{code}$"}]
        if code == self.default_language():
            leaves.append({"field": option, "searchtype": "contains", "value": "^$"})
        return Translation(_any_of(leaves), exact)

    def _options(self, path: ResolvedPath) -> tuple[int, ...]:
        """Search options holding the values ``path`` compares (empty: not searchable)."""
        name = path.attribute.name
        sub = path.sub_attribute.name if path.sub_attribute else None
        if name == "emails" and sub in (None, "value"):
            return (OPT_EMAILS,)
        if name == "phoneNumbers" and sub in (None, "value"):
            return _PHONE_OPTIONS
        canonical = path.canonical
        for candidate in TEXT_PATHS:
            if candidate.lower() == canonical.lower():
                option = self.mapping.option(candidate)
                return (option,) if option else ()
        return ()

    @staticmethod
    def _is(path: ResolvedPath, name: str) -> bool:
        return path.sub_attribute is None and not path.is_extension and path.attribute.name == name


def _any_of(leaves: list[dict]) -> list[dict]:
    out = [leaves[0]]
    out.extend({**leaf, "link": "OR"} for leaf in leaves[1:])
    return out if len(leaves) == 1 else [{"criteria": out}]


def _id_compare(op: str, value: Any) -> Translation:
    """``id`` is GLPI's integer id: ``equals`` works in 10 and 11 (anchors fail in 11)."""
    text = str(value).strip() if value is not None else ""
    if op not in ("eq", "ne"):
        return ANY
    if not text.isdigit():
        return NOTHING if op == "eq" else ALL
    searchtype = "equals" if op == "eq" else "notequals"
    return Translation(
        [{"field": OPT_ID, "searchtype": searchtype, "value": int(text)}], exact=True
    )


def _plain(value: str) -> bool:
    """True when GLPI's LIKE sees ``value`` literally (no wildcard, anchor or trim)."""
    return (
        bool(value)
        and value == value.strip()
        and "%" not in value
        and "^" not in value
        and "$" not in value
        and value.lower() != "null"
    )
