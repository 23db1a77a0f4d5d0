"""The lane's own plumbing: the real GLPI answers, the bridge counts its calls, clean-up works."""

from __future__ import annotations

from tests.real.bridge import unique_name


def test_real_glpi_answers_with_its_version(real_glpi):
    assert real_glpi.version.split(".")[0] == real_glpi.major
    config = real_glpi.api.json("GET", "/getGlpiConfig")
    assert config["cfg_glpi"]["version"].strip() == real_glpi.version


def test_bridge_counts_its_glpi_calls_and_purges_what_it_created(real_glpi, real_bridge):
    bridge = real_bridge()
    login = unique_name("rl-lane")
    bridge.reset_calls()
    user = bridge.create(login)
    calls = bridge.calls()
    assert ("POST", "/User/") in calls
    assert all(path.startswith("/") and "apirest.php" not in path for _, path in calls)
    assert [row["id"] for row in real_glpi.api.rows("User", name=login)] == [int(user["id"])]
    bridge.close()
    assert real_glpi.api.rows("User", name=login) == []
    assert real_glpi.api.get("User", user["id"]) is None


def test_sql_reads_the_database(real_glpi):
    rows = real_glpi.sql("SELECT name FROM glpi_users WHERE id = %s", (2,))
    assert rows == [("glpi",)]
