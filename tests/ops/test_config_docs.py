"""docs/configuration.md and config.example.yaml list exactly the keys of the schema."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.config import SECRET_KEYS
from app.config import iter_schema_keys
from app.config import load_config

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_KEYS = {path for path, _ in iter_schema_keys()}


def _doc_keys(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE))


def _example_paths(node: object, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            paths.add(path)
            if isinstance(value, dict) and not path.endswith(
                ("mapping.user", "mapping.group", "groups.flags")
            ):
                paths |= _example_paths(value, path + ".")
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                paths |= _example_paths(value[0], path + "[].")
    return paths


def test_reference_lists_exactly_the_schema_keys() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert _doc_keys(text) == SCHEMA_KEYS, "regenerate with: python -m app.ops.configdoc"


def test_example_validates_through_the_schema() -> None:
    config = load_config(ROOT / "config.example.yaml", environ={})
    assert config["tenants"][0]["name"] == "default"


def test_example_holds_every_key_with_its_default() -> None:
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    present = _example_paths(yaml.safe_load(text))
    for path in SCHEMA_KEYS - present:
        parent, _, leaf = path.rpartition("[].")
        assert parent in present and re.search(rf"^\s*#\s+{leaf}: ", text, re.MULTILINE), path
    assert present <= SCHEMA_KEYS


def test_example_holds_no_real_secret() -> None:
    raw = yaml.safe_load((ROOT / "config.example.yaml").read_text(encoding="utf-8"))

    def secrets(node: object) -> list:
        if isinstance(node, dict):
            return [v for k, v in node.items() if k in SECRET_KEYS and v] + [
                s for v in node.values() for s in secrets(v)
            ]
        if isinstance(node, list):
            return [s for v in node for s in secrets(v)]
        return []

    values = [v for s in secrets(raw) for v in (s if isinstance(s, list) else [s])]
    assert values
    assert all(v.startswith("replace-with-") for v in values)
