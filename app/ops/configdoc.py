"""Generate ``docs/configuration.md`` and ``config.example.yaml`` from the schema.

Both files are committed; tests check that they list exactly the keys of
:class:`app.config.ConfigSchema` and that the example validates. After a
change of the schema, regenerate them::

    .venv/bin/python -m app.ops.configdoc
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema
from marshmallow import fields
from marshmallow.utils import missing

from app.config import ENV_PREFIX
from app.config import SECRET_KEYS
from app.config import ConfigSchema
from app.config import iter_schema_keys

ROOT = Path(__file__).resolve().parents[2]

#: Example values for keys that have no usable default (placeholders, never real secrets).
EXAMPLE_VALUES = {
    "tenants[].name": "default",
    "tenants[].tokens": ["replace-with-a-long-random-bearer-token"],
    "tenants[].glpi.url": "https://glpi.example.org/apirest.php",
    "tenants[].glpi.app_token": "replace-with-the-api-client-app-token",
    "tenants[].glpi.user_token": "replace-with-the-api-account-user-token",
}

_INTRO = """# Configuration reference

The bridge reads one YAML file (`--config PATH` or `$GLPISCIM_CONFIG`), then
environment variables, and validates the result at start-up: every problem is
reported at once with its key path, and the process exits non-zero. Secret
values are never printed, not even in validation errors.

Precedence, lowest first: built-in defaults, the YAML file, `GLPISCIM_*`
environment variables, then values given by code (the sandbox, tests).

**Environment variables.** `GLPISCIM_` followed by the key path in upper case,
levels joined by `__`, list items by their index. Values are JSON-decoded when
they parse as JSON, so numbers, booleans and lists work:

```sh
GLPISCIM_SERVER__WORKERS=4
GLPISCIM_TENANTS__0__GLPI__USER_TOKEN=...
GLPISCIM_TENANTS__0__TOKENS='["token-one-0123456789", "token-two-0123456789"]'
```

**Secrets from files.** Every secret key ({secrets}) may be given instead as
`<key>_file`: the path of a file whose content (stripped) is the value, as
Docker and Kubernetes secrets are mounted. For `tokens_file`, one token a line.

```yaml
tenants:
  - name: default
    tokens_file: /run/secrets/scim_token
    glpi:
      url: https://glpi.example.org/apirest.php
      user_token_file: /run/secrets/glpi_user_token
```

Bearer tokens may be stored as `sha256:<64 hex digits>` (the SHA-256 of the
token) so the file never holds the token itself.

`config.example.yaml` at the root of the repository holds every key below with
its default. This page is generated from the schema (`python -m app.ops.configdoc`).
"""


def _default(fld: fields.Field) -> Any:
    if fld.required:
        return "required"
    value = fld.load_default
    if value is missing:
        return None
    return value() if callable(value) else value


def _field_at(path: str) -> fields.Field:
    schema: Schema = ConfigSchema()
    fld: fields.Field | None = None
    for part in path.replace("[]", "").split("."):
        fld = schema.fields[part]
        inner = fld.inner if isinstance(fld, fields.List) else fld
        if isinstance(inner, fields.Nested):
            schema = inner.schema
    assert fld is not None
    return fld


def _env_name(path: str) -> str:
    return ENV_PREFIX + path.replace("[]", "__0").replace(".", "__").upper()


def _cell(value: Any) -> str:
    if value == "required":
        return "*required*"
    return f"`{json.dumps(value, sort_keys=True)}`"


def render_reference() -> str:
    """The Markdown configuration reference."""
    secrets = ", ".join(f"`{k}`" for k in sorted(SECRET_KEYS))
    out = [_INTRO.replace("{secrets}", secrets)]
    current_top = None
    for path, meta in iter_schema_keys():
        top = path.split(".")[0].split("[")[0]
        if top != current_top:
            current_top = top
            out.append(f"\n## `{top}`\n\n{meta.get('description', '')}\n")
            out.append("| Key | Default | Environment variable | Description |")
            out.append("| --- | --- | --- | --- |")
        fld = _field_at(path)
        inner = fld.inner if isinstance(fld, fields.List) else fld
        if isinstance(inner, fields.Nested):
            default = "*list*" if isinstance(fld, fields.List) else "*section*"
        else:
            default = _cell(_default(fld))
        description = meta.get("description", "").replace("|", "\\|")
        out.append(f"| `{path}` | {default} | `{_env_name(path)}` | {description} |")
    return "\n".join(out) + "\n"


def _yaml_scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=True).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, 96 - len(indent))]


def _emit(schema: Schema, prefix: str, indent: str, out: list[str]) -> None:
    for name, fld in schema.fields.items():
        path = f"{prefix}{name}"
        description = fld.metadata.get("description", "")
        if name in SECRET_KEYS:
            description += f" May be given as {name}_file: a path to read it from."
        out.extend(_comment(description, indent))
        inner = fld.inner if isinstance(fld, fields.List) else fld
        if isinstance(inner, fields.Nested) and isinstance(fld, fields.List):
            if path == "tenants":
                out.append(f"{indent}{name}:")
                item: list[str] = []
                _emit(inner.schema, path + "[].", indent + "    ", item)
                item[0] = f"{indent}  - {item[0].lstrip()}"
                out.extend(item)
            else:
                out.append(f"{indent}{name}: []")
                out.append(f"{indent}# Each item has:")
                for sub, sub_fld in inner.schema.fields.items():
                    out.append(f"{indent}#   {sub}: {sub_fld.metadata.get('description', '')}")
        elif isinstance(inner, fields.Nested):
            out.append(f"{indent}{name}:")
            _emit(inner.schema, path + ".", indent + "  ", out)
        else:
            value = EXAMPLE_VALUES.get(path, _default(fld))
            out.append(f"{indent}{name}: {_yaml_scalar(value)}")


def render_example() -> str:
    """``config.example.yaml``: every key with its default and its description."""
    out = [
        "# glpi-scim-bridge configuration: every key, with its default value.",
        "# Copy to config.yaml and set the GLPI URL, the tokens and the tenant name.",
        "# Reference: docs/configuration.md. Environment variables GLPISCIM_<PATH> override",
        "# any key (GLPISCIM_TENANTS__0__GLPI__USER_TOKEN=...). Generated by",
        "# `python -m app.ops.configdoc`; the placeholders below are not secrets.",
        "",
    ]
    _emit(ConfigSchema(), "", "", out)
    return "\n".join(out) + "\n"


def main() -> int:
    (ROOT / "docs" / "configuration.md").write_text(render_reference(), encoding="utf-8")
    (ROOT / "config.example.yaml").write_text(render_example(), encoding="utf-8")
    print("wrote docs/configuration.md and config.example.yaml", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
