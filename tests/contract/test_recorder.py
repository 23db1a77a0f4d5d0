"""The recorder, played against the simulator as if it were a real GLPI."""

from __future__ import annotations

import json

from tests.contract.recorder import FIXED_TAG
from tests.contract.recorder import Recorder
from tests.contract.recorder import Ref
from tests.contract.recorder import Step
from tests.contract.recorder import Target
from tests.contract.recorder import write
from tests.contract.replay import Replayer

STEPS = [
    Step(
        "POST /User",
        "POST",
        "/User",
        body={"input": {"name": "rec-{tag}-u", "_useremails": ["{tag}@example.com"]}},
        save={"user": lambda body: body["id"]},
    ),
    Step("GET /User/:id", "GET", "/User/{user}", trim=lambda b: {"id": b["id"], "name": b["name"]}),
    Step(
        "POST /Group",
        "POST",
        "/Group",
        body={"input": {"name": "rec-{tag}-g", "comment": "for user {user}"}},
    ),
    Step(
        "PUT /User/:id",
        "PUT",
        "/User/{user}",
        body={"input": {"id": Ref("user"), "realname": "R"}},
        note="note for {user}",
    ),
]


def _recorder(glpi_sim) -> Recorder:
    target = Target(glpi_sim.url, glpi_sim.app_token, glpi_sim.user_token, version="10.0.12")
    return Recorder(target, tag="qwertyui")


def test_transcripts_hide_secrets_and_the_run_tag(glpi_sim) -> None:
    entries = _recorder(glpi_sim).record(STEPS)
    text = json.dumps(entries)
    assert glpi_sim.app_token not in text and glpi_sim.user_token not in text
    assert "qwertyui" not in text and f"rec-{FIXED_TAG}-u" in text
    assert glpi_sim.sim.base_url not in text and "http://127.0.0.1:8190/apirest.php/User/" in text
    first = entries[0]
    assert set(first) == {"title", "request", "response"}
    assert first["request"]["headers"] == {
        "App-Token": "<APP_TOKEN>",
        "Session-Token": "<SESSION_TOKEN>",
        "Content-Type": "application/json",
    }
    assert first["request"]["path"] == "/apirest.php/User"
    assert first["response"]["status"] == 201 and set(first["response"]["headers"]) >= {"location"}
    uid = first["response"]["body"]["id"]
    assert entries[1]["request"]["path"] == f"/apirest.php/User/{uid}"
    assert entries[1]["response"]["body"] == {"id": uid, "name": f"rec-{FIXED_TAG}-u"}
    assert entries[3]["request"]["body"] == {"input": {"id": uid, "realname": "R"}}
    assert entries[3]["note"] == f"note for {uid}"


def test_everything_created_is_purged_and_the_session_killed(glpi_sim) -> None:
    sim = glpi_sim.sim
    before = {name: set(rows) for name, rows in sim.tables.items()}
    _recorder(glpi_sim).record(STEPS)
    assert {name: set(rows) for name, rows in sim.tables.items()} == before
    assert not [s for s in sim.sessions if sim.sessions[s].user_id == 2]


def test_a_recorded_transcript_replays(glpi_sim, tmp_path) -> None:
    entries = _recorder(glpi_sim).record(STEPS)
    path = write(tmp_path, "99_sample", entries)
    outcomes = Replayer("10").replay(path.name, json.loads(path.read_text()), scored=True)
    assert [o.reason for o in outcomes if not o.ok] == []
    assert len(outcomes) == len(STEPS)
