"""``glpi-scim-bridge selftest`` against the real GLPIs (issue 15 §1), 10.0.12 and 11.0.6.

The very scenario of the command (``run_selftest``, and the CLI as a process
for the interruptions), so the lane proves what an operator runs.
"""

from __future__ import annotations

import io
import re
import signal
from pathlib import Path

import pytest
import yaml

from app.selftest.runner import run_selftest
from tests.selftest_cli import interrupt_cli


def _config(real_glpi, tmp_path: Path, **tenant) -> Path:
    config = {"tenants": [{
        "name": "real",
        "tokens": ["real-selftest-token-0001"],
        "glpi": {"url": real_glpi.url, "app_token": real_glpi.app_token,
                 "user_token": real_glpi.user_token, "version": real_glpi.major},
        **tenant,
    }]}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _left(real_glpi, text: str) -> list[dict]:
    """What GLPI still holds (live or trashed) under the run's unique name."""
    tag = re.search(r"objects named (scim-selftest-[0-9a-f]{10})", text).group(1)
    return real_glpi.api.rows("User", name=tag) + real_glpi.api.rows("Group", name=tag)


@pytest.mark.parametrize("policy", ["trash", "purge", "deactivate"])
def test_selftest_passes_on_real_glpi(real_glpi, tmp_path, policy):
    out = io.StringIO()
    status = run_selftest(str(_config(real_glpi, tmp_path, deprovisioning=policy)),
                          out=out, environ={})
    text = out.getvalue()
    assert status == 0, text
    assert text.splitlines()[-1].startswith("selftest PASSED: tenant real, 9/9 steps")
    assert f"deprovisioning {policy}" in text
    assert _left(real_glpi, text) == []


@pytest.mark.parametrize(("signum", "after_step"), [(signal.SIGTERM, 6), (signal.SIGINT, 3)])
def test_selftest_killed_mid_way_leaves_nothing(real_glpi, tmp_path, signum, after_step):
    status, text = interrupt_cli(_config(real_glpi, tmp_path), signum, after_step)
    assert status == 128 + signum, text
    assert "nothing of this run is left in GLPI" in text
    assert text.strip().splitlines()[-1].startswith("selftest INTERRUPTED")
    assert _left(real_glpi, text) == []
