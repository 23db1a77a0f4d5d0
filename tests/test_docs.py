"""The docs name only configuration keys, commands and pages that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cli import build_parser
from app.config import SECRET_KEYS
from app.config import iter_schema_keys

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

#: Sections a dotted key in the docs may start with (top level, or inside a tenant).
SECTIONS = {"server", "scim", "logging", "metrics", "redis", "cache", "oauth", "activity", "admin",
            "tenants", "glpi", "entity", "users", "groups", "protected", "mapping", "rate_limit"}
#: Keys whose values are free-form mappings (their sub-keys are attribute names).
FREE_FORM = ("mapping.user.", "mapping.group.", "groups.flags.")

KEY = re.compile(r"`([a-z_]+(?:\[\])?(?:\.[A-Za-z_$]+(?:\[\])?)+)`")
COMMAND = re.compile(r"glpi-scim-bridge ([a-z][a-z-]+)")
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
FILE_SUFFIXES = (".py", ".md", ".yaml", ".yml", ".json", ".txt", ".sqlite")
LINK = re.compile(r"\]\(([A-Za-z0-9_.-]+\.md)(?:#[^)]*)?\)")


def schema_suffixes() -> set[str]:
    """Every key path, and every tail of it (``tenants[].glpi.url`` → ``glpi.url``, ``url``)."""
    out: set[str] = set()
    for path, _ in iter_schema_keys():
        parts = path.replace("[]", "").split(".")
        for i in range(len(parts)):
            tail = ".".join(parts[i:])
            out.add(tail)
            if parts[-1] in SECRET_KEYS:
                out.add(tail + "_file")
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_configuration_keys_exist(doc: Path) -> None:
    known = schema_suffixes()
    wrong = []
    for key in KEY.findall(doc.read_text(encoding="utf-8")):
        plain = key.replace("[]", "")
        if (plain.split(".")[0] not in SECTIONS or plain.startswith(FREE_FORM)
                or plain.endswith(FILE_SUFFIXES)):
            continue
        if plain not in known:
            wrong.append(key)
    assert wrong == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_commands_exist(doc: Path) -> None:
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)
    code = " ".join(CODE.findall(doc.read_text(encoding="utf-8")))
    used = set(COMMAND.findall(code))
    assert used - subcommands == set()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_to_pages_resolve(doc: Path) -> None:
    missing = [target for target in LINK.findall(doc.read_text(encoding="utf-8"))
               if not (doc.parent / target).exists()]
    assert missing == []
