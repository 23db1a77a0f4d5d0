"""SCIM filter language (RFC 7644 §3.4.2.2): parser, AST and evaluator.

A recursive-descent parser for the ABNF of RFC 7644 §3.4.2.2 (Figure 1)::

    FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
    valuePath = attrPath "[" valFilter "]"
                ; FILTER uses sub-attributes of a parent attrPath
    valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
    attrExp   = (attrPath SP "pr") /
                (attrPath SP compareOp SP compValue)
    logExp    = FILTER SP ("and" / "or") SP FILTER
    compValue = false / null / true / number / string
                ; rules from JSON (RFC 7159)
    compareOp = "eq" / "ne" / "co" /
                       "sw" / "ew" /
                       "gt" / "lt" /
                       "ge" / "le"
    attrPath  = [URI ":"] ATTRNAME *1subAttr
                ; SCIM attribute name
                ; URI is SCIM "schema" URI
    ATTRNAME  = ALPHA *(nameChar)
    nameChar  = "-" / "_" / DIGIT / ALPHA
    subAttr   = "." ATTRNAME
                ; a sub-attribute of a complex attribute

"Filters MUST be evaluated using the following order of operations, in order
of precedence: 1. Grouping operators 2. Attribute operators 3. Logical
operators - where "not" takes precedence over "and", which takes precedence
over "or"". "Attribute names and attribute operators used in filters are case
insensitive." A valFilter may not contain another valuePath (errata 4690 and
7322). Providers "MUST decline to filter results if the specified filter
operation is not recognized and return an HTTP 400 error with a "scimType"
error of "invalidFilter"": every syntax error, unknown attribute or
unsupported comparison raises :class:`InvalidFilterError`; a clause is never
dropped or widened. Tolerated deviations, each for a named client, are marked
where they are handled; docs/filtering.md lists the choices.

Chains of one logical operator (``a or b or c``) are built as balanced trees
(``and``/``or`` are associative), so a long list of clauses stays shallow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from typing import Union

from app.scim.errors import InvalidFilterError
from app.scim.filter.evaluator import evaluate
from app.scim.filter.lexer import COMPARE_OPS
from app.scim.filter.lexer import KEYWORDS
from app.scim.filter.lexer import Token
from app.scim.filter.lexer import clip
from app.scim.filter.lexer import coerce
from app.scim.filter.lexer import read_literal
from app.scim.filter.lexer import syntax_error
from app.scim.filter.lexer import tokenize
from app.scim.schema import Attribute
from app.scim.schema import ResolvedPath
from app.scim.schema import ResourceSchema

MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 64

# "schemas" is not an attribute of any schema, yet RFC 7644 §3.4.2.2 filters on it:
# filter=schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".
# Its values are URIs, and RFC 7643 §2.3.7: "A reference is case exact".
SCHEMAS_ATTRIBUTE = Attribute("schemas", type="reference", multi_valued=True, case_exact=True,
                              mutability="readOnly", reference_types=("uri",))

_ATTR_PATH = re.compile(r"(?:urn:[^\s\[\]()\"]*:)?[A-Za-z][\w-]*(?:\.\$?[A-Za-z][\w-]*)?\Z",
                        re.IGNORECASE)
_SUB_NAME = re.compile(r"\$?[A-Za-z][\w-]*\Z")


@dataclass(frozen=True)
class Compare:
    """``path op value``; ``op`` is lower-case: eq ne co sw ew gt ge lt le.

    ``value`` is already of the attribute's type: ``str`` for string,
    reference and binary attributes, ``bool``, ``int``/``float``, an aware
    UTC :class:`~datetime.datetime` for dateTime, or ``None`` (``null``).
    """

    path: ResolvedPath
    op: str
    value: Any


@dataclass(frozen=True)
class Present:
    """``path pr``."""

    path: ResolvedPath


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class ValuePath:
    """``attr[filter]``: ``filter`` compares sub-attributes of the multi-valued
    (or complex) attribute ``path``; its paths carry ``sub_attribute`` set."""

    path: ResolvedPath
    filter: Node


Node = Union[Compare, Present, And, Or, Not, ValuePath]


def parse(text: str, resource: ResourceSchema) -> Node:
    """Parse ``text`` into an AST, resolving attribute names against ``resource``.

    :raises InvalidFilterError: on a syntax error, an unknown attribute or an
        unsupported comparison.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidFilterError("The filter is empty.")
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilterError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    node = _Parser(text, resource).parse()
    if depth(node) > MAX_DEPTH:
        raise InvalidFilterError(f"The filter nests more than {MAX_DEPTH} levels.")
    return node


def matches(node: Node, resource: dict) -> bool:
    """Evaluate ``node`` against a SCIM resource dict (canonical form)."""
    return evaluate(node, resource)


def walk(node: Node) -> Iterator[Node]:
    """Yield ``node`` and every node below it, depth first, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (And, Or)):
            stack.append(current.right)
            stack.append(current.left)
        elif isinstance(current, Not):
            stack.append(current.node)
        elif isinstance(current, ValuePath):
            stack.append(current.filter)


def paths(node: Node) -> Iterator[ResolvedPath]:
    """Yield every attribute path the filter reads (value-path parents too)."""
    for current in walk(node):
        if isinstance(current, (Compare, Present, ValuePath)):
            yield current.path


def depth(node: Node) -> int:
    """Return the height of the tree (a single comparison is 1)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(current, (And, Or)):
            stack.extend(((current.left, level + 1), (current.right, level + 1)))
        elif isinstance(current, Not):
            stack.append((current.node, level + 1))
        elif isinstance(current, ValuePath):
            stack.append((current.filter, level + 1))
    return deepest


def to_text(node: Node) -> str:
    """Render ``node`` as filter text (for logs); ``parse`` reads it back to
    an equal tree."""
    return _text(node, inner=False)


def _text(node: Node, inner: bool) -> str:
    if isinstance(node, Compare):
        return f"{_path_text(node.path, inner)} {node.op} {_literal_text(node.value)}"
    if isinstance(node, Present):
        return f"{_path_text(node.path, inner)} pr"
    if isinstance(node, Not):
        return f"not ({_text(node.node, inner)})"
    if isinstance(node, ValuePath):
        return f"{node.path.canonical}[{_text(node.filter, inner=True)}]"
    return _chain_text(node, inner)


def _chain_text(node: And | Or, inner: bool) -> str:
    kind = type(node)
    word = " and " if kind is And else " or "
    operands = _flatten(node, kind)
    if _balanced(kind, operands) != node:
        # Not the shape the parser builds from a flat list: keep both halves
        # grouped so the text reads back to this exact tree.
        operands = [node.left, node.right]
        return word.join(f"({_text(op, inner)})" if isinstance(op, (And, Or))
                         else _text(op, inner) for op in operands)
    return word.join(f"({_text(op, inner)})" if kind is And and isinstance(op, Or)
                     else _text(op, inner) for op in operands)


def _flatten(node: Node, kind: type) -> list[Node]:
    operands: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            stack.append(current.right)
            stack.append(current.left)
        else:
            operands.append(current)
    return operands


def _balanced(kind: type, operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    middle = (len(operands) + 1) // 2
    return kind(_balanced(kind, operands[:middle]), _balanced(kind, operands[middle:]))


def _path_text(path: ResolvedPath, inner: bool) -> str:
    if inner and path.sub_attribute is not None:
        return path.sub_attribute.name
    return path.canonical


def _literal_text(value: Any) -> str:
    if hasattr(value, "isoformat"):
        value = value.isoformat().replace("+00:00", "Z")
    return json.dumps(value, ensure_ascii=False)


class _Parser:
    """One parse; ``self.tokens[self.index]`` is the next token."""

    def __init__(self, text: str, resource: ResourceSchema):
        self.tokens = tokenize(text)
        self.index = 0
        self.resource = resource
        self.nesting = 0

    def parse(self) -> Node:
        node = self.or_expr(None)
        token = self.peek()
        if token.kind != "end":
            raise syntax_error(token, "expected 'and', 'or' or the end of the filter")
        return node

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.value.lower() == word

    # logExp = FILTER SP ("and" / "or") SP FILTER   ("or" binds loosest)
    def or_expr(self, parent: ResolvedPath | None) -> Node:
        operands = [self.and_expr(parent)]
        while self.is_keyword("or"):
            self.take()
            operands.append(self.and_expr(parent))
        return _balanced(Or, operands)

    # logExp = FILTER SP ("and" / "or") SP FILTER   ("and" binds tighter)
    def and_expr(self, parent: ResolvedPath | None) -> Node:
        operands = [self.unary(parent)]
        while self.is_keyword("and"):
            self.take()
            operands.append(self.unary(parent))
        return _balanced(And, operands)

    # FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
    def unary(self, parent: ResolvedPath | None) -> Node:
        token = self.peek()
        if token.kind == "word" and token.value.lower() == "not":
            self.take()
            if self.peek().kind != "(":
                raise syntax_error(self.peek(), "expected '(' after 'not'")
            return Not(self.group(parent))
        if token.kind == "(":
            return self.group(parent)
        return self.attr_expr(parent)

    def group(self, parent: ResolvedPath | None) -> Node:
        opening = self.take()
        self.enter(opening)
        node = self.or_expr(parent)
        if self.peek().kind != ")":
            raise syntax_error(self.peek(), f"expected ')' to close the '(' at character "
                                          f"{opening.pos}")
        self.take()
        self.nesting -= 1
        return node

    def enter(self, token: Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise InvalidFilterError(f"The filter nests more than {MAX_DEPTH} levels "
                                     f"(at character {token.pos}).")

    # attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
    def attr_expr(self, parent: ResolvedPath | None) -> Node:
        token = self.take()
        if token.kind != "word" or token.value.lower() in KEYWORDS:
            raise syntax_error(token, "expected an attribute name")
        if self.peek().kind == "[":
            if parent is not None:
                raise syntax_error(self.peek(), "no '[...]' inside '[...]' "
                                              "(RFC 7644 errata 4690)")
            return self.value_path(token)
        path = (self.resolve(token) if parent is None
                else _resolve_sub(parent, token.value, token.pos))
        return self.comparison(path, token)

    # valuePath = attrPath "[" valFilter "]"
    # valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
    def value_path(self, name: Token) -> Node:
        parent = self.resolve(name)
        if not parent.attribute.is_complex or parent.sub_attribute is not None:
            raise InvalidFilterError(
                f"'{name.value}' is not a complex attribute: a '[...]' filter "
                "needs an attribute with sub-attributes such as emails or members.")
        opening = self.take()
        self.enter(opening)
        inner = self.or_expr(parent)
        if self.peek().kind != "]":
            raise syntax_error(self.peek(), f"expected ']' to close the '[' at character "
                                          f"{opening.pos}")
        self.take()
        self.nesting -= 1
        token = self.peek()
        if token.kind == "word" and token.value.startswith("."):
            return self.entra_value_path(parent, inner, self.take())
        return ValuePath(parent, inner)

    def entra_value_path(self, parent: ResolvedPath, inner: Node, sub: Token) -> Node:
        """Read ``emails[type eq "work"].value eq "x"``.

        The ABNF allows ``attr[filter].sub`` only in PATCH paths (RFC 7644
        §3.5.2), but Microsoft Entra ID sends it as a user-matching filter.
        It means "an element that passes the filter and whose ``sub``
        compares": the same element must satisfy both, so it becomes
        ``attr[filter and sub op value]``; ``ne`` becomes ``not`` of the
        ``eq`` form (no selected value equals).
        """
        path = _resolve_sub(parent, sub.value[1:], sub.pos + 1)
        node = self.comparison(path, sub)
        if isinstance(node, Compare) and node.op == "ne":
            return Not(ValuePath(parent, And(inner, Compare(path, "eq", node.value))))
        return ValuePath(parent, And(inner, node))

    def comparison(self, path: ResolvedPath, name: Token) -> Node:
        token = self.take()
        op = token.value.lower() if token.kind == "word" else ""
        if op == "pr":
            return Present(path)
        if op not in COMPARE_OPS:
            raise syntax_error(token, f"expected an operator after {clip(name.text)} "
                                      "(eq, ne, co, sw, ew, gt, ge, lt, le or pr)")
        path = _value_sub_attribute(path, name)
        value = coerce(path, op, read_literal(self.take(), op), name.text)
        return Compare(path, op, value)

    # attrPath = [URI ":"] ATTRNAME *1subAttr ; ATTRNAME = ALPHA *(nameChar)
    def resolve(self, token: Token) -> ResolvedPath:
        name = token.value
        if not _ATTR_PATH.match(name):
            raise InvalidFilterError(
                f"Invalid attribute path {clip(name)} at character {token.pos}.")
        if name.lower() == "schemas":
            return ResolvedPath(self.resource.core.id, SCHEMAS_ATTRIBUTE)
        path = self.resource.resolve(name)
        if path is None:
            raise InvalidFilterError(
                f"Unknown attribute {clip(name)} for {self.resource.name} resources "
                f"(character {token.pos}).")
        _check_filterable(path, name)
        return path


def _resolve_sub(parent: ResolvedPath, name: str, pos: int) -> ResolvedPath:
    if not _SUB_NAME.match(name):
        raise InvalidFilterError(
            f"Invalid sub-attribute {clip(name)} of '{parent.canonical}' at character {pos}: "
            "inside '[...]' use sub-attribute names only, and no nested '[...]'.")
    sub = parent.attribute.sub(name)
    if sub is None:
        raise InvalidFilterError(
            f"Unknown sub-attribute {clip(name)} of '{parent.canonical}' "
            f"(character {pos}).")
    path = ResolvedPath(parent.schema, parent.attribute, sub)
    _check_filterable(path, name)
    return path


def _check_filterable(path: ResolvedPath, name: str) -> None:
    if path.target.returned == "never" or path.target.mutability == "writeOnly":
        raise InvalidFilterError(f"The attribute {clip(name)} cannot be used in a filter.")


def _value_sub_attribute(path: ResolvedPath, name: Token) -> ResolvedPath:
    """Compare a complex attribute through its ``value`` sub-attribute.

    RFC 7644 §3.4.2.2 filters ``emails co "example.com"`` next to
    ``emails.value co "example.org"``; RFC 7643 §2.4 makes ``value`` the
    attribute's significant value. ``pr`` keeps the complex attribute.
    """
    if not path.target.is_complex:
        return path
    value = path.attribute.sub("value")
    if value is None:
        subs = ", ".join(f"{path.attribute.name}.{s.name}" for s in path.attribute.sub_attributes)
        raise InvalidFilterError(
            f"{clip(name.text)} is a complex attribute: compare one of its "
            f"sub-attributes ({subs}).")
    return ResolvedPath(path.schema, path.attribute, value)


