"""``glpi-scim-bridge selftest`` against the GLPI simulator (issue 15 §1), GLPI 10 and 11.

The same scenario runs against the real GLPIs in ``tests/real/test_selftest.py``.
"""

from __future__ import annotations

import io
import re
import signal
from pathlib import Path

import pytest
import yaml

from app.cli import main
from app.selftest import runner
from app.selftest import scenario
from app.selftest.runner import calls_text
from app.selftest.runner import run_selftest
from app.selftest.runner import selftest_config
from app.selftest.scenario import PREFIX
from tests.selftest_cli import interrupt_cli

pytestmark = pytest.mark.glpi_versions("10", "11")

def _config(running, tmp_path: Path, **tenant) -> Path:
    config = {
        "tenants": [
            {
                "name": "acme",
                "tokens": ["selftest-idp-token-000001"],
                "glpi": {
                    "url": running.url,
                    "app_token": running.app_token,
                    "user_token": running.user_token,
                    "version": running.sim.version,
                },
                **tenant,
            }
        ]
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _leftovers(sim, tag: str = PREFIX) -> list[tuple[str, int, str]]:
    """Users (live or trashed) and groups whose name starts with ``tag``."""
    return [
        (itemtype, row["id"], row["name"])
        for itemtype in ("User", "Group")
        for row in sim.rows(itemtype)
        if str(row.get("name") or "").startswith(tag)
    ]


def _run(config: Path, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    status = run_selftest(str(config), out=out, environ={}, **kwargs)
    return status, out.getvalue()


@pytest.mark.parametrize("policy", ["trash", "purge", "deactivate"])
def test_selftest_passes_and_leaves_nothing(glpi_sim, tmp_path, policy):
    config = _config(glpi_sim, tmp_path, deprovisioning=policy)
    status, text = _run(config)
    lines = text.splitlines()
    assert status == 0, text
    assert lines[-1].startswith("selftest PASSED: tenant acme, 9/9 steps")
    assert lines[-1].endswith("nothing left in GLPI")
    steps = [line for line in lines if re.match(r"  \d/9 ", line)]
    assert len(steps) == 9 and all(" OK " in line and " ms " in line for line in steps)
    assert "2 GLPI calls: GET /search/User, GET /getMultipleItems" in steps[2]
    assert "POST /User" in steps[1] and "POST /Group" in steps[5]
    assert f"deprovisioning {policy}" in steps[8]
    assert "clean-up: " in lines[-2]
    assert _leftovers(glpi_sim.sim) == []


def test_names_are_recognisable_and_unique():
    first, second = scenario.Throwaway.new(), scenario.Throwaway.new()
    assert first.login.startswith(PREFIX) and re.fullmatch(PREFIX + "[0-9a-f]{10}", first.tag)
    assert first.tag != second.tag
    assert first.email.endswith(".invalid")


def test_a_failing_step_still_cleans_up(glpi_sim, tmp_path, monkeypatch):
    def refuse(run):
        raise scenario.StepFailed("made to fail by the test")

    steps = list(scenario.STEPS)
    steps[6] = ("remove member", refuse)
    monkeypatch.setattr(runner, "STEPS", tuple(steps))
    status, text = _run(_config(glpi_sim, tmp_path))
    assert status == 1, text
    assert "  7/9 remove member" in text and "FAIL" in text
    assert re.search(r"clean-up: purged group \d+, user \d+", text)
    last = text.splitlines()[-1]
    assert last.startswith("selftest FAILED: tenant acme, step 7/9 (remove member)")
    assert _leftovers(glpi_sim.sim) == []


def test_a_create_whose_answer_was_lost_is_found_by_its_name(glpi_sim, tmp_path, monkeypatch):
    """Interrupted mid-request, GLPI made the user but the run never saw its id."""

    def create_then_lose(run):
        scenario.create_user(run)
        run.made.users.clear()
        raise scenario.StepFailed("the answer was lost")

    steps = list(scenario.STEPS)
    steps[1] = ("create user with e-mail", create_then_lose)
    monkeypatch.setattr(runner, "STEPS", tuple(steps))
    status, text = _run(_config(glpi_sim, tmp_path))
    assert status == 1
    assert re.search(r"clean-up: purged user \d+; nothing of this run is left", text)
    assert _leftovers(glpi_sim.sim) == []


def test_it_never_touches_what_it_did_not_make(glpi_sim, tmp_path):
    others = [
        glpi_sim.sim.seed_user(name=f"{PREFIX}someone-else"),
        glpi_sim.sim.seed_user(name=f"{PREFIX}0000000000", is_deleted=1),
    ]
    group = glpi_sim.sim.insert("Group", {"name": f"{PREFIX}kept", "entities_id": 0})
    status, text = _run(_config(glpi_sim, tmp_path, deprovisioning="purge"))
    assert status == 0, text
    assert sorted(i for t, i, _ in _leftovers(glpi_sim.sim) if t == "User") == sorted(others)
    assert [i for t, i, _ in _leftovers(glpi_sim.sim) if t == "Group"] == [group]


def test_tenant_choice_and_configuration_errors(glpi_sim, tmp_path, capsys):
    config = yaml.safe_load(_config(glpi_sim, tmp_path).read_text())
    second = {**config["tenants"][0], "name": "beta", "tokens": ["selftest-idp-token-000002"]}
    config["tenants"].append(second)
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["selftest", "--config", str(path)]) == 2
    assert "choose one with --tenant: acme, beta" in capsys.readouterr().err
    assert main(["selftest", "--config", str(path), "--tenant", "nope"]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants: []\nserver: {workers: 0}\n")
    assert main(["selftest", "--config", str(bad)]) == 2
    status, text = _run(path, tenant="beta")
    assert status == 0 and "selftest PASSED: tenant beta" in text


def test_its_app_has_one_tenant_its_own_token_and_no_status_page_events():
    config = {
        "activity": {"enabled": True},
        "logging": {"audit_sink": "file", "audit_file": "/var/log/audit.jsonl"},
        "tenants": [
            {"name": "a", "tokens": ["t" * 20], "oauth": {"clients": []}, "glpi": {}},
            {"name": "b", "tokens": ["u" * 20], "glpi": {}},
        ],
    }
    settings = selftest_config(config, "a", "own-token")
    assert [t["name"] for t in settings["tenants"]] == ["a"]
    tenant = settings["tenants"][0]
    assert tenant["tokens"] == ["own-token"] and "oauth" not in tenant
    assert settings["activity"]["enabled"] is False
    assert settings["logging"]["audit_sink"] == "file"
    assert config["tenants"][0]["tokens"] == ["t" * 20]


def test_calls_text_counts_and_folds_repeats():
    record = runner.CallRecord
    records = [record("/search/User", "GET", 200, 1.0), record("/search/User", "GET", 200, 1.0),
               record("/User/:id", "PUT", 200, 1.0)]
    assert calls_text(records) == "3 GLPI calls: GET /search/User ×2, PUT /User/:id"
    assert calls_text([]) == "0 GLPI calls"


@pytest.mark.parametrize(("signum", "after_step"), [(signal.SIGTERM, 6), (signal.SIGINT, 2)])
def test_killed_mid_way_it_purges_what_it_made(glpi_sim, tmp_path, signum, after_step):
    status, text = interrupt_cli(_config(glpi_sim, tmp_path), signum, after_step)
    assert status == 128 + signum, text
    tag = re.search(r"objects named (\S+)", text).group(1)
    made = "group \\d+, user \\d+" if after_step >= 6 else "user \\d+"
    assert re.search(f"clean-up: purged {made}; nothing of this run is left in GLPI", text), text
    last = text.strip().splitlines()[-1]
    assert last.startswith(f"selftest INTERRUPTED by {signal.Signals(signum).name}")
    assert _leftovers(glpi_sim.sim, tag) == [] and _leftovers(glpi_sim.sim) == []
