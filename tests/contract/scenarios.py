"""Scenarios for ``tests/contract/recorder.py``: the exchanges behind issue 13's divergences.

Each scenario is a list of :class:`~tests.contract.recorder.Step`, recorded on
GLPI 10 and 11 alike into ``tests/contract/recorded/glpi-<version>/<name>.json``
and replayed against the simulator by ``tests/contract/replay.py``. Names carry
``{tag}`` (see the recorder's docstring); searches are narrowed to it so that
what other users of a shared GLPI created never shows up in a transcript.
"""

from __future__ import annotations

from typing import Any

from tests.contract.recorder import Ref
from tests.contract.recorder import Step

GROUP = "scim-rec-{tag}-grp"
GROUP_CODE = "scim-rec-{tag}-code"
PW_USER = "scim-rec-{tag}-pw"
NOPROFILE = "scim-rec-{tag}-noprof"
BADPROFILE = "scim-rec-{tag}-badprof"
PASSWORD = "Rec-Pass-{tag}-1!"
PASSWORD_2 = "Rec-Pass-{tag}-2!"

#: The ``forcedisplay`` of the bridge's full user read (``UserMapping.forcedisplay``
#: with the default mapping) and of its group read.
USER_COLUMNS = [1, 2, 5, 6, 9, 10, 11, 13, 19, 20, 34, 80, 121]
GROUP_COLUMNS = [1, 2, 14, 19, 80, 121]


def _id(body: Any) -> Any:
    return body["id"]


def _first_id(body: Any) -> Any:
    return body[0]["id"]


def _user_brief(body: Any) -> Any:
    keep = ("id", "name", "is_active", "is_deleted", "entities_id", "profiles_id", "authtype")
    return {key: body[key] for key in keep if key in body} if isinstance(body, dict) else body


def forcedisplay(columns: list[int]) -> dict[str, str]:
    return {f"forcedisplay[{i}]": str(c) for i, c in enumerate(columns)}


def criterion(prefix: str, field: int, searchtype: str, value: Any, link: str = "") -> dict:
    out = {
        f"{prefix}[field]": str(field),
        f"{prefix}[searchtype]": searchtype,
        f"{prefix}[value]": value,
    }
    if link:
        out[f"{prefix}[link]"] = link
    return out


def search(title: str, itemtype: str, query: dict, **extra: Any) -> Step:
    """A ``GET /search/<itemtype>`` step."""
    return Step(title, "GET", f"/search/{itemtype}", query=query, **extra)


#: The bridge's read of a user or group's sub-items.
SUBITEMS = {"get_hateoas": "false", "range": "0-999"}


def purge(title: str, path: str) -> Step:
    """A ``DELETE ...?force_purge=true`` step."""
    return Step(title, "DELETE", path, query={"force_purge": "true"})


def drop_profile_row(title: str) -> list[Step]:
    """Read the user's profile rows, then purge the first one (what a cut create leaves)."""
    return [
        Step(
            "GET /User/:id/Profile_User",
            "GET",
            "/User/{user}/Profile_User",
            save={"profile_row": _first_id},
        ),
        purge(title, "/Profile_User/{profile_row}"),
    ]


def user_scope_search(login: str) -> dict:
    """The bridge's ``userName eq`` read: tenant scope (root, recursive) AND the login."""
    return {
        **criterion("criteria[0][criteria][0]", 80, "under", "0"),
        **criterion("criteria[1]", 1, "contains", f"^{login}$", "AND"),
        **forcedisplay(USER_COLUMNS),
        "range": "0-49",
    }


def group_name_search(name: str, columns: list[int]) -> dict:
    return {
        **criterion("criteria[0]", 14, "contains", f"^{name}$"),
        **forcedisplay(columns),
    }


GROUP_LDAP_COLUMNS = [
    Step(
        "POST /Group with ldap_group_dn, ldap_field, ldap_value (the GLPI 10 externalId column)",
        "POST",
        "/Group",
        body={
            "input": {
                "name": GROUP,
                "entities_id": 0,
                "is_recursive": 1,
                "ldap_group_dn": "ext-{tag}-one",
                "ldap_field": "memberof",
                "ldap_value": "val-{tag}",
            }
        },
        save={"group": _id},
    ),
    Step("GET /Group/:id returns ldap_group_dn", "GET", "/Group/{group}"),
    Step(
        "GET /Group?searchText[name] (getItems) returns every column, ldap_group_dn included",
        "GET",
        "/Group",
        query={"searchText[name]": f"^{GROUP}$"},
    ),
    Step(
        "GET /Group?searchText[ldap_group_dn] filters on the column (LIKE)",
        "GET",
        "/Group",
        query={"searchText[ldap_group_dn]": "^ext-{tag}-one$", "only_id": "true"},
    ),
    search(
        "/search/Group on option 5 (Group DN) without an LDAP directory",
        "Group",
        criterion("criteria[0]", 5, "contains", "^ext-{tag}-one$"),
        note="options 3, 4, 5 exist only when AuthLDAP::useAuthLdap(): 400 Bad field ID",
    ),
    search(
        "/search/Group on option 4 (Attribute value) without an LDAP directory",
        "Group",
        criterion("criteria[0]", 4, "contains", "val-{tag}"),
    ),
    search(
        "/search/Group on option 3 (Attribute of the user) without an LDAP directory",
        "Group",
        criterion("criteria[0]", 3, "contains", "memberof"),
    ),
    search(
        "/search/Group by name with forcedisplay 3, 4, 5: unknown columns are left out silently",
        "Group",
        group_name_search(GROUP, [2, 3, 4, 5]),
    ),
    search(
        "/search/Group by name with the bridge's group columns",
        "Group",
        group_name_search(GROUP, GROUP_COLUMNS),
    ),
    Step(
        "PUT /Group/:id a new ldap_group_dn",
        "PUT",
        "/Group/{group}",
        body={"input": {"ldap_group_dn": "ext-{tag}-two"}},
    ),
    Step("GET /Group/:id after the PUT", "GET", "/Group/{group}"),
    Step(
        "POST /Group with code (a column of GLPI 11 only)",
        "POST",
        "/Group",
        body={"input": {"name": GROUP_CODE, "entities_id": 0, "code": "code-{tag}"}},
        save={"group_code": _id},
    ),
    Step("GET /Group/:id of the group posted with code", "GET", "/Group/{group_code}"),
    search(
        "/search/Group on option 74 (Group code)",
        "Group",
        {
            **criterion("criteria[0]", 74, "contains", "^code-{tag}$"),
            **forcedisplay([2, 74]),
        },
        note="GLPI 11: the code column is searchable; GLPI 10 has no option 74",
    ),
    Step("GET /listSearchOptions/Group", "GET", "/listSearchOptions/Group"),
    purge("DELETE /Group/:id?force_purge=true", "/Group/{group}"),
    purge("DELETE /Group/:id?force_purge=true (the code group)", "/Group/{group_code}"),
]


PASSWORD_HISTORY = [
    Step(
        "POST /User with password and password2",
        "POST",
        "/User",
        body={"input": {"name": PW_USER, "password": PASSWORD, "password2": PASSWORD}},
        save={"user": _id},
    ),
    Step("DELETE /User/:id (to the trash)", "DELETE", "/User/{user}"),
    Step("GET /User/:id of the trashed user", "GET", "/User/{user}", trim=_user_brief),
    Step(
        "PUT /User/:id restore (is_deleted 0) with the SAME password and password2",
        "PUT",
        "/User/{user}",
        body={"input": {"is_deleted": 0, "password": PASSWORD, "password2": PASSWORD}},
        note="GLPI 11 keeps a password history: the current password is refused",
    ),
    Step(
        "GET /User/:id after the restore with the same password (did is_deleted change?)",
        "GET",
        "/User/{user}",
        trim=_user_brief,
    ),
    Step(
        "PUT /User/:id restore without a password",
        "PUT",
        "/User/{user}",
        body={"input": {"is_deleted": 0}},
    ),
    Step("GET /User/:id after the restore", "GET", "/User/{user}", trim=_user_brief),
    Step(
        "PUT /User/:id a new password",
        "PUT",
        "/User/{user}",
        body={"input": {"password": PASSWORD_2, "password2": PASSWORD_2}},
    ),
    Step(
        "PUT /User/:id the first password again "
        "(GLPI's default history checks only the current one)",
        "PUT",
        "/User/{user}",
        body={"input": {"password": PASSWORD, "password2": PASSWORD}},
    ),
    Step(
        "PUT /User/:id the current password again, with another field",
        "PUT",
        "/User/{user}",
        body={"input": {"realname": "Rec", "password": PASSWORD, "password2": PASSWORD}},
        note="GLPI 11 refuses the whole update, realname included",
    ),
    Step(
        "GET /User/:id after that PUT (did realname land?)",
        "GET",
        "/User/{user}",
        trim=lambda b: {k: b.get(k) for k in ("id", "name", "realname")},
    ),
    Step(
        "PUT /User/:id mismatched password and password2",
        "PUT",
        "/User/{user}",
        body={"input": {"password": "Rec-Other-1!", "password2": "Rec-Other-2!"}},
    ),
    purge("DELETE /User/:id?force_purge=true", "/User/{user}"),
]


PROFILELESS_USER = [
    Step(
        "POST /User with an e-mail (GLPI adds the default profile row)",
        "POST",
        "/User",
        body={
            "input": {
                "name": NOPROFILE,
                "_useremails": ["{tag}.np@example.com"],
                "_profiles_id": 1,
                "_entities_id": 0,
                "_is_recursive": 0,
            }
        },
        save={"user": _id},
    ),
    *drop_profile_row("DELETE /Profile_User/:id (the user's only profile row)"),
    Step("GET /User/:id/Profile_User of the profile-less user", "GET", "/User/{user}/Profile_User"),
    Step(
        "GET /User/:id of the profile-less user (Super-Admin, root recursive)",
        "GET",
        "/User/{user}",
        trim=_user_brief,
    ),
    Step(
        "GET /User?searchText[name] of the profile-less user (getItems)",
        "GET",
        "/User",
        query={"searchText[name]": f"^{NOPROFILE}$", "only_id": "true"},
    ),
    search(
        "/search/User as the bridge reads userName eq: scope (80 under 0) AND login",
        "User",
        user_scope_search(NOPROFILE),
        note="a user without a Profile_User row is in no entity: outside every tenant's scope",
    ),
    search(
        "/search/User by login only, the bridge's columns",
        "User",
        {
            **criterion("criteria[0]", 1, "contains", f"^{NOPROFILE}$"),
            **forcedisplay(USER_COLUMNS),
        },
    ),
    search(
        "/search/User 80 equals 0 AND login",
        "User",
        {
            **criterion("criteria[0]", 80, "equals", "0"),
            **criterion("criteria[1]", 1, "contains", f"^{NOPROFILE}$", "AND"),
            **forcedisplay([1, 2, 80]),
        },
    ),
    search(
        "/search/User 20 (profile) contains ^ AND login",
        "User",
        {
            **criterion("criteria[0]", 20, "contains", "^"),
            **criterion("criteria[1]", 1, "contains", f"^{NOPROFILE}$", "AND"),
            **forcedisplay([1, 2, 20]),
        },
    ),
    search(
        "/search/User scope (80 under 0) AND login glpi-system, the stock user without a profile",
        "User",
        {
            **criterion("criteria[0][criteria][0]", 80, "under", "0"),
            **criterion("criteria[1]", 1, "contains", "^glpi-system$", "AND"),
            **forcedisplay([1, 2, 34, 80]),
        },
        note="read only: glpi-system is GLPI's own account (id 6), never changed here",
    ),
    Step(
        "POST /User the same login again",
        "POST",
        "/User",
        body={"input": {"name": NOPROFILE, "_profiles_id": 1, "_entities_id": 0}},
    ),
    Step(
        "POST /Profile_User gives the profile row back",
        "POST",
        "/Profile_User",
        body={
            "input": {
                "users_id": Ref("user"),
                "profiles_id": 1,
                "entities_id": 0,
                "is_recursive": 0,
            }
        },
    ),
    search(
        "/search/User userName eq after the profile row came back",
        "User",
        user_scope_search(NOPROFILE),
    ),
    Step(
        "POST /User with _profiles_id of a profile that does not exist",
        "POST",
        "/User",
        body={"input": {"name": BADPROFILE, "_profiles_id": 999999, "_entities_id": 0}},
        save={"user_bad": _id},
    ),
    Step(
        "GET /User/:id/Profile_User of the user posted with a missing profile",
        "GET",
        "/User/{user_bad}/Profile_User",
    ),
    search(
        "/search/User userName eq of the user posted with a missing profile",
        "User",
        user_scope_search(BADPROFILE),
    ),
    purge("DELETE /User/:id?force_purge=true", "/User/{user}"),
    purge("DELETE /User/:id?force_purge=true (missing-profile user)", "/User/{user_bad}"),
]


FLOW_USER = "scim-rec-{tag}-flow"
FLOW_GROUP = "scim-rec-{tag}-flowgrp"
#: ``UserMapping.forcedisplay`` of the default mapping, as the bridge sends it.
BRIDGE_USER_COLUMNS = [1, 2, 5, 6, 8, 9, 10, 11, 13, 17, 19, 20, 22, 28, 34, 80, 81, 99, 121]
BRIDGE_GROUP_COLUMNS = [2, 14, 19, 121, 5]


def _bridge_search(columns: list[int], criteria: tuple[dict, ...], page: str) -> dict:
    """A search as the bridge sends it: the tenant scope group, then its own criteria."""
    query = criterion("criteria[0][criteria][0]", 80, "under", "0")
    query["criteria[0][link]"] = "AND"
    for extra in criteria:
        query.update(extra)
    return {**query, **forcedisplay(columns), "range": page, "sort": "2", "order": "ASC"}


def bridge_user_search(*criteria: dict, page: str = "0-1999") -> dict:
    return _bridge_search(BRIDGE_USER_COLUMNS, criteria, page)


def bridge_group_search(*criteria: dict, page: str = "0-1999") -> dict:
    return _bridge_search(BRIDGE_GROUP_COLUMNS, criteria, page)


FLOW_BY_LOGIN = bridge_user_search(
    criterion("criteria[1]", 1, "contains", f"^{FLOW_USER}$", "AND")
)


#: The GLPI calls of an Entra-like cycle, as the bridge makes them (captured from the
#: simulator's call log): create, filter, PATCH e-mail and name, deactivate, delete,
#: re-provision; a group created, a member added and removed, the group deleted.
BRIDGE_CALLS = [
    search(
        "bridge: userName uniqueness search before a create (no hit)",
        "User",
        {
            **criterion("criteria[0]", 1, "contains", f"^{FLOW_USER}$"),
            **forcedisplay(BRIDGE_USER_COLUMNS),
            "range": "0-49",
        },
    ),
    search(
        "bridge: the static profile's id by name",
        "Profile",
        {
            **criterion("criteria[0]", 1, "contains", "^Self-Service$"),
            **forcedisplay([1, 2]),
            "range": "0-49",
        },
    ),
    Step(
        "bridge: POST /User with e-mail, names, password, profile on the root entity",
        "POST",
        "/User/",
        body={
            "input": {
                "name": FLOW_USER,
                "realname": "Flow",
                "firstname": "Rec",
                "is_active": 1,
                "password": "Rec-Flow-{tag}-1!",
                "password2": "Rec-Flow-{tag}-1!",
                "_useremails": {"-1": "{tag}.flow@example.com"},
                "_default_email": "-1",
                "_profiles_id": 1,
                "_entities_id": 0,
                "_is_recursive": 0,
            }
        },
        save={"user": _id},
    ),
    search(
        "bridge: filter userName eq (scope AND login)",
        "User",
        FLOW_BY_LOGIN,
    ),
    search(
        "bridge: read by id (scope AND id equals)",
        "User",
        bridge_user_search(criterion("criteria[1]", 2, "equals", "{user}", "AND")),
    ),
    Step(
        "bridge: PUT /User/:id the new familyName",
        "PUT",
        "/User/{user}",
        body={"input": {"id": Ref("user"), "realname": "Flow2"}},
    ),
    Step(
        "bridge: the user's e-mails",
        "GET",
        "/User/{user}/UserEmail",
        query=SUBITEMS,
        save={"email": _first_id},
    ),
    Step(
        "bridge: POST /UserEmail the new primary address",
        "POST",
        "/UserEmail/",
        body={
            "input": {"users_id": Ref("user"), "email": "{tag}.new@example.com", "is_default": 1}
        },
    ),
    Step("bridge: DELETE /UserEmail/:id the old address", "DELETE", "/UserEmail/{email}"),
    Step(
        "bridge: the e-mails after the change",
        "GET",
        "/User/{user}/UserEmail",
        query=SUBITEMS,
    ),
    Step(
        "bridge: PUT /User/:id is_active 0 (deactivate)",
        "PUT",
        "/User/{user}",
        body={"input": {"id": Ref("user"), "is_active": 0}},
    ),
    Step("bridge: DELETE /User/:id (trash)", "DELETE", "/User/{user}"),
    search(
        "bridge: filter userName eq finds no trashed user",
        "User",
        FLOW_BY_LOGIN,
    ),
    search(
        "bridge: the trashed user by login (is_deleted=1)",
        "User",
        {
            **criterion("criteria[0]", 1, "contains", f"^{FLOW_USER}$"),
            **forcedisplay([1, 2, 8]),
            "is_deleted": "1",
        },
    ),
    Step(
        "bridge: re-provision POST /User of the trashed login",
        "POST",
        "/User/",
        body={"input": {"name": FLOW_USER, "_profiles_id": 1, "_entities_id": 0}},
    ),
    Step(
        "bridge: restore PUT /User/:id is_deleted 0, is_active 1",
        "PUT",
        "/User/{user}",
        body={"input": {"id": Ref("user"), "is_deleted": 0, "is_active": 1}},
    ),
    search(
        "bridge: group displayName uniqueness search (scope AND name)",
        "Group",
        bridge_group_search(
            criterion("criteria[1][criteria][0]", 14, "contains", f"^{FLOW_GROUP}$")
            | {"criteria[1][link]": "AND"}
        ),
    ),
    Step(
        "bridge: POST /Group",
        "POST",
        "/Group/",
        body={"input": {"name": FLOW_GROUP, "entities_id": 0, "is_recursive": 1}},
        save={"group": _id},
    ),
    search(
        "bridge: group by id (scope AND id equals, range 0-0)",
        "Group",
        bridge_group_search(
            criterion("criteria[1]", 2, "equals", "{group}", "AND"), page="0-0"
        ),
    ),
    search(
        "bridge: member check (scope AND nested id equals, forcedisplay 2)",
        "User",
        {
            **criterion("criteria[0][criteria][0]", 80, "under", "0"),
            "criteria[0][link]": "AND",
            **criterion("criteria[1][criteria][0]", 2, "equals", "{user}"),
            "criteria[1][link]": "AND",
            **forcedisplay([2]),
            "range": "0-0",
            "sort": "2",
            "order": "ASC",
        },
    ),
    Step(
        "bridge: POST /Group_User (array)",
        "POST",
        "/Group_User/",
        body={"input": [{"groups_id": Ref("group"), "users_id": Ref("user")}]},
    ),
    Step(
        "bridge: the group's members",
        "GET",
        "/Group/{group}/Group_User",
        query=SUBITEMS,
        save={"membership": _first_id},
    ),
    search(
        "bridge: users search by group (13 equals)",
        "User",
        {
            **criterion("criteria[0]", 13, "equals", "{group}"),
            **forcedisplay([1, 2, 13]),
        },
    ),
    Step(
        "bridge: DELETE /Group_User/ by body, force_purge",
        "DELETE",
        "/Group_User/",
        body={"input": [{"id": Ref("membership")}], "force_purge": True},
    ),
    Step(
        "bridge: the group's members after the removal",
        "GET",
        "/Group/{group}/Group_User",
        query=SUBITEMS,
    ),
    purge("bridge: DELETE /Group/:id?force_purge=true", "/Group/{group}"),
    purge("bridge: DELETE /User/:id?force_purge=true", "/User/{user}"),
]


FILTER_A = "scim-rec-{tag}-fa"
FILTER_B = "scim-rec-{tag}-fb"
FILTER_GROUP = "scim-rec-{tag}-fgrp"
MINE = criterion("criteria[0]", 1, "contains", "^scim-rec-{tag}-f")


def narrowed(field: int, searchtype: str, value: Any, link: str = "AND", columns=(1, 2)) -> dict:
    """A criterion of the bridge's filter translation, AND the run's own users only."""
    return {
        **MINE,
        **criterion("criteria[1]", field, searchtype, value, link),
        **forcedisplay(list(columns)),
        "sort": "1",
    }


#: The criteria shapes the bridge's SCIM filter translation produces (app/glpi/users/criteria.py),
#: on two users of the run: one with an e-mail, a group and inactive, one bare.
FILTER_SHAPES = [
    Step(
        "POST /User A: e-mail, inactive",
        "POST",
        "/User/",
        body={
            "input": {
                "name": FILTER_A,
                "realname": "Alpha",
                "is_active": 0,
                "_useremails": {"-1": "{tag}.fa@example.com"},
                "_default_email": "-1",
            }
        },
        save={"a": _id},
    ),
    Step(
        "POST /User B: bare",
        "POST",
        "/User/",
        body={"input": {"name": FILTER_B}},
        save={"b": _id},
    ),
    Step("POST /Group", "POST", "/Group/", body={"input": {"name": FILTER_GROUP}}, save={"g": _id}),
    Step(
        "POST /Group_User A in the group",
        "POST",
        "/Group_User/",
        body={"input": {"groups_id": Ref("g"), "users_id": Ref("a")}},
    ),
    search("emails present (5 contains ^)", "User",
         narrowed(5, "contains", "^", columns=(1, 2, 5))),
    search("emails absent (NOT 5 contains ^)", "User",
         narrowed(5, "contains", "^", "AND NOT", columns=(1, 2, 5))),
    search("groups present (13 contains ^)", "User",
         narrowed(13, "contains", "^", columns=(1, 2, 13))),
    search("realname present (34 contains ^)", "User",
         narrowed(34, "contains", "^", columns=(1, 2, 34))),
    search("realname NULL (34 contains NULL)", "User",
         narrowed(34, "contains", "NULL", columns=(1, 2, 34))),
    search("active eq false (8 equals 0)", "User",
         narrowed(8, "equals", "0", columns=(1, 2, 8))),
    search("id ne A (2 notequals)", "User",
         narrowed(2, "notequals", "{a}")),
    search("e-mail co (5 contains, mixed case)", "User",
         narrowed(5, "contains", "FA@EXAMPLE", columns=(1, 2, 5))),
    search("e-mail eq anchored (5 contains ^x$)", "User",
         narrowed(5, "contains", "^{tag}.fa@example.com$", columns=(1, 2, 5))),
    search("group member eq (13 equals group id)", "User",
         narrowed(13, "equals", "{g}", columns=(1, 2, 13))),
    search("group notequals (13 notequals group id)", "User",
         narrowed(13, "notequals", "{g}", columns=(1, 2, 13))),
    search("meta.lastModified gt (19 morethan)", "User",
         narrowed(19, "morethan", "2020-01-01 00:00:00", columns=(1, 2))),
    search("meta.created lt (121 lessthan)", "User",
         narrowed(121, "lessthan", "2020-01-01 00:00:00", columns=(1, 2))),
    search("profile entity notunder 0 (80 notunder 0)", "User",
         narrowed(80, "notunder", "0", columns=(1, 2, 80))),
    search("sort by realname DESC (sort=34)", "User",
         {**MINE, **forcedisplay([1, 2, 34]), "sort": "34", "order": "DESC"}),
    search("page past the end (range 5-9)", "User",
         {**MINE, **forcedisplay([1, 2]), "range": "5-9"}),
    Step("DELETE /Group/:id?force_purge=true", "DELETE", "/Group/{g}",
         query={"force_purge": "true"}),
    Step("DELETE /User/ A and B by body, force_purge", "DELETE", "/User/",
         body={"input": [{"id": Ref("a")}, {"id": Ref("b")}], "force_purge": True}),
]


READ_GROUP_A = "scim-rec-{tag}-rga"
READ_GROUP_B = "scim-rec-{tag}-rgb"


def group_items(**narrow: str) -> dict:
    """``GET /Group/`` as the bridge lists groups when externalId has no search option."""
    query = {"get_hateoas": "false", "range": "0-2000", "sort": "id", "order": "ASC"}
    return {**query, **{f"searchText[{k}]": v for k, v in narrow.items()}}


#: The reads the bridge makes of groups whose externalId column cannot be searched
#: (GLPI 10's ldap_group_dn without LDAP): by id and through getItems with searchText.
GROUP_ITEM_READS = [
    Step(
        "POST /Group A with ldap_group_dn",
        "POST",
        "/Group/",
        body={"input": {"name": READ_GROUP_A, "ldap_group_dn": "Ext_{tag}_A", "entities_id": 0}},
        save={"a": _id},
    ),
    Step(
        "POST /Group B with ldap_group_dn",
        "POST",
        "/Group/",
        body={"input": {"name": READ_GROUP_B, "ldap_group_dn": "Ext_{tag}_B", "entities_id": 0}},
        save={"b": _id},
    ),
    Step("GET /Group/:id?get_hateoas=false", "GET", "/Group/{a}", query={"get_hateoas": "false"}),
    Step(
        "GET /Group/ by exact name (searchText anchored), range 0-2000",
        "GET",
        "/Group/",
        query=group_items(name=f"^{READ_GROUP_A}$"),
    ),
    Step(
        "GET /Group/ by exact ldap_group_dn",
        "GET",
        "/Group/",
        query=group_items(ldap_group_dn="^Ext_{tag}_B$"),
    ),
    Step(
        "GET /Group/ by ldap_group_dn in another case (LIKE ignores case)",
        "GET",
        "/Group/",
        query=group_items(ldap_group_dn="^EXT_{tag}_B$"),
    ),
    Step(
        "GET /Group/ by ldap_group_dn with % (a wildcard in searchText)",
        "GET",
        "/Group/",
        query=group_items(ldap_group_dn="^Ext%{tag}_A$"),
    ),
    Step(
        "GET /Group/ both groups by name prefix, sorted by id",
        "GET",
        "/Group/",
        query=group_items(name="^scim-rec-{tag}-rg"),
    ),
    Step(
        "GET /Group/ both groups, sorted by id DESC, range 0-0",
        "GET",
        "/Group/",
        query={**group_items(name="^scim-rec-{tag}-rg"), "order": "DESC", "range": "0-0"},
    ),
    Step(
        "GET /Group/ nothing matches",
        "GET",
        "/Group/",
        query=group_items(name="^scim-rec-{tag}-none$"),
    ),
    Step(
        "DELETE /Group/ A and B by body, force_purge",
        "DELETE",
        "/Group/",
        body={"input": [{"id": Ref("a")}, {"id": Ref("b")}], "force_purge": True},
    ),
    Step("GET /Group/:id of a purged group", "GET", "/Group/{a}", query={"get_hateoas": "false"}),
]


PU_USER = "scim-rec-{tag}-pu"


def by_user(*extra: dict, columns: list[int] | None = None) -> dict:
    """``/search/Profile_User`` narrowed to the run's user (option 5 compares its id)."""
    query = criterion("criteria[0]", 5, "equals", "{user}")
    for more in extra:
        query.update(more)
    return {**query, **(forcedisplay(columns) if columns else {})}


#: Searching authorizations (a way to find a user's profile rows, or users without one).
PROFILE_USER_SEARCH = [
    Step(
        "POST /User (default profile row)",
        "POST",
        "/User/",
        body={"input": {"name": PU_USER, "_useremails": ["{tag}.pu@example.com"]}},
        save={"user": _id},
    ),
    Step(
        "POST /Profile_User a second row: Technician, root, recursive",
        "POST",
        "/Profile_User/",
        body={
            "input": {"users_id": Ref("user"), "profiles_id": 6, "entities_id": 0,
                      "is_recursive": 1}
        },
    ),
    search(
        "/search/Profile_User by user (5 equals id), every column",
        "Profile_User",
        by_user(columns=[2, 3, 4, 5, 80, 86]),
    ),
    search("/search/Profile_User by user, default columns", "Profile_User", by_user()),
    search(
        "/search/Profile_User by user AND profile (4 equals 6) AND entity (80 equals 0)",
        "Profile_User",
        by_user(
            criterion("criteria[1]", 4, "equals", "6", "AND"),
            criterion("criteria[2]", 80, "equals", "0", "AND"),
            columns=[2, 4, 86],
        ),
    ),
    search(
        "/search/Profile_User by user AND dynamic (3 equals 1)",
        "Profile_User",
        by_user(criterion("criteria[1]", 3, "equals", "1", "AND"), columns=[2, 3, 4]),
    ),
    search(
        "/search/Profile_User by user name (5 contains)",
        "Profile_User",
        {**criterion("criteria[0]", 5, "contains", f"^{PU_USER}$"), **forcedisplay([2, 4, 5])},
    ),
    search(
        "/search/UserEmail on option 1 (UserEmail has no search option)",
        "UserEmail",
        criterion("criteria[0]", 1, "contains", "{tag}.pu@"),
    ),
    purge("DELETE /User/:id?force_purge=true", "/User/{user}"),
]


LOG_USER = "scim-rec-{tag}-log"
LOG_DEFAULT = "scim-rec-{tag}-logd"


#: GLPI's history of a user (``GET /User/:id/Log``), which the bridge reads before it
#: finishes a create GLPI cut short (only its own account may appear, and no profile).
USER_HISTORY = [
    Step(
        "POST /User with an e-mail and a static recursive profile",
        "POST",
        "/User/",
        body={
            "input": {
                "name": LOG_USER,
                "realname": "A",
                "authtype": 4,
                "_useremails": {"-1": "{tag}.log@example.com"},
                "_default_email": "-1",
                "_profiles_id": 1,
                "_entities_id": 0,
                "_is_recursive": 1,
            }
        },
        save={"user": _id},
    ),
    Step(
        "GET /User/:id/Log after the create",
        "GET",
        "/User/{user}/Log",
        query={"range": "0-49"},
    ),
    Step(
        "PUT /User/:id realname and is_active",
        "PUT",
        "/User/{user}",
        body={"input": {"realname": "B", "is_active": 0}},
    ),
    *drop_profile_row("DELETE /Profile_User/:id"),
    Step(
        "POST /UserEmail a second address",
        "POST",
        "/UserEmail/",
        body={"input": {"users_id": Ref("user"), "email": "{tag}.log2@example.com"}},
    ),
    Step(
        "GET /User/:id/Log after the update, the profile removal and the e-mail",
        "GET",
        "/User/{user}/Log",
        query={"range": "0-49", "get_hateoas": "false"},
    ),
    Step(
        "GET /User/:id/Log range 1-2",
        "GET",
        "/User/{user}/Log",
        query={"range": "1-2", "get_hateoas": "false"},
    ),
    Step(
        "POST /User with the default (dynamic) profile",
        "POST",
        "/User/",
        body={"input": {"name": LOG_DEFAULT}},
        save={"plain": _id},
    ),
    Step(
        "GET /User/:id/Log of the default-profile user",
        "GET",
        "/User/{plain}/Log",
        query={"get_hateoas": "false"},
    ),
    purge("DELETE /User/:id?force_purge=true", "/User/{user}"),
    purge("DELETE /User/:id?force_purge=true (default-profile user)", "/User/{plain}"),
]


SEARCH_OPTIONS = [
    Step(f"GET /listSearchOptions/{itemtype}", "GET", f"/listSearchOptions/{itemtype}")
    for itemtype in (
        "User", "Group", "UserEmail", "Group_User", "Profile_User", "Entity", "Profile"
    )
]


def _language_of(body: Any) -> Any:
    return {"id": body["id"], "language": body["language"]} if isinstance(body, dict) else body


def _config_language(body: Any) -> Any:
    return {"cfg_glpi": {"language": body["cfg_glpi"]["language"]}} if isinstance(body, dict) \
        else body


LANG_NULL = "scim-rec-{tag}-lnull"
LANG_EMPTY = "scim-rec-{tag}-lempty"
LANG_FR = "scim-rec-{tag}-lfr"
MINE_LANG = criterion("criteria[0]", 1, "contains", "^scim-rec-{tag}-l")


def _put_language(title: str, user: str, language: Any) -> list[Step]:
    return [
        Step(f"PUT /User/:id language {title}", "PUT", f"/User/{{{user}}}",
             body={"input": {"language": language}}),
        Step(f"GET /User/:id after language {title}", "GET", f"/User/{{{user}}}",
             trim=_language_of),
    ]


def _language_search(title: str, value: str) -> Step:
    return search(title, "User", {
        **MINE_LANG,
        **criterion("criteria[1]", 17, "contains", value, "AND"),
        **forcedisplay([1, 2, 17]),
        "sort": "1",
    })


#: GLPI stores a user's language equal to its default (``en_GB`` on the kit) as NULL on
#: update (``User::prepareInputForUpdate``), not on create; NULL and "" do not replace each
#: other; how ``contains`` tells NULL from "" (issue 13, the bridge's language filter).
DEFAULT_LANGUAGE = [
    Step("GET /getGlpiConfig (its language)", "GET", "/getGlpiConfig", trim=_config_language),
    Step("POST /User with the default language", "POST", "/User/",
         body={"input": {"name": LANG_NULL, "language": "en_GB"}}, save={"n": _id}),
    Step("GET /User/:id: a create keeps it", "GET", "/User/{n}", trim=_language_of),
    *_put_language("fr_FR", "n", "fr_FR"),
    *_put_language("en_GB (the default: NULL)", "n", "en_GB"),
    *_put_language("'' over NULL", "n", ""),
    Step("POST /User fr_FR", "POST", "/User/",
         body={"input": {"name": LANG_EMPTY, "language": "fr_FR"}}, save={"e": _id}),
    *_put_language("'' over fr_FR", "e", ""),
    *_put_language("null over ''", "e", None),
    Step("POST /User fr_FR (stays)", "POST", "/User/",
         body={"input": {"name": LANG_FR, "language": "fr_FR"}}, save={"f": _id}),
    _language_search("17 contains ^$ (NULL only)", "^$"),
    _language_search("17 contains ^ (any non-NULL)", "^"),
    _language_search("17 contains NULL (NULL or '')", "NULL"),
    _language_search("17 contains ^en_GB$", "^en_GB$"),
    *_put_language("en_GB over '' (NULL)", "e", "en_GB"),
]

#: A trashed user of one authtype does not stop a create of the same login with another
#: (``unicityloginauth`` is ``(name, authtype, auths_id)``); the trash search finds it.
TRASHED_OTHER_AUTHTYPE = [
    Step("POST /User local (authtype 1) with a password", "POST", "/User/",
         body={"input": {"name": "scim-rec-{tag}-auth", "authtype": 1,
                         "password": PASSWORD, "password2": PASSWORD}}, save={"u": _id}),
    Step("DELETE /User/:id (to the trash)", "DELETE", "/User/{u}"),
    search("the login among live users (is_deleted 0): none", "User", {
        **criterion("criteria[0]", 1, "contains", "^scim-rec-{tag}-auth$"),
        **forcedisplay([1, 2]), "range": "0-49"}),
    search("the login in the trash (is_deleted 1)", "User", {
        **criterion("criteria[0]", 1, "contains", "^scim-rec-{tag}-auth$"),
        **forcedisplay([1, 2]), "range": "0-49", "is_deleted": "1"}),
    Step("POST /User the same login, external (authtype 4): GLPI adds a second user", "POST",
         "/User/", body={"input": {"name": "scim-rec-{tag}-auth", "authtype": 4}},
         save={"v": _id}),
    purge("DELETE /User/:id?force_purge=true (the second user)", "/User/{v}"),
    Step("PUT /User/:id restore with the create's authtype (4)", "PUT", "/User/{u}",
         body={"input": {"is_deleted": 0, "authtype": 4}}),
    Step("GET /User/:id restored, external", "GET", "/User/{u}", trim=_user_brief),
]

#: A create may carry its own ``date_creation`` and ``date_mod`` (``CommonDBTM::add`` sets
#: them only when the input has none): the bridge's create answer then shows what GLPI keeps.
def _dates(body: Any) -> Any:
    keep = ("id", "date_creation", "date_mod")
    return {key: body[key] for key in keep} if isinstance(body, dict) else body


CREATE_DATES = [
    step
    for itemtype, saved in (("User", "d"), ("Group", "g"))
    for step in (
        Step(f"POST /{itemtype} with date_creation and date_mod", "POST", f"/{itemtype}/",
             body={"input": {"name": "scim-rec-{tag}-dates",
                             "date_creation": "2026-01-02 03:04:05",
                             "date_mod": "2026-01-02 03:04:05"}}, save={saved: _id}),
        Step(f"GET /{itemtype}/:id keeps them", "GET", f"/{itemtype}/{{{saved}}}", trim=_dates),
    )
]


SCENARIOS: dict[str, list[Step]] = {
    "20_group_ldap_columns": GROUP_LDAP_COLUMNS,
    "21_password_history": PASSWORD_HISTORY,
    "22_profileless_user": PROFILELESS_USER,
    "23_search_options": SEARCH_OPTIONS,
    "24_bridge_calls": BRIDGE_CALLS,
    "25_filter_shapes": FILTER_SHAPES,
    "26_group_item_reads": GROUP_ITEM_READS,
    "27_profile_user_search": PROFILE_USER_SEARCH,
    "28_user_history": USER_HISTORY,
    "29_default_language": DEFAULT_LANGUAGE,
    "30_trashed_other_authtype": TRASHED_OTHER_AUTHTYPE,
    "31_create_dates": CREATE_DATES,
}
