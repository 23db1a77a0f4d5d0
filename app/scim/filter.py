"""SCIM filter language (RFC 7644 §3.4.2.2): parser, AST and evaluator.

INTERFACE STUB: the AST below is fixed (other modules build on it); the
parser and the evaluator are implemented by the filter work item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Union

from app.scim.schema import ResolvedPath
from app.scim.schema import ResourceSchema


@dataclass(frozen=True)
class Compare:
    """``path op value``; ``op`` is lower-case: eq ne co sw ew gt ge lt le."""

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
    raise NotImplementedError


def matches(node: Node, resource: dict) -> bool:
    """Evaluate ``node`` against a SCIM resource dict (canonical form)."""
    raise NotImplementedError
