"""Divergences of real GLPI 10.0.12 and 11.0.6 from the simulator (issue 13), fixed in the bridge.

Each test failed on the real GLPI before its fix (checked by stashing the fix)
and reads GLPI's state back through its own API (or MariaDB for hashes).
"""

from __future__ import annotations

import calendar
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from tests.real.bridge import unique_name

EXCLUDE_MEMBERS = {"excludedAttributes": "members"}


# -- 1. Group externalId without LDAP --------------------------------------------------------


@pytest.mark.parametrize("column", [
    # GLPI 11's default column is code, searchable (covered by the others).
    pytest.param(None, marks=pytest.mark.real_glpi_versions("10")),
    "ldap_group_dn",
    "ldap_value",
])
def test_group_external_id_reads_back_without_ldap(real_glpi, real_bridge, column):
    """GLPI declares Group search options 3/4/5 only with an LDAP directory configured:
    ``externalId`` kept in ``ldap_group_dn`` (GLPI 10's default) or ``ldap_value`` must still
    read back by id, in a page, and through an exact ``externalId eq`` filter."""
    tenant = {"mapping": {"group": {"externalId": column}}} if column else {}
    bridge = real_bridge(**tenant)
    name = unique_name("dv-grp")
    external = f"Ext_{name}"
    created = bridge.create_group(name, externalId=external)
    stored = real_glpi.api.get("Group", created["id"])
    assert stored[column or "ldap_group_dn"] == external
    assert created["externalId"] == external

    read = bridge.get(f"/Groups/{created['id']}", query_string=EXCLUDE_MEMBERS)
    assert read.status_code == 200 and read.json["externalId"] == external

    for expression in (f'externalId eq "{external}"', f'displayName eq "{name}"'):
        found = bridge.get("/Groups", query_string={"filter": expression, **EXCLUDE_MEMBERS})
        assert found.status_code == 200, found.json
        assert [(g["id"], g.get("externalId")) for g in found.json["Resources"]] == [
            (created["id"], external)
        ], expression
    # externalId is caseExact (RFC 7643 §3.1): GLPI's LIKE ignores case, the bridge does not.
    other_case = bridge.get(
        "/Groups", query_string={"filter": f'externalId eq "{external.upper()}"'}
    )
    assert other_case.json["totalResults"] == 0
    # GLPI's LIKE treats "_" literally and "%" as a wildcard: a near miss is not a hit.
    near = bridge.get("/Groups", query_string={"filter": f'externalId eq "Ext%{name}"'})
    assert near.json["totalResults"] == 0

    listed, start = {}, 1
    while True:
        page = bridge.get(
            "/Groups", query_string={"startIndex": start, "count": 100, **EXCLUDE_MEMBERS}
        ).json
        listed.update({g["id"]: g.get("externalId") for g in page["Resources"]})
        start += len(page["Resources"])
        if not page["Resources"] or start > page["totalResults"]:
            break
    assert listed[created["id"]] == external

    patched = bridge.patch_group(
        created["id"], [{"op": "replace", "path": "externalId", "value": f"{external}-2"}]
    )
    assert patched.status_code in (200, 204), patched.json
    assert real_glpi.api.get("Group", created["id"])[column or "ldap_group_dn"] == f"{external}-2"
    assert bridge.get(f"/Groups/{created['id']}").json["externalId"] == f"{external}-2"


def test_group_in_another_entity_is_not_read_by_id(real_glpi, real_bridge):
    """``GET /Group/:id`` is not scoped by GLPI: the bridge checks the tenant's entity."""
    child = (real_glpi.conn or {}).get("child_entity_id")
    if not child:
        pytest.skip("needs the kit's child entity")
    bridge = real_bridge(
        entity={"id": child, "recursive": False},
        mapping={"group": {"externalId": "ldap_group_dn"}},
    )
    root_group = real_bridge(mapping={"group": {"externalId": "ldap_group_dn"}}).create_group(
        unique_name("dv-root"), externalId="x"
    )
    assert bridge.get(f"/Groups/{root_group['id']}").status_code == 404
    found = bridge.get("/Groups", query_string={"filter": 'externalId eq "x"'})
    assert root_group["id"] not in [g["id"] for g in found.json["Resources"]]


# -- 3. Fewest GLPI calls ----------------------------------------------------------------------


def test_group_create_reads_nothing_back(real_glpi, bridge):
    """POST /Groups: the uniqueness search, the create, and the check after the write (no
    Redis), which brings the new row: 3 calls (4 before: the row was searched again)."""
    bridge.create_group(unique_name("dv-warm"))
    bridge.reset_calls()
    name = unique_name("dv-grp")
    created = bridge.create_group(name, externalId=f"e-{name}")
    assert created["externalId"] == f"e-{name}" and created["meta"]["created"]
    assert bridge.calls() == [
        ("GET", "/search/Group"),
        ("POST", "/Group/"),
        ("GET", "/search/Group"),
    ]


# -- 2. A password GLPI refuses is the IdP's 400, and its own password is no refusal ----------

PASSWORD = "Div3rgence!pass-A1"


def _password_hash(real_glpi, user_id: str) -> str:
    return real_glpi.sql("SELECT password FROM glpi_users WHERE id = %s", (int(user_id),))[0][0]


def test_reprovisioning_a_trashed_user_with_its_password_restores_it(real_glpi, bridge):
    """GLPI 11 refuses the password a user already holds ("Password was used too recently"):
    re-provisioning a trashed user with the same password answered 502 and looped."""
    login = unique_name("dv-pw")
    body = {"userName": login, "password": PASSWORD, "emails": [
        {"value": f"{login}@example.org", "type": "work", "primary": True}]}
    user = bridge.create(login, **{k: v for k, v in body.items() if k != "userName"})
    held = _password_hash(real_glpi, user["id"])
    assert held.startswith("$2y$")
    assert bridge.delete(user["id"]).status_code == 204
    assert real_glpi.api.get("User", user["id"])["is_deleted"] == 1

    bridge.reset_calls()
    again = bridge.post(body)
    assert again.status_code == 201, again.json
    assert again.json["id"] == user["id"] and again.json["active"] is True
    assert PASSWORD not in again.get_data(as_text=True)
    row = real_glpi.api.get("User", user["id"])
    assert (row["is_deleted"], row["is_active"]) == (0, 1)
    assert _password_hash(real_glpi, user["id"]) == held
    calls = bridge.calls()
    # the live look-up, the trash looked up across GLPI and in scope, the restore; no
    # create, nothing read back (6 calls before, with the same-looking /search/User twice in
    # a row). GLPI 11 refuses the held password: the restore is written again without it
    # (GLPI's config, which says the history holds only that password, was read for the
    # first create).
    expected = [("GET", "/search/User"), ("GET", "/search/User"), ("GET", "/search/User"),
                ("PUT", "/User/:id")]
    if real_glpi.major == "11":
        expected += [("PUT", "/User/:id")]
    assert calls == expected
    assert bridge.get(f"/Users/{user['id']}").json["active"] is True


def test_sending_the_held_password_again_changes_nothing_and_succeeds(real_glpi, bridge):
    login = unique_name("dv-pw")
    user = bridge.create(login, password=PASSWORD)
    held = _password_hash(real_glpi, user["id"])
    answer = bridge.patch(user["id"], [
        {"op": "replace", "path": "password", "value": PASSWORD},
        {"op": "replace", "path": "name.familyName", "value": "Held"},
    ])
    assert answer.status_code in (200, 204), answer.json
    row = real_glpi.api.get("User", user["id"])
    assert row["realname"] == "Held"
    assert _password_hash(real_glpi, user["id"]) == held


@pytest.mark.real_glpi_versions("11")  # GLPI 10 keeps no password history
def test_a_password_refused_by_glpi_history_is_400_and_changes_nothing(real_glpi, bridge):
    """With ``non_reusable_passwords_count`` above 1, "used too recently" cannot tell the
    held password from an older one: 400 ``invalidValue`` with GLPI's reason, no secret,
    nothing written. The kit's GLPI is shared, so its configuration is not changed: the
    bridge is given that setting through its cached copy of ``getGlpiConfig``."""
    login = unique_name("dv-pw")
    user = bridge.create(login, password=PASSWORD)
    bridge.storage.caches.ids_by_name.put(("glpi-config",), {"non_reusable_passwords_count": "3"})
    answer = bridge.patch(user["id"], [
        {"op": "replace", "path": "password", "value": PASSWORD},
        {"op": "replace", "path": "name.familyName", "value": "Refused"},
    ])
    assert answer.status_code == 400, answer.json
    assert answer.json["scimType"] == "invalidValue"
    assert "Password was used too recently." in answer.json["detail"]
    assert PASSWORD not in answer.get_data(as_text=True)
    assert real_glpi.api.get("User", user["id"])["realname"] in (None, "")


def test_a_password_against_glpi_policy_is_400_before_anything_is_written(real_glpi, bridge):
    """GLPI drops a password its policy refuses and creates (10, 11) or updates (10) the
    user without it, answering 2xx: the bridge checks GLPI's policy first. The kit's GLPI
    is shared, so its policy is not switched on: the bridge's cached ``getGlpiConfig`` is."""
    config = real_glpi.api.json("GET", "/getGlpiConfig")["cfg_glpi"]
    bridge.storage.caches.ids_by_name.put(
        ("glpi-config",), {**config, "use_password_security": 1, "password_min_length": 12}
    )
    login = unique_name("dv-pw")
    refused = bridge.post({"userName": login, "password": "Sh0rt!pw"})
    assert refused.status_code == 400, refused.json
    assert refused.json["scimType"] == "invalidValue"
    assert "Password too short!" in refused.json["detail"]
    assert "Sh0rt!pw" not in refused.get_data(as_text=True)
    assert real_glpi.api.rows("User", name=login) == []
    user = bridge.create(login, password="L0ng-enough!pw")
    answer = bridge.patch(user["id"], [{"op": "replace", "path": "password", "value": "Sh0rt!pw"}])
    assert answer.status_code == 400 and "Password too short!" in answer.json["detail"]


# -- 4. A create GLPI cut short is finished by the IdP's retry --------------------------------


@contextlib.contextmanager
def profile_rows_fail_for(real_glpi, prefix: str):
    """Make GLPI's insert of a ``Profile_User`` row fail for users whose login starts with
    ``prefix``, as a GLPI stopped between the user row and its profile row leaves it.

    A MariaDB trigger on the shared kit database, narrowed to this test's own logins
    (other users' rows are untouched) and dropped afterwards. GLPI itself writes the
    user and its e-mails, then fails on the profile row: GLPI 10 answers 201 anyway,
    GLPI 11 answers 400 with the SQL error.
    """
    trigger = f"dv_cut_{prefix.replace('-', '_')}"
    real_glpi.sql(
        f"CREATE TRIGGER {trigger} BEFORE INSERT ON glpi_profiles_users FOR EACH ROW "
        "SET NEW.users_id = IF((SELECT name FROM glpi_users WHERE id = NEW.users_id) "
        f"LIKE '{prefix}%%', (SELECT 1 UNION SELECT 2), NEW.users_id)"
    )
    try:
        yield
    finally:
        real_glpi.sql(f"DROP TRIGGER IF EXISTS {trigger}")


def _static_rows(real_glpi, user_id) -> list[tuple]:
    return [
        (int(r["profiles_id"]), int(r["entities_id"]), int(r["is_recursive"]), int(r["is_dynamic"]))
        for r in real_glpi.api.rows("Profile_User", users_id=user_id)
    ]


@pytest.mark.parametrize("entity", ["root", "child"])
def test_a_create_cut_before_the_profile_row_is_finished_by_the_retry(
    real_glpi, real_bridge, entity
):
    """GLPI writes the user and its e-mail, then dies before the Profile_User row: the user
    was out of every tenant's scope, and the IdP's retry got 409 for ever (issue 13)."""
    if entity == "child" and not (real_glpi.conn or {}).get("child_entity_id"):
        pytest.skip("needs the kit's child entity")
    entity_id = real_glpi.conn["child_entity_id"] if entity == "child" else 0
    tenant_entity = {"id": entity_id, "recursive": entity == "root"}
    bridge = real_bridge(entity=tenant_entity)
    prefix = unique_name("dvcut")
    login = f"{prefix}-u1"
    body = {"userName": login, "name": {"givenName": "Cut", "familyName": "Short"},
            "emails": [{"value": f"{login}@example.org", "type": "work", "primary": True}]}
    with profile_rows_fail_for(real_glpi, prefix):
        first = bridge.post(body)
    users = real_glpi.api.rows("User", name=login)
    assert len(users) == 1
    user_id = users[0]["id"]
    bridge.adopt("User", user_id)
    assert _static_rows(real_glpi, user_id) == []  # the state GLPI's cut leaves
    # GLPI 10 answers its create 201 although the profile row failed; GLPI 11 refuses it.
    assert first.status_code == (201 if real_glpi.major == "10" else 502), first.json

    # The IdP's retry: its filter does not see the user (no profile: out of scope; but
    # GLPI 10's "under" the root entity matches users without any profile row) ...
    seen = real_glpi.major == "10" and entity == "root"
    assert [u["id"] for u in bridge.find(login)] == ([str(user_id)] if seen else [])
    # ... so it posts again, and the create is finished.
    again = bridge.post(body)
    assert again.status_code == 201, again.json
    assert again.json["id"] == str(user_id)
    profile_id = int(bridge.storage.stores["User"]._conflicts.default_profile_id())
    assert _static_rows(real_glpi, user_id) == [
        (profile_id, entity_id, int(tenant_entity["recursive"]), 0)
    ]
    assert [e["email"] for e in real_glpi.api.rows("UserEmail", users_id=user_id)] == [
        f"{login}@example.org"
    ]
    row = real_glpi.api.get("User", user_id)
    assert (row["realname"], row["firstname"], row["is_active"]) == ("Short", "Cut", 1)
    assert [u["id"] for u in bridge.find(login)] == [str(user_id)]
    assert len(real_glpi.api.rows("User", name=login)) == 1
    # Another POST is now a plain conflict.
    assert bridge.post(body).status_code == 409


def test_a_profileless_user_made_by_someone_else_is_never_taken(real_glpi, real_bridge):
    """Users made by hand without a profile, or whose profiles were removed, stay 409."""
    bridge = real_bridge()
    login = unique_name("dv-hand")
    made = real_glpi.api.json("POST", "/User", json={"input": {"name": login, "authtype": 4}})
    bridge.adopt("User", made["id"])
    for row in real_glpi.api.rows("Profile_User", users_id=made["id"]):
        real_glpi.api.purge("Profile_User", row["id"])
    assert _static_rows(real_glpi, made["id"]) == []
    answer = bridge.post({"userName": login})
    assert answer.status_code == 409, answer.json
    assert _static_rows(real_glpi, made["id"]) == []


@pytest.mark.real_glpi_versions("10")  # GLPI 11 refuses the cut create; its scope misses the user
def test_the_next_write_to_a_user_left_without_profile_finishes_it(real_glpi, real_bridge):
    """GLPI 10 answers 201 when the profile row failed, and a root tenant (``under`` 0)
    still sees the user: the IdP then writes to it by id. That write adds the profile row."""
    prefix = unique_name("dvcut")
    login = f"{prefix}-u1"
    with profile_rows_fail_for(real_glpi, prefix):
        created = real_bridge().create(login)
    assert _static_rows(real_glpi, created["id"]) == []
    later = real_bridge()  # another worker, or the next cycle: nothing cached
    answer = later.patch(created["id"], [{"op": "replace", "path": "title", "value": "Fixed"}])
    assert answer.status_code in (200, 204), answer.json
    profile_id = int(later.storage.stores["User"]._conflicts.default_profile_id())
    assert _static_rows(real_glpi, created["id"]) == [(profile_id, 0, 1, 0)]


class OwnGlpiServer:
    """A second ``php -S`` serving the kit's GLPI tree and database on a free port, which this
    test may kill and restart (the kit's shared servers are never stopped). Same code, same
    data, same sessions: killing it mid-request is a GLPI restart as an operator sees one."""

    def __init__(self, real_glpi):
        self.state = real_glpi.state_dir
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        base = real_glpi.url.split("//", 1)[1].split("/", 1)[1]
        self.url = f"http://127.0.0.1:{self.port}/{base}"
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def start(self) -> None:
        command = [
            "php", "-d", "display_errors=0", "-d", "log_errors=1", "-d", "memory_limit=512M",
            "-d", "max_execution_time=300",
            "-S", f"127.0.0.1:{self.port}", "-t", str(self.state / "glpi" / "public"),
            str(self.state / "router.php"),
        ]
        self.process = subprocess.Popen(
            command, cwd=self.state, start_new_session=True, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "2"},
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return
            time.sleep(0.05)
        raise AssertionError("own php server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def _idp_call(send, attempts: int = 20):
    """An IdP's retries: again after a 5xx or no answer, at most ``attempts`` times."""
    answer = None
    for _ in range(attempts):
        answer = send()
        if answer.status_code < 500:
            return answer
        time.sleep(0.3)
    return answer


def test_glpi_restarts_during_a_provisioning_run_leave_every_row_right(real_glpi, real_bridge):
    """A provisioning run (filter, POST, PATCH, as Entra does, with retries on 5xx) while a
    GLPI server is killed (SIGKILL, mid-request) and restarted again and again; then the
    IdP's next cycle. Every user ends with one GLPI row, one static profile row on the
    tenant's entity, its e-mail and its title (issue 13: 4 in 300 were left without profile).

    Whether a kill lands between the user row and its profile row is chance (GLPI writes
    them milliseconds apart): this test proves convergence under real restarts, and
    ``test_a_create_cut_before_the_profile_row_is_finished_by_the_retry`` makes that exact
    cut happen every time.
    """
    if real_glpi.state_dir is None or shutil.which("php") is None:
        pytest.skip("needs the kit's GLPI tree (a second php server is started on it)")
    child = real_glpi.conn["child_entity_id"]
    server = OwnGlpiServer(real_glpi)
    server.start()
    bridge = real_bridge(
        entity={"id": child, "recursive": False},
        glpi={"url": server.url, "retries": 0, "timeouts": {"connect": 1, "read": 10}},
    )
    prefix = unique_name("dvrun")
    logins: list[str] = []
    stop = threading.Event()

    def killer() -> None:
        # A restarted php server compiles GLPI again (~2 s on 2 cores): kill it once it
        # serves again, a few times, so that the run goes on between the restarts.
        while not stop.is_set() and server.restarts < 5:
            if stop.wait(random.uniform(1.5, 3.0)):
                break
            server.kill()
            server.start()
            server.restarts += 1

    def provision(login: str) -> None:
        body = {"userName": login, "emails": [
            {"value": f"{login}@example.org", "type": "work", "primary": True}]}
        found = _idp_call(lambda: bridge.get(
            "/Users", query_string={"filter": f'userName eq "{login}"'}))
        if found.status_code == 200 and found.json["totalResults"]:
            return
        _idp_call(lambda: bridge.post(body))
        hit = _idp_call(lambda: bridge.get(
            "/Users", query_string={"filter": f'userName eq "{login}"'}))
        if hit.status_code == 200 and hit.json["Resources"]:
            user_id = hit.json["Resources"][0]["id"]
            _idp_call(lambda: bridge.patch(
                user_id, [{"op": "replace", "path": "title", "value": "Engineer"}]))

    thread = threading.Thread(target=killer, daemon=True)
    try:
        thread.start()
        # At least 10 users, and on until GLPI was restarted 3 times (bounded: 120 s).
        deadline = time.monotonic() + 120
        while len(logins) < 10 or (server.restarts < 3 and time.monotonic() < deadline):
            logins.append(f"{prefix}-{len(logins):02d}")
            provision(logins[-1])
    finally:
        stop.set()
        thread.join(timeout=30)
        server.kill()
        server.start()
    try:
        assert server.restarts >= 3
        for login in logins:  # the IdP's next cycle, GLPI up
            provision(login)
        profile_id = int(bridge.storage.stores["User"]._conflicts.default_profile_id())
        for login in logins:
            rows = real_glpi.api.rows("User", name=login)
            bridge.adopt("User", *(r["id"] for r in rows))
            assert len(rows) == 1, (login, rows)
            user = real_glpi.api.get("User", rows[0]["id"])
            assert (user["is_deleted"], user["is_active"]) == (0, 1), login
            assert _static_rows(real_glpi, user["id"]) == [(profile_id, child, 0, 0)], login
            assert [e["email"] for e in real_glpi.api.rows("UserEmail", users_id=user["id"])] == [
                f"{login}@example.org"
            ], login
            assert user["usertitles_id"], login
    finally:
        server.kill()


# -- 5. GLPI stores a user's language equal to its default as NULL ------------------------------


def test_glpis_default_language_reads_back_though_glpi_stores_it_as_null(real_glpi, bridge):
    """A ``preferredLanguage`` equal to GLPI's default (``en_GB`` on the kit) is stored as
    NULL by an update: it read back absent. NULL now reads as that default, a filter on it
    matches NULL, and a removal (stored as "") reads back absent."""
    default = real_glpi.api.json("GET", "/getGlpiConfig")["cfg_glpi"]["language"]
    tag = default.replace("_", "-")
    other = "de-DE" if default == "fr_FR" else "fr-FR"
    prefix = unique_name("dv-lang")
    user = bridge.create(f"{prefix}-set", preferredLanguage=other)
    answer = bridge.patch(user["id"], [
        {"op": "replace", "path": "preferredLanguage", "value": tag}])
    assert answer.status_code == 200 and answer.json["preferredLanguage"] == tag
    assert real_glpi.api.get("User", user["id"])["language"] is None
    read = bridge.get(f"/Users/{user['id']}")
    assert read.json["preferredLanguage"] == tag
    assert read.headers["ETag"] == answer.headers["ETag"]

    never = bridge.create(f"{prefix}-never")
    assert never["preferredLanguage"] == tag
    assert real_glpi.api.get("User", never["id"])["language"] is None
    french = bridge.create(f"{prefix}-other", preferredLanguage=other)
    removed = bridge.create(f"{prefix}-removed", preferredLanguage=other)
    gone = bridge.patch(removed["id"], [{"op": "remove", "path": "preferredLanguage"}])
    assert gone.status_code == 200 and "preferredLanguage" not in gone.json
    assert real_glpi.api.get("User", removed["id"])["language"] == ""
    assert "preferredLanguage" not in bridge.get(f"/Users/{removed['id']}").json

    def found(language: str) -> list[str]:
        expression = f'preferredLanguage eq "{language}" and userName sw "{prefix}"'
        answer = bridge.get("/Users", query_string={"filter": expression})
        assert answer.status_code == 200, answer.json
        return sorted(u["id"] for u in answer.json["Resources"])

    assert found(tag) == sorted([user["id"], never["id"]])
    assert found(other) == [french["id"]]


# -- 6. A create's meta is GLPI's, not the bridge's clock -------------------------------------


def test_a_creates_meta_is_what_a_following_read_shows(real_glpi, real_bridge):
    """The answer to ``POST /Users`` carried the bridge's clock, taken after GLPI answered.
    Here GLPI's answer to each create arrives 1.5 s late, and the bridge's estimate of GLPI's
    clock is an hour off, so no date can agree by chance: the dates a create sends are the
    ones GLPI keeps, and ``date_mod``, which GLPI sets anew when it adds e-mails, is read."""
    bridge = real_bridge()
    add = bridge.glpi.add

    def slow(itemtype, inputs):
        result = add(itemtype, inputs)
        if itemtype in ("User", "Group"):
            time.sleep(1.5)
        return result

    bridge.glpi.add = slow
    now = bridge.glpi.glpi_now
    shape = "%Y-%m-%d %H:%M:%S"
    bridge.glpi.glpi_now = lambda: time.strftime(  # an hour behind GLPI's clock
        shape, time.gmtime(calendar.timegm(time.strptime(now(), shape)) - 3600))
    prefix = unique_name("dv-dates")
    for login, mail in ((f"{prefix}-bare", []), (f"{prefix}-mail", [f"{prefix}@example.org"])):
        bridge.reset_calls()
        user = bridge.post({"userName": login, "emails": [
            {"value": m, "type": "work", "primary": True} for m in mail]})
        assert user.status_code == 201, user.json
        after = bridge.calls()[bridge.calls().index(("POST", "/User/")) + 1:]
        assert [c for c in after if c != ("GET", "/getGlpiConfig")] == (
            [("GET", "/User/:id")] if mail else [])
        read = bridge.get(f"/Users/{user.json['id']}")
        assert (user.json["meta"]["created"], user.json["meta"]["lastModified"]) == (
            read.json["meta"]["created"], read.json["meta"]["lastModified"]), login
        stored = real_glpi.api.get("User", user.json["id"])
        assert user.json["meta"]["created"] == stored["date_creation"].replace(" ", "T") + "Z"

    group = bridge.post_group({"displayName": prefix, "members": [{"value": user.json["id"]}]})
    assert group.status_code == 201, group.json
    again = bridge.get(f"/Groups/{group.json['id']}")
    assert group.json["meta"]["created"] == again.json["meta"]["created"]
    assert group.json["meta"]["lastModified"] == again.json["meta"]["lastModified"]
