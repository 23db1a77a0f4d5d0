"""Configuration: defaults < YAML file < environment < explicit overrides.

The merged mapping is validated with :class:`ConfigSchema` (marshmallow).
Every problem is reported at once with its key path; secret values never
appear in a message. The result is a plain nested dict of validated values.

Environment overrides follow Flask's ``from_prefixed_env`` convention:
``GLPISCIM_`` then the key path joined by ``__``, list items by index, and
values JSON-decoded when they parse as JSON::

    GLPISCIM_SERVER__WORKERS=4
    GLPISCIM_TENANTS__0__GLPI__USER_TOKEN=...
    GLPISCIM_TENANTS__0__TOKENS='["t1", "t2"]'

Any secret (``tokens``, ``glpi.app_token``, ``glpi.user_token``,
``glpi.password``, ``oauth`` client secrets, ``admin.password_hash``,
``metrics.token``) may instead be given as ``<key>_file``: a path whose
content (stripped) is the value, for Docker or Kubernetes secrets.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from app.config.schema import ConfigSchema

ENV_PREFIX = "GLPISCIM_"
CONFIG_PATH_ENV = "GLPISCIM_CONFIG"

#: Keys whose values are secrets: never printed, loadable from ``<key>_file``.
SECRET_KEYS = frozenset(
    {"tokens", "app_token", "user_token", "password", "secrets", "password_hash", "token",
     "signing_key", "session_secret"}
)


class ConfigError(Exception):
    """The configuration is invalid; ``errors`` maps key paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        lines = [f"  {path}: {'; '.join(msgs)}" for path, msgs in sorted(errors.items())]
        super().__init__("invalid configuration:\n" + "\n".join(lines))


def _resolve_secret_files(node: Any, path: str, errors: dict[str, list[str]]) -> Any:
    """Replace every ``<secret>_file`` key by ``<secret>`` read from that file."""
    if isinstance(node, list):
        return [_resolve_secret_files(v, f"{path}.{i}", errors) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        key_path = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and key.endswith("_file") and key[:-5] in SECRET_KEYS:
            target = key[:-5]
            try:
                text = Path(str(value)).read_text(encoding="utf-8").strip()
            except OSError as exc:
                errors.setdefault(key_path, []).append(f"cannot read file ({exc.strerror})")
                continue
            out[target] = [t for t in text.splitlines() if t.strip()] if target == "tokens" else text
        else:
            out[key] = _resolve_secret_files(value, key_path, errors)
    return out


def _set_path(root: dict, parts: list[str], value: Any) -> None:
    node: Any = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append({})
            if last:
                node[index] = value
            else:
                if not isinstance(node[index], (dict, list)):
                    node[index] = {}
                node = node[index]
            continue
        if last:
            node[part] = value
        else:
            nxt = parts[i + 1]
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = [] if nxt.isdigit() else {}
            node = node[part]


def env_overrides(environ: Mapping[str, str]) -> dict:
    """Build the override tree from ``GLPISCIM_*`` variables."""
    tree: dict = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_PATH_ENV:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if not parts:
            continue
        raw = environ[name]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, (int, float)) and parts[-1] in SECRET_KEYS | {
                k + "_file" for k in SECRET_KEYS}:
            value = raw  # a numeric-looking secret stays a string
        _set_path(tree, parts, value)
    return tree


def deep_merge(base: Any, override: Any) -> Any:
    """Merge ``override`` into ``base``; dicts merge, lists merge by index."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base.get(key), value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(override, list):
        out_list = list(base)
        for i, value in enumerate(override):
            if i < len(out_list):
                out_list[i] = deep_merge(out_list[i], value)
            else:
                out_list.append(value)
        return out_list
    return copy.deepcopy(override)


def _flatten_errors(messages: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            key_path = path if key == "_schema" else (f"{path}.{key}" if path else str(key))
            _flatten_errors(value, key_path, out)
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                _flatten_errors(item, path, out)
            else:
                out.setdefault(path or "<root>", []).append(str(item))
    else:
        out.setdefault(path or "<root>", []).append(str(messages))


def validate_config(raw: Mapping[str, Any]) -> dict:
    """Validate a merged mapping; raise :class:`ConfigError` listing every problem."""
    errors: dict[str, list[str]] = {}
    resolved = _resolve_secret_files(dict(raw), "", errors)
    try:
        config = ConfigSchema().load(resolved)
    except ValidationError as exc:
        _flatten_errors(exc.messages, "", errors)
        config = None
    if errors:
        raise ConfigError(errors)
    return config


def load_config(
    path: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict:
    """Load, merge and validate the configuration.

    :param path: YAML file; defaults to ``$GLPISCIM_CONFIG`` when set.
    :param environ: the environment to read ``GLPISCIM_*`` from (``os.environ``).
    :param overrides: a mapping applied last (tests, the sandbox).
    :raises ConfigError: on an unreadable file or any invalid key.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_PATH_ENV)
    data: Any = {}
    if path:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError({"<file>": [f"cannot read {path}: {exc.strerror}"]}) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError({"<file>": [f"{path} is not valid YAML{where}"]}) from None
        if not isinstance(data, dict):
            raise ConfigError({"<file>": [f"{path} must hold a mapping at the top level"]})
    merged = deep_merge(data, env_overrides(environ))
    if overrides:
        merged = deep_merge(merged, dict(overrides))
    return validate_config(merged)


def load_for_command(
    path: str | os.PathLike | None, environ: Mapping[str, str] | None, err: Any
) -> dict | None:
    """:func:`load_config` for a command: the configuration, or None once the problems are
    printed to ``err`` (the command then exits with status 2)."""
    try:
        return load_config(path, environ=environ)
    except ConfigError as exc:
        print(str(exc), file=err)
        return None


def iter_schema_keys(schema: Schema | None = None, prefix: str = "") -> list[tuple[str, dict]]:
    """List every configuration key path with its metadata (for the docs test)."""
    schema = schema or ConfigSchema()
    keys: list[tuple[str, dict]] = []
    for name, fld in schema.fields.items():
        path = f"{prefix}{name}"
        keys.append((path, dict(fld.metadata)))
        inner = fld
        suffix = "."
        if isinstance(fld, fields.List):
            inner = fld.inner
            suffix = "[]."
        if isinstance(inner, fields.Nested):
            keys.extend(iter_schema_keys(inner.schema, path + suffix))
    return keys


__all__ = [
    "CONFIG_PATH_ENV",
    "ENV_PREFIX",
    "SECRET_KEYS",
    "ConfigError",
    "ConfigSchema",
    "deep_merge",
    "env_overrides",
    "iter_schema_keys",
    "load_config",
    "load_for_command",
    "validate_config",
]
